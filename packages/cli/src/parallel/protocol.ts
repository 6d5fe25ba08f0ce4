/** Messages between the parallel slice driver and its workers. */
import type { PartitionFrame, Polygon } from '@polytope-lens/core';

export interface SerializedFrame {
  n: number;
  xy: Float64Array;
  labels: Int32Array;
  stage: number;
  code: Uint8Array;
  tensors: [number, Float64Array][];
}

export interface JobSetup {
  job: number;
  network: object;
  origin: Float64Array;
  dirs: Float64Array;
  extent: number[];
  box: [number, number, number, number];
  batch: number;
  /** Send each region's polygon and code too (the driver collects or reports regions). */
  full: boolean;
}

export type ToWorker = { type: 'job'; setup: JobSetup } | { type: 'frame'; job: number; index: number; frames: SerializedFrame[] } | { type: 'stop' };

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

export type FromWorker = RegionBatch | { type: 'frame-done'; frame: number } | { type: 'ready' } | { type: 'error'; message: string };

export function serializeFrame(f: PartitionFrame<Polygon>): SerializedFrame {
  const tensors: [number, Float64Array][] = [];
  f.tensors.forEach((t, i) => {
    if (t) tensors.push([i, t.slice()]);
  });
  // Copies: engine buffers are views into shared arena chunks, which structured clone would copy whole.
  return { n: f.cell.n, xy: f.cell.xy.slice(0, 2 * f.cell.n), labels: f.cell.labels.slice(0, f.cell.n), stage: f.stage, code: f.code.slice(), tensors };
}

export function deserializeFrame(s: SerializedFrame, numNodes: number): PartitionFrame<Polygon> {
  const tensors: (Float64Array | undefined)[] = new Array(numNodes);
  for (const [i, t] of s.tensors) tensors[i] = t;
  return { cell: { n: s.n, xy: s.xy, labels: s.labels }, stage: s.stage, code: s.code, tensors };
}
