/**
 * Allocation budgets for sizes read from files (issue 18 #7): a reader computes what a tensor,
 * array or archive entry would need (elements × bytes) and refuses it before allocating, with a
 * `too-large` error naming the limit and how to raise it. Readers take the limit as `maxBytes`.
 */
import { Gunzip } from 'fflate';
import { PolytopeError } from '../errors.js';

/**
 * Default allocation budget of the readers (2 GiB): far above any model or data set the library
 * is meant for (MNIST's 60,000 × 784 float64 training images are 376 MB), far below what takes a
 * machine down.
 *
 * @example
 * readOnnx(bytes, { maxBytes: 4 * DEFAULT_MAX_BYTES }); // allow up to 8 GiB per tensor
 */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/** Throws `too-large` when `elements × bytesPer` exceeds `maxBytes` (checked before any allocation). */
export function checkAllocation(elements: number, bytesPer: number, what: string, maxBytes = DEFAULT_MAX_BYTES): void {
  const need = elements * bytesPer;
  if (!(need <= maxBytes))
    throw new PolytopeError(
      'too-large',
      `${what} needs ${elements} elements (${(need / 1024 ** 2).toFixed(0)} MiB), above the allocation limit of ${(maxBytes / 1024 ** 2).toFixed(0)} MiB (raise it with the maxBytes option, or POLYTOPE_MAX_BYTES on the command line)`,
    );
}

/** Compressed bytes handed to the inflater at a time: at most ~1032× this comes out of one push. */
const INFLATE_CHUNK = 1 << 16;

/**
 * Inflates gzip `bytes`, refusing with `too-large` as soon as the output passes `maxBytes` (a small
 * gzip bomb — a few MB of zeros that inflate to gigabytes — is stopped after at most one chunk
 * beyond the limit, never inflated whole). The gzip trailer's size field is not trusted (it is the
 * size modulo 2³² and can be forged; it must still match the output, which catches a cut-off
 * file). Inflate errors propagate as plain `Error`s, for the reader to name its file.
 *
 * @example
 * const raw = gunzipWithin(gz, DEFAULT_MAX_BYTES, 'train-images-idx3-ubyte.gz');
 */
export function gunzipWithin(bytes: Uint8Array, maxBytes: number, what: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((chunk) => {
    total += chunk.length;
    checkAllocation(total, 1, `${what} (inflated so far)`, maxBytes);
    chunks.push(chunk);
  });
  for (let at = 0; at < bytes.length; at += INFLATE_CHUNK) {
    const end = Math.min(bytes.length, at + INFLATE_CHUNK);
    stream.push(bytes.subarray(at, end), end === bytes.length);
  }
  // The streaming inflater accepts a member cut off after its deflate data: check the trailer's size.
  const n = bytes.length;
  const isize = n >= 18 ? (bytes[n - 4]! | (bytes[n - 3]! << 8) | (bytes[n - 2]! << 16) | (bytes[n - 1]! << 24)) >>> 0 : -1;
  if (isize !== total % 2 ** 32) throw new Error(`truncated or corrupt gzip data (the size field says ${isize}, inflated ${total} bytes)`);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
