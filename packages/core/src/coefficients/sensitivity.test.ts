import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { affineMapsBatch } from './batch.js';
import { symmetricEigen } from './eigen.js';
import { activeSubspace, gradientCovariance } from './sensitivity.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = gaussian(rnd);
  return a;
}

describe('symmetricEigen (EISPACK tred2/tql2 on typed arrays)', () => {
  it('agrees with ml-matrix on random symmetric matrices and reconstructs them', () => {
    for (const n of [1, 2, 5, 17, 40]) {
      const a = randomSymmetric(n, n);
      const { values, vectors } = symmetricEigen(a, n);
      const ref = new EigenvalueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))), {
        assumeSymmetric: true,
      }).realEigenvalues.sort((x, y) => y - x);
      for (let k = 0; k < n; k++) expect(values[k]).toBeCloseTo(ref[k]!, 10);
      // V Λ Vᵀ = A and V Vᵀ = I
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          let dot = 0;
          for (let k = 0; k < n; k++) {
            s += vectors[k * n + i]! * values[k]! * vectors[k * n + j]!;
            dot += vectors[i * n + k]! * vectors[j * n + k]!;
          }
          expect(s).toBeCloseTo(a[i * n + j]!, 10);
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
        }
    }
  });

  it('handles the hand-derived 2 × 2 case, repeated eigenvalues and bad input', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    expect(Array.from(values)).toEqual([3, 1].map((v) => expect.closeTo(v, 14) as unknown as number));
    expect(vectors[0]).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[1]).toBeCloseTo(Math.SQRT1_2, 14);
    const id = symmetricEigen(Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), 3);
    expect(Array.from(id.values)).toEqual([1, 1, 1]);
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(/2 × 2/);
    expect(() => symmetricEigen([1, NaN, NaN, 1], 2)).toThrow(/non-finite/);
  });
});

/** max ‖A v − λ v‖ over the returned pairs, and max |vᵢ·vⱼ − δᵢⱼ| (computed here, not by the solver). */
function checkPairs(
  a: Float64Array,
  n: number,
  values: Float64Array,
  vectors: Float64Array,
  k: number,
): { residual: number; orthogonality: number } {
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < k; j++) {
    let r2 = 0;
    for (let r = 0; r < n; r++) {
      let s = -values[j]! * vectors[j * n + r]!;
      for (let c = 0; c < n; c++) s += a[r * n + c]! * vectors[j * n + c]!;
      r2 += s * s;
    }
    residual = Math.max(residual, Math.sqrt(r2));
    for (let i = 0; i <= j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += vectors[i * n + r]! * vectors[j * n + r]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (i === j ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('symmetricEigen with { vectors: k } (QL eigenvalues, inverse iteration for the leading vectors)', () => {
  it('gives the full solver’s eigenvalues and its leading vectors on random matrices', () => {
    for (const [n, k] of [
      [2, 1],
      [5, 2],
      [17, 3],
      [40, 10],
      [120, 7],
      [120, 119],
    ] as const) {
      const a = randomSymmetric(n, 100 + n);
      const full = symmetricEigen(a, n);
      const part = symmetricEigen(a, n, { vectors: k });
      expect(part.method).toBe('inverse-iteration');
      expect(part.count).toBe(k);
      expect(part.vectors.length).toBe(k * n);
      // Every eigenvalue, bit for bit: the same reduction and the same QL, only without the vectors.
      expect(Array.from(part.values)).toEqual(Array.from(full.values));
      for (let i = 0; i < k * n; i++) expect(Math.abs(part.vectors[i]! - full.vectors[i]!)).toBeLessThan(1e-10);
      const { residual, orthogonality } = checkPairs(a, n, part.values, part.vectors, k);
      expect(residual).toBeLessThan(1e-12 * n);
      expect(orthogonality).toBeLessThan(1e-12);
    }
  });

  it('the WebAssembly SIMD reduction agrees with the plain JavaScript loops (odd and even sizes, both paths)', () => {
    for (const n of [16, 17, 33, 120]) {
      const a = randomSymmetric(n, 200 + n);
      for (const vectors of [n, 3]) {
        const wasm = symmetricEigen(a, n, { vectors });
        const js = symmetricEigen(a, n, { vectors, simd: false });
        const scale = Math.max(...Array.from(js.values, Math.abs));
        for (let i = 0; i < n; i++) expect(Math.abs(wasm.values[i]! - js.values[i]!)).toBeLessThan(1e-13 * n * scale);
        for (let i = 0; i < vectors * n; i++) expect(Math.abs(wasm.vectors[i]! - js.vectors[i]!)).toBeLessThan(1e-10);
        const { residual, orthogonality } = checkPairs(a, n, wasm.values, wasm.vectors, vectors);
        expect(residual).toBeLessThan(1e-12 * n);
        expect(orthogonality).toBeLessThan(1e-12);
      }
    }
  });

  it('handles clusters and exact multiplicities (identity, a rank-3 covariance, split tridiagonals), k = 0 and bad k', () => {
    const cases: [Float64Array, number, number][] = [];
    const id = new Float64Array(36);
    for (let i = 0; i < 6; i++) id[i * 7] = 1;
    cases.push([id, 6, 3]);
    // A rank-3 covariance of 30 inputs: 27 zero eigenvalues, and k = 6 reaches into them.
    const rnd = mulberry32(11);
    const g = Float64Array.from({ length: 90 }, () => gaussian(rnd));
    const cov = new Float64Array(900);
    for (let i = 0; i < 3; i++)
      for (let r = 0; r < 30; r++) for (let c = 0; c < 30; c++) cov[r * 30 + c] = cov[r * 30 + c]! + g[i * 30 + r]! * g[i * 30 + c]!;
    cases.push([cov, 30, 6]);
    // Two blocks with the same spectrum: every eigenvalue twice.
    const blocks = new Float64Array(64);
    for (const o of [0, 4])
      for (let i = 0; i < 4; i++) {
        blocks[(o + i) * 8 + o + i] = i + 1;
        if (i < 3) blocks[(o + i) * 8 + o + i + 1] = blocks[(o + i + 1) * 8 + o + i] = 0.5;
      }
    cases.push([blocks, 8, 4]);
    // Diagonal, distinct: the vectors are the unit vectors of the largest entries.
    const diag = new Float64Array(25);
    [3, -1, 7, 0, 2].forEach((v, i) => (diag[i * 6] = v));
    cases.push([diag, 5, 2]);
    for (const [a, n, k] of cases) {
      const full = symmetricEigen(a, n);
      const part = symmetricEigen(a, n, { vectors: k });
      for (let i = 0; i < n; i++) expect(part.values[i]).toBeCloseTo(full.values[i]!, 12);
      const { residual, orthogonality } = checkPairs(a, n, part.values, part.vectors, k);
      expect(residual).toBeLessThan(1e-12);
      expect(orthogonality).toBeLessThan(1e-12);
    }
    const d = symmetricEigen(diag, 5, { vectors: 2 });
    [0, 0, 1, 0, 0, 1, 0, 0, 0, 0].forEach((v, i) => expect(d.vectors[i]).toBeCloseTo(v, 14));
    expect(symmetricEigen(randomSymmetric(4, 1), 4, { vectors: 0 }).vectors.length).toBe(0);
    expect(() => symmetricEigen(id, 6, { vectors: -1 })).toThrow(/non-negative integer/);
    expect(() => symmetricEigen(id, 6, { vectors: 1.5 })).toThrow(/non-negative integer/);
  });
});

describe('active subspaces (§6.4)', () => {
  it('the covariance equals the mean of g gᵀ computed directly', () => {
    const set = { samples: 3, outputs: 2, inputs: 5, jacobians: new Float64Array(30), offsets: new Float64Array(6) };
    const rnd = mulberry32(3);
    for (let i = 0; i < 30; i++) set.jacobians[i] = gaussian(rnd);
    const c = gradientCovariance(set, [0, 1]);
    const js = gradientCovariance(set, [0, 1], false);
    for (let k = 0; k < 25; k++) expect(js[k]).toBeCloseTo(c[k]!, 12);
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) {
        let s = 0;
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 2; j++) s += set.jacobians[(i * 2 + j) * 5 + a]! * set.jacobians[(i * 2 + j) * 5 + b]!;
        expect(c[a * 5 + b]).toBeCloseTo(s / 3, 12);
      }
    expect(() => gradientCovariance(set, [2])).toThrow(/output 2/);
  });

  it('a dense net with h hidden ReLUs has at most h non-zero eigenvalues, summing to the mean squared gradient norm', () => {
    const d = 30;
    const h = 6;
    const net = randomMlp([d, h, 3], { seed: 11 });
    const n = 200;
    const rnd = mulberry32(5);
    const xs = Float64Array.from({ length: n * d }, () => gaussian(rnd));
    const b = affineMapsBatch(net, xs, n);
    const set = { samples: n, outputs: 3, inputs: d, jacobians: b.jacobians, offsets: b.offsets };
    const all = activeSubspace(set, { outputs: [0, 1, 2], keep: 3 });
    expect(all.rank).toBeLessThanOrEqual(h);
    expect(all.rank).toBeGreaterThan(1);
    const sum = all.eigenvalues.reduce((x, y) => x + y, 0);
    expect(sum).toBeCloseTo(all.meanSquaredGradientNorm, 9);
    // per-output covariances add up to the summed one
    const per = [0, 1, 2].map((j) => activeSubspace(set, { outputs: [j], keep: 0 }));
    const perSum = per.reduce((s, a) => s + a.meanSquaredGradientNorm, 0);
    expect(perSum).toBeCloseTo(all.meanSquaredGradientNorm, 9);
    // the leading direction lies in the first layer's row space: its residual after projection is ~0
    const first = net.nodes.find((node) => node.type === 'dense')!;
    if (first.type !== 'dense') throw new Error('no dense layer');
    const wm = new Matrix(Array.from({ length: h }, (_, r) => Array.from(first.weight.subarray(r * d, (r + 1) * d))));
    const v = Array.from(all.directions.subarray(0, d));
    const coef = solve(wm.transpose(), Matrix.columnVector(v), true);
    const back = wm.transpose().mmul(coef).to1DArray();
    for (let i = 0; i < d; i++) expect(back[i]).toBeCloseTo(v[i]!, 8);
  });

  it('with fewer gradients than inputs the Gram (dual) path gives the spectrum and directions of the covariance', () => {
    // q = 4 samples × 2 outputs = 8 gradients in d = 20: the dual path; the reference is the d × d
    // covariance decomposed directly (gradientCovariance + symmetricEigen).
    const d = 20;
    const set = { samples: 4, outputs: 3, inputs: d, jacobians: new Float64Array(4 * 3 * d), offsets: new Float64Array(12) };
    const rnd = mulberry32(9);
    for (let i = 0; i < set.jacobians.length; i++) set.jacobians[i] = gaussian(rnd);
    const a = activeSubspace(set, { outputs: [0, 2], keep: 3 });
    const ref = symmetricEigen(gradientCovariance(set, [0, 2]), d);
    expect(a.eigenvalues.length).toBe(d);
    for (let k = 0; k < d; k++) expect(a.eigenvalues[k]).toBeCloseTo(Math.max(ref.values[k]!, 0), 10);
    expect(a.rank).toBe(8);
    expect(a.keep).toBe(3);
    for (let r = 0; r < 3; r++) for (let t = 0; t < d; t++) expect(a.directions[r * d + t]).toBeCloseTo(ref.vectors[r * d + t]!, 9);
    const sum = a.eigenvalues.reduce((x, y) => x + y, 0);
    expect(sum).toBeCloseTo(a.meanSquaredGradientNorm, 10);
  });
});
