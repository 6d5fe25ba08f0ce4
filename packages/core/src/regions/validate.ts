/**
 * Self-checks for partition results (after delaunator's `validate`): run on every result in the
 * tests, and on demand from the CLI (`--validate`).
 */
import { polygonArea, polygonCentroid } from '../geometry/cells.js';
import { THIN_AREA_EPS } from '../geometry/predicates.js';
import { forwardWithCode } from '../network/forward.js';
import type { Network } from '../network/network.js';
import type { LineResult } from './line.js';
import type { SliceResult } from './slice.js';

/** Result of `validateSlice` / `validateLine`: ok, the problems found and how many thin regions were skipped. */
export interface ValidationReport {
  ok: boolean;
  problems: string[];
  /** Regions whose centroid is too close to a boundary to check its code (thin regions). */
  skipped: number;
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Checks a slice: regions tile the box (compensated area sum), every polygon is convex and
 * counter-clockwise, each region's centroid reproduces its code, and the region's plane map
 * equals the network at the centroid.
 *
 * @example
 * const res = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]);
 * validateSlice(net, res).ok; // true
 */
export function validateSlice(net: Network, res: SliceResult, maxProblems = 20): ValidationReport {
  const problems: string[] = [];
  const { summary, plane } = res;
  if (relErr(summary.totalArea, summary.boxArea) > 1e-9) problems.push(`areas sum to ${summary.totalArea}, box area is ${summary.boxArea}`);
  const d = net.inputSize;
  const o = net.outputSize;
  const x = new Float64Array(d);
  let skipped = 0;
  for (const r of res.regions) {
    if (problems.length >= maxProblems) break;
    const n = r.vertices.length / 2;
    const area = polygonArea(r.vertices, n);
    if (area < -1e-12 * summary.boxArea) problems.push(`region ${r.index} is clockwise (area ${area})`);
    for (let i = 0; i < n; i++) {
      const a = i, b = (i + 1) % n, c = (i + 2) % n;
      const cross = (r.vertices[2 * b]! - r.vertices[2 * a]!) * (r.vertices[2 * c + 1]! - r.vertices[2 * a + 1]!) - (r.vertices[2 * b + 1]! - r.vertices[2 * a + 1]!) * (r.vertices[2 * c]! - r.vertices[2 * a]!);
      if (cross < -1e-9 * summary.boxArea) {
        problems.push(`region ${r.index} is not convex at vertex ${b}`);
        break;
      }
    }
    if (r.area <= THIN_AREA_EPS * summary.boxArea * 1e3) {
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
      if (Math.abs(v - output[k]!) > 1e-8 * Math.max(1, Math.abs(output[k]!))) {
        problems.push(`region ${r.index}: plane map gives ${v} at the centroid, the network ${output[k]}`);
        break;
      }
    }
  }
  return { ok: problems.length === 0, problems, skipped };
}

/**
 * Checks a line partition: pieces tile [0, 1], each midpoint reproduces its code and map.
 *
 * @example
 * const res = partitionLine(net, [0, 0], [1, 1]);
 * validateLine(net, [0, 0], [1, 1], res).ok; // true
 */
export function validateLine(net: Network, x0: ArrayLike<number>, x1: ArrayLike<number>, res: LineResult): ValidationReport {
  const problems: string[] = [];
  let skipped = 0;
  let prev = 0;
  const d = net.inputSize;
  const x = new Float64Array(d);
  for (const p of res.pieces) {
    if (Math.abs(p.t0 - prev) > 1e-12) problems.push(`gap or overlap at t = ${prev}`);
    prev = p.t1;
    if (p.t1 - p.t0 < 1e-9) {
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
    for (let k = 0; k < net.outputSize; k++) {
      const v = p.map[2 * k]! + p.map[2 * k + 1]! * t;
      if (Math.abs(v - output[k]!) > 1e-8 * Math.max(1, Math.abs(output[k]!))) problems.push(`piece at t = ${t}: map ${v} vs network ${output[k]}`);
    }
  }
  if (Math.abs(prev - 1) > 1e-12) problems.push(`pieces end at t = ${prev}, not 1`);
  return { ok: problems.length === 0, problems, skipped };
}
