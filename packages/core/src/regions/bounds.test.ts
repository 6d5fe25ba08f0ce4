import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { networkOfLayers } from '../truncation/mlp.js';
import type { AffineLayer } from '../truncation/mlp.js';
import { partitionLine } from './line.js';
import { inputPlane, slicePlane } from './slice.js';
import { regionCountBounds } from './bounds.js';

const relu = (weight: number[], bias: number[], inF: number, outF: number): AffineLayer => ({
  weight: Float64Array.from(weight),
  bias: Float64Array.from(bias),
  inFeatures: inF,
  outFeatures: outF,
  act: 'relu',
  alpha: 0,
});
const out = (inF: number): AffineLayer => ({
  weight: new Float64Array(inF).fill(1),
  bias: new Float64Array(1),
  inFeatures: inF,
  outFeatures: 1,
  act: 'none',
  alpha: 1,
});

/** Deterministic pseudo-random numbers in (−1, 1) (LCG, independent of the library's generators). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

describe('regionCountBounds (Eqs. 2.26, 2.27)', () => {
  it('matches hand-derived values', () => {
    // One layer of 3 units on ℝ²: 3 lines in general position make 1 + 3 + 3 = 7 regions.
    expect(regionCountBounds(2, [3])).toMatchObject({ upper: '7', upperSerra: '7', lower: '7' });
    // ℝ¹, widths 2, 2: upper (1+2)(1+2) = 9; Serra: j1 ∈ {0,1}, j2 ≤ min(1, 2 − j1) → 1·3 + 2·3 = 9; lower ⌊2/1⌋·(1+2) = 6.
    expect(regionCountBounds(1, [2, 2])).toMatchObject({ upper: '9', upperSerra: '9', lower: '6' });
    // ℝ², widths 16, 16: (1 + 16 + 120)² = 18769; lower ⌊16/2⌋² · 137 = 8768.
    expect(regionCountBounds(2, [16, 16])).toMatchObject({ upper: '18769', lower: '8768' });
    // Serra is strictly tighter when a layer is narrow: ℝ², widths 2, 3. Product: 4 · 7 = 28; lower ⌊2/2⌋² · 7 = 7.
    // Serra: j1=0 (1 way) → cap 2, j2 ≤ 2: 7; j1=1 (2) → cap 1: 1+3 = 4; j1=2 (1) → cap 0: 1. Total 7 + 8 + 1 = 16.
    expect(regionCountBounds(2, [2, 3])).toMatchObject({ upper: '28', upperSerra: '16', lower: '7' });
    // A width below N_0 caps later layers and voids Eq. 2.27.
    expect(regionCountBounds(3, [1, 4])).toMatchObject({ upper: '10', lower: null });
  });

  it('stays exact for huge counts (BigInt)', () => {
    const b = regionCountBounds(784, [32, 16]);
    expect(b.upper).toBe((2n ** 32n * 2n ** 16n).toString());
    expect(b.lower).toBeNull();
  });

  it('refuses bad architectures with a PolytopeError', () => {
    expect(() => regionCountBounds(0, [2])).toThrow(PolytopeError);
    expect(() => regionCountBounds(2, [])).toThrow(PolytopeError);
    expect(() => regionCountBounds(2, [2.5])).toThrow(/positive integers/);
  });

  it('the lower bound is attained by Montúfar’s folding construction (ℝ¹, widths 2, 2)', () => {
    // Layer 1: g = 2σ(x) − 4σ(x − ½) folds [0, 1] onto [0, 1] twice. Layer 2 reads g: σ(g − ⅓), σ(g − ⅔).
    const net = networkOfLayers([relu([1, 1], [0, -0.5], 1, 2), relu([2, -4, 2, -4], [-1 / 3, -2 / 3], 2, 2), out(2)]);
    const line = partitionLine(net, [-1], [2]); // x = −1 + 3t
    // Hand-derived breakpoints: x = 0, 1/6, 1/3, 1/2, 2/3, 5/6 → 6 pieces on [0, 1] (the last runs on to x = 2) and one for x < 0.
    const xs = Array.from(line.breakpoints, (t) => -1 + 3 * t);
    expect(xs.length).toBe(6);
    [0, 1 / 6, 1 / 3, 1 / 2, 2 / 3, 5 / 6].forEach((x, i) => expect(xs[i]).toBeCloseTo(x, 12));
    expect(line.pieces.length - 1).toBeGreaterThanOrEqual(regionCountBounds(1, [2, 2]).lowerValue!);
    expect(line.pieces.length).toBeLessThanOrEqual(regionCountBounds(1, [2, 2]).upperValue);
  });

  it('exact region counts of random 2-D networks never exceed the upper bounds', () => {
    const rnd = lcg(7);
    for (const widths of [[3], [4, 3], [2, 3], [3, 3, 2]]) {
      const layers: AffineLayer[] = [];
      let inF = 2;
      for (const w of widths) {
        layers.push(
          relu(
            Array.from({ length: w * inF }, rnd),
            Array.from({ length: w }, () => rnd() * 0.5),
            inF,
            w,
          ),
        );
        inF = w;
      }
      layers.push(out(inF));
      const net = networkOfLayers(layers);
      const s = slicePlane(net, inputPlane(net), [-50, 50, -50, 50]);
      const b = regionCountBounds(2, widths);
      expect(s.summary.regions).toBeLessThanOrEqual(b.upperSerraValue);
      expect(b.upperSerraValue).toBeLessThanOrEqual(b.upperValue);
    }
  });
});
