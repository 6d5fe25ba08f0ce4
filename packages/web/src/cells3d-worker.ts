/**
 * 3-D cells worker: reads the model, and for a 3-input MLP computes its cells over the requested
 * box (default [−1, 1]³; `cells3d`) and sends them as flat arrays with the three.js triangles and edges ready
 * (`flattenCells`, transferred), so the page only wraps buffers in geometries. Off the main thread:
 * a 3-8-8-1 net's 370 cells take about 0.35 s in Node, a seeded 3-16-16-1 net's 2,282 about 0.5 s.
 */
import { asMlp, readNetworkJson, readOnnx } from '@polytope-lens/core';
import { cells3d, flatCellsBuffers, flattenCells } from './cells3d.js';
import type { FlatCells3 } from './cells3d.js';

export interface CellsRequest {
  readonly id: number;
  readonly net: string | Uint8Array;
  /** `[x0 lo, x0 hi, x1 lo, x1 hi, x2 lo, x2 hi]`; default [−1, 1]³. */
  readonly box?: readonly [number, number, number, number, number, number];
}

export type FromCells =
  /** The model has 3 inputs: its cells are being computed. */
  | { type: 'start'; id: number }
  | { type: 'cells'; id: number; cells: FlatCells3; ms: number }
  /** Not a 3-input MLP (or unreadable: the slicer reports that): no 3-D view. */
  | { type: 'none'; id: number }
  | { type: 'error'; id: number; message: string };

const ctx = self as unknown as {
  postMessage(m: FromCells, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

ctx.onmessage = (e: MessageEvent) => {
  const { id, net: model, box = [-1, 1, -1, 1, -1, 1] } = e.data as CellsRequest;
  let layers;
  try {
    const net = typeof model === 'string' ? readNetworkJson(model) : readOnnx(model);
    if (net.inputSize !== 3) return ctx.postMessage({ type: 'none', id });
    layers = asMlp(net);
  } catch {
    return ctx.postMessage({ type: 'none', id });
  }
  try {
    ctx.postMessage({ type: 'start', id });
    const t0 = performance.now();
    const cells = flattenCells(cells3d(layers, [box[0], box[2], box[4]], [box[1], box[3], box[5]]));
    ctx.postMessage({ type: 'cells', id, cells, ms: performance.now() - t0 }, flatCellsBuffers(cells));
  } catch (err) {
    ctx.postMessage({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
};
