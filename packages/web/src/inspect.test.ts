// Region centroids by hand: a unit square's is its centre, a right triangle's the mean of its
// corners, far from the origin too (no cancellation), and a polygon of no area falls back to the
// vertices' mean.
import { describe, expect, it } from 'vitest';
import { regionCentroid } from './inspect.js';
import type { FlatSlice } from './protocol.js';

function slice(polys: number[][]): FlatSlice {
  const off = [0];
  for (const p of polys) off.push(off[off.length - 1]! + p.length / 2);
  const n = polys.length;
  return {
    id: 1,
    box: [-1e6, 1e6, -1e6, 1e6],
    regions: n,
    linearRegions: n,
    off: Int32Array.from(off),
    xy: Float64Array.from(polys.flat()),
    codes: new Uint8Array(n),
    codeLength: 1,
    areas: new Float64Array(n),
    maps: new Float64Array(3 * n),
    outputs: 1,
    linearRegionOf: Int32Array.from({ length: n }, (_, i) => i),
    boundary: [],
    seconds: 0,
  };
}

describe('regionCentroid', () => {
  it('is the centre of a square, the corner mean of a triangle, the vertex mean of a degenerate polygon', () => {
    const s = slice([
      [0, 0, 1, 0, 1, 1, 0, 1],
      [0, 0, 3, 0, 0, 3],
      [1e5, 1e5, 1e5 + 2, 1e5, 1e5 + 2, 1e5 + 4, 1e5, 1e5 + 4],
      [0, 0, 1, 1, 2, 2],
      // Clockwise: the same centre.
      [0, 0, 0, 2, 2, 2, 2, 0],
    ]);
    expect(regionCentroid(s, 0)).toEqual([0.5, 0.5]);
    const [tx, ty] = regionCentroid(s, 1);
    expect(tx).toBeCloseTo(1, 14);
    expect(ty).toBeCloseTo(1, 14);
    expect(regionCentroid(s, 2)).toEqual([1e5 + 1, 1e5 + 2]);
    expect(regionCentroid(s, 3)).toEqual([1, 1]);
    expect(regionCentroid(s, 4)).toEqual([1, 1]);
  });
});
