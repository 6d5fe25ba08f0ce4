/**
 * The sampled line partition with its batched passes split across worker threads: each worker
 * loads the model from its file once and runs a contiguous share of every pass's samples; the main
 * thread merges the shares and decides the next samples (`partitionLineWith`). Cancelling
 * (the signal) stops waiting at once and terminates the workers.
 */
import { Worker } from 'node:worker_threads';
import { AbortError, InternalError, PolytopeError } from '@polytope-lens/core';
import type { LineOptions, LineResult, Network } from '@polytope-lens/core';
import { mergeSampleBatches, partitionLineWith } from '@polytope-lens/core/internal';
import type { SampleBatch } from '@polytope-lens/core/internal';
import type { LineFromWorker, LineToWorker } from './line-protocol.js';

export async function partitionLineParallel(
  net: Network,
  modelPath: string,
  x0: Float64Array,
  x1: Float64Array,
  options: LineOptions & { threads: number; signal?: AbortSignal },
): Promise<LineResult> {
  const dir = x1.map((v, i) => v - x0[i]!);
  const workers = Array.from({ length: options.threads }, () => new Worker(new URL('./line-worker.js', import.meta.url)));
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new AbortError());
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const ask = (w: Worker, msg: LineToWorker): Promise<LineFromWorker> =>
    Promise.race([
      new Promise<LineFromWorker>((resolve, reject) => {
        // One listener pair per request, both removed when either fires (no listeners pile up over passes).
        const onError = (e: Error) => {
          w.off('message', onMessage);
          reject(e);
        };
        const onMessage = (m: LineFromWorker) => {
          w.off('error', onError);
          if (m.type === 'error') reject(workerError(m));
          else resolve(m);
        };
        w.once('message', onMessage);
        w.once('error', onError);
        w.postMessage(msg);
      }),
      aborted,
    ]);
  let id = 0;
  try {
    await Promise.all(workers.map((w) => ask(w, { type: 'init', model: modelPath, x0, dir })));
    const runPass = async (ts: number[]): Promise<SampleBatch> => {
      const per = Math.ceil(ts.length / workers.length);
      const shares = workers.map((w, k) => ({ w, ts: Float64Array.from(ts.slice(k * per, (k + 1) * per)) })).filter((s) => s.ts.length > 0);
      const got = await Promise.all(shares.map((s) => ask(s.w, { type: 'pass', id: ++id, ts: s.ts })));
      return mergeSampleBatches(got.map((m) => (m as { batch: SampleBatch }).batch));
    };
    return await partitionLineWith(net, x0, x1, options, runPass);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function workerError(m: { message: string; code: string }): Error {
  return m.code === 'internal' ? new InternalError(m.message) : new PolytopeError(m.code as never, m.message);
}
