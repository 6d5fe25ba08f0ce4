import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNetwork, networkToJsonString } from '@polytope-lens/core';
import { runCli } from '../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-seeds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `polytope ...args` in-process through the shared runner (stdout captured too). */
const run = (...args: string[]) => runCli(args);

const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;

// h = (σ(x), σ(−x)), f = h (hand example of docs/seeds.md).
const fold = buildNetwork(
  [1],
  [
    { type: 'dense', inputs: [0], inFeatures: 1, outFeatures: 2, weight: new Float64Array([1, -1]), bias: new Float64Array(2) },
    { type: 'relu', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 2, weight: new Float64Array([1, 0, 0, 1]), bias: new Float64Array(2) },
  ],
);

describe('polytope seeds', () => {
  it('bounds: hand values and bad input', async () => {
    expect((await run('seeds', 'bounds', '--arch', '2-3-1', '--json', join(dir, 'b.json'), '--quiet')).code).toBe(0);
    expect(read('b.json')).toMatchObject({ upper: '7', upper_serra: '7', lower: '7' });
    const bad = await run('seeds', 'bounds', '--arch', '2x3', '--json', join(dir, 'b2.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--arch/);
  });

  it('cones: W = I, b = (−1, −1) has apex (1, 1); a singular W is refused', async () => {
    const r = await run('seeds', 'cones', '--weight', '1,0;0,1', '--bias=-1,-1', '--json', join(dir, 'c.json'), '--no-figure', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const c = read('c.json') as { apex: number[]; cones: { active: number[]; projection: number[] }[]; max_error: number };
    expect(c.apex).toEqual([1, 1]);
    expect(c.cones.find((k) => k.active.join() === '1,0')!.projection).toEqual([1, 0, 0, 0]);
    expect(c.max_error).toBeLessThan(1e-12);
    expect((await run('seeds', 'cones', '--weight', '1,2;2,4', '--bias', '0,0', '--json', join(dir, 'c2.json'), '--no-figure')).code).toBe(
      2,
    );
  });

  it('cost: the hand-derived decomposition of a given model and data', async () => {
    writeFileSync(join(dir, 'fold.json'), networkToJsonString(fold));
    writeFileSync(join(dir, 'data.json'), JSON.stringify({ points: [[1], [3], [-2], [-4]], labels: [0, 0, 1, 1] }));
    const r = await run(
      'seeds',
      'cost',
      join(dir, 'fold.json'),
      '--data',
      join(dir, 'data.json'),
      '--json',
      join(dir, 'k.json'),
      '--quiet',
    );
    expect(r.code, r.stderr).toBe(0);
    const k = read('k.json') as { cost: number; within: number; between: number; bound: { cost: number; realized_cost: number } };
    expect(k.cost).toBeCloseTo(7, 12);
    expect(k.within).toBeCloseTo(2, 12);
    expect(k.between).toBeCloseTo(5, 12);
    expect(k.bound.cost).toBeCloseTo(13 / 36, 12);
    expect(k.bound.realized_cost).toBeCloseTo(13 / 36, 12);
  });

  it('fig-4.1: the decision points are exact zeros of the trained net and lie in the gap between the classes', async () => {
    const r = await run('seeds', 'fig-4.1', '--epochs', '150', '--json', join(dir, 'f41.json'), '--no-figure', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const f = read('f41.json') as { train_accuracy: number; decision_points: number[]; check: number[] };
    expect(f.train_accuracy).toBe(1);
    expect(f.decision_points.length).toBe(2);
    for (const v of f.check) expect(Math.abs(v)).toBeLessThan(1e-9);
    // Inside class: |x| ≤ 0.5; outside: 0.75 ≤ |x| ≤ 1.25 — a perfect classifier's zeros lie in between.
    for (const x of f.decision_points) expect(Math.abs(x) > 0.5 && Math.abs(x) < 0.75).toBe(true);
  });

  it('fig-6.7: region counts grow with depth and never exceed the Eq. 2.26 bound', async () => {
    const r = await run('seeds', 'fig-6.7', '--arch', '3-3', '--epochs', '3', '--json', join(dir, 'f67.json'), '--no-figure', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const f = read('f67.json') as { layers: { regions: number; upper_bound: string }[] };
    expect(f.layers.length).toBe(2);
    expect(f.layers[1]!.regions).toBeGreaterThanOrEqual(f.layers[0]!.regions);
    for (const l of f.layers) expect(l.regions).toBeLessThanOrEqual(Number(l.upper_bound));
  });

  it('fig-6.7 --hand: layer 1 of the hand-built net cuts the box into 4 regions; every count within the Serra bound', async () => {
    // Layer 1: x₁ + 0.3x₂ + 0.1 = 0 and −0.4x₁ + x₂ + 0.2 = 0 meet at (−0.036, −0.214), inside [−1.2, 1.2]², both crossing the box: 4 regions.
    const r = await run('seeds', 'fig-6.7', '--hand', '--json', join(dir, 'f67h.json'), '--no-figure', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const f = read('f67h.json') as { train_accuracy: null; layers: { regions: number; upper_bound_serra: string }[] };
    expect(f.train_accuracy).toBeNull();
    expect(f.layers[0]!.regions).toBe(4);
    expect(f.layers.map((l) => l.upper_bound_serra)).toEqual(['4', '11', '30']);
    for (const l of f.layers) expect(l.regions).toBeLessThanOrEqual(Number(l.upper_bound_serra));
  });
});
