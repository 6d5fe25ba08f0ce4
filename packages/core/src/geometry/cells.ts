/**
 * Cells of low-dimensional partitions: intervals (1-D, lines) and convex polygons (2-D, slices).
 *
 * Both answer the same four questions for an affine function `f(t) = f0 + Σ f_j t_j` given as
 * `m = k + 1` coefficients at `f[off..off+m)`: its range over the cell, the cell split by f = 0,
 * the part where f ≥ 0, and the cell's measure. Every boundary piece carries a *label* naming what
 * made it (`unit · 256 + state on the other side`, or −1 for the domain boundary), which is how
 * neighbours, linear regions and decision boundaries are found later without geometry searches.
 *
 * Classification of vertices uses the tolerance passed in (from `geometry/predicates.ts`):
 * a vertex with |f| ≤ tol lies on the line and is kept by both sides.
 */
import { Float64Arena } from '../arena.js';

/** Label of a domain-boundary edge. */
export const BOUNDARY = -1;

export interface CellOps<C> {
  /** Parameter dimension k (1 for lines, 2 for slices). */
  readonly k: number;
  /** Writes min and max of f over the cell to out[0], out[1]. */
  range(cell: C, f: ArrayLike<number>, off: number, out: Float64Array): void;
  /** Splits a cell that f crosses into [f ≤ 0 part, f ≥ 0 part]; cut pieces labelled. */
  split(cell: C, f: ArrayLike<number>, off: number, tol: number, negLabel: number, posLabel: number): [C, C];
  /** The part of the cell where f ≥ 0 (null when it has no interior), cut labelled. */
  clip(cell: C, f: ArrayLike<number>, off: number, tol: number, label: number): C | null;
  /** Bounding box: writes the centre (k values) then the half-widths (k values) to `out`. */
  bbox(cell: C, out: Float64Array): void;
  /** Length or area. */
  measure(cell: C): number;
  /** A point in the relative interior (centroid), length k. */
  interior(cell: C): Float64Array;
}

// ───────────────────────────── intervals ─────────────────────────────

export interface Interval {
  readonly t0: number;
  readonly t1: number;
  /** Labels of the endpoints. */
  readonly l0: number;
  readonly l1: number;
}

export const intervalOps: CellOps<Interval> = {
  k: 1,
  range(cell, f, off, out) {
    const a = f[off]! + f[off + 1]! * cell.t0;
    const b = f[off]! + f[off + 1]! * cell.t1;
    out[0] = Math.min(a, b);
    out[1] = Math.max(a, b);
  },
  split(cell, f, off, _tol, negLabel, posLabel) {
    const c = f[off]!;
    const a = f[off + 1]!;
    const v0 = c + a * cell.t0;
    const v1 = c + a * cell.t1;
    const t = cell.t0 + ((cell.t1 - cell.t0) * v0) / (v0 - v1);
    const left = { t0: cell.t0, t1: t, l0: cell.l0, l1: v0 < 0 ? negLabel : posLabel };
    const right = { t0: t, t1: cell.t1, l0: v0 < 0 ? posLabel : negLabel, l1: cell.l1 };
    return v0 < 0 ? [left, right] : [right, left];
  },
  clip(cell, f, off, tol, label) {
    const c = f[off]!;
    const a = f[off + 1]!;
    const v0 = c + a * cell.t0;
    const v1 = c + a * cell.t1;
    if (v0 >= -tol && v1 >= -tol) return v0 > tol || v1 > tol ? cell : null;
    if (v0 <= tol && v1 <= tol) return null;
    const t = cell.t0 + ((cell.t1 - cell.t0) * v0) / (v0 - v1);
    return v0 > 0 ? { t0: cell.t0, t1: t, l0: cell.l0, l1: label } : { t0: t, t1: cell.t1, l0: label, l1: cell.l1 };
  },
  bbox(cell, out) {
    out[0] = (cell.t0 + cell.t1) / 2;
    out[1] = (cell.t1 - cell.t0) / 2;
  },
  measure(cell) {
    return cell.t1 - cell.t0;
  },
  interior(cell) {
    return Float64Array.of((cell.t0 + cell.t1) / 2);
  },
};

// ───────────────────────────── polygons ─────────────────────────────

/** Convex polygon, counter-clockwise; `labels[i]` labels the edge from vertex i to vertex i+1. */
export interface Polygon {
  readonly n: number;
  /** Interleaved coordinates [x0, y0, x1, y1, …]. */
  readonly xy: Float64Array;
  readonly labels: Int32Array;
}

export function boxPolygon(x0: number, x1: number, y0: number, y1: number): Polygon {
  return {
    n: 4,
    xy: Float64Array.of(x0, y0, x1, y0, x1, y1, x0, y1),
    labels: Int32Array.of(BOUNDARY, BOUNDARY, BOUNDARY, BOUNDARY),
  };
}

/** Polygon vertex arrays are arena views (see arena.ts). */
const polyArena = new Float64Arena();

// Scratch buffers reused across calls (polygons in these partitions have few vertices).
let scratchVals = new Float64Array(64);
let scratchSide = new Int8Array(64);
let keepXY = new Float64Array(128);
let keepLab = new Int32Array(64);
function ensureScratch(n: number): void {
  if (scratchVals.length < n) {
    scratchVals = new Float64Array(n * 2);
    scratchSide = new Int8Array(n * 2);
  }
}

function classifyVertices(cell: Polygon, f: ArrayLike<number>, off: number, tol: number): number {
  const n = cell.n;
  ensureScratch(n);
  const c = f[off]!;
  const a = f[off + 1]!;
  const b = f[off + 2]!;
  const xy = cell.xy;
  let mask = 0;
  for (let i = 0; i < n; i++) {
    const v = c + a * xy[2 * i]! + b * xy[2 * i + 1]!;
    scratchVals[i] = v;
    const s = v > tol ? 1 : v < -tol ? -1 : 0;
    scratchSide[i] = s;
    mask |= s > 0 ? 1 : s < 0 ? 2 : 0;
  }
  return mask;
}

/**
 * Sutherland–Hodgman step for one side: keeps vertices with side·sign ≥ 0 and the crossing points.
 * `sign` = +1 keeps f ≥ 0, −1 keeps f ≤ 0. Uses the scratch classification of `classifyVertices`.
 */
function keepSide(cell: Polygon, sign: 1 | -1, cutLabel: number): Polygon {
  const n = cell.n;
  const xy = cell.xy;
  const labels = cell.labels;
  if (keepXY.length < 4 * n + 8) {
    keepXY = new Float64Array(8 * n + 16);
    keepLab = new Int32Array(4 * n + 8);
  }
  const outXY = keepXY;
  const outLab = keepLab;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const si = scratchSide[i]! * sign;
    const sj = scratchSide[j]! * sign;
    if (si >= 0) {
      outXY[2 * q] = xy[2 * i]!;
      outXY[2 * q + 1] = xy[2 * i + 1]!;
      // Edge from this vertex runs along edge i unless we leave through a zero vertex into the other side.
      outLab[q++] = si === 0 && sj < 0 ? cutLabel : labels[i]!;
    }
    if ((si > 0 && sj < 0) || (si < 0 && sj > 0)) {
      const vi = scratchVals[i]!;
      const vj = scratchVals[j]!;
      const t = vi / (vi - vj);
      const x = xy[2 * i]! + t * (xy[2 * j]! - xy[2 * i]!);
      const y = xy[2 * i + 1]! + t * (xy[2 * j + 1]! - xy[2 * i + 1]!);
      outXY[2 * q] = x;
      outXY[2 * q + 1] = y;
      outLab[q++] = si > 0 ? cutLabel : labels[i]!;
    }
  }
  return { n: q, xy: polyArena.copy(outXY.subarray(0, 2 * q)), labels: outLab.slice(0, q) };
}

export const polygonOps: CellOps<Polygon> = {
  k: 2,
  range(cell, f, off, out) {
    const c = f[off]!;
    const a = f[off + 1]!;
    const b = f[off + 2]!;
    const xy = cell.xy;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < cell.n; i++) {
      const v = c + a * xy[2 * i]! + b * xy[2 * i + 1]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[0] = lo;
    out[1] = hi;
  },
  split(cell, f, off, tol, negLabel, posLabel) {
    classifyVertices(cell, f, off, tol);
    const pos = keepSide(cell, 1, posLabel);
    const neg = keepSide(cell, -1, negLabel);
    return [neg, pos];
  },
  clip(cell, f, off, tol, label) {
    const mask = classifyVertices(cell, f, off, tol);
    if (!(mask & 1)) return null;
    if (!(mask & 2)) return cell;
    return keepSide(cell, 1, label);
  },
  bbox(cell, out) {
    const xy = cell.xy;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < cell.n; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    out[0] = (x0 + x1) / 2;
    out[1] = (y0 + y1) / 2;
    out[2] = (x1 - x0) / 2;
    out[3] = (y1 - y0) / 2;
  },
  measure(cell) {
    return polygonArea(cell.xy, cell.n);
  },
  interior(cell) {
    return polygonCentroid(cell.xy, cell.n);
  },
};

/**
 * Signed area (positive for counter-clockwise), shoelace formula.
 *
 * @example
 * polygonArea([0, 0, 1, 0, 0, 1], 3); // 0.5 (counter-clockwise triangle)
 */
export function polygonArea(xy: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    s += xy[2 * i]! * xy[2 * j + 1]! - xy[2 * j]! * xy[2 * i + 1]!;
  }
  return s / 2;
}

/**
 * Area centroid (vertex mean for degenerate polygons).
 *
 * @example
 * polygonCentroid([0, 0, 2, 0, 2, 2, 0, 2], 4); // Float64Array [1, 1]
 */
export function polygonCentroid(xy: ArrayLike<number>, n: number): Float64Array {
  let a = 0;
  let cx = 0;
  let cy = 0;
  // Shift to the first vertex for accuracy.
  const ox = xy[0]!;
  const oy = xy[1]!;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const xi = xy[2 * i]! - ox;
    const yi = xy[2 * i + 1]! - oy;
    const xj = xy[2 * j]! - ox;
    const yj = xy[2 * j + 1]! - oy;
    const cr = xi * yj - xj * yi;
    a += cr;
    cx += (xi + xj) * cr;
    cy += (yi + yj) * cr;
  }
  if (Math.abs(a) < 1e-300) {
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += xy[2 * i]!;
      sy += xy[2 * i + 1]!;
    }
    return Float64Array.of(sx / n, sy / n);
  }
  return Float64Array.of(ox + cx / (3 * a), oy + cy / (3 * a));
}
