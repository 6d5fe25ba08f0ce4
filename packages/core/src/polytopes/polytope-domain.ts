/**
 * Polytope domains {x : A x ≤ b} for the enumeration: checked with HiGHS LPs (non-empty, bounded,
 * full-dimensional) and given a bounding box; the H-representation of a region inside one.
 */
import { PolytopeError } from '../errors.js';
import { now } from '../clock.js';
import { chebyshevCenter, createLp } from '../geometry/lp.js';
import { POLYTOPE_TOLERANCES } from '../geometry/predicates.js';
import type { PolytopeTolerances } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import { checkDomainRows } from './domain-rows.js';
import type { FlatRows } from './domain-rows.js';
import type { PolytopeDomain } from './enumerate-types.js';
import { regionInBox } from './sample.js';
import type { HPolytope } from './sample.js';

/**
 * Checks a polytope domain {x : A x ≤ b} with HiGHS LPs and returns it with a box that contains
 * it, ready for `enumeratePolytopes(net, { domain })`. Throws a `PolytopeError` when the domain is
 * empty, unbounded, lower-dimensional (zero volume), holds a non-finite value, or has rows of
 * another width than `dim` (the network's input dimension, when given). Redundant rows are fine.
 * `options.tolerances.domainRadius` overrides `DOMAIN_RADIUS_EPS`.
 *
 * @example
 * const domain = await polytopeDomain([[-1, 0], [0, -1], [1, 1]], [0, 0, 1], 2); // a triangle
 * domain.bounds; // ≈ [0, 1, 0, 1]
 */
export async function polytopeDomain(
  A: ArrayLike<ArrayLike<number>>,
  b: ArrayLike<number>,
  dim?: number,
  options: { readonly tolerances?: Partial<PolytopeTolerances> } = {},
): Promise<PolytopeDomain> {
  const radiusEps = options.tolerances?.domainRadius ?? POLYTOPE_TOLERANCES.domainRadius;
  const t0 = now();
  const R = checkDomainRows(A, b, dim);
  const bounds = await domainBounds(R);
  const ch = await chebyshevCenter(R.A, R.b, R.d);
  let diam = 0;
  for (let i = 0; i < R.d; i++) diam += (bounds[2 * i + 1]! - bounds[2 * i]!) ** 2;
  diam = Math.sqrt(diam);
  if (ch.status !== 'optimal' || !(ch.radius > radiusEps * diam)) {
    throw new PolytopeError(
      'bad-domain',
      `the domain A x ≤ b is lower-dimensional (zero volume): its largest inscribed ball has radius ${ch.radius} for a bounding box of diameter ${diam}; a full-dimensional polytope is needed`,
    );
  }
  const rows: number[][] = [];
  for (let r = 0; r < R.m; r++) rows.push(Array.from(R.A.subarray(r * R.d, r * R.d + R.d)));
  return { A: rows, b: Array.from(R.b), bounds, lpSeconds: (now() - t0) / 1000 };
}

/**
 * Bounding box of the domain from 2d LPs on one warm-started HiGHS model (min and max of each
 * coordinate; exact up to HiGHS's tolerances, which the enumeration's padding absorbs). Throws
 * for an empty or unbounded domain.
 */
async function domainBounds(R: FlatRows): Promise<number[]> {
  const { d, m } = R;
  const lp = await createLp({
    numCols: d,
    cost: new Float64Array(d),
    colLower: new Float64Array(d).fill(-Infinity),
    colUpper: new Float64Array(d).fill(Infinity),
    rows: R.A,
    numRows: m,
    rowLower: new Float64Array(m).fill(-Infinity),
    rowUpper: R.b,
  });
  try {
    // Zero cost: "unbounded" can only mean HiGHS's "unbounded or infeasible", i.e. infeasible.
    const feasible = lp.solve();
    if (feasible.status === 'infeasible' || feasible.status === 'unbounded')
      throw new PolytopeError('bad-domain', 'the domain A x ≤ b is empty: its rows have no common point');
    if (feasible.status !== 'optimal')
      throw new PolytopeError('solver-failed', 'the LP solver could not decide whether the domain A x ≤ b is empty');
    const bounds = new Array<number>(2 * d).fill(0);
    const cost = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (const sgn of [1, -1]) {
        cost.fill(0);
        cost[i] = sgn;
        lp.setCost(cost);
        const s = lp.solve();
        if (s.status === 'unbounded')
          throw new PolytopeError(
            'bad-domain',
            `the domain A x ≤ b is unbounded (x${i} has no ${sgn > 0 ? 'lower' : 'upper'} bound on it); a bounded polytope is needed`,
          );
        if (s.status !== 'optimal')
          throw new PolytopeError('solver-failed', `the LP solver failed to bound x${i} on the domain A x ≤ b (status ${s.status})`);
        bounds[2 * i + (sgn > 0 ? 0 : 1)] = sgn * s.objective;
      }
    }
    return bounds;
  } finally {
    lp.dispose();
  }
}

/**
 * The H-representation of the region of x inside a polytope domain, rows labelled with the
 * constraint ids of `enumeratePolytopes` for that domain (r: domain row r, m + u: hidden unit u),
 * e.g. for `estimateFacets`. ReLU-like networks only (one row per unit).
 *
 * @example
 * const h = regionInDomain(net, [0.1, 0.2], { A: [[-1, 0], [0, -1], [1, 1]], b: [0, 0, 1] });
 * h.p.length; // 3 + number of hidden units
 */
export function regionInDomain(
  net: Network,
  x: ArrayLike<number>,
  domain: { readonly A: ArrayLike<ArrayLike<number>>; readonly b: ArrayLike<number> },
): HPolytope {
  const d = net.inputSize;
  const R = checkDomainRows(domain.A, domain.b, d);
  const h = regionInBox(net, x, new Array<number>(2 * d).fill(0));
  const n = R.m + h.p.length - 2 * d;
  const Q = new Float64Array(n * d);
  Q.set(R.A);
  Q.set(h.Q.subarray(2 * d * d), R.m * d);
  const p = new Float64Array(n);
  p.set(R.b);
  p.set(h.p.subarray(2 * d), R.m);
  return { dim: d, Q, p, ids: Int32Array.from({ length: n }, (_, i) => i) };
}
