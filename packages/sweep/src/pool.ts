/**
 * `ShardPool`: worker threads that run the shards of one sweep, one shard per thread at a time.
 * Used by the embedded runner (`embedded.ts`) and by the queue worker (`queue.ts`, so that a
 * CPU-bound shard never blocks the event loop that renews BullMQ's job locks).
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { AbortError } from '@polytope-lens/core';
import type { SweepRef } from './registry.js';

/** To a pool thread: run one shard. */
export interface ToShardWorker {
  id: number;
  params: unknown;
}

/** From a pool thread. */
export type FromShardWorker =
  | { type: 'done'; id: number; json: string }
  | { type: 'error'; id: number; message: string }
  | { type: 'progress'; id: number; fraction: number };

/** Thrown for a shard whose `run` threw (the message is the shard's error). */
export class ShardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardError';
  }
}

interface Pending {
  resolve: (json: string) => void;
  reject: (err: Error) => void;
  worker: Worker;
}

/** How long cancelled shards get to notice the flag before their threads are terminated (ms). */
const CANCEL_GRACE_MS = 200;

/** A fixed number of threads, each holding the loaded sweep definition. */
export class ShardPool {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly waiting: { msg: ToShardWorker; resolve: (json: string) => void; reject: (err: Error) => void }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly ref: SweepRef,
    readonly threads: number,
  ) {
    for (let t = 0; t < threads; t++) this.spawn();
  }

  private spawn(): void {
    const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
    const w = new Worker(new URL('./pool-worker.js', import.meta.url), {
      workerData: { ref: this.ref, flag: this.flag },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    w.unref();
    w.on('message', (m: FromShardWorker) => this.onMessage(w, m));
    w.on('error', (err) => this.onExit(w, err));
    w.on('exit', (code) => this.onExit(w, new Error(`shard thread exited with code ${code}`)));
    this.all.add(w);
    this.idle.push(w);
  }

  /** Runs one shard; resolves with its result as JSON text, rejects with `ShardError` when it throws. */
  run(params: unknown): Promise<string> {
    if (this.closed) return Promise.reject(new AbortError('cancelled'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ msg: { id: this.nextId++, params }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const w = this.idle.pop()!;
      const job = this.waiting.shift()!;
      this.pending.set(job.msg.id, { resolve: job.resolve, reject: job.reject, worker: w });
      w.postMessage(job.msg);
    }
  }

  private onMessage(w: Worker, m: FromShardWorker): void {
    if (m.type === 'progress') return;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    this.idle.push(w);
    if (p) {
      if (m.type === 'done') p.resolve(m.json);
      else p.reject(new ShardError(m.message));
    }
    this.dispatch();
  }

  /** A thread died (out of memory, an uncaught error, terminated): its shard fails, a new thread takes its place. */
  private onExit(w: Worker, err: Error): void {
    if (!this.all.delete(w)) return;
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    for (const [id, p] of this.pending)
      if (p.worker === w) {
        this.pending.delete(id);
        p.reject(this.closed ? new AbortError('cancelled') : new ShardError(err.message));
      }
    if (!this.closed) {
      this.spawn();
      this.dispatch();
    }
  }

  /**
   * Stops: raises the shards' cancellation flag, gives running shards `CANCEL_GRACE_MS` to end,
   * then terminates every thread (which interrupts any JavaScript or WebAssembly). Pending and
   * running shards reject with `AbortError`.
   */
  async close(cancel = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const j of this.waiting.splice(0)) j.reject(new AbortError('cancelled'));
    if (cancel && this.pending.size > 0) {
      Atomics.store(this.flag, 0, 1);
      await new Promise((r) => setTimeout(r, CANCEL_GRACE_MS));
    }
    await Promise.all([...this.all].map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new AbortError('cancelled'));
    this.pending.clear();
  }
}
