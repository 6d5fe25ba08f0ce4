/**
 * Sensitivity analysis by active subspaces (dissertation §6.4): the covariance C = E[∇f ∇fᵀ] of the
 * input gradients of chosen outputs over a dataset (the gradients are the rows of the exact
 * Jacobians, so C comes straight from a coefficient set), its eigen-decomposition, and the leading
 * directions. With several outputs, C is the sum of their covariances.
 *
 * Every input gradient of a dense network lies in the row space of its first layer, so C has at
 * most (first-layer width) non-zero eigenvalues; `rank` reports how many exceed the relative
 * threshold, which the tests check on a trained net.
 */
import { PolytopeError } from '../errors.js';
import { ACTIVE_RANK_EPS } from '../geometry/predicates.js';
import { gemm64, gemm64Reserve } from '../network/gemm64.js';
import type { CoefficientData } from './compress.js';
import { symmetricEigen, unitWithSign } from './eigen.js';
import { timesTransposed } from './matmul.js';

/** Gradient rows multiplied per WebAssembly call (a d × ROWS and a ROWS × d panel). */
const ROWS_PER_PANEL = 64;

function checkOutputs(set: CoefficientData, outputs: readonly number[]): void {
  if (outputs.length === 0) throw new PolytopeError('bad-option', 'sensitivity: give at least one output');
  for (const j of outputs)
    if (!Number.isInteger(j) || j < 0 || j >= set.outputs)
      throw new PolytopeError('bad-option', `sensitivity: output ${j} is outside 0..${set.outputs - 1}`);
}

/** The gradient of output j at sample i, copied into `dst` at `at`. */
function gradientRow(set: CoefficientData, i: number, j: number, dst: Float64Array, at: number): void {
  const d = set.inputs;
  const from = (i * set.outputs + j) * d;
  dst.set(set.jacobians.subarray(from, from + d), at);
}

/** Σ g gᵀ over the rows, on the float64 SIMD kernel: panels of rows padded to multiples of 4. */
function covarianceWasm(set: CoefficientData, outputs: readonly number[], d4: number): Float64Array | null {
  const g = gemm64();
  if (!g) return null;
  const d = set.inputs;
  const rows = set.samples * outputs.length;
  const panel = ROWS_PER_PANEL;
  // Layout in the kernel's memory: C (d4 × d4), A = panelᵀ (d4 × panel), B = panel (panel × d4).
  const cAt = 0;
  const aAt = d4 * d4;
  const bAt = aAt + d4 * panel;
  let mem = gemm64Reserve(g, bAt + panel * d4);
  mem.fill(0, 0, bAt + panel * d4);
  const row = new Float64Array(d);
  for (let r0 = 0; r0 < rows; r0 += panel) {
    const count = Math.min(panel, rows - r0);
    mem = g.f64;
    mem.fill(0, aAt, bAt + panel * d4);
    for (let r = 0; r < count; r++) {
      const k = r0 + r;
      gradientRow(set, Math.floor(k / outputs.length), outputs[k % outputs.length]!, row, 0);
      mem.set(row, bAt + r * d4);
      for (let c = 0; c < d; c++) mem[aAt + c * panel + r] = row[c]!;
    }
    g.nn(aAt * 8, bAt * 8, cAt * 8, d4, d4, panel);
  }
  const out = new Float64Array(d * d);
  for (let r = 0; r < d; r++) out.set(g.f64.subarray(cAt + r * d4, cAt + r * d4 + d), r * d);
  return out;
}

/** Σ g gᵀ in plain JavaScript (upper triangle, mirrored). */
function covarianceJs(set: CoefficientData, outputs: readonly number[]): Float64Array {
  const d = set.inputs;
  const out = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < set.samples; i++)
    for (const j of outputs) {
      gradientRow(set, i, j, row, 0);
      for (let a = 0; a < d; a++) {
        const ga = row[a]!;
        if (ga === 0) continue;
        const base = a * d;
        for (let b = a; b < d; b++) out[base + b] = out[base + b]! + ga * row[b]!;
      }
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) out[a * d + b] = out[b * d + a]!;
  return out;
}

/**
 * The gradient covariance C = (1/n) Σ_i Σ_{j ∈ outputs} ∇f_j(x_i) ∇f_j(x_i)ᵀ (`d × d`, row-major)
 * of a coefficient set. Uses the float64 WebAssembly SIMD kernel where available (`simd = false`
 * forces the plain JavaScript loop, which gives the same sums in another order).
 *
 * @example
 * // two samples of a 2-input, 1-output map with gradients (1, 0) and (1, 2)
 * gradientCovariance({ samples: 2, outputs: 1, inputs: 2, jacobians: Float64Array.of(1, 0, 1, 2), offsets: new Float64Array(2) }, [0]);
 * // Float64Array [1, 1, 1, 2]
 */
export function gradientCovariance(set: CoefficientData, outputs: readonly number[], simd = true): Float64Array {
  checkOutputs(set, outputs);
  if (set.samples === 0) throw new PolytopeError('bad-option', 'sensitivity: the coefficient set has no samples');
  const d = set.inputs;
  const d4 = Math.ceil(d / 4) * 4;
  const sum = (simd ? covarianceWasm(set, outputs, d4) : null) ?? covarianceJs(set, outputs);
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / set.samples;
  return sum;
}

/** An active subspace: the spectrum of the gradient covariance and its leading directions. */
export interface ActiveSubspace {
  /** The outputs whose gradient covariances are summed. */
  readonly outputs: readonly number[];
  readonly samples: number;
  readonly inputs: number;
  /** All d eigenvalues, largest first (tiny negative rounding clipped to 0). */
  readonly eigenvalues: Float64Array;
  /** λ_k / Σ λ for every k. */
  readonly explained: Float64Array;
  /** `keep × d`: the leading unit eigenvectors (largest-magnitude component positive). */
  readonly directions: Float64Array;
  readonly keep: number;
  /** E[Σ_j |∇f_j|²] computed from the gradients directly; equals Σ λ up to rounding. */
  readonly meanSquaredGradientNorm: number;
  /** Eigenvalues above ACTIVE_RANK_EPS · λ_max: the dimension of the gradients' span. */
  readonly rank: number;
}

/**
 * The active subspace of a coefficient set for the given outputs (§6.4): eigen-decomposition of
 * {@link gradientCovariance}, keeping the `keep` leading directions.
 *
 * @example
 * const a = activeSubspace(set, { outputs: [0], keep: 2 });
 * a.eigenvalues[0]; // the variance of ∇f_0 along its leading direction a.directions.subarray(0, d)
 */
export function activeSubspace(set: CoefficientData, options: { outputs: readonly number[]; keep?: number }): ActiveSubspace {
  const { outputs } = options;
  const d = set.inputs;
  const keep = Math.min(options.keep ?? 10, d);
  if (!Number.isInteger(keep) || keep < 0)
    throw new PolytopeError('bad-option', `sensitivity: keep must be a non-negative integer, got ${keep}`);
  const q = set.samples * outputs.length;
  const spectrum = q < d ? dualSpectrum(set, outputs, keep) : primalSpectrum(set, outputs, keep);
  const eigenvalues = spectrum.eigenvalues;
  const total = eigenvalues.reduce((a, b) => a + b, 0);
  const explained = eigenvalues.map((v) => (total > 0 ? v / total : 0));
  const top = eigenvalues[0] ?? 0;
  const rank = eigenvalues.filter((v) => top > 0 && v > ACTIVE_RANK_EPS * top).length;
  return {
    outputs: [...outputs],
    samples: set.samples,
    inputs: d,
    eigenvalues,
    explained,
    directions: spectrum.directions,
    keep: spectrum.directions.length / d,
    meanSquaredGradientNorm: spectrum.meanSquaredGradientNorm,
    rank,
  };
}

/** The d × d covariance path (`gradientCovariance` + `symmetricEigen`): every eigenvalue and the leading `keep` directions. */
function primalSpectrum(set: CoefficientData, outputs: readonly number[], keep: number): GradientSpectrum {
  const d = set.inputs;
  const { values, vectors } = symmetricEigen(gradientCovariance(set, outputs), d, { vectors: keep });
  let norm2 = 0;
  for (let i = 0; i < set.samples; i++)
    for (const j of outputs) {
      const from = (i * set.outputs + j) * d;
      for (let c = 0; c < d; c++) norm2 += set.jacobians[from + c]! ** 2;
    }
  return {
    eigenvalues: values.map((v) => Math.max(v, 0)),
    directions: vectors.slice(0, keep * d),
    meanSquaredGradientNorm: norm2 / set.samples,
  };
}

/** The Gram path for q = samples × outputs < d: the gradients' rows, then `gradientActiveSubspace`; the other d − q eigenvalues are 0. */
function dualSpectrum(set: CoefficientData, outputs: readonly number[], keep: number): GradientSpectrum {
  const d = set.inputs;
  const q = set.samples * outputs.length;
  const grads = new Float64Array(q * d);
  let r = 0;
  for (let i = 0; i < set.samples; i++)
    for (const j of outputs) grads.set(set.jacobians.subarray((i * set.outputs + j) * d, (i * set.outputs + j + 1) * d), r++ * d);
  const g = gradientActiveSubspace(grads, q, d, set.samples, keep);
  const eigenvalues = new Float64Array(d);
  eigenvalues.set(g.eigenvalues.subarray(0, Math.min(d, g.eigenvalues.length)));
  return { ...g, eigenvalues };
}

/** Eigenvalues (largest first), `keep` unit directions and the mean squared gradient norm of a gradient set. */
export interface GradientSpectrum {
  /** Eigenvalues of C = (1/n) GᵀG, largest first: min(q, d) of them from `gradientActiveSubspace`. */
  readonly eigenvalues: Float64Array;
  /** `keep × d` unit directions (largest-magnitude component positive). */
  readonly directions: Float64Array;
  readonly meanSquaredGradientNorm: number;
}

/**
 * The active subspace of the gradients `grads` (q × d rows; the covariance is C = (1/n) GᵀG, n the
 * number of samples). When q < d it is computed from the q × q Gram matrix G Gᵀ / n, whose nonzero
 * eigenvalues are C's, with C's eigenvectors Gᵀu / ‖Gᵀu‖. Otherwise it is computed from C itself.
 * The directions are limited to min(keep, q, d).
 *
 * @example
 * // two gradients of 3 inputs, one sample: C = g₁g₁ᵀ + g₂g₂ᵀ
 * gradientActiveSubspace(Float64Array.of(1, 0, 0, 0, 2, 0), 2, 3, 1, 1).eigenvalues; // [4, 1]
 */
export function gradientActiveSubspace(grads: Float64Array, q: number, d: number, n: number, keep: number): GradientSpectrum {
  let norm2 = 0;
  for (let i = 0; i < grads.length; i++) norm2 += grads[i]! ** 2;
  const k = Math.min(keep, q, d);
  const directions = new Float64Array(k * d);
  let eigenvalues: Float64Array;
  if (q < d) {
    const gram = timesTransposed(grads, grads, q, q, d);
    for (let i = 0; i < gram.length; i++) gram[i] = gram[i]! / n;
    const { values, vectors } = symmetricEigen(gram, q, { vectors: k });
    eigenvalues = values.map((v) => Math.max(v, 0));
    for (let r = 0; r < k; r++) {
      const v = directions.subarray(r * d, (r + 1) * d);
      for (let i = 0; i < q; i++) {
        const u = vectors[r * q + i]!;
        if (u !== 0) for (let t = 0; t < d; t++) v[t] = v[t]! + u * grads[i * d + t]!;
      }
      unitWithSign(v, v, 0);
    }
  } else {
    const cov = new Float64Array(d * d);
    for (let i = 0; i < q; i++)
      for (let a = 0; a < d; a++) {
        const ga = grads[i * d + a]! / n;
        if (ga !== 0) for (let b = 0; b < d; b++) cov[a * d + b] = cov[a * d + b]! + ga * grads[i * d + b]!;
      }
    const { values, vectors } = symmetricEigen(cov, d, { vectors: k });
    eigenvalues = values.map((v) => Math.max(v, 0));
    directions.set(vectors.subarray(0, k * d));
  }
  return { eigenvalues, directions, meanSquaredGradientNorm: norm2 / n };
}
