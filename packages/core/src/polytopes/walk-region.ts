/**
 * Deciding the rows of one region: which are facets, each with a crossing point. The cheap
 * certificates come first (zero rows, the box test, the entry facet), then rays from an interior
 * point, then one LP per row still open (walk-lp.ts). `fastPaths: false` skips all but the zero
 * rows and the LPs (the reference).
 */
import { analyticCentre, slacksOf } from './walk-centre.js';
import { RegionFacets, acceptEntry, markBoxRedundant, markZeroRows, mirroredHint } from './walk-facets.js';
import type { HRep } from './walk-hrep.js';
import { chebyshevCentre, decideByLp } from './walk-lp.js';
import type { Metric } from './walk-metric.js';
import { shootRays } from './walk-rays.js';
import type { RayOrigin } from './walk-rays.js';
import type { QueuedRegion, WalkRun } from './walk-types.js';

/** Newton decrement² at which the analytic centre is close enough for the rays. */
const CENTRE_STOP = 10;

/** The region's rows, decided, and the analytic centre found for it (a hint for its neighbours). */
export interface DecidedRegion {
  readonly facets: RegionFacets;
  readonly centre: Float64Array | null;
}

/**
 * Interior point c (and a metric for the rays): the analytic centre of the active rows when the
 * box is bounded (fast paths), else the Chebyshev centre (one LP).
 */
async function interiorPoint(
  run: WalkRun,
  f: RegionFacets,
  queued: QueuedRegion,
  entryRow: number,
): Promise<RayOrigin & { analytic: boolean }> {
  const { rows, active } = f.activeRows();
  let c: Float64Array | null = null;
  let metric: Metric | null = null;
  if (run.fast && run.boxBounded) {
    // Start hint: the parent's centre mirrored across the facet we came through.
    const parent = queued.entry?.centre;
    const hint = parent && entryRow >= 0 ? mirroredHint(f, run.d, entryRow, parent) : null;
    const ac = analyticCentre(rows, run.box, { x: queued.point, hint }, CENTRE_STOP);
    if (ac) {
      c = ac.c;
      metric = ac.metric;
      run.cert.analyticCentres++;
      run.cert.newtonSteps += ac.steps;
    }
  }
  const analytic = c !== null;
  c ??= await chebyshevCentre(run, f, queued.point);
  return { rows, active, centre: c, slacks: slacksOf(rows, c), metric, analytic };
}

/** Decides every row of the region `reg` (entered as `queued`). */
export async function decideRegion(run: WalkRun, reg: HRep, queued: QueuedRegion): Promise<DecidedRegion> {
  const f = new RegionFacets(reg, run);
  markZeroRows(f, run);
  let entryRow = -1;
  if (run.fast) {
    markBoxRedundant(f, run);
    entryRow = acceptEntry(f, run, queued.entry);
  }
  if (f.undecided() === 0) {
    f.shareGroups();
    return { facets: f, centre: null };
  }
  const origin = await interiorPoint(run, f, queued, entryRow);
  if (run.fast) shootRays(run, f, origin);
  await decideByLp(run, f, origin);
  f.shareGroups();
  return { facets: f, centre: origin.analytic ? origin.centre : null };
}
