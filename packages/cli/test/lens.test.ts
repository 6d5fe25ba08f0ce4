/**
 * End-to-end runs of `polytope lens codes|density|cluster|norms` on a small MNIST MLP and real
 * MNIST rows, in this process through `main()`; the bad-input case is the group's spawned smoke test.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run, spawnCli } from './run-cli.js';

describe('polytope lens', () => {
  // The lens commands take dense MLPs: train a tiny MNIST one for one epoch on 600 images.
  const dir = mkdtempSync(join(tmpdir(), 'polytope-lens-'));
  const model = join(dir, 'net', 'model.json');

  it('trains a small MNIST net to analyse', async () => {
    const r = await run([
      'train',
      '--dataset',
      'mnist',
      '--arch',
      '784-16-10',
      '--epochs',
      '1',
      '--limit',
      '600',
      '--out',
      join(dir, 'net'),
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(model)).toBe(true);
  });

  for (const [cmd, extra] of [
    ['codes', ['--idx', 'mnist', '--rows', '0-39']],
    ['density', ['--idx', 'mnist', '--rows', '0-59', '--pairs', '5']],
    ['cluster', ['--idx', 'mnist', '--rows', '0-99', '--k', '10', '--seed', '1']],
    ['norms', ['--idx', 'mnist', '--rows', '0-29']],
  ] as const) {
    it(`${cmd} writes JSON and figures`, async () => {
      const out = join(dir, `${cmd}.json`);
      const r = await run(['lens', cmd, model, ...extra, '--json', out, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      expect(typeof json).toBe('object');
      expect(Object.keys(json).length).toBeGreaterThan(0);
    });
  }

  it('rejects bad input with exit code 2 and no output', () => {
    // The group's spawned smoke test: the real executable and its exit status.
    const out = join(dir, 'bad.json');
    const r = spawnCli(['lens', 'codes', model, '--idx', 'mnist', '--rows', '99999', '--json', out]);
    expect(r.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
