/**
 * Cross-sections (§6.3) against independent references: hand-made 2-D nets whose regions are
 * known by hand, a brute-force O(n³) closest triple, codes checked point by point against
 * `forwardWithCode`, components against a flood fill, and the Jacobian scan against a naive
 * per-point scan on `affineMapAt` maps.
 */
import { describe, expect, it } from 'vitest';
import { affineMapAt, buildNetwork, forwardWithCode, gaussian, inputPlane, mulberry32, planeThrough, slicePlane } from '../index.js';
import type { Box2 } from '../regions/slice.js';
import { randomMlp } from '../reference/random.js';
import type { Network } from '../network/network.js';
import { closestTriple, compareCrossSection, gridCodes, gridPoint, jacobianGrid } from './cross-section.js';

/** 2 → hidden (ReLU) → 1 with the given rows [w1, w2, b] and output weights. */
function net2(rows: number[][], out: number[]): Network {
  return buildNetwork(
    [2],
    [
      {
        type: 'dense',
        inputs: [0],
        inFeatures: 2,
        outFeatures: rows.length,
        weight: Float64Array.from(rows.flatMap((r) => [r[0]!, r[1]!])),
        bias: Float64Array.from(rows.map((r) => r[2]!)),
      },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: rows.length, outFeatures: 1, weight: Float64Array.from(out), bias: Float64Array.of(0) },
    ],
  );
}

function exactOf(net: Network, box: Box2) {
  const res = slicePlane(net, inputPlane(net), box);
  return {
    res,
    exact: { codes: res.regions.map((r) => r.code), linearRegion: res.linearRegionOf, linearRegions: res.summary.linearRegions },
  };
}

const BOX: Box2 = [-1, 1, -1, 1];

describe('cross-section grid methods on hand-made nets', () => {
  it('merges two regions with the same map but different codes (f = relu(x₁) + 0·relu(x₁ − ½) + 2 relu(x₂))', () => {
    const net = net2(
      [
        [1, 0, 0],
        [1, 0, -0.5],
        [0, 1, 0],
      ],
      [1, 0, 2],
    );
    const { res, exact } = exactOf(net, BOX);
    // By hand: x₁ cut at 0 and ½, x₂ at 0 → 3 × 2 = 6 activation regions; the bands 0 < x₁ < ½ and
    // x₁ > ½ have the same map (the second unit's output weight is 0) → 4 linear regions.
    expect(res.summary.regions).toBe(6);
    expect(res.summary.linearRegions).toBe(4);
    const p = 20; // cell centres −0.95, −0.85, …: x₁ = ½ falls between columns 14 and 15
    const g = gridCodes(net, inputPlane(net), BOX, p);
    expect(g.codes.length).toBe(6);
    expect(g.components).toBe(6);
    const jac = jacobianGrid(net, g, 1e-9);
    expect(jac.regions).toBe(4);
    const cmp = compareCrossSection(net, g, jac, exact);
    expect(cmp.exact).toEqual({ regions: 6, linearRegions: 4, hit: 6, missed: 0 });
    expect(cmp.codes).toEqual({ distinct: 6, components: 6, unmatched: 0, splitExact: 0 });
    expect(cmp.jacobian).toEqual({ regions: 4, mergingRegions: 2, mergingLinear: 0, mergedExact: 4, splitExact: 0 });
    // Code changes: x₁ = 0 and x₁ = ½ cross every row (2p), x₂ = 0 every column (p); the p pairs
    // across x₁ = ½ are missed, all with bitwise-equal maps, all in one exact linear region.
    expect(cmp.boundaries).toEqual({
      codeChanges: 3 * p,
      missed: p,
      missedEqualMaps: p,
      missedWithinTolerance: 0,
      missedChained: 0,
      missedSameLinearRegion: p,
    });
    for (const e of cmp.missedEdges) {
      const q = e >> 1;
      expect(e & 1).toBe(0);
      expect(q % p).toBe(14);
    }
  });

  it('splits nothing when every region has its own map (f = relu(x₁) + 2 relu(x₂))', () => {
    const net = net2(
      [
        [1, 0, 0],
        [0, 1, 0],
      ],
      [1, 2],
    );
    const { exact } = exactOf(net, BOX);
    const g = gridCodes(net, inputPlane(net), BOX, 16);
    const jac = jacobianGrid(net, g, 1e-6);
    const cmp = compareCrossSection(net, g, jac, exact);
    expect(cmp.exact).toEqual({ regions: 4, linearRegions: 4, hit: 4, missed: 0 });
    expect(jac.regions).toBe(4);
    expect(g.components).toBe(4);
    expect(cmp.jacobian.mergingRegions).toBe(0);
    expect(cmp.boundaries.missed).toBe(0);
    expect(cmp.boundaries.codeChanges).toBe(2 * 16);
    // Same partition of the grid: each Jacobian region is one code component.
    for (let q = 0; q < 256; q++) expect(jac.label[q]).toBe(g.component[q]);
  });

  it('merges maps that differ by less than the tolerance, and not by more', () => {
    // x₁ > 0: f = x₁; x₁ < 0: f = (1 − 10⁻⁴)·x₁ → ‖ΔJ‖ = 10⁻⁴, y = 0 on both.
    const net = net2(
      [
        [1, 0, 0],
        [-1, 0, 0],
      ],
      [1, -(1 - 1e-4)],
    );
    const { exact } = exactOf(net, BOX);
    const g = gridCodes(net, inputPlane(net), BOX, 10);
    const loose = jacobianGrid(net, g, 1e-3);
    const tight = jacobianGrid(net, g, 1e-5);
    expect(loose.regions).toBe(1);
    expect(tight.regions).toBe(2);
    const cmp = compareCrossSection(net, g, loose, exact);
    expect(cmp.exact.linearRegions).toBe(2);
    expect(cmp.jacobian.mergingLinear).toBe(1);
    expect(cmp.boundaries).toMatchObject({ codeChanges: 10, missed: 10, missedWithinTolerance: 10, missedEqualMaps: 0 });
  });

  it('counts an exact region that no grid point hits as missed', () => {
    // A band 0 < x₁ < 0.01 between two grid columns (p = 10: centres …, −0.05, 0.05, …).
    const net = net2(
      [
        [1, 0, 0],
        [1, 0, -0.01],
      ],
      [1, -1],
    );
    const { exact } = exactOf(net, BOX);
    const g = gridCodes(net, inputPlane(net), BOX, 10);
    const cmp = compareCrossSection(net, g, jacobianGrid(net, g), exact);
    expect(cmp.exact).toMatchObject({ regions: 3, hit: 2, missed: 1 });
  });
});

describe('grid codes and the Jacobian scan against brute force', () => {
  const net = randomMlp([6, 10, 8, 3], { seed: 7 });
  const r = mulberry32(3);
  const abc = [0, 1, 2].map(() => Float64Array.from({ length: 6 }, () => gaussian(r)));
  const plane = planeThrough(abc[0]!, abc[1]!, abc[2]!);
  const box: Box2 = [-1, 2, -1, 2];
  const p = 24;
  const g = gridCodes(net, plane, box, p);
  const x = new Float64Array(6);
  const at = (q: number): Float64Array => {
    const [s, t] = gridPoint(box, p, Math.floor(q / p), q % p);
    for (let c = 0; c < 6; c++) x[c] = plane.origin[c]! + s * plane.u[c]! + t * plane.v[c]!;
    return x;
  };

  it('codes equal forwardWithCode point by point; components equal a flood fill', () => {
    const keys: string[] = [];
    for (let q = 0; q < p * p; q++) {
      const code = forwardWithCode(net, at(q)).code;
      keys.push(Array.from(code).join(''));
      expect(Array.from(g.codes[g.codeId[q]!]!)).toEqual(Array.from(code));
    }
    expect(g.codes.length).toBe(new Set(keys).size);
    const seen = new Int8Array(p * p);
    let comps = 0;
    for (let q0 = 0; q0 < p * p; q0++) {
      if (seen[q0]) continue;
      comps++;
      const stack = [q0];
      seen[q0] = 1;
      while (stack.length) {
        const q = stack.pop()!;
        const i = Math.floor(q / p);
        const j = q % p;
        for (const [a, b] of [
          [i - 1, j],
          [i + 1, j],
          [i, j - 1],
          [i, j + 1],
        ] as const) {
          const n = a * p + b;
          if (a < 0 || b < 0 || a >= p || b >= p || seen[n] || keys[n] !== keys[q]) continue;
          seen[n] = 1;
          stack.push(n);
        }
      }
    }
    expect(g.components).toBe(comps);
    expect(comps).toBeGreaterThan(5);
  });

  it('the Jacobian scan equals a naive per-point scan of Fig. 6.12 on affineMapAt maps', () => {
    const tol = 1e-9;
    const coef = Array.from({ length: p * p }, (_, q) => {
      const m = affineMapAt(net, at(q));
      return Float64Array.from([...m.jacobian, ...m.offset]);
    });
    const parent = Array.from({ length: p * p }, (_, q) => q);
    const find = (a: number): number => (parent[a] === a ? a : (parent[a] = find(parent[a]!)));
    const near = (a: number, b: number) => Math.hypot(...coef[a]!.map((v, k) => v - coef[b]![k]!)) <= tol;
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        const q = i * p + j;
        const cands = j > 0 ? [q - 1] : [];
        if (i > 0) for (let k = Math.max(0, j - 1); k < p; k++) cands.push((i - 1) * p + k);
        for (const c of cands) if (near(q, c)) parent[find(q)] = find(c);
      }
    const roots = new Set(parent.map((_, q) => find(q)));
    const jac = jacobianGrid(net, g, tol);
    expect(jac.regions).toBe(roots.size);
    for (let q = 1; q < p * p; q++) expect(jac.label[q] === jac.label[q - 1]).toBe(find(q) === find(q - 1));
    // With no map budget (maps recomputed row by row) the result is the same.
    const lean = jacobianGrid(net, g, tol, 0);
    expect(Array.from(lean.label)).toEqual(Array.from(jac.label));
    expect(lean.mapsComputed).toBeGreaterThanOrEqual(jac.mapsComputed);
    expect(jac.mapsComputed).toBe(g.codes.length);
    expect(jac.comparisons).toBe(p - 1 + (p - 1) * (p - 1 + (p * (p + 1)) / 2 + p - 1));
  });

  it('every grid code is an exact region of the slice', () => {
    const res = slicePlane(net, plane, box);
    const jac = jacobianGrid(net, g);
    const cmp = compareCrossSection(net, g, jac, {
      codes: res.regions.map((r) => r.code),
      linearRegion: res.linearRegionOf,
      linearRegions: res.summary.linearRegions,
    });
    expect(cmp.codes.unmatched).toBe(0);
    expect(cmp.exact.regions).toBe(res.summary.regions);
    expect(cmp.exact.hit).toBe(g.codes.length);
    expect(cmp.exact.hit + cmp.exact.missed).toBe(res.summary.regions);
  });
});

describe('closestTriple', () => {
  function brute(xs: Float64Array, n: number, d: number) {
    const dd = (a: number, b: number) => Math.hypot(...Array.from({ length: d }, (_, k) => xs[a * d + k]! - xs[b * d + k]!));
    let best = Infinity;
    let t: number[] = [];
    for (let a = 0; a < n; a++)
      for (let b = a + 1; b < n; b++)
        for (let c = b + 1; c < n; c++) {
          const per = dd(a, b) + dd(a, c) + dd(b, c);
          if (per < best) {
            best = per;
            t = [a, b, c];
          }
        }
    return { t, best };
  }

  it('equals the brute-force O(n³) minimum of the perimeter', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = mulberry32(seed);
      const n = 32;
      const d = 7;
      const xs = Float64Array.from({ length: n * d }, () => gaussian(r) * (seed % 2 ? 1 : 10));
      const ref = brute(xs, n, d);
      const got = closestTriple(xs, n, d);
      expect([...got.indices]).toEqual(ref.t);
      expect(got.perimeter).toBeCloseTo(ref.best, 12);
      expect(got.pairsExamined).toBeLessThanOrEqual(got.pairs);
    }
  });

  it('finds the tight cluster and rejects fewer than three points', () => {
    expect([...closestTriple([0, 0, 10, 10, 0, 1, 1, 0, 5, 5], 5, 2).indices]).toEqual([0, 2, 3]);
    expect(() => closestTriple([0, 0, 1, 1], 2, 2)).toThrow(/at least 3/);
  });
});
