import { describe, expect, it } from 'vitest';
import { planeFromDirections, planeThrough } from '@polytope-lens/core';
import type { Network, SliceRegion } from '@polytope-lens/core';
import { classPieces, colorMode, imageThumbnail, outputValue, predictedClass, projectOntoPlane } from './slice-look.js';

/** Shoelace area of an interleaved polygon. */
function area(v: Float64Array): number {
  let a = 0;
  const m = v.length / 2;
  for (let i = 0; i < m; i++) {
    const j = (i + 1) % m;
    a += v[2 * i]! * v[2 * j + 1]! - v[2 * j]! * v[2 * i + 1]!;
  }
  return Math.abs(a) / 2;
}

function region(vertices: number[], map: number[]): SliceRegion {
  return {
    index: 0,
    code: new Uint8Array(0),
    vertices: Float64Array.from(vertices),
    labels: new Int32Array(0),
    area: 0,
    map: Float64Array.from(map),
  };
}

describe('slice colourings', () => {
  it('predict classes and output values as documented', () => {
    expect(predictedClass([0.3])).toBe(1);
    expect(predictedClass([-0.3])).toBe(0);
    expect(predictedClass([0.1, 2, -1])).toBe(1);
    expect(outputValue([0.25])).toBe(0.25);
    expect(outputValue([1, 3])).toBe(2); // y₁ − y₀
    expect(outputValue([1, 5, 2])).toBe(3); // top − runner-up
    expect(colorMode('linear-region')).toBe('linear-region');
    expect(() => colorMode('hue')).toThrow(/--color must be one of/);
  });

  it('split a region exactly where the predicted class changes (worked by hand)', () => {
    // Unit square, one output y = s − 0.25: class 0 on s < 0.25 (area 0.25), class 1 beyond (0.75).
    const one = classPieces(region([0, 0, 1, 0, 1, 1, 0, 1], [-0.25, 1, 0]), 1);
    expect(one.map((p) => p.cls)).toEqual([0, 1]);
    expect(area(one[0]!.vertices)).toBeCloseTo(0.25, 14);
    expect(area(one[1]!.vertices)).toBeCloseTo(0.75, 14);
    // Three outputs y₀ = 0, y₁ = s − t, y₂ = t − s − 0.5 on the unit square: y₁ wins below the
    // diagonal (area 1/2), y₂ wins where t − s > 0.5 (the corner triangle of area 1/8), y₀ between (3/8).
    const three = classPieces(region([0, 0, 1, 0, 1, 1, 0, 1], [0, 0, 0, 0, 1, -1, -0.5, -1, 1]), 3);
    const byClass = new Map(three.map((p) => [p.cls, area(p.vertices)]));
    expect(byClass.get(0)).toBeCloseTo(3 / 8, 14);
    expect(byClass.get(1)).toBeCloseTo(1 / 2, 14);
    expect(byClass.get(2)).toBeCloseTo(1 / 8, 14);
  });

  it('project points onto a plane by least squares', () => {
    // Plane through A = 0, B = e₁, C = e₂ in ℝ³: (s, t) are the first two coordinates.
    const p = planeThrough([0, 0, 0], [1, 0, 0], [0, 1, 0]);
    expect(Array.from(projectOntoPlane(p, [[0.3, -2, 5]]))).toEqual([0.3, -2]);
    // Non-orthogonal directions d1 = (1, 0), d2 = (1, 1) from origin (1, 1): x = (4, 3) = o + 1·d1 + 2·d2.
    const q = planeFromDirections([1, 1], [1, 0], [1, 1]);
    const st = projectOntoPlane(q, [[4, 3]]);
    expect(st[0]).toBeCloseTo(1, 14);
    expect(st[1]).toBeCloseTo(2, 14);
  });

  it('make thumbnails of image inputs only', () => {
    // Only the input shape matters.
    const img = { inputShape: [1, 4, 4] } as unknown as Network;
    const x = Float64Array.from({ length: 16 }, (_, i) => i);
    const t = imageThumbnail(img, x)!;
    expect([t.width, t.height, t.pixels[0], t.pixels[15]]).toEqual([4, 4, 0, 1]);
    expect(imageThumbnail({ inputShape: [2] } as unknown as Network, [0, 1])).toBeUndefined();
  });
});
