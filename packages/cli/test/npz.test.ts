/**
 * `--format npz`: every npz output is read by NumPy alone (Debian's /usr/bin/python3 with numpy,
 * `numpy.load` and nothing of ours) and compared, value by value, with the JSON output of the same
 * command (codes decoded from the packed bits/bytes against the JSON's code strings, CSR offsets
 * against the JSON's nested lists). A zip64 file (forced small) and an empty member are read too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { NpzBuilder } from '../src/npz.js';
import { runCli } from './run-cli.js';

const PYTHON = '/usr/bin/python3';
const hasNumpy = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import numpy'], { timeout: 30_000 }).status === 0;

/** Compares each npz with its JSON twin; prints one line per check and "ALL OK" at the end. */
const COMPARE = String.raw`
import json, sys
import numpy as np

def codes(z, keys):
    bits, units = int(z['code_bits']), int(z['code_units'])
    got = np.unpackbits(z['codes'], axis=-1, count=units) if bits == 1 else z['codes']
    want = np.array([[int(c, 36) for c in k.replace('|', '')] for k in keys], dtype=np.uint8).reshape(len(keys), units)
    assert got.shape == want.shape and (got == want).all(), 'codes differ'

def close(a, b, what):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert np.allclose(a, b, rtol=1e-12, atol=1e-12), what

def csr(z, name, lists, rowlen=None):
    off = z[name + '_offsets']
    assert off[0] == 0 and len(off) == len(lists) + 1, name
    for i, l in enumerate(lists):
        close(z[name][off[i]:off[i + 1]], l, name)

d = sys.argv[1]
# slice (with --jacobian)
z, j = np.load(d + '/s.npz'), json.load(open(d + '/s.json'))
R = len(j['regions'])
assert int(z['regions']) == j['summary']['regions'] == R > 20 and not bool(z['partial'])
off = z['vertex_offsets']
for i, r in enumerate(j['regions']):
    close(z['vertices'][off[i]:off[i + 1]], r['vertices'], 'slice vertices')
close(np.diff(off), z['vertex_counts'], 'vertex counts')
close(z['area'], [r['area'] for r in j['regions']], 'slice area')
close(z['map'], [r['map'] for r in j['regions']], 'slice map')
close(z['jacobian'], [r['jacobian'] for r in j['regions']], 'slice jacobian')
close(z['offset'], [r['offset'] for r in j['regions']], 'slice offset')
codes(z, [r['code'] for r in j['regions']])
close(z['box'], j['plane']['box'], 'box')
csr(z, 'boundary', j['boundary'])
close(z['total_area'], j['summary']['total_area'], 'total area')
assert str(z['plane_kind']) == j['plane']['kind']
print('slice ok', R, int(z['code_bits']))
# line
z, j = np.load(d + '/l.npz'), json.load(open(d + '/l.json'))
close(z['t0'], [p['t0'] for p in j['pieces']], 't0')
close(z['t1'], [p['t1'] for p in j['pieces']], 't1')
close(z['map'], [p['map'] for p in j['pieces']], 'line map')
close(z['breakpoints'], j['breakpoints'], 'breakpoints')
codes(z, [p['code'] for p in j['pieces']])
print('line ok', len(j['pieces']))
# affine
z, j = np.load(d + '/a.npz'), json.load(open(d + '/a.json'))
for k in ('jacobian', 'offset', 'output'):
    close(z[k], [p[k] for p in j['points']], 'affine ' + k)
codes(z, [p['code'] for p in j['points']])
assert [str(m) for m in z['mode']] == [p['mode'] for p in j['points']]
print('affine ok', len(j['points']))
# polytopes
z, j = np.load(d + '/p.npz'), json.load(open(d + '/p.json'))
codes(z, [r['code'] for r in j['regions']])
close(np.diff(z['facets_offsets']), [r['facets'] for r in j['regions']], 'facet counts')
csr(z, 'vertices', [r['vertices'] for r in j['regions']])
close(z['volume'], [r['volume'] for r in j['regions']], 'volume')
close(z['f_vector'], [r['f_vector'] for r in j['regions']], 'f-vector')
close(z['simplices'], [r['simplices'] for r in j['regions']], 'simplices')
print('polytopes ok', len(j['regions']))
# walk
z, j = np.load(d + '/w.npz'), json.load(open(d + '/w.json'))
codes(z, [r['code'] for r in j['regions']])
for k in ('interior_point', 'output', 'depth'):
    close(z[k], [r[k] for r in j['regions']], 'walk ' + k)
csr(z, 'facet_units', [r['facet_units'] for r in j['regions']])
csr(z, 'neighbours', [r['neighbours'] for r in j['regions']])
close(z['edges'], j['edges'], 'edges')
print('walk ok', len(j['regions']))
# zip64 and empty members
z = np.load(d + '/z64.npz')
close(z['x'], np.arange(10) / 4, 'zip64 x')
assert z['e'].shape == (0, 3) and z['rows'].shape == (3, 2) and z['rows'][2, 1] == 5
print('ALL OK')
`;

describe.skipIf(!hasNumpy)('npz outputs read by numpy.load', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-npz-'));
    // A 2-12-12-3 MLP; its second activation becomes hard-tanh, so codes take three states (one byte per unit).
    const net = JSON.parse(networkToJsonString(randomMlp([2, 12, 12, 3], { seed: 3 }))) as { layers: { type: string }[] };
    writeFileSync(join(dir, 'relu.json'), JSON.stringify(net));
    const hard = net.layers.filter((l) => l.type === 'relu')[1]!;
    hard.type = 'hardtanh';
    writeFileSync(join(dir, 'hard.json'), JSON.stringify(net));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('slice, line, affine, polytopes and walk: npz equals the JSON, no temporary files left', async () => {
    const runs: [string, string[]][] = [
      ['s', ['slice', 'hard.json', '--box', '-2,2,-2,2', '--jacobian', '--no-figure', '--threads', '2']],
      ['l', ['line', 'relu.json', '--from', '-2,-1', '--to', '2,1.5', '--no-figure']],
      ['a', ['affine', 'hard.json', '--inputs', 'pts.json']],
      ['p', ['polytopes', 'relu.json', '--box', '-2,2,-2,2', '--no-figure']],
      ['w', ['walk', 'relu.json', '--at', '0.1,0.2', '--max-regions', '15']],
    ];
    writeFileSync(
      join(dir, 'pts.json'),
      JSON.stringify([
        [0.1, 0.2],
        [-1, 0.5],
        [1.5, -1.5],
      ]),
    );
    for (const [name, args] of runs) {
      const j = await runCli([...args, '--json', `${name}.json`, '--quiet'], { cwd: dir });
      expect(j.code, j.stderr).toBe(0);
      // npz chosen by --format: the default-style .json path becomes .npz
      const z = await runCli([...args, '--json', `${name}.json`, '--format', 'npz', '--quiet'], { cwd: dir });
      expect(z.code, z.stderr).toBe(0);
    }
    const b = new NpzBuilder(join(dir, 'z64.npz'), true);
    b.array(
      'x',
      '<f8',
      [10],
      Float64Array.from({ length: 10 }, (_, i) => i / 4),
    )
      .declare('e', '<f8', [3])
      .declare('rows', '<i8', [2]);
    b.append('rows', new BigInt64Array([4n, 5n]), 1);
    b.append('rows', new BigInt64Array([0n, 1n, 2n, 3n]), 0);
    b.write(join(dir, 'z64.npz'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const r = spawnSync(PYTHON, ['-c', COMPARE, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr + r.stdout).toMatch(/ALL OK/);
    expect(r.stdout).toMatch(/slice ok \d+ 8/);
  });

  it('an .npz path alone selects npz; a bad --format is refused with exit 2', async () => {
    const z = await runCli(['line', 'relu.json', '--from', '0,0', '--to', '1,1', '--json', 'only.npz', '--no-figure', '--quiet'], {
      cwd: dir,
    });
    expect(z.code, z.stderr).toBe(0);
    const r = spawnSync(
      PYTHON,
      ['-c', `import numpy as np; z = np.load('${dir}/only.npz'); print(sorted(z.files)[:3], int(z['code_bits']))`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toMatch(/\['breakpoints', 'code_bits', 'code_units'\] 1/);
    const bad = await runCli(['line', 'relu.json', '--from', '0,0', '--to', '1,1', '--format', 'csv', '--quiet'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be json or npz/);
  });
});
