/**
 * The sweep contract shared by every sweep-like study (issue 14's job model runs it; the Boolean,
 * chapter-4, chapter-7 and polytopes studies provide it). Types only: the runners (worker threads,
 * BullMQ) live outside core, which must stay browser-safe.
 *
 * A sweep is a deterministic list of shards. A shard is a JSON-serialisable parameter object; its
 * key is a hash of the sweep's name, its `version` and the canonical JSON of the parameters, so a
 * result written under that key is valid for as long as the version is unchanged. `run` must be a
 * pure function of the parameters (seeded randomness only). `merge` receives the results in shard
 * order, never completion order, so the merged result does not depend on scheduling.
 */
import type { AbortSignalLike } from '../errors.js';

/** What a running shard may use: a cancellation signal and a progress callback. */
export interface ShardContext {
  /** Aborted when the sweep is cancelled or the worker shuts down; long shards check it. */
  readonly signal: AbortSignalLike;
  /** Reports the shard's own progress in [0, 1] (optional to call). */
  progress(fraction: number): void;
}

/** One sweep: how to list its shards, run one, and merge all results. */
export interface SweepDefinition<Options = unknown, Params = unknown, Result = unknown, Merged = unknown> {
  /** Stable name, e.g. `boolean-success`; part of every shard key. */
  readonly name: string;
  /** Version of the code and data the results depend on; bump it whenever results would change. */
  readonly version: string;
  /** The shards for these options, in a deterministic order (JSON-serialisable parameters). */
  shards(options: Options): Params[];
  /** Runs one shard; deterministic given its parameters. Results must be JSON-serialisable. */
  run(params: Params, context: ShardContext): Promise<Result> | Result;
  /** Merges the results, given in shard order. */
  merge(results: Result[], options: Options): Merged;
}
