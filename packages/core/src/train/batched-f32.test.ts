/**
 * The batched trainer's float32 mode (`precision: 'f32'`, WebAssembly SIMD f32x4 kernels) against
 * two independent references:
 *
 * 1. A scalar float32 trainer written here from the formulas (exp by Cephes expf, as the kernels
 *    compute it), with `Math.fround` after every operation (an IEEE single-precision operation; for
 *    +, −, ×, ÷ and √ of float32 operands the float64 result rounded once to float32 is the
 *    correctly rounded float32 result, because 53 ≥ 2·24 + 2), in the order the module comment of
 *    batched-wasm.ts states. The kernels must agree with it bit for bit.
 * 2. PyTorch float32 trajectories (torch.baddbmm over a stack of networks, torch.optim.Adam) from
 *    packages/core/test/fixtures/batched-f32/make_batched_f32.py (torch 2.13.0+cpu, the bench's
 *    peer venv). PyTorch's bmm sums with fused multiply–adds and adds the bias last, which
 *    WebAssembly SIMD (no FMA without relaxed SIMD) does not reproduce, so the agreement is to
 *    float32 rounding, growing with the epochs; the bounds below are the measured ones, rounded up.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BATCHED_EARLY_EXIT_CASES } from '../../test/helpers.js';
import { seededRandom } from '../random.js';
import { BatchedMlp, batchedLossAndGradient, booleanTrainingData, trainBatched } from './batched.js';

const fr = Math.fround;
/** float32 machine epsilon (2⁻²³). */
const EPS32 = 2 ** -23;

/** Rounds half to even (WebAssembly's `f32x4.nearest`). */
function nearestEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * exp(x) in float32 by Cephes `expf` (S. L. Moshier, cephes/single/expf.c: x = n·ln 2 + r with ln 2
 * split as 0.693359375 − 2.12194440e−4, exp(r) ≈ 1 + r + r²·p(r)), with the argument clamped to
 * [−87, 88]; every constant and operation in float32.
 */
function expf(x: number): number {
  const P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(fr);
  const c = Math.min(88, Math.max(-87, x));
  const n = nearestEven(fr(c * fr(Math.LOG2E)));
  let r = fr(c - fr(n * 0.693359375));
  r = fr(r - fr(n * fr(-2.1219444e-4)));
  let p = P[0]!;
  for (const k of P.slice(1)) p = fr(fr(p * r) + k);
  return fr(fr(fr(fr(p * fr(r * r)) + r) + 1) * 2 ** n);
}

interface ScalarResult {
  solvedAt: number;
  correct: number;
  loss: number;
  params: number[][];
}

/**
 * One network trained in float32, operation by operation: forward z = b + Σᵢ in·W (i ascending),
 * leaky ReLU; dL/dlogit = (σ(z) − y)·(1/S) with σ = 1/(1 + expf(−z)); gradients summed over samples
 * from 0; dL/dz of hidden units Σ_o W·g (o ascending) times the leak where the activation is ≤ 0;
 * Adam as PyTorch with float32 scalars. Early exit at 100 % accuracy.
 */
function scalarTrainF32(
  dims: readonly number[],
  alpha: number,
  start: readonly (readonly number[])[],
  data: { x: Float64Array; y: Float64Array },
  lr: number,
  epochs: number,
): ScalarResult {
  const L = dims.length - 1;
  const S = data.y.length;
  const p = start.map((t) => t.map(fr));
  const m = p.map((t) => t.map(() => 0));
  const v = p.map((t) => t.map(() => 0));
  const a32 = fr(alpha);
  const [b1, ob1, b2, ob2, eps] = [fr(0.9), fr(1 - 0.9), fr(0.999), fr(1 - 0.999), fr(1e-8)];
  for (let epoch = 0; ; epoch++) {
    // acts[l][s][unit]: layer l's input (acts[0] the data), acts[L] the logits.
    const acts = [Array.from({ length: S }, (_, s) => Array.from({ length: dims[0]! }, (_, i) => data.x[s * dims[0]! + i]!))];
    for (let l = 0; l < L; l++) {
      const [din, dout] = [dims[l]!, dims[l + 1]!];
      const [W, b] = [p[2 * l]!, p[2 * l + 1]!];
      acts.push(
        acts[l]!.map((inp) =>
          Array.from({ length: dout }, (_, o) => {
            let z = b[o]!;
            for (let i = 0; i < din; i++) z = fr(z + fr(inp[i]! * W[o * din + i]!));
            return l < L - 1 && !(z > 0) ? fr(a32 * z) : z;
          }),
        ),
      );
    }
    const logits = acts[L]!.map((r) => r[0]!);
    const correct = logits.filter((z, s) => z > 0 === (data.y[s] === 1)).length;
    if (correct === S) return { solvedAt: epoch, correct, loss: meanBce(logits, data.y), params: p };
    if (epoch === epochs) return { solvedAt: -1, correct, loss: meanBce(logits, data.y), params: p };
    // g[l][s][unit] = dL/dz of layer l.
    const g: number[][][] = new Array<number[][]>(L);
    g[L - 1] = logits.map((z, s) => [fr(fr(fr(1 / fr(1 + expf(-z))) - data.y[s]!) * fr(1 / S))]);
    for (let l = L - 1; l >= 1; l--) {
      const [din, dout] = [dims[l]!, dims[l + 1]!];
      g[l - 1] = g[l]!.map((gs, s) =>
        Array.from({ length: din }, (_, i) => {
          let acc = 0;
          for (let o = 0; o < dout; o++) acc = fr(acc + fr(p[2 * l]![o * din + i]! * gs[o]!));
          return acts[l]![s]![i]! > 0 ? acc : fr(a32 * acc);
        }),
      );
    }
    const step = epoch + 1;
    const [ss, sq] = [fr(lr / (1 - Math.pow(0.9, step))), fr(Math.sqrt(1 - Math.pow(0.999, step)))];
    for (let l = 0; l < L; l++) {
      const [din, dout] = [dims[l]!, dims[l + 1]!];
      const grads = [new Array<number>(dout * din).fill(0), new Array<number>(dout).fill(0)];
      for (let o = 0; o < dout; o++) {
        for (let s = 0; s < S; s++) {
          const go = g[l]![s]![o]!;
          for (let i = 0; i < din; i++) grads[0]![o * din + i] = fr(grads[0]![o * din + i]! + fr(go * acts[l]![s]![i]!));
          grads[1]![o] = fr(grads[1]![o]! + go);
        }
      }
      for (const t of [2 * l, 2 * l + 1]) {
        const gt = grads[t - 2 * l]!;
        p[t] = p[t]!.map((pv, j) => {
          const gi = gt[j]!;
          const mi = fr(fr(b1 * m[t]![j]!) + fr(ob1 * gi));
          const vi = fr(fr(b2 * v[t]![j]!) + fr(fr(ob2 * gi) * gi));
          m[t]![j] = mi;
          v[t]![j] = vi;
          return fr(pv - fr(fr(ss * mi) / fr(fr(fr(Math.sqrt(vi)) / sq) + eps)));
        });
      }
    }
  }
}

/** Mean BCE with logits in float64 (PyTorch's formula), as the trainer reports the loss. */
function meanBce(logits: readonly number[], y: Float64Array): number {
  let sum = 0;
  logits.forEach((z, s) => (sum += Math.max(z, 0) - z * y[s]! + Math.log1p(Math.exp(-Math.abs(z)))));
  return sum / logits.length;
}

describe('float32 exp of the output gradient', () => {
  it('is within 1 ulp of the correctly rounded exp over [−87, 88] (Cephes expf, as the kernels compute it)', () => {
    let worst = 0;
    for (let j = 0; j <= 200_000; j++) {
      const x = fr(-87 + (175 * j) / 200_000);
      const exact = Math.exp(x);
      const ulp = 2 ** (Math.floor(Math.log2(exact)) - 23);
      worst = Math.max(worst, Math.abs(expf(x) - exact) / ulp);
    }
    // Measured: 0.94 ulp of the exact value (≤ 0.5 is correct rounding); SLEEF expf_u10, PyTorch's, promises ≤ 1.0.
    expect(worst).toBeLessThan(1.5);
  });
});

describe('float32 kernels against a scalar Math.fround trainer', () => {
  for (const [label, shape, count, f, n] of BATCHED_EARLY_EXIT_CASES) {
    it(`train bit for bit alike with early exit (${label})`, () => {
      const mlp = new BatchedMlp(shape, count);
      mlp.initialize('he-normal', (k) => seededRandom(70 + k));
      const start = Array.from({ length: count }, (_, k) => mlp.networkParams(k).map((t) => Array.from(t)));
      const data = booleanTrainingData(f, n);
      const r = trainBatched(mlp, data, { lr: 0.025, epochs: 400, precision: 'f32' });
      expect([r.kernels, r.precision]).toEqual(['wasm-simd', 'f32']);
      // Networks finish at different epochs, so slots are swapped and vectors run partly empty.
      expect(new Set(r.solvedAt).size).toBeGreaterThanOrEqual(2);
      for (let k = 0; k < count; k++) {
        const ref = scalarTrainF32(mlp.dims, shape.alpha, start[k]!, data, 0.025, 400);
        expect([r.solvedAt[k], r.correct[k], r.loss[k]]).toEqual([ref.solvedAt, ref.correct, ref.loss]);
        mlp.networkParams(k).forEach((t, i) => expect(Array.from(t)).toEqual(ref.params[i]));
      }
    });
  }
});

interface TorchCase {
  name: string;
  table: number;
  inputs: number;
  hidden: number[];
  alpha: number;
  networks: number;
  epochs: number;
  lr: number;
  initial: number[][][];
  loss: number[][];
  solvedAt: number[];
  correct: number[];
  final: number[][][];
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/batched-f32/batched-f32.json', import.meta.url)), 'utf8'),
) as { torch: string; cases: TorchCase[] };

/** Largest |ours − torch| / |torch| over the networks' losses at epochs [e0, e1]. */
function lossDifference(ours: readonly Float64Array[], torch: readonly number[][], e0: number, e1: number): number {
  let worst = 0;
  torch.forEach((row, k) => {
    for (let e = e0; e <= e1; e++) worst = Math.max(worst, Math.abs(ours[k]![e]! - fr(row[e]!)) / Math.abs(fr(row[e]!)));
  });
  return worst;
}

describe(`float32 trajectories against PyTorch ${fixture.torch} float32`, () => {
  for (const c of fixture.cases) {
    it(`${c.name}: ${c.networks} networks, ${c.epochs} Adam steps`, () => {
      const mlp = new BatchedMlp(
        { inputs: c.inputs, width: c.hidden[0]!, depth: c.hidden.length, alpha: c.alpha, hidden: c.hidden },
        c.networks,
      );
      c.initial.forEach((t, k) => mlp.setNetworkParams(k, t));
      const r = trainBatched(mlp, booleanTrainingData(c.table, c.inputs), {
        lr: c.lr,
        epochs: c.epochs,
        earlyExit: false,
        recordLoss: true,
        precision: 'f32',
      });
      // Same verdicts: the epoch each network first classifies every sample, and the final counts.
      expect(Array.from(r.solvedAt)).toEqual(c.solvedAt);
      expect(Array.from(r.correct)).toEqual(c.correct);
      // Losses (ours float64 from the float32 logits, torch's float32), largest relative difference
      // over the networks, measured: ≤ 1.28 ε₃₂ through 10 steps in every case (the float32
      // rounding of torch's loss itself); through 20 steps ≤ 86 ε₃₂; through 200 steps 6.9 ε₃₂
      // (parity 3 × 1), 288 ε₃₂ = 3.4·10⁻⁵ (parity 5 × 2), 60 ε₃₂ (XOR 2 × 1) and 1.7·10⁻² in the
      // ReLU 10 × 3 case (units crossing their kinks amplify the summation-order differences).
      // Our float64 mode is as far from torch float32 (1.4, 78, 3.9, 273, 73 ε₃₂, 1.7·10⁻²): the
      // distance is torch float32's own rounding more than ours.
      const history = r.history!;
      expect(lossDifference(history, c.loss, 0, 10)).toBeLessThanOrEqual(2 * EPS32);
      expect(lossDifference(history, c.loss, 0, 20)).toBeLessThanOrEqual(128 * EPS32);
      expect(lossDifference(history, c.loss, 0, c.epochs)).toBeLessThanOrEqual(c.alpha === 0 ? 2 ** -5 : 512 * EPS32);
      // Every parameter of every network is a float32 value after training.
      for (const p of mlp.params) expect(p.every((x) => fr(x) === x)).toBe(true);
    });
  }
});

describe('float32 and float64 modes', () => {
  it('give the same loss gradient to float32 rounding (batchedLossAndGradient, N = 6 in two vectors)', () => {
    const mlp = new BatchedMlp({ inputs: 4, width: 5, depth: 2, alpha: 0.1 }, 6);
    mlp.initialize('he-normal', (k) => seededRandom(300 + k));
    // float32 starting weights, so both precisions differentiate the same network.
    for (const p of mlp.params) p.forEach((x, i) => (p[i] = fr(x)));
    const data = booleanTrainingData(0x6996, 4);
    const [g64, g32] = (['f64', 'f32'] as const).map((precision) => batchedLossAndGradient(mlp, data, undefined, precision));
    g64!.grads.forEach((g, t) => {
      const scale = Math.max(...g.map(Math.abs));
      // Measured: at most 1.48 ε₃₂ of the tensor's largest entry (0.26–1.48 over the six tensors).
      g.forEach((x, i) => expect(Math.abs(g32!.grads[t]![i]! - x)).toBeLessThanOrEqual(4 * EPS32 * scale));
    });
    expect(Array.from(g32!.correct)).toEqual(Array.from(g64!.correct));
  });

  // Measured over widths 3 and 5 (640 networks): no verdict differs; one network (OR, ReLU, width 3)
  // solves at another epoch.
  it('reach the same success verdict for every network on easy functions', () => {
    for (const [f, n] of [
      [0b1000, 2], // AND
      [0xfffe, 4], // OR of 4 inputs
      [0xe8, 3], // majority of 3
      [0x00ff, 4], // NOT x1 (a dictator)
    ] as const) {
      for (const alpha of [0, 0.1]) {
        const verdicts = (['f64', 'f32'] as const).map((precision) => {
          const mlp = new BatchedMlp({ inputs: n, width: 5, depth: 2, alpha }, 40);
          mlp.initialize('he-normal', (k) => seededRandom(900 + k));
          return Array.from(trainBatched(mlp, booleanTrainingData(f, n), { lr: 0.025, epochs: 2000, precision }).solvedAt, (e) => e >= 0);
        });
        expect(verdicts[1]).toEqual(verdicts[0]);
        expect(verdicts[0]!.filter(Boolean).length).toBeGreaterThanOrEqual(30);
      }
    }
  });

  it('refuses float32 with the JavaScript kernels (there are none in float32)', () => {
    const mlp = new BatchedMlp({ inputs: 2, width: 2, depth: 1, alpha: 0.1 }, 3);
    expect(() => trainBatched(mlp, booleanTrainingData(0b0110, 2), { lr: 0.025, epochs: 1, precision: 'f32', kernels: 'js' })).toThrow(
      /precision 'f32' runs only on the WebAssembly SIMD kernels/,
    );
  });
});
