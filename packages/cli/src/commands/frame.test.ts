import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-frame-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process, capturing stdout and stderr. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'polytope', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** A 2→3 ReLU layer whose rows are the Mercedes-Benz frame scaled by 2, with bias b (then a 1-unit head). */
function mbNetwork(bias: number): string {
  const h = Math.sqrt(3) / 2;
  return JSON.stringify({
    format: 'polytope-lens/network@1',
    input: { shape: [2] },
    layers: [
      {
        type: 'dense',
        weight: [
          [0, 2],
          [-2 * h, -1],
          [2 * h, -1],
        ],
        bias: [bias, bias, bias],
      },
      { type: 'relu' },
      { type: 'dense', weight: [[1, 1, 1]], bias: [0] },
    ],
  });
}

describe('polytope frame bias', () => {
  it('tetrahedron: α = −1/√3, omnidirectional, figures written', async () => {
    const out = join(dir, 'tet.json');
    const r = await run(
      'frame',
      'bias',
      '--frame',
      'tetrahedron',
      '--json',
      out,
      '--mc',
      '4000',
      '--polytope-figure',
      join(dir, 'tet.svg'),
      '--bars-figure',
      join(dir, 'tet.png'),
    );
    expect(r.code).toBe(0);
    const j = json(out);
    expect(j['omnidirectional']).toBe(true);
    for (const a of j['alpha'] as number[]) expect(a).toBeCloseTo(-1 / Math.sqrt(3), 14);
    expect((j['facets'] as number[][]).length).toBe(4);
    expect(readFileSync(join(dir, 'tet.svg'), 'utf8')).toMatch(/^<svg/);
    expect(Array.from(readFileSync(join(dir, 'tet.png')).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]); // "PNG"
  });

  it('reads a JSON file of rows (a cube: 6 square facets) and ball+ marks free vectors as null', async () => {
    const s = 1 / Math.sqrt(3);
    const rows: number[][] = [];
    for (const a of [-1, 1]) for (const b of [-1, 1]) for (const c of [-1, 1]) rows.push([a * s, b * s, c * s]);
    writeFileSync(join(dir, 'cube.json'), JSON.stringify(rows));
    const out = join(dir, 'cube-out.json');
    const r = await run('frame', 'bias', '--frame', join(dir, 'cube.json'), '--domain', 'ball+', '--json', out, '--mc', '0', '--quiet');
    expect(r.code).toBe(0);
    const j = json(out);
    expect((j['facets'] as number[][]).every((f) => f.length === 4)).toBe(true);
    expect(j['simplicial']).toBe(false);
    expect((j['alpha'] as (number | null)[])[0]).toBe(null); // (−1,−1,−1)/√3 is on no facet meeting ℝ³₊
    expect(j['free']).toEqual([0]);
  });

  it('bad frames fail with exit code 2 and a message', async () => {
    writeFileSync(join(dir, 'ragged.json'), '[[1, 0], [0, 1, 2]]');
    let r = await run('frame', 'bias', '--frame', join(dir, 'ragged.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/row 1 has 3 entries but row 0 has 2/);
    writeFileSync(join(dir, 'flat.json'), '[[1, 0, 0], [0, 1, 0], [-1, -1, 0]]');
    r = await run('frame', 'bias', '--frame', join(dir, 'flat.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/span only a 2-dimensional subspace/);
    r = await run('frame', 'bias', '--frame', 'dodecahedron');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/neither a built-in frame nor an existing file/);
    r = await run('frame', 'bias', '--frame', 'tetrahedron', '--domain', 'cube');
    expect(r.code).toBe(2);
  });
});

describe('polytope frame inject / reconstruct', () => {
  it('icosahedron: injective at α^B = 0, not at 0.01 (exact check finds it)', async () => {
    const a = join(dir, 'inj-a.json');
    expect((await run('frame', 'inject', '--frame', 'icosahedron', '--json', a, '--samples', '2000', '--quiet')).code).toBe(0);
    expect(json(a)['injective']).toBe(true);
    const b = join(dir, 'inj-b.json');
    expect(
      (
        await run(
          'frame',
          'inject',
          '--frame',
          'icosahedron',
          '--shift',
          '0.01',
          '--json',
          b,
          '--samples',
          '2000',
          '--polytope-figure',
          join(dir, 'inj.svg'),
          '--quiet',
        )
      ).code,
    ).toBe(0);
    const jb = json(b);
    expect(jb['injective']).toBe(false);
    expect((jb['exact'] as Record<string, unknown>)['counterexample']).not.toBe(null);
  });

  it('tetrahedron reconstruction: ReLU to round-off, z·cos z O(1)', async () => {
    const out = join(dir, 'rec.json');
    const r = await run(
      'frame',
      'reconstruct',
      '--frame',
      'tetrahedron',
      '--points',
      '300',
      '--json',
      out,
      '--polytope-figure',
      join(dir, 'rec.svg'),
      '--quiet',
    );
    expect(r.code).toBe(0);
    const res = json(out)['results'] as { activation: string; max_error: number }[];
    expect(res[0]!.activation).toBe('relu');
    expect(res[0]!.max_error).toBeLessThan(1e-12);
    expect(res[1]!.max_error).toBeGreaterThan(0.1);
  });

  it('a network file: the layer bias decides (certified at b = 1, not injective at b = 0.8)', async () => {
    writeFileSync(join(dir, 'net-ok.json'), mbNetwork(1));
    writeFileSync(join(dir, 'net-bad.json'), mbNetwork(0.8));
    const ok = join(dir, 'net-ok-out.json');
    expect((await run('frame', 'inject', '--frame', join(dir, 'net-ok.json'), '--json', ok, '--samples', '2000', '--quiet')).code).toBe(0);
    expect(json(ok)['injective']).toBe(true);
    const bad = join(dir, 'net-bad-out.json');
    expect((await run('frame', 'inject', '--frame', join(dir, 'net-bad.json'), '--json', bad, '--samples', '2000', '--quiet')).code).toBe(
      0,
    );
    expect(json(bad)['injective']).toBe(false);
    const bias = join(dir, 'net-bias.json');
    expect((await run('frame', 'bias', '--frame', join(dir, 'net-ok.json'), '--json', bias, '--mc', '0', '--quiet')).code).toBe(0);
    const layer = json(bias)['layer'] as Record<string, unknown>;
    expect(layer['certified_injective']).toBe(true);
    for (const t of layer['minimal_bias'] as number[]) expect(t).toBeCloseTo(1, 14); // b ≥ −r‖w‖α^B = 2·0.5
  });
});

describe('polytope frame report', () => {
  it('writes the results table, figures and the model answer', async () => {
    writeFileSync(join(dir, 'net.json'), mbNetwork(1));
    const out = join(dir, 'report');
    const r = await run(
      'frame',
      'report',
      '--out',
      out,
      '--model',
      join(dir, 'net.json'),
      '--frames',
      'icosahedron,tetrahedron,mercedes-benz,random:3:12:1',
      '--mc',
      '2000',
      '--points',
      '200',
      '--samples',
      '2000',
      '--quiet',
    );
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| icosahedron | 3 | 12 | 20 | 0.00000000');
    expect(md).toContain('-0.57735027 -0.57735027 -0.57735027 -0.57735027');
    expect(md).toMatch(/## Reconstruction via facets/);
    expect(md).toContain('**Answer: yes.**');
    expect(existsSync(join(out, 'polytope-icosahedron.svg'))).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
  });
});
