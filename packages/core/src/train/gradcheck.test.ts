/**
 * Gradient checks: every layer's backward pass and every loss against central finite differences,
 * in float64 (the kernels are generic over the array type).
 */
import { describe, expect, it } from 'vitest';
import type { LayerSpec } from './architectures.js';
import { lossAndGradient } from './losses.js';
import type { LossName } from './losses.js';
import { TrainableNetwork } from './model.js';
import { seededRandom } from '../random.js';
import { FD_STEP, checkGradients, randomArray, relError as relErrorFloored } from '../../test/gradients.js';

const H = FD_STEP;
const relError = (a: number, b: number): number => relErrorFloored(a, b, 1e-6);

/**
 * Checks a layer on L = Σ r·y for a fixed random r: gy = r, so backward must give dL/dparams and
 * dL/dx; both are compared with central differences.
 */
function checkLayer(inShape: number[], spec: LayerSpec, batch = 3, seed = 1): void {
  const random = seededRandom(seed);
  const layer = new TrainableNetwork(inShape, [spec], { dtype: 'float64', inputGradient: true });
  for (const p of layer.params) p.set(randomArray(p.length, random, 0.7));
  const x = randomArray(batch * layer.inputSize, random);
  const r = randomArray(batch * layer.outputSize, random);
  checkGradients(layer, x, r, { batch, tol: 1e-6, floor: 1e-6, label: spec.type });
}

describe('layer gradients match finite differences (float64)', () => {
  it('dense', () => checkLayer([5], { type: 'dense', outFeatures: 6 }));
  it('dense with a batch that is not a multiple of 4 and odd sizes', () => checkLayer([7], { type: 'dense', outFeatures: 3 }, 5));
  it('conv2d 3×3, stride 1, no padding', () => checkLayer([2, 5, 6], { type: 'conv2d', outChannels: 5, kernel: 3 }));
  it('conv2d 2×3 kernel, stride 2, asymmetric padding', () =>
    checkLayer([3, 6, 5], { type: 'conv2d', outChannels: 4, kernel: [2, 3], stride: 2, padding: [1, 0, 0, 2] }, 2));
  it('relu', () => checkLayer([4, 3, 3], { type: 'relu' }));
  it('leaky relu', () => checkLayer([10], { type: 'leaky_relu', alpha: 0.1 }));
  it('maxpool 2×2 stride 2 (odd input, floor)', () => checkLayer([2, 5, 5], { type: 'maxpool', kernel: 2 }));
  it('maxpool 3×3 stride 1 with padding (overlapping windows)', () =>
    checkLayer([2, 4, 5], { type: 'maxpool', kernel: 3, stride: 1, padding: 1 }));
  it('flatten', () => checkLayer([2, 3, 2], { type: 'flatten' }));
});

describe('loss gradients match finite differences', () => {
  const cases: [LossName, number, Float64Array][] = [
    ['mse', 3, Float64Array.of(0.5, -1, 2, 0, 1, 0.25, -0.5, 0.75, 1.5, 0, -2, 1)],
    ['bce', 2, Float64Array.of(1, 0, 0, 1, 1, 1, 0, 0)],
    ['softmax-ce', 5, Float64Array.of(4, 0, 2, 1)],
  ];
  for (const [loss, outputs, target] of cases) {
    it(loss, () => {
      const batch = 4;
      const random = seededRandom(7);
      const out = randomArray(batch * outputs, random, 3);
      const grad = new Float64Array(out.length);
      lossAndGradient(loss, out, batch, outputs, target, grad);
      for (let i = 0; i < out.length; i++) {
        const v = out[i]!;
        out[i] = v + H;
        const plus = lossAndGradient(loss, out, batch, outputs, target, null);
        out[i] = v - H;
        const minus = lossAndGradient(loss, out, batch, outputs, target, null);
        out[i] = v;
        expect(relError(grad[i]!, (plus - minus) / (2 * H))).toBeLessThan(1e-6);
      }
    });
  }

  it('values match hand-computed ones', () => {
    // MSE: ((1 − 0)² + (3 − 1)²)/2 = 2.5.
    expect(lossAndGradient('mse', Float64Array.of(1, 3), 2, 1, Float64Array.of(0, 1), null)).toBeCloseTo(2.5, 12);
    // BCE with logit 0: log 2 whatever the target.
    expect(lossAndGradient('bce', Float64Array.of(0), 1, 1, Float64Array.of(1), null)).toBeCloseTo(Math.LN2, 12);
    // BCE stays finite for huge logits: z = 1000, t = 0 → 1000.
    expect(lossAndGradient('bce', Float64Array.of(1000), 1, 1, Float64Array.of(0), null)).toBeCloseTo(1000, 9);
    // Softmax CE of equal logits over 4 classes: log 4.
    expect(lossAndGradient('softmax-ce', Float64Array.of(2, 2, 2, 2), 1, 4, Float64Array.of(3), null)).toBeCloseTo(Math.log(4), 12);
  });
});

describe('end-to-end network gradient (float64)', () => {
  it('a small CNN with every layer type, softmax cross-entropy', () => {
    const random = seededRandom(11);
    const net = new TrainableNetwork(
      [2, 7, 7],
      [
        { type: 'conv2d', outChannels: 3, kernel: 3, padding: 1 },
        { type: 'maxpool', kernel: 2 },
        { type: 'leaky_relu', alpha: 0.05 },
        { type: 'conv2d', outChannels: 4, kernel: 2 },
        { type: 'relu' },
        { type: 'flatten' },
        { type: 'dense', outFeatures: 3 },
      ],
      { dtype: 'float64', init: 'he-normal', random },
    );
    const batch = 3;
    const x = randomArray(batch * net.inputSize, random);
    const target = Float64Array.of(0, 2, 1);
    const value = (): number => lossAndGradient('softmax-ce', net.forward(x, batch), batch, 3, target, null);
    const out = net.forward(x, batch);
    lossAndGradient('softmax-ce', out, batch, 3, target, net.outputGradient());
    net.backward(batch);
    const grads = net.grads.map((g) => g.slice());
    net.params.forEach((p, t) => {
      for (let i = 0; i < p.length; i += 3) {
        const v = p[i]!;
        p[i] = v + H;
        const plus = value();
        p[i] = v - H;
        const minus = value();
        p[i] = v;
        expect(relError(grads[t]![i]!, (plus - minus) / (2 * H)), `param ${t}[${i}]`).toBeLessThan(1e-5);
      }
    });
  });
});

describe('WebAssembly SIMD product', () => {
  it('agrees with the JS kernel on odd sizes, offsets and accumulation (float32 rounding only)', async () => {
    const { simdAvailable, simdGemmNT } = await import('./simd.js');
    const { gemmNTJs } = await import('./gemm.js');
    expect(simdAvailable()).toBe(true); // Node ≥ 16 has WebAssembly SIMD
    const random = seededRandom(9);
    for (const [M, N, K] of [
      [5, 7, 9],
      [33, 130, 787],
      [2, 4, 4],
      [1, 1, 3],
    ] as const) {
      const a = Float32Array.from({ length: M * K + 2 }, () => random() - 0.5);
      const b = Float32Array.from({ length: N * K + 1 }, () => random() - 0.5);
      for (const beta of [0, 1] as const) {
        const c1 = new Float32Array(M * N + 3).fill(0.25);
        const c2 = c1.slice();
        gemmNTJs(c1, 3, a, 2, b, 1, M, N, K, beta);
        expect(simdGemmNT(c2, 3, a, 2, b, 1, M, N, K, beta)).toBe(true);
        for (let i = 0; i < c1.length; i++) expect(Math.abs(c1[i]! - c2[i]!)).toBeLessThan(1e-5 * Math.sqrt(K));
      }
    }
  });
});

describe('float32 training path (WebAssembly SIMD products) agrees with float64', () => {
  it('simple-CNN forward and gradients, batch 8', () => {
    const specs: LayerSpec[] = [
      { type: 'conv2d', outChannels: 8, kernel: 3 },
      { type: 'maxpool', kernel: 2 },
      { type: 'relu' },
      { type: 'conv2d', outChannels: 8, kernel: 3 },
      { type: 'maxpool', kernel: 2 },
      { type: 'relu' },
      { type: 'flatten' },
      { type: 'dense', outFeatures: 10 },
    ];
    const n64 = new TrainableNetwork([1, 16, 16], specs, { dtype: 'float64', random: seededRandom(4) });
    const n32 = new TrainableNetwork([1, 16, 16], specs, { dtype: 'float32' });
    n32.setParams(n64.params);
    n64.setParams(n32.params); // both hold the same float32-representable weights
    const random = seededRandom(5);
    const batch = 8;
    const x = Float32Array.from({ length: batch * 256 }, () => random() - 0.5);
    const target = Float64Array.from({ length: batch }, (_, i) => i % 10);
    for (const net of [n64, n32]) {
      const out = net.forward(x, batch);
      lossAndGradient('softmax-ce', out, batch, 10, target, net.outputGradient());
      net.backward(batch);
    }
    const o64 = n64.forward(x, batch).slice();
    const o32 = n32.forward(x, batch);
    for (let i = 0; i < o64.length; i++) expect(Math.abs(o32[i]! - o64[i]!)).toBeLessThan(1e-4);
    n64.grads.forEach((g, t) => {
      const g32 = n32.grads[t]!;
      let scale = 0;
      for (let i = 0; i < g.length; i++) scale = Math.max(scale, Math.abs(g[i]!));
      for (let i = 0; i < g.length; i++) expect(Math.abs(g32[i]! - g[i]!)).toBeLessThan(1e-4 * scale + 1e-7);
    });
  });
});
