/** Worker thread of the parallel line partition: loads the model once, then runs its share of each batched pass. */
import { parentPort } from 'node:worker_threads';
import { InternalError, PolytopeError, prepareNetwork } from '@polytope-lens/core';
import type { PreparedNetwork } from '@polytope-lens/core';
import { sampleBatchNow } from '@polytope-lens/core/internal';
import { loadModel } from '../model.js';
import type { LineFromWorker, LineToWorker } from './line-protocol.js';

const port = parentPort!;
let net: PreparedNetwork | null = null;
let x0: Float64Array = new Float64Array(0);
let dir: Float64Array = new Float64Array(0);

port.on('message', (msg: LineToWorker) => {
  try {
    if (msg.type === 'init') {
      net = prepareNetwork(loadModel(msg.model));
      x0 = msg.x0;
      dir = msg.dir;
      post({ type: 'ready' });
      return;
    }
    if (!net) throw new InternalError('line worker: pass before init');
    const b = sampleBatchNow(net, x0, dir, msg.ts);
    post(
      { type: 'batch', id: msg.id, batch: b },
      [b.lo, b.hi, b.loUnit, b.hiUnit, b.codes, b.value, b.slope].map((a) => a.buffer as ArrayBuffer),
    );
  } catch (err) {
    const code = err instanceof PolytopeError ? err.code : 'internal';
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), code });
  }
});

function post(m: LineFromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}
