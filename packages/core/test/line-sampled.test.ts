import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  codeKey,
  codeOffsets,
  forwardWithCode,
  mulberry32,
  partitionLine,
  partitionLineAsync,
  randomMlp,
  validateLine,
} from '../src/index.js';
import type { LineResult, Network, NodeSpec } from '../src/index.js';
import { randomPoint, tinyCnn } from './helpers.js';
import { readFileSync } from 'node:fs';
import { prepareNetwork, readOnnx } from '../src/index.js';
import { sampledLineSupports } from '../src/regions/line-sampled.js';

/** A PyTorch-made model of the graph ops (test/fixtures/ops, made by make_ops.py). */
function opsModel(name: string): Network {
  return readOnnx(new Uint8Array(readFileSync(new URL(`./fixtures/ops/${name}`, import.meta.url))));
}

/** The sampled and the reference partition agree: same pieces, codes, breakpoints (to 1e-9) and maps. */
function expectSamePartition(net: Network, x0: ArrayLike<number>, x1: ArrayLike<number>, batch = 8): LineResult {
  const ref = partitionLine(net, x0, x1, { method: 'reference' });
  const got = partitionLine(net, x0, x1, { method: 'sampled', batch });
  expect(got.pieces.length).toBe(ref.pieces.length);
  for (let i = 0; i < ref.pieces.length; i++) {
    const a = ref.pieces[i]!;
    const b = got.pieces[i]!;
    expect(Math.abs(a.t0 - b.t0)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(a.t1 - b.t1)).toBeLessThanOrEqual(1e-9);
    expect(Array.from(b.code)).toEqual(Array.from(a.code));
    let scale = 1;
    for (const v of a.map) scale = Math.max(scale, Math.abs(v));
    for (let r = 0; r < a.map.length; r++) expect(Math.abs(a.map[r]! - b.map[r]!)).toBeLessThanOrEqual(1e-9 * scale);
    if (i + 1 < ref.pieces.length) expect(b.endUnit).toBe(a.endUnit);
  }
  expect(validateLine(net, x0, x1, got).problems).toEqual([]);
  return got;
}

/** Codes at dense sample points, each of which must be the code of the piece holding it (brute force, no partition involved). */
function expectDenseSamplesCovered(net: Network, x0: ArrayLike<number>, x1: ArrayLike<number>, res: LineResult, steps = 600): void {
  const offsets = codeOffsets(net);
  const x = new Float64Array(x0.length);
  let piece = 0;
  for (let i = 0; i < steps; i++) {
    const t = (i + 0.29) / steps;
    for (let k = 0; k < x.length; k++) x[k] = x0[k]! + t * (x1[k]! - x0[k]!);
    while (res.pieces[piece]!.t1 < t) piece++;
    const p = res.pieces[piece]!;
    // Away from the breakpoints the code is the piece's.
    if (t - p.t0 > 1e-9 && p.t1 - t > 1e-9) expect(codeKey(forwardWithCode(net, x).code, offsets)).toBe(codeKey(p.code, offsets));
  }
}

/** A residual CNN big enough for the blocked convolution kernel (8 channels on 6×6, padding, stride 2, max-pool). */
function residualCnn(seed: number): Network {
  const r = mulberry32(seed);
  const w = (n: number, s: number) => randomPoint(n, r, s);
  const conv = (input: number, cin: number, cout: number, stride: number): NodeSpec => ({
    type: 'conv2d',
    inputs: [input],
    inChannels: cin,
    outChannels: cout,
    kernel: [3, 3],
    stride: [stride, stride],
    padding: [1, 1, 1, 1],
    dilation: [1, 1],
    groups: 1,
    weight: w(cout * cin * 9, 0.5),
    bias: w(cout, 0.1),
  });
  const specs: NodeSpec[] = [
    conv(0, 1, 8, 1), // 1: 8×6×6
    { type: 'relu', inputs: [1] },
    { type: 'maxpool', inputs: [2], kernel: [3, 3], stride: [1, 1], padding: [1, 1, 1, 1], dilation: [1, 1] },
    conv(3, 8, 8, 1),
    { type: 'relu', inputs: [4] },
    conv(5, 8, 8, 1),
    { type: 'add', inputs: [6, 3] },
    { type: 'relu', inputs: [7] },
    conv(8, 8, 8, 2), // 9: 8×3×3
    { type: 'relu', inputs: [9] },
    { type: 'global_avgpool', inputs: [10] },
    { type: 'reshape', inputs: [11] },
    { type: 'dense', inputs: [12], inFeatures: 8, outFeatures: 3, weight: w(24, 0.5), bias: w(3, 0.1) },
  ];
  return buildNetwork([1, 6, 6], specs);
}

describe('sampled line partition equals the reference engine', () => {
  it('random ReLU MLPs', () => {
    for (const seed of [1, 2, 3]) {
      const net = randomMlp([5, 24, 24, 3], { seed });
      const r = mulberry32(seed + 100);
      const x0 = randomPoint(5, r, 3);
      const x1 = randomPoint(5, r, 3);
      const res = expectSamePartition(net, x0, x1);
      expect(res.pieces.length).toBeGreaterThan(10);
      expectDenseSamplesCovered(net, x0, x1, res);
    }
  });

  it('leaky ReLU and hard-tanh MLPs', () => {
    for (const activation of ['leaky_relu', 'hardtanh'] as const) {
      const net = randomMlp([4, 20, 20, 2], { seed: 7, activation, alpha: 0.2 });
      const r = mulberry32(8);
      const x0 = randomPoint(4, r, 3);
      const x1 = randomPoint(4, r, 3);
      const res = expectSamePartition(net, x0, x1, 5);
      expect(res.pieces.length).toBeGreaterThan(5);
      expectDenseSamplesCovered(net, x0, x1, res);
    }
  });

  it('a small CNN with max-pool, a residual add, leaky ReLU, average pool and hard-tanh', () => {
    for (const seed of [1, 2]) {
      const net = tinyCnn(seed);
      const r = mulberry32(seed + 40);
      const x0 = randomPoint(36, r, 2);
      const x1 = randomPoint(36, r, 2);
      const res = expectSamePartition(net, x0, x1);
      expectDenseSamplesCovered(net, x0, x1, res, 2000);
    }
  });

  it('PyTorch models with PReLU, Clip, Max/Min, concat, pad, resize, slice and transpose (graph ops)', () => {
    for (const name of ['clips.onnx', 'pad_resize.onnx', 'shuffle.onnx', 'pools.onnx']) {
      const net = opsModel(name);
      expect(sampledLineSupports(prepareNetwork(net))).toBe(true); // no silent fallback to the reference engine
      const r = mulberry32(name.length + 7);
      const x0 = randomPoint(net.inputSize, r, 1);
      const x1 = randomPoint(net.inputSize, r, 1);
      const res = expectSamePartition(net, x0, x1);
      expect(res.pieces.length).toBeGreaterThan(1);
      expectDenseSamplesCovered(net, x0, x1, res, 1000);
    }
  });
  it('a residual CNN on the blocked convolution kernel', () => {
    const net = residualCnn(3);
    const r = mulberry32(5);
    const x0 = randomPoint(36, r);
    const x1 = randomPoint(36, r).map((v, k) => x0[k]! + 0.15 * (v - x0[k]!));
    const res = expectSamePartition(net, x0, x1, 32);
    expect(res.pieces.length).toBeGreaterThan(20);
    expectDenseSamplesCovered(net, x0, x1, res);
  });

  it('breakpoints exactly on sample positions and on symmetric lines', () => {
    // Units of x₁ − x₂ etc. cross at t = 0.5 exactly; the middle of the segment is a breakpoint.
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 3,
          weight: Float64Array.of(1, -1, 1, 1, -1, 0),
          bias: Float64Array.of(0, 0, 0),
        },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 3, outFeatures: 1, weight: Float64Array.of(1, 2, 3), bias: Float64Array.of(0) },
      ],
    );
    for (const batch of [2, 3, 4]) {
      const res = expectSamePartition(net, [-1, 1], [1, -1], batch);
      expect(Array.from(res.breakpoints)).toEqual([0.5]);
    }
  });

  it('property: agrees with the reference on random MLPs and segments (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 16 }), (seed, d, batch) => {
        const net = randomMlp([d, 12, 12, 2], { seed });
        const r = mulberry32(seed ^ 0x5bd1);
        expectSamePartition(net, randomPoint(d, r, 4), randomPoint(d, r, 4), batch);
      }),
      { numRuns: 40 },
    );
  });
});

describe('partitionLineAsync', () => {
  it('gives the same pieces as partitionLine and stops on abort', async () => {
    const net = residualCnn(4);
    const r = mulberry32(6);
    const x0 = randomPoint(36, r);
    const x1 = randomPoint(36, r).map((v, k) => x0[k]! + 0.15 * (v - x0[k]!));
    const sync = partitionLine(net, x0, x1, { method: 'sampled' });
    const got = await partitionLineAsync(net, x0, x1, { yieldMs: 0, method: 'sampled' });
    expect(Array.from(got.breakpoints)).toEqual(Array.from(sync.breakpoints));
    const ac = new AbortController();
    let steps = 0;
    const run = partitionLineAsync(net, x0, x1, {
      yieldMs: 0,
      method: 'sampled',
      signal: ac.signal,
      batch: 2,
      onProgress: () => {
        if (++steps === 2) ac.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled/);
  });
});
