/**
 * The one module where tolerances live. Every sign decision the library makes ("which side of
 * this hyperplane is the vertex on", "is this cell empty", "are these two maps equal") goes
 * through these functions, so the tolerances are named, documented and changeable in one place.
 *
 * Values are compared against a tolerance relative to the magnitude of the terms that produced
 * them: for an affine function `f(t) = c + Σ a_j t_j` on a domain where |t_j| ≤ T_j, the scale is
 * `|c| + Σ |a_j| T_j` and a value v counts as zero when |v| ≤ SIDE_EPS · scale.
 */

/** Relative tolerance for the side of a point with respect to an affine function. */
export const SIDE_EPS = 1e-10;

/** Relative tolerance for two affine maps to count as the same map (linear-region merging). */
export const MAP_EPS = 1e-9;

/** A region whose area (relative to the domain's) is below this is reported as thin. */
export const THIN_AREA_EPS = 1e-12;

/** Sign of v with the tolerance `SIDE_EPS · scale`: −1, 0 or +1. */
export function sideOf(v: number, scale: number): -1 | 0 | 1 {
  const tol = SIDE_EPS * scale;
  return v > tol ? 1 : v < -tol ? -1 : 0;
}

/** Tolerance for an affine function with coefficients `f[off..off+m)` (column 0 constant) on a box with half-extents `extent`. */
export function affineTolerance(f: ArrayLike<number>, off: number, m: number, extent: ArrayLike<number>): number {
  let s = Math.abs(f[off]!);
  for (let j = 1; j < m; j++) s += Math.abs(f[off + j]!) * extent[j - 1]!;
  return SIDE_EPS * s;
}

/** Whether two affine maps (same layout) agree to `MAP_EPS` relative to their magnitude. */
export function sameMap(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, len: number): boolean {
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < len; i++) {
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    diff = Math.max(diff, Math.abs(x - y));
    mag = Math.max(mag, Math.abs(x), Math.abs(y));
  }
  return diff <= MAP_EPS * Math.max(mag, 1e-300);
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
