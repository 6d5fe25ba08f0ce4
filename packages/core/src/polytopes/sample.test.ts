import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { enumeratePolytopes } from './enumerate.js';
import { estimateFacets, hitAndRun, regionInBox } from './sample.js';
import { walkRegions } from './walk.js';

const box = [-1, 1, -1, 1, -1, 1];

describe('hit-and-run and the face-count estimate', () => {
  it('samples stay inside and are uniform in the cube (mean ≈ 0, var ≈ 1/3)', () => {
    const net = randomMlp([3, 2, 1], { seed: 1 });
    const h = { ...regionInBox(net, [0, 0, 0], box) };
    // Use only the box rows: a cube.
    const cube = { dim: 3, Q: h.Q.subarray(0, 18), p: h.p.subarray(0, 6), ids: h.ids.subarray(0, 6) };
    const pts = hitAndRun(cube, [0, 0, 0], 4000, mulberry32(2), { thin: 3 });
    let m = 0;
    let v = 0;
    for (let i = 0; i < pts.length; i++) {
      expect(Math.abs(pts[i]!)).toBeLessThanOrEqual(1 + 1e-12);
      m += pts[i]!;
      v += pts[i]! * pts[i]!;
    }
    expect(Math.abs(m / pts.length)).toBeLessThan(0.05);
    expect(Math.abs(v / pts.length - 1 / 3)).toBeLessThan(0.03);
  });

  it('estimated facets are a subset of the exact facets and usually all of them', () => {
    const net = randomMlp([3, 8, 8, 1], { seed: 5 });
    const res = enumeratePolytopes(net, { box });
    let exact = 0;
    const regs = res.regions.slice(0, 25);
    for (const r of regs) {
      const est = estimateFacets(regionInBox(net, r.interior, box), r.interior, 400, mulberry32(3));
      const set = new Set(r.facets);
      for (const f of est.facets) expect(set.has(f)).toBe(true);
      if (est.facets.length === r.facets.length) exact++;
    }
    expect(exact / regs.length).toBeGreaterThan(0.5);
  });
});

describe('walkRegions', () => {
  it('finds every region of the box with the same facets as the exact enumeration', async () => {
    const net = randomMlp([3, 5, 4, 1], { seed: 2 });
    const res = enumeratePolytopes(net, { box });
    const w = await walkRegions(net, [0.1, -0.2, 0.3], { maxRegions: 10000, domain: [-1, 1] });
    expect(w.complete).toBe(true);
    expect(w.regions.length).toBe(res.regions.length);
    const exact = new Map(res.regions.map((r) => [r.code.join(''), r]));
    let edges = 0;
    for (const r of w.regions) {
      const e = exact.get(r.code.join(''))!;
      expect(e).toBeDefined();
      const units = Array.from(e.facets)
        .filter((k) => k >= 6)
        .map((k) => k - 6);
      expect(Array.from(r.facetUnits).sort((a, b) => a - b)).toEqual(units);
      edges += units.length;
    }
    expect(w.edges.length * 2).toBe(edges);
  });

  it('stops at the region cap and respects the radius', async () => {
    const net = randomMlp([4, 6, 1], { seed: 3 });
    const w = await walkRegions(net, [0, 0, 0, 0], { maxRegions: 3 });
    expect(w.regions.length).toBe(3);
    expect(w.complete).toBe(false);
    const small = await walkRegions(net, [0.01, 0.02, 0.03, 0.04], { radius: 1e-6 });
    expect(small.regions.length).toBeGreaterThanOrEqual(1);
  });
});
