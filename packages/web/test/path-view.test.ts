/**
 * Path view on a hand-derived network: f(x) = ReLU(x₁) + ReLU(x₂ − 0.5) along (−1, −1) → (1, 1)
 * breaks at t = 0.5 (x₁ = 0) and t = 0.75 (x₂ = 0.5): three pieces, and f at t = 0, 0.5, 0.75, 1
 * is 0, 0, 0.5, 1.5.
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork, partitionLine } from '@polytope-lens/core';
import { pathSummary, pieceAt, valueAt } from '../src/path-view.js';

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
    const s = pathSummary(partitionLine(net, x0, x1), x0, x1);
    expect(s.pieces).toBe(3);
    expect(s.outputs).toBe(1);
    expect(s.length).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(s.density).toBeCloseTo(3 / (2 * Math.SQRT2), 12);
    const want = [
      [0, 0],
      [0.5, 0],
      [0.75, 0.5],
      [1, 1.5],
    ];
    expect(s.ts).toHaveLength(4);
    expect(s.values).toHaveLength(4);
    want.forEach(([t, v], i) => {
      expect(s.ts[i]).toBeCloseTo(t!, 12);
      expect(s.values[i]).toBeCloseTo(v!, 12);
    });
    // The hover's reading: the piece holding t and f there, by hand: f(t) = max(0, 2t − 1) + max(0, 2t − 1.5).
    const f = (t: number) => Math.max(0, 2 * t - 1) + Math.max(0, 2 * t - 1.5);
    for (const [t, piece] of [
      [0, 0],
      [0.3, 0],
      [0.6, 1],
      [0.74, 1],
      [0.8, 2],
      [1, 2],
    ] as const) {
      expect(pieceAt(s, t)).toBe(piece);
      expect(valueAt(s, t, 0)).toBeCloseTo(f(t), 12);
    }
  });

  it('keeps every output: two outputs read at any t', () => {
    const two = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(0, -0.5) },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 1, 2, -1), bias: Float64Array.of(0, 3) },
      ],
    );
    const s = pathSummary(partitionLine(two, [-1, -1], [1, 1]), [-1, -1], [1, 1]);
    expect(s.outputs).toBe(2);
    const relu = (v: number) => Math.max(0, v);
    for (const t of [0, 0.2, 0.55, 0.9, 1]) {
      const x = -1 + 2 * t;
      expect(valueAt(s, t, 0)).toBeCloseTo(relu(x) + relu(x - 0.5), 12);
      expect(valueAt(s, t, 1)).toBeCloseTo(2 * relu(x) - relu(x - 0.5) + 3, 12);
    }
  });
});
