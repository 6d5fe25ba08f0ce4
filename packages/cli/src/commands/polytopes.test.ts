/**
 * End-to-end tests of `polytope polytopes` and `polytope walk` (in this process through `main()`,
 * one spawned smoke test; needs a build of both packages).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeKey, codeOffsets, forwardWithCode, networkToJsonString, randomMlp, readNetworkJson } from '@polytope-lens/core';
import { runCli as run, spawnCli } from '../../test/run-cli.js';
import { histogram, histogramSvg, parseBox } from './polytopes.js';

describe('polytope polytopes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polytope-polytopes-'));
  const model = join(dir, 'net.json');
  writeFileSync(model, networkToJsonString(randomMlp([3, 6, 6, 1], { seed: 4 })));

  it('writes the JSON summary, per-region geometry and histograms; --validate passes', async () => {
    const out = join(dir, 'p.json');
    const r = await run(['polytopes', model, '--box', '-1,1,-1,1,-1,1', '--json', out, '--validate', '--hit-and-run', '50', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.summary.regions).toBe(j.regions.length);
    expect(j.summary.total_volume).toBeCloseTo(8, 9);
    const reg = j.regions[0];
    for (const k of ['code', 'facets', 'vertices', 'f_vector', 'volume', 'simplices', 'estimated_facets']) expect(reg).toHaveProperty(k);
    expect(reg.f_vector[0] - reg.f_vector[1] + reg.f_vector[2]).toBe(2);
    expect(reg.vertices.length).toBe(reg.num_vertices);
    expect(existsSync(join(dir, 'p.svg'))).toBe(true);
    expect(existsSync(join(dir, 'p.png'))).toBe(true);
  });

  it('polytopes-max-regions (issues 12, 18 #11): stops after n finished regions and lists them, each checked by a forward pass', async () => {
    const full = join(dir, 'full.json');
    const part = join(dir, 'part.json');
    expect((await run(['polytopes', model, '--json', full, '--no-figure', '--quiet'])).code).toBe(0);
    const r = await run(['polytopes', model, '--json', part, '--no-figure', '--max-regions', '5']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stopped at --max-regions 5: 5 finished regions listed/);
    const j = JSON.parse(readFileSync(part, 'utf8'));
    const all = JSON.parse(readFileSync(full, 'utf8'));
    expect(j.summary).toMatchObject({ partial: true, max_regions: 5, regions: 5 });
    expect(j.regions).toHaveLength(5);
    expect(all.regions.length).toBeGreaterThan(5);
    // The listed regions are whole: the first five of the complete run (same depth-first order),
    // and each one's vertex centroid has the listed code under the network.
    expect(j.regions).toEqual(all.regions.slice(0, 5));
    const net = readNetworkJson(readFileSync(model, 'utf8'));
    const offsets = codeOffsets(net);
    for (const reg of j.regions as { code: string; vertices: number[][] }[]) {
      const c = new Float64Array(3);
      for (const v of reg.vertices) for (let i = 0; i < 3; i++) c[i]! += v[i]! / reg.vertices.length;
      expect(codeKey(forwardWithCode(net, c).code, offsets)).toBe(reg.code);
    }
  });

  it('rejects a box with the wrong number of values (exit 2)', () => {
    // The group's spawned smoke test: the real executable and its exit status.
    const r = spawnCli(['polytopes', model, '--box', '-1,1,-1,1', '--json', join(dir, 'bad.json'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--box needs 6 finite numbers/);
  });

  it('walks regions around a point', async () => {
    const out = join(dir, 'w.json');
    const r = await run(['walk', model, '--at', '0.1,0.2,0.3', '--domain', '-1,1', '--max-regions', '5', '--json', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.regions).toHaveLength(5);
    expect(j.summary.complete).toBe(false);
  });

  it('walk --lp-only (every row by an LP) finds the same regions, facets and adjacency', async () => {
    const fast = join(dir, 'wf.json');
    const lp = join(dir, 'wl.json');
    const args = ['walk', model, '--at', '0.1,0.2,0.3', '--domain', '-1,1', '--max-regions', '12', '--quiet'];
    expect((await run([...args, '--json', fast])).code).toBe(0);
    expect((await run([...args, '--lp-only', '--json', lp])).code).toBe(0);
    const a = JSON.parse(readFileSync(fast, 'utf8'));
    const b = JSON.parse(readFileSync(lp, 'utf8'));
    // The interior point (and the prediction there) depends on how the region was found; the rest may not.
    const geometry = (regions: Record<string, unknown>[]) =>
      regions.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !['interior_point', 'output', 'argmax'].includes(k))));
    expect(geometry(a.regions)).toEqual(geometry(b.regions));
    expect(a.edges).toEqual(b.edges);
    expect(a.summary.lps).toBeLessThan(b.summary.lps);
    expect(b.summary.certificates.ray_facets).toBe(0);
    // Each region's interior point lies in it: the network's code there is the region's code.
    const net = readNetworkJson(JSON.parse(readFileSync(model, 'utf8')));
    const offsets = codeOffsets(net);
    for (const r of a.regions as { code: string; interior_point: number[]; output: number[] }[]) {
      const { code, output } = forwardWithCode(net, r.interior_point);
      expect(codeKey(code, offsets)).toBe(r.code);
      r.output.forEach((v, k) => expect(v).toBeCloseTo(output[k]!, 12));
    }
  });
});

describe('helpers', () => {
  it('parseBox defaults to [-1, 1]^d and checks order', () => {
    expect(parseBox(undefined, 2)).toEqual([-1, 1, -1, 1]);
    expect(() => parseBox('1,0,0,1', 2)).toThrow(/lo 1 ≥ hi 0/);
  });
  it('histogram counts and draws bars', () => {
    expect(histogram([4, 5, 4, 6])).toEqual([
      [4, 2],
      [5, 1],
      [6, 1],
    ]);
    expect(histogramSvg('t', [[4, 2]], 'x')).toMatch(/^<svg[\s\S]*<rect[\s\S]*<\/svg>\n?$/);
  });
});
