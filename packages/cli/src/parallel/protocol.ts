/** Messages between the parallel slice driver and its workers. */

/**
 * A slice job. Every worker plans the job's work units itself (`planUnits` is deterministic, so
 * all get the same list) and then partitions the units it is sent; no cell data crosses threads.
 */
export interface JobSetup {
  job: number;
  /** Work units to plan (`planUnits`' minimum). */
  units: number;
  network: object;
  origin: Float64Array;
  dirs: Float64Array;
  extent: number[];
  box: [number, number, number, number];
  batch: number;
  /** Send each region's polygon and code too (the driver collects or reports regions). */
  full: boolean;
  /**
   * Flow control, shared with the driver: [0] batches sent and not yet consumed (a worker waits
   * while MAX_IN_FLIGHT are outstanding, so a slow consumer bounds memory), [1] set to 1 to cancel.
   */
  control: Int32Array;
}

/** Region batches a worker may have outstanding before it waits for the driver. */
export const MAX_IN_FLIGHT = 8;

export type ToWorker = { type: 'job'; setup: JobSetup } | { type: 'unit'; job: number; index: number } | { type: 'stop' };

/**
 * Regions found by a worker, described there (`RegionDescriber`): per region its area, code hash and
 * output family; per edge the neighbour's hash (`starts` delimits each region's edges); decision
 * segments delimited by `segStarts`. Polygons (`xy`, `labels`) and `codes` only when the job is `full`.
 */
export interface RegionBatch {
  type: 'regions';
  frame: number;
  count: number;
  starts: Int32Array;
  areas: Float64Array;
  hashes: Float64Array;
  neighbours: Float64Array;
  outputs: Float64Array;
  segStarts: Int32Array;
  segments: Float64Array;
  xy?: Float64Array;
  labels?: Int32Array;
  codes?: Uint8Array;
}

export type FromWorker = RegionBatch | { type: 'planned'; units: number } | { type: 'unit-done'; frame: number } | { type: 'ready' } | { type: 'error'; message: string };
