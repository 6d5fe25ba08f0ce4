/**
 * `polytope sweep` through `main()`: an embedded run of a registered sweep (checked against
 * `polytope reproduce`'s own table of the same protocol, and resumed from the store), `sweep
 * status` of the store, and one-line errors with exit status 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-sweep-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));

/** The files under `path` (recursively), or none while it does not exist. */
function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path, { recursive: true }) as string[];
  } catch {
    return [];
  }
}

describe('polytope sweep', () => {
  it('runs reproduce-sine on threads, agrees with reproduce table-5.1, and reports the store', async () => {
    const store = join(dir, 'store');
    const set = [
      '--set',
      'widths=[1,2]',
      '--set',
      'depths=[1]',
      '--set',
      'runs=2',
      '--set',
      'epochs=3',
      '--set',
      'batch=10',
      '--set',
      'seed=0',
    ];
    const r = await runCli([
      'sweep',
      'reproduce-sine',
      ...set,
      '--store',
      store,
      '--threads',
      '2',
      '--out',
      join(dir, 'cells.json'),
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cells = JSON.parse(readFileSync(join(dir, 'cells.json'), 'utf8')) as {
      width: number;
      depth: number;
      initializations: number | null;
    }[];
    expect(cells.map((c) => [c.width, c.depth])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    // The same protocol through `reproduce` (its own store): the same cells.
    const t = await runCli([
      'reproduce',
      'table-5.1',
      '--runs',
      '2',
      '--max-epochs',
      '3',
      '--widths',
      '1,2',
      '--depths',
      '1',
      '--batch',
      '10',
      '--quiet',
      '--out',
      join(dir, 't51'),
    ]);
    expect(t.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 't51', 'table-5.1.json'), 'utf8')).cells).toEqual(cells);
    const s = await runCli(['sweep', 'status', '--set', 'sweep=reproduce-sine', ...set, '--store', store]);
    expect(s.stdout).toMatch(/^reproduce-sine v1 {2}2\/2 done · 0 failed/);
    // A finished sweep: the second run prints the same result from the store.
    const again = await runCli(['sweep', 'reproduce-sine', ...set, '--store', store, '--quiet']);
    expect(JSON.parse(again.stdout)).toEqual(cells);
  });

  it('stops within a second of Ctrl-C (130) and resumes after kill -9, keeping every finished shard as it was', async () => {
    const store = join(dir, 'killed');
    const args = ['sweep', 'reproduce-annulus', '--set', 'runs=1', '--set', 'maxEpochs=3', '--set', 'seed=0', '--quiet'];
    const results = () =>
      (readdirSafe(join(store, 'reproduce-annulus')) as string[])
        .filter((f) => /^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/.test(f))
        .map((f) => join(store, 'reproduce-annulus', f));
    /** Starts the real executable on one thread and sends `signal` once `atLeast` shards are stored. */
    const interrupt = async (signal: NodeJS.Signals, atLeast: number) => {
      const child = spawn(process.execPath, [BIN, ...args, '--threads', '1', '--store', store], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      for (let t = 0; t < 1200 && results().length < atLeast; t++) await new Promise((r) => setTimeout(r, 25));
      const sent = Date.now();
      child.kill(signal);
      return { code: await exited, ms: Date.now() - sent };
    };
    const stopped = await interrupt('SIGINT', 2);
    expect(stopped.code).toBe(130);
    expect(stopped.ms).toBeLessThan(1500);
    const afterCtrlC = results().length;
    expect(afterCtrlC).toBeGreaterThanOrEqual(2);
    const killed = await interrupt('SIGKILL', afterCtrlC + 2);
    expect(killed.code).toBe(null);
    const before = new Map(results().map((f) => [f, statSync(f).ino]));
    expect(before.size).toBeGreaterThanOrEqual(afterCtrlC + 2);
    expect(before.size).toBeLessThan(36);
    // Resumed on two threads, compared with a fresh run on two threads: the thread count changes nothing.
    const resumed = await runCli([...args, '--threads', '2', '--store', store]);
    expect(resumed.code).toBe(0);
    expect(results()).toHaveLength(36);
    for (const [f, ino] of before) expect(statSync(f).ino).toBe(ino);
    const fresh = await runCli([...args, '--threads', '2', '--store', join(dir, 'fresh')]);
    expect(resumed.stdout).toBe(fresh.stdout);
    expect(JSON.parse(resumed.stdout)).toHaveLength(36);
    // Two process starts and three runs: about 6 s on an idle 2-core machine, much more on a busy one.
  }, 180_000);

  it('rejects bad input with one line and exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['sweep', 'nope'],
        /^polytope: error: unknown sweep 'nope'; known: boolean-highn, boolean-success, chapter7-head, chapter7-model, chapter7-similarity, chapter7-train, hypersphere, polytopes-study, reproduce-annulus, reproduce-sine, sine-grid\n$/,
      ],
      [['sweep', 'reproduce-sine', '--options', '{oops'], /^polytope: error: --options must be a JSON object, got '\{oops'\n$/],
      [['sweep', 'reproduce-sine', '--set', 'novalue'], /^polytope: error: --set must be key=value, got 'novalue'\n$/],
      [
        ['sweep', 'reproduce-sine', '--queue', 'http://x'],
        /^polytope: error: --queue must be a URL such as redis:\/\/127.0.0.1:6379, got 'http:\/\/x'\n$/,
      ],
      [['worker', '--queue', 'nonsense'], /--queue must be a URL/],
      // Port 1 on loopback: nothing listens there.
      [
        ['sweep', 'reproduce-sine', '--queue', 'redis://127.0.0.1:1'],
        /^polytope: error: cannot reach Redis at redis:\/\/127.0.0.1:1 \(connect ECONNREFUSED 127.0.0.1:1\)\n$/,
      ],
      [['sweep', 'status', '--queue', 'redis://127.0.0.1:1'], /cannot reach Redis/],
      [['sweep', 'status'], /give --queue redis:\/\/…, or the embedded store's sweep/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
