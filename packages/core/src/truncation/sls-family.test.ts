import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { gaussian, mulberry32 } from '../random.js';
import type { LabelledData } from './constructions.js';
import type { AffineLayer } from './mlp.js';
import { slsFamily, slsFamilyMember } from './sls-family.js';

function blobs(centers: number[][], perClass: number, spread: number, seed: number): LabelledData {
  const rand = mulberry32(seed);
  const d = centers[0]!.length;
  const points = new Float64Array(centers.length * perClass * d);
  const labels = new Int32Array(centers.length * perClass);
  let r = 0;
  centers.forEach((c, j) => {
    for (let i = 0; i < perClass; i++, r++) {
      for (let k = 0; k < d; k++) points[r * d + k] = c[k]! + spread * gaussian(rand);
      labels[r] = j;
    }
  });
  return { points, labels, dim: d };
}

/** Cost (6.5) by a plain forward pass written here (independent of the library's forward). */
function cost(layers: readonly AffineLayer[], data: LabelledData, q: number): number {
  const counts = new Array<number>(q).fill(0);
  for (const l of data.labels) counts[l]!++;
  let c = 0;
  data.labels.forEach((label, i) => {
    let x = Array.from(data.points.subarray(i * data.dim, (i + 1) * data.dim));
    for (const layer of layers) {
      const y: number[] = [];
      for (let r = 0; r < layer.outFeatures; r++) {
        let v = layer.bias[r]!;
        for (let k = 0; k < layer.inFeatures; k++) v += layer.weight[r * layer.inFeatures + k]! * x[k]!;
        y.push(layer.act === 'relu' ? Math.max(0, v) : v);
      }
      x = y;
    }
    c += x.reduce((s, v, k) => s + (v - (k === label ? 1 : 0)) ** 2, 0) / counts[label]!;
  });
  return c;
}

const three = blobs(
  [
    [0, 0],
    [4, 0],
    [0, 4],
  ],
  15,
  0.4,
  1,
);

describe('Theorem 3.2: the family of degenerate global minima', () => {
  it('centre member: zero cost (6.5), base points on the segments μ x̄ + (1 − μ) x̄_j', async () => {
    const fam = await slsFamily(three);
    expect([...fam.order].sort()).toEqual([0, 1, 2]);
    const m = slsFamilyMember(three, fam.order, fam.centre);
    expect(m.layers.length).toBe(4); // Q + 1 layers
    expect(cost(m.layers, three, 3)).toBeLessThan(1e-20);
    expect(m.cost).toBeLessThan(1e-20);
    // x̄ = mean of the centres' samples ≈ (4/3, 4/3); p_j − x̄_j = μ_j (x̄ − x̄_j).
    const mean = (f: (i: number) => boolean): number[] => {
      const idx = Array.from(three.labels.keys()).filter(f);
      return [0, 1].map((k) => idx.reduce((s, i) => s + three.points[2 * i + k]!, 0) / idx.length);
    };
    const all = mean(() => true);
    fam.order.forEach((label, j) => {
      const cm = mean((i) => three.labels[i] === label);
      const mu = fam.centre[j]!.mu;
      for (let k = 0; k < 2; k++) expect(m.bases[j]![k]).toBeCloseTo(mu * all[k]! + (1 - mu) * cm[k]!, 12);
    });
  });

  it('is degenerate: the cost stays zero along θ₁ and μ_last while the weights move', async () => {
    const fam = await slsFamily(three);
    const centre = slsFamilyMember(three, fam.order, fam.centre);
    const { lo, hi } = fam.thetaRanges[0]!;
    let moved = 0;
    for (const f of [0.1, 0.3, 0.7, 0.9]) {
      const params = fam.centre.map((s, j) => (j === 0 ? { ...s, theta: lo + f * (hi - lo) } : s));
      const m = slsFamilyMember(three, fam.order, params);
      expect(cost(m.layers, three, 3)).toBeLessThan(1e-20);
      let dist = 0;
      m.parameters.forEach((v, i) => (dist += (v - centre.parameters[i]!) ** 2));
      moved = Math.max(moved, Math.sqrt(dist));
    }
    expect(moved).toBeGreaterThan(0.1);
    const last = fam.order.length - 1;
    const r = fam.muRanges[last]!;
    for (const f of [0.2, 0.8]) {
      const params = fam.centre.map((s, j) => (j === last ? { ...s, mu: r.lo + f * (r.hi - r.lo) } : s));
      // θ must still cover the points from the moved base point: take the largest admissible angle's neighbourhood.
      const wide = params.map((s, j) => (j === last ? { ...s, theta: Math.PI / 2 - 1e-3 } : s));
      expect(cost(slsFamilyMember(three, fam.order, wide).layers, three, 3)).toBeLessThan(1e-20);
    }
  });

  it('refuses triples outside the family and malformed ones', async () => {
    const fam = await slsFamily(three);
    const narrow = fam.centre.map((s, j) => (j === 0 ? { ...s, theta: fam.thetaRanges[0]!.lo * 0.5 } : s));
    expect(() => slsFamilyMember(three, fam.order, narrow)).toThrow(/outside the family/);
    const wide = fam.centre.map((s, j) => (j === 0 ? { ...s, theta: 2 } : s));
    expect(() => slsFamilyMember(three, fam.order, wide)).toThrow(PolytopeError);
    expect(() => slsFamilyMember(three, [0, 0, 1], fam.centre)).toThrow(/permutation/);
  });
});
