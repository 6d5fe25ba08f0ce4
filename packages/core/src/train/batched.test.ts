import { describe, expect, it } from 'vitest';
import { BATCHED_EARLY_EXIT_CASES } from '../../test/helpers.js';
import { seededRandom } from '../random.js';
import { BatchedMlp, batchedLossAndGradient, booleanTrainingData, trainBatched } from './batched.js';
import type { BatchedMlpShape } from './batched.js';
import type { Dataset } from './datasets.js';
import { TrainableNetwork } from './model.js';
import { train } from './trainer.js';
import type { LayerSpec } from './architectures.js';

function randomData(n: number, S: number, seed: number): { x: Float64Array; y: Float64Array } {
  const r = seededRandom(seed);
  const x = Float64Array.from({ length: n * S }, () => 2 * r() - 1);
  const y = Float64Array.from({ length: S }, () => (r() < 0.5 ? 0 : 1));
  return { x, y };
}

describe('booleanTrainingData', () => {
  it('encodes truth tables with input 1 as the most significant digit, digit 1 ↦ +1', () => {
    // XOR = 0b0110: f(−1,−1)=0, f(−1,1)=1, f(1,−1)=1, f(1,1)=0.
    const xor = booleanTrainingData(0b0110, 2);
    expect(Array.from(xor.x)).toEqual([-1, -1, -1, 1, 1, -1, 1, 1]);
    expect(Array.from(xor.y)).toEqual([0, 1, 1, 0]);
    // AND = 0b1000; "x1 alone" = inputs 2,3 (k = 2, 3) → 0b1100.
    expect(Array.from(booleanTrainingData(0b1000, 2).y)).toEqual([0, 0, 0, 1]);
    expect(Array.from(booleanTrainingData(0b1100, 2).y)).toEqual([0, 0, 1, 1]);
    // 4-parity is 27030 = 0x6996: y = popcount(k) mod 2.
    const par = booleanTrainingData(27030, 4);
    for (let k = 0; k < 16; k++) expect(par.y[k]).toBe([...k.toString(2)].filter((c) => c === '1').length % 2);
    expect(() => booleanTrainingData(16, 2)).toThrow(/does not fit/);
  });
});

describe('batched gradients', () => {
  for (const alpha of [0, 0.1]) {
    it(`match central finite differences (alpha ${alpha})`, () => {
      const mlp = new BatchedMlp({ inputs: 3, width: 4, depth: 2, alpha }, 3);
      mlp.initialize('he-normal', (k) => seededRandom(100 + k));
      for (const p of mlp.params) for (let i = 0; i < p.length; i++) if (p[i] === 0) p[i] = 0.05 * ((i % 7) - 3);
      const data = randomData(3, 9, 5);
      const { grads } = batchedLossAndGradient(mlp, data);
      const h = 1e-6;
      let checked = 0;
      mlp.params.forEach((p, t) => {
        for (let i = 0; i < p.length; i++) {
          const k = i % mlp.count;
          const keep = p[i]!;
          p[i] = keep + h;
          const up = batchedLossAndGradient(mlp, data).loss[k]!;
          p[i] = keep - h;
          const down = batchedLossAndGradient(mlp, data).loss[k]!;
          p[i] = keep;
          expect(grads[t]![i]).toBeCloseTo((up - down) / (2 * h), 6);
          checked++;
        }
      });
      expect(checked).toBe(3 * (3 * 4 + 4 + 4 * 4 + 4 + 4 + 1));
    });
  }

  it('match central finite differences where the 4-way blocked kernels leave remainders (6 inputs, hidden 5 → 7, 7 samples)', () => {
    const mlp = new BatchedMlp({ inputs: 6, width: 5, depth: 2, alpha: 0.1, hidden: [5, 7] }, 2);
    mlp.initialize('he-normal', (k) => seededRandom(300 + k));
    const data = randomData(6, 7, 9);
    const { grads } = batchedLossAndGradient(mlp, data);
    const h = 1e-6;
    mlp.params.forEach((p, t) => {
      for (let i = 0; i < p.length; i++) {
        const keep = p[i]!;
        p[i] = keep + h;
        const up = batchedLossAndGradient(mlp, data).loss[i % 2]!;
        p[i] = keep - h;
        const down = batchedLossAndGradient(mlp, data).loss[i % 2]!;
        p[i] = keep;
        expect(grads[t]![i]).toBeCloseTo((up - down) / (2 * h), 6);
      }
    });
  });
});

describe('batched trainer against the single-network trainer', () => {
  it('initializes like TrainableNetwork and follows its Adam trajectory (float64)', async () => {
    const n = 3;
    const width = 5;
    const depth = 2;
    const alpha = 0.1;
    const data = booleanTrainingData(0b10010110, 3);
    const specs: LayerSpec[] = [];
    for (let l = 0; l < depth; l++) specs.push({ type: 'dense', outFeatures: width }, { type: 'leaky_relu', alpha });
    specs.push({ type: 'dense', outFeatures: 1 });
    const seeds = [11, 12, 13];
    const mlp = new BatchedMlp({ inputs: n, width, depth, alpha }, seeds.length);
    mlp.initialize('he-normal', (k) => seededRandom(seeds[k]!));
    const epochs = 150;
    const r = trainBatched(mlp, data, { lr: 0.025, epochs, earlyExit: false, recordLoss: true });
    for (let k = 0; k < seeds.length; k++) {
      const net = new TrainableNetwork([n], specs, { dtype: 'float64', init: 'he-normal', random: seededRandom(seeds[k]!) });
      const ds: Dataset = {
        name: 'parity3',
        task: 'binary',
        inputShape: [n],
        inputSize: n,
        targetSize: 1,
        numClasses: 2,
        size: 8,
        x: data.x,
        y: Float32Array.from(data.y),
      };
      const res = await train(net, ds, { loss: 'bce', optimizer: { type: 'adam', lr: 0.025 }, epochs, batchSize: 8, shuffle: false });
      for (let e = 0; e < epochs; e++) expect(r.history![k]![e]).toBeCloseTo(res.loss[e]!, 10);
      const ours = mlp.networkParams(k);
      net.params.forEach((p, t) => {
        for (let i = 0; i < p.length; i++) expect(ours[t]![i]).toBeCloseTo(p[i]!, 9);
      });
    }
  });

  it('early exit and batch composition do not change a network’s result', () => {
    const shape = { inputs: 3, width: 3, depth: 1, alpha: 0.1 };
    const data = booleanTrainingData(0b10010110, 3);
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const all = new BatchedMlp(shape, seeds.length);
    all.initialize('he-normal', (k) => seededRandom(seeds[k]!));
    const r = trainBatched(all, data, { lr: 0.025, epochs: 1500 });
    // The case worth testing: networks finish at different epochs, some not at all (slots get swapped).
    expect(new Set(r.solvedAt).size).toBeGreaterThanOrEqual(3);
    expect(Array.from(r.solvedAt).some((e) => e < 0)).toBe(true);
    for (let k = 0; k < seeds.length; k++) {
      const one = new BatchedMlp(shape, 1);
      one.initialize('he-normal', () => seededRandom(seeds[k]!));
      const s = trainBatched(one, data, { lr: 0.025, epochs: 1500 });
      expect(r.solvedAt[k]).toBe(s.solvedAt[0]);
      expect(r.loss[k]).toBe(s.loss[0]);
      expect(all.networkParams(k)).toEqual(one.networkParams(0));
    }
  });

  it('solves linearly separable AND with every network and stops each at 100 % accuracy', () => {
    const mlp = new BatchedMlp({ inputs: 2, width: 2, depth: 1, alpha: 0.1 }, 20);
    mlp.initialize('he-normal', (k) => seededRandom(k));
    const r = trainBatched(mlp, booleanTrainingData(0b1000, 2), { lr: 0.025, epochs: 2000 });
    expect(Array.from(r.correct)).toEqual(new Array(20).fill(4));
    // The loss is computed at each network's last forward pass (skipped at the others): finite, small.
    expect(Array.from(r.loss).every((l) => Number.isFinite(l) && l > 0 && l < Math.log(2))).toBe(true);
    expect(Array.from(r.solvedAt).every((e) => e >= 0 && e < 2000)).toBe(true);
    expect(r.networkEpochs).toBe(Array.from(r.solvedAt).reduce((a, e) => a + e + 1, 0));
  });
});

describe('WebAssembly SIMD kernels against the JavaScript kernels', () => {
  // Node 20 has WebAssembly SIMD: the default path must be the WASM one here.
  it('run by default where WebAssembly SIMD exists, and `kernels: "js"` selects the JS kernels', () => {
    const mlp = new BatchedMlp({ inputs: 2, width: 2, depth: 1, alpha: 0.1 }, 3);
    mlp.initialize('he-normal', (k) => seededRandom(k));
    const data = booleanTrainingData(0b0110, 2);
    expect(trainBatched(mlp, data, { lr: 0.025, epochs: 2 }).kernels).toBe('wasm-simd');
    expect(trainBatched(mlp, data, { lr: 0.025, epochs: 2, kernels: 'js' }).kernels).toBe('js');
  });

  for (const [label, shape, count, f, n] of BATCHED_EARLY_EXIT_CASES) {
    it(`train bit for bit alike with early exit (${label})`, () => {
      const a = new BatchedMlp(shape, count);
      a.initialize('he-normal', (k) => seededRandom(40 + k));
      const b = new BatchedMlp(shape, count);
      b.initialize('he-normal', (k) => seededRandom(40 + k));
      const data = booleanTrainingData(f, n);
      const ra = trainBatched(a, data, { lr: 0.025, epochs: 600, recordLoss: true });
      const rb = trainBatched(b, data, { lr: 0.025, epochs: 600, recordLoss: true, kernels: 'js' });
      expect(ra.kernels).toBe('wasm-simd');
      // Slots are swapped as networks finish at different epochs (the case worth testing).
      expect(new Set(ra.solvedAt).size).toBeGreaterThanOrEqual(2);
      expect(Array.from(ra.solvedAt)).toEqual(Array.from(rb.solvedAt));
      expect(Array.from(ra.loss)).toEqual(Array.from(rb.loss));
      expect(Array.from(ra.loss).every(Number.isFinite)).toBe(true);
      expect(ra.history).toEqual(rb.history);
      expect(ra.networkEpochs).toBe(rb.networkEpochs);
      a.params.forEach((p, t) => expect(Array.from(p)).toEqual(Array.from(b.params[t]!)));
    });
  }

  // The step kernel runs finished rows' Adam steps inside later blocks' sample loops (one or two per
  // iteration) and the rest after; the forward kernel computes dL/dlogit with its own exp, ÷ S by
  // × 1/S for a power of two. Cases: 4 → 10 × 3 → 1 on 4-parity (16 samples: both interleave rates
  // and a remainder), 6 → 5 → 7 → 1 on 9 random samples (÷ 9).
  const stepCases: [string, BatchedMlpShape, { x: Float64Array; y: Float64Array }][] = [
    ['4 → 10 × 3 → 1, 4-parity', { inputs: 4, width: 10, depth: 3, alpha: 0.1 }, booleanTrainingData(27030, 4)],
    ['6 → 5 → 7 → 1, 9 random samples', { inputs: 6, width: 5, depth: 2, alpha: 0.1, hidden: [5, 7] }, randomData(6, 9, 12)],
  ];
  for (const [label, shape, data] of stepCases) {
    it(`train bit for bit alike without early exit (${label}, N = 5)`, () => {
      const [a, b] = [0, 1].map(() => {
        const mlp = new BatchedMlp(shape, 5);
        mlp.initialize('he-normal', (k) => seededRandom(70 + k));
        return mlp;
      }) as [BatchedMlp, BatchedMlp];
      const ra = trainBatched(a, data, { lr: 0.025, epochs: 300, earlyExit: false, recordLoss: true });
      const rb = trainBatched(b, data, { lr: 0.025, epochs: 300, earlyExit: false, recordLoss: true, kernels: 'js' });
      expect(ra.kernels).toBe('wasm-simd');
      expect(ra.history).toEqual(rb.history);
      a.params.forEach((p, t) => expect(Array.from(p)).toEqual(Array.from(b.params[t]!)));
      // The parameters moved (the comparison means something).
      const init = new BatchedMlp(shape, 5);
      init.initialize('he-normal', (k) => seededRandom(70 + k));
      expect(a.params.every((p, t) => p.some((x, i) => x !== init.params[t]![i]))).toBe(true);
    });
  }

  it('train a batch larger than one group (4 → 10 × 3 → 1, N = 70: float64 groups of 32, 32 and 6) as its networks train in a small batch', () => {
    const shape = { inputs: 4, width: 10, depth: 3, alpha: 0.1 };
    const data = booleanTrainingData(0xe880, 4);
    const big = new BatchedMlp(shape, 70);
    big.initialize('he-normal', (k) => seededRandom(900 + k));
    // Networks 60…69 straddle the group boundary; trained alone, in one batch of 10.
    const small = new BatchedMlp(shape, 10);
    small.initialize('he-normal', (k) => seededRandom(960 + k));
    for (const precision of ['f64', 'f32'] as const) {
      const [a, b] = [big, small].map((m) => {
        const copy = new BatchedMlp(shape, m.count);
        copy.params.forEach((p, t) => p.set(m.params[t]!));
        return copy;
      }) as [BatchedMlp, BatchedMlp];
      const ra = trainBatched(a, data, { lr: 0.025, epochs: 300, recordLoss: true, precision });
      const rb = trainBatched(b, data, { lr: 0.025, epochs: 300, recordLoss: true, precision });
      expect(new Set(rb.solvedAt).size).toBeGreaterThanOrEqual(2);
      expect(Array.from(ra.solvedAt.subarray(60))).toEqual(Array.from(rb.solvedAt));
      expect(Array.from(ra.loss.subarray(60))).toEqual(Array.from(rb.loss));
      expect(ra.history!.slice(60)).toEqual(rb.history);
      for (let k = 0; k < 10; k++) expect(a.networkParams(60 + k)).toEqual(b.networkParams(k));
      expect(ra.networkEpochs).toBe(Array.from(ra.solvedAt).reduce((s, e) => s + (e < 0 ? 301 : e + 1), 0));
    }
  });

  it('give bit-for-bit equal losses and gradients where no block is full (6 inputs, hidden 5 → 7, 7 samples, N = 3)', () => {
    const mlp = new BatchedMlp({ inputs: 6, width: 5, depth: 2, alpha: 0.1, hidden: [5, 7] }, 3);
    mlp.initialize('he-normal', (k) => seededRandom(500 + k));
    const data = randomData(6, 7, 11);
    const w = batchedLossAndGradient(mlp, data);
    const j = batchedLossAndGradient(mlp, data, 'js');
    expect(Array.from(w.loss)).toEqual(Array.from(j.loss));
    w.grads.forEach((g, t) => expect(Array.from(g)).toEqual(Array.from(j.grads[t]!)));
    // Not all zero: the comparison means something.
    expect(w.grads.every((g) => g.some((x) => x !== 0))).toBe(true);
  });
});
