/**
 * Signals against the real `polytope` executable (spawned; needs a build of both packages): a long
 * command that gets SIGINT, SIGTERM or SIGHUP in the middle of its work stops within a second with
 * status 128 + the signal number (130, 143, 129), says "cancelled" on one line, and leaves nothing
 * in its output folder: no output, no temporary file. One representative per kind of long loop:
 * the slice on one thread (a synchronous partition) and on two (worker threads), the n-D polytope
 * enumeration (LPs), the walk (LPs in 784 dimensions, one region taking many seconds), training.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/onnx/', import.meta.url));
/** The promise: stopped within a second of the signal. */
const STOP_WITHIN_MS = 1000;

interface Stopped {
  code: number | null;
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
function interrupt(args: string[], signal: NodeJS.Signals, afterMs: number, until?: RegExp): Promise<Stopped> {
  const dir = mkdtempSync(join(tmpdir(), 'polytope-signal-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
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
    child.on('exit', (code) => {
      clearInterval(poll);
      if (!sentAt) return reject(new Error(`polytope ${args.join(' ')} ended (code ${code}) before the signal: ${stderr}`));
      resolve({ code, stderr, ms: Date.now() - sentAt, left: readdirSync(dir) });
    });
  });
}

function expectStopped(r: Stopped, code: number): void {
  expect(r.stderr.trim().split('\n').at(-1)).toBe('polytope: cancelled');
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.code).toBe(code);
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

  it('train, SIGINT → 130, no run folder', async () => {
    const r = await interrupt(
      ['train', '--dataset', 'circle-annulus', '--arch', '2-64-64-1', '--epochs', '500', '--quiet'],
      'SIGINT',
      3000,
    );
    expectStopped(r, 130);
  }, 90_000);
});
