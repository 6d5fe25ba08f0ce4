/**
 * Parallel exact slices on Node worker threads. The main thread splits the first layers
 * breadth-first into a fixed number of independent frames; workers partition whole frames (taken
 * from a queue, so uneven frames balance out) and stream regions back; the main thread feeds them
 * to the same `SliceAccumulator` as the single-threaded path. Regions are reported with their
 * frame index, so output can be ordered deterministically (frame order, depth-first inside).
 */
import { Worker } from 'node:worker_threads';
import {
  AbortError,
  PolytopeError,
  SliceAccumulator,
  boxExtent,
  boxPolygon,
  checkBox,
  expandFrames,
  planeDirections,
  polygonOps,
  rootFrame,
  runPartition,
  writeNetworkJson,
} from '@polytope-lens/core';
import type { Network, PartitionProgress, Plane, Polygon, SliceRegion, SliceResult } from '@polytope-lens/core';
import { serializeFrame } from './protocol.js';
import type { FromWorker, JobSetup } from './protocol.js';

let jobCounter = 0;

/** Persistent worker threads for repeated slices (benchmarks, animations); close() when done. */
export class SlicePool {
  readonly workers: Worker[];
  constructor(threads: number) {
    this.workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(new URL('./slice-worker.js', import.meta.url)));
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The work is split into at least PARALLEL_FRAMES frames, sent to workers in PARALLEL_GROUPS
 * contiguous groups (few messages, still balanced). Both are fixed, so the output order does not
 * depend on the thread count.
 */
export const PARALLEL_FRAMES = 64;
export const PARALLEL_GROUPS = 24;

export interface ParallelSliceOptions {
  threads: number;
  collect?: boolean;
  onRegion?: (r: SliceRegion, frame: number) => void;
  onProgress?: (p: PartitionProgress) => void;
  signal?: AbortSignal;
  /** Reuse these workers (otherwise threads are started and stopped for this call). */
  pool?: SlicePool;
}

export async function sliceParallel(net: Network, plane: Plane, box: readonly number[], options: ParallelSliceOptions): Promise<SliceResult> {
  const b = checkBox(box);
  if (plane.origin.length !== net.inputSize) throw new PolytopeError('shape-mismatch', `the plane lives in ${plane.origin.length} dimensions but the network has ${net.inputSize} inputs`);
  let currentFrame = 0;
  const acc = new SliceAccumulator(net, plane, b, options.collect ?? false, options.onRegion ? (r) => options.onRegion!(r, currentFrame) : undefined);
  const origin = plane.origin;
  const dirs = planeDirections(plane);
  const extent = boxExtent(b);
  const boxArea = (b[1] - b[0]) * (b[3] - b[2]);
  const start = performance.now();
  const root = boxPolygon(b[0], b[1], b[2], b[3]);
  const all = expandFrames(net, polygonOps, rootFrame(net, polygonOps, root, origin, dirs), extent, PARALLEL_FRAMES);
  const frames: (typeof all)[] = [];
  for (let g = 0; g < PARALLEL_GROUPS; g++) {
    const part = all.slice(Math.floor((g * all.length) / PARALLEL_GROUPS), Math.floor(((g + 1) * all.length) / PARALLEL_GROUPS));
    if (part.length) frames.push(part);
  }
  let regions = 0;
  const report = () => {
    if (options.onProgress && (regions & 1023) === 0) options.onProgress({ fraction: acc.area / boxArea, regions });
  };
  if (options.threads <= 1) {
    frames.forEach((group, i) => {
      currentFrame = i;
      runPartition(net, polygonOps, group[0]!.cell, origin, dirs, extent, (r) => {
        acc.add(r.cell as Polygon, r.code, r.output);
        regions++;
        report();
      }, { frames: group, ...(options.signal ? { signal: options.signal } : {}) });
    });
    options.onProgress?.({ fraction: 1, regions });
    return acc.finish((performance.now() - start) / 1000);
  }
  const pool = options.pool ?? new SlicePool(options.threads);
  const job = ++jobCounter;
  const setup: JobSetup = { job, network: writeNetworkJson(net), origin, dirs, extent, box: [b[0], b[1], b[2], b[3]], batch: 1024, full: acc.needsRegions };
  const numUnits = net.numUnits;
  const o = net.outputSize;
  const workers = pool.workers.slice(0, Math.min(options.threads, frames.length));
  let nextFrame = 0;
  let finished = 0;
  const listeners: [Worker, (m: FromWorker) => void, (e: Error) => void][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const abort = () => reject(new AbortError());
      options.signal?.addEventListener('abort', abort, { once: true });
      const feed = (w: Worker) => {
        if (nextFrame < frames.length) {
          const index = nextFrame++;
          w.postMessage({ type: 'frame', job, index, frames: frames[index]!.map(serializeFrame) });
        }
      };
      for (const w of workers) {
        const onError = (err: Error) => reject(err);
        const onMessage = (msg: FromWorker) => {
          if (msg.type === 'error') reject(new PolytopeError('worker-failed', msg.message));
          else if (msg.type === 'frame-done') {
            finished++;
            if (finished === frames.length) {
              options.signal?.removeEventListener('abort', abort);
              resolve();
            } else feed(w);
          } else if (msg.type === 'regions') {
            currentFrame = msg.frame;
            for (let i = 0; i < msg.count; i++) {
              const s0 = msg.starts[i]!;
              const n = msg.starts[i + 1]! - s0;
              const cell: Polygon | undefined = msg.xy && msg.labels ? { n, xy: msg.xy.subarray(2 * s0, 2 * (s0 + n)), labels: msg.labels.subarray(s0, s0 + n) } : undefined;
              acc.addDescribed(
                msg.areas[i]!,
                msg.hashes[i]!,
                msg.neighbours.subarray(s0, s0 + n),
                n,
                msg.outputs.subarray(i * o * 3, (i + 1) * o * 3),
                msg.segments.subarray(msg.segStarts[i]!, msg.segStarts[i + 1]!),
                cell,
                msg.codes?.subarray(i * numUnits, (i + 1) * numUnits),
              );
              regions++;
              report();
            }
          }
        };
        w.on('message', onMessage);
        w.on('error', onError);
        listeners.push([w, onMessage, onError]);
        w.postMessage({ type: 'job', setup });
        feed(w);
      }
    });
  } finally {
    for (const [w, m, e] of listeners) {
      w.off('message', m);
      w.off('error', e);
    }
    if (!options.pool) await pool.close();
  }
  options.onProgress?.({ fraction: 1, regions });
  return acc.finish((performance.now() - start) / 1000);
}
