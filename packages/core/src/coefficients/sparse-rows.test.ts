/** The sparse first layer's kernel against the definition, summed in the same order (bit for bit). */
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../index.js';
import { SparseRows } from './sparse-rows.js';

describe('SparseRows', () => {
  it('equals c + Σ x_q Wᵀ[q] over each sample’s non-zero inputs, bit for bit, for unit counts off the tile', () => {
    const r = mulberry32(5);
    for (const [units, d, m] of [
      [128, 40, 9],
      [21, 13, 4],
      [1, 3, 2],
    ] as const) {
      const weightT = Float64Array.from({ length: d * units }, () => gaussian(r));
      const offset = Float64Array.from({ length: units }, () => gaussian(r));
      // About half the inputs zero; one sample all zero (its block column is c).
      const xs = Float64Array.from({ length: m * d }, () => (r() < 0.5 ? 0 : gaussian(r)));
      xs.fill(0, 0, d);
      const layer = new SparseRows(weightT, offset, units, d);
      const got = new Float64Array(units * m);
      expect(layer.block(xs, m, got)).toBe(0);
      for (let s = 0; s < m; s++)
        for (let u = 0; u < units; u++) {
          let h = offset[u]!;
          for (let q = 0; q < d; q++) if (xs[s * d + q] !== 0) h += xs[s * d + q]! * weightT[q * units + u]!;
          expect(got[u * m + s]).toBe(h);
        }
      // A second layer on the same thread, then the first again: its weights are copied back.
      new SparseRows(new Float64Array(d * 2), new Float64Array(2), 2, d).block(xs, m, new Float64Array(2 * m));
      const again = new Float64Array(units * m);
      layer.block(xs, m, again);
      expect(again).toEqual(got);
    }
  });

  it('reports a non-finite input in its sum, wherever it is (the last value of the last sample too)', () => {
    const layer = new SparseRows(new Float64Array(3 * 2).fill(1), new Float64Array(2), 2, 3);
    for (const bad of [NaN, Infinity, -Infinity])
      for (const at of [0, 4, 8]) {
        const xs = new Float64Array(9);
        xs[at] = bad;
        expect(layer.block(xs, 3, new Float64Array(6))).toBeNaN();
      }
  });
});
