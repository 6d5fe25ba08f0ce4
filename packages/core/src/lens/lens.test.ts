import { describe, expect, it } from 'vitest';
import { buildNetwork } from '../network/network.js';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import {
  boundaryDensity,
  clusterInputs,
  clusterPurity,
  codeHamming,
  codeJaccard,
  densityStudy,
  layerNorms,
  regionNorms,
  splineCodes,
  summaryStats,
} from './lens.js';

// 1-D net worked by hand: h = relu(x, x − 1), g = relu(h1 + h2 − 3), y = g.
// Layer-1 boundaries at x = 0 and x = 1; layer 2 at 2x − 1 − 3 = 0 ⇒ x = 2.
const net1d = buildNetwork(
  [1],
  [
    { type: 'dense', inputs: [0], inFeatures: 1, outFeatures: 2, weight: new Float64Array([1, 1]), bias: new Float64Array([0, -1]) },
    { type: 'relu', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: new Float64Array([1, 1]), bias: new Float64Array([-3]) },
    { type: 'relu', inputs: [3] },
    { type: 'dense', inputs: [4], inFeatures: 1, outFeatures: 1, weight: new Float64Array([2]), bias: new Float64Array([0]) },
  ],
);

describe('polytope lens', () => {
  it('codes per layer and distances', () => {
    const c = splineCodes(net1d, [1.5]);
    expect(c.layers.map((l) => Array.from(l))).toEqual([[1, 1], [0]]);
    expect(Array.from(c.whole)).toEqual([1, 1, 0]);
    expect(codeHamming(Uint8Array.of(1, 0, 1), Uint8Array.of(0, 0, 1))).toBe(1);
    expect(codeJaccard(Uint8Array.of(1, 1, 0), Uint8Array.of(1, 0, 1))).toBeCloseTo(2 / 3, 15);
    expect(codeJaccard(Uint8Array.of(0, 0), Uint8Array.of(0, 0))).toBe(0);
  });

  it('boundary density along a segment, per layer (hand-worked)', () => {
    const b = boundaryDensity(net1d, [-1], [4]);
    expect(Array.from(b.breakpoints)).toEqual([0.2, 0.4, 0.6]);
    expect(Array.from(b.perLayer)).toEqual([2, 1]);
    expect(b.density).toBeCloseTo(3 / 5, 15);
  });

  it('norms: layers and regions', () => {
    const lin = buildNetwork(
      [2],
      [{ type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: new Float64Array([3, 0, 0, 4]), bias: new Float64Array(2) }],
    );
    const [n] = layerNorms(lin);
    expect(n!.spectral).toBeCloseTo(4, 12);
    expect(n!.frobenius).toBeCloseTo(5, 12);
    const r = regionNorms(net1d, [[-1], [1.5], [3]]);
    // J = 0 for x < 0 and for 1 < x < 2 (layer 2 off); J = 2·(1 + 1) = 4 for x > 2.
    expect(Array.from(r.spectral)).toEqual([0, 0, 4]);
    expect(summaryStats([3, 1, 2]).median).toBe(2);
  });

  it('clustering by code and by activation, with purity', () => {
    const rand = mulberry32(3);
    const xs: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = i % 3;
      xs.push([6 * Math.cos((2 * Math.PI * c) / 3) + 0.3 * gaussian(rand), 6 * Math.sin((2 * Math.PI * c) / 3) + 0.3 * gaussian(rand)]);
      labels.push(c);
    }
    const net = randomMlp([2, 16, 16, 3], { seed: 4 });
    const byAct = clusterInputs(net, xs, { k: 3, features: 'activations', labels, seed: 1 });
    expect(byAct.purity).toBeGreaterThan(0.9);
    const byCode = clusterInputs(net, xs, { k: 3, features: 'code', labels, seed: 1 });
    expect(byCode.purity).toBeGreaterThan(0.6);
    expect(clusterPurity([0, 0, 1, 1], [5, 5, 5, 6])).toBe(0.75);
    const study = densityStudy(net, xs, labels, { pairs: 4, seed: 2 });
    expect(study.within.pairs).toBe(4);
    expect(study.between.pairs).toBe(4);
  });
});
