/** Messages between the parallel slice driver and its workers. */
import type { ErrorCode } from '@polytope-lens/core';

/**
 * A slice job. Every worker plans the job's work units itself (`planUnits` is deterministic, so
 * all get the same list) and then takes units from a shared counter until none are left; no cell
 * data crosses threads, and no message is needed to hand out work.
 */
export interface JobSetup {
  job: number;
  /** Work units to plan (`planUnits`' minimum). */
  units: number;
  /** Identifies the network within the driver; `network` is omitted when the worker already has it. */
  netId: number;
  network?: object;
  origin: Float64Array;
  dirs: Float64Array;
  extent: number[];
  box: [number, number, number, number];
  batch: number;
  /** Send each region's polygon and code too (the driver collects or reports regions). */
  full: boolean;
  /**
   * Shared with the driver: [0] batches sent and not yet consumed (a worker waits while
   * MAX_IN_FLIGHT are outstanding, so a slow consumer bounds memory), [1] set to 1 to cancel,
   * [2] the next unit to take.
   */
  control: Int32Array;
}

/** Region batches a worker may have outstanding before it waits for the driver. */
export const MAX_IN_FLIGHT = 64;

export type ToWorker = { type: 'job'; setup: JobSetup } | { type: 'stop' };

/**
 * Regions of one work unit found by a worker, described there (`RegionDescriber`), packed in few
 * arrays (each array a message carries costs a few microseconds):
 * - `ints`: edge starts (count + 1: region i owns edges [ints[i], ints[i+1])), then segment starts
 *   (count + 1, values into the segment block);
 * - `floats`: areas (count), code hashes (count), output families (count·o·3), the neighbour hash
 *   of every edge (ints[count]), decision segments (ints[2·count + 1] values);
 * - polygons (`xy`, `labels`) and `codes` only when the job is `full`.
 */
export interface RegionBatch {
  type: 'regions';
  job: number;
  frame: number;
  count: number;
  ints: Int32Array;
  floats: Float64Array;
  xy?: Float64Array;
  labels?: Int32Array;
  codes?: Uint8Array;
}

/** Every message but 'ready' names its job: a cancelled job's late messages must not reach the next one. */
export type FromWorker =
  | RegionBatch
  | { type: 'worker-done'; job: number; units: number }
  | { type: 'ready' }
  | { type: 'error'; job: number; message: string; code: ErrorCode };
