/**
 * Reconstruction via facets (the seed's Theorem 4.8 and Algorithm 2): for each facet F of the
 * frame polytope the sub-frame X_F = (x_k)_{k∈I_F} spans ℝⁿ (the facet plane misses 0), its frame
 * operator is S_F = Σ_{k∈I_F} x_k x_kᵀ and its canonical dual frame is x̃_k = S_F⁻¹ x_k. If X is
 * α-rectifying on 𝔹 and omnidirectional, every x ∈ 𝔹 has a facet whose rows are all active, and
 * then x = Σ_{k∈I_F} (z_k + α_k) x̃_k with z = C_α x.
 */
import { PolytopeError } from '../errors.js';
import type { Frame } from './frame.js';
import { choleskyInPlace, choleskySolveInPlace, dotAt, normAt } from '../geometry/linalg.js';
import type { FramePolytope } from './polytope.js';
import { facetVertices, framePolytope } from './polytope.js';
import type { Random } from './random.js';
import { sampleDomain } from './random.js';
import { RECONSTRUCT_EPS } from '../geometry/predicates.js';

/** Canonical dual frames of every facet's sub-frame. */
export interface FacetDuals {
  readonly polytope: FramePolytope;
  /** Facet j's dual vectors are rows `duals[(facetStart[j] + c)·n ..]`, c < |I_F| (same CSR as the polytope). */
  readonly duals: Float64Array;
  /** 1 where the facet's sub-frame spans ℝⁿ (its plane does not pass through 0). */
  readonly valid: Uint8Array;
}

/**
 * Computes the canonical dual frame of each facet's sub-frame (Algorithm 2, first loop).
 *
 * @example
 * const f = tetrahedronFrame();
 * facetDualFrames(f, framePolytope(f)).valid; // Uint8Array [1, 1, 1, 1]
 */
export function facetDualFrames(frame: Frame, polytope: FramePolytope): FacetDuals {
  const { n, rows } = frame;
  const duals = new Float64Array(polytope.facetIndex.length * n);
  const valid = new Uint8Array(polytope.numFacets);
  const S = new Float64Array(n * n);
  for (let j = 0; j < polytope.numFacets; j++) {
    const verts = facetVertices(polytope, j);
    S.fill(0);
    for (const k of verts) {
      for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) S[r * n + c] = S[r * n + c]! + rows[k * n + r]! * rows[k * n + c]!;
    }
    if (!choleskyInPlace(S, n)) continue;
    valid[j] = 1;
    const base = polytope.facetStart[j]!;
    verts.forEach((k, c) => {
      const o = (base + c) * n;
      for (let r = 0; r < n; r++) duals[o + r] = rows[k * n + r]!;
      choleskySolveInPlace(S, n, duals, o);
    });
  }
  return { polytope, duals, valid };
}

/** Result of `reconstructViaFacets`. */
export interface Reconstruction {
  readonly x: Float64Array;
  /** The facet used (−1 when none was usable). */
  readonly facet: number;
  /** `facet`: a facet left inverse; `active-set`: least squares on all active rows; `failed`. */
  readonly method: 'facet' | 'active-set' | 'failed';
}

/** Options for `reconstructViaFacets`. */
export interface ReconstructOptions {
  /**
   * Accept a facet only when re-applying the ReLU layer to the result reproduces z (default true).
   * With false, the first facet whose rows are all active (z_k > 0) is used, as in Algorithm 2 —
   * what one must do when the activation is not ReLU.
   */
  readonly verify?: boolean;
}

/**
 * Reconstructs x from z = C_α x (Algorithm 2, second loop): the first facet whose rows are all
 * active gives x = Σ_{k∈I_F} (z_k + α_k) x̃_k. With `verify`, facets are checked against z, and
 * facets touching an inactive row (z_k = 0, so ⟨x, x_k⟩ = α_k is assumed) are tried last, which
 * covers points on cell boundaries. Falls back to the canonical dual of all active rows.
 *
 * @example
 * const f = tetrahedronFrame(); const d = facetDualFrames(f, framePolytope(f));
 * const alpha = new Float64Array(4).fill(-1 / Math.sqrt(3));
 * reconstructViaFacets(f, d, alpha, frameRelu(f, alpha, [0.1, 0.2, 0.3])).x; // [0.1, 0.2, 0.3] (to 1e-16)
 */
export function reconstructViaFacets(
  frame: Frame,
  duals: FacetDuals,
  alpha: ArrayLike<number>,
  z: ArrayLike<number>,
  options: ReconstructOptions = {},
): Reconstruction {
  const { n, m } = frame;
  if (z.length !== m) throw new PolytopeError('shape-mismatch', `z has ${z.length} entries but the frame has ${m} vectors`);
  if (alpha.length !== m) throw new PolytopeError('shape-mismatch', `alpha has ${alpha.length} entries but the frame has ${m} vectors`);
  const verify = options.verify ?? true;
  const p = duals.polytope;
  const x = new Float64Array(n);
  const synth = (j: number): void => {
    x.fill(0);
    const base = p.facetStart[j]!;
    const verts = facetVertices(p, j);
    for (let c = 0; c < verts.length; c++) {
      const k = verts[c]!;
      const coef = z[k]! + alpha[k]!;
      const o = (base + c) * n;
      for (let r = 0; r < n; r++) x[r] = x[r]! + coef * duals.duals[o + r]!;
    }
  };
  const scale = RECONSTRUCT_EPS * (1 + maxAbs(z) + maxAbsFinite(alpha));
  const consistent = (): boolean => {
    for (let i = 0; i < m; i++) {
      const v = Math.max(0, dotAt(frame.rows, i * n, x, 0, n) - alpha[i]!);
      if (Math.abs(v - z[i]!) > scale) return false;
    }
    return true;
  };
  const pass = (allowZero: boolean): number => {
    for (let j = 0; j < p.numFacets; j++) {
      if (!duals.valid[j]) continue;
      let ok = true;
      let zeros = 0;
      for (const k of facetVertices(p, j)) {
        if (!Number.isFinite(alpha[k]!)) ok = false;
        else if (!(z[k]! > 0)) {
          if (allowZero && z[k] === 0) zeros++;
          else ok = false;
        }
      }
      if (!ok || (allowZero && zeros === 0)) continue;
      synth(j);
      if (!verify || consistent()) return j;
    }
    return -1;
  };
  let j = pass(false);
  if (j < 0 && verify) j = pass(true);
  if (j >= 0) return { x: Float64Array.from(x), facet: j, method: 'facet' };
  // Fallback: canonical dual frame of all active rows, if they span.
  const act: number[] = [];
  for (let i = 0; i < m; i++) if (z[i]! > 0 && Number.isFinite(alpha[i]!)) act.push(i);
  const S = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (const k of act) {
    const coef = z[k]! + alpha[k]!;
    for (let r = 0; r < n; r++) {
      rhs[r] = rhs[r]! + coef * frame.rows[k * n + r]!;
      for (let c = 0; c < n; c++) S[r * n + c] = S[r * n + c]! + frame.rows[k * n + r]! * frame.rows[k * n + c]!;
    }
  }
  if (act.length >= n && choleskyInPlace(S, n)) {
    choleskySolveInPlace(S, n, rhs);
    return { x: rhs, facet: -1, method: 'active-set' };
  }
  return { x: new Float64Array(n).fill(NaN), facet: -1, method: 'failed' };
}

/** Pointwise activations the reconstruction study can apply. */
export type FrameActivation = 'relu' | 'zcosz';

/** `σ(X x − α)` for σ = ReLU (the layer C_α) or σ(t) = t·cos t. */
function applyFrameLayer(frame: Frame, alpha: ArrayLike<number>, x: ArrayLike<number>, activation: FrameActivation = 'relu'): Float64Array {
  const { n, m, rows } = frame;
  const z = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(alpha[i]!)) continue; // a free (switched-off) row
    const t = dotAt(rows, i * n, x, 0, n) - alpha[i]!;
    z[i] = activation === 'relu' ? (t > 0 ? t : 0) : t * Math.cos(t);
  }
  return z;
}

/**
 * The ReLU layer C_α x = ReLU(X x − α).
 *
 * @example
 * const f = tetrahedronFrame();
 * frameRelu(f, new Float64Array(f.m), [0.1, 0.2, 0.3]); // max(⟨x, x_i⟩ − α_i, 0) per frame vector
 */
export function frameRelu(frame: Frame, alpha: ArrayLike<number>, x: ArrayLike<number>): Float64Array {
  return applyFrameLayer(frame, alpha, x, 'relu');
}

/** Options for `reconstructionStudy`. */
export interface ReconstructionStudyOptions {
  readonly points?: number;
  readonly random: Random;
  readonly activation?: FrameActivation;
  /** Sampling domain (unit radius): `ball` (default) or `ball+`. */
  readonly domain?: 'ball' | 'ball+';
  readonly polytope?: FramePolytope;
}

/** Result of `reconstructionStudy`. */
export interface ReconstructionStudy {
  readonly activation: FrameActivation;
  readonly points: number;
  /** Points for which no facet had all rows active (and the active rows did not span). */
  readonly failures: number;
  /** Points reconstructed from all active rows because no facet was fully active. */
  readonly activeSetFallbacks: number;
  /** max, mean and median of ‖x̂ − x‖₂ over the points that were reconstructed. */
  readonly maxError: number;
  readonly meanError: number;
  readonly medianError: number;
  /** How often each facet was used. */
  readonly facetUse: Int32Array;
  /** The first point, the facet used and its vertices, and the error (as in the seed's table). */
  readonly example: { readonly x: Float64Array; readonly facet: number; readonly vertices: number[]; readonly error: number };
}

/**
 * Samples points of the ball, applies `σ(X x − α)` and reconstructs with Algorithm 2 (first fully
 * active facet, no verification — the same pipeline for every activation), reporting the errors.
 * For ReLU with an admissible α the errors are round-off (~1e-16); for σ(t) = t·cos t the same
 * left inverse is wrong and the errors are O(1).
 *
 * @example
 * reconstructionStudy(tetrahedronFrame(), alphaB, { random: mulberry32(1) }).maxError; // ~4e-16
 */
export function reconstructionStudy(frame: Frame, alpha: ArrayLike<number>, options: ReconstructionStudyOptions): ReconstructionStudy {
  const { n } = frame;
  const points = options.points ?? 1000;
  const activation = options.activation ?? 'relu';
  const polytope = options.polytope ?? framePolytope(frame);
  const duals = facetDualFrames(frame, polytope);
  const errors: number[] = [];
  const facetUse = new Int32Array(polytope.numFacets);
  let failures = 0;
  let fallbacks = 0;
  let example: ReconstructionStudy['example'] | null = null;
  const x = new Float64Array(n);
  const diff = new Float64Array(n);
  for (let s = 0; s < points; s++) {
    sampleDomain(options.random, options.domain ?? 'ball', n, x);
    const z = applyFrameLayer(frame, alpha, x, activation);
    const rec = reconstructViaFacets(frame, duals, alpha, z, { verify: false });
    if (rec.method === 'failed') {
      failures++;
      continue;
    }
    if (rec.method === 'active-set') fallbacks++;
    else facetUse[rec.facet] = facetUse[rec.facet]! + 1;
    for (let j = 0; j < n; j++) diff[j] = rec.x[j]! - x[j]!;
    const err = normAt(diff, 0, n);
    errors.push(err);
    if (example === null) {
      example = {
        x: Float64Array.from(x),
        facet: rec.facet,
        vertices: rec.facet >= 0 ? Array.from(facetVertices(polytope, rec.facet)) : [],
        error: err,
      };
    }
  }
  const sorted = errors.slice().sort((a, b) => a - b);
  const mean = errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length);
  return {
    activation,
    points,
    failures,
    activeSetFallbacks: fallbacks,
    maxError: sorted.length ? sorted[sorted.length - 1]! : NaN,
    meanError: errors.length ? mean : NaN,
    medianError: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : NaN,
    facetUse,
    example: example ?? { x: new Float64Array(n), facet: -1, vertices: [], error: NaN },
  };
}

function maxAbs(a: ArrayLike<number>): number {
  let v = 0;
  for (let i = 0; i < a.length; i++) v = Math.max(v, Math.abs(a[i]!));
  return v;
}
function maxAbsFinite(a: ArrayLike<number>): number {
  let v = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) v = Math.max(v, Math.abs(a[i]!));
  return v;
}
