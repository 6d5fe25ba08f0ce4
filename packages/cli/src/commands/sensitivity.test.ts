/**
 * `polytope sensitivity` (§6.4) on MNIST rows: a dense 784-12-10 net has at most 12 non-zero
 * eigenvalues (every input gradient lies in the row space of the first layer), the eigenvalues sum
 * to the mean squared gradient norm computed here from `affineMapAt`, the directions .npy holds
 * unit vectors, the figures are written, and bad options get one-line errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { affineMapAt, idxImages, networkToJsonString, randomMlp, readNpy } from '@polytope-lens/core';
import { runCli } from '../../test/run-cli.js';
import { mnistDefaultPath } from '../inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-sensitivity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('polytope sensitivity', () => {
  it('finds at most 12 non-zero eigenvalues for a 784-12-10 net, summing to the mean squared gradient norm', async () => {
    const net = randomMlp([784, 12, 10], { seed: 3 });
    const model = join(dir, 'dense.json');
    writeFileSync(model, networkToJsonString(net));
    const out = join(dir, 's.json');
    const r = await runCli(['sensitivity', model, '--idx', 'mnist', '--rows', '0-59', '--keep', '4', '--json', out, '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      eigenvalues: number[];
      rank: number;
      mean_squared_gradient_norm: number;
      directions_npy: string;
      samples: number;
    };
    expect(doc.samples).toBe(60);
    expect(doc.eigenvalues).toHaveLength(784);
    expect(doc.rank).toBeLessThanOrEqual(12);
    expect(doc.rank).toBeGreaterThanOrEqual(2);
    // independent: the mean squared gradient norm from affineMapAt at the IDX images
    const img = idxImages(new Uint8Array(readFileSync(mnistDefaultPath('test', 'images'))), 'mnist');
    let norm2 = 0;
    for (let i = 0; i < 60; i++) {
      const x = Float64Array.from(img.pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
      for (const v of affineMapAt(net, x).jacobian) norm2 += v * v;
    }
    expect(doc.mean_squared_gradient_norm).toBeCloseTo(norm2 / 60, 8);
    const sum = doc.eigenvalues.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - norm2 / 60)).toBeLessThan(1e-9 * norm2);
    const npy = readNpy(new Uint8Array(readFileSync(doc.directions_npy)));
    expect(npy.shape).toEqual([4, 784]);
    for (let k = 0; k < 4; k++) {
      let s = 0;
      for (let c = 0; c < 784; c++) s += Number(npy.data[k * 784 + c]) ** 2;
      expect(s).toBeCloseTo(1, 10);
    }
    for (const f of ['directions', 'spectrum', 'projection']) expect(existsSync(join(dir, `s-${f}.png`))).toBe(true);
  });

  it('rejects bad options in one line', async () => {
    const model = join(dir, 'dense-small.json');
    writeFileSync(model, networkToJsonString(randomMlp([784, 4, 10], { seed: 1 })));
    for (const [args, msg] of [
      [['--outputs', '10'], /--outputs must be 'all' or output indices from 0 to 9/],
      [['--keep', '0'], /--keep must be an integer/],
      [['--json', join(dir, 'x.txt')], /--json must end in .json/],
    ] as const) {
      const r = await runCli(['sensitivity', model, '--idx', 'mnist', '--rows', '0-3', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
