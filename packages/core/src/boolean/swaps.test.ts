import { describe, expect, it } from 'vitest';
import { npnCanonical, npnClasses } from './npn.js';
import { documentedWeights, projectionChanges, swapsBruteForce, swapsChambers, swapsDocumented, swapsValue } from './swaps.js';
import { parityTable, tableFrom } from './truth.js';

describe('swaps value', () => {
  it('finds 1, 1, 2, 14 fundamental chambers (coherent orders, OEIS A005806) for n = 1…4', () => {
    expect([1, 2, 3, 4].map((n) => swapsChambers(n).count)).toEqual([1, 1, 2, 14]);
  });

  it('finds all 516 chambers for n = 5, each order realized by its weight', () => {
    const ch = swapsChambers(5);
    expect(ch.count).toBe(516);
    for (let c = 0; c < ch.count; c += 37) {
      const sums = Array.from(ch.orders.subarray(c * 32, c * 32 + 32), (k) => {
        let s = 0;
        for (let p = 0; p < 5; p++) if ((k >> p) & 1) s += ch.weights[c * 5 + p]!;
        return s;
      });
      for (let j = 1; j < 32; j++) expect(sums[j]).toBeGreaterThan(sums[j - 1]!);
    }
  });

  it('projectionChanges follows Eq. 3.8–3.10: mixed ties are refused, same-class ties merge', () => {
    const xor = 0b0110;
    expect(projectionChanges(xor, 2, [1, 1])).toBe(2); // 00 | 01,10 | 11
    expect(projectionChanges(xor, 2, [1, -1])).toBe(2); // 01 | 00,11 (both false: one position) | 10
    expect(projectionChanges(0b0010, 2, [1, 1])).toBe(-1); // rows 01 (true) and 10 (false) tie: w ∉ W
  });

  it('agrees with brute force over integer projections for every n = 3 function', () => {
    const ch = swapsChambers(3);
    for (let t = 0; t < 256; t++) expect(swapsValue(t, 3, ch).swaps).toBe(swapsBruteForce(t, 3, 3));
  });

  it('n-parity has swaps n; Table 3.1 maxima are 1, 2, 3, 5', () => {
    for (const n of [1, 2, 3, 4]) expect(swapsValue(parityTable(n), n).swaps).toBe(n);
    for (const [n, max] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 5],
    ] as const) {
      const ch = swapsChambers(n);
      expect(Math.max(...npnClasses(n).representatives.map((r) => swapsValue(r, n, ch).swaps))).toBe(max);
    }
  });

  it('is NPN-invariant and its witness projection attains it', () => {
    const ch = swapsChambers(4);
    for (const t of [414, 1782, 0x6996, 0x1ee1, 0x8000]) {
      const r = swapsValue(t, 4, ch);
      expect(projectionChanges(t, 4, r.w)).toBe(r.swaps);
      expect(swapsValue(npnCanonical(t, 4), 4, ch).swaps).toBe(r.swaps);
    }
  });

  it("the seed's documented enumeration overestimates two n = 4 classes (brute force confirms the exact value)", () => {
    expect(documentedWeights(4)).toHaveLength(60);
    for (const [t, exact, documented] of [
      [414, 3, 4],
      [1782, 4, 5],
    ] as const) {
      expect(swapsValue(t, 4).swaps).toBe(exact);
      expect(swapsBruteForce(t, 4, 5)).toBe(exact);
      expect(swapsDocumented(t, 4)).toBe(documented);
    }
    // and agrees elsewhere on n ≤ 3
    for (let t = 0; t < 256; t += 7) expect(swapsDocumented(t, 3)).toBe(swapsValue(t, 3).swaps);
  });

  it('swaps ≤ 1 are exactly the linear threshold functions: 4, 14, 104, 1882 of them (OEIS A000609)', () => {
    for (const [n, count] of [
      [1, 4],
      [2, 14],
      [3, 104],
      [4, 1882],
    ] as const) {
      const c = npnClasses(n);
      const ch = swapsChambers(n);
      const total = c.representatives.reduce((acc, r, i) => acc + (swapsValue(r, n, ch).swaps <= 1 ? c.sizes[i]! : 0), 0);
      expect(total).toBe(count);
    }
  });

  it('majority and threshold functions are 1-swap', () => {
    expect(
      swapsValue(
        tableFrom(3, (b) => b[0]! + b[1]! + b[2]! >= 2),
        3,
      ).swaps,
    ).toBe(1);
  });
});
