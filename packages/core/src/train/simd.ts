/**
 * A float32 matrix-product micro-kernel in WebAssembly SIMD, assembled here byte by byte (no
 * toolchain, no binary blob): C[M×N] = A[M×K] · B[N×K]ᵀ with 2×4 register tiles of f32x4
 * accumulators along K. The training kernels route large float32 `gemmNT` calls through it
 * (operands are copied into the module's memory, zero-padded to the tile sizes); float64 calls and
 * environments without WebAssembly SIMD use the pure-JS kernel. Measured speed-up on MNIST
 * dense-128 training: see docs/training.md.
 */

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

// ---- a minimal assembler ---------------------------------------------------------------------

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
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

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

const I32 = 0x7f;
const V128 = 0x7b;
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
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const F32X4_EXTRACT = 0x1f;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;
void V128_STORE;

/** The module: imports `env.memory`, exports `nt(a, b, c, M, N, K)` (byte pointers; M%2 = N%4 = K%4 = 0). */
function buildModule(): Uint8Array {
  // Locals: params 0..5 = a, b, c, M, N, K; i32 6..17; v128 18..28.
  const [A, B, C, M, N, K] = [0, 1, 2, 3, 4, 5];
  const [m, n, k, kb, pa0, pa1, pb0, pb1, pb2, pb3, pc0, pc1] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const acc = (row: number, col: number) => 18 + row * 4 + col;
  const [va0, va1, vb] = [26, 27, 28];
  const b: number[] = [];
  const get = (i: number) => b.push(op.get, ...uleb(i));
  const set = (i: number) => b.push(op.set, ...uleb(i));
  const konst = (v: number) => b.push(op.i32const, ...sleb(v));
  const emit = (...xs: number[]) => b.push(...xs);
  const memarg = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];

  // kb = K << 2
  get(K);
  konst(2);
  emit(op.i32shl);
  set(kb);
  konst(0);
  set(m);
  emit(...op.block, ...op.loop);
  get(m);
  get(M);
  emit(op.i32geU, op.brIf, 1);
  // pa0 = a + m·kb; pa1 = pa0 + kb; pc0 = c + (m·N) << 2; pc1 = pc0 + N << 2
  get(A);
  get(m);
  get(kb);
  emit(op.i32mul, op.i32add);
  set(pa0);
  get(pa0);
  get(kb);
  emit(op.i32add);
  set(pa1);
  get(C);
  get(m);
  get(N);
  emit(op.i32mul);
  konst(2);
  emit(op.i32shl, op.i32add);
  set(pc0);
  get(pc0);
  get(N);
  konst(2);
  emit(op.i32shl, op.i32add);
  set(pc1);
  konst(0);
  set(n);
  emit(...op.block, ...op.loop);
  get(n);
  get(N);
  emit(op.i32geU, op.brIf, 1);
  get(B);
  get(n);
  get(kb);
  emit(op.i32mul, op.i32add);
  set(pb0);
  get(pb0);
  get(kb);
  emit(op.i32add);
  set(pb1);
  get(pb1);
  get(kb);
  emit(op.i32add);
  set(pb2);
  get(pb2);
  get(kb);
  emit(op.i32add);
  set(pb3);
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 4; c++) {
      emit(...simd(V128_CONST), ...new Array<number>(16).fill(0));
      set(acc(r, c));
    }
  }
  konst(0);
  set(k);
  emit(...op.block, ...op.loop);
  get(k);
  get(kb);
  emit(op.i32geU, op.brIf, 1);
  get(pa0);
  get(k);
  emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
  set(va0);
  get(pa1);
  get(k);
  emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
  set(va1);
  [pb0, pb1, pb2, pb3].forEach((pb, c) => {
    get(pb);
    get(k);
    emit(op.i32add, ...simd(V128_LOAD), ...memarg(4, 0));
    set(vb);
    get(acc(0, c));
    get(va0);
    get(vb);
    emit(...simd(F32X4_MUL), ...simd(F32X4_ADD));
    set(acc(0, c));
    get(acc(1, c));
    get(va1);
    get(vb);
    emit(...simd(F32X4_MUL), ...simd(F32X4_ADD));
    set(acc(1, c));
  });
  get(k);
  konst(16);
  emit(op.i32add);
  set(k);
  emit(op.br, 0, ...op.end, ...op.end);
  // Store horizontal sums: c[row][n + col].
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 4; c++) {
      get(r === 0 ? pc0 : pc1);
      get(n);
      konst(2);
      emit(op.i32shl, op.i32add);
      const a = acc(r, c);
      get(a);
      emit(...simd(F32X4_EXTRACT), 0);
      get(a);
      emit(...simd(F32X4_EXTRACT), 1);
      emit(op.f32add);
      get(a);
      emit(...simd(F32X4_EXTRACT), 2);
      emit(op.f32add);
      get(a);
      emit(...simd(F32X4_EXTRACT), 3);
      emit(op.f32add);
      emit(op.f32store, ...memarg(2, c * 4));
    }
  }
  get(n);
  konst(4);
  emit(op.i32add);
  set(n);
  emit(op.br, 0, ...op.end, ...op.end);
  get(m);
  konst(2);
  emit(op.i32add);
  set(m);
  emit(op.br, 0, ...op.end, ...op.end);
  emit(...op.end);

  const locals = [...uleb(2), ...uleb(12), I32, ...uleb(11), V128];
  const func = [...locals, ...b];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [...uleb(1), 0x60, ...uleb(6), I32, I32, I32, I32, I32, I32, ...uleb(0)]),
    ...section(2, [...uleb(1), ...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [...uleb(1), ...uleb(0)]),
    ...section(7, [...uleb(1), ...str('nt'), 0x00, ...uleb(0)]),
    ...section(10, [...uleb(1), ...uleb(func.length), ...func]),
  ];
  return Uint8Array.from(bytes);
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
  const wa = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wa) return kernel;
  try {
    const bytes = buildModule();
    if (!wa.validate(bytes)) return kernel;
    const memory = new wa.Memory({ initial: 16 });
    const instance = new wa.Instance(new wa.Module(bytes), { env: { memory } });
    const nt = instance.exports['nt'] as Kernel['nt'];
    kernel = { nt, memory, f32: new Float32Array(memory.buffer) };
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
  const bytes = floats * 4;
  if (kn.memory.buffer.byteLength < bytes) {
    kn.memory.grow(Math.ceil((bytes - kn.memory.buffer.byteLength) / 65536));
    kn.f32 = new Float32Array(kn.memory.buffer);
  }
  return kn.f32;
}

/** Copies a rows×cols block (row-major at `off`) into `dst` at `at` with rows padded to `colsP` and `rowsP` rows (zeros). */
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
