/**
 * The walk's LPs (HiGHS): the Chebyshev centre of a region when no analytic centre is available,
 * and the facet LP for every row the cheap certificates left open. Rows are given to HiGHS scaled
 * to unit norm: its feasibility tolerances are absolute, so unscaled rows would make the answers
 * depend on the network's weight scale.
 */
import { now } from '../clock.js';
import { chebyshevCenter, createLp } from '../geometry/lp.js';
import type { RegionFacets } from './walk-facets.js';
import { NOT_FACET, UNDECIDED } from './walk-facets.js';
import type { RayOrigin } from './walk-rays.js';
import type { WalkRun } from './walk-types.js';

/** Rows (Q, p) of the region with a nonzero normal, divided by their norms. */
function unitRows(f: RegionFacets, d: number): { Q: Float64Array; p: Float64Array } {
  const { Q, p } = f.reg;
  const keep: number[] = [];
  for (let r = 0; r < f.nr; r++) if (f.rowNorm[r]! > 0) keep.push(r);
  const Qn = new Float64Array(keep.length * d);
  const pn = new Float64Array(keep.length);
  keep.forEach((r, i) => {
    const inv = 1 / f.rowNorm[r]!;
    for (let j = 0; j < d; j++) Qn[i * d + j] = Q[r * d + j]! * inv;
    pn[i] = p[r]! * inv;
  });
  return { Q: Qn, p: pn };
}

/** The Chebyshev centre of region ∩ box (one LP), or `fallback` when the LP finds no ball. */
export async function chebyshevCentre(run: WalkRun, f: RegionFacets, fallback: Float64Array): Promise<Float64Array> {
  const { d, box } = run;
  const rows = unitRows(f, d);
  const tl = now();
  const finite = box.lower.some(Number.isFinite) || box.upper.some(Number.isFinite);
  const cc = await chebyshevCenter(rows.Q, rows.p, d, finite ? box : undefined);
  run.lp.seconds += (now() - tl) / 1000;
  run.lp.count++;
  run.cert.chebyshevCentres++;
  return cc.status === 'optimal' && cc.radius > 0 && Number.isFinite(cc.radius) ? cc.center : fallback;
}

/** A warm-started HiGHS model of the active rows and their unit-norm right-hand sides. */
interface FacetModel {
  readonly lp: Awaited<ReturnType<typeof createLp>>;
  readonly pn: Float64Array;
}

/** One HiGHS model: max over the active rows (unit norm, CSR) and the box; the cost is set per row. */
async function facetModel(run: WalkRun, origin: RayOrigin, f: RegionFacets): Promise<FacetModel> {
  const { Qa, pa, n: na, d } = origin.rows;
  const starts = new Int32Array(na + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const pn = new Float64Array(na);
  for (let i = 0; i < na; i++) {
    const inv = 1 / f.rowNorm[origin.active[i]!]!;
    pn[i] = pa[i]! * inv;
    for (let j = 0; j < d; j++) {
      const q = Qa[i * d + j]!;
      if (q !== 0) {
        idx.push(j);
        val.push(q * inv);
      }
    }
    starts[i + 1] = idx.length;
  }
  const tl = now();
  const lp = await createLp({
    numCols: d,
    numRows: na,
    cost: new Float64Array(d),
    maximize: true,
    colLower: run.box.lower,
    colUpper: run.box.upper,
    rows: [],
    csr: { starts, indices: Int32Array.from(idx), values: Float64Array.from(val) },
    rowLower: new Float64Array(na).fill(-Infinity),
    rowUpper: pn,
    ...(run.highsOptions ? { highsOptions: run.highsOptions } : {}),
  });
  run.lp.seconds += (now() - tl) / 1000;
  return { lp, pn };
}

/**
 * Row k's facet LP: max Q̂_k z over the other rows and the box with row k relaxed by one (unit
 * rows: Q̂ = Q/‖Q‖). A facet iff the optimum exceeds p̂_k by more than the radius tolerance; the
 * crossing point (returned) is where the segment from the centre to the optimum meets row k's
 * hyperplane. Null: not a facet.
 */
function facetLp(run: WalkRun, model: FacetModel, origin: RayOrigin, k: number, nrm: number): Float64Array | null {
  const { lp, pn } = model;
  const { Qa, d } = origin.rows;
  lp.setRowBounds(k, -Infinity, pn[k]! + 1);
  lp.setCost(Qa.subarray(k * d, k * d + d).map((q) => q / nrm));
  const tl = now();
  const sol = lp.solve();
  run.lp.seconds += (now() - tl) / 1000;
  run.lp.count++;
  lp.setRowBounds(k, -Infinity, pn[k]!);
  if (sol.status !== 'optimal' || sol.objective - pn[k]! <= run.tolerances.radius) return null;
  const z = sol.x;
  const c = origin.centre;
  const qc = pn[k]! - origin.slacks[k]! / nrm;
  const t = (pn[k]! - qc) / (sol.objective - qc);
  const y = new Float64Array(d);
  for (let j = 0; j < d; j++) y[j] = c[j]! + t * (z[j]! - c[j]!);
  return y;
}

/**
 * What is left: one warm-started LP per undecided row. The LP keeps only the rows that meet the
 * box: a relaxation, so its optimum bounds the region's (redundancy stays certified); crossing
 * points are checked on all rows.
 */
export async function decideByLp(run: WalkRun, f: RegionFacets, origin: RayOrigin): Promise<void> {
  let model: FacetModel | null = null;
  try {
    for (let k = 0; k < origin.rows.n; k++) {
      const r = origin.active[k]!;
      if (f.state[r] !== UNDECIDED) continue;
      model ??= await facetModel(run, origin, f);
      const y = facetLp(run, model, origin, k, f.rowNorm[r]!);
      f.state[r] = NOT_FACET;
      if (y && f.accept(r, y)) run.cert.lpFacets++;
      else run.cert.lpRedundant++; // no facet, or a facet on the box boundary / numerically thin
    }
  } finally {
    model?.lp.dispose();
  }
}
