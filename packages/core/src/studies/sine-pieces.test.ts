import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { networkOfLayers } from '../truncation/mlp.js';
import { linePieces, sineInterpolant, sineNodes } from './sine-pieces.js';

const f = (net: ReturnType<typeof sineInterpolant>, x: number): number => forward(net, [x])[0]!;

describe('Fig. 5.4: sine interpolants with 1, 3 and 9 pieces', () => {
  for (const k of [1, 3, 9]) {
    it(`k = ${k}: exactly ${k} linear pieces, breakpoints at the nodes, coefficients = finite differences of the forward pass`, () => {
      const net = sineInterpolant(k);
      const r = linePieces(net, -Math.PI, Math.PI);
      expect(r.regions).toBe(k);
      expect(r.linearPieces).toBe(k);
      const nodes = sineNodes(k);
      for (let i = 0; i < k; i++) {
        const p = r.pieces[i]!;
        // Breakpoints are the interpolation nodes (hand-derived), to rounding.
        expect(p.x0).toBeCloseTo(nodes[i]!, 12);
        expect(p.x1).toBeCloseTo(nodes[i + 1]!, 12);
        // Hand-derived: the chord slope of sin between consecutive nodes.
        const chord = (Math.sin(nodes[i + 1]!) - Math.sin(nodes[i]!)) / (nodes[i + 1]! - nodes[i]!);
        expect(p.slope).toBeCloseTo(chord, 12);
        // Independent of the partition: central finite difference of the forward pass inside the piece.
        const m = (p.x0 + p.x1) / 2;
        const h = (p.x1 - p.x0) / 8;
        const fd = (f(net, m + h) - f(net, m - h)) / (2 * h);
        expect(p.slope).toBeCloseTo(fd, 9);
        expect(p.intercept).toBeCloseTo(f(net, m) - fd * m, 9);
      }
      // The interpolant passes through sin at every node.
      for (const x of nodes) expect(f(net, x)).toBeCloseTo(Math.sin(x), 12);
    });
  }

  it('k = 1 is the zero function (the baseline of Eq. 5.16)', () => {
    const r = linePieces(sineInterpolant(1), -Math.PI, Math.PI);
    expect(r.pieces[0]!.slope).toBeCloseTo(0, 14);
    expect(r.pieces[0]!.intercept).toBeCloseTo(0, 14);
  });

  it('merges adjacent activation regions with one affine map (a unit whose output weight is 0)', () => {
    // relu(x) with output weight 0 splits [−1, 1] into two activation regions but one linear piece.
    const net = networkOfLayers([
      { weight: Float64Array.of(1, 1), bias: Float64Array.of(0, 2), inFeatures: 1, outFeatures: 2, act: 'relu', alpha: 0 },
      { weight: Float64Array.of(0, 1), bias: Float64Array.of(0), inFeatures: 2, outFeatures: 1, act: 'none', alpha: 1 },
    ]);
    const r = linePieces(net, -1, 1);
    expect(r.regions).toBe(2);
    expect(r.linearPieces).toBe(1);
  });

  it('rejects bad input with a one-line error', () => {
    expect(() => sineInterpolant(0)).toThrow(/pieces must be/);
    expect(() => linePieces(sineInterpolant(2), 1, -1)).toThrow(/a < b/);
  });
});
