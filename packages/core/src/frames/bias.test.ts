import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { facetProgram, layerAlpha, biasThreshold, monteCarloBias, neighbourUnionValue, polytopeBiasEstimate } from './bias.js';
import { frameFromLayer, frameFromRows, icosahedronFrame, mercedesBenzFrame, randomFrame, tetrahedronFrame } from './frame.js';
import type { Frame } from './frame.js';
import { facetVertices, framePolytope, vertexFacets } from './polytope.js';
import { exactInjectivity } from './injectivity.js';
import { highs } from '../geometry/lp.js';

const INV_SQRT3 = 1 / Math.sqrt(3);

/** Brute force: min ⟨x_i, y/‖y‖⟩ over random nonnegative combinations y of the facet's vertices. */
function sampledFacetMin(f: Frame, i: number, verts: ArrayLike<number>, samples: number, seed: number): number {
  const random = mulberry32(seed);
  const { n, rows } = f;
  let best = 0;
  const y = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    y.fill(0);
    for (let c = 0; c < verts.length; c++) {
      // Heavy-tailed weights reach the cone's boundary rays.
      const w = Math.pow(random(), 4);
      for (let j = 0; j < n; j++) y[j] = y[j]! + w * rows[verts[c]! * n + j]!;
    }
    let len = 0;
    let dot = 0;
    for (let j = 0; j < n; j++) {
      len += y[j]! * y[j]!;
      dot += y[j]! * rows[i * n + j]!;
    }
    if (len > 0) best = Math.min(best, dot / Math.sqrt(len));
  }
  return best;
}

describe('polytope bias estimation, hand-checked values', () => {
  it('tetrahedron: α^B_i = −1/√3 for every vector', () => {
    // Facet {x_i, x_j, x_k}: ⟨x_i, y⟩ over the cone is smallest on the edge ray x_j + x_k, where
    // ⟨x_i, x_j + x_k⟩ = −2/3 and ‖x_j + x_k‖ = √(2 − 2/3) = 2/√3, so the value is −1/√3.
    const e = polytopeBiasEstimate(tetrahedronFrame(), { domain: 'ball' });
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(e.alpha[i]! + INV_SQRT3)).toBeLessThan(1e-15);
      expect(e.alphaX[i]).toBeCloseTo(-1 / 3, 15);
    }
    expect(e.kktViolation).toBeLessThan(1e-14);
    expect(-0.57735027).toBeCloseTo(e.alpha[0]!, 8); // the seed's printed value
  });

  it('icosahedron: α^B is exactly 0 (α^X = 1/√5 > 0 on every facet)', () => {
    const e = polytopeBiasEstimate(icosahedronFrame(), { domain: 'ball' });
    for (let i = 0; i < 12; i++) {
      expect(e.alpha[i]).toBe(0);
      expect(e.alphaX[i]).toBeCloseTo(1 / Math.sqrt(5), 15);
    }
    // On the sphere the quasi-concave facet minimum sits at a vertex: α^S = α^X = 1/√5.
    const s = polytopeBiasEstimate(icosahedronFrame(), { domain: 'sphere' });
    for (let i = 0; i < 12; i++) expect(s.alpha[i]).toBeCloseTo(1 / Math.sqrt(5), 15);
  });

  it('Mercedes-Benz: α^B = cos 120° = −1/2', () => {
    const e = polytopeBiasEstimate(mercedesBenzFrame());
    for (let i = 0; i < 3; i++) expect(e.alpha[i]).toBeCloseTo(-0.5, 15);
  });

  it('scales with the radius of the ball', () => {
    const e = polytopeBiasEstimate(tetrahedronFrame(), { radius: 2.5 });
    for (let i = 0; i < 4; i++) expect(e.alpha[i]).toBeCloseTo(-2.5 * INV_SQRT3, 14);
  });

  it('per facet, not over the union of neighbouring facets (which gives −1 for the tetrahedron)', () => {
    const f = tetrahedronFrame();
    const p = framePolytope(f);
    expect(neighbourUnionValue(f, p, 0)).toBeCloseTo(-1, 14);
    // The union value is not admissible-optimal: the per-facet α^B is already injective (exact check).
    expect(exactInjectivity(f, new Float64Array(4).fill(-INV_SQRT3)).injective).toBe(true);
  });

  it('facet programs agree with brute-force sampling of the cone and their minimizers attain them', () => {
    const f = randomFrame(3, 10, mulberry32(21));
    const p = framePolytope(f);
    for (let i = 0; i < f.m; i++) {
      for (const j of vertexFacets(p, i)) {
        const verts = facetVertices(p, j);
        const prog = facetProgram(f, i, verts);
        const sampled = sampledFacetMin(f, i, verts, 3000, 7 * i + j);
        expect(prog.value).toBeLessThanOrEqual(sampled + 1e-12);
        expect(sampled - prog.value).toBeLessThan(0.02);
        if (prog.value < 0) {
          let dot = 0;
          for (let t = 0; t < 3; t++) dot += prog.direction[t]! * f.rows[i * 3 + t]!;
          expect(dot).toBeCloseTo(prog.value, 14);
        }
      }
    }
  });

  it('facet programs agree with HiGHS solving the substituted QP min ½‖D_F d + x_i‖² s.t. d ≥ 0', async () => {
    const hs = await highs();
    const f = randomFrame(4, 12, mulberry32(17));
    const p = framePolytope(f);
    const n = f.n;
    for (let i = 0; i < f.m; i++) {
      for (const j of vertexFacets(p, i)) {
        const verts = Array.from(facetVertices(p, j));
        const k = verts.length;
        // Q = D_Fᵀ D_F (lower triangle, column-major), c = D_Fᵀ x_i.
        const starts = [0];
        const indices: number[] = [];
        const values: number[] = [];
        for (let c = 0; c < k; c++) {
          for (let r = c; r < k; r++) {
            let s = 0;
            for (let t = 0; t < n; t++) s += f.rows[verts[r]! * n + t]! * f.rows[verts[c]! * n + t]!;
            indices.push(r);
            values.push(s);
          }
          starts.push(indices.length);
        }
        const cost = verts.map((v) => {
          let s = 0;
          for (let t = 0; t < n; t++) s += f.rows[v * n + t]! * f.rows[i * n + t]!;
          return s;
        });
        const d = hs.withModel(
          {
            numCols: k,
            numRows: 0,
            colCost: cost,
            colLower: new Float64Array(k),
            colUpper: new Float64Array(k).fill(hs.infinity),
            rowLower: [],
            rowUpper: [],
            matrix: { format: 'csc', numRows: 0, numCols: k, starts: new Array<number>(k + 1).fill(0), indices: [], values: [] },
            hessian: { format: 'triangular', dimension: k, starts, indices, values },
          },
          (model) => {
            model.options.set({ output_flag: false });
            model.run();
            return model.getSolution().colValue;
          },
        );
        const y = new Float64Array(n);
        verts.forEach((v, c) => {
          for (let t = 0; t < n; t++) y[t] = y[t]! + d[c]! * f.rows[v * n + t]!;
        });
        const value = -Math.hypot(...y);
        expect(facetProgram(f, i, verts).value).toBeCloseTo(value, 6);
      }
    }
  });

  it('ball+: vectors outside I⁺ are free, and the result is injective on 𝔹⁺ (exact check)', () => {
    const f = icosahedronFrame();
    const e = polytopeBiasEstimate(f, { domain: 'ball+' });
    const free = Array.from(e.free).filter((v) => v).length;
    expect(free).toBeGreaterThan(0);
    for (let i = 0; i < 12; i++) expect(e.alpha[i]).toBe(e.free[i] ? Infinity : 0);
    expect(exactInjectivity(f, e.alpha, { domain: 'ball+' }).injective).toBe(true);
  });

  it('refuses a frame that is not omnidirectional', () => {
    expect(() =>
      polytopeBiasEstimate(
        frameFromRows([
          [1, 0],
          [0, 1],
          [1, 1],
        ]),
      ),
    ).toThrow(/not omnidirectional/);
  });
});

describe('Monte-Carlo bias estimate', () => {
  it('agrees with α^B within the sampling error for the regular frames', () => {
    const N = 20000;
    for (const f of [mercedesBenzFrame(), tetrahedronFrame(), icosahedronFrame()]) {
      const pbe = polytopeBiasEstimate(f).alpha;
      const mc = monteCarloBias(f, { random: mulberry32(4), samples: N });
      // The estimate is a minimum over samples of a quantity whose infimum is α^B here, so it
      // approaches from above at about the covering radius of N points, (log N / N)^{1/(n−1)}.
      const tol = Math.pow(Math.log(N) / N, 1 / (f.n - 1));
      for (let i = 0; i < f.m; i++) {
        expect(mc.alpha[i]!).toBeGreaterThanOrEqual(pbe[i]! - 1e-12);
        expect(mc.alpha[i]! - pbe[i]!).toBeLessThan(tol);
      }
    }
  });
});

describe('layer units', () => {
  it('maps a layer bias to α on a data ball and back', () => {
    const f = frameFromLayer(new Float64Array([2, 0, 0, 4]), 2, 2, new Float64Array([1, -1]));
    const a = layerAlpha(f, { radius: 2, center: [1, 0] });
    // α_i = −(b_i + ⟨w_i, c⟩)/(r‖w_i‖): −(1 + 2)/4 and −(−1 + 0)/8.
    expect(Array.from(a)).toEqual([-0.75, 0.125]);
    const t = biasThreshold(f, a, { radius: 2, center: [1, 0] });
    expect(Array.from(t)).toEqual([1, -1]);
  });
});
