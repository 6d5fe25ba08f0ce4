/** End-to-end tests of `polytope boolean-train` (in this process through `main()`). */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-boolean-train-'));

describe('polytope boolean-train', () => {
  it('success: one cell per function × shape × activation, JSON and Markdown', async () => {
    const json = join(dir, 'success.json');
    const fns = join(dir, 'fns.json');
    writeFileSync(fns, JSON.stringify({ n: 4, classes: 2, representatives: [32768, 27030] }));
    const r = await runCli([
      'boolean-train',
      'success',
      '--functions-file',
      fns,
      '--widths',
      '1',
      '--depths',
      '1',
      '--acts',
      'leaky',
      '--trials',
      '6',
      '--epochs',
      '1000',
      '--quiet',
      '--json',
      json,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { cells: { f: number; successes: number }[] };
    // AND (32768) is linearly separable; 4-parity needs more than one monotone unit.
    expect(doc.cells.map((c) => [c.f, c.successes])).toEqual([
      [32768, 6],
      [27030, 0],
    ]);
    const md = readFileSync(join(dir, 'success.md'), 'utf8');
    expect(md).toContain('Table 3.3, leaky ReLU 0.1');
    expect(md).toContain('| 27030 | 0110100110010110 | 1 |');
    const svg = readFileSync(join(dir, 'success-fig3-5-leak0.1-worst.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('>0</text>'); // parity, the worst function at width 1: no successes
  });

  it('parity1d: the toy steady states and the Table 3.2 tally', async () => {
    const json = join(dir, 'p1d.json');
    const r = await runCli(['boolean-train', 'parity1d', '--count', '40', '--quiet', '--json', json]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { count: number; byLoss: Record<string, number> };
    expect(doc.count).toBe(40);
    expect(Object.values(doc.byLoss).reduce((a, b) => a + b, 0)).toBe(40);
    expect(readFileSync(join(dir, 'p1d.md'), 'utf8')).toContain('| a > 0 | (2, -1) | yes | 0 |');
  });

  it('prune: --precision f32 trains with the float32 kernels and records it; the verdicts match float64 on 2-parity', async () => {
    const run = async (precision: string) => {
      const json = join(dir, `prune-${precision}.json`);
      const args = ['boolean-train', 'prune', '--mode', 'wide', '--digits', '2', '--widths', '2-3', '--epochs', '1500'];
      const r = await runCli([...args, '--precision', precision, '--quiet', '--json', json]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(readFileSync(json, 'utf8')) as {
        precision: string;
        rows: { n: number; width: number; found: boolean; prunedWidth?: number; successes?: number; subnetworks?: number }[];
      };
      expect(doc.precision).toBe(precision);
      expect(readFileSync(json.replace(/\.json$/, '.md'), 'utf8')).toContain(precision === 'f32' ? 'float32 training' : 'float64 training');
      return doc.rows;
    };
    const [f64, f32] = [await run('f64'), await run('f32')];
    expect(f32).toHaveLength(2);
    expect(f32.some((r) => r.found)).toBe(true);
    expect(f32.map((r) => [r.n, r.width, r.found, r.prunedWidth])).toEqual(f64.map((r) => [r.n, r.width, r.found, r.prunedWidth]));
    for (const r of f32.filter((x) => x.found)) expect(r.successes!).toBeLessThanOrEqual(r.subnetworks!);
    const bad = await runCli(['boolean-train', 'prune', '--precision', 'f16']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  }, 60000);

  it('bad input: one line, exit 2', async () => {
    const a = await runCli(['boolean-train', 'success', '--functions', '27030', '--functions-file', 'x.json']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/exactly one of --functions/);
    const b = await runCli(['boolean-train', 'success', '--functions', '70000', '--json', join(dir, 'x.json')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/truth-table integers/);
    const c = await runCli(['boolean-train', 'parity1d', '--reduction', 'avg']);
    expect(c.code).toBe(2);
  });

  it('hypersphere: shards on worker threads kept in JSON.shards, resumed without recomputing; Fig. 4.8 as SVG and PNG', async () => {
    const json = join(dir, 'h.json');
    const args = ['boolean-train', 'hypersphere', '--dims', '2,3', '--leaks', '0.01', '--networks', '2', '--samples', '200'];
    const r = await runCli([...args, '--epochs', '3', '--threads', '2', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*h\.json/);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { rows: { dim: number; networks: number; atLeast: Record<string, number> }[] };
    expect(doc.rows.map((x) => [x.dim, x.networks])).toEqual([
      [2, 2],
      [3, 2],
    ]);
    for (const x of doc.rows) for (const v of Object.values(x.atLeast)) expect(v).toBeLessThanOrEqual(2);
    const svg = readFileSync(join(dir, 'h.svg'), 'utf8');
    expect(svg).toContain('leaky ReLU, leak 0.01');
    expect(readFileSync(join(dir, 'h.png')).subarray(1, 4).toString()).toBe('PNG');
    const shards = readdirSync(join(dir, 'h.shards', 'hypersphere'), { recursive: true }).filter((f) => String(f).endsWith('.json'));
    expect(shards.length).toBe(2);
    // The same protocol again: every shard comes from the store, the merged rows are identical.
    const again = await runCli([
      ...args,
      '--epochs',
      '3',
      '--threads',
      '1',
      '--json',
      join(dir, 'h2.json'),
      '--store',
      join(dir, 'h.shards'),
    ]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/2 of 2 shards reused/);
    const doc2 = JSON.parse(readFileSync(join(dir, 'h2.json'), 'utf8')) as typeof doc;
    expect(doc2.rows).toEqual(doc.rows);
  });

  it('highn: parity and XOR classes at n = 4, 5, per-trial points correct, Fourier metrics, Figs. 3.7–3.9; resumed from the shards', async () => {
    const json = join(dir, 'hn.json');
    const args = ['boolean-train', 'highn', '--dims', '4,5', '--classes', 'parity,xor', '--xor', '2', '--widths', '1,5', '--depths', '1'];
    const r = await runCli([...args, '--trials', '3', '--epochs', '300', '--threads', '1', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*hn\.json/);
    interface Doc {
      cells: { n: number; cls: string; f: string; width: number; successes: number; correct: number[] }[];
      functions: {
        n: number;
        cls: string;
        base: number | null;
        degree: number;
        totalInfluence: number;
        entropy: number;
        performance: number;
      }[];
      shapes: { cls: string; width: number; parityPredicted: boolean }[];
    }
    const doc = JSON.parse(readFileSync(json, 'utf8')) as Doc;
    expect(doc.cells).toHaveLength(2 * 3 * 2); // n = 4, 5 × (parity + 2 XOR classes) × widths 1 and 5
    for (const c of doc.cells) {
      expect(c.correct).toHaveLength(3);
      for (const v of c.correct) expect(v).toBeLessThanOrEqual(2 ** c.n);
      expect(c.successes).toBe(c.correct.filter((v) => v === 2 ** c.n).length);
    }
    // one leaky unit is monotone along its weight vector: it never separates 5-parity
    for (const c of doc.cells.filter((x) => x.cls === 'parity' && x.width === 1)) expect(c.successes).toBe(0);
    const parity = doc.functions.find((f) => f.cls === 'parity' && f.n === 5)!;
    expect([parity.degree, parity.totalInfluence, parity.entropy]).toEqual([5, 5, 0]);
    // the first XOR class is the constant 0: g = x₅, degree 1, influence 1, entropy 0
    expect(doc.functions.find((f) => f.cls === 'xor' && f.base === 0 && f.n === 5)).toMatchObject({
      degree: 1,
      totalInfluence: 1,
      entropy: 0,
    });
    // n ≤ wˡ: width 5 at n = 4 and 5, width 1 never
    expect(doc.shapes.filter((s) => s.cls === 'parity').map((s) => [s.width, s.parityPredicted])).toEqual([
      [1, false],
      [5, true],
      [1, false],
      [5, true],
    ]);
    const md = readFileSync(join(dir, 'hn.md'), 'utf8');
    expect(md).toContain('## Fig. 3.7, n = 5: success rate, 5-parity');
    expect(md).toMatch(/\| 1 \| 0\.00 \| \d\.\d\d\* \|/); // width 1 never, width 5 predicted
    expect(md).toContain('| 0 ⊕ x₅…xₙ | xor | 1 | 0.000 | 1.000 |');
    const f37 = readFileSync(join(dir, 'hn-fig3-7.svg'), 'utf8');
    expect(f37.match(/stroke="#d62728"/g)).toHaveLength(1); // one predicted cell outlined
    expect(readFileSync(join(dir, 'hn-fig3-8.svg'), 'utf8')).toContain('total influence');
    expect(readFileSync(join(dir, 'hn-fig3-9.svg'), 'utf8')).toContain('influence / n');
    const again = await runCli([
      ...args,
      '--trials',
      '3',
      '--epochs',
      '300',
      '--threads',
      '1',
      '--json',
      join(dir, 'hn2.json'),
      '--store',
      join(dir, 'hn.shards'),
    ]);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/12 of 12 shards reused/);
    expect((JSON.parse(readFileSync(join(dir, 'hn2.json'), 'utf8')) as Doc).cells).toEqual(doc.cells);
    const bad = await runCli(['boolean-train', 'highn', '--classes', 'parity,and']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--classes: 'and' is not parity, random or xor/);
    expect((await runCli(['boolean-train', 'highn', '--dims', '5-11'])).code).toBe(2);
    // one n: no Fig. 3.9 (it plots against n)
    const one = await runCli([
      'boolean-train',
      'highn',
      '--dims',
      '5',
      '--classes',
      'parity',
      '--widths',
      '5',
      '--depths',
      '1',
      '--trials',
      '1',
      '--epochs',
      '5',
      '--quiet',
      '--json',
      join(dir, 'one.json'),
    ]);
    expect(one.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('one-'))).toEqual(['one-fig3-7.svg', 'one-fig3-8.svg']);
  });
});
