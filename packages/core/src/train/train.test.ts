import { describe, expect, it } from 'vitest';
import { AbortError, PolytopeError } from '../errors.js';
import { forward } from '../network/forward.js';
import { architectureLayers } from './architectures.js';
import {
  circleAnnulus,
  hypersphereShell,
  imageDataset,
  scaleInputs,
  sineData,
  toyDataset,
  unitStdScale,
  xorCircle,
  xorCorners,
  xorData,
} from './datasets.js';
import { initParameters } from './init.js';
import { TrainableNetwork } from './model.js';
import { createOptimizer } from './optimizers.js';
import { seededRandom } from '../random.js';
import { evaluate, train } from './trainer.js';
import type { TrainSnapshot } from './trainer.js';

describe('seeded random numbers', () => {
  it('are reproducible and differ between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const v of xs) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('optimizers follow PyTorch update rules', () => {
  it('SGD with momentum and weight decay: two steps by hand', () => {
    // p = 1, g = 0.5, lr 0.1, μ 0.9, λ 0.1. Step 1: d = 0.5 + 0.1 = 0.6, b = 0.6, p = 0.94.
    // Step 2: d = 0.5 + 0.094 = 0.594, b = 0.9·0.6 + 0.594 = 1.134, p = 0.94 − 0.1134 = 0.8266.
    const p = Float64Array.of(1);
    const g = Float64Array.of(0.5);
    const opt = createOptimizer({ type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    opt.step([p], [g]);
    expect(p[0]).toBeCloseTo(0.94, 14);
    opt.step([p], [g]);
    expect(p[0]).toBeCloseTo(0.8266, 14);
  });

  it('Adam: the first step moves each weight by lr·sign(g)', () => {
    const p = Float64Array.of(1, 1);
    const opt = createOptimizer({ type: 'adam', lr: 0.01 });
    opt.step([p], [Float64Array.of(3, -0.2)]);
    expect(p[0]).toBeCloseTo(0.99, 6);
    expect(p[1]).toBeCloseTo(1.01, 6);
  });

  it('AdamW decays decoupled from the gradient: p(1 − lr·λ) when g = 0', () => {
    const p = Float64Array.of(2);
    createOptimizer({ type: 'adamw', lr: 0.1, weightDecay: 0.5 }).step([p], [Float64Array.of(0)]);
    expect(p[0]).toBeCloseTo(2 * (1 - 0.05), 12);
    // Adam with the same λ puts it in the gradient instead: g = 1 → the step is −lr.
    const q = Float64Array.of(2);
    createOptimizer({ type: 'adam', lr: 0.1, weightDecay: 0.5 }).step([q], [Float64Array.of(0)]);
    expect(q[0]).toBeCloseTo(1.9, 6);
  });
});

describe('initializations', () => {
  it('pytorch default: weight and bias within ±1/√fan_in; he-normal: zero bias and std ≈ √(2/fan_in)', () => {
    const random = seededRandom(5);
    const w = new Float64Array(20000);
    const b = new Float64Array(100);
    initParameters(w, b, 100, 200, 'pytorch', random);
    for (const v of [...w, ...b]) expect(Math.abs(v)).toBeLessThanOrEqual(0.1);
    initParameters(w, b, 100, 200, 'he-normal', random);
    expect(b.every((v) => v === 0)).toBe(true);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(0.02), 2);
  });
});

describe('TrainableNetwork ⇄ Network', () => {
  it('toNetwork computes the same function as the trainer (float64) and fromNetwork round-trips', () => {
    const random = seededRandom(2);
    const t = new TrainableNetwork([2, 12, 12], architectureLayers('simple-cnn', [2, 12, 12], 3, { channels: 3, leak: 0.1 }), {
      dtype: 'float64',
      random,
    });
    const net = t.toNetwork();
    const x = Float64Array.from({ length: 2 * t.inputSize }, () => random() - 0.5);
    const ours = t.forward(x, 2);
    for (let b = 0; b < 2; b++) {
      const exact = forward(net, x.subarray(b * t.inputSize, (b + 1) * t.inputSize));
      for (let j = 0; j < 3; j++) expect(ours[b * 3 + j]).toBeCloseTo(exact[j]!, 12);
    }
    const back = TrainableNetwork.fromNetwork(net, { dtype: 'float64' }).network;
    expect(Array.from(back.forward(x, 2))).toEqual(Array.from(ours));
  });

  it('an input transform becomes a leading channel_affine node and comes back on import', () => {
    const t = new TrainableNetwork([1, 4, 4], architectureLayers('dense', [1, 4, 4], 2, { hidden: 3 }), { random: seededRandom(1) });
    const net = t.toNetwork({ inputTransform: { scale: [2], shift: [-1] } });
    expect(net.nodes[1]!.type).toBe('channel_affine');
    const { inputTransform } = TrainableNetwork.fromNetwork(net);
    expect(Array.from(inputTransform!.scale)).toEqual([2]);
  });
});

describe('train', () => {
  const xorRun = async (seed: number, snapshots?: TrainSnapshot[]) => {
    const random = seededRandom(seed);
    const data = xorData({ n: 200, random });
    const net = new TrainableNetwork([2], architectureLayers('2-8-1', [2], 1), { random });
    const res = await train(net, data, {
      loss: 'bce',
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 60,
      batchSize: 16,
      random,
      ...(snapshots ? { snapshotEvery: 100, onSnapshot: (s: TrainSnapshot) => void snapshots.push(s) } : {}),
    });
    return { net, res };
  };

  it('learns XOR with a 2-8-1 network to 100% training accuracy', async () => {
    const { res } = await xorRun(1);
    expect(res.train.accuracy).toBe(1);
    expect(res.loss[res.loss.length - 1]).toBeLessThan(res.loss[0]!);
  });

  it('is deterministic given a seed, and another seed gives other weights', async () => {
    const a = await xorRun(3);
    const b = await xorRun(3);
    const c = await xorRun(4);
    expect(a.net.params.map((p) => Array.from(p))).toEqual(b.net.params.map((p) => Array.from(p)));
    expect(a.res.loss).toEqual(b.res.loss);
    expect(a.net.params.map((p) => Array.from(p))).not.toEqual(c.net.params.map((p) => Array.from(p)));
  });

  it('takes snapshots at step 0, every k steps and at the end, with weights and metrics', async () => {
    const snaps: TrainSnapshot[] = [];
    const { res } = await xorRun(1, snaps);
    // 200 samples / batch 16 = 13 steps per epoch, 780 steps: 0, 100, …, 700, 780.
    expect(res.steps).toBe(780);
    expect(snaps.map((s) => s.step)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 780]);
    expect(snaps[0]!.train!.accuracy).toBeLessThan(snaps[snaps.length - 1]!.train!.accuracy!);
    const last = snaps[snaps.length - 1]!.toNetwork();
    expect(last.numParameters).toBe(33);
    expect(Number.isNaN(snaps[0]!.loss)).toBe(true);
  });

  it('fits sine with MSE below the zero-function baseline of 0.5 (§5.3)', async () => {
    const random = seededRandom(0);
    const net = new TrainableNetwork([1], architectureLayers('1-10-10-1', [1], 1), { random });
    const res = await train(net, sineData(), { loss: 'mse', optimizer: { type: 'sgd', lr: 0.1 }, epochs: 200, random });
    expect(res.train.mse!).toBeLessThan(0.45);
  });

  it('stops with an AbortError when the signal is set', async () => {
    const random = seededRandom(0);
    const signal = { aborted: false };
    const net = new TrainableNetwork([2], architectureLayers('2-4-1', [2], 1), { random });
    const run = train(net, xorCorners(), {
      loss: 'bce',
      optimizer: { type: 'sgd', lr: 0.1 },
      epochs: 100,
      random,
      signal,
      onProgress: (p) => {
        if (p.step === 10) signal.aborted = true;
      },
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
  });

  it('rejects bad options with clear errors', async () => {
    const random = seededRandom(0);
    const net = new TrainableNetwork([2], architectureLayers('2-4-1', [2], 1), { random });
    const data = xorCorners();
    const base = { loss: 'bce' as const, optimizer: { type: 'sgd' as const, lr: 0.1 }, epochs: 1, random };
    await expect(train(net, data, { ...base, epochs: 0 })).rejects.toThrow(/epochs must be a positive integer, got 0/);
    await expect(train(net, data, { ...base, optimizer: { type: 'sgd', lr: -1 } })).rejects.toThrow(
      /learning rate must be a finite number > 0, got -1/,
    );
    await expect(train(net, data, { ...base, optimizer: { type: 'adam', lr: 0.01, beta1: 1.5 } })).rejects.toThrow(/beta1/);
    await expect(train(net, data, { ...base, batchSize: 0 })).rejects.toThrow(/batch size/);
    const net1 = new TrainableNetwork([1], architectureLayers('1-4-1', [1], 1), { random });
    await expect(train(net1, sineData(), { ...base, loss: 'bce' })).rejects.toThrow(/bce needs binary/);
    await expect(train(net1, data, base)).rejects.toThrow(/has 2 inputs per sample but the network expects 1/);
    await expect(train(net, data, { ...base, loss: 'softmax-ce' })).rejects.toThrow(/needs 2 outputs, the network has 1/);
    expect(() => toyDataset('moons', { random })).toThrow(/unknown dataset 'moons'; expected one of circle-annulus/);
    expect(() => architectureLayers('resnet', [2], 1)).toThrow(/unknown architecture 'resnet'/);
    expect(() => architectureLayers('3-8-1', [2], 1)).toThrow(/starts with 3 inputs but the data has 2/);
    expect(() => architectureLayers('2-8-2', [2], 1)).toThrow(/ends with 2 outputs but the task needs 1/);
    expect(() => architectureLayers('simple-cnn', [784], 10)).toThrow(/needs image inputs/);
    expect(() => new TrainableNetwork([2], [{ type: 'conv2d', outChannels: 2, kernel: 3 }])).toThrow(PolytopeError);
  });
});

describe('datasets', () => {
  const radius = (x: ArrayLike<number>, i: number, d: number) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j]! ** 2;
    return Math.sqrt(s);
  };

  it('circle vs annulus: r₁ = 0.5, r₂ = r₁√2, r₃ = r₂√2, half in each class (§4.2.1)', () => {
    const data = circleAnnulus({ random: seededRandom(1) });
    expect(data.size).toBe(1000);
    let ones = 0;
    for (let i = 0; i < data.size; i++) {
      const r = radius(data.x, i, 2);
      if (data.y[i] === 1) {
        ones++;
        expect(r).toBeLessThanOrEqual(0.5);
      } else {
        expect(r).toBeGreaterThanOrEqual(0.5 * Math.SQRT2 - 1e-12);
        expect(r).toBeLessThanOrEqual(1 + 1e-12);
      }
    }
    expect(ones).toBe(500);
  });

  it('hypersphere vs hypershell in 5-D: r₂ = r₁√5', () => {
    const data = hypersphereShell({ dim: 5, n: 200, random: seededRandom(2) });
    expect(data.inputShape).toEqual([5]);
    for (let i = 0; i < data.size; i++) {
      const r = radius(data.x, i, 5);
      if (data.y[i] === 0) expect(r).toBeGreaterThanOrEqual(0.5 * Math.sqrt(5) - 1e-12);
      else expect(r).toBeLessThanOrEqual(0.5);
    }
  });

  it('normalizing gives unit std per coordinate', () => {
    const data = circleAnnulus({ random: seededRandom(3) });
    const scaled = scaleInputs(data, unitStdScale(data));
    expect(Array.from(unitStdScale(scaled))).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12)]);
  });

  it('XOR sets label a point 1 exactly when one coordinate is negative', () => {
    for (const data of [xorCorners(), xorData({ n: 100, random: seededRandom(4) }), xorCircle({ n: 400, random: seededRandom(5) })]) {
      for (let i = 0; i < data.size; i++) {
        const a = data.x[2 * i]!;
        const b = data.x[2 * i + 1]!;
        if (data.name === 'xor-circle' && a * a + b * b < 0.5) continue;
        expect(data.y[i]).toBe(a * b < 0 ? 1 : 0);
      }
    }
  });

  it('sine: 100 points from −π to π', () => {
    const data = sineData();
    expect(data.size).toBe(100);
    expect(data.x[0]).toBe(-Math.PI);
    expect(data.x[99]).toBeCloseTo(Math.PI, 14);
    expect(data.y[25]).toBeCloseTo(Math.sin(data.x[25]!), 6);
  });

  it('playground sets have the requested size and both classes', () => {
    for (const name of ['spiral', 'gauss'] as const) {
      const data = toyDataset(name, { n: 200, random: seededRandom(6) });
      expect(data.size).toBe(200);
      expect(data.y.reduce((s, v) => s + v, 0)).toBe(100);
    }
  });

  it('image datasets: normalization and the 3 × 32 × 32 protocol (bilinear resize keeps a constant image constant)', () => {
    const pixels = new Uint8Array(2 * 28 * 28).fill(255);
    const data = imageDataset({
      name: 'tiny',
      pixels,
      labels: [3, 7],
      channels: 1,
      height: 28,
      width: 28,
      mean: [0.5],
      std: [0.5],
      resize: [32, 32],
      repeatChannels: 3,
    });
    expect(data.inputShape).toEqual([3, 32, 32]);
    expect(data.x.every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(Array.from(data.y)).toEqual([3, 7]);
  });

  it('evaluate reports accuracy for classification and MSE for regression', () => {
    const random = seededRandom(1);
    const net = new TrainableNetwork([1], architectureLayers('1-4-1', [1], 1), { random });
    const ev = evaluate(net, sineData(), 'mse');
    expect(ev.mse).toBeCloseTo(ev.loss, 6);
    expect(ev.accuracy).toBeUndefined();
  });
});
