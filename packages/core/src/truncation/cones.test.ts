import { describe, expect, it } from 'vitest';
import { solveLp } from '../geometry/lp.js';
import { PolytopeError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { coneOf, coneProjection, negativeSectorSeparation, truncateByCones, truncationCones } from './cones.js';
import { makeTruncation, truncate } from './truncation.js';
import { matVec, maxAbsDiff } from './mlp.js';

const rnd = mulberry32(19);
const vec = (n: number, s = 1): number[] => Array.from({ length: n }, () => (rnd() * 2 - 1) * s);

/** Strict linear separability of two point sets by an LP with margin 1 (HiGHS), independent of the construction. */
async function separable(a: Float64Array[], b: Float64Array[]): Promise<boolean> {
  const d = a[0]!.length;
  const rows = new Float64Array((a.length + b.length) * (d + 1));
  const lo: number[] = [];
  const hi: number[] = [];
  [...a, ...b].forEach((x, r) => {
    rows.set(x, r * (d + 1));
    rows[r * (d + 1) + d] = 1;
    lo.push(r < a.length ? -Infinity : 1);
    hi.push(r < a.length ? -1 : Infinity);
  });
  const sol = await solveLp({
    numCols: d + 1,
    cost: new Float64Array(d + 1),
    colLower: new Float64Array(d + 1).fill(-Infinity),
    colUpper: new Float64Array(d + 1).fill(Infinity),
    rows,
    numRows: a.length + b.length,
    rowLower: lo,
    rowUpper: hi,
  });
  return sol.status === 'optimal';
}

describe('cone form of τ', () => {
  it('hand example W = I, b = (−1, −1): apex (1, 1), τ(2, 0) = (2, 1) on the cone S = {1}', () => {
    const c = truncationCones(new Float64Array([1, 0, 0, 1]), new Float64Array([-1, -1]), 2, 2);
    expect(Array.from(c.apex)).toEqual([1, 1]);
    expect(Array.from(coneOf(c, [2, 0]))).toEqual([1, 0]);
    expect(Array.from(truncateByCones(c, [2, 0]))).toEqual([2, 1]);
    expect(Array.from(truncateByCones(c, [0.2, 0.3]))).toEqual([1, 1]);
  });

  it('agrees with W⁺(σ(Wx + b) − b) on random square and wide W; P_S is a projection fixing v_j (j ∈ S), killing v_j (j ∉ S)', () => {
    for (const [m, n] of [
      [2, 2],
      [3, 3],
      [2, 3],
      [3, 5],
    ] as const) {
      const w = Float64Array.from(vec(m * n));
      const b = Float64Array.from(vec(m));
      const c = truncationCones(w, b, m, n);
      const t = makeTruncation(w, b, m, n);
      for (let i = 0; i < 50; i++) {
        const x = vec(n, 3);
        expect(maxAbsDiff(truncateByCones(c, x), truncate(t, x))).toBeLessThan(1e-12);
      }
      const mask = Uint8Array.from({ length: m }, (_, j) => j % 2);
      const p = coneProjection(c, mask);
      for (let k = 0; k < n; k++) {
        const col = Float64Array.from({ length: n }, (_, r) => p[r * n + k]!);
        expect(maxAbsDiff(matVec(p, col, n, n), col)).toBeLessThan(1e-12); // P² = P
      }
      for (let j = 0; j < m; j++) {
        const v = c.generators.subarray(j * n, (j + 1) * n);
        const pv = matVec(p, v, n, n);
        expect(maxAbsDiff(pv, mask[j] ? v : new Float64Array(n))).toBeLessThan(1e-12);
      }
    }
  });

  it('refuses W without full row rank', () => {
    expect(() => truncationCones(new Float64Array([1, 2, 2, 4]), new Float64Array(2), 2, 2)).toThrow(PolytopeError);
  });
});

describe('negative-sector proposition', () => {
  it('holds on random instances with n generators of ℝⁿ (checked by an independent LP)', async () => {
    for (let trial = 0; trial < 9; trial++) {
      const n = 2 + (trial % 3);
      const p = vec(n);
      const gens = Array.from({ length: n }, () => vec(n));
      const at = (a: number[]): number[] => p.map((pk, k) => pk + a.reduce((s, ai, i) => s + ai * gens[i]![k]!, 0));
      const x1 = Array.from({ length: 15 }, () => at(vec(n).map((v) => -Math.abs(v))));
      const x2 = Array.from({ length: 15 }, () => {
        const a = vec(n, 2);
        a[trial % n] = 0.3 + Math.abs(a[trial % n]!); // some coordinate positive: away from S⁻
        return at(a);
      });
      const s = negativeSectorSeparation(p, gens, x1, x2);
      expect(Math.abs(s.maxFirst)).toBeLessThan(1e-9);
      expect(s.minSecond).toBeGreaterThan(s.maxFirst);
      const t = makeTruncation(s.weight, s.bias, n, n);
      expect(
        await separable(
          x1.map((x) => truncate(t, x)),
          x2.map((x) => truncate(t, x)),
        ),
      ).toBe(true);
      // Before truncation the sets are in general not separable: X₂ surrounds the sector on several sides.
    }
  });

  it('fails for m < n as the slides state it: no (w, b) with w: ℝ² → ℝ¹ separates the truncated counterexample', () => {
    // p = 0, v = e₁, S⁻ = {(t, 0) : t ≤ 0}; X₁ = {(−1, 0), (−2, 0)} ⊆ S⁻; X₂ = {(−1, ±1)} at distance 1 from S⁻.
    // τ(x) = w⁺(σ(w·x + b) − b) is an increasing function of s = σ(w·x + b) along w, and w·(−1, 0) lies between
    // w·(−1, 1) and w·(−1, −1), so s(X₁) always meets the hull of s(X₂). Random search over (w, b) confirms it.
    const x1 = [
      [-1, 0],
      [-2, 0],
    ];
    const x2 = [
      [-1, 1],
      [-1, -1],
    ];
    let splits = 0;
    for (let i = 0; i < 2000; i++) {
      const w = vec(2, 5);
      const b = vec(1, 5)[0]!;
      const s = (x: number[]): number => Math.max(0, w[0]! * x[0]! + w[1]! * x[1]! + b);
      const a = x1.map(s);
      const c = x2.map(s);
      const split = Math.max(...a) < Math.min(...c) || Math.max(...c) < Math.min(...a);
      if (split) splits++;
    }
    expect(splits).toBe(0);
    expect(() => negativeSectorSeparation([0, 0], [[1, 0]], x1, x2)).toThrow(/basis/);
  });
});
