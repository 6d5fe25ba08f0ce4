/** Messages between the page and its workers, and the transferable form of a slice. */
import type { FlatMlpSlice } from '@polytope-lens/core';

/** What the trainer needs (a subset of the playground state, plus uploaded CSV data). */
export interface TrainConfig {
  readonly dataset: string;
  readonly noise: number;
  readonly samples: number;
  readonly widths: readonly number[];
  readonly activation: 'relu' | 'leaky' | 'hard-tanh';
  readonly leak: number;
  readonly optimizer: 'adam' | 'sgd' | 'adamw';
  readonly lr: number;
  readonly batch: number;
  readonly epochs: number;
  readonly seed: number;
  /** Uploaded data (dataset 'csv'): x row-major (`dim` coordinates per sample), labels 0/1. */
  readonly csv?: { readonly x: Float64Array; readonly labels: Float32Array; readonly dim: 2 | 3 };
}

/**
 * To the training worker. `hold`/`go` pace it by the map (the engine holds it while a snapshot
 * waits for a busy slicer, so training does not take the cores the map needs); `pause`/`resume`
 * are the user's.
 */
export type ToTrainer =
  { type: 'start'; config: TrainConfig } | { type: 'pause' } | { type: 'resume' } | { type: 'hold' } | { type: 'go' } | { type: 'stop' };

export type FromTrainer =
  | { type: 'data'; x: Float64Array; labels: Float32Array }
  /** A network while training; `keep`: one of the timeline's snapshots (every k-th step and the last). */
  | { type: 'snapshot'; step: number; epoch: number; loss: number; net: string; final: boolean; keep: boolean }
  | { type: 'error'; message: string };

/** A slice request: a network (JSON text or ONNX bytes) and a plane. */
export interface SliceRequest {
  readonly id: number;
  readonly net: string | Uint8Array;
  readonly box: readonly [number, number, number, number];
  /** The plane through three inputs A, B, C (Eq. 6.2), in the box around them (`anchorBox`); default: the input plane, or the first two axes through 0. */
  readonly through?: readonly [number[], number[], number[]];
}

/** A slice in flat arrays (transferable): the core's `FlatMlpSlice` (region i's polygon is xy[2·off[i] … 2·off[i+1])), its request's id and box. */
export interface FlatSlice extends FlatMlpSlice {
  readonly id: number;
  /** The box [s0, s1, t0, t1] the slice covers. */
  readonly box: readonly [number, number, number, number];
}

/** What the page hears of a slice (the slice itself goes straight to the render worker). */
export interface SliceMeta {
  readonly id: number;
  readonly regions: number;
  readonly linearRegions: number;
  readonly box: readonly [number, number, number, number];
  /** Where the plane's anchors A, B, C lie in (s, t) (empty for an axes plane). */
  readonly anchors: readonly { name: string; s: number; t: number }[];
}

export type FromSlicer = { type: 'slice'; meta: SliceMeta } | { type: 'error'; id: number; message: string };

/** The facts shown for one region. */
export interface RegionDetails {
  readonly index: number;
  readonly code: string;
  readonly area: number;
  readonly linear: number;
  readonly map: string;
  /** Regions sharing an edge segment with this one. */
  readonly neighbours: readonly number[];
  /** The region's centroid (s, t) in the map's plane (inside it: regions are convex). */
  readonly centroid: readonly [number, number];
}

/** Messages to the render worker, which holds the newest slice, draws it on an OffscreenCanvas and answers picks. */
export type ToRenderer =
  | { type: 'canvas'; canvas: OffscreenCanvas }
  | { type: 'dual'; canvas: OffscreenCanvas }
  | { type: 'port'; port: MessagePort }
  | { type: 'slice'; slice: FlatSlice }
  | { type: 'style'; color: 'region' | 'class' | 'output' | 'linear-region'; showBoundary: boolean }
  | { type: 'select'; index: number | undefined }
  /** `slice`: answer once the worker holds that slice or a newer one. */
  | { type: 'pick'; ticket: number; at: readonly [number, number] | number; slice?: number }
  /** A pick in the dual scatter, at canvas pixel (x, y). */
  | { type: 'pick-dual'; ticket: number; at: readonly [number, number] }
  /** The map as PNG (regions and boundary) or SVG (with the given data points). */
  | { type: 'export'; ticket: number; format: 'png' | 'svg'; data?: { x: Float64Array; labels: Float32Array } };

export type FromRenderer =
  | { type: 'drawn'; id: number; ms: number; sliceSeconds: number }
  | { type: 'pick'; ticket: number; details: RegionDetails | undefined }
  /** A new slice moved the selection (to the region at the old one's centroid). */
  | { type: 'selected'; details: RegionDetails | undefined }
  | { type: 'export'; ticket: number; file: Blob | undefined };
