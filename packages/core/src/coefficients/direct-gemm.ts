/**
 * The input-layer product of the batched Jacobians, J_s += G_sᵀ W (G_s: the adjoint of a dense
 * node that reads the input, unit-major with o columns; W: its weight with the input chain's
 * scale folded in), on the float64 WebAssembly SIMD kernel (network/gemm64.ts).
 *
 * For a dense-128 MNIST net this product is about 90 % of the work of a Jacobian. Per sample, only
 * the units whose adjoint row is not zero take part (after a ReLU about half): their rows of W are
 * read in place in the kernel's memory through a row list, their adjoint columns packed as A
 * (o rows, padded to the tile's rows, × active units), and one product C = A · W_active gives the
 * sample's o × d contribution. Decision: not one GEMM over the whole batch, because samples have
 * different active units and a dense product over all units would do twice the work.
 *
 * Samples of a batch often differ in few units, so each sample's product C_s is kept (one slot per
 * sample of the batch) and a sample whose parent — a sample visited before it — has close codes
 * starts from the parent's C and multiplies only the rows of G that differ (see `accumulate`);
 * `affineMapsBatch` visits each batch along a minimum spanning tree of the codes' Hamming distances.
 *
 * Memory of the kernel (float64 offsets): [W of every direct node, then its C slots][a zero block]
 * [row list][A]. The kernel's
 * memory is shared with the forward pass's convolution product (which writes from offset 0), so
 * the weights are copied in by `load` at the start of each batch's reverse phase, after the
 * forward pass, and nothing else may run a product on the kernel until the batch is done.
 */
import { InternalError } from '../errors.js';
import type { Gemm64 } from '../network/gemm64.js';
import { gemm64Reserve } from '../network/gemm64.js';

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Rows per tile of the product: 5 where the outputs are a multiple of 5 and not of 4 (10 classes: no padding rows), else 4. */
const tileRows = (o: number): 4 | 5 => (o % 5 === 0 && o % 4 !== 0 ? 5 : 4);

/** One dense node that writes J directly: its folded weight (units × d, row-major) and where it sits in the kernel's memory. */
interface DirectNode {
  readonly units: number;
  readonly weight: Float64Array;
  /** Where its weight sits in the kernel's memory (float64 offset). */
  at: number;
  /** Where the C slots (m4 × d4 each, one per sample of the batch) start. */
  cAt: number;
  /** Each slot's adjoint G (units × o per slot). */
  prev: Float64Array;
}

/**
 * Steps from a fresh product after which C is computed afresh instead of from the parent's, so
 * the rounding of the running differences cannot build up (each step adds a few roundings of the
 * size of J).
 */
const MAX_CHAIN = 128;

/** Products J += Gᵀ W on the kernel, for the direct dense nodes of one network and one thread. */
export class DirectGemm {
  private readonly nodes = new Map<number, DirectNode>();
  private readonly d: number;
  private readonly d4: number;
  /** Rows of A and C: o rounded up to a multiple of the kernel's tile rows. */
  private readonly m4: number;
  private readonly tile: 4 | 5;
  private readonly maxUnits: number;
  /** Float64 offsets of the zero block (m4 × d4, a fresh product's source), the row list (i32 entries) and A. */
  private zeroAt = 0;
  private listAt = 0;
  private aAt = 0;
  /** Samples the slots hold. */
  private slots = 0;
  /** Per slot: differences applied since its last fresh product (0: the slot holds nothing). */
  private depth = new Int32Array(0);
  private readonly active: Int32Array;
  private readonly diff: Int32Array;

  /** `direct[i]`: node i's folded weight (units × d) when it writes J directly, else undefined. */
  constructor(
    private readonly kernel: Gemm64,
    direct: readonly (Float64Array | undefined)[],
    d: number,
    private readonly o: number,
  ) {
    this.d = d;
    this.d4 = roundUp4(d);
    this.tile = tileRows(o);
    this.m4 = Math.ceil(o / this.tile) * this.tile;
    let maxUnits = 0;
    direct.forEach((w, i) => {
      if (!w) return;
      const units = w.length / d;
      this.nodes.set(i, { units, weight: w, at: 0, cAt: 0, prev: new Float64Array(0) });
      maxUnits = Math.max(maxUnits, units);
    });
    this.maxUnits = maxUnits;
    this.active = new Int32Array(maxUnits);
    this.diff = new Int32Array(maxUnits);
  }

  /**
   * Lays out the kernel's memory for a batch of `count` samples (slots 0 … count − 1) and copies
   * every direct node's weight in (rows padded to d4 with zeros); forgets every slot.
   */
  load(count: number): void {
    const { d, d4, m4, o } = this;
    const block = m4 * d4;
    let at = 0;
    for (const n of this.nodes.values()) {
      n.at = at;
      n.cAt = at + n.units * d4;
      at = n.cAt + count * block;
      if (n.prev.length < count * n.units * o) n.prev = new Float64Array(count * n.units * o);
    }
    this.zeroAt = at;
    this.listAt = at + block;
    this.aAt = this.listAt + Math.ceil(this.maxUnits / 2);
    const mem = gemm64Reserve(this.kernel, this.aAt + m4 * this.maxUnits);
    mem.fill(0, this.zeroAt, this.zeroAt + block);
    for (const n of this.nodes.values()) {
      if (d4 === d) mem.set(n.weight, n.at);
      else {
        mem.fill(0, n.at, n.at + n.units * d4);
        for (let j = 0; j < n.units; j++) mem.set(n.weight.subarray(j * d, (j + 1) * d), n.at + j * d4);
      }
    }
    this.slots = count;
    if (this.depth.length < count) this.depth = new Int32Array(count);
    this.depth.fill(0, 0, count);
  }

  /** True when node i writes J through this product. */
  has(i: number): boolean {
    return this.nodes.has(i);
  }

  /**
   * jac (o × d, row-major) += gᵀ W_i for the sample of slot `slot`, g unit-major (units × o). `load`
   * must have run for this batch since the last foreign use of the kernel. With a `parent` slot
   * (≥ 0, computed earlier in this batch) whose G differs from g in fewer rows than g has non-zero
   * rows, C starts from the parent's product and only the difference is multiplied
   * (C_s = C_p + (g_s − g_p)ᵀ W: for a one-hidden-layer net the rows whose unit flipped); else
   * C_s = gᵀ W over the non-zero rows. With `overwrite`, jac's previous content is ignored (jac = gᵀ W).
   * `changed`, when the caller knows it: every row where g may differ from the parent's (a superset
   * is fine: equal rows add an exact zero), and `live` at least the rows of g that are not zero;
   * then g is not compared with the parent's row by row.
   */
  // eslint-disable-next-line @typescript-eslint/max-params -- the per-sample hot call (ReversePass.run)
  accumulate(
    i: number,
    g: Float64Array,
    jac: Float64Array,
    overwrite: boolean,
    slot: number,
    parent: number,
    changed?: Int32Array,
    live = 0,
  ): void {
    const n = this.nodes.get(i)!;
    const { o, d, d4, m4, active, diff } = this;
    if (slot < 0 || slot >= this.slots) throw new InternalError(`direct product slot ${slot} outside the batch of ${this.slots}`);
    const size = n.units * o;
    const prev = n.prev;
    const depth = this.depth;
    const usable = parent >= 0 && parent < this.slots && parent !== slot && depth[parent]! > 0 && depth[parent]! < MAX_CHAIN;
    const base = usable ? parent * size : 0;
    let a = 0;
    let h = 0;
    // With the changed rows given, fewer than the live rows and at most a quarter of the units
    // (dense-128 on MNIST: 13 of 128 on average), the delta is taken without a scan of g. Otherwise
    // the scan counts both and the cheaper of delta and fresh product runs (a sample whose units are
    // all off gets a fresh product of no rows: an exact zero J).
    const known = usable && changed !== undefined && changed.length < live && 4 * changed.length <= n.units;
    if (known) {
      h = changed.length;
      a = n.units;
    } else
      for (let j = 0; j < n.units; j++) {
        let nz = false;
        let ch = false;
        const gj = j * o;
        for (let r = 0; r < o; r++) {
          const v = g[gj + r]!;
          if (v !== 0) nz = true;
          if (usable && v !== prev[base + gj + r]) ch = true;
        }
        if (nz) active[a++] = j;
        if (ch) diff[h++] = j;
      }
    const mem = this.kernel.f64;
    const block = m4 * d4;
    const cAt = n.cAt + slot * block;
    const delta = usable && h < a;
    const rows = delta ? (known ? changed : diff) : active;
    const k = delta ? h : a;
    const list = new Int32Array(mem.buffer, this.listAt * 8, k);
    for (let q = 0; q < k; q++) list[q] = (n.at + rows[q]! * d4) * 8;
    // A k-major (the kernel's layout for nnRowsFrom): row q holds unit rows[q]'s o values, padded to m4.
    const aAt = this.aAt;
    for (let q = 0; q < k; q++) {
      const at = aAt + q * m4;
      const gj = rows[q]! * o;
      if (delta) for (let r = 0; r < o; r++) mem[at + r] = g[gj + r]! - prev[base + gj + r]!;
      else for (let r = 0; r < o; r++) mem[at + r] = g[gj + r]!;
      for (let r = o; r < m4; r++) mem[at + r] = 0;
    }
    const src = delta ? n.cAt + parent * block : this.zeroAt;
    (this.tile === 5 ? this.kernel.nnRowsFrom5 : this.kernel.nnRowsFrom)(aAt * 8, this.listAt * 8, cAt * 8, m4, d4, k, src * 8);
    prev.set(g.subarray(0, size), slot * size);
    depth[slot] = delta ? depth[parent]! + 1 : 1;
    if (overwrite && d4 === d) {
      jac.set(mem.subarray(cAt, cAt + o * d));
      return;
    }
    for (let r = 0; r < o; r++) {
      const jr = r * d;
      const cr = cAt + r * d4;
      if (overwrite) jac.set(mem.subarray(cr, cr + d), jr);
      else for (let c = 0; c < d; c++) jac[jr + c] = jac[jr + c]! + mem[cr + c]!;
    }
  }
}
