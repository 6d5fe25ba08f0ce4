import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { inFrameCone } from './checks.js';
import { frameFromRows, icosahedronFrame, mercedesBenzFrame, randomFrame, tetrahedronFrame } from './frame.js';
import type { Frame } from './frame.js';
import { rankOfRows } from '../geometry/linalg.js';
import { facetVertices, framePolytope, vertexFacets } from './polytope.js';
import type { FramePolytope } from './polytope.js';
import { sampleSphere } from './random.js';

/**
 * One validation for every polytope: facet planes hold all points, facet vertex sets are exactly
 * the points on the plane and span an (n−1)-flat, vertex–facet lists are consistent, and (for an
 * omnidirectional frame) the facet cones cover the sphere.
 */
function validate(f: Frame, p: FramePolytope, omni = true): void {
  const { n, m, rows } = f;
  for (let j = 0; j < p.numFacets; j++) {
    const verts = Array.from(facetVertices(p, j));
    let on = 0;
    for (let k = 0; k < m; k++) {
      let d = -p.offsets[j]!;
      for (let t = 0; t < n; t++) d += p.normals[j * n + t]! * rows[k * n + t]!;
      expect(d).toBeLessThan(1e-9);
      if (Math.abs(d) <= 1e-9) {
        on++;
        expect(verts).toContain(k);
      }
    }
    expect(on).toBe(verts.length);
    const diff = new Float64Array(verts.length * n);
    verts.forEach((k, c) => {
      for (let t = 0; t < n; t++) diff[c * n + t] = rows[k * n + t]! - rows[verts[0]! * n + t]!;
    });
    expect(
      rankOfRows(
        diff,
        n,
        verts.map((_, c) => c),
        verts.length,
      ),
    ).toBe(n - 1);
    for (const k of verts) expect(Array.from(vertexFacets(p, k))).toContain(j);
  }
  if (omni) {
    const random = mulberry32(99);
    const u = new Float64Array(n);
    for (let s = 0; s < 100; s++) {
      sampleSphere(random, n, u);
      let covered = false;
      for (let j = 0; j < p.numFacets && !covered; j++) covered = inFrameCone(f, u, facetVertices(p, j));
      expect(covered).toBe(true);
    }
  }
}

function cube(): Frame {
  const s = 1 / Math.sqrt(3);
  const rows: number[][] = [];
  for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1]) rows.push([a * s, b * s, c * s]);
  return frameFromRows(rows, 'cube');
}

describe('framePolytope', () => {
  it('tetrahedron: 4 triangular facets, inradius 1/3', () => {
    const f = tetrahedronFrame();
    const p = framePolytope(f);
    expect(p.numFacets).toBe(4);
    expect(p.simplicial).toBe(true);
    for (let j = 0; j < 4; j++) expect(p.offsets[j]).toBeCloseTo(1 / 3, 14);
    expect(Array.from(facetVertices(p, 0))).toEqual([0, 1, 2]);
    validate(f, p);
  });

  it('icosahedron: 20 triangles, every vertex on 5, inradius φ²/(√3·√(1+φ²))', () => {
    const f = icosahedronFrame();
    const p = framePolytope(f);
    expect(p.numFacets).toBe(20);
    expect(p.simplicial).toBe(true);
    for (let i = 0; i < 12; i++) expect(vertexFacets(p, i).length).toBe(5);
    const phi = (1 + Math.sqrt(5)) / 2;
    expect(p.minOffset).toBeCloseTo((phi * phi) / (Math.sqrt(3) * Math.sqrt(1 + phi * phi)), 13);
    validate(f, p);
  });

  it('Mercedes-Benz: three edges', () => {
    const f = mercedesBenzFrame();
    const p = framePolytope(f);
    expect(p.numFacets).toBe(3);
    expect(p.minOffset).toBeCloseTo(0.5, 15);
    validate(f, p);
  });

  it('cube: coplanar triangles merge into 6 square facets', () => {
    const f = cube();
    const p = framePolytope(f);
    expect(p.numFacets).toBe(6);
    expect(p.simplicial).toBe(false);
    for (let j = 0; j < 6; j++) expect(facetVertices(p, j).length).toBe(4);
    validate(f, p);
  });

  it('4-D: the cross-polytope has 16 simplices, the tesseract 8 cubes', () => {
    const cross: number[][] = [];
    for (let i = 0; i < 4; i++) for (const s of [1, -1]) cross.push([0, 1, 2, 3].map((j) => (j === i ? s : 0)));
    const pc = framePolytope(frameFromRows(cross));
    expect(pc.numFacets).toBe(16);
    validate(frameFromRows(cross), pc);
    const tess: number[][] = [];
    for (let k = 0; k < 16; k++) tess.push([0, 1, 2, 3].map((i) => ((k >> i) & 1 ? 0.5 : -0.5)));
    const pt = framePolytope(frameFromRows(tess));
    expect(pt.numFacets).toBe(8);
    for (let j = 0; j < 8; j++) expect(facetVertices(pt, j).length).toBe(8);
    validate(frameFromRows(tess), pt);
  });

  it('random frames in 3-D to 5-D validate', () => {
    for (const [n, m, seed] of [
      [3, 30, 1],
      [4, 20, 2],
      [5, 14, 3],
    ] as const) {
      const f = randomFrame(n, m, mulberry32(seed));
      const p = framePolytope(f);
      validate(f, p);
    }
  });

  it('duplicate vectors share their facets; 1-D frames have two point facets', () => {
    const f = frameFromRows([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [-1, -1, -1],
    ]);
    const p = framePolytope(f);
    expect(Array.from(vertexFacets(p, 0))).toEqual(Array.from(vertexFacets(p, 1)));
    validate(f, p);
    const q = framePolytope(frameFromRows([[2], [-1], [3]]));
    expect(q.numFacets).toBe(2);
    expect(Array.from(facetVertices(q, 0))).toEqual([0, 2]);
  });

  it('rejects non-spanning and degenerate frames with a clear error', () => {
    expect(() =>
      framePolytope(
        frameFromRows([
          [1, 0, 0],
          [0, 1, 0],
          [-1, -1, 0],
        ]),
      ),
    ).toThrow(/span only a 2-dimensional subspace/);
    let caught: unknown;
    try {
      framePolytope(
        frameFromRows([
          [1, 0],
          [0, 1],
        ]),
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PolytopeError);
    expect((caught as PolytopeError).code).toBe('not-applicable');
  });
});
