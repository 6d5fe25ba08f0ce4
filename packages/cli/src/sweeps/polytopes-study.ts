/**
 * `polytope polytopes-study` as a sweep (`polytopes-study`): one shard per configuration row of
 * sweeps 1–4 (depth/width, initialization, bias magnitude, low rank; untrained nets) and one per
 * weight decay of sweep 5 (training on ball vs shell; the weight-decay-0 shard also gives the
 * "before training" row). Each shard returns its rows; the merge concatenates them in shard order,
 * which is the order the command has always reported them in.
 */
import {
  TrainableNetwork,
  asMlp,
  enumeratePolytopes,
  regionCountBounds,
  hypersphereShell,
  mulberry32,
  randomMlp,
  seededRandom,
  train,
} from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import type { SweepDefinition } from '@polytope-lens/core/internal';
import { lowRankHidden, uniformBiases } from '@polytope-lens/core/internal';
import { STUDY_WEIGHT_DECAYS } from '../render/constants.js';

/** One configuration's polytope statistics. */
export interface StudyRow {
  group: string;
  config: string;
  regions: number;
  facets: number[];
  simplices: number[];
  vertices: number[];
  upper: number[];
  maxFacets: number;
  seconds: number;
  /** Eq. 2.26's upper bound on the regions of ℝ³ for these widths (Serra et al.'s form; an exact integer as a string). */
  regionBound: string;
  note?: string;
}

/** Options of the study: the seed and the training epochs of sweep 5. */
export interface StudyOptions {
  seed: number;
  epochs: number;
}

type StudyShard =
  | { kind: 'depth'; seed: number; w: number; L: number }
  | { kind: 'init'; seed: number; init: 'xavier-uniform' | 'he-normal' | 'pytorch' }
  | { kind: 'bias'; seed: number; b: number }
  | { kind: 'rank'; seed: number; r: number }
  | { kind: 'train'; seed: number; epochs: number; wd: number };

const BOX = [-1, 1, -1, 1, -1, 1];

function studyRow(group: string, config: string, net: Network, note?: string): StudyRow {
  const res = enumeratePolytopes(net, { box: BOX });
  return {
    group,
    config,
    regions: res.regions.length,
    facets: res.regions.map((r) => r.facets.length).sort((a, b) => a - b),
    simplices: res.regions.map((r) => r.simplices).sort((a, b) => a - b),
    vertices: res.regions.map((r) => r.numVertices),
    upper: res.regions.map((r) => r.simplexBounds.upper),
    maxFacets: res.numConstraints,
    seconds: res.seconds,
    regionBound: regionCountBounds(
      3,
      asMlp(net)
        .slice(0, -1)
        .map((l) => l.outFeatures),
    ).upperSerra,
    ...(note !== undefined ? { note } : {}),
  };
}

/** The shards in report order. */
function studyShards(o: StudyOptions): StudyShard[] {
  const seed = o.seed;
  const depth = (
    [
      [8, 1],
      [8, 2],
      [8, 3],
      [8, 4],
      [16, 1],
      [16, 2],
      [16, 3],
      [24, 2],
    ] as const
  ).map(([w, L]): StudyShard => ({ kind: 'depth', seed, w, L }));
  const init = (['xavier-uniform', 'he-normal', 'pytorch'] as const).map((i): StudyShard => ({ kind: 'init', seed, init: i }));
  const bias = [0.01, 0.1, 0.5, 1, 2].map((b): StudyShard => ({ kind: 'bias', seed, b }));
  const rank = [1, 2, 4, 16].map((r): StudyShard => ({ kind: 'rank', seed, r }));
  const trained = STUDY_WEIGHT_DECAYS.map((wd): StudyShard => ({ kind: 'train', seed, epochs: o.epochs, wd }));
  return [...depth, ...init, ...bias, ...rank, ...trained];
}

/** Sweeps 1–4: one untrained configuration. */
function architectureRow(s: Exclude<StudyShard, { kind: 'train' }>): StudyRow {
  const seed = s.seed;
  const biasU = (b: number, bs: number) => (net: Network) => uniformBiases(net, b, mulberry32(bs));
  if (s.kind === 'depth') {
    const widths = [3, ...new Array<number>(s.L).fill(s.w), 1];
    return studyRow('depth/width', `3→${s.w}×${s.L}→1`, randomMlp(widths, { seed: seed + s.L * 100 + s.w }));
  }
  if (s.kind === 'init') {
    // Biases U(±0.1) so first-layer planes are not all through 0.
    const base = randomMlp([3, 16, 16, 16, 1], { seed: seed + 7, init: s.init });
    const name = s.init === 'he-normal' ? 'Kaiming (He) normal' : s.init === 'xavier-uniform' ? 'Xavier uniform' : 'PyTorch default';
    const pytorch = s.init === 'pytorch';
    return studyRow(
      'initialization',
      name,
      pytorch ? base : biasU(0.1, seed)(base),
      pytorch ? 'PyTorch biases U(±1/√fan_in)' : 'biases U(±0.1)',
    );
  }
  if (s.kind === 'bias') {
    const net = biasU(s.b, seed + 3)(randomMlp([3, 16, 16, 16, 1], { seed: seed + 11, init: 'he-normal' }));
    return studyRow('bias magnitude', `b = ${s.b}`, net, 'Kaiming weights, biases U(±b)');
  }
  // Low-rank hidden-to-hidden weights W = U V (rank r), Kaiming scale, biases U(±0.1).
  const net = lowRankHidden(randomMlp([3, 16, 16, 16, 1], { seed: seed + 13, init: 'he-normal' }), s.r, mulberry32(seed + 31 + s.r));
  return studyRow('low rank', s.r >= 16 ? 'full rank (16)' : `rank ${s.r}`, net, 'layers 2–3 are U·V of rank r');
}

/** Sweep 5: a net trained on ball vs shell with weight decay `wd` (and, for 0, the net before training). */
async function trainingRows(s: Extract<StudyShard, { kind: 'train' }>): Promise<StudyRow[]> {
  const group = 'training (ball vs shell, 3→16×3→1)';
  const data = hypersphereShell({ dim: 3, n: 1000, r1: 0.4, random: seededRandom(s.seed) });
  const tn = new TrainableNetwork(
    [3],
    [
      { type: 'dense', outFeatures: 16 },
      { type: 'relu' },
      { type: 'dense', outFeatures: 16 },
      { type: 'relu' },
      { type: 'dense', outFeatures: 16 },
      { type: 'relu' },
      { type: 'dense', outFeatures: 1 },
    ],
    { random: seededRandom(s.seed + 5), dtype: 'float64' },
  );
  const rows: StudyRow[] = [];
  if (s.wd === 0) rows.push(studyRow(group, 'before training', tn.toNetwork()));
  const tr = await train(tn, data, {
    loss: 'bce',
    optimizer: { type: 'adam', lr: 0.01, weightDecay: s.wd },
    epochs: s.epochs,
    batchSize: 32,
    random: seededRandom(s.seed + 6),
  });
  rows.push(
    studyRow(
      group,
      `after ${s.epochs} epochs, weight decay ${s.wd}`,
      tn.toNetwork(),
      `train accuracy ${(tr.train.accuracy ?? NaN).toFixed(3)}`,
    ),
  );
  return rows;
}

/** The study as a sweep (see the file comment). */
export const polytopesStudySweep: SweepDefinition<StudyOptions, StudyShard, StudyRow[], StudyRow[]> = {
  name: 'polytopes-study',
  version: '2',
  shards: studyShards,
  run: (s) => (s.kind === 'train' ? trainingRows(s) : [architectureRow(s)]),
  merge: (parts) => parts.flat(),
};
