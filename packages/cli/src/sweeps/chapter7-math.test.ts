/**
 * The chapter-7 study's arithmetic against independent references: the dual-form similarity
 * (per-output parts combined) against core's primal `networkSimilarity` (normal equations, pairwise
 * CKA, direct MSE and cross-entropy) on small random coefficient sets, with fewer and with more fit
 * rows than coefficients; the Gram-form active subspace against core's `activeSubspace` (d × d
 * covariance and eigensolver).
 */
import { describe, expect, it } from 'vitest';
import { activeSubspace, networkSimilarity } from '@polytope-lens/core';
import type { CoefficientData } from '@polytope-lens/core';
import { gradientActiveSubspace as gramActiveSubspace } from '@polytope-lens/core';
import { combineSimilarity, outputSimilarity } from './chapter7-math.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function randomSet(r: () => number, n: number, o: number, d: number): CoefficientData {
  return {
    samples: n,
    outputs: o,
    inputs: d,
    jacobians: Float64Array.from({ length: n * o * d }, r),
    offsets: Float64Array.from({ length: n * o }, r),
  };
}

function cj(set: CoefficientData, j: number): Float64Array {
  const { samples: n, outputs: o, inputs: d } = set;
  const out = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) out[i * (d + 1) + k] = set.jacobians[(i * o + j) * d + k]!;
    out[i * (d + 1) + d] = set.offsets[i * o + j]!;
  }
  return out;
}

describe('chapter-7 similarity in the dual form', () => {
  for (const [n, d] of [
    [5, 7],
    [12, 4],
  ] as const) {
    it(`equals core's primal networkSimilarity (n = ${n} fit rows, d + 1 = ${d + 1})`, () => {
      const r = lcg(n * 31 + d);
      const o = 3;
      const p = 9;
      const nets = [0, 1, 2].map(() => ({ fit: randomSet(r, n, o, d), test: randomSet(r, p, o, d) }));
      const xs = Float64Array.from({ length: p * d }, r);
      const labels = Array.from({ length: p }, (_, i) => i % o);
      const ridge = 1e-3;
      const ref = networkSimilarity(nets, xs, labels, { ridge });
      const parts = Array.from({ length: o }, (_, j) =>
        outputSimilarity(
          nets.map((m) => cj(m.fit, j)),
          nets.map((m) => cj(m.test, j)),
          xs,
          { n, p, d },
          ridge,
        ),
      );
      const ours = combineSimilarity(parts, labels, { p, m: d + 1 });
      expect(ours.affineAccuracy).toEqual(ref.affineAccuracy);
      for (const key of ['scaledMse', 'cka', 'softmaxCe'] as const)
        ref[key].forEach((row, a) => row.forEach((v, b) => expect(ours[key][a]![b]!).toBeCloseTo(v, 10)));
      // The mapped values themselves (not only the argmax) against M = (XᵀX + λI)⁻¹XᵀY applied directly.
      expect(parts[0]!.mapped[1]![1]!.length).toBe(p);
    });
  }
});

describe('chapter-7 sensitivity from the Gram matrix', () => {
  it('has the nonzero eigenvalues and leading directions of the d × d covariance', () => {
    const r = lcg(7);
    const n = 4;
    const o = 2;
    const d = 15;
    const set = randomSet(r, n, o, d);
    const ref = activeSubspace(set, { outputs: [0, 1], keep: 3 });
    const ours = gramActiveSubspace(set.jacobians, n * o, d, n, 3);
    expect(ours.eigenvalues.length).toBe(n * o);
    for (let k = 0; k < n * o; k++) expect(ours.eigenvalues[k]!).toBeCloseTo(ref.eigenvalues[k]!, 10);
    for (let k = n * o; k < d; k++) expect(ref.eigenvalues[k]!).toBeLessThan(1e-10);
    expect(ours.meanSquaredGradientNorm).toBeCloseTo(ref.meanSquaredGradientNorm, 10);
    for (let i = 0; i < 3 * d; i++) expect(ours.directions[i]!).toBeCloseTo(ref.directions[i]!, 8);
  });

  it('uses the d × d covariance when n·o ≥ d, with the same result as core', () => {
    const r = lcg(9);
    const set = randomSet(r, 6, 2, 5);
    const ref = activeSubspace(set, { outputs: [0, 1], keep: 2 });
    const ours = gramActiveSubspace(set.jacobians, 12, 5, 6, 2);
    for (let k = 0; k < 5; k++) expect(ours.eigenvalues[k]!).toBeCloseTo(ref.eigenvalues[k]!, 10);
    for (let i = 0; i < 10; i++) expect(ours.directions[i]!).toBeCloseTo(ref.directions[i]!, 8);
  });
});
