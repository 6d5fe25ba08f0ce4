/**
 * The sparse first layer of `forwardBatchWithCodes` one sample at a time: h = c + Σ_{q: x_q ≠ 0}
 * x_q · Wfᵀ[q] over the sample's own non-zero inputs, on a WebAssembly SIMD kernel whose tiles are
 * 16 units of one sample (eight f64x2 accumulators).
 *
 * Decision: per sample instead of four samples over the union of their non-zero inputs (the
 * product kernel's 4-row tiles, batch.ts `sparseFirstBlock` before): an MNIST image has about 150
 * non-zero pixels, four together about 260, so the union multiplied 1.7× the needed rows. A tile of
 * one sample and 16 units is still bound by its multiplies and adds (one broadcast and eight loads
 * per eight of each), as the 4-row tiles were. The weights stay in the kernel's memory from batch
 * to batch (copied again only when another network used it), where the product kernel's memory,
 * shared with the rest of the pass, took a fresh copy of Wfᵀ (800 KB for dense-128) every chunk.
 *
 * The sums run over the sample's non-zero inputs in ascending order onto c, the order of the union
 * form (whose extra terms were exact zero products), so the values are the same.
 */
import { KernelBody, OP, growMemory, kernelsModule, lazyKernel, memarg } from '../wasm/assembler.js';

/** Units per tile. */
const TILE = 16;

// WebAssembly opcodes (core and SIMD), from the assembler's table.
const {
  i32Load: I32_LOAD,
  i32Store: I32_STORE,
  i32And: I32_AND,
  i32Add: I32_ADD,
  i32Sub: I32_SUB,
  i32Mul: I32_MUL,
  i32Shl: I32_SHL,
  i32ShrU: I32_SHR_U,
  i32Or: I32_OR,
  f64Load: F64_LOAD,
  f64Store: F64_STORE,
  f64Const: F64_CONST,
  f64Sub: F64_SUB,
  f64Ne: F64_NE,
  v128Or: V128_OR,
  v128AnyTrue: V128_ANY_TRUE,
  v128Load: V128_LOAD,
  v128Load64Splat: V128_LOAD64_SPLAT,
  f64x2Add: F64X2_ADD,
  f64x2Mul: F64X2_MUL,
  end: END,
} = OP;

// gather(a, list, c, init, n, k): params 0–5, then i32 locals, then v128 (accumulators, the broadcast value).
const [AV, LIST, C, INIT, N, K] = [0, 1, 2, 3, 4, 5];
const [OFF, Q, QEND, PA, R] = [6, 7, 8, 9, 10];
const I32_LOCALS = 5;
const ACC0 = 11;
const XS = ACC0 + 8;

/**
 * The body of `gather(a, list, c, init, n, k)` (byte pointers and byte counts; n a multiple of
 * 128): c[0, n) = init[0, n) + Σ_{q < k} a[q] · row(list[q])[0, n), a float64, list i32 row byte
 * addresses, the sum over q in order.
 */
function gatherBody(): number[] {
  const k = new KernelBody();
  // qend = list + 4k
  k.get(LIST);
  k.get(K);
  k.i32(4);
  k.op(I32_MUL, I32_ADD);
  k.set(QEND);
  k.i32(0);
  k.set(OFF);
  k.whileBelow(OFF, N, () => {
    k.sum(R, INIT, OFF);
    k.loadTile(R, ACC0, 8);
    k.get(LIST);
    k.set(Q);
    k.get(AV);
    k.set(PA);
    k.whileBelow(Q, QEND, () => {
      k.get(PA);
      k.op(...V128_LOAD64_SPLAT, ...memarg(3, 0));
      k.set(XS);
      k.get(Q);
      k.op(I32_LOAD, ...memarg(2, 0));
      k.get(OFF);
      k.op(I32_ADD);
      k.set(R);
      for (let v = 0; v < 8; v++) {
        k.get(ACC0 + v);
        k.get(XS);
        k.get(R);
        k.op(...V128_LOAD, ...memarg(4, v * 16), ...F64X2_MUL, ...F64X2_ADD);
        k.set(ACC0 + v);
      }
      k.advance(Q, 4);
      k.advance(PA, 8);
    });
    k.sum(R, C, OFF);
    k.storeTile(R, ACC0, 8);
    k.advance(OFF, TILE * 8);
  });
  k.op(END);
  return k.f;
}

// scan(x, a, list, d, rowBytes, out): params 0–5, then i32 locals.
const [SX, SA, SL, SD, SROW, SOUT] = [0, 1, 2, 3, 4, 5];
const [XEND, AP, LP, SQ, NZ, BAD] = [6, 7, 8, 9, 10, 11];

/** `scan`'s +0, as an `f64.const`. */
const F64_ZERO = [F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0];

/** Emits `scan`'s step for the value at SX: written at the lists' ends, which move on only when it is not zero. */
function scanOne(k: KernelBody): void {
  const x = (): void => {
    k.get(SX);
    k.op(F64_LOAD, ...memarg(3, 0));
  };
  k.get(AP);
  x();
  k.op(F64_STORE, ...memarg(3, 0));
  k.get(LP);
  k.get(SQ);
  k.op(I32_STORE, ...memarg(2, 0));
  // nz = x ≠ 0; the ends move on by nz values
  x();
  k.op(...F64_ZERO, F64_NE);
  k.set(NZ);
  k.get(AP);
  k.get(NZ);
  k.i32(3);
  k.op(I32_SHL, I32_ADD);
  k.set(AP);
  k.get(LP);
  k.get(NZ);
  k.i32(2);
  k.op(I32_SHL, I32_ADD);
  k.set(LP);
  // bad |= x − x ≠ 0
  k.get(BAD);
  x();
  x();
  k.op(F64_SUB, ...F64_ZERO, F64_NE, I32_OR);
  k.set(BAD);
  k.advance(SX, 8);
  k.sum(SQ, SQ, SROW);
}

/**
 * The body of `scan(x, a, list, d, rowBytes, out)` (byte pointers): the non-zero values of x[0, d)
 * (float64) to a[0, n) and their rows' byte offsets q · rowBytes to the i32 list[0, n), in order;
 * n and a flag (1 when some x is not finite: x − x ≠ 0) to the i32 out[0, 2). Without a branch per
 * value: each is written at the lists' ends, which move on only past a non-zero one (a branch on
 * a pixel is mispredicted about once in five).
 */
function scanBody(): number[] {
  const k = new KernelBody();
  const one = (): void => scanOne(k);
  k.get(SA);
  k.set(AP);
  k.get(SL);
  k.set(LP);
  // Four values at a time up to XEND (d rounded down to 4); four all-zero bit patterns (+0: no
  // NaN, no −0) are passed over with one branch (MNIST's zeros come in runs, so it is predicted).
  k.get(SX);
  k.get(SD);
  k.i32(-4);
  k.op(I32_AND);
  k.i32(8);
  k.op(I32_MUL, I32_ADD);
  k.set(XEND);
  k.whileBelow(SX, XEND, () => {
    k.open(0x02, 'done');
    k.open(0x02, 'some');
    k.get(SX);
    k.op(...V128_LOAD, ...memarg(4, 0));
    k.get(SX);
    k.op(...V128_LOAD, ...memarg(4, 16), ...V128_OR, ...V128_ANY_TRUE);
    k.brIf('some');
    k.advance(SX, 32);
    k.get(SQ);
    k.get(SROW);
    k.i32(4);
    k.op(I32_MUL, I32_ADD);
    k.set(SQ);
    k.br('done');
    k.close();
    for (let i = 0; i < 4; i++) one();
    k.close();
  });
  // the last d mod 4 values
  k.get(SX);
  k.get(SD);
  k.i32(3);
  k.op(I32_AND);
  k.i32(8);
  k.op(I32_MUL, I32_ADD);
  k.set(XEND);
  k.whileBelow(SX, XEND, one);
  k.get(SOUT);
  k.get(LP);
  k.get(SL);
  k.op(I32_SUB);
  k.i32(2);
  k.op(I32_SHR_U, I32_STORE, ...memarg(2, 0));
  k.get(SOUT);
  k.get(BAD);
  k.op(I32_STORE, ...memarg(2, 4));
  k.op(END);
  return k.f;
}

/** Per thread: the kernels and the weights last copied into their memory. */
const gatherKernel = lazyKernel(() =>
  kernelsModule(6, [
    { name: 'gather', i32Locals: I32_LOCALS, v128Locals: 9, body: gatherBody() },
    { name: 'scan', i32Locals: 6, v128Locals: 0, body: scanBody() },
  ]),
);
let loaded = 0;
let layers = 0;

/** One network's sparse first layer on the kernel. */
export class SparseRows {
  private readonly id = ++layers;
  /** Units rounded up to a tile. */
  private readonly u16: number;

  /** `weightT`: Wfᵀ (d × units, row-major); `offset`: c (units). */
  constructor(
    private readonly weightT: Float64Array,
    private readonly offset: Float64Array,
    private readonly units: number,
    private readonly d: number,
  ) {
    this.u16 = Math.ceil(units / TILE) * TILE;
  }

  /**
   * The layer's block (units × m, unit-major) for the row-major samples `xs` (m × d) into `out`
   * (none where null) and, with `pre`, sample-major into `pre.into` from sample `pre.at`,
   * and Σ (x − x) over the inputs (0 when every one is finite, NaN otherwise: the caller's check
   * without a second pass over them); null without WebAssembly SIMD (then `out` is not written).
   */
  block(xs: ArrayLike<number>, m: number, out: Float64Array | null, pre?: { into: Float64Array; at: number }): number | null {
    const k = gatherKernel();
    if (!k) return null;
    const { units, u16, d } = this;
    // Layout (float64 offsets): Wfᵀ (d × u16), c (u16), a (d), list (d i32), h (u16), x (d), scan's n and flag.
    const cAt = d * u16;
    const aAt = cAt + u16;
    const listAt = aAt + d;
    const hAt = listAt + Math.ceil(d / 2);
    const xAt = hAt + u16;
    const nAt = xAt + d;
    const grew = growMemory(k.memory, (nAt + 1) * 8);
    const f64 = new Float64Array(k.memory.buffer);
    const i32 = new Int32Array(k.memory.buffer);
    if (grew || loaded !== this.id) {
      f64.fill(0, 0, aAt);
      for (let q = 0; q < d; q++) f64.set(this.weightT.subarray(q * units, (q + 1) * units), q * u16);
      f64.set(this.offset, cAt);
      loaded = this.id;
    }
    const gather = k.exports['gather'] as (...a: number[]) => void;
    const scan = k.exports['scan'] as (...a: number[]) => void;
    const rowBytes = u16 * 8;
    const typed = xs instanceof Float64Array;
    // 1 once an input is not finite (the scan's flag).
    let bad = 0;
    for (let s = 0; s < m; s++) {
      const row = s * d;
      if (typed) f64.set(xs.subarray(row, row + d), xAt);
      else for (let q = 0; q < d; q++) f64[xAt + q] = xs[row + q]!;
      scan(xAt * 8, aAt * 8, listAt * 8, d, rowBytes, nAt * 8);
      bad |= i32[2 * nAt + 1]!;
      gather(aAt * 8, listAt * 8, hAt * 8, cAt * 8, rowBytes, i32[2 * nAt]!);
      if (out) for (let u = 0; u < units; u++) out[u * m + s] = f64[hAt + u]!;
      pre?.into.set(f64.subarray(hAt, hAt + units), (pre.at + s) * units);
    }
    return bad === 0 ? 0 : NaN;
  }
}
