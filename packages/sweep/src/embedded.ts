/**
 * The embedded runner: every shard without a stored result runs on a `ShardPool` on this machine,
 * and each result is stored the moment it arrives, so a killed run (`kill -9`) loses only the
 * shards in flight and the next run starts where it stopped. A finished sweep runs nothing again.
 */
import { AbortError } from '@polytope-lens/core';
import { planSweep, mergeStored } from './plan.js';
import type { PlannedShard } from './plan.js';
import { ShardError, ShardPool } from './pool.js';
import { loadSweep } from './registry.js';
import type { SweepRef } from './registry.js';
import type { ResultStore } from './store.js';

/** Progress of a sweep run. */
export interface SweepProgress {
  readonly total: number;
  /** Shards with a result (including those found in the store at the start). */
  readonly done: number;
  /** Shards found already done at the start. */
  readonly reused: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Estimated time left from this run's rate (NaN before the first shard ends). */
  readonly etaMs: number;
}

export interface EmbeddedOptions {
  ref: SweepRef;
  options: unknown;
  store: ResultStore;
  threads: number;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
}

/** How a sweep run ended. */
export interface SweepOutcome {
  readonly total: number;
  readonly reused: number;
  readonly computed: number;
  readonly failed: readonly { index: number; key: string; params: unknown; error: string }[];
  /** `def.merge`'s value when every shard has a result. */
  readonly merged?: unknown;
}

/** Runs a sweep on worker threads (see the file comment); rejects with `AbortError` when `signal` aborts. */
export async function runEmbedded(o: EmbeddedOptions): Promise<SweepOutcome> {
  const def = await loadSweep(o.ref);
  const shards = planSweep(def, o.options);
  const todo: PlannedShard[] = [];
  for (const s of shards) if ((await o.store.get(s.key)) === undefined) todo.push(s);
  const reused = shards.length - todo.length;
  const start = Date.now();
  let done = reused;
  const failed: { index: number; key: string; params: unknown; error: string }[] = [];
  const report = () => {
    const elapsedMs = Date.now() - start;
    const finished = done - reused + failed.length;
    const left = shards.length - done - failed.length;
    o.onProgress?.({
      total: shards.length,
      done,
      reused,
      failed: failed.length,
      elapsedMs,
      etaMs: finished > 0 ? (elapsedMs / finished) * left : NaN,
    });
  };
  report();
  if (todo.length > 0) {
    o.signal?.throwIfAborted();
    const pool = new ShardPool(o.ref, Math.max(1, Math.min(o.threads, todo.length)));
    const onAbort = () => void pool.close(true);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(
        todo.map(async (s) => {
          try {
            const json = await pool.run(s.params);
            await o.store.put(s.key, s.params, json);
            done++;
          } catch (err) {
            // A shard that stopped because of the cancellation is not a failure.
            if (!(err instanceof ShardError) || o.signal?.aborted === true) throw err;
            failed.push({ index: s.index, key: s.key, params: s.params, error: err.message });
            await o.store.fail(s.key, s.params, err.message);
          }
          report();
        }),
      );
    } catch (err) {
      if (o.signal?.aborted === true) throw new AbortError('cancelled');
      throw err;
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      await pool.close(o.signal?.aborted === true);
    }
  }
  failed.sort((a, b) => a.index - b.index);
  const base = { total: shards.length, reused, computed: done - reused, failed };
  if (failed.length > 0) return base;
  return { ...base, merged: await mergeStored(def, o.options, shards, o.store) };
}
