/**
 * Self-checks for partition results (after delaunator's `validate`): run on every result in the
 * tests, and on demand from the CLI (`--validate`).
 */
import { polygonArea, polygonCentroid } from '../geometry/cells.js';
import { DEFAULT_TOLERANCES, VALIDATE, atMost } from '../geometry/predicates.js';
import { forwardWithCode } from '../network/forward.js';
import { prepareNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import type { LineResult } from './line.js';
import { regionResolutionProblem, resolutionProblem } from './resolution.js';
import type { SliceResult } from './slice.js';

/** Result of `validateSlice` / `validateLine`: ok, the problems found and how many thin regions were skipped. */
export interface ValidationReport {
  ok: boolean;
  problems: string[];
  /** Regions whose centroid is too close to a boundary to check its code (thin regions). */
  skipped: number;
  /** Slices: features below the slice's resolution (`resolutionProblem`), also listed in `problems`; else null. */
  resolution?: string | null;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Checks a slice: regions tile the box (compensated area sum), no first-layer feature lies below
 * the slice's resolution (regions/resolution.ts: regions that a slice would lose), every polygon is convex and
 * counter-clockwise, each region's centroid reproduces its code, and the region's plane map
 * equals the network at the centroid.
 *
 * @example
 * const res = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]);
 * validateSlice(net, res).ok; // true
 */
export function validateSlice(netLike: NetworkLike, res: SliceResult, maxProblems = 20): ValidationReport {
  const net = prepareNetwork(netLike);
  return checkSlice(net, net.network.inputSize, net.network.outputSize, res, maxProblems);
}

function checkSlice(net: NetworkLike, d: number, o: number, res: SliceResult, maxProblems: number): ValidationReport {
  const problems: string[] = [];
  const { summary, plane } = res;
  if (relErr(summary.totalArea, summary.boxArea) > VALIDATE.areaSum)
    problems.push(`areas sum to ${summary.totalArea}, box area is ${summary.boxArea}`);
  const unresolved = resolutionProblem(net, plane, res.box) ?? regionResolutionProblem(net, res);
  if (unresolved) problems.push(unresolved);
  const x = new Float64Array(d);
  let skipped = 0;
  for (const r of res.regions) {
    if (problems.length >= maxProblems) break;
    const n = r.vertices.length / 2;
    const area = polygonArea(r.vertices, n);
    if (area < -VALIDATE.orientation * summary.boxArea) problems.push(`region ${r.index} is clockwise (area ${area})`);
    const bad = nonConvexVertex(r.vertices, n, VALIDATE.convexity * summary.boxArea);
    if (bad >= 0) problems.push(`region ${r.index} is not convex at vertex ${bad}`);
    if (atMost(r.area, 0, DEFAULT_TOLERANCES.thinArea * summary.boxArea * VALIDATE.thinFactor)) {
      skipped++;
      continue;
    }
    const [s, t] = polygonCentroid(r.vertices, n) as unknown as [number, number];
    for (let i = 0; i < d; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
    const { output, code } = forwardWithCode(net, x);
    let diff = 0;
    for (let u = 0; u < code.length; u++) if (code[u] !== r.code[u]) diff++;
    if (diff > 0) {
      // A unit that is exactly zero at the centroid (e.g. dead or tied) may legitimately read either way.
      problems.push(`region ${r.index}: centroid (${s}, ${t}) has a code differing in ${diff} unit(s)`);
      continue;
    }
    for (let k = 0; k < o; k++) {
      const v = r.map[3 * k]! + r.map[3 * k + 1]! * s + r.map[3 * k + 2]! * t;
      if (Math.abs(v - output[k]!) > VALIDATE.map * Math.max(1, Math.abs(output[k]!))) {
        problems.push(`region ${r.index}: plane map gives ${v} at the centroid, the network ${output[k]}`);
        break;
      }
    }
  }
  return { ok: problems.length === 0, problems, skipped, resolution: unresolved };
}

/** The first vertex (index of the middle of three) where the polygon turns clockwise by more than `tol`, or −1. */
function nonConvexVertex(xy: Float64Array, n: number, tol: number): number {
  for (let i = 0; i < n; i++) {
    const a = i,
      b = (i + 1) % n,
      c = (i + 2) % n;
    const cross =
      (xy[2 * b]! - xy[2 * a]!) * (xy[2 * c + 1]! - xy[2 * a + 1]!) - (xy[2 * b + 1]! - xy[2 * a + 1]!) * (xy[2 * c]! - xy[2 * a]!);
    if (cross < -tol) return b;
  }
  return -1;
}

/**
 * Checks a line partition: pieces tile [0, 1], each midpoint reproduces its code and map.
 *
 * @example
 * const res = partitionLine(net, [0, 0], [1, 1]);
 * validateLine(net, [0, 0], [1, 1], res).ok; // true
 */
export function validateLine(netLike: NetworkLike, x0: ArrayLike<number>, x1: ArrayLike<number>, res: LineResult): ValidationReport {
  const net = prepareNetwork(netLike);
  const problems: string[] = [];
  let skipped = 0;
  let prev = 0;
  const d = net.network.inputSize;
  const x = new Float64Array(d);
  for (const p of res.pieces) {
    if (Math.abs(p.t0 - prev) > VALIDATE.gap) problems.push(`gap or overlap at t = ${prev}`);
    prev = p.t1;
    if (p.t1 - p.t0 < VALIDATE.shortPiece) {
      skipped++;
      continue;
    }
    const t = (p.t0 + p.t1) / 2;
    for (let i = 0; i < d; i++) x[i] = x0[i]! + t * (x1[i]! - x0[i]!);
    const { output, code } = forwardWithCode(net, x);
    for (let u = 0; u < code.length; u++) {
      if (code[u] !== p.code[u]) {
        problems.push(`piece at t ∈ [${p.t0}, ${p.t1}]: midpoint code differs at unit ${u}`);
        break;
      }
    }
    for (let k = 0; k < net.network.outputSize; k++) {
      const v = p.map[2 * k]! + p.map[2 * k + 1]! * t;
      if (Math.abs(v - output[k]!) > VALIDATE.map * Math.max(1, Math.abs(output[k]!)))
        problems.push(`piece at t = ${t}: map ${v} vs network ${output[k]}`);
    }
  }
  if (Math.abs(prev - 1) > VALIDATE.gap) problems.push(`pieces end at t = ${prev}, not 1`);
  return { ok: problems.length === 0, problems, skipped };
}
