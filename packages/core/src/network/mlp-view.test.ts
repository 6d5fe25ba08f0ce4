/**
 * The one MLP view: truncation (`asMlp`) and polytope enumeration (`mlpLayers`) read the same
 * layers, under one channel_affine rule.
 */
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { mlpLayers } from '../polytopes/enumerate.js';
import { gaussian, mulberry32 } from '../random.js';
import { asMlp, mergeLinearLayers } from './mlp-view.js';
import { checkTruncation } from '../truncation/truncation.js';
import { maxAbsDiff, networkOfLayers } from '../truncation/mlp.js';
import { forward } from './forward.js';
import { buildNetwork } from './network.js';
import type { NodeSpec } from './network.js';

const rand = mulberry32(5);
const g = (n: number): Float64Array => Float64Array.from({ length: n }, () => gaussian(rand));
const pos = (n: number): Float64Array => Float64Array.from({ length: n }, () => 0.5 + rand());

/**
 * Regression (mlpLayers and affineLayers disagreed about channel_affine): enumeration refused a
 * leading channel_affine on an image input that truncation folded, and truncation refused a
 * channel_affine after a dense layer that enumeration composed.
 */
describe('mlpLayers and affineLayers disagree about channel_affine', () => {
  // [1, 2, 2] image → per-channel normalization → flatten → dense → batch-norm → relu → batch-norm →
  // dense → relu → dense → trailing channel_affine.
  const specs: NodeSpec[] = [
    { type: 'channel_affine', inputs: [0], scale: Float64Array.of(3.2), shift: Float64Array.of(-0.4) },
    { type: 'reshape', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 4, outFeatures: 3, weight: g(12), bias: g(3) },
    { type: 'channel_affine', inputs: [3], scale: pos(3), shift: g(3) },
    { type: 'relu', inputs: [4] },
    { type: 'channel_affine', inputs: [5], scale: pos(3), shift: g(3) },
    { type: 'dense', inputs: [6], inFeatures: 3, outFeatures: 3, weight: g(9), bias: g(3) },
    { type: 'leaky_relu', inputs: [7], alpha: 0.1 },
    { type: 'dense', inputs: [8], inFeatures: 3, outFeatures: 2, weight: g(6), bias: g(2) },
    { type: 'channel_affine', inputs: [9], scale: pos(2), shift: g(2) },
  ];
  const net = buildNetwork([1, 2, 2], specs);

  it("both views accept it and read the same layers, computing the network's function", () => {
    const view = asMlp(net);
    expect(view.map((l) => l.act)).toEqual(['relu', 'leaky_relu', 'none']);
    const enumerated = mlpLayers(net);
    expect(enumerated.map((l) => l.alpha)).toEqual([0, 0.1, null]);
    enumerated.forEach((l, k) => {
      expect(Array.from(l.weight)).toEqual(Array.from(view[k]!.weight));
      expect(Array.from(l.bias)).toEqual(Array.from(view[k]!.bias));
    });
    const flat = networkOfLayers(view);
    for (let k = 0; k < 10; k++) {
      const x = Array.from({ length: 4 }, () => rand() - 0.5);
      expect(maxAbsDiff(forward(flat, x), forward(net, x))).toBeLessThan(1e-12);
    }
    expect(checkTruncation(net, [0.1, 0.5, 0.9, 0.3]).maxError).toBeLessThan(1e-10);
  });

  it('folds a leading normalization exactly as before: W·diag(s), W·t + b', () => {
    const [first] = asMlp(net);
    const w = specs[2]! as Extract<NodeSpec, { type: 'dense' }>;
    // The first dense layer is then scaled by the batch-norm after it (second rule), row by row.
    const bn = specs[3]! as Extract<NodeSpec, { type: 'channel_affine' }>;
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) expect(first!.weight[r * 4 + c]).toBe(bn.scale[r]! * (w.weight[r * 4 + c]! * 3.2));
    }
  });

  it('refuses a channel_affine with no dense layer on either side, naming it', () => {
    const bad = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: g(4), bias: g(2) },
        { type: 'relu', inputs: [1] },
        { type: 'channel_affine', inputs: [2], scale: pos(2), shift: g(2) },
        { type: 'relu', inputs: [3] },
        { type: 'dense', inputs: [4], inFeatures: 2, outFeatures: 1, weight: g(2), bias: g(1) },
      ],
    );
    expect(() => asMlp(bad)).toThrow(PolytopeError);
    expect(() => asMlp(bad)).toThrow(/node 3 \(channel_affine\) has no dense layer to fold into/);
    expect(() => mlpLayers(bad)).toThrow(/node 3 \(channel_affine\)/);
  });

  it('mergeLinearLayers composes dense → dense with no activation between them', () => {
    const two = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 3, weight: g(6), bias: g(3) },
        { type: 'dense', inputs: [1], inFeatures: 3, outFeatures: 2, weight: g(6), bias: g(2) },
        { type: 'relu', inputs: [2] },
        { type: 'dense', inputs: [3], inFeatures: 2, outFeatures: 1, weight: g(2), bias: g(1) },
      ],
    );
    expect(asMlp(two).map((l) => l.act)).toEqual(['none', 'relu', 'none']);
    const merged = mergeLinearLayers(asMlp(two));
    expect(merged.map((l) => [l.inFeatures, l.outFeatures, l.act])).toEqual([
      [2, 2, 'relu'],
      [2, 1, 'none'],
    ]);
    const flat = networkOfLayers(merged);
    for (let k = 0; k < 5; k++) {
      const x = [rand(), rand()];
      expect(maxAbsDiff(forward(flat, x), forward(two, x))).toBeLessThan(1e-12);
    }
  });
});

describe('asMlp refuses the DAG node types with a clear message', () => {
  it('concat and prelu name the node and what is supported', () => {
    const concat = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(0, 0) },
        { type: 'concat', inputs: [1, 1], axis: 0 },
        { type: 'dense', inputs: [2], inFeatures: 4, outFeatures: 1, weight: Float64Array.of(1, 2, 3, 4), bias: Float64Array.of(0) },
      ],
    );
    expect(() => asMlp(concat)).toThrow(/node 2 \(concat\) does not read the node before it; only sequential dense MLPs/);
    const prelu = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(0, 0) },
        { type: 'prelu', inputs: [1], slope: Float64Array.of(0.1), slopeShape: [1] },
      ],
    );
    expect(() => asMlp(prelu)).toThrow(/node 2 \(prelu\) is not an MLP layer/);
  });
});
