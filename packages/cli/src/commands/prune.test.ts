/**
 * End-to-end tests of `polytope prune` (in this process through `main()`; needs a build): a tiny
 * seed-shaped CNN on a few MNIST images, the recorded accuracies checked against float64 forward()
 * of the written networks, and bad input.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  TrainableNetwork,
  architectureLayers,
  forward,
  idxImages,
  idxLabels,
  networkToJsonString,
  readNetworkJson,
  seededRandom,
} from '@polytope-lens/core';
import { runCli } from '../../test/run-cli.js';
import { mnistDefaultPath } from '../inputs.js';

const shape = [1, 28, 28];

const BIN = fileURLToPath(new URL('../../bin/polytope.js', import.meta.url));

/** A small complex-cnn (2 channels per conv layer unless given) with a folded normalization, written to a temporary folder. */
function tinyModel(dir: string, channels = 2): string {
  const net = new TrainableNetwork(shape, architectureLayers('complex-cnn', shape, 10, { channels }), {
    random: seededRandom(4),
    dtype: 'float64',
  });
  const path = join(dir, 'tiny.json');
  writeFileSync(path, networkToJsonString(net.toNetwork({ inputTransform: { scale: [1 / 0.3], shift: [-0.1 / 0.3] } })));
  return path;
}

/** Independent accuracy: forward() of a written network on MNIST test rows 0 … n−1 (pixel / 255). */
function mnistAccuracy(path: string, n: number): number {
  const net = readNetworkJson(JSON.parse(readFileSync(path, 'utf8')));
  const img = idxImages(new Uint8Array(readFileSync(mnistDefaultPath('test', 'images'))), 'test');
  const labels = idxLabels(new Uint8Array(readFileSync(mnistDefaultPath('test', 'labels'))), 'labels');
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const x = Array.from(img.pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
    const out = forward(net, x);
    let best = 0;
    for (let j = 1; j < out.length; j++) if (out[j]! > out[best]!) best = j;
    if (best === labels[i]) ok++;
  }
  return ok / n;
}

/** Runs the CLI binary in `cwd` and sends SIGINT once `ready()` holds; resolves with its exit code, stderr and when the signal went. */
async function interruptWhen(
  cwd: string,
  args: string[],
  ready: () => boolean,
): Promise<{ code: number | null; signal: string | null; stderr: string; sentAt: number }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let sentAt = 0;
  const done = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  const poll = setInterval(() => {
    if (sentAt === 0 && ready()) {
      sentAt = Date.now();
      child.kill('SIGINT');
    }
  }, 20);
  const [code, signal] = await done;
  clearInterval(poll);
  return { code, signal, stderr, sentAt };
}

describe('polytope prune', () => {
  it('prunes a given model both ways; recorded accuracies equal forward() of the written networks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-'));
    const model = tinyModel(dir);
    const json = join(dir, 'p.json');
    const args = [
      '--limit',
      '60',
      '--select-rows',
      '20',
      '--test-rows',
      '40',
      '--fractions',
      '0.5',
      '--max-steps',
      '2',
      '--stop-below',
      '0',
    ];
    const r = await runCli([
      'prune',
      model,
      ...args,
      '--lr',
      '0.01',
      '--similarity-rows',
      '8',
      '--threads',
      '1',
      '--json',
      json,
      '--models',
      join(dir, 'm'),
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.steps.map((s: { method: string }) => s.method)).toEqual(['original', 'magnitude', 'structural', 'structural']);
    const total = doc.steps[0].weights;
    expect(total).toBe(2 * 9 + 2 * 2 * 9 * 2 + 2 * 10);
    expect(doc.steps[1].weights).toBe(Math.round(0.5 * total));
    expect(doc.steps.map((s: { channels: number[] }) => s.channels.reduce((a, b) => a + b))).toEqual([6, 6, 5, 4]);
    for (const step of doc.steps) {
      expect(step.test_accuracy).toBe(mnistAccuracy(join(dir, 'm', step.model_file), 40));
      expect(step.similarity.samples).toBe(8);
    }
    // The original compared with itself: the affine maps are the identity, CKA 1.
    expect(doc.steps[0].similarity.cka).toBeCloseTo(1, 9);
    expect(doc.complete).toBe(true);
    expect(readFileSync(join(dir, 'p.svg'), 'utf8')).toContain('structural pruning');
    expect(readFileSync(join(dir, 'p.png')).length).toBeGreaterThan(1000);
  });

  it.each([
    [['--fractions', '1.5'], '--fractions'],
    [['--fractions', '0.5,x'], '--fractions'],
    [['--stop-below', '2'], '--stop-below'],
    [['--select-rows', '0'], '--select-rows'],
    [['--fine-tune-epochs', '-1'], '--fine-tune-epochs'],
    [['--dataset', 'xor'], 'image dataset'],
    [['--limit', '59900', '--select-rows', '500'], 'training images'],
    [['--test-rows', '10001'], 'test set has 10000'],
    [['missing.json'], 'does not exist'],
  ])('bad input %j: one line, exit 2', async (extra, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-bad-'));
    const model = extra[0]!.startsWith('--') ? [tinyModel(dir)] : [];
    const r = await runCli(['prune', ...model, ...extra, '--json', join(dir, 'x.json'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('Ctrl-C after the first recorded step (partial JSON written): exit 130 within a second, nothing left (as every command)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-int-'));
    const model = tinyModel(dir, 8);
    const args = ['prune', model, '--limit', '1000', '--select-rows', '50', '--test-rows', '50', '--fractions', '', '--stop-below', '0'];
    const { code, signal, stderr, sentAt } = await interruptWhen(
      dir,
      [...args, '--similarity-rows', '0', '--json', 'p.json', '--quiet'],
      () => existsSync(join(dir, 'p.json')),
    );
    expect(sentAt).toBeGreaterThan(0);
    // Status 130, or death by SIGINT when the command thread was stuck (the supervisor's fallback): a shell reports both as 130.
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(stderr).toMatch(/cancelled/);
    expect(existsSync(join(dir, 'p.json'))).toBe(false);
  }, 30000);

  /** The steps of an output without its timings (they differ between runs). */
  const untimed = (path: string) =>
    (JSON.parse(readFileSync(path, 'utf8')) as { steps: Record<string, unknown>[] }).steps.map((step) =>
      Object.fromEntries(Object.entries(step).filter(([key]) => !key.endsWith('_seconds'))),
    );

  it('--state: a run extended from --max-steps 1 to 2 equals one run of 2 steps; other settings are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-state-'));
    const model = tinyModel(dir);
    const common = ['prune', model, '--limit', '60', '--select-rows', '20', '--test-rows', '40', '--fractions', '0.5', '--stop-below', '0'];
    const tail = (name: string) => [
      '--similarity-rows',
      '8',
      '--threads',
      '1',
      '--json',
      join(dir, `${name}.json`),
      '--models',
      join(dir, name),
      '--quiet',
    ];
    expect((await runCli([...common, '--max-steps', '2', ...tail('whole')])).code).toBe(0);
    const state = join(dir, 'state');
    const first = await runCli([...common, '--max-steps', '1', '--state', state, ...tail('first')]);
    expect(first.stderr).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8')).resumed_steps).toBe(0);
    const second = await runCli([...common, '--max-steps', '2', '--state', state, ...tail('second')]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'second.json'), 'utf8'));
    expect(doc.resumed_steps).toBe(3); // original, magnitude 0.5, structural 1
    expect(doc.complete).toBe(true);
    expect(untimed(join(dir, 'second.json'))).toEqual(untimed(join(dir, 'whole.json')));
    for (const file of ['original.json', 'magnitude-0.5.json', 'structural-001.json', 'structural-002.json'])
      expect(readFileSync(join(dir, 'second', file), 'utf8')).toBe(readFileSync(join(dir, 'whole', file), 'utf8'));
    const other = await runCli([...common, '--max-steps', '2', '--lr', '0.01', '--state', state, ...tail('third')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/other settings: lr \(earlier 0.001, now 0.01\)/);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
  }, 60000);

  it('--state survives Ctrl-C (the outputs do not); the rerun goes on and ends as a run never stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-int-state-'));
    const model = tinyModel(dir, 3);
    const args = ['prune', model, '--limit', '300', '--select-rows', '30', '--test-rows', '50', '--fractions', '0.5', '--stop-below', '0'];
    // After the magnitude step (the second record), in the structural loop.
    const state = join(dir, 'st', 'state.json');
    const { code, signal, sentAt } = await interruptWhen(
      dir,
      [...args, '--similarity-rows', '0', '--state', 'st', '--json', 'p.json', '--quiet'],
      () => existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).steps.length >= 2,
    );
    expect(sentAt).toBeGreaterThan(0);
    // Status 130, or death by SIGINT when the command thread was stuck (the supervisor's fallback): a shell reports both as 130.
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(existsSync(join(dir, 'p.json'))).toBe(false);
    const kept = JSON.parse(readFileSync(join(dir, 'st', 'state.json'), 'utf8')).steps.length;
    expect(kept).toBeGreaterThanOrEqual(2);
    const rest = ['--similarity-rows', '0', '--max-steps', '2', '--threads', '1', '--quiet'];
    const resumed = await runCli([...args, ...rest, '--state', join(dir, 'st'), '--json', join(dir, 'r.json')]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).resumed_steps).toBe(Math.min(kept, 4));
    expect((await runCli([...args, ...rest, '--json', join(dir, 'w.json')])).code).toBe(0);
    expect(untimed(join(dir, 'r.json'))).toEqual(untimed(join(dir, 'w.json')));
  }, 60000);

  it('--state keeps the base network it trained: the rerun reads it instead of training again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-prune-base-'));
    const args = ['prune', '--train-epochs', '1', '--limit', '40', '--select-rows', '10', '--test-rows', '20', '--fractions', '0.5'];
    const rest = ['--no-structural', '--similarity-rows', '0', '--state', join(dir, 'st')];
    const first = await runCli([...args, ...rest, '--json', join(dir, 'a.json')]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/prune: trained complex-cnn 1 epochs on 40 images/);
    const second = await runCli([...args, ...rest, '--json', join(dir, 'b.json')]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/base network trained earlier .* read from --state/);
    expect(second.stderr).not.toMatch(/prune: trained/);
    const a = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
    expect(b.resumed_steps).toBe(2);
    expect(b.timing.base_training_seconds).toBe(a.timing.base_training_seconds);
    expect(untimed(join(dir, 'b.json'))).toEqual(untimed(join(dir, 'a.json')));
  }, 60000);
});
