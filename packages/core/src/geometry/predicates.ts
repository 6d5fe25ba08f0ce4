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
const SIDE_EPS = 1e-10;

/** Magnitudes below this count as zero where a relative test would divide by them (area, map size). */
export const TINY_MAGNITUDE = 1e-300;

/**
 * Sampled line partition (`regions/line-sampled.ts`): two pieces whose exact ends differ by at
 * most this (in the segment parameter t ∈ [0, 1]) meet, and a piece no longer than this is not
 * reported. Far above the rounding of a crossing computed in float64 through a deep network
 * (about 1e-14 on ResNet-18), and of the order of `SIDE_EPS`, below which the reference engine
 * does not split a cell either.
 */
export const LINE_MEET_EPS = 1e-10;

/** Relative tolerance for two affine maps to count as the same map (linear-region merging). */
const MAP_EPS = 1e-9;

/**
 * The 2-D MLP slicer (regions/slice-mlp.ts) fits a face's output map through three of its vertices
 * only when that triangle's smallest height is at least this × the box's diameter: the values'
 * rounding (about 1e-15 of their terms) then moves the fitted slopes by well under `MAP_EPS`
 * (measured: at most 2.9e-11 relative against the general engine's composed maps over the 9,939
 * and 17,487 regions of bench/networks/2-64x3-1-torch-s1.json on [−1.5, 1.5]² and [−6, 6]²).
 * Thinner faces get their map composed exactly from their code.
 */
export const MAP_FIT_HEIGHT = 1e-5;

/** A region whose area (relative to the domain's) is below this is reported as thin. */
const THIN_AREA_EPS = 1e-12;

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
const VERTEX_EPS = 1e-9;

/** Relative tolerance for hit-and-run chords and the face-hit test (`polytopes/sample.ts`). */
export const CHORD_EPS = 1e-12;

/**
 * Region walk (`polytopes/walk.ts`): a constraint is a facet when its facet's Chebyshev radius
 * exceeds WALK_RADIUS_EPS · max(1, |coordinates|).
 */
const WALK_RADIUS_EPS = 1e-9;

/**
 * Polytope domains of the n-D enumeration (`polytopeDomain`): a domain whose Chebyshev radius
 * (largest inscribed ball, from a HiGHS LP) is at most DOMAIN_RADIUS_EPS × the diameter of its
 * bounding box counts as lower-dimensional. Well above HiGHS's primal feasibility tolerance (1e-7
 * absolute), so an exactly flat domain is never taken for a thin full-dimensional one.
 */
const DOMAIN_RADIUS_EPS = 1e-6;

/**
 * A domain polytope (after cutting its bounds by A x ≤ b in `enumeratePolytopes`) whose volume is
 * at most DOMAIN_VOLUME_EPS × the volume of its bounding box counts as lower-dimensional.
 */
const DOMAIN_VOLUME_EPS = 1e-12;

// --- frames, tropical, truncation, lens ---
// Tolerances of geometry/linalg.ts, frames/*, spline/tropical.ts, truncation/* and the io defaults.
// Each says what it compares and against which scale; the public functions that use them take
// an override (argument or option) where a caller could need another value.

/**
 * A positive floor for a scale (largest entry, a norm, a squared norm) so that an all-zero input
 * still gives a finite, nonzero tolerance or a safe division; far below any real data.
 */
export const TINY_SCALE = 1e-300;

/**
 * Householder least squares inside `nnls`: a column whose part orthogonal to the columns already
 * taken has norm ≤ NNLS_COLUMN_EPS × the largest entry counts as dependent.
 */
export const NNLS_COLUMN_EPS = 1e-13;

/**
 * `leastDistance` (G x ≥ h): feasible when the NNLS residual ρ ∈ [0, 1] exceeds this (ρ = 0
 * exactly for an infeasible system). Overridable through the `rhoTol` argument.
 */
export const LDP_RHO_EPS = 1e-12;

/**
 * `rankOfRows` (Gram–Schmidt with pivoting): a row counts when its component orthogonal to the
 * rows already taken exceeds RANK_EPS × max(its own norm, RANK_FLOOR_RATIO × the longest row), so
 * a tiny row is judged against the matrix, not only itself. RANK_EPS is overridable through the
 * `tol` argument; the frame polytope's basis completion uses it too (a Gram–Schmidt remainder of
 * a unit vector longer than RANK_EPS is independent).
 */
export const RANK_EPS = 1e-10;
export const RANK_FLOOR_RATIO = 1e-3;

/**
 * Singular values (truncation/mlp.ts `numericalRank`): a singular value counts when it exceeds
 * SVD_RANK_EPS · σ_max · max(m, n). Overridable through the `tol` argument.
 */
export const SVD_RANK_EPS = 1e-12;

/**
 * Frames (frames/checks.ts): the NNLS cone-membership tolerance of `inFrameCone` and
 * `isOmnidirectional` (overridable through their `tol` argument); a facet whose offset is ≤
 * FRAME_EPS passes through the origin; an LDP witness that violates no row by more than FRAME_EPS
 * confirms that a facet meets the non-negative orthant.
 */
export const FRAME_EPS = 1e-9;

/**
 * `facetContainsOrigin` (frames/checks.ts): LDP feasibility threshold for {λ ≥ 0, Σλ = 1,
 * X_Fᵀλ = 0}. Looser than LDP_RHO_EPS because the equalities are written as pairs of opposite
 * inequalities, whose residual does not vanish as cleanly.
 */
export const FRAME_ORIGIN_RHO_EPS = 1e-10;

/**
 * Frame polytope (`framePolytope`): distance within which a vertex counts as on a facet and two
 * facet planes as equal. Overridable through `options.tolerance`.
 */
export const FRAME_POLYTOPE_EPS = 1e-9;

/** `framePolytope`'s self-check: a vertex outside a facet by more than this × the tolerance is an internal error. */
export const HULL_CHECK_FACTOR = 1e3;

/**
 * Exact injectivity (frames/injectivity.ts): a cell counts when its closest point to the origin
 * lies inside the open unit ball by more than INJECTIVITY_BALL_EPS; two rows define the same
 * hyperplane when their bias and every coefficient agree within INJECTIVITY_PLANE_EPS; a random
 * start point is used only when it lies off every hyperplane by more than FRAME_EPS, after being
 * pulled inside the ball by the factor INJECTIVITY_START_SHRINK.
 */
export const INJECTIVITY_BALL_EPS = 1e-12;
export const INJECTIVITY_PLANE_EPS = 1e-12;
export const INJECTIVITY_START_SHRINK = 0.999;

/**
 * Frame reconstruction (`frameReconstruct`): a candidate x reproduces z = ReLU(X x − α) when every
 * entry agrees within RECONSTRUCT_EPS × (1 + max|z| + max finite |α|).
 */
export const RECONSTRUCT_EPS = 1e-9;

/**
 * Max-affine pruning (`pruneMaxAffine`), relative to max(1, largest |coefficient|): a term is
 * dominated when its LP gap is ≤ TROPICAL_EPS (overridable through `options.tolerance`) or its
 * NNLS residual is ≤ TROPICAL_NNLS_EPS. A witness residual whose constant part is ≤
 * TROPICAL_WITNESS_EPS is a direction, scaled by TROPICAL_FAR_POINT to a far point.
 */
export const TROPICAL_EPS = 1e-12;
export const TROPICAL_NNLS_EPS = 1e-10;
export const TROPICAL_WITNESS_EPS = 1e-14;
export const TROPICAL_FAR_POINT = 1e6;

/**
 * Truncation constructions (truncation/*): a Householder vector with squared norm ≤
 * HOUSEHOLDER_EPS is zero (H = I); base points are affinely independent when their differences have
 * full numerical rank at SEPARATION_RANK_EPS; a class-0 point lies in the simplex when its summed
 * ReLU is ≤ SIMPLEX_EPS; a Gram–Schmidt remainder longer than COMPLETION_EPS completes a basis.
 */
export const HOUSEHOLDER_EPS = 1e-30;
export const SEPARATION_RANK_EPS = 1e-9;
export const SIMPLEX_EPS = 1e-12;
export const COMPLETION_EPS = 1e-8;

/**
 * Not a tolerance: the batch-norm ε (PyTorch's and ONNX's default) used when a network JSON or ONNX
 * BatchNormalization omits it.
 */
export const BATCHNORM_DEFAULT_EPS = 1e-5;
// --- polytopes ---

/**
 * Scale of the affine function `c + Σ_j a[aOff + j]·t_j` (j < n) on a box with half-extents
 * `extent`: `|c| + Σ |a_j|·extent_j`, the magnitude a value of it is compared against (see the
 * module comment). Summed in that order, so `affineTolerance(f, off, m, extent)` equals
 * `SIDE_EPS · affineScale(f[off], f, off + 1, m − 1, extent)`.
 *
 * @example
 * affineScale(1, [2, -3], 0, 2, [1, 10]); // 1 + 2·1 + 3·10 = 33
 */
export function affineScale(c: number, a: ArrayLike<number>, aOff: number, n: number, extent: ArrayLike<number>): number {
  let s = Math.abs(c);
  for (let j = 0; j < n; j++) s += Math.abs(a[aOff + j]!) * extent[j]!;
  return s;
}

/**
 * Sign of v against an absolute tolerance `tol` ≥ 0: +1 above it, −1 below −tol, 0 within. The
 * rule of `sideOf` (which is `sideWithin(v, SIDE_EPS · scale)`) for callers whose tolerance uses
 * another relative epsilon (e.g. `VERTEX_EPS · affineScale(…)`).
 *
 * @example
 * sideWithin(1e-12, 1e-9); // 0
 */
export function sideWithin(v: number, tol: number): -1 | 0 | 1 {
  return v > tol ? 1 : v < -tol ? -1 : 0;
}

/**
 * Pivot threshold of Gaussian elimination on a Gram-type matrix G (the walk's blocker system
 * G_ab = a_a·H⁻¹a_b): a pivot p at (row i, column j) is accepted when |p| ≥ WALK_PIVOT_EPS ·
 * √(G_ii·G_jj) of the original matrix. The ratio is invariant under rescaling the rows a_b (it is
 * the squared sine of the angle between a_i and the blockers eliminated before it, in the H⁻¹
 * metric), so the test does not depend on the network's weight scale. Chosen in the gap between the
 * ratios seen in the tests: rejected pivots ≤ 5.2e-14, accepted ones ≥ 2.1e-7.
 */
const WALK_PIVOT_EPS = 1e-10;

/**
 * Region walk: a facet is crossed at distance min(clearance / 2, WALK_CROSSING_STEP · max(1, |y|∞))
 * from its crossing point y (far enough to leave the hyperplane, close enough to stay in the facet's
 * neighbour).
 */
const WALK_CROSSING_STEP = 1e-4;

/** The walk's tolerances (`WalkOptions.tolerances` overrides any of them). */
export interface WalkTolerances {
  /** Facet test: Chebyshev radius of the facet above `radius` · max(1, |coordinates|) (`WALK_RADIUS_EPS`). */
  readonly radius: number;
  /** Relative pivot threshold of the blocker system (`WALK_PIVOT_EPS`). */
  readonly pivot: number;
  /** Relative crossing step (`WALK_CROSSING_STEP`). */
  readonly crossingStep: number;
}

/**
 * The default walk tolerances.
 *
 * @example
 * walkRegions(net, x, { tolerances: { ...WALK_TOLERANCES, pivot: 1e-8 } });
 */
export const WALK_TOLERANCES: WalkTolerances = Object.freeze({
  radius: WALK_RADIUS_EPS,
  pivot: WALK_PIVOT_EPS,
  crossingStep: WALK_CROSSING_STEP,
});

/** Relative error allowed between the region volumes' sum and the domain's volume (`validatePolytopes`). */
const VOLUME_SUM_EPS = 1e-9;

/** The n-D enumeration's tolerances (`EnumerateOptions.tolerances` and `polytopeDomain`'s options override any of them). */
export interface PolytopeTolerances {
  /** Vertex on a hyperplane (`VERTEX_EPS`). */
  readonly vertex: number;
  /** Flat domain by its Chebyshev radius (`DOMAIN_RADIUS_EPS`). */
  readonly domainRadius: number;
  /** Flat domain by its volume (`DOMAIN_VOLUME_EPS`). */
  readonly domainVolume: number;
  /** Volume sum check of `validatePolytopes` (`VOLUME_SUM_EPS`). */
  readonly volumeSum: number;
}

/**
 * The default enumeration tolerances.
 *
 * @example
 * enumeratePolytopes(net, { box, tolerances: { vertex: 10 * POLYTOPE_TOLERANCES.vertex } });
 */
export const POLYTOPE_TOLERANCES: PolytopeTolerances = Object.freeze({
  vertex: VERTEX_EPS,
  domainRadius: DOMAIN_RADIUS_EPS,
  domainVolume: DOMAIN_VOLUME_EPS,
  volumeSum: VOLUME_SUM_EPS,
});

/**
 * Cholesky pivots (`choleskyInPlace` in geometry/linalg.ts): the matrix counts as not positive
 * definite when a pivot d_j (before its square root) is not above CHOLESKY_PIVOT_EPS × the largest
 * diagonal entry. Relative, so it does not depend on the matrix's scale; also rejects NaN and ±∞.
 */
export const CHOLESKY_PIVOT_EPS = 1e-14;
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

/**
 * The library's default tolerances for partitions (`side`, `map`, `thinArea`).
 *
 * @example
 * slicePlane(net, plane, box, { tolerances: { side: 10 * DEFAULT_TOLERANCES.side } });
 */
export const DEFAULT_TOLERANCES: Tolerances = Object.freeze({ side: SIDE_EPS, map: MAP_EPS, thinArea: THIN_AREA_EPS });

/** `DEFAULT_TOLERANCES` with the given fields replaced (each must be a finite number ≥ 0). */
export function resolveTolerances(over?: Partial<Tolerances>): Tolerances {
  if (!over) return DEFAULT_TOLERANCES;
  const t = { ...DEFAULT_TOLERANCES, ...over };
  for (const [name, v] of Object.entries(t)) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v)))
      throw new PolytopeError('bad-option', `tolerance '${name}' must be a finite number ≥ 0, got ${String(v)}`);
  }
  return Object.freeze(t);
}

/**
 * Rounding of a cell vertex's coordinates, relative to the domain's half-extent: a vertex made by
 * cutting an edge (t = v_i / (v_i − v_j) along it) is exact to a few ulps of the coordinates it
 * was interpolated from, which are at most the domain's extent. About 45 ulps; far below
 * `SIDE_EPS`, so features down to ~1e-14 of the domain stay resolved (issue 18 #2).
 */
const COORD_EPS = 1e-14;

/**
 * Pointwise side tolerance of ReLU-type breakpoints (issue 18 #2): the value of `f = c + Σ a_j t_j`
 * at a vertex t is judged against `eps · (|c| + Σ |a_j t_j|) + COORD_EPS · Σ |a_j| · extent_j` —
 * the rounding of f's terms at that point, plus the rounding of the vertex's own coordinates —
 * instead of `eps · (|c| + Σ |a_j| · extent_j)` over the whole domain. This function returns the
 * part that does not depend on the point (`eps · |c| + COORD_EPS · Σ |a_j| extent_j`); the cell
 * operations add `eps · Σ |a_j t_j|` per vertex (`pointTolerance`, `CellOps.forRun(eps)`). A line
 * passing 1e-10 of the box from a vertex is then resolved whatever the box's scale, where a
 * box-relative tolerance merged it (plane directions scaled by 1e10 lost 3/4 of the regions).
 *
 * @example
 * localTolerance([1, 1e10, 0], 0, 3, [1, 1]); // 1e-10·1 + 1e-14·1e10 = 1e-4 (box tolerance: ≈ 1)
 */
export function localTolerance(f: ArrayLike<number>, off: number, m: number, extent: ArrayLike<number>, eps = SIDE_EPS): number {
  let s = 0;
  for (let j = 1; j < m; j++) s += Math.abs(f[off + j]!) * extent[j - 1]!;
  return eps * Math.abs(f[off]!) + COORD_EPS * s;
}

/**
 * The tolerance at a point (x, y) of a function with slopes a, b: `tol + rel · (|a x| + |b y|)`,
 * `tol` being `localTolerance` (pass b = y = 0 on a line).
 *
 * @example
 * pointTolerance(1e-4, 1e-10, 1e10, 1e-10, 0, 0); // 1e-4 + 1e-10
 */
export function pointTolerance(tol: number, rel: number, a: number, x: number, b: number, y: number): number {
  return tol + rel * (Math.abs(a * x) + Math.abs(b * y));
}

/**
 * Tolerance of the threshold test `f = θ` (hard-tanh breakpoints): the affine tolerance of f plus
 * θ's own contribution `|θ| · eps` to the scale.
 */
export function thresholdTolerance(
  f: ArrayLike<number>,
  off: number,
  m: number,
  extent: ArrayLike<number>,
  theta: number,
  eps = SIDE_EPS,
): number {
  return affineTolerance(f, off, m, extent, eps) + Math.abs(theta) * eps;
}

/** Tolerance of the comparison `f_a − f_b` of two affine functions (max-pool candidates, argmax of outputs). */
export function pairTolerance(
  f: ArrayLike<number>,
  offA: number,
  offB: number,
  m: number,
  extent: ArrayLike<number>,
  eps = SIDE_EPS,
): number {
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

/**
 * Not a tolerance: the factor of headroom a box's area (slices) or volume (n-D boxes) must keep
 * below float64's largest value, so that sums of region areas and scaled coordinates stay finite.
 */
export const BOX_OVERFLOW_HEADROOM = 1e6;

/**
 * Self-checks of commands that compare a computed form with the network on sample points
 * (tropical F − G, truncation identities): an error above SELF_CHECK_EPS × max(1, |network
 * output|) means the result is wrong (e.g. a term lost to rounding at extreme weight scales) and is
 * reported as an error, never printed beside the result.
 */
export const SELF_CHECK_EPS = 1e-6;

/**
 * Significant digits to which first-layer lines are compared for coincidence (linear-region merging
 * across coincident hyperplanes, `coincidentFirstLayerUnits`): rows equal to ~1e-10 relative after
 * scaling, the order of `SIDE_EPS`, below which the engine does not separate two lines either.
 */
export const COINCIDENT_DIGITS = 10;

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
  /**
   * Resolution check (regions/resolution.ts): a value below exactTie × its local scale is an exact
   * zero up to rounding (lines that truly meet); between that and the side tolerance it is a
   * feature the slice cannot resolve. Also the relative determinant below which two lines are parallel.
   */
  exactTie: 1e-12,
  /** The resolution check is cubic in the first layer's crossing lines: skipped above this many. */
  resolutionLines: 256,
});

/**
 * Convergence of the symmetric eigensolver (coefficients/eigen.ts, EISPACK tql2): an off-diagonal
 * entry of the tridiagonal matrix counts as zero when it is at most EIGEN_CONVERGENCE_EPS times the
 * largest |d_l| + |e_l| seen so far — the unit roundoff of float64, as in EISPACK.
 */
export const EIGEN_CONVERGENCE_EPS = Number.EPSILON;

/**
 * The leading-eigenvector path of the symmetric eigensolver (coefficients/eigen.ts: eigenvalues by
 * QL without vectors, the wanted vectors by inverse iteration, as LAPACK's dstein). Eigenvalues
 * closer than EIGEN_CLUSTER × ‖T‖₁ form a cluster whose vectors are orthogonalized against each
 * other (dstein's ortol = 1e-3 ‖T‖₁). Every result checks itself: a vector is accepted when
 * ‖A v − λ v‖ ≤ EIGEN_RESIDUAL × n × ‖A‖₁ and |vᵢ·vⱼ| ≤ EIGEN_ORTHOGONALITY for every pair; else the
 * full tred2/tql2 path decides. The residual bound is 10³ times the unit roundoff times n (the
 * backward error of a Householder reduction is a small multiple of n·ε‖A‖); two vectors of
 * eigenvalues a gap g apart are orthogonal to about residual / g, so outside a cluster
 * (g ≥ 10⁻³‖T‖) to 10⁶·n·ε ≈ 7·10⁻⁷ at worst for n = 3,072 — in practice far better; 10⁻⁸ is asked.
 */
export const EIGEN_CLUSTER = 1e-3;
export const EIGEN_RESIDUAL = 1e3 * Number.EPSILON;
export const EIGEN_ORTHOGONALITY = 1e-8;

/**
 * Numerical rank of a gradient covariance (coefficients/sensitivity.ts): eigenvalues at most
 * ACTIVE_RANK_EPS × the largest one are rounding noise of a zero eigenvalue (the covariance is
 * accumulated in float64 over up to ~10⁵ gradients, so its noise floor is far above 1e-16 relative).
 */
export const ACTIVE_RANK_EPS = 1e-10;

/**
 * Minimal hypersphere constructions (minimal/hypersphere.ts): how far (relative to the decision
 * region's scale) the foot of the perpendicular from the centre may sit outside a region and
 * still count as inside it, and the relative gap at which the inner-radius bracket counts as exact.
 */
export const MINIMAL_FOOT_EPS = 1e-9;
/** Not a tolerance: how far from the centre (where every hidden hyperplane meets) the region walk starts. */
export const MINIMAL_WALK_START = 1e-3;

/**
 * Cross-sections (§6.3): default tolerance of the dissertation's Jacobian grid method — two grid
 * points are "the same region" when the Euclidean norm of the difference of their coefficient
 * vectors [J | y] (o × (d + 1) values) is at most this. The exact maps are float64 and depend only
 * on the activation code, so equal codes compare at exactly 0; the tolerance decides which
 * *different* maps are merged.
 *
 * @example
 * jacobianGrid(net, grid, JACOBIAN_GRID_TOLERANCE); // the default
 */
export const JACOBIAN_GRID_TOLERANCE = 1e-6;

/**
 * Closest-triple search: the branch-and-bound stops when twice the current longest edge exceeds the
 * best perimeter by more than this relative slack (computed distances satisfy the triangle
 * inequality only up to rounding, so the bound keeps a margin).
 */
export const TRIPLE_PRUNE_REL = 1e-12;
