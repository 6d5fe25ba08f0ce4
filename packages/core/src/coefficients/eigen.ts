/**
 * Dense symmetric eigen-decomposition in float64: Householder reduction to tridiagonal form and
 * the implicit QL algorithm (the EISPACK tred2/tql2 pair, as in JAMA), on flat typed arrays.
 *
 * The eigenvector matrix is held column-major (eigenvector j contiguous at `j * n`), so every
 * O(n³) inner loop of both phases walks memory contiguously: d = 3,072 stays practical.
 */
import { PolytopeError } from '../errors.js';
import { EIGEN_CLUSTER, EIGEN_CONVERGENCE_EPS, EIGEN_ORTHOGONALITY, EIGEN_RESIDUAL } from '../geometry/predicates.js';
import { mulberry32 } from '../random.js';
import { tridiagonalKernel, tridiagonalReserve } from './tridiagonal-wasm.js';
import type { TridiagonalKernel } from './tridiagonal-wasm.js';

/** Eigenvalues (descending) and unit eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Order n of the matrix. */
  readonly n: number;
  /** The n eigenvalues, largest first. */
  readonly values: Float64Array;
  /** `count × n`: eigenvector k (for `values[k]`) at `k * n`, unit length. */
  readonly vectors: Float64Array;
  /** How many eigenvectors `vectors` holds: all n, or the leading ones asked for. */
  readonly count: number;
  /**
   * How the vectors were found: `ql` (tred2/tql2, every vector) or `inverse-iteration` (the leading
   * ones only, each checked; see {@link symmetricEigen}).
   */
  readonly method: 'ql' | 'inverse-iteration';
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Compute only the eigenvectors of the `vectors` largest eigenvalues (default: all n). */
  readonly vectors?: number;
  /**
   * Use the WebAssembly SIMD kernels for the reduction's two O(n³) loops where available (default
   * true); false runs them in plain JavaScript (the same terms, summed in another order).
   */
  readonly simd?: boolean;
}

/** The reduction's kernels and where w, d and e lie in their memory (byte offsets). */
interface ReduceKernel {
  readonly kernel: TridiagonalKernel;
  readonly wAt: number;
  readonly dAt: number;
  readonly eAt: number;
  /** Two doubles for the rotation's (c, s). */
  readonly csAt: number;
}

/** A plane rotation of eigenvector columns a and b (element offsets into w): w_b ← s w_a + c w_b, w_a ← c w_a − s w_b. */
type Rotate = (a: number, b: number, c: number, s: number) => void;

/** The SIMD rotation of columns of w in the kernels' memory. */
function rotation(k: ReduceKernel): Rotate {
  const { kernel } = k;
  const cs = k.csAt / 8;
  return (a, b, c, s) => {
    const f64 = kernel.instance.f64;
    f64[cs] = c;
    f64[cs + 1] = s;
    kernel.rot(k.wAt + 8 * a, k.wAt + 8 * b, k.csAt, (b - a) * 8, 0, 0);
  };
}

/** Working arrays of the reduction: views into the kernels' memory when they are used, else plain arrays. */
function workspace(n: number, simd: boolean): { w: Float64Array; d: Float64Array; e: Float64Array; k: ReduceKernel | null } {
  const kernel = simd && n >= 16 ? tridiagonalKernel() : null;
  if (!kernel) return { w: new Float64Array(n * n), d: new Float64Array(n), e: new Float64Array(n), k: null };
  const nn = n * n;
  const mem = tridiagonalReserve(kernel, nn + 2 * n + 2);
  mem.fill(0, 0, nn + 2 * n + 2);
  return {
    w: mem.subarray(0, nn),
    d: mem.subarray(nn, nn + n),
    e: mem.subarray(nn + n, nn + 2 * n),
    k: { kernel, wAt: 0, dAt: nn * 8, eAt: (nn + n) * 8, csAt: (nn + 2 * n) * 8 },
  };
}

/** Householder tridiagonalization: on return `w` holds the orthogonal transform (column-major), d the diagonal, e the sub-diagonal. */
function tred2(w: Float64Array, d: Float64Array, e: Float64Array, n: number, k: ReduceKernel | null): void {
  householderReduce(w, d, e, n, k);
  accumulate(w, d, n);
  for (let j = 0; j < n; j++) {
    d[j] = w[j * n + n - 1]!;
    w[j * n + n - 1] = 0;
  }
  w[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * tred2's reduction without the transform: on return the reflection P_i = I − u uᵀ / h_i of row i
 * has u in column i of `w` (rows 0 … i − 1) and h_i in `d[i]` (0: none), the tridiagonal matrix T
 * has diagonal `w[i * n + i]` and sub-diagonal `e[i]` = T[i][i − 1] (e[0] = 0), and
 * A = Z T Zᵀ with Z = P_{n−1} ⋯ P_1.
 */
function householderReduce(w: Float64Array, d: Float64Array, e: Float64Array, n: number, k: ReduceKernel | null): void {
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
      h = householderStep(w, d, e, n, i, scale, k);
    }
    d[i] = h;
  }
}

/** One Householder reflection of tred2 for row i; returns h. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function householderStep(
  w: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
  i: number,
  scale: number,
  k: ReduceKernel | null,
): number {
  let h = 0;
  for (let r = 0; r < i; r++) {
    d[r] = d[r]! / scale;
    h += d[r]! * d[r]!;
  }
  let f = d[i - 1]!;
  let g = Math.sqrt(h);
  if (f > 0) g = -g;
  e[i] = scale * g;
  h -= f * g;
  d[i - 1] = f - g;
  for (let j = 0; j < i; j++) e[j] = 0;
  if (k !== null) {
    for (let j = 0; j < i; j++) w[i * n + j] = d[j]!;
    k.kernel.symv(k.wAt, k.dAt, k.eAt, n * 8, i, 0);
  } else symv(w, d, e, n, i);
  f = 0;
  for (let j = 0; j < i; j++) {
    e[j] = e[j]! / h;
    f += e[j]! * d[j]!;
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
  if (k !== null) {
    k.kernel.rank2(k.wAt, k.dAt, k.eAt, n * 8, i, 0);
    for (let j = 0; j < i; j++) {
      d[j] = w[j * n + i - 1]!;
      w[j * n + i] = 0;
    }
  } else rank2(w, d, e, n, i);
  return h;
}

/** p = A u from the lower triangle (the reflection's vector in d, p accumulated in e; u stored in column i). */
function symv(w: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number): void {
  for (let j = 0; j < i; j++) {
    const col = j * n;
    const f = d[j]!;
    w[i * n + j] = f;
    let g = e[j]! + w[col + j]! * f;
    for (let k = j + 1; k <= i - 1; k++) {
      const v = w[col + k]!;
      g += v * d[k]!;
      e[k] = e[k]! + v * f;
    }
    e[j] = g;
  }
}

/** A − u qᵀ − q uᵀ on the lower triangle (u in d, q in e), then the next row into d. */
function rank2(w: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number): void {
  for (let j = 0; j < i; j++) {
    const col = j * n;
    const f = d[j]!;
    const g = e[j]!;
    for (let k = j; k <= i - 1; k++) w[col + k] = w[col + k]! - (f * e[k]! + g * d[k]!);
    d[j] = w[col + i - 1]!;
    w[col + i] = 0;
  }
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

/** Implicit QL on the tridiagonal (d, e), rotating the columns of w (none: eigenvalues only); eigenvalues end in d. */
function tql2(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number, rotate: Rotate | null = null): void {
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
      f += qlSweep(w, d, e, n, l, m, rotate);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** One implicit-shift QL sweep on rows l..m; returns the shift added to every later eigenvalue. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function qlSweep(w: Float64Array | null, d: Float64Array, e: Float64Array, n: number, l: number, m: number, rotate: Rotate | null): number {
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
    if (w === null) continue;
    const a = i * n;
    const b = (i + 1) * n;
    if (rotate !== null) {
      rotate(a, b, c, s);
      continue;
    }
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

/** The symmetric part of `a` (row-major = column-major), checked. */
function symmetrized(a: ArrayLike<number>, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n)
    throw new PolytopeError('shape-mismatch', `symmetricEigen: expected an ${n} × ${n} matrix (${n * n} values), got ${a.length}`);
  for (let i = 0; i < a.length; i++)
    if (!Number.isFinite(a[i]!)) throw new PolytopeError('non-finite', 'symmetricEigen: the matrix has a non-finite entry');
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) w[c * n + r] = 0.5 * (a[r * n + c]! + a[c * n + r]!);
  return w;
}

/** Unit length with its largest-magnitude component positive, written to `out` at `at`. */
export function unitWithSign(v: Float64Array, out: Float64Array, at: number): void {
  let big = 0;
  let norm = 0;
  for (let i = 0; i < v.length; i++) {
    norm += v[i]! * v[i]!;
    if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
  }
  const f = (v[big]! < 0 ? -1 : 1) / (Math.sqrt(norm) || 1);
  for (let i = 0; i < v.length; i++) out[at + i] = f * v[i]!;
}

/** All eigenvalues and every eigenvector: tred2 + tql2. */
function fullEigen(sym: Float64Array, n: number, simd: boolean): SymmetricEigen {
  const { w, d, e, k } = workspace(n, simd);
  w.set(sym);
  if (n > 0) {
    tred2(w, d, e, n, k);
    tql2(w, d, e, n, k && rotation(k));
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    values[k] = d[src]!;
    unitWithSign(w.subarray(src * n, (src + 1) * n), vectors, k * n);
  });
  return { n, values, vectors, count: n, method: 'ql' };
}

/**
 * LU factors with partial pivoting of the tridiagonal T − x I (LAPACK dgttrf's scheme): U has the
 * diagonal `u0` and two super-diagonals `u1`, `u2`; `l` the multipliers, `swap[i]` whether rows i and
 * i + 1 were exchanged. Pivots smaller than `tol` are replaced by ±tol (dlagtf/dlagts), so the
 * solve amplifies the wanted eigenvector instead of dividing by zero.
 */
class TridiagonalLu {
  readonly u0: Float64Array;
  readonly u1: Float64Array;
  readonly u2: Float64Array;
  readonly l: Float64Array;
  readonly swap: Uint8Array;
  constructor(readonly n: number) {
    this.u0 = new Float64Array(n);
    this.u1 = new Float64Array(n);
    this.u2 = new Float64Array(n);
    this.l = new Float64Array(n);
    this.swap = new Uint8Array(n);
  }

  factor(diag: Float64Array, off: Float64Array, x: number, tol: number): void {
    const { n, u0, u1, u2, l, swap } = this;
    for (let i = 0; i < n; i++) {
      u0[i] = diag[i]! - x;
      u1[i] = i + 1 < n ? off[i + 1]! : 0;
      u2[i] = 0;
    }
    for (let i = 0; i + 1 < n; i++) {
      const sub = off[i + 1]!;
      if (Math.abs(u0[i]!) >= Math.abs(sub)) {
        swap[i] = 0;
        if (Math.abs(u0[i]!) < tol) u0[i] = u0[i]! < 0 ? -tol : tol;
        const f = sub / u0[i]!;
        l[i] = f;
        u0[i + 1] = u0[i + 1]! - f * u1[i]!;
      } else {
        swap[i] = 1;
        const f = u0[i]! / sub;
        u0[i] = sub;
        l[i] = f;
        const t = u1[i]!;
        u1[i] = u0[i + 1]!;
        u0[i + 1] = t - f * u0[i + 1]!;
        if (i + 2 < n) {
          u2[i] = u1[i + 1]!;
          u1[i + 1] = -f * u1[i + 1]!;
        }
      }
    }
    if (Math.abs(u0[n - 1]!) < tol) u0[n - 1] = u0[n - 1]! < 0 ? -tol : tol;
  }

  /** Solves (T − x I) y = b in place. */
  solve(b: Float64Array): void {
    const { n, u0, u1, u2, l, swap } = this;
    for (let i = 0; i + 1 < n; i++) {
      if (swap[i] === 0) b[i + 1] = b[i + 1]! - l[i]! * b[i]!;
      else {
        const t = b[i]!;
        b[i] = b[i + 1]!;
        b[i + 1] = t - l[i]! * b[i]!;
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i]!;
      if (i + 1 < n) s -= u1[i]! * b[i + 1]!;
      if (i + 2 < n) s -= u2[i]! * b[i + 2]!;
      b[i] = s / u0[i]!;
    }
  }
}

/**
 * Eigenvectors of the tridiagonal (diag, off) for `values` (descending) by inverse iteration, as
 * LAPACK's dstein: a seeded random start, at most five solves, three more once the iterate has grown
 * past √(0.1/n), eigenvalues within 10ε|λ| of the previous one nudged apart, and each vector
 * orthogonalized against the earlier ones of its cluster (eigenvalues within EIGEN_CLUSTER ‖T‖₁ of
 * each other). Returns the `values.length × n` vectors, or null when an iteration does not converge.
 */
function tridiagonalVectors(diag: Float64Array, off: Float64Array, values: Float64Array, n: number): Float64Array | null {
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]!) + Math.abs(off[i]!) + (i + 1 < n ? Math.abs(off[i + 1]!) : 0));
  const eps = Number.EPSILON;
  const ortol = EIGEN_CLUSTER * norm;
  const grown = Math.sqrt(0.1 / n);
  const tol = eps * Math.max(norm, Number.MIN_VALUE);
  const k = values.length;
  const out = new Float64Array(k * n);
  const lu = new TridiagonalLu(n);
  const x = new Float64Array(n);
  const random = mulberry32(0x5eed);
  let clusterStart = 0;
  let previous = Number.NaN;
  for (let j = 0; j < k; j++) {
    let xj = values[j]!;
    if (j > 0) {
      if (Math.abs(previous - xj) > ortol) clusterStart = j;
      const pert = 10 * Math.abs(eps * xj);
      if (previous - xj < pert) xj = previous - pert;
    }
    previous = xj;
    lu.factor(diag, off, xj, tol);
    for (let i = 0; i < n; i++) x[i] = 2 * random() - 1;
    let converged = 0;
    for (let its = 0; converged < 3; its++) {
      if (its >= 5 + 3) return null;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.abs(x[i]!);
      const scale = (n * norm * Math.max(eps, Math.abs(lu.u0[n - 1]!))) / (sum || 1);
      for (let i = 0; i < n; i++) x[i] = x[i]! * scale;
      lu.solve(x);
      for (let c = clusterStart; c < j; c++) {
        const v = out.subarray(c * n, (c + 1) * n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * x[i]!;
        for (let i = 0; i < n; i++) x[i] = x[i]! - dot * v[i]!;
      }
      let big = 0;
      for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(x[i]!));
      if (!Number.isFinite(big)) return null;
      if (big >= grown || converged > 0) converged++;
      else if (its >= 5) return null;
    }
    unitWithSign(x, out, j * n);
  }
  return out;
}

/**
 * The leading `k` eigenpairs without the full transform: Householder reduction, every eigenvalue
 * by QL without vectors (O(n²)), the k vectors of T by inverse iteration, mapped back through the
 * reflections (O(k n²)), then each checked against A itself. Null when a check fails.
 */
function leadingEigen(sym: Float64Array, n: number, k: number, simd: boolean): SymmetricEigen | null {
  let normA = 0;
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += Math.abs(sym[c * n + r]!);
    normA = Math.max(normA, s);
  }
  const space = workspace(n, simd);
  const { w, d: h } = space;
  w.set(sym);
  const off = space.e;
  householderReduce(w, h, off, n, space.k);
  off[0] = 0;
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = w[i * n + i]!;
  const d = diag.slice();
  const e = off.slice();
  tql2(null, d, e, n);
  const values = d.sort().reverse();
  const t = tridiagonalVectors(diag, off, values.subarray(0, k), n);
  if (t === null) return null;
  const vectors = new Float64Array(k * n);
  for (let j = 0; j < k; j++) {
    const v = t.subarray(j * n, (j + 1) * n);
    // x = P_{n−1} ⋯ P_1 s: P_1 first.
    for (let i = 1; i < n; i++) {
      const hi = h[i]!;
      if (hi === 0) continue;
      const col = i * n;
      let g = 0;
      for (let r = 0; r < i; r++) g += w[col + r]! * v[r]!;
      g /= hi;
      for (let r = 0; r < i; r++) v[r] = v[r]! - g * w[col + r]!;
    }
    unitWithSign(v, vectors, j * n);
  }
  // The check: ‖A v − λ v‖ and the pairwise dot products.
  const residualTol = EIGEN_RESIDUAL * n * normA;
  for (let j = 0; j < k; j++) {
    const v = vectors.subarray(j * n, (j + 1) * n);
    let r2 = 0;
    for (let r = 0; r < n; r++) {
      let s = -values[j]! * v[r]!;
      for (let c = 0; c < n; c++) s += sym[r * n + c]! * v[c]!;
      r2 += s * s;
    }
    if (!(Math.sqrt(r2) <= residualTol)) return null;
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += vectors[i * n + r]! * v[r]!;
      if (!(Math.abs(dot) <= EIGEN_ORTHOGONALITY)) return null;
    }
  }
  return { n, values, vectors, count: k, method: 'inverse-iteration' };
}

/**
 * Eigenvalues and eigenvectors of the symmetric `n × n` matrix `a` (row-major; only its symmetric
 * part is meaningful), largest eigenvalue first. Each eigenvector's largest-magnitude component is
 * made positive, so the result does not depend on the sign the algorithm happened to take.
 *
 * With `{ vectors: k }` (k < n) only the leading k eigenvectors are computed, by inverse iteration
 * on the tridiagonal form (all n eigenvalues still come from QL): about a third of the full
 * solver's work. Each vector is checked (residual ‖A v − λ v‖, orthogonality; bounds in
 * geometry/predicates.ts); if any check fails the full solver runs instead (`method` says which).
 *
 * @example
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
 * values;  // Float64Array [3, 1]
 * vectors; // [0.7071…, 0.7071…, −0.7071…, 0.7071…] (rows: (1, 1)/√2 and (−1, 1)/√2, sign fixed)
 * symmetricEigen(Float64Array.of(2, 1, 1, 2), 2, { vectors: 1 }).vectors; // [0.7071…, 0.7071…]
 */
export function symmetricEigen(a: ArrayLike<number>, n: number, options: SymmetricEigenOptions = {}): SymmetricEigen {
  const sym = symmetrized(a, n);
  const k = options.vectors ?? n;
  const simd = options.simd ?? true;
  if (!Number.isInteger(k) || k < 0)
    throw new PolytopeError('bad-option', `symmetricEigen: vectors must be a non-negative integer, got ${k}`);
  if (k < n) {
    const leading = leadingEigen(sym, n, k, simd);
    if (leading !== null) return leading;
    const full = fullEigen(sym, n, simd);
    return { ...full, vectors: full.vectors.slice(0, k * n), count: k };
  }
  return fullEigen(sym, n, simd);
}
