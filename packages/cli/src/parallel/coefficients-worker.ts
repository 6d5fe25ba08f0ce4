/** Worker thread for `polytope coefficients`: exact affine maps of the batches it is sent. */
import { parentPort } from 'node:worker_threads';
import { PolytopeError, prepareNetwork, readNetworkJson, releaseSharedJacobians } from '@polytope-lens/core/coefficients';
import type { PreparedNetwork } from '@polytope-lens/core';
import type { CoefficientsReply, CoefficientsRequest } from './coefficients-pool.js';
import { computeBatch } from './coefficients-batch.js';

const port = parentPort!;
let net: PreparedNetwork | null = null;
/** Shared Jacobians posted to the pool and not yet released, by region number. */
const held = new Map<number, Float64Array>();
let regions = 0;

port.on('message', (msg: CoefficientsRequest) => {
  if (msg.type === 'network') {
    net = prepareNetwork(readNetworkJson(msg.json));
    return;
  }
  if (msg.type === 'release') {
    const view = held.get(msg.region);
    held.delete(msg.region);
    if (view) releaseSharedJacobians(view);
    return;
  }
  // Where the network's Jacobians are made in place in this thread's shared kernel memory, the
  // reply carries a view of it (posted, not copied), held until the pool releases it.
  try {
    const { maps: b, region } = computeBatch(net!, msg);
    if (region) {
      const id = regions++;
      held.set(id, region);
      const reply: CoefficientsReply = { id: msg.id, xs: msg.xs, jacobians: region, offsets: b.offsets, region: id };
      port.postMessage(reply, [msg.xs.buffer as ArrayBuffer, b.offsets.buffer as ArrayBuffer]);
      return;
    }
    const reply: CoefficientsReply = { id: msg.id, xs: msg.xs, jacobians: b.jacobians, offsets: b.offsets };
    port.postMessage(reply, [msg.xs.buffer as ArrayBuffer, b.jacobians.buffer as ArrayBuffer, b.offsets.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: CoefficientsReply = {
      id: msg.id,
      error: { code: err instanceof PolytopeError ? err.code : 'internal', message: err instanceof Error ? err.message : String(err) },
    };
    port.postMessage(reply);
  }
});
