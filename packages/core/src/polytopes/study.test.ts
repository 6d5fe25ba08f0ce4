import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { lowRankHidden, mapDense, uniformBiases } from './study.js';
import type { DenseNode } from '../network/ir.js';
import type { Network } from '../network/network.js';

const dense = (net: Network): DenseNode[] => net.nodes.filter((n): n is DenseNode => n.type === 'dense');

/** Numerical rank of a row-major rows × cols matrix by Gaussian elimination with partial pivoting. */
function rank(a: Float64Array, rows: number, cols: number): number {
  const m = Float64Array.from(a);
  let r = 0;
  for (let c = 0; c < cols && r < rows; c++) {
    let p = r;
    for (let i = r + 1; i < rows; i++) if (Math.abs(m[i * cols + c]!) > Math.abs(m[p * cols + c]!)) p = i;
    if (Math.abs(m[p * cols + c]!) < 1e-9) continue;
    for (let j = 0; j < cols; j++) [m[r * cols + j], m[p * cols + j]] = [m[p * cols + j]!, m[r * cols + j]!];
    for (let i = r + 1; i < rows; i++) {
      const f = m[i * cols + c]! / m[r * cols + c]!;
      for (let j = 0; j < cols; j++) m[i * cols + j]! -= f * m[r * cols + j]!;
    }
    r++;
  }
  return r;
}

describe('study weight transforms (moved from the polytopes-study command)', () => {
  it('mapDense with the identity reproduces the network and leaves the source untouched', () => {
    const net = randomMlp([3, 5, 4, 1], { seed: 2 });
    const before = dense(net).map((n) => Float64Array.from(n.weight));
    const layers: [number, number, number, boolean][] = [];
    const copy = mapDense(net, (l, weight, bias, nOut, nIn, isLast) => {
      layers.push([l, nOut, nIn, isLast]);
      weight.fill(7); // a copy: the source must not change
      return { weight: Float64Array.from(dense(net)[l]!.weight), bias };
    });
    expect(layers).toEqual([
      [0, 5, 3, false],
      [1, 4, 5, false],
      [2, 1, 4, true],
    ]);
    dense(net).forEach((n, i) => expect(n.weight).toEqual(before[i]));
    expect(Array.from(forward(copy, [0.1, -0.2, 0.3]))).toEqual(Array.from(forward(net, [0.1, -0.2, 0.3])));
  });

  it('uniformBiases draws one U(−b, b) value per bias entry, layer by layer, keeping the weights', () => {
    const net = randomMlp([2, 3, 1], { seed: 4 });
    const out = uniformBiases(net, 0.5, mulberry32(9));
    const rnd = mulberry32(9);
    const expected = [0, 1, 2, 3].map(() => (2 * rnd() - 1) * 0.5);
    expect([...dense(out)[0]!.bias, ...dense(out)[1]!.bias]).toEqual(expected);
    expect(dense(out)[0]!.weight).toEqual(dense(net)[0]!.weight);
  });

  it('lowRankHidden gives hidden-to-hidden weights of rank r and keeps the first and last layers', () => {
    const net = randomMlp([3, 16, 16, 16, 1], { seed: 13, init: 'he-normal' });
    for (const r of [1, 2, 4]) {
      const out = lowRankHidden(net, r, mulberry32(31 + r));
      const d = dense(out);
      expect(d[0]!.weight).toEqual(dense(net)[0]!.weight);
      expect(d[3]!.weight).toEqual(dense(net)[3]!.weight);
      expect(rank(d[1]!.weight, 16, 16)).toBe(r);
      expect(rank(d[2]!.weight, 16, 16)).toBe(r);
      for (const n of d) for (const b of n.bias) expect(Math.abs(b)).toBeLessThanOrEqual(0.1);
    }
    // rank ≥ min(nOut, nIn): weights kept, only biases redrawn.
    const full = dense(lowRankHidden(net, 16, mulberry32(47)));
    expect(full[1]!.weight).toEqual(dense(net)[1]!.weight);
  });

  it('lowRankHidden draws biases, then U, then V per layer (the order the study relies on)', () => {
    const net = randomMlp([2, 3, 3, 1], { seed: 5 });
    const out = dense(lowRankHidden(net, 1, mulberry32(3), 0.1));
    const rnd = mulberry32(3);
    const b0 = [0, 1, 2].map(() => (2 * rnd() - 1) * 0.1);
    const b1 = [0, 1, 2].map(() => (2 * rnd() - 1) * 0.1);
    const U = [0, 1, 2].map(() => gaussian(rnd));
    const V = [0, 1, 2].map(() => gaussian(rnd));
    const s = Math.sqrt(2 / 3);
    expect(Array.from(out[0]!.bias)).toEqual(b0);
    expect(Array.from(out[1]!.bias)).toEqual(b1);
    expect(Array.from(out[1]!.weight)).toEqual(U.flatMap((u) => V.map((v) => u * v * s)));
  });
});
