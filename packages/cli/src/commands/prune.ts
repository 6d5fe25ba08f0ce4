/**
 * `polytope prune [MODEL] --dataset mnist [--train-epochs N] --json OUT`: pruning of an image CNN
 * (dissertation §3.4.5, Figs. 3.11/3.12). Without MODEL the seed's network (complex-cnn) is trained
 * first with the seed's optimizer (SGD lr 0.001, momentum 0.9, weight decay 1e-4, batch 40). Then
 * magnitude pruning (global over conv + dense weights, one mask per remaining fraction, fine-tuned
 * with the mask) and greedy structural channel pruning (remove the channel whose removal gives the
 * lowest loss on held-out training images, fine-tune, repeat), each pruned network compared with the
 * original by the chapter-7 similarity of their linear coefficients.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { TrainableNetwork, networkSimilarity, networkToJsonString, seededRandom, train } from '@polytope-lens/core';
import type { Dataset, InputTransform, Network } from '@polytope-lens/core';
import { pruneNetwork } from '@polytope-lens/core/internal';
import type { PruneStep } from '@polytope-lens/core/internal';
import { loadModel } from '../model.js';
import { startProgress } from '../progress.js';
import { svgToPng } from '../render/png.js';
import { pruneFigureSvg } from '../render/prune-figure.js';
import { PruneState, fileOf, fileSha256 } from './prune-state.js';
import { parseThreads } from '../threads.js';
import { CliError, writeFileAtomic } from '../util.js';
import { computeSet } from './coefficients.js';
import type { SampleSource } from './coefficients.js';
import { nonNegInt, num, positiveInt, prepareTraining } from './train.js';

interface Options {
  dataset: string;
  dataDir?: string;
  arch: string;
  trainEpochs: string;
  limit?: string;
  selectRows: string;
  testRows?: string;
  fractions: string;
  fineTuneEpochs: string;
  structural: boolean;
  stopBelow: string;
  maxSteps: string;
  lr: string;
  momentum: string;
  weightDecay: string;
  batch: string;
  seed: string;
  similarityRows: string;
  threads: string;
  models?: string;
  state?: string;
  json: string;
  svg?: string;
  quiet?: boolean;
}

/** Registers `polytope prune`. */
export function registerPrune(program: Command): void {
  program
    .command('prune')
    .description('magnitude and structural (channel) pruning of an image CNN with fine-tuning, and similarity to the original (§3.4.5)')
    .argument('[model]', 'a trained network JSON or ONNX file (default: train the seed network first)')
    .option('--dataset <name>', 'mnist | fashion-mnist | cifar10', 'mnist')
    .option('--data-dir <dir>', 'directory with the IDX files (fashion-mnist) or CIFAR-10 .bin batches')
    .option('--arch <arch>', 'architecture trained when no MODEL is given', 'complex-cnn')
    .option('--train-epochs <n>', 'epochs of the initial training when no MODEL is given (the seed: 30)', '30')
    .option('--limit <n>', 'training images for the initial training and the fine-tuning (default: all but the select rows)')
    .option(
      '--select-rows <n>',
      'training images after the --limit ones (not used for fine-tuning) on which each greedy step picks its channel and the stop rule is checked',
      '500',
    )
    .option('--test-rows <n>', 'test images of the recorded accuracies (default: all)')
    .option('--fractions <list>', 'remaining-weight fractions of magnitude pruning (empty: none)', '0.8,0.6,0.4,0.3,0.2,0.1,0.05,0.02,0.01')
    .option('--fine-tune-epochs <n>', 'fine-tuning epochs after each pruning step (the seed: 1)', '1')
    .option('--no-structural', 'skip the structural (channel) pruning loop')
    .option('--stop-below <acc>', 'stop the structural loop after a step whose select-set accuracy is below this (0 … 1)', '0.9')
    .option('--max-steps <n>', 'at most this many structural steps', '1000')
    .option('--lr <x>', 'SGD learning rate (initial training and fine-tuning)', '0.001')
    .option('--momentum <x>', 'SGD momentum', '0.9')
    .option('--weight-decay <x>', 'SGD weight decay', '1e-4')
    .option('--batch <n>', 'mini-batch size', '40')
    .option('--seed <s>', 'seed of initialization and shuffles', '0')
    .option('--similarity-rows <n>', 'fit and test samples of the chapter-7 similarity to the original (0: none)', '200')
    .option('--threads <n>', "worker threads for the coefficients: 'auto' or a number", 'auto')
    .option('--models <dir>', 'also write every network (original, magnitude-*, structural-*) as JSON into this folder')
    .option(
      '--state <dir>',
      'keep the run in this folder (the trained base network, each recorded network): a stopped run rerun with the same options and --state goes on after its last recorded step; --max-steps and --stop-below may change (a finished run can be extended)',
    )
    .option('--json <path>', 'output JSON', 'prune.json')
    .option('--svg <path>', 'figure (default: beside the JSON; a .png is written beside it)')
    .option('--quiet', 'print nothing but errors')
    .action(async (model: string | undefined, opts: Options) => {
      await runPrune(model, opts);
    });
}

interface Settings {
  fractions: number[];
  fineTuneEpochs: number;
  stopBelow: number;
  maxSteps: number;
  selectRows: number;
  testRows: number | undefined;
  similarityRows: number;
  trainEpochs: number;
  threads: number;
}

function parseSettings(opts: Options): Settings {
  const fractions =
    opts.fractions.trim() === ''
      ? []
      : opts.fractions.split(',').map((t) => num(t.trim(), '--fractions', (v) => v > 0 && v <= 1, 'numbers in (0, 1]')!);
  return {
    fractions,
    fineTuneEpochs: num(opts.fineTuneEpochs, '--fine-tune-epochs', nonNegInt, 'an integer ≥ 0')!,
    stopBelow: num(opts.stopBelow, '--stop-below', (v) => v >= 0 && v <= 1, 'a number in [0, 1]')!,
    maxSteps: num(opts.maxSteps, '--max-steps', nonNegInt, 'an integer ≥ 0')!,
    selectRows: num(opts.selectRows, '--select-rows', positiveInt, 'a positive integer')!,
    testRows: num(opts.testRows, '--test-rows', positiveInt, 'a positive integer'),
    similarityRows: num(opts.similarityRows, '--similarity-rows', nonNegInt, 'an integer ≥ 0')!,
    trainEpochs: num(opts.trainEpochs, '--train-epochs', positiveInt, 'a positive integer')!,
    threads: parseThreads(opts.threads),
  };
}

/** Rows [from, from + count) of a dataset. */
function rowsOf(data: Dataset, from: number, count: number, name: string): Dataset {
  const d = data.inputSize;
  const t = data.targetSize;
  return { ...data, name, size: count, x: data.x.subarray(from * d, (from + count) * d), y: data.y.subarray(from * t, (from + count) * t) };
}

/** Per-element channel of an input of shape [C, H, W] (or one channel for flat inputs). */
function channelOf(data: Dataset, k: number): number {
  const s = data.inputShape;
  return s.length === 3 ? Math.floor((k % data.inputSize) / (s[1]! * s[2]!)) : 0;
}

/** Raw model inputs (pixel / 255) of a dataset normalized by `t`. */
function rawInputs(data: Dataset, t: InputTransform | undefined): Float64Array {
  const out = new Float64Array(data.x.length);
  for (let k = 0; k < out.length; k++) {
    const c = channelOf(data, k);
    out[k] = t ? (data.x[k]! - t.shift[c]!) / t.scale[c]! : data.x[k]!;
  }
  return out;
}

/** The dataset re-normalized from transform `from` to transform `to` (none: raw inputs). */
function renormalized(data: Dataset, from: InputTransform | undefined, to: InputTransform | undefined): Dataset {
  const raw = rawInputs(data, from);
  if (to) for (let k = 0; k < raw.length; k++) raw[k] = to.scale[channelOf(data, k)]! * raw[k]! + to.shift[channelOf(data, k)]!;
  return { ...data, x: raw };
}

interface Prepared {
  net: TrainableNetwork;
  transform: InputTransform | undefined;
  trainData: Dataset;
  selectData: Dataset;
  testData: Dataset;
  prep: ReturnType<typeof prepareTraining>;
  baseSeconds: number;
}

/** Data (train / held-out select / test) and the trained network: MODEL as given, or trained here. */
async function prepare(model: string | undefined, opts: Options, s: Settings, state: PruneState | undefined): Promise<Prepared> {
  const limit = num(opts.limit, '--limit', positiveInt, 'a positive integer');
  if (!['mnist', 'fashion-mnist', 'cifar10'].includes(opts.dataset))
    throw new CliError(`--dataset must be an image dataset (mnist, fashion-mnist, cifar10), got '${opts.dataset}'`);
  // A bad model file fails before the images are read.
  const given = model === undefined ? undefined : loadModel(model);
  const prep = prepareTraining({
    dataset: opts.dataset,
    ...(model === undefined ? { arch: opts.arch } : { initFrom: model }),
    optimizer: 'sgd',
    lr: opts.lr,
    momentum: opts.momentum,
    weightDecay: opts.weightDecay,
    init: 'pytorch',
    batch: opts.batch,
    epochs: String(s.trainEpochs),
    seed: opts.seed,
    snapshotEvery: '0',
    out: '',
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(limit !== undefined ? { limit: String(limit + s.selectRows) } : {}),
  });
  const total = prep.trainData.size;
  const nTrain = limit ?? total - s.selectRows;
  if (nTrain < 1 || nTrain + s.selectRows > total)
    throw new CliError(`--limit ${nTrain} and --select-rows ${s.selectRows} need more than the ${total} training images`);
  if (s.testRows !== undefined && s.testRows > prep.testData.size)
    throw new CliError(`--test-rows ${s.testRows}: the test set has ${prep.testData.size} images`);
  let transform = prep.transform;
  let all = prep.trainData;
  let test = prep.testData;
  let baseSeconds = 0;
  if (given !== undefined) {
    // Keep the given model's own input normalization (its leading channel_affine, if any): re-normalize the data to it.
    const own = TrainableNetwork.fromNetwork(given).inputTransform;
    all = renormalized(all, prep.transform, own);
    test = renormalized(test, prep.transform, own);
    transform = own;
  }
  const trainData = rowsOf(all, 0, nTrain, `${all.name}[0:${nTrain}]`);
  const selectData = rowsOf(all, nTrain, s.selectRows, `${all.name}[${nTrain}:${nTrain + s.selectRows}]`);
  const testData = s.testRows === undefined ? test : rowsOf(test, 0, s.testRows, `${test.name}[0:${s.testRows}]`);
  let net = prep.net;
  const kept = model === undefined ? state?.base() : undefined;
  if (kept !== undefined) {
    // Trained by an earlier session of this --state run: the same weights, not trained again.
    net = TrainableNetwork.fromNetwork(kept.network).network;
    baseSeconds = kept.seconds;
    if (opts.quiet !== true)
      process.stderr.write(`prune: the base network trained earlier (${baseSeconds.toFixed(1)} s) read from --state\n`);
  } else if (model === undefined) {
    baseSeconds = await trainBase(prep, trainData, testData, opts.quiet === true);
    state?.saveBase(net.toNetwork(), baseSeconds);
  }
  return { net, transform, trainData, selectData, testData, prep, baseSeconds };
}

async function trainBase(prep: ReturnType<typeof prepareTraining>, trainData: Dataset, testData: Dataset, quiet: boolean): Promise<number> {
  const progress = startProgress('prune: train', quiet, 'steps');
  try {
    const r = await train(prep.net, trainData, {
      loss: prep.loss,
      optimizer: prep.optimizer,
      epochs: prep.epochs,
      batchSize: prep.batchSize,
      random: seededRandom(prep.seed * 4 + 4),
      signal: progress.signal,
      onProgress: (p) => progress.update(p.step / p.totalSteps, p.step, `epoch ${p.epoch}/${p.epochs} · loss ${p.loss.toPrecision(4)}`),
    });
    if (!quiet)
      process.stderr.write(
        `prune: trained ${prep.archName} ${prep.epochs} epochs on ${trainData.size} images in ${r.seconds.toFixed(1)} s\n`,
      );
    void testData;
    return r.seconds;
  } finally {
    progress.stop();
  }
}

function describeStep(step: PruneStep): string {
  const what =
    step.method === 'original'
      ? 'original'
      : step.method === 'magnitude'
        ? `magnitude ${(100 * step.targetFraction!).toPrecision(3)} %`
        : `structural ${step.step} (layer ${step.removed!.layer} channel ${step.removed!.channel})`;
  return `prune: ${what} · channels ${step.channels.join('-')} · ${(100 * step.weightFraction).toFixed(1)} % weights · test ${(100 * step.testAccuracy).toFixed(2)} % (before fine-tune ${(100 * step.accuracyBeforeFineTune).toFixed(2)} %)\n`;
}

/** A sample source over rows of an in-memory dataset, as the saved networks read them (raw inputs). */
function memorySource(data: Dataset, transform: InputTransform | undefined, count: number): SampleSource {
  const raw = rawInputs(data, transform);
  const d = data.inputSize;
  return {
    count,
    describe: `${data.name} rows 0-${count - 1}`,
    fill: (k, out, at) => out.set(raw.subarray(k * d, (k + 1) * d), at),
    labels: Uint8Array.from(data.y.subarray(0, count)),
  };
}

/**
 * Chapter-7 similarity of a network to the original (affine-mapped accuracy both ways, CKA, softmax
 * CE), on the first `--similarity-rows` select (fit) and test images; the original's coefficient sets
 * are computed on the first call and kept.
 */
function similarityMeter(p: Prepared, s: Settings): (original: Network, net: Network) => Promise<Record<string, number> | undefined> {
  const n = Math.min(s.similarityRows, p.selectData.size, p.testData.size);
  const fit = memorySource(p.selectData, p.transform, n);
  const test = memorySource(p.testData, p.transform, n);
  const sets = async (net: Network) => ({ fit: await computeSet(net, fit, s.threads), test: await computeSet(net, test, s.threads) });
  let original: Awaited<ReturnType<typeof sets>> | undefined;
  return async (originalNet, net) => {
    if (n === 0) return undefined;
    original ??= await sets(originalNet);
    const r = networkSimilarity([original, await sets(net)], original.test.xs, test.labels!);
    return {
      affine_accuracy_original_to_pruned: r.affineAccuracy[0]![1]!,
      affine_accuracy_pruned_to_original: r.affineAccuracy[1]![0]!,
      cka: r.cka[0]![1]!,
      softmax_ce: r.softmaxCe[0]![1]!,
      samples: n,
    };
  };
}

/** Everything that decides a run's results (`--state` refuses a folder of a run with other values). */
function fingerprint(model: string | undefined, opts: Options, s: Settings): Record<string, unknown> {
  return {
    model_sha256: model === undefined ? null : fileSha256(model),
    arch: model === undefined ? opts.arch : null,
    train_epochs: model === undefined ? s.trainEpochs : null,
    dataset: opts.dataset,
    data_dir: opts.dataDir ?? null,
    limit: opts.limit ?? null,
    select_rows: s.selectRows,
    test_rows: s.testRows ?? null,
    fractions: s.fractions,
    fine_tune_epochs: s.fineTuneEpochs,
    structural: opts.structural,
    lr: Number(opts.lr),
    momentum: Number(opts.momentum),
    weight_decay: Number(opts.weightDecay),
    batch: Number(opts.batch),
    seed: Number(opts.seed),
    similarity_rows: s.similarityRows,
  };
}

async function runPrune(model: string | undefined, opts: Options): Promise<void> {
  const s = parseSettings(opts);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // A model that cannot be read fails in loadModel (prepare), with its own message.
  const state =
    opts.state === undefined || (model !== undefined && !existsSync(model))
      ? undefined
      : PruneState.open(opts.state, fingerprint(model, opts, s));
  const p = await prepare(model, opts, s, state);
  const progress = startProgress('prune', opts.quiet === true, 'networks recorded');
  if (opts.models !== undefined) mkdirSync(opts.models, { recursive: true });
  const kept = state?.steps() ?? { steps: [], similarity: [] };
  const earlier = state?.earlier ?? { seconds: 0, cpuSeconds: 0 };
  const steps: PruneStep[] = [...kept.steps];
  const sim: (Record<string, number> | undefined)[] = [...kept.similarity];
  if (kept.steps.length > 0 && opts.quiet !== true)
    process.stderr.write(`prune: ${kept.steps.length} recorded steps read from --state; going on after them\n`);
  if (opts.models !== undefined)
    for (const step of kept.steps) writeFileAtomic(join(opts.models, fileOf(step)), networkToJsonString(step.network));
  const similarity = similarityMeter(p, s);
  const elapsed = () => {
    const cpu = process.cpuUsage(cpu0);
    return { seconds: earlier.seconds + (performance.now() - t0) / 1000, cpuSeconds: earlier.cpuSeconds + (cpu.user + cpu.system) / 1e6 };
  };
  const write = (complete: boolean) => writeOutputs(opts, s, p, { steps, sim, ...elapsed(), complete, resumed: kept.steps.length }, model);
  try {
    await pruneNetwork(p.net, {
      loss: p.prep.loss,
      optimizer: p.prep.optimizer,
      batchSize: p.prep.batchSize,
      fineTuneEpochs: s.fineTuneEpochs,
      seed: p.prep.seed,
      fractions: s.fractions,
      structural: opts.structural,
      stopBelow: s.stopBelow,
      maxSteps: s.maxSteps,
      trainData: p.trainData,
      selectData: p.selectData,
      testData: p.testData,
      inputTransform: p.transform,
      signal: progress.signal,
      done: kept.steps,
      onProgress: (phase, done) => progress.update(done, steps.length, phase),
      onStep: async (step) => {
        if (opts.models !== undefined) writeFileAtomic(join(opts.models, fileOf(step)), networkToJsonString(step.network));
        if (opts.quiet !== true) process.stderr.write(describeStep(step));
        const similar = await similarity((steps[0] ?? step).network, step.network);
        sim.push(similar);
        steps.push(step);
        state?.record(step, similar, elapsed());
        // The outputs so far ("complete": false), to follow a long run; a cancelled run still removes them, as every command does.
        write(false);
      },
    });
  } finally {
    progress.stop();
  }
  write(true);
  if (opts.quiet !== true)
    process.stderr.write(`prune: ${steps.length} networks in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${opts.json}\n`);
}

function stepJson(step: PruneStep, similarity: Record<string, number> | undefined, models: string | undefined): Record<string, unknown> {
  return {
    method: step.method,
    step: step.step,
    ...(step.targetFraction !== undefined ? { target_fraction: step.targetFraction } : {}),
    weights: step.weights,
    weight_fraction: step.weightFraction,
    channels: step.channels,
    ...(step.removed
      ? {
          removed: {
            layer: step.removed.layer,
            channel: step.removed.channel,
            select_loss: step.removed.selectLoss,
            candidates: step.removed.candidates,
          },
        }
      : {}),
    accuracy_before_fine_tune: step.accuracyBeforeFineTune,
    test_accuracy: step.testAccuracy,
    test_loss: step.testLoss,
    select_accuracy: step.selectAccuracy,
    select_seconds: step.selectSeconds,
    fine_tune_seconds: step.fineTuneSeconds,
    ...(similarity ? { similarity } : {}),
    ...(models !== undefined ? { model_file: fileOf(step) } : {}),
  };
}

/** Seconds per image-epoch of the fine-tuning, and the seed's full protocol projected from them. */
function timing(s: Settings, p: Prepared, steps: readonly PruneStep[]): Record<string, number | null> {
  const tuned = steps.filter((x) => x.fineTuneEpochs > 0);
  const ftImageEpochs = tuned.reduce((a, x) => a + x.fineTuneEpochs * p.trainData.size, 0);
  const ftSeconds = tuned.reduce((a, x) => a + x.fineTuneSeconds, 0);
  const perImageEpoch = ftImageEpochs > 0 ? ftSeconds / ftImageEpochs : null;
  const basePer = p.baseSeconds > 0 ? p.baseSeconds / (s.trainEpochs * p.trainData.size) : null;
  const fullTrain = 60000;
  const selectSeconds = steps.reduce((a, x) => a + x.selectSeconds, 0);
  return {
    base_training_seconds: p.baseSeconds,
    base_seconds_per_image_epoch: basePer,
    fine_tune_seconds: ftSeconds,
    fine_tune_seconds_per_image_epoch: perImageEpoch,
    select_seconds: selectSeconds,
    projected_full_protocol_seconds:
      perImageEpoch === null
        ? null
        : (basePer ?? perImageEpoch) * 30 * fullTrain + perImageEpoch * fullTrain * tuned.length + selectSeconds,
  };
}

interface RunResult {
  steps: readonly PruneStep[];
  sim: readonly (Record<string, number> | undefined)[];
  seconds: number;
  cpuSeconds: number;
  complete: boolean;
  /** Steps read from --state (recorded by earlier sessions). */
  resumed: number;
}

function writeOutputs(opts: Options, s: Settings, p: Prepared, r: RunResult, model: string | undefined): void {
  const { steps, sim, seconds, cpuSeconds, complete, resumed } = r;
  const o = p.prep.optimizer;
  const doc = {
    dataset: p.trainData.name.replace(/\[.*$/, ''),
    model: model ?? null,
    arch: model === undefined ? opts.arch : null,
    train_samples: p.trainData.size,
    select_samples: p.selectData.size,
    test_samples: p.testData.size,
    protocol: {
      train_epochs: model === undefined ? s.trainEpochs : 0,
      fine_tune_epochs: s.fineTuneEpochs,
      optimizer: o.type,
      lr: o.lr,
      momentum: o.type === 'sgd' ? (o.momentum ?? 0) : 0,
      weight_decay: o.weightDecay ?? 0,
      batch_size: p.prep.batchSize,
      seed: p.prep.seed,
      fractions: s.fractions,
      structural: opts.structural,
      stop_below: s.stopBelow,
      max_steps: s.maxSteps,
      weights_counted: 'conv2d and dense weights (biases not counted, never pruned)',
    },
    steps: steps.map((step, i) => stepJson(step, sim[i], opts.models)),
    timing: timing(s, p, steps),
    complete,
    resumed_steps: resumed,
    seconds,
    cpu_seconds: cpuSeconds,
  };
  writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
  const svgPath = opts.svg ?? `${opts.json.slice(0, opts.json.length - extname(opts.json).length)}.svg`;
  const svg = pruneFigureSvg({
    original: steps[0]!.testAccuracy,
    magnitude: steps.filter((x) => x.method === 'magnitude').map((x) => ({ fraction: x.weightFraction, accuracy: x.testAccuracy })),
    structural: steps
      .filter((x) => x.method === 'structural')
      .map((x) => ({ fraction: x.weightFraction, accuracy: x.testAccuracy, channels: x.channels })),
    title: `Pruning ${doc.dataset}: test accuracy against weights remaining`,
  });
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(`${svgPath.slice(0, svgPath.length - extname(svgPath).length)}.png`, svgToPng(svg));
}
