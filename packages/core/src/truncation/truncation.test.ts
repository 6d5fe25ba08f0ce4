import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { angleBetween, coneTruncation, interpolatingNetwork, sequentialSeparability, simplexClassifier } from './constructions.js';
import type { LabelledData } from './constructions.js';
import { buildNetwork } from '../network/network.js';
import { matVec, maxAbsDiff, networkOfLayers } from './mlp.js';
import { asMlp } from '../network/mlp-view.js';
import { checkTruncation, lift, liftWeight, makeTruncation, truncate, truncationForm, truncationForward } from './truncation.js';

describe('truncation map', () => {
  // Issue 5 oracle, by hand: W = I₂, b = (−1, −1) ⇒ τ(x) = σ(x − 1) + 1.
  const t = makeTruncation(new Float64Array([1, 0, 0, 1]), new Float64Array([-1, -1]), 2, 2);
  it('matches the hand-worked oracle', () => {
    expect(Array.from(truncate(t, [0.2, 0.3]))).toEqual([1, 1]);
    expect(Array.from(truncate(t, [2, 3]))).toEqual([2, 3]);
    expect(Array.from(truncate(t, [2, 0]))).toEqual([2, 1]);
  });

  it('satisfies x^(ℓ) = W^(ℓ) x^(τ,ℓ) + b^(ℓ) on random full-row-rank stacks', () => {
    for (const [widths, activation] of [
      [[6, 5, 4, 3, 2], 'relu'],
      [[5, 5, 4, 4, 1], 'relu'],
      [[4, 3, 2, 2], 'leaky_relu'],
    ] as const) {
      const net = randomMlp(widths, { seed: 7, activation });
      const rand = mulberry32(3);
      for (let k = 0; k < 20; k++) {
        const x = Array.from({ length: widths[0] }, () => 2 * gaussian(rand));
        const c = checkTruncation(net, x);
        expect(c.hypothesisHolds).toBe(true);
        expect(c.maxError).toBeLessThan(1e-10);
        const form = truncationForm(net);
        expect(maxAbsDiff(truncationForward(form, x).output, forward(net, x))).toBeLessThan(1e-10);
      }
    }
  });

  it('states when the hypothesis fails and shows the error', () => {
    const net = randomMlp([2, 5, 3, 1], { seed: 2 });
    const rand = mulberry32(5);
    let worst = 0;
    const noLift = truncationForm(net, { lift: false });
    expect(noLift.hypothesisHolds).toBe(false);
    for (let k = 0; k < 30; k++) {
      const x = [3 * gaussian(rand), 3 * gaussian(rand)];
      const c = checkTruncation(net, x, { form: noLift });
      expect(c.statement).toMatch(/hypothesis fails: W\^\(1\) is 5×2 of rank 2/);
      worst = Math.max(worst, c.maxError);
    }
    expect(worst).toBeGreaterThan(1e-3);
    // With the lift ι (seed eq. 4.1) the widening first layer is fine.
    const lifted = truncationForm(net);
    expect(lifted.lifted).toBe(true);
    expect(lifted.hypothesisHolds).toBe(true);
    for (let k = 0; k < 30; k++) {
      const x = [3 * gaussian(rand), 3 * gaussian(rand)];
      expect(checkTruncation(net, x, { form: lifted }).maxError).toBeLessThan(1e-10);
    }
  });

  it('lifts an injective W: σ(Wx + b) = W̃ τ_{W̃,b}(ιx) + b', () => {
    const w = new Float64Array([1, 2, -1, 0.5, 0, 1]); // 3×2
    const b = new Float64Array([0.1, -0.3, 0.2]);
    const wt = liftWeight(w, 3, 2);
    const tw = makeTruncation(wt, b, 3, 3);
    const rand = mulberry32(9);
    for (let k = 0; k < 20; k++) {
      const x = [gaussian(rand), gaussian(rand)];
      const lhs = matVec(w, x, 3, 2, b).map((v) => Math.max(0, v));
      const rhs = matVec(wt, truncate(tw, lift(x, 3)), 3, 3, b);
      expect(maxAbsDiff(lhs, rhs)).toBeLessThan(1e-12);
    }
    expect(() => liftWeight(new Float64Array([1, 2, 2, 4, 3, 6]), 3, 2)).toThrow(/not injective/);
  });
});

describe('asMlp', () => {
  it('folds a leading channel_affine (input normalization) into the first dense layer', () => {
    const rand = mulberry32(8);
    const w1 = Float64Array.from({ length: 3 * 4 }, () => gaussian(rand));
    const w2 = Float64Array.from({ length: 2 * 3 }, () => gaussian(rand));
    const net = buildNetwork(
      [1, 2, 2],
      [
        { type: 'channel_affine', inputs: [0], scale: new Float64Array([3.2]), shift: new Float64Array([-0.4]) },
        { type: 'reshape', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 4, outFeatures: 3, weight: w1, bias: new Float64Array([0.1, 0.2, -0.3]) },
        { type: 'relu', inputs: [3] },
        { type: 'dense', inputs: [4], inFeatures: 3, outFeatures: 2, weight: w2, bias: new Float64Array([0, 1]) },
      ],
    );
    const flat = networkOfLayers(asMlp(net));
    for (let k = 0; k < 10; k++) {
      const x = Array.from({ length: 4 }, () => rand());
      expect(maxAbsDiff(forward(flat, x), forward(net, x))).toBeLessThan(1e-12);
    }
    expect(checkTruncation(net, [0.1, 0.5, 0.9, 0.3]).maxError).toBeLessThan(1e-10);
  });
});

describe('constructions', () => {
  it('cone lemma: identity on p + C_θ[h], collapse on p + C_θ[−h]', () => {
    const rand = mulberry32(11);
    for (const n of [1, 2, 3, 5]) {
      const p = Array.from({ length: n }, () => gaussian(rand));
      const h = Array.from({ length: n }, () => gaussian(rand));
      const theta = 0.6;
      const t = coneTruncation(p, h, theta);
      let tested = 0;
      for (let k = 0; k < 400 && tested < 40; k++) {
        const v = Array.from({ length: n }, () => gaussian(rand));
        const a = angleBetween(v, h);
        if (a <= theta) {
          const x = v.map((vi, i) => p[i]! + vi);
          expect(maxAbsDiff(truncate(t, x), x)).toBeLessThan(1e-12);
          const y = v.map((vi, i) => p[i]! - vi);
          expect(maxAbsDiff(truncate(t, y), p)).toBeLessThan(1e-12);
          tested++;
        }
      }
      expect(tested).toBeGreaterThan(0);
    }
  });

  function blobs(centers: number[][], perClass: number, spread: number, seed: number): LabelledData {
    const rand = mulberry32(seed);
    const d = centers[0]!.length;
    const points = new Float64Array(centers.length * perClass * d);
    const labels = new Int32Array(centers.length * perClass);
    let r = 0;
    centers.forEach((c, j) => {
      for (let i = 0; i < perClass; i++, r++) {
        for (let k = 0; k < d; k++) points[r * d + k] = c[k]! + spread * gaussian(rand);
        labels[r] = j;
      }
    });
    return { points, labels, dim: d };
  }

  it('SLS data gets a Q+1-layer network with zero training loss', async () => {
    const three = blobs(
      [
        [0, 0],
        [4, 0],
        [0, 4],
      ],
      15,
      0.4,
      1,
    );
    const r = await sequentialSeparability(three);
    expect(r.separable).toBe(true);
    const net3 = await interpolatingNetwork(three);
    expect(net3.layers.length).toBe(4);
    expect(net3.accuracy).toBe(1);
    expect(net3.loss).toBeLessThan(1e-20);
    // Four classes in 2-D: the collapsed points are affinely dependent, so width grows to d₀ + Q.
    const four = blobs(
      [
        [0, 0],
        [5, 0],
        [0, 5],
        [5, 5],
      ],
      10,
      0.3,
      2,
    );
    const net5 = await interpolatingNetwork(four);
    expect(net5.width).toBe(6);
    expect(net5.accuracy).toBe(1);
    expect(net5.maxError).toBeLessThan(1e-9);
  });

  it('refuses data that is not sequentially separable (XOR)', async () => {
    const xor: LabelledData = { points: new Float64Array([0, 0, 1, 1, 0, 1, 1, 0]), labels: new Int32Array([0, 0, 1, 1]), dim: 2 };
    expect((await sequentialSeparability(xor)).separable).toBe(false);
  });

  it('simplex-separation classifier classifies with zero loss', () => {
    const rand = mulberry32(4);
    const pts: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const x = 3 * rand() - 1;
      const y = 3 * rand() - 1;
      const inside = x >= 0 && y >= 0 && x + y <= 1;
      const outside = x < -0.05 || y < -0.05 || x + y > 1.05;
      if (!inside && !outside) continue;
      pts.push(x, y);
      labels.push(inside ? 0 : 1);
    }
    const data = { points: new Float64Array(pts), labels: new Int32Array(labels), dim: 2 };
    const c = simplexClassifier(data, [
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(c.accuracy).toBe(1);
    expect(c.maxError).toBeLessThan(1e-12);
    expect(c.layers.map((l) => l.outFeatures)).toEqual([3, 3, 2]);
  });
});
