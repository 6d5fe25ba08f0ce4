/**
 * `polytope train`: train a network on a toy problem or an image dataset and write
 * DIR/model.json, DIR/model.onnx, DIR/metrics.json and DIR/snapshots/.
 *
 * Defaults follow the dissertation: toy problems use Adam with lr 0.01 (§4.2.1); image datasets
 * SGD with lr 0.01, momentum 0.5, weight decay 0.01 (or AdamW with PyTorch's defaults), batch 32,
 * 15 epochs (§6.1). Images are normalized per channel with the training set's statistics, and the
 * normalization is folded into the saved model as a leading `channel_affine` node, so model.json
 * and model.onnx read raw pixels scaled to [0, 1].
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  INIT_NAMES,
  LOSS_NAMES,
  OPTIMIZER_NAMES,
  TOY_DATASETS,
  TrainableNetwork,
  architectureLayers,
  channelStats,
  idxImages,
  idxLabels,
  imageDataset,
  networkToJsonString,
  readCifarBatch,
  seededRandom,
  sineData,
  toyDataset,
  train,
  writeOnnx,
  xorCorners,
  CIFAR10_CLASSES,
} from '@polytope-lens/core';
import type { Dataset, InitName, InputTransform, LossName, OptimizerOptions, TrainResult, TrainSnapshot } from '@polytope-lens/core';
import { scaleInputs, unitStdScale } from '@polytope-lens/core/internal';
import { mnistDefaultPath } from '../inputs.js';
import { loadModel } from '../model.js';
import { maxBytes } from '../limits.js';
import { CliError, snakeKeys, writeFileAtomic } from '../util.js';
import { TRAIN_POINTS_FILE, trainPointsJson } from '../render/slice-inputs.js';
import { session } from '../session.js';
import { startProgress } from '../progress.js';

const IMAGE_DATASETS = ['mnist', 'fashion-mnist', 'cifar10'] as const;
const LOSS_ALIASES: Record<string, LossName> = {
  mse: 'mse',
  bce: 'bce',
  ce: 'softmax-ce',
  'softmax-ce': 'softmax-ce',
  'cross-entropy': 'softmax-ce',
};

/** Options of `polytope train` (commander's strings), shared with `polytope animate` and `polytope reproduce`. */
export interface TrainCliOptions {
  dataset: string;
  arch?: string;
  initFrom?: string;
  optimizer?: string;
  lr?: string;
  momentum?: string;
  weightDecay?: string;
  loss?: string;
  leak?: string;
  init: string;
  batch: string;
  epochs?: string;
  seed: string;
  snapshotEvery: string;
  out: string;
  samples?: string;
  testSamples?: string;
  dim?: string;
  noise?: string;
  normalize?: boolean;
  dataDir?: string;
  limit?: string;
  imageSize?: string;
  channels?: string;
  quiet?: boolean;
  /** Replace an earlier run's files in --out (otherwise such a folder is refused). */
  overwrite?: boolean;
}

/** Parses a numeric flag; undefined stays undefined, anything failing `check` is a CliError naming the flag. */
export function num(text: string | undefined, flag: string, check: (v: number) => boolean, want: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new CliError(`${flag} must be ${want}, got '${text}'`);
  return v;
}

export const positiveInt = (v: number) => Number.isInteger(v) && v >= 1;
export const nonNegInt = (v: number) => Number.isInteger(v) && v >= 0;

function readFile(path: string, what: string): Uint8Array {
  try {
    session().noteInput(path);
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new CliError(`cannot read ${what} '${path}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** First existing file among `name` and `name.gz` in `dir`. */
function findIn(dir: string, name: string): string {
  for (const f of [name, `${name}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  throw new CliError(`--data-dir '${dir}' has no ${name} (or ${name}.gz)`);
}

interface LoadedImages {
  train: Dataset;
  test: Dataset;
  transform: InputTransform;
  stats: { mean: number[]; std: number[] };
}

function loadImages(name: (typeof IMAGE_DATASETS)[number], opts: TrainCliOptions): LoadedImages {
  let trainPixels: Uint8Array;
  let trainLabels: Uint8Array;
  let testPixels: Uint8Array;
  let testLabels: Uint8Array;
  let channels: number;
  let height: number;
  let width: number;
  let classNames: readonly string[] | undefined;
  if (name === 'cifar10') {
    if (!opts.dataDir)
      throw new CliError(
        'cifar10 needs --data-dir DIR holding data_batch_1.bin … data_batch_5.bin and test_batch.bin (cifar-10-batches-bin)',
      );
    const batches = [1, 2, 3, 4, 5].map((i) =>
      readCifarBatch(readFile(join(opts.dataDir!, `data_batch_${i}.bin`), 'CIFAR-10 batch'), `data_batch_${i}.bin`, maxBytes()),
    );
    const count = batches.reduce((s, b) => s + b.count, 0);
    trainPixels = new Uint8Array(count * 3072);
    trainLabels = new Uint8Array(count);
    let at = 0;
    for (const b of batches) {
      trainPixels.set(b.pixels, at * 3072);
      trainLabels.set(b.labels, at);
      at += b.count;
    }
    const test = readCifarBatch(readFile(join(opts.dataDir, 'test_batch.bin'), 'CIFAR-10 batch'), 'test_batch.bin', maxBytes());
    testPixels = test.pixels;
    testLabels = test.labels;
    [channels, height, width] = [3, 32, 32];
    classNames = CIFAR10_CLASSES;
  } else {
    const path = (split: 'train' | 't10k', what: 'images' | 'labels'): string => {
      const file = `${split}-${what}-idx${what === 'images' ? 3 : 1}-ubyte`;
      if (opts.dataDir) return findIn(opts.dataDir, file);
      if (name === 'fashion-mnist')
        throw new CliError('fashion-mnist needs --data-dir DIR holding the four IDX files (train-images-idx3-ubyte[.gz], …)');
      return mnistDefaultPath(split === 'train' ? 'train' : 'test', what);
    };
    const tr = idxImages(readFile(path('train', 'images'), 'IDX images'), 'training images', maxBytes());
    const te = idxImages(readFile(path('t10k', 'images'), 'IDX images'), 'test images', maxBytes());
    trainPixels = tr.pixels;
    testPixels = te.pixels;
    trainLabels = idxLabels(readFile(path('train', 'labels'), 'IDX labels'), 'training labels', maxBytes());
    testLabels = idxLabels(readFile(path('t10k', 'labels'), 'IDX labels'), 'test labels', maxBytes());
    [channels, height, width] = [1, tr.rows, tr.cols];
  }
  const limit = num(opts.limit, '--limit', positiveInt, 'a positive integer');
  const trainCount = Math.min(trainLabels.length, limit ?? Infinity);
  const { mean, std } = channelStats(trainPixels.subarray(0, trainCount * channels * height * width), channels, trainCount);
  const size = num(opts.imageSize, '--image-size', positiveInt, 'a positive integer');
  const repeat = num(opts.channels, '--channels', positiveInt, 'a positive integer');
  if (repeat !== undefined && repeat !== channels && channels !== 1)
    throw new CliError(`--channels ${repeat}: only 1-channel images can be repeated`);
  const common = {
    channels,
    height,
    width,
    mean,
    std,
    ...(size !== undefined ? { resize: [size, size] as const } : {}),
    ...(repeat !== undefined && channels === 1 ? { repeatChannels: repeat } : {}),
    ...(classNames ? { classNames } : {}),
  };
  const train = imageDataset({ name, pixels: trainPixels, labels: trainLabels, limit: trainCount, ...common });
  const test = imageDataset({ name: `${name}-test`, pixels: testPixels, labels: testLabels, ...common });
  // The saved model reads pixel/255: fold (x − mean)/std into a leading per-channel affine node.
  const outC = train.inputShape[0]!;
  const scale: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < outC; c++) {
    const src = repeat !== undefined && channels === 1 ? 0 : c;
    scale.push(1 / std[src]!);
    shift.push(-mean[src]! / std[src]!);
  }
  return { train, test, transform: { scale, shift }, stats: { mean: Array.from(mean), std: Array.from(std) } };
}

function defaultLoss(data: Dataset): LossName {
  return data.task === 'regression' ? 'mse' : data.task === 'binary' ? 'bce' : 'softmax-ce';
}

function outputsFor(data: Dataset, loss: LossName): number {
  if (data.task === 'regression') return data.targetSize;
  if (data.task === 'binary' && loss !== 'softmax-ce') return 1;
  return data.numClasses;
}

function stepName(step: number): string {
  return `step-${String(step).padStart(7, '0')}.json`;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a network and write model.json, model.onnx, metrics.json and snapshots/')
    .requiredOption('--dataset <name>', `${[...TOY_DATASETS, ...IMAGE_DATASETS].join(' | ')}`)
    .option('--arch <arch>', "linear | dense | simple-cnn | complex-cnn | a dash list of widths such as '2-8-8-1'")
    .option(
      '--init-from <model>',
      'continue training a network JSON or ONNX model (any network that loads: residual, batch-norm, pooling, hard-tanh …) instead of --arch',
    )
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(' | ')} (default: adam for toy sets, sgd for images)`)
    .option('--lr <x>', 'learning rate (default 0.01; adam/adamw on images 0.001)')
    .option('--momentum <x>', 'SGD momentum (default 0.5 on images, 0 on toy sets)')
    .option('--weight-decay <x>', 'weight decay (default 0.01 for sgd on images and for adamw, else 0)')
    .option('--loss <name>', 'mse | bce | ce (default: bce for binary, ce for classes, mse for regression)')
    .option('--leak <a>', 'leaky ReLU slope of the hidden activations (default 0 = ReLU)')
    .option('--init <name>', `${INIT_NAMES.join(' | ')}`, 'pytorch')
    .option('--batch <n>', 'mini-batch size', '32')
    .option('--epochs <n>', 'epochs (default 100 for toy sets, 15 for images)')
    .option('--seed <s>', 'seed for data, initialization and shuffling', '0')
    .option('--snapshot-every <k>', 'write a snapshot every k steps (0 = none)', '0')
    .option('--out <dir>', 'output directory', 'train-out')
    .option('--samples <n>', "toy training samples (default: the generator's)")
    .option('--test-samples <n>', 'toy test samples (default: as many as training)')
    .option('--dim <n>', 'dimension of the hypersphere dataset', '3')
    .option('--noise <x>', 'TensorFlow Playground noise for xor | spiral | gauss (0 … 0.5)')
    .option('--normalize', 'toy sets: scale inputs to unit std per coordinate (§4.2.1); folded into the saved model')
    .option('--data-dir <dir>', 'directory with the IDX files (mnist, fashion-mnist) or CIFAR-10 .bin batches')
    .option('--limit <n>', 'use only the first n training images')
    .option('--image-size <n>', 'bilinear resize of images to n×n (§6.1 uses 32)')
    .option('--channels <n>', 'repeat gray images to n channels (§6.1 uses 3)')
    .option('--overwrite', "replace an earlier run's model, metrics and snapshots in --out (otherwise refused)")
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: TrainCliOptions) => {
      await runTrain(opts);
    });
}

/** Everything a training run needs, parsed and validated from the options (nothing written yet). */
export interface PreparedTraining {
  readonly seed: number;
  readonly batchSize: number;
  readonly snapshotEvery: number;
  readonly isImage: boolean;
  readonly epochs: number;
  readonly trainData: Dataset;
  readonly testData: Dataset;
  readonly transform: InputTransform | undefined;
  readonly dataInfo: Record<string, unknown>;
  readonly loss: LossName;
  readonly net: TrainableNetwork;
  readonly archName: string;
  readonly optName: string;
  readonly lr: number;
  readonly optimizer: OptimizerOptions;
}

/**
 * Parses and validates `polytope train`'s options, builds the datasets, the network (initialized
 * from the seed) and the optimizer settings. Throws `CliError` / `PolytopeError` on bad options
 * before anything is written.
 *
 * @example
 * const p = prepareTraining({ dataset: 'xor', arch: '2-8-1', init: 'pytorch', batch: '32', seed: '0', snapshotEvery: '0', out: 'x' });
 * p.net.numParameters; // 33
 */
export function prepareTraining(opts: TrainCliOptions): PreparedTraining {
  const seed = num(opts.seed, '--seed', Number.isInteger, 'an integer');
  const s = seed!;
  const batchSize = num(opts.batch, '--batch', positiveInt, 'a positive integer')!;
  const snapshotEvery = num(opts.snapshotEvery, '--snapshot-every', nonNegInt, 'an integer ≥ 0')!;
  const isImage = (IMAGE_DATASETS as readonly string[]).includes(opts.dataset);
  if (!isImage && !(TOY_DATASETS as readonly string[]).includes(opts.dataset)) {
    throw new CliError(`unknown dataset '${opts.dataset}'; expected one of ${[...TOY_DATASETS, ...IMAGE_DATASETS].join(', ')}`);
  }
  const epochs = num(opts.epochs, '--epochs', positiveInt, 'a positive integer') ?? (isImage ? 15 : 100);

  // Data.
  const { trainData, testData, transform, dataInfo } = trainingData(opts, isImage, s);

  // Loss, architecture, optimizer.
  let loss = defaultLoss(trainData);
  if (opts.loss !== undefined) {
    const l = Object.hasOwn(LOSS_ALIASES, opts.loss) ? LOSS_ALIASES[opts.loss] : undefined;
    if (!l) throw new CliError(`--loss must be one of mse, bce, ce, got '${opts.loss}'`);
    loss = l;
  }
  if (!LOSS_NAMES.includes(loss)) throw new CliError(`unknown loss ${loss}`);
  const leak = num(opts.leak, '--leak', (v) => v >= 0, 'a number ≥ 0') ?? 0;
  if (!(INIT_NAMES as readonly string[]).includes(opts.init))
    throw new CliError(`--init must be one of ${INIT_NAMES.join(', ')}, got '${opts.init}'`);
  const outputs = outputsFor(trainData, loss);
  if ((opts.arch === undefined) === (opts.initFrom === undefined)) throw new CliError('give exactly one of --arch and --init-from');
  let net: TrainableNetwork;
  if (opts.initFrom !== undefined) {
    // A leading channel_affine (a folded normalization) is dropped: this run's own normalization is re-attached on export.
    net = TrainableNetwork.fromNetwork(loadModel(opts.initFrom)).network;
    if (net.inputSize !== trainData.inputSize || net.outputSize !== outputs) {
      throw new CliError(
        `--init-from model maps ${net.inputSize} inputs to ${net.outputSize} outputs, but ${trainData.name} with ${loss} needs ${trainData.inputSize} → ${outputs}`,
      );
    }
  } else {
    const layers = architectureLayers(opts.arch!, trainData.inputShape, outputs, { leak });
    net = new TrainableNetwork(trainData.inputShape, layers, { init: opts.init as InitName, random: seededRandom(s * 4 + 3) });
  }
  const archName = opts.arch ?? `init-from ${opts.initFrom}`;

  const { optName, lr, optimizer } = trainingOptimizer(opts, isImage);

  return {
    seed: s,
    batchSize,
    snapshotEvery,
    isImage,
    epochs,
    trainData,
    testData,
    transform,
    dataInfo,
    loss,
    net,
    archName,
    optName,
    lr,
    optimizer,
  };
}

/** The training and test sets of a toy or image dataset, normalized when --normalize asks. */
function trainingData(opts: TrainCliOptions, isImage: boolean, s: number) {
  let trainData: Dataset;
  let testData: Dataset;
  let transform: InputTransform | undefined;
  let dataInfo: Record<string, unknown> = {};
  if (isImage) {
    const loaded = loadImages(opts.dataset as (typeof IMAGE_DATASETS)[number], opts);
    trainData = loaded.train;
    testData = loaded.test;
    transform = loaded.transform;
    dataInfo = { normalization: { ...loaded.stats, folded_into_model: true, model_input: 'pixel / 255 in [0, 1]' } };
  } else {
    const n = num(opts.samples, '--samples', positiveInt, 'a positive integer');
    const nTest = num(opts.testSamples, '--test-samples', positiveInt, 'a positive integer');
    const dim = num(opts.dim, '--dim', positiveInt, 'a positive integer')!;
    const noise = num(opts.noise, '--noise', (v) => v >= 0 && v <= 0.5, 'a number in [0, 0.5]');
    const gen = (count: number | undefined, stream: number) =>
      toyDataset(opts.dataset, {
        random: seededRandom(s * 4 + stream),
        dim,
        ...(count !== undefined ? { n: count } : {}),
        ...(noise !== undefined ? { noise } : {}),
      });
    trainData = gen(n, 1);
    testData =
      opts.dataset === 'sine' ? sineData({ n: nTest ?? 1000 }) : opts.dataset === 'xor-corners' ? xorCorners() : gen(nTest ?? n, 2);
    if (opts.normalize) {
      const scale = unitStdScale(trainData);
      trainData = scaleInputs(trainData, scale);
      testData = scaleInputs(testData, scale);
      transform = { scale: Array.from(scale), shift: new Array<number>(scale.length).fill(0) };
      dataInfo = { normalization: { scale: Array.from(scale), folded_into_model: true } };
    }
  }
  return { trainData, testData, transform, dataInfo };
}

/** The optimizer from --optimizer, --lr, --momentum and --weight-decay, with per-dataset defaults. */
function trainingOptimizer(opts: TrainCliOptions, isImage: boolean) {
  const optName = opts.optimizer ?? (isImage ? 'sgd' : 'adam');
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(optName))
    throw new CliError(`--optimizer must be one of ${OPTIMIZER_NAMES.join(', ')}, got '${optName}'`);
  const lr = num(opts.lr, '--lr', (v) => v > 0, 'a positive number') ?? (optName !== 'sgd' && isImage ? 0.001 : 0.01);
  const momentum =
    num(opts.momentum, '--momentum', (v) => v >= 0 && v < 1, 'a number in [0, 1)') ?? (optName === 'sgd' && isImage ? 0.5 : 0);
  const weightDecay =
    num(opts.weightDecay, '--weight-decay', (v) => v >= 0, 'a number ≥ 0') ??
    (optName === 'adamw' || (optName === 'sgd' && isImage) ? 0.01 : 0);
  if (optName !== 'sgd' && opts.momentum !== undefined) throw new CliError(`--momentum applies to sgd only, not ${optName}`);
  const optimizer: OptimizerOptions =
    optName === 'sgd' ? { type: 'sgd', lr, momentum, weightDecay } : { type: optName as 'adam' | 'adamw', lr, weightDecay };

  return { optName, lr, optimizer };
}

/**
 * Trains a prepared run with a progress bar (on a TTY, unless quiet) and Ctrl-C cancellation;
 * `onSnapshot` receives every snapshot (every `snapshotEvery` steps, step 0 and the last).
 *
 * @example
 * const prep = prepareTraining(opts);
 * const result = await runPrepared(prep, { quiet: true, onSnapshot: (s) => frames.push(s.toNetwork()) });
 */
export async function runPrepared(
  prep: PreparedTraining,
  options: { quiet?: boolean | undefined; onSnapshot?: ((snap: TrainSnapshot) => void | Promise<void>) | undefined; label?: string },
): Promise<TrainResult> {
  const {
    seed: s,
    batchSize,
    snapshotEvery,
    isImage,
    epochs,
    trainData,
    testData,
    transform,
    loss,
    net,
    archName,
    optName,
    lr,
    optimizer,
  } = prep;
  const opts = { quiet: options.quiet };
  const onSnapshot = options.onSnapshot ?? (() => {});
  // Progress and cancellation (SIGINT, SIGTERM, SIGHUP: see session.ts).
  const progress = startProgress(options.label ?? 'train', opts.quiet === true, 'steps');
  if (!opts.quiet) {
    process.stderr.write(
      `${options.label ?? 'train'}: ${trainData.name} (${trainData.size} train, ${testData.size} test, input [${trainData.inputShape.join(', ')}]) · ${archName} (${net.numParameters} parameters) · ${loss} · ${optName} lr ${lr} · batch ${batchSize} · ${epochs} epochs · seed ${s}\n`,
    );
  }
  let result: TrainResult;
  try {
    result = await train(net, trainData, {
      loss,
      optimizer,
      epochs,
      batchSize,
      random: seededRandom(s * 4 + 4),
      testData,
      snapshotEvery,
      evaluateSnapshots: trainData.size <= 20000,
      onSnapshot,
      ...(transform ? { inputTransform: transform } : {}),
      signal: progress.signal,
      onProgress: (p) => progress.update(p.step / p.totalSteps, p.step, `epoch ${p.epoch}/${p.epochs} · loss ${p.loss.toPrecision(4)}`),
      onEpoch: (e) => {
        if (!opts.quiet && !session().stderrIsTTY && isImage) {
          const acc = e.test?.accuracy !== undefined ? ` test accuracy ${(100 * e.test.accuracy).toFixed(2)}%` : '';
          process.stderr.write(`train: epoch ${e.epoch}/${epochs} loss ${e.loss.toPrecision(4)}${acc}\n`);
        }
      },
    });
  } finally {
    progress.stop();
  }

  return result;
}

/** What a training run writes into --out. */
const RUN_FILES = ['model.json', 'model.onnx', 'metrics.json', 'snapshots'] as const;

/**
 * Makes `out` ready for a new run: refused when an earlier run's files are there (their snapshots
 * would mix with this run's), unless `overwrite`, which deletes exactly those files. Returns whether
 * the folder is new (then a failed or cancelled run removes it whole).
 */
function claimRunFolder(out: string, overwrite: boolean): boolean {
  if (out.trim() === '') throw new CliError('--out is empty; give a folder name');
  if (!existsSync(out)) return true;
  if (!statSync(out).isDirectory()) throw new CliError(`--out '${out}' is a file, not a folder`, 'bad-file');
  const earlier = RUN_FILES.filter((f) => existsSync(join(out, f)));
  if (earlier.length === 0) return false;
  if (!overwrite)
    throw new CliError(
      `--out '${out}' already holds a training run (${earlier.join(', ')}); pass --overwrite to replace it, or choose another --out`,
      'bad-file',
    );
  for (const f of earlier) rmSync(join(out, f), { recursive: true, force: true });
  return false;
}

async function runTrain(opts: TrainCliOptions): Promise<void> {
  const prep = prepareTraining(opts);
  const fresh = claimRunFolder(opts.out, opts.overwrite === true);
  try {
    await trainInto(prep, opts);
  } catch (err) {
    // Nothing half-done stays: the whole folder when it is new, else this run's files.
    if (fresh) rmSync(opts.out, { recursive: true, force: true });
    else for (const f of RUN_FILES) rmSync(join(opts.out, f), { recursive: true, force: true });
    throw err;
  }
}

/** Trains and writes model.json, model.onnx, metrics.json and the snapshots into --out. */
async function trainInto(prep: ReturnType<typeof prepareTraining>, opts: TrainCliOptions): Promise<void> {
  const { seed: s, batchSize, epochs, trainData, testData, transform, dataInfo, loss, net, archName, optimizer } = prep;
  // Outputs.
  const out = opts.out;
  const snapDir = join(out, 'snapshots');
  const index: Record<string, unknown>[] = [];
  const onSnapshot = (snap: TrainSnapshot): void => {
    const file = stepName(snap.step);
    writeFileAtomic(join(snapDir, file), networkToJsonString(snap.toNetwork()));
    index.push({
      step: snap.step,
      epoch: snap.epoch,
      loss: Number.isNaN(snap.loss) ? null : snap.loss,
      file,
      ...(snap.train?.accuracy !== undefined ? { train_accuracy: snap.train.accuracy } : {}),
      ...(snap.train?.mse !== undefined ? { train_mse: snap.train.mse } : {}),
      ...(snap.train ? { train_loss: snap.train.loss } : {}),
    });
    writeFileAtomic(join(snapDir, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  };

  const result = await runPrepared(prep, { quiet: opts.quiet, onSnapshot });

  const exported = net.toNetwork(transform ? { inputTransform: transform } : {});
  writeFileAtomic(join(out, 'model.json'), networkToJsonString(exported));
  writeFileAtomic(join(out, 'model.onnx'), writeOnnx(exported));
  // The training points, so that figures of this model (slice) can overlay them.
  const trainPoints = trainPointsJson(trainData, transform);
  if (trainPoints !== undefined) writeFileAtomic(join(out, TRAIN_POINTS_FILE), trainPoints);
  const regression = trainData.task === 'regression';
  const metrics = {
    ...(regression
      ? { train_mse: result.train.mse, test_mse: result.test?.mse }
      : { train_accuracy: result.train.accuracy, test_accuracy: result.test?.accuracy }),
    loss: result.loss,
    train_loss: result.train.loss,
    test_loss: result.test?.loss,
    dataset: trainData.name,
    task: trainData.task,
    train_samples: trainData.size,
    test_samples: testData.size,
    input_shape: trainData.inputShape,
    arch: archName,
    parameters: net.numParameters,
    loss_function: loss,
    ...(trainData.task === 'binary' ? { decision_threshold: loss === 'mse' ? 0.5 : 0 } : {}),
    optimizer: snakeKeys(optimizer),
    init: opts.init,
    batch_size: batchSize,
    epochs,
    steps: result.steps,
    seed: s,
    seconds: result.seconds,
    ...dataInfo,
  };
  writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  if (!opts.quiet) {
    const fmt = (v: number | undefined) => (v === undefined ? '–' : regression ? v.toPrecision(4) : `${(100 * v).toFixed(2)}%`);
    const what = regression ? 'MSE' : 'accuracy';
    process.stderr.write(
      `train: ${result.steps} steps in ${result.seconds.toFixed(1)} s · train ${what} ${fmt(regression ? result.train.mse : result.train.accuracy)} · test ${what} ${fmt(regression ? result.test?.mse : result.test?.accuracy)} → ${out}/\n`,
    );
  }
}
