import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { polytopeBiasEstimate } from './bias.js';
import { icosahedronFrame, mercedesBenzFrame, randomFrame, tetrahedronFrame } from './frame.js';
import { facetVertices, framePolytope } from './polytope.js';
import { facetDualFrames, frameRelu, reconstructViaFacets, reconstructionStudy } from './reconstruct.js';

describe('reconstruction via facets (Theorem 4.8, Algorithm 2)', () => {
  const frames = [
    mercedesBenzFrame(),
    tetrahedronFrame(),
    icosahedronFrame(),
    randomFrame(3, 12, mulberry32(7)),
    randomFrame(4, 16, mulberry32(3)),
  ];

  it('each facet dual frame is a left inverse on its span: Σ x̃_k x_kᵀ = I', () => {
    for (const f of frames) {
      const p = framePolytope(f);
      const d = facetDualFrames(f, p);
      const n = f.n;
      for (let j = 0; j < p.numFacets; j++) {
        expect(d.valid[j]).toBe(1);
        const M = new Float64Array(n * n);
        facetVertices(p, j).forEach((k, c) => {
          const o = (p.facetStart[j]! + c) * n;
          for (let r = 0; r < n; r++) for (let s = 0; s < n; s++) M[r * n + s] = M[r * n + s]! + d.duals[o + r]! * f.rows[k * n + s]!;
        });
        for (let r = 0; r < n; r++) for (let s = 0; s < n; s++) expect(M[r * n + s]).toBeCloseTo(r === s ? 1 : 0, 12);
      }
    }
  });

  it('ReLU: errors below 1e-12 over 500 ball points; z·cos z: O(1) errors', () => {
    for (const f of frames) {
      const alpha = polytopeBiasEstimate(f).alpha;
      const relu = reconstructionStudy(f, alpha, { random: mulberry32(5), points: 500 });
      expect(relu.failures).toBe(0);
      expect(relu.activeSetFallbacks).toBe(0);
      expect(relu.maxError).toBeLessThan(1e-12);
      const zc = reconstructionStudy(f, alpha, { random: mulberry32(5), points: 500, activation: 'zcosz' });
      expect(zc.meanError).toBeGreaterThan(0.05);
      expect(zc.maxError).toBeGreaterThan(0.3);
    }
  });

  it('boundary points: x = 0 for the icosahedron at α = 0 (all outputs 0) is recovered with verification', () => {
    const f = icosahedronFrame();
    const alpha = new Float64Array(12);
    const p = framePolytope(f);
    const rec = reconstructViaFacets(f, facetDualFrames(f, p), alpha, frameRelu(f, alpha, [0, 0, 0]));
    expect(rec.method).toBe('facet');
    expect(Array.from(rec.x)).toEqual([0, 0, 0]);
  });
});
