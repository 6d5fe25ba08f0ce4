/**
 * The input-layer product of the batched Jacobians, J_s += G_sᵀ W (G_s: the adjoint of a dense
 * node that reads the input, unit-major with o columns; W: its weight with the input chain's
 * scale folded in), on the float64 WebAssembly SIMD kernel (network/gemm64.ts).
 *
 * For a dense-128 MNIST net this product is about 90 % of the work of a Jacobian. Per sample, only
 * the units whose adjoint row is not zero take part (after a ReLU about half): their rows of W are
 * gathered inside the kernel's memory (one `copyWithin` each), their adjoint columns packed as A
 * (o rows, padded to a multiple of 4, × active units), and one product C = A · W_active gives the
 * sample's o × d contribution. Decision: not one GEMM over the whole batch, because samples have
 * different active units and a dense product over all units would do twice the work; the gathered
 * copy costs about 1/o of the product.
 *
 * Consecutive samples often differ in few units, so C keeps the previous sample's product and only
 * the rows of G that changed are multiplied (see `accumulate`); `affineMapsBatch` orders each batch
 * so that neighbours have close activation codes.
 *
 * Memory of the kernel (float64 offsets): [W and C of every direct node][row list][A]. The kernel's
 * memory is shared with the forward pass's convolution product (which writes from offset 0), so
 * the weights are copied in by `load` at the start of each batch's reverse phase, after the
 * forward pass, and nothing else may run a product on the kernel until the batch is done.
 */
import type { Gemm64 } from '../network/gemm64.js';
import { gemm64Reserve } from '../network/gemm64.js';

const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Rows per tile of the product: 5 where the outputs are a multiple of 5 and not of 4 (10 classes: no padding rows), else 4. */
const tileRows = (o: number): 4 | 5 => (o % 5 === 0 && o % 4 !== 0 ? 5 : 4);

/** One dense node that writes J directly: its folded weight (units × d, row-major) and where it sits in the kernel's memory. */
interface DirectNode {
  readonly units: number;
  readonly weight: Float64Array;
  /** Where its weight sits in the kernel's memory. */
  readonly at: number;
  /** Where its running product C (m4 × d4) sits. */
  readonly cAt: number;
  /** The previous sample's adjoint (units × o). */
  readonly prev: Float64Array;
  /** Samples since C was last computed afresh (0: C holds nothing). */
  chain: number;
}

/**
 * Samples after which C is computed afresh instead of from the previous sample, so the rounding of
 * the running differences cannot build up (each step adds a few roundings of the size of J).
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
  /** Where the row list of `nnRows` sits (float64 offset; i32 entries). */
  private readonly listAt: number;
  private readonly aAt: number;
  private readonly end: number;
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
    let at = 0;
    let maxUnits = 0;
    direct.forEach((w, i) => {
      if (!w) return;
      const units = w.length / d;
      this.nodes.set(i, { units, weight: w, at, cAt: at + units * this.d4, prev: new Float64Array(units * o), chain: 0 });
      at += units * this.d4 + this.m4 * this.d4;
      maxUnits = Math.max(maxUnits, units);
    });
    this.listAt = at;
    this.aAt = this.listAt + Math.ceil(maxUnits / 2);
    this.end = this.aAt + this.m4 * maxUnits;
    this.active = new Int32Array(maxUnits);
    this.diff = new Int32Array(maxUnits);
  }

  /** Copies every direct node's weight into the kernel's memory (rows padded to d4 with zeros). */
  load(): void {
    const mem = gemm64Reserve(this.kernel, this.end);
    this.reset();
    const { d, d4 } = this;
    for (const n of this.nodes.values()) {
      if (d4 === d) mem.set(n.weight, n.at);
      else {
        mem.fill(0, n.at, n.at + n.units * d4);
        for (let j = 0; j < n.units; j++) mem.set(n.weight.subarray(j * d, (j + 1) * d), n.at + j * d4);
      }
    }
  }

  /** True when node i writes J through this product. */
  has(i: number): boolean {
    return this.nodes.has(i);
  }

  /** Forgets the previous sample (call at the start of a batch, with `load`). */
  reset(): void {
    for (const n of this.nodes.values()) n.chain = 0;
  }

  /**
   * jac (o × d, row-major) += gᵀ W_i, g unit-major (units × o). `load` must have run since the last
   * foreign use of the kernel. When fewer rows of g differ from the previous sample's than are
   * non-zero, C keeps the previous sample's product and only the difference is multiplied
   * (J_s = J_{s−1} + (g_s − g_{s−1})ᵀ W): for a one-hidden-layer net the rows whose unit flipped.
   * With `overwrite`, jac's previous content is ignored (jac = gᵀ W).
   */
  accumulate(i: number, g: Float64Array, jac: Float64Array, overwrite: boolean): void {
    const n = this.nodes.get(i)!;
    const { o, d, d4, m4, active } = this;
    const prev = n.prev;
    let a = 0;
    let h = 0;
    const diff = this.diff;
    for (let j = 0; j < n.units; j++) {
      let nz = false;
      let ch = false;
      for (let r = 0; r < o; r++) {
        const v = g[j * o + r]!;
        if (v !== 0) nz = true;
        if (v !== prev[j * o + r]) ch = true;
      }
      if (nz) active[a++] = j;
      if (ch) diff[h++] = j;
    }
    const mem = this.kernel.f64;
    const cAt = n.cAt;
    const delta = n.chain > 0 && n.chain < MAX_CHAIN && h < a;
    const rows = delta ? diff : active;
    const k = delta ? h : a;
    if (!delta) mem.fill(0, cAt, cAt + m4 * d4);
    const list = new Int32Array(mem.buffer, this.listAt * 8, k);
    for (let q = 0; q < k; q++) list[q] = (n.at + rows[q]! * d4) * 8;
    const aAt = this.aAt;
    for (let r = 0; r < m4; r++) {
      const row = aAt + r * k;
      if (r >= o) mem.fill(0, row, row + k);
      else if (delta) for (let q = 0; q < k; q++) mem[row + q] = g[rows[q]! * o + r]! - prev[rows[q]! * o + r]!;
      else for (let q = 0; q < k; q++) mem[row + q] = g[rows[q]! * o + r]!;
    }
    if (k > 0) (this.tile === 5 ? this.kernel.nnRows5 : this.kernel.nnRows)(aAt * 8, this.listAt * 8, cAt * 8, m4, d4, k);
    prev.set(g.subarray(0, n.units * o));
    n.chain = delta ? n.chain + 1 : 1;
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
