/**
 * The job model on worker threads: keys, the directory store, deterministic merge, resume, a
 * finished sweep that runs nothing, failures, cancellation. The fixture sweep's values are checked
 * against the same function called directly (an independent path: no pool, no store, no merge).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirStore, canonicalJson, runEmbedded, shardKey, sweepRef } from '../dist/index.js';
// @ts-expect-error -- a plain JavaScript fixture without types
import { spinValue } from './fixtures/sweeps.mjs';

const ref = sweepRef(new URL('./fixtures/sweeps.mjs', import.meta.url), 'spinSweep');
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'polytope-sweep-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const expected = (n: number, work: number) => Array.from({ length: n }, (_, i) => (spinValue as (i: number, w: number) => number)(i, work));

describe('shard keys', () => {
  it('hash name, version and canonical parameters', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":2}]}');
    expect(shardKey('s', '1', { a: 1, b: 2 })).toBe(shardKey('s', '1', { b: 2, a: 1 }));
    expect(shardKey('s', '1', { a: 1 })).not.toBe(shardKey('s', '2', { a: 1 }));
    expect(shardKey('s', '1', { a: 1 })).not.toBe(shardKey('t', '1', { a: 1 }));
    // sha256("s\0" + "1\0" + '{"a":1}'), computed independently with coreutils.
    // printf 's\0001\000{"a":1}' | sha256sum
    expect(shardKey('s', '1', { a: 1 })).toBe('d1dc061a3f9083ed4f13e3821eee2e337a6c62676417638ebed29081d285f3ad');
    expect(() => canonicalJson({ a: NaN })).toThrow(/finite/);
  });
});

describe('embedded runner', () => {
  it('runs every shard on threads, merges in shard order, and a second run computes nothing', async () => {
    const store = new DirStore(tempDir(), 'test-spin');
    const seen: number[] = [];
    const first = await runEmbedded({ ref, options: { n: 12, work: 20000 }, store, threads: 2, onProgress: (p) => seen.push(p.done) });
    expect(first.computed).toBe(12);
    const merged = first.merged as { values: number[]; order: number[] };
    expect(merged.values).toEqual(expected(12, 20000));
    expect(merged.order).toEqual([...Array(12).keys()]);
    expect(seen.at(-1)).toBe(12);
    const again = await runEmbedded({ ref, options: { n: 12, work: 20000 }, store, threads: 2 });
    expect(again.computed).toBe(0);
    expect(again.reused).toBe(12);
    expect(JSON.stringify(again.merged)).toBe(JSON.stringify(first.merged));
  });

  it('resumes: shards already stored are not run again, and a shard is written once', async () => {
    const dir = tempDir();
    const store = new DirStore(dir, 'test-spin');
    await runEmbedded({ ref, options: { n: 5, work: 1000 }, store, threads: 2 });
    const log = join(dir, 'starts.log');
    writeFileSync(log, '');
    process.env.SWEEP_FIXTURE_LOG = log;
    try {
      const more = await runEmbedded({ ref, options: { n: 9, work: 1000 }, store, threads: 2 });
      expect(more.reused).toBe(5);
      expect(more.computed).toBe(4);
    } finally {
      delete process.env.SWEEP_FIXTURE_LOG;
    }
    expect(readFileSync(log, 'utf8').trim().split('\n').map(Number).sort()).toEqual([5, 6, 7, 8]);
    const key = shardKey('test-spin', '1', { i: 0, work: 1000 });
    expect(await store.put(key, { i: 0, work: 1000 }, '{"i":0,"value":-1}')).toBe(false);
    expect(JSON.parse((await store.get(key))!)).toEqual({ i: 0, value: expected(1, 1000)[0] });
    const files = readdirSync(join(dir, 'test-spin'), { recursive: true }).filter((f) => String(f).endsWith('.json'));
    expect(files).toHaveLength(9);
  });

  it('records a failing shard with its error, finishes the rest, and does not merge', async () => {
    const store = new DirStore(tempDir(), 'test-spin');
    const out = await runEmbedded({ ref, options: { n: 6, work: 100, fail: [4] }, store, threads: 2 });
    expect(out.computed).toBe(5);
    expect(out.failed.map((f) => [f.index, f.error])).toEqual([[4, 'shard 4 fails on purpose']]);
    expect(out.merged).toBeUndefined();
    expect(await store.failures(out.failed.map((f) => f.key))).toEqual([{ key: out.failed[0]!.key, error: 'shard 4 fails on purpose' }]);
  });

  it('cancels within a second, keeping the finished shards', async () => {
    const store = new DirStore(tempDir(), 'test-spin');
    const controller = new AbortController();
    let t0 = 0;
    const onProgress = (p: { done: number }) => {
      // Shards 0 and 1 are quick; 2 and 3 would take 20 s each: cancel once the quick ones are stored.
      if (p.done === 2 && t0 === 0) setTimeout(() => ((t0 = Date.now()), controller.abort()), 100);
    };
    const options = { n: 4, work: 10, slow: [2, 3], slowMs: 20000 };
    const run = runEmbedded({ ref, options, store, threads: 2, signal: controller.signal, onProgress });
    await expect(run).rejects.toThrow(/cancel/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const again = await runEmbedded({ ref, options: { n: 2, work: 10 }, store, threads: 1 });
    expect(again.reused).toBe(2);
  });
});
