// Issue 18 #1: the walk must count the regions slice, polytopes and line count when hyperplanes
// coincide (identical or near-identical units) and at extreme weight scales (rows of norm 1e300
// overflowed to ∞, rows of norm 1e-300 underflowed to 0). References: hand-derived counts (a
// 2-input net whose hidden units are lines through the box) and the n-D enumeration.
import { describe, expect, it } from 'vitest';
import { readNetworkJson } from '../io/network-json.js';
import { enumeratePolytopes } from './enumerate.js';
import { walkRegions } from './walk.js';

function net2(weight: number[][], bias: number[]) {
  return readNetworkJson({
    format: 'polytope-lens/network@1',
    input: { shape: [2] },
    layers: [
      { type: 'dense', weight, bias },
      { type: 'relu' },
      { type: 'dense', weight: [weight.map((_, i) => (i % 2 ? -2 : 1))], bias: [0] },
    ],
  });
}

const CASES: { name: string; weight: number[][]; bias: number[]; regions: number }[] = [
  {
    name: 'two identical hyperplanes',
    weight: [
      [1, 1],
      [1, 1],
    ],
    bias: [0, 0],
    regions: 2,
  },
  {
    name: 'near-identical biases (0.5 and 0.5 + 1e-15)',
    weight: [
      [1, 1],
      [1, 1],
    ],
    bias: [0.5, 0.5 + 1e-15],
    regions: 2,
  },
  {
    name: 'weights 1e-300 (row norms underflow)',
    weight: [
      [1e-300, 2e-300],
      [2e-300, -1e-300],
    ],
    bias: [0, 0],
    regions: 4,
  },
  {
    name: 'weights 1e300 (row norms overflow)',
    weight: [
      [1e300, 2e300],
      [2e300, -1e300],
    ],
    bias: [0, 0],
    regions: 4,
  },
  {
    name: 'three copies of one line and a crossing line',
    weight: [
      [1, -1],
      [1, -1],
      [2, -2],
      [1, 1],
    ],
    bias: [0.1, 0.1, 0.2, 0],
    regions: 4,
  },
];

describe('issue 18 #1: walk with duplicate hyperplanes and extreme scales', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.regions} regions, as the enumeration`, async () => {
      const net = net2(c.weight, c.bias);
      const box = [-1, 1, -1, 1];
      const enumerated = await enumeratePolytopes(net, { box });
      expect(enumerated.regions.length).toBe(c.regions);
      for (const fastPaths of [true, false]) {
        const w = await walkRegions(net, [0.3, 0.2], { domain: [-1, 1], fastPaths });
        expect(w.regions.length).toBe(c.regions);
        expect(w.complete).toBe(true);
      }
    });
  }
});
