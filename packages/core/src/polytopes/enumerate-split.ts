/**
 * Splitting a polytope (vertices with their constraint incidences) by a hyperplane, exactly and
 * without an LP: vertices are classified by sign (`sideWithin` with the `VERTEX_EPS` tolerance of
 * geometry/predicates.ts), and the new vertices are the crossings of the edges whose endpoints lie
 * strictly on opposite sides. Two vertices span an edge iff they share at least d − 1 tight
 * constraints and no third vertex is tight on all of their common constraints (Fukuda, "Frequently
 * asked questions in polyhedral computation", §2.16).
 */
import { affineScale, sideWithin } from '../geometry/predicates.js';

/** A polytope being split: vertices, incidences, code, and the current layer input as a map of x. */
export interface Poly {
  verts: Float64Array;
  nv: number;
  /** Incidence bitmasks, W 32-bit words per vertex (bit k of the row: constraint k). */
  inc: Uint32Array;
  code: Uint8Array;
  /** Current layer input as an affine map of x: rows of (d+1) = [const, grad]. */
  map: Float64Array;
}

/**
 * What the splits of one enumeration share: sizes, the coordinate scale and the vertex tolerance,
 * and scratch buffers (owned by that enumeration, so enumerations are re-entrant).
 */
export interface SplitContext {
  readonly d: number;
  /** Incidence words per vertex. */
  readonly W: number;
  /** max(|lo_j|, |hi_j|) per dimension: the coordinate scale the sign tolerances are relative to. */
  readonly extent: Float64Array;
  /** Relative tolerance for a vertex on the hyperplane (`PolytopeTolerances.vertex`). */
  readonly vertexEps: number;
  /** Common incidence of a vertex pair (W words). */
  readonly F: Uint32Array;
  /** Per-vertex values and sides of the current split (grown on demand). */
  s: Float64Array;
  side: Int8Array;
}

/** A new split context with scratch for 256 vertices. */
export function splitContext(d: number, W: number, extent: Float64Array, vertexEps: number): SplitContext {
  return { d, W, extent, vertexEps, F: new Uint32Array(W), s: new Float64Array(256), side: new Int8Array(256) };
}

/** The cutting function a·x + c (row `pre[off..off+d]`, constant first) and the constraint id it gets (word, bit mask). */
export interface Cut {
  readonly pre: Float64Array;
  readonly off: number;
  readonly word: number;
  readonly mask: number;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Values and sides of P's vertices (into ctx.s / ctx.side); returns the counts below and above. */
function classify(P: Poly, cut: Cut, ctx: SplitContext): { nNeg: number; nPos: number } {
  const { verts, nv } = P;
  const { d } = ctx;
  if (ctx.s.length < nv) {
    ctx.s = new Float64Array(2 * nv);
    ctx.side = new Int8Array(2 * nv);
  }
  const { s, side } = ctx;
  const { pre, off } = cut;
  const c0 = pre[off]!;
  // Scale of the affine function on the box (not at the vertex: vertices near 0 must not shrink it).
  const tol = ctx.vertexEps * affineScale(c0, pre, off + 1, d, ctx.extent);
  let nNeg = 0;
  let nPos = 0;
  for (let i = 0; i < nv; i++) {
    let v = c0;
    for (let j = 0; j < d; j++) v += pre[off + 1 + j]! * verts[i * d + j]!;
    s[i] = v;
    const sg = sideWithin(v, tol);
    side[i] = sg;
    if (sg > 0) nPos++;
    else if (sg < 0) nNeg++;
  }
  return { nNeg, nPos };
}

/**
 * Not cut: the hyperplane at most touches the polytope; touching vertices are tagged. All vertices
 * on it: the function vanishes on the polytope (dead inputs); it is no constraint.
 */
function untouched(P: Poly, cut: Cut, ctx: SplitContext, counts: { nNeg: number; nPos: number }): [Poly | null, Poly | null] {
  const { nv, inc } = P;
  const { nNeg, nPos } = counts;
  const W = ctx.W;
  let newInc = inc;
  if (nNeg + nPos < nv && nNeg + nPos > 0) {
    newInc = inc.slice();
    for (let i = 0; i < nv; i++) if (ctx.side[i] === 0) newInc[i * W + cut.word] = (newInc[i * W + cut.word]! | cut.mask) >>> 0;
  }
  const Q: Poly = { verts: P.verts, nv, inc: newInc, code: P.code, map: P.map };
  return nPos > 0 ? [null, Q] : [Q, null];
}

/** Whether vertices i and j span an edge (their common incidence, left in ctx.F, has ≥ d − 1 ids that no third vertex shares). */
function isEdge(P: Poly, ctx: SplitContext, i: number, j: number): boolean {
  const { nv, inc } = P;
  const { W, F } = ctx;
  let cnt = 0;
  for (let w = 0; w < W; w++) {
    const f = inc[i * W + w]! & inc[j * W + w]!;
    F[w] = f;
    if (f) cnt += popcount32(f);
  }
  if (cnt < ctx.d - 1) return false;
  for (let k = 0; k < nv; k++) {
    if (k === i || k === j) continue;
    let sub = true;
    for (let w = 0; w < W; w++) {
      const f = F[w]!;
      // `&` yields a signed int: compare unsigned, or a set bit 31 (ids 31, 63, …) never matches.
      if ((inc[k * W + w]! & f) >>> 0 !== f) {
        sub = false;
        break;
      }
    }
    if (sub) return false;
  }
  return true;
}

/** New vertices where the edges (i below, j above) cross the hyperplane, tight on the edge's ids and the cut. */
function edgeCrossings(P: Poly, cut: Cut, ctx: SplitContext): { newV: number[]; newInc: number[] } {
  const { verts, nv } = P;
  const { d, W, F, s, side } = ctx;
  const newV: number[] = [];
  const newInc: number[] = [];
  for (let i = 0; i < nv; i++) {
    if (side[i] !== -1) continue;
    for (let j = 0; j < nv; j++) {
      if (side[j] !== 1 || !isEdge(P, ctx, i, j)) continue;
      const t = s[i]! / (s[i]! - s[j]!);
      for (let q = 0; q < d; q++) {
        const a = verts[i * d + q]!;
        newV.push(a + t * (verts[j * d + q]! - a));
      }
      for (let w = 0; w < W; w++) newInc.push(w === cut.word ? (F[w]! | cut.mask) >>> 0 : F[w]!);
    }
  }
  return { newV, newInc };
}

/** The part of P on side `sgn` (its vertices there and on the hyperplane, then the crossings). */
function sidePart(P: Poly, cut: Cut, ctx: SplitContext, part: { sgn: number; count: number; newV: number[]; newInc: number[] }): Poly {
  const { verts, nv, inc } = P;
  const { d, W, side } = ctx;
  const { sgn, count, newV, newInc } = part;
  const nNew = newV.length / d;
  const V = new Float64Array(count * d);
  const I = new Uint32Array(count * W);
  let w = 0;
  for (let i = 0; i < nv; i++) {
    if (side[i] === -sgn) continue;
    for (let q = 0; q < d; q++) V[w * d + q] = verts[i * d + q]!;
    for (let k = 0; k < W; k++) I[w * W + k] = inc[i * W + k]!;
    if (side[i] === 0) I[w * W + cut.word] = (I[w * W + cut.word]! | cut.mask) >>> 0;
    w++;
  }
  for (let n = 0; n < nNew; n++) {
    for (let q = 0; q < d; q++) V[w * d + q] = newV[n * d + q]!;
    for (let k = 0; k < W; k++) I[w * W + k] = newInc[n * W + k]!;
    w++;
  }
  return { verts: V, nv: count, inc: I, code: P.code.slice(), map: P.map };
}

/** Splits `P` by the cut's function; returns [side ≤ 0, side ≥ 0] (either may be null). */
export function splitPoly(P: Poly, cut: Cut, ctx: SplitContext): [Poly | null, Poly | null] {
  const counts = classify(P, cut, ctx);
  const { nNeg, nPos } = counts;
  if (nNeg === 0 || nPos === 0) return untouched(P, cut, ctx, counts);
  const { newV, newInc } = edgeCrossings(P, cut, ctx);
  const nNew = newV.length / ctx.d;
  const onPlane = P.nv - nNeg - nPos;
  return [
    sidePart(P, cut, ctx, { sgn: -1, count: nNeg + onPlane + nNew, newV, newInc }),
    sidePart(P, cut, ctx, { sgn: 1, count: nPos + onPlane + nNew, newV, newInc }),
  ];
}

/** The box as a polytope: W incidence words per vertex, bit 2i for x_i = hi_i, 2i+1 for x_i = lo_i. */
export function boxPoly(box: readonly number[], d: number, W: number): Poly {
  const nv = 1 << d;
  const verts = new Float64Array(nv * d);
  const inc = new Uint32Array(nv * W);
  for (let m = 0; m < nv; m++) {
    for (let i = 0; i < d; i++) {
      const hi = (m >> i) & 1;
      verts[m * d + i] = hi ? box[2 * i + 1]! : box[2 * i]!;
      const k = 2 * i + (hi ? 0 : 1);
      inc[m * W + (k >> 5)] = (inc[m * W + (k >> 5)]! | (1 << (k & 31))) >>> 0;
    }
  }
  return { verts, nv, inc, code: new Uint8Array(0), map: new Float64Array(0) };
}
