/**
 * One batch of `polytope coefficients`, as the pool's own thread and its workers both compute it.
 * Imports only `@polytope-lens/core/coefficients` (the workers' light entry).
 */
import { affineMapsBatch, releaseSharedJacobians, sharedJacobians } from '@polytope-lens/core/coefficients';
import type { AffineBatch, PreparedNetwork } from '@polytope-lens/core';

/**
 * The exact maps of a batch of `count` samples (row-major `xs`): into Jacobians in this thread's
 * shared kernel memory where the network has them (`region`: the caller releases it once they are
 * read; given offsets are still used), else into the given buffers. On an error, a region taken
 * here is released before the error is passed on.
 */
export function computeBatch(
  net: PreparedNetwork,
  msg: { xs: Float64Array; count: number; jacobians?: Float64Array; offsets?: Float64Array },
): { maps: AffineBatch; region: Float64Array | null } {
  const region = sharedJacobians(net, msg.count);
  try {
    const into = region ? { jacobians: region, ...(msg.offsets ? { offsets: msg.offsets } : {}) } : msg;
    return { maps: affineMapsBatch(net, msg.xs, msg.count, into), region };
  } catch (err) {
    if (region) releaseSharedJacobians(region);
    throw err;
  }
}
