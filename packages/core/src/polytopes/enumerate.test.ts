import { describe, expect, it } from 'vitest';
import { forwardWithCode } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { gaussian, mulberry32, randomMlp } from '../reference/random.js';
import { inputPlane, slicePlane } from '../regions/slice.js';
import { binomial, enumeratePolytopes, eulerSum, simplexBounds, validatePolytopes } from './enumerate.js';

const cube = (d: number, r = 1) => Array.from({ length: 2 * d }, (_, i) => (i % 2 ? r : -r));
const codeAt = (net: Network) => (x: Float64Array) => forwardWithCode(net, x).code;

describe('enumeratePolytopes', () => {
  it('the bare box is one region: the cube has f = (8, 12, 6), 6 pulling tetrahedra, volume 8', () => {
    // A 3→1→1 net whose unit is on everywhere in the box (bias 10).
    const net = buildNetwork([3], [
      { type: 'dense', inputs: [0], inFeatures: 3, outFeatures: 1, weight: Float64Array.of(1, 0, 0), bias: Float64Array.of(10) },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(0) },
    ]);
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(res.regions).toHaveLength(1);
    const r = res.regions[0]!;
    expect(r.fVector).toEqual([8, 12, 6]);
    expect(r.facets.length).toBe(6);
    // Pulling from (−1,−1,−1): the 3 squares not containing it, 2 triangles each.
    expect(r.simplices).toBe(6);
    expect(r.volume).toBeCloseTo(8, 12);
    expect(Array.from(r.code)).toEqual([1]);
  });

  for (const [d, widths, seed, init] of [
    [2, [2, 6, 6, 1], 1, 'torch'],
    [3, [3, 8, 8, 1], 2, 'torch'],
    [3, [3, 6, 6, 6, 1], 3, 'he'],
    [4, [4, 6, 6, 1], 4, 'xavier'],
    [5, [5, 7, 1], 5, 'torch'],
    [6, [6, 6, 1], 6, 'torch'],
  ] as const) {
    it(`d = ${d}, ${widths.join('→')} (${init}): validates and agrees with sampling`, () => {
      const net = randomMlp(widths, { seed, init });
      const res = enumeratePolytopes(net, { box: cube(d) });
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
      expect(res.totalVolume).toBeCloseTo(2 ** d, 9);
      const keys = new Set(res.regions.map((r) => r.code.join('')));
      const rnd = mulberry32(seed + 100);
      const x = new Float64Array(d);
      for (let s = 0; s < 400; s++) {
        for (let i = 0; i < d; i++) x[i] = 2 * rnd() - 1;
        expect(keys.has(forwardWithCode(net, x).code.join(''))).toBe(true);
      }
      for (const r of res.regions) {
        expect(r.simplices).toBeGreaterThanOrEqual(r.simplexBounds.lower);
        expect(r.simplices).toBeLessThanOrEqual(r.simplexBounds.upper);
        expect(eulerSum(r.fVector)).toBe(1 - (-1) ** d);
      }
    });
  }

  it('composes a leading channel_affine (folded input normalization) into the first layer', () => {
    const base = randomMlp([3, 6, 6, 1], { seed: 12 });
    const specs = base.nodes.slice(1).map((n) => {
      const { shape: _s, ...spec } = n as typeof n & { shape: unknown };
      void _s;
      return { ...spec, inputs: spec.inputs.map((i) => i + 1) } as NodeSpec;
    });
    const net = buildNetwork([3], [{ type: 'channel_affine', inputs: [0], scale: Float64Array.of(2, 0.5, 1), shift: Float64Array.of(0.1, -0.2, 0) }, ...specs]);
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
  });

  it('leaky ReLU networks validate too', () => {
    const net = randomMlp([3, 7, 7, 1], { seed: 9, activation: 'leaky_relu', alpha: 0.2 });
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
  });

  // Zaslavsky (1975) / Buck (1943): n hyperplanes in general position in R^d cut R^d into
  // Σ_{i≤d} C(n, i) regions. The box is chosen to contain every intersection point.
  for (const [d, n] of [[2, 7], [3, 6], [4, 6]] as const) {
    it(`one hidden layer of ${n} units in R^${d} has Σ C(${n}, i) regions`, () => {
      const rnd = mulberry32(40 + d);
      const weight = new Float64Array(n * d);
      const bias = new Float64Array(n);
      for (let u = 0; u < n; u++) {
        for (let i = 0; i < d; i++) weight[u * d + i] = gaussian(rnd);
        bias[u] = 0.5 * gaussian(rnd);
      }
      const net = buildNetwork([d], [
        { type: 'dense', inputs: [0], inFeatures: d, outFeatures: n, weight, bias },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: n, outFeatures: 1, weight: new Float64Array(n).fill(1), bias: Float64Array.of(0) },
      ]);
      // Largest coordinate of any d-fold intersection (solve each d×d system by elimination).
      let far = 0;
      const pick = (start: number, k: number, acc: number[]): void => {
        if (acc.length === d) {
          const A = acc.map((u) => Array.from(weight.subarray(u * d, u * d + d)).concat([-bias[u]!]));
          for (let c = 0; c < d; c++) {
            let p = c;
            for (let r = c + 1; r < d; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
            [A[c], A[p]] = [A[p]!, A[c]!];
            for (let r = 0; r < d; r++) {
              if (r === c) continue;
              const f = A[r]![c]! / A[c]![c]!;
              for (let q = c; q <= d; q++) A[r]![q] = A[r]![q]! - f * A[c]![q]!;
            }
          }
          for (let c = 0; c < d; c++) far = Math.max(far, Math.abs(A[c]![d]! / A[c]![c]!));
          return;
        }
        for (let u = start; u < n; u++) pick(u + 1, k, [...acc, u]);
      };
      pick(0, d, []);
      const res = enumeratePolytopes(net, { box: cube(d, 2 * far + 1) });
      let want = 0;
      for (let i = 0; i <= d; i++) want += binomial(n, i);
      expect(res.regions.length).toBe(want);
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
    });
  }

  it('d = 2 agrees with the 2-D slicer (region count and area)', () => {
    for (const seed of [1, 2, 3]) {
      const net = randomMlp([2, 8, 8, 8, 1], { seed });
      const box = [-1.5, 1, -1, 2];
      const res = enumeratePolytopes(net, { box });
      const sl = slicePlane(net, inputPlane(net), box);
      expect(res.regions.length).toBe(sl.summary.regions);
      expect(res.totalVolume).toBeCloseTo(sl.summary.totalArea, 10);
      const a = res.regions.map((r) => r.code.join('')).sort();
      const b = sl.regions.map((r) => Array.from(r.code).join('')).sort();
      expect(a).toEqual(b);
    }
  });

  it('simplex bounds: V − d below; (V−2)(V−3)/2 above in 3-D', () => {
    expect(simplexBounds(8, 3)).toEqual({ lower: 5, upper: 15 });
    expect(simplexBounds(5, 2)).toEqual({ lower: 3, upper: 3 });
  });

  it('rejects bad boxes and non-MLPs', () => {
    const net = randomMlp([3, 4, 1], { seed: 1 });
    expect(() => enumeratePolytopes(net, { box: [-1, 1, -1, 1] })).toThrow(/lo,hi pair/);
    expect(() => enumeratePolytopes(net, { box: [1, -1, -1, 1, -1, 1] })).toThrow(/lo < hi/);
  });
});
