/**
 * Subdivision of a cell by its crossing units: ReLU-like units by their breakpoints (recursive
 * splitting with filtered candidates), hard-tanh units by their two thresholds, max-pool windows
 * by pairwise comparisons of their surviving candidates. Every new edge is labelled with
 * `edgeLabel(unit, state on the other side)`.
 */
import { edgeLabel } from '../geometry/cells.js';
import { atLeast, atMost, localTolerance, pairTolerance, thresholdTolerance } from '../geometry/predicates.js';
import type { HardTanhNode } from '../network/ir.js';
import type { WindowTable } from '../network/kernels.js';
import { aliveCandidates } from './classify.js';
import type { Sub } from './frame.js';
import type { Stage } from './stages.js';
import type { Workspace } from './workspace.js';

/** Sub-cells of `cell` with the states of its crossing units, in reflected (Gray-code-like) order. */
export function subdivide<C>(
  ws: Workspace<C>,
  cell: C,
  stage: Stage,
  Z: Float64Array,
  crossing: number[],
  candidates: number[][],
): Sub<C>[] {
  const node = stage.node;
  if (node.type === 'relu' || node.type === 'leaky_relu' || node.type === 'prelu') return subdivideRelu(ws, cell, stage, Z, crossing);
  let subs: Sub<C>[] = [{ cell, st: new Uint8Array(crossing.length) }];
  for (let q = 0; q < crossing.length; q++) {
    subs =
      node.type === 'maxpool'
        ? splitWindow(ws, subs, stage.table!, Z, stage.slot.offset + crossing[q]!, q, candidates[q]!)
        : splitHardTanh(ws, subs, node, Z, stage.slot.offset, crossing[q]!, q);
  }
  return subs;
}

/**
 * ReLU-like subdivision by recursive splitting with filtered candidates: a cell tests every unit
 * still crossing its parent once, fixes the ones that do not cross it, splits by the first one that
 * does and hands the rest to both halves. A unit fixed on a cell is never tested again inside it,
 * so a wide layer costs about Σ_cells (units crossing the cell) range tests instead of
 * units × cells. Each final sub-cell is cut by its crossing units in increasing order, exactly as
 * unit-by-unit splitting would, so the polygons are the same; the halves of a split are ordered
 * so that neighbours in the output usually differ in one unit.
 */
function subdivideRelu<C>(ws: Workspace<C>, cell: C, stage: Stage, Z: Float64Array, crossing: number[]): Sub<C>[] {
  const { m, extent, eps } = ws;
  const K = crossing.length;
  const out: Sub<C>[] = [];
  if (ws.tols.length < K) ws.tols = new Float64Array(2 * K);
  // Pointwise tolerances (issue 18 #2): the floor here, the vertex term in the cell operations.
  for (let q = 0; q < K; q++) ws.tols[q] = localTolerance(Z, crossing[q]! * m, m, extent, eps);
  if (ws.candPool.length < 2 * K) ws.candPool = new Int32Array(4 * K);
  for (let q = 0; q < K; q++) ws.candPool[q] = q;
  splitRec(ws, { off: stage.slot.offset, Z, crossing, out }, cell, new Uint8Array(K), 0, K);
  return out;
}

/** What stays the same through one `subdivideRelu` recursion. */
interface ReluSplit<C> {
  readonly off: number;
  readonly Z: Float64Array;
  readonly crossing: number[];
  readonly out: Sub<C>[];
}

/** Candidates are `ws.candPool[base, base + nc)`; this call's own list goes right above them. */
function splitRec<C>(ws: Workspace<C>, sp: ReluSplit<C>, cell: C, st: Uint8Array, base: number, nc: number): void {
  const { ops, m, range, fbuf } = ws;
  const { Z, crossing, out } = sp;
  const top = base + nc;
  if (ws.candPool.length < top + nc) {
    const grown = new Int32Array(2 * (top + nc));
    grown.set(ws.candPool);
    ws.candPool = grown;
  }
  const pool = ws.candPool;
  let first = -1;
  let n = 0;
  for (let i = 0; i < nc; i++) {
    const q = pool[base + i]!;
    const r0 = crossing[q]! * m;
    for (let c = 0; c < m; c++) fbuf[c] = Z[r0 + c]!;
    ops.slackRange(cell, fbuf, 0, ws.tols[q]!, range);
    // A unit that is ≈ 0 on the whole cell takes the lower state (forward rule: x ≤ 0 → off).
    if (range[1]! <= 0) st[q] = 0;
    else if (range[0]! >= 0) st[q] = 1;
    else if (first < 0) first = q;
    else pool[top + n++] = q;
  }
  if (first < 0) {
    out.push({ cell, st });
    return;
  }
  const r0 = crossing[first]! * m;
  for (let c = 0; c < m; c++) fbuf[c] = Z[r0 + c]!;
  const unit = sp.off + crossing[first]!;
  const [neg, pos] = ops.split(cell, fbuf, 0, ws.tols[first]!, edgeLabel(unit, 1), edgeLabel(unit, 0));
  const stPos = st.slice();
  st[first] = 0;
  stPos[first] = 1;
  if (out.length > 0 && out[out.length - 1]!.st[first] === 1) {
    splitRec(ws, sp, pos, stPos, top, n);
    splitRec(ws, sp, neg, st, top, n);
  } else {
    splitRec(ws, sp, neg, st, top, n);
    splitRec(ws, sp, pos, stPos, top, n);
  }
}

/** Splits every sub-cell by max-pool window `unit` (crossing index q) into its argmax pieces. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function splitWindow<C>(
  ws: Workspace<C>,
  subs: Sub<C>[],
  t: WindowTable,
  Z: Float64Array,
  unit: number,
  q: number,
  cq: number[],
): Sub<C>[] {
  const { ops, m, extent, eps, fbuf, bb } = ws;
  const next: Sub<C>[] = [];
  for (const sub of subs) {
    ops.bbox(sub.cell, bb);
    const na = aliveCandidates(ws, sub.cell, Z, t, cq, cq.length, ws.aliveBuf);
    if (na === 1) {
      sub.st[q] = t.slot[ws.aliveBuf[0]!]!;
      next.push(sub);
      continue;
    }
    const alive = Array.from(ws.aliveBuf.subarray(0, na));
    for (const a of alive) {
      let piece: C | null = sub.cell;
      const ra = t.taps[a]! * m;
      for (const b of alive) {
        if (b === a || piece === null) continue;
        const rb = t.taps[b]! * m;
        for (let c = 0; c < m; c++) fbuf[c] = Z[ra + c]! - Z[rb + c]!;
        piece = ops.clip(piece, fbuf, 0, pairTolerance(Z, ra, rb, m, extent, eps), edgeLabel(unit, t.slot[b]!));
      }
      if (piece !== null) {
        const st = sub.st.slice();
        st[q] = t.slot[a]!;
        next.push({ cell: piece, st });
      }
    }
  }
  return next;
}

/** Hard-tanh unit u (crossing index q): split at min, then the upper part at max. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function splitHardTanh<C>(
  ws: Workspace<C>,
  subs: Sub<C>[],
  node: HardTanhNode,
  Z: Float64Array,
  off: number,
  u: number,
  q: number,
): Sub<C>[] {
  const next: Sub<C>[] = [];
  const lower: ThresholdSplit = { u, q, unit: off + u, theta: node.min, below: 0, above: 1 };
  for (const sub of subs) splitThreshold(ws, lower, Z, sub, next);
  const upper: ThresholdSplit = { u, q, unit: off + u, theta: node.max, below: 1, above: 2 };
  const next2: Sub<C>[] = [];
  for (const sub of next) {
    if (sub.st[q] === 0) next2.push(sub);
    else splitThreshold(ws, upper, Z, sub, next2);
  }
  return next2;
}

/** One threshold test `Z[u] = θ` of a crossing unit. */
interface ThresholdSplit {
  /** Row of the unit in Z, its crossing index, and its unit index in the code (edge labels). */
  readonly u: number;
  readonly q: number;
  readonly unit: number;
  readonly theta: number;
  /** States below and above θ. */
  readonly below: number;
  readonly above: number;
}

/** Splits a sub-cell at Z[u] = θ into states `below` / `above` (or assigns one when not crossed), appending to `out`. */
function splitThreshold<C>(ws: Workspace<C>, sp: ThresholdSplit, Z: Float64Array, sub: Sub<C>, out: Sub<C>[]): void {
  const { ops, m, fbuf, range } = ws;
  const { u, q, below, above } = sp;
  for (let c = 0; c < m; c++) fbuf[c] = Z[u * m + c]!;
  fbuf[0] = fbuf[0]! - sp.theta;
  const tol = thresholdTolerance(Z, u * m, m, ws.extent, sp.theta, ws.eps);
  ops.range(sub.cell, fbuf, 0, range);
  // A unit that is ≈ θ on the whole sub-cell takes the lower state (forward rule: x ≤ θ → lower).
  if (atMost(range[1]!, 0, tol)) {
    sub.st[q] = below;
    out.push(sub);
    return;
  }
  if (atLeast(range[0]!, 0, tol)) {
    sub.st[q] = above;
    out.push(sub);
    return;
  }
  const [neg, pos] = ops.split(sub.cell, fbuf, 0, tol, edgeLabel(sp.unit, above), edgeLabel(sp.unit, below));
  const stNeg = sub.st;
  const stPos = sub.st.slice();
  stNeg[q] = below;
  stPos[q] = above;
  // Reflected (Gray-code-like) order: alternate which half comes first, so that neighbours in the
  // list usually differ in one unit — children and next-stage bases are then rank-one updates.
  if (out.length > 0 && out[out.length - 1]!.st[q] === above) out.push({ cell: pos, st: stPos }, { cell: neg, st: stNeg });
  else out.push({ cell: neg, st: stNeg }, { cell: pos, st: stPos });
}
