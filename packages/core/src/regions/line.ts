/**
 * Exact partition of a segment x0 → x1: every breakpoint, each piece's code and affine map.
 */
import { now } from '../clock.js';
import { AbortError, PolytopeError, checkFinite } from '../errors.js';
import { BOUNDARY, intervalOps, labelUnit } from '../geometry/cells.js';
import type { Interval } from '../geometry/cells.js';
import { prepareNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { runPartition } from './engine.js';
import type { PartitionOptions } from './engine.js';
import { LineSampler, sampledLine, sampledLineSupports } from './line-sampled.js';
import type { SampleBatch } from './line-batch.js';
import type { PreparedNetwork } from '../network/prepared.js';

/** One activation region along a segment: parameter interval [t0, t1], code and affine map. */
export interface LinePiece {
  /** Segment parameter range, x(t) = x0 + t (x1 − x0), 0 ≤ t0 < t1 ≤ 1. */
  readonly t0: number;
  readonly t1: number;
  readonly code: Uint8Array;
  /** Per output r: value `map[2r] + map[2r+1]·t` on the piece. */
  readonly map: Float64Array;
  /** Unit whose breakpoint ends the piece at t1 (−1 at the segment's end). */
  readonly endUnit: number;
}

/** Options of `partitionLine`: progress, cancellation, tolerances, and which algorithm. */
export interface LineOptions extends PartitionOptions {
  /**
   * 'auto' (default): 'sampled' for networks of a million parameters or more whose node types it
   * handles, else 'reference'. 'sampled': batched passes at sample points,
   * each giving the exact extent of its piece, until the pieces meet (line-sampled.ts). 'reference':
   * the partition engine splitting the segment stage by stage (the slice engine's 1-D case).
   * Both are exact; tests check they agree.
   */
  method?: 'auto' | 'sampled' | 'reference';
  /** Samples per batched pass of the sampled method (default 32). */
  batch?: number;
}

/** Result of `partitionLine`: the pieces in order and the interior breakpoints. */
export interface LineResult {
  readonly pieces: LinePiece[];
  /** Interior breakpoints, increasing. */
  readonly breakpoints: Float64Array;
  readonly seconds: number;
}

/**
 * Every activation region along the segment x0 → x1, in order. A plain network is prepared
 * (copied) for this call; pass a `PreparedNetwork` when partitioning many segments.
 *
 * @example
 * const { pieces, breakpoints } = partitionLine(net, [-2, -2], [2, 2]);
 */
export function partitionLine(netLike: NetworkLike, x0: ArrayLike<number>, x1: ArrayLike<number>, options: LineOptions = {}): LineResult {
  const setup = lineSetup(netLike, x0, x1);
  const start = now();
  if (useSampled(setup.prepared, options)) {
    const gen = sampledLine(setup.prepared, x0, setup.dir, options);
    let step = gen.next();
    while (!step.done) step = gen.next();
    if (step.value) return lineResult(step.value, start);
  }
  return lineResult(referenceLine(setup.prepared, x0, setup.dir, options), start);
}

/**
 * `partitionLine` that lets the event loop run about every `yieldMs` milliseconds (default 50)
 * between steps of its work, so a caller can show progress and cancel through `signal` (Ctrl-C)
 * while it runs. Same result as `partitionLine`.
 *
 * @example
 * const ac = new AbortController();
 * const { pieces } = await partitionLineAsync(net, [-2, -2], [2, 2], { signal: ac.signal });
 */
export async function partitionLineAsync(
  netLike: NetworkLike,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  options: LineOptions & { yieldMs?: number } = {},
): Promise<LineResult> {
  const setup = lineSetup(netLike, x0, x1);
  const start = now();
  const yieldMs = options.yieldMs ?? 50;
  if (useSampled(setup.prepared, options)) {
    const gen = sampledLine(setup.prepared, x0, setup.dir, options);
    let last = now();
    let step = gen.next();
    while (!step.done) {
      if (now() - last >= yieldMs) {
        await macrotask();
        last = now();
        if (options.signal?.aborted) throw new AbortError();
      }
      step = gen.next();
    }
    if (step.value) return lineResult(step.value, start);
  }
  return lineResult(referenceLine(setup.prepared, x0, setup.dir, options), start);
}

/**
 * `partitionLineAsync` with the batched passes run by the caller (`runPass(ts)`: the pieces around
 * the samples ts, e.g. split across worker threads and merged with `mergeSampleBatches`). Falls
 * back to the reference engine, on this thread, where the sampled method does.
 */
export async function partitionLineWith(
  netLike: NetworkLike,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  options: LineOptions,
  runPass: (ts: number[]) => Promise<SampleBatch>,
): Promise<LineResult> {
  const setup = lineSetup(netLike, x0, x1);
  const start = now();
  if (useSampled(setup.prepared, options)) {
    const sampler = new LineSampler(setup.prepared, options.batch);
    let ts = sampler.first();
    for (;;) {
      if (options.signal?.aborted) throw new AbortError();
      const out = sampler.absorb(ts, await runPass(ts));
      if (out === null) break;
      options.onProgress?.(sampler.progress);
      if ('pieces' in out) return lineResult(out.pieces, start);
      ts = out.next;
    }
  }
  return lineResult(referenceLine(setup.prepared, x0, setup.dir, options), start);
}

/** Resolves on the next macrotask (after pending I/O and signals). */
function macrotask(): Promise<void> {
  const g = globalThis as unknown as { setImmediate?: (cb: () => void) => void; setTimeout: (cb: () => void, ms: number) => unknown };
  return new Promise((resolve) => (typeof g.setImmediate === 'function' ? g.setImmediate(resolve) : void g.setTimeout(resolve, 0)));
}

/**
 * Parameters from which `method: 'auto'` picks the sampled method: on small networks the engine's
 * incremental column responses are cheaper than full passes (cnn28, 3,512 pieces: the engine is
 * faster), on deep ones (ResNet-18, 11M parameters) the batched passes win several times over.
 */
const SAMPLED_MIN_PARAMETERS = 1_000_000;

/** Whether `partitionLine` with these options runs the sampled method on this network. */
export function useSampled(p: PreparedNetwork, options: LineOptions): boolean {
  const method = options.method ?? 'auto';
  if (method === 'reference' || !sampledLineSupports(p)) return false;
  return method === 'sampled' || p.network.numParameters >= SAMPLED_MIN_PARAMETERS;
}

/** Checks the endpoints and prepares the network and the direction x1 − x0. */
function lineSetup(netLike: NetworkLike, x0: ArrayLike<number>, x1: ArrayLike<number>): { prepared: PreparedNetwork; dir: Float64Array } {
  const prepared = prepareNetwork(netLike);
  const d = prepared.network.inputSize;
  if (x0.length !== d || x1.length !== d)
    throw new PolytopeError('shape-mismatch', `segment endpoints have ${x0.length} and ${x1.length} values; the network expects ${d}`);
  checkFinite(x0, 'segment start');
  checkFinite(x1, 'segment end');
  const dir = new Float64Array(d);
  let len = 0;
  for (let i = 0; i < d; i++) {
    dir[i] = x1[i]! - x0[i]!;
    len += dir[i]! * dir[i]!;
  }
  if (len === 0) throw new PolytopeError('bad-domain', 'the segment is empty: start and end are the same point');
  return { prepared, dir };
}

/** The reference partition: the engine on the interval [0, 1]. */
function referenceLine(prepared: PreparedNetwork, x0: ArrayLike<number>, dir: Float64Array, options: PartitionOptions): LinePiece[] {
  const o = prepared.network.outputSize;
  const pieces: LinePiece[] = [];
  runPartition<Interval>(
    prepared,
    intervalOps,
    { t0: 0, t1: 1, l0: BOUNDARY, l1: BOUNDARY },
    x0,
    dir,
    [1],
    (r) => {
      pieces.push({
        t0: r.cell.t0,
        t1: r.cell.t1,
        code: r.code.slice(),
        map: Float64Array.from(r.output.subarray(0, 2 * o)),
        endUnit: r.cell.l1 === BOUNDARY ? -1 : labelUnit(r.cell.l1),
      });
    },
    options,
  );
  pieces.sort((a, b) => a.t0 - b.t0);
  return pieces;
}

function lineResult(pieces: LinePiece[], start: number): LineResult {
  const breakpoints = new Float64Array(Math.max(0, pieces.length - 1));
  for (let i = 0; i + 1 < pieces.length; i++) breakpoints[i] = pieces[i]!.t1;
  return { pieces, breakpoints, seconds: (now() - start) / 1000 };
}
