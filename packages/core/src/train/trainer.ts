/**
 * The training loop: seeded shuffling, mini-batches, a loss, an optimizer, snapshots every k
 * steps, progress callbacks and cancellation. Deterministic: the same network initialization,
 * data, options and `random` give bit-identical weights.
 */
import { AbortError, PolytopeError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import type { FloatArray } from '../network/kernels.js';
import type { Network } from '../network/network.js';
import type { Dataset } from './datasets.js';
import { batchLoss, LOSS_NAMES, targetSize } from './losses.js';
import type { LossName } from './losses.js';
import type { InputTransform, TrainableNetwork } from './model.js';
import { createOptimizer } from './optimizers.js';
import type { Optimizer, OptimizerOptions } from './optimizers.js';
import { shuffleInPlace } from '../random.js';
import type { Random } from '../random.js';

/** Loss, accuracy (classification) and MSE (regression) of a network on a dataset. */
export interface Evaluation {
  /** Mean loss under the training loss. */
  readonly loss: number;
  /** Fraction of samples classified correctly (classification tasks). */
  readonly accuracy?: number;
  /** Mean squared error over all outputs (regression tasks). */
  readonly mse?: number;
  readonly samples: number;
}

/** What `train` reports to its progress callback. */
export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss so far in this epoch. */
  readonly loss: number;
}

/** A copy of the network taken during `train` (for animations). */
export interface TrainSnapshot {
  readonly step: number;
  /** Epochs completed when the snapshot was taken (fractional inside an epoch). */
  readonly epoch: number;
  /** Mean mini-batch loss since the previous snapshot (NaN for the snapshot at step 0). */
  readonly loss: number;
  /** Evaluation on the training set (when `evaluateSnapshots`). */
  readonly train?: Evaluation;
  /** Copies of the parameters (layer order: weight, bias, …). */
  readonly params: FloatArray[];
  /** The snapshot as an exact network (built on demand). */
  toNetwork(): Network;
}

/** Loss and accuracy after one epoch of `train`. */
export interface EpochReport {
  readonly epoch: number;
  /** Mean training loss over the epoch's mini-batches (weighted by batch size). */
  readonly loss: number;
  readonly test?: Evaluation;
}

/** Options for `train`: loss, optimizer, epochs, batch size, callbacks. */
export interface TrainOptions {
  loss: LossName;
  optimizer: OptimizerOptions;
  epochs: number;
  /** Mini-batch size (default 32); the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Generator for the per-epoch shuffles (required when `shuffle` is on, the default). */
  random?: Random;
  shuffle?: boolean;
  /** Take a snapshot every k optimizer steps (and one at step 0 and at the end); 0 = none. */
  snapshotEvery?: number;
  /** Evaluate the whole training set at each snapshot (default true). */
  evaluateSnapshots?: boolean;
  onSnapshot?: (snapshot: TrainSnapshot) => void | Promise<void>;
  onProgress?: (progress: TrainProgress) => void;
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Evaluated after every epoch when given (reported through `onEpoch`) and at the end. */
  testData?: Dataset;
  /** Prepended to networks built from snapshots (see `TrainableNetwork.toNetwork`). */
  inputTransform?: InputTransform;
  /** Checked before every step; when set, training stops with an `AbortError`. */
  signal?: AbortSignalLike;
  /** Yield to the event loop this often (ms) so callbacks and cancellation run; default 50. */
  yieldEveryMs?: number;
  /**
   * Per-parameter keep masks, parallel to `net.params` (null = tensor unmasked): entries with mask 0
   * are set to 0 before training, their gradients are zeroed before every optimizer step and the
   * weights are reset to 0 after it, so pruned weights stay exactly 0 through SGD momentum and weight
   * decay (the semantics of PyTorch's `torch.nn.utils.prune`: the effective weight is `orig · mask`).
   */
  paramMask?: readonly (ArrayLike<number> | null)[];
}

/** Result of `train`: the final train (and test) evaluation and the per-epoch history. */
export interface TrainResult {
  /** Mean training loss of every epoch. */
  readonly loss: number[];
  readonly steps: number;
  readonly train: Evaluation;
  readonly test?: Evaluation;
  readonly seconds: number;
}

/** Threshold on the single output above which a binary prediction is class 1. */
function binaryThreshold(loss: LossName): number {
  return loss === 'mse' ? 0.5 : 0;
}

function checkCompatible(net: TrainableNetwork, data: Dataset, loss: LossName, what: string): void {
  if (data.inputSize !== net.inputSize) {
    throw new PolytopeError(
      'shape-mismatch',
      `${what} '${data.name}' has ${data.inputSize} inputs per sample but the network expects ${net.inputSize}`,
    );
  }
  if (!LOSS_NAMES.includes(loss))
    throw new PolytopeError('bad-option', `unknown loss '${String(loss)}'; expected one of ${LOSS_NAMES.join(', ')}`);
  const o = net.outputSize;
  if (loss === 'softmax-ce') {
    if (data.task !== 'multiclass' && data.task !== 'binary')
      throw new PolytopeError('bad-option', `softmax-ce needs a classification dataset, '${data.name}' is ${data.task}`);
    if (o !== data.numClasses)
      throw new PolytopeError(
        'shape-mismatch',
        `softmax-ce on ${data.numClasses} classes needs ${data.numClasses} outputs, the network has ${o}`,
      );
  } else if (targetSize(loss, o) !== data.targetSize) {
    throw new PolytopeError(
      'shape-mismatch',
      `${loss} compares ${o} outputs with ${data.targetSize} target values per sample of '${data.name}'; ${data.task === 'multiclass' ? 'use softmax-ce for class labels' : 'the output count must match'}`,
    );
  }
  if (loss === 'bce' && data.task !== 'binary')
    throw new PolytopeError('bad-option', `bce needs binary 0/1 targets, '${data.name}' is ${data.task}`);
}

/** Copies rows `order[start..start+batch)` of `data.x` into the network's input buffer. */
function loadBatch(net: TrainableNetwork, data: Dataset, order: Int32Array | null, start: number, batch: number): void {
  const buf = net.inputBuffer(batch);
  const d = data.inputSize;
  const x = data.x;
  for (let b = 0; b < batch; b++) {
    const r = order ? order[start + b]! : start + b;
    const src = r * d;
    const dst = b * d;
    for (let j = 0; j < d; j++) buf[dst + j] = x[src + j]!;
  }
}

/**
 * Loss and accuracy (or MSE) of the network on a whole dataset, in batches of `batchSize`.
 *
 * @example
 * evaluate(net, testData, 'bce'); // e.g. { loss: 0.05, samples: 1000, accuracy: 0.99 }
 */
export function evaluate(net: TrainableNetwork, data: Dataset, loss: LossName, batchSize = 256): Evaluation {
  checkCompatible(net, data, loss, 'dataset');
  const o = net.outputSize;
  let lossSum = 0;
  let correct = 0;
  let sq = 0;
  const thr = binaryThreshold(loss);
  for (let start = 0; start < data.size; start += batchSize) {
    const batch = Math.min(batchSize, data.size - start);
    loadBatch(net, data, null, start, batch);
    const out = net.forwardLoaded(batch);
    lossSum += batchLoss({ loss, out, batch, outputs: o, target: data.y, orderStart: start }, null) * batch;
    for (let b = 0; b < batch; b++) {
      const r = start + b;
      if (data.task === 'regression') {
        for (let j = 0; j < o; j++) {
          const e = out[b * o + j]! - data.y[r * o + j]!;
          sq += e * e;
        }
      } else if (o === 1) {
        if ((out[b]! > thr ? 1 : 0) === data.y[r]) correct++;
      } else {
        let best = 0;
        for (let j = 1; j < o; j++) if (out[b * o + j]! > out[b * o + best]!) best = j;
        if (best === data.y[r]) correct++;
      }
    }
  }
  const res: Evaluation = { loss: lossSum / data.size, samples: data.size };
  return data.task === 'regression' ? { ...res, mse: sq / (data.size * o) } : { ...res, accuracy: correct / data.size };
}

type Scheduler = (callback: () => void) => void;

/** The host's macrotask scheduler (setImmediate, else setTimeout 0), if any. */
export function scheduler(): Scheduler | undefined {
  const g = globalThis as unknown as { setImmediate?: Scheduler; setTimeout?: (cb: () => void, ms: number) => unknown };
  if (typeof g.setImmediate === 'function') return (cb) => g.setImmediate!(cb);
  if (typeof g.setTimeout === 'function') return (cb) => void g.setTimeout!(cb, 0);
  return undefined;
}

/** Checks the options of `train` against the network and data; returns the defaulted loop settings. */
function checkTrainOptions(
  net: TrainableNetwork,
  data: Dataset,
  options: TrainOptions,
): { batchSize: number; snapshotEvery: number; shuffle: boolean } {
  const { loss, epochs } = options;
  checkCompatible(net, data, loss, 'training set');
  if (options.testData) checkCompatible(net, options.testData, loss, 'test set');
  if (!Number.isInteger(epochs) || epochs < 1) throw new PolytopeError('bad-option', `epochs must be a positive integer, got ${epochs}`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new PolytopeError('bad-option', `batch size must be a positive integer, got ${batchSize}`);
  const snapshotEvery = options.snapshotEvery ?? 0;
  if (!Number.isInteger(snapshotEvery) || snapshotEvery < 0)
    throw new PolytopeError('bad-option', `snapshotEvery must be an integer ≥ 0, got ${snapshotEvery}`);
  const shuffle = options.shuffle ?? true;
  if (shuffle && !options.random)
    throw new PolytopeError('bad-option', 'shuffling needs a seeded `random` generator (or pass shuffle: false)');
  checkParamMask(net, options.paramMask);
  return { batchSize, snapshotEvery, shuffle };
}

function checkParamMask(net: TrainableNetwork, mask: TrainOptions['paramMask']): void {
  if (!mask) return;
  const params = net.params;
  if (mask.length !== params.length)
    throw new PolytopeError(
      'shape-mismatch',
      `paramMask has ${mask.length} entries but the network has ${params.length} parameter tensors`,
    );
  mask.forEach((m, t) => {
    if (m && m.length !== params[t]!.length)
      throw new PolytopeError(
        'shape-mismatch',
        `paramMask[${t}] has ${m.length} entries but parameter tensor ${t} has ${params[t]!.length}`,
      );
  });
}

/** Zeroes the masked entries of each tensor in `arrays` (parallel to the mask). */
function applyMask(arrays: readonly FloatArray[], mask: TrainOptions['paramMask']): void {
  if (!mask) return;
  for (let t = 0; t < arrays.length; t++) {
    const m = mask[t];
    if (!m) continue;
    const a = arrays[t]!;
    for (let i = 0; i < a.length; i++) if (m[i] === 0) a[i] = 0;
  }
}

/**
 * A function that yields to the event loop when at least `yieldEvery` ms have passed since the last
 * yield (never when `yieldEvery` < 0 or no scheduler exists); the first interval starts at `started`.
 */
function yielder(yieldEvery: number, started: number): () => Promise<void> {
  const schedule = scheduler();
  let lastYield = started;
  return async (): Promise<void> => {
    if (!schedule || yieldEvery < 0) return;
    const now = Date.now();
    if (now - lastYield < yieldEvery) return;
    lastYield = now;
    await new Promise<void>((resolve) => schedule(resolve));
  };
}

/** A snapshot of the current parameters (copied), evaluated on `data` unless `evaluateSnapshots` is false. */
function takeSnapshot(
  net: TrainableNetwork,
  data: Dataset,
  options: TrainOptions,
  at: { step: number; epoch: number; loss: number },
): TrainSnapshot {
  const copies = net.copyParams();
  const trainEval = options.evaluateSnapshots === false ? undefined : evaluate(net, data, options.loss);
  const transform = options.inputTransform;
  return {
    step: at.step,
    epoch: at.epoch,
    loss: at.loss,
    ...(trainEval ? { train: trainEval } : {}),
    params: copies,
    toNetwork: () => {
      const current = net.copyParams();
      net.setParams(copies);
      try {
        return net.toNetwork(transform ? { inputTransform: transform } : {});
      } finally {
        net.setParams(current);
      }
    },
  };
}

/**
 * Trains `net` in place on `data`. Returns per-epoch losses and final train/test evaluations.
 * Throws `AbortError` when `signal.aborted` becomes true (checked before every step).
 *
 * @example
 * const random = seededRandom(0);
 * const net = new TrainableNetwork([2], architectureLayers('2-8-1', [2], 1), { random });
 * const res = await train(net, xorData({ random }), {
 *   loss: 'bce', optimizer: { type: 'adam', lr: 0.01 }, epochs: 100, random,
 * });
 * res.train.accuracy; // 1
 */
export async function train(net: TrainableNetwork, data: Dataset, options: TrainOptions): Promise<TrainResult> {
  const { loss, epochs } = options;
  const { batchSize, snapshotEvery, shuffle } = checkTrainOptions(net, data, options);
  const optimizer: Optimizer = createOptimizer(options.optimizer);
  const started = Date.now();
  const maybeYield = yielder(options.yieldEveryMs ?? 50, started);

  const n = data.size;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const outputs = net.outputSize;
  const params = net.params;
  const grads = net.grads;
  const losses: number[] = [];
  let step = 0;
  let sinceSnapshotLoss = 0;
  let sinceSnapshotSamples = 0;

  const snapshot = async (epochFloat: number): Promise<void> => {
    if (!options.onSnapshot) return;
    const lossMean = sinceSnapshotSamples > 0 ? sinceSnapshotLoss / sinceSnapshotSamples : NaN;
    sinceSnapshotLoss = 0;
    sinceSnapshotSamples = 0;
    await options.onSnapshot(takeSnapshot(net, data, options, { step, epoch: epochFloat, loss: lossMean }));
  };

  applyMask(params, options.paramMask);
  if (snapshotEvery > 0) await snapshot(0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (shuffle) shuffleInPlace(order, options.random!);
    let epochLoss = 0;
    for (let start = 0; start < n; start += batchSize) {
      if (options.signal?.aborted) throw new AbortError('training cancelled');
      const batch = Math.min(batchSize, n - start);
      loadBatch(net, data, order, start, batch);
      const out = net.forwardLoaded(batch);
      const l = batchLoss({ loss, out, batch, outputs, target: data.y, order, orderStart: start }, net.outputGradient());
      if (!Number.isFinite(l)) {
        throw new PolytopeError(
          'diverged',
          `training diverged at step ${step + 1} (epoch ${epoch + 1}): loss is ${l}; try a smaller learning rate`,
        );
      }
      net.backward(batch);
      applyMask(grads, options.paramMask);
      optimizer.step(params, grads);
      applyMask(params, options.paramMask);
      step++;
      epochLoss += l * batch;
      sinceSnapshotLoss += l * batch;
      sinceSnapshotSamples += batch;
      options.onProgress?.({ step, totalSteps, epoch: epoch + 1, epochs, loss: epochLoss / Math.min(n, start + batch) });
      if (snapshotEvery > 0 && step % snapshotEvery === 0) await snapshot(epoch + (start + batch) / n);
      await maybeYield();
    }
    losses.push(epochLoss / n);
    if (options.onEpoch) {
      const test = options.testData ? evaluate(net, options.testData, loss) : undefined;
      await options.onEpoch({ epoch: epoch + 1, loss: epochLoss / n, ...(test ? { test } : {}) });
    }
  }
  if (snapshotEvery > 0 && step % snapshotEvery !== 0) await snapshot(epochs);
  const trainEval = evaluate(net, data, loss);
  const testEval = options.testData ? evaluate(net, options.testData, loss) : undefined;
  return {
    loss: losses,
    steps: step,
    train: trainEval,
    ...(testEval ? { test: testEval } : {}),
    seconds: (Date.now() - started) / 1000,
  };
}
