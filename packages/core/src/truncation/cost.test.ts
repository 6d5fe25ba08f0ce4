import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import type { LabelledData } from './constructions.js';
import { costDecomposition } from './cost.js';
import { networkOfLayers } from './mlp.js';
import type { AffineLayer } from './mlp.js';

const layer = (weight: number[], bias: number[], inF: number, outF: number, act: 'relu' | 'none'): AffineLayer => ({
  weight: Float64Array.from(weight),
  bias: Float64Array.from(bias),
  inFeatures: inF,
  outFeatures: outF,
  act,
  alpha: act === 'relu' ? 0 : 1,
});

describe('cost decomposition (6.5)–(6.8)', () => {
  it('matches a hand-derived example', () => {
    // h = (σ(x), σ(−x)), f = h. Class 0: x = 1, 3 → f = (1,0), (3,0), target (1,0); class 1: x = −2, −4 → (0,2), (0,4), target (0,1).
    // C = (0 + 4)/2 + (1 + 9)/2 = 7; within = 1 + 1 = 2; between = |(2,0) − (1,0)|² + |(0,3) − (0,1)|² = 1 + 4 = 5.
    // Mean-matching read-out (hidden coords): diag(1/2, 1/3); C* = (1/4 + 1/4)/2 + (1/9 + 1/9)/2 = 13/36; sup = 1/4, Q·sup = 1/2.
    const net = networkOfLayers([layer([1, -1], [0, 0], 1, 2, 'relu'), layer([1, 0, 0, 1], [0, 0], 2, 2, 'none')]);
    const data: LabelledData = { points: Float64Array.of(1, 3, -2, -4), labels: Int32Array.of(0, 0, 1, 1), dim: 1 };
    const c = costDecomposition(net, data);
    expect(c.cost).toBeCloseTo(7, 12);
    expect(c.within).toBeCloseTo(2, 12);
    expect(c.between).toBeCloseTo(5, 12);
    expect(c.withinTau).toBeCloseTo(2, 12);
    expect(c.betweenTau).toBeCloseTo(5, 12);
    expect(c.bound.mode).toBe('linear');
    expect(c.bound.cost).toBeCloseTo(13 / 36, 12);
    expect(c.bound.sup).toBeCloseTo(1 / 4, 12);
    expect(c.bound.qSup).toBeCloseTo(1 / 2, 12);
    expect(c.bound.realizedCost).toBeCloseTo(13 / 36, 12);
  });

  it('on random 2-4-4-3 networks: (6.5) = (6.6) both lines, C* = realized cost ≤ Q·sup', () => {
    const rnd = mulberry32(5);
    const r = (n: number): number[] => Array.from({ length: n }, () => rnd() * 2 - 1);
    for (let trial = 0; trial < 5; trial++) {
      const net = networkOfLayers([layer(r(8), r(4), 2, 4, 'relu'), layer(r(16), r(4), 4, 4, 'relu'), layer(r(12), r(3), 4, 3, 'none')]);
      const n = 60;
      const points = Float64Array.from({ length: 2 * n }, () => rnd() * 4 - 2);
      const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
      const c = costDecomposition(net, { points, labels, dim: 2 });
      expect(c.hypothesisHolds).toBe(true);
      expect(Math.abs(c.cost - (c.within + c.between))).toBeLessThan(1e-10 * (1 + c.cost));
      expect(Math.abs(c.within - c.withinTau)).toBeLessThan(1e-9 * (1 + c.within));
      expect(Math.abs(c.between - c.betweenTau)).toBeLessThan(1e-9 * (1 + c.between));
      expect(c.bound.realizedCost).not.toBeNull();
      expect(Math.abs(c.bound.cost - c.bound.realizedCost!)).toBeLessThan(1e-8 * (1 + c.bound.cost));
      expect(c.bound.cost).toBeLessThanOrEqual(c.bound.qSup);
    }
  });
});
