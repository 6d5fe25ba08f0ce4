import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { choleskyInPlace, determinantInPlace, gaussianEliminate, solveEliminated } from './linalg.js';

/** The textbook determinant (partial pivoting with physical row swaps): the loop `determinantInPlace` replaced. */
function textbookDet(M: Float64Array, n: number): number {
  let D = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    const pv = M[p * n + c]!;
    if (pv === 0) return 0;
    if (p !== c) {
      for (let q = 0; q < n; q++) [M[c * n + q], M[p * n + q]] = [M[p * n + q]!, M[c * n + q]!];
      D = -D;
    }
    D *= pv;
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / pv;
      if (f === 0) continue;
      for (let q = c; q < n; q++) M[r * n + q] = M[r * n + q]! - f * M[c * n + q]!;
    }
  }
  return D;
}

describe('gaussianEliminate (the one Gaussian elimination)', () => {
  it('solves a 2×2 system by hand: [[0, 1], [1, 1]] x = (2, 3) → x = (1, 2)', () => {
    const M = new Float64Array([0, 1, 2, 1, 1, 3]);
    const piv = new Int32Array(4);
    expect(gaussianEliminate(M, 2, 2, 3, piv)).toBe(2);
    expect(Array.from(solveEliminated(M, 2, 2, 3, 2, piv))).toEqual([1, 2]);
  });

  it('determinant: hand cases and bit-identical to the textbook loop on random and tie-heavy integer matrices', () => {
    const piv = new Int32Array(8);
    expect(determinantInPlace(new Float64Array([0, 2, 3, 1]), 2, piv)).toBe(-6); // 0·1 − 2·3
    expect(determinantInPlace(new Float64Array([1, 2, 2, 4]), 2, piv)).toBe(0); // dependent rows
    const random = mulberry32(3);
    for (let t = 0; t < 300; t++) {
      const n = 1 + (t % 4);
      const M = Float64Array.from({ length: n * n }, () => (t % 2 ? Math.round(4 * random() - 2) : random() - 0.5));
      expect(determinantInPlace(M.slice(), n, piv)).toBe(textbookDet(M.slice(), n));
    }
  });

  it('full pivoting picks the best-conditioned rows of an overdetermined system and reports the rank', () => {
    // Three rows through (1, 2) in the plane, one of them a multiple of another.
    const M = new Float64Array([1, 0, 1, 2, 0, 2, 0, 1, 2]);
    const piv = new Int32Array(3 + 2);
    expect(gaussianEliminate(M, 3, 2, 3, piv, { full: true })).toBe(2);
    expect(Array.from(solveEliminated(M, 3, 2, 3, 2, piv))).toEqual([1, 2]);
    const flat = new Float64Array([1, 1, 0, 2, 2, 0]);
    expect(gaussianEliminate(flat, 2, 2, 3, new Int32Array(4), { full: true })).toBe(1);
  });

  it('a threshold stops at a small pivot', () => {
    const M = new Float64Array([1, 0, 0, 1e-12]);
    expect(gaussianEliminate(M.slice(), 2, 2, 2, new Int32Array(4))).toBe(2);
    expect(gaussianEliminate(M.slice(), 2, 2, 2, new Int32Array(4), { threshold: () => 1e-10 })).toBe(1);
  });
});

describe('choleskyInPlace (the one Cholesky)', () => {
  it('factors [[4, 2], [2, 3]] by hand: L = [[2, 0], [1, √2]]', () => {
    const S = new Float64Array([4, 2, 2, 3]);
    expect(choleskyInPlace(S, 2)).toBe(true);
    expect([S[0], S[2], S[3]]).toEqual([2, 1, Math.SQRT2]);
  });

  it('the positive-definiteness rule is relative (scale-free) and rejects NaN and ∞', () => {
    for (const s of [1e-200, 1, 1e200]) {
      expect(choleskyInPlace(new Float64Array([4 * s, 2 * s, 2 * s, 3 * s]), 2)).toBe(true);
      // Singular up to rounding: the second pivot is 4.4e-16 × the diagonal (positive, so the walk's
      // former rule, d > 0, accepted it).
      expect(choleskyInPlace(new Float64Array([s, s, s, s * (1 + 4 * Number.EPSILON)]), 2)).toBe(false);
    }
    expect(choleskyInPlace(new Float64Array([NaN]), 1)).toBe(false);
    expect(choleskyInPlace(new Float64Array([Infinity]), 1)).toBe(false);
    expect(choleskyInPlace(new Float64Array([-1]), 1)).toBe(false);
  });
});
