/** Messages between the page and its workers, and the transferable form of a slice. */

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
  /** Uploaded data (dataset 'csv'): x as [x0, y0, x1, y1, …], labels 0/1. */
  readonly csv?: { readonly x: Float64Array; readonly labels: Float32Array };
}

export type ToTrainer = { type: 'start'; config: TrainConfig } | { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

export type FromTrainer =
  | { type: 'data'; x: Float64Array; labels: Float32Array }
  | { type: 'snapshot'; step: number; epoch: number; loss: number; net: string; final: boolean }
  | { type: 'error'; message: string };

/** A slice request: a network (JSON text or ONNX bytes) and a plane. */
export interface SliceRequest {
  readonly id: number;
  readonly net: string | Uint8Array;
  readonly box: readonly [number, number, number, number];
  /** For networks of more than 2 inputs: the plane origin + s·u + t·v (default: the first two axes through 0). */
  readonly plane?: { origin: number[]; u: number[]; v: number[] };
}

/** A slice in flat arrays (transferable): region i's polygon is xy[2·off[i] … 2·off[i+1]). */
export interface FlatSlice {
  readonly id: number;
  readonly regions: number;
  readonly linearRegions: number;
  readonly off: Int32Array;
  readonly xy: Float64Array;
  readonly codes: string[];
  readonly areas: Float64Array;
  /** Per region, per output r: [c, ∂/∂s, ∂/∂t] (3·outputs numbers). */
  readonly maps: Float64Array;
  readonly outputs: number;
  readonly linearRegionOf: Int32Array;
  readonly boundary: Float64Array[];
  readonly seconds: number;
}

export type FromSlicer = { type: 'slice'; slice: FlatSlice } | { type: 'error'; id: number; message: string };
