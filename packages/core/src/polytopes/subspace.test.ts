/**
 * Polytopes of any network on a k-dimensional affine subspace (issue 19): checked against
 * independent references — the forward pass (dense random samples, finite differences), the
 * slice engine's polygons (k = 2), the MLP enumeration (k = d), and the hit-and-run estimate on
 * H-representations built from the forward pass.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { enumeratePolytopes } from './enumerate.js';
import { eulerSum } from './enumerate-faces.js';
import { estimateFacets } from './sample.js';
import { subspacePolytopes, subspaceRegionAt, subspaceThrough, subspaceConstraintName } from './subspace.js';
import type { SubspaceEnumeration, SubspaceRegion } from './subspace.js';
import { forward, forwardWithCode } from '../network/forward.js';
import { mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { readOnnx } from '../io/onnx.js';
import { planeFromDirections, slicePlane } from '../regions/slice.js';
import { codeKey, codeOffsets } from '../spline/code.js';
import { randomPoint, tinyCnn } from '../../test/helpers.js';
import type { Network } from '../network/network.js';
import { prepareNetwork } from '../network/prepared.js';
import { TrainableNetwork } from '../train/model.js';
import { seededRandom } from '../random.js';
import { subspaceShapeStudy } from './subspace-study.js';

/** Slack tolerance of the reference checks (far above rounding, far below region sizes). */
const CHECK_TOL = 1e-7;

function pointOf(res: SubspaceEnumeration, t: ArrayLike<number>): Float64Array {
  const k = res.dim;
  const d = res.origin.length;
  const x = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let v = res.origin[i]!;
    for (let j = 0; j < k; j++) v += res.dirs[i * k + j]! * t[j]!;
    x[i] = v;
  }
  return x;
}

/** Largest g(t) over the region's inequalities (≤ 0 inside). */
function maxSlack(r: SubspaceRegion, t: ArrayLike<number>, k: number): number {
  let worst = -Infinity;
  for (let c = 0; c < r.constraints.length; c++) {
    let g = r.rows[c * (k + 1)]!;
    for (let j = 0; j < k; j++) g += r.rows[c * (k + 1) + 1 + j]! * t[j]!;
    worst = Math.max(worst, g);
  }
  return worst;
}

function randomInBox(box: readonly number[], k: number, rnd: () => number): Float64Array {
  return Float64Array.from({ length: k }, (_, j) => box[2 * j]! + (box[2 * j + 1]! - box[2 * j]!) * rnd());
}

/** Every code of `samples` random points is a region's code, and the point lies in that region. */
function checkSampledCodes(plain: Network, res: SubspaceEnumeration, samples: number, seed: number): number {
  const net = prepareNetwork(plain);
  const offsets = codeOffsets(net);
  const byKey = new Map<string, SubspaceRegion>();
  for (const r of res.regions) byKey.set(codeKey(r.code, offsets), r);
  expect(byKey.size).toBe(res.regions.length);
  const rnd = mulberry32(seed);
  const seen = new Set<string>();
  for (let s = 0; s < samples; s++) {
    const t = randomInBox(res.box, res.dim, rnd);
    const key = codeKey(forwardWithCode(net, pointOf(res, t)).code, offsets);
    const r = byKey.get(key);
    expect(r, `sampled code ${key} not found`).toBeDefined();
    expect(maxSlack(r!, t, res.dim)).toBeLessThanOrEqual(CHECK_TOL);
    seen.add(key);
  }
  return seen.size;
}

/** The output map of every region equals central finite differences of the forward pass at an interior point. */
function checkMaps(plain: Network, res: SubspaceEnumeration, every = 1): void {
  const net = prepareNetwork(plain);
  const k = res.dim;
  const o = plain.outputSize;
  for (let n = 0; n < res.regions.length; n += every) {
    const r = res.regions[n]!;
    const t = r.interior;
    // A step that keeps t ± h e_j inside: a quarter of the smallest slack over the row norms.
    let h = Infinity;
    for (let c = 0; c < r.constraints.length; c++) {
      let g = r.rows[c * (k + 1)]!;
      let nrm = 0;
      for (let j = 0; j < k; j++) {
        g += r.rows[c * (k + 1) + 1 + j]! * t[j]!;
        nrm = Math.max(nrm, Math.abs(r.rows[c * (k + 1) + 1 + j]!));
      }
      if (nrm > 0) h = Math.min(h, -g / nrm / 4);
    }
    expect(h).toBeGreaterThan(0);
    const y0 = forward(net, pointOf(res, t));
    for (let q = 0; q < o; q++) {
      let v = r.map[q * (k + 1)]!;
      for (let j = 0; j < k; j++) v += r.map[q * (k + 1) + 1 + j]! * t[j]!;
      expect(v).toBeCloseTo(y0[q]!, 8);
    }
    for (let j = 0; j < k; j++) {
      const tp = Float64Array.from(t);
      const tm = Float64Array.from(t);
      tp[j] = tp[j]! + h;
      tm[j] = tm[j]! - h;
      const yp = forward(net, pointOf(res, tp));
      const ym = forward(net, pointOf(res, tm));
      for (let q = 0; q < o; q++) {
        const fd = (yp[q]! - ym[q]!) / (2 * h);
        const scale = Math.max(1, Math.abs(fd));
        expect(Math.abs(fd - r.map[q * (k + 1) + 1 + j]!) / scale).toBeLessThan(1e-5);
      }
    }
  }
}

/** Euler relation, facet count and positive volume of every polytope. */
function checkGeometry(res: SubspaceEnumeration): void {
  const k = res.dim;
  for (const r of res.regions) {
    expect(eulerSum(r.fVector)).toBe(k % 2 ? 2 : 0);
    expect(r.fVector[k - 1]).toBe(r.facets.length);
    expect(r.volume).toBeGreaterThan(0);
    expect(r.simplices).toBeGreaterThanOrEqual(r.simplexBounds.lower);
    expect(r.simplices).toBeLessThanOrEqual(r.simplexBounds.upper);
  }
  expect(Math.abs(res.totalVolume - res.boxVolume)).toBeLessThan(1e-9 * res.boxVolume);
}

describe('subspacePolytopes: a small CNN (conv, batch-norm, max-pool, residual add, avg-pool, hard-tanh) in 3-D', () => {
  const net = tinyCnn(3);
  const rnd = mulberry32(5);
  const origin = randomPoint(36, rnd);
  const dirs = [randomPoint(36, rnd), randomPoint(36, rnd), randomPoint(36, rnd)];
  const res = subspacePolytopes(net, { origin, dirs, box: [-0.2, 0.2, -0.2, 0.2, -0.2, 0.2] });

  it('volumes sum to the box, faces satisfy Euler, triangulations within bounds', () => {
    expect(res.regions.length).toBeGreaterThan(20);
    checkGeometry(res);
  });

  it('every code of a dense random sample is found, and the point lies in its polytope', () => {
    const distinct = checkSampledCodes(net, res, 3000, 9);
    expect(distinct).toBeGreaterThan(10);
  });

  it("each polytope's output map equals finite differences of the forward pass", () => {
    checkMaps(net, res);
  });

  it('the hit-and-run estimate on the forward-pass H-representation finds only facets, and most of them', () => {
    let exact = 0;
    const rand = mulberry32(3);
    const some = res.regions.filter((_, i) => i % 12 === 0);
    for (const r of some) {
      const h = subspaceRegionAt(net, res, r.interior);
      const est = estimateFacets(h, r.interior, 400, rand);
      const facets = new Set(r.facets);
      for (const f of est.facets) expect(facets.has(f), `estimated facet ${subspaceConstraintName(f, net)}`).toBe(true);
      if (est.facets.length === r.facets.length) exact++;
    }
    expect(exact / some.length).toBeGreaterThan(0.5);
  });
});

describe('subspacePolytopes against independent partitions', () => {
  it('k = 2 equals the slice of the same plane (count, codes, areas)', () => {
    const net = tinyCnn(4);
    const rnd = mulberry32(11);
    const origin = randomPoint(36, rnd);
    const d1 = randomPoint(36, rnd);
    const d2 = randomPoint(36, rnd);
    const box = [-0.3, 0.3, -0.1, 0.5];
    const res = subspacePolytopes(net, { origin, dirs: [d1, d2], box });
    const slice = slicePlane(net, planeFromDirections(origin, d1, d2), box);
    expect(res.regions.length).toBe(slice.regions.length);
    const offsets = codeOffsets(net);
    const area = new Map(slice.regions.map((r) => [codeKey(r.code, offsets), r.area]));
    for (const r of res.regions) {
      const a = area.get(codeKey(r.code, offsets));
      expect(a).toBeDefined();
      expect(r.volume).toBeCloseTo(a!, 10);
      expect(r.fVector[0]).toBe(r.fVector[1]);
    }
    checkGeometry(res);
  });

  it('an MLP on its own input space (k = d = 3) equals enumeratePolytopes (count, codes, volumes, facet counts)', () => {
    const net = randomMlp([3, 8, 8, 2], { seed: 4 });
    const box = [-1, 1, -1, 1, -1, 1];
    const res = subspacePolytopes(net, {
      origin: [0, 0, 0],
      dirs: [Float64Array.of(1, 0, 0), Float64Array.of(0, 1, 0), Float64Array.of(0, 0, 1)],
      box,
    });
    const ref = enumeratePolytopes(net, { box });
    expect(res.regions.length).toBe(ref.regions.length);
    const offsets = codeOffsets(net);
    const byKey = new Map(ref.regions.map((r) => [codeKey(r.code, offsets), r]));
    for (const r of res.regions) {
      const q = byKey.get(codeKey(r.code, offsets))!;
      expect(q).toBeDefined();
      expect(r.volume).toBeCloseTo(q.volume, 10);
      expect(r.facets.length).toBe(q.facets.length);
      expect(r.fVector).toEqual(q.fVector);
      expect(r.simplices).toBe(q.simplices);
    }
  });

  it('k = 4 and k = 1 on the CNN: volumes sum, sampled codes found', () => {
    const net = tinyCnn(6);
    const rnd = mulberry32(2);
    for (const k of [1, 4]) {
      const dirs = Array.from({ length: k }, () => randomPoint(36, rnd, 0.5));
      const res = subspacePolytopes(net, {
        origin: randomPoint(36, rnd),
        dirs,
        box: Array.from({ length: 2 * k }, (_, i) => (i % 2 ? 0.15 : -0.15)),
      });
      checkGeometry(res);
      checkSampledCodes(net, res, 300, k);
    }
  });
});

// The repository's PyTorch export (torch.onnx.export of Conv/ReLU/MaxPool/Linear modules, examples/onnx/README.md).
const CNN28 = new URL('../../../../examples/onnx/cnn28.onnx', import.meta.url);

describe('subspacePolytopes on a PyTorch-exported CNN (examples/onnx/cnn28.onnx)', () => {
  it('3-D subspace through four inputs: volumes sum, sampled codes found, maps match the forward pass', () => {
    const net = readOnnx(readFileSync(fileURLToPath(CNN28)));
    const rnd = mulberry32(21);
    const pts = Array.from({ length: 4 }, () => Float64Array.from({ length: 784 }, () => rnd()));
    const s = subspaceThrough(pts);
    // A small box around A keeps the test fast (the whole tetrahedron has thousands of polytopes).
    const res = subspacePolytopes(net, { origin: s.origin, dirs: s.dirs, box: [0, 0.002, 0, 0.002, 0, 0.002] });
    expect(res.regions.length).toBeGreaterThan(5);
    checkGeometry(res);
    checkSampledCodes(net, res, 100, 4);
    checkMaps(net, res, 8);
  });
});

describe('subspacePolytopes: bad input', () => {
  const net = tinyCnn(3);
  const rnd = mulberry32(1);
  const o = randomPoint(36, rnd);
  const a = randomPoint(36, rnd);
  it('refuses dependent directions, wrong lengths, too many directions and bad boxes with PolytopeError', () => {
    const b = Float64Array.from(a, (v) => 2 * v);
    expect(() => subspacePolytopes(net, { origin: o, dirs: [a, b] })).toThrow(PolytopeError);
    expect(() => subspacePolytopes(net, { origin: o, dirs: [a, new Float64Array(36)] })).toThrow(/span/);
    expect(() => subspacePolytopes(net, { origin: o.subarray(1), dirs: [a] })).toThrow(/inputs/);
    expect(() => subspacePolytopes(net, { origin: o, dirs: Array.from({ length: 7 }, () => randomPoint(36, rnd)) })).toThrow(/1…6/);
    expect(() => subspacePolytopes(net, { origin: o, dirs: [a], box: [1, 0] })).toThrow(/lo < hi/);
    expect(() => subspacePolytopes(net, { origin: o, dirs: [a], box: [0, 1, 0, 1] })).toThrow(/2 numbers/);
  });
});

describe("seed 004's shape study on a LeNet-5-like CNN (reduced)", () => {
  it('pools the polytopes of 3-D subspaces through four inputs; every polytope is a 3-polytope with ≥ 4 facets', () => {
    const lenet = new TrainableNetwork(
      [1, 28, 28],
      [
        { type: 'conv2d', outChannels: 6, kernel: 5, padding: 2 },
        { type: 'relu' },
        { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', outChannels: 16, kernel: 5 },
        { type: 'relu' },
        { type: 'maxpool', kernel: 2 },
        { type: 'flatten' },
        { type: 'dense', outFeatures: 120 },
        { type: 'relu' },
        { type: 'dense', outFeatures: 84 },
        { type: 'relu' },
        { type: 'dense', outFeatures: 10 },
      ],
      { random: seededRandom(1), dtype: 'float64' },
    ).toNetwork();
    const rnd = mulberry32(4);
    const group = Array.from({ length: 4 }, () => Float64Array.from({ length: 784 }, () => rnd()));
    const box = [0.2495, 0.2505, 0.2495, 0.2505, 0.2495, 0.2505];
    const st = subspaceShapeStudy(lenet, [group], box);
    const s = subspaceThrough(group);
    const direct = subspacePolytopes(lenet, { origin: s.origin, dirs: s.dirs, box });
    expect(st.regions).toBe(direct.regions.length);
    expect(st.regions).toBeGreaterThan(1);
    expect(st.facets[0]).toBeGreaterThanOrEqual(4);
    expect(st.simplices[0]).toBeGreaterThanOrEqual(1);
    expect(st.facets).toEqual(direct.regions.map((r) => r.facets.length).sort((a, b) => a - b));
  });
});
