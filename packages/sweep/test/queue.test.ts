/**
 * The job model on BullMQ + Redis, with faults: a worker killed mid-shard, Redis restarted during a
 * sweep, a shard delivered twice, a shard that always throws; and the merged result of a
 * distributed run against the embedded run's, byte for byte. Each test starts Debian's
 * redis-server on loopback on a free port and stops it afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import {
  DirStore,
  connect,
  enqueueSweep,
  loadSweep,
  mergeRun,
  runEmbedded,
  startWorker,
  sweepRef,
  sweepStatus,
  waitForRun,
} from '../dist/index.js';
import type { AnySweep, RunningWorker } from '../dist/index.js';
// @ts-expect-error -- a plain JavaScript fixture without types
import { spinValue } from './fixtures/sweeps.mjs';
import { haveRedis, startRedis } from './redis-server.js';
import type { TestRedis } from './redis-server.js';

const ref = sweepRef(new URL('./fixtures/sweeps.mjs', import.meta.url), 'spinSweep');
const registry = { 'test-spin': ref };
const WORKER_MAIN = fileURLToPath(new URL('./fixtures/worker-main.mjs', import.meta.url));
const value = spinValue as (i: number, w: number) => number;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'polytope-sweepq-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `body` with a fresh Redis and a loaded fixture definition; everything is stopped afterwards. */
async function withRedis(aof: boolean, body: (r: TestRedis, def: AnySweep) => Promise<void>): Promise<void> {
  const redis = await startRedis(aof);
  try {
    await body(redis, await loadSweep(ref));
  } finally {
    await redis.dispose();
  }
}

describe.skipIf(!haveRedis)('sweeps on BullMQ + Redis', () => {
  it('give the embedded run’s merged result byte for byte, and count a duplicate delivery once', async () => {
    await withRedis(false, async (server, def) => {
      const options = { n: 10, work: 20000 };
      const embedded = await runEmbedded({ ref, options, store: new DirStore(tempDir(), 'test-spin'), threads: 2 });
      const redis = connect(server.url);
      const duplicates: string[] = [];
      const worker = await startWorker({ url: server.url, registry, threads: 2, onShard: (e) => e.duplicate && duplicates.push(e.key) });
      try {
        const run = await enqueueSweep({ redis, def, options });
        expect(run.queued).toBe(10);
        const status = await waitForRun(redis, run.id, { pollMs: 50 });
        expect(status.done).toBe(10);
        const merged = await mergeRun(redis, def, options);
        expect(JSON.stringify(merged)).toBe(JSON.stringify(embedded.merged));
        expect((merged as { values: number[] }).values).toEqual(Array.from({ length: 10 }, (_, i) => value(i, 20000)));
        // Deliver shard 3 a second time (as BullMQ may after a lost lock): same result, counted once.
        const shard = run.shards[3]!;
        const before = await redis.hget('polytope:sweep:results:test-spin', shard.key);
        const queue = new Queue('polytope-sweeps', {
          connection: { host: '127.0.0.1', port: Number(new URL(server.url).port) },
          prefix: 'polytope',
        });
        await queue.add(
          'test-spin',
          { run: run.id, name: 'test-spin', version: '1', key: shard.key, params: shard.params },
          { jobId: 'again' },
        );
        await queue.close();
        for (let t = 0; t < 100 && duplicates.length === 0; t++) await new Promise((r) => setTimeout(r, 50));
        expect(duplicates).toEqual([shard.key]);
        expect(await redis.hget('polytope:sweep:results:test-spin', shard.key)).toBe(before);
        expect(await redis.hlen('polytope:sweep:results:test-spin')).toBe(10);
        expect((await sweepStatus(redis)).runs.map((r) => [r.done, r.total])).toEqual([[10, 10]]);
        // Enqueueing the finished sweep again queues nothing.
        expect((await enqueueSweep({ redis, def, options })).queued).toBe(0);
      } finally {
        await worker.close();
        redis.disconnect();
      }
    });
  });

  it('dead-letter a shard that always throws, with its error, while the rest completes', async () => {
    await withRedis(false, async (server, def) => {
      const redis = connect(server.url);
      const worker = await startWorker({ url: server.url, registry, threads: 2 });
      try {
        const options = { n: 6, work: 100, fail: [2] };
        const run = await enqueueSweep({ redis, def, options, attempts: 3, backoffMs: 50 });
        const status = await waitForRun(redis, run.id, { pollMs: 50 });
        expect(status.done).toBe(5);
        expect(status.dead.map((d) => [d.key, d.error, d.attempts])).toEqual([[run.shards[2]!.key, 'shard 2 fails on purpose', 3]]);
      } finally {
        await worker.close();
        redis.disconnect();
      }
    });
  });

  it('re-deliver the shard of a worker killed mid-shard; its result is present exactly once', async () => {
    await withRedis(false, async (server, def) => {
      const log = join(tempDir(), 'starts.log');
      writeFileSync(log, '');
      const child = spawn(process.execPath, [WORKER_MAIN, server.url, '1000'], { env: { ...process.env, SWEEP_FIXTURE_LOG: log } });
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      const redis = connect(server.url);
      let worker: RunningWorker | undefined;
      try {
        const options = { n: 1, work: 10, slow: [0], slowMs: 1500 };
        const run = await enqueueSweep({ redis, def, options });
        for (let t = 0; t < 200 && readFileSync(log, 'utf8') === ''; t++) await new Promise((r) => setTimeout(r, 25));
        child.kill('SIGKILL');
        process.env.SWEEP_FIXTURE_LOG = log;
        worker = await startWorker({ url: server.url, registry, threads: 1, lockDurationMs: 1000, stalledIntervalMs: 300 });
        const status = await waitForRun(redis, run.id, { pollMs: 50 });
        expect(status.done).toBe(1);
        expect(readFileSync(log, 'utf8')).toBe('0\n0\n');
        expect(await redis.hlen('polytope:sweep:results:test-spin')).toBe(1);
        expect(JSON.parse((await redis.hget('polytope:sweep:results:test-spin', run.shards[0]!.key))!)).toEqual({
          i: 0,
          value: value(0, 10),
        });
      } finally {
        delete process.env.SWEEP_FIXTURE_LOG;
        child.kill('SIGKILL');
        await worker?.close();
        redis.disconnect();
      }
    });
  });

  it('complete a sweep across a Redis restart, nothing lost or doubled', async () => {
    await withRedis(true, async (server, def) => {
      const redis = connect(server.url);
      const worker = await startWorker({ url: server.url, registry, threads: 2, lockDurationMs: 2000 });
      try {
        const options = { n: 30, work: 300000 };
        const run = await enqueueSweep({ redis, def, options });
        const doneKey = `polytope:sweep:run:${run.id}:done`;
        for (let t = 0; t < 500 && (await redis.scard(doneKey)) < 5; t++) await new Promise((r) => setTimeout(r, 20));
        const doneBefore = await redis.scard(doneKey);
        await server.stop();
        await new Promise((r) => setTimeout(r, 300));
        await server.start();
        const status = await waitForRun(redis, run.id, { pollMs: 50 });
        expect(doneBefore).toBeLessThan(30);
        expect(status.done).toBe(30);
        expect(await redis.hlen('polytope:sweep:results:test-spin')).toBe(30);
        const merged = (await mergeRun(redis, def, options)) as { values: number[] };
        expect(merged.values).toEqual(Array.from({ length: 30 }, (_, i) => value(i, 300000)));
      } finally {
        await worker.close();
        redis.disconnect();
      }
    });
  });
});
