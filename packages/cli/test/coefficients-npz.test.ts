/**
 * `coefficients --format npz`: one streamed DIR/coefficients.npz whose `jacobians`, `offsets` and
 * `labels`, read by NumPy alone (Debian's /usr/bin/python3), equal the `.npy` shards and labels the
 * default format writes for the same samples (three shards, so the streaming joins them in order).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { runCli } from './run-cli.js';

const PYTHON = '/usr/bin/python3';
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { timeout: 30_000 }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'polytope-coefficients-npz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHECK = `
import json, sys, numpy as np
d = sys.argv[1]
z = np.load(d + '/z/coefficients.npz')
m = json.load(open(d + '/n/coefficients.json'))
J = np.concatenate([np.load(d + '/n/' + s['jacobians']) for s in m['shards']])
Y = np.concatenate([np.load(d + '/n/' + s['offsets']) for s in m['shards']])
assert z['jacobians'].shape == (25, 10, 784), z['jacobians'].shape
assert np.array_equal(z['jacobians'], J) and np.array_equal(z['offsets'], Y)
assert np.array_equal(z['labels'], np.load(d + '/n/labels.npy'))
print('ok')
`;

describe.skipIf(!hasNumpy)('coefficients --format npz', () => {
  it('equals the .npy shards, read with numpy.load alone; a bad --format is refused', async () => {
    writeFileSync(join(dir, 'm.json'), networkToJsonString(randomMlp([784, 16, 10], { seed: 1 })));
    const base = [
      'coefficients',
      join(dir, 'm.json'),
      '--idx',
      'mnist',
      '--rows',
      '0-24',
      '--shard-rows',
      '10',
      '--threads',
      '1',
      '--quiet',
    ];
    const z = await runCli([...base, '--out', join(dir, 'z'), '--format', 'npz']);
    expect(z.code, z.stderr).toBe(0);
    expect(readdirSync(join(dir, 'z'))).toEqual(['coefficients.npz']);
    const n = await runCli([...base, '--out', join(dir, 'n')]);
    expect(n.code, n.stderr).toBe(0);
    const r = spawnSync(PYTHON, ['-c', CHECK, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout + r.stderr).toContain('ok');
    const bad = await runCli([...base, '--out', join(dir, 'b'), '--format', 'csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be npy or npz/);
  });
});
