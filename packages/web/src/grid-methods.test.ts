/**
 * The grid-methods comparison of the explorer (grid-methods.ts) on a hand-derived network:
 * f(x, y) = ReLU(x) + 0 · ReLU(y) on [−1, 1]² has four activation regions (the quadrants) but only
 * two maps (x and 0): on a 10 × 10 grid of cell centres, the code changes between 4-neighbours
 * are the 10 pairs across x = 0 and the 10 across y = 0, and the Jacobian method sees only the
 * first 10 (equal maps across y = 0).
 */
import { describe, expect, it } from 'vitest';
import { compareGridMethods } from './grid-methods.js';

const net = JSON.stringify({
  format: 'polytope-lens/network@1',
  input: { shape: [2] },
  layers: [
    {
      type: 'dense',
      weight: [
        [1, 0],
        [0, 1],
      ],
      bias: [0, 0],
    },
    { type: 'relu' },
    { type: 'dense', weight: [[1, 0]], bias: [0] },
  ],
});

describe('compareGridMethods', () => {
  it('finds the four quadrants, two Jacobian regions and the ten missed boundaries derived by hand', () => {
    const o = compareGridMethods({ net, plane: { origin: [0, 0], u: [1, 0], v: [0, 1] }, box: [-1, 1, -1, 1], p: 10, tolerance: 1e-6 });
    expect(o.exact.regions).toBe(4);
    expect(o.exact.missed).toBe(0);
    expect(o.codes.distinct).toBe(4);
    expect(o.codes.components).toBe(4);
    expect(o.jacobian.regions).toBe(2);
    expect(o.boundaries.codeChanges).toBe(20);
    expect(o.boundaries.missed).toBe(10);
    expect(o.boundaries.missedEqualMaps).toBe(10);
    // Images: p × p RGBA; the Jacobian map marks both points of each missed pair red (rows 4 and 5, every column).
    expect(o.images.jacobian.length).toBe(400);
    const red = (q: number) => o.images.jacobian[q * 4] === 230 && o.images.jacobian[q * 4 + 1] === 0;
    for (let j = 0; j < 10; j++) {
      expect(red(4 * 10 + j)).toBe(true);
      expect(red(5 * 10 + j)).toBe(true);
      expect(red(0 * 10 + j)).toBe(false);
    }
    // Exact map: the quadrant of each grid point; the four corners are four different colours.
    const colour = (q: number) => Array.from(o.images.exact.subarray(q * 4, q * 4 + 3)).join(',');
    expect(new Set([colour(0), colour(9), colour(90), colour(99)]).size).toBe(4);
  });
});
