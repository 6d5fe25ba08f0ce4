/**
 * CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` from
 * cifar-10-binary.tar.gz, https://www.cs.toronto.edu/~kriz/cifar.html).
 *
 * Each record is 3073 bytes: one label byte (0–9) then 3072 pixel bytes, the 1024 red values of the
 * 32×32 image row-major, then the 1024 green, then the 1024 blue — channel-major (C, H, W), the
 * layout PyTorch networks expect.
 */
import { PolytopeError } from '../errors.js';
import { DEFAULT_MAX_BYTES, checkAllocation } from './budget.js';
import { isGzip } from './idx.js';

/**
 * Pixels per CIFAR-10 image (3 × 32 × 32).
 *
 * @example
 * const images = batch.images.length / CIFAR_IMAGE_BYTES; // 3 × 32 × 32 bytes per image
 */
export const CIFAR_IMAGE_BYTES = 3072;
/** Bytes per CIFAR-10 record (label + image). */
export const CIFAR_RECORD_BYTES = 3073;
/**
 * CIFAR-10 class names, by label.
 *
 * @example
 * CIFAR10_CLASSES[3]; // 'cat'
 */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** A decoded CIFAR-10 batch. */
export interface CifarBatch {
  count: number;
  /** One label (0–9) per image. */
  labels: Uint8Array;
  /** `count × 3 × 32 × 32` bytes, channel-major per image (C, H, W), image after image. */
  pixels: Uint8Array;
}

/**
 * Splits a CIFAR-10 binary batch into labels and pixels (copies; the input is not kept).
 * Throws `PolytopeError('bad-file')` when the length is not a multiple of 3073 or a label is not 0–9,
 * and `too-large` when the copies would pass `maxBytes` (gzip input is refused, never inflated).
 *
 * @example
 * const batch = readCifarBatch(bytes); // bytes of test_batch.bin (30,730,000 bytes)
 * batch.count;                          // 10000
 * CIFAR10_CLASSES[batch.labels[0]!];    // 'cat'
 * const red0 = batch.pixels.subarray(0, 1024); // red plane of image 0
 */
export function readCifarBatch(bytes: Uint8Array, what = 'CIFAR-10 batch', maxBytes = DEFAULT_MAX_BYTES): CifarBatch {
  if (isGzip(bytes)) {
    throw new PolytopeError(
      'bad-file',
      `${what}: is gzip-compressed; extract cifar-10-binary.tar.gz and pass a data_batch_N.bin or test_batch.bin file`,
    );
  }
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new PolytopeError(
      'bad-file',
      `${what}: length ${bytes.length} is not a positive multiple of ${CIFAR_RECORD_BYTES} (1 label byte + 3072 pixel bytes per image)`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  checkAllocation(count * CIFAR_RECORD_BYTES, 1, `${what}: ${count} images`, maxBytes);
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  for (let n = 0; n < count; n++) {
    const at = n * CIFAR_RECORD_BYTES;
    const label = bytes[at]!;
    if (label > 9) {
      throw new PolytopeError(
        'bad-file',
        `${what}: record ${n} has label ${label}, not 0–9 (is this a CIFAR-100 file, which has 2 label bytes per record?)`,
      );
    }
    labels[n] = label;
    pixels.set(bytes.subarray(at + 1, at + CIFAR_RECORD_BYTES), n * CIFAR_IMAGE_BYTES);
  }
  return { count, labels, pixels };
}
