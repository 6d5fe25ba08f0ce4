/**
 * Path view: the exact pieces of the segment between two inputs (from the core's `partitionLine`),
 * its boundary density (pieces per unit Euclidean length) and the strip chart of every output along
 * the path. Each output is affine on each piece, so the values at the piece ends are exact and so is
 * the linear interpolation between them (`valueAt`, the chart's hover). Computed in
 * explorer-worker.ts; the arrays are flat (transferable).
 */
import type { LineResult } from '@polytope-lens/core';

/** Summary of a path x0 → x1 for the path view. */
export interface PathSummary {
  readonly pieces: number;
  /** ‖x1 − x0‖₂. */
  readonly length: number;
  /** pieces / length (Infinity for a zero-length path). */
  readonly density: number;
  readonly outputs: number;
  /** t at the path's start, every breakpoint and its end: pieces + 1 values, ascending. */
  readonly ts: Float64Array;
  /** Output o at ts[i] is values[i · outputs + o]. */
  readonly values: Float64Array;
}

/** Piece count, boundary density and the exact values of every output at the piece ends. */
export function pathSummary(line: LineResult, x0: ArrayLike<number>, x1: ArrayLike<number>): PathSummary {
  let sq = 0;
  for (let i = 0; i < x0.length; i++) sq += (x1[i]! - x0[i]!) ** 2;
  const length = Math.sqrt(sq);
  const pieces = line.pieces.length;
  const outputs = pieces === 0 ? 0 : line.pieces[0]!.map.length / 2;
  const n = pieces === 0 ? 0 : pieces + 1;
  const ts = new Float64Array(n);
  const values = new Float64Array(n * outputs);
  line.pieces.forEach((p, i) => {
    const put = (k: number, t: number) => {
      ts[k] = t;
      for (let o = 0; o < outputs; o++) values[k * outputs + o] = p.map[2 * o]! + p.map[2 * o + 1]! * t;
    };
    if (i === 0) put(0, p.t0);
    put(i + 1, p.t1);
  });
  return { pieces, length, density: length === 0 ? Infinity : pieces / length, outputs, ts, values };
}

/** The piece holding t (0-based; the last piece for t at or past the end), by binary search over `ts`. */
export function pieceAt(s: PathSummary, t: number): number {
  let [lo, hi] = [0, s.pieces - 1];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.ts[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Output `o` at t: exact, as the output is affine on the piece holding t. */
export function valueAt(s: PathSummary, t: number, o: number): number {
  const k = pieceAt(s, t);
  const [t0, t1] = [s.ts[k]!, s.ts[k + 1]!];
  const [v0, v1] = [s.values[k * s.outputs + o]!, s.values[(k + 1) * s.outputs + o]!];
  return t1 === t0 ? v0 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}
