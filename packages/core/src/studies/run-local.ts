/**
 * A simple in-process runner for `SweepDefinition`s: every shard in order on the calling thread,
 * then `merge`. For tests, small studies and the CLI until the job model (worker threads, BullMQ)
 * runs them; it produces the same merged result, since shards are pure and merged in shard order.
 */
import { AbortError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import type { SweepDefinition } from '../jobs/spec.js';

/** A macrotask turn (setImmediate, else setTimeout 0), so progress output, signals and cancellation get through between shards. */
function nextTurn(): Promise<void> {
  const g = globalThis as unknown as { setImmediate?: (cb: () => void) => unknown; setTimeout?: (cb: () => void, ms: number) => unknown };
  return new Promise<void>((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else if (typeof g.setTimeout === 'function') g.setTimeout(resolve, 0);
    else resolve();
  });
}

/** Options of `runSweepLocally`. */
export interface LocalSweepOptions<Params, Result> {
  readonly signal?: AbortSignalLike;
  /** Called after each shard with its index, parameters and result. */
  readonly onShard?: (index: number, total: number, params: Params, result: Result) => void;
}

/**
 * Runs every shard of `definition` for `options` sequentially and merges the results.
 *
 * @example
 * const merged = await runSweepLocally(booleanSuccessSweep, { functions: [27030], trials: 10 });
 */
export async function runSweepLocally<O, P, R, M>(
  definition: SweepDefinition<O, P, R, M>,
  options: O,
  local: LocalSweepOptions<P, R> = {},
): Promise<M> {
  const shards = definition.shards(options);
  const signal = local.signal ?? { aborted: false };
  const results: R[] = [];
  for (let i = 0; i < shards.length; i++) {
    if (signal.aborted) throw new AbortError();
    const r = await definition.run(shards[i]!, { signal, progress: () => {} });
    results.push(r);
    local.onShard?.(i, shards.length, shards[i]!, r);
    await nextTurn();
  }
  return definition.merge(results, options);
}
