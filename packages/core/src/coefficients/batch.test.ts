/**
 * Batched exact affine maps against independent references: the XOR net by hand, `affineMapAt`
 * (itself checked against PyTorch's float64 Jacobians in the fixture tests) sample by sample, and
 * central finite differences of `forward` on every layer kind (conv with padding, batch-norm,
 * max-pool, residual add, leaky ReLU, average pool, hard-tanh).
 */
import { describe, expect, it, vi } from 'vitest';
import type { NetworkLike, NodeSpec } from '../index.js';
import { affineMapAt, buildNetwork, prepareNetwork, forward, forwardWithCode, gaussian, mulberry32 } from '../index.js';
import { randomMlp } from '../reference/random.js';
import { tinyCnn, xorNet } from '../../test/helpers.js';
import { affineMapsBatch, forwardBatchWithCodes, releaseSharedJacobians, sharedJacobians } from './batch.js';
import { nearbyTree, primKernel } from './nearby-tree.js';
import { FlipSteps } from './flip-steps.js';
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

  it('equals affineMapAt on pooled convolutions: gather form after a pooled ReLU, grouped list, list for groups (padding, stride, dilation; 1, 5, 6 column pairs and odd o)', () => {
    const r = mulberry32(21);
    const w = (n: number, s = 0.5) => Float64Array.from({ length: n }, () => gaussian(r) * s);
    const pool: NodeSpec = { type: 'maxpool', inputs: [], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] };
    // The first convolution (reading the input) runs the grouped list kernel; the second, after the
    // first's pool and ReLU, the gather form with one group and the list kernel with two.
    // Second convolution: kernel, stride, padding, dilation, groups (its pooled output: 1×1, 1×1, 3×3, 3×3).
    for (const [k, stride, pad, dil, groups] of [
      [3, 2, 1, 1, 1],
      [3, 1, 0, 2, 1],
      [2, 1, 1, 1, 1],
      [2, 1, 1, 1, 2],
    ] as const) {
      for (const o of [2, 3, 10, 12]) {
        const conv2 = (inputs: number[], [inC, outC, kk, s, p, d, g]: readonly number[]): NodeSpec => ({
          type: 'conv2d',
          inputs,
          inChannels: inC!,
          outChannels: outC!,
          kernel: [kk!, kk!],
          stride: [s!, s!],
          padding: [p!, p!, p!, p!],
          dilation: [d!, d!],
          groups: g!,
          weight: w((outC! * inC! * kk! * kk!) / g!),
          bias: w(outC!, 0.2),
        });
        const spec: NodeSpec[] = [
          conv2([0], [2, 4, 3, 1, 1, 1, 1]), // in, out, kernel, stride, padding, dilation, groups
          { ...pool, inputs: [1] },
          { type: 'relu', inputs: [2] },
          conv2([3], [4, 6, k, stride, pad, dil, groups]),
          { ...pool, inputs: [4] },
          { type: 'relu', inputs: [5] },
          { type: 'reshape', inputs: [6] },
        ];
        const shaped = buildNetwork([2, 12, 12], spec);
        const flat = shaped.nodes[7]!.shape[0]!;
        const net = buildNetwork(
          [2, 12, 12],
          [...spec, { type: 'dense', inputs: [7], inFeatures: flat, outFeatures: o, weight: w(flat * o), bias: w(o, 0.1) }],
        );
        // Batches on one prepared network: the gathered adjoint is never cleared, only rewritten.
        const prepared = prepareNetwork(net);
        for (const seed of [22, 23]) expectMatchesAffineMapAt(net, samples(288, 4, seed + o), 4, prepared);
      }
    }
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
    // One ReLU layer and a dense output on sparse inputs: the flip path's own forward pass gives the
    // batched forward pass's values (up to a zero's sign) and codes; 600 samples, two tree windows.
    const many = new Float64Array(600 * 32);
    for (let i = 0; i < many.length; i++) if (r() < 0.2) many[i] = r();
    const b = affineMapsBatch(net, many, 600);
    const general = forwardBatchWithCodes(prepareNetwork(net), many, 600);
    expect(b.values.every((v, i) => v === general.values[i])).toBe(true);
    expect(b.codes).toEqual(general.codes);
    expectMatchesAffineMapAt(net, many, 600);
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

  it('takes the flip path on one-hidden-layer ReLU and hard-tanh nets: affineMapAt over windows, exact zeros, two nets alternating', () => {
    const window = vi.spyOn(FlipSteps.prototype, 'window');
    const relu = randomMlp([6, 24, 4], { seed: 11 });
    const tanh = randomMlp([6, 20, 3], { seed: 12, activation: 'hardtanh' });
    // 700 samples: two windows of the visiting tree; copies of a few points (equal codes) and, for
    // the ReLU net, far-out points where many units are off.
    const n = 700;
    const base = samples(6, 40, 13, 2);
    const xs = new Float64Array(n * 6);
    for (let s = 0; s < n; s++)
      for (let i = 0; i < 6; i++) xs[s * 6 + i] = base[(s % 40) * 6 + i]! * (s % 7 === 0 ? 1 : 1 + 0.01 * (s % 5));
    const preparedRelu = prepareNetwork(relu);
    const preparedTanh = prepareNetwork(tanh);
    // On one thread, alternating: each net's weight and adjoint rows are copied back into the kernel's memory.
    for (let round = 0; round < 2; round++) {
      expectMatchesAffineMapAt(relu, xs, n, preparedRelu);
      expectMatchesAffineMapAt(tanh, xs, n, preparedTanh);
    }
    expect(window).toHaveBeenCalled();
    expect(window.mock.results.every((r) => r.value === true)).toBe(true);
    // A code with every unit off gives J = 0 exactly (a fresh product of no rows), whatever its parent.
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 3,
          weight: Float64Array.from([1, 0, 1, 0, 1, 0]),
          bias: new Float64Array(3),
        },
        { type: 'relu', inputs: [1] },
        {
          type: 'dense',
          inputs: [2],
          inFeatures: 3,
          outFeatures: 2,
          weight: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
          bias: new Float64Array(2),
        },
      ],
    );
    const b = affineMapsBatch(net, [1, 1, 1, 2, -1, 5, -3, 1], 4);
    expect(Array.from(b.jacobians.subarray(8, 16))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // Every unit on at (1, 1): J = W2 W1, row r the sum of W2[r, :] in unit order.
    expect(Array.from(b.jacobians.subarray(0, 4))).toEqual([0.1 + 0.2 + 0.3, 0, 0.4 + 0.5 + 0.6, 0]);
    window.mockRestore();
  });

  it('makes the flip path’s row lists from the bit-packed codes as from the code bytes: the same Jacobians, bit for bit', () => {
    // 70 units (three 32-bit words, the last partly used), three of them dead (a zero column of the
    // layer above: no rows), over two windows of the tree.
    const net = randomMlp([5, 70, 3], { seed: 21 });
    const top = net.nodes[3] as { weight: Float64Array };
    for (const j of [0, 33, 69]) for (let r = 0; r < 3; r++) top.weight[r * 70 + j] = 0;
    const xs = samples(5, 600, 22);
    const viaBits = affineMapsBatch(prepareNetwork(net), xs, 600).jacobians;
    const original = FlipSteps.prototype.window;
    const bytes = vi.spyOn(FlipSteps.prototype, 'window').mockImplementation(function (
      this: FlipSteps,
      ...a: Parameters<FlipSteps['window']>
    ) {
      const tree = a[4];
      expect(tree.bits).toBeDefined();
      a[4] = { order: tree.order, parent: tree.parent };
      return original.apply(this, a);
    });
    const viaBytes = affineMapsBatch(prepareNetwork(net), xs, 600).jacobians;
    expect(bytes).toHaveBeenCalledTimes(2);
    bytes.mockRestore();
    expect(viaBits.every((v, i) => Object.is(v, viaBytes[i]))).toBe(true);
    expectMatchesAffineMapAt(net, xs, 600);
    // Offsets summed over the on units, with more outputs than units.
    expectMatchesAffineMapAt(randomMlp([4, 3, 10], { seed: 23 }), samples(4, 50, 24), 50);
  });

  it('writes the flip path in place into shared Jacobians: bit for bit the copied ones, reused after release, valid while the memory grows', () => {
    const net = randomMlp([32, 12, 2], { seed: 31 });
    const p = prepareNetwork(net);
    const xs = samples(32, 700, 32);
    const copied = affineMapsBatch(p, xs, 700).jacobians;
    const region = sharedJacobians(p, 700)!;
    expect(region.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(region).toHaveLength(700 * 64);
    const b = affineMapsBatch(p, xs, 700, { jacobians: region });
    expect(b.jacobians).toBe(region);
    expect(region.every((v, i) => Object.is(v, copied[i]))).toBe(true);
    // Later regions (the memory grows by tens of MB) leave this one as it is.
    const more = Array.from({ length: 40 }, () => sharedJacobians(p, 700)!);
    expect(new Set(more.map((v) => v.byteOffset)).size).toBe(40);
    expect(
      more.every((v) => v.byteOffset >= region.byteOffset + region.byteLength || v.byteOffset + v.byteLength <= region.byteOffset),
    ).toBe(true);
    expect(region.every((v, i) => Object.is(v, copied[i]))).toBe(true);
    const at = more[7]!.byteOffset;
    releaseSharedJacobians(more[7]!);
    const again = sharedJacobians(p, 700)!;
    expect(again.byteOffset).toBe(at);
    // A shorter batch (a run's last) takes a released longer region; released, the whole region is free again.
    releaseSharedJacobians(again);
    const short = sharedJacobians(p, 300)!;
    expect([short.byteOffset, short.length]).toEqual([at, 300 * 64]);
    affineMapsBatch(p, xs.subarray(0, 300 * 32), 300, { jacobians: short });
    const shortCopied = affineMapsBatch(p, xs.subarray(0, 300 * 32), 300).jacobians;
    expect(short.every((v, i) => Object.is(v, shortCopied[i]))).toBe(true);
    releaseSharedJacobians(short);
    expect(sharedJacobians(p, 700)!.byteOffset).toBe(at);
    for (const v of [region, ...more]) releaseSharedJacobians(v);
    // An odd number of outputs (the kernel's last row alone), in place and copied, against affineMapAt.
    const odd = randomMlp([16, 10, 3], { seed: 35 });
    const po = prepareNetwork(odd);
    const xo = samples(16, 600, 36);
    const inPlace = sharedJacobians(po, 600)!;
    affineMapsBatch(po, xo, 600, { jacobians: inPlace });
    const apart = affineMapsBatch(po, xo, 600).jacobians;
    expect(inPlace.every((v, i) => Object.is(v, apart[i]))).toBe(true);
    expectMatchesAffineMapAt(odd, xo, 600, po);
    releaseSharedJacobians(inPlace);
    // Not the flip path, or d not a whole number of tiles (8 values): none.
    expect(sharedJacobians(prepareNetwork(randomMlp([32, 12, 12, 2], { seed: 33 })), 4)).toBeNull();
    expect(sharedJacobians(prepareNetwork(randomMlp([3, 8, 4], { seed: 34 })), 4)).toBeNull();
  });

  it('handles an empty batch and rejects bad input with one clear error', () => {
    const net = xorNet();
    expect(affineMapsBatch(net, [], 0).jacobians.length).toBe(0);
    expect(() => affineMapsBatch(net, [1, 2, 3], 2)).toThrow(/2 samples of 2 inputs need 4 values, got 3/);
    expect(() => affineMapsBatch(net, [1, NaN], 1)).toThrow(/non-finite/);
    expect(() => affineMapsBatch(net, [1, 2, 3, -Infinity], 2)).toThrow(/sample 1 has a non-finite value \(-Infinity\) at input 1/);
    // Sparse inputs (the first layer runs over non-zero inputs only, and its scan is the check),
    // in one forward chunk and in chunks of 4 (the sample is counted from the batch's start).
    const mlp = randomMlp([30, 8, 3], { seed: 4 });
    const xs = new Float64Array(10 * 30);
    for (let i = 0; i < xs.length; i += 7) xs[i] = 0.5;
    for (const bad of [NaN, Infinity]) {
      xs[7 * 30 + 5] = bad;
      expect(() => affineMapsBatch(mlp, xs, 10)).toThrow(new RegExp(`sample 7 has a non-finite value \\(${bad}\\) at input 5`));
      const p = prepareNetwork(mlp);
      expect(() => forwardBatchWithCodes(p, xs, 10, 4)).toThrow(/sample 7 has a non-finite value .* at input 5/);
    }
  });

  it('stays exact along the visiting tree: repeated codes, all units off, long chains, batch of one, reused buffers', () => {
    const d = 12;
    const r = mulberry32(32);
    const w = (n: number) => Float64Array.from({ length: n }, () => gaussian(r));
    // Input 0's weights are all positive, so a very negative input 0 turns every unit off.
    const w1 = w(10 * d);
    for (let j = 0; j < 10; j++) w1[j * d] = 1 + Math.abs(w1[j * d]!);
    const net = buildNetwork(
      [d],
      [
        { type: 'dense', inputs: [0], inFeatures: d, outFeatures: 10, weight: w1, bias: w(10) },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 10, outFeatures: 3, weight: w(30), bias: w(3) },
      ],
    );
    const base = samples(d, 6, 33);
    // 300 samples (more than the 128 steps after which a product is made afresh): copies of six
    // points (equal codes: nothing to multiply from the parent), small moves of them (a few units
    // flip), and points where every unit is off.
    const n = 300;
    const xs = new Float64Array(n * d);
    for (let s = 0; s < n; s++) {
      const k = s % 6;
      for (let i = 0; i < d; i++) xs[s * d + i] = base[k * d + i]! + (s % 3 === 0 ? 0 : 0.3 * gaussian(r));
    }
    const off = new Float64Array(d);
    off[0] = -1e3;
    const allOff = forwardWithCode(net, off).code;
    expect(Array.from(allOff).every((c) => c === 0)).toBe(true);
    for (const s of [7, 8, 150, 299]) xs.set(off, s * d);
    expectMatchesAffineMapAt(net, xs, n);
    const b = affineMapsBatch(net, xs, n);
    expect(Array.from(b.jacobians.subarray(7 * 3 * d, 8 * 3 * d)).every((v) => v === 0)).toBe(true);
    // Batch of one, on a prepared network that ran the big batch before.
    const prepared = prepareNetwork(net);
    affineMapsBatch(prepared, xs, n);
    expectMatchesAffineMapAt(net, xs.slice(5 * d, 6 * d), 1, prepared);
    // Buffers handed back are overwritten whole (filled with garbage first).
    const reuse = { jacobians: new Float64Array(n * 3 * d).fill(7), offsets: new Float64Array(n * 3).fill(-7) };
    const again = affineMapsBatch(prepared, xs, n, reuse);
    expect(again.jacobians).toBe(reuse.jacobians);
    expect(again.offsets).toBe(reuse.offsets);
    const fresh = affineMapsBatch(net, xs, n);
    expect(Array.from(again.jacobians)).toEqual(Array.from(fresh.jacobians));
    expect(Array.from(again.offsets)).toEqual(Array.from(fresh.offsets));
    // A buffer of another length is not used.
    expect(affineMapsBatch(prepared, xs, n, { jacobians: new Float64Array(5) }).jacobians.length).toBe(n * 3 * d);
    // More samples than one window of the visiting tree (512): the kept products' slots are reused.
    const big = new Float64Array(1100 * d);
    for (let k = 0; k < 1100; k++) big.set(xs.subarray((k % n) * d, ((k % n) + 1) * d), k * d);
    const wide = affineMapsBatch(prepared, big, 1100);
    for (const k of [0, 511, 512, 700, 1023, 1024, 1099]) {
      const ref = affineMapAt(net, big.subarray(k * d, (k + 1) * d)).jacobian;
      for (let q = 0; q < 3 * d; q++) expect(Math.abs(wide.jacobians[k * 3 * d + q]! - ref[q]!)).toBeLessThanOrEqual(1e-12);
    }
  });

  it('visits samples along a minimum spanning tree of their codes (depth-first; weight of a brute-force MST; kernel = JavaScript)', () => {
    const r = mulberry32(41);
    for (const [count, units, maxCode] of [
      [1, 5, 1],
      [37, 70, 1],
      [60, 9, 2],
      // Two windows (512 + 88), three 64-bit words per code on the kernel.
      [600, 130, 1],
    ] as const) {
      const codes = Uint8Array.from({ length: count * units }, () => Math.floor(r() * (maxCode + 1)));
      // A few repeated codes (distance 0).
      if (count > 4) codes.copyWithin(units, 0, units);
      // The kernel builds here (Node has WebAssembly SIMD), so the two searches below differ.
      expect(primKernel(Math.ceil(units / 64))).not.toBeNull();
      const { order, parent } = nearbyTree(codes, count, units);
      const js = nearbyTree(codes, count, units, false);
      expect(js.order).toEqual(order);
      expect(js.parent).toEqual(parent);
      expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, k) => k));
      const at = new Int32Array(count);
      order.forEach((s, t) => (at[s] = t));
      const dist = (a: number, b: number) => {
        let h = 0;
        for (let u = 0; u < units; u++) if (codes[a * units + u] !== codes[b * units + u]) h++;
        return h;
      };
      for (let w0 = 0; w0 < count; w0 += 512) {
        const n = Math.min(512, count - w0);
        expect(parent[order[w0]!]).toBe(-1);
        expect(order[w0]).toBe(w0);
        let weight = 0;
        // Depth-first: each sample's parent is on the path from the root to the sample before it.
        const path = [order[w0]!];
        for (let t = w0 + 1; t < w0 + n; t++) {
          const s = order[t]!;
          expect(s >= w0 && s < w0 + n).toBe(true);
          expect(parent[s]).toBeGreaterThanOrEqual(w0);
          expect(at[parent[s]!]).toBeLessThan(t);
          while (path.length > 0 && path[path.length - 1] !== parent[s]) path.pop();
          expect(path.length).toBeGreaterThan(0);
          path.push(s);
          weight += dist(s, parent[s]!);
        }
        // Kruskal's weight on all pairs of the window, with union–find: the independent reference.
        const edges: [number, number, number][] = [];
        for (let a = w0; a < w0 + n; a++) for (let b = a + 1; b < w0 + n; b++) edges.push([dist(a, b), a, b]);
        edges.sort((x, y) => x[0] - y[0]);
        const root = Int32Array.from({ length: count }, (_, k) => k);
        const find = (x: number): number => (root[x] === x ? x : (root[x] = find(root[x]!)));
        let want = 0;
        for (const [w, a, b] of edges) {
          const [ra, rb] = [find(a), find(b)];
          if (ra !== rb) {
            root[ra] = rb;
            want += w;
          }
        }
        expect(weight).toBe(want);
      }
    }
  });

  it('gives the same values and codes in forward chunks of any size (max-pool ties keep the first maximum)', () => {
    const net = tinyCnn(7);
    const xs = samples(36, 21, 42);
    // Zero inputs: every max-pool window ties.
    xs.fill(0, 3 * 36, 4 * 36);
    const p = prepareNetwork(net);
    const whole = forwardBatchWithCodes(p, xs, 21, 1000);
    for (const chunk of [1, 8, 5]) {
      const parts = forwardBatchWithCodes(p, xs, 21, chunk);
      expect(Array.from(parts.values)).toEqual(Array.from(whole.values));
      expect(Array.from(parts.codes)).toEqual(Array.from(whole.codes));
    }
    for (let s = 0; s < 21; s++)
      expect(Array.from(whole.codes.subarray(s * net.numUnits, (s + 1) * net.numUnits))).toEqual(
        Array.from(forwardWithCode(net, xs.subarray(s * 36, (s + 1) * 36)).code),
      );
    expect(() => forwardBatchWithCodes(p, xs, 21, 0)).toThrow(/forward chunk/);
  });

  it('equals forward bit for bit where max-pools read only the leading rows and columns of their convolutions (cropped), and affineMapAt', () => {
    const r = mulberry32(78);
    const w = (n: number, s = 0.5) => Float64Array.from({ length: n }, () => gaussian(r) * s);
    const conv = (inputs: number[], inC: number, outC: number, k: number): NodeSpec => ({
      type: 'conv2d',
      inputs,
      inChannels: inC,
      outChannels: outC,
      kernel: [k, k],
      stride: [1, 1],
      padding: [0, 0, 0, 0],
      dilation: [1, 1],
      groups: 1,
      weight: w(outC * inC * k * k),
      bias: w(outC, 0.1),
    });
    const pool = (input: number, k: number): NodeSpec => ({
      type: 'maxpool',
      inputs: [input],
      kernel: [k, k],
      stride: [k, k],
      padding: [0, 0, 0, 0],
      dilation: [1, 1],
    });
    // 13×13 → conv 3×3: 11×11, the 2×2 pool reads 10×10 → 5×5 → conv 2×2: 4×4, the 3×3 pool reads 3×3.
    const net = buildNetwork(
      [2, 13, 13],
      [
        conv([0], 2, 6, 3),
        pool(1, 2),
        { type: 'relu', inputs: [2] },
        conv([3], 6, 4, 2),
        pool(4, 3),
        { type: 'relu', inputs: [5] },
        { type: 'reshape', inputs: [6] },
        { type: 'dense', inputs: [7], inFeatures: 4, outFeatures: 4, weight: w(16), bias: w(4) },
      ],
    );
    const n = 24;
    const xs = w(n * 338, 1);
    for (let i = 0; i < xs.length; i++) if (r() < 0.5) xs[i] = 0;
    const p = prepareNetwork(net);
    // Chunks of 7 columns: 7 · 11 per output row is no multiple of 4, so the full convolution runs.
    for (const chunk of [24, 8, 7]) {
      const b = forwardBatchWithCodes(p, xs, n, chunk);
      for (let s = 0; s < n; s++) {
        const ref = forwardWithCode(net, xs.subarray(s * 338, (s + 1) * 338));
        expect(Array.from(b.values.subarray(s * 4, (s + 1) * 4))).toEqual(Array.from(ref.output));
        expect(Array.from(b.codes.subarray(s * net.numUnits, (s + 1) * net.numUnits))).toEqual(Array.from(ref.code));
      }
    }
    expectMatchesAffineMapAt(net, xs.slice(0, 8 * 338), 8, p);
  });

  it('equals forward bit for bit on a one-channel convolution (wide panels), max-pool and ReLU, in reused chunks', () => {
    const r = mulberry32(77);
    const w = (n: number, s = 1) => Float64Array.from({ length: n }, () => gaussian(r) * s);
    // conv 1→8, 3×3 on 12×12 (10×10 out): batched, the input rows are read in place one output row
    // at a time (chunks of 7 columns: 70 per row, not a multiple of 4, so panels of many pixels); one
    // sample at a time, the direct loop. All add the bias, then the taps in order.
    const net = buildNetwork(
      [1, 12, 12],
      [
        {
          type: 'conv2d',
          inputs: [0],
          inChannels: 1,
          outChannels: 8,
          kernel: [3, 3],
          stride: [1, 1],
          padding: [0, 0, 0, 0],
          dilation: [1, 1],
          groups: 1,
          weight: w(72),
          bias: w(8, 0.1),
        },
        { type: 'maxpool', inputs: [1], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] },
        { type: 'relu', inputs: [2] },
        { type: 'reshape', inputs: [3] },
        { type: 'dense', inputs: [4], inFeatures: 200, outFeatures: 4, weight: w(800, 0.1), bias: w(4) },
      ],
    );
    const n = 40;
    const xs = w(n * 144);
    // Inputs with exact zeros (MNIST-like), negative zeros, and an all-zero sample (every window ties).
    for (let i = 0; i < xs.length; i++) if (r() < 0.6) xs[i] = r() < 0.5 ? 0 : -0;
    xs.fill(0, 5 * 144, 6 * 144);
    const p = prepareNetwork(net);
    for (const chunk of [40, 16, 16, 7]) {
      const b = forwardBatchWithCodes(p, xs, n, chunk);
      for (let s = 0; s < n; s++) {
        const x = xs.subarray(s * 144, (s + 1) * 144);
        const ref = forwardWithCode(net, x);
        expect(Array.from(b.values.subarray(s * 4, (s + 1) * 4))).toEqual(Array.from(ref.output));
        expect(Array.from(b.codes.subarray(s * net.numUnits, (s + 1) * net.numUnits))).toEqual(Array.from(ref.code));
      }
    }
    // Four outputs: the reverse pass runs on the convolution kernel, the ReLU folded into the pool's winners.
    expectMatchesAffineMapAt(net, xs, n, p);
  });
});
