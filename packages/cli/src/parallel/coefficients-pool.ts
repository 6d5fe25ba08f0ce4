/**
 * Worker threads for `polytope coefficients`: each holds the prepared network and computes the
 * exact affine maps of the sample batches it is given (one batch at a time per worker).
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { InternalError, PolytopeError, affineMapsBatch, prepareNetwork, writeNetworkJson } from '@polytope-lens/core';
import type { ErrorCode, Network, PreparedNetwork } from '@polytope-lens/core';

/** Messages to a worker. */
export type CoefficientsRequest =
  | { type: 'network'; json: object }
  | { type: 'batch'; id: number; xs: Float64Array; count: number; jacobians?: Float64Array; offsets?: Float64Array };

/** A worker's answer to one batch. */
export interface CoefficientsReply {
  id: number;
  jacobians?: Float64Array;
  offsets?: Float64Array;
  error?: { code: ErrorCode; message: string };
}

/** The maps of one batch: `count × o × d` Jacobians and `count × o` offsets. */
export interface BatchMaps {
  jacobians: Float64Array;
  offsets: Float64Array;
}

/**
 * Runs batches on worker threads, or on the calling thread when `threads` is 1. Results handed back
 * through `recycle` are reused as the output buffers of later batches of the same size (sent to the
 * worker with the batch): a fresh 30 MB buffer costs a page fault per 4 KB on its first write.
 */
export class CoefficientsPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { msg: CoefficientsRequest & { type: 'batch' }; resolve: (r: BatchMaps) => void; reject: (e: Error) => void }[] =
    [];
  private readonly pending = new Map<number, { resolve: (r: BatchMaps) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly local: PreparedNetwork | null;
  /** Result buffers given back by `recycle`, at most `2 × threads + 2`. */
  private readonly spare: BatchMaps[] = [];
  private readonly maxSpare: number;
  private readonly outputs: number;

  constructor(net: Network, threads: number) {
    this.maxSpare = 2 * Math.max(1, threads) + 2;
    this.outputs = net.outputSize;
    if (threads <= 1) {
      this.local = prepareNetwork(net);
      return;
    }
    this.local = null;
    const json = writeNetworkJson(net);
    const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
    for (let t = 0; t < threads; t++) {
      const w = new Worker(new URL('./coefficients-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: heapMb } });
      w.postMessage({ type: 'network', json } satisfies CoefficientsRequest);
      w.on('message', (r: CoefficientsReply) => this.onReply(w, r));
      w.on('error', (e) => this.failAll(e));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  /** The maps of `count` samples (row-major `xs`); the buffer of `xs` is transferred to a worker. */
  run(xs: Float64Array, count: number): Promise<BatchMaps> {
    if (this.local) {
      try {
        const b = affineMapsBatch(this.local, xs, count, this.takeSpare(xs.length));
        return Promise.resolve({ jacobians: b.jacobians, offsets: b.offsets });
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ msg: { type: 'batch', id: this.nextId++, xs, count, ...this.takeSpare(xs.length) }, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.pending.set(job.msg.id, { resolve: job.resolve, reject: job.reject });
      const transfer = [job.msg.xs, job.msg.jacobians, job.msg.offsets].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : []));
      w.postMessage(job.msg, transfer);
    }
  }

  private onReply(w: Worker, r: CoefficientsReply): void {
    const p = this.pending.get(r.id);
    this.pending.delete(r.id);
    this.idle.push(w);
    if (!p) throw new InternalError(`coefficients worker answered unknown batch ${r.id}`);
    if (r.error)
      p.reject(r.error.code === 'internal' ? new InternalError(r.error.message) : new PolytopeError(r.error.code, r.error.message));
    else p.resolve({ jacobians: r.jacobians!, offsets: r.offsets! });
    this.dispatch();
  }

  /**
   * Gives a batch's result back for reuse once the caller is done with it (its buffers are then
   * overwritten by a later batch, or transferred to a worker).
   */
  recycle(maps: BatchMaps): void {
    if (this.spare.length < this.maxSpare && maps.jacobians.byteOffset === 0 && maps.jacobians.buffer.byteLength === maps.jacobians.byteLength)
      this.spare.push(maps);
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
