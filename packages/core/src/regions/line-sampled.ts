/**
 * The sampled line partition: every piece of the segment x0 → x1 from batched passes at sample
 * points (line-batch.ts), each of which yields the exact extent of the piece it lands in.
 *
 * Round 0 samples the segment evenly. After each round the known pieces are sorted; two neighbours
 * whose exact ends meet (to `LINE_MEET_EPS`) are adjacent, so nothing lies between them. Every gap
 * between two known pieces gets new samples in the next round — as many as the density of pieces
 * found so far predicts (speculation: several pieces per pass, and the weight loops of the
 * convolutions amortised over many columns). A sample inside a gap always lands in a piece not yet
 * known, so every pass finds new pieces, and the partition is complete when no gap is left. Exact
 * in the same sense as the reference engine: every end is the crossing of the piece's own affine
 * family, computed in float64.
 */
import { AbortError, InternalError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { LINE_MEET_EPS } from '../geometry/predicates.js';
import type { PreparedNetwork } from '../network/prepared.js';
import { SAMPLED_LINE_NODE_TYPES, sampleBatch } from './line-batch.js';
import type { SampleBatch } from './line-batch.js';

/** A piece as the sampled partition finds it (the public `LinePiece` shape). */
export interface SampledPiece {
  t0: number;
  t1: number;
  readonly code: Uint8Array;
  readonly map: Float64Array;
  endUnit: number;
}

/** Settings of the sampled partition. */
export interface SampledLineOptions {
  /** Samples per batched pass (default 32). */
  readonly batch?: number;
  readonly signal?: AbortSignalLike;
  readonly onProgress?: (p: { fraction: number; regions: number }) => void;
}

/** Default samples per pass: enough columns for the blocked kernels, little memory (about 1 MB a sample on ResNet-18). */
const DEFAULT_BATCH = 32;
/** Offset of a sample inside its slot of a gap, away from the middle, where symmetric networks put breakpoints. */
const SAMPLE_PHASE = 0.4381966011250105;

/** Whether the sampled partition handles every node of the network. */
export function sampledLineSupports(p: PreparedNetwork): boolean {
  return p.network.nodes.every((n) => SAMPLED_LINE_NODE_TYPES.has(n.type));
}

/**
 * The rounds of the sampled partition, without the passes: `first()` gives the first samples,
 * `absorb(ts, batch)` takes a pass's results and gives the next samples, or the finished pieces,
 * or null when the float64 pieces are inconsistent (overlapping different codes, or a pass that
 * finds nothing new): the caller then falls back to the reference engine. Shared by the
 * single-threaded generator below and the CLI's worker threads.
 */
export class LineSampler {
  private readonly known: SampledPiece[] = [];
  private readonly batch: number;
  /** Coverage and pieces after the last pass. */
  progress = { fraction: 0, regions: 0 };
  constructor(
    private readonly p: PreparedNetwork,
    batch = DEFAULT_BATCH,
  ) {
    this.batch = Math.max(2, batch);
  }
  first(): number[] {
    return Array.from({ length: this.batch }, (_, j) => (j + SAMPLE_PHASE) / this.batch);
  }
  absorb(ts: ArrayLike<number>, res: SampleBatch): { next: number[] } | { pieces: SampledPiece[] } | null {
    const known = this.known;
    const before = known.length;
    addPieces(this.p, known, ts, res);
    const layout = gapsOf(known);
    if (layout === null) return null;
    this.progress = { fraction: layout.covered, regions: known.length };
    if (layout.gaps.length === 0) return { pieces: finish(known) };
    if (known.length === before) return null;
    return { next: nextSamples(layout.gaps, known.length / Math.max(layout.covered, LINE_MEET_EPS), this.batch) };
  }
}

/**
 * The partition as a generator: yields after every node of every pass (so an async driver can
 * let other work run), returns the pieces in order, or null (see `LineSampler.absorb`).
 */
export function* sampledLine(
  p: PreparedNetwork,
  x0: ArrayLike<number>,
  dir: ArrayLike<number>,
  options: SampledLineOptions = {},
): Generator<void, SampledPiece[] | null, void> {
  const sampler = new LineSampler(p, options.batch);
  let ts = sampler.first();
  for (;;) {
    if (options.signal?.aborted) throw new AbortError();
    const pass = sampleBatch(p, x0, dir, ts);
    let step = pass.next();
    for (; !step.done; step = pass.next()) {
      options.onProgress?.(sampler.progress);
      yield;
    }
    const out = sampler.absorb(ts, step.value);
    if (out === null) return null;
    options.onProgress?.(sampler.progress);
    if ('pieces' in out) return out.pieces;
    ts = out.next;
  }
}

/** Adds the pieces of a pass that are not known yet (one per distinct code). */
function addPieces(p: PreparedNetwork, known: SampledPiece[], ts: ArrayLike<number>, res: SampleBatch): void {
  const nu = p.network.numUnits;
  const o = p.network.outputSize;
  const b = res.count;
  for (let s = 0; s < b; s++) {
    const ts0 = ts[s]!;
    const t0 = Math.max(0, ts0 + res.lo[s]!);
    const t1 = Math.min(1, ts0 + res.hi[s]!);
    if (!(t1 - t0 > LINE_MEET_EPS)) continue;
    const code = res.codes.subarray(s * nu, (s + 1) * nu);
    if (known.some((k) => k.t0 < t1 && t0 < k.t1 && sameCode(k.code, code))) continue;
    const map = new Float64Array(2 * o);
    for (let r = 0; r < o; r++) {
      const g = res.slope[r * b + s]!;
      map[2 * r] = res.value[r * b + s]! - ts0 * g;
      map[2 * r + 1] = g;
    }
    known.push({ t0, t1, code: code.slice(), map, endUnit: t1 >= 1 ? -1 : res.hiUnit[s]! });
  }
}

function sameCode(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sorts the known pieces and lists the uncovered gaps; null if two different pieces overlap by more than the tolerance. */
function gapsOf(known: SampledPiece[]): { gaps: [number, number][]; covered: number } | null {
  known.sort((a, b) => a.t0 - b.t0);
  const gaps: [number, number][] = [];
  let reach = 0;
  let covered = 0;
  for (const k of known) {
    if (k.t0 < reach - LINE_MEET_EPS) return null;
    if (k.t0 > reach + LINE_MEET_EPS) gaps.push([reach, k.t0]);
    covered += k.t1 - k.t0;
    reach = k.t1;
  }
  if (reach < 1 - LINE_MEET_EPS) gaps.push([reach, 1]);
  return { gaps, covered: Math.min(1, covered) };
}

/**
 * Samples for the next pass: each gap gets about (width × density) samples, at least one, evenly
 * spread; at most `batch` in all, the leftmost gaps first.
 */
function nextSamples(gaps: [number, number][], density: number, batch: number): number[] {
  const ts: number[] = [];
  for (const [a, b] of gaps) {
    const k = Math.max(1, Math.min(batch, Math.round((b - a) * density)));
    for (let j = 0; j < k && ts.length < batch; j++) ts.push(a + ((b - a) * (j + SAMPLE_PHASE)) / k);
    if (ts.length >= batch) break;
  }
  return ts;
}

/** Snaps neighbouring ends together (the breakpoint is the earlier piece's end) and checks the cover. */
function finish(known: SampledPiece[]): SampledPiece[] {
  if (known.length === 0) throw new InternalError('sampled line partition found no piece');
  known[0]!.t0 = 0;
  for (let i = 1; i < known.length; i++) known[i]!.t0 = known[i - 1]!.t1;
  const last = known[known.length - 1]!;
  last.t1 = 1;
  last.endUnit = -1;
  return known;
}
