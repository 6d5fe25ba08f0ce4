/** The `validate` of the n-D enumeration: checks a `PolytopeEnumeration` against the network and its domain. */
import { POLYTOPE_TOLERANCES } from '../geometry/predicates.js';
import type { PolytopeTolerances } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import { boxExtent, boxRows, checkDomainRows, rowResidual, rowTolerance } from './domain-rows.js';
import type { FlatRows } from './domain-rows.js';
import { eulerSum, popcountAtLeast } from './enumerate-faces.js';
import type { PolytopeEnumeration, PolytopeRegion } from './enumerate-types.js';

/** Problems of region i: code at its interior point, vertices (tight constraints, in the domain), Euler's relation, volume. */
function regionProblems(
  r: PolytopeRegion,
  i: number,
  d: number,
  domain: { rows: FlatRows; rowTol: number[] },
  codeAt: (x: Float64Array) => Uint8Array,
): string[] {
  const problems: string[] = [];
  const c = codeAt(r.interior);
  for (let u = 0; u < c.length; u++) {
    if (c[u] !== r.code[u]) {
      problems.push(`region ${i}: interior point has state ${c[u]} at unit ${u}, region says ${r.code[u]}`);
      break;
    }
  }
  for (let v = 0; v < r.numVertices; v++) {
    if (!popcountAtLeast(r.incidence[v]!, d)) problems.push(`region ${i}: vertex ${v} has fewer than ${d} tight constraints`);
    const out = domain.rowTol.findIndex((t, k) => rowResidual(domain.rows, k, r.vertices, v * d) > t);
    if (out >= 0) problems.push(`region ${i}: vertex ${v} violates domain constraint ${out}`);
  }
  if (r.fVector.length === d) {
    const e = eulerSum(r.fVector);
    const want = 1 - (d % 2 === 0 ? 1 : -1);
    if (e !== want) problems.push(`region ${i}: Euler sum ${e} ≠ ${want} (f = ${r.fVector.join(',')})`);
  }
  if (r.fVector.length === d && r.fVector[0] !== r.numVertices)
    problems.push(`region ${i}: face lattice has ${r.fVector[0]} vertices, polytope ${r.numVertices}`);
  if (r.volume <= 0) problems.push(`region ${i}: volume ${r.volume}`);
  return problems;
}

/**
 * Checks an enumeration against the network: volumes sum to the domain's volume (the box's, or
 * the polytope domain's by its pulling triangulation; relative `VOLUME_SUM_EPS`), each region's
 * interior point reproduces its code, every vertex has ≥ d tight constraints and lies in the
 * domain, Euler's relation for every polytope, codes distinct. Returns the problems (empty = ok).
 * `options.tolerances` overrides `VOLUME_SUM_EPS` (volumeSum) and `VERTEX_EPS` (vertex).
 *
 * @example
 * validatePolytopes(net, enumeratePolytopes(net, { box }), (x) => forwardWithCode(net, x).code); // []
 */
export function validatePolytopes(
  net: Network,
  res: PolytopeEnumeration,
  codeAt: (x: Float64Array) => Uint8Array,
  options: { readonly tolerances?: Partial<PolytopeTolerances> } = {},
): string[] {
  const tol = { ...POLYTOPE_TOLERANCES, ...options.tolerances };
  const problems: string[] = [];
  const d = res.dim;
  const rel = Math.abs(res.totalVolume - res.domainVolume) / res.domainVolume;
  if (rel > tol.volumeSum)
    problems.push(
      `volumes sum to ${res.totalVolume}, the ${res.domain ? 'domain' : 'box'} has ${res.domainVolume} (relative error ${rel.toExponential(2)})`,
    );
  const rows = res.domain ? checkDomainRows(res.domain.A, res.domain.b, d) : boxRows(res.box, d);
  const scale = { extent: boxExtent(res.box, d), eps: tol.vertex };
  const domain = { rows, rowTol: Array.from({ length: rows.m }, (_, r) => rowTolerance(rows, r, scale)) };
  const keys = new Set<string>();
  res.regions.forEach((r, i) => {
    const key = r.code.join('');
    if (keys.has(key)) problems.push(`region ${i}: code ${key} appears twice`);
    keys.add(key);
    problems.push(...regionProblems(r, i, d, domain, codeAt));
  });
  void net;
  return problems;
}
