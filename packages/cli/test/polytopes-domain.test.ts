/**
 * End-to-end tests of `polytope polytopes MODEL --domain FILE.json` (in this process through
 * `main()`; needs a build of both packages): a polytope domain A x ≤ b instead of the box, and its
 * errors (exit code 2). The polytopes group's spawned smoke test is in commands/polytopes.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { readDomainFile } from '../src/commands/polytopes.js';
import { runCli as run } from './run-cli.js';

describe('polytope polytopes --domain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polytope-domain-'));
  const model = join(dir, 'net.json');
  writeFileSync(model, networkToJsonString(randomMlp([3, 6, 6, 1], { seed: 4 })));
  /** Writes a domain file and returns its path. */
  const domainFile = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  // x_i ≥ −1 and x_0 + x_1 + x_2 ≤ 1, plus a redundant row: a simplex of volume 4³/6.
  const simplex = {
    A: [
      [-1, 0, 0],
      [0, -1, 0],
      [0, 0, -1],
      [1, 1, 1],
      [1, 0, 0],
    ],
    b: [1, 1, 1, 1, 5],
  };

  it('enumerates a simplex domain: volumes sum to it, validation and hit-and-run pass, rows are named', async () => {
    const out = join(dir, 'simplex.json');
    const r = await run([
      'polytopes',
      model,
      '--domain',
      domainFile('simplex-domain.json', simplex),
      '--json',
      out,
      '--validate',
      '--hit-and-run',
      '30',
      '--no-figure',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.summary.domain_volume).toBeCloseTo(64 / 6, 12);
    expect(j.summary.total_volume).toBeCloseTo(64 / 6, 9);
    expect(j.summary.regions).toBe(j.regions.length);
    expect(j.box).toBeNull();
    expect(j.domain.A).toEqual(simplex.A);
    expect(j.domain.b).toEqual(simplex.b);
    expect(j.domain.bounding_box).toEqual([-1, 3, -1, 3, -1, 3]);
    const names: string[] = j.regions.flatMap((x: { facet_constraints: string[] }) => x.facet_constraints);
    expect(names.some((n) => /^domain\[[0-3]\]$/.test(n))).toBe(true);
    expect(names).not.toContain('domain[4]');
    expect(names.some((n) => n.startsWith('box:'))).toBe(false);
    for (const reg of j.regions) expect(reg.estimated_facets).toBeLessThanOrEqual(reg.facets);
    expect(existsSync(join(dir, 'simplex.svg'))).toBe(false);
  });

  it('fails cleanly (exit 2, no output file) on conflicting options, a bad file and bad domains', async () => {
    const cube = (b: number[]) => ({
      A: [
        [1, 0, 0],
        [-1, 0, 0],
        [0, 1, 0],
        [0, -1, 0],
        [0, 0, 1],
        [0, 0, -1],
      ],
      b,
    });
    const cases: [string, string[], RegExp][] = [
      ['both', ['--box', '-1,1,-1,1,-1,1', '--domain', domainFile('ok.json', simplex)], /--box and --domain are mutually exclusive/],
      ['garbage', ['--domain', domainFile('garbage.json', '{"A": [[1, 0, 0]')], /--domain: .* is not valid JSON/],
      ['width', ['--domain', domainFile('width.json', { A: [[1, 0]], b: [1] })], /A\[0\] has 2 values, but the network has 3 inputs/],
      ['empty', ['--domain', domainFile('empty.json', cube([0, -1, 1, 1, 1, 1]))], /domain A x ≤ b is empty/],
      [
        'unbounded',
        [
          '--domain',
          domainFile('unbounded.json', {
            A: [
              [1, 0, 0],
              [0, 1, 0],
              [0, 0, 1],
            ],
            b: [1, 1, 1],
          }),
        ],
        /unbounded/,
      ],
      ['flat', ['--domain', domainFile('flat.json', cube([0, 0, 1, 1, 1, 1]))], /lower-dimensional/],
    ];
    const results = await Promise.all(
      cases.map(([name, args]) => run(['polytopes', model, ...args, '--json', join(dir, `bad-${name}.json`), '--quiet'])),
    );
    results.forEach((r, i) => {
      const [name, , msg] = cases[i]!;
      expect(r.stderr).toMatch(msg);
      expect(r.code).toBe(2);
      expect(existsSync(join(dir, `bad-${name}.json`))).toBe(false);
    });
  });

  it('readDomainFile names what is wrong with a domain file', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /must hold \{"A"/],
      [{ A: [[1, 0, 0]] }, /must hold \{"A"/],
      [{ A: [], b: [] }, /no rows in A/],
      [{ A: [1, 2, 3], b: [1, 2, 3] }, /A\[0\] is not an array/],
      [{ A: [[1, 0, 0]], b: [1, 2] }, /1 rows in A but 2 values in b/],
      [{ A: [[1, 'x', 0]], b: [1] }, /A\[0\]\[1\] is "x", not a finite number/],
      [{ A: [[1, 0, 0]], b: [null] }, /b\[0\] is null, not a finite number/],
    ];
    for (const [content, msg] of cases) expect(() => readDomainFile(domainFile('case.json', content), 3)).toThrow(msg);
    expect(() => readDomainFile(join(dir, 'missing.json'), 3)).toThrow(/--domain: file .* does not exist/);
    expect(readDomainFile(domainFile('fine.json', simplex), 3)).toEqual(simplex);
  });
});
