/**
 * Path view on a hand-derived network: f(x) = ReLU(x₁) + ReLU(x₂ − 0.5) along (−1, −1) → (1, 1)
 * breaks at t = 0.5 (x₁ = 0) and t = 0.75 (x₂ = 0.5): three pieces, and f at t = 0, 0.5, 0.75, 1
 * is 0, 0, 0.5, 1.5.
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork, partitionLine } from '@polytope-lens/core';
import { pathSummary } from '../src/path-view.js';

const net = buildNetwork(
  [2],
  [
    { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(0, -0.5) },
    { type: 'relu', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: Float64Array.of(1, 1), bias: Float64Array.of(0) },
  ],
);

describe('pathSummary', () => {
  it('counts the hand-derived pieces, their density and the exact strip chart', () => {
    const x0 = [-1, -1];
    const x1 = [1, 1];
    const s = pathSummary(partitionLine(net, x0, x1), x0, x1, 0);
    expect(s.pieces).toBe(3);
    expect(s.length).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(s.density).toBeCloseTo(3 / (2 * Math.SQRT2), 12);
    const want = [
      [0, 0],
      [0.5, 0],
      [0.75, 0.5],
      [1, 1.5],
    ];
    expect(s.strip).toHaveLength(8);
    want.forEach(([t, v], i) => {
      expect(s.strip[2 * i]).toBeCloseTo(t!, 12);
      expect(s.strip[2 * i + 1]).toBeCloseTo(v!, 12);
    });
  });
});
