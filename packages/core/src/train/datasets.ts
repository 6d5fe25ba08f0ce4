/**
 * Datasets for training: the dissertation's toy problems, TensorFlow Playground's classification
 * sets, and image datasets built from raw pixels (MNIST IDX, CIFAR-10 batches).
 *
 * Every generator takes a seeded `Random` and nothing else random, so a dataset is a pure function
 * of its options. Inputs are row-major `x[i · inputSize + j]`; targets are `y[i · targetSize + k]`:
 * the class (0/1) for binary tasks, the class index for multi-class tasks, the values for regression.
 */
import { PolytopeError } from '../errors.js';
import { sizeOf } from '../network/ir.js';
import type { Shape } from '../network/ir.js';
import type { FloatArray } from '../network/kernels.js';
import { normalSample } from '../random.js';
import type { Random } from '../random.js';

/** What a dataset asks for: binary or multiclass classification, or regression. */
export type Task = 'binary' | 'multiclass' | 'regression';

/** A labelled dataset: row-major inputs, targets, shapes and the task. */
export interface Dataset {
  readonly name: string;
  readonly task: Task;
  readonly inputShape: Shape;
  readonly inputSize: number;
  /** Target values per sample: 1 for classification (the class), the output count for regression. */
  readonly targetSize: number;
  /** Classes (2 for binary), 0 for regression. */
  readonly numClasses: number;
  readonly size: number;
  readonly x: FloatArray;
  readonly y: Float32Array;
  /** Human-readable class names where known. */
  readonly classNames?: readonly string[];
}

function makeDataset(fields: Omit<Dataset, 'inputSize' | 'size'>): Dataset {
  const inputSize = sizeOf(fields.inputShape);
  const size = fields.y.length / fields.targetSize;
  if (fields.x.length !== size * inputSize) {
    throw new PolytopeError(
      'shape-mismatch',
      `${fields.name}: ${fields.x.length} input values do not make ${size} samples of ${inputSize}`,
    );
  }
  return { ...fields, inputSize, size };
}

function checkCount(n: number, what: string, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new PolytopeError('bad-option', `${what} must be an integer ≥ ${min}, got ${n}`);
}

function checkPositive(v: number, what: string): void {
  if (!Number.isFinite(v) || v <= 0) throw new PolytopeError('bad-option', `${what} must be a positive finite number, got ${v}`);
}

/** A point uniform on the unit sphere S^(d−1), written to `out` at `off`. */
function unitDirection(random: Random, out: Float64Array, off: number, d: number): void {
  let norm: number;
  do {
    norm = 0;
    for (let j = 0; j < d; j++) {
      const z = normalSample(random);
      out[off + j] = z;
      norm += z * z;
    }
  } while (norm === 0);
  const s = 1 / Math.sqrt(norm);
  for (let j = 0; j < d; j++) out[off + j] = out[off + j]! * s;
}

/**
 * Radius of a uniform sample of the shell a ≤ r ≤ b in d dimensions (inverse CDF of r^d), written
 * as b·(t + u(1 − t))^(1/d) with t = (a/b)^d ∈ [0, 1] so that nothing overflows in high dimensions
 * (b^d is ∞ for b = 2, d ≥ 1024, and a^d − b^d was NaN-prone from d ≈ 340 on; issue 18 #5).
 */
function shellRadius(random: Random, a: number, b: number, d: number): number {
  const t = Math.pow(a / b, d);
  return b * Math.pow(t + random() * (1 - t), 1 / d);
}

/** Options for `hypersphereShell` / `circleAnnulus`. */
export interface HypersphereOptions {
  /** Input dimension n (default 2: circle vs annulus). */
  dim?: number;
  /** Number of samples, half inside the sphere and half in the shell (default 1,000). */
  n?: number;
  /** Sphere radius r₁ (default 0.5, §4.2.1). */
  r1?: number;
  /** Inner shell radius r₂ (default r₁·√n: the octahedron solution's requirement, §4.1). */
  r2?: number;
  /** Outer shell radius r₃ (default r₂·√2). */
  r3?: number;
  random: Random;
}

/**
 * Hypersphere versus hypershell (§4.1–4.2): `n/2` points uniform in the ball of radius r₁
 * (class 1) and `n/2` uniform in the shell r₂ ≤ |x| ≤ r₃ (class 0), sphere points first.
 * With the defaults in 2-D this is §4.2.1's circle versus annulus: r₁ = 0.5, r₂ = r₁√2,
 * r₃ = r₂√2 = 1. The circle and the gap have equal areas (π/4) but the annulus has twice that
 * (π/2): the seed's "equal areas" is false for r₃ = r₂√2 (it would need r₃ = r₁√3). The classes
 * are balanced by count (n/2 each), so annulus points are half as dense as circle points.
 *
 * @example
 * const data = hypersphereShell({ random: seededRandom(0) }); // 1,000 points in 2-D
 * data.y[0]; // 1 (inside the circle)
 */
export function hypersphereShell(options: HypersphereOptions): Dataset {
  const d = options.dim ?? 2;
  const n = options.n ?? 1000;
  checkCount(d, 'dimension');
  checkCount(n, 'sample count', 2);
  const r1 = options.r1 ?? 0.5;
  const r2 = options.r2 ?? r1 * Math.sqrt(d);
  const r3 = options.r3 ?? r2 * Math.SQRT2;
  checkPositive(r1, 'r1');
  if (!(r2 > r1) || !(r3 > r2) || !Number.isFinite(r3)) {
    throw new PolytopeError('bad-option', `radii must satisfy 0 < r1 < r2 < r3, got ${r1}, ${r2}, ${r3}`);
  }
  const x = new Float64Array(n * d);
  const y = new Float32Array(n);
  const inner = Math.ceil(n / 2);
  for (let i = 0; i < n; i++) {
    unitDirection(options.random, x, i * d, d);
    const r = i < inner ? shellRadius(options.random, 0, r1, d) : shellRadius(options.random, r2, r3, d);
    for (let j = 0; j < d; j++) x[i * d + j] = x[i * d + j]! * r;
    y[i] = i < inner ? 1 : 0;
  }
  return makeDataset({
    name: d === 2 ? 'circle-annulus' : `hypersphere-${d}d`,
    task: 'binary',
    inputShape: [d],
    targetSize: 1,
    numClasses: 2,
    x,
    y,
    classNames: ['shell', 'sphere'],
  });
}

/**
 * §4.2.1's circle versus annulus (`hypersphereShell` in 2-D).
 *
 * @example
 * const data = circleAnnulus({ n: 1000, random: seededRandom(0) });
 */
export function circleAnnulus(options: Omit<HypersphereOptions, 'dim'>): Dataset {
  return hypersphereShell({ ...options, dim: 2 });
}

/**
 * The four points of XOR on {−1, 1}² (the dissertation's "modified XOR", Table 5.2a): class 1
 * where exactly one coordinate is positive.
 *
 * @example
 * const data = xorCorners(); // x = [-1,-1, -1,1, 1,-1, 1,1], y = [0, 1, 1, 0]
 */
export function xorCorners(): Dataset {
  const x = Float64Array.of(-1, -1, -1, 1, 1, -1, 1, 1);
  const y = Float32Array.of(0, 1, 1, 0);
  return makeDataset({ name: 'xor-corners', task: 'binary', inputShape: [2], targetSize: 1, numClasses: 2, x, y });
}

/** Options shared by the TensorFlow-Playground-style toy sets (samples, noise, random generator). */
export interface PlaygroundOptions {
  /** Number of samples (default 500, TensorFlow Playground's). */
  n?: number;
  /** Playground noise level in [0, 0.5] (default 0). */
  noise?: number;
  random: Random;
}

function playgroundArgs(o: PlaygroundOptions): { n: number; noise: number } {
  const n = o.n ?? 500;
  const noise = o.noise ?? 0;
  checkCount(n, 'sample count', 2);
  if (!(noise >= 0 && noise <= 0.5)) throw new PolytopeError('bad-option', `noise must be in [0, 0.5], got ${noise}`);
  return { n, noise };
}

/**
 * TensorFlow Playground's XOR (`classifyXORData`): x, y uniform in ±[0.3, 5.3] (a padding of 0.3
 * keeps points off the axes), class 1 where exactly one coordinate is negative (the Playground's
 * colours swapped: it labels x·y ≥ 0 as positive).
 *
 * @example
 * const data = xorData({ n: 200, random: seededRandom(1) });
 */
export function xorData(options: PlaygroundOptions): Dataset {
  const { n, noise } = playgroundArgs(options);
  const r = options.random;
  const x = new Float64Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let a = -5 + 10 * r();
    a += a > 0 ? 0.3 : -0.3;
    let b = -5 + 10 * r();
    b += b > 0 ? 0.3 : -0.3;
    const na = (-5 + 10 * r()) * noise;
    const nb = (-5 + 10 * r()) * noise;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = (a + na) * (b + nb) < 0 ? 1 : 0;
  }
  return makeDataset({ name: 'xor', task: 'binary', inputShape: [2], targetSize: 1, numClasses: 2, x, y });
}

/**
 * TensorFlow Playground's two spirals (`classifySpiralData`): two arms of n/2 points,
 * r = 5i/(n/2), t = 1.75·2π·i/(n/2) (+π for the second arm), plus uniform noise in ±noise.
 * The first arm is class 1.
 */
function spiralData(options: PlaygroundOptions): Dataset {
  const { n, noise } = playgroundArgs(options);
  const r = options.random;
  const half = Math.floor(n / 2);
  const x = new Float64Array(half * 4);
  const y = new Float32Array(half * 2);
  let k = 0;
  for (const [deltaT, label] of [
    [0, 1],
    [Math.PI, 0],
  ] as const) {
    for (let i = 0; i < half; i++) {
      const radius = (i / half) * 5;
      const t = ((1.75 * i) / half) * 2 * Math.PI + deltaT;
      x[2 * k] = radius * Math.sin(t) + (2 * r() - 1) * noise;
      x[2 * k + 1] = radius * Math.cos(t) + (2 * r() - 1) * noise;
      y[k++] = label;
    }
  }
  return makeDataset({ name: 'spiral', task: 'binary', inputShape: [2], targetSize: 1, numClasses: 2, x, y });
}

/**
 * TensorFlow Playground's two Gaussians (`classifyTwoGaussData`): n/2 points around (2, 2)
 * (class 1) and n/2 around (−2, −2) (class 0), variance 0.5 + 7·noise.
 */
function gaussData(options: PlaygroundOptions): Dataset {
  const { n, noise } = playgroundArgs(options);
  const r = options.random;
  const std = Math.sqrt(0.5 + (noise / 0.5) * 3.5);
  const half = Math.floor(n / 2);
  const x = new Float64Array(half * 4);
  const y = new Float32Array(half * 2);
  let k = 0;
  for (const [c, label] of [
    [2, 1],
    [-2, 0],
  ] as const) {
    for (let i = 0; i < half; i++) {
      x[2 * k] = c + std * normalSample(r);
      x[2 * k + 1] = c + std * normalSample(r);
      y[k++] = label;
    }
  }
  return makeDataset({ name: 'gauss', task: 'binary', inputShape: [2], targetSize: 1, numClasses: 2, x, y });
}

/** Options for `xorCircle`. */
export interface XorCircleOptions {
  /** Number of samples (default 1,000): a quarter in the circle, a quarter in the annulus, half outside. */
  n?: number;
  random: Random;
}

/**
 * XOR plus circle versus annulus on [−1, 1]² (our reading of Fig. 6.1, right; the text gives no
 * formula): a circle of radius 0.25 (class 1) inside an annulus 0.25√2 ≤ r ≤ 0.5 (class 0), both
 * centred at the origin, surrounded by the XOR pattern — class 1 where exactly one coordinate is
 * negative — on the part of the square outside radius 0.5√2. The gaps between the rings carry no
 * samples, as in §4.2.1. Samples: n/4 circle, n/4 annulus, n/2 XOR region (each uniform).
 *
 * @example
 * const data = xorCircle({ random: seededRandom(2) });
 */
export function xorCircle(options: XorCircleOptions): Dataset {
  const n = options.n ?? 1000;
  checkCount(n, 'sample count', 4);
  const r = options.random;
  const r1 = 0.25;
  const r2 = r1 * Math.SQRT2;
  const r3 = r2 * Math.SQRT2;
  const r4 = r3 * Math.SQRT2;
  const nCircle = Math.floor(n / 4);
  const nAnnulus = Math.floor(n / 4);
  const x = new Float64Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (i < nCircle + nAnnulus) {
      const inCircle = i < nCircle;
      const radius = inCircle ? shellRadius(r, 0, r1, 2) : shellRadius(r, r2, r3, 2);
      const t = 2 * Math.PI * r();
      x[2 * i] = radius * Math.cos(t);
      x[2 * i + 1] = radius * Math.sin(t);
      y[i] = inCircle ? 1 : 0;
    } else {
      let a: number;
      let b: number;
      do {
        a = 2 * r() - 1;
        b = 2 * r() - 1;
      } while (a * a + b * b < r4 * r4);
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = a * b < 0 ? 1 : 0;
    }
  }
  return makeDataset({ name: 'xor-circle', task: 'binary', inputShape: [2], targetSize: 1, numClasses: 2, x, y });
}

/** Options for `sineData`. */
export interface SineOptions {
  /** Number of uniformly spaced points on [−π, π], both ends included (default 100, §5.3). */
  n?: number;
}

/**
 * sin x on n uniformly spaced points of [−π, π] (§5.3: 100 points, MSE baseline 0.5 for the zero
 * function).
 *
 * @example
 * const data = sineData(); // x = [-π, …, π], y = sin x
 */
export function sineData(options: SineOptions = {}): Dataset {
  const n = options.n ?? 100;
  checkCount(n, 'sample count', 2);
  const x = new Float64Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = -Math.PI + (2 * Math.PI * i) / (n - 1);
    x[i] = t;
    y[i] = Math.sin(t);
  }
  return makeDataset({ name: 'sine', task: 'regression', inputShape: [1], targetSize: 1, numClasses: 0, x, y });
}

/**
 * Per-coordinate scale factors 1/std (population std about the mean) that give every input
 * coordinate standard deviation one (§4.2.1's "normalize"); the origin stays fixed.
 */
export function unitStdScale(data: Dataset): Float64Array {
  const d = data.inputSize;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < data.size; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data.x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / data.size;
  for (let i = 0; i < data.size; i++) {
    for (let j = 0; j < d; j++) {
      const v = data.x[i * d + j]! - mean[j]!;
      sq[j] = sq[j]! + v * v;
    }
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const std = Math.sqrt(sq[j]! / data.size);
    scale[j] = std > 0 ? 1 / std : 1;
  }
  return scale;
}

/** A copy of the dataset with input coordinate j multiplied by `scale[j]`. */
export function scaleInputs(data: Dataset, scale: ArrayLike<number>): Dataset {
  const d = data.inputSize;
  if (scale.length !== d) throw new PolytopeError('shape-mismatch', `scale needs ${d} factors, got ${scale.length}`);
  const x = new Float64Array(data.x.length);
  for (let i = 0; i < data.size; i++) for (let j = 0; j < d; j++) x[i * d + j] = data.x[i * d + j]! * scale[j]!;
  return { ...data, x };
}

/** Options for `imageDataset`. */
export interface ImageDatasetOptions {
  name: string;
  /** Raw pixels, image after image, channel-major (IDX and CIFAR layouts). */
  pixels: ArrayLike<number>;
  labels: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
  numClasses?: number;
  /** Per-channel mean and std of pixel/255 (e.g. `MNIST_STATS`); x = (pixel/255 − mean)/std. */
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  /** Use only the first `limit` images. */
  limit?: number;
  /** Bilinear resize (PyTorch `align_corners=False`) to this size, before normalization. */
  resize?: readonly [number, number];
  /** Repeat a 1-channel image this many times (§6.1 feeds MNIST as 3 × 32 × 32). */
  repeatChannels?: number;
  classNames?: readonly string[];
}

/**
 * Bilinear resize taps (PyTorch `align_corners=False`) for `outN` outputs from `inN` inputs:
 * output k reads inputs i0[k] and i1[k] with weights 1 − f[k] and f[k].
 */
function bilinearTaps(outN: number, inN: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(outN);
  const i1 = new Int32Array(outN);
  const f = new Float64Array(outN);
  for (let k = 0; k < outN; k++) {
    const src = Math.max(0, ((k + 0.5) * inN) / outN - 0.5);
    const lo = Math.min(Math.floor(src), inN - 1);
    i0[k] = lo;
    i1[k] = Math.min(lo + 1, inN - 1);
    f[k] = src - lo;
  }
  return { i0, i1, f };
}

/**
 * A float32 image-classification dataset from raw bytes: optional bilinear resize and channel
 * repetition (the dissertation's 3 × 32 × 32 MNIST protocol, §6.1), then per-channel normalization.
 *
 * @example
 * const train = imageDataset({ name: 'mnist', pixels, labels, channels: 1, height: 28, width: 28,
 *   mean: [0.1307], std: [0.3081] });
 * train.inputShape; // [1, 28, 28]
 */
export function imageDataset(o: ImageDatasetOptions): Dataset {
  const count = Math.min(o.labels.length, o.limit ?? Infinity);
  checkCount(count, 'image count');
  const plane = o.height * o.width;
  if (o.pixels.length < count * o.channels * plane) {
    throw new PolytopeError(
      'shape-mismatch',
      `${o.name}: ${o.pixels.length} pixel values are fewer than ${count} images of ${o.channels}×${o.height}×${o.width}`,
    );
  }
  const [ho, wo] = o.resize ?? [o.height, o.width];
  checkCount(ho, 'resize height');
  checkCount(wo, 'resize width');
  const rep = o.repeatChannels ?? 1;
  checkCount(rep, 'repeatChannels');
  if (rep > 1 && o.channels !== 1)
    throw new PolytopeError('bad-option', `repeatChannels needs 1-channel images, got ${o.channels} channels`);
  const outC = o.channels * rep;
  if (o.mean.length !== o.channels || o.std.length !== o.channels) {
    throw new PolytopeError('bad-option', `${o.name}: need ${o.channels} mean and std values, got ${o.mean.length} and ${o.std.length}`);
  }
  for (let c = 0; c < o.channels; c++) checkPositive(o.std[c]!, `std[${c}]`);
  const numClasses = o.numClasses ?? 10;
  const outPlane = ho * wo;
  const x = new Float32Array(count * outC * outPlane);
  const y = new Float32Array(count);
  // Bilinear taps per output row / column, shared by all images.
  const ty = bilinearTaps(ho, o.height);
  const tx = bilinearTaps(wo, o.width);
  const resize = ho !== o.height || wo !== o.width;
  for (let n = 0; n < count; n++) {
    const label = o.labels[n]!;
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
      throw new PolytopeError('bad-data', `${o.name}: label ${label} of image ${n} is not in 0..${numClasses - 1}`);
    }
    y[n] = label;
    for (let c = 0; c < o.channels; c++) {
      const src = (n * o.channels + c) * plane;
      const inv = 1 / (255 * o.std[c]!);
      const sh = -o.mean[c]! / o.std[c]!;
      for (let r = 0; r < rep; r++) {
        const dst = (n * outC + c * rep + r) * outPlane;
        if (!resize) {
          for (let p = 0; p < plane; p++) x[dst + p] = o.pixels[src + p]! * inv + sh;
          continue;
        }
        for (let yy = 0; yy < ho; yy++) {
          const a0 = ty.i0[yy]! * o.width;
          const a1 = ty.i1[yy]! * o.width;
          const fy = ty.f[yy]!;
          for (let xx = 0; xx < wo; xx++) {
            const b0 = tx.i0[xx]!;
            const b1 = tx.i1[xx]!;
            const fx = tx.f[xx]!;
            const top = o.pixels[src + a0 + b0]! * (1 - fx) + o.pixels[src + a0 + b1]! * fx;
            const bottom = o.pixels[src + a1 + b0]! * (1 - fx) + o.pixels[src + a1 + b1]! * fx;
            x[dst + yy * wo + xx] = (top * (1 - fy) + bottom * fy) * inv + sh;
          }
        }
      }
    }
  }
  return makeDataset({
    name: o.name,
    task: 'multiclass',
    inputShape: [outC, ho, wo],
    targetSize: 1,
    numClasses,
    x,
    y,
    ...(o.classNames ? { classNames: o.classNames } : {}),
  });
}

/**
 * Names accepted by `toyDataset`.
 *
 * @example
 * TOY_DATASETS.includes('spiral'); // true
 */
export const TOY_DATASETS = ['circle-annulus', 'hypersphere', 'xor', 'xor-corners', 'xor-circle', 'sine', 'spiral', 'gauss'] as const;

/** A name in `TOY_DATASETS`. */
export type ToyDatasetName = (typeof TOY_DATASETS)[number];

/** Options for `toyDataset`. */
export interface ToyDatasetOptions {
  /** Sample count (each generator's default when omitted; ignored by xor-corners). */
  n?: number;
  /** Dimension for `hypersphere` (default 3). */
  dim?: number;
  /** Playground noise for xor / spiral / gauss. */
  noise?: number;
  random: Random;
}

/**
 * A toy dataset by name (the CLI's `--dataset`).
 *
 * @example
 * toyDataset('circle-annulus', { random: seededRandom(0) }).size; // 1000
 */
export function toyDataset(name: string, options: ToyDatasetOptions): Dataset {
  const { n, random } = options;
  const withN = <T extends object>(o: T): T & { n?: number } => (n === undefined ? o : { ...o, n });
  const playground = withN({ random, ...(options.noise === undefined ? {} : { noise: options.noise }) });
  switch (name as ToyDatasetName) {
    case 'circle-annulus':
      return circleAnnulus(withN({ random }));
    case 'hypersphere':
      return hypersphereShell(withN({ random, dim: options.dim ?? 3 }));
    case 'xor':
      return xorData(playground);
    case 'xor-corners':
      return xorCorners();
    case 'xor-circle':
      return xorCircle(withN({ random }));
    case 'sine':
      return sineData(withN({}));
    case 'spiral':
      return spiralData(playground);
    case 'gauss':
      return gaussData(playground);
    default:
      throw new PolytopeError('bad-option', `unknown dataset '${name}'; expected one of ${TOY_DATASETS.join(', ')}`);
  }
}
