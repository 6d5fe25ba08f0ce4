// Coincident hyperplanes (issue 18 #1 family): two first-layer units with the same line flip
// together, so the neighbour across their edge differs in both units, and linear-region merging
// (which looked for a neighbour differing in one unit) counted regions with the same affine map
// twice. Hand-derived cases on [-1, 1]², s = x + y:
//   W1 = [[1,1],[1,1]],   b1 = 0,        W2 = [1, −1]: f = relu(s) − relu(s) = 0        → 2 regions, 1 linear region
//   W1 = [[1,1],[1,1]],   b1 = 0,        W2 = [1, −2]: f = −relu(s)                    → 2 regions, 2 linear regions
//   W1 = [[1,1],[−1,−1]], b1 = 0,        W2 = [1, −1]: f = relu(s) − relu(−s) = s      → 2 regions, 1 linear region
//   W1 = [[1,1],[−1,−1]], b1 = 0,        W2 = [1, 1]:  f = |s|                         → 2 regions, 2 linear regions
//   W1 = [[1,1],[2,2]],   b1 = [0.5, 1], W2 = [2, −1]: f = 2 relu(s + ½) − relu(2s + 1) = 0 → 2 regions, 1 linear region
import { describe, expect, it } from 'vitest';
import { buildNetwork, inputPlane, slicePlane } from '../src/index.js';
import { coincidentFirstLayerUnits } from '../src/internal.js';

const net = (w1: number[], b1: number[], w2: number[]) =>
  buildNetwork(
    [2],
    [
      { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.from(w1), bias: Float64Array.from(b1) },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: Float64Array.from(w2), bias: Float64Array.of(0) },
    ],
  );

describe('linear-regions-coincident: regions split by coincident hyperplanes with one map are one linear region', () => {
  const cases: [string, number[], number[], number[], number][] = [
    ['relu(s) − relu(s) = 0', [1, 1, 1, 1], [0, 0], [1, -1], 1],
    ['−relu(s)', [1, 1, 1, 1], [0, 0], [1, -2], 2],
    ['relu(s) − relu(−s) = s (opposite orientation)', [1, 1, -1, -1], [0, 0], [1, -1], 1],
    ['|s| (opposite orientation)', [1, 1, -1, -1], [0, 0], [1, 1], 2],
    ['2 relu(s + ½) − relu(2s + 1) = 0 (rows equal up to a factor)', [1, 1, 2, 2], [0.5, 1], [2, -1], 1],
  ];
  for (const [name, w1, b1, w2, linear] of cases) {
    it(name, () => {
      const n = net(w1, b1, w2);
      const res = slicePlane(n, inputPlane(n), [-1, 1, -1, 1]);
      expect(res.summary.regions).toBe(2);
      expect(res.summary.linearRegions).toBe(linear);
    });
  }
  it('finds the groups and their orientation', () => {
    const same = net([1, 1, 1, 1], [0, 0], [1, -1]);
    expect(coincidentFirstLayerUnits(same, inputPlane(same)).get(0)).toEqual([{ unit: 1, same: true }]);
    const opposite = net([1, 1, -1, -1], [0, 0], [1, -1]);
    expect(coincidentFirstLayerUnits(opposite, inputPlane(opposite)).get(1)).toEqual([{ unit: 0, same: false }]);
    const general = net([1, 0, 0, 1], [0, 0], [1, -1]);
    expect(coincidentFirstLayerUnits(general, inputPlane(general)).size).toBe(0);
  });
});
