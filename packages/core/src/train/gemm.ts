/**
 * Matrix products for training, on flat row-major arrays with offsets (no views are allocated on
 * the hot path):
 *
 *   gemmNT: C[M×N] (+)= A[M×K] · B[N×K]ᵀ   (dense forward, weight gradients of convolutions)
 *
 * `beta` is 0 (overwrite C) or 1 (accumulate into C). The kernels are generic over Float32Array
 * and Float64Array (training runs in float32; gradient checks in float64). Register tiling: the
 * kernel computes 4×4 blocks of dot products.
 */
import type { FloatArray } from '../network/kernels.js';
import { simdGemmNT } from './simd.js';

/** Products with fewer multiply-adds than this stay in JS (copying into WebAssembly memory costs more). */
const SIMD_MIN_WORK = 8192;

/**
 * C[M×N] (+)= A[M×K] · B[N×K]ᵀ: each entry is a dot product of a row of A and a row of B.
 *
 * @example
 * // [1 2; 3 4] · [5 6]ᵀ = [17; 39]
 * const c = new Float64Array(2);
 * gemmNT(c, 0, Float64Array.of(1, 2, 3, 4), 0, Float64Array.of(5, 6), 0, 2, 1, 2, 0);
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
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
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
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
  for (; m + 4 <= M; m += 4) ntRows4(c, cOff + m * N, a, aOff + m * K, b, bOff, N, K, beta);
  for (; m < M; m++) ntRow1(c, cOff + m * N, a, aOff + m * K, b, bOff, N, K, beta);
}

/** Four rows of C (starting at `c0`, stride N) from four rows of A (starting at `a0`, stride K). */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function ntRows4(
  c: FloatArray,
  c0: number,
  a: FloatArray,
  a0: number,
  b: FloatArray,
  bOff: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  let n = 0;
  for (; n + 4 <= N; n += 4) ntTile4x4(c, c0 + n, a, a0, b, bOff + n * K, N, K, beta);
  const a1 = a0 + K;
  const a2 = a1 + K;
  const a3 = a2 + K;
  const c1 = c0 + N;
  const c2 = c1 + N;
  const c3 = c2 + N;
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

/** A 4×4 block of C at `c0` (row stride N): dot products of four rows of A at `a0` and four rows of B at `b0`. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function ntTile4x4(
  c: FloatArray,
  c0: number,
  a: FloatArray,
  a0: number,
  b: FloatArray,
  b0: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
  const a1 = a0 + K;
  const a2 = a1 + K;
  const a3 = a2 + K;
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
  store4(c, c0, beta, s00, s01, s02, s03);
  store4(c, c0 + N, beta, s10, s11, s12, s13);
  store4(c, c0 + 2 * N, beta, s20, s21, s22, s23);
  store4(c, c0 + 3 * N, beta, s30, s31, s32, s33);
}

/** Writes (beta 0) or adds (beta 1) four consecutive entries of C starting at `i`. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function store4(c: FloatArray, i: number, beta: 0 | 1, s0: number, s1: number, s2: number, s3: number): void {
  if (beta === 1) {
    c[i] = c[i]! + s0;
    c[i + 1] = c[i + 1]! + s1;
    c[i + 2] = c[i + 2]! + s2;
    c[i + 3] = c[i + 3]! + s3;
  } else {
    c[i] = s0;
    c[i + 1] = s1;
    c[i + 2] = s2;
    c[i + 3] = s3;
  }
}

/** One row of C at `c0` from one row of A at `a0` (the M mod 4 remainder rows). */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function ntRow1(
  c: FloatArray,
  c0: number,
  a: FloatArray,
  a0: number,
  b: FloatArray,
  bOff: number,
  N: number,
  K: number,
  beta: 0 | 1,
): void {
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
    store4(c, c0 + n, beta, s0, s1, s2, s3);
  }
  for (; n < N; n++) {
    const b0 = bOff + n * K;
    let s = 0;
    for (let k = 0; k < K; k++) s += a[a0 + k]! * b[b0 + k]!;
    c[c0 + n] = beta === 1 ? c[c0 + n]! + s : s;
  }
}
