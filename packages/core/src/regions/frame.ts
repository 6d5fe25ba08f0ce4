/** The partition engine's units of work: cells waiting at a stage, and batches of a split cell's children. */
import type { Stage } from './stages.js';

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

/** A sub-cell of a split cell with the states of the cell's crossing units on it. */
export interface Sub<C> {
  cell: C;
  st: Uint8Array;
}

/** A split cell's children [next, end), produced one at a time by the run's `nextChild`. */
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

/**
 * A piece of partition work that can run on its own (on any thread, in any order) with
 * bit-identical results: a frame, or a range of one expanded cell's children.
 */
export type WorkUnit<C> = PartitionFrame<C> | ChildBatch<C>;

export function isBatch<C>(it: WorkUnit<C>): it is ChildBatch<C> {
  return (it as ChildBatch<C>).subs !== undefined;
}

/** A fresh batch over children [from, to) of `b` (the first is computed from the base, not from a sibling). */
export function rangeOf<C>(b: ChildBatch<C>, from: number, to: number): ChildBatch<C> {
  return { ...b, next: from, end: to, prevSt: null, prevOut: null, prevFrame: null };
}
