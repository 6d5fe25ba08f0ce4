/** Worker thread for `polytope coefficients`: exact affine maps of the batches it is sent. */
import { parentPort } from 'node:worker_threads';
import { PolytopeError, affineMapsBatch, prepareNetwork, readNetworkJson } from '@polytope-lens/core/coefficients';
import type { PreparedNetwork } from '@polytope-lens/core';
import type { CoefficientsReply, CoefficientsRequest } from './coefficients-pool.js';

const port = parentPort!;
let net: PreparedNetwork | null = null;

port.on('message', (msg: CoefficientsRequest) => {
  if (msg.type === 'network') {
    net = prepareNetwork(readNetworkJson(msg.json));
    return;
  }
  try {
    const b = affineMapsBatch(net!, msg.xs, msg.count, msg);
    const reply: CoefficientsReply = { id: msg.id, jacobians: b.jacobians, offsets: b.offsets };
    port.postMessage(reply, [b.jacobians.buffer as ArrayBuffer, b.offsets.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: CoefficientsReply = {
      id: msg.id,
      error: { code: err instanceof PolytopeError ? err.code : 'internal', message: err instanceof Error ? err.message : String(err) },
    };
    port.postMessage(reply);
  }
});
