/**
 * Everything one partition run writes besides its output: scratch buffers, arenas for per-cell
 * tensors, the previous cell of every stage (incremental bases), the run's cell operations and
 * tolerance. One workspace per run, never shared: a run started inside another run's callback
 * (or on another network) has its own, so results depend only on the run's own frames.
 */
import { Float64Arena, Uint8Arena } from '../arena.js';
import type { CellOps } from '../geometry/cells.js';
import { GatherScratch } from '../network/kernels.js';
import type { PartitionFrame } from './frame.js';
import type { EngineNetwork, Stage } from './stages.js';

/** The previous cell at a stage: its activation output and chain values, for incremental bases. */
export interface PrevCell<C> {
  act: Float64Array;
  live: Float64Array[];
  external: (Float64Array | undefined)[];
  /** The frame, its activation input and its per-unit scales (ReLU-like stages). */
  frame?: PartitionFrame<C>;
  Z?: Float64Array;
  scales?: Float64Array;
  /** Updates since the last full evaluation (bounded to keep rounding in check). */
  chainLength: number;
}

/** Scratch code and two alternating sets of output buffers for children emitted straight from a stage. */
export interface EmitScratch {
  code: Uint8Array;
  a: Float64Array[];
  b: Float64Array[];
}

export class Workspace<C> {
  readonly k: number;
  readonly m: number;
  readonly range = new Float64Array(2);
  readonly bb: Float64Array;
  readonly fbuf: Float64Array;
  readonly row: Float64Array;
  readonly rowOld: Float64Array;
  allTaps: Int32Array;
  readonly aliveBuf: Int32Array;
  candPool = new Int32Array(1024);
  tols = new Float64Array(64);
  dead = new Uint8Array(64);
  ranges = new Float64Array(128);
  gatherJ = new Int32Array(256);
  gatherC = new Float64Array(256);
  /** Dense kernel buffers. */
  readonly kernel = new GatherScratch();
  /** Arenas for per-cell buffers (see arena.ts: emitted buffers are views, copy what you keep). */
  readonly f64 = new Float64Arena();
  readonly u8 = new Uint8Arena();
  /** Per stage: the previous cell (incremental bases), the dense chain's response buffer, emit buffers. */
  readonly prev: (PrevCell<C> | null)[];
  readonly denseOut: Float64Array[];
  readonly emit: (EmitScratch | undefined)[];

  constructor(
    readonly eng: EngineNetwork,
    /** The run's own cell operations (`CellOps.forRun`), so their scratch is not shared either. */
    readonly ops: CellOps<C>,
    readonly extent: ArrayLike<number>,
    /** Relative side tolerance (`Tolerances.side`). */
    readonly eps: number,
  ) {
    this.k = ops.k;
    this.m = ops.k + 1;
    this.bb = new Float64Array(2 * this.k);
    this.fbuf = new Float64Array(this.m);
    this.row = new Float64Array(this.m);
    this.rowOld = new Float64Array(this.m);
    this.allTaps = new Int32Array(eng.maxWindow);
    this.aliveBuf = new Int32Array(eng.maxWindow);
    const n = eng.stages.length;
    this.prev = new Array<PrevCell<C> | null>(n).fill(null);
    this.denseOut = eng.stages.map((st) => new Float64Array(st.dense ? st.dense.outFeatures : 0));
    this.emit = new Array<EmitScratch | undefined>(n);
  }

  /** Starts a new run on this workspace: forgets every stage's previous cell (results then depend only on the run's frames). */
  reset(): void {
    this.prev.fill(null);
  }

  /** Scratch buffers for children emitted straight from `stage` (shapes of its live chain tensors). */
  emitScratch(stage: Stage, like: Float64Array[]): EmitScratch {
    let sc = this.emit[stage.index];
    if (!sc) {
      sc = {
        code: new Uint8Array(this.eng.net.numUnits),
        a: like.map((t) => new Float64Array(t.length)),
        b: like.map((t) => new Float64Array(t.length)),
      };
      this.emit[stage.index] = sc;
    }
    return sc;
  }
}
