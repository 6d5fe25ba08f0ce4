/**
 * IDX files (the MNIST / Fashion-MNIST / EMNIST distribution format), raw or gzip-compressed.
 *
 * Format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte (0x08 = unsigned byte,
 * the only type these datasets use), a dimension count byte, then one big-endian uint32 per
 * dimension, then the values in row-major order. Images are `0x00000803` (count × rows × cols),
 * labels `0x00000801` (count).
 */
import { PolytopeError } from '../errors.js';
import { DEFAULT_MAX_BYTES, gunzipWithin } from './budget.js';

/** A raw IDX tensor of unsigned bytes. */
export interface IdxArray {
  /** Dimensions from the header, outermost first. */
  shape: number[];
  /** Row-major values (a view into the input, or into the inflated buffer for gzip input). */
  data: Uint8Array;
}

/** An IDX image file: `count` images of `rows × cols` bytes (0 = background, 255 = ink for MNIST). */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** `count × rows × cols` bytes, row-major, image after image. */
  pixels: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function fail(what: string, message: string): never {
  throw new PolytopeError('bad-file', `${what}: ${message}`);
}

/** True when the bytes start with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file of unsigned bytes (type 0x08), inflating it first when it is gzip-compressed
 * (`train-images-idx3-ubyte.gz` as downloaded). Throws `PolytopeError('bad-file')` for a wrong magic,
 * another element type, or a length that does not match the header, and `too-large` when the
 * inflated data passes `maxBytes` (checked while inflating: a gzip bomb is stopped, issue 18 #7).
 *
 * @example
 * const { shape, data } = readIdx(bytes); // bytes of t10k-images-idx3-ubyte
 * shape; // [10000, 28, 28]
 * data.length; // 7840000
 */
export function readIdx(bytes: Uint8Array, what = 'IDX data', maxBytes = DEFAULT_MAX_BYTES): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipWithin(bytes, maxBytes, what);
    } catch (err) {
      if (err instanceof PolytopeError) throw err;
      fail(what, `looks gzip-compressed but cannot be inflated (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    const head = Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    fail(what, `not an IDX file (the first bytes should be 00 00 08 0N, found ${head || 'nothing'})`);
  }
  const type = raw[2]!;
  const ndim = raw[3]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    fail(
      what,
      name
        ? `IDX element type 0x${type.toString(16).padStart(2, '0')} (${name}) is not supported; only unsigned bytes (0x08) are`
        : `not an IDX file (unknown element type byte 0x${type.toString(16).padStart(2, '0')})`,
    );
  }
  if (ndim === 0) fail(what, 'IDX header declares 0 dimensions');
  const headerLen = 4 + 4 * ndim;
  if (raw.length < headerLen) fail(what, `truncated header: ${ndim} dimensions need ${headerLen} bytes but the file has ${raw.length}`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  const have = raw.length - headerLen;
  if (have !== count) {
    fail(
      what,
      `header shape [${shape.join(', ')}] needs ${count} data bytes but the file has ${have}` +
        (have < count ? ' (truncated download?)' : ''),
    );
  }
  return { shape, data: raw.subarray(headerLen) };
}

/**
 * Reads an IDX image file (magic 0x00000803: count × rows × cols).
 *
 * @example
 * const imgs = idxImages(bytes); // t10k-images-idx3-ubyte(.gz)
 * imgs.count, imgs.rows, imgs.cols; // 10000, 28, 28
 * const first = imgs.pixels.subarray(0, 784); // image 0 (a 7)
 */
export function idxImages(bytes: Uint8Array, what = 'IDX image file', maxBytes = DEFAULT_MAX_BYTES): IdxImages {
  const { shape, data } = readIdx(bytes, what, maxBytes);
  if (shape.length !== 3) {
    fail(
      what,
      shape.length === 1
        ? 'this is a label file (1 dimension), not an image file'
        : `an image file has 3 dimensions (count, rows, cols) but this one has ${shape.length}: [${shape.join(', ')}]`,
    );
  }
  return { count: shape[0]!, rows: shape[1]!, cols: shape[2]!, pixels: data };
}

/**
 * Reads an IDX label file (magic 0x00000801: one byte per example).
 *
 * @example
 * const labels = idxLabels(bytes); // t10k-labels-idx1-ubyte(.gz)
 * labels.length; // 10000
 * labels[0];     // 7
 */
export function idxLabels(bytes: Uint8Array, what = 'IDX label file', maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  const { shape, data } = readIdx(bytes, what, maxBytes);
  if (shape.length !== 1) {
    fail(
      what,
      shape.length === 3
        ? `this is an image file (shape [${shape.join(', ')}]), not a label file`
        : `a label file has 1 dimension but this one has ${shape.length}: [${shape.join(', ')}]`,
    );
  }
  return data;
}
