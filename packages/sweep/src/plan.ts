/** A sweep's shards with their keys, and the merge of stored results in shard order. */
import { InternalError, PolytopeError } from '@polytope-lens/core';
import { shardKey } from './key.js';
import type { AnySweep } from './registry.js';
import type { ResultStore } from './store.js';

/** Results read side by side when merging. */
const READ_CHUNK = 256;

/** One shard of a planned sweep. */
export interface PlannedShard {
  readonly index: number;
  readonly key: string;
  readonly params: unknown;
}

/** The shards of `def` for `options`, keyed; duplicate parameters are an error of the definition. */
export function planSweep(def: AnySweep, options: unknown): PlannedShard[] {
  const params = def.shards(options) as unknown[];
  const seen = new Map<string, number>();
  return params.map((p, index) => {
    const key = shardKey(def.name, def.version, p);
    const before = seen.get(key);
    if (before !== undefined) throw new InternalError(`sweep '${def.name}' lists the same shard twice (shards ${before} and ${index})`);
    seen.set(key, index);
    return { index, key, params: p };
  });
}

/**
 * Merges the stored results of every shard, read in shard order (never completion order), and
 * returns `def.merge`'s value. Every shard must have a result.
 */
export async function mergeStored(def: AnySweep, options: unknown, shards: readonly PlannedShard[], store: ResultStore): Promise<unknown> {
  const results: unknown[] = [];
  // Reads in chunks side by side (one round trip per chunk on Redis), kept in shard order.
  for (let i = 0; i < shards.length; i += READ_CHUNK) {
    const chunk = shards.slice(i, i + READ_CHUNK);
    const texts = await Promise.all(chunk.map((s) => store.get(s.key)));
    texts.forEach((json, j) => {
      if (json === undefined) throw new PolytopeError('not-applicable', `sweep '${def.name}': shard ${chunk[j]!.index} has no result yet`);
      results.push(JSON.parse(json));
    });
  }
  return def.merge(results, options);
}
