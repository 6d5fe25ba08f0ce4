// Issue 18 #2: at large plane scales a slice loses regions smaller than its resolution (side
// tolerance × box) while the centroid validation passed. The exact count is independent of the
// scale s once the arrangement near the origin fits in the box (the plane map is s·t, so the
// structure near the origin only shrinks): the count at a moderate scale is the reference, and
// validation must fail whenever the slice at a large scale disagrees with it.
import { describe, expect, it } from 'vitest';
import { planeFromDirections, randomMlp, slicePlane, validateSlice } from '../src/index.js';

describe('issue 18 #2: regions lost at large plane scales are caught by validation', () => {
  const net = randomMlp([6, 24, 12, 1], { seed: 7 });
  const origin = new Float64Array(6);
  const slice = (s: number) => {
    const u = [s, 0, 0, 0, 0, 0];
    const v = [0, s, 0, 0, 0, 0];
    return slicePlane(net, planeFromDirections(origin, u, v), [-1, 1, -1, 1]);
  };
  it('a moderate scale resolves every region and validates', () => {
    const ref = slice(1e3);
    const rep = validateSlice(net, ref);
    expect(rep.problems).toEqual([]);
    expect(slice(1e4).summary.regions).toBe(ref.summary.regions);
  });
  it('a scale whose features are below the tolerance: fewer regions, and validation says so', () => {
    const expected = slice(1e3).summary.regions;
    for (const s of [1e9, 1e12]) {
      const res = slice(s);
      const rep = validateSlice(net, res);
      if (res.summary.regions !== expected) {
        expect(rep.ok).toBe(false);
        expect(rep.resolution).toMatch(/below the slice's resolution/);
      }
    }
    expect(slice(1e12).summary.regions).toBeLessThan(expected); // the case exists (the check above ran)
  });
});
