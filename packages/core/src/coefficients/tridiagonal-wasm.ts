/**
 * The two O(n³) loops of the symmetric eigensolver's Householder reduction (eigen.ts, EISPACK tred2)
 * in WebAssembly SIMD (f64x2), assembled byte by byte like network/gemm64.ts. For the reflection of
 * row i, with the matrix column-major (column j at `w + j·nb`) and `d` the reflection's vector:
 *
 * - `symv(w, d, e, nb, i)`: for each column j < i, e[j] += w[j][j]·d[j] + Σ_{k>j} w[k][j]·d[k] and
 *   e[k] += w[k][j]·d[j] for j < k < i — the symmetric product p = A u from the lower triangle;
 * - `rank2(w, d, e, nb, i)`: w[k][j] −= d[j]·e[k] + e[j]·d[k] for j ≤ k < i — the update
 *   A − u qᵀ − q uᵀ.
 *
 * `rank2` does the same operations per element as the JavaScript loop it replaces, so its results
 * are bit-identical; `symv` sums each column's dot product in two lanes (pairs of k) and adds the
 * lanes at the end, a different order from the one-by-one JavaScript sum (both are float64 sums of
 * the same terms). The module and its memory are built once per thread; calls are synchronous.
 */
import { OP, kernelsModule, lazyKernel, reserveDoubles, uleb } from '../wasm/assembler.js';
import type { KernelInstance } from '../wasm/assembler.js';

const { get: GET, set: SET, tee: TEE, i32Const: I32_CONST, i32Add: I32_ADD, i32Mul: I32_MUL } = OP;
const { i32LtU: I32_LT_U, i32GtU: I32_GT_U, i32GeU: I32_GE_U, f64Load: F64_LOAD, f64Store: F64_STORE } = OP;
const { f64Add: F64_ADD, f64Sub: F64_SUB, f64Mul: F64_MUL, block: BLOCK, loop: LOOP, if: IF, end: END, br: BR, brIf: BR_IF } = OP;
const { v128Load: V128_LOAD, v128Store: V128_STORE, f64x2Splat: F64X2_SPLAT, f64x2ExtractLane: F64X2_EXTRACT_LANE } = OP;
const { f64x2Add: F64X2_ADD, f64x2Sub: F64X2_SUB, f64x2Mul: F64X2_MUL } = OP;
const V128_CONST_ZERO = [...OP.v128Const, ...Array<number>(16).fill(0)];
const MEM = [3, 0]; // align 2³, offset 0

// Params (byte pointers and sizes): w, d, e, nb (the column stride n·8), i, unused.
const [W, D, E, NB, I] = [0, 1, 2, 3, 4];
// i32 locals: J, COL (w + J·nb), K, PK (K·8); v128 locals: F, G, ACC, V.
const [J, COL, K, PK] = [6, 7, 8, 9];
const [F, G, ACC, V] = [10, 11, 12, 13];

/** A small assembler over one function body. */
function writer() {
  const f: number[] = [];
  const op = (...bytes: number[]) => f.push(...bytes);
  const get = (l: number) => op(GET, ...uleb(l));
  const set = (l: number) => op(SET, ...uleb(l));
  const konst = (v: number) => op(I32_CONST, ...uleb(v)); // small non-negative constants only
  /** Pushes `base + offset` (two locals). */
  const addr = (base: number, offset: number) => {
    get(base);
    get(offset);
    op(I32_ADD);
  };
  /** `for (J = 0; J < I; J++) { COL = W + J·NB; F = splat(d[J]); inner }` */
  const columns = (inner: () => void) => {
    konst(0);
    set(J);
    op(...BLOCK, ...LOOP);
    get(J);
    get(I);
    op(I32_GE_U, BR_IF, 1);
    get(W);
    get(J);
    get(NB);
    op(I32_MUL, I32_ADD);
    set(COL);
    get(D);
    get(J);
    konst(8);
    op(I32_MUL, I32_ADD, F64_LOAD, ...MEM, ...F64X2_SPLAT);
    set(F);
    inner();
    get(J);
    konst(1);
    op(I32_ADD);
    set(J);
    op(BR, 0, END, END);
  };
  /** `for (; K + 2 <= I; K += 2) { PK = K·8; inner }`, then `if (K < I) { PK = K·8; tail }` (K set by the caller). */
  const pairs = (inner: () => void, tail: () => void) => {
    op(...BLOCK, ...LOOP);
    get(K);
    konst(2);
    op(I32_ADD);
    get(I);
    op(I32_GT_U, BR_IF, 1);
    get(K);
    konst(8);
    op(I32_MUL);
    set(PK);
    inner();
    get(K);
    konst(2);
    op(I32_ADD);
    set(K);
    op(BR, 0, END, END);
    get(K);
    get(I);
    op(I32_LT_U, ...IF);
    get(K);
    konst(8);
    op(I32_MUL);
    set(PK);
    tail();
    op(END);
  };
  return { f, op, get, set, konst, addr, columns, pairs };
}

function symvBody(): number[] {
  const { f, op, get, set, konst, addr, columns, pairs } = writer();
  /** Pushes the f64 at `base + PK`. */
  const loadAt = (base: number) => {
    addr(base, PK);
    op(F64_LOAD, ...MEM);
  };
  columns(() => {
    // PK = J·8; e[J] = e[J] + w[J][J]·f
    get(J);
    konst(8);
    op(I32_MUL, TEE, ...uleb(PK));
    get(E);
    op(I32_ADD);
    loadAt(E);
    loadAt(COL);
    get(F);
    op(...F64X2_EXTRACT_LANE, 0, F64_MUL, F64_ADD, F64_STORE, ...MEM);
    op(...V128_CONST_ZERO);
    set(ACC);
    get(J);
    konst(1);
    op(I32_ADD);
    set(K);
    pairs(
      () => {
        // V = w[K..K+1][J]; ACC += V·d[K..K+1]; e[K..K+1] += V·f
        addr(COL, PK);
        op(...V128_LOAD, ...MEM);
        set(V);
        get(ACC);
        get(V);
        addr(D, PK);
        op(...V128_LOAD, ...MEM, ...F64X2_MUL, ...F64X2_ADD);
        set(ACC);
        addr(E, PK);
        addr(E, PK);
        op(...V128_LOAD, ...MEM);
        get(V);
        get(F);
        op(...F64X2_MUL, ...F64X2_ADD, ...V128_STORE, ...MEM);
      },
      () => {
        // e[K] = e[K] + w[K][J]·f; ACC.lane0 gets w[K][J]·d[K] (added to e[J] below)
        addr(E, PK);
        loadAt(E);
        loadAt(COL);
        get(F);
        op(...F64X2_EXTRACT_LANE, 0, F64_MUL, F64_ADD, F64_STORE, ...MEM);
        get(ACC);
        loadAt(COL);
        loadAt(D);
        op(F64_MUL, ...F64X2_SPLAT);
        // only lane 0: multiply the splat by (1, 0) — built as splat(1) with lane 1 replaced by 0
        op(...OP.v128Const, ...f64x2Bytes(1, 0), ...F64X2_MUL, ...F64X2_ADD);
        set(ACC);
      },
    );
    // e[J] = e[J] + (ACC.lane0 + ACC.lane1)
    get(J);
    konst(8);
    op(I32_MUL);
    set(PK);
    addr(E, PK);
    loadAt(E);
    get(ACC);
    op(...F64X2_EXTRACT_LANE, 0);
    get(ACC);
    op(...F64X2_EXTRACT_LANE, 1, F64_ADD, F64_ADD, F64_STORE, ...MEM);
  });
  op(END);
  return f;
}

function rank2Body(): number[] {
  const { f, op, get, set, konst, addr, columns, pairs } = writer();
  columns(() => {
    // G = splat(e[J]); K = J
    get(E);
    get(J);
    konst(8);
    op(I32_MUL, I32_ADD, F64_LOAD, ...MEM, ...F64X2_SPLAT);
    set(G);
    get(J);
    set(K);
    pairs(
      () => {
        // w[K..K+1][J] = w − (f·e[K..] + g·d[K..])
        addr(COL, PK);
        addr(COL, PK);
        op(...V128_LOAD, ...MEM);
        get(F);
        addr(E, PK);
        op(...V128_LOAD, ...MEM, ...F64X2_MUL);
        get(G);
        addr(D, PK);
        op(...V128_LOAD, ...MEM, ...F64X2_MUL, ...F64X2_ADD, ...F64X2_SUB, ...V128_STORE, ...MEM);
      },
      () => {
        addr(COL, PK);
        addr(COL, PK);
        op(F64_LOAD, ...MEM);
        get(F);
        op(...F64X2_EXTRACT_LANE, 0);
        addr(E, PK);
        op(F64_LOAD, ...MEM, F64_MUL);
        get(G);
        op(...F64X2_EXTRACT_LANE, 0);
        addr(D, PK);
        op(F64_LOAD, ...MEM, F64_MUL, F64_ADD, F64_SUB, F64_STORE, ...MEM);
      },
    );
  });
  op(END);
  return f;
}

/**
 * `rot(wa, wb, cs, nb)`: the QL sweep's plane rotation of two eigenvector columns of length nb / 8,
 * with (c, s) the two doubles at `cs`: w_b ← s·w_a + c·w_b and w_a ← c·w_a − s·w_b (old values), in
 * the JavaScript loop's order of operations (bit-identical).
 */
function rotBody(): number[] {
  const { f, op, get, set, konst } = writer();
  // Params: wa (0), wb (1), cs (2), nb (3); locals: K (6, byte offset), PA (7), PB (8); C (10), S (11), A (12), B (13).
  const [WA, WB, CS, NBYTES] = [0, 1, 2, 3];
  const [KB, PA, PB] = [6, 7, 8];
  const [C, S, VA, VB] = [10, 11, 12, 13];
  /** Rotates the pair at PA, PB = wa + K, wb + K: both lanes, or (`scalar`) one element through lane 0. */
  const rotateAt = (scalar: boolean) => {
    for (const [p, base] of [
      [PA, WA],
      [PB, WB],
    ] as const) {
      get(base);
      get(KB);
      op(I32_ADD);
      set(p);
    }
    for (const [v, p] of [
      [VA, PA],
      [VB, PB],
    ] as const) {
      get(p);
      op(...(scalar ? [F64_LOAD, ...MEM, ...F64X2_SPLAT] : [...V128_LOAD, ...MEM]));
      set(v);
    }
    const store = scalar ? [...F64X2_EXTRACT_LANE, 0, F64_STORE, ...MEM] : [...V128_STORE, ...MEM];
    // w_b = s·a + c·b, w_a = c·a − s·b
    for (const [p, x, y, combine] of [
      [PB, S, C, F64X2_ADD],
      [PA, C, S, F64X2_SUB],
    ] as const) {
      get(p);
      get(x);
      get(VA);
      op(...F64X2_MUL);
      get(y);
      get(VB);
      op(...F64X2_MUL, ...combine, ...store);
    }
  };
  get(CS);
  op(F64_LOAD, ...MEM, ...F64X2_SPLAT);
  set(C);
  get(CS);
  op(F64_LOAD, 3, 8, ...F64X2_SPLAT);
  set(S);
  konst(0);
  set(KB);
  // while (K + 16 <= nb): both lanes
  op(...BLOCK, ...LOOP);
  get(KB);
  konst(16);
  op(I32_ADD);
  get(NBYTES);
  op(I32_GT_U, BR_IF, 1);
  rotateAt(false);
  get(KB);
  konst(16);
  op(I32_ADD);
  set(KB);
  op(BR, 0, END, END);
  // an odd last element
  get(KB);
  get(NBYTES);
  op(I32_LT_U, ...IF);
  rotateAt(true);
  op(END, END);
  return f;
}

/** The 16 little-endian bytes of the f64x2 (a, b). */
function f64x2Bytes(a: number, b: number): number[] {
  return Array.from(new Uint8Array(Float64Array.of(a, b).buffer));
}

/** The kernels' calls (byte pointers into the instance's memory). */
type Call = (w: number, d: number, e: number, nb: number, i: number, unused: number) => void;

const instance = lazyKernel(() =>
  kernelsModule(6, [
    { name: 'symv', i32Locals: 4, v128Locals: 4, body: symvBody() },
    { name: 'rank2', i32Locals: 4, v128Locals: 4, body: rank2Body() },
    { name: 'rot', i32Locals: 4, v128Locals: 4, body: rotBody() },
  ]),
);

/** The kernels and their memory. */
export interface TridiagonalKernel {
  readonly symv: Call;
  readonly rank2: Call;
  /** `rot(wa, wb, cs, nb, 0, 0)`: see `rotBody`. */
  readonly rot: Call;
  readonly instance: KernelInstance;
}

let bound: TridiagonalKernel | null | undefined;

/** The kernels, or null where WebAssembly SIMD is unavailable. Built once per thread. */
export function tridiagonalKernel(): TridiagonalKernel | null {
  if (bound !== undefined) return bound;
  const k = instance();
  bound = k && { symv: k.exports['symv'] as Call, rank2: k.exports['rank2'] as Call, rot: k.exports['rot'] as Call, instance: k };
  return bound;
}

/** Grows the kernels' memory to hold `doubles` float64 values; returns the float64 view. */
export function tridiagonalReserve(k: TridiagonalKernel, doubles: number): Float64Array {
  return reserveDoubles(k.instance, doubles);
}
