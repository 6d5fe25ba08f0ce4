/**
 * Facet certificates by ray shooting, no LP: rays from an interior point c along the metric
 * direction H⁻¹Q_r (the direction maximizing Q_r over the Dikin ellipsoid at c). A ray blocked by
 * another row or a box side is retried with the blockers projected out in the H⁻¹ metric; a hit
 * point with clearance certifies row r as a facet. Rows the rays miss may get a short
 * affine-scaling path (step towards the first blocker, new metric, shoot again) when the walk's
 * cost model says it beats an LP.
 */
import { gaussianEliminate, solveEliminated } from '../geometry/linalg.js';
import type { RegionFacets } from './walk-facets.js';
import { UNDECIDED } from './walk-facets.js';
import { barrierMetric, dot, identityMetric } from './walk-metric.js';
import type { ActiveRows, Direction, Metric } from './walk-metric.js';
import type { WalkRun } from './walk-types.js';

/** Blocked-ray retries per ray (each projects out one more blocker). */
const RAY_TRIES = 10;
/** Affine-scaling steps per row before its LP. */
const AFFINE_STEPS = 6;
/** An affine step goes this fraction of the way to the first blocker of the plain ray. */
const AFFINE_FRACTION = 0.9;
/** Cost model (flops): HiGHS costs about this much per matrix entry … */
const LP_COST_PER_ENTRY = 1250;
/** … plus this per LP; a ray costs this on top of its products (both within ~2× of timings at d = 20…784). */
const LP_COST_FIXED = 2e5;
const RAY_COST_FIXED = 2e4;

/** The interior point the rays start from, with its slacks and metric (null: identity, no affine steps). */
export interface RayOrigin {
  readonly rows: ActiveRows;
  /** Region row of each active row. */
  readonly active: readonly number[];
  readonly centre: Float64Array;
  readonly slacks: Float64Array;
  readonly metric: Metric | null;
}

/** Outcome of one ray: the hit point on row k (null: missed), the first try's direction and how far it got. */
interface RayHit {
  readonly y: Float64Array | null;
  readonly u: Float64Array;
  readonly rates: Float64Array;
  tmin: number;
}

/** Constraints that blocked earlier tries: directions H⁻¹a_b with their rates, and which constraint each is. */
interface Blockers {
  readonly dirs: Float64Array[];
  readonly dirRates: Float64Array[];
  /** Active-row index, or −1 − j for box coordinate j. */
  readonly row: number[];
  readonly sign: number[];
}

/** The first constraint the ray o + t·u meets: its parameter, and which (row `first`, or box side `box` with `sign`). */
function firstBlocker(
  run: WalkRun,
  rows: ActiveRows,
  k: number,
  ray: { o: Float64Array; so: Float64Array; u: Float64Array; rates: Float64Array },
): { tmin: number; first: number; box: number; sign: number } {
  const { o, so, u, rates } = ray;
  const { lower, upper } = run.box;
  let tmin = so[k]! / rates[k]!;
  let first = k;
  let box = -1;
  let sign = 0;
  for (let i = 0; i < rows.n; i++) {
    if (i === k) continue;
    const ri = rates[i]!;
    if (ri > 0) {
      const ti = so[i]! / ri;
      if (ti <= tmin) {
        tmin = ti;
        first = i;
      }
    }
  }
  for (let j = 0; j < rows.d; j++) {
    const uj = u[j]!;
    if (uj > 0) {
      const tj = (upper[j]! - o[j]!) / uj;
      if (tj <= tmin) {
        tmin = tj;
        box = j;
        sign = 1;
      }
    } else if (uj < 0) {
      const tj = (lower[j]! - o[j]!) / uj;
      if (tj <= tmin) {
        tmin = tj;
        box = j;
        sign = -1;
      }
    }
  }
  return { tmin, first, box, sign };
}

/** a_b · w for blocker b and a direction w with rates wr. */
function dotBlocker(B: Blockers, b: number, w: Float64Array, wr: Float64Array): number {
  return B.row[b]! >= 0 ? wr[B.row[b]!]! : B.sign[b]! * w[-1 - B.row[b]!]!;
}

/**
 * u = base − Σ_b β_b H⁻¹a_b with β solving Σ_b' (a_b·H⁻¹a_b') β_b' = a_b·base (so a_b·u = 0: the ray
 * moves parallel to every blocker). The system is a Gram matrix in the H⁻¹ metric; its pivots are
 * tested relative to its diagonal (`WalkTolerances.pivot`), so the test is scale-free. Null when
 * the blockers are (numerically) dependent.
 */
function projectBlockers(B: Blockers, base: Direction, rows: ActiveRows, pivotEps: number): Direction | null {
  const nb = B.dirs.length;
  const w = nb + 1;
  const A = new Float64Array(nb * w);
  for (let a = 0; a < nb; a++) {
    for (let b = 0; b < nb; b++) A[a * w + b] = dotBlocker(B, a, B.dirs[b]!, B.dirRates[b]!);
    A[a * w + nb] = dotBlocker(B, a, base.u, base.rates);
  }
  const diag = new Float64Array(nb);
  for (let a = 0; a < nb; a++) diag[a] = Math.abs(A[a * w + a]!);
  const pivots = new Int32Array(2 * nb);
  const rank = gaussianEliminate(A, nb, nb, w, pivots, { threshold: (i, j) => pivotEps * Math.sqrt(diag[i]! * diag[j]!) });
  if (rank < nb) return null;
  const beta = solveEliminated(A, nb, nb, w, nb, pivots);
  const u = Float64Array.from(base.u);
  const rates = Float64Array.from(base.rates);
  for (let b = 0; b < nb; b++) {
    const bb = beta[b]!;
    const wb = B.dirs[b]!;
    const wr = B.dirRates[b]!;
    for (let j = 0; j < rows.d; j++) u[j] = u[j]! - bb * wb[j]!;
    for (let i = 0; i < rows.n; i++) rates[i] = rates[i]! - bb * wr[i]!;
  }
  return { u, rates };
}

/**
 * Ray from o (slacks so) along u = H⁻¹(Q_k − Σ_b β_b a_b), the a_b the normals of the rows and box
 * sides that blocked earlier tries. The first constraint it meets is a facet; when that is row k,
 * the hit point is a candidate crossing point for k. Also returns the first try's direction and
 * how far it got (for an affine-scaling step).
 */
function rayHit(
  run: WalkRun,
  rows: ActiveRows,
  k: number,
  from: { o: Float64Array; so: Float64Array; metric: Metric },
  tries: number,
): RayHit {
  const { o, so, metric } = from;
  const base = metric.row(k);
  const first0: RayHit = { y: null, u: base.u, rates: base.rates, tmin: 0 };
  if (!(so[k]! > 0)) return first0;
  const B: Blockers = { dirs: [], dirRates: [], row: [], sign: [] };
  let dir: Direction = base;
  for (let attempt = 0; attempt < tries; attempt++) {
    run.cert.rays++;
    if (!(dir.rates[k]! > 0)) return first0;
    const hit = firstBlocker(run, rows, k, { o, so, u: dir.u, rates: dir.rates });
    if (hit.box < 0 && hit.first === k) {
      // The hit point, with the rate of row k taken directly (y then lies on its hyperplane to
      // rounding, whatever the accuracy of the other rates).
      const rate = dot(rows.Qa, k * rows.d, dir.u, 0, rows.d);
      if (!(rate > 0)) return first0;
      const t = so[k]! / rate;
      const y = new Float64Array(rows.d);
      for (let j = 0; j < rows.d; j++) y[j] = o[j]! + t * dir.u[j]!;
      return { ...first0, y };
    }
    if (attempt === 0) first0.tmin = hit.tmin;
    const w = hit.box >= 0 ? metric.coord(hit.box, hit.sign) : metric.row(hit.first);
    B.row.push(hit.box >= 0 ? -1 - hit.box : hit.first);
    B.sign.push(hit.box >= 0 ? hit.sign : 1);
    B.dirs.push(w.u);
    B.dirRates.push(w.rates);
    const next = projectBlockers(B, base, rows, run.tolerances.pivot);
    if (!next) return first0;
    dir = next;
  }
  return first0;
}

/**
 * Affine scaling for row k (region row r) after its ray from the centre missed: step 90% of the
 * way to the first blocker of the plain ray, take the barrier metric there and shoot again (the
 * path bends away from the blockers). Returns whether a facet certificate was found.
 */
function affinePath(
  run: WalkRun,
  f: RegionFacets,
  origin: RayOrigin,
  target: { k: number; r: number; hit: RayHit; tries: number },
): boolean {
  const { rows } = origin;
  const { lower, upper } = run.box;
  const { k, r, tries } = target;
  let hit = target.hit;
  const z = Float64Array.from(origin.centre);
  for (let step = 0; step < AFFINE_STEPS && hit.tmin > 0 && Number.isFinite(hit.tmin); step++) {
    const t = AFFINE_FRACTION * hit.tmin;
    for (let j = 0; j < rows.d; j++) z[j] = z[j]! + t * hit.u[j]!;
    const sz = new Float64Array(rows.n);
    let inside = true;
    for (let i = 0; i < rows.n; i++) {
      sz[i] = rows.pa[i]! - dot(rows.Qa, i * rows.d, z, 0, rows.d);
      if (!(sz[i]! > 0)) inside = false;
    }
    for (let j = 0; j < rows.d; j++) if (!(z[j]! > lower[j]! && z[j]! < upper[j]!)) inside = false;
    const mz = inside ? barrierMetric(rows, run.box, z, sz) : null;
    if (!mz) return false;
    run.cert.affineSteps++;
    run.affine.steps++;
    hit = rayHit(run, rows, k, { o: z, so: sz, metric: mz }, tries);
    if (hit.y) return f.accept(r, hit.y);
  }
  return false;
}

/**
 * Whether an affine-scaling path is worth trying: rows the rays miss are facets far from c (worth
 * a few metrics) or redundant rows (which only the LP settles); a path is tried while its expected
 * saving (hit rate × LP cost) exceeds twice its expected cost (steps per path × step cost) over the
 * walk so far.
 */
function affineWorthIt(run: WalkRun, rows: ActiveRows, tries: number): boolean {
  const { n: na, d } = rows;
  const metricCost = na < d ? (na * na * d) / 2 + (na * na * na) / 6 : (na * d * d) / 2 + (d * d * d) / 6;
  const stepCost = metricCost + tries * ((na < d ? 2 * na * d : d * d) + na * d + RAY_COST_FIXED);
  const lpCost = LP_COST_PER_ENTRY * na * d + LP_COST_FIXED;
  const { hits, misses, steps } = run.affine;
  const hitRate = (hits + 1) / (hits + misses + 2);
  const stepsPerPath = (steps + 1) / (hits + misses + 1);
  return !(hitRate * lpCost < 2 * stepsPerPath * stepCost);
}

/** Decides what rays can: every undecided row hit by a ray (or an affine path) with clearance becomes a facet. */
export function shootRays(run: WalkRun, f: RegionFacets, origin: RayOrigin): void {
  const { rows, active, metric } = origin;
  const metric0 = metric ?? identityMetric(rows);
  const tries = Math.min(RAY_TRIES, rows.d);
  for (let k = 0; k < rows.n; k++) {
    const r = active[k]!;
    if (f.state[r] !== UNDECIDED) continue;
    const hit = rayHit(run, rows, k, { o: origin.centre, so: origin.slacks, metric: metric0 }, tries);
    if (hit.y && f.accept(r, hit.y)) {
      run.cert.rayFacets++;
      continue;
    }
    if (!metric || !affineWorthIt(run, rows, tries)) continue;
    if (affinePath(run, f, origin, { k, r, hit, tries })) {
      run.cert.rayFacets++;
      run.affine.hits++;
    } else run.affine.misses++;
  }
}
