/** Messages between the parallel line driver and its workers. */
import type { ErrorCode } from '@polytope-lens/core';
import type { SampleBatch } from '@polytope-lens/core/internal';

/** 'init': load the model from its file and keep the segment; 'pass': the pieces around these samples. */
export type LineToWorker =
  { type: 'init'; model: string; x0: Float64Array; dir: Float64Array } | { type: 'pass'; id: number; ts: Float64Array };

export type LineFromWorker =
  { type: 'ready' } | { type: 'batch'; id: number; batch: SampleBatch } | { type: 'error'; message: string; code: ErrorCode | 'internal' };
