/**
 * The slice's resolution check (issue 18 #2): a slice decides every sign against a pointwise
 * tolerance (`localTolerance` + `SIDE_EPS` × the terms at the vertex, geometry/predicates.ts), so
 * features below it — three lines of the first activation layer that meet within the tolerance of
 * one point without meeting exactly, e.g. every line passing within 1e-14 of the origin when the
 * plane's directions are scaled by 1e14 — are merged, and the regions between them are lost. Validation
 * by centroids cannot see a region that is missing, so `validateSlice` runs this check: the first
 * activation layer's pre-activations are affine in the plane coordinates (computed exactly up to
 * rounding from three forward passes), their pairwise intersections are computed by Cramer's rule
 * (relative precision, independent of the box), and every other line is tested against each point.
 */
import { COINCIDENT_DIGITS, DEFAULT_TOLERANCES, VALIDATE, localTolerance, pointTolerance } from '../geometry/predicates.js';
import { forwardAll, propagateFamily } from '../network/forward.js';
import type { NetworkLike } from '../network/prepared.js';
import { networkOf } from '../network/prepared.js';
import type { Plane, SliceResult } from './slice.js';

type Box2 = readonly [number, number, number, number];

/** The first ReLU-type activation layer's pre-activations c + a s + b t on the plane (three forward passes), and its code offset. */
function firstLayerAffine(
  netLike: NetworkLike,
  plane: Plane,
): { f0: Float64Array; fu: Float64Array; fv: Float64Array; offset: number } | null {
  const net = networkOf(netLike);
  const slot = net.activations[0];
  if (!slot) return null;
  const node = net.activationNode(slot);
  if (node.type !== 'relu' && node.type !== 'leaky_relu') return null;
  const pre = node.inputs[0]!;
  const d = net.inputSize;
  const at = (s: number, t: number): Float64Array => {
    const x = new Float64Array(d);
    for (let i = 0; i < d; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
    return forwardAll(netLike, x).values[pre]!;
  };
  return { f0: at(0, 0), fu: at(1, 0), fv: at(0, 1), offset: slot.offset };
}

/** A first-layer unit whose line coincides with another's: its code index, and whether it is on the same side (same orientation). */
export interface CoincidentUnit {
  readonly unit: number;
  readonly same: boolean;
}

/**
 * Units of the first ReLU-type activation layer whose lines c + a s + b t = 0 coincide in the plane
 * (rows equal up to a factor, compared after scaling by the largest coefficient and rounding to
 * `COINCIDENT_DIGITS` significant digits). Crossing such a line flips every unit of its group at once,
 * so the neighbour across an edge labelled with one of them differs in all of them: the slice's
 * linear-region merging uses these groups to find that neighbour (issue 18 #1, coincident
 * hyperplanes with a shared map counted twice). Keyed by code index; empty when there are none.
 *
 * @example
 * // W1 = [[1, 1], [1, 1]], b1 = [0, 0]: units 0 and 1 coincide with the same orientation
 * coincidentFirstLayerUnits(net, inputPlane(net)).get(0); // [{ unit: 1, same: true }]
 */
export function coincidentFirstLayerUnits(netLike: NetworkLike, plane: Plane): Map<number, CoincidentUnit[]> {
  const out = new Map<number, CoincidentUnit[]>();
  const L = firstLayerAffine(netLike, plane);
  if (!L) return out;
  const groups = new Map<string, { unit: number; sign: number }[]>();
  for (let k = 0; k < L.f0.length; k++) {
    const c = L.f0[k]!;
    const a = L.fu[k]! - c;
    const b = L.fv[k]! - c;
    if (a === 0 && b === 0) continue;
    // Canonical form: divided by the coefficient of largest magnitude among a, b (sign included).
    const m = Math.abs(a) >= Math.abs(b) ? a : b;
    const key = [c / m, a / m, b / m].map((v) => (v === 0 ? '0' : v.toPrecision(COINCIDENT_DIGITS))).join(',');
    const list = groups.get(key);
    const entry = { unit: L.offset + k, sign: Math.sign(m) };
    if (list) list.push(entry);
    else groups.set(key, [entry]);
  }
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    for (const x of list)
      out.set(
        x.unit,
        list.filter((y) => y !== x).map((y) => ({ unit: y.unit, same: y.sign === x.sign })),
      );
  }
  return out;
}

/** The lines c + a s + b t = 0 of the first ReLU-type activation layer that cross the box. */
function firstLayerLines(netLike: NetworkLike, plane: Plane, box: Box2): { L: Float64Array; unit: number[] } | null {
  const lines = firstLayerAffine(netLike, plane);
  if (!lines) return null;
  const { f0, fu, fv } = lines;
  const ex = Math.max(Math.abs(box[0]), Math.abs(box[1]));
  const ey = Math.max(Math.abs(box[2]), Math.abs(box[3]));
  const out: number[] = [];
  const unit: number[] = [];
  for (let k = 0; k < f0.length; k++) {
    const c = f0[k]!;
    const a = fu[k]! - c;
    const b = fv[k]! - c;
    if (a === 0 && b === 0) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of [box[0], box[1]])
      for (const t of [box[2], box[3]]) {
        const v = c + a * s + b * t;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    // The slice's pointwise tolerance (predicates.ts `localTolerance`): its floor here, the
    // point's own term where it is tested.
    const tol = localTolerance([c, a, b], 0, 3, [ex, ey], DEFAULT_TOLERANCES.side);
    if (lo < -tol && hi > tol) {
      out.push(c, a, b, tol);
      unit.push(k);
    }
  }
  return { L: Float64Array.from(out), unit };
}

/**
 * Near-concurrences of the first layer's lines inside the box: points where two lines meet and a
 * third passes within the slice's side tolerance without passing through (|value| above
 * `VALIDATE.exactTie` × its local scale). Returns a problem message, or null. Skipped (null) above
 * `VALIDATE.resolutionLines` crossing lines (the test is cubic in their number).
 *
 * @example
 * const res = slicePlane(net, plane, [-1, 1, -1, 1]);
 * const why = resolutionProblem(net, res.plane, res.box); // null, or what the slice could not resolve
 */
export function resolutionProblem(netLike: NetworkLike, plane: Plane, box: Box2): string | null {
  const lines = firstLayerLines(netLike, plane, box);
  if (!lines) return null;
  const { L, unit } = lines;
  const n = L.length / 4;
  if (n > VALIDATE.resolutionLines) return null;
  let count = 0;
  let example = '';
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const [ci, ai, bi] = [L[4 * i]!, L[4 * i + 1]!, L[4 * i + 2]!];
      const [cj, aj, bj] = [L[4 * j]!, L[4 * j + 1]!, L[4 * j + 2]!];
      const det = ai * bj - aj * bi;
      if (!(Math.abs(det) > VALIDATE.exactTie * (Math.abs(ai * bj) + Math.abs(aj * bi)))) continue;
      const s = (bi * cj - bj * ci) / det;
      const t = (aj * ci - ai * cj) / det;
      if (!(s >= box[0] && s <= box[1] && t >= box[2] && t <= box[3])) continue;
      for (let k = 0; k < n; k++) {
        if (k === i || k === j) continue;
        const [ck, ak, bk, tol] = [L[4 * k]!, L[4 * k + 1]!, L[4 * k + 2]!, L[4 * k + 3]!];
        const v = Math.abs(ck + ak * s + bk * t);
        if (
          v <= pointTolerance(tol, DEFAULT_TOLERANCES.side, ak, s, bk, t) &&
          v > VALIDATE.exactTie * (Math.abs(ck) + Math.abs(ak * s) + Math.abs(bk * t))
        ) {
          if (count++ === 0) example = `units ${unit[i]}, ${unit[j]} and ${unit[k]} of the first activation layer near (${s}, ${t})`;
        }
      }
    }
  if (count === 0) return null;
  return (
    `${count} near-concurrence(s) of first-layer lines below the slice's resolution (${example}): regions smaller than ` +
    `the side tolerance × the box may be merged or lost; slice a smaller box around them or scale the plane down`
  );
}

/** Pre-activation lines c + a s + b t of every ReLU-type unit under a region's code, flat [c, a, b] per unit (NaN where a unit is not ReLU-type). */
function regionLines(netLike: NetworkLike, plane: Plane, code: Uint8Array): Float64Array {
  const net = networkOf(netLike);
  const d = net.inputSize;
  const dirs = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    dirs[2 * i] = plane.u[i]!;
    dirs[2 * i + 1] = plane.v[i]!;
  }
  const blocks = propagateFamily(netLike, code, plane.origin, dirs, 2, true);
  const out = new Float64Array(3 * net.numUnits).fill(NaN);
  for (const slot of net.activations) {
    const node = net.activationNode(slot);
    if (node.type !== 'relu' && node.type !== 'leaky_relu' && node.type !== 'prelu') continue;
    const pre = blocks[node.inputs[0]!]!;
    out.set(pre.subarray(0, 3 * slot.numUnits), 3 * slot.offset);
  }
  return out;
}

/** Whether line k passes within the slice's tolerance of the meeting point of lines i and j without passing through it. */
function nearMiss(L: Float64Array, i: number, j: number, k: number, ext: readonly [number, number]): boolean {
  const [ci, ai, bi] = [L[3 * i]!, L[3 * i + 1]!, L[3 * i + 2]!];
  const [cj, aj, bj] = [L[3 * j]!, L[3 * j + 1]!, L[3 * j + 2]!];
  const det = ai * bj - aj * bi;
  if (!(Math.abs(det) > VALIDATE.exactTie * (Math.abs(ai * bj) + Math.abs(aj * bi)))) return false;
  const s = (bi * cj - bj * ci) / det;
  const t = (aj * ci - ai * cj) / det;
  const [ck, ak, bk] = [L[3 * k]!, L[3 * k + 1]!, L[3 * k + 2]!];
  const v = Math.abs(ck + ak * s + bk * t);
  const tol = localTolerance([ck, ak, bk], 0, 3, ext, DEFAULT_TOLERANCES.side);
  return (
    v <= pointTolerance(tol, DEFAULT_TOLERANCES.side, ak, s, bk, t) &&
    v > VALIDATE.exactTie * (Math.abs(ck) + Math.abs(ak * s) + Math.abs(bk * t))
  );
}

/**
 * The resolution check of every layer (issue 18 #2): at each vertex of each region, the ReLU-type
 * units whose lines (under the region's own code) pass within the slice's pointwise tolerance are
 * collected; where three or more meet there, each pair's exact meeting point (Cramer's rule) is
 * tested against the others as in `resolutionProblem`. A region lost below the resolution leaves
 * such a vertex in the region that absorbed it, whatever layer made it. Hard-tanh thresholds and
 * max-pool ties are not tested. Returns a problem message, or null.
 *
 * @example
 * const why = regionResolutionProblem(net, slicePlane(net, plane, [-1, 1, -1, 1])); // null when resolved
 */
export function regionResolutionProblem(netLike: NetworkLike, res: SliceResult): string | null {
  const { box, plane } = res;
  const ext: [number, number] = [Math.max(Math.abs(box[0]), Math.abs(box[1])), Math.max(Math.abs(box[2]), Math.abs(box[3]))];
  let count = 0;
  let example = '';
  for (const r of res.regions) {
    const L = regionLines(netLike, plane, r.code);
    const units = L.length / 3;
    for (let q = 0; q < r.vertices.length; q += 2) {
      const s = r.vertices[q]!;
      const t = r.vertices[q + 1]!;
      const near: number[] = [];
      for (let k = 0; k < units; k++) {
        const [c, a, b] = [L[3 * k]!, L[3 * k + 1]!, L[3 * k + 2]!];
        if (Number.isNaN(c) || (a === 0 && b === 0)) continue;
        const tol = localTolerance([c, a, b], 0, 3, ext, DEFAULT_TOLERANCES.side);
        if (Math.abs(c + a * s + b * t) <= pointTolerance(tol, DEFAULT_TOLERANCES.side, a, s, b, t)) near.push(k);
      }
      if (near.length < 3) continue;
      const hit = nearTriple(L, near, ext);
      if (!hit) continue;
      if (count++ === 0) example = `units ${hit.join(', ')} at (${s}, ${t}) in region ${r.index}`;
    }
  }
  if (count === 0) return null;
  return (
    `${count} vertex/vertices where lines meet below the slice's resolution (${example}): regions smaller than ` +
    `the side tolerance × the box may be merged or lost; slice a smaller box around them or scale the plane down`
  );
}

function nearTriple(L: Float64Array, near: readonly number[], ext: readonly [number, number]): number[] | null {
  for (let x = 0; x < near.length; x++)
    for (let y = x + 1; y < near.length; y++)
      for (let z = 0; z < near.length; z++) {
        if (z === x || z === y) continue;
        if (nearMiss(L, near[x]!, near[y]!, near[z]!, ext)) return [near[x]!, near[y]!, near[z]!];
      }
  return null;
}
