/**
 * Batched exact affine maps against independent references: the XOR net by hand, `affineMapAt`
 * (itself checked against PyTorch's float64 Jacobians in the fixture tests) sample by sample, and
 * central finite differences of `forward` on every layer kind (conv with padding, batch-norm,
 * max-pool, residual add, leaky ReLU, average pool, hard-tanh).
 */
import { describe, expect, it } from 'vitest';
import type { NetworkLike, NodeSpec } from '../index.js';
import { affineMapAt, buildNetwork, prepareNetwork, forward, forwardWithCode, gaussian, mulberry32 } from '../index.js';
import { randomMlp } from '../reference/random.js';
import { tinyCnn, xorNet } from '../../test/helpers.js';
import { affineMapsBatch } from './batch.js';
import { convTransposeKernel } from './conv-transpose64.js';
import type { Network } from '../network/network.js';

function samples(d: number, n: number, seed: number, scale = 1): Float64Array {
  const r = mulberry32(seed);
  const xs = new Float64Array(n * d);
  for (let i = 0; i < xs.length; i++) xs[i] = gaussian(r) * scale;
  return xs;
}

/** `using`: a prepared network to run the batch on (reused across calls), else `net` itself. */
function expectMatchesAffineMapAt(net: Network, xs: Float64Array, n: number, using: NetworkLike = net): void {
  const d = net.inputSize;
  const o = net.outputSize;
  const b = affineMapsBatch(using, xs, n);
  for (let s = 0; s < n; s++) {
    const x = xs.subarray(s * d, (s + 1) * d);
    const ref = affineMapAt(net, x);
    const scale = Math.max(1, ...Array.from(ref.jacobian, Math.abs));
    for (let k = 0; k < o * d; k++) expect(Math.abs(b.jacobians[s * o * d + k]! - ref.jacobian[k]!)).toBeLessThanOrEqual(1e-12 * scale);
    for (let r = 0; r < o; r++) {
      expect(b.offsets[s * o + r]).toBeCloseTo(ref.offset[r]!, 10);
      expect(b.values[s * o + r]).toBeCloseTo(ref.output[r]!, 12);
    }
    expect(Array.from(b.codes.subarray(s * net.numUnits, (s + 1) * net.numUnits))).toEqual(Array.from(forwardWithCode(net, x).code));
  }
}

describe('affineMapsBatch', () => {
  it('gives the XOR net maps derived by hand', () => {
    // Both units on at (0.25, 0.25): f = (x₁+x₂+1) − 2(x₁+x₂) − 1 = −(x₁+x₂). Only unit 1 on at (−0.75, 0):
    // f = (x₁+x₂+1) − 1 = x₁+x₂. Both off at (−2, −2): f = −1.
    const b = affineMapsBatch(xorNet(), [0.25, 0.25, -0.75, 0, -2, -2], 3);
    expect(Array.from(b.jacobians)).toEqual([-1, -1, 1, 1, 0, 0]);
    expect(Array.from(b.offsets)).toEqual([0, 0, -1]);
    expect(Array.from(b.values)).toEqual([-0.5, -0.75, -1]);
  });

  it('equals affineMapAt sample by sample on MLPs (ReLU, leaky ReLU, hard-tanh)', () => {
    expectMatchesAffineMapAt(randomMlp([7, 16, 12, 3], { seed: 3 }), samples(7, 20, 1), 20);
    expectMatchesAffineMapAt(randomMlp([5, 9, 9, 4], { seed: 4, activation: 'leaky_relu' }), samples(5, 15, 2), 15);
    expectMatchesAffineMapAt(randomMlp([4, 8, 2], { seed: 5, activation: 'hardtanh' }), samples(4, 15, 3, 2), 15);
  });

  it('equals affineMapAt and finite differences on a CNN with every layer kind', () => {
    const net = tinyCnn(7);
    const xs = samples(36, 12, 4);
    expectMatchesAffineMapAt(net, xs, 12);
    const b = affineMapsBatch(net, xs, 12);
    const h = 1e-6;
    for (let s = 0; s < 12; s += 5) {
      const x = xs.slice(s * 36, (s + 1) * 36);
      for (const i of [0, 13, 35]) {
        const xp = x.slice();
        const xm = x.slice();
        xp[i] = xp[i]! + h;
        xm[i] = xm[i]! - h;
        const fp = forward(net, xp);
        const fm = forward(net, xm);
        for (let r = 0; r < 3; r++) expect(b.jacobians[(s * 3 + r) * 36 + i]).toBeCloseTo((fp[r]! - fm[r]!) / (2 * h), 5);
      }
    }
  });

  it('equals affineMapAt with an even number of outputs (convolution transposes on the SIMD kernel: stride, padding, dilation, groups)', () => {
    // Node 20 has WebAssembly SIMD, so this network's convolution transposes run on the kernel.
    expect(convTransposeKernel(4, 8)).not.toBeNull();
    const r = mulberry32(11);
    const w = (n: number, s = 0.6) => Float64Array.from({ length: n }, () => gaussian(r) * s);
    const conv = (inputs: number[], [inC, outC, k, stride, pad, dil, groups]: number[]): NodeSpec => ({
      type: 'conv2d',
      inputs,
      inChannels: inC!,
      outChannels: outC!,
      kernel: [k!, k!],
      stride: [stride!, stride!],
      padding: [pad!, pad!, pad!, pad!],
      dilation: [dil!, dil!],
      groups: groups!,
      weight: w((outC! * inC! * k! * k!) / groups!),
      bias: w(outC!, 0.2),
    });
    const net = buildNetwork(
      [2, 7, 7],
      [
        conv([0], [2, 4, 3, 2, 1, 1, 2]), // in, out, kernel, stride, padding, dilation, groups
        { type: 'relu', inputs: [1] },
        conv([2], [4, 4, 2, 1, 1, 2, 1]),
        { type: 'maxpool', inputs: [3], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] },
        { type: 'relu', inputs: [4] },
        { type: 'reshape', inputs: [5] },
        { type: 'dense', inputs: [6], inFeatures: 16, outFeatures: 4, weight: w(64), bias: w(4, 0.1) },
      ],
    );
    expect(net.outputSize).toBe(4);
    expectMatchesAffineMapAt(net, samples(98, 16, 12), 16);
    // Batches on one prepared network reuse its reverse pass (kernel memory, cleared blocks).
    const prepared = prepareNetwork(net);
    for (const seed of [13, 14, 15]) expectMatchesAffineMapAt(net, samples(98, 9, seed, 1.5), 9, prepared);
  });

  it('handles a dense layer after a flatten of the input (direct write) and a skip from the input', () => {
    const r = mulberry32(9);
    const w = (n: number) => Float64Array.from({ length: n }, () => gaussian(r));
    const net = buildNetwork(
      [2, 3],
      [
        { type: 'reshape', inputs: [0] },
        { type: 'dense', inputs: [1], inFeatures: 6, outFeatures: 6, weight: w(36), bias: w(6) },
        { type: 'relu', inputs: [2] },
        { type: 'add', inputs: [3, 1] },
        { type: 'dense', inputs: [4], inFeatures: 6, outFeatures: 2, weight: w(12), bias: w(2) },
      ],
    );
    expectMatchesAffineMapAt(net, samples(6, 10, 5), 10);
  });

  it('runs the first layer sparse on mostly-zero inputs (normalization folded in) and equals affineMapAt', () => {
    const r = mulberry32(21);
    const w = (n: number) => Float64Array.from({ length: n }, () => gaussian(r));
    // Two channels of 4×4 → per-channel normalization → flatten → dense 32→11 (not a multiple of 4) → ReLU → dense 11→3.
    const net = buildNetwork(
      [2, 4, 4],
      [
        { type: 'channel_affine', inputs: [0], scale: Float64Array.of(3.2, 0.7), shift: Float64Array.of(-0.4, 0.25) },
        { type: 'reshape', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 32, outFeatures: 11, weight: w(352), bias: w(11) },
        { type: 'relu', inputs: [3] },
        { type: 'dense', inputs: [4], inFeatures: 11, outFeatures: 3, weight: w(33), bias: w(3) },
      ],
    );
    // 7 samples (not a multiple of 4) with about 20 % non-zero inputs: the sparse path; then dense inputs: the general one.
    const sparse = new Float64Array(7 * 32);
    for (let i = 0; i < sparse.length; i++) if (r() < 0.2) sparse[i] = r();
    expect(sparse.filter((x) => x !== 0).length).toBeGreaterThan(20);
    expectMatchesAffineMapAt(net, sparse, 7);
    expectMatchesAffineMapAt(net, samples(32, 6, 22), 6);
    // The first dense layer as the output (no activation at all).
    const linear = buildNetwork(
      [2, 4, 4],
      [
        { type: 'channel_affine', inputs: [0], scale: Float64Array.of(2, -1), shift: Float64Array.of(0.5, 1) },
        { type: 'reshape', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 32, outFeatures: 2, weight: w(64), bias: w(2) },
      ],
    );
    expectMatchesAffineMapAt(linear, sparse, 7);
  });

  it('handles an empty batch and rejects bad input with one clear error', () => {
    const net = xorNet();
    expect(affineMapsBatch(net, [], 0).jacobians.length).toBe(0);
    expect(() => affineMapsBatch(net, [1, 2, 3], 2)).toThrow(/2 samples of 2 inputs need 4 values, got 3/);
    expect(() => affineMapsBatch(net, [1, NaN], 1)).toThrow(/non-finite/);
  });
});
