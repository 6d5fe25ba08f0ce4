/**
 * WebAssembly SIMD kernels for the batched trainer (`trainBatched`, batched.ts): the forward pass,
 * the backward pass (bias, weight and input gradients) and the Adam update of N tiny MLPs of one
 * shape, with every tensor living in one WebAssembly memory. Two precisions from one emitter:
 * float64 (f64x2, two networks per vector) and float32 (f32x4, four networks per vector; every
 * operation is one IEEE single-precision operation, as `Math.fround` of the float64 result).
 *
 * The module is assembled per layout (shape, padded network count, samples): every tensor element
 * row sits at a constant byte offset, so the kernels are straight-line code over the units of a
 * layer (offsets are load/store immediates) inside two runtime loops, over network pairs (the two
 * f64x2 lanes) and, for the passes, over samples. Lanes run along the network axis, so each
 * network's arithmetic is exactly the scalar JavaScript kernels' (same operations in the same order,
 * no fused multiply–add): results are bit for bit equal to the JS path in float64 and to a scalar
 * `Math.fround` reference in float32 (tested).
 *
 * Memory layout (bytes): 256 bytes of splatted scalars (leak, Adam constants of the step), the data
 * x[s][i] splatted to the vector, then one block per group of `lanes` networks (2 in float64, 4 in
 * float32; group-major: a group's whole state is contiguous, so its passes stream through one small
 * block instead of touching one page per row, which measured 2× slower at N = 1000). A block is
 * `rows` rows of 16 bytes (one value per network of the group): parameters [W₀, b₀, W₁, b₁, …] (W row-major [out][in]), Adam m, Adam v, gradients, then
 * per hidden layer z and a as [unit][sample], the logits [sample], and per layer the gradient with
 * respect to its pre-activation, [unit][sample] (the last one is dL/dlogit, written by JS). Element
 * (row r, network k) is value `rowsAt/b + ⌊k/lanes⌋·lanes·rows + lanes·r + k mod lanes` of the
 * memory viewed as b-byte floats (`wasmIndex`). "Pair" below means such a group.
 */
import { OP, compileKernel, instantiateKernel, simd, uleb, wasmApi, kernelsModule } from '../wasm/assembler.js';
import type { KernelFunction } from '../wasm/assembler.js';

const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_GE_U = 0x4f;
const I32_NE = 0x47;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const V128_LOAD = simd(0x00);
const V128_STORE = simd(0x0b);
const V128_CONST = simd(0x0c);
const V128_BITSELECT = simd(0x52);

/** The float format of a set of kernels: `'f64'` (f64x2 lanes) or `'f32'` (f32x4 lanes). */
export type WasmPrecision = 'f64' | 'f32';

/** The lane-wise arithmetic of one precision (SIMD opcodes with their prefix). */
interface LaneOps {
  readonly lanes: number;
  readonly bytes: number;
  readonly gt: number[];
  readonly sqrt: number[];
  readonly add: number[];
  readonly sub: number[];
  readonly mul: number[];
  readonly div: number[];
}

const LANE_OPS: Record<WasmPrecision, LaneOps> = {
  f64: { lanes: 2, bytes: 8, gt: simd(0x4a), sqrt: simd(0xef), add: simd(0xf0), sub: simd(0xf1), mul: simd(0xf2), div: simd(0xf3) },
  f32: { lanes: 4, bytes: 4, gt: simd(0x44), sqrt: simd(0xe3), add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7) },
};

/** Byte offsets of the splatted scalars at the start of the memory. */
const SCALAR = {
  alpha: 0,
  beta1: 16,
  oneMinusBeta1: 32,
  beta2: 48,
  oneMinusBeta2: 64,
  stepSize: 80,
  sqrtBc2: 96,
  eps: 112,
  invSamples: 128,
};
const DATA_AT = 256;

/** Where everything lives: row numbers within a pair's block, which starts at `rowsAt + pair·pairBytes`. */
export interface WasmLayout {
  readonly precision: WasmPrecision;
  /** Networks per vector (per pair block): 2 in float64, 4 in float32. */
  readonly lanes: number;
  /** Bytes per value: 8 or 4. */
  readonly valueBytes: number;
  readonly dims: readonly number[];
  readonly samples: number;
  /** Network groups (the count rounded up to a multiple of `lanes`, divided by it). */
  readonly pairs: number;
  /** Bytes per group block (rows · 16). */
  readonly pairBytes: number;
  /** Byte offset of row 0. */
  readonly rowsAt: number;
  /** First row of each parameter tensor ([W₀, b₀, …]), of its Adam m and v, of its gradient. */
  readonly param: number[];
  readonly m: number[];
  readonly v: number[];
  readonly grad: number[];
  /** Per hidden layer l: first row of its activation ([unit][sample]). */
  readonly a: number[];
  /** First row of the logits ([sample]). */
  readonly logit: number;
  /** First row of dL/dlogit ([sample], written by JS). */
  readonly gOut: number;
  /** Per layer l: first row of dL/dz_l ([unit][sample]; the last is `gOut`). */
  readonly g: number[];
  readonly rows: number;
  readonly bytes: number;
}

/** The layout of N networks with layer sizes `dims` on `samples` samples. */
function wasmLayout(dims: readonly number[], samples: number, count: number, precision: WasmPrecision): WasmLayout {
  const L = dims.length - 1;
  const { lanes, bytes: valueBytes } = LANE_OPS[precision];
  const pairs = Math.ceil(count / lanes);
  // The data x[s][i], then the targets y[s] (read by the float32 output gradient), splatted.
  const rowsAt = DATA_AT + samples * (dims[0]! + 1) * 16;
  const sizes: number[] = [];
  for (let l = 0; l < L; l++) sizes.push(dims[l]! * dims[l + 1]!, dims[l + 1]!);
  let row = 0;
  const block = (): number[] =>
    sizes.map((e) => {
      const at = row;
      row += e;
      return at;
    });
  const param = block();
  const m = block();
  const v = block();
  const grad = block();
  const a: number[] = [];
  for (let l = 0; l + 1 < L; l++) {
    a.push(row);
    row += dims[l + 1]! * samples;
  }
  const logit = row;
  const gOut = row + samples;
  row += 2 * samples;
  const g: number[] = [];
  for (let l = 0; l + 1 < L; l++) {
    g.push(row);
    row += dims[l + 1]! * samples;
  }
  g.push(gOut);
  return {
    precision,
    lanes,
    valueBytes,
    dims,
    samples,
    pairs,
    pairBytes: row * 16,
    rowsAt,
    param,
    m,
    v,
    grad,
    a,
    logit,
    gOut,
    g,
    rows: row,
    bytes: rowsAt + pairs * row * 16,
  };
}

/** Index (in values of the layout's precision) of row r of network k. */
export function wasmIndex(lay: WasmLayout, r: number, k: number): number {
  const { lanes } = lay;
  return lay.rowsAt / lay.valueBytes + Math.floor(k / lanes) * lanes * lay.rows + lanes * r + (k % lanes);
}

// Locals: params k0, k1 (byte offsets of the network range, even network indices); i32 pk, q, qx, qend;
// v128 ALPHA, ZERO, T, AV, then per-function scratch, then unit registers U0…
const [K0, K1, PK, Q, QX, QEND] = [0, 1, 2, 3, 4, 5];
const [ALPHA, ZERO, T, AV] = [6, 7, 8, 9];
const SCRATCH = 10; // 10…19
const UNIT = 20;

class Emitter {
  readonly f: number[] = [];
  constructor(readonly ops: LaneOps) {}
  get(i: number): void {
    this.f.push(GET, ...uleb(i));
  }
  set(i: number): void {
    this.f.push(SET, ...uleb(i));
  }
  tee(i: number): void {
    this.f.push(TEE, ...uleb(i));
  }
  i32(v: number): void {
    this.f.push(I32_CONST, ...sleb32(v));
  }
  op(...xs: readonly number[]): void {
    for (const x of xs) this.f.push(x);
  }
  /** Pushes the v128 at `ptr + offset`. */
  load(ptr: number, offset: number): void {
    this.get(ptr);
    this.op(...V128_LOAD, 3, ...uleb(offset));
  }
  /** Stores the v128 that `value` pushes at `ptr + offset`. */
  store(ptr: number, offset: number, value: () => void): void {
    this.get(ptr);
    value();
    this.op(...V128_STORE, 3, ...uleb(offset));
  }
  /** Pushes bitselect(x, alpha·x, x' > 0) for x in local `x` and the comparand pushed by `cmp`. */
  leaky(x: number, cmp: () => void): void {
    this.get(x);
    this.get(ALPHA);
    this.get(x);
    this.op(...this.ops.mul);
    cmp();
    this.get(ZERO);
    this.op(...this.ops.gt, ...V128_BITSELECT);
  }
  /** `for (pk = k0; pk < k1; pk += pairBytes) { body }` (k0, k1: pair index · pairBytes). */
  pairLoop(lay: WasmLayout, body: () => void): void {
    this.get(K0);
    this.set(PK);
    this.op(...BLOCK, ...LOOP);
    this.get(PK);
    this.get(K1);
    this.op(I32_GE_U, BR_IF, 1);
    body();
    this.get(PK);
    this.i32(lay.pairBytes);
    this.op(I32_ADD);
    this.set(PK);
    this.op(BR, 0, END, END);
  }
  /** Runs `body` once per sample with q = pk + s·16 and qx = s·inputs·16. */
  sampleLoop(lay: WasmLayout, body: () => void): void {
    const rowBytes = 16;
    this.get(PK);
    this.tee(Q);
    this.i32(lay.samples * rowBytes);
    this.op(I32_ADD);
    this.set(QEND);
    this.i32(0);
    this.set(QX);
    this.op(...LOOP);
    body();
    this.get(QX);
    this.i32(lay.dims[0]! * 16);
    this.op(I32_ADD);
    this.set(QX);
    this.get(Q);
    this.i32(rowBytes);
    this.op(I32_ADD);
    this.tee(Q);
    this.get(QEND);
    this.op(I32_NE, BR_IF, 0, END);
  }
  /** Loads the leak and zero into their locals. */
  prologue(): void {
    this.i32(0);
    this.op(...V128_LOAD, 3, ...uleb(SCALAR.alpha));
    this.set(ALPHA);
    this.op(...V128_CONST, ...new Array<number>(16).fill(0));
    this.set(ZERO);
  }
}

function sleb32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Byte offset (from pk) of parameter-like row `r`, and (from q) of per-sample row `r` (sample 0). */
const rowOff = (lay: WasmLayout, r: number): number => lay.rowsAt + r * 16;
const sampleOff = (lay: WasmLayout, first: number, unit: number): number => rowOff(lay, first + unit * lay.samples);

/** Pushes input unit i of layer l at the current sample: the splatted datum, or the previous activation. */
function loadInput(e: Emitter, lay: WasmLayout, l: number, i: number): void {
  if (l === 0) {
    e.get(QX);
    e.op(...V128_LOAD, 3, ...uleb(DATA_AT + i * 16));
  } else e.load(Q, sampleOff(lay, lay.a[l - 1]!, i));
}

/** forward(k0, k1): z_l[o][s] = b[o] + Σᵢ in[i][s]·W[o][i] (i ascending), a_l = leaky(z_l). */
function forwardKernel(lay: WasmLayout): KernelFunction {
  const e = new Emitter(LANE_OPS[lay.precision]);
  const { dims } = lay;
  const L = dims.length - 1;
  e.prologue();
  e.pairLoop(lay, () =>
    e.sampleLoop(lay, () => {
      for (let l = 0; l < L; l++) {
        const din = dims[l]!;
        for (let i = 0; i < din; i++) {
          loadInput(e, lay, l, i);
          e.set(UNIT + i);
        }
        for (let o = 0; o < dims[l + 1]!; o++) {
          e.load(PK, rowOff(lay, lay.param[2 * l + 1]! + o));
          for (let i = 0; i < din; i++) {
            e.get(UNIT + i);
            e.load(PK, rowOff(lay, lay.param[2 * l]! + o * din + i));
            e.op(...e.ops.mul, ...e.ops.add);
          }
          e.set(T);
          if (l < L - 1) e.store(Q, sampleOff(lay, lay.a[l]!, o), () => e.leaky(T, () => e.get(T)));
          else e.store(Q, sampleOff(lay, lay.logit, o), () => e.get(T));
        }
      }
      if (lay.precision === 'f32') e.store(Q, sampleOff(lay, lay.gOut, 0), () => outputGradientF32(e, lay));
    }),
  );
  e.op(END);
  return { name: 'forward', i32Locals: 4, v128Locals: UNIT - ALPHA + maxDim(dims), body: e.f };
}

/*
 * float32 constants of `outputGradientF32` (Cephes `expf`, S. L. Moshier, cephes/single/expf.c:
 * Cody–Waite ln 2 split and minimax polynomial). Coefficients of a function approximation, not
 * tolerances.
 */
/* eslint-disable no-restricted-syntax */
const EXPF32 = {
  /** exp's argument is clamped to [lo, hi]: 2ⁿ stays a normal float32, and σ is 1 or below 2⁻¹²⁷ outside. */
  lo: -87.0,
  hi: 88.0,
  log2e: Math.LOG2E,
  ln2Hi: 0.693359375,
  ln2Lo: -2.1219444e-4,
  /** p(r) = ((((c₀r + c₁)r + c₂)r + c₃)r + c₄)r + c₅, exp(r) ≈ p(r)·r² + r + 1. */
  poly: [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1],
} as const;
/* eslint-enable no-restricted-syntax */

/** A v128 constant of four float32 lanes. */
function f32x4Const(e: Emitter, v: number): void {
  const bytes = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
  e.op(...V128_CONST, ...bytes);
}

/**
 * Pushes dL/dlogit of the current sample in float32, from the logit in local T: (σ(z) − y)·(1/S)
 * with σ(z) = 1 / (1 + exp(−z)), PyTorch's sigmoid, and exp by Cephes `expf` (a range reduction
 * x = n·ln 2 + r and a degree-7 polynomial, ≤ 1 ulp-ish like PyTorch's vectorized SLEEF expf), every
 * operation in float32. In the forward kernel, so the sigmoid runs four networks per instruction
 * instead of one `Math.exp` per sample and network in JavaScript.
 */
function outputGradientF32(e: Emitter, lay: WasmLayout): void {
  const [X, N, R] = [AV, SCRATCH, SCRATCH + 1];
  const { ops } = e;
  // x = clamp(−z), n = nearest(x·log₂e), r = (x − n·ln2Hi) − n·ln2Lo
  f32x4Const(e, 0);
  e.get(T);
  e.op(...ops.sub);
  f32x4Const(e, EXPF32.lo);
  e.op(...OP.f32x4Max);
  f32x4Const(e, EXPF32.hi);
  e.op(...OP.f32x4Min);
  e.tee(X);
  f32x4Const(e, EXPF32.log2e);
  e.op(...ops.mul, ...OP.f32x4Nearest);
  e.tee(N);
  f32x4Const(e, EXPF32.ln2Hi);
  e.op(...ops.mul);
  e.set(R);
  e.get(X);
  e.get(R);
  e.op(...ops.sub);
  e.get(N);
  f32x4Const(e, EXPF32.ln2Lo);
  e.op(...ops.mul, ...ops.sub);
  e.set(R);
  // p = Horner(poly, r); exp(r) = (p·r² + r) + 1
  f32x4Const(e, EXPF32.poly[0]);
  for (const c of EXPF32.poly.slice(1)) {
    e.get(R);
    e.op(...ops.mul);
    f32x4Const(e, c);
    e.op(...ops.add);
  }
  e.get(R);
  e.get(R);
  e.op(...ops.mul, ...ops.mul);
  e.get(R);
  e.op(...ops.add);
  f32x4Const(e, 1);
  e.op(...ops.add);
  // · 2ⁿ: the float32 with exponent field n + 127
  e.get(N);
  e.op(...OP.i32x4TruncSatF32x4S);
  e.op(...V128_CONST, ...new Uint8Array(new Int32Array([127, 127, 127, 127]).buffer));
  e.op(...OP.i32x4Add);
  e.i32(23);
  e.op(...OP.i32x4Shl, ...ops.mul);
  // σ = 1 / (1 + e); (σ − y)·(1/S)
  f32x4Const(e, 1);
  e.op(...ops.add);
  e.set(X);
  f32x4Const(e, 1);
  e.get(X);
  e.op(...ops.div);
  e.get(Q);
  e.get(PK);
  e.op(OP.i32Sub, ...V128_LOAD, 3, ...uleb(DATA_AT + lay.samples * lay.dims[0]! * 16));
  e.op(...ops.sub);
  e.i32(0);
  e.op(...V128_LOAD, 3, ...uleb(SCALAR.invSamples), ...ops.mul);
}

/**
 * Emits the backward pass of the pair at pk in two phases. (1) Per sample, dL/dz of every hidden
 * layer (from dL/dlogit in memory, through registers, stored as rows); act'(z) > 0 is read from the
 * stored activation (a > 0 exactly when z > 0, the leak being in [0, 1)). (2) Per parameter row
 * (four weights sharing an output at a time), the sum over the samples in order, in registers; with
 * `adam` the step is applied at once (the gradient is never stored), else the gradient is stored.
 */
function emitBackward(e: Emitter, lay: WasmLayout, adam: boolean): void {
  const { dims } = lay;
  const L = dims.length - 1;
  const width = maxDim(dims);
  if (L > 1) {
    e.sampleLoop(lay, () => {
      e.load(Q, rowOff(lay, lay.gOut));
      e.set(UNIT);
      for (let l = L - 1; l >= 1; l--) hiddenGradient(e, lay, l, UNIT + ((L - 1 - l) % 2) * width, UNIT + ((L - l) % 2) * width);
    });
  }
  for (let l = L - 1; l >= 0; l--) {
    const dout = dims[l + 1]!;
    for (let o = 0; o < dout; o += 2) parameterRows(e, lay, l, o + 1 < dout ? [o, o + 1] : [o], adam);
  }
}

/** dL/dz_{l−1} at the current sample from dL/dz_l in locals `gIn…`, into locals `gOut…` and its rows. */

function hiddenGradient(e: Emitter, lay: WasmLayout, l: number, gIn: number, gOut: number): void {
  const din = lay.dims[l]!;
  const dout = lay.dims[l + 1]!;
  for (let i = 0; i < din; i++) {
    e.get(ZERO);
    for (let o = 0; o < dout; o++) {
      e.load(PK, rowOff(lay, lay.param[2 * l]! + o * din + i));
      e.get(gIn + o);
      e.op(...e.ops.mul, ...e.ops.add);
    }
    e.set(T);
    e.leaky(T, () => e.load(Q, sampleOff(lay, lay.a[l - 1]!, i)));
    e.tee(gOut + i);
    e.set(T);
    e.store(Q, sampleOff(lay, lay.g[l - 1]!, i), () => e.get(T));
  }
}

/**
 * The gradients of the weight rows of outputs `os` (one or two) of layer l, four inputs at a time
 * (and of their biases, with the first block): Σ_s dL/dz_l[o][s]·in[i][s], summed from 0 in sample
 * order in up to ten independent registers.
 */

function parameterRows(e: Emitter, lay: WasmLayout, l: number, os: readonly number[], adam: boolean): void {
  const din = lay.dims[l]!;
  const acc = (h: number, j: number): number => UNIT + h * 5 + j; // j = 0…3 weights, 4 bias
  const gv = (h: number): number => UNIT + 10 + h;
  for (let i0 = 0; i0 < din; i0 += 4) {
    const block = Math.min(4, din - i0);
    const bias = i0 === 0;
    os.forEach((_, h) => {
      for (let j = 0; j < block; j++) {
        e.get(ZERO);
        e.set(acc(h, j));
      }
      if (bias) {
        e.get(ZERO);
        e.set(acc(h, 4));
      }
    });
    e.sampleLoop(lay, () => {
      os.forEach((o, h) => {
        e.load(Q, sampleOff(lay, lay.g[l]!, o));
        e.set(gv(h));
      });
      for (let j = 0; j < block; j++) {
        loadInput(e, lay, l, i0 + j);
        e.set(AV);
        os.forEach((_, h) => {
          e.get(acc(h, j));
          e.get(gv(h));
          e.get(AV);
          e.op(...e.ops.mul, ...e.ops.add);
          e.set(acc(h, j));
        });
      }
      if (bias) {
        os.forEach((_, h) => {
          e.get(acc(h, 4));
          e.get(gv(h));
          e.op(...e.ops.add);
          e.set(acc(h, 4));
        });
      }
    });
    os.forEach((o, h) => {
      const rows: [number, number][] = [];
      for (let j = 0; j < block; j++) rows.push([lay.param[2 * l]! - lay.param[0]! + o * din + i0 + j, acc(h, j)]);
      if (bias) rows.push([lay.param[2 * l + 1]! - lay.param[0]! + o, acc(h, 4)]);
      for (const [r, local] of rows) {
        if (adam) emitAdam(e, lay, r, local);
        else e.store(PK, rowOff(lay, lay.grad[0]! + r), () => e.get(local));
      }
    });
  }
}

/** backward(k0, k1): the gradients of every parameter (for `batchedLossAndGradient` and the odd pair). */
function backwardKernel(lay: WasmLayout): KernelFunction {
  const e = new Emitter(LANE_OPS[lay.precision]);
  e.prologue();
  e.pairLoop(lay, () => emitBackward(e, lay, false));
  e.op(END);
  return { name: 'backward', i32Locals: 4, v128Locals: UNIT - ALPHA + Math.max(12, 2 * maxDim(lay.dims)), body: e.f };
}

/** step(k0, k1): backward and Adam, pair by pair (each gradient goes straight into its Adam update). */
function stepKernel(lay: WasmLayout): KernelFunction {
  const e = new Emitter(LANE_OPS[lay.precision]);
  e.prologue();
  emitAdamScalars(e);
  e.pairLoop(lay, () => emitBackward(e, lay, true));
  e.op(END);
  return { name: 'step', i32Locals: 4, v128Locals: UNIT - ALPHA + Math.max(12, 2 * maxDim(lay.dims)), body: e.f };
}

const [B1, OB1, B2, OB2, SS, SQ, EPS, MI, VI] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => SCRATCH + i) as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** Loads the step's Adam scalars into their locals. */
function emitAdamScalars(e: Emitter): void {
  const scalars: [number, number][] = [
    [B1, SCALAR.beta1],
    [OB1, SCALAR.oneMinusBeta1],
    [B2, SCALAR.beta2],
    [OB2, SCALAR.oneMinusBeta2],
    [SS, SCALAR.stepSize],
    [SQ, SCALAR.sqrtBc2],
    [EPS, SCALAR.eps],
  ];
  for (const [local, at] of scalars) {
    e.i32(0);
    e.op(...V128_LOAD, 3, ...uleb(at));
    e.set(local);
  }
}

/** PyTorch's Adam on parameter row r of the pair at pk, gradient in local `grad` (the operations of batched.ts's `adamStep`). */
function emitAdam(e: Emitter, lay: WasmLayout, r: number, grad: number): void {
  const [p, m, v] = [lay.param[0]! + r, lay.m[0]! + r, lay.v[0]! + r].map((x) => rowOff(lay, x)) as [number, number, number];
  // mi = β1·m + (1 − β1)·g
  e.get(B1);
  e.load(PK, m);
  e.op(...e.ops.mul);
  e.get(OB1);
  e.get(grad);
  e.op(...e.ops.mul, ...e.ops.add);
  e.set(MI);
  // vi = β2·v + ((1 − β2)·g)·g
  e.get(B2);
  e.load(PK, v);
  e.op(...e.ops.mul);
  e.get(OB2);
  e.get(grad);
  e.op(...e.ops.mul);
  e.get(grad);
  e.op(...e.ops.mul, ...e.ops.add);
  e.set(VI);
  e.store(PK, m, () => e.get(MI));
  e.store(PK, v, () => e.get(VI));
  // p = p − (stepSize·mi) / (√vi / √bc2 + eps)
  e.store(PK, p, () => {
    e.load(PK, p);
    e.get(SS);
    e.get(MI);
    e.op(...e.ops.mul);
    e.get(VI);
    e.op(...e.ops.sqrt);
    e.get(SQ);
    e.op(...e.ops.div);
    e.get(EPS);
    e.op(...e.ops.add, ...e.ops.div, ...e.ops.sub);
  });
}

function maxDim(dims: readonly number[]): number {
  return Math.max(...dims);
}

type Kernel = (k0: number, k1: number) => void;

/** An instantiated set of kernels over its own memory, with a view in the layout's precision. */
export interface WasmBatchedKernels {
  readonly layout: WasmLayout;
  readonly forward: Kernel;
  readonly backward: Kernel;
  /** Backward then Adam, pair by pair. */
  readonly step: Kernel;
  /** The whole memory as values of the layout's precision (element indices: `wasmIndex`). */
  readonly values: Float64Array | Float32Array;
}

/** Compiled modules by layout key (compiling is the expensive part; instances are per call). */
const compiled: { modules: Map<string, object> } = { modules: new Map() };
const MAX_CACHED_MODULES = 32;

/**
 * The kernels for `dims` × `samples` × `count` networks in `precision` on a fresh memory, or null
 * where WebAssembly SIMD is unavailable (the caller then uses the JS kernels, or refuses float32).
 */
export function wasmBatchedKernels(
  dims: readonly number[],
  samples: number,
  count: number,
  precision: WasmPrecision = 'f64',
): WasmBatchedKernels | null {
  const wa = wasmApi();
  if (!wa) return null;
  const layout = wasmLayout(dims, samples, count, precision);
  const key = `${precision}/${dims.join('-')}/${samples}`; // the code does not depend on the network count
  try {
    let module = compiled.modules.get(key);
    if (!module) {
      module = compileKernel(wa, kernelsModule(2, [forwardKernel(layout), backwardKernel(layout), stepKernel(layout)])) ?? undefined;
      if (!module) return null;
      if (compiled.modules.size >= MAX_CACHED_MODULES) compiled.modules.clear();
      compiled.modules.set(key, module);
    }
    const { memory, exports: ex } = instantiateKernel(wa, module, layout.bytes);
    return {
      layout,
      forward: ex['forward'] as Kernel,
      backward: ex['backward'] as Kernel,
      step: ex['step'] as Kernel,
      values: precision === 'f32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer),
    };
  } catch {
    return null;
  }
}

/** Writes `v` to every lane of the 16-byte vector at byte `at` (rounded to float32 in that precision). */
function splat(k: WasmBatchedKernels, at: number, v: number): void {
  const { lanes, valueBytes } = k.layout;
  for (let j = 0; j < lanes; j++) k.values[at / valueBytes + j] = v;
}

/** Writes the splatted leak, 1/S and the shared data (inputs, then targets) into the kernels' memory. */
export function wasmSetData(k: WasmBatchedKernels, alpha: number, x: Float64Array, y: Float64Array): void {
  splat(k, SCALAR.alpha, alpha);
  splat(k, SCALAR.invSamples, 1 / y.length);
  for (let j = 0; j < x.length; j++) splat(k, DATA_AT + 16 * j, x[j]!);
  for (let s = 0; s < y.length; s++) splat(k, DATA_AT + 16 * (x.length + s), y[s]!);
}

/** Writes the Adam scalars of one step (splatted) for the `adam` kernel. */
export function wasmSetAdam(
  k: WasmBatchedKernels,
  s: { beta1: number; beta2: number; eps: number; stepSize: number; sqrtBc2: number },
): void {
  const put = (at: number, v: number): void => splat(k, at, v);
  put(SCALAR.beta1, s.beta1);
  put(SCALAR.oneMinusBeta1, 1 - s.beta1);
  put(SCALAR.beta2, s.beta2);
  put(SCALAR.oneMinusBeta2, 1 - s.beta2);
  put(SCALAR.stepSize, s.stepSize);
  put(SCALAR.sqrtBc2, s.sqrtBc2);
  put(SCALAR.eps, s.eps);
}
