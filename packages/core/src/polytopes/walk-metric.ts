/**
 * The region walk's linear algebra on the active rows Qa (n×d, row-major) of a region: dot
 * products, Gram matrices, and the metrics the rays are shot in — the identity, and the
 * log-barrier Hessian at an interior point through its inverse (Woodbury when n < d).
 */
import { choleskyInPlace, choleskySolveInPlace } from '../geometry/linalg.js';

/** Σ_j a[ao + j]·b[bo + j] for j < n (four accumulators). */
export function dot(a: Float64Array, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[ao + j]! * b[bo + j]!;
    s1 += a[ao + j + 1]! * b[bo + j + 1]!;
    s2 += a[ao + j + 2]! * b[bo + j + 2]!;
    s3 += a[ao + j + 3]! * b[bo + j + 3]!;
  }
  for (; j < n; j++) s0 += a[ao + j]! * b[bo + j]!;
  return s0 + s1 + s2 + s3;
}

/** out −= Σ_i c[i]·A_i over the n rows of A (n×d), four rows per pass. */
function subtractRows(out: Float64Array, A: Float64Array, c: Float64Array, n: number, d: number): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const c0 = c[i]!;
    const c1 = c[i + 1]!;
    const c2 = c[i + 2]!;
    const c3 = c[i + 3]!;
    const r0 = i * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    for (let j = 0; j < d; j++) out[j] = out[j]! - (c0 * A[r0 + j]! + c1 * A[r1 + j]! + c2 * A[r2 + j]! + c3 * A[r3 + j]!);
  }
  for (; i < n; i++) {
    const ci = c[i]!;
    if (ci === 0) continue;
    const ri = i * d;
    for (let j = 0; j < d; j++) out[j] = out[j]! - ci * A[ri + j]!;
  }
}

/** The rows of a region that are still in play ("active"): Qa (n×d, row-major) and their right-hand sides pa. */
export interface ActiveRows {
  readonly Qa: Float64Array;
  readonly pa: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** The walk's box B = [lower, upper] (the domain ∩ the L∞ ball; sides may be infinite). */
export interface Box {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** A direction and its rates: u (d values) and Q_a·u (one per active row). */
export interface Direction {
  readonly u: Float64Array;
  readonly rates: Float64Array;
}

/** A positive definite metric H on the input space, through its inverse. */
export interface Metric {
  /** H⁻¹v. */
  apply(v: Float64Array): Float64Array;
  /** H⁻¹Q_kᵀ for active row k, with its rates. */
  row(k: number): Direction;
  /** H⁻¹(σ e_j) for box side σ = ±1 of coordinate j, with its rates. */
  coord(j: number, sign: number): Direction;
}

/** Q_a·w (one value per packed row). */
function ratesOf(Qa: Float64Array, n: number, d: number, w: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dot(Qa, i * d, w, 0, d);
  return out;
}

/** The metric H = I (plain rays). */
export function identityMetric(rows: ActiveRows): Metric {
  const { Qa, n, d } = rows;
  return {
    apply: (v) => Float64Array.from(v),
    row(k) {
      const u = Qa.slice(k * d, k * d + d);
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
    coord(j, sign) {
      const u = new Float64Array(d);
      u[j] = sign;
      const rates = new Float64Array(n);
      for (let i = 0; i < n; i++) rates[i] = sign * Qa[i * d + j]!;
      return { u, rates };
    },
  };
}

/** K[i][k] = T_i·T_k for the n rows of T (n×d), both triangles, with 4×2 register blocks. */
function gram(T: Float64Array, n: number, d: number, K: Float64Array): void {
  const put = (i: number, k: number, v: number) => {
    if (i < n && k < n && k <= i) {
      K[i * n + k] = v;
      K[k * n + i] = v;
    }
  };
  const last = n - 1;
  for (let i = 0; i < n; i += 4) {
    const i0 = i * d;
    const i1 = Math.min(i + 1, last) * d;
    const i2 = Math.min(i + 2, last) * d;
    const i3 = Math.min(i + 3, last) * d;
    for (let k = 0; k < n && k <= i + 3; k += 2) {
      const k0 = k * d;
      const k1 = Math.min(k + 1, last) * d;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = 0; j < d; j++) {
        const b0 = T[k0 + j]!;
        const b1 = T[k1 + j]!;
        let a = T[i0 + j]!;
        s00 += a * b0;
        s01 += a * b1;
        a = T[i1 + j]!;
        s10 += a * b0;
        s11 += a * b1;
        a = T[i2 + j]!;
        s20 += a * b0;
        s21 += a * b1;
        a = T[i3 + j]!;
        s30 += a * b0;
        s31 += a * b1;
      }
      put(i, k, s00);
      put(i, k + 1, s01);
      put(i + 1, k, s10);
      put(i + 1, k + 1, s11);
      put(i + 2, k, s20);
      put(i + 2, k + 1, s21);
      put(i + 3, k, s30);
      put(i + 3, k + 1, s31);
    }
  }
}

/**
 * The log-barrier Hessian H = Qᵀ diag(1/s²) Q + diag(1/(z−l)² + 1/(u−z)²) at z (n rows packed in
 * Qa, slacks s). Factored by Woodbury when n < d: H⁻¹ = D⁻¹ − D⁻¹Qᵀ K⁻¹ Q D⁻¹ with
 * K = S² + Q D⁻¹ Qᵀ (n×n Cholesky), which also gives H⁻¹Q_kᵀ = D⁻¹Qᵀ K⁻¹ s_k² e_k with rates
 * s_k² e_k − S² K⁻¹ s_k² e_k without further d-length products; else H itself (d×d).
 */
export function barrierMetric(rows: ActiveRows, box: Box, z: Float64Array, s: Float64Array): Metric | null {
  const { Qa, n, d } = rows;
  const { lower, upper } = box;
  const Dinv = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const a = z[j]! - lower[j]!;
    const b = upper[j]! - z[j]!;
    Dinv[j] = 1 / (1 / (a * a) + 1 / (b * b));
  }
  if (n < d) {
    const T = new Float64Array(n * d);
    const sq = Dinv.map(Math.sqrt);
    for (let i = 0; i < n; i++) {
      const ri = i * d;
      for (let j = 0; j < d; j++) T[ri + j] = Qa[ri + j]! * sq[j]!;
    }
    const M = new Float64Array(n * n);
    gram(T, n, d, M);
    return woodbury(rows, Dinv, M, s);
  }
  return directMetric(rows, s, Dinv);
}

/** H⁻¹ by Woodbury from D⁻¹ (d), M = Q D⁻¹ Qᵀ (n×n) and the slacks s (see `barrierMetric`). */
function woodbury(rows: ActiveRows, Dinv: Float64Array, M: Float64Array, s: Float64Array): Metric | null {
  const { Qa, n, d } = rows;
  const K = Float64Array.from(M);
  for (let i = 0; i < n; i++) K[i * n + i] = K[i * n + i]! + s[i]! * s[i]!;
  if (!choleskyInPlace(K, n)) return null;
  // u = D⁻¹(v − Qᵀa).
  const expand = (v: Float64Array | null, a: Float64Array): Float64Array => {
    const out = v ? Float64Array.from(v) : new Float64Array(d);
    subtractRows(out, Qa, a, n, d);
    for (let j = 0; j < d; j++) out[j] = out[j]! * Dinv[j]!;
    return out;
  };
  return {
    apply(v) {
      const dv = new Float64Array(d);
      for (let j = 0; j < d; j++) dv[j] = Dinv[j]! * v[j]!;
      const t = new Float64Array(n);
      for (let i = 0; i < n; i++) t[i] = dot(Qa, i * d, dv, 0, d);
      choleskySolveInPlace(K, n, t);
      return expand(v, t);
    },
    row(k) {
      // a = K⁻¹ s_k² e_k; u = D⁻¹Qᵀa (= −expand(0, a)); rates = s_k² e_k − S² a.
      const a = new Float64Array(n);
      a[k] = s[k]! * s[k]!;
      choleskySolveInPlace(K, n, a);
      const u = expand(null, a);
      const rates = new Float64Array(n);
      for (let j = 0; j < d; j++) u[j] = -u[j]!;
      for (let i = 0; i < n; i++) rates[i] = -s[i]! * s[i]! * a[i]!;
      rates[k] = rates[k]! + s[k]! * s[k]!;
      return { u, rates };
    },
    coord(j, sign) {
      // b = K⁻¹ Q[:, j] D⁻¹_j σ; u = D⁻¹(σ e_j − Qᵀb); rates = S² b.
      const b = new Float64Array(n);
      for (let i = 0; i < n; i++) b[i] = Qa[i * d + j]! * Dinv[j]! * sign;
      choleskySolveInPlace(K, n, b);
      const e = new Float64Array(d);
      e[j] = sign;
      const u = expand(e, b);
      const rates = new Float64Array(n);
      for (let i = 0; i < n; i++) rates[i] = s[i]! * s[i]! * b[i]!;
      return { u, rates };
    },
  };
}

/** The barrier Hessian formed and factored directly (d×d; for n ≥ d). */
function directMetric(rows: ActiveRows, s: Float64Array, Dinv: Float64Array): Metric | null {
  const { Qa, n, d } = rows;
  // H = TᵀT + D with T = S⁻¹Q, as the Gram matrix of the columns of T.
  const Tt = new Float64Array(d * n);
  for (let i = 0; i < n; i++) {
    const w = 1 / s[i]!;
    for (let j = 0; j < d; j++) Tt[j * n + i] = Qa[i * d + j]! * w;
  }
  const H = new Float64Array(d * d);
  gram(Tt, d, n, H);
  for (let j = 0; j < d; j++) H[j * d + j] = H[j * d + j]! + 1 / Dinv[j]!;
  if (!choleskyInPlace(H, d)) return null;
  const apply = (v: Float64Array): Float64Array => {
    const out = Float64Array.from(v);
    choleskySolveInPlace(H, d, out);
    return out;
  };
  return {
    apply,
    row(k) {
      const u = apply(Qa.subarray(k * d, k * d + d));
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
    coord(j, sign) {
      const e = new Float64Array(d);
      e[j] = sign;
      const u = apply(e);
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
  };
}
