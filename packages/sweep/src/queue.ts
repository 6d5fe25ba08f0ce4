/**
 * Sweeps on BullMQ + Redis. One BullMQ queue, `polytope-sweeps` (key prefix `polytope`), carries the
 * shards of every run; a job's id is `RUN-KEY`, so enqueueing a shard that is already queued does
 * nothing. The results live in Redis itself, which every worker reaches already:
 *
 *   polytope:sweep:results:NAME      hash  shard key → result JSON (HSETNX: the first write wins)
 *   polytope:sweep:run:RUN           hash  name, version, options, total, created
 *   polytope:sweep:run:RUN:done      set   shard keys of RUN with a result (counted once however often delivered)
 *   polytope:sweep:run:RUN:dead      hash  shard key → {"params","error","attempts"} once retries are spent
 *   polytope:sweep:runs              zset  run ids by creation time
 *
 * A result and its `done` mark are written in one MULTI. A job is retried with exponential backoff;
 * a worker that dies or stops renewing its lock has its job re-delivered by BullMQ's stalled-job
 * check; a duplicate delivery finds the result present and only re-marks it done.
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { PolytopeError } from '@polytope-lens/core';
import { runId } from './key.js';
import { mergeStored, planSweep } from './plan.js';
import type { PlannedShard } from './plan.js';
import { ShardError, ShardPool } from './pool.js';
import { loadSweep, lookupSweep } from './registry.js';
import type { AnySweep, SweepRef, SweepRegistry } from './registry.js';
import type { ResultStore } from './store.js';

const QUEUE = 'polytope-sweeps';
const PREFIX = 'polytope';
const K = {
  results: (name: string) => `polytope:sweep:results:${name}`,
  run: (id: string) => `polytope:sweep:run:${id}`,
  done: (id: string) => `polytope:sweep:run:${id}:done`,
  dead: (id: string) => `polytope:sweep:run:${id}:dead`,
  runs: 'polytope:sweep:runs',
};
/** Shards per Redis round trip when enqueueing or reading. */
const CHUNK = 500;

/** The data of one shard job. */
interface ShardJob {
  run: string;
  name: string;
  version: string;
  key: string;
  params: unknown;
}

/** `redis://host:port[/db]` → ioredis options (BullMQ needs `maxRetriesPerRequest: null`: commands wait for a reconnect). */
export function parseQueueUrl(url: string): { host: string; port: number; db: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PolytopeError('bad-option', `--queue must be a URL such as redis://127.0.0.1:6379, got '${url}'`);
  }
  if (u.protocol !== 'redis:' || u.hostname === '')
    throw new PolytopeError('bad-option', `--queue must be a URL such as redis://127.0.0.1:6379, got '${url}'`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new PolytopeError('bad-option', `--queue: database '${u.pathname.slice(1)}' is not a number`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 6379 : Number(u.port), db };
}

/** An ioredis connection for `url` that waits through reconnects (a Redis restart). */
export function connect(url: string): Redis {
  const redis = new Redis({ ...parseQueueUrl(url), maxRetriesPerRequest: null, enableAutoPipelining: true, retryStrategy: reconnectDelay });
  // A lost connection is retried (reconnectDelay); commands wait meanwhile. The errors are not news.
  redis.on('error', () => undefined);
  return redis;
}

/** How long `connectChecked` waits for Redis to answer (ms). */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * `connect`, then waits until Redis answers; a one-line error at the first failure to connect or
 * after `timeoutMs` (a wrong host or port, Redis not running), instead of waiting for ever. Once
 * connected, the connection rides out later failures (see `connect`).
 */
export async function connectChecked(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Redis> {
  const redis = connect(url);
  const fail = (why: string) => new PolytopeError('bad-option', `cannot reach Redis at ${url} (${why})`);
  let onError: ((err: Error) => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        onError = (err: Error) => reject(fail(err.message));
        redis.once('error', onError);
        timer = setTimeout(() => reject(fail(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    redis.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
    if (onError) redis.off('error', onError);
  }
  return redis;
}

/** Reconnect after 50, 100, … ms, at most a second apart. */
function reconnectDelay(attempt: number): number {
  return Math.min(50 * attempt, 1000);
}

/** Options for a connection BullMQ opens and closes itself (same server as `redis`). */
function ownConnection(redis: Redis): RedisOptions {
  const { host, port, db } = redis.options;
  return { host, port, db, maxRetriesPerRequest: null, retryStrategy: reconnectDelay } as RedisOptions;
}

/** The results of sweep `name` in Redis, as a `ResultStore` (what `mergeStored` reads). */
export class RedisStore implements ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly name: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.hget(K.results(this.name), key)) ?? undefined;
  }

  async put(key: string, _params: unknown, resultJson: string): Promise<boolean> {
    return (await this.redis.hsetnx(K.results(this.name), key, resultJson)) === 1;
  }

  async fail(): Promise<void> {
    // Failures are per run (the dead-letter hash), written by the worker.
  }

  failures(): Promise<{ key: string; error: string }[]> {
    return Promise.resolve([]);
  }
}

export interface EnqueueOptions {
  redis: Redis;
  def: AnySweep;
  options: unknown;
  /** Attempts per shard before it is dead-lettered (default 3). */
  attempts?: number;
  /** First retry delay; doubles each attempt (ms, default 1000). */
  backoffMs?: number;
}

/** What `enqueueSweep` did. */
export interface EnqueuedRun {
  readonly id: string;
  readonly total: number;
  /** Shards already in the result store (not enqueued). */
  readonly reused: number;
  readonly queued: number;
  readonly shards: readonly PlannedShard[];
}

/** Records the run and enqueues every shard that has no result yet. Enqueueing the same run again adds nothing new. */
export async function enqueueSweep(o: EnqueueOptions): Promise<EnqueuedRun> {
  const { redis, def } = o;
  const shards = planSweep(def, o.options);
  const id = runId(def.name, def.version, o.options);
  await redis.hset(K.run(id), { name: def.name, version: def.version, options: JSON.stringify(o.options ?? null), total: shards.length });
  await redis.hsetnx(K.run(id), 'created', Date.now());
  await redis.zadd(K.runs, 'NX', Date.now(), id);
  const queue = new Queue<ShardJob>(QUEUE, { connection: ownConnection(redis), prefix: PREFIX });
  let reused = 0;
  try {
    for (let i = 0; i < shards.length; i += CHUNK) {
      const chunk = shards.slice(i, i + CHUNK);
      const have = await redis.hmget(K.results(def.name), ...chunk.map((s) => s.key));
      const done = chunk.filter((_, j) => have[j] !== null);
      const todo = chunk.filter((_, j) => have[j] === null);
      reused += done.length;
      if (done.length > 0) await redis.sadd(K.done(id), ...done.map((s) => s.key));
      if (todo.length > 0) await redis.hdel(K.dead(id), ...todo.map((s) => s.key));
      await queue.addBulk(
        todo.map((s) => ({
          name: def.name,
          data: { run: id, name: def.name, version: def.version, key: s.key, params: s.params },
          opts: {
            jobId: `${id}-${s.key}`,
            attempts: o.attempts ?? 3,
            backoff: { type: 'exponential', delay: o.backoffMs ?? 1000 },
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
    }
  } finally {
    await queue.close();
  }
  return { id, total: shards.length, reused, queued: shards.length - reused, shards };
}

/** Progress of one distributed run. */
export interface RunStatus {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly options: unknown;
  readonly total: number;
  readonly done: number;
  readonly dead: readonly { key: string; params: unknown; error: string; attempts: number }[];
  readonly created: number;
}

/** The status of run `id` (undefined when Redis has no such run). */
export async function runStatus(redis: Redis, id: string): Promise<RunStatus | undefined> {
  const rec = await redis.hgetall(K.run(id));
  if (rec.name === undefined) return undefined;
  const deadRaw = await redis.hgetall(K.dead(id));
  const dead = Object.entries(deadRaw)
    .map(([key, v]) => ({ key, ...(JSON.parse(v) as { params: unknown; error: string; attempts: number }) }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    id,
    name: rec.name,
    version: rec.version ?? '',
    options: JSON.parse(rec.options ?? 'null'),
    total: Number(rec.total),
    done: await redis.scard(K.done(id)),
    dead,
    created: Number(rec.created),
  };
}

/** Every run Redis knows, oldest first, and the queue's job counts. */
export async function sweepStatus(redis: Redis): Promise<{ runs: RunStatus[]; queue: Record<string, number> }> {
  const ids = await redis.zrange(K.runs, 0, -1);
  const runs: RunStatus[] = [];
  for (const id of ids) {
    const s = await runStatus(redis, id);
    if (s) runs.push(s);
  }
  const queue = new Queue(QUEUE, { connection: ownConnection(redis), prefix: PREFIX });
  try {
    return { runs, queue: await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized') };
  } finally {
    await queue.close();
  }
}

/** Polls run `id` until every shard is done or dead (or `signal` aborts); `onStatus` sees each poll. */
export async function waitForRun(
  redis: Redis,
  id: string,
  o: { pollMs?: number; signal?: AbortSignal; onStatus?: (s: RunStatus) => void } = {},
): Promise<RunStatus> {
  for (;;) {
    o.signal?.throwIfAborted();
    const s = await runStatus(redis, id);
    if (!s) throw new PolytopeError('bad-option', `no sweep run '${id}' in this Redis`);
    o.onStatus?.(s);
    if (s.done + s.dead.length >= s.total) return s;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
}

/** The merged result of a finished run, from the results in Redis (in shard order). */
export async function mergeRun(redis: Redis, def: AnySweep, options: unknown): Promise<unknown> {
  return mergeStored(def, options, planSweep(def, options), new RedisStore(redis, def.name));
}

export interface WorkerOptions {
  url: string;
  registry: SweepRegistry;
  /** Shards at once (one thread each). */
  threads: number;
  /** BullMQ lock: a job whose worker stops renewing it for this long is re-delivered (ms, default 30 000). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (ms, default lockDuration / 2). */
  stalledIntervalMs?: number;
  /** Called after each shard (ok or failed). */
  onShard?: (e: { name: string; key: string; ok: boolean; duplicate: boolean; error?: string }) => void;
}

/** A running queue worker; `close(true)` cancels the shards in flight (they are re-delivered). */
export interface RunningWorker {
  close(cancel?: boolean): Promise<void>;
}

/**
 * Takes shards off the queue and runs them on worker threads (so the event loop stays free to
 * renew job locks), until closed.
 */
export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const redis = await connectChecked(o.url);
  const pools = new Map<string, { pool: ShardPool; def: Promise<AnySweep> }>();
  const poolFor = (name: string) => {
    let p = pools.get(name);
    if (!p) {
      const ref: SweepRef = lookupSweep(o.registry, name);
      p = { pool: new ShardPool(ref, o.threads), def: loadSweep(ref) };
      pools.set(name, p);
    }
    return p;
  };
  const process = async (job: Job<ShardJob>): Promise<string> => {
    const { run, name, version, key, params } = job.data;
    let entry: ReturnType<typeof poolFor>;
    try {
      entry = poolFor(name);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    const def = await entry.def;
    if (def.version !== version) throw new UnrecoverableError(`this worker has ${name} version ${def.version}, the shard wants ${version}`);
    if ((await redis.hexists(K.results(name), key)) === 1) {
      await redis.multi().sadd(K.done(run), key).hdel(K.dead(run), key).exec();
      o.onShard?.({ name, key, ok: true, duplicate: true });
      return 'duplicate';
    }
    let json: string;
    try {
      json = await entry.pool.run(params);
    } catch (err) {
      if (err instanceof ShardError) {
        const attempts = job.opts.attempts ?? 1;
        if (job.attemptsMade + 1 >= attempts)
          await redis.hset(K.dead(run), key, JSON.stringify({ params, error: err.message, attempts: job.attemptsMade + 1 }));
        o.onShard?.({ name, key, ok: false, duplicate: false, error: err.message });
      }
      throw err;
    }
    await redis.multi().hsetnx(K.results(name), key, json).sadd(K.done(run), key).hdel(K.dead(run), key).exec();
    o.onShard?.({ name, key, ok: true, duplicate: false });
    return 'ok';
  };
  const lockDuration = o.lockDurationMs ?? 30_000;
  const worker = new Worker<ShardJob>(QUEUE, process, {
    connection: ownConnection(redis),
    prefix: PREFIX,
    concurrency: o.threads,
    lockDuration,
    stalledInterval: o.stalledIntervalMs ?? Math.max(100, Math.floor(lockDuration / 2)),
    maxStalledCount: 5,
  });
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    async close(cancel = false) {
      const closing = worker.close(cancel);
      await Promise.all([...pools.values()].map((p) => p.pool.close(cancel)));
      await closing;
      redis.disconnect();
    },
  };
}
