/**
 * A float32 matrix-product micro-kernel in WebAssembly SIMD, assembled here byte by byte (no
 * toolchain, no binary blob): C[M×N] = A[M×K] · B[N×K]ᵀ with 2×4 register tiles of f32x4
 * accumulators along K. The training kernels route large float32 `gemmNT` calls through it
 * (operands are copied into the module's memory, zero-padded to the tile sizes); float64 calls and
 * environments without WebAssembly SIMD use the pure-JS kernel. Measured speed-up on MNIST
 * dense-128 training: see docs/training.md.
 */
import { compileKernel, growMemory, instantiateKernel, kernelModule, memarg, sleb, uleb, simd, wasmApi } from '../wasm/assembler.js';
import type { WasmMemory } from '../wasm/assembler.js';

// ---- a minimal assembler ---------------------------------------------------------------------

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  i32const: 0x41,
  i32add: 0x6a,
  i32mul: 0x6c,
  i32shl: 0x74,
  i32geU: 0x4f,
  f32add: 0x92,
  f32store: 0x38,
};
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const F32X4_EXTRACT = 0x1f;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;
void V128_STORE;

// Locals of `nt`: params 0..5 = a, b, c, M, N, K; i32 6..17; v128 18..28.
const [A, B, C, M, N, K] = [0, 1, 2, 3, 4, 5];
const [m, n, k, kb, pa0, pa1, pb0, pb1, pb2, pb3, pc0, pc1] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const acc = (row: number, col: number): number => 18 + row * 4 + col;
const [va0, va1, vb] = [26, 27, 28];

/** The instruction bytes of one function body, appended by the emitters below. */
class FuncBody {
  readonly bytes: number[] = [];
  get(i: number): void {
    this.bytes.push(op.get, ...uleb(i));
  }
  set(i: number): void {
    this.bytes.push(op.set, ...uleb(i));
  }
  konst(v: number): void {
    this.bytes.push(op.i32const, ...sleb(v));
  }
  emit(...xs: number[]): void {
    this.bytes.push(...xs);
  }
}

/** The module: imports `env.memory`, exports `nt(a, b, c, M, N, K)` (byte pointers; M%2 = N%4 = K%4 = 0). */
function buildModule(): Uint8Array {
  const f = new FuncBody();
  emitRowLoopHead(f);
  emitColumnLoopHead(f);
  emitDotLoop(f);
  emitTileStore(f);
  f.get(m);
  f.konst(2);
  f.emit(op.i32add);
  f.set(m);
  f.emit(op.br, 0, ...op.end, ...op.end);
  f.emit(...op.end);
  return assembleModule(f.bytes);
}

/** kb = K·4; the loop over row pairs m: pa0/pa1 point at rows m, m+1 of A, pc0/pc1 at those of C. */
function emitRowLoopHead(f: FuncBody): void {
  // kb = K << 2
  f.get(K);
  f.konst(2);
  f.emit(op.i32shl);
  f.set(kb);
  f.konst(0);
  f.set(m);
  f.emit(...op.block, ...op.loop);
  f.get(m);
  f.get(M);
  f.emit(op.i32geU, op.brIf, 1);
  // pa0 = a + m·kb; pa1 = pa0 + kb; pc0 = c + (m·N) << 2; pc1 = pc0 + N << 2
  f.get(A);
  f.get(m);
  f.get(kb);
  f.emit(op.i32mul, op.i32add);
  f.set(pa0);
  f.get(pa0);
  f.get(kb);
  f.emit(op.i32add);
  f.set(pa1);
  f.get(C);
  f.get(m);
  f.get(N);
  f.emit(op.i32mul);
  f.konst(2);
  f.emit(op.i32shl, op.i32add);
  f.set(pc0);
  f.get(pc0);
  f.get(N);
  f.konst(2);
  f.emit(op.i32shl, op.i32add);
  f.set(pc1);
}

/** The loop over column quads n: pb0..pb3 point at rows n..n+3 of B; the eight accumulators are zeroed. */
function emitColumnLoopHead(f: FuncBody): void {
  f.konst(0);
  f.set(n);
  f.emit(...op.block, ...op.loop);
  f.get(n);
  f.get(N);
  f.emit(op.i32geU, op.brIf, 1);
  f.get(B);
  f.get(n);
  f.get(kb);
  f.emit(op.i32mul, op.i32add);
  f.set(pb0);
  f.get(pb0);
  f.get(kb);
  f.emit(op.i32add);
  f.set(pb1);
  f.get(pb1);
  f.get(kb);
  f.emit(op.i32add);
  f.set(pb2);
  f.get(pb2);
  f.get(kb);
  f.emit(op.i32add);
  f.set(pb3);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 4; c++) {
      f.emit(...simd(V128_CONST), ...new Array<number>(16).fill(0));
      f.set(acc(r, c));
    }
  }
}

/** The loop over K in f32x4 steps: acc(r, c) += A row r · B row c, four lanes at a time. */
function emitDotLoop(f: FuncBody): void {
  f.konst(0);
  f.set(k);
  f.emit(...op.block, ...op.loop);
  f.get(k);
  f.get(kb);
  f.emit(op.i32geU, op.brIf, 1);
  f.get(pa0);
  f.get(k);
  f.emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
  f.set(va0);
  f.get(pa1);
  f.get(k);
  f.emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
  f.set(va1);
  [pb0, pb1, pb2, pb3].forEach((pb, c) => {
    f.get(pb);
    f.get(k);
    f.emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
    f.set(vb);
    f.get(acc(0, c));
    f.get(va0);
    f.get(vb);
    f.emit(...simd(F32X4_MUL), ...simd(F32X4_ADD));
    f.set(acc(0, c));
    f.get(acc(1, c));
    f.get(va1);
    f.get(vb);
    f.emit(...simd(F32X4_MUL), ...simd(F32X4_ADD));
    f.set(acc(1, c));
  });
  f.get(k);
  f.konst(16);
  f.emit(op.i32add);
  f.set(k);
  f.emit(op.br, 0, ...op.end, ...op.end);
}

/** Stores the horizontal sums of the accumulators, c[row][n + col], and closes the column loop. */
function emitTileStore(f: FuncBody): void {
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 4; c++) {
      f.get(r === 0 ? pc0 : pc1);
      f.get(n);
      f.konst(2);
      f.emit(op.i32shl, op.i32add);
      const a = acc(r, c);
      f.get(a);
      f.emit(...simd(F32X4_EXTRACT), 0);
      f.get(a);
      f.emit(...simd(F32X4_EXTRACT), 1);
      f.emit(op.f32add);
      f.get(a);
      f.emit(...simd(F32X4_EXTRACT), 2);
      f.emit(op.f32add);
      f.get(a);
      f.emit(...simd(F32X4_EXTRACT), 3);
      f.emit(op.f32add);
      f.emit(op.f32store, ...memarg(2, c * 4));
    }
  }
  f.get(n);
  f.konst(4);
  f.emit(op.i32add);
  f.set(n);
  f.emit(op.br, 0, ...op.end, ...op.end);
}

/** The module bytes around the body of `nt`: its type, the memory import, the export, the code. */
function assembleModule(body: number[]): Uint8Array {
  return kernelModule('nt', 12, 11, body);
}

// ---- runtime -----------------------------------------------------------------------------------

interface Kernel {
  nt: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
  memory: WasmMemory;
  f32: Float32Array;
}

let kernel: Kernel | null | undefined;
let enabled = true;

function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  const wa = wasmApi();
  if (!wa) return kernel;
  try {
    const module = compileKernel(wa, buildModule());
    if (!module) return kernel;
    const { memory, exports } = instantiateKernel(wa, module, 16 * 65536);
    kernel = { nt: exports['nt'] as Kernel['nt'], memory, f32: new Float32Array(memory.buffer) };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly SIMD kernel is available (and enabled). */
export function simdAvailable(): boolean {
  return enabled && load() !== null;
}

/**
 * Turns the SIMD path on or off (for benchmarks and tests comparing both); returns the previous
 * setting. With it off, every product runs in the pure-JS kernel.
 */
export function setSimdEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

function ensureFloats(kn: Kernel, floats: number): Float32Array {
  if (growMemory(kn.memory, floats * 4)) kn.f32 = new Float32Array(kn.memory.buffer);
  return kn.f32;
}

/** Copies a rows×cols block (row-major at `off`) into `dst` at `at` with rows padded to `colsP` and `rowsP` rows (zeros). */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function packRows(
  dst: Float32Array,
  at: number,
  src: Float32Array,
  off: number,
  rows: number,
  cols: number,
  rowsP: number,
  colsP: number,
): void {
  if (cols === colsP) dst.set(src.subarray(off, off + rows * cols), at);
  else {
    for (let r = 0; r < rows; r++) {
      dst.set(src.subarray(off + r * cols, off + (r + 1) * cols), at + r * colsP);
      dst.fill(0, at + r * colsP + cols, at + (r + 1) * colsP);
    }
  }
  dst.fill(0, at + rows * colsP, at + rowsP * colsP);
}

/**
 * C[M×N] (+)= A[M×K] · B[N×K]ᵀ in WebAssembly SIMD. Returns false (doing nothing) when the kernel
 * is unavailable or disabled, so the caller falls back to JS.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function simdGemmNT(
  c: Float32Array,
  cOff: number,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  M: number,
  N: number,
  K: number,
  beta: 0 | 1,
): boolean {
  if (!enabled) return false;
  const kn = load();
  if (!kn) return false;
  const Mp = (M + 1) & ~1;
  const Np = (N + 3) & ~3;
  const Kp = (K + 3) & ~3;
  const aAt = 0;
  const bAt = Mp * Kp;
  const cAt = bAt + Np * Kp;
  const mem = ensureFloats(kn, cAt + Mp * Np);
  packRows(mem, aAt, a, aOff, M, K, Mp, Kp);
  packRows(mem, bAt, b, bOff, N, K, Np, Kp);
  kn.nt(aAt * 4, bAt * 4, cAt * 4, Mp, Np, Kp);
  if (beta === 0 && N === Np) c.set(mem.subarray(cAt, cAt + M * N), cOff);
  else {
    for (let r = 0; r < M; r++) {
      const src = cAt + r * Np;
      const dst = cOff + r * N;
      if (beta === 0) c.set(mem.subarray(src, src + N), dst);
      else for (let j = 0; j < N; j++) c[dst + j] = c[dst + j]! + mem[src + j]!;
    }
  }
  return true;
}
