/**
 * Dense MLPs as plain layer lists, plus the small dense linear algebra the truncation, tropical and
 * lens modules share (row-major Float64Array matrices; SVD and pseudo-inverse through ml-matrix).
 */
import { Matrix, SingularValueDecomposition, pseudoInverse } from 'ml-matrix';
import { PolytopeError } from '../errors.js';
import type { AffineLayer } from '../network/mlp-view.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { SVD_RANK_EPS } from '../geometry/predicates.js';

export type { AffineLayer } from '../network/mlp-view.js';

/** Builds a network from layers (inverse of `asMlp`). */
export function networkOfLayers(layers: readonly AffineLayer[]): Network {
  const specs: NodeSpec[] = [];
  for (const l of layers) {
    specs.push({
      type: 'dense',
      inputs: [specs.length],
      inFeatures: l.inFeatures,
      outFeatures: l.outFeatures,
      weight: l.weight,
      bias: l.bias,
    });
    if (l.act === 'relu') specs.push({ type: 'relu', inputs: [specs.length] });
    else if (l.act === 'leaky_relu') specs.push({ type: 'leaky_relu', inputs: [specs.length], alpha: l.alpha });
  }
  return buildNetwork([layers[0]!.inFeatures], specs);
}

/** `C = A B`, A `m × k`, B `k × n`, row-major. */
export function matMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] = c[i * n + j]! + av * b[p * n + j]!;
    }
  }
  return c;
}

/** `y = A x (+ c)`, A `m × n`. */
export function matVec(a: Float64Array, x: ArrayLike<number>, m: number, n: number, c?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = c ? c[i]! : 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

export function toMatrix(a: Float64Array, m: number, n: number): Matrix {
  const out = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out.set(i, j, a[i * n + j]!);
  return out;
}

export function fromMatrix(mat: Matrix): Float64Array {
  const m = mat.rows;
  const n = mat.columns;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = mat.get(i, j);
  return out;
}

/** Moore–Penrose pseudo-inverse (`n × m`) of a row-major `m × n` matrix, by SVD. */
export function pinv(a: Float64Array, m: number, n: number): Float64Array {
  return fromMatrix(pseudoInverse(toMatrix(a, m, n)));
}

/** Singular values, largest first. */
function singularValues(a: Float64Array, m: number, n: number): Float64Array {
  const svd = new SingularValueDecomposition(toMatrix(a, m, n), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return Float64Array.from(svd.diagonal).sort().reverse();
}

/** Numerical rank: singular values above `tol · σ_max · max(m, n)` (tol defaults to `SVD_RANK_EPS`, 1e-12). */
export function numericalRank(a: Float64Array, m: number, n: number, tol = SVD_RANK_EPS): number {
  const s = singularValues(a, m, n);
  const cut = tol * (s[0] ?? 0) * Math.max(m, n);
  let r = 0;
  for (const v of s) if (v > cut) r++;
  return r;
}

/** Frobenius norm. */
export function frobeniusNorm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Spectral norm (largest singular value). */
export function spectralNorm(a: Float64Array, m: number, n: number): number {
  if (m === 0 || n === 0) return 0;
  return singularValues(a, m, n)[0] ?? 0;
}

/** Max-norm of `a − b`. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!));
  return e;
}

/** Solves the square system `A X = B` (A `n × n`, B `n × k`); throws if A is singular. */
export function inverse(a: Float64Array, n: number): Float64Array {
  if (numericalRank(a, n, n) < n) throw new PolytopeError('not-applicable', `the ${n}×${n} matrix is singular`);
  return pinv(a, n, n);
}
