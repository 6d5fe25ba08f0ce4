/**
 * The visiting order of a batch's samples for the chained input-layer products of
 * `affineMapsBatch` (direct-gemm.ts): Prim's minimum spanning tree of the activation codes'
 * Hamming distances, within windows of `ORDER_WINDOW` samples.
 *
 * Prim's search is quadratic in the window (512 samples: about 256 distances per sample), so it is
 * a visible part of a dense net's Jacobians (dense-128 on MNIST: 13–15 µs per sample with a 16-bit
 * table lookup per half word in JavaScript, against about 20 µs for the sample's whole product).
 * Binary codes (ReLU, leaky ReLU) run on a WebAssembly kernel that compares 64 units per
 * `i64.popcnt` (specialized per word count, unrolled); without WebAssembly, and for codes with
 * more than two states (max-pool taps, hard-tanh), the same search runs in JavaScript.
 */
import { KernelBody, OP, growMemory, kernelsModule, lazyKernel, memarg, uleb } from '../wasm/assembler.js';
import type { KernelInstance } from '../wasm/assembler.js';

/** Samples per window of `nearbyTree` (Prim's search is quadratic in it; the kept products of direct-gemm.ts take one slot per sample of a window). */
export const ORDER_WINDOW = 512;

/** A tree over a batch: `order` visits parents before children, `parent[s]` is −1 for a window's root. */
export interface NearbyTree {
  readonly order: Int32Array;
  readonly parent: Int32Array;
  /**
   * Binary codes only: every sample's code as bits (unit u of sample s is bit u mod 32 of
   * `bits[s · words + ⌊u / 32⌋]`), for readers that want the units that differ a word at a time.
   */
  readonly bits?: { readonly words: number; readonly packed: Int32Array };
}

/**
 * A visiting order of the samples and a parent for each (a sample visited before it, or −1) with
 * close activation codes: Prim's minimum spanning tree of the codes' Hamming distances within
 * windows of `ORDER_WINDOW` samples (a window's first sample is its root), visited depth-first
 * (`depthFirst`: a parent's Jacobian is still in cache for its child). The input-layer product then goes from a parent's Jacobian to its child's through
 * the units that differ; the tree's edges are shorter than a greedy chain's (MNIST, dense-128,
 * windows of 512: 13.0 changed units per step against 16.0). Ties go to the sample met first, so
 * the kernel and the JavaScript search build the same tree (`useKernel = false` takes the latter).
 * `bits`: the codes already bit-packed (binary codes only, `packedWords(units)` words a sample),
 * when the caller made them with the codes.
 *
 * @example
 * // Three samples of two units: codes 00, 11, 01: sample 2 is one flip from both others.
 * nearbyTree(Uint8Array.from([0, 0, 1, 1, 0, 1]), 3, 2).parent; // Int32Array [-1, 2, 0]
 */
export function nearbyTree(codes: Uint8Array, count: number, units: number, useKernel = true, bits?: Int32Array): NearbyTree {
  // (no branch per byte: every bit above the lowest of every code byte, or-ed together)
  let high = 0;
  if (!bits) for (let i = 0; i < codes.length; i++) high |= codes[i]!;
  const binary = high <= 1;
  const order = new Int32Array(count);
  const parent = new Int32Array(count).fill(-1);
  const words = binary ? packedWords(units) : units;
  const packed = bits ?? new Int32Array(count * words);
  if (!bits && binary) {
    for (let s = 0; s < count; s++) {
      const row = s * units;
      // A word of 32 units at a time in a local (no branch per unit: a code byte is 0 or 1 here).
      for (let w = 0; w * 32 < units; w++) {
        const end = Math.min(32, units - 32 * w);
        let word = 0;
        for (let b = 0; b < end; b++) word |= codes[row + 32 * w + b]! << b;
        packed[s * words + w] = word;
      }
    }
  } else if (!bits) packed.set(codes);
  const kernel = binary && useKernel ? primKernel(words / 2) : null;
  for (let w0 = 0; w0 < count; w0 += ORDER_WINDOW) {
    const n = Math.min(ORDER_WINDOW, count - w0);
    const window = packed.subarray(w0 * words, (w0 + n) * words);
    const out = { order: order.subarray(w0, w0 + n), parent: parent.subarray(w0, w0 + n) };
    if (kernel) primOnKernel(kernel, window, n, words, out);
    else primInJs(window, n, words, binary, out);
    depthFirst(out.order, out.parent, n);
    for (let k = 0; k < n; k++) {
      out.order[k] = out.order[k]! + w0;
      if (out.parent[k]! >= 0) out.parent[k] = out.parent[k]! + w0;
    }
  }
  return binary ? { order, parent, bits: { words, packed } } : { order, parent };
}

/**
 * Rewrites `order` (a window's samples, parents first, sample indices local to the window) as the
 * tree's depth-first preorder, children in their order there: a child then mostly comes right
 * after its parent (MNIST, dense-128: half the parents one sample back, 84 % within 16, against a
 * median of 34 in Prim's order), so the parent's Jacobian that a step reads is still in cache. The
 * tree is the same, so are the products.
 */
function depthFirst(order: Int32Array, parent: Int32Array, n: number): void {
  const first = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  let root = -1;
  // Children lists last to first in `order`'s order (each child put in front), so that pushing a
  // list in its order leaves the first child on top of the stack.
  for (let t = 0; t < n; t++) {
    const s = order[t]!;
    const p = parent[s]!;
    if (p < 0) root = s;
    else {
      next[s] = first[p]!;
      first[p] = s;
    }
  }
  const stack = new Int32Array(n);
  let top = 0;
  let t = 0;
  stack[top++] = root;
  while (top > 0) {
    const s = stack[--top]!;
    order[t++] = s;
    for (let c = first[s]!; c >= 0; c = next[c]!) stack[top++] = c;
  }
}

/** i32 words per sample of a tree's bit-packed binary codes of `units` units (a whole number of 64-bit words). */
export function packedWords(units: number): number {
  return Math.ceil(units / 64) * 2;
}

/** Bits set in a 32-bit word (SWAR: pairs, nibbles, bytes, then one multiply sums the bytes). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * Prim's search over one window of n samples (`packed`: `words` int32 per sample; bits when
 * `binary`, else one code byte per word), into window-relative `order` and `parent`. The samples
 * not yet in the tree are kept in a list with their distance to the tree and nearest tree sample;
 * the one taken is replaced by the list's last.
 */
function primInJs(packed: Int32Array, n: number, words: number, binary: boolean, out: NearbyTree): void {
  const id = Int32Array.from({ length: n }, (_, k) => k);
  const best = new Int32Array(n).fill(0x7fffffff);
  const near = new Int32Array(n).fill(-1);
  let left = n - 1;
  let cur = 0;
  id[0] = id[left]!;
  out.order[0] = 0;
  out.parent[0] = -1;
  for (let t = 1; left > 0; t++) {
    let pick = 0;
    let pickDist = 0x7fffffff;
    const pc = cur * words;
    for (let k = 0; k < left; k++) {
      const px = id[k]! * words;
      let dist = 0;
      if (binary) for (let w = 0; w < words; w++) dist += popcount32(packed[pc + w]! ^ packed[px + w]!);
      else for (let w = 0; w < words; w++) if (packed[pc + w] !== packed[px + w]) dist++;
      let b = best[k]!;
      if (dist < b) {
        best[k] = b = dist;
        near[k] = cur;
      }
      if (b < pickDist) {
        pickDist = b;
        pick = k;
      }
    }
    cur = id[pick]!;
    out.order[t] = cur;
    out.parent[cur] = near[pick]!;
    left--;
    id[pick] = id[left]!;
    best[pick] = best[left]!;
    near[pick] = near[left]!;
  }
}

// WebAssembly opcodes (core and SIMD), from the assembler's table.
const {
  tee: TEE,
  i32Load: I32_LOAD,
  i64Load: I64_LOAD,
  i32Store: I32_STORE,
  i32Eqz: I32_EQZ,
  i32LtU: I32_LT_U,
  i32GeU: I32_GE_U,
  i32Add: I32_ADD,
  i32Sub: I32_SUB,
  i32Mul: I32_MUL,
  i32Shl: I32_SHL,
  i64Popcnt: I64_POPCNT,
  i64Xor: I64_XOR,
  i32WrapI64: I32_WRAP_I64,
  v128Load: V128_LOAD,
  v128Store: V128_STORE,
  block: BLOCK,
  loop: LOOP,
  if: IF,
  end: END,
  br: BR,
  brIf: BR_IF,
} = OP;

// prim(codes, n, order, parent, list, _): params 0–5; locals after them.
const [CODES, N, ORDER, PARENT, LIST] = [0, 1, 2, 3, 4];
const [LEFT, CUR, CURAT, PICK, PICKDIST, K, E, DIST, B, T] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const LOCALS = 10;
const INF = 0x7fffffff;

/**
 * The body of `prim(codes, n, order, parent, list)` for codes of `w64` 64-bit words per sample
 * (byte pointers; `list`: n entries of 16 bytes {sample, distance to the tree, nearest tree
 * sample, unused}): the search of `primInJs` with the distance unrolled over the words.
 */
// eslint-disable-next-line max-lines-per-function -- one straight-line assembly listing of the kernel, easier to check against the WebAssembly spec unsplit
function primBody(w64: number): number[] {
  const { f, get, set, i32 } = new KernelBody();
  const rowBytes = w64 * 8;
  // for (k = 0; k < n; k++) list[k] = {k, INF, −1}
  i32(0);
  set(K);
  f.push(...BLOCK, ...LOOP);
  get(K);
  get(N);
  f.push(I32_GE_U, BR_IF, 1);
  get(LIST);
  get(K);
  i32(4);
  f.push(I32_SHL, I32_ADD, TEE, ...uleb(E));
  get(K);
  f.push(I32_STORE, ...memarg(2, 0));
  get(E);
  i32(INF);
  f.push(I32_STORE, ...memarg(2, 4));
  get(E);
  i32(-1);
  f.push(I32_STORE, ...memarg(2, 8));
  get(K);
  i32(1);
  f.push(I32_ADD);
  set(K);
  f.push(BR, 0, END, END);
  // The root: sample 0; order[0] = 0, parent[0] = −1; list[0] = list[n − 1].
  get(ORDER);
  i32(0);
  f.push(I32_STORE, ...memarg(2, 0));
  get(PARENT);
  i32(-1);
  f.push(I32_STORE, ...memarg(2, 0));
  i32(0);
  set(CUR);
  i32(1);
  set(T);
  get(N);
  i32(1);
  f.push(I32_SUB);
  set(LEFT);
  get(LIST);
  get(LIST);
  get(LEFT);
  i32(4);
  f.push(I32_SHL, I32_ADD, ...V128_LOAD, ...memarg(4, 0), ...V128_STORE, ...memarg(4, 0));
  // while (left > 0)
  f.push(...BLOCK, ...LOOP);
  get(LEFT);
  f.push(I32_EQZ, BR_IF, 1);
  get(CODES);
  get(CUR);
  i32(rowBytes);
  f.push(I32_MUL, I32_ADD);
  set(CURAT);
  i32(0);
  set(PICK);
  i32(INF);
  set(PICKDIST);
  i32(0);
  set(K);
  // for (k = 0; k < left; k++)
  f.push(...BLOCK, ...LOOP);
  get(K);
  get(LEFT);
  f.push(I32_GE_U, BR_IF, 1);
  get(LIST);
  get(K);
  i32(4);
  f.push(I32_SHL, I32_ADD, TEE, ...uleb(E));
  // E is reused below; the sample's row address is computed on the stack per word.
  f.push(I32_LOAD, ...memarg(2, 0));
  i32(rowBytes);
  f.push(I32_MUL);
  get(CODES);
  f.push(I32_ADD);
  set(B); // B holds the row address until the distance is summed
  i32(0);
  set(DIST);
  for (let w = 0; w < w64; w++) {
    get(DIST);
    get(CURAT);
    f.push(I64_LOAD, ...memarg(3, w * 8));
    get(B);
    f.push(I64_LOAD, ...memarg(3, w * 8), I64_XOR, I64_POPCNT, I32_WRAP_I64, I32_ADD);
    set(DIST);
  }
  get(E);
  f.push(I32_LOAD, ...memarg(2, 4));
  set(B);
  // if (dist < b) { entry.best = b = dist; entry.near = cur }
  get(DIST);
  get(B);
  f.push(I32_LT_U, ...IF);
  get(E);
  get(DIST);
  f.push(I32_STORE, ...memarg(2, 4));
  get(E);
  get(CUR);
  f.push(I32_STORE, ...memarg(2, 8));
  get(DIST);
  set(B);
  f.push(END);
  // if (b < pickDist) { pickDist = b; pick = k }
  get(B);
  get(PICKDIST);
  f.push(I32_LT_U, ...IF);
  get(B);
  set(PICKDIST);
  get(K);
  set(PICK);
  f.push(END);
  get(K);
  i32(1);
  f.push(I32_ADD);
  set(K);
  f.push(BR, 0, END, END);
  // Take the pick: cur = its sample; order[t] = cur; parent[cur] = its nearest; t++.
  get(LIST);
  get(PICK);
  i32(4);
  f.push(I32_SHL, I32_ADD, TEE, ...uleb(E));
  f.push(I32_LOAD, ...memarg(2, 0));
  set(CUR);
  get(ORDER);
  get(T);
  i32(2);
  f.push(I32_SHL, I32_ADD);
  get(CUR);
  f.push(I32_STORE, ...memarg(2, 0));
  get(PARENT);
  get(CUR);
  i32(2);
  f.push(I32_SHL, I32_ADD);
  get(E);
  f.push(I32_LOAD, ...memarg(2, 8), I32_STORE, ...memarg(2, 0));
  get(T);
  i32(1);
  f.push(I32_ADD);
  set(T);
  // left--; list[pick] = list[left]
  get(LEFT);
  i32(1);
  f.push(I32_SUB);
  set(LEFT);
  get(E);
  get(LIST);
  get(LEFT);
  i32(4);
  f.push(I32_SHL, I32_ADD, ...V128_LOAD, ...memarg(4, 0), ...V128_STORE, ...memarg(4, 0));
  f.push(BR, 0, END, END, END);
  return f;
}

/** Per word count (64-bit words per code): the lazily built kernel, or null without WebAssembly SIMD. */
const primKernels = new Map<number, () => KernelInstance | null>();

/** The kernel for codes of `w64` 64-bit words, or null without WebAssembly SIMD. */
export function primKernel(w64: number): KernelInstance | null {
  let k = primKernels.get(w64);
  if (!k) {
    k = lazyKernel(() => kernelsModule(6, [{ name: 'prim', i32Locals: LOCALS, v128Locals: 0, body: primBody(w64) }]));
    primKernels.set(w64, k);
  }
  return k();
}

/** `primInJs` on the kernel: the window's codes, list and outputs laid out in its memory. */
function primOnKernel(k: KernelInstance, packed: Int32Array, n: number, words: number, out: NearbyTree): void {
  // Layout (bytes): codes (n · words · 4, a multiple of 8), list (16 n), order (4 n), parent (4 n).
  const codesBytes = n * words * 4;
  const listAt = Math.ceil(codesBytes / 16) * 16;
  const orderAt = listAt + 16 * n;
  const parentAt = orderAt + 4 * n;
  growMemory(k.memory, parentAt + 4 * n);
  const mem = new Int32Array(k.memory.buffer);
  mem.set(packed, 0);
  (k.exports['prim'] as (...a: number[]) => void)(0, n, orderAt, parentAt, listAt, 0);
  out.order.set(mem.subarray(orderAt / 4, orderAt / 4 + n));
  out.parent.set(mem.subarray(parentAt / 4, parentAt / 4 + n));
}
