/**
 * `polytope bench --engine mlp` (the dedicated 2-D MLP slicer) against the general engine on the
 * same network, and its one-line errors (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('polytope bench --engine', () => {
  it('times the 2-D MLP slicer, which finds the general engine’s regions', async () => {
    writeFileSync(join(dir, 'm.json'), networkToJsonString(randomMlp([2, 16, 16, 1], { seed: 5, init: 'he-normal' })));
    const run = async (...extra: string[]) => {
      const r = await runCli(['bench', 'm.json', '--repeat', '2', '--box', '-2,2,-2,2', ...extra], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { regions: number; engine: string; threads: number };
    };
    const general = await run('--threads', '1');
    const mlp = await run('--engine', 'mlp');
    expect(general.engine).toBe('general');
    expect(mlp).toMatchObject({ engine: 'mlp', threads: 1, regions: general.regions });
    expect(general.regions).toBeGreaterThan(20);
  });

  it('refuses an unknown engine with one line and exit 2', async () => {
    const r = await runCli(['bench', 'm.json', '--engine', 'fast'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("polytope: error: --engine must be 'general' or 'mlp', got 'fast'");
  });
});
