/**
 * The exact partition engine: splits a k-dimensional cell (interval or polygon) of an affine
 * family `origin + D t` of inputs into the activation regions of a network.
 *
 * Depth-first, one activation node ("stage") at a time:
 *  1. A cell arrives with the affine family (unit-major, m = k + 1 columns) of every tensor it
 *     still needs, in particular the input of the next activation node.
 *  2. Units whose state is the same on the whole cell are fixed; the others ("crossing units")
 *     subdivide the cell (ReLU-like: by their breakpoints; max-pool: by pairwise argmax
 *     comparisons).
 *  3. The affine nodes up to the next activation (the stage's "chain") are evaluated once per
 *     cell with the crossing units zeroed (the base); each sub-cell then adds, for its crossing
 *     units, `column_j ⊗ row_j`, where column_j is the chain's linear response to unit j (cached).
 *     For an MLP this is `W[:, j]`: a child costs O(#crossing · width · m), not O(width² · m).
 *
 * Memory is bounded by the depth of the stack, not the number of regions: regions stream out
 * through `emit`.
 */
import { AbortError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { maxPoolSource } from '../network/activation.js';
import { sizeOf } from '../network/ir.js';
import type { ActivationNode, DenseNode } from '../network/ir.js';
import { BiasMode, affineImpl, denseImpl, transposedWeight, windowTable } from '../network/kernels.js';
import type { WindowTable } from '../network/kernels.js';
import type { ActivationSlot, Network } from '../network/network.js';
import type { CellOps } from '../geometry/cells.js';
import { SIDE_EPS, affineTolerance } from '../geometry/predicates.js';
import { Float64Arena, Uint8Arena } from '../arena.js';

/** Arenas for per-cell buffers (see arena.ts: emitted buffers are views, copy what you keep). */
const f64 = new Float64Arena();
const u8 = new Uint8Arena();

/** Progress report: `fraction` of the domain's measure finished, regions so far. */
export interface PartitionProgress {
  readonly fraction: number;
  readonly regions: number;
}

/** Options every partition (slice, line) accepts: cancellation and progress. */
export interface PartitionOptions {
  onProgress?: (p: PartitionProgress) => void;
  signal?: AbortSignalLike;
}

/** Options of `runPartition` beyond progress and cancellation. */
export interface RunOptions<C> extends PartitionOptions {
  /** Run these work units (from `planUnits`), in order, instead of the root cell. */
  units?: WorkUnit<C>[];
  /** Measure of the whole domain, for progress fractions when starting from frames. */
  totalMeasure?: number;
}

/** A region as the engine emits it. Buffers are the engine's own: copy what you keep. */
export interface EmittedRegion<C> {
  readonly cell: C;
  /** Full activation code (one state per unit of every activation node). */
  readonly code: Uint8Array;
  /** Output family, unit-major: `output[r * m + 0]` is output r at t = 0, `output[r*m + j]` its slope along t_j. */
  readonly output: Float64Array;
}

interface Stage {
  readonly slot: ActivationSlot;
  readonly node: ActivationNode;
  readonly nodeIndex: number;
  readonly inputIndex: number;
  readonly inShape: readonly number[];
  /** Affine nodes evaluated after this activation, up to the next one. */
  readonly chain: readonly number[];
  /** Chain nodes (and possibly the activation itself) still read after the chain. */
  readonly live: readonly number[];
  readonly keepOutput: boolean;
  readonly boundary: number;
  readonly table: WindowTable | null;
  /** Cached chain responses per activation-output unit: one array per `live` chain node. */
  readonly columns: (Float64Array[] | undefined)[];
  /** Chain inputs from outside the chain (skip connections), other than the activation itself. */
  readonly external: readonly number[];
  /** The previous cell's activation output and chain values, for incremental bases. */
  prev: {
    act: Float64Array;
    live: Float64Array[];
    external: (Float64Array | undefined)[];
    /** The frame, its activation input and its per-unit scales (ReLU-like stages). */
    frame?: unknown;
    Z?: Float64Array;
    scales?: Float64Array;
    /** Rank-one updates since the last full evaluation (bounded to keep rounding in check). */
    chainLength: number;
  } | null;
  /** For each live chain node, whether it is the next stage's input (where rank-one deltas are tracked). */
  readonly nextInputLive: number;
  readonly outSize: number;
  /** The chain's only node when it is one dense layer (the MLP case: direct kernels, no chain bookkeeping). */
  readonly dense: DenseNode | null;
  /** Scratch of the dense chain's output size. */
  readonly scratch: Float64Array;
}

/** A cell waiting to be split at `stage`, with the families of every tensor it still needs. */
export interface PartitionFrame<C> {
  /**
   * Set when this frame's next-stage input equals `from`'s plus Σ g ⊗ d over one or two terms
   * (siblings differing in one or two units); lets the next stage update its base instead of
   * recomputing it.
   */
  delta?: { from: PartitionFrame<C>; terms: { g: Float64Array; d: Float64Array }[] };
  readonly cell: C;
  readonly stage: number;
  readonly code: Uint8Array;
  readonly tensors: (Float64Array | undefined)[];
}

const stageCache = new WeakMap<Network, { stages: Stage[]; prefix: number[]; prefixLive: number[] }>();

/** Stages of a network, cached: their column responses are pure functions of the weights. */
function buildStages(net: Network): { stages: Stage[]; prefix: number[]; prefixLive: number[] } {
  let cached = stageCache.get(net);
  if (!cached) {
    cached = makeStages(net);
    stageCache.set(net, cached);
  }
  return cached;
}

function makeStages(net: Network): { stages: Stage[]; prefix: number[]; prefixLive: number[] } {
  const nodes = net.nodes;
  const actIdx = net.activations.map((s) => s.node);
  const prefix: number[] = [];
  const first = actIdx.length ? actIdx[0]! : nodes.length;
  for (let i = 1; i < first; i++) prefix.push(i);
  const prefixLive = [0, ...prefix].filter((i) => net.lastUse[i]! >= first);
  const stages = net.activations.map((slot, s): Stage => {
    const nodeIndex = slot.node;
    const node = nodes[nodeIndex] as ActivationNode;
    const boundary = s + 1 < actIdx.length ? actIdx[s + 1]! : nodes.length;
    const chain: number[] = [];
    for (let i = nodeIndex + 1; i < boundary; i++) chain.push(i);
    const live = chain.filter((i) => net.lastUse[i]! >= boundary);
    const inShape = nodes[node.inputs[0]!]!.shape;
    const only = chain.length === 1 ? nodes[chain[0]!]! : null;
    const dense = only && only.type === 'dense' && only.inputs[0] === nodeIndex && live.length === 1 && live[0] === chain[0] ? only : null;
    return {
      slot,
      node,
      nodeIndex,
      inputIndex: node.inputs[0]!,
      inShape,
      chain,
      live,
      keepOutput: net.lastUse[nodeIndex]! >= boundary,
      boundary,
      table: node.type === 'maxpool' ? windowTable(node, inShape) : null,
      columns: new Array(sizeOf(node.shape)).fill(undefined),
      external: [...new Set(chain.flatMap((i) => nodes[i]!.inputs))].filter((j) => j !== nodeIndex && !chain.includes(j)),
      prev: null,
      nextInputLive: s + 1 < actIdx.length ? live.indexOf(nodes[actIdx[s + 1]!]!.inputs[0]!) : -1,
      outSize: sizeOf(node.shape),
      dense,
      scratch: new Float64Array(dense ? dense.outFeatures : 0),
    };
  });
  return { stages, prefix, prefixLive };
}

/** Evaluates a list of affine nodes; `get` supplies earlier tensors (null → zeros). */
function evalChain(
  net: Network,
  chain: readonly number[],
  get: (i: number) => Float64Array | undefined,
  m: number,
  mode: BiasMode,
): Map<number, Float64Array> {
  const results = new Map<number, Float64Array>();
  const zeros = new Map<number, Float64Array>();
  const fetch = (j: number): Float64Array => {
    const r = results.get(j) ?? get(j);
    if (r) return r;
    let z = zeros.get(j);
    if (!z) {
      z = new Float64Array(sizeOf(net.nodes[j]!.shape) * m);
      zeros.set(j, z);
    }
    return z;
  };
  for (const i of chain) {
    const node = net.nodes[i]!;
    const xs = node.inputs.map(fetch);
    if (node.type === 'reshape') {
      results.set(i, xs[0]!);
      continue;
    }
    const out = new Float64Array(sizeOf(node.shape) * m);
    affineImpl(out, xs, node, net.nodes[node.inputs[0]!]!.shape, m, mode);
    results.set(i, out);
  }
  return results;
}

/**
 * Chain values for a cell's activation output `act` (crossing units zeroed). When the previous
 * cell at this stage had the same skip inputs and an activation output differing in few rows
 * (typical of convolutions: a change is local), the values are the previous ones plus those rows'
 * column responses; otherwise the chain is evaluated in full.
 */
function chainBase<C>(net: Network, stage: Stage, act: Float64Array, frame: PartitionFrame<C>, Z: Float64Array, scales: Float64Array | null, m: number): Float64Array[] {
  const tensors = frame.tensors;
  const prev = stage.prev;
  const n = stage.outSize;
  if (stage.live.length === 0) return [];
  // MLP-like chains: this cell's activation input is the previous cell's plus g ⊗ d, so
  // chain(act) = chain(prev act) + L(s ⊙ g) ⊗ d + Σ_{units whose scale changed} column_j ⊗ Δs_j·Z_prev[j]
  // — one matrix–vector product instead of a matrix times m columns.
  const delta = frame.delta;
  if (scales && delta && prev && prev.frame === delta.from && prev.scales && prev.Z && stage.external.length === 0 && prev.chainLength < 64) {
    const live = prev.live.map((b) => f64.copy(b));
    for (const { g, d } of delta.terms) {
      const res = linearResponse(net, stage, scales, g);
      stage.live.forEach((node, l) => {
        const T = live[l]!;
        const r = res[l]!;
        for (let i = 0; i < r.length; i++) {
          const w = r[i]!;
          if (w === 0) continue;
          for (let c = 0; c < m; c++) T[i * m + c] = T[i * m + c]! + w * d[c]!;
        }
      });
    }
    const ps = prev.scales;
    const pZ = prev.Z;
    const row = new Float64Array(m);
    for (let j = 0; j < n; j++) {
      const ds = scales[j]! - ps[j]!;
      if (ds === 0) continue;
      for (let c = 0; c < m; c++) row[c] = ds * pZ[j * m + c]!;
      addColumn(live, columnOf(net, stage, j), row, m);
    }
    stage.prev = { act, live, external: prev.external, frame, Z, scales, chainLength: prev.chainLength + 1 };
    return live;
  }
  if (prev && prev.chainLength < 256 && prev.act.length === act.length && stage.external.every((j, i) => prev.external[i] === tensors[j])) {
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
    if (diff.length <= limit) {
      const live = prev.live.map((b) => f64.copy(b));
      const row = new Float64Array(m);
      for (const j of diff) {
        for (let c = 0; c < m; c++) row[c] = act[j * m + c]! - prev.act[j * m + c]!;
        addColumn(live, columnOf(net, stage, j), row, m);
      }
      stage.prev = { act, live, external: prev.external, chainLength: prev.chainLength + 1 };
      return live;
    }
  }
  let live: Float64Array[];
  if (stage.dense && stage.live.length === 1) {
    const out = f64.alloc(stage.dense.outFeatures * m);
    denseImpl(out, act, stage.dense, m, BiasMode.First);
    live = [out];
  } else {
    const base = evalChain(net, stage.chain, (i) => (i === stage.nodeIndex ? act : tensors[i]), m, BiasMode.First);
    live = stage.live.map((i) => base.get(i)!);
  }
  stage.prev = { act, live, external: stage.external.map((j) => tensors[j]), frame, Z, ...(scales ? { scales } : {}), chainLength: 0 };
  return live;
}

/**
 * The chain's linear response to the activation output `s ⊙ g`, one array per live chain node.
 * A single dense chain node is Wᵀ-column accumulation over the non-zero products (no allocation
 * beyond the stage's scratch); other chains are evaluated in full.
 */
function linearResponse(net: Network, stage: Stage, s: Float64Array, g: Float64Array): Float64Array[] {
  const n = stage.outSize;
  const dense = stage.dense;
  if (dense && stage.live.length === 1) {
    const nOut = dense.outFeatures;
    const wt = transposedWeight(dense);
    const r = stage.scratch;
    r.fill(0);
    // Gather the non-zero products, then accumulate four columns per pass over r.
    if (gatherJ.length < n) {
      gatherJ = new Int32Array(2 * n);
      gatherC = new Float64Array(2 * n);
    }
    let na = 0;
    for (let j = 0; j < n; j++) {
      const c = s[j]! * g[j]!;
      if (c === 0) continue;
      gatherJ[na] = j * nOut;
      gatherC[na++] = c;
    }
    let q = 0;
    for (; q + 4 <= na; q += 4) {
      const o0 = gatherJ[q]!, o1 = gatherJ[q + 1]!, o2 = gatherJ[q + 2]!, o3 = gatherJ[q + 3]!;
      const c0 = gatherC[q]!, c1 = gatherC[q + 1]!, c2 = gatherC[q + 2]!, c3 = gatherC[q + 3]!;
      for (let i = 0; i < nOut; i++) r[i] = r[i]! + c0 * wt[o0 + i]! + c1 * wt[o1 + i]! + c2 * wt[o2 + i]! + c3 * wt[o3 + i]!;
    }
    for (; q < na; q++) {
      const o = gatherJ[q]!;
      const c = gatherC[q]!;
      for (let i = 0; i < nOut; i++) r[i] = r[i]! + c * wt[o + i]!;
    }
    return [r];
  }
  const v = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = s[j]! * g[j]!;
  const res = evalChain(net, stage.chain, (i) => (i === stage.nodeIndex ? v : undefined), 1, BiasMode.None);
  return stage.live.map((i) => res.get(i)!);
}

/** The chain's linear response to unit j of the stage's activation output (cached). */
function columnOf(net: Network, stage: Stage, j: number): Float64Array[] {
  let col = stage.columns[j];
  if (col) return col;
  const e = new Float64Array(stage.outSize);
  e[j] = 1;
  const res = evalChain(net, stage.chain, (i) => (i === stage.nodeIndex ? e : undefined), 1, BiasMode.None);
  col = stage.live.map((i) => res.get(i)!);
  stage.columns[j] = col;
  return col;
}

/**
 * Writes output row j of the activation (m values) for state `st` given its input family Z.
 * Each output unit is `scale · Z[src] + constant`.
 */
function activationRow(stage: Stage, Z: Float64Array, j: number, st: number, m: number, out: Float64Array, outOff: number): void {
  const node = stage.node;
  switch (node.type) {
    case 'relu':
      for (let c = 0; c < m; c++) out[outOff + c] = st ? Z[j * m + c]! : 0;
      return;
    case 'leaky_relu': {
      const s = st ? 1 : node.alpha;
      for (let c = 0; c < m; c++) out[outOff + c] = s * Z[j * m + c]!;
      return;
    }
    case 'hardtanh':
      if (st === 1) for (let c = 0; c < m; c++) out[outOff + c] = Z[j * m + c]!;
      else {
        out[outOff] = st === 0 ? node.min : node.max;
        for (let c = 1; c < m; c++) out[outOff + c] = 0;
      }
      return;
    case 'maxpool': {
      const src = maxPoolSource(stage.table!, j, st);
      for (let c = 0; c < m; c++) out[outOff + c] = Z[src * m + c]!;
      return;
    }
  }
}

/** Receives a finished region: cell, full code and output family (engine buffers: copy what you keep). */
type RegionSink<C> = (cell: C, code: Uint8Array, output: Float64Array) => void;

/** A split cell's children [next, end), produced one at a time by `PartitionRun.nextChild`. */
export interface ChildBatch<C> {
  readonly frame: PartitionFrame<C>;
  readonly stage: Stage;
  readonly Z: Float64Array;
  readonly crossing: number[];
  readonly subs: Sub<C>[];
  readonly actBase: Float64Array;
  readonly liveBase: Float64Array[];
  readonly cols: Float64Array[][];
  next: number;
  end: number;
  prevSt: Uint8Array | null;
  prevOut: Float64Array[] | null;
  prevFrame: PartitionFrame<C> | null;
}

interface Sub<C> {
  cell: C;
  st: Uint8Array;
}

/**
 * Runs the partition of `root` for the family `origin + D t` (D is d×k row-major).
 * Calls `emit` once per activation region, in depth-first order.
 */
/** The root frame of a partition of `root` for the family `origin + D t` (D is d×k row-major). */
export function rootFrame<C>(net: Network, ops: CellOps<C>, root: C, origin: ArrayLike<number>, dirs: ArrayLike<number>): PartitionFrame<C> {
  const k = ops.k;
  const m = k + 1;
  const d = net.inputSize;
  const { prefix, prefixLive } = buildStages(net);
  const input = new Float64Array(d * m);
  for (let i = 0; i < d; i++) {
    input[i * m] = origin[i]!;
    for (let j = 0; j < k; j++) input[i * m + 1 + j] = dirs[i * k + j]!;
  }
  const pre = evalChain(net, prefix, (i) => (i === 0 ? input : undefined), m, BiasMode.First);
  const rootTensors: (Float64Array | undefined)[] = new Array(net.nodes.length);
  for (const i of prefixLive) rootTensors[i] = i === 0 ? input : pre.get(i);
  return { cell: root, stage: 0, code: new Uint8Array(net.numUnits), tensors: rootTensors };
}

/**
 * A piece of partition work that can run on its own (on any thread, in any order) with
 * bit-identical results: a frame, or a range of one expanded cell's children.
 */
export type WorkUnit<C> = PartitionFrame<C> | ChildBatch<C>;

/**
 * Splits the partition of `start` into at least `minUnits` independent work units (fewer only
 * when there is less to split), in depth-first order: breadth-first over the first stages while
 * there are few cells, then ranges of each last-expanded cell's children. Children are not
 * materialized (a wide first layer can have 10⁵ children of 10 kB each), so planning is cheap in
 * time and memory, and deterministic: every thread can plan for itself and get the same units.
 */
export function planUnits<C>(net: Network, ops: CellOps<C>, start: PartitionFrame<C>, extent: ArrayLike<number>, minUnits: number): WorkUnit<C>[] {
  const { stages } = buildStages(net);
  for (const st of stages) st.prev = null;
  const run = new PartitionRun(net, ops, stages, extent);
  let frames = [start];
  for (;;) {
    if (frames.every((f) => f.stage === stages.length)) return frames;
    const items: WorkUnit<C>[] = [];
    let total = 0;
    for (const f of frames) {
      if (f.stage === stages.length) {
        items.push(f);
        total++;
        continue;
      }
      const pending: WorkUnit<C>[] = [];
      run.expand(f, pending);
      for (const it of pending) {
        items.push(it);
        total += isBatch(it) ? it.end - it.next : 1;
      }
    }
    if (total >= minUnits) {
      // Ranges of about total / minUnits children each.
      const size = Math.max(1, Math.ceil(total / minUnits));
      const units: WorkUnit<C>[] = [];
      for (const it of items) {
        if (!isBatch(it)) units.push(it);
        else for (let from = it.next; from < it.end; from += size) units.push(rangeOf(it, from, Math.min(it.end, from + size)));
      }
      return units;
    }
    // Few cells: materialize them and go one stage deeper.
    const next: PartitionFrame<C>[] = [];
    for (const it of items) {
      if (!isBatch(it)) next.push(it);
      else while (it.next < it.end) next.push(run.nextChild(it, false)!);
    }
    // Rank-one links between frames are dropped: a unit must not depend on another.
    frames = next.map((f) => (f.delta ? { cell: f.cell, stage: f.stage, code: f.code, tensors: f.tensors } : f));
  }
}

function isBatch<C>(it: WorkUnit<C>): it is ChildBatch<C> {
  return (it as ChildBatch<C>).subs !== undefined;
}

/** A fresh batch over children [from, to) of `b` (the first is computed from the base, not from a sibling). */
function rangeOf<C>(b: ChildBatch<C>, from: number, to: number): ChildBatch<C> {
  return { ...b, next: from, end: to, prevSt: null, prevOut: null, prevFrame: null };
}

/**
 * Runs the partition of `root` for the family `origin + D t` (D is d×k row-major).
 * Calls `emit` once per activation region, in depth-first order.
 */
export function runPartition<C>(
  net: Network,
  ops: CellOps<C>,
  root: C,
  origin: ArrayLike<number>,
  dirs: ArrayLike<number>,
  extent: ArrayLike<number>,
  emit: (r: EmittedRegion<C>) => void,
  options: RunOptions<C> = {},
): { regions: number } {
  const { stages } = buildStages(net);
  // Incremental bases depend on the cell processed before; starting every run afresh makes the
  // results a function of the run's frames alone (the same for any thread count).
  for (const st of stages) st.prev = null;
  const run = new PartitionRun(net, ops, stages, extent);
  const total = options.totalMeasure ?? ops.measure(root);
  let done = 0;
  let regions = 0;
  let lastReport = 0;
  const sink = (cell: C, code: Uint8Array, output: Float64Array): void => {
    regions++;
    emit({ cell, code, output });
    done += ops.measure(cell);
    if ((regions & 255) === 0) {
      if (options.signal?.aborted) throw new AbortError();
      if (options.onProgress && regions - lastReport >= 1024) {
        lastReport = regions;
        options.onProgress({ fraction: total > 0 ? done / total : 1, regions });
      }
    }
  };
  // Depth-first. A batch on the stack yields its next child when it is on top, so only one child
  // per expanded cell exists at a time; children of the last stage are emitted at once.
  const stack: WorkUnit<C>[] = options.units
    ? options.units.map((u) => (isBatch(u) ? rangeOf(u, u.next, u.end) : u)).reverse()
    : [rootFrame(net, ops, root, origin, dirs)];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    let frame: PartitionFrame<C>;
    if (isBatch(top)) {
      frame = run.nextChild(top, true)!;
      if (top.next >= top.end) stack.pop();
    } else {
      stack.pop();
      frame = top;
    }
    if (frame.stage === stages.length) sink(frame.cell, frame.code, frame.tensors[net.output]!);
    else run.expand(frame, stack, sink);
  }
  options.onProgress?.({ fraction: 1, regions });
  return { regions };
}

function maxWindowSize(t: WindowTable): number {
  let p = 0;
  for (let o = 0; o + 1 < t.start.length; o++) p = Math.max(p, t.start[o + 1]! - t.start[o]!);
  return p;
}

/** The per-run state of the engine; each method handles one step for one cell (small, monomorphic functions optimize well). */
class PartitionRun<C> {
  private readonly range = new Float64Array(2);
  private readonly bb: Float64Array;
  private readonly fbuf: Float64Array;
  private readonly row: Float64Array;
  private readonly rowOld: Float64Array;
  private allTaps: Int32Array;
  private readonly aliveBuf: Int32Array;
  private readonly k: number;
  private readonly m: number;

  constructor(
    private readonly net: Network,
    private readonly ops: CellOps<C>,
    private readonly stages: Stage[],
    private readonly extent: ArrayLike<number>,
  ) {
    this.k = ops.k;
    this.m = ops.k + 1;
    this.bb = new Float64Array(2 * this.k);
    this.fbuf = new Float64Array(this.m);
    this.row = new Float64Array(this.m);
    this.rowOld = new Float64Array(this.m);
    const maxWindow = stages.reduce((a, st) => Math.max(a, st.table ? maxWindowSize(st.table) : 0), 1);
    this.allTaps = new Int32Array(maxWindow);
    this.aliveBuf = new Int32Array(maxWindow);
  }

  private readonly scratch = new Map<Stage, { code: Uint8Array; a: Float64Array[]; b: Float64Array[] }>();

  /** Scratch buffers for children emitted straight from `stage` (shapes of its live chain tensors). */
  private scratchFor(stage: Stage, like: Float64Array[]): { code: Uint8Array; a: Float64Array[]; b: Float64Array[] } {
    let sc = this.scratch.get(stage);
    if (!sc) {
      sc = { code: new Uint8Array(this.net.numUnits), a: like.map((t) => new Float64Array(t.length)), b: like.map((t) => new Float64Array(t.length)) };
      this.scratch.set(stage, sc);
    }
    return sc;
  }

  /** Splits one cell at its stage and pushes its children (or emits them to `sink` after the last stage). */
  expand(frame: PartitionFrame<C>, stack: WorkUnit<C>[], sink?: RegionSink<C>): void {
    const stage = this.stages[frame.stage]!;
    const Z = frame.tensors[stage.inputIndex]!;
    const crossing: number[] = [];
    const candidates: number[][] = [];
    if (stage.node.type === 'maxpool') this.classifyWindows(frame, stage, Z, crossing, candidates);
    else this.classifyUnits(frame, stage, Z, crossing);
    const subs = this.subdivide(frame.cell, stage, Z, crossing, candidates);
    const n = stage.outSize;
    const m = this.m;
    const off = stage.slot.offset;
    const code = frame.code;
    // Base of the chain with crossing units zeroed.
    const actBase = f64.alloc(n * m);
    const isCrossing = u8.alloc(n);
    for (const j of crossing) isCrossing[j] = 1;
    // Per-unit scales of ReLU-like activations (output = scale · input), crossing units zeroed.
    let scales: Float64Array | null = null;
    const node = stage.node;
    if (node.type === 'relu' || node.type === 'leaky_relu') {
      scales = f64.alloc(n);
      const off0 = node.type === 'relu' ? 0 : node.alpha;
      for (let j = 0; j < n; j++) {
        if (isCrossing[j]) continue;
        const sc = code[off + j] ? 1 : off0;
        scales[j] = sc;
        if (sc !== 0) for (let c = 0; c < m; c++) actBase[j * m + c] = sc * Z[j * m + c]!;
      }
    } else {
      for (let j = 0; j < n; j++) if (!isCrossing[j]) activationRow(stage, Z, j, code[off + j]!, m, actBase, j * m);
    }
    const liveBase = chainBase(this.net, stage, actBase, frame, Z, scales, m);
    const cols = crossing.map((j) => columnOf(this.net, stage, j));
    const batch: ChildBatch<C> = { frame, stage, Z, crossing, subs, actBase, liveBase, cols, next: 0, end: subs.length, prevSt: null, prevOut: null, prevFrame: null };
    if (sink && frame.stage + 1 === this.stages.length) {
      while (batch.next < batch.end) this.nextChild(batch, true, sink);
    } else if (subs.length > 0) stack.push(batch);
  }

  private classifyWindows(frame: PartitionFrame<C>, stage: Stage, Z: Float64Array, crossing: number[], candidates: number[][]): void {
    const t = stage.table!;
    const code = frame.code;
    const off = stage.slot.offset;
    this.ops.bbox(frame.cell, this.bb);
    for (let o = 0; o < stage.outSize; o++) {
      const s0 = t.start[o]!;
      const p = t.start[o + 1]! - s0;
      if (this.allTaps.length < p) this.allTaps = new Int32Array(2 * p);
      for (let i = 0; i < p; i++) this.allTaps[i] = s0 + i;
      const na = aliveCandidates(this.ops, frame.cell, this.bb, Z, t, this.allTaps, p, this.m, this.extent, this.range, this.fbuf, this.aliveBuf);
      if (na === 1) code[off + o] = t.slot[this.aliveBuf[0]!]!;
      else {
        crossing.push(o);
        candidates.push(Array.from(this.aliveBuf.subarray(0, na)));
      }
    }
  }

  /**
   * ReLU-like units: the range over the cell's bounding box contains the exact range, so a state
   * fixed on the box is fixed on the cell; only the rest need the exact vertex range.
   */
  private classifyUnits(frame: PartitionFrame<C>, stage: Stage, Z: Float64Array, crossing: number[]): void {
    const { k, m, bb, range, extent } = this;
    const node = stage.node;
    const relu = node.type === 'relu' || node.type === 'leaky_relu';
    const code = frame.code;
    const off = stage.slot.offset;
    this.ops.bbox(frame.cell, bb);
    const two = k === 2;
    const cx = two ? bb[0]! : 0, cy = two ? bb[1]! : 0, hx = two ? bb[2]! : 0, hy = two ? bb[3]! : 0;
    const ex = extent[0]!, ey = two ? extent[1]! : 0;
    for (let u = 0; u < stage.outSize; u++) {
      const o0 = u * m;
      let v = Z[o0]!;
      let r = 0;
      let sc = Math.abs(v);
      if (two) {
        // Slices (k = 2), unrolled.
        const a = Z[o0 + 1]!;
        const b = Z[o0 + 2]!;
        const aa = Math.abs(a);
        const ab = Math.abs(b);
        v += a * cx + b * cy;
        r = aa * hx + ab * hy;
        sc += aa * ex + ab * ey;
      } else {
        for (let j = 0; j < k; j++) {
          const a = Z[o0 + 1 + j]!;
          v += a * bb[j]!;
          r += Math.abs(a) * bb[k + j]!;
          sc += Math.abs(a) * extent[j]!;
        }
      }
      const tol = SIDE_EPS * sc;
      let st = relu ? (v + r <= tol ? 0 : v - r >= -tol ? 1 : -1) : fixedState(node, v - r, v + r, tol);
      if (st < 0) {
        this.ops.range(frame.cell, Z, o0, range);
        st = fixedState(node, range[0]!, range[1]!, tol);
      }
      if (st >= 0) code[off + u] = st;
      else crossing.push(u);
    }
  }

  private candPool = new Int32Array(1024);
  private tols = new Float64Array(64);

  /**
   * ReLU-like subdivision by recursive splitting with filtered candidates: a cell tests every unit
   * still crossing its parent once, fixes the ones that do not cross it, splits by the first one that
   * does and hands the rest to both halves. A unit fixed on a cell is never tested again inside it,
   * so a wide layer costs about Σ_cells (units crossing the cell) range tests instead of
   * units × cells. Each final sub-cell is cut by its crossing units in increasing order, exactly as
   * unit-by-unit splitting would, so the polygons are the same; the halves of a split are ordered
   * so that neighbours in the output usually differ in one unit.
   */
  private subdivideRelu(cell: C, stage: Stage, Z: Float64Array, crossing: number[]): Sub<C>[] {
    const { m, extent } = this;
    const K = crossing.length;
    const out: Sub<C>[] = [];
    if (this.tols.length < K) this.tols = new Float64Array(2 * K);
    for (let q = 0; q < K; q++) this.tols[q] = affineTolerance(Z, crossing[q]! * m, m, extent);
    if (this.candPool.length < 2 * K) this.candPool = new Int32Array(4 * K);
    for (let q = 0; q < K; q++) this.candPool[q] = q;
    this.splitRec(cell, new Uint8Array(K), 0, K, stage.slot.offset, Z, crossing, out);
    return out;
  }

  /** Candidates are `candPool[base, base + nc)`; this call's own list goes right above them. */
  private splitRec(cell: C, st: Uint8Array, base: number, nc: number, off: number, Z: Float64Array, crossing: number[], out: Sub<C>[]): void {
    const { ops, m, range, fbuf } = this;
    const top = base + nc;
    if (this.candPool.length < top + nc) {
      const grown = new Int32Array(2 * (top + nc));
      grown.set(this.candPool);
      this.candPool = grown;
    }
    let first = -1;
    let n = 0;
    for (let i = 0; i < nc; i++) {
      const q = this.candPool[base + i]!;
      const r0 = crossing[q]! * m;
      for (let c = 0; c < m; c++) fbuf[c] = Z[r0 + c]!;
      const tol = this.tols[q]!;
      ops.range(cell, fbuf, 0, range);
      // A unit that is ≈ 0 on the whole cell takes the lower state (forward rule: x ≤ 0 → off).
      if (range[1]! <= tol) st[q] = 0;
      else if (range[0]! >= -tol) st[q] = 1;
      else if (first < 0) first = q;
      else this.candPool[top + n++] = q;
    }
    if (first < 0) {
      out.push({ cell, st });
      return;
    }
    const r0 = crossing[first]! * m;
    for (let c = 0; c < m; c++) fbuf[c] = Z[r0 + c]!;
    const label = (off + crossing[first]!) * 256;
    const [neg, pos] = ops.split(cell, fbuf, 0, this.tols[first]!, label + 1, label);
    const stPos = st.slice();
    st[first] = 0;
    stPos[first] = 1;
    if (out.length > 0 && out[out.length - 1]!.st[first] === 1) {
      this.splitRec(pos, stPos, top, n, off, Z, crossing, out);
      this.splitRec(neg, st, top, n, off, Z, crossing, out);
    } else {
      this.splitRec(neg, st, top, n, off, Z, crossing, out);
      this.splitRec(pos, stPos, top, n, off, Z, crossing, out);
    }
  }

  private subdivide(cell: C, stage: Stage, Z: Float64Array, crossing: number[], candidates: number[][]): Sub<C>[] {
    const { ops, m, extent, range, fbuf, bb } = this;
    const node = stage.node;
    const off = stage.slot.offset;
    const K = crossing.length;
    if (node.type === 'relu' || node.type === 'leaky_relu') return this.subdivideRelu(cell, stage, Z, crossing);
    let subs: Sub<C>[] = [{ cell, st: new Uint8Array(K) }];
    for (let q = 0; q < K; q++) {
      const u = crossing[q]!;
      const next: Sub<C>[] = [];
      const label = (off + u) * 256;
      if (node.type === 'maxpool') {
        const t = stage.table!;
        const cq = candidates[q]!;
        for (const sub of subs) {
          ops.bbox(sub.cell, bb);
          const na = aliveCandidates(ops, sub.cell, bb, Z, t, cq, cq.length, m, extent, range, fbuf, this.aliveBuf);
          if (na === 1) {
            sub.st[q] = t.slot[this.aliveBuf[0]!]!;
            next.push(sub);
            continue;
          }
          const alive = Array.from(this.aliveBuf.subarray(0, na));
          for (const a of alive) {
            let piece: C | null = sub.cell;
            const ra = t.taps[a]! * m;
            for (const b of alive) {
              if (b === a || piece === null) continue;
              const rb = t.taps[b]! * m;
              for (let c = 0; c < m; c++) fbuf[c] = Z[ra + c]! - Z[rb + c]!;
              const tol = affineTolerance(Z, ra, m, extent) + affineTolerance(Z, rb, m, extent);
              piece = ops.clip(piece, fbuf, 0, tol, label + t.slot[b]!);
            }
            if (piece !== null) {
              const st = sub.st.slice();
              st[q] = t.slot[a]!;
              next.push({ cell: piece, st });
            }
          }
        }
      } else {
        // Hard-tanh (ReLU-like units go through subdivideRelu): split at min, then the upper part at max.
        for (const sub of subs) splitThreshold(ops, sub, Z, u, m, node.min, 0, 1, q, label, extent, range, fbuf, next);
        const next2: Sub<C>[] = [];
        for (const sub of next) {
          if (sub.st[q] === 0) next2.push(sub);
          else splitThreshold(ops, sub, Z, u, m, node.max, 1, 2, q, label, extent, range, fbuf, next2);
        }
        subs = next2;
        continue;
      }
      subs = next;
    }
    return subs;
  }

  /**
   * The next child of a batch. Its chain outputs are base + Σ_q column_q ⊗ row_q; consecutive
   * sub-cells usually differ in one or two crossing units, so a child starts from the previous
   * child's values and adds only the differences when that is cheaper than summing from the base.
   * With `sink` (last stage) the child is emitted from scratch buffers and null is returned.
   * `lazy`: the previous child has been expanded already, so its own rank-one link can be dropped
   * (otherwise siblings would hold on to each other's tensors in a chain).
   */
  nextChild(b: ChildBatch<C>, lazy: boolean, sink?: RegionSink<C>): PartitionFrame<C> | null {
    const { net, m, row, rowOld } = this;
    const { frame, stage, Z, crossing, cols, liveBase, actBase } = b;
    const K = crossing.length;
    const off = stage.slot.offset;
    const isRelu = stage.node.type === 'relu';
    const code = frame.code;
    const s = b.next++;
    const sub = b.subs[s]!;
    const prevSt = b.prevSt;
    // Emitted children need no buffers of their own (consumers copy what they keep): one scratch
    // code and two alternating sets of output buffers (each child may start from the previous one).
    const scratch = sink ? this.scratchFor(stage, liveBase) : null;
    let childCode: Uint8Array;
    if (scratch) {
      childCode = scratch.code;
      childCode.set(code);
    } else childCode = u8.copy(code);
    let diffs = 0;
    let direct = 0;
    for (let q = 0; q < K; q++) {
      const st = sub.st[q]!;
      childCode[off + crossing[q]!] = st;
      if (!isRelu || st !== 0) direct++;
      if (prevSt !== null && prevSt[q] !== st) diffs++;
    }
    const incremental = prevSt !== null && diffs < direct;
    const from = incremental ? b.prevOut! : liveBase;
    let liveOut: Float64Array[];
    if (scratch) {
      liveOut = (s & 1) === 0 ? scratch.a : scratch.b;
      for (let l = 0; l < from.length; l++) liveOut[l]!.set(from[l]!);
    } else {
      liveOut = new Array(from.length);
      for (let l = 0; l < from.length; l++) liveOut[l] = f64.copy(from[l]!);
    }
    const actOut = stage.keepOutput ? f64.copy(actBase) : null;
    for (let q = 0; q < K; q++) {
      const j = crossing[q]!;
      const st = sub.st[q]!;
      if (actOut || !incremental || prevSt![q] !== st) activationRow(stage, Z, j, st, m, row, 0);
      if (actOut) actOut.set(row, j * m);
      if (incremental) {
        const old = prevSt![q]!;
        if (old === st) continue;
        activationRow(stage, Z, j, old, m, rowOld, 0);
        for (let c = 0; c < m; c++) row[c] = row[c]! - rowOld[c]!;
      }
      addColumn(liveOut, cols[q]!, row, m);
    }
    b.prevSt = sub.st;
    b.prevOut = liveOut;
    if (sink) {
      const liveIdx = stage.live.indexOf(net.output);
      sink(sub.cell, childCode, liveIdx >= 0 ? liveOut[liveIdx]! : net.output === stage.nodeIndex ? actOut! : frame.tensors[net.output]!);
      return null;
    }
    let delta: PartitionFrame<C>['delta'];
    const prevFrame = b.prevFrame;
    if (incremental && diffs <= 2 && prevFrame && stage.nextInputLive >= 0 && !stage.keepOutput) {
      const terms: { g: Float64Array; d: Float64Array }[] = [];
      for (let q1 = 0; q1 < K; q1++) {
        if (prevSt![q1] === sub.st[q1]) continue;
        const j = crossing[q1]!;
        const d = new Float64Array(m);
        activationRow(stage, Z, j, sub.st[q1]!, m, row, 0);
        activationRow(stage, Z, j, prevSt![q1]!, m, rowOld, 0);
        for (let c = 0; c < m; c++) d[c] = row[c]! - rowOld[c]!;
        terms.push({ g: cols[q1]![stage.nextInputLive]!, d });
      }
      delta = { from: prevFrame, terms };
    }
    if (lazy && prevFrame) delete prevFrame.delta;
    const tensors: (Float64Array | undefined)[] = new Array(net.nodes.length);
    for (let i = 0; i < stage.boundary; i++) {
      const t = frame.tensors[i];
      if (t !== undefined && net.lastUse[i]! >= stage.boundary) tensors[i] = t;
    }
    for (let l = 0; l < stage.live.length; l++) tensors[stage.live[l]!] = liveOut[l];
    if (actOut) tensors[stage.nodeIndex] = actOut;
    const child: PartitionFrame<C> = delta
      ? { cell: sub.cell, stage: frame.stage + 1, code: childCode, tensors, delta }
      : { cell: sub.cell, stage: frame.stage + 1, code: childCode, tensors };
    b.prevFrame = child;
    return child;
  }
}

/** T_l += col_l ⊗ row for every live tensor l (skipped when row is zero). */
function addColumn(live: Float64Array[], col: Float64Array[], row: Float64Array, m: number): void {
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

/** State of a ReLU-like unit that is constant on the cell, or −1 if its breakpoints cross it. */
function fixedState(node: ActivationNode, lo: number, hi: number, tol: number): number {
  if (node.type === 'hardtanh') {
    if (hi <= node.min + tol) return 0;
    if (lo >= node.max - tol) return 2;
    if (lo >= node.min - tol && hi <= node.max + tol) return 1;
    return -1;
  }
  if (hi <= tol) return 0;
  if (lo >= -tol) return 1;
  return -1;
}

/** Splits a sub-cell at Z[u] = θ into states `below` / `above` (or assigns one when not crossed). */
function splitThreshold<C>(
  ops: CellOps<C>,
  sub: Sub<C>,
  Z: Float64Array,
  u: number,
  m: number,
  theta: number,
  below: number,
  above: number,
  q: number,
  label: number,
  extent: ArrayLike<number>,
  range: Float64Array,
  fbuf: Float64Array,
  out: Sub<C>[],
): void {
  for (let c = 0; c < m; c++) fbuf[c] = Z[u * m + c]!;
  fbuf[0] = fbuf[0]! - theta;
  const tol = affineTolerance(Z, u * m, m, extent) + Math.abs(theta) * 1e-10;
  ops.range(sub.cell, fbuf, 0, range);
  const lo = range[0]!;
  const hi = range[1]!;
  // A unit that is ≈ θ on the whole sub-cell takes the lower state (forward rule: x ≤ θ → lower).
  if (hi <= tol) {
    sub.st[q] = below;
    out.push(sub);
    return;
  }
  if (lo >= -tol) {
    sub.st[q] = above;
    out.push(sub);
    return;
  }
  const [neg, pos] = ops.split(sub.cell, fbuf, 0, tol, label + above, label + below);
  const stNeg = sub.st;
  const stPos = sub.st.slice();
  stNeg[q] = below;
  stPos[q] = above;
  // Reflected (Gray-code-like) order: alternate which half comes first, so that neighbours in the
  // list usually differ in one unit — children and next-stage bases are then rank-one updates.
  if (out.length > 0 && out[out.length - 1]!.st[q] === above) out.push({ cell: pos, st: stPos }, { cell: neg, st: stNeg });
  else out.push({ cell: neg, st: stNeg }, { cell: pos, st: stPos });
}

/**
 * Window candidates (tap indices) that can be the argmax somewhere on the cell: a candidate b is
 * dropped when another candidate a is ≥ b on the whole cell (ties go to the earlier tap, as
 * PyTorch). Bounding-box ranges decide most pairs; exact vertex ranges only the rest. Writes the
 * survivors to `out` and returns how many there are.
 */
function aliveCandidates<C>(
  ops: CellOps<C>,
  cell: C,
  bb: Float64Array,
  Z: Float64Array,
  t: WindowTable,
  cands: ArrayLike<number>,
  p: number,
  m: number,
  extent: ArrayLike<number>,
  range: Float64Array,
  fbuf: Float64Array,
  out: Int32Array,
): number {
  const k = m - 1;
  // Fast path 1: identical candidate rows (e.g. all zero after an inactive ReLU) tie everywhere;
  // the earliest tap wins.
  const r0 = t.taps[cands[0]!]! * m;
  let same = true;
  for (let i = 1; i < p && same; i++) {
    const ri = t.taps[cands[i]!]! * m;
    for (let c = 0; c < m; c++) {
      if (Z[ri + c] !== Z[r0 + c]) {
        same = false;
        break;
      }
    }
  }
  if (same) {
    out[0] = cands[0]!;
    return 1;
  }
  // Fast path 2: a candidate whose bounding-box minimum beats every other's bounding-box maximum
  // is the argmax on the whole cell.
  if (rangeScratch.length < 2 * p) rangeScratch = new Float64Array(4 * p);
  const rs = rangeScratch;
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
    const tol = affineTolerance(Z, ri, m, extent);
    rs[2 * i] = v - r - tol;
    rs[2 * i + 1] = v + r + tol;
    if (v - r - tol > bestLo) {
      bestLo = v - r - tol;
      best = i;
    }
  }
  let wins = best >= 0;
  for (let i = 0; i < p && wins; i++) if (i !== best && rs[2 * i + 1]! >= bestLo) wins = false;
  if (wins) {
    out[0] = cands[best]!;
    return 1;
  }
  if (deadScratch.length < p) deadScratch = new Uint8Array(2 * p);
  const dead = deadScratch;
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
      const tol = affineTolerance(Z, ra, m, extent) + affineTolerance(Z, rb, m, extent);
      if (v + r < -tol) continue; // b beats a somewhere: a does not dominate b
      let lo = v - r;
      let hi = v + r;
      if (lo < -tol || (ai > bi && hi > tol)) {
        for (let c = 0; c < m; c++) fbuf[c] = Z[ra + c]! - Z[rb + c]!;
        ops.range(cell, fbuf, 0, range);
        lo = range[0]!;
        hi = range[1]!;
      }
      // a ≥ b on the whole cell: b can only tie, and ties go to the earlier tap.
      if (lo >= -tol && (ai < bi || hi > tol)) dead[bi] = 1;
    }
  }
  let n = 0;
  for (let i = 0; i < p; i++) if (!dead[i]) out[n++] = cands[i]!;
  return n;
}

let deadScratch = new Uint8Array(64);
let gatherJ = new Int32Array(256);
let gatherC = new Float64Array(256);
let rangeScratch = new Float64Array(128);

