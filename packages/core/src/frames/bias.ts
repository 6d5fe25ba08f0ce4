/**
 * Polytope bias estimation (PBE, the seed's Theorems 4.4 and 4.6) and the Monte-Carlo bias
 * estimate used as an independent cross-check.
 *
 * A bias vector α is *admissible* for a domain K when `C_α x = ReLU(X x − α)` is injective on K;
 * the PBE returns an α with that property (X is α-rectifying on K: for every x ∈ K the frame
 * vectors with ⟨x, x_i⟩ ≥ α_i span ℝⁿ), and every smaller α is admissible too.
 *
 * ## α^S by projection (why it is exact)
 * Theorem 4.4 asks, for x_i and each facet F ∋ x_i, for the value of the convex program
 * `min (x_iᵀ D_F) d s.t. d ≥ 0, ‖D_F d‖₂ ≤ 1`. With y = D_F d this is the minimum of ⟨x_i, y⟩
 * over K ∩ 𝔹 for the closed convex cone K = cone(F). For any closed convex cone,
 * `max_{y∈K, ‖y‖≤1} ⟨z, y⟩ = ‖Π_K z‖` (Moreau: z = Π_K z + Π_{K°} z with ⟨Π_{K°} z, y⟩ ≤ 0 on K,
 * equality at y = Π_K z/‖Π_K z‖), so with z = −x_i the program's value is `−‖Π_{cone F}(−x_i)‖`.
 * The projection is the non-negative least-squares problem `min_{d≥0} ‖D_F d + x_i‖₂` — the
 * norm constraint is gone — which the Lawson–Hanson active-set method solves in finitely many
 * steps, ending on the exact KKT point in exact arithmetic (checked afterwards). No conic solver
 * and no solver tolerance is involved.
 */
import { PolytopeError } from '../errors.js';
import type { Frame } from './frame.js';
import { checkFrame } from './checks.js';
import type { FrameCheck } from './checks.js';
import { dotAt, nnls, normAt } from '../geometry/linalg.js';
import type { FramePolytope } from './polytope.js';
import { facetVertices, framePolytope, vertexFacets } from './polytope.js';
import type { Random } from './random.js';
import { sampleSphere } from './random.js';

/** Domains of the PBE: the unit sphere 𝕊, the closed unit ball 𝔹, and 𝔹⁺ = 𝔹 ∩ ℝⁿ₊. */
export type BiasDomain = 'sphere' | 'ball' | 'ball+';

/** The value of one facet program of Theorem 4.4 with its minimizer. */
export interface FacetProgram {
  /** `min ⟨x_i, y⟩ over y ∈ cone(F) ∩ 𝔹` (≤ 0). */
  readonly value: number;
  /** The minimizer y/‖y‖ on the sphere (zeros when the value is 0). */
  readonly direction: Float64Array;
  /** KKT violation reported by the NNLS solve (≈ 1e-16). */
  readonly kktViolation: number;
}

/**
 * Solves `min (x_iᵀ D_F) d s.t. d ≥ 0, ‖D_F d‖₂ ≤ 1` for the columns D_F = (x_k)_{k∈verts}, as
 * `−‖Π_{cone F}(−x_i)‖` with the projection computed by NNLS (see the module comment).
 *
 * @example
 * // Tetrahedron, x_0 on facet {0, 1, 2}: −1/√3, attained at (x_1 + x_2)/‖x_1 + x_2‖.
 * facetProgram(tetrahedronFrame(), 0, Int32Array.of(0, 1, 2)).value; // −0.5773502691896258
 */
export function facetProgram(frame: Frame, i: number, verts: ArrayLike<number>, target?: ArrayLike<number>): FacetProgram {
  const { n, rows } = frame;
  const k = verts.length;
  const A = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < n; j++) A[j * k + c] = rows[verts[c]! * n + j]!;
  const b = new Float64Array(n);
  for (let j = 0; j < n; j++) b[j] = -(target ? target[j]! : rows[i * n + j]!);
  const sol = nnls(A, n, k, b);
  const y = new Float64Array(n);
  for (let j = 0; j < n; j++) y[j] = dotAt(A, j * k, sol.x, 0, k);
  const len = normAt(y, 0, n);
  if (len === 0) return { value: 0, direction: y, kktViolation: sol.kktViolation };
  for (let j = 0; j < n; j++) y[j] = y[j]! / len;
  return { value: -len, direction: y, kktViolation: sol.kktViolation };
}

/** Result of `polytopeBiasEstimate`. */
export interface BiasEstimate {
  readonly domain: BiasDomain;
  readonly radius: number;
  /** The PBE bias α^K (scaled by the radius); `Infinity` marks a free entry (𝔹⁺, i ∉ I⁺). */
  readonly alpha: Float64Array;
  /** α^X_i = min over facets F ∋ x_i and vertices x_k of F of ⟨x_i, x_k⟩ (unscaled). */
  readonly alphaX: Float64Array;
  /** α^S_i = min over facets F ∋ x_i of the facet program (≤ 0, unscaled). */
  readonly alphaS: Float64Array;
  /** Facet attaining α^S_i (−1 when the value is 0 on every facet). */
  readonly argFacet: Int32Array;
  /** Minimizing direction for α^S_i, m×n (zero rows where α^S_i = 0). */
  readonly directions: Float64Array;
  /** 1 where any bias is admissible (Theorem 4.6's s_i, i ∉ I⁺). */
  readonly free: Uint8Array;
  /** The frame checks behind the theorem's hypotheses. */
  readonly check: FrameCheck;
  /** Largest KKT violation over all facet programs. */
  readonly kktViolation: number;
  readonly polytope: FramePolytope;
}

/** Options for `polytopeBiasEstimate`. */
export interface BiasOptions {
  readonly domain?: BiasDomain;
  /** Radius r of the sphere / ball (default 1): α^{K_r} = r·α^K. */
  readonly radius?: number;
  /** A precomputed frame polytope. */
  readonly polytope?: FramePolytope;
  /** Skip the hypothesis check (omnidirectional / non-negatively omnidirectional); default false. */
  readonly skipHypotheses?: boolean;
}

/**
 * The polytope bias estimation.
 * - `sphere`: α_i = α^X_i if α^X_i ≥ 0, else α^S_i. On a facet F the function y ↦ ⟨x_i, y/‖y‖⟩
 *   is quasi-concave where positive, so its minimum over cone(F) ∩ 𝕊 is at a vertex; where it
 *   goes negative it equals the facet program. (Used in the seed's code; Theorem 4.4's sphere case.)
 * - `ball` (Theorem 4.4): α^B_i = 0 if α^X_i ≥ 0, else α^S_i.
 * - `ball+` (Theorem 4.6): α^{B⁺}_i = α^B_i for i ∈ I⁺, free (`Infinity`) otherwise.
 * α^S_i is the minimum over the facets containing x_i, each facet solved on its own — not over
 * the cone of the union of the neighbouring facets, which is a larger cone and gives a smaller,
 * wrong value (see `neighbourUnionValue`).
 *
 * Throws `PolytopeError('not-applicable')` when the theorem's hypothesis fails (unless
 * `skipHypotheses`), and the errors of `framePolytope`.
 *
 * @example
 * polytopeBiasEstimate(tetrahedronFrame(), { domain: 'ball' }).alpha;  // 4 × −0.57735026918962…
 * polytopeBiasEstimate(icosahedronFrame(), { domain: 'ball' }).alpha;  // 12 × 0
 */
export function polytopeBiasEstimate(frame: Frame, options: BiasOptions = {}): BiasEstimate {
  const domain = options.domain ?? 'ball';
  const radius = options.radius ?? 1;
  if (!(radius > 0) || !Number.isFinite(radius)) throw new PolytopeError('bad-option', `radius must be a positive number, got ${radius}`);
  const { n, m, rows } = frame;
  const polytope = options.polytope ?? framePolytope(frame);
  const check = checkFrame(frame, polytope);
  if (!options.skipHypotheses) {
    if (domain === 'ball+') {
      if (check.nonNegativelyOmnidirectional === false) {
        throw new PolytopeError(
          'not-applicable',
          `${frame.name}: the frame is not non-negatively omnidirectional (ℝⁿ₊ is not covered by facet cones, or a facet meeting ℝⁿ₊ contains 0); Theorem 4.6 does not apply`,
        );
      }
    } else if (!check.omnidirectional) {
      throw new PolytopeError(
        'not-applicable',
        `${frame.name}: 0 is not in the interior of the convex hull of the frame vectors (not omnidirectional); Theorem 4.4 does not apply`,
      );
    }
  }
  const alphaX = new Float64Array(m);
  const alphaS = new Float64Array(m);
  const argFacet = new Int32Array(m).fill(-1);
  const directions = new Float64Array(m * n);
  let kkt = 0;
  for (let i = 0; i < m; i++) {
    const facets = vertexFacets(polytope, i);
    let ax = Infinity;
    for (const j of facets) for (const k of facetVertices(polytope, j)) ax = Math.min(ax, dotAt(rows, i * n, rows, k * n, n));
    alphaX[i] = ax;
    let as = 0;
    if (ax < 0) {
      // Only then can a facet program be negative (Theorem 4.4: α^S is needed iff α^X < 0).
      for (const j of facets) {
        const prog = facetProgram(frame, i, facetVertices(polytope, j));
        kkt = Math.max(kkt, prog.kktViolation);
        if (prog.value < as) {
          as = prog.value;
          argFacet[i] = j;
          directions.set(prog.direction, i * n);
        }
      }
    }
    alphaS[i] = as;
  }
  const alpha = new Float64Array(m);
  const free = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const ax = alphaX[i]!;
    let a: number;
    if (domain === 'sphere') a = ax >= 0 ? ax : alphaS[i]!;
    else a = ax >= 0 ? 0 : alphaS[i]!;
    if (domain === 'ball+' && check.plusVertices !== null && !check.plusVertices[i]) {
      free[i] = 1;
      a = Infinity;
    }
    alpha[i] = a === Infinity ? a : a * radius;
  }
  return { domain, radius, alpha, alphaX, alphaS, argFacet, directions, free, check, kktViolation: kkt, polytope };
}

/**
 * For comparison only: the value of the program over the cone of the *union* of the facets
 * containing x_i (what one gets by pooling a vertex's neighbours). The cone is larger than each
 * facet's cone, so the value is ≤ the per-facet minimum of Theorem 4.4 — for the tetrahedron it is
 * −1 instead of −1/√3, a needlessly (and, as a PBE, wrongly) small bias.
 *
 * @example
 * neighbourUnionValue(tetrahedronFrame(), framePolytope(tetrahedronFrame()), 0); // −1
 */
export function neighbourUnionValue(frame: Frame, polytope: FramePolytope, i: number): number {
  const set = new Set<number>();
  for (const j of vertexFacets(polytope, i)) for (const k of facetVertices(polytope, j)) set.add(k);
  return Math.min(
    0,
    facetProgram(
      frame,
      i,
      Array.from(set).sort((a, b) => a - b),
    ).value,
  );
}

/** Options for `monteCarloBias`. */
export interface MonteCarloOptions {
  /** Number of sphere samples (default 20000). */
  readonly samples?: number;
  readonly random: Random;
  /** `sphere`: no clamping; `ball`: α ≤ 0; `ball+`: samples from 𝕊 ∩ ℝⁿ₊, α ≤ 0. Default `ball`. */
  readonly domain?: BiasDomain;
  readonly radius?: number;
}

/** Result of `monteCarloBias`. */
export interface MonteCarloBias {
  readonly samples: number;
  /** Estimated bias (scaled by radius); `Infinity` where a vector was never among the n largest. */
  readonly alpha: Float64Array;
  /** How often each vector was among the n largest. */
  readonly hits: Int32Array;
}

/**
 * Monte-Carlo bias estimate (the seed's authors' "MCBE", independent of any polytope): sample
 * points u of the sphere, take the n indices with the largest ⟨u, x_i⟩, and let α_i be the
 * smallest ⟨u, x_i⟩ seen while i was among them. Then every sample's n largest rows are active.
 * The estimate approaches its limit from above at the rate of the sphere's covering radius,
 * roughly (log N / N)^{1/(n−1)}.
 *
 * @example
 * monteCarloBias(tetrahedronFrame(), { random: mulberry32(1), samples: 20000 }).alpha; // ≈ −0.577 each
 */
export function monteCarloBias(frame: Frame, options: MonteCarloOptions): MonteCarloBias {
  const { n, m, rows } = frame;
  const samples = options.samples ?? 20000;
  const domain = options.domain ?? 'ball';
  const radius = options.radius ?? 1;
  const alpha = new Float64Array(m).fill(Infinity);
  const hits = new Int32Array(m);
  const u = new Float64Array(n);
  const vals = new Float64Array(m);
  const top = new Int32Array(Math.min(n, m));
  const topCount = top.length;
  for (let s = 0; s < samples; s++) {
    sampleSphere(options.random, n, u);
    if (domain === 'ball+') for (let j = 0; j < n; j++) u[j] = Math.abs(u[j]!);
    // Partial selection of the n largest (insertion into a small sorted buffer).
    let filled = 0;
    for (let i = 0; i < m; i++) {
      const v = dotAt(u, 0, rows, i * n, n);
      vals[i] = v;
      if (filled < topCount) {
        let p = filled++;
        while (p > 0 && vals[top[p - 1]!]! < v) {
          top[p] = top[p - 1]!;
          p--;
        }
        top[p] = i;
      } else if (v > vals[top[topCount - 1]!]!) {
        let p = topCount - 1;
        while (p > 0 && vals[top[p - 1]!]! < v) {
          top[p] = top[p - 1]!;
          p--;
        }
        top[p] = i;
      }
    }
    for (let t = 0; t < topCount; t++) {
      const i = top[t]!;
      hits[i] = hits[i]! + 1;
      if (vals[i]! < alpha[i]!) alpha[i] = vals[i]!;
    }
  }
  for (let i = 0; i < m; i++) {
    let a = alpha[i]!;
    if (domain !== 'sphere' && a > 0 && a !== Infinity) a = 0;
    alpha[i] = a === Infinity ? a : a * radius;
  }
  return { samples, alpha, hits };
}

/** A ball {x : ‖x − c‖ ≤ r} holding the data. */
export interface DataBall {
  readonly center?: ArrayLike<number>;
  readonly radius?: number;
}

/**
 * The bias of a layer `ReLU(W x + b)` restricted to the ball B_r(c), in the units of the unit-ball
 * layer `ReLU(X u − α)` with x = c + r u: α_i = −(b_i + ⟨w_i, c⟩)/(r‖w_i‖). The layer is injective
 * on the ball if α ≤ α^B (Theorem 4.4).
 *
 * @example
 * layerAlpha(frameFromLayer(new Float64Array([2, 0, 0, 2]), 2, 2, new Float64Array([1, 1])), { radius: 1 }); // [−0.5, −0.5]
 */
export function layerAlpha(frame: Frame, ball: DataBall = {}): Float64Array {
  if (frame.bias === undefined) throw new PolytopeError('bad-frame', `${frame.name}: the frame has no layer bias`);
  const { n, m, rows, norms, bias } = frame;
  const r = ball.radius ?? 1;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    // ⟨w_i, c⟩ = ‖w_i‖ ⟨x_i, c⟩
    const wc = ball.center ? norms[i]! * dotAt(rows, i * n, ball.center, 0, n) : 0;
    out[i] = -(bias[i]! + wc) / (r * norms[i]!);
  }
  return out;
}

/**
 * The smallest layer biases (network convention `W x + b`) the PBE certifies: b_i ≥ −r‖w_i‖α_i −
 * ⟨w_i, c⟩ makes the layer injective on B_r(c). Free entries give −Infinity (any bias).
 *
 * @example
 * biasThreshold(frame, polytopeBiasEstimate(frame).alpha, { radius: 2 });
 */
export function biasThreshold(frame: Frame, alphaUnit: Float64Array, ball: DataBall = {}): Float64Array {
  const { n, m, rows, norms } = frame;
  const r = ball.radius ?? 1;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const a = alphaUnit[i]!;
    const wc = ball.center ? norms[i]! * dotAt(rows, i * n, ball.center, 0, n) : 0;
    out[i] = a === Infinity ? -Infinity : -r * norms[i]! * a - wc;
  }
  return out;
}
