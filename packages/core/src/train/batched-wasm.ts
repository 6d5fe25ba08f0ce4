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
 * respect to its pre-activation, [unit][sample] (the last one is dL/dlogit, written by the forward
 * kernel), with the correct-count row after the logits and dL/dlogit. Element
 * (row r, network k) is value `rowsAt/b + ⌊k/lanes⌋·lanes·rows + lanes·r + k mod lanes` of the
 * memory viewed as b-byte floats (`wasmIndex`). "Pair" below means such a group.
 */
import { OP, compileKernel, instantiateKernel, simd, sleb, uleb, wasmApi, kernelsModule } from '../wasm/assembler.js';
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
const V128_ANDNOT = simd(0x4f);
const V128_XOR = simd(0x51);

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
  readonly pmax: number[];
}

const LANE_OPS: Record<WasmPrecision, LaneOps> = {
  f64: {
    lanes: 2,
    bytes: 8,
    gt: simd(0x4a),
    sqrt: simd(0xef),
    add: simd(0xf0),
    sub: simd(0xf1),
    mul: simd(0xf2),
    div: simd(0xf3),
    pmax: simd(0xf7),
  },
  f32: {
    lanes: 4,
    bytes: 4,
    gt: simd(0x44),
    sqrt: simd(0xe3),
    add: simd(0xe4),
    sub: simd(0xe5),
    mul: simd(0xe6),
    div: simd(0xe7),
    pmax: simd(0xeb),
  },
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
  samples: 144,
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
  /** Row of the correct counts (samples with logit > 0 exactly where y = 1), written by the forward kernel. */
  readonly correct: number;
  /** First row of dL/dlogit ([sample]; written by the forward kernel, by JS where `expExact` is false). */
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
  const correct = row + 2 * samples;
  row += 2 * samples + 1;
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
    correct,
    g,
    rows: row,
    bytes: rowsAt + pairs * row * 16,
  };
}

/** Bytes of the WebAssembly memory per network (its share of a group block) for layer sizes `dims` on `samples` samples. */
export function wasmBytesPerNetwork(dims: readonly number[], samples: number, precision: WasmPrecision): number {
  const lay = wasmLayout(dims, samples, 1, precision);
  return lay.pairBytes / lay.lanes;
}

/** Index (in values of the layout's precision) of row r of network k. */
export function wasmIndex(lay: WasmLayout, r: number, k: number): number {
  const { lanes } = lay;
  return lay.rowsAt / lay.valueBytes + Math.floor(k / lanes) * lanes * lay.rows + lanes * r + (k % lanes);
}

// Locals: params k0, k1 (byte offsets of the network range, even network indices); i32 pk, q, qx,
// qend, ap (the step kernel's Adam row pointer); v128 ALPHA, ZERO, T, AV, then per-function
// scratch, then unit registers U0…
const [K0, K1, PK, Q, QX, QEND, AP] = [0, 1, 2, 3, 4, 5, 6];
const I32_LOCALS = 5;
const [ALPHA, ZERO, T, AV] = [7, 8, 9, 10];
const SCRATCH = 11; // 11…20
const UNIT = 21;

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
    this.f.push(I32_CONST, ...sleb(v));
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
  /**
   * Pushes leaky(x) = x > 0 ? x : alpha·x for x in local `x` as pmax(x, alpha·x) = (x < alpha·x ?
   * alpha·x : x), one x86 `maxpd`/`maxps` instead of a comparison and a three-instruction bitselect.
   * The same value bit for bit for alpha in [0, 1): for x < 0, alpha·x ≥ x (rounding is monotonic
   * and |alpha·x| < |x|; where equal it is the same number); for x > 0, alpha·x < x; for x = ±0,
   * alpha·x is the same zero and x is kept.
   */
  activation(x: number): void {
    this.get(x);
    this.get(x);
    this.get(ALPHA);
    this.op(...this.ops.mul, ...this.ops.pmax);
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
  /** `for (pk = k0; pk < k1; pk += stride) { body }` (k0, k1: pair index · pairBytes for the passes). */
  pairLoop(stride: number, body: () => void): void {
    this.get(K0);
    this.set(PK);
    this.op(...BLOCK, ...LOOP);
    this.get(PK);
    this.get(K1);
    this.op(I32_GE_U, BR_IF, 1);
    body();
    this.get(PK);
    this.i32(stride);
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
  e.pairLoop(lay.pairBytes, () => {
    e.get(ZERO);
    e.set(CORRECT);
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
          if (l < L - 1) e.store(Q, sampleOff(lay, lay.a[l]!, o), () => e.activation(T));
          else e.store(Q, sampleOff(lay, lay.logit, o), () => e.get(T));
        }
      }
      if (lay.precision === 'f32') {
        countCorrect(e, lay);
        e.store(Q, sampleOff(lay, lay.gOut, 0), () => outputGradientF32(e, lay));
      }
    });
    // float64: dL/dlogit in a loop of its own, so the exp's long dependency chains of consecutive
    // samples overlap (interleaved with the forward pass, measured 1.8× slower than JS Math.exp).
    if (lay.precision === 'f64') {
      e.sampleLoop(lay, () => {
        e.load(Q, sampleOff(lay, lay.logit, 0));
        e.set(T);
        countCorrect(e, lay);
        e.store(Q, sampleOff(lay, lay.gOut, 0), () => outputGradientF64(e, lay));
      });
    }
    e.store(PK, rowOff(lay, lay.correct), () => e.get(CORRECT));
  });
  e.op(END);
  return { name: 'forward', i32Locals: I32_LOCALS, v128Locals: UNIT - ALPHA + maxDim(dims), body: e.f };
}

/** The forward kernel's count of correct samples per network (a local of scratch not used by the output gradients). */
const CORRECT = SCRATCH + 8;

/** Pushes the target row y of the current sample (splatted after the inputs). */
function loadTarget(e: Emitter, lay: WasmLayout): void {
  e.get(Q);
  e.get(PK);
  e.op(OP.i32Sub, ...V128_LOAD, 3, ...uleb(DATA_AT + lay.samples * lay.dims[0]! * 16));
}

/**
 * Adds 1 to CORRECT where the logit in local T classifies the current sample right, (z > 0) = (y = 1)
 * (targets are 0 or 1): 1 & ~((z > 0) ^ (y > 0)), exact small integers in either float format, so
 * JavaScript reads one count per network instead of comparing every logit.
 */
function countCorrect(e: Emitter, lay: WasmLayout): void {
  const one = new Uint8Array(lay.precision === 'f32' ? new Float32Array([1, 1, 1, 1]).buffer : new Float64Array([1, 1]).buffer);
  e.get(CORRECT);
  e.op(...V128_CONST, ...one);
  e.get(T);
  e.get(ZERO);
  e.op(...e.ops.gt);
  loadTarget(e, lay);
  e.get(ZERO);
  e.op(...e.ops.gt, ...V128_XOR, ...V128_ANDNOT, ...e.ops.add);
  e.set(CORRECT);
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
  loadTarget(e, lay);
  e.op(...ops.sub);
  e.i32(0);
  e.op(...V128_LOAD, 3, ...uleb(SCALAR.invSamples), ...ops.mul);
}

/** A v128 constant of two float64 lanes. */
function f64x2Const(e: Emitter, v: number): void {
  e.op(...V128_CONST, ...new Uint8Array(new Float64Array([v, v]).buffer));
}

/** The float64 whose high word is `hi` and low word 0 (fdlibm compares high words: `hx < hi` ⟺ |x| < this). */
function highWord(hi: number): number {
  return new Float64Array(new Uint32Array([0, hi]).buffer)[0]!;
}

/*
 * float64 constants of `emitExpF64`: fdlibm's `__ieee754_exp` as V8 ships it (src/base/ieee754.cc
 * `exp`, the function behind `Math.exp`), same decimal literals. Coefficients and thresholds of a
 * function approximation, not tolerances.
 */
/* eslint-disable no-restricted-syntax */
const EXP64 = {
  oThreshold: 7.09782712893383973096e2,
  uThreshold: -7.4513321910194110842e2,
  ln2Hi: 6.9314718036912381649e-1,
  ln2Lo: 1.90821492927058770002e-10,
  invLn2: 1.442695040888963387,
  /** c = r − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5)))), t = r². */
  poly: [
    1.66666666666666019037e-1, -2.77777777770155933842e-3, 6.61375632143793436117e-5, -1.6533902205465251539e-6, 4.13813679705723846039e-8,
  ],
  e: 2.718281828459045,
  twoM1000: 9.3326361850321887899e-302,
  two1023: 8.988465674311579539e307,
  /** |x| above 0.5·ln 2 (hx > 0x3fd62e42), below 1.5·ln 2 (hx < 0x3ff0a2b2), below 2⁻²⁸ (hx < 0x3e300000). */
  reduceAbove: highWord(0x3fd62e43),
  oneStepBelow: highWord(0x3ff0a2b2),
  tinyBelow: highWord(0x3e300000),
} as const;
/* eslint-enable no-restricted-syntax */

const F64X2_EQ = simd(0x47);
const F64X2_NE = simd(0x48);
const F64X2_LT = simd(0x49);
const F64X2_GE = simd(0x4c);
const F64X2_TRUNC = simd(0x7a);
const F64X2_ABS = simd(0xec);
const F64X2_NEG = simd(0xed);
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const I32X4_TRUNC_SAT_F64X2_S_ZERO = simd(0xfc);
const I64X2_EXTEND_LOW_I32X4_S = simd(0xc7);
const I64X2_SHL = simd(0xcb);
const I64X2_ADD = simd(0xce);

/**
 * Pushes exp(x) of local `x` (f64x2), bit for bit V8's `Math.exp`: fdlibm's algorithm with its
 * constants and its operations in its order (no fused multiply–add), the branches of the scalar
 * code computed in every lane and picked with masks. Uses the eight locals from `s`.
 *
 * Where the scalar code takes other paths, the lanes compute it as one: k = 0 (|x| ≤ 0.5·ln 2) is
 * the general formula with t = 0 (hi = x − 0·ln2Hi = x, lo = 0, and 1 − ((x·c)/(c − 2) − x) equals
 * 1 − ((0 − (x·c)/(2 − c)) − x) because IEEE negation and subtraction are sign-symmetric); k = ±1
 * (|x| < 1.5·ln 2) is the general reduction with t = ±1 (t·ln2Hi and t·ln2Lo exact); the scaling
 * y·2ᵏ, y·2·2¹⁰²³ (k = 1024) and y·2^(k+1000)·2⁻¹⁰⁰⁰ (k < −1021) is (y·a)·b with b = 1 in the first
 * case (exact). The test compares with `Math.exp` on millions of arguments and the edge cases.
 * Locals: AX = |x|, SGN its sign bit, TK = t, HI, LO, R = the reduced argument, T2 = r², C, and
 * three reused once dead: LOW = (t < −1021), Y = the unscaled result, TOP = (t = 1024).
 */
function emitExpF64(e: Emitter, x: number, s: number): void {
  const [AX, SGN, TK, HI, LO, R, T2, C] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => s + i) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [LOW, Y, TOP] = [SGN, T2, C]; // reused once their first values are dead
  expReduce(e, x, { AX, SGN, TK, HI, LO, R });
  expPolynomial(e, { HI, LO, R, T2, C, Y });
  expScaleAndSpecials(e, x, { AX, TK, Y, LOW, TOP });
}

/** exp's argument reduction: t (= k), hi = x − t·ln2Hi, lo = t·ln2Lo, r = hi − lo; |x| in AX, its sign bit in SGN. */
function expReduce(e: Emitter, x: number, l: Record<'AX' | 'SGN' | 'TK' | 'HI' | 'LO' | 'R', number>): void {
  const { AX, SGN, TK, HI, LO, R } = l;
  const { ops } = e;
  e.get(x);
  e.op(...F64X2_ABS);
  e.set(AX);
  e.get(x);
  f64x2Const(e, -0);
  e.op(...V128_AND);
  e.set(SGN);
  // t = |x| > 0.5·ln2 ? (|x| < 1.5·ln2 ? ±1 : trunc(invln2·x ± 0.5)) : 0
  f64x2Const(e, 1);
  e.get(SGN);
  e.op(...V128_OR);
  f64x2Const(e, EXP64.invLn2);
  e.get(x);
  e.op(...ops.mul);
  f64x2Const(e, 0.5);
  e.get(SGN);
  e.op(...V128_OR, ...ops.add, ...F64X2_TRUNC);
  e.get(AX);
  f64x2Const(e, EXP64.oneStepBelow);
  e.op(...F64X2_LT, ...V128_BITSELECT);
  e.get(AX);
  f64x2Const(e, EXP64.reduceAbove);
  e.op(...F64X2_GE, ...V128_AND);
  e.set(TK);
  // hi = x − t·ln2Hi, lo = t·ln2Lo, r = hi − lo
  e.get(x);
  e.get(TK);
  f64x2Const(e, EXP64.ln2Hi);
  e.op(...ops.mul, ...ops.sub);
  e.set(HI);
  e.get(TK);
  f64x2Const(e, EXP64.ln2Lo);
  e.op(...ops.mul);
  e.set(LO);
  e.get(HI);
  e.get(LO);
  e.op(...ops.sub);
  e.set(R);
}

/** exp's polynomial on r: c = r − r²·P(r²), y = 1 − ((lo − (r·c)/(2 − c)) − hi). */
function expPolynomial(e: Emitter, l: Record<'HI' | 'LO' | 'R' | 'T2' | 'C' | 'Y', number>): void {
  const { HI, LO, R, T2, C, Y } = l;
  const { ops } = e;
  // c = r − t2·(P1 + t2·(P2 + t2·(P3 + t2·(P4 + t2·P5)))), t2 = r²
  e.get(R);
  e.get(R);
  e.op(...ops.mul);
  e.set(T2);
  e.get(R);
  e.get(T2);
  for (const p of EXP64.poly.slice(0, -1)) {
    f64x2Const(e, p);
    e.get(T2);
  }
  f64x2Const(e, EXP64.poly[EXP64.poly.length - 1]!);
  e.op(...ops.mul);
  for (let i = 1; i < EXP64.poly.length; i++) e.op(...ops.add, ...ops.mul);
  e.op(...ops.sub);
  e.set(C);
  // y = 1 − ((lo − (r·c)/(2 − c)) − hi)
  f64x2Const(e, 1);
  e.get(LO);
  e.get(R);
  e.get(C);
  e.op(...ops.mul);
  f64x2Const(e, 2);
  e.get(C);
  e.op(...ops.sub, ...ops.div, ...ops.sub);
  e.get(HI);
  e.op(...ops.sub, ...ops.sub);
  e.set(Y);
}

/** exp's result: y·2ᵏ as (y·a)·b, then the special cases; LOW, TOP: free locals for the masks k < −1021, k = 1024. */
function expScaleAndSpecials(e: Emitter, x: number, l: Record<'AX' | 'TK' | 'Y' | 'LOW' | 'TOP', number>): void {
  const { AX, TK, Y, LOW, TOP } = l;
  const { ops } = e;
  e.get(TK);
  f64x2Const(e, -1021);
  e.op(...F64X2_LT);
  e.set(LOW);
  e.get(TK);
  f64x2Const(e, 1024);
  e.op(...F64X2_EQ);
  e.set(TOP);
  // The special cases' values, innermost last: NaN → x + x, x < uThreshold → 0, x > oThreshold →
  // ∞, x = 1 → E, |x| < 2⁻²⁸ → 1 + x; then the scaled y and the masks, outermost last.
  e.get(x);
  e.get(x);
  e.op(...ops.add);
  f64x2Const(e, 0);
  f64x2Const(e, Infinity);
  f64x2Const(e, EXP64.e);
  f64x2Const(e, 1);
  e.get(x);
  e.op(...ops.add);
  // (y·a)·b: a = 2 (k = 1024) or the float64 with exponent field k + 1023 (+ 1000 below −1021)
  e.get(Y);
  f64x2Const(e, 2);
  e.get(TK);
  f64x2Const(e, 1000);
  e.get(LOW);
  e.op(...V128_AND, ...ops.add, ...I32X4_TRUNC_SAT_F64X2_S_ZERO, ...I64X2_EXTEND_LOW_I32X4_S);
  e.op(...V128_CONST, ...new Uint8Array(new BigInt64Array([1023n, 1023n]).buffer), ...I64X2_ADD);
  e.i32(52);
  e.op(...I64X2_SHL);
  e.get(TOP);
  e.op(...V128_BITSELECT, ...ops.mul);
  f64x2Const(e, EXP64.two1023);
  f64x2Const(e, EXP64.twoM1000);
  f64x2Const(e, 1);
  e.get(LOW);
  e.op(...V128_BITSELECT);
  e.get(TOP);
  e.op(...V128_BITSELECT, ...ops.mul);
  e.get(AX);
  f64x2Const(e, EXP64.tinyBelow);
  e.op(...F64X2_LT, ...V128_BITSELECT);
  e.get(x);
  f64x2Const(e, 1);
  e.op(...F64X2_EQ, ...V128_BITSELECT);
  e.get(x);
  f64x2Const(e, EXP64.oThreshold);
  e.op(...e.ops.gt, ...V128_BITSELECT);
  e.get(x);
  f64x2Const(e, EXP64.uThreshold);
  e.op(...F64X2_LT, ...V128_BITSELECT);
  e.get(x);
  e.get(x);
  e.op(...F64X2_NE, ...V128_BITSELECT);
}

/**
 * Pushes dL/dlogit of the current sample in float64 from the logit in local T: (1 / (1 + exp(−z)) −
 * y) / S, the operations of batched.ts's `lossAndOutputGrad` with `emitExpF64` for its `Math.exp`,
 * so the sigmoid runs two networks per instruction in the forward kernel instead of one call per
 * sample and network in JavaScript.
 */
function outputGradientF64(e: Emitter, lay: WasmLayout): void {
  const { ops } = e;
  e.get(T);
  e.op(...F64X2_NEG);
  e.set(AV);
  f64x2Const(e, 1);
  f64x2Const(e, 1);
  emitExpF64(e, AV, SCRATCH);
  e.op(...ops.add, ...ops.div);
  loadTarget(e, lay);
  e.op(...ops.sub);
  // ÷ S; for S a power of two, × 1/S: the same correctly rounded quotient, without a division.
  const pow2 = (lay.samples & (lay.samples - 1)) === 0;
  e.i32(0);
  e.op(...V128_LOAD, 3, ...uleb(pow2 ? SCALAR.invSamples : SCALAR.samples), ...(pow2 ? ops.mul : ops.div));
}

/** exp(k0, k1): every f64x2 vector in bytes [k0, k1) replaced by its `emitExpF64` (for the check against `Math.exp`). */
function expKernel(): KernelFunction {
  const e = new Emitter(LANE_OPS.f64);
  e.pairLoop(16, () => {
    e.load(PK, 0);
    e.set(AV);
    e.store(PK, 0, () => emitExpF64(e, AV, SCRATCH));
  });
  e.op(END);
  return { name: 'exp', i32Locals: I32_LOCALS, v128Locals: UNIT - ALPHA, body: e.f };
}

/**
 * Emits the backward pass of the pair at pk in two phases. (1) Per sample, dL/dz of every hidden
 * layer (from dL/dlogit in memory, through registers, stored as rows); act'(z) > 0 is read from the
 * stored activation (a > 0 exactly when z > 0, the leak being in [0, 1)). (2) Per parameter row
 * (four weights sharing an output at a time), the sum over the samples in order, in registers,
 * stored as the gradient; with `adam`, each row's Adam step follows in a later sample loop or at the end.
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
  // Parameter rows layer by layer from the first, so the rows whose gradients are done grow from
  // row 0 up. With Adam, gradients are stored and the sample loops of later blocks step one or two
  // finished rows per iteration at the pointer ap (as many as are finished for every iteration; a
  // static schedule, no branches): the square root and two divisions per parameter keep the divider
  // busy while the multipliers and adders work. The rows left over run in a loop at the end.
  const S = lay.samples;
  let avail = 0;
  const take = (): number => {
    if (!adam) return 0;
    const k = Math.min(MAX_ADAM_ROWS_PER_SAMPLE, Math.floor(avail / S));
    avail -= k * S;
    return k;
  };
  if (adam) {
    e.get(PK);
    e.i32(rowOff(lay, lay.param[0]!));
    e.op(I32_ADD);
    e.set(AP);
  }
  for (let l = 0; l < L; l++) {
    const dout = dims[l + 1]!;
    for (let o = 0; o < dout; o += 2) parameterRows(e, lay, l, o + 1 < dout ? [o, o + 1] : [o], take);
    avail += dims[l]! * dout + dout;
  }
  if (adam) {
    e.op(...BLOCK, ...LOOP);
    e.get(AP);
    e.get(PK);
    e.i32(rowOff(lay, lay.m[0]!));
    e.op(I32_ADD, I32_GE_U, BR_IF, 1);
    emitAdamAt(e, lay);
    e.op(BR, 0, END, END);
  }
}

/** Most Adam steps in one sample iteration of a parameter-row block. */
const MAX_ADAM_ROWS_PER_SAMPLE = 2;

/** Adam on the parameter row at ap (its gradient stored in its grad row), then ap += 16. */
function emitAdamAt(e: Emitter, lay: WasmLayout): void {
  e.load(AP, (lay.grad[0]! - lay.param[0]!) * 16);
  e.set(GRAD);
  emitAdam(e, lay, AP, GRAD);
  e.get(AP);
  e.i32(16);
  e.op(I32_ADD);
  e.set(AP);
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

function parameterRows(e: Emitter, lay: WasmLayout, l: number, os: readonly number[], take: () => number): void {
  const din = lay.dims[l]!;
  const acc = (h: number, j: number): number => UNIT + h * 5 + j; // j = 0…3 weights, 4 bias
  const gv = (h: number): number => UNIT + 10 + h;
  for (let i0 = 0; i0 < din; i0 += 4) {
    const block = Math.min(4, din - i0);
    const bias = i0 === 0;
    const adamRows = take();
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
      for (let k = 0; k < adamRows; k++) emitAdamAt(e, lay);
    });
    os.forEach((o, h) => {
      for (let j = 0; j < block; j++) e.store(PK, rowOff(lay, lay.grad[2 * l]! + o * din + i0 + j), () => e.get(acc(h, j)));
      if (bias) e.store(PK, rowOff(lay, lay.grad[2 * l + 1]! + o), () => e.get(acc(h, 4)));
    });
  }
}

/** backward(k0, k1): the gradients of every parameter (for `batchedLossAndGradient` and the odd pair). */
function backwardKernel(lay: WasmLayout): KernelFunction {
  const e = new Emitter(LANE_OPS[lay.precision]);
  e.prologue();
  e.pairLoop(lay.pairBytes, () => emitBackward(e, lay, false));
  e.op(END);
  return { name: 'backward', i32Locals: I32_LOCALS, v128Locals: UNIT - ALPHA + Math.max(12, 2 * maxDim(lay.dims)), body: e.f };
}

/** step(k0, k1): backward and Adam, pair by pair (the Adam steps interleaved with the parameter rows' sums). */
function stepKernel(lay: WasmLayout): KernelFunction {
  const e = new Emitter(LANE_OPS[lay.precision]);
  e.prologue();
  e.pairLoop(lay.pairBytes, () => emitBackward(e, lay, true));
  e.op(END);
  return { name: 'step', i32Locals: I32_LOCALS, v128Locals: UNIT - ALPHA + Math.max(12, 2 * maxDim(lay.dims)), body: e.f };
}

const [MI, VI, GRAD] = [SCRATCH, SCRATCH + 1, SCRATCH + 2];

/**
 * PyTorch's Adam on the parameter row at byte address `base` (a local), gradient in local `grad`
 * (the operations of batched.ts's `adamStep`); the step's scalars are read from memory (the sample
 * loops it runs in hold their registers for the sums).
 */
function emitAdam(e: Emitter, lay: WasmLayout, base: number, grad: number): void {
  const [p, m, v] = [0, lay.m[0]! - lay.param[0]!, lay.v[0]! - lay.param[0]!].map((rows) => rows * 16) as [number, number, number];
  const scalar = (at: number): void => {
    e.i32(0);
    e.op(...V128_LOAD, 3, ...uleb(at));
  };
  // mi = β1·m + (1 − β1)·g
  scalar(SCALAR.beta1);
  e.load(base, m);
  e.op(...e.ops.mul);
  scalar(SCALAR.oneMinusBeta1);
  e.get(grad);
  e.op(...e.ops.mul, ...e.ops.add);
  e.set(MI);
  // vi = β2·v + ((1 − β2)·g)·g
  scalar(SCALAR.beta2);
  e.load(base, v);
  e.op(...e.ops.mul);
  scalar(SCALAR.oneMinusBeta2);
  e.get(grad);
  e.op(...e.ops.mul);
  e.get(grad);
  e.op(...e.ops.mul, ...e.ops.add);
  e.set(VI);
  e.store(base, m, () => e.get(MI));
  e.store(base, v, () => e.get(VI));
  // p = p − (stepSize·mi) / (√vi / √bc2 + eps)
  e.store(base, p, () => {
    e.load(base, p);
    scalar(SCALAR.stepSize);
    e.get(MI);
    e.op(...e.ops.mul);
    e.get(VI);
    e.op(...e.ops.sqrt);
    scalar(SCALAR.sqrtBc2);
    e.op(...e.ops.div);
    scalar(SCALAR.eps);
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
  /**
   * Whether the float64 forward kernel's dL/dlogit is bit for bit the JavaScript one: its exp
   * (`emitExpF64`) matched `Math.exp` on `EXP_PROBE` when the module was compiled (false in float32).
   * Where it did not (a V8 built with another `exp`), the JavaScript loss overwrites the gradient.
   */
  readonly expExact: boolean;
  /** Float64 only: exp(k0, k1) replaces every f64x2 vector in bytes [k0, k1) by its exp (`emitExpF64`). */
  readonly exp: Kernel | undefined;
  /** The whole memory as values of the layout's precision (element indices: `wasmIndex`). */
  readonly values: Float64Array | Float32Array;
}

/** Compiled modules by layout key (compiling is the expensive part; instances are per call), with their `expExact`. */
const compiled: { modules: Map<string, { module: object; expExact: boolean }> } = { modules: new Map() };

/**
 * Arguments on which a module's exp is compared with `Math.exp` before the float64 forward kernel
 * is trusted with dL/dlogit: the branch boundaries of fdlibm's `exp` and their neighbours, the
 * special values, and 2,000 arguments spread over the logits' range and beyond (a deterministic
 * sequence; the unit test covers millions).
 */
const EXP_PROBE: Float64Array = (() => {
  const edges = [0, -0, 1, -1, 0.5, EXP64.oThreshold, EXP64.uThreshold, Infinity, -Infinity, Number.NaN, 709, -708, -745, Number.MIN_VALUE];
  for (const b of [EXP64.reduceAbove, EXP64.oneStepBelow, EXP64.tinyBelow])
    edges.push(b, -b, b * (1 - Number.EPSILON), -b * (1 - Number.EPSILON));
  const out = new Float64Array(edges.length + 2000);
  out.set(edges);
  // A Weyl sequence: u_i = frac(i·(√5 − 1)/2), mapped to [−40, 40] then to [−740, 705] every 8th.
  for (let i = 0; i < 2000; i++) {
    const u = (i * 0.6180339887498949) % 1;
    out[edges.length + i] = i % 8 === 0 ? -740 + 1445 * u : -40 + 80 * u;
  }
  return out;
})();

/** Whether the module's `exp` kernel gives `Math.exp` bit for bit on `EXP_PROBE` (NaN for NaN). */
function expMatchesMathExp(wa: NonNullable<ReturnType<typeof wasmApi>>, module: object): boolean {
  const { memory, exports: ex } = instantiateKernel(wa, module, EXP_PROBE.byteLength);
  const f = new Float64Array(memory.buffer, 0, EXP_PROBE.length);
  f.set(EXP_PROBE);
  (ex['exp'] as Kernel)(0, EXP_PROBE.byteLength);
  return EXP_PROBE.every((x, i) => Object.is(f[i], Math.exp(x)));
}
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
    let entry = compiled.modules.get(key);
    if (!entry) {
      const functions = [forwardKernel(layout), backwardKernel(layout), stepKernel(layout)];
      if (precision === 'f64') functions.push(expKernel());
      const module = compileKernel(wa, kernelsModule(2, functions));
      if (!module) return null;
      entry = { module, expExact: precision === 'f64' && expMatchesMathExp(wa, module) };
      if (compiled.modules.size >= MAX_CACHED_MODULES) compiled.modules.clear();
      compiled.modules.set(key, entry);
    }
    const { memory, exports: ex } = instantiateKernel(wa, entry.module, layout.bytes);
    return {
      layout,
      forward: ex['forward'] as Kernel,
      backward: ex['backward'] as Kernel,
      step: ex['step'] as Kernel,
      exp: ex['exp'] as Kernel | undefined,
      expExact: entry.expExact,
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

/** Writes the splatted leak, 1/S, S and the shared data (inputs, then targets) into the kernels' memory. */
export function wasmSetData(k: WasmBatchedKernels, alpha: number, x: Float64Array, y: Float64Array): void {
  splat(k, SCALAR.alpha, alpha);
  splat(k, SCALAR.invSamples, 1 / y.length);
  splat(k, SCALAR.samples, y.length);
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
