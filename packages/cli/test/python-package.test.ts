// The Python package (python/, docs/python.md): runs its unittest modules with Debian's Python
// (/usr/bin/python3 with python3-torch, -onnx, -numpy, -matplotlib, -nbclient, -ipykernel; .ci/run
// installs them), one test per module, so the suite counts them. The engine bundle
// (python/polytope_lens/engine/) is written by `npm ci` (prepare → scripts/bundle-engine.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const testDir = join(root, 'python/tests');

function runModule(module: string): void {
  const r = spawnSync('/usr/bin/python3', ['-m', 'unittest', module], {
    cwd: testDir,
    encoding: 'utf8',
    timeout: 150_000,
    // /usr/bin first: the notebook's kernel and the CLI's node are found on PATH.
    env: {
      ...process.env,
      PATH: `/usr/bin:${process.env.PATH ?? ''}`,
      PYTHONPATH: join(root, 'python'),
      MPLBACKEND: 'Agg',
      POLYTOPE_LENS_NODE: process.execPath,
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
    },
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0) console.error(`python -m unittest ${module} (exit ${r.status}, signal ${r.signal}):\n${output}`);
  expect(r.status, output.slice(-4000)).toBe(0);
  expect(output).toMatch(/\nOK/);
}

describe('python package (polytope_lens)', () => {
  it('has its bundled engine', () => {
    expect(existsSync(join(root, 'python/polytope_lens/engine/engine.mjs'))).toBe(true);
  });
  for (const module of ['test_engine', 'test_torch', 'test_install', 'test_notebook'])
    it(module, { timeout: 160_000 }, () => runModule(module));
});
