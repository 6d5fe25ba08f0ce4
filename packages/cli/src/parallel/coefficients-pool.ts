/**
 * Worker threads for `polytope coefficients`: each holds the prepared network and computes the
 * exact affine maps of the sample batches it is given (one batch at a time per worker).
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { InternalError, PolytopeError, prepareNetwork, releaseSharedJacobians, writeNetworkJson } from '@polytope-lens/core';
import type { ErrorCode, Network, PreparedNetwork } from '@polytope-lens/core';
import { computeBatch } from './coefficients-batch.js';

/** Messages to a worker. */
export type CoefficientsRequest =
  | { type: 'network'; json: object }
  | { type: 'batch'; id: number; xs: Float64Array; count: number; jacobians?: Float64Array; offsets?: Float64Array }
  /** The caller is done with the shared Jacobians of a reply's `region`: the worker may reuse them. */
  | { type: 'release'; region: number };

/** A worker's answer to one batch. */
export interface CoefficientsReply {
  id: number;
  /** The batch's input buffer, sent back for reuse. */
  xs?: Float64Array;
  jacobians?: Float64Array;
  offsets?: Float64Array;
  /** Set when `jacobians` lie in the worker's shared kernel memory (posted without a copy): the number to release them by. */
  region?: number;
  error?: { code: ErrorCode; message: string };
}

/**
 * The maps of one batch: `count × o × d` Jacobians and `count × o` offsets. Give them back with
 * `recycle` once read: Jacobians in a thread's shared kernel memory are reused only then.
 */
export interface BatchMaps {
  jacobians: Float64Array;
  offsets: Float64Array;
  /** For Jacobians in a shared kernel memory: hands them back to their thread (`recycle` calls it). */
  release?: () => void;
  /** The batch's input buffer, handed back (`recycle` keeps it for `inputs`). */
  xs?: Float64Array;
}

/** A queued batch and its promise's settlers. */
interface Job {
  msg: CoefficientsRequest & { type: 'batch' };
  resolve: (r: BatchMaps) => void;
  reject: (e: Error) => void;
}

/**
 * Batches a worker may hold at once: the second waits in the worker's message queue, so the worker
 * starts it as soon as the first is done, even while this thread is busy computing or writing.
 */
const WORKER_DEPTH = 2;

/**
 * Runs batches on `threads` threads: this thread and `threads − 1` workers (all on this thread
 * when `threads` is 1). Decision: this thread computes too, instead of `threads` workers and an
 * idle main thread, because each worker's start (loading its modules, warming up) costs CPU time
 * inside the run; on the 2-core machine measured, two fresh workers took about 1 CPU-second before
 * their first batch, half of what 10,000 dense-128 rows take. Results handed back through
 * `recycle` are reused as the output buffers of later batches of the same size (sent to the worker
 * with the batch): a fresh 30 MB buffer costs a page fault per 4 KB on its first write. Where the
 * network's Jacobians are made in place in a shared kernel memory (`sharedJacobians`: the
 * one-hidden-layer flip path), a batch's Jacobians are a view of that memory, posted to this
 * thread without a copy, and `recycle` hands them back to the thread that made them.
 */
export class CoefficientsPool {
  private readonly workers: Worker[] = [];
  /** Per worker: batches sent and not yet answered. */
  private readonly held = new Map<Worker, number>();
  private readonly queue: Job[] = [];
  private readonly pending = new Map<number, { resolve: (r: BatchMaps) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly local: PreparedNetwork;
  /** True when every batch runs on this thread, synchronously inside `run`. */
  private readonly alone: boolean;
  /** The batch this thread will run next (taken from the queue, started on the next turn of the event loop). */
  private localJob: Job | null = null;
  /** Result buffers given back by `recycle`, at most `2 × threads + 2`. */
  private readonly spare: BatchMaps[] = [];
  /** Input buffers given back by `recycle`, at most `2 × threads + 2`. */
  private readonly spareInputs: Float64Array[] = [];
  private readonly inputSize: number;
  private readonly maxSpare: number;
  private readonly outputs: number;

  constructor(net: Network, threads: number) {
    this.maxSpare = 2 * Math.max(1, threads) + 2;
    this.outputs = net.outputSize;
    this.inputSize = net.inputSize;
    this.local = prepareNetwork(net);
    this.alone = threads <= 1;
    if (this.alone) return;
    const json = writeNetworkJson(net);
    const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
    for (let t = 0; t < threads - 1; t++) {
      const w = new Worker(new URL('./coefficients-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: heapMb } });
      w.postMessage({ type: 'network', json } satisfies CoefficientsRequest);
      w.on('message', (r: CoefficientsReply) => this.onReply(w, r));
      w.on('error', (e) => this.failAll(e));
      this.workers.push(w);
      this.held.set(w, 0);
    }
  }

  /** The maps of `count` samples (row-major `xs`); the buffer of `xs` may be transferred to a worker. */
  run(xs: Float64Array, count: number): Promise<BatchMaps> {
    if (this.alone) {
      try {
        return Promise.resolve(this.compute({ xs, count, ...this.takeSpare(xs.length) }));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: { type: 'batch', id: this.nextId++, xs, count, ...this.takeSpare(xs.length) }, resolve, reject });
      this.dispatch();
    });
  }

  /** Hands out queued batches: one to each worker, then one to this thread, then a second to each worker. */
  private dispatch(): void {
    this.feedWorkers(1);
    if (this.queue.length > 0 && !this.localJob) {
      this.localJob = this.queue.shift()!;
      // On the next turn, after the workers' answers waiting now have been handled (and the workers fed).
      setImmediate(() => this.runLocal());
    }
    this.feedWorkers(WORKER_DEPTH);
  }

  private feedWorkers(depth: number): void {
    for (const w of this.workers) {
      while (this.queue.length > 0 && this.held.get(w)! < depth) {
        const job = this.queue.shift()!;
        this.pending.set(job.msg.id, { resolve: job.resolve, reject: job.reject });
        this.held.set(w, this.held.get(w)! + 1);
        const transfer = [job.msg.xs, job.msg.jacobians, job.msg.offsets].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
        w.postMessage(job.msg, transfer);
      }
    }
  }

  private runLocal(): void {
    const job = this.localJob;
    if (!job) return;
    try {
      job.resolve(this.compute(job.msg));
    } catch (err) {
      job.reject(err as Error);
    }
    this.localJob = null;
    this.dispatch();
  }

  /** One batch on this thread, into shared Jacobians where the network has them, else into the given buffers. */
  private compute(msg: { xs: Float64Array; count: number; jacobians?: Float64Array; offsets?: Float64Array }): BatchMaps {
    const { maps: b, region } = computeBatch(this.local, msg);
    const maps: BatchMaps = { jacobians: b.jacobians, offsets: b.offsets, xs: msg.xs };
    if (region) maps.release = () => releaseSharedJacobians(region);
    return maps;
  }

  private onReply(w: Worker, r: CoefficientsReply): void {
    const p = this.pending.get(r.id);
    this.pending.delete(r.id);
    this.held.set(w, this.held.get(w)! - 1);
    if (!p) throw new InternalError(`coefficients worker answered unknown batch ${r.id}`);
    if (r.error)
      p.reject(r.error.code === 'internal' ? new InternalError(r.error.message) : new PolytopeError(r.error.code, r.error.message));
    else {
      const maps: BatchMaps = { jacobians: r.jacobians!, offsets: r.offsets!, ...(r.xs ? { xs: r.xs } : {}) };
      const region = r.region;
      if (region !== undefined) maps.release = () => w.postMessage({ type: 'release', region } satisfies CoefficientsRequest);
      p.resolve(maps);
    }
    this.dispatch();
  }

  /**
   * Gives a batch's result back for reuse once the caller is done with it (its buffers are then
   * overwritten by a later batch, or transferred to a worker).
   */
  recycle(maps: BatchMaps): void {
    if (maps.xs && this.spareInputs.length < this.maxSpare) this.spareInputs.push(maps.xs);
    delete maps.xs;
    if (maps.release) {
      const release = maps.release;
      delete maps.release;
      return release();
    }
    if (
      this.spare.length < this.maxSpare &&
      maps.jacobians.byteOffset === 0 &&
      maps.jacobians.buffer.byteLength === maps.jacobians.byteLength
    )
      this.spare.push(maps);
  }

  /**
   * A buffer for the inputs of a batch of `count` samples (to fill and pass to `run`): one handed
   * back by `recycle` where one fits, else a new one (a fresh 3 MB buffer costs a page fault per
   * 4 KB on its first write, about a tenth of a dense net's batch).
   */
  inputs(count: number): Float64Array {
    const n = count * this.inputSize;
    const k = this.spareInputs.findIndex((b) => b.length === n);
    return k >= 0 ? this.spareInputs.splice(k, 1)[0]! : new Float64Array(n);
  }

  /** A recycled pair that fits a batch of `inputs` input values (its Jacobians: o values per input value). */
  private takeSpare(inputs: number): { jacobians?: Float64Array; offsets?: Float64Array } {
    for (let k = 0; k < this.spare.length; k++) {
      const s = this.spare[k]!;
      if (s.jacobians.length === inputs * this.outputs) {
        this.spare.splice(k, 1);
        return { jacobians: s.jacobians, offsets: s.offsets };
      }
    }
    return {};
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const j of this.queue.splice(0)) j.reject(e);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
