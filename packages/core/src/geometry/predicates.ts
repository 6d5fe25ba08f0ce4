/**
 * The one module where tolerances live. Every sign decision the library makes ("which side of
 * this hyperplane is the vertex on", "is this cell empty", "are these two maps equal") goes
 * through these functions, so the tolerances are named, documented and changeable in one place.
 *
 * Values are compared against a tolerance relative to the magnitude of the terms that produced
 * them: for an affine function `f(t) = c + Σ a_j t_j` on a domain where |t_j| ≤ T_j, the scale is
 * `|c| + Σ |a_j| T_j` and a value v counts as zero when |v| ≤ SIDE_EPS · scale.
 */
import { PolytopeError } from '../errors.js';

/** Relative tolerance for the side of a point with respect to an affine function. */
export const SIDE_EPS = 1e-10;

/** Magnitudes below this count as zero where a relative test would divide by them (area, map size). */
export const TINY_MAGNITUDE = 1e-300;

/** Relative tolerance for two affine maps to count as the same map (linear-region merging). */
export const MAP_EPS = 1e-9;

/** A region whose area (relative to the domain's) is below this is reported as thin. */
export const THIN_AREA_EPS = 1e-12;

/**
 * Sign of v against an absolute tolerance `tol` ≥ 0: +1 above tol, −1 below −tol, 0 within.
 * The one sign test of the library (vertices against cutting lines, decision levels, …).
 */
export function signWithin(v: number, tol: number): -1 | 0 | 1 {
  return v > tol ? 1 : v < -tol ? -1 : 0;
}

/** Sign of v with the tolerance `eps · scale` (default `SIDE_EPS`): −1, 0 or +1. */
export function sideOf(v: number, scale: number, eps = SIDE_EPS): -1 | 0 | 1 {
  return signWithin(v, eps * scale);
}

/** Whether v ≤ θ up to `tol` (v ≤ θ + tol): "on or below" the threshold. */
export function atMost(v: number, theta: number, tol: number): boolean {
  return v <= theta + tol;
}

/** Whether v ≥ θ up to `tol` (v ≥ θ − tol): "on or above" the threshold. */
export function atLeast(v: number, theta: number, tol: number): boolean {
  return v >= theta - tol;
}

/**
 * Tolerance for an affine function with coefficients `f[off..off+m)` (column 0 constant) on a box
 * with half-extents `extent`: `eps · (|f0| + Σ |f_j| · extent_{j−1})`, eps defaulting to `SIDE_EPS`.
 */
export function affineTolerance(f: ArrayLike<number>, off: number, m: number, extent: ArrayLike<number>, eps = SIDE_EPS): number {
  let s = Math.abs(f[off]!);
  for (let j = 1; j < m; j++) s += Math.abs(f[off + j]!) * extent[j - 1]!;
  return eps * s;
}

/** Whether two affine maps (same layout) agree to `MAP_EPS` relative to their magnitude. */
export function sameMap(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, len: number, eps = MAP_EPS): boolean {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < len; i++) {
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    diff = Math.max(diff, Math.abs(x - y));
    mag = Math.max(mag, Math.abs(x), Math.abs(y));
  }
  return diff <= eps * Math.max(mag, TINY_MAGNITUDE);
}

/**
 * Relative tolerance for a polytope vertex to lie on a cutting hyperplane (n-D polytope
 * enumeration, `polytopes/enumerate.ts`): |a·x + c| ≤ VERTEX_EPS · (|c| + Σ|a_j|·max(|lo_j|, |hi_j|)).
 */
export const VERTEX_EPS = 1e-9;

/** Relative tolerance for hit-and-run chords and the face-hit test (`polytopes/sample.ts`). */
export const CHORD_EPS = 1e-12;

/**
 * Region walk (`polytopes/walk.ts`): a constraint is a facet when its facet's Chebyshev radius
 * exceeds WALK_RADIUS_EPS · max(1, |coordinates|).
 */
export const WALK_RADIUS_EPS = 1e-9;

/**
 * Polytope domains of the n-D enumeration (`polytopeDomain`): a domain whose Chebyshev radius
 * (largest inscribed ball, from a HiGHS LP) is at most DOMAIN_RADIUS_EPS × the diameter of its
 * bounding box counts as lower-dimensional. Well above HiGHS's primal feasibility tolerance (1e-7
 * absolute), so an exactly flat domain is never taken for a thin full-dimensional one.
 */
export const DOMAIN_RADIUS_EPS = 1e-6;

/**
 * A domain polytope (after cutting its bounds by A x ≤ b in `enumeratePolytopes`) whose volume is
 * at most DOMAIN_VOLUME_EPS × the volume of its bounding box counts as lower-dimensional.
 */
export const DOMAIN_VOLUME_EPS = 1e-12;

// --- regions (partition engine, slices, lines, validation) ---

/**
 * The tolerances a partition run uses, overridable per call (`tolerances` on the partition and
 * slice options); every field defaults to the named constant above.
 */
export interface Tolerances {
  /** Relative side tolerance of a cell vertex or range against a cutting function (`SIDE_EPS`). */
  readonly side: number;
  /** Relative tolerance for two affine maps to count as the same (linear-region merging, `MAP_EPS`). */
  readonly map: number;
  /** Relative area below which a region is reported as thin (`THIN_AREA_EPS`). */
  readonly thinArea: number;
}

/** The library's default tolerances. */
export const DEFAULT_TOLERANCES: Tolerances = Object.freeze({ side: SIDE_EPS, map: MAP_EPS, thinArea: THIN_AREA_EPS });

/** `DEFAULT_TOLERANCES` with the given fields replaced (each must be a finite number ≥ 0). */
export function resolveTolerances(over?: Partial<Tolerances>): Tolerances {
  if (!over) return DEFAULT_TOLERANCES;
  const t = { ...DEFAULT_TOLERANCES, ...over };
  for (const [name, v] of Object.entries(t)) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new PolytopeError('bad-option', `tolerance '${name}' must be a finite number ≥ 0, got ${String(v)}`);
  }
  return Object.freeze(t);
}

/**
 * `affineTolerance` of `c + a·t₁ + b·t₂` on the box |t₁| ≤ ex, |t₂| ≤ ey from scalars (the
 * engine's hot loop, slices): `eps · (|c| + (|a|·ex + |b|·ey))`.
 */
export function planarTolerance(c: number, a: number, b: number, ex: number, ey: number, eps = SIDE_EPS): number {
  return eps * (Math.abs(c) + (Math.abs(a) * ex + Math.abs(b) * ey));
}

/**
 * Tolerance of the threshold test `f = θ` (hard-tanh breakpoints): the affine tolerance of f plus
 * θ's own contribution `|θ| · eps` to the scale.
 */
export function thresholdTolerance(f: ArrayLike<number>, off: number, m: number, extent: ArrayLike<number>, theta: number, eps = SIDE_EPS): number {
  return affineTolerance(f, off, m, extent, eps) + Math.abs(theta) * eps;
}

/** Tolerance of the comparison `f_a − f_b` of two affine functions (max-pool candidates, argmax of outputs). */
export function pairTolerance(f: ArrayLike<number>, offA: number, offB: number, m: number, extent: ArrayLike<number>, eps = SIDE_EPS): number {
  return affineTolerance(f, offA, m, extent, eps) + affineTolerance(f, offB, m, extent, eps);
}

/**
 * Plane directions (`planeThrough`, `planeFromDirections`) span a plane only when the second is
 * more than PLANE_SPAN_EPS (relative to the vectors' lengths) away from the first's line.
 */
export const PLANE_SPAN_EPS = 1e-12;

/**
 * Step, relative to an edge's length, at which a slice probes the network just across an edge
 * lying on the decision boundary's zero level (which side owns the edge). Far above rounding
 * (1e-16) and far below any region's width in practice.
 */
export const EDGE_PROBE_STEP = 1e-7;

/** Quantum, relative to the largest coordinate, at which decision-boundary segment ends are joined. */
export const JOIN_QUANTUM = 1e-9;

/** `validateSlice` / `validateLine` check tolerances (relative to the box area, the output, or [0, 1]). */
export const VALIDATE = Object.freeze({
  /** Regions' areas must sum to the box area to this relative error. */
  areaSum: 1e-9,
  /** A polygon is clockwise when its signed area is below −orientation × box area. */
  orientation: 1e-12,
  /** A polygon is non-convex when a vertex turn is below −convexity × box area. */
  convexity: 1e-9,
  /** Regions below thinArea × thinFactor × box area are too thin to check their centroid's code. */
  thinFactor: 1e3,
  /** A region's map must reproduce the network at its centroid to this relative error. */
  map: 1e-8,
  /** Line pieces must meet to this absolute error in t ∈ [0, 1]. */
  gap: 1e-12,
  /** Line pieces shorter than this (in t) are too short to check their midpoint's code. */
  shortPiece: 1e-9,
});
