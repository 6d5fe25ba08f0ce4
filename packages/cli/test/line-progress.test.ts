/**
 * `polytope line` on a long run, as a user runs it with stderr redirected: plain progress lines
 * every few seconds, and Ctrl-C (SIGINT) stops it within about a second with exit code 130.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { spawnCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/onnx/', import.meta.url));

describe('polytope line: progress and cancellation', () => {
  it('prints progress lines when stderr is not a terminal and exits 130 within a second of SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-progress-'));
    const model = join(dir, 'net.json');
    writeFileSync(model, networkToJsonString(randomMlp([32, 512, 512, 512, 512, 512, 512, 1], { seed: 3 })));
    const from = Array.from({ length: 32 }, (_, i) => -5000 + i).join(',');
    const to = Array.from({ length: 32 }, (_, i) => 5000 - 2 * i).join(',');
    const out = join(dir, 'line.json');
    const child = spawn(
      process.execPath,
      [BIN, 'line', model, '--from', from, '--to', to, '--json', out, '--no-figure', '--batch', '4', '--method', 'sampled'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const firstLine = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/line: \d+% · [\d,]+ pieces · /.test(stderr)) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await firstLine;
    const sent = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(1500);
    expect(stderr).toMatch(/cancelled/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('gives the same breakpoints on 1 and 2 worker threads as the reference engine (res.onnx, residual adds)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-threads-'));
    const bps = ['1', '2', 'ref'].map((t) => {
      const out = join(dir, `${t}.json`);
      const how = t === 'ref' ? ['--method', 'reference'] : ['--method', 'sampled', '--threads', t];
      const r = spawnCli([
        'line',
        join(FIXTURES, 'res.onnx'),
        '--from',
        '0,0,0,0,0,0',
        '--to',
        '3,-2,1,4,-1,2',
        '--json',
        out,
        '--no-figure',
        '--quiet',
        ...how,
      ]);
      expect(r.code).toBe(0);
      return JSON.parse(readFileSync(out, 'utf8')).breakpoints as number[];
    });
    expect(bps[0]!.length).toBeGreaterThan(20);
    expect(bps[1]).toEqual(bps[0]);
    expect(bps[2]!.length).toBe(bps[0]!.length);
    for (let i = 0; i < bps[0]!.length; i++) expect(Math.abs(bps[2]![i]! - bps[0]![i]!)).toBeLessThanOrEqual(1e-9);
  });
});
