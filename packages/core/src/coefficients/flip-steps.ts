/**
 * The input-layer products of a one-hidden-layer ReLU net's Jacobians, step by step along the
 * visiting tree: the batched path of `affineMapsBatch` for a dense layer that reads the input, a
 * ReLU (or hard-tanh) after it, and only fixed linear maps after that (dense-128 on MNIST).
 *
 * There J_s = Σ_{j on in s} a_j ⊗ w_j (a_j: row j of the constant adjoint above the activation, o
 * values; w_j: row j of the layer's weight with the input chain folded in, d values), and a child
 * of the visiting tree (nearby-tree.ts) is its parent plus a_j ⊗ w_j for each unit that turned on
 * and minus it for each that turned off. The kernel makes those rank-one rows as it adds them: per
 * changed unit and two values, one multiply and one add, with each weight load serving two output
 * rows and the codes saying which units changed (no scan of the adjoint).
 *
 * The values are bit-identical to direct-gemm.ts's: its A entries here are exactly ±a_j (g − g_parent
 * of a ReLU is a row or its negation), its products are fl(±a·w), and both add them in ascending
 * unit order onto the parent's product (or onto zero for a fresh product), with the same choice
 * between a step from the parent and a fresh product (fewer rows; a fresh one after `MAX_CHAIN`
 * steps). Tested against `affineMapAt` (batch.test.ts); equal bit for bit to the table form before
 * it on 500 MNIST rows with dense-128 (an A/B of the two builds, not a test).
 *
 * Decision: products made on the fly instead of read from a table of ±a_j ⊗ w_j (2 × units rows of
 * o·d values: 16 MB for dense-128, read column range by column range to stay in L2). The table
 * step was one load and one add per value pair, bound by the L2's bandwidth; the product step is a
 * multiply and an add from L1 (weights 800 KB, the adjoint 20 KB), bound by the floating-point
 * ports, and measured 0.78–0.82× the whole batch's time beside the table (same process, 10,000
 * MNIST rows). Whole rows per sample beat column ranges (a range of 112 values: 1.08×).
 */
import { KernelBody, OP, growMemory, kernelsModule, lazyKernel, memarg } from '../wasm/assembler.js';
import { ORDER_WINDOW, popcount32 } from './nearby-tree.js';
import type { NearbyTree } from './nearby-tree.js';
import { timesTransposed } from './matmul.js';

/**
 * Steps from a fresh product after which a product is made afresh (as direct-gemm.ts), so the
 * rounding of the running sums cannot build up.
 */
const MAX_CHAIN = 128;

/** Values per kernel tile and row: four f64x2 accumulators (two rows at a time: eight). */
const TILE = 8;

// WebAssembly opcodes (core and SIMD), from the assembler's table.
const {
  tee: TEE,
  i32Load: I32_LOAD,
  i32Add: I32_ADD,
  i32Mul: I32_MUL,
  i32And: I32_AND,
  i32GeU: I32_GE_U,
  v128Store: V128_STORE,
  v128Load64Splat: SPLAT,
  f64x2Add: F64X2_ADD,
  f64x2Mul: F64X2_MUL,
  end: END,
} = OP;

// steps(tasks, ntasks, stride, o): params 0–3, then i32 locals, then the v128 locals.
const [TASKS, NTASKS, STRIDE, O] = [0, 1, 2, 3];
const [TEND, DST, SRC, LIST, QEND, OFF, Q, WA, AA, RB, ROW, PAIRS, AOFF, A] = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const I32_LOCALS = 14;
const ACC0 = 18;
const W0 = ACC0 + 2 * (TILE / 2);
const S = W0 + TILE / 2;
const V128_LOCALS = S + 1 - ACC0;

/**
 * Emits one tile of `steps`: `rows` rows (1 or 2) of 8 values at columns OFF, from row RB (ROW =
 * RB · stride + OFF, AOFF = 8 RB), loaded from the source, the list's products added, stored.
 */
function stepsTile(k: KernelBody, rows: number): void {
  const vs = TILE / 2;
  k.sum(A, SRC, ROW);
  for (let r = 0; r < rows; r++) {
    if (r > 0) k.sum(A, A, STRIDE);
    k.loadTile(A, ACC0 + r * vs, vs);
  }
  k.get(LIST);
  k.set(Q);
  k.whileBelow(Q, QEND, () => {
    k.get(Q);
    k.op(I32_LOAD, ...memarg(2, 0));
    k.get(OFF);
    k.op(I32_ADD);
    k.set(WA);
    k.get(Q);
    k.op(I32_LOAD, ...memarg(2, 4));
    k.get(AOFF);
    k.op(I32_ADD);
    k.set(AA);
    k.loadTile(WA, W0, vs);
    for (let r = 0; r < rows; r++) {
      k.get(AA);
      k.op(...SPLAT, ...memarg(3, r * 8));
      k.set(S);
      for (let v = 0; v < vs; v++) {
        k.get(ACC0 + r * vs + v);
        k.get(S);
        k.get(W0 + v);
        k.op(...F64X2_MUL, ...F64X2_ADD);
        k.set(ACC0 + r * vs + v);
      }
    }
    k.advance(Q, 8);
  });
  k.sum(A, DST, ROW);
  for (let r = 0; r < rows; r++) {
    if (r > 0) k.sum(A, A, STRIDE);
    for (let v = 0; v < vs; v++) {
      k.get(A);
      k.get(ACC0 + r * vs + v);
      k.op(...V128_STORE, ...memarg(4, v * 16));
    }
  }
}

/**
 * The body of `steps(tasks, ntasks, stride, o)` (byte values): for each task {dst, src, list, k}
 * (16 bytes) and each row r < o, dst[r] = src[r] + Σ_{q < k} a(q)[r] · w(q), rows of `stride`
 * bytes (a multiple of 64) laid `stride` bytes apart; the list holds k pairs of i32 byte addresses
 * {w(q): a weight row, a(q): o signed adjoint values}, added in list order. A tile is 8 values of two rows: each weight load serves both rows.
 */
function stepsBody(): number[] {
  const k = new KernelBody();
  // tend = tasks + 16 · ntasks; pairs = o rounded down to even
  k.get(TASKS);
  k.get(NTASKS);
  k.i32(16);
  k.op(I32_MUL, I32_ADD);
  k.set(TEND);
  k.get(O);
  k.i32(-2);
  k.op(I32_AND);
  k.set(PAIRS);
  k.whileBelow(TASKS, TEND, () => {
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 0));
    k.set(DST);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 4));
    k.set(SRC);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 8), TEE, LIST);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 12));
    k.i32(8);
    k.op(I32_MUL, I32_ADD);
    k.set(QEND);
    k.i32(0);
    k.set(OFF);
    k.whileBelow(OFF, STRIDE, () => {
      k.i32(0);
      k.set(RB);
      k.i32(0);
      k.set(AOFF);
      k.get(OFF);
      k.set(ROW);
      k.whileBelow(RB, PAIRS, () => {
        stepsTile(k, 2);
        k.advance(RB, 2);
        k.advance(AOFF, 16);
        k.sum(ROW, ROW, STRIDE);
        k.sum(ROW, ROW, STRIDE);
      });
      // an odd last row
      k.open(0x02, 'odd');
      k.get(RB);
      k.get(O);
      k.op(I32_GE_U);
      k.brIf('odd');
      stepsTile(k, 1);
      k.close();
      k.advance(OFF, TILE * 8);
    });
    k.advance(TASKS, 16);
  });
  k.op(END);
  return k.f;
}

/** Pages (64 KiB) a shared kernel memory may grow to: 4 GiB, all a 32-bit address reaches. */
const SHARED_MAX_PAGES = 65536;

/** Per thread: the kernel (on a shared memory where the engine allows one) and the network whose rows were last copied into its memory. */
const stepsKernel = lazyKernel(
  (shared) => kernelsModule(4, [{ name: 'steps', i32Locals: I32_LOCALS, v128Locals: V128_LOCALS, body: stepsBody() }], 1, shared),
  65536,
  SHARED_MAX_PAGES,
);
let loadedRows = 0;
let networks = 0;

/**
 * Per thread: the output regions of the kernel's memory (`FlipSteps.region`): Jacobians that the
 * kernel writes in place, whole rows, with no copy out. They start at `base` (above every layout
 * of the network that made the first one); `free` holds released ones by byte length, and `live`
 * each handed-out view's start and the byte length of the region under it.
 */
const regions = {
  base: 0,
  end: 0,
  live: new WeakMap<Float64Array, { at: number; bytes: number }>(),
  free: new Map<number, number[]>(),
};

/** Products of one network's one-hidden-layer Jacobians from its rows ±a_j and w_j (see the module comment). */
export class FlipSteps {
  /** d rounded up to a tile: the row stride (values) of the weight and of the kernel's own slots. */
  private readonly dp: number;
  /** The layer's folded weight, rows of `dp` values (zero past d). */
  private readonly weight: Float64Array;
  /** The signed adjoint rows: a_j (units × o), then −a_j. */
  private readonly signed: Float64Array;
  /** Per unit: 1 when a_j is not zero (its rows take part). */
  private readonly live: Uint8Array;
  /** `live` as bits, 32 units per word. */
  private readonly liveBits: Int32Array;
  /** Per window slot: steps since its product was made afresh. */
  private depth = new Int32Array(0);
  /** This network's number, to know whether the kernel's memory holds its rows. */
  private readonly id = ++networks;
  /** Byte offsets in the kernel's memory: signed adjoint, zero block, slots, tasks, lists. */
  private readonly adjointAt: number;
  private readonly zeroAt: number;
  private slotsAt = 0;
  private tasksAt = 0;
  private listsAt = 0;

  /** The layer's units. */
  readonly units: number;
  private readonly o: number;
  private readonly d: number;
  /** The constant adjoint above the activation, transposed (o × units: output r's row). */
  private readonly adjointT: Float64Array;
  /** Scratch of `offsets` (a window's Z). */
  private z = new Float64Array(0);
  /** The layer's pre-activation at the zero input. */
  private readonly preAtZero: Float64Array;

  /**
   * `adjoint`: the constant adjoint above the activation (units × o, unit-major); `weight`: the
   * layer's folded weight (units × d, row-major); `preAtZero`: the layer's output at the zero input;
   * `activation`: the activation's node and its first code byte.
   */
  constructor(
    m: { adjoint: Float64Array; weight: Float64Array; preAtZero: Float64Array },
    size: { units: number; o: number; d: number },
    readonly activation: { node: number; at: number },
  ) {
    const { units, o, d } = size;
    const { adjoint, weight } = m;
    this.units = units;
    this.o = o;
    this.d = d;
    this.adjointT = new Float64Array(o * units);
    for (let j = 0; j < units; j++) for (let r = 0; r < o; r++) this.adjointT[r * units + j] = adjoint[j * o + r]!;
    this.preAtZero = Float64Array.from(m.preAtZero);
    const dp = Math.ceil(d / TILE) * TILE;
    this.dp = dp;
    this.weight = new Float64Array(units * dp);
    for (let j = 0; j < units; j++) this.weight.set(weight.subarray(j * d, (j + 1) * d), j * dp);
    this.signed = new Float64Array(2 * units * o);
    this.live = new Uint8Array(units);
    for (let j = 0; j < units; j++) {
      for (let r = 0; r < o; r++) {
        const a = adjoint[j * o + r]!;
        if (a !== 0) this.live[j] = 1;
        this.signed[j * o + r] = a;
        this.signed[(units + j) * o + r] = -a;
      }
    }
    this.liveBits = new Int32Array(Math.ceil(units / 32));
    for (let j = 0; j < units; j++) this.liveBits[j >>> 5]! |= this.live[j]! << (j & 31);
    this.adjointAt = units * dp * 8;
    this.zeroAt = Math.ceil((this.adjointAt + 2 * units * o * 8) / 16) * 16;
  }

  /** Bytes of the kernel's constant rows (to bound memory: the caller takes this path only when it is affordable). */
  static bytes(units: number, o: number, d: number): number {
    return units * Math.ceil(d / TILE) * TILE * 8 + 2 * units * o * 8;
  }

  /** True where the kernel runs (WebAssembly SIMD). */
  static available(): boolean {
    return stepsKernel() !== null;
  }

  /**
   * A batch's Jacobians (count × o × d) in the kernel's memory, for `window` to write in place
   * (each sample's whole row, its parent read back from the same region, and no copy out), or
   * null where that cannot be: no shared memory (the region could not reach another thread
   * without a copy), d not a whole number of tiles, or a network that needs more room below the
   * regions than the one that placed them. The view stays valid (a shared memory never moves)
   * until `FlipSteps.release`; it is reused after that.
   */
  region(count: number): Float64Array | null {
    const k = stepsKernel();
    const od = this.o * this.d;
    if (!k?.shared || this.dp !== this.d || !Number.isInteger(count) || count < 1) return null;
    const top = Math.max(this.top(ORDER_WINDOW, false), this.top(ORDER_WINDOW, true));
    if (regions.base === 0) regions.base = regions.end = Math.ceil(top / 65536) * 65536;
    else if (top > regions.base) return null;
    const bytes = Math.ceil((count * od * 8) / 64) * 64;
    // The smallest released region that holds this one (a batch's last, shorter one reuses a full
    // one's memory: a fresh one costs a page fault per 4 KB on its first write).
    let size = Infinity;
    for (const [b, list] of regions.free) if (b >= bytes && b < size && list.length > 0) size = b;
    let at = size < Infinity ? regions.free.get(size)!.pop() : undefined;
    if (at === undefined) {
      if (regions.end + bytes > SHARED_MAX_PAGES * 65536) return null;
      at = regions.end;
      size = bytes;
      regions.end += bytes;
      growMemory(k.memory, regions.end);
    }
    const view = new Float64Array(k.memory.buffer, at, count * od);
    regions.live.set(view, { at, bytes: size });
    return view;
  }

  /** Gives back a view from `region` for reuse (others are ignored); the caller no longer reads it. */
  static release(view: Float64Array): void {
    const r = regions.live.get(view);
    if (r === undefined) return;
    regions.live.delete(view);
    const list = regions.free.get(r.bytes) ?? [];
    list.push(r.at);
    regions.free.set(r.bytes, list);
  }

  /** The top (bytes) of a window's layout of n samples: in place (`direct`) or in slots of the kernel's own. */
  private top(n: number, direct: boolean): number {
    const jBytes = this.o * this.dp * 8;
    return this.zeroAt + jBytes + (direct ? 0 : n * jBytes) + 16 * n + 8 * this.units * n;
  }

  /**
   * The Jacobians of the window of samples [w0, w0 + n) of the batch's `codes` (rows of `stride`
   * bytes; the activation's code 1 = on), visited along `tree`, into `jacobians` (the batch's,
   * sample-major o × d each). False without WebAssembly SIMD, or where the layout does not fit
   * below the regions of `region` (then nothing is written).
   *
   * Every sample of the window in tree order (a parent before its children), each from its
   * parent's Jacobian (or from zero). Into a region of this thread's kernel, each sample's
   * Jacobian goes straight to its row there; otherwise into a slot per sample of the window in the
   * kernel's memory, copied out after the window.
   */
  window(codes: Uint8Array, stride: number, w0: number, n: number, tree: NearbyTree, jacobians: Float64Array): boolean {
    const k = stepsKernel();
    if (!k) return false;
    const { o, d, dp } = this;
    const od = o * d;
    const region = regions.live.get(jacobians)?.at;
    const direct = region !== undefined;
    const top = this.top(n, direct);
    if (regions.base > 0 && top > regions.base) return false;
    const jBytes = o * dp * 8;
    // Layout (bytes): weight rows, signed adjoint rows, zero block (o × dp), n slots (none in
    // place: the region's rows), tasks (16 n), lists (≤ 8 · units · n).
    this.slotsAt = direct ? region + w0 * jBytes : this.zeroAt + jBytes;
    this.tasksAt = direct ? this.zeroAt + jBytes : this.slotsAt + n * jBytes;
    this.listsAt = this.tasksAt + 16 * n;
    const grew = growMemory(k.memory, top);
    const f64 = new Float64Array(k.memory.buffer);
    if (grew || loadedRows !== this.id) {
      f64.set(this.weight, 0);
      f64.set(this.signed, this.adjointAt / 8);
      loadedRows = this.id;
    }
    f64.fill(0, this.zeroAt / 8, (this.zeroAt + jBytes) / 8);
    this.tasks(new Int32Array(k.memory.buffer), { codes, stride, w0, n, tree }, jBytes);
    const steps = k.exports['steps'] as (...a: number[]) => void;
    steps(this.tasksAt, n, dp * 8, o);
    if (direct) return true;
    const at = this.slotsAt / 8;
    if (dp === d) jacobians.set(f64.subarray(at, at + n * od), w0 * od);
    else
      for (let s = 0; s < n; s++)
        for (let r = 0; r < o; r++) jacobians.set(f64.subarray(at + (s * o + r) * dp, at + (s * o + r) * dp + d), (w0 + s) * od + r * d);
    return true;
  }

  /**
   * The window's tasks (in tree order: slot of the sample, slot of the parent or the zero block,
   * list of rows, row count) and row lists (pairs of byte addresses: a weight row, a signed adjoint
   * row), in the kernel's memory (`i32`).
   */
  private tasks(i32: Int32Array, b: { codes: Uint8Array; stride: number; w0: number; n: number; tree: NearbyTree }, jBytes: number): void {
    if (b.tree.bits && this.activation.at === 0) return this.tasksFromBits(i32, b.w0, b.n, b.tree as Required<NearbyTree>, jBytes);
    const { codes, stride, w0, n, tree } = b;
    const { units, live } = this;
    if (this.depth.length < n) this.depth = new Int32Array(n);
    const at = this.activation.at;
    let list = this.listsAt / 4;
    for (let t = 0; t < n; t++) {
      const s = tree.order[w0 + t]!;
      const p = tree.parent[s]!;
      const cs = s * stride + at;
      const cp = p * stride + at;
      // Live rows of the sample (a fresh product) and rows changed from the parent (a step).
      let on = 0;
      let changed = 0;
      for (let j = 0; j < units; j++) {
        if (!live[j]) continue;
        if (codes[cs + j] === 1) on++;
        if (p >= 0 && (codes[cs + j] === 1) !== (codes[cp + j] === 1)) changed++;
      }
      const task = this.tasksAt / 4 + 4 * t;
      const step = this.header(i32, task, { s, p, w0 }, changed < on, jBytes);
      i32[task + 2] = list * 4;
      const first = list;
      for (let j = 0; j < units; j++) {
        if (!live[j]) continue;
        const sOn = codes[cs + j] === 1;
        // A step adds a_j ⊗ w_j where the unit turned on, −a_j ⊗ w_j where it turned off.
        if (step ? sOn !== (codes[cp + j] === 1) : sOn) list = this.entry(i32, list, j, sOn);
      }
      i32[task + 3] = (list - first) / 2;
    }
  }

  /** Writes the list entry of unit j (+a_j, or −a_j where `plus` is false) at i32 index `list`; returns the next index. */
  private entry(i32: Int32Array, list: number, j: number, plus: boolean): number {
    i32[list] = j * this.dp * 8;
    i32[list + 1] = this.adjointAt + (plus ? j : this.units + j) * this.o * 8;
    return list + 2;
  }

  /**
   * The task at `task` (i32 index): its sample's slot, and its parent's slot when it steps from the
   * parent (a parent in reach: fewer rows than a fresh product, `fewer`, and a chain of fewer than
   * `MAX_CHAIN` steps), else the zero block; keeps the chain's length. True when it steps.
   */
  private header(i32: Int32Array, task: number, at: { s: number; p: number; w0: number }, fewer: boolean, jBytes: number): boolean {
    const { s, p, w0 } = at;
    const depth = this.depth;
    const step = p >= 0 && depth[p - w0]! < MAX_CHAIN && fewer;
    i32[task] = this.slotsAt + (s - w0) * jBytes;
    i32[task + 1] = step ? this.slotsAt + (p - w0) * jBytes : this.zeroAt;
    depth[s - w0] = step ? depth[p - w0]! + 1 : 1;
    return step;
  }

  /**
   * `tasks` from the tree's bit-packed codes (binary codes, the layer's units first): the units
   * that are on, or that differ from the parent, a word of 32 at a time, in ascending order (the
   * lists, and so the sums, are the same as the byte loop's).
   */
  private tasksFromBits(i32: Int32Array, w0: number, n: number, tree: Required<NearbyTree>, jBytes: number): void {
    const { words, packed } = tree.bits;
    const live = this.liveBits;
    const used = live.length;
    if (this.depth.length < n) this.depth = new Int32Array(n);
    let list = this.listsAt / 4;
    for (let t = 0; t < n; t++) {
      const s = tree.order[w0 + t]!;
      const p = tree.parent[s]!;
      const cs = s * words;
      const cp = p * words;
      let on = 0;
      let changed = 0;
      for (let w = 0; w < used; w++) {
        on += popcount32(packed[cs + w]! & live[w]!);
        if (p >= 0) changed += popcount32((packed[cs + w]! ^ packed[cp + w]!) & live[w]!);
      }
      const task = this.tasksAt / 4 + 4 * t;
      const step = this.header(i32, task, { s, p, w0 }, changed < on, jBytes);
      i32[task + 2] = list * 4;
      const first = list;
      for (let w = 0; w < used; w++) {
        const own = packed[cs + w]!;
        let m = (step ? own ^ packed[cp + w]! : own) & live[w]!;
        while (m !== 0) {
          const low = m & -m;
          const j = 32 * w + 31 - Math.clz32(low);
          list = this.entry(i32, list, j, !step || (own & low) !== 0);
          m ^= low;
        }
      }
      i32[task + 3] = (list - first) / 2;
    }
  }

  /**
   * The offsets y_s = f(x_s) − J_s x_s of the window's samples [w0, w0 + n) into `out` (o values at
   * s · o), with J_s x_s = Σ_{j on} a_j (h_j − h_j(0)) from the batch's pre-activations h (`pre`,
   * sample-major) and codes (the tree's bit-packed ones where given): one product Z Aᵀ for the
   * window (Z: n × units, z_j = h_j − h_j(0) for an on unit and 0 for an off one), each output's
   * terms added in ascending unit order (an off unit's exact zeros change no sum).
   */
  offsets(
    batch: { values: Float64Array; pre: Float64Array; codes: Uint8Array; stride: number; bits?: NearbyTree['bits'] },
    w0: number,
    n: number,
    out: Float64Array,
  ): void {
    const { units, o, preAtZero } = this;
    const { values, pre, codes, stride, bits } = batch;
    const packed = bits?.packed;
    const words = bits?.words ?? 0;
    if (this.z.length < n * units) this.z = new Float64Array(n * units);
    const z = this.z;
    const at = this.activation.at;
    for (let t = 0; t < n; t++) {
      const h = (w0 + t) * units;
      const zt = t * units;
      if (packed && at === 0) {
        const code = (w0 + t) * words;
        // (no branch per unit: the bit is a factor 0 or 1)
        for (let w = 0; w * 32 < units; w++) {
          let m = packed[code + w]!;
          const end = Math.min(units, 32 * w + 32);
          for (let j = 32 * w; j < end; j++) {
            z[zt + j] = (m & 1) * (pre[h + j]! - preAtZero[j]!);
            m >>>= 1;
          }
        }
      } else {
        const code = (w0 + t) * stride + at;
        for (let j = 0; j < units; j++) z[zt + j] = codes[code + j] === 1 ? pre[h + j]! - preAtZero[j]! : 0;
      }
    }
    const y = timesTransposed(z.subarray(0, n * units), this.adjointT, n, o, units);
    for (let i = 0; i < n * o; i++) out[w0 * o + i] = values[w0 * o + i]! - y[i]!;
  }
}
