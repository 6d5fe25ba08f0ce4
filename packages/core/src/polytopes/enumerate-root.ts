/**
 * The polytope an enumeration starts from: the box, or a polytope domain A x ≤ b built by cutting
 * a box that contains it with its rows (the splitting the units use), with vertices recomputed
 * exactly from their tight rows and checked to be the domain.
 */
import { PolytopeError } from '../errors.js';
import { gaussianEliminate, solveEliminated } from '../geometry/linalg.js';
import type { PolytopeTolerances } from '../geometry/predicates.js';
import {
  boundingBox,
  boxExtent,
  boxVolumeOf,
  checkBoxArg,
  checkDomainRows,
  padBox,
  rowResidual,
  rowTolerance,
  tightRows,
} from './domain-rows.js';
import type { FlatRows, RowScale } from './domain-rows.js';
import { bitCount, describePolytope, popcountAtLeast } from './enumerate-faces.js';
import { boxPoly, splitContext, splitPoly } from './enumerate-split.js';
import type { Poly } from './enumerate-split.js';
import type { DomainRows, EnumerateOptions, PolytopeDomain } from './enumerate-types.js';

/** The polytope the enumeration starts from; its vertices' incidences use the domain ids 0…m−1. */
export interface Root {
  readonly verts: Float64Array;
  readonly nv: number;
  /** Tight domain constraints per vertex (bit r: domain constraint r). */
  readonly inc: bigint[];
  /** Number of domain constraint ids. */
  readonly m: number;
  /** The box, or the exact bounding box of the polytope domain. */
  readonly box: number[];
  readonly domain: DomainRows | null;
  readonly volume: number;
}

function boxRoot(box: readonly number[], d: number): Root {
  checkBoxArg(box, d);
  const P = boxPoly(box, d, 1);
  return {
    verts: P.verts,
    nv: P.nv,
    inc: Array.from(P.inc, (w) => BigInt(w)),
    m: 2 * d,
    box: [...box],
    domain: null,
    volume: boxVolumeOf(box, d),
  };
}

/**
 * Cuts the box `outer` (ids 0…2d−1) by every domain row (id 2d + r), keeping A x ≤ b, with the
 * splitting the units use. Zero rows are no constraint (or make the domain empty).
 */
function cutBoxByRows(R: FlatRows, outer: readonly number[], W: number, vertexEps: number): Poly {
  const { d, m } = R;
  let P = boxPoly(outer, d, W);
  const ctx = splitContext(d, W, boxExtent(outer, d), vertexEps);
  const pre = new Float64Array(d + 1);
  for (let r = 0; r < m; r++) {
    pre[0] = -R.b[r]!;
    let zero = true;
    for (let j = 0; j < d; j++) {
      pre[1 + j] = R.A[r * d + j]!;
      if (pre[1 + j] !== 0) zero = false;
    }
    if (zero) {
      if (R.b[r]! < 0) throw new PolytopeError('bad-domain', `the domain A x ≤ b is empty: row ${r} reads 0 ≤ ${R.b[r]}`);
      continue;
    }
    const id = 2 * d + r;
    const [inside] = splitPoly(P, { pre, off: 0, word: id >> 5, mask: (1 << (id & 31)) >>> 0 }, ctx);
    if (!inside)
      throw new PolytopeError(
        'bad-domain',
        `the domain A x ≤ b is empty or lower-dimensional: nothing of it is left after row ${r} (polytopeDomain tells which)`,
      );
    P = inside;
  }
  return P;
}

/** Vertices (bit sets over local indices) tight on each id of `inc` (W words per vertex) below `count`. */
function idVertexSets(inc: Uint32Array, nv: number, W: number, ids: number): bigint[] {
  const sets = new Array<bigint>(ids).fill(0n);
  for (let i = 0; i < nv; i++) {
    for (let k = 0; k < ids; k++) if ((inc[i * W + (k >> 5)]! >>> (k & 31)) & 1) sets[k] = sets[k]! | (1n << BigInt(i));
  }
  return sets;
}

/**
 * Throws unless the cut-down box is the domain: every face (≥ d vertices) that a face of the outer
 * box leaves on it must lie in a face of some domain row. (If the box cut the domain, the cut is a
 * facet in no domain hyperplane.)
 */
function checkContains(P: Poly, tight: readonly bigint[], R: FlatRows, bounds: readonly number[], W: number): void {
  const { d, m } = R;
  const boxSets = idVertexSets(P.inc, P.nv, W, 2 * d);
  const rowSets = new Array<bigint>(m).fill(0n);
  tight.forEach((t, i) => {
    for (let r = 0; r < m; r++) if ((t >> BigInt(r)) & 1n) rowSets[r] = rowSets[r]! | (1n << BigInt(i));
  });
  boxSets.forEach((S, k) => {
    if (bitCount(S) < d || rowSets.some((T) => (S & T) === S)) return;
    throw new PolytopeError(
      'bad-domain',
      `the domain A x ≤ b reaches past the ${k & 1 ? 'lower' : 'upper'} bound of x${k >> 1} of its bounds [${bounds.join(', ')}] (they must contain it; is it unbounded?); polytopeDomain computes bounds that do`,
    );
  });
}

/**
 * The point where d of the rows `rows` meet exactly (normalized rows, Gaussian elimination with
 * full pivoting, so the best-conditioned d of a degenerate vertex's rows are used); null when
 * they do not have rank d.
 */
function solveTight(R: FlatRows, rows: readonly number[]): Float64Array | null {
  const d = R.d;
  const k = rows.length;
  if (k < d) return null;
  const w = d + 1;
  const M = new Float64Array(k * w);
  rows.forEach((r, i) => {
    let n = 0;
    for (let j = 0; j < d; j++) n += R.A[r * d + j]! ** 2;
    n = Math.sqrt(n);
    for (let j = 0; j < d; j++) M[i * w + j] = R.A[r * d + j]! / n;
    M[i * w + d] = R.b[r]! / n;
  });
  const pivots = new Int32Array(k + d);
  if (gaussianEliminate(M, k, d, w, pivots, { full: true }) < d) return null;
  return solveEliminated(M, k, d, w, d, pivots);
}

/**
 * Recomputes each vertex as the exact meet of its tight rows (`solveTight`), which removes the
 * rounding of repeated edge interpolation (an axis box comes out exact). A recomputed vertex is
 * kept only if it satisfies every row and stays tight on its rows, within tolerance.
 */
function polishVertices(R: FlatRows, verts: Float64Array, nv: number, tight: readonly bigint[], scale: RowScale): Float64Array {
  const d = R.d;
  const out = Float64Array.from(verts.subarray(0, nv * d));
  const tol = Array.from({ length: R.m }, (_, r) => rowTolerance(R, r, scale));
  for (let i = 0; i < nv; i++) {
    const rows: number[] = [];
    for (let r = 0; r < R.m; r++) if ((tight[i]! >> BigInt(r)) & 1n) rows.push(r);
    const x = solveTight(R, rows);
    if (!x) continue;
    let ok = true;
    for (let r = 0; r < R.m && ok; r++) {
      const v = rowResidual(R, r, x, 0);
      if (v > tol[r]! || ((tight[i]! >> BigInt(r)) & 1n && v < -tol[r]!)) ok = false;
    }
    if (ok) out.set(x, i * d);
  }
  return out;
}

/** Merges vertices with identical coordinates (their incidences are joined). */
function mergeDuplicates(
  verts: Float64Array,
  nv: number,
  inc: readonly bigint[],
  d: number,
): { verts: Float64Array; nv: number; inc: bigint[] } {
  const order = Array.from({ length: nv }, (_, i) => i);
  const cmp = (a: number, b: number) => {
    for (let q = 0; q < d; q++) {
      const x = verts[a * d + q]! - verts[b * d + q]!;
      if (x !== 0) return x;
    }
    return 0;
  };
  order.sort(cmp);
  const keep: number[] = [];
  const outInc: bigint[] = [];
  for (const i of order) {
    if (keep.length && cmp(keep[keep.length - 1]!, i) === 0) outInc[outInc.length - 1] = outInc[outInc.length - 1]! | inc[i]!;
    else {
      keep.push(i);
      outInc.push(inc[i]!);
    }
  }
  const out = new Float64Array(keep.length * d);
  keep.forEach((i, w) => out.set(verts.subarray(i * d, i * d + d), w * d));
  return { verts: out, nv: keep.length, inc: outInc };
}

/**
 * The polytope domain as the root polytope: its bounds (padded) cut by every row, vertices
 * recomputed exactly from their tight rows, incidences re-derived against the rows (the bounds'
 * ids are dropped), checked to be the domain (every vertex tight on ≥ d rows, the bounds cut
 * nothing off) and full-dimensional.
 */
function domainRoot(domain: PolytopeDomain, d: number, tol: PolytopeTolerances): Root {
  const R = checkDomainRows(domain.A, domain.b, d);
  checkBoxArg(domain.bounds, d, 'domain bounds');
  const outer = padBox(domain.bounds, d);
  const Wt = Math.ceil((2 * d + R.m) / 32);
  const P = cutBoxByRows(R, outer, Wt, tol.vertex);
  const outerScale = { extent: boxExtent(outer, d), eps: tol.vertex };
  const built = idVertexSets(P.inc, P.nv, Wt, 2 * d + R.m);
  const tight0 = tightRows(R, P.verts, P.nv, outerScale).map((t, i) => {
    let bits = t;
    for (let r = 0; r < R.m; r++) if ((built[2 * d + r]! >> BigInt(i)) & 1n) bits |= 1n << BigInt(r);
    return bits;
  });
  checkContains(P, tight0, R, domain.bounds, Wt);
  const polished = polishVertices(R, P.verts, P.nv, tight0, outerScale);
  const merged = mergeDuplicates(polished, P.nv, tight0, d);
  const box = boundingBox(merged.verts, merged.nv, d);
  const inc = tightRows(R, merged.verts, merged.nv, { extent: boxExtent(box, d), eps: tol.vertex }).map((t, i) => t | merged.inc[i]!);
  inc.forEach((t, i) => {
    if (popcountAtLeast(t, d)) return;
    const at = Array.from(merged.verts.subarray(i * d, i * d + d)).join(', ');
    throw new PolytopeError(
      'bad-domain',
      `the point (${at}) of the cut-down bounds is tight on fewer than ${d} rows of A x ≤ b, so it is no vertex of the domain: the bounds do not contain it`,
    );
  });
  const volume = merged.nv > d ? describePolytope(merged.verts, merged.nv, inc, new Uint8Array(0), d).volume : 0;
  if (!(volume > tol.domainVolume * boxVolumeOf(box, d))) {
    throw new PolytopeError(
      'bad-domain',
      `the domain A x ≤ b is lower-dimensional: its volume ${volume} is zero next to its bounding box's ${boxVolumeOf(box, d)}; a full-dimensional polytope is needed`,
    );
  }
  const rows: number[][] = [];
  for (let r = 0; r < R.m; r++) rows.push(Array.from(R.A.subarray(r * d, r * d + d)));
  return { verts: merged.verts, nv: merged.nv, inc, m: R.m, box, domain: { A: rows, b: Array.from(R.b) }, volume };
}

/** The root polytope of `enumeratePolytopes`: its box, or its polytope domain. */
export function rootPolytope(options: EnumerateOptions, d: number, tol: PolytopeTolerances): Root {
  if (options.box && options.domain) throw new PolytopeError('bad-domain', 'give either a box or a polytope domain, not both');
  if (options.domain) return domainRoot(options.domain, d, tol);
  if (!options.box) throw new PolytopeError('bad-domain', 'give a box (lo,hi pairs) or a polytope domain (A x ≤ b, see polytopeDomain)');
  return boxRoot(options.box, d);
}

/** Bit sets as W 32-bit words per entry. */
export function toWords(sets: readonly bigint[], W: number): Uint32Array {
  const out = new Uint32Array(sets.length * W);
  sets.forEach((b, i) => {
    for (let w = 0; w < W; w++) out[i * W + w] = Number((b >> BigInt(32 * w)) & 0xffffffffn);
  });
  return out;
}
