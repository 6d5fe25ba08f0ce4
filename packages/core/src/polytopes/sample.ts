/**
 * Hit-and-run sampling inside an H-polytope {z : Q z ≤ p} (Smith 1984; uniform in the limit,
 * Lovász 1999) and the face-count estimate of "Deep ReLU Networks Have Surprisingly Simple
 * Polytopes" (arXiv 2305.09145): from sampled interior points, shoot random rays; the constraint a
 * ray leaves through is a facet (with probability 1), so the distinct constraints hit estimate the
 * facet set from below and converge to it.
 */
import { PolytopeError } from '../errors.js';
import { CHORD_EPS } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import { gaussian } from '../random.js';
import type { Random } from '../random.js';
import { regionAt } from '../spline/region.js';

/** An H-representation with a constraint id per row. */
export interface HPolytope {
  readonly dim: number;
  /** Row-major rows × dim. */
  readonly Q: Float64Array;
  readonly p: Float64Array;
  /** Constraint id of each row (for network regions: `enumeratePolytopes`' ids). */
  readonly ids: Int32Array;
}

/**
 * The H-representation of the region of x inside an axis box, rows labelled with the constraint
 * ids of `enumeratePolytopes` (2i: x_i ≤ hi, 2i+1: x_i ≥ lo, 2d + u: hidden unit u). ReLU-like
 * networks only (one row per unit).
 *
 * @example
 * const h = regionInBox(net, [0.1, 0.2, 0.3], [-1, 1, -1, 1, -1, 1]);
 * h.Q.length / 3; // 6 + number of hidden units
 */
export function regionInBox(net: Network, x: ArrayLike<number>, box: readonly number[]): HPolytope {
  const d = net.inputSize;
  const r = regionAt(net, x);
  if (r.rows.length !== net.numUnits || r.rows.some((row) => row.kind !== 'sign')) {
    throw new PolytopeError('unsupported', 'regionInBox needs a ReLU / leaky-ReLU network (one constraint per unit)');
  }
  const n = r.rows.length + 2 * d;
  const Q = new Float64Array(n * d);
  const p = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < d; i++) {
    Q[2 * i * d + i] = 1;
    p[2 * i] = box[2 * i + 1]!;
    ids[2 * i] = 2 * i;
    Q[(2 * i + 1) * d + i] = -1;
    p[2 * i + 1] = -box[2 * i]!;
    ids[2 * i + 1] = 2 * i + 1;
  }
  Q.set(r.Q, 2 * d * d);
  p.set(r.p, 2 * d);
  for (let k = 0; k < r.rows.length; k++) ids[2 * d + k] = 2 * d + k;
  return { dim: d, Q, p, ids };
}

/** Chord of the line x + t·u inside the polytope: [tMin, tMax] and the rows that bound it. */
function chord(h: HPolytope, x: Float64Array, u: Float64Array): { lo: number; hi: number; loRow: number; hiRow: number } {
  const { dim: d, Q, p } = h;
  let lo = -Infinity;
  let hi = Infinity;
  let loRow = -1;
  let hiRow = -1;
  const n = p.length;
  for (let r = 0; r < n; r++) {
    let a = 0;
    let qx = 0;
    let sc = Math.abs(p[r]!);
    for (let j = 0; j < d; j++) {
      a += Q[r * d + j]! * u[j]!;
      qx += Q[r * d + j]! * x[j]!;
      sc += Math.abs(Q[r * d + j]! * x[j]!);
    }
    const slack = Math.max(0, p[r]! - qx);
    if (Math.abs(a) <= CHORD_EPS * sc) continue;
    const t = slack / a;
    if (a > 0 && t < hi) {
      hi = t;
      hiRow = r;
    } else if (a < 0 && t > lo) {
      lo = t;
      loRow = r;
    }
  }
  return { lo, hi, loRow, hiRow };
}

function randomDirection(d: number, random: Random, u: Float64Array): void {
  let n = 0;
  while (n === 0) {
    n = 0;
    for (let j = 0; j < d; j++) {
      u[j] = gaussian(random);
      n += u[j]! * u[j]!;
    }
  }
  n = Math.sqrt(n);
  for (let j = 0; j < d; j++) u[j] = u[j]! / n;
}

/** Options for `hitAndRun`: number of samples, burn-in, thinning and the random generator. */
export interface HitAndRunOptions {
  /** Steps discarded before the first sample (default 50). */
  readonly burnIn?: number;
  /** Steps between kept samples (default 1). */
  readonly thin?: number;
}

/**
 * `count` points of a hit-and-run chain in the polytope, started at the interior point `start`.
 * Returns row-major count × d. Seeded through `random`.
 *
 * @example
 * const pts = hitAndRun(h, center, 1000, mulberry32(7));
 */
export function hitAndRun(
  h: HPolytope,
  start: ArrayLike<number>,
  count: number,
  random: Random,
  options: HitAndRunOptions = {},
): Float64Array {
  const d = h.dim;
  const x = Float64Array.from(start);
  const u = new Float64Array(d);
  const out = new Float64Array(count * d);
  const burn = options.burnIn ?? 50;
  const thin = Math.max(1, options.thin ?? 1);
  let kept = 0;
  for (let step = 0; kept < count; step++) {
    randomDirection(d, random, u);
    const c = chord(h, x, u);
    if (!Number.isFinite(c.lo) || !Number.isFinite(c.hi))
      throw new PolytopeError('bad-domain', 'hit-and-run needs a bounded polytope (add box constraints)');
    const t = c.lo + (c.hi - c.lo) * random();
    for (let j = 0; j < d; j++) x[j] = x[j]! + t * u[j]!;
    if (step >= burn && (step - burn) % thin === 0) {
      out.set(x, kept * d);
      kept++;
    }
  }
  return out;
}

/**
 * The paper's face-count estimate: from each hit-and-run sample, a random ray; the row it exits
 * through is recorded. Returns the distinct constraint ids hit (ascending) and hit counts.
 *
 * @example
 * const est = estimateFacets(h, center, 2000, mulberry32(1));
 * est.facets.length; // ≤ the exact facet count, equal with enough samples
 */
export function estimateFacets(
  h: HPolytope,
  start: ArrayLike<number>,
  samples: number,
  random: Random,
  options: HitAndRunOptions = {},
): { facets: Int32Array; hits: Map<number, number> } {
  const d = h.dim;
  const pts = hitAndRun(h, start, samples, random, options);
  const u = new Float64Array(d);
  const x = new Float64Array(d);
  const hits = new Map<number, number>();
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < d; j++) x[j] = pts[s * d + j]!;
    randomDirection(d, random, u);
    const c = chord(h, x, u);
    if (c.hiRow < 0) continue;
    const id = h.ids[c.hiRow]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const facets = Int32Array.from([...hits.keys()].sort((a, b) => a - b));
  return { facets, hits };
}
