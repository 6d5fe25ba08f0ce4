/**
 * The Fig. 4.8 sweep (§4.2.2): hypersphere versus hypershell in n = 2…8 dimensions, a width-(n + 1)
 * single-hidden-layer network (the minimal width of §4.1), 10,000 training and 10,000 independent
 * test samples, normalized inputs (training-set scale, applied to both), batch 100, BCE with logits,
 * Adam lr 0.01, up to 1,000 epochs (the 2-D protocol of §4.2.1; §4.2.2 names no other), leak 0 and
 * 0.01, 100 networks per (n, leak); a network counts as a success at threshold τ when its test
 * accuracy is ≥ τ for τ = 0.95, 0.98, 0.99, 0.9999. One shard = `block` networks of one (n, leak),
 * each trained by the single-network trainer (mini-batches are shuffled per network).
 */
import { PolytopeError } from '../errors.js';
import type { SweepDefinition } from '../jobs/spec.js';
import { seededRandom } from '../random.js';
import { hypersphereShell, scaleInputs, unitStdScale } from '../train/datasets.js';
import { TrainableNetwork } from '../train/model.js';
import { evaluate, train } from '../train/trainer.js';

/** Options of the Fig. 4.8 sweep (defaults: the dissertation's). */
export interface HypersphereSweepOptions {
  /** Default 2…8. */
  readonly dims?: readonly number[];
  /** Default [0, 0.01]. */
  readonly leaks?: readonly number[];
  /** Networks per (n, leak); default 100. */
  readonly networks?: number;
  /** Networks per shard; default 10. */
  readonly block?: number;
  /** Training and test samples each; default 10,000. */
  readonly samples?: number;
  readonly epochs?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
}

/** One shard. */
export interface HypersphereShardParams {
  readonly dim: number;
  readonly leak: number;
  readonly first: number;
  readonly count: number;
  readonly samples: number;
  readonly epochs: number;
  readonly batch: number;
  readonly lr: number;
  readonly seed: number;
}

/**
 * Thresholds of Fig. 4.8.
 *
 * @example
 * HYPERSPHERE_THRESHOLDS; // [0.95, 0.98, 0.99, 0.9999]
 */
export const HYPERSPHERE_THRESHOLDS: readonly number[] = [0.95, 0.98, 0.99, 0.9999];

/** Merged: per (n, leak), networks at or above each threshold. */
export interface HypersphereSweepMerged {
  readonly rows: { dim: number; leak: number; networks: number; atLeast: Record<string, number>; accuracies: number[] }[];
}

function resolve(o: HypersphereSweepOptions): Required<HypersphereSweepOptions> {
  const r = {
    dims: o.dims ?? [2, 3, 4, 5, 6, 7, 8],
    leaks: o.leaks ?? [0, 0.01],
    networks: o.networks ?? 100,
    block: o.block ?? 10,
    samples: o.samples ?? 10_000,
    epochs: o.epochs ?? 1000,
    batch: o.batch ?? 100,
    lr: o.lr ?? 0.01,
    seed: o.seed ?? 0,
  };
  for (const [k, v] of [
    ['networks', r.networks],
    ['block', r.block],
    ['samples', r.samples],
    ['epochs', r.epochs],
    ['batch', r.batch],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new PolytopeError('bad-option', `${k} must be a positive integer, got ${v}`);
  }
  if (r.dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new PolytopeError('bad-option', `dims must be positive integers, got ${r.dims.join(',')}`);
  if (r.leaks.some((a) => !(a >= 0 && a < 1))) throw new PolytopeError('bad-option', `leaks must be in [0, 1), got ${r.leaks.join(',')}`);
  return r;
}

/** Trains one shard's networks; returns their test accuracies. */
async function runShard(p: HypersphereShardParams, signal: { readonly aborted: boolean }): Promise<number[]> {
  const trainRaw = hypersphereShell({ dim: p.dim, n: p.samples, random: seededRandom(p.seed * 1000 + p.dim) });
  const testRaw = hypersphereShell({ dim: p.dim, n: p.samples, random: seededRandom(p.seed * 1000 + p.dim + 500) });
  const scale = unitStdScale(trainRaw);
  const data = scaleInputs(trainRaw, scale);
  const test = scaleInputs(testRaw, scale);
  const out: number[] = [];
  for (let k = p.first; k < p.first + p.count; k++) {
    const random = seededRandom(((p.seed * 64 + p.dim) * 8 + Math.round(p.leak * 100)) * 100_000 + k);
    const act = p.leak === 0 ? ({ type: 'relu' } as const) : ({ type: 'leaky_relu', alpha: p.leak } as const);
    const net = new TrainableNetwork([p.dim], [{ type: 'dense', outFeatures: p.dim + 1 }, act, { type: 'dense', outFeatures: 1 }], {
      init: 'pytorch',
      random,
    });
    await train(net, data, { loss: 'bce', optimizer: { type: 'adam', lr: p.lr }, epochs: p.epochs, batchSize: p.batch, random, signal });
    out.push(evaluate(net, test, 'bce').accuracy ?? 0);
  }
  return out;
}

/**
 * The Fig. 4.8 sweep as a `SweepDefinition`.
 *
 * @example
 * const merged = await runSweepLocally(hypersphereSweep, { dims: [2, 3], networks: 10, epochs: 20 });
 * merged.rows[0].atLeast['0.95']; // networks of 10 with test accuracy ≥ 95 % in 2-D, ReLU
 */
export const hypersphereSweep: SweepDefinition<HypersphereSweepOptions, HypersphereShardParams, number[], HypersphereSweepMerged> = {
  name: 'hypersphere-fig4-8',
  version: '1',
  shards(options) {
    const o = resolve(options);
    const out: HypersphereShardParams[] = [];
    for (const dim of o.dims)
      for (const leak of o.leaks)
        for (let first = 0; first < o.networks; first += o.block) {
          out.push({
            dim,
            leak,
            first,
            count: Math.min(o.block, o.networks - first),
            samples: o.samples,
            epochs: o.epochs,
            batch: o.batch,
            lr: o.lr,
            seed: o.seed,
          });
        }
    return out;
  },
  run: (p, ctx) => runShard(p, ctx.signal),
  merge(results, options) {
    const shards = this.shards(options);
    const rows: HypersphereSweepMerged['rows'] = [];
    shards.forEach((p, i) => {
      let row = rows.find((r) => r.dim === p.dim && r.leak === p.leak);
      if (!row) {
        row = {
          dim: p.dim,
          leak: p.leak,
          networks: 0,
          atLeast: Object.fromEntries(HYPERSPHERE_THRESHOLDS.map((t) => [String(t), 0])),
          accuracies: [],
        };
        rows.push(row);
      }
      for (const a of results[i]!) {
        row.networks++;
        row.accuracies.push(a);
        for (const t of HYPERSPHERE_THRESHOLDS) if (a >= t) row.atLeast[String(t)]!++;
      }
    });
    return { rows };
  },
};
