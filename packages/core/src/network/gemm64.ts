/**
 * A float64 matrix-product micro-kernel in WebAssembly SIMD (f64x2), assembled here byte by byte
 * like train/simd.ts: C[M×N] += A[M×K] · B[K×N], all row-major, 4 × 4 tiles held in eight f64x2
 * accumulators. Lanes run along N (two neighbouring outputs), so every output still adds its K
 * products one by one in order after its current value — the same operations as the pure-JS
 * kernel (`gemmAccumulate`), hence bit-identical results (no fused multiply–add). Used by the
 * blocked convolution for its 4-aligned part; without WebAssembly SIMD everything stays in JS.
 *
 * State: the instantiated module and its memory are cached per thread (a lazily built kernel,
 * like train/simd.ts); calls are synchronous and leave nothing behind between calls.
 */
import { kernelModule, uleb, simd, wasmApi } from '../wasm/assembler.js';
import type { WasmMemory } from '../wasm/assembler.js';

const memarg = (alignLog2: number, offset: number): number[] => [...uleb(alignLog2), ...uleb(offset)];

const GET = 0x20;
const SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const F64_LOAD = 0x2b;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const V128_LOAD = simd(0x00);
const V128_STORE = simd(0x0b);
const F64X2_SPLAT = simd(0x14);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);

// Locals: params a, b, c, M, N, K (0–5); i32 6–20; v128 21–31.
const [A, B, C, M, N, K] = [0, 1, 2, 3, 4, 5];
const [I, J, KA, KB, NB, PB] = [6, 7, 8, 9, 10, 11];
const PA = [12, 13, 14, 15];
const PC = [16, 17, 18, 19];
const JB = 20;
const ACC = (r: number, h: number): number => 21 + r * 2 + h;
const [VB0, VB1, VA] = [29, 30, 31];

/** The body of `nn(a, b, c, M, N, K)` (byte pointers; M % 4 = N % 4 = 0). */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function body(): number[] {
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
  // KB = K·8, NB = N·8
  get(K);
  konst(8);
  f.push(I32_MUL);
  set(KB);
  get(N);
  konst(8);
  f.push(I32_MUL);
  set(NB);
  // for (i = 0; i < M; i += 4)
  konst(0);
  set(I);
  f.push(...BLOCK, ...LOOP);
  get(I);
  get(M);
  f.push(I32_GE_U, BR_IF, 1);
  // PA[0] = a + i·KB; PC[0] = c + i·NB; the next rows one stride further
  get(A);
  get(I);
  get(KB);
  f.push(I32_MUL, I32_ADD);
  set(PA[0]!);
  get(C);
  get(I);
  get(NB);
  f.push(I32_MUL, I32_ADD);
  set(PC[0]!);
  for (let r = 1; r < 4; r++) {
    addTo(PA[r]!, PA[r - 1]!, KB);
    addTo(PC[r]!, PC[r - 1]!, NB);
  }
  // for (j = 0; j < N; j += 4)
  konst(0);
  set(J);
  f.push(...BLOCK, ...LOOP);
  get(J);
  get(N);
  f.push(I32_GE_U, BR_IF, 1);
  get(J);
  konst(8);
  f.push(I32_MUL);
  set(JB);
  // accumulators from C
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      get(PC[r]!);
      get(JB);
      f.push(I32_ADD, ...V128_LOAD, ...memarg(3, h * 16));
      set(ACC(r, h));
    }
  }
  // PB = b + JB; for (KA = 0; KA < KB; KA += 8, PB += NB)
  addTo(PB, B, JB);
  konst(0);
  set(KA);
  f.push(...BLOCK, ...LOOP);
  get(KA);
  get(KB);
  f.push(I32_GE_U, BR_IF, 1);
  get(PB);
  f.push(...V128_LOAD, ...memarg(3, 0));
  set(VB0);
  get(PB);
  f.push(...V128_LOAD, ...memarg(3, 16));
  set(VB1);
  for (let r = 0; r < 4; r++) {
    get(PA[r]!);
    get(KA);
    f.push(I32_ADD, F64_LOAD, ...memarg(3, 0), ...F64X2_SPLAT);
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
  addTo(PB, PB, NB);
  f.push(BR, 0, END, END);
  // store the tile
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      get(PC[r]!);
      get(JB);
      f.push(I32_ADD);
      get(ACC(r, h));
      f.push(...V128_STORE, ...memarg(3, h * 16));
    }
  }
  get(J);
  konst(4);
  f.push(I32_ADD);
  set(J);
  f.push(BR, 0, END, END);
  get(I);
  konst(4);
  f.push(I32_ADD);
  set(I);
  f.push(BR, 0, END, END);
  f.push(END);
  return f;
}

function buildModule(): Uint8Array {
  return kernelModule('nn', 15, 11, body());
}

/** The instantiated kernel and a float64 view of its memory (re-made when the memory grows). */
export interface Gemm64 {
  readonly nn: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
  readonly memory: WasmMemory;
  f64: Float64Array;
}

const cache: { kernel?: Gemm64 | null } = {};

/** The kernel, or null where WebAssembly SIMD is unavailable. Built once per thread. */
export function gemm64(): Gemm64 | null {
  if (cache.kernel !== undefined) return cache.kernel;
  cache.kernel = null;
  const wa = wasmApi();
  if (!wa) return null;
  try {
    const bytes = buildModule();
    if (!wa.validate(bytes)) return null;
    const memory = new wa.Memory({ initial: 16 });
    const instance = new wa.Instance(new wa.Module(bytes), { env: { memory } });
    cache.kernel = { nn: instance.exports['nn'] as Gemm64['nn'], memory, f64: new Float64Array(memory.buffer) };
  } catch {
    cache.kernel = null;
  }
  return cache.kernel;
}

/** Grows the kernel's memory to hold `doubles` float64 values; returns the float64 view. */
export function gemm64Reserve(g: Gemm64, doubles: number): Float64Array {
  const bytes = doubles * 8;
  if (g.memory.buffer.byteLength < bytes) g.memory.grow(Math.ceil((bytes - g.memory.buffer.byteLength) / 65536));
  if (g.f64.buffer !== g.memory.buffer) g.f64 = new Float64Array(g.memory.buffer);
  return g.f64;
}
