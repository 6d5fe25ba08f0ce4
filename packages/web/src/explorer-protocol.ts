/**
 * Messages between the model explorer's panels and explorer-worker.ts (no DOM types: the job client
 * and its test use them in Node too).
 */
import type { ImageShape } from './jacobian-image.js';

/** To the worker: the network (once), then jobs, each with an id the answer repeats. */
export type ToExplorer =
  | { type: 'model'; net: string | Uint8Array }
  | { type: 'path'; id: number; from: Float64Array; to: Float64Array; output: number }
  | { type: 'jacobian'; id: number; x: Float64Array; shape: ImageShape };

/** A path: its summary, the strip chart as [t0, v0, t1, v1, …]. */
export interface PathAnswer {
  readonly type: 'path';
  readonly id: number;
  readonly pieces: number;
  readonly length: number;
  readonly density: number;
  /** The output charted. */
  readonly output: number;
  readonly strip: Float64Array;
}

/** Jacobian images: `outputs` RGBA images of height × width, one after another. */
export interface JacobianAnswer {
  readonly type: 'jacobian';
  readonly id: number;
  readonly outputs: number;
  readonly images: Uint8ClampedArray;
}

export type FromExplorer =
  | PathAnswer
  | JacobianAnswer
  | { type: 'progress'; id: number; fraction: number; pieces: number }
  | { type: 'error'; id: number; message: string };

/** What the job client needs of a worker: a DOM Worker running explorer-worker.ts, or a stand-in in tests. */
export interface JobWorker {
  postMessage(m: ToExplorer, transfer?: ArrayBuffer[]): void;
  terminate(): void;
  onmessage: ((e: { data: FromExplorer }) => void) | null;
}
