/**
 * The pruning driver of §3.4.5 (issue 15): magnitude pruning (a global keep mask over the conv and
 * dense weights for each remaining-weight fraction, then fine-tuning with the mask) and iterative
 * structural channel pruning (greedy `bestChannelRemoval` on a held-out subset, remove the channel,
 * fine-tune, repeat until a stopping rule). Every pruned network is returned as a float64 `Network`
 * with the accuracy it was recorded with.
 */
import { AbortError, PolytopeError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import type { Network } from '../network/network.js';
import { seededRandom } from '../random.js';
import type { Dataset } from './datasets.js';
import type { LossName } from './losses.js';
import { TrainableNetwork } from './model.js';
import type { InputTransform } from './model.js';
import type { Dtype } from './node-kernels.js';
import type { OptimizerOptions } from './optimizers.js';
import { magnitudeMask, removeConvChannel } from './prune.js';
import type { ChannelCandidate } from './prune.js';
import { evaluate, scheduler, train } from './trainer.js';

/** Settings of a pruning run (the trained network and the data are passed separately). */
export interface PruneRunOptions {
  readonly loss: LossName;
  /** Fine-tuning optimizer (the seed: SGD lr 0.001, momentum 0.9, weight decay 1e-4). */
  readonly optimizer: OptimizerOptions;
  readonly batchSize: number;
  /** Fine-tuning epochs after each pruning step (the seed: 1). */
  readonly fineTuneEpochs: number;
  /** Seed of the fine-tuning shuffles (step k of a method uses its own stream). */
  readonly seed: number;
  /** Remaining-weight fractions for magnitude pruning (empty: none). */
  readonly fractions: readonly number[];
  /** Run the structural loop. */
  readonly structural: boolean;
  /** Structural loop stops after a step whose fine-tuned accuracy on `selectData` is below this. */
  readonly stopBelow: number;
  /** …or after this many removed channels. */
  readonly maxSteps: number;
  /** Training data of the fine-tuning. */
  readonly trainData: Dataset;
  /** Held-out subset on which the greedy step picks the channel (and the stopping rule is checked). */
  readonly selectData: Dataset;
  /** Data of the recorded accuracies. */
  readonly testData: Dataset;
  /** Prepended to every returned network (the folded input normalization). */
  readonly inputTransform?: InputTransform | undefined;
  /** Arithmetic of fine-tuning and evaluation (default float32, the trainer's). */
  readonly dtype?: Dtype;
  readonly signal?: AbortSignalLike | undefined;
  /**
   * Steps recorded by an earlier, stopped run with the same settings, in the order `onStep`
   * delivered them (a prefix of the full run: the original, magnitude fractions in order, then
   * structural steps 1, 2, …). They are returned as they are, `onStep` is not called for them, and
   * the run goes on after them: the next magnitude fraction, or the structural step after the
   * last one from its network. Every step's fine-tuning uses its own seeded stream, so a resumed
   * run records the same networks as one that was never stopped.
   */
  readonly done?: readonly PruneStep[] | undefined;
  /** Called after each newly recorded step (the original first). */
  readonly onStep?: ((step: PruneStep) => void | Promise<void>) | undefined;
  /** Fine-grained progress: a phase label and the fraction of it done. */
  readonly onProgress?: ((phase: string, done: number) => void) | undefined;
}

/** One recorded network of a pruning run. */
export interface PruneStep {
  readonly method: 'original' | 'magnitude' | 'structural';
  /** 0 for the original; 1, 2, … within a method. */
  readonly step: number;
  /** Magnitude pruning: the requested remaining fraction. */
  readonly targetFraction?: number;
  /** Non-zero conv and dense weights (biases not counted). */
  readonly weights: number;
  /** `weights` / the original's conv and dense weights. */
  readonly weightFraction: number;
  /** Output channels of each conv layer, in order. */
  readonly channels: number[];
  /** Structural step: the removed channel (`layer` counts conv layers from 0) and its loss on the select set. */
  readonly removed?: { readonly layer: number; readonly channel: number; readonly selectLoss: number; readonly candidates: number };
  /** Accuracy on `testData` right after pruning, before fine-tuning. */
  readonly accuracyBeforeFineTune: number;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly selectAccuracy: number;
  /** Seconds of the greedy selection (structural) and of the fine-tuning of this step. */
  readonly selectSeconds: number;
  readonly fineTuneSeconds: number;
  /** Fine-tuning epochs actually run (for projections: seconds per epoch). */
  readonly fineTuneEpochs: number;
  /** The pruned, fine-tuned network (float64, with the input transform when given). */
  readonly network: Network;
}

/** Indices into `TrainableNetwork.params` of the conv2d and dense weight tensors (biases excluded). */
export function prunableWeightIndices(net: TrainableNetwork): number[] {
  const out: number[] = [];
  let at = 0;
  for (const node of net.structure.nodes.slice(1)) {
    const count = paramCount(node.type);
    if (node.type === 'conv2d' || node.type === 'dense') out.push(at);
    at += count;
  }
  if (at !== net.params.length)
    throw new PolytopeError('unsupported', 'pruning handles networks of conv2d, dense, pooling, activation and flatten nodes only');
  return out;
}

function paramCount(type: string): number {
  if (type === 'conv2d' || type === 'dense' || type === 'channel_affine') return 2;
  return 0;
}

function countNonZero(net: TrainableNetwork, indices: readonly number[]): number {
  let n = 0;
  for (const t of indices) for (const v of net.params[t]!) if (v !== 0) n++;
  return n;
}

function convChannels(net: Network): number[] {
  return net.nodes.flatMap((n) => (n.type === 'conv2d' ? [n.outChannels] : []));
}

/** Lets the event loop run (progress, Ctrl-C) between candidates. */
function tick(): Promise<void> {
  const schedule = scheduler();
  return schedule ? new Promise<void>((resolve) => schedule(resolve)) : Promise.resolve();
}

interface Context {
  readonly o: PruneRunOptions;
  readonly dtype: Dtype;
  readonly originalWeights: number;
  readonly steps: PruneStep[];
}

/**
 * Every (conv node, channel) removal of `net` (conv layers with more than one channel) scored on
 * `data` — the candidates of `bestChannelRemoval`, evaluated with a yield to the event loop (and a
 * cancellation check) between candidates.
 */
async function scoreCandidates(net: Network, data: Dataset, ctx: Context, phase: string): Promise<ChannelCandidate[]> {
  const pairs = net.nodes.flatMap((node, convIndex) =>
    node.type === 'conv2d' && node.outChannels > 1
      ? Array.from({ length: node.outChannels }, (_, channel) => ({ convIndex, channel }))
      : [],
  );
  if (pairs.length === 0) throw new PolytopeError('bad-option', 'no conv layer has a channel left to remove');
  const out: ChannelCandidate[] = [];
  for (const [k, { convIndex, channel }] of pairs.entries()) {
    await tick();
    if (ctx.o.signal?.aborted) throw new AbortError('pruning cancelled');
    const small = TrainableNetwork.fromNetwork(removeConvChannel(net, convIndex, channel), { dtype: ctx.dtype }).network;
    out.push({ convIndex, channel, evaluation: evaluate(small, data, ctx.o.loss) });
    ctx.o.onProgress?.(phase, (k + 1) / pairs.length);
  }
  return out;
}

async function fineTune(net: TrainableNetwork, ctx: Context, stream: number, phase: string, mask?: (Uint8Array | null)[]): Promise<number> {
  const { o } = ctx;
  if (o.fineTuneEpochs === 0) return 0;
  const r = await train(net, o.trainData, {
    loss: o.loss,
    optimizer: o.optimizer,
    epochs: o.fineTuneEpochs,
    batchSize: o.batchSize,
    random: seededRandom(o.seed * 10007 + stream),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(mask ? { paramMask: mask } : {}),
    onProgress: (p) => o.onProgress?.(phase, p.step / p.totalSteps),
  });
  return r.seconds;
}

async function record(
  ctx: Context,
  net: TrainableNetwork,
  fields: Omit<PruneStep, 'testAccuracy' | 'testLoss' | 'selectAccuracy' | 'network' | 'weights' | 'weightFraction' | 'channels'>,
): Promise<PruneStep> {
  const test = evaluate(net, ctx.o.testData, ctx.o.loss);
  const select = evaluate(net, ctx.o.selectData, ctx.o.loss);
  const weights = countNonZero(net, prunableWeightIndices(net));
  const network = net.toNetwork(ctx.o.inputTransform ? { inputTransform: ctx.o.inputTransform } : {});
  const step: PruneStep = {
    ...fields,
    weights,
    weightFraction: weights / ctx.originalWeights,
    channels: convChannels(network),
    testAccuracy: test.accuracy ?? Number.NaN,
    testLoss: test.loss,
    selectAccuracy: select.accuracy ?? Number.NaN,
    network,
  };
  ctx.steps.push(step);
  await ctx.o.onStep?.(step);
  return step;
}

function copyOf(net: TrainableNetwork, dtype: Dtype): TrainableNetwork {
  return TrainableNetwork.fromNetwork(net.toNetwork(), { dtype }).network;
}

async function magnitudeRuns(original: TrainableNetwork, ctx: Context, done: readonly PruneStep[]): Promise<void> {
  for (const [k, fraction] of ctx.o.fractions.entries()) {
    if (done.some((d) => d.method === 'magnitude' && d.step === k + 1)) continue;
    const net = copyOf(original, ctx.dtype);
    const indices = prunableWeightIndices(net);
    const tensors = indices.map((t) => net.params[t]!);
    const total = tensors.reduce((a, t) => a + t.length, 0);
    // Keep exactly round(f·N) weights: drop N − round(f·N) (magnitudeMask rounds its drop fraction · N).
    const keep = magnitudeMask(tensors, (total - Math.round(fraction * total)) / total);
    const mask: (Uint8Array | null)[] = net.params.map(() => null);
    indices.forEach((t, i) => {
      mask[t] = keep[i]!;
      const p = net.params[t]!;
      for (let j = 0; j < p.length; j++) if (keep[i]![j] === 0) p[j] = 0;
    });
    const before = evaluate(net, ctx.o.testData, ctx.o.loss).accuracy ?? Number.NaN;
    const fineTuneSeconds = await fineTune(net, ctx, 1000 + k, `magnitude ${(100 * fraction).toPrecision(3)} %`, mask);
    await record(ctx, net, {
      method: 'magnitude',
      step: k + 1,
      targetFraction: fraction,
      accuracyBeforeFineTune: before,
      selectSeconds: 0,
      fineTuneSeconds,
      fineTuneEpochs: ctx.o.fineTuneEpochs,
    });
  }
}

async function structuralRuns(original: TrainableNetwork, ctx: Context, done: readonly PruneStep[]): Promise<void> {
  let current = original.toNetwork();
  const last = done.filter((d) => d.method === 'structural').at(-1);
  if (last !== undefined) {
    if (last.selectAccuracy < ctx.o.stopBelow) return;
    // The stored network carries the input transform: strip it again, as `record` added it.
    current = TrainableNetwork.fromNetwork(last.network, { dtype: ctx.dtype }).network.toNetwork();
  }
  for (let k = (last?.step ?? 0) + 1; k <= ctx.o.maxSteps; k++) {
    if (!current.nodes.some((n) => n.type === 'conv2d' && n.outChannels > 1)) return;
    const t0 = Date.now();
    const candidates = await scoreCandidates(current, ctx.o.selectData, ctx, `structural step ${k}: select`);
    const best = candidates.reduce((a, b) => (b.evaluation.loss < a.evaluation.loss ? b : a));
    const selectSeconds = (Date.now() - t0) / 1000;
    const net = TrainableNetwork.fromNetwork(removeConvChannel(current, best.convIndex, best.channel), { dtype: ctx.dtype }).network;
    const before = evaluate(net, ctx.o.testData, ctx.o.loss).accuracy ?? Number.NaN;
    const fineTuneSeconds = await fineTune(net, ctx, 2000 + k, `structural step ${k}: fine-tune`);
    const layer = current.nodes.slice(0, best.convIndex).filter((n) => n.type === 'conv2d').length;
    const step = await record(ctx, net, {
      method: 'structural',
      step: k,
      removed: { layer, channel: best.channel, selectLoss: best.evaluation.loss, candidates: candidates.length },
      accuracyBeforeFineTune: before,
      selectSeconds,
      fineTuneSeconds,
      fineTuneEpochs: ctx.o.fineTuneEpochs,
    });
    if (step.selectAccuracy < ctx.o.stopBelow) return;
    current = net.toNetwork();
  }
}

/** The earlier steps of a resumed run: a prefix of what this run records, else a one-line error. */
function checkDone(o: PruneRunOptions): readonly PruneStep[] {
  const done = o.done ?? [];
  if (done.length === 0) return done;
  const bad = (why: string) => new PolytopeError('bad-option', `the earlier steps do not fit this run: ${why}`);
  if (done[0]!.method !== 'original') throw bad('the first one is not the original');
  const magnitude = done.filter((d) => d.method === 'magnitude');
  const structural = done.filter((d) => d.method === 'structural');
  if (done.slice(1).some((d) => d.method === 'original')) throw bad('two originals');
  magnitude.forEach((d, i) => {
    if (d.step !== i + 1 || d.targetFraction !== o.fractions[i])
      throw bad(`magnitude step ${d.step} is not fraction ${o.fractions[i] ?? 'none'}`);
  });
  structural.forEach((d, i) => {
    if (d.step !== i + 1) throw bad(`structural step ${d.step} where ${i + 1} was expected`);
  });
  if (structural.length > 0 && magnitude.length < o.fractions.length)
    throw bad('structural steps before every magnitude fraction was done');
  if (structural.length > 0 && !o.structural) throw bad('structural steps, but this run has no structural pruning');
  return done;
}

function checkOptions(o: PruneRunOptions): void {
  for (const f of o.fractions)
    if (!(f > 0 && f <= 1)) throw new PolytopeError('bad-option', `remaining-weight fractions must be in (0, 1], got ${f}`);
  if (!Number.isInteger(o.fineTuneEpochs) || o.fineTuneEpochs < 0)
    throw new PolytopeError('bad-option', `fine-tune epochs must be an integer ≥ 0, got ${o.fineTuneEpochs}`);
  if (!Number.isInteger(o.maxSteps) || o.maxSteps < 0)
    throw new PolytopeError('bad-option', `max steps must be an integer ≥ 0, got ${o.maxSteps}`);
}

/**
 * Prunes a trained network both ways and records every step (the unpruned original first, then
 * the magnitude-pruned networks in `fractions` order, then the structural steps). The network is
 * not modified.
 *
 * @example
 * const steps = await pruneNetwork(trained, { loss: 'softmax-ce', optimizer, batchSize: 40, fineTuneEpochs: 1, seed: 0,
 *   fractions: [0.5, 0.2], structural: true, stopBelow: 0.9, maxSteps: 50, trainData, selectData, testData });
 */
export async function pruneNetwork(trained: TrainableNetwork, o: PruneRunOptions): Promise<PruneStep[]> {
  checkOptions(o);
  const done = checkDone(o);
  const dtype = o.dtype ?? 'float32';
  const original = copyOf(trained, dtype);
  const ctx: Context = { o, dtype, originalWeights: countNonZero(original, prunableWeightIndices(original)), steps: [...done] };
  if (done.length === 0) {
    const acc = evaluate(original, o.testData, o.loss).accuracy ?? Number.NaN;
    await record(ctx, original, {
      method: 'original',
      step: 0,
      accuracyBeforeFineTune: acc,
      selectSeconds: 0,
      fineTuneSeconds: 0,
      fineTuneEpochs: 0,
    });
  }
  await magnitudeRuns(original, ctx, done);
  if (o.structural) await structuralRuns(original, ctx, done);
  return ctx.steps;
}
