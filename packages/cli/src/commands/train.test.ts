/**
 * End-to-end tests of `polytope train` (real files; in this process through `main()`, one spawned
 * smoke test; needs a build of both packages).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../test/run-cli.js';
import type { CliRun } from '../../test/run-cli.js';
import { forward, readNetworkJson } from '@polytope-lens/core';

/** `polytope train ...args`, in this process. */
function run(args: string[]): Promise<CliRun> {
  return runCli(['train', ...args]);
}

describe('polytope train', () => {
  it('trains XOR and writes model.json, model.onnx, metrics.json and snapshots', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-train-')), 'run');
    // The group's spawned smoke test: the real executable and its exit status.
    const r = spawnCli([
      'train',
      '--dataset',
      'xor',
      '--arch',
      '2-8-1',
      '--epochs',
      '30',
      '--seed',
      '3',
      '--snapshot-every',
      '200',
      '--normalize',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.train_accuracy).toBeGreaterThan(0.99);
    expect(metrics.test_accuracy).toBeGreaterThan(0.97);
    expect(metrics.loss).toHaveLength(30);
    const net = readNetworkJson(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')));
    // --normalize is folded in: the model reads raw coordinates through a leading channel_affine.
    expect(net.nodes[1]!.type).toBe('channel_affine');
    expect(forward(net, [3, -3])[0]).toBeGreaterThan(0); // one negative coordinate → class 1
    expect(readFileSync(join(out, 'model.onnx')).length).toBeGreaterThan(100);
    const snaps = readdirSync(join(out, 'snapshots')).sort();
    expect(snaps).toContain('step-0000000.json');
    expect(snaps).toContain('index.json');
    const index = JSON.parse(readFileSync(join(out, 'snapshots', 'index.json'), 'utf8'));
    expect(index[0].step).toBe(0);
    expect(index[index.length - 1].step).toBe(metrics.steps);
  });

  it('trains dense on a slice of the bundled MNIST with the normalization folded into the model', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-train-')), 'mnist');
    const r = await run(['--dataset', 'mnist', '--arch', 'linear', '--epochs', '1', '--limit', '512', '--quiet', '--out', out]);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.test_accuracy).toBeGreaterThan(0.5);
    expect(metrics.normalization.mean[0]).toBeCloseTo(0.13, 1);
    const net = readNetworkJson(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')));
    expect(net.inputShape).toEqual([1, 28, 28]);
    expect(net.nodes[1]!.type).toBe('channel_affine');
  });

  it('rejects bad options with exit code 2, a clear message and no output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-train-')), 'bad');
    const cases: [string[], RegExp][] = [
      [['--dataset', 'moons', '--arch', '2-8-1'], /unknown dataset 'moons'/],
      [['--dataset', 'xor', '--arch', 'resnet'], /unknown architecture 'resnet'/],
      [['--dataset', 'xor', '--arch', '2-8-1', '--lr', '-1'], /--lr must be a positive number, got '-1'/],
      [['--dataset', 'xor', '--arch', '2-8-1', '--epochs', '0'], /--epochs must be a positive integer, got '0'/],
      [['--dataset', 'sine', '--arch', '1-8-2'], /ends with 2 outputs but the task needs 1/],
      [['--dataset', 'fashion-mnist', '--arch', 'dense'], /fashion-mnist needs --data-dir/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});
