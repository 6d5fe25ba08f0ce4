import { describe, expect, it } from 'vitest';
import { gemm64, gemm64Reserve } from './gemm64.js';

/** C += A · B by the textbook triple loop (each output's products added in k order after C). */
function reference(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = out[i * n + j]!;
      for (let q = 0; q < k; q++) s += a[i * k + q]! * b[q * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

describe('gemm64', () => {
  const g = gemm64();
  it.skipIf(!g)('nn and nnRows equal the triple loop bit for bit (no fused multiply–add)', () => {
    const kernel = g!;
    const rnd = seeded(7);
    const [m, n, k] = [8, 12, 5];
    const a = Float64Array.from({ length: m * k }, rnd);
    const b = Float64Array.from({ length: k * n }, rnd);
    const c = Float64Array.from({ length: m * n }, rnd);
    const want = reference(a, b, c, m, n, k);
    // nn: A, B, C packed one after another.
    let mem = gemm64Reserve(kernel, 4096);
    mem.set(a, 0);
    mem.set(b, 64);
    mem.set(c, 256);
    kernel.nn(0, 64 * 8, 256 * 8, m, n, k);
    expect(Array.from(mem.subarray(256, 256 + m * n))).toEqual(Array.from(want));
    // nnRows: B's rows scattered in reverse order through a row list, with other values between them.
    mem = gemm64Reserve(kernel, 4096);
    mem.fill(99, 0, 4096);
    mem.set(a, 0);
    const list = new Int32Array(mem.buffer, 3000 * 8, k);
    for (let q = 0; q < k; q++) {
      const at = 1000 + (k - 1 - q) * (n + 3);
      mem.set(b.subarray(q * n, (q + 1) * n), at);
      list[q] = at * 8;
    }
    mem.set(c, 2000);
    kernel.nnRows(0, 3000 * 8, 2000 * 8, m, n, k);
    expect(Array.from(mem.subarray(2000, 2000 + m * n))).toEqual(Array.from(want));
  });

  it.skipIf(!g)('nnRows5 (tiles of five rows) equals the triple loop bit for bit on 10 rows', () => {
    const kernel = g!;
    const rnd = seeded(11);
    const [m, n, k] = [10, 8, 7];
    const a = Float64Array.from({ length: m * k }, rnd);
    const b = Float64Array.from({ length: k * n }, rnd);
    const c = Float64Array.from({ length: m * n }, rnd);
    const want = reference(a, b, c, m, n, k);
    const mem = gemm64Reserve(kernel, 4096);
    mem.fill(-7, 0, 4096);
    mem.set(a, 0);
    const list = new Int32Array(mem.buffer, 3000 * 8, k);
    for (let q = 0; q < k; q++) {
      mem.set(b.subarray(q * n, (q + 1) * n), 500 + q * 2 * n);
      list[q] = (500 + q * 2 * n) * 8;
    }
    mem.set(c, 2000);
    kernel.nnRows5(0, 3000 * 8, 2000 * 8, m, n, k);
    expect(Array.from(mem.subarray(2000, 2000 + m * n))).toEqual(Array.from(want));
    // Nothing after C was touched.
    expect(mem[2000 + m * n]).toBe(-7);
  });

  it.skipIf(!g)('nnRowsFrom / nnRowsFrom5 (A k-major): C = S + A · B[list] bit for bit, S untouched, k = 0 copies S', () => {
    const kernel = g!;
    for (const [m, from] of [
      [8, kernel.nnRowsFrom],
      [10, kernel.nnRowsFrom5],
    ] as const) {
      const rnd = seeded(13 + m);
      const [n, k] = [12, 6];
      const a = Float64Array.from({ length: m * k }, rnd);
      const b = Float64Array.from({ length: k * n }, rnd);
      const src = Float64Array.from({ length: m * n }, rnd);
      const want = reference(a, b, src, m, n, k);
      const mem = gemm64Reserve(kernel, 8192);
      mem.fill(5, 0, 8192);
      // A k-major: element (r, q) at q·m + r.
      for (let r = 0; r < m; r++) for (let q = 0; q < k; q++) mem[q * m + r] = a[r * k + q]!;
      const list = new Int32Array(mem.buffer, 3000 * 8, k);
      for (let q = 0; q < k; q++) {
        mem.set(b.subarray(q * n, (q + 1) * n), 500 + (k - 1 - q) * (n + 4));
        list[q] = (500 + (k - 1 - q) * (n + 4)) * 8;
      }
      mem.set(src, 4000);
      // C holds other values (5): they are not read.
      from(0, 3000 * 8, 2000 * 8, m, n, k, 4000 * 8);
      expect(Array.from(mem.subarray(2000, 2000 + m * n))).toEqual(Array.from(want));
      expect(Array.from(mem.subarray(4000, 4000 + m * n))).toEqual(Array.from(src));
      expect(mem[2000 + m * n]).toBe(5);
      // No rows: C becomes a copy of S.
      from(0, 3000 * 8, 6000 * 8, m, n, 0, 4000 * 8);
      expect(Array.from(mem.subarray(6000, 6000 + m * n))).toEqual(Array.from(src));
    }
  });
});
