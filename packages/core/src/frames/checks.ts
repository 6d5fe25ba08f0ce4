/**
 * Frame checks: spanning, omnidirectionality (0 ∈ int conv X), and non-negative
 * omnidirectionality (the seed, §"PBE for B⁺": ℝⁿ₊ ⊆ ⋃_{j∈J⁺} cone(F_j) and 0 ∉ F_j for j ∈ J⁺).
 */
import type { Frame } from './frame.js';
import { leastDistance, nnls, rankOfRows } from '../geometry/linalg.js';
import type { FramePolytope } from './polytope.js';
import { facetVertices, framePolytope } from './polytope.js';
import { FRAME_EPS, FRAME_ORIGIN_RHO_EPS, LDP_RHO_EPS } from '../geometry/predicates.js';

/** What `checkFrame` found. */
export interface FrameCheck {
  readonly n: number;
  readonly m: number;
  /** Numerical rank of the frame vectors. */
  readonly rank: number;
  /** Whether the vectors span ℝⁿ (a frame). */
  readonly spans: boolean;
  /** Whether 0 lies in the interior of conv(X). */
  readonly omnidirectional: boolean;
  /**
   * Whether X is non-negatively omnidirectional (needs the frame polytope; null when it could not
   * be computed, e.g. in high dimension or for a degenerate polytope).
   */
  readonly nonNegativelyOmnidirectional: boolean | null;
  /** J⁺: facets meeting ℝⁿ₊ (null without a polytope). */
  readonly plusFacets: Int32Array | null;
  /** I⁺: frame vectors on some facet of J⁺, as a 0/1 mask (null without a polytope). */
  readonly plusVertices: Uint8Array | null;
}

/**
 * Decides omnidirectionality without a hull, in any dimension: 0 ∈ int conv(X) iff X spans ℝⁿ and
 * 0 = Σ λ_i x_i with every λ_i > 0; scaling, iff some λ ≥ 1 solves Xᵀλ = 0, i.e. iff the NNLS
 * problem `min_{μ≥0} ‖Xᵀμ + Xᵀ1‖` has residual 0 (λ = 1 + μ). Exact up to the residual test.
 *
 * @example
 * isOmnidirectional(tetrahedronFrame()); // true (Σ x_i = 0)
 * isOmnidirectional(frameFromRows([[1, 0], [0, 1], [-1, 0]])); // false (0 on an edge)
 */
export function isOmnidirectional(frame: Frame, tol = FRAME_EPS): boolean {
  const { n, m, rows } = frame;
  if (
    rankOfRows(
      rows,
      n,
      Int32Array.from({ length: m }, (_, i) => i),
      m,
    ) < n
  )
    return false;
  const A = new Float64Array(n * m); // Xᵀ, n×m
  const b = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      A[j * m + i] = rows[i * n + j]!;
      b[j] = b[j]! - rows[i * n + j]!;
    }
  }
  return nnls(A, n, m, b).residualNorm <= tol * Math.max(1, Math.sqrt(m));
}

/** Whether the vector v lies in cone(X) (NNLS residual of `min_{d≥0} ‖Xᵀd − v‖`). */
export function inFrameCone(frame: Frame, v: ArrayLike<number>, rowsSubset?: ArrayLike<number>, tol = FRAME_EPS): boolean {
  const { n, rows } = frame;
  const idx = rowsSubset ?? Int32Array.from({ length: frame.m }, (_, i) => i);
  const k = idx.length;
  const A = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < n; j++) A[j * k + c] = rows[idx[c]! * n + j]!;
  return nnls(A, n, k, Float64Array.from(v)).residualNorm <= tol;
}

/**
 * J⁺ = {j : F_j ∩ ℝⁿ₊ ≠ ∅} (the seed, PBE for B⁺): for each facet, whether some convex combination
 * of its vertices is ≥ 0, decided exactly by least-distance programming on
 * {λ ≥ 0, Σλ = 1, X_Fᵀλ ≥ 0}.
 */
function plusFacets(frame: Frame, polytope: FramePolytope): Int32Array {
  const out: number[] = [];
  const { n, rows } = frame;
  for (let j = 0; j < polytope.numFacets; j++) {
    if (facetMeetsOrthant(rows, n, facetVertices(polytope, j))) out.push(j);
  }
  return Int32Array.from(out);
}

/**
 * The first k + 2 rows of a least-distance system G λ ≥ h (p rows in all) over λ ∈ ℝᵏ restricted
 * to the standard simplex: λ ≥ 0 (k rows), Σλ ≥ 1 and −Σλ ≥ −1. The caller fills rows k + 2 … p − 1.
 */
function simplexRows(k: number, p: number): { G: Float64Array; h: Float64Array } {
  const G = new Float64Array(p * k);
  const h = new Float64Array(p);
  for (let c = 0; c < k; c++) {
    G[c * k + c] = 1;
    G[k * k + c] = 1;
    G[(k + 1) * k + c] = -1;
  }
  h[k] = 1;
  h[k + 1] = -1;
  return { G, h };
}

function facetMeetsOrthant(rows: Float64Array, n: number, verts: Int32Array): boolean {
  const k = verts.length;
  // Constraints G λ ≥ h on λ ∈ ℝᵏ: λ ≥ 0 (k rows), Σλ ≥ 1, −Σλ ≥ −1, X_Fᵀλ ≥ 0 (n rows).
  const p = k + 2 + n;
  const { G, h } = simplexRows(k, p);
  for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) G[(k + 2 + j) * k + c] = rows[verts[c]! * n + j]!;
  const sol = leastDistance(G, p, k, h, LDP_RHO_EPS);
  if (!sol.feasible) return false;
  // Confirm with the witness (the LDP residual test is exact in exact arithmetic; floats need a look).
  let worst = 0;
  for (let r = 0; r < p; r++) {
    let s = -h[r]!;
    for (let c = 0; c < k; c++) s += G[r * k + c]! * sol.x[c]!;
    worst = Math.min(worst, s);
  }
  return worst >= -FRAME_EPS;
}

/** Whether 0 ∈ conv(F_j) (F_j's vertices), via least distance on {λ ≥ 0, Σλ = 1, X_Fᵀλ = 0}. */
function facetContainsOrigin(rows: Float64Array, n: number, verts: Int32Array): boolean {
  const k = verts.length;
  // λ ≥ 0, Σλ = 1 (two rows), X_Fᵀλ = 0 (2n rows).
  const p = k + 2 + 2 * n;
  const { G, h } = simplexRows(k, p);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < k; c++) {
      G[(k + 2 + j) * k + c] = rows[verts[c]! * n + j]!;
      G[(k + 2 + n + j) * k + c] = -rows[verts[c]! * n + j]!;
    }
  }
  return leastDistance(G, p, k, h, FRAME_ORIGIN_RHO_EPS).feasible;
}

/**
 * Checks a frame: rank and spanning, omnidirectionality (hull-free NNLS test, any n), and — when
 * the frame polytope is available or computable (n ≤ 10, full-dimensional hull) — non-negative
 * omnidirectionality with J⁺ and I⁺. A non-spanning frame gives `spans: false` (no error).
 *
 * Non-negative omnidirectionality is decided as follows. Every facet cone containing a nonzero
 * point of ℝⁿ₊ belongs to J⁺, and the facet cones together cover cone(X), so
 * ℝⁿ₊ ⊆ ⋃_{J⁺} cone(F_j) ⟺ ℝⁿ₊ ⊆ cone(X) ⟺ every e_k ∈ cone(X) (NNLS); and 0 ∉ F_j is
 * checked for every j ∈ J⁺ (trivial when the facet plane misses 0, least distance otherwise).
 *
 * @example
 * checkFrame(tetrahedronFrame()); // { spans: true, omnidirectional: true, nonNegativelyOmnidirectional: true, … }
 */
export function checkFrame(frame: Frame, polytope?: FramePolytope): FrameCheck {
  const { n, m, rows } = frame;
  const rank = rankOfRows(
    rows,
    n,
    Int32Array.from({ length: m }, (_, i) => i),
    m,
  );
  const spans = rank === n;
  const omni = spans && isOmnidirectional(frame);
  let poly = polytope ?? null;
  if (poly === null && spans && n <= 10) {
    try {
      poly = framePolytope(frame);
    } catch {
      poly = null;
    }
  }
  if (poly === null) {
    return { n, m, rank, spans, omnidirectional: omni, nonNegativelyOmnidirectional: null, plusFacets: null, plusVertices: null };
  }
  const jPlus = plusFacets(frame, poly);
  const iPlus = new Uint8Array(m);
  for (const j of jPlus) for (const k of facetVertices(poly, j)) iPlus[k] = 1;
  let covers = true;
  const e = new Float64Array(n);
  for (let k = 0; k < n && covers; k++) {
    e.fill(0);
    e[k] = 1;
    if (!inFrameCone(frame, e)) covers = false;
  }
  let originFree = true;
  for (const j of jPlus) {
    if (poly.offsets[j]! > FRAME_EPS) continue;
    if (facetContainsOrigin(rows, n, facetVertices(poly, j))) {
      originFree = false;
      break;
    }
  }
  return {
    n,
    m,
    rank,
    spans,
    omnidirectional: omni,
    nonNegativelyOmnidirectional: covers && originFree,
    plusFacets: jPlus,
    plusVertices: iPlus,
  };
}
