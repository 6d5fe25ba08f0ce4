import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { mulberry32, normalSample } from '../random.js';
import { minimalNetwork, minimalRadii, randomDotProducts, simplexVertices } from './hypersphere.js';

describe('minimal width-(n+1) hypersphere constructions (radii from the exact decision region)', () => {
  it('2-D: square R = √2 ρ (Eq. 4.1), hexagon R = (2/√3) ρ (Eq. 4.2)', async () => {
    const sq = await minimalRadii('hyperoctahedron', 2);
    expect(sq.outer / sq.inner).toBeCloseTo(Math.SQRT2, 12);
    expect(sq.innerExact).toBe(true);
    const hex = await minimalRadii('expanded-simplex', 2);
    expect(hex.outer / hex.inner).toBeCloseTo(2 / Math.sqrt(3), 12);
    expect(hex.boundaryFaces).toBe(6);
    expect(sq.boundaryFaces).toBe(4);
  });

  it('3-D: octahedron R = √3 ρ (Eq. 4.3), cuboctahedron R = √2 ρ (Eq. 4.4) with 8 + 6 faces', async () => {
    const oct = await minimalRadii('hyperoctahedron', 3);
    expect(oct.outer / oct.inner).toBeCloseTo(Math.sqrt(3), 12);
    const cub = await minimalRadii('expanded-simplex', 3);
    expect(cub.outer / cub.inner).toBeCloseTo(Math.SQRT2, 12);
    expect(cub.boundaryFaces).toBe(14);
  });

  it('n = 4, 5: ρ/R matches Eq. 4.5 and Table 4.1 (√(5/12), √(6/18))', async () => {
    expect((await minimalRadii('hyperoctahedron', 4)).innerOuterRatio).toBeCloseTo(0.5, 12);
    expect((await minimalRadii('expanded-simplex', 4)).innerOuterRatio).toBeCloseTo(Math.sqrt(5 / 12), 12);
    expect((await minimalRadii('expanded-simplex', 5)).innerOuterRatio).toBeCloseTo(Math.sqrt(6 / 18), 12);
  });

  it('the region walk (any n) agrees with the enumeration (n ≤ 8)', async () => {
    for (const c of ['hyperoctahedron', 'expanded-simplex'] as const) {
      const a = await minimalRadii(c, 3, { method: 'walk' });
      const b = await minimalRadii(c, 3, { method: 'enumerate' });
      expect(a.method).toBe('walk');
      expect(a.regions).toBe(b.regions);
      expect(a.inner).toBeCloseTo(b.inner, 12);
      expect(a.outer).toBeCloseTo(b.outer, 12);
    }
  });

  it('the networks are positive at the centre, negative far out, width n + 1', () => {
    for (const c of ['hyperoctahedron', 'expanded-simplex'] as const) {
      const m = minimalNetwork(c, 3);
      expect(m.network.numUnits).toBe(4);
      expect(forward(m.network, [0, 0, 0])[0]).toBeGreaterThan(0);
      expect(forward(m.network, [3, -2, 1])[0]).toBeLessThan(0);
    }
    const s = simplexVertices(4);
    for (let k = 0; k < 5; k++) expect(Math.hypot(...s.subarray(k * 4, k * 4 + 4))).toBeCloseTo(1, 14);
  });

  it('Fig. 4.7: two random unit vectors in the plane have E|cos| = 2/π', () => {
    const rnd = mulberry32(3);
    const r = randomDotProducts(2, 4000, () => normalSample(rnd));
    expect(r.mean).toBeCloseTo(2 / Math.PI, 1);
    expect(r.max).toBe(r.mean); // one pair
  });
});
