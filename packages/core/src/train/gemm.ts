/**
 * Matrix products for training, on flat row-major arrays with offsets (no views are allocated on
 * the hot path). Every dense and convolution pass of the trainer is one of three shapes:
 *
 *   gemmNT: C[M×N] (+)= A[M×K] · B[N×K]ᵀ   (dense forward, weight gradients of convolutions)
 *   gemmNN: C[M×N] (+)= A[M×K] · B[K×N]    (convolution forward, dense input gradient)
 *   gemmTN: C[M×N] (+)= A[K×M]ᵀ · B[K×N]   (dense weight gradient, convolution input gradient)
 *
 * `beta` is 0 (overwrite C) or 1 (accumulate into C). The kernels are generic over Float32Array
 * and Float64Array (training runs in float32; gradient checks in float64). Register tiling: the NT
 * kernel computes 4×4 blocks of dot products, the NN/TN kernels update one row of C from four rows
 * of B at a time, skipping all-zero coefficients (ReLU gradients are sparse).
 */
import type { FloatArray } from '../network/kernels.js';
import { simdGemmNT } from './simd.js';

/** Products with fewer multiply-adds than this stay in JS (copying into WebAssembly memory costs more). */
export const SIMD_MIN_WORK = 8192;

/**
 * C[M×N] (+)= A[M×K] · B[N×K]ᵀ: each entry is a dot product of a row of A and a row of B.
 *
 * @example
 * // [1 2; 3 4] · [5 6]ᵀ = [17; 39]
 * const c = new Float64Array(2);
 * gemmNT(c, 0, Float64Array.of(1, 2, 3, 4), 0, Float64Array.of(5, 6), 0, 2, 1, 2, 0);
 */
export function gemmNT(
  c: FloatArray,
  cOff: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  if (
    M * N * K >= SIMD_MIN_WORK &&
    c instanceof Float32Array &&
    a instanceof Float32Array &&
    b instanceof Float32Array &&
    simdGemmNT(c, cOff, a, aOff, b, bOff, M, N, K, beta)
  )
    return;
  gemmNTJs(c, cOff, a, aOff, b, bOff, M, N, K, beta);
}

/** The pure-JS NT kernel (4×4 register tiles); `gemmNT` uses it for float64 and small products. */
export function gemmNTJs(
  c: FloatArray,
  cOff: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const a0 = aOff + m * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    const c0 = cOff + m * N;
    const c1 = c0 + N;
    const c2 = c1 + N;
    const c3 = c2 + N;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = bOff + n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0;
      let s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!;
        const x1 = a[a1 + k]!;
        const x2 = a[a2 + k]!;
        const x3 = a[a3 + k]!;
        let y = b[b0 + k]!;
        s00 += x0 * y;
        s10 += x1 * y;
        s20 += x2 * y;
        s30 += x3 * y;
        y = b[b1 + k]!;
        s01 += x0 * y;
        s11 += x1 * y;
        s21 += x2 * y;
        s31 += x3 * y;
        y = b[b2 + k]!;
        s02 += x0 * y;
        s12 += x1 * y;
        s22 += x2 * y;
        s32 += x3 * y;
        y = b[b3 + k]!;
        s03 += x0 * y;
        s13 += x1 * y;
        s23 += x2 * y;
        s33 += x3 * y;
      }
      if (beta === 1) {
        c[c0 + n] = c[c0 + n]! + s00;
        c[c0 + n + 1] = c[c0 + n + 1]! + s01;
        c[c0 + n + 2] = c[c0 + n + 2]! + s02;
        c[c0 + n + 3] = c[c0 + n + 3]! + s03;
        c[c1 + n] = c[c1 + n]! + s10;
        c[c1 + n + 1] = c[c1 + n + 1]! + s11;
        c[c1 + n + 2] = c[c1 + n + 2]! + s12;
        c[c1 + n + 3] = c[c1 + n + 3]! + s13;
        c[c2 + n] = c[c2 + n]! + s20;
        c[c2 + n + 1] = c[c2 + n + 1]! + s21;
        c[c2 + n + 2] = c[c2 + n + 2]! + s22;
        c[c2 + n + 3] = c[c2 + n + 3]! + s23;
        c[c3 + n] = c[c3 + n]! + s30;
        c[c3 + n + 1] = c[c3 + n + 1]! + s31;
        c[c3 + n + 2] = c[c3 + n + 2]! + s32;
        c[c3 + n + 3] = c[c3 + n + 3]! + s33;
      } else {
        c[c0 + n] = s00;
        c[c0 + n + 1] = s01;
        c[c0 + n + 2] = s02;
        c[c0 + n + 3] = s03;
        c[c1 + n] = s10;
        c[c1 + n + 1] = s11;
        c[c1 + n + 2] = s12;
        c[c1 + n + 3] = s13;
        c[c2 + n] = s20;
        c[c2 + n + 1] = s21;
        c[c2 + n + 2] = s22;
        c[c2 + n + 3] = s23;
        c[c3 + n] = s30;
        c[c3 + n + 1] = s31;
        c[c3 + n + 2] = s32;
        c[c3 + n + 3] = s33;
      }
    }
    for (; n < N; n++) {
      const b0 = bOff + n * K;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = b[b0 + k]!;
        s0 += a[a0 + k]! * y;
        s1 += a[a1 + k]! * y;
        s2 += a[a2 + k]! * y;
        s3 += a[a3 + k]! * y;
      }
      if (beta === 1) {
        c[c0 + n] = c[c0 + n]! + s0;
        c[c1 + n] = c[c1 + n]! + s1;
        c[c2 + n] = c[c2 + n]! + s2;
        c[c3 + n] = c[c3 + n]! + s3;
      } else {
        c[c0 + n] = s0;
        c[c1 + n] = s1;
        c[c2 + n] = s2;
        c[c3 + n] = s3;
      }
    }
  }
  for (; m < M; m++) {
    const a0 = aOff + m * K;
    const c0 = cOff + m * N;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const b0 = bOff + n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[a0 + k]!;
        s0 += x * b[b0 + k]!;
        s1 += x * b[b1 + k]!;
        s2 += x * b[b2 + k]!;
        s3 += x * b[b3 + k]!;
      }
      if (beta === 1) {
        c[c0 + n] = c[c0 + n]! + s0;
        c[c0 + n + 1] = c[c0 + n + 1]! + s1;
        c[c0 + n + 2] = c[c0 + n + 2]! + s2;
        c[c0 + n + 3] = c[c0 + n + 3]! + s3;
      } else {
        c[c0 + n] = s0;
        c[c0 + n + 1] = s1;
        c[c0 + n + 2] = s2;
        c[c0 + n + 3] = s3;
      }
    }
    for (; n < N; n++) {
      const b0 = bOff + n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[a0 + k]! * b[b0 + k]!;
      c[c0 + n] = beta === 1 ? c[c0 + n]! + s : s;
    }
  }
}

/**
 * Shared body of gemmNN and gemmTN: C[M×N] (+)= Â · B[K×N] where Â(m, k) = a[aOff + m·sm + k·sk].
 * Rows of C are updated from four rows of B at a time; zero coefficients are skipped.
 */
function gemmRows(
  c: FloatArray,
  cOff: number,
  a: FloatArray,
  aOff: number,
  sm: number,
  sk: number,
  b: FloatArray,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  for (let m = 0; m < M; m++) {
    const cr = cOff + m * N;
    if (beta === 0) c.fill(0, cr, cr + N);
    const am = aOff + m * sm;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const x0 = a[am + k * sk]!;
      const x1 = a[am + (k + 1) * sk]!;
      const x2 = a[am + (k + 2) * sk]!;
      const x3 = a[am + (k + 3) * sk]!;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const b0 = bOff + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let n = 0; n < N; n++) {
        c[cr + n] = c[cr + n]! + x0 * b[b0 + n]! + x1 * b[b1 + n]! + x2 * b[b2 + n]! + x3 * b[b3 + n]!;
      }
    }
    for (; k < K; k++) {
      const x = a[am + k * sk]!;
      if (x === 0) continue;
      const b0 = bOff + k * N;
      for (let n = 0; n < N; n++) c[cr + n] = c[cr + n]! + x * b[b0 + n]!;
    }
  }
}

/**
 * C[M×N] (+)= A[M×K] · B[K×N].
 *
 * @example
 * // [1 2] · [3; 4] = [11]
 * const c = new Float64Array(1);
 * gemmNN(c, 0, Float64Array.of(1, 2), 0, Float64Array.of(3, 4), 0, 1, 1, 2, 0);
 */
export function gemmNN(
  c: FloatArray,
  cOff: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  gemmRows(c, cOff, a, aOff, K, 1, b, bOff, M, N, K, beta);
}

/**
 * C[M×N] (+)= A[K×M]ᵀ · B[K×N].
 *
 * @example
 * // [1; 2]ᵀ · [3; 4] = [11]   (A stored as K×M = 2×1)
 * const c = new Float64Array(1);
 * gemmTN(c, 0, Float64Array.of(1, 2), 0, Float64Array.of(3, 4), 0, 1, 1, 2, 0);
 */
export function gemmTN(
  c: FloatArray,
  cOff: number,
  a: FloatArray,
  aOff: number,
  b: FloatArray,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  gemmRows(c, cOff, a, aOff, 1, M, b, bOff, M, N, K, beta);
}
