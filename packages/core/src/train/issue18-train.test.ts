// Issue 18 #5: the hypersphere data set in high dimensions (NaN radii from pow(r, d) overflowing,
// reported as training divergence) and momentum ≥ 1 (accepted, trained to a loss of 7e21).
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { hypersphereShell } from './datasets.js';
import { createOptimizer } from './optimizers.js';

describe('issue 18 #5: hypersphere in high dimensions, momentum below 1', () => {
  for (const dim of [340, 1100]) {
    it(`hypersphere --dim ${dim}: finite points, each inside its class's shell`, () => {
      const data = hypersphereShell({ random: mulberry32(3), dim, n: 40 });
      const r1 = 0.5;
      const r2 = r1 * Math.sqrt(dim);
      const r3 = r2 * Math.SQRT2;
      for (let i = 0; i < 40; i++) {
        let ss = 0;
        for (let j = 0; j < dim; j++) ss += data.x[i * dim + j]! ** 2;
        const r = Math.sqrt(ss);
        expect(Number.isFinite(r)).toBe(true);
        // Hand-derived: class 1 (inside) has r ≤ r1, class 0 lies in the shell r2 ≤ r ≤ r3.
        if (data.y[i] === 1) expect(r).toBeLessThanOrEqual(r1 * (1 + 1e-12));
        else {
          expect(r).toBeGreaterThanOrEqual(r2 * (1 - 1e-12));
          expect(r).toBeLessThanOrEqual(r3 * (1 + 1e-12));
        }
      }
    });
  }
  it('momentum 1 or 2 is refused; 0.9 is accepted', () => {
    for (const momentum of [1, 2]) expect(() => createOptimizer({ type: 'sgd', lr: 0.01, momentum })).toThrow(PolytopeError);
    expect(() => createOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.9 })).not.toThrow();
  });
});
