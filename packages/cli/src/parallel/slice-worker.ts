/** Worker thread: partitions the frames it is sent and streams regions back in batches. */
import { parentPort } from 'node:worker_threads';
import { polygonOps, readNetworkJson, runPartition } from '@polytope-lens/core';
import type { Network, Polygon } from '@polytope-lens/core';
import { deserializeFrame } from './protocol.js';
import type { FromWorker, JobSetup, RegionBatch, ToWorker } from './protocol.js';

const port = parentPort!;
let init: JobSetup | null = null;
let net: Network | null = null;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    port.close();
    return;
  }
  if (msg.type === 'job') {
    init = msg.setup;
    try {
      net = readNetworkJson(init.network);
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (!init || !net || msg.job !== init.job) return;
  const o = net.outputSize;
  const numUnits = net.numUnits;
  try {
    const nodes = net.nodes.length;
    const frames = msg.frames.map((f) => deserializeFrame(f, nodes));
    const cap = init.batch;
    let cells: Polygon[] = [];
    let codes = new Uint8Array(cap * numUnits);
    let outputs = new Float64Array(cap * o * 3);
    const flush = () => {
      const count = cells.length;
      if (count === 0) return;
      const starts = new Int32Array(count + 1);
      for (let i = 0; i < count; i++) starts[i + 1] = starts[i]! + cells[i]!.n;
      const xy = new Float64Array(2 * starts[count]!);
      const labels = new Int32Array(starts[count]!);
      for (let i = 0; i < count; i++) {
        xy.set(cells[i]!.xy.subarray(0, 2 * cells[i]!.n), 2 * starts[i]!);
        labels.set(cells[i]!.labels.subarray(0, cells[i]!.n), starts[i]!);
      }
      const batch: RegionBatch = {
        type: 'regions',
        frame: msg.index,
        count,
        starts,
        xy,
        labels,
        codes: codes.subarray(0, count * numUnits),
        outputs: outputs.subarray(0, count * o * 3),
      };
      post(batch, [starts.buffer, xy.buffer, labels.buffer, codes.buffer, outputs.buffer]);
      cells = [];
      codes = new Uint8Array(cap * numUnits);
      outputs = new Float64Array(cap * o * 3);
    };
    runPartition(net, polygonOps, frames[0]!.cell, init.origin, init.dirs, init.extent, (r) => {
      const i = cells.length;
      cells.push(r.cell as Polygon);
      codes.set(r.code, i * numUnits);
      outputs.set(r.output.subarray(0, o * 3), i * o * 3);
      if (cells.length === cap) flush();
    }, { frames });
    flush();
    post({ type: 'frame-done', frame: msg.index });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
post({ type: 'ready' });
