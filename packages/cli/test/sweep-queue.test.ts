/**
 * `polytope sweep --queue`, `polytope sweep status --queue` and `polytope worker` against Debian's
 * redis-server on loopback (skipped without it): the distributed run prints the embedded run's
 * result byte for byte, status shows it done, and a worker stops on Ctrl-C with 130.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker } from '@polytope-lens/sweep';
import { SWEEPS } from '../dist/sweeps/registry.js';
import { haveRedis, startRedis } from '../../sweep/test/redis-server.js';
import { runCli } from './run-cli.js';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));

describe.skipIf(!haveRedis)('polytope sweep --queue and polytope worker', () => {
  it('give the embedded result byte for byte, report status, and a worker exits 130 on Ctrl-C', async () => {
    const server = await startRedis();
    const dir = mkdtempSync(join(tmpdir(), 'polytope-sweepq-cli-'));
    const set = [
      '--set',
      'widths=[1,2]',
      '--set',
      'depths=[1,2]',
      '--set',
      'runs=2',
      '--set',
      'epochs=3',
      '--set',
      'batch=10',
      '--set',
      'seed=0',
    ];
    try {
      const embedded = await runCli(['sweep', 'reproduce-sine', ...set, '--store', join(dir, 'store'), '--threads', '2', '--quiet']);
      expect(embedded.code).toBe(0);
      const worker = await startWorker({ url: server.url, registry: SWEEPS, threads: 2 });
      let queued;
      try {
        queued = await runCli(['sweep', 'reproduce-sine', ...set, '--queue', server.url, '--quiet']);
      } finally {
        await worker.close();
      }
      expect(queued.stderr).toBe('');
      expect(queued.code).toBe(0);
      expect(queued.stdout).toBe(embedded.stdout);
      const status = await runCli(['sweep', 'status', '--queue', server.url]);
      expect(status.stdout).toMatch(
        /^[0-9a-f]{16} {2}reproduce-sine v1 {2}4\/4 done \(100\.0%\) · 0 failed {2}options \{"widths":\[1,2\],"depths":\[1,2\],"runs":2,"epochs":3,"batch":10,"seed":0\}\nqueue: 0 waiting, 0 running, 0 delayed \(retries\)\n$/,
      );
      // The real `polytope worker`: started, then Ctrl-C.
      const child = spawn(process.execPath, [BIN, 'worker', '--queue', server.url, '--threads', '1'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      const ready = new Promise<void>((resolve) =>
        child.stderr.on('data', (b: Buffer) => {
          stderr += b.toString();
          if (stderr.includes('Ctrl-C stops')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await ready;
      const sent = Date.now();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(Date.now() - sent).toBeLessThan(1500);
      expect(stderr).toMatch(/^worker: 1 thread on redis:\/\/127\.0\.0\.1:\d+; Ctrl-C stops/);
    } finally {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
    // Process starts and thread start-up: a few seconds on an idle machine, much more on a busy one.
  }, 120_000);
});
