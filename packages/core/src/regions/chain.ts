/**
 * Chain values of a cell: the affine nodes after an activation evaluated on the cell's activation
 * output with crossing units zeroed (the *base* its children start from). Two incremental
 * shortcuts reuse the previous cell at the same stage (kept in the run's workspace): rank-one
 * updates for MLP-like chains, sparse row updates for convolutional ones; both restart from a
 * full evaluation every 64 / 256 steps and at the start of every run.
 */
import { BiasMode, denseImpl } from '../network/kernels.js';
import type { PartitionFrame } from './frame.js';
import { columnOf, evalChain } from './stages.js';
import type { Stage } from './stages.js';
import type { Workspace } from './workspace.js';

/** Rank-one updates before a full evaluation (rounding stays bounded). */
const RANK_ONE_RESTART = 64;
/** Sparse row updates before a full evaluation. */
const SPARSE_RESTART = 256;

/**
 * Chain values for a cell's activation output `act` (crossing units zeroed). When the previous
 * cell at this stage had the same skip inputs and an activation output differing in few rows
 * (typical of convolutions: a change is local), the values are the previous ones plus those rows'
 * column responses; otherwise the chain is evaluated in full.
 */
export function chainBase<C>(
  ws: Workspace<C>,
  stage: Stage,
  act: Float64Array,
  frame: PartitionFrame<C>,
  Z: Float64Array,
  scales: Float64Array | null,
): Float64Array[] {
  if (stage.live.length === 0) return [];
  return rankOneBase(ws, stage, act, frame, Z, scales) ?? sparseBase(ws, stage, act, frame) ?? fullBase(ws, stage, act, frame, Z, scales);
}

/**
 * MLP-like chains: this cell's activation input is the previous cell's plus g ⊗ d, so
 * chain(act) = chain(prev act) + L(s ⊙ g) ⊗ d + Σ_{units whose scale changed} column_j ⊗ Δs_j·Z_prev[j]
 * — one matrix–vector product instead of a matrix times m columns.
 */
function rankOneBase<C>(
  ws: Workspace<C>,
  stage: Stage,
  act: Float64Array,
  frame: PartitionFrame<C>,
  Z: Float64Array,
  scales: Float64Array | null,
): Float64Array[] | null {
  const prev = ws.prev[stage.index];
  const delta = frame.delta;
  if (!(
    scales &&
    delta &&
    prev &&
    prev.frame === delta.from &&
    prev.scales &&
    prev.Z &&
    stage.external.length === 0 &&
    prev.chainLength < RANK_ONE_RESTART
  ))
    return null;
  const m = ws.m;
  const live = prev.live.map((b) => ws.f64.copy(b));
  for (const { g, d } of delta.terms) {
    const res = linearResponse(ws, stage, scales, g);
    for (let l = 0; l < live.length; l++) {
      const T = live[l]!;
      const r = res[l]!;
      for (let i = 0; i < r.length; i++) {
        const w = r[i]!;
        if (w === 0) continue;
        for (let c = 0; c < m; c++) T[i * m + c] = T[i * m + c]! + w * d[c]!;
      }
    }
  }
  const ps = prev.scales;
  const pZ = prev.Z;
  const row = new Float64Array(m);
  for (let j = 0; j < stage.outSize; j++) {
    const ds = scales[j]! - ps[j]!;
    if (ds === 0) continue;
    for (let c = 0; c < m; c++) row[c] = ds * pZ[j * m + c]!;
    addColumn(live, columnOf(ws.eng.prepared, stage, j), row, m);
  }
  ws.prev[stage.index] = { act, live, external: prev.external, frame, Z, scales, chainLength: prev.chainLength + 1 };
  return live;
}

/** Convolutional chains: the previous cell's values plus the column responses of the rows that changed (at most 1/8 of them). */
function sparseBase<C>(ws: Workspace<C>, stage: Stage, act: Float64Array, frame: PartitionFrame<C>): Float64Array[] | null {
  const prev = ws.prev[stage.index];
  const tensors = frame.tensors;
  if (!(
    prev &&
    prev.chainLength < SPARSE_RESTART &&
    prev.act.length === act.length &&
    stage.external.every((j, i) => prev.external[i] === tensors[j])
  ))
    return null;
  const m = ws.m;
  const n = stage.outSize;
  const diff: number[] = [];
  const limit = n >> 3;
  for (let j = 0; j < n && diff.length <= limit; j++) {
    for (let c = 0; c < m; c++) {
      if (act[j * m + c] !== prev.act[j * m + c]) {
        diff.push(j);
        break;
      }
    }
  }
  if (diff.length > limit) return null;
  const live = prev.live.map((b) => ws.f64.copy(b));
  const row = new Float64Array(m);
  for (const j of diff) {
    for (let c = 0; c < m; c++) row[c] = act[j * m + c]! - prev.act[j * m + c]!;
    addColumn(live, columnOf(ws.eng.prepared, stage, j), row, m);
  }
  ws.prev[stage.index] = { act, live, external: prev.external, chainLength: prev.chainLength + 1 };
  return live;
}

/** The chain evaluated in full (the dense kernel directly for a single dense chain). */
function fullBase<C>(
  ws: Workspace<C>,
  stage: Stage,
  act: Float64Array,
  frame: PartitionFrame<C>,
  Z: Float64Array,
  scales: Float64Array | null,
): Float64Array[] {
  const m = ws.m;
  const tensors = frame.tensors;
  let live: Float64Array[];
  if (stage.dense && stage.live.length === 1) {
    const out = ws.f64.alloc(stage.dense.outFeatures * m);
    denseImpl(out, act, stage.dense, m, BiasMode.First, ws.kernel);
    live = [out];
  } else {
    const base = evalChain(ws.eng.prepared, stage.chain, (i) => (i === stage.nodeIndex ? act : tensors[i]), m, BiasMode.First, ws.kernel);
    live = stage.live.map((i) => base.get(i)!);
  }
  ws.prev[stage.index] = {
    act,
    live,
    external: stage.external.map((j) => tensors[j]),
    frame,
    Z,
    ...(scales ? { scales } : {}),
    chainLength: 0,
  };
  return live;
}

/**
 * The chain's linear response to the activation output `s ⊙ g`, one array per live chain node.
 * A single dense chain node is Wᵀ-column accumulation over the non-zero products (no allocation
 * beyond the workspace's buffers); other chains are evaluated in full.
 */
function linearResponse<C>(ws: Workspace<C>, stage: Stage, s: Float64Array, g: Float64Array): Float64Array[] {
  const n = stage.outSize;
  const wt = stage.denseT;
  if (wt && stage.live.length === 1) return [denseResponse(ws, stage, wt, s, g)];
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = s[j]! * g[j]!;
  const res = evalChain(ws.eng.prepared, stage.chain, (i) => (i === stage.nodeIndex ? v : undefined), 1, BiasMode.None, ws.kernel);
  return stage.live.map((i) => res.get(i)!);
}

/** Wᵀ-row accumulation of Σ_j (s_j g_j) W[:, j]: gather the non-zero products, then four rows per pass. */
function denseResponse<C>(ws: Workspace<C>, stage: Stage, wt: Float64Array, s: Float64Array, g: Float64Array): Float64Array {
  const n = stage.outSize;
  const nOut = stage.dense!.outFeatures;
  const r = ws.denseOut[stage.index]!;
  r.fill(0);
  if (ws.gatherJ.length < n) {
    ws.gatherJ = new Int32Array(2 * n);
    ws.gatherC = new Float64Array(2 * n);
  }
  const gatherJ = ws.gatherJ;
  const gatherC = ws.gatherC;
  let na = 0;
  for (let j = 0; j < n; j++) {
    const c = s[j]! * g[j]!;
    if (c === 0) continue;
    gatherJ[na] = j * nOut;
    gatherC[na++] = c;
  }
  let q = 0;
  for (; q + 4 <= na; q += 4) {
    const o0 = gatherJ[q]!,
      o1 = gatherJ[q + 1]!,
      o2 = gatherJ[q + 2]!,
      o3 = gatherJ[q + 3]!;
    const c0 = gatherC[q]!,
      c1 = gatherC[q + 1]!,
      c2 = gatherC[q + 2]!,
      c3 = gatherC[q + 3]!;
    for (let i = 0; i < nOut; i++) r[i] = r[i]! + c0 * wt[o0 + i]! + c1 * wt[o1 + i]! + c2 * wt[o2 + i]! + c3 * wt[o3 + i]!;
  }
  for (; q < na; q++) {
    const o = gatherJ[q]!;
    const c = gatherC[q]!;
    for (let i = 0; i < nOut; i++) r[i] = r[i]! + c * wt[o + i]!;
  }
  return r;
}

/** T_l += col_l ⊗ row for every live tensor l (skipped when row is zero). */
export function addColumn(live: Float64Array[], col: Float64Array[], row: Float64Array, m: number): void {
  let nz = false;
  for (let c = 0; c < m; c++) if (row[c] !== 0) nz = true;
  if (!nz) return;
  for (let l = 0; l < live.length; l++) {
    const T = live[l]!;
    const cl = col[l]!;
    const len = cl.length;
    if (m === 3) {
      const r0 = row[0]!;
      const r1 = row[1]!;
      const r2 = row[2]!;
      for (let i = 0; i < len; i++) {
        const w = cl[i]!;
        if (w === 0) continue;
        T[i * 3] = T[i * 3]! + w * r0;
        T[i * 3 + 1] = T[i * 3 + 1]! + w * r1;
        T[i * 3 + 2] = T[i * 3 + 2]! + w * r2;
      }
    } else {
      for (let i = 0; i < len; i++) {
        const w = cl[i]!;
        if (w === 0) continue;
        for (let c = 0; c < m; c++) T[i * m + c] = T[i * m + c]! + w * row[c]!;
      }
    }
  }
}
