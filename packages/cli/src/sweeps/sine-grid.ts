/**
 * Fig. 5.5 as a sweep (`sine-grid`): for each width × depth cell, Table 5.1's protocol picks the
 * first initialization whose training MSE after `epochs` (200) is below 0.45 — the same trials and
 * seeds as `reproduce-sine`, so the count equals Table 5.1's — then trains that network for
 * `extraEpochs` (1,000) more, as §5.3 says, and measures it: training MSE, MSE on 1,000 uniformly
 * spaced points of [−π, π] (the figure's "MSE across the domain"), and the exact partition of
 * [−π, π] (`linePieces`): activation regions, linear pieces and each region's (slope, intercept),
 * the dots of Fig. 5.5b. A cell where no initialization succeeded within `runs` is measured on its
 * last initialization and marked `succeeded: false`.
 */
import { AbortError, PolytopeError, evaluate, seededRandom, train } from '@polytope-lens/core';
import { linePieces } from '@polytope-lens/core/internal';
import type { SweepDefinition } from '@polytope-lens/core/internal';
import { SINE_THRESHOLD, sineTrial } from './reproduce.js';
import type { SineShard } from './reproduce.js';

/** Options of `sine-grid` (Fig. 5.5). */
export interface SineGridOptions {
  widths: number[];
  depths: number[];
  /** Most initializations per cell (the text: 1,000). */
  runs: number;
  /** Epochs per initialization (200). */
  epochs: number;
  /** Further epochs of the chosen network (the text: 1,000). */
  extraEpochs: number;
  batch: number;
  seed: number;
}

/** One measured cell of Fig. 5.5. */
export interface SineGridCell {
  width: number;
  depth: number;
  /** Initializations used (Table 5.1's count); the number tried when none succeeded. */
  initializations: number;
  succeeded: boolean;
  /** `polytope train --seed` of the measured network. */
  seed: number;
  /** Training MSE after the first `epochs` (null: diverged). */
  mse200: number | null;
  /** Training MSE (100 points) after the further epochs (null: diverged). */
  trainMse: number | null;
  /** MSE on 1,000 uniformly spaced points of [−π, π] (null: diverged). */
  testMse: number | null;
  /** Exact activation regions meeting (−π, π). */
  regions: number;
  /** Exact linear pieces (adjacent regions with one affine map merged). */
  linearPieces: number;
  /** Per activation region: [x0, x1, slope, intercept] of f = intercept + slope·x on [x0, x1]. */
  pieces: [number, number, number, number][];
  seconds: number;
}

type GridShard = SineShard & { extraEpochs: number };

function finite(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}

async function gridCell(s: GridShard, signal: { readonly aborted: boolean }): Promise<SineGridCell> {
  const started = Date.now();
  let trial = await sineTrial(s, 0);
  let t = 0;
  while (!(trial.mse < SINE_THRESHOLD) && t + 1 < s.runs) {
    if (signal.aborted) throw new AbortError('sine-grid cell cancelled');
    t++;
    trial = await sineTrial(s, t);
  }
  const { prep, seed } = trial;
  const succeeded = trial.mse < SINE_THRESHOLD;
  let diverged = !Number.isFinite(trial.mse);
  if (!diverged && s.extraEpochs > 0) {
    try {
      await train(prep.net, prep.trainData, {
        loss: 'mse',
        optimizer: prep.optimizer,
        epochs: s.extraEpochs,
        batchSize: prep.batchSize,
        random: seededRandom(seed * 4 + 5),
        yieldEveryMs: -1,
      });
    } catch (err) {
      if (!(err instanceof PolytopeError && err.code === 'diverged')) throw err;
      diverged = true;
    }
  }
  const base = { width: s.width, depth: s.depth, initializations: t + 1, succeeded, seed, mse200: finite(trial.mse) };
  if (diverged)
    return { ...base, trainMse: null, testMse: null, regions: 0, linearPieces: 0, pieces: [], seconds: (Date.now() - started) / 1000 };
  const trainMse = finite(evaluate(prep.net, prep.trainData, 'mse').mse);
  const testMse = finite(evaluate(prep.net, prep.testData, 'mse').mse);
  const lp = linePieces(prep.net.toNetwork(), -Math.PI, Math.PI);
  return {
    ...base,
    trainMse,
    testMse,
    regions: lp.regions,
    linearPieces: lp.linearPieces,
    pieces: lp.pieces.map((p) => [p.x0, p.x1, p.slope, p.intercept]),
    seconds: (Date.now() - started) / 1000,
  };
}

/** Fig. 5.5 as a sweep: one shard per width × depth cell, merged in widths × depths order. */
export const sineGridSweep: SweepDefinition<SineGridOptions, GridShard, SineGridCell, SineGridCell[]> = {
  name: 'sine-grid',
  version: '1',
  shards: (o) =>
    o.widths.flatMap((width) =>
      o.depths.map((depth) => ({ width, depth, runs: o.runs, epochs: o.epochs, batch: o.batch, seed: o.seed, extraEpochs: o.extraEpochs })),
    ),
  run: (s, ctx) => gridCell(s, ctx.signal),
  merge: (cells) => cells,
};
