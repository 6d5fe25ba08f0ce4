/**
 * Messages between the model explorer's panels and explorer-worker.ts (no DOM types: the job client
 * and its test use them in Node too).
 */
import type { ImageShape } from './jacobian-image.js';
import type { PathSummary } from './path-view.js';

/** To the worker: the network (once), then jobs, each with an id the answer repeats. */
export type ToExplorer =
  | { type: 'model'; net: string | Uint8Array }
  | { type: 'path'; id: number; from: Float64Array; to: Float64Array }
  | { type: 'jacobian'; id: number; x: Float64Array; shape: ImageShape };

/** A path: its summary (path-view.ts's `PathSummary`: pieces, length, density, every output at the piece ends). */
export interface PathAnswer extends PathSummary {
  readonly type: 'path';
  readonly id: number;
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
