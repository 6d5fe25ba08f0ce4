/**
 * A float64 matrix-product micro-kernel in WebAssembly SIMD (f64x2), assembled here byte by byte
 * like train/simd.ts: C[M×N] += A[M×K] · B[K×N], all row-major, 4 × 4 tiles held in eight f64x2
 * accumulators (read from C, or from another block S of C's shape). Lanes run along N (two neighbouring outputs), so every output still adds its K
 * products one by one in order after its current value — the same operations as the pure-JS
 * kernel (`gemmAccumulate`), hence bit-identical results (no fused multiply–add). Used by the
 * blocked convolution for its 4-aligned part; without WebAssembly SIMD everything stays in JS.
 *
 * State: the instantiated module and its memory are cached per thread (a lazily built kernel,
 * like train/simd.ts); calls are synchronous and leave nothing behind between calls.
 */
import { kernelsModule, lazyKernel, memarg, reserveDoubles, uleb, simd } from '../wasm/assembler.js';
import type { KernelInstance } from '../wasm/assembler.js';

const GET = 0x20;
const SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SUB = 0x6b;
const I32_GE_U = 0x4f;
const I32_SHR_U = 0x76;
const I32_LOAD = 0x28;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const V128_LOAD = simd(0x00);
const V128_STORE = simd(0x0b);
/** v128.load64_splat: one float64 from memory into both lanes (what f64.load + f64x2.splat did, in one instruction). */
const V128_LOAD64_SPLAT = simd(0x0a);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);

// Locals: params a, b, c, M, N, K, s (0–6); i32 7–13, then the tile's row pointers PA, PC and JB; then v128.
const [A, B, C, M, N, K, S] = [0, 1, 2, 3, 4, 5, 6];
const [I, J, KA, KB, NB, PB, SC] = [7, 8, 9, 10, 11, 12, 13];
const PARAMS = 7;
const FIRST_LOCAL = 14;

/** Local indices of a kernel whose tiles are R rows × 4 columns. */
function localsFor(R: number) {
  const PA = Array.from({ length: R }, (_, r) => FIRST_LOCAL + r);
  const PC = Array.from({ length: R }, (_, r) => FIRST_LOCAL + R + r);
  const JB = FIRST_LOCAL + 2 * R;
  const v0 = JB + 1;
  return {
    PA,
    PC,
    JB,
    ACC: (r: number, h: number): number => v0 + r * 2 + h,
    VB0: v0 + 2 * R,
    VB1: v0 + 2 * R + 1,
    VA: v0 + 2 * R + 2,
    i32: FIRST_LOCAL - PARAMS + 1 + 2 * R,
    v128: 2 * R + 3,
  };
}

/**
 * The body of `nn(a, b, c, M, N, K)` (byte pointers; M % R = N % 4 = 0; tiles of R rows × 4 columns
 * in 2R f64x2 accumulators), or with `rows` of `nnRows(a, list, c, M, N, K)`: B's row k starts at
 * the byte offset `list[k]` (i32), so a product over chosen rows of a matrix held in the kernel's
 * memory needs no gathered copy. R = 5 serves o = 10 outputs without padding rows (13 of the 16
 * SIMD registers of x86-64; R = 4 uses 11).
 */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function body(rows: boolean, R: number, aT = false): number[] {
  const { PA, PC, JB, ACC, VB0, VB1, VA } = localsFor(R);
  // With A k-major (aT): PA[0] = a + i·8 (the tile's first row at k = 0), PK the current k's
  // element of that row, MB8 = M·8 (one k step); the tile's R values at k are then at PK + r·8
  // (immediate offsets: no address arithmetic per row). PA[1] and PA[2] are free in that layout.
  const PK = PA[1]!;
  const MB8 = PA[2]!;
  const f: number[] = [];
  const get = (i: number) => f.push(GET, ...uleb(i));
  const set = (i: number) => f.push(SET, ...uleb(i));
  const konst = (v: number) => f.push(I32_CONST, ...uleb(v)); // small non-negative constants only
  const addTo = (dst: number, x: number, y: number) => {
    get(x);
    get(y);
    f.push(I32_ADD);
    set(dst);
  };
  /** `for (v = 0; v < bound; v += step) { inner }` */
  const loop = (v: number, bound: number, step: number, inner: () => void) => {
    konst(0);
    set(v);
    f.push(...BLOCK, ...LOOP);
    get(v);
    get(bound);
    f.push(I32_GE_U, BR_IF, 1);
    inner();
    get(v);
    konst(step);
    f.push(I32_ADD);
    set(v);
    f.push(BR, 0, END, END);
  };
  // PA[0] = a + i·KB; PC[0] = c + i·NB; the next rows one stride further
  const rowPointers = () => {
    get(A);
    get(I);
    if (aT) konst(8);
    else get(KB);
    f.push(I32_MUL, I32_ADD);
    set(PA[0]!);
    get(C);
    get(I);
    get(NB);
    f.push(I32_MUL, I32_ADD);
    set(PC[0]!);
    for (let r = 1; r < R; r++) {
      if (!aT) addTo(PA[r]!, PA[r - 1]!, KB);
      addTo(PC[r]!, PC[r - 1]!, NB);
    }
  };
  // JB = j·8
  const columnOffset = () => {
    get(J);
    konst(8);
    f.push(I32_MUL);
    set(JB);
  };
  // One R × 4 tile at rows i, columns j: accumulators from S (the same place as C when s = c), the K products, to C.
  const tile = () => {
    for (let r = 0; r < R; r++) {
      for (let h = 0; h < 2; h++) {
        get(PC[r]!);
        get(JB);
        f.push(I32_ADD);
        get(SC);
        f.push(I32_ADD, ...V128_LOAD, ...memarg(3, h * 16));
        set(ACC(r, h));
      }
    }
    // PB = b + JB; for (KA = 0; KA < KB; KA += 8, PB += NB) — with rows: PB = list[KA / 8] + JB
    if (!rows) addTo(PB, B, JB);
    if (aT) {
      get(PA[0]!);
      set(PK);
    }
    konst(0);
    set(KA);
    f.push(...BLOCK, ...LOOP);
    get(KA);
    get(KB);
    f.push(I32_GE_U, BR_IF, 1);
    if (rows) {
      get(B);
      get(KA);
      konst(1);
      f.push(I32_SHR_U, I32_ADD, I32_LOAD, ...memarg(2, 0));
      get(JB);
      f.push(I32_ADD);
      set(PB);
    }
    get(PB);
    f.push(...V128_LOAD, ...memarg(3, 0));
    set(VB0);
    get(PB);
    f.push(...V128_LOAD, ...memarg(3, 16));
    set(VB1);
    for (let r = 0; r < R; r++) {
      if (aT) {
        get(PK);
        f.push(...V128_LOAD64_SPLAT, ...memarg(3, r * 8));
      } else {
        get(PA[r]!);
        get(KA);
        f.push(I32_ADD, ...V128_LOAD64_SPLAT, ...memarg(3, 0));
      }
      set(VA);
      for (let h = 0; h < 2; h++) {
        get(ACC(r, h));
        get(VA);
        get(h === 0 ? VB0 : VB1);
        f.push(...F64X2_MUL, ...F64X2_ADD);
        set(ACC(r, h));
      }
    }
    get(KA);
    konst(8);
    f.push(I32_ADD);
    set(KA);
    if (!rows) addTo(PB, PB, NB);
    if (aT) addTo(PK, PK, MB8);
    f.push(BR, 0, END, END);
    for (let r = 0; r < R; r++) {
      for (let h = 0; h < 2; h++) {
        get(PC[r]!);
        get(JB);
        f.push(I32_ADD);
        get(ACC(r, h));
        f.push(...V128_STORE, ...memarg(3, h * 16));
      }
    }
  };
  // SC = s − c (the accumulators' source relative to C); KB = K·8, NB = N·8
  get(S);
  get(C);
  f.push(I32_SUB);
  set(SC);
  get(K);
  konst(8);
  f.push(I32_MUL);
  set(KB);
  get(N);
  konst(8);
  f.push(I32_MUL);
  set(NB);
  if (aT) {
    get(M);
    konst(8);
    f.push(I32_MUL);
    set(MB8);
  }
  // Columns outside, rows inside: B (a convolution's input panel, or the chosen rows of a matrix,
  // scattered and often beyond L2) is read once per call, each 4-column strip serving every row
  // block while it is in L1; A (weights, small) is what is read again, from L2.
  loop(J, N, 4, () => {
    columnOffset();
    loop(I, M, R, () => {
      rowPointers();
      tile();
    });
  });
  f.push(END);
  return f;
}

function buildModule(): Uint8Array {
  const four = localsFor(4);
  const five = localsFor(5);
  return kernelsModule(PARAMS, [
    { name: 'nn', i32Locals: four.i32, v128Locals: four.v128, body: body(false, 4) },
    { name: 'nnRows', i32Locals: four.i32, v128Locals: four.v128, body: body(true, 4) },
    { name: 'nnRows5', i32Locals: five.i32, v128Locals: five.v128, body: body(true, 5) },
    { name: 'nnRowsFrom', i32Locals: four.i32, v128Locals: four.v128, body: body(true, 4, true) },
    { name: 'nnRowsFrom5', i32Locals: five.i32, v128Locals: five.v128, body: body(true, 5, true) },
  ]);
}

/** The instantiated kernel and a float64 view of its memory (re-made when the memory grows). */
export interface Gemm64 extends KernelInstance {
  readonly nn: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
  /** `nn` with B's row k at the byte offset `list[k]` (an i32 array at byte pointer `list`). */
  readonly nnRows: (a: number, list: number, c: number, m: number, n: number, k: number) => void;
  /** `nnRows` in tiles of 5 rows: M % 5 = 0. */
  readonly nnRows5: (a: number, list: number, c: number, m: number, n: number, k: number) => void;
  /**
   * `nnRows` (tiles of 4 rows) from a source, with A k-major: C = S + A · B[list], A's element (r, k)
   * at `a + (k·M + r)·8` (a tile's rows at one k are neighbours: no address arithmetic per row), S
   * (M × N, row-major like C) at byte pointer `s`; S may be C itself, or any block the product does not write.
   */
  // eslint-disable-next-line @typescript-eslint/max-params -- the WebAssembly export's signature: seven i32 arguments
  readonly nnRowsFrom: (a: number, list: number, c: number, m: number, n: number, k: number, s: number) => void;
  /** `nnRowsFrom` in tiles of 5 rows: M % 5 = 0. */
  // eslint-disable-next-line @typescript-eslint/max-params -- the WebAssembly export's signature: seven i32 arguments
  readonly nnRowsFrom5: (a: number, list: number, c: number, m: number, n: number, k: number, s: number) => void;
}

const instance = lazyKernel(buildModule, 16 * 65536);
let bound: Gemm64 | null | undefined;

/** The kernel, or null where WebAssembly SIMD is unavailable. Built once per thread. */
export function gemm64(): Gemm64 | null {
  if (bound !== undefined) return bound;
  const k = instance();
  if (!k) return (bound = null);
  // Every function takes the accumulators' source s last; C itself unless given.
  // eslint-disable-next-line @typescript-eslint/max-params -- the WebAssembly export's signature: seven i32 arguments
  type Raw = (a: number, b: number, c: number, m: number, n: number, k: number, s: number) => void;
  const { exports } = k;
  const nn = exports['nn'] as Raw;
  const nnRows = exports['nnRows'] as Raw;
  const nnRows5 = exports['nnRows5'] as Raw;
  bound = {
    nn: (a, b, c, m, n, kk) => nn(a, b, c, m, n, kk, c),
    nnRows: (a, b, c, m, n, kk) => nnRows(a, b, c, m, n, kk, c),
    nnRows5: (a, b, c, m, n, kk) => nnRows5(a, b, c, m, n, kk, c),
    nnRowsFrom: exports['nnRowsFrom'] as Raw,
    nnRowsFrom5: exports['nnRowsFrom5'] as Raw,
    exports,
    memory: k.memory,
    f64: k.f64,
  };
  return bound;
}

/** Grows the kernel's memory to hold `doubles` float64 values; returns the float64 view. */
export function gemm64Reserve(g: Gemm64, doubles: number): Float64Array {
  return reserveDoubles(g, doubles);
}
