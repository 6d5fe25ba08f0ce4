/**
 * k-dimensional convex polytope cells (k = 1…6) for the partition engine (regions/engine.ts), so
 * that the engine that slices any network in a plane partitions a k-dimensional affine subspace
 * `x0 + D t` of its input space into polytopes.
 *
 * A cell is kept in V- and H-form at once, as in the MLP enumeration (enumerate-split.ts): its
 * vertices, and per vertex the set of its *local* constraints tight there (incidence bitmasks).
 * Local constraint c has an inequality row g_c(t) = row[0] + row[1..k]·t ≤ 0 and a label: the box
 * faces −1 − f (f = 2j: t_j ≤ hi_j, 2j + 1: t_j ≥ lo_j), then the engine's edge labels
 * `edgeLabel(unit, state on the other side)` (geometry/cells.ts). A split classifies the vertices by
 * the sign of the cutting function (the engine's tolerance), and the new vertices are the
 * crossings of the edges between vertices strictly on opposite sides, where two vertices span an
 * edge iff they share at least k − 1 tight constraints and no third vertex is tight on all of them
 * (Fukuda, "Frequently asked questions in polyhedral computation", §2.16). No LP is solved.
 * Constraints tight at fewer than k vertices are no facets and are dropped after each split, so
 * the local constraint list stays the size of the facet list.
 */
import { BOUNDARY } from '../geometry/cells.js';
import type { CellOps } from '../geometry/cells.js';
import { signWithin } from '../geometry/predicates.js';
import { describePolytope } from './enumerate-faces.js';
import type { PolytopeRegion } from './enumerate-types.js';

/** A k-dimensional convex polytope cell (see the module comment). Treated as immutable but for the cached volume. */
export interface KCell {
  readonly nv: number;
  /** Vertices, row-major nv × k. */
  readonly verts: Float64Array;
  /** Number of local constraints. */
  readonly nc: number;
  /** Incidence words per vertex: ceil(nc / 32). */
  readonly W: number;
  /** Tight local constraints per vertex (W words each). */
  readonly inc: Uint32Array;
  /** Label of each local constraint. */
  readonly labels: Int32Array;
  /** Inequality rows g(t) ≤ 0 of the local constraints, nc × (k + 1), constant first. */
  readonly rows: Float64Array;
  /** Volume, cached once computed. */
  volume?: number;
}

/** The label of box face f (f = 2j: t_j ≤ hi_j, 2j + 1: t_j ≥ lo_j). */
export function boxFaceLabel(f: number): number {
  return BOUNDARY - f;
}

/** The axis box `lo_0, hi_0, lo_1, hi_1, …` in k dimensions as a cell. */
export function boxCell(box: readonly number[], k: number): KCell {
  const nv = 1 << k;
  const nc = 2 * k;
  const W = Math.ceil(nc / 32);
  const m = k + 1;
  const verts = new Float64Array(nv * k);
  const inc = new Uint32Array(nv * W);
  for (let v = 0; v < nv; v++) {
    for (let j = 0; j < k; j++) {
      const hi = (v >> j) & 1;
      verts[v * k + j] = box[2 * j + hi]!;
      const f = 2 * j + (hi ? 0 : 1);
      inc[v * W + (f >> 5)] = (inc[v * W + (f >> 5)]! | (1 << (f & 31))) >>> 0;
    }
  }
  const labels = new Int32Array(nc);
  const rows = new Float64Array(nc * m);
  for (let f = 0; f < nc; f++) {
    labels[f] = boxFaceLabel(f);
    const j = f >> 1;
    // t_j − hi ≤ 0, or lo − t_j ≤ 0.
    rows[f * m] = f & 1 ? box[2 * j]! : -box[2 * j + 1]!;
    rows[f * m + 1 + j] = f & 1 ? -1 : 1;
  }
  let volume = 1;
  for (let j = 0; j < k; j++) volume *= box[2 * j + 1]! - box[2 * j]!;
  return { nv, verts, nc, W, inc, labels, rows, volume };
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Incidences as bit sets over the local constraints (for `describePolytope`). */
function cellIncidence(cell: KCell): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < cell.nv; i++) {
    let b = 0n;
    for (let w = cell.W - 1; w >= 0; w--) b = (b << 32n) | BigInt(cell.inc[i * cell.W + w]!);
    out.push(b);
  }
  return out;
}

/** The cell's polytope geometry (faces, triangulation, volume); facet ids are local constraint indices. */
export function describeCell(cell: KCell, k: number, code: Uint8Array, geometry = true): PolytopeRegion {
  return describePolytope(cell.verts, cell.nv, cellIncidence(cell), code, k, geometry);
}

/** Per-run scratch: values and sides of the vertices, the common incidence of a vertex pair. */
class KScratch {
  s = new Float64Array(256);
  side = new Int8Array(256);
  F = new Uint32Array(8);
}

/** The side of one split: the sign kept, the new constraint's label and row sign. */
interface Part {
  readonly sgn: 1 | -1;
  readonly label: number;
}

/**
 * Operations on k-dimensional polytope cells (`CellOps` of the partition engine). Each partition
 * run gets its own scratch (`forRun`).
 */
class KCells implements CellOps<KCell> {
  constructor(
    readonly k: number,
    private readonly sc: KScratch,
    readonly vertexEps = 0,
  ) {}

  forRun(vertexEps = 0): CellOps<KCell> {
    return new KCells(this.k, new KScratch(), vertexEps);
  }

  /** f at vertex i and that vertex's own tolerance `tol + vertexEps · Σ_j |f_j t_j|` (as `pointTolerance`, in k dimensions). */
  private valueAt(cell: KCell, f: ArrayLike<number>, off: number, i: number, tol: number): [number, number] {
    const k = this.k;
    const V = cell.verts;
    let v = f[off]!;
    let spread = 0;
    for (let j = 0; j < k; j++) {
      const term = f[off + 1 + j]! * V[i * k + j]!;
      v += term;
      spread += Math.abs(term);
    }
    return [v, tol + this.vertexEps * spread];
  }

  slackRange(cell: KCell, f: ArrayLike<number>, off: number, tol: number, out: Float64Array): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < cell.nv; i++) {
      const [v, t] = this.valueAt(cell, f, off, i, tol);
      if (v + t < lo) lo = v + t;
      if (v - t > hi) hi = v - t;
    }
    out[0] = lo;
    out[1] = hi;
  }

  range(cell: KCell, f: ArrayLike<number>, off: number, out: Float64Array): void {
    const k = this.k;
    let lo = Infinity;
    let hi = -Infinity;
    const V = cell.verts;
    for (let i = 0; i < cell.nv; i++) {
      let v = f[off]!;
      for (let j = 0; j < k; j++) v += f[off + 1 + j]! * V[i * k + j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    out[0] = lo;
    out[1] = hi;
  }

  bbox(cell: KCell, out: Float64Array): void {
    const k = this.k;
    const V = cell.verts;
    for (let j = 0; j < k; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < cell.nv; i++) {
        const x = V[i * k + j]!;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      out[j] = (lo + hi) / 2;
      out[k + j] = (hi - lo) / 2;
    }
  }

  measure(cell: KCell): number {
    if (cell.volume === undefined) cell.volume = describeCell(cell, this.k, new Uint8Array(0)).volume;
    return cell.volume;
  }

  interior(cell: KCell): Float64Array {
    const k = this.k;
    const c = new Float64Array(k);
    for (let i = 0; i < cell.nv; i++) for (let j = 0; j < k; j++) c[j] = c[j]! + cell.verts[i * k + j]! / cell.nv;
    return c;
  }

  /** Values and sides of the vertices (scratch); returns bit 1 if any is above, bit 2 if any below. */
  private classify(cell: KCell, f: ArrayLike<number>, off: number, tol: number): number {
    const sc = this.sc;
    if (sc.s.length < cell.nv) {
      sc.s = new Float64Array(2 * cell.nv);
      sc.side = new Int8Array(2 * cell.nv);
    }
    let mask = 0;
    for (let i = 0; i < cell.nv; i++) {
      const [v, t] = this.valueAt(cell, f, off, i, tol);
      sc.s[i] = v;
      const s = signWithin(v, t);
      sc.side[i] = s;
      mask |= s > 0 ? 1 : s < 0 ? 2 : 0;
    }
    return mask;
  }

  /** Whether vertices i and j span an edge (their common incidence, left in the scratch, has ≥ k − 1 ids no third vertex shares). */
  private isEdge(cell: KCell, i: number, j: number): boolean {
    const { nv, inc, W } = cell;
    if (this.sc.F.length < W) this.sc.F = new Uint32Array(2 * W);
    const F = this.sc.F;
    let cnt = 0;
    for (let w = 0; w < W; w++) {
      const f = (inc[i * W + w]! & inc[j * W + w]!) >>> 0;
      F[w] = f;
      if (f) cnt += popcount32(f);
    }
    if (cnt < this.k - 1) return false;
    for (let q = 0; q < nv; q++) {
      if (q === i || q === j) continue;
      let sub = true;
      for (let w = 0; w < W; w++) {
        const f = F[w]!;
        if ((inc[q * W + w]! & f) >>> 0 !== f) {
          sub = false;
          break;
        }
      }
      if (sub) return false;
    }
    return true;
  }

  /** New vertices where edges between strictly opposite vertices cross f = 0; incidences in the old words (cut bit added later). */
  private crossings(cell: KCell): { verts: number[]; inc: number[] } {
    const k = this.k;
    const { s, side, F } = this.sc;
    const verts: number[] = [];
    const inc: number[] = [];
    const V = cell.verts;
    for (let i = 0; i < cell.nv; i++) {
      if (side[i] !== -1) continue;
      for (let j = 0; j < cell.nv; j++) {
        if (side[j] !== 1 || !this.isEdge(cell, i, j)) continue;
        const t = s[i]! / (s[i]! - s[j]!);
        for (let q = 0; q < k; q++) verts.push(V[i * k + q]! + t * (V[j * k + q]! - V[i * k + q]!));
        for (let w = 0; w < cell.W; w++) inc.push(F[w]!);
      }
    }
    return { verts, inc };
  }

  /** The part on side `part.sgn` of f (its vertices there and on f = 0, then the crossings), the cut as a new constraint; non-facets dropped. */
  private sidePart(cell: KCell, f: ArrayLike<number>, off: number, part: Part, cross: { verts: number[]; inc: number[] }): KCell {
    const k = this.k;
    const m = k + 1;
    const side = this.sc.side;
    const W0 = cell.W;
    const nc = cell.nc + 1;
    const W = Math.ceil(nc / 32);
    const cut = cell.nc;
    const nNew = cross.verts.length / k;
    let nv = nNew;
    for (let i = 0; i < cell.nv; i++) if (side[i] !== -part.sgn) nv++;
    const verts = new Float64Array(nv * k);
    const inc = new Uint32Array(nv * W);
    let w = 0;
    for (let i = 0; i < cell.nv; i++) {
      if (side[i] === -part.sgn) continue;
      for (let q = 0; q < k; q++) verts[w * k + q] = cell.verts[i * k + q]!;
      for (let q = 0; q < W0; q++) inc[w * W + q] = cell.inc[i * W0 + q]!;
      if (side[i] === 0) inc[w * W + (cut >> 5)] = (inc[w * W + (cut >> 5)]! | (1 << (cut & 31))) >>> 0;
      w++;
    }
    for (let n = 0; n < nNew; n++, w++) {
      for (let q = 0; q < k; q++) verts[w * k + q] = cross.verts[n * k + q]!;
      for (let q = 0; q < W0; q++) inc[w * W + q] = cross.inc[n * W0 + q]!;
      inc[w * W + (cut >> 5)] = (inc[w * W + (cut >> 5)]! | (1 << (cut & 31))) >>> 0;
    }
    const labels = new Int32Array(nc);
    labels.set(cell.labels);
    labels[cut] = part.label;
    const rows = new Float64Array(nc * m);
    rows.set(cell.rows);
    // The kept side: sgn·f ≥ 0, i.e. −sgn·f ≤ 0.
    for (let c = 0; c < m; c++) rows[cut * m + c] = -part.sgn * f[off + c]!;
    return pruneConstraints({ nv, verts, nc, W, inc, labels, rows }, k);
  }

  split(cell: KCell, f: ArrayLike<number>, off: number, tol: number, negLabel: number, posLabel: number): [KCell, KCell] {
    this.classify(cell, f, off, tol);
    const cross = this.crossings(cell);
    return [
      this.sidePart(cell, f, off, { sgn: -1, label: negLabel }, cross),
      this.sidePart(cell, f, off, { sgn: 1, label: posLabel }, cross),
    ];
  }

  clip(cell: KCell, f: ArrayLike<number>, off: number, tol: number, label: number): KCell | null {
    const mask = this.classify(cell, f, off, tol);
    if (!(mask & 1)) return null;
    if (!(mask & 2)) return cell;
    return this.sidePart(cell, f, off, { sgn: 1, label }, this.crossings(cell));
  }
}

/** Drops the local constraints tight at fewer than k vertices (no facets), compacting incidences, labels and rows. */
function pruneConstraints(cell: KCell, k: number): KCell {
  const { nv, nc, W, inc } = cell;
  const count = new Int32Array(nc);
  for (let i = 0; i < nv; i++) for (let c = 0; c < nc; c++) if ((inc[i * W + (c >> 5)]! >>> (c & 31)) & 1) count[c] = count[c]! + 1;
  const keep: number[] = [];
  for (let c = 0; c < nc; c++) if (count[c]! >= k) keep.push(c);
  if (keep.length === nc) return cell;
  const m = k + 1;
  const nc2 = keep.length;
  const W2 = Math.ceil(nc2 / 32);
  const inc2 = new Uint32Array(nv * W2);
  const labels = new Int32Array(nc2);
  const rows = new Float64Array(nc2 * m);
  keep.forEach((c, n) => {
    labels[n] = cell.labels[c]!;
    rows.set(cell.rows.subarray(c * m, c * m + m), n * m);
    for (let i = 0; i < nv; i++)
      if ((inc[i * W + (c >> 5)]! >>> (c & 31)) & 1) inc2[i * W2 + (n >> 5)] = (inc2[i * W2 + (n >> 5)]! | (1 << (n & 31))) >>> 0;
  });
  return { nv, verts: cell.verts, nc: nc2, W: W2, inc: inc2, labels, rows };
}

/**
 * Cell operations for k-dimensional polytopes (k = 1…6) with their own scratch; the engine calls
 * `forRun` once per run, so runs never share it.
 *
 * @example
 * const ops = kCellOps(3);
 * ops.measure(boxCell([0, 1, 0, 2, 0, 3], 3)); // 6
 */
export function kCellOps(k: number): CellOps<KCell> {
  return new KCells(k, new KScratch());
}
