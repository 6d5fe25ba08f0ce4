/**
 * End-to-end tests of `polytope reproduce` on tiny protocols (in this process through `main()`, one
 * spawned smoke test; needs a build of both packages).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../test/run-cli.js';
import type { CliRun } from '../../test/run-cli.js';
import { annulusAverages } from './reproduce.js';

/** `polytope reproduce ...args`, in this process. */
function run(args: string[]): Promise<CliRun> {
  return runCli(['reproduce', ...args]);
}

/** Rows of the first Markdown table after `heading`, split into trimmed cells. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.slice(md.indexOf(heading)).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start; i < lines.length && lines[i]!.startsWith('|'); i++)
    rows.push(
      lines[i]!.split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return rows;
}

describe('polytope reproduce', () => {
  it('table-5.1 with --runs 2 writes a well-formed width × depth table', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-repro-')), 't51');
    // The group's spawned smoke test: the real executable and its exit status.
    const r = spawnCli([
      'reproduce',
      'table-5.1',
      '--runs',
      '2',
      '--max-epochs',
      '5',
      '--widths',
      '1-3',
      '--depths',
      '1,2',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, 'table-5.1.md'), 'utf8');
    expect(md).toContain('REDUCED protocol');
    const rows = tableAfter(md, '# Table 5.1');
    expect(rows[0]).toEqual(['width \\ depth', '1', '2']);
    expect(rows[1]).toEqual(['---', '---:', '---:']);
    expect(rows.slice(2).map((row) => row[0])).toEqual(['**1**', '**2**', '**3**']);
    for (const row of rows.slice(2)) for (const c of row.slice(1)) expect(c).toMatch(/^(1|2|–)$/);
    const json = JSON.parse(readFileSync(join(out, 'table-5.1.json'), 'utf8'));
    expect(json.cells).toHaveLength(6);
  });

  it('table-4.2 with --runs 2 writes Tables 4.2 and 4.3 over all 36 combinations', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-repro-')), 't42');
    const r = await run(['table-4.2', '--runs', '2', '--max-epochs', '2', '--quiet', '--out', out]);
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, 'table-4.2.md'), 'utf8');
    const t42 = tableAfter(md, '# Table 4.2');
    expect(t42[0]).toEqual(['loss', 'leak', 'batch', 'normalize', 'successes', 'of', 'per 100', 'mean epochs to 95 %']);
    expect(t42).toHaveLength(2 + 36);
    for (const row of t42.slice(2)) {
      expect(row).toHaveLength(8);
      expect(row[0]).toMatch(/^(MSE|BCE)$/);
      expect(Number(row[4])).toBeLessThanOrEqual(2);
      expect(row[5]).toBe('2');
    }
    const t43 = tableAfter(md, '# Table 4.3');
    expect(t43.slice(2).map((row) => `${row[0]}=${row[1]}`)).toEqual([
      'loss=MSE',
      'loss=BCE',
      'normalize=False',
      'normalize=True',
      'leak=0',
      'leak=0.01',
      'leak=0.1',
      'batch=10',
      'batch=100',
      'batch=1000',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'table-4.2.json'), 'utf8')).rows).toHaveLength(36);
  });

  it('averages each hyperparameter value over all other settings (Table 4.3)', () => {
    const rows = [
      { loss: 'mse' as const, leak: 0, batch: 10, normalize: false, successes: 1, runs: 2, meanEpochs: 3 },
      { loss: 'bce' as const, leak: 0, batch: 10, normalize: false, successes: 2, runs: 2, meanEpochs: 3 },
    ];
    expect(annulusAverages(rows)).toEqual([
      { parameter: 'loss', value: 'MSE', rate: 50 },
      { parameter: 'loss', value: 'BCE', rate: 100 },
      { parameter: 'normalize', value: 'False', rate: 75 },
      { parameter: 'leak', value: '0', rate: 75 },
      { parameter: 'batch', value: '10', rate: 75 },
    ]);
  });

  it('rejects bad options with exit code 2, a clear message and no output', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-repro-')), 'bad');
    const cases: [string[], RegExp][] = [
      [['table-9.9'], /unknown experiment 'table-9.9'; expected one of table-5.1, table-4.2, table-4.3/],
      [['table-5.1', '--runs', '0'], /--runs must be a positive integer, got '0'/],
      [['table-4.2', '--max-epochs', 'many'], /--max-epochs must be a positive integer, got 'many'/],
      [['table-5.1', '--widths', '3-1'], /--widths: '3-1' is outside 1…1000 or an empty range/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });
});
