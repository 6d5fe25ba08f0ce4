/**
 * Local region walk in any input dimension (e.g. 784-d MNIST): breadth-first search over
 * activation regions starting from the region of a data point, crossing facets to neighbours.
 *
 * A region is {z : Q z ≤ p} ∩ B (B an axis box: the input domain intersected with the L∞ ball of
 * radius r around the start point). Row r is a facet when some point y on its hyperplane has
 * clearance (distance to every other constraint and to the box) above `WALK_RADIUS_EPS`·scale:
 * y then lies in the relative interior of a (d−1)-face. The neighbour is the region of
 * y + δ·n_r (n_r the outer unit normal, δ half the clearance, capped). Inside the convex set B the
 * region adjacency graph is connected, so the walk without a region cap finds every region
 * meeting B.
 *
 * Every row is decided by a certificate; the cheap ones come first and an LP only decides what
 * they leave open:
 *  - zero rows (dead units) and rows whose hyperplane misses the box (max over B of Q_r z ≤ p_r,
 *    O(d)) are not facets;
 *  - the facet the walk entered through is a facet (its crossing point is re-checked);
 *  - rays from an interior point c (the analytic centre of region ∩ B when B is bounded, found by
 *    Newton's method with a Woodbury solve) along the barrier-Hessian direction H⁻¹Q_r (the
 *    direction maximizing Q_r over the Dikin ellipsoid at c); a ray blocked by another row or a
 *    box side is retried with the blockers projected out in the H⁻¹ metric. A hit point that has
 *    clearance is a facet certificate;
 *  - otherwise one warm-started LP (HiGHS): max Q_r z over the other rows and B, with row r
 *    relaxed; a facet iff the optimum exceeds p_r, the crossing point lies on the segment from c
 *    to the optimum.
 * `fastPaths: false` decides every row by the LP from the Chebyshev centre (the reference).
 *
 * Files: walk.ts (this loop), walk-types.ts (options, results, the per-walk state), walk-hrep.ts
 * (H-representation cache), walk-region.ts (deciding one region's rows) with walk-facets.ts (row
 * states, cheap certificates), walk-centre.ts (analytic centre), walk-metric.ts (barrier metric),
 * walk-rays.ts (ray certificates), walk-lp.ts (LPs), walk-graph.ts (neighbours, edges). All state
 * lives in per-walk and per-region objects, so walks are re-entrant.
 */
import { PolytopeError, throwIfAborted } from '../errors.js';
import { now } from '../clock.js';
import { WALK_TOLERANCES } from '../geometry/predicates.js';
import { forwardWithCode } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { regionAt } from '../spline/region.js';
import { RegionGraph, crossFacets, edgesOf } from './walk-graph.js';
import { RegionRows } from './walk-hrep.js';
import type { HRep } from './walk-hrep.js';
import type { Box } from './walk-metric.js';
import { decideRegion } from './walk-region.js';
import type { QueuedRegion, WalkOptions, WalkResult, WalkRun } from './walk-types.js';

export type { WalkCertificates, WalkOptions, WalkRegion, WalkResult } from './walk-types.js';

/** The box B: `domain` on every coordinate, intersected with the L∞ ball of `radius` around x; checks that x lies in it. */
function walkBox(x: ArrayLike<number>, d: number, options: WalkOptions): Box {
  const lower = new Float64Array(d).fill(-Infinity);
  const upper = new Float64Array(d).fill(Infinity);
  if (options.domain) {
    lower.fill(options.domain[0]);
    upper.fill(options.domain[1]);
  }
  if (options.radius !== undefined) {
    if (!(options.radius > 0)) throw new PolytopeError('bad-option', `radius must be positive, got ${options.radius}`);
    for (let i = 0; i < d; i++) {
      lower[i] = Math.max(lower[i]!, x[i]! - options.radius);
      upper[i] = Math.min(upper[i]!, x[i]! + options.radius);
    }
  }
  for (let i = 0; i < d; i++) {
    if (!(x[i]! >= lower[i]! && x[i]! <= upper[i]!))
      throw new PolytopeError('bad-option', `start point coordinate ${i} (${x[i]}) lies outside the domain [${lower[i]}, ${upper[i]}]`);
  }
  return { lower, upper };
}

/** The state of one walk (see `WalkRun`). */
function startRun(net: Network, x: ArrayLike<number>, options: WalkOptions): WalkRun {
  const d = net.inputSize;
  const box = walkBox(x, d, options);
  const fast = options.fastPaths ?? true;
  return {
    net,
    d,
    box,
    boxBounded: box.lower.every(Number.isFinite) && box.upper.every(Number.isFinite),
    fast,
    hrep: fast ? new RegionRows(net) : null,
    tolerances: { ...WALK_TOLERANCES, ...options.tolerances },
    highsOptions: options.highsOptions,
    cert: {
      zeroRows: 0,
      boxRedundant: 0,
      entryFacets: 0,
      rayFacets: 0,
      rays: 0,
      affineSteps: 0,
      newtonSteps: 0,
      lpFacets: 0,
      lpRedundant: 0,
      analyticCentres: 0,
      chebyshevCentres: 0,
    },
    lp: { count: 0, seconds: 0 },
    affine: { hits: 0, misses: 0, steps: 0 },
  };
}

/** The H-representation of the region of `point`: cached (fast paths) or from `regionAt` (reference). */
function hrepAt(run: WalkRun, point: Float64Array): HRep {
  if (run.hrep) return run.hrep.at(point);
  const r = regionAt(run.net, point);
  return { code: forwardWithCode(run.net, point).code, Q: r.Q, p: r.p, rows: r.rows };
}

/**
 * Breadth-first walk over the activation regions around `x`.
 *
 * @example
 * const res = await walkRegions(net, image, { maxRegions: 20, domain: [0, 1] });
 * res.regions.length; // ≤ 20
 * res.edges;          // adjacency graph
 */
export async function walkRegions(net: Network, x: ArrayLike<number>, options: WalkOptions = {}): Promise<WalkResult> {
  const t0 = now();
  const maxRegions = options.maxRegions ?? 100;
  if (!Number.isInteger(maxRegions) || maxRegions < 1)
    throw new PolytopeError('bad-option', `maxRegions must be a positive integer, got ${maxRegions}`);
  const run = startRun(net, x, options);
  const graph = new RegionGraph(net, maxRegions);
  graph.queue.push({ point: Float64Array.from(x), depth: 0, entry: null });
  graph.add(forwardWithCode(net, x).code);
  while (graph.head < graph.queue.length) {
    throwIfAborted(options.signal);
    const queued: QueuedRegion = graph.queue[graph.head++]!;
    const decided = await decideRegion(run, hrepAt(run, queued.point), queued);
    graph.regions.push(crossFacets(run, graph, decided, queued));
    options.onProgress?.({ regions: graph.regions.length, queued: graph.queue.length - graph.head });
  }
  const { regions, complete } = graph;
  return {
    regions,
    edges: edgesOf(regions),
    complete,
    lps: run.lp.count,
    seconds: (now() - t0) / 1000,
    lpSeconds: run.lp.seconds,
    certificates: run.cert,
  };
}
