/**
 * `polytope cross-section` (§6.3): on a hand-made 2-input net through its own plane the counts are
 * those derived by hand; the closest triple of a class over MNIST rows equals a brute-force search
 * over the IDX bytes read here; the figure is written; bad options get one-line errors (exit 2).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork, idxImages, idxLabels, networkToJsonString, randomMlp } from '@polytope-lens/core';
import { runCli } from '../../test/run-cli.js';
import { mnistDefaultPath } from '../inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-cross-section-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('polytope cross-section', () => {
  it('finds the hand-derived regions of f = relu(x₁) + 0·relu(x₁ − ½) + 2 relu(x₂) three ways', async () => {
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 3,
          weight: Float64Array.of(1, 0, 1, 0, 0, 1),
          bias: Float64Array.of(0, -0.5, 0),
        },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 3, outFeatures: 1, weight: Float64Array.of(1, 0, 2), bias: Float64Array.of(0) },
      ],
    );
    writeFileSync(join(dir, 'hand.json'), networkToJsonString(net));
    // The plane through (0,0), (1,0), (0,1) is the input plane itself (s = x₁, t = x₂).
    writeFileSync(
      join(dir, 'abc.json'),
      JSON.stringify([
        [0, 0],
        [1, 0],
        [0, 1],
      ]),
    );
    const out = join(dir, 'hand-cs.json');
    const r = await runCli([
      'cross-section',
      join(dir, 'hand.json'),
      '--inputs',
      join(dir, 'abc.json'),
      '--rows',
      '0,1,2',
      '--box',
      '-1,1,-1,1',
      '--grid',
      '20',
      '--tolerance',
      '1e-9',
      '--json',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.exact).toMatchObject({ regions: 6, linear_regions: 4, hit: 6, missed: 0 });
    expect(doc.codes).toMatchObject({ distinct: 6, components: 6, unmatched: 0 });
    expect(doc.jacobian).toMatchObject({ regions: 4, merging_regions: 2, merging_linear: 0, merged_exact: 4 });
    expect(doc.boundaries).toMatchObject({ code_changes: 60, missed: 20, missed_equal_maps: 20 });
    expect(existsSync(join(dir, 'hand-cs.svg'))).toBe(true);
    expect(existsSync(join(dir, 'hand-cs.png'))).toBe(true);
    expect(readFileSync(join(dir, 'hand-cs.svg'), 'utf8')).toContain('#d62728');
  });

  it('picks the closest triple of a class as a brute-force search over the IDX bytes does', async () => {
    writeFileSync(join(dir, 'm.json'), networkToJsonString(randomMlp([784, 8, 10], { seed: 2 })));
    const out = join(dir, 'closest.json');
    const r = await runCli([
      'cross-section',
      join(dir, 'm.json'),
      '--idx',
      'mnist',
      '--anchors',
      'closest',
      '--class',
      '1',
      '--rows',
      '0-199',
      '--box',
      '0,0.3,0,0.3',
      '--grid',
      '10',
      '--json',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const img = idxImages(new Uint8Array(readFileSync(mnistDefaultPath('test', 'images'))), 'mnist');
    const lab = idxLabels(new Uint8Array(readFileSync(mnistDefaultPath('test', 'labels'))), 'labels');
    const rows: number[] = [];
    for (let i = 0; i < 200; i++) if (lab[i] === 1) rows.push(i);
    const dist = (a: number, b: number) => {
      let s = 0;
      for (let k = 0; k < 784; k++) s += ((img.pixels[a * 784 + k]! - img.pixels[b * 784 + k]!) / 255) ** 2;
      return Math.sqrt(s);
    };
    let best = Infinity;
    let triple: number[] = [];
    for (let a = 0; a < rows.length; a++)
      for (let b = a + 1; b < rows.length; b++)
        for (let c = b + 1; c < rows.length; c++) {
          const p = dist(rows[a]!, rows[b]!) + dist(rows[a]!, rows[c]!) + dist(rows[b]!, rows[c]!);
          if (p < best) {
            best = p;
            triple = [rows[a]!, rows[b]!, rows[c]!];
          }
        }
    expect(doc.anchors.rows).toEqual(triple);
    expect(doc.anchors.perimeter).toBeCloseTo(best, 9);
    expect(doc.anchors.class).toBe(1);
  });

  it('rejects bad options with one line and exit 2', async () => {
    const m = join(dir, 'm.json');
    const cases: [string[], RegExp][] = [
      [['--idx', 'mnist', '--anchors', 'closest'], /--class/],
      [['--idx', 'mnist', '--rows', '0,1'], /exactly 3/],
      [['--idx', 'mnist', '--rows', '0,1,2', '--grid', '1'], /--grid/],
      [['--idx', 'mnist', '--rows', '0,1,2', '--tolerance', '-1'], /--tolerance/],
      [['--idx', 'mnist', '--anchors', 'nearest'], /--anchors/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['cross-section', m, ...args, '--json', join(dir, 'bad.json')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
