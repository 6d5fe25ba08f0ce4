import { describe, expect, it } from 'vitest';
import { forwardWithCode } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { gaussian, mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { inputPlane, slicePlane } from '../regions/slice.js';
import {
  binomial,
  constraintName,
  cyclicFacets,
  enumeratePolytopes,
  eulerSum,
  polytopeDomain,
  regionInDomain,
  simplexBounds,
  validatePolytopes,
} from './enumerate.js';
import type { PolytopeEnumeration } from './enumerate.js';

const cube = (d: number, r = 1) => Array.from({ length: 2 * d }, (_, i) => (i % 2 ? r : -r));
const codeAt = (net: Network) => (x: Float64Array) => forwardWithCode(net, x).code;

describe('enumeratePolytopes', () => {
  it('the bare box is one region: the cube has f = (8, 12, 6), 6 pulling tetrahedra, volume 8', () => {
    // A 3→1→1 net whose unit is on everywhere in the box (bias 10).
    const net = buildNetwork(
      [3],
      [
        { type: 'dense', inputs: [0], inFeatures: 3, outFeatures: 1, weight: Float64Array.of(1, 0, 0), bias: Float64Array.of(10) },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(0) },
      ],
    );
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(res.regions).toHaveLength(1);
    const r = res.regions[0]!;
    expect(r.fVector).toEqual([8, 12, 6]);
    expect(r.facets.length).toBe(6);
    // Pulling from (−1,−1,−1): the 3 squares not containing it, 2 triangles each.
    expect(r.simplices).toBe(6);
    expect(r.volume).toBeCloseTo(8, 12);
    expect(Array.from(r.code)).toEqual([1]);
  });

  for (const [d, widths, seed, init] of [
    [2, [2, 6, 6, 1], 1, 'pytorch'],
    [3, [3, 8, 8, 1], 2, 'pytorch'],
    [3, [3, 6, 6, 6, 1], 3, 'he-normal'],
    [4, [4, 6, 6, 1], 4, 'xavier-uniform'],
    [5, [5, 7, 1], 5, 'pytorch'],
    [6, [6, 6, 1], 6, 'pytorch'],
  ] as const) {
    it(`d = ${d}, ${widths.join('→')} (${init}): validates and agrees with sampling`, () => {
      const net = randomMlp(widths, { seed, init });
      const res = enumeratePolytopes(net, { box: cube(d) });
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
      expect(res.totalVolume).toBeCloseTo(2 ** d, 9);
      const keys = new Set(res.regions.map((r) => r.code.join('')));
      const rnd = mulberry32(seed + 100);
      const x = new Float64Array(d);
      for (let s = 0; s < 400; s++) {
        for (let i = 0; i < d; i++) x[i] = 2 * rnd() - 1;
        expect(keys.has(forwardWithCode(net, x).code.join(''))).toBe(true);
      }
      for (const r of res.regions) {
        expect(r.simplices).toBeGreaterThanOrEqual(r.simplexBounds.lower);
        expect(r.simplices).toBeLessThanOrEqual(r.simplexBounds.upper);
        expect(eulerSum(r.fVector)).toBe(1 - (-1) ** d);
      }
    });
  }

  it('composes a leading channel_affine (folded input normalization) into the first layer', () => {
    const base = randomMlp([3, 6, 6, 1], { seed: 12 });
    const specs = base.nodes.slice(1).map((n) => {
      const { shape: _s, ...spec } = n as typeof n & { shape: unknown };
      void _s;
      return { ...spec, inputs: spec.inputs.map((i) => i + 1) } as NodeSpec;
    });
    const net = buildNetwork(
      [3],
      [{ type: 'channel_affine', inputs: [0], scale: Float64Array.of(2, 0.5, 1), shift: Float64Array.of(0.1, -0.2, 0) }, ...specs],
    );
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
  });

  it('leaky ReLU networks validate too', () => {
    const net = randomMlp([3, 7, 7, 1], { seed: 9, activation: 'leaky_relu', alpha: 0.2 });
    const res = enumeratePolytopes(net, { box: cube(3) });
    expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
  });

  // Zaslavsky (1975) / Buck (1943): n hyperplanes in general position in R^d cut R^d into
  // Σ_{i≤d} C(n, i) regions. The box is chosen to contain every intersection point.
  for (const [d, n] of [
    [2, 7],
    [3, 6],
    [4, 6],
  ] as const) {
    it(`one hidden layer of ${n} units in R^${d} has Σ C(${n}, i) regions`, () => {
      const rnd = mulberry32(40 + d);
      const weight = new Float64Array(n * d);
      const bias = new Float64Array(n);
      for (let u = 0; u < n; u++) {
        for (let i = 0; i < d; i++) weight[u * d + i] = gaussian(rnd);
        bias[u] = 0.5 * gaussian(rnd);
      }
      const net = buildNetwork(
        [d],
        [
          { type: 'dense', inputs: [0], inFeatures: d, outFeatures: n, weight, bias },
          { type: 'relu', inputs: [1] },
          { type: 'dense', inputs: [2], inFeatures: n, outFeatures: 1, weight: new Float64Array(n).fill(1), bias: Float64Array.of(0) },
        ],
      );
      // Largest coordinate of any d-fold intersection (solve each d×d system by elimination).
      let far = 0;
      const pick = (start: number, k: number, acc: number[]): void => {
        if (acc.length === d) {
          const A = acc.map((u) => Array.from(weight.subarray(u * d, u * d + d)).concat([-bias[u]!]));
          for (let c = 0; c < d; c++) {
            let p = c;
            for (let r = c + 1; r < d; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
            [A[c], A[p]] = [A[p]!, A[c]!];
            for (let r = 0; r < d; r++) {
              if (r === c) continue;
              const f = A[r]![c]! / A[c]![c]!;
              for (let q = c; q <= d; q++) A[r]![q] = A[r]![q]! - f * A[c]![q]!;
            }
          }
          for (let c = 0; c < d; c++) far = Math.max(far, Math.abs(A[c]![d]! / A[c]![c]!));
          return;
        }
        for (let u = start; u < n; u++) pick(u + 1, k, [...acc, u]);
      };
      pick(0, d, []);
      const res = enumeratePolytopes(net, { box: cube(d, 2 * far + 1) });
      let want = 0;
      for (let i = 0; i <= d; i++) want += binomial(n, i);
      expect(res.regions.length).toBe(want);
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
    });
  }

  it('d = 2 agrees with the 2-D slicer (region count and area)', () => {
    for (const seed of [1, 2, 3]) {
      const net = randomMlp([2, 8, 8, 8, 1], { seed });
      const box = [-1.5, 1, -1, 2];
      const res = enumeratePolytopes(net, { box });
      const sl = slicePlane(net, inputPlane(net), box);
      expect(res.regions.length).toBe(sl.summary.regions);
      expect(res.totalVolume).toBeCloseTo(sl.summary.totalArea, 10);
      const a = res.regions.map((r) => r.code.join('')).sort();
      const b = sl.regions.map((r) => Array.from(r.code).join('')).sort();
      expect(a).toEqual(b);
    }
  });

  it('simplex bounds: V − d below; (V−2)(V−3)/2 above in 3-D', () => {
    expect(simplexBounds(8, 3)).toEqual({ lower: 5, upper: 15 });
    expect(simplexBounds(5, 2)).toEqual({ lower: 3, upper: 3 });
    // The general bound reproduces the closed forms for d = 3: (V−2)(V−3)/2.
    for (let V = 4; V < 40; V++) expect(simplexBounds(V, 3).upper).toBe(((V - 2) * (V - 3)) / 2);
    // A simplex is its own only triangulation, in every dimension.
    for (let d = 2; d <= 7; d++) expect(simplexBounds(d + 1, d)).toEqual({ lower: 1, upper: 1 });
    // Cyclic polytope facet counts (Ziegler, Lectures on Polytopes, Ex. 0.8): C(6,4) has 9, C(7,3) has 10, C(8,5) has 20.
    expect(cyclicFacets(6, 4)).toBe(9);
    expect(cyclicFacets(7, 3)).toBe(10);
    expect(cyclicFacets(8, 5)).toBe(20);
    expect(cyclicFacets(5, 4)).toBe(5);
    // The 4-cube (16 vertices, 8 cubical facets): bounds hold for its pulling triangulation (tested on
    // real regions below) and are far below the trivial C(16, 5) = 4368.
    const cube = simplexBounds(16, 4, new Array(8).fill(8));
    expect(cube.lower).toBe(12);
    expect(cube.upper).toBeLessThan(binomial(16, 5));
  });

  it('rejects bad boxes and non-MLPs', () => {
    const net = randomMlp([3, 4, 1], { seed: 1 });
    expect(() => enumeratePolytopes(net, { box: [-1, 1, -1, 1] })).toThrow(/lo,hi pair/);
    expect(() => enumeratePolytopes(net, { box: [1, -1, -1, 1, -1, 1] })).toThrow(/lo < hi/);
  });
});

/** Rows of A x ≤ b. */
interface Rows {
  A: number[][];
  b: number[];
}

/** The box as domain rows in the box's own id order: x_i ≤ hi (2i), −x_i ≤ −lo (2i+1). */
function boxAsRows(box: readonly number[]): Rows {
  const d = box.length / 2;
  const A: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < d; i++) {
    A.push(
      Array.from({ length: d }, (_, j) => (j === i ? 1 : 0)),
      Array.from({ length: d }, (_, j) => (j === i ? -1 : 0)),
    );
    b.push(box[2 * i + 1]!, -box[2 * i]!);
  }
  return { A, b };
}

/** x_i ≥ −0.8 for all i, Σ x_i ≤ 0.5: a simplex of volume (0.5 + 0.8 d)^d / d!. */
function simplexRows(d: number): Rows {
  const A: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (j === i ? -1 : 0)));
  A.push(new Array<number>(d).fill(1));
  return { A, b: [...new Array<number>(d).fill(0.8), 0.5] };
}

/**
 * [−1, 1]^d cut by k random halfspaces a·x ≤ c (unit a, c in [0.2, 0.8], so the origin is inside),
 * plus a redundant row (x_0 ≤ 3, index m − 2) and a copy of the first random row (index m − 1).
 */
function randomPolytopeRows(d: number, k: number, seed: number): Rows {
  const rnd = mulberry32(seed);
  const { A, b } = boxAsRows(cube(d));
  for (let h = 0; h < k; h++) {
    const a = Array.from({ length: d }, () => gaussian(rnd));
    const n = Math.hypot(...a);
    A.push(a.map((v) => v / n));
    b.push(0.2 + 0.6 * rnd());
  }
  A.push(
    Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0)),
    [...A[2 * d]!],
  );
  b.push(3, b[2 * d]!);
  return { A, b };
}

function inside(rows: Rows, x: ArrayLike<number>): boolean {
  return rows.A.every((a, r) => a.reduce((s, v, j) => s + v * x[j]!, 0) <= rows.b[r]!);
}

/** `n` points uniform in the domain by rejection from its bounding box. */
function sampleDomain(rows: Rows, box: readonly number[], n: number, seed: number): Float64Array[] {
  const rnd = mulberry32(seed);
  const d = box.length / 2;
  const out: Float64Array[] = [];
  while (out.length < n) {
    const x = Float64Array.from({ length: d }, (_, i) => box[2 * i]! + (box[2 * i + 1]! - box[2 * i]!) * rnd());
    if (inside(rows, x)) out.push(x);
  }
  return out;
}

/** Sutherland–Hodgman: the polygon (interleaved x, y) clipped by every row a·x ≤ b. */
function clipPolygon(poly: ArrayLike<number>, rows: Rows): number[] {
  let pts: number[] = Array.from(poly);
  rows.A.forEach((a, r) => {
    const f = (i: number) => a[0]! * pts[2 * i]! + a[1]! * pts[2 * i + 1]! - rows.b[r]!;
    const out: number[] = [];
    const n = pts.length / 2;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const fi = f(i);
      const fj = f(j);
      if (fi <= 0) out.push(pts[2 * i]!, pts[2 * i + 1]!);
      if ((fi < 0 && fj > 0) || (fi > 0 && fj < 0)) {
        const t = fi / (fi - fj);
        out.push(pts[2 * i]! + t * (pts[2 * j]! - pts[2 * i]!), pts[2 * i + 1]! + t * (pts[2 * j + 1]! - pts[2 * i + 1]!));
      }
    }
    pts = out;
  });
  return pts;
}

function shoelace(pts: readonly number[]): number {
  let a = 0;
  const n = pts.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += pts[2 * i]! * pts[2 * j + 1]! - pts[2 * j]! * pts[2 * i + 1]!;
  }
  return Math.abs(a) / 2;
}

const byCode = (res: PolytopeEnumeration) => [...res.regions].sort((a, b) => (a.code.join('') < b.code.join('') ? -1 : 1));

describe('enumeratePolytopes in a polytope domain (A x ≤ b)', () => {
  for (const [d, widths, seed] of [
    [2, [2, 6, 6, 1], 1],
    [3, [3, 6, 6, 1], 2],
  ] as const) {
    it(`d = ${d}: a box given as a domain gives exactly the regions, volumes and facets of the box`, async () => {
      const net = randomMlp(widths, { seed });
      const box = Array.from({ length: 2 * d }, (_, i) => (i % 2 ? 1 + 0.1 * i : -0.5 - 0.1 * i));
      const rows = boxAsRows(box);
      const domain = await polytopeDomain(rows.A, rows.b, d);
      const a = enumeratePolytopes(net, { box });
      const b = enumeratePolytopes(net, { domain });
      expect(b.box).toEqual(box);
      expect(b.domainVolume).toBe(a.boxVolume);
      expect(b.numDomainConstraints).toBe(2 * d);
      expect(b.regions.length).toBe(a.regions.length);
      const ra = byCode(a);
      byCode(b).forEach((r, i) => {
        const s = ra[i]!;
        expect(r.code).toEqual(s.code);
        expect(r.volume).toBe(s.volume);
        expect(Array.from(r.facets)).toEqual(Array.from(s.facets));
        expect(r.fVector).toEqual(s.fVector);
        expect(r.simplices).toBe(s.simplices);
        expect(r.vertices).toEqual(s.vertices);
      });
      expect(validatePolytopes(net, b, codeAt(net))).toEqual([]);
    });
  }

  const cases: [string, number[], () => Rows, number][] = [
    ['simplex, d = 3', [3, 8, 8, 1], () => simplexRows(3), 5],
    ['random polytope, d = 2', [2, 8, 8, 1], () => randomPolytopeRows(2, 4, 21), 6],
    ['random polytope, d = 3', [3, 8, 8, 1], () => randomPolytopeRows(3, 5, 22), 7],
    ['random polytope, d = 4', [4, 6, 6, 1], () => randomPolytopeRows(4, 5, 23), 8],
  ];
  for (const [name, widths, make, seed] of cases) {
    it(`${name}: volumes sum to the domain, validation passes, samples land in regions`, async () => {
      const rows = make();
      const d = widths[0]!;
      const net = randomMlp(widths, { seed });
      const domain = await polytopeDomain(rows.A, rows.b, d);
      const res = enumeratePolytopes(net, { domain });
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
      expect(Math.abs(res.totalVolume - res.domainVolume) / res.domainVolume).toBeLessThan(1e-9);
      expect(res.domain).toEqual(rows);
      expect(res.numConstraints).toBe(rows.A.length + net.numUnits);
      const keys = new Set(res.regions.map((r) => r.code.join('')));
      for (const x of sampleDomain(rows, res.box, 400, seed + 100)) expect(keys.has(forwardWithCode(net, x).code.join(''))).toBe(true);
      const m = rows.A.length;
      for (const r of res.regions) {
        expect(eulerSum(r.fVector)).toBe(1 - (-1) ** d);
        expect(r.fVector[0]).toBe(r.numVertices);
        expect(r.simplices).toBeGreaterThanOrEqual(r.simplexBounds.lower);
        expect(r.simplices).toBeLessThanOrEqual(r.simplexBounds.upper);
        for (let v = 0; v < r.numVertices; v++)
          expect(inside({ A: rows.A, b: rows.b.map((c) => c + 1e-12) }, r.vertices.subarray(v * d, v * d + d))).toBe(true);
        if (name.startsWith('random')) {
          // The redundant row and the copy of a row (larger id) are never facets.
          expect(Array.from(r.facets)).not.toContain(m - 2);
          expect(Array.from(r.facets)).not.toContain(m - 1);
        }
      }
      if (name.startsWith('simplex')) {
        let fact = 1;
        for (let i = 2; i <= d; i++) fact *= i;
        expect(res.domainVolume).toBeCloseTo((0.5 + 0.8 * d) ** d / fact, 12);
      }
      const widthsHidden = widths.slice(1, -1);
      const names = new Set(res.regions.flatMap((r) => Array.from(r.facets, (k) => constraintName(k, d, widthsHidden, m))));
      expect([...names].some((n) => /^domain\[\d+\]$/.test(n))).toBe(true);
      expect([...names].some((n) => /^L\d+\.u\d+$/.test(n))).toBe(true);
    });
  }

  it('d = 2: region areas agree with the 2-D slicer clipped to the polygon', async () => {
    for (const seed of [31, 32]) {
      const rows = randomPolytopeRows(2, 5, seed);
      const net = randomMlp([2, 8, 8, 8, 1], { seed });
      const res = enumeratePolytopes(net, { domain: await polytopeDomain(rows.A, rows.b, 2) });
      expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
      const sl = slicePlane(net, inputPlane(net), res.box);
      const clipped = new Map<string, number>();
      for (const r of sl.regions) {
        const key = Array.from(r.code).join('');
        clipped.set(key, (clipped.get(key) ?? 0) + shoelace(clipPolygon(r.vertices, rows)));
      }
      const polygon = shoelace(
        clipPolygon([res.box[0]!, res.box[2]!, res.box[1]!, res.box[2]!, res.box[1]!, res.box[3]!, res.box[0]!, res.box[3]!], rows),
      );
      expect(res.domainVolume).toBeCloseTo(polygon, 12);
      expect(res.totalVolume).toBeCloseTo(polygon, 12);
      const tiny = 1e-12 * polygon;
      expect(res.regions.map((r) => r.code.join('')).sort()).toEqual(
        [...clipped]
          .filter(([, a]) => a > tiny)
          .map(([k]) => k)
          .sort(),
      );
      for (const r of res.regions) expect(r.volume).toBeCloseTo(clipped.get(r.code.join(''))!, 12);
    }
  });

  it('5-D cross-polytope (32 rows, 16 tight at each vertex; ids reach bit 31): exact root polytope', async () => {
    // One unit that is on everywhere: the only region is the domain itself.
    const net = buildNetwork(
      [5],
      [
        { type: 'dense', inputs: [0], inFeatures: 5, outFeatures: 1, weight: Float64Array.of(1, 0, 0, 0, 0), bias: Float64Array.of(10) },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(0) },
      ],
    );
    const A = Array.from({ length: 32 }, (_, m) => Array.from({ length: 5 }, (_, j) => ((m >> j) & 1 ? 1 : -1)));
    const res = enumeratePolytopes(net, { domain: await polytopeDomain(A, new Array<number>(32).fill(1), 5) });
    expect(res.regions).toHaveLength(1);
    const r = res.regions[0]!;
    expect(r.fVector).toEqual([10, 40, 80, 80, 32]);
    expect(r.facets.length).toBe(32);
    expect(r.simplices).toBe(16);
    expect(res.domainVolume).toBeCloseTo(32 / 120, 14);
    expect(res.box).toEqual([-1, 1, -1, 1, -1, 1, -1, 1, -1, 1]);
    expect(validatePolytopes(net, res, codeAt(net))).toEqual([]);
  });

  it('regionInDomain labels domain rows 0…m−1 and units m + u', () => {
    const net = randomMlp([2, 5, 1], { seed: 3 });
    const rows = simplexRows(2);
    const h = regionInDomain(net, [0, 0], rows);
    expect(h.p.length).toBe(3 + 5);
    expect(Array.from(h.ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(h.p.subarray(0, 3))).toEqual(rows.b);
  });

  it('rejects empty, unbounded, lower-dimensional, mis-shaped and non-finite domains', async () => {
    const sq = boxAsRows([-1, 1, -1, 1]);
    await expect(
      polytopeDomain(
        [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ],
        [0, -1, 1, 1],
      ),
    ).rejects.toThrow(/empty/);
    await expect(
      polytopeDomain(
        [
          [1, 0],
          [0, 1],
          [0, -1],
        ],
        [1, 1, 1],
      ),
    ).rejects.toThrow(/unbounded/);
    await expect(
      polytopeDomain(
        [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ],
        [0, 0, 1, 1],
      ),
    ).rejects.toThrow(/lower-dimensional/);
    await expect(polytopeDomain(sq.A, sq.b, 3)).rejects.toThrow(/row 0 has 2 coefficients, but the network has 3 inputs/);
    await expect(polytopeDomain([[1, NaN], ...sq.A.slice(1)], sq.b)).rejects.toThrow(/A\[0\]\[1\] is NaN/);
    await expect(polytopeDomain(sq.A, [...sq.b.slice(1), Infinity])).rejects.toThrow(/b\[3\] is Infinity/);
    await expect(polytopeDomain(sq.A, sq.b.slice(1))).rejects.toThrow(/4 rows in A but 3 values in b/);
    await expect(
      polytopeDomain(
        [
          [1, 0],
          [0, 1, 2],
        ],
        [1, 1],
      ),
    ).rejects.toThrow(/row 1 has 3 coefficients/);
    const net = randomMlp([2, 4, 1], { seed: 1 });
    const bounds = [-1, 1, -1, 1];
    expect(() => enumeratePolytopes(net, { domain: { ...sq, bounds: [-0.5, 0.5, -1, 1] } })).toThrow(/reaches past .* bound of x0/);
    expect(() =>
      enumeratePolytopes(net, {
        domain: {
          A: [
            [1, 0],
            [0, 1],
            [0, -1],
          ],
          b: [1, 1, 1],
          bounds,
        },
      }),
    ).toThrow(/do(es)? not contain|reaches past/);
    expect(() =>
      enumeratePolytopes(net, {
        domain: {
          A: [
            [1, 0],
            [-1, 0],
            [0, 1],
            [0, -1],
          ],
          b: [0, -0.5, 1, 1],
          bounds,
        },
      }),
    ).toThrow(/empty/);
    expect(() =>
      enumeratePolytopes(net, {
        domain: {
          A: [
            [1, 0],
            [-1, 0],
            [0, 1],
            [0, -1],
          ],
          b: [0, 0, 1, 1],
          bounds,
        },
      }),
    ).toThrow(/empty or lower-dimensional/);
    expect(() => enumeratePolytopes(net, { domain: { A: [[1, 0, 0]], b: [1], bounds } })).toThrow(/3 coefficients, but the network has 2/);
    expect(() => enumeratePolytopes(net, { domain: { A: [[1, NaN]], b: [1], bounds } })).toThrow(/NaN/);
    expect(() => enumeratePolytopes(net, { box: bounds, domain: { ...sq, bounds } })).toThrow(/not both/);
    expect(() => enumeratePolytopes(net, {})).toThrow(/give a box/);
  });
});

describe('enumeratePolytopes regressions', () => {
  it("enumerate-reentrant: an enumeration run inside another one's progress callback gives identical results (split scratch was module-level)", () => {
    const a = randomMlp([3, 8, 8, 1], { seed: 2 });
    const b = randomMlp([3, 10, 6, 1], { seed: 7 });
    const box = cube(3);
    const key = (res: PolytopeEnumeration) => res.regions.map((r) => [r.code.join(''), Array.from(r.vertices), r.volume]);
    const alone = [key(enumeratePolytopes(a, { box })), key(enumeratePolytopes(b, { box }))];
    let inner: PolytopeEnumeration | null = null;
    const outer = enumeratePolytopes(a, { box, onProgress: (p) => void (p.finished === 5 && (inner = enumeratePolytopes(b, { box }))) });
    expect(inner).not.toBeNull();
    expect([key(outer), key(inner!)]).toEqual(alone);
  });

  it('tolerances are overridable: a huge vertex tolerance puts every vertex on every hyperplane (one region)', () => {
    const net = randomMlp([2, 6, 1], { seed: 1 });
    expect(enumeratePolytopes(net, { box: cube(2) }).regions.length).toBeGreaterThan(1);
    expect(enumeratePolytopes(net, { box: cube(2), tolerances: { vertex: 1e9 } }).regions).toHaveLength(1);
  });
});

describe('issue 18 #11: the enumeration streams finished regions in bounded memory', () => {
  it('enumerate-stream: onRegion without collecting gives the slice engine’s regions; in flight ≤ units + 1', () => {
    const net = randomMlp([2, 12, 12, 1], { seed: 3 });
    const box = [-2, 2, -2, 2];
    const streamed: string[] = [];
    let maxInFlight = 0;
    const res = enumeratePolytopes(net, {
      box,
      collect: false,
      onRegion: (r) => streamed.push(r.code.join('')),
      onProgress: (p) => void (maxInFlight = Math.max(maxInFlight, p.polytopes - p.finished)),
    });
    expect(res.regions).toEqual([]);
    expect(res.count).toBe(streamed.length);
    expect(res.totalVolume).toBeCloseTo(16, 9);
    // Independent reference: the 2-D slice engine on the input plane.
    const slice = slicePlane(net, inputPlane(net), [-2, 2, -2, 2]);
    expect([...streamed].sort()).toEqual(slice.regions.map((r) => r.code.join('')).sort());
    expect(maxInFlight).toBeLessThanOrEqual(net.numUnits + 1);
    // Collecting returns the same regions in the same (depth-first) order.
    expect(enumeratePolytopes(net, { box }).regions.map((r) => r.code.join(''))).toEqual(streamed);
  });

  it('enumerate-stream: the budget counts the polytopes in flight (too-large, naming maxBytes)', () => {
    const net = randomMlp([2, 12, 12, 1], { seed: 3 });
    expect(() => enumeratePolytopes(net, { box: [-2, 2, -2, 2], maxBytes: 1000 })).toThrow(/memory budget .*raise maxBytes/);
  });
});
