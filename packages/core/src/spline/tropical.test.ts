import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { asMlp } from '../network/mlp-view.js';
import { applySplineOperator, evalMaxAffine, evalTropical, formatMaxAffine, splineOperator, tropicalForm } from './tropical.js';

// Dissertation §5.5 XOR net: f(x) = [1, −2]·ReLU([[1,1],[1,1]]x + [1, 0]) − 1.
const xorNet = buildNetwork(
  [2],
  [
    { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: new Float64Array([1, 1, 1, 1]), bias: new Float64Array([1, 0]) },
    { type: 'relu', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: new Float64Array([1, -2]), bias: new Float64Array([-1]) },
  ],
);

describe('tropical form', () => {
  it('XOR net: F = max(x1 + x2, −1), G = max(2x1 + 2x2, 0) (worked by hand)', async () => {
    // By hand: h1 = max(x1 + x2 + 1, 0), h2 = max(x1 + x2, 0); f = h1 − 2h2 − 1 ⇒
    // F = h1 − 1 = max(x1 + x2, −1), G = 2h2 = max(2x1 + 2x2, 0).
    const form = await tropicalForm(xorNet);
    const { F, G } = form.outputs[0]!;
    expect(F.count).toBe(2);
    expect(G.count).toBe(2);
    expect(formatMaxAffine(F)).toBe('max(x1 + x2, -1)');
    expect(formatMaxAffine(G)).toBe('max(2*x1 + 2*x2, 0)');
    for (const [x, y] of [
      [[0, 0], 0],
      [[1, 0], -1],
      [[0, 1], -1],
      [[1, 1], -2],
      [[-1, -1], -1],
    ] as const) {
      expect(evalTropical(form, x)[0]).toBeCloseTo(y, 14);
      expect(forward(xorNet, x)[0]).toBeCloseTo(y, 14);
    }
  });

  it('equals random ReLU and leaky-ReLU MLPs on random points', async () => {
    for (const [widths, activation] of [
      [[2, 4, 3, 1], 'relu'],
      [[3, 3, 2], 'relu'],
      [[2, 3, 3, 2], 'leaky_relu'],
    ] as const) {
      const net = randomMlp(widths, { seed: 13, activation, alpha: 0.2 });
      const form = await tropicalForm(net);
      expect(form.pruned).toBe(true);
      const rand = mulberry32(1);
      for (let k = 0; k < 50; k++) {
        const x = Array.from({ length: widths[0] }, () => 3 * gaussian(rand));
        const y = forward(net, x);
        const t = evalTropical(form, x);
        for (let r = 0; r < y.length; r++) expect(Math.abs(t[r]! - y[r]!)).toBeLessThan(1e-9);
      }
      for (const o of form.outputs) expect(o.F.count).toBeGreaterThan(0);
    }
  });

  it('refuses a form that is too large, with the estimated count', async () => {
    const net = randomMlp([4, 16, 16, 16, 1], { seed: 3 });
    await expect(tropicalForm(net, { maxTerms: 500 })).rejects.toThrow(/about \d+ terms \(limit 500\)/);
  });

  it('each layer is a max-affine spline operator', () => {
    const net = randomMlp([3, 5, 2], { seed: 5, activation: 'leaky_relu', alpha: 0.1 });
    const [l1] = asMlp(net);
    const S = splineOperator(l1!);
    const rand = mulberry32(2);
    for (let k = 0; k < 20; k++) {
      const x = [gaussian(rand), gaussian(rand), gaussian(rand)];
      const { value } = applySplineOperator(S, x);
      for (let i = 0; i < 5; i++) {
        let z = l1!.bias[i]!;
        for (let j = 0; j < 3; j++) z += l1!.weight[i * 3 + j]! * x[j]!;
        expect(value[i]).toBeCloseTo(z > 0 ? z : 0.1 * z, 14);
      }
    }
    expect(evalMaxAffine({ dim: 1, count: 2, terms: new Float64Array([1, 0, -1, 0]) }, [-3])).toBe(3);
  });
});
