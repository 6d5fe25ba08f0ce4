// The 3-D cells (packages/web/src/cells3d.ts) against hand-derived polytopes: the units x, y, z cut
// the box [-1, 1]^3 into its 8 octant cubes; the single unit x + y + z cuts it into two halves with
// a regular hexagon between them.
import { describe, expect, it } from 'vitest';
import { asMlp, buildNetwork, enumeratePolytopes } from '@polytope-lens/core';
import { cellOf, cells3d, flattenCells, histogram } from '../src/cells3d.js';
import { seeded388Network } from './nets3.js';

function net(hidden: number[][], bias: number[]) {
  const units = hidden.length;
  return buildNetwork(
    [3],
    [
      {
        type: 'dense',
        inputs: [0],
        inFeatures: 3,
        outFeatures: units,
        weight: new Float64Array(hidden.flat()),
        bias: new Float64Array(bias),
      },
      { type: 'relu', inputs: [1] },
      {
        type: 'dense',
        inputs: [2],
        inFeatures: units,
        outFeatures: 1,
        weight: new Float64Array(units).fill(1),
        bias: new Float64Array([0]),
      },
    ],
  );
}

describe('cells3d', () => {
  it('cuts the box into the 8 octants for the units x, y, z', () => {
    const layers = asMlp(
      net(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        [0, 0, 0],
      ),
    );
    const cells = cells3d(layers, [-1, -1, -1], [1, 1, 1]);
    expect(cells).toHaveLength(8);
    expect(new Set(cells.map((c) => c.code[0]))).toEqual(new Set(['000', '001', '010', '011', '100', '101', '110', '111']));
    for (const c of cells) {
      expect(c.vertices).toHaveLength(8);
      expect(c.facets).toHaveLength(6);
      expect(c.facets.every((f) => f.vertices.length === 4)).toBe(true);
      // Pulling from a vertex: the three facets away from it, two triangles each.
      expect(c.simplices).toHaveLength(6);
      expect(c.volume).toBeCloseTo(1, 12);
      // Output = sum of the active coordinates: weight is the code's bits, bias 0.
      expect([...c.weight]).toEqual([...c.code[0]!].map(Number));
      expect(c.bias[0]).toBe(0);
      // Each vertex has coordinates in {0, ±1} with signs matching the code.
      for (const v of c.vertices) v.forEach((x, k) => expect(c.code[0]![k] === '1' ? x >= 0 : x <= 0).toBe(true));
    }
    expect(histogram(cells.map((c) => c.facets.length))).toEqual([{ value: 6, count: 8 }]);
  });

  it('cuts the box by x + y + z = 0 into two halves with a hexagon', () => {
    const cells = cells3d(asMlp(net([[1, 1, 1]], [0])), [-1, -1, -1], [1, 1, 1]);
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.volume).toBeCloseTo(4, 12);
      // 4 cube corners on the side + the 6 hexagon corners (permutations of (1, -1, 0)).
      expect(c.vertices).toHaveLength(10);
      // 3 pentagons, 3 triangles and the hexagon.
      expect(c.facets.map((f) => f.vertices.length).sort()).toEqual([3, 3, 3, 5, 5, 5, 6]);
      expect(c.facets.find((f) => f.vertices.length === 6)?.label).toBe('L0:u0');
    }
    expect(histogram(cells.map((c) => c.facets.length))).toEqual([{ value: 7, count: 2 }]);
  });

  it('keeps a cell whole when a unit only touches it', () => {
    // x + 1 = 0 lies on the box face x = -1: one cell, unit active.
    const cells = cells3d(asMlp(net([[1, 0, 0]], [1])), [-1, -1, -1], [1, 1, 1]);
    expect(cells).toHaveLength(1);
    expect(cells[0]!.code).toEqual(['1']);
    expect(cells[0]!.facets).toHaveLength(6);
  });

  it('refuses a network without 3 inputs', () => {
    const two = buildNetwork(
      [2],
      [{ type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 1, weight: new Float64Array([1, 1]), bias: new Float64Array([0]) }],
    );
    expect(() => cells3d(asMlp(two), [-1, -1, -1], [1, 1, 1])).toThrow(/3 inputs/);
  });
});

describe("flattenCells (the worker's transferable form)", () => {
  it('gives each octant cube 12 triangles and its 12 edges once, and reads every cell back', () => {
    const cells = cells3d(
      asMlp(
        net(
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
          [0, 0, 0],
        ),
      ),
      [-1, -1, -1],
      [1, 1, 1],
    );
    const flat = flattenCells(cells);
    expect(flat.count).toBe(8);
    expect(flat.outputs).toBe(1);
    for (let i = 0; i < 8; i++) {
      // A cube: 6 squares → 12 triangles; 12 edges, each of length 1 (the octant cube's side).
      expect(flat.triOff[i + 1]! - flat.triOff[i]!).toBe(12);
      expect(flat.edgeOff[i + 1]! - flat.edgeOff[i]!).toBe(12);
      for (let e = flat.edgeOff[i]!; e < flat.edgeOff[i + 1]!; e++) {
        const [a, b] = [flat.edges.subarray(6 * e, 6 * e + 3), flat.edges.subarray(6 * e + 3, 6 * e + 6)];
        expect(Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!)).toBe(1);
      }
      // The triangles cover the cube's surface: 6 faces of area 1.
      let area = 0;
      for (let t = flat.triOff[i]!; t < flat.triOff[i + 1]!; t++) {
        const p = Array.from({ length: 3 }, (_, k) => Array.from(flat.triangles.subarray(9 * t + 3 * k, 9 * t + 3 * k + 3)));
        const [u, v] = [p[1]!.map((x, k) => x - p[0]![k]!), p[2]!.map((x, k) => x - p[0]![k]!)];
        area += Math.hypot(u[1]! * v[2]! - u[2]! * v[1]!, u[2]! * v[0]! - u[0]! * v[2]!, u[0]! * v[1]! - u[1]! * v[0]!) / 2;
      }
      expect(area).toBeCloseTo(6, 12);
      const c = cellOf(flat, i);
      const want = cells[i]!;
      expect(c.code).toEqual(want.code);
      expect(c.vertices).toEqual(want.vertices);
      expect(c.facets).toEqual(want.facets);
      expect(Array.from(c.weight)).toEqual(Array.from(want.weight));
      expect(Array.from(c.bias)).toEqual(Array.from(want.bias));
      expect(c.numSimplices).toBe(want.simplices.length);
      expect(c.volume).toBe(want.volume);
    }
  });

  it('keeps the hexagon-cut halves: 3 triangles, 3 pentagons and a hexagon give 1 + 9 + 4 triangles, 15 edges', () => {
    const flat = flattenCells(cells3d(asMlp(net([[1, 1, 1]], [0])), [-1, -1, -1], [1, 1, 1]));
    for (let i = 0; i < 2; i++) {
      expect(flat.triOff[i + 1]! - flat.triOff[i]!).toBe(3 * 1 + 3 * 3 + 4);
      // Euler: V − E + F = 2 with V = 10, F = 7.
      expect(flat.edgeOff[i + 1]! - flat.edgeOff[i]!).toBe(15);
    }
  });
});

/** Cells, vertex, facet and simplex counts and volumes against the core's LP enumeration, cell by cell (by code). */
function sameAsCore(network: ReturnType<typeof buildNetwork>, min: number): void {
  const ours = cells3d(asMlp(network), [-1, -1, -1], [1, 1, 1]);
  const core = enumeratePolytopes(network, { box: [-1, 1, -1, 1, -1, 1] }).regions;
  expect(ours.length).toBeGreaterThanOrEqual(min);
  expect(ours).toHaveLength(core.length);
  const byCode = new Map(core.map((r) => [[...r.code].join(''), r]));
  for (const c of ours) {
    const r = byCode.get(c.code.join(''));
    expect(r).toBeDefined();
    expect(c.vertices).toHaveLength(r!.numVertices);
    expect(c.facets).toHaveLength(r!.facets.length);
    expect(c.simplices).toHaveLength(r!.simplices);
    expect(c.volume).toBeCloseTo(r!.volume, 9);
  }
  expect(ours.reduce((t, c) => t + c.volume, 0)).toBeCloseTo(8, 9);
}

describe('cells3d against the core LP enumeration (enumeratePolytopes, HiGHS in Node)', () => {
  it('agrees on a degenerate layer: eight planes through the z axis, one through a box corner, one on a box face', () => {
    // Units x, y, x ± y, x ± 2y, 2x ± y share the z axis (vertices on up to 9 planes); x + y + z = 3
    // touches only the corner (1, 1, 1); x = 1 lies on the box face; z − 0.25 cuts every wedge.
    const rows = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [1, 1, 0, 0],
      [1, -1, 0, 0],
      [1, 2, 0, 0],
      [1, -2, 0, 0],
      [2, 1, 0, 0],
      [2, -1, 0, 0],
      [1, 1, 1, -3],
      [1, 0, 0, -1],
      [0, 0, 1, -0.25],
    ];
    sameAsCore(
      net(
        rows.map((r) => r.slice(0, 3)),
        rows.map((r) => r[3]!),
      ),
      32,
    );
  });

  it('finds the same cells, facet counts, simplex counts and volumes on a seeded 3-6-5-1 network', () => {
    let s = 7;
    const rand = (): number => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    };
    const dense = (input: number, inF: number, outF: number) => ({
      type: 'dense' as const,
      inputs: [input],
      inFeatures: inF,
      outFeatures: outF,
      weight: new Float64Array(inF * outF).map(rand),
      bias: new Float64Array(outF).map(() => 0.3 * rand()),
    });
    const network = buildNetwork(
      [3],
      [dense(0, 3, 6), { type: 'relu', inputs: [1] }, dense(2, 6, 5), { type: 'relu', inputs: [3] }, dense(4, 5, 1)],
    );
    sameAsCore(network, 11);
  });

  it('agrees on a seeded 3-8-8-1 network (370 cells: edge cuts through two layers)', () => {
    sameAsCore(seeded388Network(), 370);
  }, 30000);
});
