/**
 * Dense symmetric eigen-decomposition in float64: Householder reduction to tridiagonal form and
 * the implicit QL algorithm (the EISPACK tred2/tql2 pair, as in JAMA), on flat typed arrays.
 *
 * The eigenvector matrix is held column-major (eigenvector j contiguous at `j * n`), so every
 * O(n³) inner loop of both phases walks memory contiguously: d = 3,072 stays practical.
 */
import { PolytopeError } from '../errors.js';
import { EIGEN_CONVERGENCE_EPS } from '../geometry/predicates.js';

/** Eigenvalues (descending) and unit eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Order n of the matrix. */
  readonly n: number;
  /** The n eigenvalues, largest first. */
  readonly values: Float64Array;
  /** `n × n`: eigenvector k (for `values[k]`) at `k * n`, unit length. */
  readonly vectors: Float64Array;
}

/** Householder tridiagonalization: on return `w` holds the orthogonal transform (column-major), d the diagonal, e the sub-diagonal. */
function tred2(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  // w[c * n + r] is V[r][c]; V starts as the (symmetric) matrix itself.
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1]!;
        w[j * n + i] = 0;
        w[i * n + j] = 0;
      }
    } else {
      h = householderStep(w, d, e, n, i, scale);
    }
    d[i] = h;
  }
  accumulate(w, d, n);
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1]!;
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** One Householder reflection of tred2 for row i; returns h. */
function householderStep(w: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number, scale: number): number {
  let h = 0;
  for (let k = 0; k < i; k++) {
    d[k] = d[k]! / scale;
    h += d[k]! * d[k]!;
  }
  let f = d[i - 1]!;
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  e[i] = scale * g;
  h -= f * g;
  d[i - 1] = f - g;
  for (let j = 0; j < i; j++) e[j] = 0;
  for (let j = 0; j < i; j++) {
    const col = j * n;
    f = d[j]!;
    w[i * n + j] = f;
    g = e[j]! + w[col + j]! * f;
    for (let k = j + 1; k <= i - 1; k++) {
      const v = w[col + k]!;
      g += v * d[k]!;
      e[k] = e[k]! + v * f;
    }
    e[j] = g;
  }
  f = 0;
  for (let j = 0; j < i; j++) {
    e[j] = e[j]! / h;
    f += e[j]! * d[j]!;
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
  for (let j = 0; j < i; j++) {
    const col = j * n;
    f = d[j]!;
    g = e[j]!;
    for (let k = j; k <= i - 1; k++) w[col + k] = w[col + k]! - (f * e[k]! + g * d[k]!);
    d[j] = w[col + i - 1]!;
    w[col + i] = 0;
  }
  return h;
}

/** tred2's accumulation of the Householder transformations into w. */
function accumulate(w: Float64Array, d: Float64Array, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    w[i * n + n - 1] = w[i * n + i]!;
    w[i * n + i] = 1;
    const h = d[i + 1]!;
    const next = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = w[next + k]! / h;
      for (let j = 0; j <= i; j++) {
        const col = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += w[next + k]! * w[col + k]!;
        for (let k = 0; k <= i; k++) w[col + k] = w[col + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) w[next + k] = 0;
  }
}

/** Implicit QL on the tridiagonal (d, e), rotating the columns of w; eigenvalues end in d. */
function tql2(w: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const maxIterations = 30 * Math.max(n, 1);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n && Math.abs(e[m]!) > EIGEN_CONVERGENCE_EPS * tst1) m++;
    let iterations = 0;
    while (m > l && Math.abs(e[l]!) > EIGEN_CONVERGENCE_EPS * tst1) {
      if (++iterations > maxIterations) throw new PolytopeError('solver-failed', `the symmetric eigensolver did not converge (n = ${n})`);
      f += qlSweep(w, d, e, n, l, m);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** One implicit-shift QL sweep on rows l..m; returns the shift added to every later eigenvalue. */
function qlSweep(w: Float64Array, d: Float64Array, e: Float64Array, n: number, l: number, m: number): number {
  let g = d[l]!;
  let p = (d[l + 1]! - g) / (2 * e[l]!);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l]! / (p + r);
  d[l + 1] = e[l]! * (p + r);
  const dl1 = d[l + 1]!;
  let h = g - d[l]!;
  for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
  const shift = h;
  p = d[m]!;
  let c = 1;
  let c2 = c;
  let c3 = c;
  const el1 = e[l + 1]!;
  let s = 0;
  let s2 = 0;
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i]!;
    h = c * p;
    r = Math.hypot(p, e[i]!);
    e[i + 1] = s * r;
    s = e[i]! / r;
    c = p / r;
    p = c * d[i]! - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]!);
    const a = i * n;
    const b = (i + 1) * n;
    for (let k = 0; k < n; k++) {
      const hk = w[b + k]!;
      const vk = w[a + k]!;
      w[b + k] = s * vk + c * hk;
      w[a + k] = c * vk - s * hk;
    }
  }
  p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return shift;
}

/**
 * Eigenvalues and eigenvectors of the symmetric `n × n` matrix `a` (row-major; only its symmetric
 * part is meaningful), largest eigenvalue first. Each eigenvector's largest-magnitude component is
 * made positive, so the result does not depend on the sign the algorithm happened to take.
 *
 * @example
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 * values;  // Float64Array [3, 1]
 * vectors; // [0.7071…, 0.7071…, −0.7071…, 0.7071…] (rows: (1, 1)/√2 and (−1, 1)/√2, sign fixed)
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n)
    throw new PolytopeError('shape-mismatch', `symmetricEigen: expected an ${n} × ${n} matrix (${n * n} values), got ${a.length}`);
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i]!)) throw new PolytopeError('non-finite', 'symmetricEigen: the matrix has a non-finite entry');
  // Symmetrize (column-major = row-major for a symmetric matrix).
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) w[c * n + r] = 0.5 * (a[r * n + c]! + a[c * n + r]!);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(w, d, e, n);
    tql2(w, d, e, n);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src]!;
    const v = w.subarray(src * n, (src + 1) * n);
    let big = 0;
    for (let i = 1; i < n; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
    const sign = v[big]! < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[k * n + i] = sign * v[i]!;
  });
  return { n, values, vectors };
}
