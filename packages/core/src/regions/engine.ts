/**
 * The exact partition engine: splits a k-dimensional cell (interval or polygon) of an affine
 * family `origin + D t` of inputs into the activation regions of a network.
 *
 * Depth-first, one activation node ("stage") at a time:
 *  1. A cell arrives with the affine family (unit-major, m = k + 1 columns) of every tensor it
 *     still needs, in particular the input of the next activation node.
 *  2. Units whose state is the same on the whole cell are fixed; the others ("crossing units")
 *     subdivide the cell (classify.ts, subdivide.ts).
 *  3. The affine nodes up to the next activation (the stage's "chain") are evaluated once per
 *     cell with the crossing units zeroed (the base, chain.ts); each sub-cell then adds, for its
 *     crossing units, `column_j ⊗ row_j`, where column_j is the chain's linear response to unit j
 *     (cached in the prepared network's stages, stages.ts).
 *
 * Memory is bounded by the depth of the stack, not the number of regions: regions stream out
 * through `emit`. A run owns its state (workspace.ts); the network's derived data belongs to its
 * `PreparedNetwork`, so runs are re-entrant (a run may start inside another's callback) and a
 * run's results depend only on its network, its frames and its tolerances.
 */
import { AbortError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import type { CellOps } from '../geometry/cells.js';
import { resolveTolerances } from '../geometry/predicates.js';
import type { Tolerances } from '../geometry/predicates.js';
import { BiasMode } from '../network/kernels.js';
import type { NetworkLike } from '../network/prepared.js';
import { addColumn, chainBase } from './chain.js';
import { classifyUnits, classifyWindows } from './classify.js';
import { isBatch, rangeOf } from './frame.js';
import type { ChildBatch, PartitionFrame, WorkUnit } from './frame.js';
import { activationRow, columnOf, engineNetwork, evalChain } from './stages.js';
import type { EngineNetwork, Stage } from './stages.js';
import { subdivide } from './subdivide.js';
import { Workspace } from './workspace.js';

export type { ChildBatch, PartitionFrame, WorkUnit } from './frame.js';

/** Progress report: `fraction` of the domain's measure finished, regions so far. */
export interface PartitionProgress {
  readonly fraction: number;
  readonly regions: number;
}

/** Options every partition (slice, line) accepts: cancellation and progress. */
export interface PartitionOptions {
  onProgress?: (p: PartitionProgress) => void;
  signal?: AbortSignalLike;
  /** Tolerances replacing the defaults of `geometry/predicates.ts` (`DEFAULT_TOLERANCES`). */
  tolerances?: Partial<Tolerances>;
}

/** Options of `runPartition` beyond progress and cancellation. */
export interface RunOptions<C> extends PartitionOptions {
  /** Run these work units (from `planUnits`), in order, instead of the root cell. */
  units?: WorkUnit<C>[];
  /** Measure of the whole domain, for progress fractions when starting from frames. */
  totalMeasure?: number;
  /**
   * Buffers to reuse across runs (many small work units on one thread): owned by the caller, used
   * by one run at a time; each run starts it afresh, so results are the same as without it.
   */
  workspace?: PartitionWorkspace;
}

/** A caller-owned holder of a partition run's buffers, reused by runs of the same network, cells and tolerances. */
export class PartitionWorkspace {
  /** @internal */
  held: Workspace<unknown> | null = null;
  /** @internal */
  busy = false;
}

/** The run's workspace: the caller's when it fits this run and is free, else a fresh one. */
function workspaceFor<C>(
  eng: EngineNetwork,
  ops: CellOps<C>,
  extent: ArrayLike<number>,
  eps: number,
  holder: PartitionWorkspace | undefined,
): Workspace<C> {
  const h = holder?.held as Workspace<C> | null | undefined;
  if (holder && !holder.busy && h && h.eng === eng && h.k === ops.k && h.extent === extent && h.eps === eps) {
    h.reset();
    return h;
  }
  const ws = new Workspace(eng, ops.forRun?.(eps) ?? ops, extent, eps);
  if (holder && !holder.busy) holder.held = ws as Workspace<unknown>;
  return ws;
}

/** A region as the engine emits it. Buffers are the engine's own: copy what you keep. */
export interface EmittedRegion<C> {
  readonly cell: C;
  /** Full activation code (one state per unit of every activation node). */
  readonly code: Uint8Array;
  /** Output family, unit-major: `output[r * m + 0]` is output r at t = 0, `output[r*m + j]` its slope along t_j. */
  readonly output: Float64Array;
}

/** Receives a finished region: cell, full code and output family (engine buffers: copy what you keep). */
type RegionSink<C> = (cell: C, code: Uint8Array, output: Float64Array) => void;

/**
 * The root frame of a partition of `root` for the family `origin + D t` (D is d×k row-major).
 * A plain network is prepared for this call: pass a `PreparedNetwork` when calling repeatedly.
 */
export function rootFrame<C>(
  net: NetworkLike,
  ops: CellOps<C>,
  root: C,
  origin: ArrayLike<number>,
  dirs: ArrayLike<number>,
): PartitionFrame<C> {
  return rootFrameOf(engineNetwork(net), ops, root, origin, dirs);
}

function rootFrameOf<C>(
  eng: EngineNetwork,
  ops: CellOps<C>,
  root: C,
  origin: ArrayLike<number>,
  dirs: ArrayLike<number>,
): PartitionFrame<C> {
  const net = eng.net;
  const k = ops.k;
  const m = k + 1;
  const d = net.inputSize;
  const input = new Float64Array(d * m);
  for (let i = 0; i < d; i++) {
    input[i * m] = origin[i]!;
    for (let j = 0; j < k; j++) input[i * m + 1 + j] = dirs[i * k + j]!;
  }
  const pre = evalChain(eng.prepared, eng.prefix, (i) => (i === 0 ? input : undefined), m, BiasMode.First);
  const rootTensors: (Float64Array | undefined)[] = new Array(net.nodes.length);
  for (const i of eng.prefixLive) rootTensors[i] = i === 0 ? input : pre.get(i);
  return { cell: root, stage: 0, code: new Uint8Array(net.numUnits), tensors: rootTensors };
}

/**
 * Splits the partition of `start` into at least `minUnits` independent work units (fewer only
 * when there is less to split), in depth-first order: breadth-first over the first stages while
 * there are few cells, then ranges of each last-expanded cell's children. Children are not
 * materialized (a wide first layer can have 10⁵ children of 10 kB each), so planning is cheap in
 * time and memory, and deterministic: every thread can plan for itself and get the same units
 * (with the same tolerances as the runs that take them).
 */
export function planUnits<C>(
  net: NetworkLike,
  ops: CellOps<C>,
  start: PartitionFrame<C>,
  extent: ArrayLike<number>,
  minUnits: number,
  options: { tolerances?: Partial<Tolerances> } = {},
): WorkUnit<C>[] {
  const eng = engineNetwork(net);
  const eps = resolveTolerances(options.tolerances).side;
  const run = new PartitionRun(new Workspace(eng, ops.forRun?.(eps) ?? ops, extent, eps));
  const numStages = eng.stages.length;
  let frames = [start];
  for (;;) {
    if (frames.every((f) => f.stage === numStages)) return frames;
    const items: WorkUnit<C>[] = [];
    let total = 0;
    for (const f of frames) {
      if (f.stage === numStages) {
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
    if (total >= minUnits) return splitItems(items, total, minUnits);
    frames = materialize(run, items);
  }
}

/** Ranges of about total / minUnits children each. */
function splitItems<C>(items: WorkUnit<C>[], total: number, minUnits: number): WorkUnit<C>[] {
  const size = Math.max(1, Math.ceil(total / minUnits));
  const units: WorkUnit<C>[] = [];
  for (const it of items) {
    if (!isBatch(it)) units.push(it);
    else for (let from = it.next; from < it.end; from += size) units.push(rangeOf(it, from, Math.min(it.end, from + size)));
  }
  return units;
}

/** Few cells: materialize every child to go one stage deeper. Rank-one links between frames are dropped: a unit must not depend on another. */
function materialize<C>(run: PartitionRun<C>, items: WorkUnit<C>[]): PartitionFrame<C>[] {
  const next: PartitionFrame<C>[] = [];
  for (const it of items) {
    if (!isBatch(it)) next.push(it);
    else while (it.next < it.end) next.push(run.nextChild(it, false)!);
  }
  return next.map((f) => (f.delta ? { cell: f.cell, stage: f.stage, code: f.code, tensors: f.tensors } : f));
}

/**
 * Runs the partition of `root` for the family `origin + D t` (D is d×k row-major).
 * Calls `emit` once per activation region, in depth-first order. A plain network is prepared for
 * this call (its weights copied, its stages built): pass a `PreparedNetwork` when calling repeatedly.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- public entry point called by packages/cli (slice-worker, slice-parallel) with this positional signature; once per partition, not per cell. Moving to an options object needs a coordinated change there.
export function runPartition<C>(
  net: NetworkLike,
  ops: CellOps<C>,
  root: C,
  origin: ArrayLike<number>,
  dirs: ArrayLike<number>,
  extent: ArrayLike<number>,
  emit: (r: EmittedRegion<C>) => void,
  options: RunOptions<C> = {},
): { regions: number } {
  const eng = engineNetwork(net);
  // A fresh workspace: incremental bases depend on the cell processed before, so starting every
  // run afresh makes the results a function of the run's frames alone (any thread count, any nesting).
  const ws = workspaceFor(eng, ops, extent, resolveTolerances(options.tolerances).side, options.workspace);
  const runOps = ws.ops;
  const run = new PartitionRun(ws);
  const holder = options.workspace?.held === ws ? options.workspace : undefined;
  if (holder) holder.busy = true;
  try {
    return runStack(run, eng, runOps, { root, origin, dirs }, emit, options);
  } finally {
    if (holder) holder.busy = false;
  }
}

/** The root cell of a partition and the affine family `origin + D t` on it (D row-major in `dirs`). */
interface RootFamily<C> {
  readonly root: C;
  readonly origin: ArrayLike<number>;
  readonly dirs: ArrayLike<number>;
}

function runStack<C>(
  run: PartitionRun<C>,
  eng: EngineNetwork,
  runOps: CellOps<C>,
  family: RootFamily<C>,
  emit: (r: EmittedRegion<C>) => void,
  options: RunOptions<C>,
): { regions: number } {
  const { root, origin, dirs } = family;
  const counter = progressSink(runOps, options.totalMeasure ?? runOps.measure(root), emit, options);
  // Depth-first. A batch on the stack yields its next child when it is on top, so only one child
  // per expanded cell exists at a time; children of the last stage are emitted at once.
  const stack: WorkUnit<C>[] = options.units
    ? options.units.map((u) => (isBatch(u) ? rangeOf(u, u.next, u.end) : u)).reverse()
    : [rootFrameOf(eng, runOps, root, origin, dirs)];
  const numStages = eng.stages.length;
  const output = eng.net.output;
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
    if (frame.stage === numStages) counter.sink(frame.cell, frame.code, frame.tensors[output]!);
    else run.expand(frame, stack, counter.sink);
  }
  options.onProgress?.({ fraction: 1, regions: counter.regions });
  return { regions: counter.regions };
}

/** A sink that counts regions, forwards them to `emit`, checks for cancellation and reports progress. */
function progressSink<C>(
  ops: CellOps<C>,
  total: number,
  emit: (r: EmittedRegion<C>) => void,
  options: PartitionOptions,
): { sink: RegionSink<C>; readonly regions: number } {
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
  return {
    sink,
    get regions() {
      return regions;
    },
  };
}

/** One partition run: expands cells and yields children, with all its state in its workspace. */
class PartitionRun<C> {
  constructor(private readonly ws: Workspace<C>) {}

  /** Splits one cell at its stage and pushes its children (or emits them to `sink` after the last stage). */
  expand(frame: PartitionFrame<C>, stack: WorkUnit<C>[], sink?: RegionSink<C>): void {
    const ws = this.ws;
    const stages = ws.eng.stages;
    const stage = stages[frame.stage]!;
    const Z = frame.tensors[stage.inputIndex]!;
    const crossing: number[] = [];
    const candidates: number[][] = [];
    if (stage.node.type === 'maxpool') classifyWindows(ws, frame, stage, Z, crossing, candidates);
    else classifyUnits(ws, frame, stage, Z, crossing);
    const subs = subdivide(ws, frame.cell, stage, Z, crossing, candidates);
    const { actBase, scales } = activationBase(ws, stage, frame.code, Z, crossing);
    const liveBase = chainBase(ws, stage, actBase, frame, Z, scales);
    const cols = crossing.map((j) => columnOf(ws.eng.prepared, stage, j));
    const batch: ChildBatch<C> = {
      frame,
      stage,
      Z,
      crossing,
      subs,
      actBase,
      liveBase,
      cols,
      next: 0,
      end: subs.length,
      prevSt: null,
      prevOut: null,
      prevFrame: null,
    };
    if (sink && frame.stage + 1 === stages.length) {
      while (batch.next < batch.end) this.nextChild(batch, true, sink);
    } else if (subs.length > 0) stack.push(batch);
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
    const ws = this.ws;
    const { m, row, rowOld } = ws;
    const { frame, stage, Z, crossing, cols } = b;
    const K = crossing.length;
    const s = b.next++;
    const sub = b.subs[s]!;
    const prevSt = b.prevSt;
    // Emitted children need no buffers of their own (consumers copy what they keep): one scratch
    // code and two alternating sets of output buffers (each child may start from the previous one).
    const scratch = sink ? ws.emitScratch(stage, b.liveBase) : null;
    const childCode = scratch ? scratch.code : ws.u8.alloc(frame.code.length);
    const diffs = childCodeOf(b, sub.st, childCode);
    const incremental = diffs >= 0;
    const from = incremental ? b.prevOut! : b.liveBase;
    let liveOut: Float64Array[];
    if (scratch) {
      liveOut = (s & 1) === 0 ? scratch.a : scratch.b;
      for (let l = 0; l < from.length; l++) liveOut[l]!.set(from[l]!);
    } else {
      liveOut = new Array(from.length);
      for (let l = 0; l < from.length; l++) liveOut[l] = ws.f64.copy(from[l]!);
    }
    // The crossing units' rows (or, from the previous child, their changes), kept in this loop
    // so that the engine's hottest path stays in one optimized function.
    const actOut = stage.keepOutput ? ws.f64.copy(b.actBase) : null;
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
      const net = ws.eng.net;
      sink(
        sub.cell,
        childCode,
        stage.outputLive >= 0 ? liveOut[stage.outputLive]! : net.output === stage.nodeIndex ? actOut! : frame.tensors[net.output]!,
      );
      return null;
    }
    return this.childFrame(b, sub.cell, childCode, incremental && diffs <= 2 ? prevSt : null, lazy, liveOut, actOut);
  }

  /** The child as a frame of the next stage, linked to its previous sibling by rank-one terms when `linkFrom` (its states) is given. */
  // eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
  private childFrame(
    b: ChildBatch<C>,
    cell: C,
    code: Uint8Array,
    linkFrom: Uint8Array | null,
    lazy: boolean,
    liveOut: Float64Array[],
    actOut: Float64Array | null,
  ): PartitionFrame<C> {
    const { frame, stage } = b;
    const prevFrame = b.prevFrame;
    const delta =
      linkFrom && prevFrame && stage.nextInputLive >= 0 && !stage.keepOutput
        ? { from: prevFrame, terms: deltaTerms(this.ws, b, linkFrom, b.prevSt!) }
        : undefined;
    if (lazy && prevFrame) delete prevFrame.delta;
    const tensors = childTensors(this.ws, b, liveOut, actOut);
    const child: PartitionFrame<C> = delta
      ? { cell, stage: frame.stage + 1, code, tensors, delta }
      : { cell, stage: frame.stage + 1, code, tensors };
    b.prevFrame = child;
    return child;
  }
}

/**
 * The activation output of a cell with its crossing units zeroed, and for ReLU-like stages the
 * per-unit scales (output = scale · input, crossing units zero).
 */
function activationBase<C>(
  ws: Workspace<C>,
  stage: Stage,
  code: Uint8Array,
  Z: Float64Array,
  crossing: number[],
): { actBase: Float64Array; scales: Float64Array | null } {
  const n = stage.outSize;
  const m = ws.m;
  const off = stage.slot.offset;
  const actBase = ws.f64.alloc(n * m);
  const isCrossing = ws.u8.alloc(n);
  for (const j of crossing) isCrossing[j] = 1;
  const node = stage.node;
  if (node.type !== 'relu' && node.type !== 'leaky_relu' && node.type !== 'prelu') {
    for (let j = 0; j < n; j++) if (!isCrossing[j]) activationRow(stage, Z, j, code[off + j]!, m, actBase, j * m);
    return { actBase, scales: null };
  }
  const scales = ws.f64.alloc(n);
  const off0 = node.type === 'relu' ? 0 : node.type === 'leaky_relu' ? node.alpha : 0;
  const slopes = stage.slopes;
  for (let j = 0; j < n; j++) {
    if (isCrossing[j]) continue;
    const sc = code[off + j] ? 1 : slopes !== null ? slopes[j]! : off0;
    scales[j] = sc;
    if (sc !== 0) for (let c = 0; c < m; c++) actBase[j * m + c] = sc * Z[j * m + c]!;
  }
  return { actBase, scales };
}

/**
 * Writes the child's code (parent code plus its crossing units' states) and returns the number of
 * units that differ from the previous child when the child should start from the previous
 * child's outputs (fewer differ than the base would need), else −1.
 */
function childCodeOf<C>(b: ChildBatch<C>, st: Uint8Array, childCode: Uint8Array): number {
  const { crossing, stage } = b;
  const off = stage.slot.offset;
  const isRelu = stage.node.type === 'relu';
  const prevSt = b.prevSt;
  childCode.set(b.frame.code);
  let diffs = 0;
  let direct = 0;
  for (let q = 0; q < crossing.length; q++) {
    const s = st[q]!;
    childCode[off + crossing[q]!] = s;
    if (!isRelu || s !== 0) direct++;
    if (prevSt !== null && prevSt[q] !== s) diffs++;
  }
  return prevSt !== null && diffs < direct ? diffs : -1;
}

/** The rank-one terms g ⊗ d by which a child's next-stage input differs from its previous sibling's. */
function deltaTerms<C>(ws: Workspace<C>, b: ChildBatch<C>, prevSt: Uint8Array, st: Uint8Array): { g: Float64Array; d: Float64Array }[] {
  const { m, row, rowOld } = ws;
  const { stage, Z, crossing, cols } = b;
  const terms: { g: Float64Array; d: Float64Array }[] = [];
  for (let q = 0; q < crossing.length; q++) {
    if (prevSt[q] === st[q]) continue;
    const j = crossing[q]!;
    const d = new Float64Array(m);
    activationRow(stage, Z, j, st[q]!, m, row, 0);
    activationRow(stage, Z, j, prevSt[q]!, m, rowOld, 0);
    for (let c = 0; c < m; c++) d[c] = row[c]! - rowOld[c]!;
    terms.push({ g: cols[q]![stage.nextInputLive]!, d });
  }
  return terms;
}

/** The tensors a child carries to the next stage: the parent's still read later, the chain's live outputs, the activation output if kept. */
function childTensors<C>(
  ws: Workspace<C>,
  b: ChildBatch<C>,
  liveOut: Float64Array[],
  actOut: Float64Array | null,
): (Float64Array | undefined)[] {
  const net = ws.eng.net;
  const { frame, stage } = b;
  const tensors: (Float64Array | undefined)[] = new Array(net.nodes.length);
  for (let i = 0; i < stage.boundary; i++) {
    const t = frame.tensors[i];
    if (t !== undefined && net.lastUse[i]! >= stage.boundary) tensors[i] = t;
  }
  for (let l = 0; l < stage.live.length; l++) tensors[stage.live[l]!] = liveOut[l];
  if (actOut) tensors[stage.nodeIndex] = actOut;
  return tensors;
}
