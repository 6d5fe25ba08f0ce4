import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forward, readNetworkJson } from '@polytope-lens/core';
import { runCli } from '../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-boolean-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;

describe('polytope boolean / minimal', () => {
  it('npn --n 3 lists 14 representatives; n = 5 gives the Burnside count', async () => {
    const out = join(dir, 'npn3.json');
    expect((await runCli(['boolean', 'npn', '--n', '3', '--json', out, '--quiet'])).code).toBe(0);
    const j = json(out);
    expect(j.classes).toBe(14);
    expect((j.representatives as number[]).slice(0, 4)).toEqual([0, 1, 3, 6]);
    const out5 = join(dir, 'npn5.json');
    expect((await runCli(['boolean', 'npn', '--n', '5', '--sample', '50', '--json', out5, '--quiet'])).code).toBe(0);
    expect(json(out5).classes).toBe(616126);
    // without --sample: every class enumerated (about 2 s), checked against Burnside inside the command
    const reps = join(dir, 'npn5-reps.json');
    expect((await runCli(['boolean', 'npn', '--n', '5', '--json', out5, '--representatives', reps, '--quiet'])).code).toBe(0);
    expect(json(out5)).toMatchObject({ classes: 616126, burnside: 616126 });
    const list = JSON.parse(readFileSync(reps, 'utf8')) as number[];
    expect([list.length, list[0], list[1], list[list.length - 1]! < 2 ** 32]).toEqual([616126, 0, 1, true]);
  });

  it('stats of XOR and of the bent function; bad tables exit 2', async () => {
    const out = join(dir, 's.json');
    expect((await runCli(['boolean', 'stats', '6', '--n', '2', '--json', out, '--quiet'])).code).toBe(0);
    expect(json(out)).toMatchObject({ swaps: 2, degree: 2, influence: 2, entropy: 0, npn_class: 6 });
    // x₁x₂ ⊕ x₃x₄: rows 3, 7, 11 (digits 0011, 0111, 1011) and 12, 13, 14 are true → 0x7888
    expect((await runCli(['boolean', 'stats', '0x7888', '--n', '4', '--json', out, '--quiet'])).code).toBe(0);
    expect(json(out).entropy).toBe(4);
    expect((await runCli(['boolean', 'stats', '99', '--n', '2', '--json', out, '--quiet'])).code).toBe(2);
  });

  it('construct writes a width-2 network that classifies every row', async () => {
    const out = join(dir, 'c.json');
    const r = await runCli(['boolean', 'construct', '0x6996', '--n', '4', '--kind', 'width2', '--json', out, '--quiet']);
    expect(r.code).toBe(0);
    const net = readNetworkJson(readFileSync(out, 'utf8'));
    for (let k = 0; k < 16; k++) {
      const x = [3, 2, 1, 0].map((p) => 2 * ((k >> p) & 1) - 1);
      expect(forward(net, x)[0]! > 0).toBe(((0x6996 >> k) & 1) === 1);
    }
    expect(json(join(dir, 'c-check.json')).hidden_widths).toEqual([2, 2, 2, 2]);
  });

  it('minimal hypersphere --n 2-3 matches Eq. 4.1–4.4', async () => {
    const out = join(dir, 'm.json');
    expect((await runCli(['minimal', 'hypersphere', '--n', '2-3', '--json', out, '--quiet'])).code).toBe(0);
    const rows = json(out).rows as { n: number; construction: string; outer_inner_ratio: number }[];
    const get = (n: number, c: string) => rows.find((r) => r.n === n && r.construction === c)!.outer_inner_ratio;
    expect(get(2, 'hyperoctahedron')).toBeCloseTo(Math.SQRT2, 10);
    expect(get(2, 'expanded-simplex')).toBeCloseTo(2 / Math.sqrt(3), 10);
    expect(get(3, 'hyperoctahedron')).toBeCloseTo(Math.sqrt(3), 10);
    expect(get(3, 'expanded-simplex')).toBeCloseTo(Math.SQRT2, 10);
    expect(readFileSync(join(dir, 'm.md'), 'utf8')).toMatch(/expanded-simplex/);
  });
});
