/**
 * `polytope line` on a long run, as a user runs it with stderr redirected: plain progress lines
 * every few seconds, and Ctrl-C (SIGINT) stops it within about a second with exit code 130.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));

describe('polytope line: progress and cancellation', () => {
  it('prints progress lines when stderr is not a terminal and exits 130 within a second of SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'line-progress-'));
    const model = join(dir, 'net.json');
    writeFileSync(model, networkToJsonString(randomMlp([32, 256, 256, 256, 256, 1], { seed: 3 })));
    const from = Array.from({ length: 32 }, (_, i) => -500 + i).join(',');
    const to = Array.from({ length: 32 }, (_, i) => 500 - 2 * i).join(',');
    const out = join(dir, 'line.json');
    const child = spawn(process.execPath, [BIN, 'line', model, '--from', from, '--to', to, '--json', out, '--no-figure', '--batch', '4'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const firstLine = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/line: [\d.]+% \| \d+ pieces \| \d+ s/.test(stderr)) resolve();
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
});
