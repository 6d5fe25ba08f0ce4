/**
 * `polytope view RESULT.npz` (issue 17): the page drawn from a slice, line or polytopes `.npz` holds
 * the same cells as the page drawn from the JSON output of the same command — same polygons, areas
 * or volumes, affine maps, codes (the JSON's without its '|' separators), boundary polylines and
 * summary counts. The JSON writer and the npz writer + the view's npz reader are separate code paths.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { runCli } from './run-cli.js';

interface Cell {
  poly: number[][];
  key: string;
  info: Record<string, string | number>;
}
interface Model {
  kind: string;
  box: number[];
  cells: Cell[];
  lines: number[][][];
  summary: Record<string, unknown>;
}

/** The model embedded in a view page. */
function pageModel(path: string): Model {
  const html = readFileSync(path, 'utf8');
  const m = /<script id="data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!.replace(/\\u003c/g, '<')) as Model;
}

/** Numbers equal to the JSON's 15 significant digits; everything else equal. */
function expectClose(a: unknown, b: unknown, what: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) > 1e-13 * Math.max(1, Math.abs(a), Math.abs(b))) expect([what, a]).toEqual([what, b]);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect([what, a.length]).toEqual([what, b.length]);
    a.forEach((v, i) => expectClose(v, b[i], `${what}[${i}]`));
    return;
  }
  expect([what, a]).toEqual([what, b]);
}

function expectSameModel(fromNpz: Model, fromJson: Model): void {
  expect(fromNpz.kind).toBe(fromJson.kind);
  expectClose(fromNpz.box, fromJson.box, 'box');
  expect(fromNpz.cells.length).toBe(fromJson.cells.length);
  fromNpz.cells.forEach((c, i) => {
    const j = fromJson.cells[i]!;
    expectClose(c.poly, j.poly, `cell ${i} polygon`);
    expect(c.key).toBe(j.key.replace(/\|/g, ''));
    for (const k of ['area', 'volume', 'map', 't0', 't1', 'facets', 'vertices'])
      if (k in j.info) expectClose(c.info[k], j.info[k], `cell ${i} ${k}`);
  });
  expectClose(fromNpz.lines, fromJson.lines, 'lines');
}

describe('polytope view of .npz results', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-view-npz-'));
    writeFileSync(join(dir, 'net.json'), networkToJsonString(randomMlp([2, 8, 8, 3], { seed: 11 })));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    const r = await runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  };

  it('slice: the same cells, maps, codes, boundary and counts as from the JSON', async () => {
    const net = join(dir, 'net.json');
    for (const ext of ['json', 'npz']) {
      await run(['slice', net, '--box', '-2,2,-2,2', '--json', join(dir, `s.${ext}`), '--no-figure', '--quiet']);
      await run(['view', join(dir, `s.${ext}`), '--out', join(dir, `s-${ext}.html`), '--quiet']);
    }
    const a = pageModel(join(dir, 's-npz.html'));
    const b = pageModel(join(dir, 's-json.html'));
    expect(b.cells.length).toBeGreaterThan(10);
    expect(b.lines.length).toBeGreaterThan(0);
    expectSameModel(a, b);
    expect(a.summary['regions']).toBe(b.summary['regions']);
    expect(a.summary['linear_regions']).toBe(b.summary['linear_regions']);
  });

  it('line and polytopes: the same pieces and polytopes as from the JSON', async () => {
    const net = join(dir, 'net.json');
    for (const ext of ['json', 'npz']) {
      await run(['line', net, '--from', '-2,-1.5', '--to', '2,1.7', '--json', join(dir, `l.${ext}`), '--no-figure', '--quiet']);
      await run(['view', join(dir, `l.${ext}`), '--out', join(dir, `l-${ext}.html`), '--quiet']);
      await run(['polytopes', net, '--box', '-2,2,-2,2', '--json', join(dir, `p.${ext}`), '--no-figure', '--quiet']);
      await run(['view', join(dir, `p.${ext}`), '--out', join(dir, `p-${ext}.html`), '--quiet']);
    }
    const lb = pageModel(join(dir, 'l-json.html'));
    expect(lb.cells.length).toBeGreaterThan(2);
    expectSameModel(pageModel(join(dir, 'l-npz.html')), lb);
    const pb = pageModel(join(dir, 'p-json.html'));
    expect(pb.cells.length).toBeGreaterThan(10);
    expectSameModel(pageModel(join(dir, 'p-npz.html')), pb);
  });

  it('refuses a summary-only npz and a non-result npz with one line', async () => {
    const net = join(dir, 'net.json');
    await run(['slice', net, '--box', '-2,2,-2,2', '--json', join(dir, 'sum.npz'), '--summary-only', '--no-figure', '--quiet']);
    const r = await runCli(['view', join(dir, 'sum.npz')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--summary-only/);
    await run(['affine', net, '--at', '0.1,0.2', '--json', join(dir, 'a.npz'), '--quiet']);
    const q = await runCli(['view', join(dir, 'a.npz')]);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/not a slice, line or polytopes npz/);
  });
});
