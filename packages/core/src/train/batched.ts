/**
 * A batched trainer for tiny MLPs: N networks of one shape (n inputs → depth × width hidden units
 * with ReLU or leaky ReLU → 1 logit) trained together, full batch, Adam, BCE with logits, with a
 * per-network early exit at 100 % training accuracy. Built for the Boolean training sweeps of
 * chapter 3 (about 2·10⁷ trainings of networks with at most a few hundred parameters), where one
 * network per call spends its time in loop overhead, not arithmetic.
 *
 * Layout: one Float64Array per tensor per shape, network index fastest (`W[(o·in + i)·N + k]`), so
 * every inner loop is a stride-1 loop over the networks that are still training. The data are
 * shared by all networks, so the first layer multiplies a scalar input by a row of weights.
 * Networks that reach 100 % accuracy are swapped to the end of the active range (their parameters,
 * Adam moments and activations move with them), so the loops shrink as networks finish.
 *
 * Kernels: WebAssembly SIMD (f64x2, batched-wasm.ts; tensors in a WebAssembly memory, pair-major)
 * where available, else the JavaScript kernels below; both give bit-for-bit equal results, because
 * the SIMD lanes are two networks and each network's operations are the same in the same order.
 *
 * Precision: float64 by default, which lets a batched network follow the single-network trainer
 * (`TrainableNetwork` with `dtype: 'float64'`) step for step (tested). `precision: 'f32'` runs
 * f32x4 kernels (four networks per vector: up to twice the f64x2 throughput, for the Adam update's
 * square root and divisions above all) in which every operation is one IEEE single-precision
 * operation, the same operations in the same order as float64, and dL/dlogit is computed in the
 * forward kernel as PyTorch float32 does (σ = 1 / (1 + exp(−z)), exp by a float32 polynomial
 * like PyTorch's vectorized one, each operation rounded to float32). It needs
 * WebAssembly SIMD (there are no float32 JavaScript kernels) and follows PyTorch float32 to
 * float32 rounding, not bit for bit (PyTorch's bmm sums in its own order; the tests measure it).
 *
 * Determinism: network k is initialized from its own seeded generator (`randomFor(k)`), drawn in
 * the order `TrainableNetwork.initialize` uses (layer by layer, weight row-major, then bias), and
 * the arithmetic of one network never depends on which others share the batch.
 */
import { PolytopeError } from '../errors.js';
import type { Random } from '../random.js';
import { initParameters } from './init.js';
import type { InitName } from './init.js';
import { wasmBatchedKernels, wasmBytesPerNetwork, wasmIndex, wasmSetAdam, wasmSetData } from './batched-wasm.js';
import type { WasmBatchedKernels } from './batched-wasm.js';

/** The shape of every network in a batch: `inputs → width × depth (activation) → 1 logit`. */
export interface BatchedMlpShape {
  readonly inputs: number;
  readonly width: number;
  /** Number of hidden layers (≥ 1). */
  readonly depth: number;
  /** Leak of the activation: 0 = ReLU, 0.1 = the dissertation's leaky ReLU. */
  readonly alpha: number;
  /** Hidden widths layer by layer, for non-rectangular networks (pruning); overrides width × depth. */
  readonly hidden?: readonly number[];
}

/** Shared training data: `x` is samples × inputs (row-major), `y` holds 0/1 targets. */
export interface BatchedData {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** Options for `trainBatched`. */
export interface BatchedTrainOptions {
  /** Adam learning rate (the dissertation: 0.025). */
  readonly lr: number;
  /** Maximum number of optimizer steps (the dissertation: 4,000). */
  readonly epochs: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Stop a network once it classifies every sample (default true). */
  readonly earlyExit?: boolean;
  /** Record every network's loss at every epoch (`history`); memory epochs × N. */
  readonly recordLoss?: boolean;
  /**
   * Which kernels run the passes: `'auto'` (default) = WebAssembly SIMD where available, else
   * JavaScript; `'js'` = the JavaScript kernels. Both give bit-for-bit equal results.
   */
  readonly kernels?: 'auto' | 'js';
  /**
   * Arithmetic: `'f64'` (default; float64, the trajectory of `TrainableNetwork` in float64) or
   * `'f32'` (float32 f32x4 kernels, PyTorch's default precision; needs WebAssembly SIMD, so not
   * with `kernels: 'js'`). Parameters stay Float64Arrays; in float32 they hold float32 values.
   */
  readonly precision?: BatchedPrecision;
}

/** The float format the batched trainer computes in. */
export type BatchedPrecision = 'f64' | 'f32';

/** Per-network outcome of `trainBatched` (arrays indexed by network). */
export interface BatchedTrainResult {
  /** Epoch (optimizer steps taken) at which the network first classified every sample; −1 if never. */
  readonly solvedAt: Int32Array;
  /** BCE loss (mean over samples) at the last forward pass of each network. */
  readonly loss: Float64Array;
  /** Samples classified correctly at that forward pass. */
  readonly correct: Int32Array;
  /** Network-epochs computed (sum over networks of the forward passes run). */
  readonly networkEpochs: number;
  /** `history[k][e]`: loss of network k before step e (with `recordLoss`). */
  readonly history?: Float64Array[];
  /** The kernels that ran: `'wasm-simd'` (f64x2 or f32x4) or `'js'`. */
  readonly kernels: 'wasm-simd' | 'js';
  /** The precision they computed in. */
  readonly precision: BatchedPrecision;
}

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
// eslint-disable-next-line no-restricted-syntax -- PyTorch's Adam eps default, a hyperparameter, not a tolerance
const ADAM_EPS = 1e-8;

/**
 * N MLPs of one shape with their parameters in shared tensors (network index fastest).
 *
 * @example
 * const mlp = new BatchedMlp({ inputs: 2, width: 3, depth: 1, alpha: 0.1 }, 100);
 * mlp.initialize('he-normal', (k) => seededRandom(k));
 * const r = trainBatched(mlp, { x: [-1, -1, -1, 1, 1, -1, 1, 1], y: [0, 1, 1, 0] }, { lr: 0.025, epochs: 4000 });
 * r.solvedAt[0]; // epoch at which network 0 solved XOR, or −1
 */
export class BatchedMlp {
  readonly shape: BatchedMlpShape;
  /** Number of networks. */
  readonly count: number;
  /** Layer sizes: inputs, width × depth, 1. */
  readonly dims: readonly number[];
  /** Weight and bias of every layer: [W₀, b₀, W₁, b₁, …], each `elements × count`. */
  readonly params: Float64Array[];

  constructor(shape: BatchedMlpShape, count: number) {
    const { inputs, width, depth, alpha } = shape;
    for (const [name, v] of [
      ['inputs', inputs],
      ['width', width],
      ['depth', depth],
      ['network count', count],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new PolytopeError('bad-option', `${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isFinite(alpha) || alpha < 0 || alpha >= 1) throw new PolytopeError('bad-option', `leak must be in [0, 1), got ${alpha}`);
    this.shape = shape;
    this.count = count;
    const hidden = shape.hidden ?? new Array<number>(depth).fill(width);
    if (hidden.length === 0 || hidden.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new PolytopeError('bad-option', `hidden widths must be positive integers, got [${hidden.join(', ')}]`);
    }
    this.dims = [inputs, ...hidden, 1];
    this.params = [];
    for (let l = 0; l + 1 < this.dims.length; l++) {
      this.params.push(new Float64Array(this.dims[l]! * this.dims[l + 1]! * count), new Float64Array(this.dims[l + 1]! * count));
    }
  }

  /** Initializes network k from `randomFor(k)`, in `TrainableNetwork.initialize`'s draw order. */
  initialize(init: InitName, randomFor: (k: number) => Random): void {
    for (let k = 0; k < this.count; k++) {
      const random = randomFor(k);
      const tensors = this.networkParams(k);
      for (let l = 0; l + 1 < this.dims.length; l++) {
        initParameters(tensors[2 * l]!, tensors[2 * l + 1]!, this.dims[l]!, this.dims[l + 1]!, init, random);
      }
      this.setNetworkParams(k, tensors);
    }
  }

  /** Network k's tensors in the usual layout (weight `[out][in]` row-major, bias), copied out. */
  networkParams(k: number): Float64Array[] {
    const n = this.count;
    return this.params.map((p) => {
      const e = p.length / n;
      const out = new Float64Array(e);
      for (let i = 0; i < e; i++) out[i] = p[i * n + k]!;
      return out;
    });
  }

  /** Sets network k's tensors from the usual layout (see `networkParams`). */
  setNetworkParams(k: number, tensors: readonly ArrayLike<number>[]): void {
    const n = this.count;
    this.params.forEach((p, t) => {
      const src = tensors[t]!;
      const e = p.length / n;
      if (src.length !== e) throw new PolytopeError('shape-mismatch', `tensor ${t} has ${src.length} values, expected ${e}`);
      for (let i = 0; i < e; i++) p[i * n + k] = src[i]!;
    });
  }
}

/** Forward/backward buffers of one batch (all `elements × count`, network index fastest). */
interface Work {
  readonly samples: number;
  /** Pre-activations of each hidden layer, samples × width. */
  readonly z: Float64Array[];
  /** Activations of each hidden layer. */
  readonly a: Float64Array[];
  /** Logits, samples. */
  readonly logit: Float64Array;
  /** Gradient w.r.t. the current layer's pre-activation (reused, samples × max width). */
  readonly gz: Float64Array;
  readonly gzPrev: Float64Array;
  readonly grads: Float64Array[];
}

function makeWork(mlp: BatchedMlp, samples: number): Work {
  const n = mlp.count;
  const hidden = mlp.dims.slice(1, -1);
  const maxW = Math.max(1, ...hidden);
  return {
    samples,
    z: hidden.map((w) => new Float64Array(samples * w * n)),
    a: hidden.map((w) => new Float64Array(samples * w * n)),
    logit: new Float64Array(samples * n),
    gz: new Float64Array(samples * maxW * n),
    gzPrev: new Float64Array(samples * maxW * n),
    grads: mlp.params.map((p) => new Float64Array(p.length)),
  };
}

/** Checks the data and copies them to Float64Arrays (one array type keeps the kernels monomorphic). */
function checkData(mlp: BatchedMlp, raw: BatchedData): { S: number; data: { x: Float64Array; y: Float64Array } } {
  const data = { x: Float64Array.from(raw.x), y: Float64Array.from(raw.y) };
  const d = mlp.shape.inputs;
  const s = data.y.length;
  if (s < 1 || data.x.length !== s * d) {
    throw new PolytopeError('shape-mismatch', `data has ${data.x.length} input values for ${s} targets; expected ${d} per sample`);
  }
  for (let i = 0; i < s; i++) {
    if (data.y[i] !== 0 && data.y[i] !== 1) throw new PolytopeError('bad-option', `targets must be 0 or 1, got ${data.y[i]}`);
  }
  return { S: s, data };
}

/* eslint-disable @typescript-eslint/max-params -- hot kernels take their arrays and sizes as arguments (V8 keeps them in registers). */

/*
 * Every kernel keeps its sums in registers and walks the short reduction axis (inputs, samples or
 * outputs) with stride N for each network k: measured 1.5× the variant that streams a whole row of
 * networks through memory once per term (0.29 against 0.20 GMAC/s for 10 → 10, 16 samples). Each
 * kernel also computes four outputs that share one operand at once (four samples sharing a weight,
 * or four inputs sharing an output gradient), so a multiply-add costs 1.25 loads instead of 2. The
 * sum of every output is taken in the same order as one at a time, so results are bit for bit equal.
 */

/** First layer: z[s][o][k] = b[o][k] + Σᵢ x[s][i]·W[o][i][k] (the data are shared). */
function firstLayer(
  z: Float64Array,
  x: ArrayLike<number>,
  w: Float64Array,
  b: Float64Array,
  S: number,
  din: number,
  dout: number,
  n: number,
  active: number,
): void {
  const zStep = dout * n;
  let s = 0;
  for (; s + 4 <= S; s += 4) {
    const xs = s * din;
    for (let o = 0; o < dout; o++) {
      const zo = (s * dout + o) * n;
      const bo = o * n;
      const w0 = o * din * n;
      for (let k = 0; k < active; k++) {
        const bk = b[bo + k]!;
        let c0 = bk;
        let c1 = bk;
        let c2 = bk;
        let c3 = bk;
        for (let i = 0, wi = w0 + k; i < din; i++, wi += n) {
          const wv = w[wi]!;
          c0 += x[xs + i]! * wv;
          c1 += x[xs + din + i]! * wv;
          c2 += x[xs + 2 * din + i]! * wv;
          c3 += x[xs + 3 * din + i]! * wv;
        }
        z[zo + k] = c0;
        z[zo + zStep + k] = c1;
        z[zo + 2 * zStep + k] = c2;
        z[zo + 3 * zStep + k] = c3;
      }
    }
  }
  for (; s < S; s++) {
    const xs = s * din;
    for (let o = 0; o < dout; o++) {
      const zo = (s * dout + o) * n;
      const bo = o * n;
      const w0 = o * din * n;
      for (let k = 0; k < active; k++) {
        let acc = b[bo + k]!;
        for (let i = 0, wi = w0 + k; i < din; i++, wi += n) acc += x[xs + i]! * w[wi]!;
        z[zo + k] = acc;
      }
    }
  }
}

/** Later layers: z[s][o][k] = b[o][k] + Σᵢ a[s][i][k]·W[o][i][k]. */
function denseLayer(
  z: Float64Array,
  a: Float64Array,
  w: Float64Array,
  b: Float64Array,
  S: number,
  din: number,
  dout: number,
  n: number,
  active: number,
): void {
  const zStep = dout * n;
  const aStep = din * n;
  let s = 0;
  for (; s + 4 <= S; s += 4) {
    const a0 = s * aStep;
    for (let o = 0; o < dout; o++) {
      const zo = (s * dout + o) * n;
      const bo = o * n;
      const w0 = o * din * n;
      for (let k = 0; k < active; k++) {
        const bk = b[bo + k]!;
        let c0 = bk;
        let c1 = bk;
        let c2 = bk;
        let c3 = bk;
        for (let i = 0, ai = a0 + k, wi = w0 + k; i < din; i++, ai += n, wi += n) {
          const wv = w[wi]!;
          c0 += a[ai]! * wv;
          c1 += a[ai + aStep]! * wv;
          c2 += a[ai + 2 * aStep]! * wv;
          c3 += a[ai + 3 * aStep]! * wv;
        }
        z[zo + k] = c0;
        z[zo + zStep + k] = c1;
        z[zo + 2 * zStep + k] = c2;
        z[zo + 3 * zStep + k] = c3;
      }
    }
  }
  for (; s < S; s++) {
    const a0 = s * aStep;
    for (let o = 0; o < dout; o++) {
      const zo = (s * dout + o) * n;
      const bo = o * n;
      const w0 = o * din * n;
      for (let k = 0; k < active; k++) {
        let acc = b[bo + k]!;
        for (let i = 0, ai = a0 + k, wi = w0 + k; i < din; i++, ai += n, wi += n) acc += a[ai]! * w[wi]!;
        z[zo + k] = acc;
      }
    }
  }
}

function activate(a: Float64Array, z: Float64Array, len: number, n: number, active: number, alpha: number): void {
  for (let r = 0; r < len; r++) {
    const o = r * n;
    for (let k = 0; k < active; k++) {
      const v = z[o + k]!;
      a[o + k] = v > 0 ? v : alpha * v;
    }
  }
}

/** gb[o][k] = Σ_s gz[s][o][k]. */
function biasGrad(gb: Float64Array, gz: Float64Array, S: number, dout: number, n: number, active: number): void {
  const gStep = dout * n;
  for (let o = 0; o < dout; o++) {
    const bo = o * n;
    for (let k = 0; k < active; k++) {
      let acc = 0;
      for (let s = 0, g = bo + k; s < S; s++, g += gStep) acc += gz[g]!;
      gb[bo + k] = acc;
    }
  }
}

/** gW[o][i][k] = Σ_s gz[s][o][k]·x[s][i] for the shared data x (first layer). */
function weightGradData(
  gw: Float64Array,
  gz: Float64Array,
  x: ArrayLike<number>,
  S: number,
  din: number,
  dout: number,
  n: number,
  active: number,
): void {
  const gStep = dout * n;
  for (let o = 0; o < dout; o++) {
    const bo = o * n;
    let i = 0;
    for (; i + 4 <= din; i += 4) {
      const wo = (o * din + i) * n;
      for (let k = 0; k < active; k++) {
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        let c3 = 0;
        for (let s = 0, g = bo + k, xs = i; s < S; s++, g += gStep, xs += din) {
          const gv = gz[g]!;
          c0 += gv * x[xs]!;
          c1 += gv * x[xs + 1]!;
          c2 += gv * x[xs + 2]!;
          c3 += gv * x[xs + 3]!;
        }
        gw[wo + k] = c0;
        gw[wo + n + k] = c1;
        gw[wo + 2 * n + k] = c2;
        gw[wo + 3 * n + k] = c3;
      }
    }
    for (; i < din; i++) {
      const wo = (o * din + i) * n;
      for (let k = 0; k < active; k++) {
        let acc = 0;
        for (let s = 0, g = bo + k; s < S; s++, g += gStep) acc += gz[g]! * x[s * din + i]!;
        gw[wo + k] = acc;
      }
    }
  }
}

/** gW[o][i][k] = Σ_s gz[s][o][k]·in[s][i][k] (later layers). */
function weightGradDense(
  gw: Float64Array,
  gz: Float64Array,
  inp: Float64Array,
  S: number,
  din: number,
  dout: number,
  n: number,
  active: number,
): void {
  const gStep = dout * n;
  const aStep = din * n;
  for (let o = 0; o < dout; o++) {
    const bo = o * n;
    let i = 0;
    for (; i + 4 <= din; i += 4) {
      const wo = (o * din + i) * n;
      for (let k = 0; k < active; k++) {
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        let c3 = 0;
        for (let s = 0, g = bo + k, ai = i * n + k; s < S; s++, g += gStep, ai += aStep) {
          const gv = gz[g]!;
          c0 += gv * inp[ai]!;
          c1 += gv * inp[ai + n]!;
          c2 += gv * inp[ai + 2 * n]!;
          c3 += gv * inp[ai + 3 * n]!;
        }
        gw[wo + k] = c0;
        gw[wo + n + k] = c1;
        gw[wo + 2 * n + k] = c2;
        gw[wo + 3 * n + k] = c3;
      }
    }
    for (; i < din; i++) {
      const wo = (o * din + i) * n;
      for (let k = 0; k < active; k++) {
        let acc = 0;
        for (let s = 0, g = bo + k, ai = i * n + k; s < S; s++, g += gStep, ai += aStep) acc += gz[g]! * inp[ai]!;
        gw[wo + k] = acc;
      }
    }
  }
}

/** gzPrev[s][i][k] = act'(zPrev[s][i][k]) · Σ_o W[o][i][k]·gz[s][o][k]. */
function inputGrad(
  gzPrev: Float64Array,
  gz: Float64Array,
  w: Float64Array,
  zPrev: Float64Array,
  S: number,
  din: number,
  dout: number,
  n: number,
  active: number,
  alpha: number,
): void {
  const wStep = din * n;
  const gStep = dout * n;
  const pStep = din * n;
  let s = 0;
  for (; s + 4 <= S; s += 4) {
    for (let i = 0; i < din; i++) {
      const gi = (s * din + i) * n;
      const g0 = s * gStep;
      for (let k = 0; k < active; k++) {
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        let c3 = 0;
        for (let o = 0, wi = i * n + k, g = g0 + k; o < dout; o++, wi += wStep, g += n) {
          const wv = w[wi]!;
          c0 += wv * gz[g]!;
          c1 += wv * gz[g + gStep]!;
          c2 += wv * gz[g + 2 * gStep]!;
          c3 += wv * gz[g + 3 * gStep]!;
        }
        const p = gi + k;
        gzPrev[p] = zPrev[p]! > 0 ? c0 : alpha * c0;
        gzPrev[p + pStep] = zPrev[p + pStep]! > 0 ? c1 : alpha * c1;
        gzPrev[p + 2 * pStep] = zPrev[p + 2 * pStep]! > 0 ? c2 : alpha * c2;
        gzPrev[p + 3 * pStep] = zPrev[p + 3 * pStep]! > 0 ? c3 : alpha * c3;
      }
    }
  }
  for (; s < S; s++) {
    for (let i = 0; i < din; i++) {
      const gi = (s * din + i) * n;
      const g0 = s * gStep;
      for (let k = 0; k < active; k++) {
        let acc = 0;
        for (let o = 0, wi = i * n + k, g = g0 + k; o < dout; o++, wi += wStep, g += n) acc += w[wi]! * gz[g]!;
        gzPrev[gi + k] = zPrev[gi + k]! > 0 ? acc : alpha * acc;
      }
    }
  }
}

function forward(mlp: BatchedMlp, data: BatchedData, work: Work, active: number): void {
  const { dims, params, count: n } = mlp;
  const S = work.samples;
  const L = dims.length - 1;
  for (let l = 0; l < L; l++) {
    const out = l === L - 1 ? work.logit : work.z[l]!;
    if (l === 0) firstLayer(out, data.x, params[0]!, params[1]!, S, dims[0]!, dims[1]!, n, active);
    else denseLayer(out, work.a[l - 1]!, params[2 * l]!, params[2 * l + 1]!, S, dims[l]!, dims[l + 1]!, n, active);
    if (l < L - 1) activate(work.a[l]!, out, S * dims[l + 1]!, n, active, mlp.shape.alpha);
  }
}

/** log(1 + e^(−|z|)) + max(z, 0) − z·y: BCE with logits, as PyTorch computes it. */
function bce(z: number, y: number): number {
  return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * Where the logits are read and dL/dlogit written: sample s of network k at
 * `at + ⌊k/lanes⌋·pairStride + s·rowStride + k mod lanes` (the JS layout: lanes 2, pairStride 2,
 * rowStride N). `gradInKernel`: the forward kernel has written dL/dlogit (float32, and float64 where
 * its exp is `Math.exp` bit for bit).
 */
interface OutputRows {
  readonly logit: Float64Array | Float32Array;
  readonly logitAt: number;
  readonly grad: Float64Array | Float32Array;
  readonly gradAt: number;
  readonly lanes: number;
  readonly pairStride: number;
  readonly rowStride: number;
  readonly gradInKernel: boolean;
  /** Where the forward kernel wrote each network's correct count (same addressing, one row), or −1 (JS kernels). */
  readonly correctAt: number;
}

/**
 * Which losses an epoch computes: `'all'`; `'solved'`, those of the networks that classify every
 * sample (they leave the batch with early exit: their last forward pass); `'none'`. The others are
 * NaN: the loss is needed only at a network's last forward pass, and skipping it saves two of the
 * three transcendental calls per sample.
 */
type LossesWanted = 'all' | 'solved' | 'none';

/** Correct count of each network in [k0, k1), dL/dlogit, and the loss (mean BCE) where `losses` asks. */

function lossAndOutputGrad(
  y: Float64Array,
  out: OutputRows,
  k0: number,
  k1: number,
  loss: Float64Array,
  correct: Int32Array,
  losses: LossesWanted,
): void {
  const S = y.length;
  const { logit, grad, lanes, pairStride, rowStride, gradInKernel, correctAt } = out;
  for (let k = k0; k < k1; k++) {
    const off = Math.floor(k / lanes) * pairStride + (k % lanes);
    let c = 0;
    if (gradInKernel && correctAt >= 0) c = logit[correctAt + off]!;
    else {
      for (let s = 0, o = out.logitAt + off, go = out.gradAt + off; s < S; s++, o += rowStride, go += rowStride) {
        const ys = y[s]!;
        const z = logit[o]!;
        if (z > 0 === (ys === 1)) c++;
        if (!gradInKernel) grad[go] = (1 / (1 + Math.exp(-z)) - ys) / S;
      }
    }
    correct[k] = c;
    if (losses === 'none' || (losses === 'solved' && c !== S)) {
      loss[k] = Number.NaN;
      continue;
    }
    let l = 0;
    for (let s = 0, o = out.logitAt + off; s < S; s++, o += rowStride) l += bce(logit[o]!, y[s]!);
    loss[k] = l / S;
  }
}

function backward(mlp: BatchedMlp, data: BatchedData, work: Work, active: number): void {
  const { dims, params, count: n } = mlp;
  const S = work.samples;
  const L = dims.length - 1;
  let gz = work.gz;
  let gzPrev = work.gzPrev;
  for (let l = L - 1; l >= 0; l--) {
    biasGrad(work.grads[2 * l + 1]!, gz, S, dims[l + 1]!, n, active);
    if (l === 0) weightGradData(work.grads[0]!, gz, data.x, S, dims[0]!, dims[1]!, n, active);
    else weightGradDense(work.grads[2 * l]!, gz, work.a[l - 1]!, S, dims[l]!, dims[l + 1]!, n, active);
    if (l > 0) {
      inputGrad(gzPrev, gz, params[2 * l]!, work.z[l - 1]!, S, dims[l]!, dims[l + 1]!, n, active, mlp.shape.alpha);
      [gz, gzPrev] = [gzPrev, gz];
    }
  }
}

/** Adam over the active networks; `m`, `v` parallel to the parameters (PyTorch's update, as `optimizers.ts`). */
function adamStep(
  params: Float64Array[],
  grads: Float64Array[],
  m: Float64Array[],
  v: Float64Array[],
  n: number,
  active: number,
  step: number,
  o: AdamScalars,
): void {
  const { lr, beta1, beta2, eps } = o;
  const bc1 = 1 - Math.pow(beta1, step);
  const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  for (let t = 0; t < params.length; t++) {
    const p = params[t]!;
    const g = grads[t]!;
    const mt = m[t]!;
    const vt = v[t]!;
    const e = p.length / n;
    for (let r = 0; r < e; r++) {
      const base = r * n;
      for (let k = base; k < base + active; k++) {
        const gi = g[k]!;
        const mi = beta1 * mt[k]! + (1 - beta1) * gi;
        const vi = beta2 * vt[k]! + (1 - beta2) * gi * gi;
        mt[k] = mi;
        vt[k] = vi;
        p[k] = p[k]! - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
  }
}

/* eslint-enable @typescript-eslint/max-params */

/** Swaps slots `a` and `b` in every per-network array (element-major, stride n). */
function swapSlots(arrays: readonly Float64Array[], n: number, a: number, b: number): void {
  for (const arr of arrays) {
    for (let i = 0; i < arr.length; i += n) {
      const t = arr[i + a]!;
      arr[i + a] = arr[i + b]!;
      arr[i + b] = t;
    }
  }
}

function checkTrainOptions(o: BatchedTrainOptions): void {
  if (!(Number.isFinite(o.lr) && o.lr > 0)) throw new PolytopeError('bad-option', `learning rate must be a finite number > 0, got ${o.lr}`);
  if (!Number.isInteger(o.epochs) || o.epochs < 0)
    throw new PolytopeError('bad-option', `epochs must be a non-negative integer, got ${o.epochs}`);
}

type AdamScalars = Required<Omit<BatchedTrainOptions, 'recordLoss' | 'earlyExit' | 'epochs' | 'kernels' | 'precision'>>;

/** The passes of one batch over one set of kernels (JS on `mlp.params`, or WASM SIMD on its own memory). */
/** What an epoch does besides the forward pass (see `Engine.epoch`). */
interface EpochMode {
  /** Adam step number, or 0 for none (the last epoch). */
  readonly step: number;
  readonly adam: AdamScalars;
  readonly freezeSolved: boolean;
  readonly losses: LossesWanted;
}

interface Engine {
  readonly kind: 'wasm-simd' | 'js';
  readonly precision: BatchedPrecision;
  readonly out: OutputRows;
  forward(active: number): void;
  backward(active: number): void;
  /**
   * One epoch of the active networks: forward pass, loss and correct counts (into `loss`, `correct`),
   * and unless `step` is 0 the backward pass and Adam step number `step` — skipped (state kept) for
   * networks that classify every sample when `freezeSolved` (they leave the batch before the next epoch).
   */
  epoch(active: number, loss: Float64Array, correct: Int32Array, how: EpochMode): void;
  /** Swaps networks in slots a and b (parameters, Adam moments, this epoch's activations). */
  swap(a: number, b: number): void;
  /** Parameters (after training) in `mlp.params`'s layout, slot order. */
  params(): Float64Array[];
  /** Gradients of the last backward pass in `mlp.params`'s layout. */
  grads(): Float64Array[];
}

/** The networks in [k0, k1) that classify all S samples. */
function solvedLanes(correct: Int32Array, k0: number, k1: number, S: number): number[] {
  const out: number[] = [];
  for (let k = k0; k < k1; k++) if (correct[k] === S) out.push(k);
  return out;
}

function jsEngine(mlp: BatchedMlp, data: { x: Float64Array; y: Float64Array }, S: number): Engine {
  const n = mlp.count;
  const work = makeWork(mlp, S);
  const m = mlp.params.map((p) => new Float64Array(p.length));
  const v = mlp.params.map((p) => new Float64Array(p.length));
  const slotArrays = [...mlp.params, ...m, ...v, ...work.z, ...work.a, work.logit, work.gz];
  const out: OutputRows = {
    logit: work.logit,
    logitAt: 0,
    grad: work.gz,
    gradAt: 0,
    lanes: 2,
    pairStride: 2,
    rowStride: n,
    gradInKernel: false,
    correctAt: -1,
  };
  return {
    kind: 'js',
    precision: 'f64',
    out,
    forward: (active) => forward(mlp, data, work, active),
    backward: (active) => backward(mlp, data, work, active),
    epoch: (active, loss, correct, { step, adam: o, freezeSolved, losses }) => {
      forward(mlp, data, work, active);
      lossAndOutputGrad(data.y, out, 0, active, loss, correct, losses);
      if (step === 0) return;
      const state = [...mlp.params, ...m, ...v];
      const lane = (k: number, into?: Float64Array[]): Float64Array[] =>
        state.map((arr, t) => {
          const e = arr.length / n;
          const keep = into?.[t] ?? new Float64Array(e);
          for (let r = 0; r < e; r++) {
            if (into) arr[r * n + k] = keep[r]!;
            else keep[r] = arr[r * n + k]!;
          }
          return keep;
        });
      const frozen = freezeSolved ? solvedLanes(correct, 0, active, data.y.length).map((k) => [k, lane(k)] as const) : [];
      backward(mlp, data, work, active);
      adamStep(mlp.params, work.grads, m, v, n, active, step, o);
      for (const [k, kept] of frozen) lane(k, kept);
    },
    swap: (a, b) => swapSlots(slotArrays, n, a, b),
    params: () => mlp.params.map((p) => p.slice()),
    grads: () => work.grads,
  };
}

/** Copies the tensors whose first rows are `firstRows` out of the WASM memory, in `mlp.params`'s layout. */
function copyOut(k: WasmBatchedKernels, firstRows: readonly number[], mlp: BatchedMlp): Float64Array[] {
  const n = mlp.count;
  return mlp.params.map((p, t) => {
    const out = new Float64Array(p.length);
    for (let r = 0; r < p.length / n; r++) {
      for (let j = 0; j < n; j++) out[r * n + j] = k.values[wasmIndex(k.layout, firstRows[t]! + r, j)]!;
    }
    return out;
  });
}

/** Bytes of pair blocks run through forward, loss and step together (about half an L2 cache). */
const WASM_CHUNK_BYTES = 1 << 18;

function wasmEngine(mlp: BatchedMlp, data: { x: Float64Array; y: Float64Array }, S: number, precision: BatchedPrecision): Engine | null {
  const k = wasmBatchedKernels(mlp.dims, S, mlp.count, precision);
  if (!k) return null;
  const { layout } = k;
  const { lanes } = layout;
  const n = mlp.count;
  const f = k.values;
  wasmSetData(k, mlp.shape.alpha, data.x, data.y);
  mlp.params.forEach((p, t) => {
    for (let r = 0; r < p.length / n; r++) {
      for (let j = 0; j < n; j++) f[wasmIndex(layout, layout.param[t]! + r, j)] = p[r * n + j]!;
    }
  });
  const paramRows = layout.m[0]!;
  const pairs = (active: number): number => Math.ceil(active / lanes) * layout.pairBytes;
  const chunk = Math.max(1, Math.floor(WASM_CHUNK_BYTES / layout.pairBytes));
  const out: OutputRows = {
    logit: f,
    logitAt: wasmIndex(layout, layout.logit, 0),
    grad: f,
    gradAt: wasmIndex(layout, layout.gOut, 0),
    lanes,
    pairStride: lanes * layout.rows,
    rowStride: lanes,
    // float64: unless the module's exp failed its check against Math.exp (then JS recomputes it).
    gradInKernel: precision === 'f32' || k.expExact,
    correctAt: wasmIndex(layout, layout.correct, 0),
  };
  // Parameters, m and v of one network (rows 0 … 3·paramRows − 1 of its block).
  const saveLane = (lane: number): Float64Array => Float64Array.from({ length: 3 * paramRows }, (_, r) => f[wasmIndex(layout, r, lane)]!);
  const restoreLane = (lane: number, kept: Float64Array): void => {
    for (let r = 0; r < kept.length; r++) f[wasmIndex(layout, r, lane)] = kept[r]!;
  };
  return {
    kind: 'wasm-simd',
    precision,
    out,
    forward: (active) => k.forward(0, pairs(active)),
    backward: (active) => k.backward(0, pairs(active)),
    epoch: (active, loss, correct, { step, adam: o, freezeSolved, losses }) => {
      const stepSize = o.lr / (1 - Math.pow(o.beta1, step));
      const sqrtBc2 = Math.sqrt(1 - Math.pow(o.beta2, step));
      if (step > 0) wasmSetAdam(k, { beta1: o.beta1, beta2: o.beta2, eps: o.eps, stepSize, sqrtBc2 });
      const pb = layout.pairBytes;
      const allPairs = Math.ceil(active / lanes);
      // Chunks of pairs small enough to stay in cache from the forward pass through the Adam step.
      for (let c0 = 0; c0 < allPairs; c0 += chunk) {
        const c1 = Math.min(allPairs, c0 + chunk);
        k.forward(c0 * pb, c1 * pb);
        const [k0, k1] = [lanes * c0, Math.min(active, lanes * c1)];
        lossAndOutputGrad(data.y, out, k0, k1, loss, correct, losses);
        if (step === 0) continue;
        // Lanes the step must leave as they are: networks solved at this epoch, and the inactive
        // (already solved) networks that share the last vector with active ones.
        const keep = freezeSolved ? solvedLanes(correct, k0, k1, S) : [];
        for (let lane = k1; lane < Math.min(n, lanes * c1); lane++) keep.push(lane);
        const kept = keep.map((lane) => [lane, saveLane(lane)] as const);
        k.step(c0 * pb, c1 * pb);
        for (const [lane, saved] of kept) restoreLane(lane, saved);
      }
    },
    swap: (a, b) => {
      // Every row of the two networks' blocks (gradients and scratch included: harmless, simpler).
      for (let r = 0; r < layout.rows; r++) {
        const [ia, ib] = [wasmIndex(layout, r, a), wasmIndex(layout, r, b)];
        const t = f[ia]!;
        f[ia] = f[ib]!;
        f[ib] = t;
      }
    },
    params: () => copyOut(k, layout.param, mlp),
    grads: () => copyOut(k, layout.grad, mlp),
  };
}

function makeEngine(
  mlp: BatchedMlp,
  data: { x: Float64Array; y: Float64Array },
  S: number,
  o: Pick<BatchedTrainOptions, 'kernels' | 'precision'>,
): Engine {
  const precision = o.precision ?? 'f64';
  if (precision !== 'f64' && precision !== 'f32')
    throw new PolytopeError('bad-option', `precision must be 'f64' or 'f32', got '${String(precision)}'`);
  if (precision === 'f32') {
    const engine = o.kernels === 'js' ? null : wasmEngine(mlp, data, S, 'f32');
    if (!engine) {
      throw new PolytopeError(
        'unsupported',
        "precision 'f32' runs only on the WebAssembly SIMD kernels (no float32 JavaScript kernels); use precision 'f64' with kernels 'js' or an engine with WebAssembly SIMD",
      );
    }
    return engine;
  }
  return (o.kernels !== 'js' ? wasmEngine(mlp, data, S, 'f64') : null) ?? jsEngine(mlp, data, S);
}

/**
 * Loss (mean BCE with logits over the samples) of every network and the gradient of each network's
 * own loss, in the batched layout. For gradient checks and analysis; training uses `trainBatched`.
 *
 * @example
 * const { loss, grads } = batchedLossAndGradient(mlp, data); // grads parallel to mlp.params
 */
export function batchedLossAndGradient(
  mlp: BatchedMlp,
  raw: BatchedData,
  kernels?: 'auto' | 'js',
  precision: BatchedPrecision = 'f64',
): { loss: Float64Array; correct: Int32Array; grads: Float64Array[] } {
  const { S, data } = checkData(mlp, raw);
  const engine = makeEngine(mlp, data, S, kernels === undefined ? { precision } : { kernels, precision });
  const loss = new Float64Array(mlp.count);
  const correct = new Int32Array(mlp.count);
  engine.forward(mlp.count);
  lossAndOutputGrad(data.y, engine.out, 0, mlp.count, loss, correct, 'all');
  engine.backward(mlp.count);
  return { loss, correct, grads: engine.grads() };
}

/**
 * Trains every network of `mlp` in place: full batch, Adam, BCE with logits. Each epoch runs a
 * forward pass; a network whose predictions (logit > 0 ⇒ class 1) are all correct stops there
 * (with `earlyExit`) and records the epoch; the others take one Adam step. After `epochs` steps a
 * last forward pass scores the survivors. Network k's trajectory is independent of the others.
 * The passes run in WebAssembly SIMD (f64x2) where available, else in JavaScript (same results);
 * `precision: 'f32'` runs them in float32 (f32x4).
 *
 * @example
 * const r = trainBatched(mlp, parity4, { lr: 0.025, epochs: 4000 });
 * const successes = r.solvedAt.filter((e) => e >= 0).length;
 */
export function trainBatched(mlp: BatchedMlp, raw: BatchedData, options: BatchedTrainOptions): BatchedTrainResult {
  checkTrainOptions(options);
  const { S, data } = checkData(mlp, raw);
  const n = mlp.count;
  // Networks per group: a multiple of 4, so no group ends in a partly filled vector (f32x4 or f64x2).
  const group = Math.max(
    4,
    Math.floor(TRAIN_GROUP_BYTES / wasmBytesPerNetwork(mlp.dims, S, options.precision === 'f32' ? 'f32' : 'f64') / 4) * 4,
  );
  if (n <= group) return trainGroup(mlp, data, S, options);
  // Networks train independently (a network's arithmetic never depends on the others in its batch),
  // so a large batch trains as groups one after another, all epochs each: a group's state stays in
  // the L2 cache from epoch to epoch instead of streaming from memory (10×3, N = 1000: 15.6 MB in
  // float64; in groups of 32, 0.5 MB). Results are those of one batch, bit for bit.
  const solvedAt = new Int32Array(n);
  const loss = new Float64Array(n);
  const correct = new Int32Array(n);
  const history: Float64Array[] = [];
  let networkEpochs = 0;
  let last: BatchedTrainResult | undefined;
  for (let g0 = 0; g0 < n; g0 += group) {
    const count = Math.min(group, n - g0);
    const part = new BatchedMlp(mlp.shape, count);
    const copy = (from: Float64Array[], fromN: number, fromAt: number, to: Float64Array[], toN: number, toAt: number): void =>
      from.forEach((src, t) => {
        const dst = to[t]!;
        for (let r = 0; r < src.length / fromN; r++) for (let j = 0; j < count; j++) dst[r * toN + toAt + j] = src[r * fromN + fromAt + j]!;
      });
    copy(mlp.params, n, g0, part.params, count, 0);
    last = trainGroup(part, data, S, options);
    copy(part.params, count, 0, mlp.params, n, g0);
    solvedAt.set(last.solvedAt, g0);
    loss.set(last.loss, g0);
    correct.set(last.correct, g0);
    if (last.history) history.push(...last.history);
    networkEpochs += last.networkEpochs;
  }
  const { kernels, precision } = last!;
  return options.recordLoss
    ? { solvedAt, loss, correct, networkEpochs, history, kernels, precision }
    : { solvedAt, loss, correct, networkEpochs, kernels, precision };
}

/**
 * Bytes of training state per group of networks that `trainBatched` trains together: a quarter of a
 * 2 MB L2 cache. Measured at 10×3×1000 (float64, per CPU-second, two rounds on the shared 2-core
 * Xeon): 256 KB 3.69e5 and 3.63e5, 512 KB 3.69e5 and 3.78e5, 1 MB 3.61e5 and 3.58e5, 2 MB 3.45e5
 * and 3.52e5; one batch of 15.6 MB 3.1–3.2e5.
 */
const TRAIN_GROUP_BYTES = 1 << 19;

/** `trainBatched` on one group of networks (checked options and data). */
function trainGroup(
  mlp: BatchedMlp,
  data: { x: Float64Array; y: Float64Array },
  S: number,
  options: BatchedTrainOptions,
): BatchedTrainResult {
  const n = mlp.count;
  const adam = { lr: options.lr, beta1: options.beta1 ?? ADAM_BETA1, beta2: options.beta2 ?? ADAM_BETA2, eps: options.eps ?? ADAM_EPS };
  const earlyExit = options.earlyExit ?? true;
  const engine = makeEngine(mlp, data, S, options);
  const slotToNet = Int32Array.from({ length: n }, (_, k) => k);
  const solvedAt = new Int32Array(n).fill(-1);
  const finalLoss = new Float64Array(n);
  const finalCorrect = new Int32Array(n);
  const history = options.recordLoss ? Array.from({ length: n }, () => new Float64Array(options.epochs + 1).fill(Number.NaN)) : undefined;
  const loss = new Float64Array(n);
  const correct = new Int32Array(n);
  let active = n;
  let networkEpochs = 0;
  for (let epoch = 0; epoch <= options.epochs && active > 0; epoch++) {
    const last = epoch === options.epochs;
    engine.epoch(active, loss, correct, {
      step: last ? 0 : epoch + 1,
      adam,
      freezeSolved: earlyExit,
      // Without early exit a network's last forward pass is the last epoch's.
      losses: last || history !== undefined ? 'all' : earlyExit ? 'solved' : 'none',
    });
    networkEpochs += active;
    for (let k = active - 1; k >= 0; k--) {
      const net = slotToNet[k]!;
      if (history) history[net]![epoch] = loss[k]!;
      finalLoss[net] = loss[k]!;
      finalCorrect[net] = correct[k]!;
      if (correct[k] === S && solvedAt[net] === -1) {
        solvedAt[net] = epoch;
        if (earlyExit) {
          const last = active - 1;
          if (k !== last) {
            engine.swap(last, k);
            slotToNet[k] = slotToNet[last]!;
            loss[k] = loss[last]!;
            correct[k] = correct[last]!;
          }
          slotToNet[last] = net;
          active--;
        }
      }
    }
  }
  // Undo the compaction so network k's parameters sit in slot k again.
  const final = engine.params();
  for (let slot = 0; slot < n; slot++) {
    const net = slotToNet[slot]!;
    final.forEach((src, t) => {
      const dst = mlp.params[t]!;
      for (let i = 0; i < src.length; i += n) dst[i + net] = src[i + slot]!;
    });
  }
  const { kind: kernels, precision } = engine;
  return history
    ? { solvedAt, loss: finalLoss, correct: finalCorrect, networkEpochs, history, kernels, precision }
    : { solvedAt, loss: finalLoss, correct: finalCorrect, networkEpochs, kernels, precision };
}

/**
 * The 2ⁿ points of {−1, 1}ⁿ and the targets of the Boolean function with truth-table integer `f`
 * (bit k = f at the input whose binary digits are k, input 1 the most significant digit; digit 1
 * ↦ +1, digit 0 ↦ −1).
 *
 * @example
 * booleanTrainingData(0b0110, 2); // XOR: x = [-1,-1, -1,1, 1,-1, 1,1], y = [0, 1, 1, 0]
 */
export function booleanTrainingData(f: number | bigint, n: number): { x: Float64Array; y: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new PolytopeError('bad-option', `n must be an integer in 1..16, got ${n}`);
  const big = BigInt(f);
  if (big < 0n || big >= 1n << BigInt(1 << n)) throw new PolytopeError('bad-option', `truth table ${f} does not fit ${1 << n} bits`);
  const S = 1 << n;
  const x = new Float64Array(S * n);
  const y = new Float64Array(S);
  for (let k = 0; k < S; k++) {
    for (let i = 0; i < n; i++) x[k * n + i] = (k >> (n - 1 - i)) & 1 ? 1 : -1;
    y[k] = Number((big >> BigInt(k)) & 1n);
  }
  return { x, y };
}
