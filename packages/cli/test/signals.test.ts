/**
 * Signals against the real `polytope` executable (spawned; needs a build of both packages): a long
 * command that gets SIGINT, SIGTERM or SIGHUP in the middle of its work stops within a second with
 * status 128 + the signal number (130, 143, 129), says "cancelled" on one line, and leaves nothing
 * in its output folder: no output, no temporary file. One representative per kind of long loop:
 * the slice on one thread (a synchronous partition) and on two (worker threads), the n-D polytope
 * enumeration (LPs), the walk (LPs in 784 dimensions, one region taking many seconds), training,
 * the coefficient shards.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/onnx/', import.meta.url));
/** The promise: stopped within a second of the signal. */
const STOP_WITHIN_MS = 1000;

interface Stopped {
  code: number | null;
  /** The signal that ended the process, when it died by one (the supervisor's last resort). */
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From the signal to the process's exit. */
  ms: number;
  /** What is left in the command's folder. */
  left: string[];
}

/**
 * Spawns `polytope ...args` in a fresh folder, waits until it has been working for `afterMs` (and,
 * when `until` is given, until that file pattern shows up there, at most 8 s more), sends `signal`, and reports.
 */
function interrupt(
  args: string[],
  signal: NodeJS.Signals,
  afterMs: number,
  until?: RegExp,
  dir = mkdtempSync(join(tmpdir(), 'polytope-signal-')),
  bin = BIN,
): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    let sentAt = 0;
    const started = Date.now();
    const poll = setInterval(() => {
      if (sentAt || Date.now() - started < afterMs) return;
      // Wait for the pattern, but on a busy machine not for ever: a signal before it is a test too.
      if (until && !readdirSync(dir).some((n) => until.test(n)) && Date.now() - started < afterMs + 8000) return;
      sentAt = Date.now();
      child.kill(signal);
    }, 20);
    child.on('exit', (code, died) => {
      clearInterval(poll);
      if (!sentAt) return reject(new Error(`polytope ${args.join(' ')} ended (code ${code}) before the signal: ${stderr}`));
      resolve({ code, signal: died, stderr, ms: Date.now() - sentAt, left: readdirSync(dir) });
    });
  });
}

const BY_CODE: Record<number, NodeJS.Signals> = { 129: 'SIGHUP', 130: 'SIGINT', 143: 'SIGTERM' };

/** Status `code` (128 + the signal), or death by that signal: a shell reports both as `code`. */
function expectStopped(r: Stopped, code: number): void {
  expect(r.stderr.trim().split('\n').at(-1)).toBe('polytope: cancelled');
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.code === code || r.signal === BY_CODE[code]).toBe(true);
  expect(r.left).toEqual([]);
  expect(r.ms).toBeLessThan(STOP_WITHIN_MS);
}

describe('signals stop long commands within a second and leave nothing behind', () => {
  const cnn = join(EXAMPLES, 'cnn28.onnx');
  const slice = (threads: string) => ['slice', cnn, '--idx', 'mnist', '--rows', '3,10,13', '--box', '0,3,0,3', '--threads', threads];

  it('slice, 1 thread, SIGINT while regions are being spooled → 130', async () => {
    expectStopped(await interrupt([...slice('1'), '--quiet'], 'SIGINT', 0, /\.tmp$/), 130);
  }, 90_000);

  it('slice, 2 threads, SIGTERM while regions are being spooled → 143', async () => {
    expectStopped(await interrupt([...slice('2'), '--quiet'], 'SIGTERM', 0, /\.tmp$/), 143);
  }, 90_000);

  it('walk in 784 dimensions (one region takes many seconds of LPs), SIGINT → 130', async () => {
    expectStopped(await interrupt(['walk', cnn, '--idx', 'mnist', '--rows', '0', '--max-regions', '5', '--quiet'], 'SIGINT', 3000), 130);
  }, 90_000);

  it('polytopes (n-D enumeration), SIGHUP → 129', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-signal-net-'));
    const model = join(dir, 'net.json');
    writeFileSync(model, networkToJsonString(randomMlp([3, 48, 48, 48, 1], { seed: 1 })));
    expectStopped(await interrupt(['polytopes', model, '--box', '-3,3,-3,3,-3,3', '--quiet'], 'SIGHUP', 3000), 129);
  }, 90_000);

  it('animate while it writes frames, SIGINT → 130, the frames written so far are removed', async () => {
    const args = [
      'animate',
      '--dataset',
      'circle-annulus',
      '--arch',
      '2-8-8-1',
      '--epochs',
      '200',
      '--snapshot-every',
      '20',
      '--out',
      'anim',
    ];
    expectStopped(await interrupt([...args, '--quiet'], 'SIGINT', 0, /^anim$/), 130);
  }, 90_000);

  it('coefficients while it writes shards, SIGINT → 130, the shards written so far are removed', async () => {
    // 100-row shards of the 10,000 MNIST test images: several are complete when the signal comes.
    const args = ['coefficients', cnn, '--idx', 'mnist', '--shard-rows', '100', '--out', 'coeffs', '--quiet'];
    expectStopped(await interrupt(args, 'SIGINT', 2500, /^coeffs$/), 130);
  }, 90_000);

  it('train, SIGINT → 130, no run folder', async () => {
    const r = await interrupt(
      ['train', '--dataset', 'circle-annulus', '--arch', '2-64-64-1', '--epochs', '500', '--quiet'],
      'SIGINT',
      3000,
    );
    expectStopped(r, 130);
  }, 90_000);

  it('a command thread stuck in a native call that V8 cannot interrupt: cleaned up, dies by SIGTERM within a second', async () => {
    // A stand-in command thread: reports a temporary file open, then blocks in a read of a FIFO
    // nobody writes (worker.terminate() cannot interrupt that), as the walk did once on CI.
    const dir = mkdtempSync(join(tmpdir(), 'polytope-signal-stuck-'));
    const fifo = join(mkdtempSync(join(tmpdir(), 'polytope-fifo-')), 'never');
    execFileSync('mkfifo', [fifo]);
    const scripts = mkdtempSync(join(tmpdir(), 'polytope-stuck-scripts-'));
    const thread = join(scripts, 'stuck-thread.mjs');
    writeFileSync(
      thread,
      `import { parentPort } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
writeFileSync('partial.tmp', 'x');
parentPort.postMessage({ type: 'temp', path: process.cwd() + '/partial.tmp', open: true });
readFileSync(${JSON.stringify(fifo)});
`,
    );
    const supervisor = new URL('../dist/supervisor.js', import.meta.url).href;
    const bin = join(scripts, 'stuck-main.mjs');
    writeFileSync(
      bin,
      `import { runSupervised } from ${JSON.stringify(supervisor)};
runSupervised(process.argv, new URL(${JSON.stringify(pathToFileURL(thread).href)}));
`,
    );
    const r = await interrupt(['walk'], 'SIGTERM', 0, /^partial\.tmp$/, dir, bin);
    rmSync(scripts, { recursive: true });
    rmSync(fifo);
    expect(r.signal).toBe('SIGTERM');
    expect(r.left).toEqual([]);
    expectStopped(r, 143);
  }, 30_000);
});
