/**
 * Cells of low-dimensional partitions: intervals (1-D, lines) and convex polygons (2-D, slices).
 *
 * Both answer the same four questions for an affine function `f(t) = f0 + Σ f_j t_j` given as
 * `m = k + 1` coefficients at `f[off..off+m)`: its range over the cell, the cell split by f = 0,
 * the part where f ≥ 0, and the cell's measure. Every boundary piece carries a *label* naming what
 * made it (`unit · 256 + state on the other side`, or −1 for the domain boundary), which is how
 * neighbours, linear regions and decision boundaries are found later without geometry searches.
 *
 * Classification of vertices uses the tolerance passed in (from `geometry/predicates.ts`) plus a
 * term relative to the vertex's own coordinates: a vertex t lies on the line (and is kept by both
 * sides) when |f(t)| ≤ tol + vertexEps · Σ_j |f_j t_j| (`pointTolerance`), where `vertexEps` is
 * fixed per run (`forRun(vertexEps)`, 0 by default). So a feature near the origin of a large domain
 * is judged at its own scale, not the domain's (issue 18 #2).
 */
import { Float64Arena } from '../arena.js';
import { TINY_MAGNITUDE, atLeast, atMost, pointTolerance, signWithin } from './predicates.js';

/** Label of a domain-boundary edge. */
export const BOUNDARY = -1;

/**
 * Bits of an edge label that hold the state on the other side. States are one byte (activation
 * codes are `Uint8Array`; networks whose max-pool windows exceed 256 positions are refused), so
 * labels `unit · 256 + state` never collide.
 */
const LABEL_STATE_BITS = 8;
const STATE_MASK = (1 << LABEL_STATE_BITS) - 1;

/** The label of an edge made by `unit` (index in the network's code) with `state` on the other side. */
export function edgeLabel(unit: number, state: number): number {
  return unit * (STATE_MASK + 1) + state;
}

/** The unit of an edge label (not the boundary). */
export function labelUnit(label: number): number {
  return label >>> LABEL_STATE_BITS;
}

/** The state on the other side of an edge label (not the boundary). */
export function labelState(label: number): number {
  return label & STATE_MASK;
}

export interface CellOps<C> {
  /** Parameter dimension k (1 for lines, 2 for slices). */
  readonly k: number;
  /** Writes min and max of f over the cell to out[0], out[1]. */
  range(cell: C, f: ArrayLike<number>, off: number, out: Float64Array): void;
  /**
   * Range of f against each vertex's own tolerance (`tol` plus the vertex term): writes
   * min(f(t_i) + tol_i) and max(f(t_i) − tol_i) over the vertices, so f ≤ 0 on the cell up to
   * tolerance iff out[1] ≤ 0, and f ≥ 0 iff out[0] ≥ 0.
   */
  slackRange(cell: C, f: ArrayLike<number>, off: number, tol: number, out: Float64Array): void;
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
  /** The relative per-vertex tolerance these operations add to every `tol` (see the module comment). */
  readonly vertexEps: number;
  /**
   * Operations with their own scratch buffers and per-vertex tolerance `vertexEps` (default 0), for
   * one partition run (the engine calls this once per run, so runs never share buffers).
   */
  forRun?(vertexEps?: number): CellOps<C>;
}

// ───────────────────────────── intervals ─────────────────────────────

export interface Interval {
  readonly t0: number;
  readonly t1: number;
  /** Labels of the endpoints. */
  readonly l0: number;
  readonly l1: number;
}

/** Interval operations with per-vertex tolerance `rel` (`CellOps.vertexEps`). */
function makeIntervalOps(rel: number): CellOps<Interval> {
  return {
    k: 1,
    vertexEps: rel,
    range(cell, f, off, out) {
      const a = f[off]! + f[off + 1]! * cell.t0;
      const b = f[off]! + f[off + 1]! * cell.t1;
      out[0] = Math.min(a, b);
      out[1] = Math.max(a, b);
    },
    slackRange(cell, f, off, tol, out) {
      const c = f[off]!;
      const a = f[off + 1]!;
      const v0 = c + a * cell.t0;
      const v1 = c + a * cell.t1;
      const t0 = pointTolerance(tol, rel, a, cell.t0, 0, 0);
      const t1 = pointTolerance(tol, rel, a, cell.t1, 0, 0);
      out[0] = Math.min(v0 + t0, v1 + t1);
      out[1] = Math.max(v0 - t0, v1 - t1);
    },
    split(cell, f, off, _tol, negLabel, posLabel) {
      const c = f[off]!;
      const a = f[off + 1]!;
      const v0 = c + a * cell.t0;
      const v1 = c + a * cell.t1;
      const t = cell.t0 + ((cell.t1 - cell.t0) * v0) / (v0 - v1);
      // f crosses the interval: the side of its start is the sign of f there (no tolerance).
      const startNeg = signWithin(v0, 0) < 0;
      const left = { t0: cell.t0, t1: t, l0: cell.l0, l1: startNeg ? negLabel : posLabel };
      const right = { t0: t, t1: cell.t1, l0: startNeg ? posLabel : negLabel, l1: cell.l1 };
      return startNeg ? [left, right] : [right, left];
    },
    clip(cell, f, off, tol, label) {
      const c = f[off]!;
      const a = f[off + 1]!;
      const v0 = c + a * cell.t0;
      const v1 = c + a * cell.t1;
      const tol0 = pointTolerance(tol, rel, a, cell.t0, 0, 0);
      const tol1 = pointTolerance(tol, rel, a, cell.t1, 0, 0);
      if (atLeast(v0, 0, tol0) && atLeast(v1, 0, tol1)) return signWithin(v0, tol0) > 0 || signWithin(v1, tol1) > 0 ? cell : null;
      if (atMost(v0, 0, tol0) && atMost(v1, 0, tol1)) return null;
      const t = cell.t0 + ((cell.t1 - cell.t0) * v0) / (v0 - v1);
      return signWithin(v0, 0) > 0 ? { t0: cell.t0, t1: t, l0: cell.l0, l1: label } : { t0: t, t1: cell.t1, l0: label, l1: cell.l1 };
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
    forRun(vertexEps = 0) {
      return makeIntervalOps(vertexEps);
    },
  };
}

/** Interval operations without per-vertex tolerance (stateless; `forRun(eps)` adds it). */
export const intervalOps: CellOps<Interval> = Object.freeze(makeIntervalOps(0));

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

/**
 * Scratch of the polygon operations: the side of every vertex from the last classification
 * (`classifyVertices` fills it, `keepSide` reads it — always within one `split`/`clip` call), the
 * clipped polygon's vertices before copying, and an arena for result vertices (see arena.ts).
 */
class PolygonScratch {
  vals = new Float64Array(64);
  side = new Int8Array(64);
  keepXY = new Float64Array(128);
  keepLab = new Int32Array(64);
  /** Result vertices go to this arena, or to arrays of their own when null (one-off calls). */
  constructor(private readonly arena: Float64Arena | null) {}

  /**
   * Evaluates f at every vertex and records its side (tolerance `tol` plus `rel` × the vertex
   * term, `pointTolerance`); returns bit 1 if any is above, bit 2 if any below.
   */
  classifyVertices(cell: Polygon, f: ArrayLike<number>, off: number, tol: number, rel: number): number {
    const n = cell.n;
    if (this.vals.length < n) {
      this.vals = new Float64Array(n * 2);
      this.side = new Int8Array(n * 2);
    }
    const vals = this.vals;
    const side = this.side;
    const c = f[off]!;
    const a = f[off + 1]!;
    const b = f[off + 2]!;
    const xy = cell.xy;
    let mask = 0;
    for (let i = 0; i < n; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      const v = c + a * x + b * y;
      vals[i] = v;
      const s = signWithin(v, pointTolerance(tol, rel, a, x, b, y));
      side[i] = s;
      mask |= s > 0 ? 1 : s < 0 ? 2 : 0;
    }
    return mask;
  }

  /**
   * Sutherland–Hodgman step for one side of the last classification: keeps vertices with
   * side·sign ≥ 0 and the crossing points. `sign` = +1 keeps f ≥ 0, −1 keeps f ≤ 0.
   */
  keepSide(cell: Polygon, sign: 1 | -1, cutLabel: number): Polygon {
    const n = cell.n;
    const xy = cell.xy;
    const labels = cell.labels;
    if (this.keepXY.length < 4 * n + 8) {
      this.keepXY = new Float64Array(8 * n + 16);
      this.keepLab = new Int32Array(4 * n + 8);
    }
    const { keepXY: outXY, keepLab: outLab, side, vals } = this;
    let q = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const si = side[i]! * sign;
      const sj = side[j]! * sign;
      if (si >= 0) {
        outXY[2 * q] = xy[2 * i]!;
        outXY[2 * q + 1] = xy[2 * i + 1]!;
        // Edge from this vertex runs along edge i unless we leave through a zero vertex into the other side.
        outLab[q++] = si === 0 && sj < 0 ? cutLabel : labels[i]!;
      }
      if ((si > 0 && sj < 0) || (si < 0 && sj > 0)) {
        const vi = vals[i]!;
        const vj = vals[j]!;
        const t = vi / (vi - vj);
        outXY[2 * q] = xy[2 * i]! + t * (xy[2 * j]! - xy[2 * i]!);
        outXY[2 * q + 1] = xy[2 * i + 1]! + t * (xy[2 * j + 1]! - xy[2 * i + 1]!);
        outLab[q++] = si > 0 ? cutLabel : labels[i]!;
      }
    }
    const kept = outXY.subarray(0, 2 * q);
    return { n: q, xy: this.arena ? this.arena.copy(kept) : kept.slice(), labels: outLab.slice(0, q) };
  }
}

/**
 * Polygon operations (a class, so every call site sees one shape). With a scratch they are fast
 * and own that scratch; without (`polygonOps`), `split` and `clip` make their scratch per call.
 */
class PolygonCells implements CellOps<Polygon> {
  readonly k = 2;
  constructor(
    private readonly scratch: PolygonScratch | null,
    readonly vertexEps = 0,
  ) {}

  range(cell: Polygon, f: ArrayLike<number>, off: number, out: Float64Array): void {
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
  }

  slackRange(cell: Polygon, f: ArrayLike<number>, off: number, tol: number, out: Float64Array): void {
    const c = f[off]!;
    const a = f[off + 1]!;
    const b = f[off + 2]!;
    const xy = cell.xy;
    const rel = this.vertexEps;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < cell.n; i++) {
      const x = xy[2 * i]!;
      const y = xy[2 * i + 1]!;
      const v = c + a * x + b * y;
      const t = pointTolerance(tol, rel, a, x, b, y);
      if (v + t < lo) lo = v + t;
      if (v - t > hi) hi = v - t;
    }
    out[0] = lo;
    out[1] = hi;
  }

  split(cell: Polygon, f: ArrayLike<number>, off: number, tol: number, negLabel: number, posLabel: number): [Polygon, Polygon] {
    const scratch = this.scratch ?? new PolygonScratch(null);
    scratch.classifyVertices(cell, f, off, tol, this.vertexEps);
    const pos = scratch.keepSide(cell, 1, posLabel);
    const neg = scratch.keepSide(cell, -1, negLabel);
    return [neg, pos];
  }

  clip(cell: Polygon, f: ArrayLike<number>, off: number, tol: number, label: number): Polygon | null {
    const scratch = this.scratch ?? new PolygonScratch(null);
    const mask = scratch.classifyVertices(cell, f, off, tol, this.vertexEps);
    if (!(mask & 1)) return null;
    if (!(mask & 2)) return cell;
    return scratch.keepSide(cell, 1, label);
  }

  bbox(cell: Polygon, out: Float64Array): void {
    const xy = cell.xy;
    let x0 = Infinity,
      x1 = -Infinity,
      y0 = Infinity,
      y1 = -Infinity;
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
  }

  measure(cell: Polygon): number {
    return polygonArea(cell.xy, cell.n);
  }

  interior(cell: Polygon): Float64Array {
    return polygonCentroid(cell.xy, cell.n);
  }

  forRun(vertexEps = 0): CellOps<Polygon> {
    return createPolygonOps(vertexEps);
  }
}

/**
 * Polygon operations with their own scratch buffers and vertex arena: one instance per partition
 * run (or per long-lived consumer such as a region describer). `polygonOps.forRun()` makes one.
 */
export function createPolygonOps(vertexEps = 0): CellOps<Polygon> {
  return new PolygonCells(new PolygonScratch(new Float64Arena()), vertexEps);
}

/**
 * Polygon operations holding no state: `split` and `clip` make their scratch per call (use
 * `createPolygonOps()` for many calls). Partition runs call `forRun()` and get their own.
 */
export const polygonOps: CellOps<Polygon> = Object.freeze(new PolygonCells(null));

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
  if (Math.abs(a) < TINY_MAGNITUDE) {
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
