import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { PolytopeError } from '../errors.js';
import { CIFAR10_CLASSES, CIFAR_RECORD_BYTES, readCifarBatch } from './cifar.js';

/** A synthetic batch: record n has label labels[n] and pixel k (0..3071) equal to (n * 7 + k) mod 256. */
function batch(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR_RECORD_BYTES);
  labels.forEach((label, n) => {
    out[n * CIFAR_RECORD_BYTES] = label;
    for (let k = 0; k < 3072; k++) out[n * CIFAR_RECORD_BYTES + 1 + k] = (n * 7 + k) % 256;
  });
  return out;
}

function expectCifarError(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PolytopeError);
  expect((caught as PolytopeError).code).toBe('bad-file');
  expect((caught as Error).message).toMatch(pattern);
}

describe('readCifarBatch', () => {
  it('splits records into labels and channel-major pixels', () => {
    const b = readCifarBatch(batch([3, 0, 9]));
    expect(b.count).toBe(3);
    expect(Array.from(b.labels)).toEqual([3, 0, 9]);
    expect(CIFAR10_CLASSES[b.labels[0]!]).toBe('cat');
    expect(b.pixels.length).toBe(3 * 3072);
    // image 1: red plane starts at pixel 0, green at 1024, blue at 2048 of the image
    expect(b.pixels[3072]).toBe(7);
    expect(b.pixels[3072 + 1024]).toBe((7 + 1024) % 256);
    expect(b.pixels[3072 + 2048 + 5]).toBe((7 + 2048 + 5) % 256);
    expect(b.pixels[3 * 3072 - 1]).toBe((14 + 3071) % 256);
  });

  it('does not keep a reference to the input', () => {
    const bytes = batch([1]);
    const b = readCifarBatch(bytes);
    bytes[1] = 99;
    expect(b.pixels[0]).toBe(0);
  });

  it('rejects lengths that are not a positive multiple of 3073', () => {
    expectCifarError(
      () => readCifarBatch(new Uint8Array(3072), 'data_batch_1.bin'),
      /^data_batch_1\.bin: length 3072 is not a positive multiple of 3073/,
    );
    expectCifarError(() => readCifarBatch(new Uint8Array(0)), /length 0/);
    expectCifarError(() => readCifarBatch(batch([1, 2]).subarray(1)), /length 6145/);
  });

  it('rejects labels above 9, suggesting CIFAR-100', () => {
    expectCifarError(() => readCifarBatch(batch([2, 57])), /record 1 has label 57, not 0–9 \(is this a CIFAR-100 file/);
  });

  it('rejects gzip input with a hint to extract the archive', () => {
    expectCifarError(() => readCifarBatch(gzipSync(batch([1]))), /gzip-compressed; extract cifar-10-binary\.tar\.gz/);
  });
});

describe('issue 18 #7: CIFAR batches are copied within the allocation budget', () => {
  it('refuses a batch whose copies pass maxBytes, reads it below', () => {
    const bytes = new Uint8Array(4 * CIFAR_RECORD_BYTES); // 4 records, label 0, black
    expect(() => readCifarBatch(bytes, 'big.bin', 3 * CIFAR_RECORD_BYTES)).toThrow(
      /big\.bin: 4 images needs 12292 elements .*allocation limit/,
    );
    expect(readCifarBatch(bytes, 'big.bin', 4 * CIFAR_RECORD_BYTES).count).toBe(4);
  });
});
