/**
 * End-to-end tests of `polytope animate` (real files; in this process through `main()`, one spawned
 * smoke test; needs a build of both packages).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../test/run-cli.js';
import type { CliRun } from '../../test/run-cli.js';
import { buildNetwork } from '@polytope-lens/core';
import { frameData } from './animate.js';

/** `polytope animate ...args`, in this process. */
function run(args: string[]): Promise<CliRun> {
  return runCli(['animate', ...args]);
}

describe('polytope animate', () => {
  it('trains a tiny 2-D run and writes SVG/PNG frames, a GIF and regions.json', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-animate-')), 'run');
    const r = await run([
      '--dataset',
      'circle-annulus',
      '--arch',
      '2-4-1',
      '--samples',
      '100',
      '--epochs',
      '3',
      '--batch',
      '10',
      '--snapshot-every',
      '10',
      '--frame-width',
      '320',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // 30 steps, a frame every 10 plus step 0: 4 frames.
    const files = readdirSync(join(out, 'frames')).sort();
    expect(files).toEqual([
      'frame-0001.png',
      'frame-0001.svg',
      'frame-0002.png',
      'frame-0002.svg',
      'frame-0003.png',
      'frame-0003.svg',
      'frame-0004.png',
      'frame-0004.svg',
    ]);
    const svg = readFileSync(join(out, 'frames', 'frame-0004.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="320" height="200"/);
    expect(svg).toContain('<g class="regions"');
    expect(svg).toContain('<g class="data"');
    expect(
      readFileSync(join(out, 'frames', 'frame-0001.png'))
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    const gif = readFileSync(join(out, 'animation.gif'));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(gif.readUInt16LE(6)).toBe(320);
    expect(gif.readUInt16LE(8)).toBe(200); // 320 / 2 + the key row
    const report = JSON.parse(readFileSync(join(out, 'regions.json'), 'utf8'));
    expect(report.frames.map((f: { step: number }) => f.step)).toEqual([0, 10, 20, 30]);
    for (const f of report.frames) {
      expect(f.regions).toBeGreaterThanOrEqual(1);
      expect(f.linear_regions).toBeLessThanOrEqual(f.regions);
      expect(f.train_accuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('draws 1-D sine as pieces with the slope/intercept scatter', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-animate-')), 'sine');
    // The group's spawned smoke test: the real executable and its exit status.
    const r = spawnCli([
      'animate',
      '--dataset',
      'sine',
      '--arch',
      '1-6-1',
      '--optimizer',
      'sgd',
      '--lr',
      '0.1',
      '--epochs',
      '2',
      '--batch',
      '50',
      '--snapshot-every',
      '2',
      '--frame-width',
      '320',
      '--no-png',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(out, 'frames')).sort()).toEqual(['frame-0001.svg', 'frame-0002.svg', 'frame-0003.svg']);
    const svg = readFileSync(join(out, 'frames', 'frame-0003.svg'), 'utf8');
    expect(svg).toContain('<g class="pieces"');
    expect(svg).toContain('slope b');
    const report = JSON.parse(readFileSync(join(out, 'regions.json'), 'utf8'));
    expect(report.frames[2].train_mse).toBeGreaterThan(0);
  });

  it('rejects bad options with exit code 2, a clear message and no output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-animate-')), 'bad');
    const cases: [string[], RegExp][] = [
      [['--dataset', 'mnist', '--arch', 'dense'], /animate draws 1-D and 2-D toy problems only; unknown or unsupported dataset 'mnist'/],
      [['--dataset', 'xor', '--arch', '2-4-1', '--snapshot-every', '0'], /--snapshot-every must be a positive integer, got '0'/],
      [
        ['--dataset', 'xor', '--arch', '2-4-1', '--frame-width', '101'],
        /--frame-width must be an even integer from 200 to 4000, got '101'/,
      ],
      [['--dataset', 'xor', '--arch', '2-4-1', '--epochs', '50', '--snapshot-every', '1'], /make \d+ frames, more than --max-frames 400/],
      [['--dataset', 'xor', '--arch', '3-4-1'], /architecture '3-4-1' starts with 3 inputs but the data has 2/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('frameData', () => {
  // f(x) = 2·relu(x − 1) − 1 on [−2, 2]: pieces [−2, 1] with f = −1 (slope 0, intercept −1) and
  // [1, 2] with f = 2x − 3 (slope 2, intercept −3); lengths 3/4 and 1/4 of the interval.
  const net = buildNetwork(
    [1],
    [
      { type: 'dense', inputs: [0], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(-1) },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(2), bias: Float64Array.of(-1) },
    ],
  );
  it('gives each 1-D piece its slope and intercept in x (worked by hand)', () => {
    const fr = frameData(net, [-2, 2, 0, 1], { step: 0, epoch: 0, loss: null, metric: undefined });
    expect(fr.regions).toBe(2);
    expect(fr.linearRegions).toBe(2);
    const d = Array.from(fr.dual);
    expect(d[0]).toBeCloseTo(0, 12);
    expect(d[1]).toBeCloseTo(-1, 12);
    expect(d[2]).toBeCloseTo(0.75, 12);
    expect(d[3]).toBeCloseTo(2, 12);
    expect(d[4]).toBeCloseTo(-3, 12);
    expect(d[5]).toBeCloseTo(0.25, 12);
    expect(fr.cells[1]!.x0).toBeCloseTo(1, 12);
  });
});
