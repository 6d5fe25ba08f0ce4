/**
 * Parallel exact slices on Node worker threads. Every worker plans the same independent work
 * units (`planUnits`: the first layers split breadth-first, then ranges of children), takes units
 * from a queue (so uneven units balance out), describes its regions and streams them back; the
 * main thread merges them in the same `SliceAccumulator` as the single-threaded path. Regions are
 * reported with their unit index, so output can be ordered deterministically (unit order,
 * depth-first inside). The single-threaded path runs the same units in order.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { AbortError, InternalError, PolytopeError, prepareNetwork, writeNetworkJson } from '@polytope-lens/core';
import type { NetworkLike, PartitionProgress, PreparedNetwork, Plane, Polygon, SliceRegion, SliceResult } from '@polytope-lens/core';
import {
  PartitionWorkspace,
  SliceAccumulator,
  boxExtent,
  boxPolygon,
  checkSliceDomain,
  createPolygonOps,
  planUnits,
  planeDirections,
  rootFrame,
  runPartition,
} from '@polytope-lens/core/internal';
import type { FromWorker, JobSetup } from './protocol.js';

let jobCounter = 0;

let netCounter = 0;
/** Ids of the prepared networks sent to workers (a prepared network never changes, so its identity is a safe key). */
const netIds = new WeakMap<PreparedNetwork, number>();

/** Persistent worker threads for repeated slices (benchmarks, animations); close() when done. */
export class SlicePool {
  readonly workers: Worker[];
  /** The network id each worker holds (see JobSetup.netId). */
  readonly holds = new Map<Worker, number>();
  constructor(threads: number) {
    // Workers get the main thread's heap limit (so `node --max-old-space-size=N` bounds every thread).
    const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
    this.workers = Array.from(
      { length: Math.max(1, threads) },
      () => new Worker(new URL('./slice-worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: heapMb } }),
    );
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Work units per slice (at least, when there is enough to split): fixed, so the output order does not depend on the thread count. */
const PARALLEL_UNITS = 64;
/** The single-threaded path lets the event loop run (signals, progress) at least this often between work units. */
const YIELD_MS = 50;

export interface ParallelSliceOptions {
  threads: number;
  collect?: boolean;
  onRegion?: (r: SliceRegion, frame: number) => void;
  onProgress?: (p: PartitionProgress) => void;
  signal?: AbortSignal;
  /** Reuse these workers (otherwise threads are started and stopped for this call). */
  pool?: SlicePool;
  /**
   * Stop once this many regions have arrived (the partition is cut short: the result holds the
   * regions found so far, at most one worker batch more than the limit, and `truncated` is set).
   */
  maxRegions?: number;
}

/** A slice result, with whether `maxRegions` cut it short. */
export type ParallelSliceResult = SliceResult & { readonly truncated: boolean };

/**
 * The exact slice on `options.threads` threads. A plain network is prepared (copied) for this call
 * and sent to the workers again; pass a `PreparedNetwork` for repeated slices of one network (the
 * pool's workers then keep theirs between jobs).
 */
export async function sliceParallel(
  netLike: NetworkLike,
  plane: Plane,
  box: readonly number[],
  options: ParallelSliceOptions,
): Promise<ParallelSliceResult> {
  const b = checkSliceDomain(netLike, plane, box);
  const prepared = prepareNetwork(netLike);
  const net = prepared.network;
  if (plane.origin.length !== net.inputSize)
    throw new PolytopeError(
      'shape-mismatch',
      `the plane lives in ${plane.origin.length} dimensions but the network has ${net.inputSize} inputs`,
    );
  let currentFrame = 0;
  const acc = new SliceAccumulator(
    prepared,
    plane,
    b,
    options.collect ?? false,
    options.onRegion ? (r) => options.onRegion!(r, currentFrame) : undefined,
  );
  const origin = plane.origin;
  const dirs = planeDirections(plane);
  const extent = boxExtent(b);
  const boxArea = (b[1] - b[0]) * (b[3] - b[2]);
  const start = performance.now();
  let regions = 0;
  const limit = new AbortController();
  const maxRegions = options.maxRegions ?? Infinity;
  const report = () => {
    if (options.onProgress && (regions & 1023) === 0) options.onProgress({ fraction: acc.area / boxArea, regions });
  };
  const run: SliceRun = {
    prepared,
    acc,
    origin,
    dirs,
    extent,
    box: b,
    options,
    setFrame: (i) => {
      currentFrame = i;
    },
    counted: () => {
      regions++;
      report();
      if (regions >= maxRegions && !limit.signal.aborted) limit.abort();
    },
    limit: limit.signal,
  };
  try {
    if (options.threads <= 1) await sliceSequential(run);
    else await sliceOnWorkers(run);
  } catch (err) {
    // Cut short by maxRegions (and not cancelled): the regions so far are the result.
    if (!(limit.signal.aborted && err instanceof AbortError && options.signal?.aborted !== true)) throw err;
  }
  if (!limit.signal.aborted) options.onProgress?.({ fraction: 1, regions });
  return { ...acc.finish((performance.now() - start) / 1000), truncated: limit.signal.aborted };
}

/** One slice's shared state for the sequential and the worker paths. */
interface SliceRun {
  prepared: PreparedNetwork;
  acc: SliceAccumulator;
  origin: Float64Array;
  dirs: ReturnType<typeof planeDirections>;
  extent: ReturnType<typeof boxExtent>;
  box: ReturnType<typeof checkSliceDomain>;
  options: ParallelSliceOptions;
  /** Sets the work unit that the regions arriving next belong to. */
  setFrame: (i: number) => void;
  /** Counts one region and reports progress. */
  counted: () => void;
  /** Aborted when `maxRegions` is reached. */
  limit: AbortSignal;
}

/**
 * The same work units as the workers, run in order on this thread. Between units it gives the event
 * loop a turn (at most every YIELD_MS), so that a SIGINT handler can run and abort the signal: the
 * partition itself is synchronous and checks the signal as it goes.
 */
async function sliceSequential(run: SliceRun): Promise<void> {
  const { prepared, acc, origin, dirs, extent, box: b, options } = run;
  const rootCell = () => boxPolygon(b[0], b[1], b[2], b[3]);
  const signal = {
    get aborted(): boolean {
      return run.limit.aborted || options.signal?.aborted === true;
    },
  };
  const ops = createPolygonOps();
  const workspace = new PartitionWorkspace(); // buffers shared by this call's units, one at a time
  const units = planUnits(prepared, ops, rootFrame(prepared, ops, rootCell(), origin, dirs), extent, PARALLEL_UNITS);
  let lastYield = performance.now();
  for (const [i, unit] of units.entries()) {
    if (performance.now() - lastYield > YIELD_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    if (signal.aborted) throw new AbortError();
    run.setFrame(i);
    runPartition(
      prepared,
      ops,
      rootCell(),
      origin,
      dirs,
      extent,
      (r) => {
        acc.add(r.cell as Polygon, r.code, r.output);
        run.counted();
      },
      { units: [unit], workspace, signal },
    );
  }
}

/** Runs the job on the pool's workers (or a pool of its own), merging their regions into `run.acc`. */
async function sliceOnWorkers(run: SliceRun): Promise<void> {
  const { prepared, acc, origin, dirs, extent, box: b, options } = run;
  const net = prepared.network;
  const pool = options.pool ?? new SlicePool(options.threads);
  const job = ++jobCounter;
  const control = new Int32Array(new SharedArrayBuffer(12));
  const netId = netIdOf(prepared);
  const setup: JobSetup = {
    job,
    units: PARALLEL_UNITS,
    netId,
    origin,
    dirs,
    extent,
    box: [b[0], b[1], b[2], b[3]],
    batch: 1024,
    full: acc.needsRegions,
    control,
  };
  let networkJson: object | undefined;
  const codeLen = net.numUnits;
  const o = net.outputSize;
  const workers = pool.workers.slice(0, options.threads);
  let numWork = -1;
  let finished = 0;
  const listeners: [Worker, (m: FromWorker) => void, (e: Error) => void][] = [];
  const inbox = new Inbox();
  try {
    await new Promise<void>((resolve, reject) => {
      const abort = () => reject(new AbortError());
      options.signal?.addEventListener('abort', abort, { once: true });
      run.limit.addEventListener('abort', () => resolve(), { once: true });
      for (const w of workers) {
        const onError = (err: Error) => reject(err);
        const handle = (msg: FromWorker) => {
          if (msg.type === 'error') {
            pool.holds.delete(w);
            reject(workerError(msg));
          } else if (msg.type === 'worker-done') {
            if (numWork >= 0 && msg.units !== numWork) reject(new InternalError(`workers planned ${numWork} and ${msg.units} work units`));
            numWork = msg.units;
            if (++finished === workers.length) {
              options.signal?.removeEventListener('abort', abort);
              resolve();
            }
          } else if (msg.type === 'regions') {
            run.setFrame(msg.frame);
            addRegionBatch(acc, msg, codeLen, o, run.counted);
            // Consumed: give the workers their credit back (see MAX_IN_FLIGHT).
            Atomics.sub(control, 0, 1);
            Atomics.notify(control, 0);
          }
        };
        // The port only queues messages; they are handled one per turn of the event loop. Node
        // drains a port's whole backlog (up to MAX_IN_FLIGHT region batches, tens of seconds of
        // merging on a large slice) in one go, so handling them there kept a SIGINT handler from
        // running until the slice was done.
        const onMessage = (msg: FromWorker) => {
          if (msg.type === 'ready' || msg.job !== job) return; // late messages of a cancelled job
          inbox.push(() => handle(msg));
        };
        w.on('message', onMessage);
        w.on('error', onError);
        listeners.push([w, onMessage, onError]);
        if (pool.holds.get(w) === netId) w.postMessage({ type: 'job', setup });
        else {
          networkJson ??= writeNetworkJson(net);
          w.postMessage({ type: 'job', setup: { ...setup, network: networkJson } });
          pool.holds.set(w, netId);
        }
      }
    });
  } finally {
    inbox.stopped = true;
    // Stops workers still partitioning this job (after an error or cancellation).
    Atomics.store(control, 1, 1);
    Atomics.notify(control, 0);
    for (const [w, m, e] of listeners) {
      w.off('message', m);
      w.off('error', e);
    }
    if (!options.pool) await pool.close();
  }
}

/** Work handed over by message handlers, run one item per turn of the event loop, in order. */
class Inbox {
  private readonly queue: (() => void)[] = [];
  /** Set when the job is over: what is still queued is dropped. */
  stopped = false;

  push(work: () => void): void {
    this.queue.push(work);
    if (this.queue.length === 1) setImmediate(this.pump);
  }

  private readonly pump = (): void => {
    if (this.stopped) return;
    this.queue.shift()?.();
    if (this.queue.length > 0) setImmediate(this.pump);
  };
}

/** The id under which workers hold this prepared network (assigned on first use). */
function netIdOf(prepared: PreparedNetwork): number {
  let netId = netIds.get(prepared);
  if (netId === undefined) {
    netId = ++netCounter;
    netIds.set(prepared, netId);
  }
  return netId;
}

/** The error a worker reported, as the class the main thread would have thrown. */
function workerError(msg: Extract<FromWorker, { type: 'error' }>): Error {
  return msg.code === 'cancelled'
    ? new AbortError(msg.message)
    : msg.code === 'internal'
      ? new InternalError(msg.message)
      : new PolytopeError(msg.code, msg.message);
}

/** Adds one streamed batch of described regions (see the 'regions' message layout) to the accumulator. */
function addRegionBatch(
  acc: SliceAccumulator,
  msg: Extract<FromWorker, { type: 'regions' }>,
  codeLen: number,
  o: number,
  counted: () => void,
): void {
  const { count, ints, floats } = msg;
  const edges = ints[count]!;
  const oOut = 2 * count;
  const oNb = oOut + count * o * 3;
  const oSeg = oNb + edges;
  for (let i = 0; i < count; i++) {
    const s0 = ints[i]!;
    const n = ints[i + 1]! - s0;
    const cell: Polygon | undefined =
      msg.xy && msg.labels ? { n, xy: msg.xy.subarray(2 * s0, 2 * (s0 + n)), labels: msg.labels.subarray(s0, s0 + n) } : undefined;
    acc.addDescribed(
      floats[i]!,
      floats[count + i]!,
      floats.subarray(oNb + s0, oNb + s0 + n),
      n,
      floats.subarray(oOut + i * o * 3, oOut + (i + 1) * o * 3),
      floats.subarray(oSeg + ints[count + 1 + i]!, oSeg + ints[count + 2 + i]!),
      cell,
      msg.codes?.subarray(i * codeLen, (i + 1) * codeLen),
    );
    counted();
  }
}
