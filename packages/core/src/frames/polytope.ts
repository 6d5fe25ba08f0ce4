/**
 * The frame polytope P_X = conv(X): its facets F_j, the vertex–facet index sets I_{F_j}, and
 * for each vertex the facets containing it (the seed, §4, "frame polytope"). Works in any
 * dimension n ≥ 1 by gift wrapping (Chand & Kapur 1970): start from one facet, and across each
 * ridge rotate the facet's hyperplane about the ridge until it meets the next point. Facets are
 * true facets, not triangulations: a facet's vertex set is every point within the tolerance of
 * its hyperplane, so a cube has 6 square facets, and the ridges of a non-simplicial facet come
 * from the same algorithm one dimension down. (The `convex-hull` npm package was tried first; its
 * incremental hull returned non-convex answers for random points in 5-D, so it is not used.)
 */
import { InternalError, PolytopeError } from '../errors.js';
import type { Frame } from './frame.js';
import { dotAt, normAt, rankOfRows } from '../geometry/linalg.js';
import { FRAME_POLYTOPE_EPS, HULL_CHECK_FACTOR, RANK_EPS } from '../geometry/predicates.js';

/** Facets of the frame polytope, flat: facet j has vertices `facetIndex[facetStart[j]..facetStart[j+1])`. */
export interface FramePolytope {
  readonly n: number;
  readonly m: number;
  readonly numFacets: number;
  /** CSR offsets into `facetIndex`, length numFacets + 1. */
  readonly facetStart: Int32Array;
  /** Vertex indices I_{F_j} of every facet, ascending within a facet; facets sorted lexicographically. */
  readonly facetIndex: Int32Array;
  /** Unit outward normals a_j, numFacets×n row-major: P_X ⊆ {y : a_j·y ≤ b_j}. */
  readonly normals: Float64Array;
  /** Offsets b_j: the facet lies in {a_j·y = b_j}; b_j > 0 for all j iff 0 ∈ int P_X. */
  readonly offsets: Float64Array;
  /** CSR offsets into `vertexFacetIndex`, length m + 1. */
  readonly vertexFacetStart: Int32Array;
  /** For each frame vector i, the facets j with i ∈ I_{F_j} (the J_i of the seed). */
  readonly vertexFacetIndex: Int32Array;
  /** Whether every facet has exactly n vertices. */
  readonly simplicial: boolean;
  /** min_j b_j: the radius of the largest ball around 0 inside P_X when positive. */
  readonly minOffset: number;
}

/** Options for `framePolytope`. */
export interface FramePolytopeOptions {
  /** Distance within which a vertex counts as on a facet and two facet planes as equal (default `FRAME_POLYTOPE_EPS`, 1e-9). */
  readonly tolerance?: number;
  /** Refuse dimensions above this (the hull grows like m^{⌊n/2⌋}; default 10). */
  readonly maxDimension?: number;
}

/**
 * Computes the frame polytope's facets. Throws `PolytopeError('not-applicable')` when the frame does
 * not span ℝⁿ, `PolytopeError('not-applicable')` when the vectors lie in an affine hyperplane
 * (the polytope has no interior), and `PolytopeError('too-large')` above `maxDimension`.
 *
 * @example
 * const p = framePolytope(tetrahedronFrame());
 * p.numFacets;                   // 4
 * facetVertices(p, 0);           // Int32Array [0, 1, 2]
 * p.offsets[0];                  // 1/3 (the inradius of the regular tetrahedron of circumradius 1)
 */
export function framePolytope(frame: Frame, options: FramePolytopeOptions = {}): FramePolytope {
  const tol = options.tolerance ?? FRAME_POLYTOPE_EPS;
  const maxDim = options.maxDimension ?? 10;
  const { n, m, rows } = frame;
  if (n > maxDim) {
    throw new PolytopeError(
      'too-large',
      `${frame.name}: the frame polytope in dimension ${n} is too large to enumerate (limit ${maxDim}; pass maxDimension to raise it)`,
    );
  }
  const all = Int32Array.from({ length: m }, (_, i) => i);
  const rank = rankOfRows(rows, n, all, m);
  if (rank < n) {
    throw new PolytopeError(
      'not-applicable',
      `${frame.name}: the ${m} frame vectors span only a ${rank}-dimensional subspace of ℝ^${n}; a frame must span ℝⁿ`,
    );
  }
  // Affine dimension: rank of x_k − x_0.
  const diffs = new Float64Array(m * n);
  for (let k = 0; k < m; k++) for (let j = 0; j < n; j++) diffs[k * n + j] = rows[k * n + j]! - rows[j]!;
  const affRank = rankOfRows(diffs, n, all, m);
  if (affRank < n) {
    throw new PolytopeError(
      'not-applicable',
      `${frame.name}: the frame vectors lie in an affine hyperplane, so their convex hull has no interior (0 is not inside it); the frame polytope is (${affRank})-dimensional`,
    );
  }

  const planes = hullFacets(rows, m, n, tol);
  // Facet vertex sets from the planes, on the exact points.
  const facets: { verts: number[]; a: number[]; b: number }[] = [];
  for (let f = 0; f < planes.normals.length; f++) {
    const a = planes.normals[f]!;
    const b = planes.offsets[f]!;
    const verts: number[] = [];
    for (let k = 0; k < m; k++) {
      const d = dotAt(a, 0, rows, k * n, n) - b;
      if (d > HULL_CHECK_FACTOR * tol)
        throw new InternalError(`${frame.name}: internal hull error (vertex ${k} lies outside a facet by ${d})`);
      if (Math.abs(d) <= tol) verts.push(k);
    }
    facets.push({ verts, a, b });
  }
  facets.sort((p, q) => {
    const l = Math.min(p.verts.length, q.verts.length);
    for (let t = 0; t < l; t++) if (p.verts[t] !== q.verts[t]) return p.verts[t]! - q.verts[t]!;
    return p.verts.length - q.verts.length;
  });
  const numFacets = facets.length;
  const facetStart = new Int32Array(numFacets + 1);
  for (let f = 0; f < numFacets; f++) facetStart[f + 1] = facetStart[f]! + facets[f]!.verts.length;
  const facetIndex = new Int32Array(facetStart[numFacets]!);
  const normals = new Float64Array(numFacets * n);
  const offsets = new Float64Array(numFacets);
  let simplicial = true;
  let minOffset = Infinity;
  const counts = new Int32Array(m + 1);
  facets.forEach((f, j) => {
    facetIndex.set(f.verts, facetStart[j]!);
    normals.set(f.a, j * n);
    offsets[j] = f.b;
    if (f.b < minOffset) minOffset = f.b;
    if (f.verts.length !== n) simplicial = false;
    for (const k of f.verts) counts[k + 1] = counts[k + 1]! + 1;
  });
  const vertexFacetStart = new Int32Array(m + 1);
  for (let k = 0; k < m; k++) vertexFacetStart[k + 1] = vertexFacetStart[k]! + counts[k + 1]!;
  const vertexFacetIndex = new Int32Array(vertexFacetStart[m]!);
  const fill = vertexFacetStart.slice(0, m);
  for (let j = 0; j < numFacets; j++) {
    for (let t = facetStart[j]!; t < facetStart[j + 1]!; t++) {
      const k = facetIndex[t]!;
      vertexFacetIndex[fill[k]!] = j;
      fill[k] = fill[k]! + 1;
    }
  }
  return { n, m, numFacets, facetStart, facetIndex, normals, offsets, vertexFacetStart, vertexFacetIndex, simplicial, minOffset };
}

/**
 * The vertex indices I_{F_j} of facet j (a subarray view).
 *
 * @example
 * const p = framePolytope(tetrahedronFrame());
 * Array.from(facetVertices(p, 0)); // the 3 frame vectors spanning facet 0
 */
export function facetVertices(p: FramePolytope, j: number): Int32Array {
  return p.facetIndex.subarray(p.facetStart[j]!, p.facetStart[j + 1]!);
}

/** The facets J_i containing frame vector i (a subarray view). */
export function vertexFacets(p: FramePolytope, i: number): Int32Array {
  return p.vertexFacetIndex.subarray(p.vertexFacetStart[i]!, p.vertexFacetStart[i + 1]!);
}

/**
 * The facet whose cone contains x (the facet through which the ray from 0 along x leaves P_X):
 * argmax over facets with b_j > 0 of ⟨a_j, x⟩ / b_j. Returns −1 for x = 0 or when no facet faces x.
 *
 * @example
 * facetContaining(framePolytope(tetrahedronFrame()), [1, 1, 1]); // a facet containing vertex 0
 */
export function facetContaining(p: FramePolytope, x: ArrayLike<number>): number {
  let best = -1;
  let bestVal = 0;
  for (let j = 0; j < p.numFacets; j++) {
    const b = p.offsets[j]!;
    if (!(b > 0)) continue;
    const v = dotAt(p.normals, j * p.n, x, 0, p.n) / b;
    if (v > bestVal) {
      bestVal = v;
      best = j;
    }
  }
  return best;
}

/**
 * Facet lists as plain arrays (for JSON).
 *
 * @example
 * facetLists(framePolytope(tetrahedronFrame())); // [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]
 */
export function facetLists(p: FramePolytope): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < p.numFacets; j++) out.push(Array.from(facetVertices(p, j)));
  return out;
}

/** A facet found by gift wrapping: vertex indices (ascending), unit outward normal, offset. */
interface HullFacet {
  readonly verts: number[];
  readonly a: number[];
  readonly b: number;
}

/** Facet planes of the full-dimensional hull of m points in ℝᵈ, as `framePolytope` consumes them. */
function hullFacets(P: Float64Array, m: number, d: number, tol: number): { normals: number[][]; offsets: number[] } {
  const facets = wrap(P, m, d, tol);
  return { normals: facets.map((f) => f.a), offsets: facets.map((f) => f.b) };
}

/**
 * Gift wrapping in ℝᵈ (points m×d row-major, full-dimensional affine hull). Each facet's ridges
 * are the facets of its own vertex set inside its hyperplane (recursion, or the n subsets of a
 * simplex); across each ridge the hyperplane is rotated towards the ridge's outward in-facet
 * direction w: for a point p with u = ⟨p − r₀, a⟩ < 0 and v = ⟨p − r₀, w⟩ the rotated plane
 * cos θ·a + sin θ·w reaches p at θ_p = atan2(−u, v) ∈ (0, π), and the next facet is at min θ_p.
 */
function wrap(P: Float64Array, m: number, d: number, tol: number): HullFacet[] {
  if (d === 1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < m; k++) {
      lo = Math.min(lo, P[k]!);
      hi = Math.max(hi, P[k]!);
    }
    const low: number[] = [];
    const high: number[] = [];
    for (let k = 0; k < m; k++) {
      if (P[k]! <= lo + tol) low.push(k);
      if (P[k]! >= hi - tol) high.push(k);
    }
    return [
      { verts: low, a: [-1], b: -lo },
      { verts: high, a: [1], b: hi },
    ];
  }
  const pts: HullPoints = { P, m, d, tol };
  const first = initialFacet(pts);
  const out: HullFacet[] = [first];
  const seen = new Set<string>([first.verts.join(',')]);
  for (let head = 0; head < out.length; head++) {
    const F = out[head]!;
    for (const ridge of ridgesOf(P, d, F, tol)) {
      const G = pivot(pts, F.a, new Set(F.verts), ridge.verts, ridge.w);
      const key = G.verts.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(G);
      if (out.length > 1_000_000) throw new PolytopeError('too-large', 'frame polytope: more than 10⁶ facets');
    }
  }
  return out;
}

/** Vertices within `tol` of the plane ⟨a, x⟩ = b, ascending. */
function contact(P: Float64Array, m: number, d: number, tol: number, a: ArrayLike<number>, b: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < m; k++) if (Math.abs(dotAt(a, 0, P, k * d, d) - b) <= tol) out.push(k);
  return out;
}

/** Orthonormal basis (rows) of span(extra vectors ∪ {x_k − x_{k0} : k ∈ verts}), by two-pass Gram–Schmidt. */
function basisOf(P: Float64Array, d: number, verts: readonly number[], extra: readonly (readonly number[])[]): number[][] {
  const basis: number[][] = [];
  const add = (v: number[]): void => {
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const t = dotAt(v, 0, q, 0, d);
        for (let j = 0; j < d; j++) v[j] = v[j]! - t * q[j]!;
      }
    }
    const len = normAt(v, 0, d);
    if (len > RANK_EPS) basis.push(v.map((x) => x / len));
  };
  for (const e of extra) add(e.slice());
  const k0 = verts[0]!;
  for (let t = 1; t < verts.length; t++) {
    const k = verts[t]!;
    const v: number[] = [];
    for (let j = 0; j < d; j++) v.push(P[k * d + j]! - P[k0 * d + j]!);
    add(v);
  }
  return basis;
}

/** A unit vector orthogonal to every row of `basis` (the coordinate axis with the largest residual). */
function orthogonalTo(basis: readonly (readonly number[])[], d: number): number[] {
  let best: number[] = [];
  let bestLen = -1;
  for (let e = 0; e < d; e++) {
    const v = new Array<number>(d).fill(0);
    v[e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const t = dotAt(v, 0, q, 0, d);
        for (let j = 0; j < d; j++) v[j] = v[j]! - t * q[j]!;
      }
    }
    const len = normAt(v, 0, d);
    if (len > bestLen) {
      bestLen = len;
      best = v.map((x) => x / len);
    }
  }
  return best;
}

/**
 * Rotates the supporting plane (normal a) about the face `ridge` towards w until it meets another
 * point; `skip` are points that cannot be met (those on the current plane).
 */
function pivot(pts: HullPoints, a: readonly number[], skip: Set<number>, ridge: readonly number[], w: readonly number[]): HullFacet {
  const { P, m, d, tol } = pts;
  const r0 = ridge[0]!;
  let best = Infinity;
  for (let k = 0; k < m; k++) {
    if (skip.has(k)) continue;
    let u = 0;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const x = P[k * d + j]! - P[r0 * d + j]!;
      u += x * a[j]!;
      v += x * w[j]!;
    }
    const theta = Math.atan2(-u, v);
    if (theta < best) best = theta;
  }
  if (!Number.isFinite(best)) throw new InternalError('frame polytope: the hull is not full-dimensional');
  const c = Math.cos(best);
  const s = Math.sin(best);
  const nrm = a.map((x, j) => c * x + s * w[j]!);
  const len = normAt(nrm, 0, d);
  for (let j = 0; j < d; j++) nrm[j] = nrm[j]! / len;
  // Offset: the largest ⟨n, x⟩ (exactly supporting), which the ridge and the new point attain.
  let b = -Infinity;
  for (let k = 0; k < m; k++) b = Math.max(b, dotAt(nrm, 0, P, k * d, d));
  return { verts: contact(P, m, d, tol, nrm, b), a: nrm, b };
}

/** The points of a hull computation: m points of dimension d (row-major `P`) and the contact tolerance. */
interface HullPoints {
  readonly P: Float64Array;
  readonly m: number;
  readonly d: number;
  readonly tol: number;
}

/** A first facet: start from the supporting plane ⟨e₀, x⟩ = max and pivot until the contact set spans d − 1 dimensions. */
function initialFacet(pts: HullPoints): HullFacet {
  const { P, m, d, tol } = pts;
  let a = new Array<number>(d).fill(0);
  a[0] = 1;
  let b = -Infinity;
  for (let k = 0; k < m; k++) b = Math.max(b, P[k * d]!);
  let G = contact(P, m, d, tol, a, b);
  for (let step = 0; step < d + 1; step++) {
    const basis = basisOf(P, d, G, []);
    if (basis.length >= d - 1) return { verts: G, a, b };
    const w = orthogonalTo(basis.concat([a]), d);
    const next = pivot(pts, a, new Set(G), G, w);
    a = next.a;
    b = next.b;
    G = next.verts;
  }
  throw new InternalError('frame polytope: could not find a first facet');
}

/** The ridges of facet F with their unit outward directions w (in F's plane, orthogonal to the ridge). */
function ridgesOf(P: Float64Array, d: number, F: HullFacet, tol: number): { verts: number[]; w: number[] }[] {
  const verts = F.verts;
  const out: { verts: number[]; w: number[] }[] = [];
  if (verts.length === d) {
    // A simplex: drop one vertex at a time; w points from the dropped vertex away across the ridge.
    for (let t = 0; t < d; t++) {
      const ridge = verts.filter((_, s) => s !== t);
      const basis = basisOf(P, d, ridge, [F.a]);
      const o = verts[t]!;
      const r0 = ridge[0]!;
      const w: number[] = [];
      for (let j = 0; j < d; j++) w.push(P[r0 * d + j]! - P[o * d + j]!);
      for (let pass = 0; pass < 2; pass++) {
        for (const q of basis) {
          const s = dotAt(w, 0, q, 0, d);
          for (let j = 0; j < d; j++) w[j] = w[j]! - s * q[j]!;
        }
      }
      const len = normAt(w, 0, d);
      out.push({ verts: ridge, w: w.map((x) => x / len) });
    }
    return out;
  }
  // Non-simplicial: hull of the facet's vertices in local coordinates of its hyperplane.
  const B = basisOf(P, d, verts, [F.a]).slice(1); // d − 1 in-plane directions
  const k0 = verts[0]!;
  const local = new Float64Array(verts.length * (d - 1));
  verts.forEach((k, c) => {
    for (let t = 0; t < d - 1; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (P[k * d + j]! - P[k0 * d + j]!) * B[t]![j]!;
      local[c * (d - 1) + t] = s;
    }
  });
  for (const sub of wrap(local, verts.length, d - 1, tol)) {
    const w = new Array<number>(d).fill(0);
    for (let t = 0; t < d - 1; t++) for (let j = 0; j < d; j++) w[j] = w[j]! + sub.a[t]! * B[t]![j]!;
    out.push({ verts: sub.verts.map((c) => verts[c]!), w });
  }
  return out;
}
