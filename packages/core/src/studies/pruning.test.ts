import { describe, expect, it } from 'vitest';
import { binomial, combinations, deepPrune, keepUnits, parityData, removeNode, widePrune } from './pruning.js';
import type { PlainNet } from './pruning.js';

/** Plain forward pass of a leaky-0.1 MLP (reference for the surgery tests). */
function forward(net: PlainNet, x: number[]): number {
  let a = x;
  const L = net.hidden.length + 1;
  for (let l = 0; l < L; l++) {
    const W = net.params[2 * l]!;
    const b = net.params[2 * l + 1]!;
    const out = Array.from(b, (bv, o) => bv + a.reduce((s, av, i) => s + av * W[o * a.length + i]!, 0));
    a = l < L - 1 ? out.map((v) => (v > 0 ? v : 0.1 * v)) : out;
  }
  return a[0]!;
}

describe('pruning helpers', () => {
  it('binomials and subsets (C(9,5) = 126, not the seed’s 128)', () => {
    expect(binomial(9, 5)).toBe(126);
    expect(binomial(14, 5)).toBe(2002);
    expect(combinations(5, 2)).toHaveLength(10);
    expect(combinations(4, 2)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    const p = parityData(3);
    expect(Array.from(p.y)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
  });

  it('keepUnits drops exactly the removed units’ contributions', () => {
    // 2 inputs, 3 units, output weights 1, 2, 3, output bias 0.5.
    const net: PlainNet = {
      hidden: [3],
      params: [Float64Array.of(1, 0, 0, 1, 1, 1), Float64Array.of(0, 0, -1), Float64Array.of(1, 2, 3), Float64Array.of(0.5)],
    };
    const sub = keepUnits(net, 2, [0, 2]);
    // x = (2, 1): units 2, 1, 2 → full 0.5 + 2 + 2 + 6 = 10.5; without unit 1: 0.5 + 2 + 6 = 8.5.
    expect(forward(net, [2, 1])).toBe(10.5);
    expect(forward(sub, [2, 1])).toBe(8.5);
  });

  it('removeNode: a node of a wide layer, and a width-1 layer composed away where its unit is active', () => {
    const net: PlainNet = {
      hidden: [2, 1],
      params: [
        Float64Array.of(1, 0, 0, 1),
        Float64Array.of(0, 0),
        Float64Array.of(1, 1),
        Float64Array.of(10),
        Float64Array.of(2),
        Float64Array.of(-1),
      ],
    };
    // x = (1, −2): layer 1 → (1, −0.2); unit of layer 2: 10 + 1 − 0.2 = 10.8 > 0; out = 2·10.8 − 1 = 20.6.
    expect(forward(net, [1, -2])).toBeCloseTo(20.6, 12);
    const merged = removeNode(net, 2, 1, 0);
    expect(merged.hidden).toEqual([2]);
    expect(forward(merged, [1, -2])).toBeCloseTo(20.6, 12);
    const narrower = removeNode(net, 2, 0, 1);
    expect(narrower.hidden).toEqual([1, 1]);
    expect(forward(narrower, [1, -2])).toBeCloseTo(2 * (10 + 1) - 1, 12);
  });
});

describe('pruning studies (small)', () => {
  it('wide: 1-parity prunes to one unit; XOR never to one monotone unit', () => {
    expect(widePrune(1, 3, { epochs: 500 })).toMatchObject({ found: true, prunedWidth: 1, subnetworks: 3 });
    const xor = widePrune(2, 4, { epochs: 1500 });
    expect(xor.found).toBe(true);
    expect(xor.prunedWidth).toBeGreaterThanOrEqual(2);
    expect(xor.subnetworks).toBe(binomial(4, xor.prunedWidth!));
  });

  it('deep: greedy pruning of XOR ends at a network that still needs two units somewhere', () => {
    const r = deepPrune(2, { width: 4, depth: 2, tries: 1, prunings: 1, epochs: 800 });
    expect(r.originals).toBe(1);
    expect(r.runs).toHaveLength(1);
    // A chain of width-1 layers is monotone in one direction and cannot represent XOR.
    expect(Math.max(...r.runs[0]!)).toBeGreaterThanOrEqual(2);
  });
});
