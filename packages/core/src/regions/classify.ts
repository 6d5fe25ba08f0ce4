/**
 * Classification of a cell's units at one stage: a unit whose state is the same on the whole cell
 * is fixed (its state written to the cell's code); the others are *crossing* and subdivide the
 * cell. Bounding-box ranges decide most units cheaply; exact vertex ranges decide the rest. Every
 * comparison goes through `geometry/predicates.ts`.
 */
import { affineTolerance, atLeast, atMost, localTolerance, pairTolerance } from '../geometry/predicates.js';
import type { ActivationNode } from '../network/ir.js';
import type { WindowTable } from '../network/kernels.js';
import type { PartitionFrame } from './frame.js';
import type { Stage } from './stages.js';
import type { Workspace } from './workspace.js';

/** State of a ReLU-like unit whose pre-activation ranges over [lo, hi] on a cell, or −1 if a breakpoint crosses it. */
function fixedState(node: ActivationNode, lo: number, hi: number, tol: number): number {
  if (node.type === 'hardtanh') {
    if (atMost(hi, node.min, tol)) return 0;
    if (atLeast(lo, node.max, tol)) return 2;
    if (atLeast(lo, node.min, tol) && atMost(hi, node.max, tol)) return 1;
    return -1;
  }
  // A unit that is ≈ 0 on the whole cell takes the lower state (forward rule: x ≤ 0 → off).
  if (atMost(hi, 0, tol)) return 0;
  if (atLeast(lo, 0, tol)) return 1;
  return -1;
}

/**
 * ReLU-like units: the range over the cell's bounding box contains the exact range, so a state
 * fixed on the box is fixed on the cell; only the rest need the exact vertex range.
 */
export function classifyUnits<C>(ws: Workspace<C>, frame: PartitionFrame<C>, stage: Stage, Z: Float64Array, crossing: number[]): void {
  const node = stage.node;
  if (node.type === 'relu' || node.type === 'leaky_relu' || node.type === 'prelu') {
    classifyReluUnits(ws, frame, stage, Z, crossing);
    return;
  }
  const { k, m, bb, range, extent, eps } = ws;
  const code = frame.code;
  const off = stage.slot.offset;
  ws.ops.bbox(frame.cell, bb);
  for (let u = 0; u < stage.outSize; u++) {
    const o0 = u * m;
    let v = Z[o0]!;
    let r = 0;
    for (let j = 0; j < k; j++) {
      const a = Z[o0 + 1 + j]!;
      v += a * bb[j]!;
      r += Math.abs(a) * bb[k + j]!;
    }
    const tol = affineTolerance(Z, o0, m, extent, eps);
    let st = fixedState(node, v - r, v + r, tol);
    if (st < 0) {
      ws.ops.range(frame.cell, Z, o0, range);
      st = fixedState(node, range[0]!, range[1]!, tol);
    }
    if (st >= 0) code[off + u] = st;
    else crossing.push(u);
  }
}

/**
 * ReLU-like units against the pointwise tolerance (`localTolerance` + the vertex term, issue 18
 * #2): the bounding-box range decides with the smallest vertex term the box allows (sound: every
 * vertex's tolerance is at least that), the exact per-vertex `slackRange` decides the rest.
 */
function classifyReluUnits<C>(ws: Workspace<C>, frame: PartitionFrame<C>, stage: Stage, Z: Float64Array, crossing: number[]): void {
  const { k, m, bb, range, extent, eps, ops } = ws;
  const rel = ops.vertexEps;
  const code = frame.code;
  const off = stage.slot.offset;
  ops.bbox(frame.cell, bb);
  for (let u = 0; u < stage.outSize; u++) {
    const o0 = u * m;
    let v = Z[o0]!;
    let r = 0;
    let near = 0;
    for (let j = 0; j < k; j++) {
      const a = Z[o0 + 1 + j]!;
      v += a * bb[j]!;
      r += Math.abs(a) * bb[k + j]!;
      near += Math.abs(a) * Math.max(0, Math.abs(bb[j]!) - bb[k + j]!);
    }
    const floor = localTolerance(Z, o0, m, extent, eps);
    const tol = floor + rel * near;
    // A unit that is ≈ 0 on the whole cell takes the lower state (forward rule: x ≤ 0 → off).
    let st = atMost(v + r, 0, tol) ? 0 : atLeast(v - r, 0, tol) ? 1 : -1;
    if (st < 0) {
      ops.slackRange(frame.cell, Z, o0, floor, range);
      st = range[1]! <= 0 ? 0 : range[0]! >= 0 ? 1 : -1;
    }
    if (st >= 0) code[off + u] = st;
    else crossing.push(u);
  }
}

/** Max-pool windows: a window with one surviving candidate is fixed; the others are crossing, with their candidates. */
export function classifyWindows<C>(
  ws: Workspace<C>,
  frame: PartitionFrame<C>,
  stage: Stage,
  Z: Float64Array,
  crossing: number[],
  candidates: number[][],
): void {
  const t = stage.table!;
  const code = frame.code;
  const off = stage.slot.offset;
  ws.ops.bbox(frame.cell, ws.bb);
  for (let o = 0; o < stage.outSize; o++) {
    const s0 = t.start[o]!;
    const p = t.start[o + 1]! - s0;
    if (ws.allTaps.length < p) ws.allTaps = new Int32Array(2 * p);
    for (let i = 0; i < p; i++) ws.allTaps[i] = s0 + i;
    const na = aliveCandidates(ws, frame.cell, Z, t, ws.allTaps, p, ws.aliveBuf);
    if (na === 1) code[off + o] = t.slot[ws.aliveBuf[0]!]!;
    else {
      crossing.push(o);
      candidates.push(Array.from(ws.aliveBuf.subarray(0, na)));
    }
  }
}

/**
 * Window candidates (tap indices) that can be the argmax somewhere on the cell (whose bounding
 * box is in `ws.bb`): a candidate b is dropped when another candidate a is ≥ b on the whole cell
 * (ties go to the earlier tap, as PyTorch). Writes the survivors to `out`, returns their number.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function aliveCandidates<C>(
  ws: Workspace<C>,
  cell: C,
  Z: Float64Array,
  t: WindowTable,
  cands: ArrayLike<number>,
  p: number,
  out: Int32Array,
): number {
  const winner = identicalCandidates(ws.m, Z, t, cands, p) ? 0 : boxWinner(ws, Z, t, cands, p);
  if (winner >= 0) {
    out[0] = cands[winner]!;
    return 1;
  }
  return pairwiseSurvivors(ws, cell, Z, t, cands, p, out);
}

/** Fast path 1: identical candidate rows (e.g. all zero after an inactive ReLU) tie everywhere; the earliest tap wins. */
function identicalCandidates(m: number, Z: Float64Array, t: WindowTable, cands: ArrayLike<number>, p: number): boolean {
  const r0 = t.taps[cands[0]!]! * m;
  for (let i = 1; i < p; i++) {
    const ri = t.taps[cands[i]!]! * m;
    for (let c = 0; c < m; c++) if (Z[ri + c] !== Z[r0 + c]) return false;
  }
  return true;
}

/**
 * Fast path 2: a candidate whose bounding-box minimum beats every other's bounding-box maximum is
 * the argmax on the whole cell; returns its position in `cands`, or −1. Leaves each candidate's
 * box range (widened by its tolerance) in `ws.ranges`.
 */
function boxWinner<C>(ws: Workspace<C>, Z: Float64Array, t: WindowTable, cands: ArrayLike<number>, p: number): number {
  const { m, k, bb, extent, eps } = ws;
  if (ws.ranges.length < 2 * p) ws.ranges = new Float64Array(4 * p);
  const rs = ws.ranges;
  let best = -1;
  let bestLo = -Infinity;
  for (let i = 0; i < p; i++) {
    const ri = t.taps[cands[i]!]! * m;
    let v = Z[ri]!;
    let r = 0;
    for (let j = 0; j < k; j++) {
      const a = Z[ri + 1 + j]!;
      v += a * bb[j]!;
      r += Math.abs(a) * bb[k + j]!;
    }
    const tol = affineTolerance(Z, ri, m, extent, eps);
    rs[2 * i] = v - r - tol;
    rs[2 * i + 1] = v + r + tol;
    if (v - r - tol > bestLo) {
      bestLo = v - r - tol;
      best = i;
    }
  }
  if (best < 0) return -1;
  for (let i = 0; i < p; i++) if (i !== best && rs[2 * i + 1]! >= bestLo) return -1;
  return best;
}

/** Pairwise dominance: box ranges of the differences first, exact vertex ranges only where they do not decide. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function pairwiseSurvivors<C>(
  ws: Workspace<C>,
  cell: C,
  Z: Float64Array,
  t: WindowTable,
  cands: ArrayLike<number>,
  p: number,
  out: Int32Array,
): number {
  const { m, k, bb, extent, eps, range, fbuf } = ws;
  if (ws.dead.length < p) ws.dead = new Uint8Array(2 * p);
  const dead = ws.dead;
  dead.fill(0, 0, p);
  for (let bi = 0; bi < p; bi++) {
    const rb = t.taps[cands[bi]!]! * m;
    for (let ai = 0; ai < p && !dead[bi]; ai++) {
      if (ai === bi || dead[ai]) continue;
      const ra = t.taps[cands[ai]!]! * m;
      let v = Z[ra]! - Z[rb]!;
      let r = 0;
      for (let j = 0; j < k; j++) {
        const dj = Z[ra + 1 + j]! - Z[rb + 1 + j]!;
        v += dj * bb[j]!;
        r += Math.abs(dj) * bb[k + j]!;
      }
      const tol = pairTolerance(Z, ra, rb, m, extent, eps);
      if (!atLeast(v + r, 0, tol)) continue; // b beats a somewhere: a does not dominate b
      let lo = v - r;
      let hi = v + r;
      if (!atLeast(lo, 0, tol) || (ai > bi && !atMost(hi, 0, tol))) {
        for (let c = 0; c < m; c++) fbuf[c] = Z[ra + c]! - Z[rb + c]!;
        ws.ops.range(cell, fbuf, 0, range);
        lo = range[0]!;
        hi = range[1]!;
      }
      // a ≥ b on the whole cell: b can only tie, and ties go to the earlier tap.
      if (atLeast(lo, 0, tol) && (ai < bi || !atMost(hi, 0, tol))) dead[bi] = 1;
    }
  }
  let n = 0;
  for (let i = 0; i < p; i++) if (!dead[i]) out[n++] = cands[i]!;
  return n;
}
