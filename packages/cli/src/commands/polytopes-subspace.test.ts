/**
 * End-to-end tests of `polytope polytopes` on a k-D subspace (any network): --through with MNIST
 * images through a PyTorch-exported CNN, --origin/--dirs, and bad input.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeKey, codeOffsets, forwardWithCode, prepareNetwork, readOnnx } from '@polytope-lens/core';
import { runCli as run } from '../../test/run-cli.js';

const CNN28 = fileURLToPath(new URL('../../../../examples/onnx/cnn28.onnx', import.meta.url));

describe('polytope polytopes on a subspace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polytope-subspace-'));

  it('--idx mnist --rows (4 images, a 3-D subspace) through cnn28.onnx: JSON with geometry, maps, hit-and-run; --validate passes', async () => {
    const out = join(dir, 's.json');
    const r = await run([
      'polytopes',
      CNN28,
      '--idx',
      'mnist',
      '--rows',
      '0,1,2,3',
      '--box',
      // Inside the tetrahedron: at an image itself (t = 0) background max-pool windows tie, and
      // their pieces meet there like a central arrangement (thousands of polytopes in any box at A).
      '0.25,0.251,0.25,0.251,0.25,0.251',
      '--json',
      out,
      '--validate',
      '--hit-and-run',
      '30',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.summary.subspace_dim).toBe(3);
    expect(j.summary.regions).toBe(j.regions.length);
    expect(j.summary.regions).toBeGreaterThan(1);
    expect(j.summary.total_volume).toBeCloseTo(0.001 ** 3, 15);
    const reg = j.regions[0];
    for (const k of ['code', 'facets', 'facet_constraints', 'vertices', 'f_vector', 'volume', 'simplices', 'map', 'estimated_facets'])
      expect(reg).toHaveProperty(k);
    expect(reg.f_vector[0] - reg.f_vector[1] + reg.f_vector[2]).toBe(2);
    expect(reg.map.length).toBe(10);
    // Independent check: the forward pass at a region's interior point has its code.
    const net = prepareNetwork(readOnnx(readFileSync(CNN28)));
    const A = j.subspace.origin as number[];
    const D = j.subspace.dirs as number[][];
    const x = A.map((a, i) => a + D.reduce((s, dj, q) => s + dj[i]! * reg.interior[q], 0));
    expect(codeKey(forwardWithCode(net, x).code, codeOffsets(net))).toBe(reg.code);
  });

  it('--origin with --dirs (2 directions = the slice plane) and --max-regions', async () => {
    const out = join(dir, 'o.json');
    const zero = new Array(784).fill(0.3).join(',');
    const e = (i: number) => Array.from({ length: 784 }, (_, q) => (q === i ? 1 : 0)).join(',');
    const r = await run([
      'polytopes',
      CNN28,
      '--origin',
      zero,
      '--dirs',
      `${e(300)};${e(400)}`,
      '--json',
      out,
      '--max-regions',
      '3',
      '--no-figure',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.summary.subspace_dim).toBe(2);
    expect(j.regions.length).toBeLessThanOrEqual(3);
  });

  it('bad input exits 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--origin', '0'], /--origin and --dirs go together/],
      [['--through', '1,2;3,4', '--dirs', '1'], /not both/],
      [['--idx', 'mnist', '--rows', '0'], /2…7/],
      [['--idx', 'mnist', '--rows', '0,1,2,3', '--box', '0,1'], /--box needs 6 finite numbers/],
      [['--idx', 'mnist', '--rows', '0,0,1'], /span/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(['polytopes', CNN28, ...args, '--json', join(dir, 'bad.json'), '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n').length).toBe(1);
    }
  });
});
