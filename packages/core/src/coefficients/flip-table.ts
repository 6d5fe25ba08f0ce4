/**
 * The input-layer products of a one-hidden-layer ReLU net's Jacobians as sums of table rows: the
 * batched path of `affineMapsBatch` for a dense layer that reads the input, a ReLU (or hard-tanh)
 * after it, and only fixed linear maps after that (dense-128 on MNIST).
 *
 * There J_s = Σ_{j on in s} P_j with P_j = a_j ⊗ w_j (a_j: row j of the constant adjoint above the
 * activation, o values; w_j: row j of the layer's weight with the input chain folded in, d values),
 * and a child of the visiting tree (nearby-tree.ts) is its parent plus P_j for each unit that turned
 * on and minus P_j for each that turned off. The rows ±P_j are tabulated once per network (2 × units
 * rows of o·d values: 16 MB for dense-128), so a step is additions only: per changed unit one load
 * and one add per two values, where the product kernel (direct-gemm.ts) spent a multiply and an add
 * per value pair, and no scan of the adjoint is needed (the codes say which units changed).
 *
 * The values are bit-identical to direct-gemm.ts's: its A entries here are exactly ±a_j (g − g_parent
 * of a ReLU is a row or its negation), its products fl(a·w) are the table's entries, and both add
 * them in ascending unit order onto the parent's product (or onto zero for a fresh product), with
 * the same choice between a step from the parent and a fresh product (fewer rows; a fresh one after
 * `MAX_CHAIN` steps). Tested against `affineMapAt` (batch.test.ts); equal bit for bit to the
 * product path on 4,096 MNIST rows with dense-128 (an A/B of the two builds, not a test).
 *
 * Decision: a window's products are made column range by column range (`CACHE_BYTES` of the table
 * in cache at a time), every sample of the window per range, instead of sample by sample over the
 * whole table, which would stream 16 MB of table rows from memory for every 13 rows used.
 */
import { KernelBody, OP, growMemory, kernelsModule, lazyKernel, memarg } from '../wasm/assembler.js';
import { ORDER_WINDOW, popcount32 } from './nearby-tree.js';
import type { NearbyTree } from './nearby-tree.js';

/**
 * Steps from a fresh product after which a product is made afresh (as direct-gemm.ts), so the
 * rounding of the running sums cannot build up.
 */
const MAX_CHAIN = 128;

/**
 * Bytes that one column range's table rows (both signs, every unit) and a window's slots for it
 * may take: three quarters of this machine's 2 MB L2 (dense-128: ranges of 256 values, 512 KB of
 * table and 1 MB of slots).
 */
const CACHE_BYTES = 1.5 * 2 ** 20;

/** Values per kernel tile: eight f64x2 accumulators. */
const TILE = 16;

// WebAssembly opcodes (core and SIMD), from the assembler's table.
const { tee: TEE, i32Load: I32_LOAD, i32Add: I32_ADD, i32Mul: I32_MUL, v128Load: V128_LOAD, f64x2Add: F64X2_ADD, end: END } = OP;

// sums(tasks, ntasks, start, len, shift, _): params 0–5, then i32 locals, then the v128 accumulators.
const [TASKS, NTASKS, START, LEN, SHIFT] = [0, 1, 2, 3, 4];
const [TEND, DST, SRC, LIST, QEND, OFF, Q, A] = [6, 7, 8, 9, 10, 11, 12, 13];
const I32_LOCALS = 8;
const ACC0 = 14;

/**
 * The body of `sums(tasks, ntasks, start, len, shift)` (byte values): for each task {dst, src,
 * list, k} (16 bytes), (dst + shift)[0, len) = (src + shift)[0, len) + Σ_{q < k}
 * row(list[q])[start, start + len) (len a multiple of 128), the rows' byte addresses in the i32
 * list, added in list order. (shift 0: slots of one range; shift = start: whole rows.)
 */
function sumsBody(): number[] {
  const k = new KernelBody();
  // tend = tasks + 16 · ntasks
  k.get(TASKS);
  k.get(NTASKS);
  k.i32(16);
  k.op(I32_MUL, I32_ADD);
  k.set(TEND);
  k.whileBelow(TASKS, TEND, () => {
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 0));
    k.get(SHIFT);
    k.op(I32_ADD);
    k.set(DST);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 4));
    k.get(SHIFT);
    k.op(I32_ADD);
    k.set(SRC);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 8), TEE, LIST);
    k.get(TASKS);
    k.op(I32_LOAD, ...memarg(2, 12));
    k.i32(4);
    k.op(I32_MUL, I32_ADD);
    k.set(QEND);
    // for (off = 0; off < len; off += 128): one tile of 16 values
    k.i32(0);
    k.set(OFF);
    k.whileBelow(OFF, LEN, () => {
      k.sum(A, SRC, OFF);
      k.loadTile(A, ACC0, 8);
      // for (q = list; q < qend; q += 4) acc += row(q) at this tile
      k.get(LIST);
      k.set(Q);
      k.whileBelow(Q, QEND, () => {
        k.get(Q);
        k.op(I32_LOAD, ...memarg(2, 0));
        k.get(START);
        k.op(I32_ADD);
        k.get(OFF);
        k.op(I32_ADD);
        k.set(A);
        for (let v = 0; v < 8; v++) {
          k.get(ACC0 + v);
          k.get(A);
          k.op(...V128_LOAD, ...memarg(4, v * 16), ...F64X2_ADD);
          k.set(ACC0 + v);
        }
        k.advance(Q, 4);
      });
      k.sum(A, DST, OFF);
      k.storeTile(A, ACC0, 8);
      k.advance(OFF, TILE * 8);
    });
    k.advance(TASKS, 16);
  });
  k.op(END);
  return k.f;
}

/** Pages (64 KiB) a shared kernel memory may grow to: 4 GiB, all a 32-bit address reaches. */
const SHARED_MAX_PAGES = 65536;

/** Per thread: the kernel (on a shared memory where the engine allows one) and the table last copied into its memory. */
const sumsKernel = lazyKernel(
  (shared) => kernelsModule(6, [{ name: 'sums', i32Locals: I32_LOCALS, v128Locals: 8, body: sumsBody() }], 1, shared),
  65536,
  SHARED_MAX_PAGES,
);
let loadedTable = 0;
let tables = 0;

/**
 * Per thread: the output regions of the kernel's memory (`FlipTable.region`): Jacobians that the
 * kernel writes in place, whole rows, with no copy out. They start at `base` (above every layout
 * of the table that made the first one); `free` holds released ones by byte length.
 */
const regions = {
  base: 0,
  end: 0,
  live: new WeakMap<Float64Array, number>(),
  free: new Map<number, number[]>(),
};

/** Products of one network's one-hidden-layer Jacobians from its table of ±P_j (see the module comment). */
export class FlipTable {
  /** o·d rounded up to a tile. */
  private readonly len: number;
  /** The table rows, P_j then −P_j (2 · units rows of `len` values). */
  private readonly rows: Float64Array;
  /** Per unit: 1 when a_j is not zero (its rows take part). */
  private readonly live: Uint8Array;
  /** `live` as bits, 32 units per word. */
  private readonly liveBits: Int32Array;
  private readonly chunk: number;
  /** Values from one slot to the next (`chunk` and a tile). */
  private readonly slotStride: number;
  /** Per window slot: steps since its product was made afresh. */
  private depth = new Int32Array(0);
  /** This table's number, to know whether the kernel's memory holds it. */
  private readonly id = ++tables;
  /** Byte offsets in the kernel's memory: zero block, slots, tasks, lists. */
  private zeroAt = 0;
  private slotsAt = 0;
  private tasksAt = 0;
  private listsAt = 0;
  /** Bytes from one sample's slot (or row, in place) to the next. */
  private slotBytes = 0;

  /** The layer's units. */
  readonly units: number;
  private readonly o: number;
  private readonly d: number;
  /** The constant adjoint above the activation, transposed (o × units: output r's row). */
  private readonly adjointT: Float64Array;
  /** The same adjoint, unit-major (units × o: unit j's o values). */
  private readonly adjoint: Float64Array;
  /** Scratch of `offset` (units, and o sums for `offsetFromBits`). */
  private readonly z: Float64Array;
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
    this.adjoint = Float64Array.from(adjoint.subarray(0, units * o));
    this.adjointT = new Float64Array(o * units);
    for (let j = 0; j < units; j++) for (let r = 0; r < o; r++) this.adjointT[r * units + j] = adjoint[j * o + r]!;
    this.z = new Float64Array(Math.max(units, o));
    this.preAtZero = Float64Array.from(m.preAtZero);
    this.len = Math.ceil((o * d) / TILE) * TILE;
    const len = this.len;
    this.rows = new Float64Array(2 * units * len);
    this.live = new Uint8Array(units);
    for (let j = 0; j < units; j++) {
      for (let r = 0; r < o; r++) {
        const a = adjoint[j * o + r]!;
        if (a !== 0) this.live[j] = 1;
        const at = j * len + r * d;
        for (let c = 0; c < d; c++) {
          const v = a * weight[j * d + c]!;
          this.rows[at + c] = v;
          this.rows[(units + j) * len + r * d + c] = -v;
        }
      }
    }
    this.liveBits = new Int32Array(Math.ceil(units / 32));
    for (let j = 0; j < units; j++) this.liveBits[j >>> 5]! |= this.live[j]! << (j & 31);
    this.chunk = Math.max(TILE, Math.min(len, Math.floor(CACHE_BYTES / (16 * units + 8 * ORDER_WINDOW) / TILE) * TILE));
    // One tile more than the range between slots: slots a power of two apart would put every
    // task's tile of one pass in the same few cache sets.
    this.slotStride = this.chunk + TILE;
  }

  /** Table bytes (to bound memory: the caller takes this path only when it is affordable). */
  static bytes(units: number, o: number, d: number): number {
    return 2 * units * Math.ceil((o * d) / TILE) * TILE * 8;
  }

  /** True where the kernel runs (WebAssembly SIMD). */
  static available(): boolean {
    return sumsKernel() !== null;
  }

  /**
   * A batch's Jacobians (count × o × d) in the kernel's memory, for `window` to write in place
   * (each sample's whole row, its parent read back from the same region, and no copy out), or
   * null where that cannot be: no shared memory (the region could not reach another thread
   * without a copy), o·d not a whole number of tiles, or a table that needs more room below the
   * regions than the one that placed them. The view stays valid (a shared memory never moves)
   * until `FlipTable.release`; it is reused after that.
   */
  region(count: number): Float64Array | null {
    const k = sumsKernel();
    const od = this.o * this.d;
    if (!k?.shared || this.len !== od || !Number.isInteger(count) || count < 1) return null;
    const top = Math.max(this.top(ORDER_WINDOW, false), this.top(ORDER_WINDOW, true));
    if (regions.base === 0) regions.base = regions.end = Math.ceil(top / 65536) * 65536;
    else if (top > regions.base) return null;
    const bytes = count * od * 8;
    let at = regions.free.get(bytes)?.pop();
    if (at === undefined) {
      if (regions.end + bytes > SHARED_MAX_PAGES * 65536) return null;
      at = regions.end;
      regions.end += Math.ceil(bytes / 64) * 64;
      growMemory(k.memory, regions.end);
    }
    const view = new Float64Array(k.memory.buffer, at, count * od);
    regions.live.set(view, at);
    return view;
  }

  /** Gives back a view from `region` for reuse (others are ignored); the caller no longer reads it. */
  static release(view: Float64Array): void {
    const at = regions.live.get(view);
    if (at === undefined) return;
    regions.live.delete(view);
    const list = regions.free.get(view.byteLength) ?? [];
    list.push(at);
    regions.free.set(view.byteLength, list);
  }

  /** The top (bytes) of a window's layout of n samples: in place (`direct`) or by column ranges. */
  private top(n: number, direct: boolean): number {
    const rowBytes = this.len * 8;
    const below = 2 * this.units * rowBytes + (direct ? rowBytes : (n + 1) * this.slotStride * 8);
    return below + 16 * n + 4 * this.units * n;
  }

  /**
   * The Jacobians of the window of samples [w0, w0 + n) of the batch's `codes` (rows of `stride`
   * bytes; the activation's code 1 = on), visited along `tree`, into `jacobians` (the batch's,
   * sample-major o × d each). False without WebAssembly SIMD, or where the table does not fit
   * below the regions of `region` (then nothing is written).
   *
   * Per column range, every sample of the window in tree order (a parent's range is made before
   * its children's). Into a region of this thread's kernel, each sample's range goes straight to
   * its row there. Otherwise into one slot per sample of that range only, then copied out; so the
   * slots (n × the range) stay in cache and each value of J is written to memory once.
   */
  window(codes: Uint8Array, stride: number, w0: number, n: number, tree: NearbyTree, jacobians: Float64Array): boolean {
    const k = sumsKernel();
    if (!k) return false;
    const { units, len, chunk } = this;
    const od = this.o * this.d;
    const region = regions.live.get(jacobians);
    const direct = region !== undefined;
    const top = this.top(n, direct);
    if (regions.base > 0 && top > regions.base) return false;
    const rowBytes = len * 8;
    this.slotBytes = direct ? od * 8 : this.slotStride * 8;
    // Layout (bytes): table (2 · units rows), zero block (one range, or a row in place), n slots of
    // one range (none in place: the region's rows), tasks (16 n), lists (≤ units · n i32).
    this.zeroAt = 2 * units * rowBytes;
    this.slotsAt = direct ? region + w0 * this.slotBytes : this.zeroAt + this.slotBytes;
    this.tasksAt = direct ? this.zeroAt + rowBytes : this.slotsAt + n * this.slotBytes;
    this.listsAt = this.tasksAt + 16 * n;
    const grew = growMemory(k.memory, top);
    const f64 = new Float64Array(k.memory.buffer);
    if (grew || loadedTable !== this.id) {
      f64.set(this.rows, 0);
      loadedTable = this.id;
    }
    f64.fill(0, this.zeroAt / 8, this.zeroAt / 8 + (direct ? len : chunk));
    this.tasks(new Int32Array(k.memory.buffer), { codes, stride, w0, n, tree });
    const sums = k.exports['sums'] as (...a: number[]) => void;
    if (direct) {
      for (let c0 = 0; c0 < od; c0 += chunk) sums(this.tasksAt, n, c0 * 8, Math.min(chunk, len - c0) * 8, c0 * 8, 0);
      return true;
    }
    const views = Array.from({ length: n }, (_, slot) =>
      f64.subarray(this.slotsAt / 8 + slot * this.slotStride, this.slotsAt / 8 + slot * this.slotStride + chunk),
    );
    for (let c0 = 0; c0 < od; c0 += chunk) {
      const width = Math.min(chunk, len - c0);
      sums(this.tasksAt, n, c0 * 8, width * 8, 0, 0);
      const copied = Math.min(width, od - c0);
      // One view per slot for the full ranges (made once per window), a new one for the last range.
      for (let slot = 0; slot < n; slot++) {
        const view =
          copied === chunk
            ? views[slot]!
            : f64.subarray(this.slotsAt / 8 + slot * this.slotStride, this.slotsAt / 8 + slot * this.slotStride + copied);
        jacobians.set(view, (w0 + slot) * od + c0);
      }
    }
    return true;
  }

  /**
   * The window's tasks (in tree order: slot of the sample, slot of the parent or the zero block,
   * list of rows, row count) and row lists, in the kernel's memory (`i32`).
   */
  private tasks(i32: Int32Array, b: { codes: Uint8Array; stride: number; w0: number; n: number; tree: NearbyTree }): void {
    if (b.tree.bits && this.activation.at === 0) return this.tasksFromBits(i32, b.w0, b.n, b.tree as Required<NearbyTree>);
    const { codes, stride, w0, n, tree } = b;
    const { units, live } = this;
    const rowBytes = this.len * 8;
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
      const step = this.header(i32, task, { s, p, w0 }, changed < on);
      i32[task + 2] = list * 4;
      let q = 0;
      for (let j = 0; j < units; j++) {
        if (!live[j]) continue;
        const sOn = codes[cs + j] === 1;
        if (step) {
          if (sOn !== (codes[cp + j] === 1)) i32[list + q++] = (sOn ? j : units + j) * rowBytes;
        } else if (sOn) i32[list + q++] = j * rowBytes;
      }
      i32[task + 3] = q;
      list += q;
    }
  }

  /**
   * The task at `task` (i32 index): its sample's slot, and its parent's slot when it steps from the
   * parent (a parent in reach: fewer rows than a fresh product, `fewer`, and a chain of fewer than
   * `MAX_CHAIN` steps), else the zero block; keeps the chain's length. True when it steps.
   */
  private header(i32: Int32Array, task: number, at: { s: number; p: number; w0: number }, fewer: boolean): boolean {
    const { s, p, w0 } = at;
    const depth = this.depth;
    const step = p >= 0 && depth[p - w0]! < MAX_CHAIN && fewer;
    i32[task] = this.slotsAt + (s - w0) * this.slotBytes;
    i32[task + 1] = step ? this.slotsAt + (p - w0) * this.slotBytes : this.zeroAt;
    depth[s - w0] = step ? depth[p - w0]! + 1 : 1;
    return step;
  }

  /**
   * `tasks` from the tree's bit-packed codes (binary codes, the layer's units first): the units
   * that are on, or that differ from the parent, a word of 32 at a time, in ascending order (the
   * lists, and so the sums, are the same as the byte loop's).
   */
  private tasksFromBits(i32: Int32Array, w0: number, n: number, tree: Required<NearbyTree>): void {
    const { units } = this;
    const { words, packed } = tree.bits;
    const live = this.liveBits;
    const used = live.length;
    const rowBytes = this.len * 8;
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
      const step = this.header(i32, task, { s, p, w0 }, changed < on);
      i32[task + 2] = list * 4;
      let q = 0;
      for (let w = 0; w < used; w++) {
        const own = packed[cs + w]!;
        let m = (step ? own ^ packed[cp + w]! : own) & live[w]!;
        while (m !== 0) {
          const low = m & -m;
          const j = 32 * w + 31 - Math.clz32(low);
          // A step adds P_j where the unit turned on, −P_j (row units + j) where it turned off.
          i32[list + q++] = (step && (own & low) === 0 ? units + j : j) * rowBytes;
          m ^= low;
        }
      }
      i32[task + 3] = q;
      list += q;
    }
  }

  /**
   * Sample s's offset y_s = f(x_s) − J_s x_s into `out` (o values at s · o), with J_s x_s =
   * Σ_{j on} a_j (h_j − h_j(0)) from the batch's pre-activations h (`pre`, sample-major) and codes.
   */
  offset(
    batch: { values: Float64Array; pre: Float64Array; codes: Uint8Array; stride: number; bits?: NearbyTree['bits'] },
    s: number,
    out: Float64Array,
  ): void {
    if (batch.bits && this.activation.at === 0) return this.offsetFromBits(batch, batch.bits, s, out);
    const { units, o, adjointT, preAtZero, z } = this;
    const { values, pre, codes, stride } = batch;
    const code = s * stride + this.activation.at;
    const h = s * units;
    // z_j = h_j − h_j(0) for an on unit, 0 for an off one (its products are exact zeros).
    for (let j = 0; j < units; j++) z[j] = codes[code + j] === 1 ? pre[h + j]! - preAtZero[j]! : 0;
    for (let r = 0; r < o; r++) {
      const row = r * units;
      // Two partial sums (independent chains: the loop is bound by add latency otherwise).
      let y0 = 0;
      let y1 = 0;
      let j = 0;
      for (; j + 2 <= units; j += 2) {
        y0 += adjointT[row + j]! * z[j]!;
        y1 += adjointT[row + j + 1]! * z[j + 1]!;
      }
      if (j < units) y0 += adjointT[row + j]! * z[j]!;
      out[s * o + r] = values[s * o + r]! - (y0 + y1);
    }
  }

  /**
   * `offset` over the units that are on (and live), from the tree's bit-packed codes: o running
   * sums, one term a_j (h_j − h_j(0)) per such unit in ascending order (about half the units on
   * MNIST; the byte loop's branch per unit was mispredicted about half the time).
   */
  private offsetFromBits(
    batch: { values: Float64Array; pre: Float64Array },
    bits: NonNullable<NearbyTree['bits']>,
    s: number,
    out: Float64Array,
  ): void {
    const { units, o, adjoint, preAtZero, z, liveBits } = this;
    const { values, pre } = batch;
    const { words, packed } = bits;
    const h = s * units;
    z.fill(0, 0, o);
    for (let w = 0; w < liveBits.length; w++) {
      let m = packed[s * words + w]! & liveBits[w]!;
      while (m !== 0) {
        const low = m & -m;
        const j = 32 * w + 31 - Math.clz32(low);
        const dz = pre[h + j]! - preAtZero[j]!;
        for (let r = 0; r < o; r++) z[r] = z[r]! + adjoint[j * o + r]! * dz;
        m ^= low;
      }
    }
    for (let r = 0; r < o; r++) out[s * o + r] = values[s * o + r]! - z[r]!;
  }
}
