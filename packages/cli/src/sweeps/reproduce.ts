/**
 * The training experiments of `polytope reproduce` as sweeps (packages/core/src/jobs/spec.ts), so
 * that they run on every core, resume after a kill, and run on BullMQ workers (`polytope sweep`):
 *
 * - `reproduce-sine` (Table 5.1): one shard per width × depth cell (its initializations run in order
 *   until one succeeds, as the protocol says).
 * - `reproduce-annulus` (Tables 4.2/4.3): one shard per combination × run.
 *
 * Every single run is an ordinary `polytope train` run (built by `prepareTraining` from the same flags
 * and seed), so any cell can be replayed with one `polytope train` command.
 */
import { AbortError, PolytopeError, evaluate, seededRandom, train } from '@polytope-lens/core';
import type { SweepDefinition } from '@polytope-lens/core/internal';
import { prepareTraining } from '../commands/train.js';
import type { TrainCliOptions } from '../commands/train.js';

function baseOptions(o: Partial<TrainCliOptions> & { dataset: string; arch: string; seed: string }): TrainCliOptions {
  return { init: 'pytorch', batch: '32', snapshotEvery: '0', out: '', quiet: true, ...o };
}

export interface SineCell {
  width: number;
  depth: number;
  /** Initializations used until training MSE < threshold; null when none within `runs`. */
  initializations: number | null;
  /** Training MSE of the successful (or last) run; null when it diverged. */
  mse: number | null;
  /** Seed of the successful run (`polytope train --seed`). */
  seed: number | null;
}

/** Options of `reproduce-sine`. */
export interface SineSweepOptions {
  widths: number[];
  depths: number[];
  runs: number;
  epochs: number;
  batch: number;
  seed: number;
}

export type SineShard = Omit<SineSweepOptions, 'widths' | 'depths'> & { width: number; depth: number };

/** Seed of trial `t` (0-based) for a w × d cell, distinct across cells and trials. */
function sineSeed(base: number, width: number, depth: number, trial: number): number {
  return base * 1_000_000 + (width * 100 + depth) * 1000 + trial;
}

/** The `polytope train` run of trial `t` (0-based) of a Table 5.1 cell, prepared (network initialized from its seed). */
export function sineTrialPrep(s: SineShard, t: number): { seed: number; prep: ReturnType<typeof prepareTraining> } {
  const arch = ['1', ...new Array<string>(s.depth).fill(String(s.width)), '1'].join('-');
  const seed = sineSeed(s.seed, s.width, s.depth, t);
  const prep = prepareTraining(
    baseOptions({
      dataset: 'sine',
      arch,
      optimizer: 'sgd',
      lr: '0.1',
      loss: 'mse',
      batch: String(s.batch),
      epochs: String(s.epochs),
      seed: String(seed),
    }),
  );
  return { seed, prep };
}

/**
 * Trains trial `t` of a Table 5.1 cell for the protocol's epochs: its seed, its prepared run (the
 * network is trained in place) and its training MSE (Infinity when it diverged).
 */
export async function sineTrial(s: SineShard, t: number): Promise<{ seed: number; prep: ReturnType<typeof prepareTraining>; mse: number }> {
  const { seed, prep } = sineTrialPrep(s, t);
  let mse = Infinity;
  try {
    const res = await train(prep.net, prep.trainData, {
      loss: 'mse',
      optimizer: prep.optimizer,
      epochs: prep.epochs,
      batchSize: prep.batchSize,
      random: seededRandom(seed * 4 + 4),
      yieldEveryMs: -1,
    });
    mse = res.train.mse ?? Infinity;
  } catch (err) {
    if (!(err instanceof PolytopeError && err.code === 'diverged')) throw err;
  }
  return { seed, prep, mse };
}

/** Table 5.1's protocol for one w × d cell: initializations in order until the training MSE is below 0.45. */
async function sineCell(s: SineShard): Promise<SineCell> {
  const { width, depth } = s;
  let cell: SineCell = { width, depth, initializations: null, mse: null, seed: null };
  for (let t = 0; t < s.runs; t++) {
    const { seed, mse } = await sineTrial(s, t);
    cell = { width, depth, initializations: null, mse: Number.isFinite(mse) ? mse : null, seed: null };
    if (mse < SINE_THRESHOLD) return { width, depth, initializations: t + 1, mse, seed };
  }
  return cell;
}

/** Table 5.1's success threshold on the training MSE. */
export const SINE_THRESHOLD = 0.45;

/** Table 5.1 as a sweep: one shard per cell, merged into the cells in widths × depths order. */
export const sineSweep: SweepDefinition<SineSweepOptions, SineShard, SineCell, SineCell[]> = {
  name: 'reproduce-sine',
  version: '1',
  shards: (o) =>
    o.widths.flatMap((width) => o.depths.map((depth) => ({ width, depth, runs: o.runs, epochs: o.epochs, batch: o.batch, seed: o.seed }))),
  run: (s) => sineCell(s),
  merge: (cells) => cells,
};

export interface AnnulusConfig {
  loss: 'mse' | 'bce';
  leak: number;
  batch: number;
  normalize: boolean;
}

export interface AnnulusRow extends AnnulusConfig {
  successes: number;
  runs: number;
  /** Mean epochs to success over the successful runs (null when none). */
  meanEpochs: number | null;
}

/** §4.2.1's 36 combinations, in the order loss × leak × batch × normalization. */
export const ANNULUS_GRID: readonly AnnulusConfig[] = (() => {
  const out: AnnulusConfig[] = [];
  for (const loss of ['mse', 'bce'] as const)
    for (const leak of [0, 0.01, 0.1])
      for (const batch of [10, 100, 1000]) for (const normalize of [false, true]) out.push({ loss, leak, batch, normalize });
  return out;
})();

/**
 * One §4.2.1 run: trains `polytope train --dataset circle-annulus --arch 2-3-1 --seed seed …` for
 * up to `maxEpochs` epochs, stopping at the first epoch whose training accuracy is ≥ 95 %.
 * Returns that epoch, or null when it never gets there.
 */
async function annulusRun(cfg: AnnulusConfig, seed: number, maxEpochs: number): Promise<number | null> {
  const prep = prepareTraining(
    baseOptions({
      dataset: 'circle-annulus',
      arch: '2-3-1',
      optimizer: 'adam',
      lr: '0.01',
      loss: cfg.loss,
      leak: String(cfg.leak),
      batch: String(cfg.batch),
      epochs: String(maxEpochs),
      seed: String(seed),
      ...(cfg.normalize ? { normalize: true } : {}),
    }),
  );
  const signal = { aborted: false };
  let reached: number | null = null;
  try {
    await train(prep.net, prep.trainData, {
      loss: prep.loss,
      optimizer: prep.optimizer,
      epochs: prep.epochs,
      batchSize: prep.batchSize,
      random: seededRandom(seed * 4 + 4),
      signal,
      yieldEveryMs: -1,
      onEpoch: (e) => {
        if ((evaluate(prep.net, prep.trainData, prep.loss, 1000).accuracy ?? 0) >= 0.95) {
          reached = e.epoch;
          signal.aborted = true;
        }
      },
    });
  } catch (err) {
    if (err instanceof AbortError) return reached;
    if (err instanceof PolytopeError && err.code === 'diverged') return null;
    throw err;
  }
  return reached;
}

/** Options of `reproduce-annulus`: `runs` networks per combination, run r with seed `seed + r`. */
export interface AnnulusSweepOptions {
  runs: number;
  maxEpochs: number;
  seed: number;
}

type AnnulusShard = AnnulusConfig & { seed: number; maxEpochs: number };

/**
 * Tables 4.2/4.3 as a sweep: one shard per combination × run (run r uses seed `seed + r` in every
 * combination, so combinations see the same data and initial weights), merged into one row per
 * combination in the grid's order.
 */
export const annulusSweep: SweepDefinition<AnnulusSweepOptions, AnnulusShard, number | null, AnnulusRow[]> = {
  name: 'reproduce-annulus',
  version: '1',
  shards: (o) =>
    ANNULUS_GRID.flatMap((cfg) => Array.from({ length: o.runs }, (_, r) => ({ ...cfg, seed: o.seed + r, maxEpochs: o.maxEpochs }))),
  run: (s) => annulusRun({ loss: s.loss, leak: s.leak, batch: s.batch, normalize: s.normalize }, s.seed, s.maxEpochs),
  merge: (epochs, o) =>
    ANNULUS_GRID.map((cfg, c) => {
      const mine = epochs.slice(c * o.runs, (c + 1) * o.runs).filter((e): e is number => e !== null);
      const successes = mine.length;
      return { ...cfg, successes, runs: o.runs, meanEpochs: successes > 0 ? mine.reduce((a, b) => a + b, 0) / successes : null };
    }),
};
