/**
 * Allocation budgets for sizes read from files (issue 18 #7): a reader computes what a tensor,
 * array or archive entry would need (elements × bytes) and refuses it before allocating, with a
 * `too-large` error naming the limit and how to raise it. Readers take the limit as `maxBytes`.
 */
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
