/**
 * Model-explorer worker: the path view (the core's exact `partitionLine` between two inputs, then
 * `pathSummary`) and the Jacobian images (`affineMapAt`, then `jacobianImage` for every output), off
 * the main thread — a CNN's path takes seconds and its Jacobian over 100 ms (docs/web.md, *Measured*).
 * The network comes once (`model`) and is kept; each job answers with flat typed arrays, transferred.
 * A newer job supersedes an older one by replacing the worker (`ExplorerJobs` in explorer-client.ts).
 */
import { affineMapAt, partitionLine, readNetworkJson, readOnnx } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import type { FromExplorer, JacobianAnswer, PathAnswer, ToExplorer } from './explorer-protocol.js';
import { jacobianImage } from './jacobian-image.js';
import { pathSummary } from './path-view.js';

const ctx = self as unknown as {
  postMessage(m: FromExplorer, transfer?: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};
const held: { net: Network | undefined; error: string | undefined } = { net: undefined, error: undefined };

function network(): Network {
  if (!held.net) throw new Error(held.error ?? 'no model');
  return held.net;
}

function path(m: Extract<ToExplorer, { type: 'path' }>): PathAnswer {
  const onProgress = (p: { fraction: number; regions: number }) =>
    ctx.postMessage({ type: 'progress', id: m.id, fraction: p.fraction, pieces: p.regions });
  return { type: 'path', id: m.id, ...pathSummary(partitionLine(network(), m.from, m.to, { onProgress }), m.from, m.to) };
}

function jacobian(m: Extract<ToExplorer, { type: 'jacobian' }>): JacobianAnswer {
  const a = affineMapAt(network(), m.x);
  const size = m.shape.width * m.shape.height * 4;
  const images = new Uint8ClampedArray(a.outputs * size);
  for (let k = 0; k < a.outputs; k++) images.set(jacobianImage(a.jacobian, k, m.shape), k * size);
  return { type: 'jacobian', id: m.id, outputs: a.outputs, images };
}

ctx.onmessage = (e: MessageEvent) => {
  const m = e.data as ToExplorer;
  if (m.type === 'model') {
    try {
      held.net = typeof m.net === 'string' ? readNetworkJson(m.net) : readOnnx(m.net);
      held.error = undefined;
    } catch (err) {
      held.net = undefined;
      held.error = err instanceof Error ? err.message : String(err);
    }
    return;
  }
  try {
    if (m.type === 'path') {
      const a = path(m);
      ctx.postMessage(a, [a.ts.buffer as ArrayBuffer, a.values.buffer as ArrayBuffer]);
    } else {
      const a = jacobian(m);
      ctx.postMessage(a, [a.images.buffer as ArrayBuffer]);
    }
  } catch (err) {
    ctx.postMessage({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
  }
};
