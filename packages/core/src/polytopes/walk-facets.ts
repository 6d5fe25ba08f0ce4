/**
 * One region's rows as the walk decides them: per row 0 undecided, 1 facet (with a crossing point
 * and its clearance), −1 not a facet; and the cheap certificates (zero rows, rows whose hyperplane
 * misses the box, the facet the walk entered through).
 */
import { PolytopeError } from '../errors.js';
import type { HRep } from './walk-hrep.js';
import { dot } from './walk-metric.js';
import type { ActiveRows } from './walk-metric.js';
import type { Entry, WalkRun } from './walk-types.js';

/** Row states. */
export const UNDECIDED = 0;
export const FACET = 1;
export const NOT_FACET = -1;

/** The rows of one region and what is known about each. */
export class RegionFacets {
  readonly nr: number;
  /** ‖Q_r‖ per row. */
  readonly rowNorm: Float64Array;
  /** UNDECIDED, FACET or NOT_FACET per row. */
  readonly state: Int8Array;
  /** Crossing point of each facet (on its hyperplane, clear of the other constraints). */
  readonly crossing: (Float64Array | null)[];
  /** Clearance of each facet's crossing point. */
  readonly clearance: Float64Array;

  /**
   * Representative of each row's coincidence group: rows whose hyperplanes coincide (to the
   * radius tolerance: the same unit normal and offset, e.g. two units with identical or
   * near-identical weights) are one facet, decided once on the group's first row and crossed
   * together (`rep[r] === r` for a row alone or a group's first row).
   */
  readonly rep: Int32Array;
  /** Rows in each group, at the group's representative. */
  private readonly groupSize: Int32Array;
  /** The region's rows divided by their norms (zero rows stay zero): every test works on unit normals. */
  readonly reg: HRep;

  constructor(
    reg: HRep,
    private readonly run: WalkRun,
  ) {
    const { d } = run;
    const nr = reg.p.length;
    this.nr = nr;
    this.reg = unitRows(reg, d, nr);
    this.rowNorm = new Float64Array(nr);
    for (let r = 0; r < nr; r++) this.rowNorm[r] = this.reg.Q.subarray(r * d, r * d + d).some((q) => q !== 0) ? 1 : 0;
    this.rep = coincidentRows(this.reg, d, nr, run.tolerances.radius);
    this.groupSize = new Int32Array(nr);
    for (let r = 0; r < nr; r++) this.groupSize[this.rep[r]!]!++;
    this.state = new Int8Array(nr);
    this.crossing = new Array<Float64Array | null>(nr).fill(null);
    this.clearance = new Float64Array(nr);
  }

  /** Whether row r shares its hyperplane with another row. */
  grouped(r: number): boolean {
    return this.groupSize[this.rep[r]!]! > 1;
  }

  /** Copies each group's decision (state, crossing point, clearance) to the group's other rows. */
  shareGroups(): void {
    for (let r = 0; r < this.nr; r++) {
      const g = this.rep[r]!;
      if (g === r) continue;
      this.state[r] = this.state[g]!;
      this.crossing[r] = this.crossing[g]!;
      this.clearance[r] = this.clearance[g]!;
    }
  }

  /** Flat unit index (into the activation code) of row r. */
  flatUnit(r: number): number {
    const unit = this.reg.rows[r]!;
    return this.run.net.activations[unit.layer]!.offset + unit.unit;
  }

  /**
   * Clearance of a point y (on row r's hyperplane) from every other constraint and the box, the
   * coordinate scale max(1, |y|∞), and y's distance from row r's hyperplane (`off`).
   */
  clearanceOf(y: Float64Array, r: number): { clear: number; scale: number; off: number } {
    const { Q, p } = this.reg;
    const { d, box } = this.run;
    const off = p[r]! - dot(Q, r * d, y, 0, d);
    let clear = Infinity;
    for (let i = 0; i < this.nr; i++) {
      if (this.rep[i] === this.rep[r] || this.rowNorm[i]! === 0) continue;
      clear = Math.min(clear, (p[i]! - dot(Q, i * d, y, 0, d)) / this.rowNorm[i]!);
    }
    for (let j = 0; j < d; j++) clear = Math.min(clear, y[j]! - box.lower[j]!, box.upper[j]! - y[j]!);
    let scale = 1;
    for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(y[j]!));
    return { clear, scale, off: Math.abs(off) / this.rowNorm[r]! };
  }

  /** A facet certificate: y on row r's hyperplane (to the radius tolerance) with clearance above it. */
  accept(r: number, y: Float64Array): boolean {
    const eps = this.run.tolerances.radius;
    const { clear, scale, off } = this.clearanceOf(y, r);
    if (!(clear > eps * scale) || !(off <= eps * scale)) return false;
    this.state[r] = FACET;
    this.crossing[r] = y;
    this.clearance[r] = clear;
    return true;
  }

  /** Number of undecided rows. */
  undecided(): number {
    let open = 0;
    for (let r = 0; r < this.nr; r++) if (this.state[r] === UNDECIDED) open++;
    return open;
  }

  /** The rows not known to be non-facets, packed (`active[k]`: the region row of packed row k). */
  activeRows(): { rows: ActiveRows; active: number[] } {
    const { d } = this.run;
    const { Q, p } = this.reg;
    const active: number[] = [];
    for (let r = 0; r < this.nr; r++) if (this.state[r] !== NOT_FACET) active.push(r);
    const n = active.length;
    const Qa = new Float64Array(n * d);
    const pa = new Float64Array(n);
    active.forEach((r, i) => {
      Qa.set(Q.subarray(r * d, r * d + d), i * d);
      pa[i] = p[r]!;
    });
    return { rows: { Qa, pa, n, d }, active };
  }
}

/**
 * Rows with a zero normal (units constant on the region): not facets. Rows that repeat an earlier
 * row's hyperplane are set aside too (decided with their group's first row, `shareGroups`).
 */
export function markZeroRows(f: RegionFacets, run: WalkRun): void {
  for (let r = 0; r < f.nr; r++) {
    if (f.rep[r] !== r) f.state[r] = NOT_FACET;
    else if (f.rowNorm[r]! === 0) {
      f.state[r] = NOT_FACET;
      run.cert.zeroRows++;
    }
  }
}

/** Rows whose hyperplane misses the box (max over the box of Q_r z ≤ p_r, to the radius tolerance): not facets. */
export function markBoxRedundant(f: RegionFacets, run: WalkRun): void {
  const { d, box } = run;
  const { Q, p } = f.reg;
  for (let r = 0; r < f.nr; r++) {
    if (f.state[r] !== UNDECIDED) continue;
    let top = 0;
    const rr = r * d;
    for (let j = 0; j < d && top < Infinity; j++) {
      const q = Q[rr + j]!;
      if (q > 0) top += q * box.upper[j]!;
      else if (q < 0) top += q * box.lower[j]!;
    }
    if (top - p[r]! <= run.tolerances.radius * f.rowNorm[r]!) {
      f.state[r] = NOT_FACET;
      run.cert.boxRedundant++;
    }
  }
}

/** The facet the walk came through: its crossing point, checked against this region's rows. Returns its row (−1: none). */
export function acceptEntry(f: RegionFacets, run: WalkRun, entry: Entry | null): number {
  if (!entry) return -1;
  for (let r = 0; r < f.nr; r++) {
    if (f.flatUnit(r) !== entry.unit) continue;
    const g = f.rep[r]!;
    if (f.state[g] === UNDECIDED && f.accept(g, Float64Array.from(entry.y))) {
      run.cert.entryFacets++;
      return g;
    }
  }
  return -1;
}

/** The parent's centre mirrored across the entry facet (row e): a start hint for the analytic centre. */
export function mirroredHint(f: RegionFacets, d: number, e: number, centre: Float64Array): Float64Array {
  const { Q, p } = f.reg;
  let v = -p[e]!;
  for (let j = 0; j < d; j++) v += Q[e * d + j]! * centre[j]!;
  const s = (2 * v) / (f.rowNorm[e]! * f.rowNorm[e]!);
  const hint = new Float64Array(d);
  for (let j = 0; j < d; j++) hint[j] = centre[j]! - s * Q[e * d + j]!;
  return hint;
}

/**
 * The rows of `reg` divided by their Euclidean norms, computed without overflow or underflow
 * (scaled by the largest entry first: weights of 1e300 or 1e-300 give unit rows, not ∞ or 0).
 * A non-finite entry means the network's values overflow float64 on this region: an error.
 */
function unitRows(reg: HRep, d: number, nr: number): HRep {
  const Q = new Float64Array(nr * d);
  const p = new Float64Array(nr);
  for (let r = 0; r < nr; r++) {
    const o = r * d;
    let big = Math.abs(reg.p[r]!);
    for (let j = 0; j < d; j++) big = Math.max(big, Math.abs(reg.Q[o + j]!));
    if (!Number.isFinite(big))
      throw new PolytopeError('non-finite', `region row ${r} has a non-finite coefficient: the network's values overflow float64 here`);
    let top = 0;
    for (let j = 0; j < d; j++) top = Math.max(top, Math.abs(reg.Q[o + j]!));
    if (top === 0) {
      p[r] = reg.p[r]!;
      continue;
    }
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const q = reg.Q[o + j]! / top;
      ss += q * q;
    }
    const norm = Math.sqrt(ss);
    for (let j = 0; j < d; j++) Q[o + j] = reg.Q[o + j]! / top / norm;
    p[r] = reg.p[r]! / top / norm;
  }
  return { code: reg.code, rows: reg.rows, Q, p };
}

/** Fixed pseudo-random weights in [−1, 1) (golden-ratio sequence) for the coincidence hash. */
function hashWeight(j: number): number {
  const g = (j + 1) * 0.6180339887498949;
  return 2 * (g - Math.floor(g)) - 1;
}

/**
 * Groups of coincident unit rows: ‖Q̂_i − Q̂_r‖∞ ≤ eps and |p̂_i − p̂_r| ≤ eps·max(1, |p̂_r|). Rows are
 * sorted by a fixed linear hash of (Q̂, p̂); coincident rows have hashes within a bound of each
 * other, so only rows inside that window are compared (O(n log n + n d) for distinct rows).
 * Returns each row's representative (the group's lowest index).
 */
function coincidentRows(reg: HRep, d: number, nr: number, eps: number): Int32Array {
  const { Q, p } = reg;
  const w = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) w[j] = hashWeight(j);
  const hash = new Float64Array(nr);
  let pMax = 1;
  for (let r = 0; r < nr; r++) {
    hash[r] = w[d]! * p[r]! + dot(Q, r * d, w, 0, d);
    pMax = Math.max(pMax, Math.abs(p[r]!));
  }
  const window = 2 * eps * (pMax + d);
  // Zero rows (no hyperplane: 0 ≤ p, decided by `markZeroRows`) are left out: a CNN region over a
  // blank image area has thousands of them with equal p (max-pool ties of equal candidates), which
  // made this window quadratic (6 s for 10,296 rows of cnn28).
  const order = Array.from({ length: nr }, (_, i) => i)
    .filter((r) => !isZeroRow(Q, r, d))
    .sort((a, b) => hash[a]! - hash[b]! || a - b);
  const m = order.length;
  const rep = Int32Array.from({ length: nr }, (_, i) => i);
  for (let a = 0; a < m; a++) {
    const i = order[a]!;
    for (let b = a + 1; b < m && hash[order[b]!]! - hash[i]! <= window; b++) {
      const k = order[b]!;
      if (!sameRow(Q, p, i, k, d, eps)) continue;
      const ri = root(rep, i);
      const rk = root(rep, k);
      rep[Math.max(ri, rk)] = Math.min(ri, rk);
    }
  }
  for (let r = 0; r < nr; r++) rep[r] = root(rep, r);
  return rep;
}

/** Whether row r's normal is zero. */
function isZeroRow(Q: Float64Array, r: number, d: number): boolean {
  for (let j = r * d; j < r * d + d; j++) if (Q[j] !== 0) return false;
  return true;
}

/** Whether unit rows i and k describe the same hyperplane to `eps`. */
function sameRow(Q: Float64Array, p: Float64Array, i: number, k: number, d: number, eps: number): boolean {
  if (Math.abs(p[i]! - p[k]!) > eps * Math.max(1, Math.abs(p[i]!))) return false;
  for (let j = 0; j < d; j++) if (Math.abs(Q[i * d + j]! - Q[k * d + j]!) > eps) return false;
  return true;
}

/** Union–find root of r (the lowest index of its group once all unions are done). */
function root(rep: Int32Array, r: number): number {
  let g = r;
  while (rep[g]! !== g) g = rep[g]!;
  return g;
}
