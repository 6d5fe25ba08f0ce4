/**
 * One region's rows as the walk decides them: per row 0 undecided, 1 facet (with a crossing point
 * and its clearance), −1 not a facet; and the cheap certificates (zero rows, rows whose hyperplane
 * misses the box, the facet the walk entered through).
 */
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

  constructor(
    readonly reg: HRep,
    private readonly run: WalkRun,
  ) {
    const { d } = run;
    const nr = reg.p.length;
    this.nr = nr;
    this.rowNorm = new Float64Array(nr);
    for (let r = 0; r < nr; r++) this.rowNorm[r] = Math.sqrt(dot(reg.Q, r * d, reg.Q, r * d, d));
    this.state = new Int8Array(nr);
    this.crossing = new Array<Float64Array | null>(nr).fill(null);
    this.clearance = new Float64Array(nr);
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
      if (i === r || this.rowNorm[i]! === 0) continue;
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

/** Rows with a zero normal (units constant on the region): not facets. */
export function markZeroRows(f: RegionFacets, run: WalkRun): void {
  for (let r = 0; r < f.nr; r++) {
    if (f.rowNorm[r]! === 0) {
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
    if (f.state[r] === UNDECIDED && f.flatUnit(r) === entry.unit && f.accept(r, Float64Array.from(entry.y))) {
      run.cert.entryFacets++;
      return r;
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
