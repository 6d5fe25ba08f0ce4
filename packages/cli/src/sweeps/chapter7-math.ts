/**
 * The chapter-7 study's similarity and sensitivity arithmetic, arranged so that d = 3,072 inputs
 * are feasible on a few cores (docs/chapter7.md):
 *
 * - Affine-mapped accuracy (Eq. 7.4) in the dual (kernel) form: with X = C_j of the source on the
 *   fit set (n × m, m = d + 1) and Y the target's, the ridge solution M = (XᵀX + λI)⁻¹XᵀY equals
 *   Xᵀ(XXᵀ + λI)⁻¹Y (push-through identity), so the mapped value of test sample i is
 *   A_i · G_{:,i} with A = C̃ Xᵀ (XXᵀ + λI)⁻¹ (p × n, per source) and G = Y X̂ᵀ (n × p, per target,
 *   X̂ the test inputs with a trailing 1). Cost O((n + p) n m) per network and output instead of
 *   O(m³). λ = ridge · max diag(XᵀX), exactly as `networkSimilarity` (the reference in the tests).
 * - Linear CKA through centred p × p Gram matrices computed once per network and output.
 * - Scaled MSE from Σ C̃², Σ C̃_a∘C̃_b and max C̃ per output, combined over outputs afterwards.
 * - Sensitivity: the nonzero spectrum of C = (1/n) Σ g gᵀ from the (n·o) × (n·o) Gram matrix of the
 *   gradients when n·o < d (same nonzero eigenvalues; directions v = G u / ‖G u‖).
 */
import { PolytopeError } from '@polytope-lens/core';
import { timesTransposed } from '@polytope-lens/core/internal';

/** In-place Cholesky of a symmetric positive-definite n × n matrix (lower triangle kept); false if not PD. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= a[j * n + k]! ** 2;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = t / l;
    }
  }
  return true;
}

/** Solves L Lᵀ z = b in place. */
function cholSolve(l: Float64Array, n: number, b: Float64Array, at: number): void {
  for (let i = 0; i < n; i++) {
    let s = b[at + i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[at + k]!;
    b[at + i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[at + i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[at + k]!;
    b[at + i] = s / l[i * n + i]!;
  }
}

/**
 * A = C̃ Xᵀ (XXᵀ + λI)⁻¹ for a source network's output j: `p × n`, row-major.
 * `x` is the fit C_j (n × m), `xt` the test C̃_j (p × m).
 */
function dualSourceFactor(x: Float64Array, xt: Float64Array, n: number, p: number, m: number, ridge: number): Float64Array {
  let maxDiag = 0;
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * m + c]! ** 2;
    maxDiag = Math.max(maxDiag, s);
  }
  const lambda = ridge * (maxDiag > 0 ? maxDiag : 1);
  const k = timesTransposed(x, x, n, n, m);
  for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + lambda;
  if (!cholesky(k, n))
    throw new PolytopeError(
      'not-applicable',
      `the ${n} × ${n} Gram matrix of a coefficient matrix is not positive definite; raise the ridge`,
    );
  const a = timesTransposed(xt, x, p, n, m);
  for (let i = 0; i < p; i++) cholSolve(k, n, a, i * n);
  return a;
}

/** G = Y X̂ᵀ for a target's fit C_j (n × m) and the test inputs xs (p × d, m = d + 1): `n × p`. */
function targetAtTest(y: Float64Array, xs: Float64Array, n: number, p: number, d: number): Float64Array {
  const m = d + 1;
  const g = new Float64Array(n * p);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < p; i++) {
      let s = y[k * m + d]!;
      for (let t = 0; t < d; t++) s += y[k * m + t]! * xs[i * d + t]!;
      g[k * p + i] = s;
    }
  }
  return g;
}

/** Values C̃_i · [x_i; 1] of a test C_j (p × m) at its own inputs: the network's output j. */
function ownValues(xt: Float64Array, xs: Float64Array, p: number, d: number): Float64Array {
  const m = d + 1;
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = xt[i * m + d]!;
    for (let t = 0; t < d; t++) s += xt[i * m + t]! * xs[i * d + t]!;
    out[i] = s;
  }
  return out;
}

/** Mapped values A_i · G_{:, i} for every test sample. */
function mappedValues(a: Float64Array, g: Float64Array, n: number, p: number): Float64Array {
  const out = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * g[k * p + i]!;
    out[i] = s;
  }
  return out;
}

/** The column-centred p × p Gram matrix of a p × m matrix (linear CKA's kernel). */
function centredGram(x: Float64Array, p: number, m: number): Float64Array {
  const c = Float64Array.from(x);
  for (let col = 0; col < m; col++) {
    let s = 0;
    for (let i = 0; i < p; i++) s += x[i * m + col]!;
    const mean = s / p;
    for (let i = 0; i < p; i++) c[i * m + col] = c[i * m + col]! - mean;
  }
  return timesTransposed(c, c, p, p, m);
}

/** Frobenius inner product. */
function frobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Per-output similarity parts of S networks (see the file comment). */
export interface OutputSimilarity {
  /** mapped[s][t]: the mapped values of output j on the p test samples (diagonal: own outputs). */
  mapped: Float64Array[][];
  /** CKA of C̃_j between every pair. */
  cka: number[][];
  /** Σ C̃_a ∘ C̃_b (diagonal: Σ C̃_a²). */
  cross: number[][];
  /** max entry of each C̃_j. */
  max: number[];
}

/**
 * Every per-output similarity part for output j of S networks: `fit[s]` (n × m) and `test[s]`
 * (p × m) are C_j and C̃_j, `xs` the p × d test inputs.
 */
export function outputSimilarity(
  fit: readonly Float64Array[],
  test: readonly Float64Array[],
  xs: Float64Array,
  sizes: { n: number; p: number; d: number },
  ridge: number,
): OutputSimilarity {
  const { n, p, d } = sizes;
  const m = d + 1;
  const S = fit.length;
  const g = fit.map((y) => targetAtTest(y, xs, n, p, d));
  const mapped = fit.map((x, s) => {
    const a = dualSourceFactor(x, test[s]!, n, p, m, ridge);
    return g.map((gt, t) => (t === s ? ownValues(test[s]!, xs, p, d) : mappedValues(a, gt, n, p)));
  });
  const grams = test.map((x) => centredGram(x, p, m));
  const norms = grams.map((k) => Math.sqrt(frobenius(k, k)));
  const cka = grams.map((ka, a) =>
    grams.map((kb, b) => (norms[a]! > 0 && norms[b]! > 0 ? frobenius(ka, kb) / (norms[a]! * norms[b]!) : 0)),
  );
  const cross = test.map((ta) => test.map((tb) => frobenius(ta, tb)));
  const max = test.map((t) => t.reduce((acc, v) => Math.max(acc, v), -Infinity));
  void S;
  return { mapped, cka, cross, max };
}

/** The four similarity matrices from the per-output parts (o outputs, p test samples, m = d + 1). */
export function combineSimilarity(
  parts: readonly OutputSimilarity[],
  labels: ArrayLike<number>,
  sizes: { p: number; m: number },
): { affineAccuracy: number[][]; scaledMse: number[][]; cka: number[][]; softmaxCe: number[][] } {
  const o = parts.length;
  const { p, m } = sizes;
  const S = parts[0]!.cka.length;
  const range = Array.from({ length: S }, (_, i) => i);
  const affineAccuracy = range.map((s) =>
    range.map((t) => {
      let ok = 0;
      for (let i = 0; i < p; i++) {
        let best = 0;
        for (let j = 1; j < o; j++) if (parts[j]!.mapped[s]![t]![i]! > parts[best]!.mapped[s]![t]![i]!) best = j;
        if (best === labels[i]) ok++;
      }
      return ok / p;
    }),
  );
  const scale = range.map((s) => Math.max(...parts.map((q) => q.max[s]!)));
  const scaledMse = range.map((a) =>
    range.map((b) => {
      let sum = 0;
      for (const q of parts)
        sum += q.cross[a]![a]! / scale[a]! ** 2 - (2 * q.cross[a]![b]!) / (scale[a]! * scale[b]!) + q.cross[b]![b]! / scale[b]! ** 2;
      return Math.max(0, sum) / (o * p * m);
    }),
  );
  const cka = range.map((a) => range.map((b) => parts.reduce((acc, q) => acc + q.cka[a]![b]!, 0) / o));
  const logSoftmax = (s: number, i: number): number[] => {
    const v = parts.map((q) => q.mapped[s]![s]![i]!);
    const mx = Math.max(...v);
    const lse = mx + Math.log(v.reduce((acc, x) => acc + Math.exp(x - mx), 0));
    return v.map((x) => x - lse);
  };
  const softmaxCe = range.map((a) =>
    range.map((b) => {
      let h = 0;
      for (let i = 0; i < p; i++) {
        const la = logSoftmax(a, i);
        const lb = logSoftmax(b, i);
        for (let j = 0; j < o; j++) h -= Math.exp(la[j]!) * lb[j]!;
      }
      return h / p;
    }),
  );
  return { affineAccuracy, scaledMse, cka, softmaxCe };
}
