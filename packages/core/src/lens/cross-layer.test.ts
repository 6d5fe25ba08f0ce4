import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { networkOfLayers } from '../truncation/mlp.js';
import { crossLayerPurity } from './cross-layer.js';

// h = (σ(x), σ(−x)); u = (σ(h₁ − 1), σ(h₂ − 1)); f = u₁ + u₂.
const net = networkOfLayers([
  { weight: Float64Array.of(1, -1), bias: Float64Array.of(0, 0), inFeatures: 1, outFeatures: 2, act: 'relu', alpha: 0 },
  { weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(-1, -1), inFeatures: 2, outFeatures: 2, act: 'relu', alpha: 0 },
  { weight: Float64Array.of(1, 1), bias: Float64Array.of(0), inFeatures: 2, outFeatures: 1, act: 'none', alpha: 1 },
]);
const fit = { inputs: [[-3], [-2], [-0.5], [0.5], [2], [3]], labels: [0, 0, 1, 1, 2, 2] };
const test = { inputs: [[-2.5], [0.7], [10]], labels: [0, 1, 0] };

describe('crossLayerPurity (seed 000)', () => {
  it('matches the hand-derived groups, purities, held-out scores and persistence', () => {
    const r = crossLayerPurity(net, fit, test);
    const [l1, l2] = r.layers;
    // Layer 1: x < 0 → code 01, x > 0 → 10: groups {−3, −2, −0.5} (0, 0, 1) and {0.5, 2, 3} (1, 2, 2).
    expect(l1!.cumulative).toMatchObject({ groups: 2, singletons: 0, purity: 4 / 6 });
    expect(l1!.direction.purity).toBeCloseTo(4 / 6, 15);
    // Layer 2 (cumulative): x < −1, −1 < x < 0, 0 < x < 1, x > 1 → 4 groups, 2 singletons, all pure.
    expect(l2!.cumulative).toMatchObject({ groups: 4, singletons: 2, purity: 1 });
    // Layer-2 code alone: |x| < 1 share code 00 → 3 groups, pure.
    expect(l2!.layerCode).toMatchObject({ groups: 3, singletons: 0, purity: 1 });
    // Layer-2 direction: argmax(u) is 0 for x > −1 (ties at u = 0 go to unit 0), 1 for x < −1 → purity (2 + 2)/6.
    expect(l2!.direction).toMatchObject({ groups: 2, purity: 4 / 6 });
    // Held out: −2.5 → 0 ✓, 0.7 → 1 ✓, 10 → 2 ✗ (label 0).
    expect(l2!.cumulative.heldOutAccuracy).toBeCloseTo(2 / 3, 15);
    expect(l2!.cumulative.coverage).toBe(1);
    // Persistence: majority at layer 1 is 0 (x < 0) and 2 (x > 0); at layer 2 −0.5 → 1 and 0.5 → 1 differ.
    expect(r.persistence.cumulative[0]![1]).toBeCloseTo(4 / 6, 15);
    expect(r.persistence.cumulative[1]![1]).toBe(1);
  });

  it('held-out inputs in unseen polytopes are not covered', () => {
    const r = crossLayerPurity(net, { inputs: [[2], [3]], labels: [1, 1] }, { inputs: [[-2]], labels: [1] });
    expect(r.layers[1]!.cumulative.coverage).toBe(0);
    expect(Number.isNaN(r.layers[1]!.cumulative.heldOutAccuracy)).toBe(true);
  });

  it('refuses mismatched labels', () => {
    expect(() => crossLayerPurity(net, { inputs: [[1]], labels: [] })).toThrow(PolytopeError);
  });
});
