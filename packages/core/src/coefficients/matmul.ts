/**
 * C = A Bᵀ for row-major A (rows × k) and B (cols × k), on the float64 WebAssembly SIMD kernel
 * (network/gemm64.ts) with sizes padded to multiples of 4, or in plain JavaScript without it. The
 * similarity least squares and CKA use it for their Gram-type products.
 */
import { gemm64, gemm64Reserve } from '../network/gemm64.js';

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * A Bᵀ (rows × cols, row-major). Every output adds its k products in order, on either path.
 *
 * @example
 * timesTransposed(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 0, 0, 1, 1, 1), 2, 3, 2); // [1, 2, 3, 3, 4, 7]
 */
export function timesTransposed(a: Float64Array, b: Float64Array, rows: number, cols: number, k: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const g = rows * cols * k >= 1 << 14 ? gemm64() : null;
  if (!g) {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let c = 0; c < k; c++) s += a[i * k + c]! * b[j * k + c]!;
        out[i * cols + j] = s;
      }
    }
    return out;
  }
  const r4 = roundUp4(rows);
  const c4 = roundUp4(cols);
  // Layout (float64 offsets): A (r4 × k), Bᵀ (k × c4), C (r4 × c4).
  const bAt = r4 * k;
  const cAt = bAt + k * c4;
  const mem = gemm64Reserve(g, cAt + r4 * c4);
  mem.set(a.subarray(0, rows * k), 0);
  mem.fill(0, rows * k, cAt + r4 * c4);
  for (let j = 0; j < cols; j++) for (let c = 0; c < k; c++) mem[bAt + c * c4 + j] = b[j * k + c]!;
  g.nn(0, bAt * 8, cAt * 8, r4, c4, k);
  for (let i = 0; i < rows; i++) out.set(mem.subarray(cAt + i * c4, cAt + i * c4 + cols), i * cols);
  return out;
}
