/**
 * `@polytope-lens/core/coefficients`: only what a `polytope coefficients` worker thread needs, so a
 * worker starts without loading the whole library (importing the index costs a worker about
 * 0.2–0.45 CPU-seconds on the 2-core machine measured, this entry about 0.02). Library users
 * import from `@polytope-lens/core`.
 */
export { affineMapsBatch, releaseSharedJacobians, sharedJacobians } from './coefficients/batch.js';
export { prepareNetwork } from './network/prepared.js';
export { readNetworkJson } from './io/network-json.js';
export { PolytopeError } from './errors.js';
