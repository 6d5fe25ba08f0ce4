/**
 * Path view: the exact pieces of the segment between two inputs (from the core's `partitionLine`),
 * its boundary density (pieces per unit Euclidean length) and the strip chart of one output along
 * the path. The output is affine on each piece, so the chart's vertices at the piece ends are exact.
 * Computed in explorer-worker.ts; the strip is flat (transferable).
 */
import type { LineResult } from '@polytope-lens/core';

/** Summary of a path x0 → x1 for the path view. */
export interface PathSummary {
  readonly pieces: number;
  /** ‖x1 − x0‖₂. */
  readonly length: number;
  /** pieces / length (Infinity for a zero-length path). */
  readonly density: number;
  /** The chart of output `output` as [t0, v0, t1, v1, …]: (t, value) at t = 0, every breakpoint and t = 1. */
  readonly strip: Float64Array;
}

/** Piece count, boundary density and the exact strip chart of `output` along the segment. */
export function pathSummary(line: LineResult, x0: ArrayLike<number>, x1: ArrayLike<number>, output: number): PathSummary {
  let sq = 0;
  for (let i = 0; i < x0.length; i++) sq += (x1[i]! - x0[i]!) ** 2;
  const length = Math.sqrt(sq);
  const pieces = line.pieces.length;
  const strip = new Float64Array(pieces === 0 ? 0 : 2 * (pieces + 1));
  line.pieces.forEach((p, i) => {
    const at = (t: number): number => p.map[2 * output]! + p.map[2 * output + 1]! * t;
    if (i === 0) strip.set([p.t0, at(p.t0)], 0);
    strip.set([p.t1, at(p.t1)], 2 * (i + 1));
  });
  return { pieces, length, density: length === 0 ? Infinity : pieces / length, strip };
}
