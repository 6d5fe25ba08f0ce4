/**
 * The few pieces of a WebAssembly binary assembler that the hand-written SIMD kernels share
 * (train/simd.ts: float32 products for training; network/gemm64.ts: float64 products for the exact
 * engine): LEB128 integers, sections, names, SIMD opcodes, and the slice of the WebAssembly JS API
 * they use. Pure functions; no state.
 */

/** `WebAssembly.Memory` as the kernels use it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the global `WebAssembly` object the kernels use (typed here: the project builds without DOM types). */
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** Unsigned LEB128 encoding of a non-negative integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 encoding of an int32 (what `i32.const` takes). */
export function sleb(n: number): number[] {
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

/** A load or store's memory argument: alignment (log2 bytes) and a constant offset. */
export function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}

/**
 * The code of one kernel function under construction: local access, constants, blocks and loops
 * named by label (a branch finds its depth by name), and the few idioms the tile kernels repeat
 * (a local advanced by a constant, the sum of two locals, eight f64x2 accumulators loaded from or
 * stored to consecutive 16-byte slots). The members are bound functions, so a kernel may take them
 * apart (`const { f, get, set } = new KernelBody()`).
 */
export class KernelBody {
  readonly f: number[] = [];
  private readonly labels: string[] = [];
  readonly get = (i: number): void => {
    this.f.push(0x20, ...uleb(i));
  };
  readonly set = (i: number): void => {
    this.f.push(0x21, ...uleb(i));
  };
  readonly i32 = (v: number): void => {
    this.f.push(0x41, ...sleb(v));
  };
  readonly op = (...bytes: number[]): void => {
    for (const b of bytes) this.f.push(b);
  };
  /** Opens a block (0x02) or loop (0x03) without results, named `name` for `br` and `brIf`. */
  readonly open = (kind: number, name: string): void => {
    this.f.push(kind, 0x40);
    this.labels.push(name);
  };
  readonly close = (): void => {
    this.f.push(0x0b);
    this.labels.pop();
  };
  private readonly depth = (name: string): number => this.labels.length - 1 - this.labels.lastIndexOf(name);
  readonly br = (name: string): void => {
    this.f.push(0x0c, ...uleb(this.depth(name)));
  };
  readonly brIf = (name: string): void => {
    this.f.push(0x0d, ...uleb(this.depth(name)));
  };
  /** `while (local a < local b, unsigned) { body }`. */
  readonly whileBelow = (a: number, b: number, body: () => void): void => {
    this.op(0x02, 0x40, 0x03, 0x40);
    this.get(a);
    this.get(b);
    this.op(0x4f, 0x0d, 1);
    body();
    this.op(0x0c, 0, 0x0b, 0x0b);
  };
  /** local dst = local a + local b (i32). */
  readonly sum = (dst: number, a: number, b: number): void => {
    this.get(a);
    this.get(b);
    this.op(0x6a);
    this.set(dst);
  };
  /** local += by (i32). */
  readonly advance = (local: number, by: number): void => {
    this.get(local);
    this.i32(by);
    this.op(0x6a);
    this.set(local);
  };
  /** `count` v128 locals from `first` on ← the 16-byte slots at the address in local `base`. */
  readonly loadTile = (base: number, first: number, count: number): void => {
    for (let v = 0; v < count; v++) {
      this.get(base);
      this.op(0xfd, 0x00, ...memarg(4, v * 16));
      this.set(first + v);
    }
  };
  /** The 16-byte slots at the address in local `base` ← `count` v128 locals from `first` on. */
  readonly storeTile = (base: number, first: number, count: number): void => {
    for (let v = 0; v < count; v++) {
      this.get(base);
      this.get(first + v);
      this.op(0xfd, 0x0b, ...memarg(4, v * 16));
    }
  };
}

/** A module section: id, byte length, body. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** A name (export, import) as length-prefixed bytes (ASCII). */
function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** A SIMD instruction: the 0xfd prefix and its LEB128 opcode. */
export function simd(code: number): number[] {
  return [0xfd, ...uleb(code)];
}

/** The global `WebAssembly` object, or undefined where there is none. */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
}

const I32_TYPE = 0x7f;
const V128_TYPE = 0x7b;

/**
 * A module with one function `(i32 × 6) → ()` exported as `name`, importing `env.memory`, with
 * `i32Locals` i32 and `v128Locals` v128 locals after its parameters and `body` as its code (the
 * shape of every kernel here: six pointer/size arguments, work in the imported memory).
 */
export function kernelModule(name: string, i32Locals: number, v128Locals: number, body: readonly number[]): Uint8Array {
  const func = [...uleb(2), ...uleb(i32Locals), I32_TYPE, ...uleb(v128Locals), V128_TYPE, ...body];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    ...section(1, [...uleb(1), 0x60, ...uleb(6), ...Array<number>(6).fill(I32_TYPE), ...uleb(0)]),
    ...section(2, [...uleb(1), ...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [...uleb(1), ...uleb(0)]),
    ...section(7, [...uleb(1), ...str(name), 0x00, ...uleb(0)]),
    ...section(10, [...uleb(1), ...uleb(func.length), ...func]),
  ]);
}

/** One exported function of `kernelsModule`: its name, extra locals and code (ending in `end`). */
export interface KernelFunction {
  readonly name: string;
  readonly i32Locals: number;
  readonly v128Locals: number;
  readonly body: readonly number[];
}

/**
 * A module of several functions, all of type `(i32 × params) → ()`, importing `env.memory`
 * (at least `minPages` pages; with `sharedMaxPages`, a shared memory of at most that many) and
 * exporting each function under its name. The generalization of `kernelModule` that the batched
 * trainer's shape-specialized kernels use (train/batched-wasm.ts).
 */
export function kernelsModule(params: number, functions: readonly KernelFunction[], minPages = 1, sharedMaxPages?: number): Uint8Array {
  const codes = functions.map((fn) => {
    const func = [...uleb(2), ...uleb(fn.i32Locals), I32_TYPE, ...uleb(fn.v128Locals), V128_TYPE, ...fn.body];
    return [...uleb(func.length), ...func];
  });
  const exports = functions.flatMap((fn, i) => [...str(fn.name), 0x00, ...uleb(i)]);
  const bytes: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const push = (xs: readonly number[]): void => {
    for (const x of xs) bytes.push(x);
  };
  push(section(1, [...uleb(1), 0x60, ...uleb(params), ...Array<number>(params).fill(I32_TYPE), ...uleb(0)]));
  const limits = sharedMaxPages === undefined ? [0x00, ...uleb(minPages)] : [0x03, ...uleb(minPages), ...uleb(sharedMaxPages)];
  push(section(2, [...uleb(1), ...str('env'), ...str('memory'), 0x02, ...limits]));
  push(section(3, [...uleb(functions.length), ...functions.map(() => 0)]));
  push(section(7, [...uleb(functions.length), ...exports]));
  const code: number[] = [...uleb(functions.length)];
  for (const c of codes) for (const x of c) code.push(x);
  push(section(10, code));
  return Uint8Array.from(bytes);
}

/** WebAssembly memory pages (64 KiB) holding `bytes`, at least one. */
function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 65536));
}

/** The compiled module of `bytes`, or null where they do not validate (no WebAssembly SIMD in this engine). */
export function compileKernel(wa: WasmApi, bytes: Uint8Array): object | null {
  return wa.validate(bytes) ? new wa.Module(bytes) : null;
}

/**
 * A fresh memory of at least `bytes` (shared, of at most `sharedMaxPages` pages, when given), and
 * the exports of `module` instantiated against it (`env.memory`).
 */
export function instantiateKernel(
  wa: WasmApi,
  module: object,
  bytes: number,
  sharedMaxPages?: number,
): { memory: WasmMemory; exports: Record<string, unknown> } {
  const initial = pagesFor(bytes);
  const memory = new wa.Memory(sharedMaxPages === undefined ? { initial } : { initial, maximum: sharedMaxPages, shared: true });
  return { memory, exports: new wa.Instance(module, { env: { memory } }).exports };
}

/** Grows `memory` to hold at least `bytes`; true when it grew (views of its old buffer are then detached). */
export function growMemory(memory: WasmMemory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (have >= bytes) return false;
  memory.grow(Math.ceil((bytes - have) / 65536));
  return true;
}

/**
 * Opcodes the hand-written kernels use (WebAssembly core and SIMD), by their text-format names.
 * Block types are the empty one (0x40); SIMD opcodes carry their 0xfd prefix.
 */
export const OP = {
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i32Const: 0x41,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  f64Load: 0x2b,
  f64Store: 0x39,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  v128Load: simd(0x00),
  v128Store: simd(0x0b),
  v128Const: simd(0x0c),
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: simd(0x21),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  i32Sub: 0x6b,
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  f32x4Nearest: simd(0x6a),
  i32x4TruncSatF32x4S: simd(0xf8),
  i32x4Add: simd(0xae),
  i32x4Shl: simd(0xab),
  i32Load: 0x28,
  i64Load: 0x29,
  i32Store: 0x36,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32GeS: 0x4e,
  i32DivU: 0x6e,
  i32And: 0x71,
  i32Or: 0x72,
  i32ShrU: 0x76,
  f64Ne: 0x62,
  i32Shl: 0x74,
  i64Popcnt: 0x7b,
  i64Xor: 0x85,
  i32WrapI64: 0xa7,
  f64Const: 0x44,
  v128Load64Splat: simd(0x0a),
  f64x2Ne: simd(0x48),
  v128Or: simd(0x50),
  v128AnyTrue: simd(0x53),
} as const;

/** A kernel instance with a float64 view of its memory (re-made when the memory grows). */
export interface KernelInstance {
  readonly exports: Record<string, unknown>;
  readonly memory: WasmMemory;
  f64: Float64Array;
  /** True when the memory is shared (a SharedArrayBuffer: views of it can be posted to another thread without a copy). */
  readonly shared?: boolean;
}

/**
 * A per-thread lazily built kernel: the module of `build()` compiled and instantiated on the first
 * call, or null for good where WebAssembly SIMD is missing (or the bytes do not validate). With
 * `sharedMaxPages`, `build` is asked first for a module on a shared memory of at most that many
 * pages (`build(sharedMaxPages)`), and for a plain one (`build()`) where shared memory is refused
 * (a browser page without cross-origin isolation).
 */
export function lazyKernel(
  build: (sharedMaxPages?: number) => Uint8Array,
  initialBytes = 65536,
  sharedMaxPages?: number,
): () => KernelInstance | null {
  let kernel: KernelInstance | null | undefined;
  const make = (wa: WasmApi, shared: number | undefined): KernelInstance | null => {
    const module = compileKernel(wa, build(shared));
    if (!module) return null;
    const { memory, exports } = instantiateKernel(wa, module, initialBytes, shared);
    return { exports, memory, f64: new Float64Array(memory.buffer), shared: shared !== undefined };
  };
  return () => {
    if (kernel !== undefined) return kernel;
    kernel = null;
    const wa = wasmApi();
    if (!wa) return null;
    if (sharedMaxPages !== undefined) {
      try {
        kernel = make(wa, sharedMaxPages);
        if (kernel) return kernel;
      } catch {
        // shared memory refused: a plain one below
      }
    }
    try {
      kernel = make(wa, undefined);
    } catch {
      kernel = null;
    }
    return kernel;
  };
}

/** Grows a kernel's memory to hold `doubles` float64 values; returns the (re-made) float64 view. */
export function reserveDoubles(k: KernelInstance, doubles: number): Float64Array {
  growMemory(k.memory, doubles * 8);
  if (k.f64.buffer !== k.memory.buffer) k.f64 = new Float64Array(k.memory.buffer);
  return k.f64;
}
