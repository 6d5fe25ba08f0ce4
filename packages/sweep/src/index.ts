/**
 * `@polytope-lens/sweep`: runs the sweeps of packages/core/src/jobs/spec.ts on this machine's cores
 * (`runEmbedded`, results in a `DirStore`) or on any number of machines through BullMQ + Redis
 * (`enqueueSweep` / `startWorker`, results in Redis). See docs/sweeps.md.
 */
export { canonicalJson, runId, shardKey } from './key.js';
export { DirStore } from './store.js';
export type { ResultStore } from './store.js';
export { loadSweep, lookupSweep, sweepRef } from './registry.js';
export type { AnySweep, SweepRef, SweepRegistry } from './registry.js';
export { mergeStored, planSweep } from './plan.js';
export type { PlannedShard } from './plan.js';
export { ShardError, ShardPool } from './pool.js';
export { runEmbedded } from './embedded.js';
export type { EmbeddedOptions, SweepOutcome, SweepProgress } from './embedded.js';
export {
  RedisStore,
  connect,
  connectChecked,
  enqueueSweep,
  mergeRun,
  parseQueueUrl,
  runStatus,
  startWorker,
  sweepStatus,
  waitForRun,
} from './queue.js';
export type { EnqueueOptions, EnqueuedRun, RunStatus, RunningWorker, WorkerOptions } from './queue.js';
