/**
 * Output safety (in this process through `main()`; needs a build of both packages): where a command
 * may write, what it refuses, and how a failed write reads. Each case checks the exit status, a
 * one-line message without a stack trace, and what is (not) left on disk.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { cleanStaleTemps, fsErrorMessage, snakeJson } from '../src/util.js';
import { runCli as run } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-outputs-'));
const model = join(dir, 'net.json');
writeFileSync(model, networkToJsonString(randomMlp([2, 4, 1], { seed: 3 })));
const affine = (json: string) => run(['affine', model, '--at', '0.1,0.2', '--json', json, '--quiet']);

/** One line on stderr, `polytope: error: …`, no stack. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^polytope: error: /);
  expect(stderr).toMatch(pattern);
}

/** A process id that is not running (probed with signal 0). */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

describe('outputs: refused targets', () => {
  it('an empty --json', async () => {
    const r = await affine('');
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /path is empty/);
  });

  it('a directory as --json', async () => {
    const d = join(dir, 'adir');
    mkdirSync(d);
    const r = await affine(d);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /is a directory/);
  });

  it('a device as --json (it would be replaced by a regular file)', async () => {
    const r = await affine('/dev/null');
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /not a regular file/);
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a read-only file stays as it was', async () => {
    const f = join(dir, 'ro.json');
    writeFileSync(f, 'keep');
    chmodSync(f, 0o444);
    const r = await affine(f);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /read-only/);
    expect(readFileSync(f, 'utf8')).toBe('keep');
  });

  it('the model itself as --json (slice v.json --json v.json)', async () => {
    const before = readFileSync(model, 'utf8');
    const r = await run(['slice', model, '--box', '-1,1,-1,1', '--json', model, '--quiet']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /one of this command's inputs/);
    expect(readFileSync(model, 'utf8')).toBe(before);
  });

  it('an input through another spelling of its path, and through a symlink', async () => {
    const before = readFileSync(model, 'utf8');
    const link = join(dir, 'model-link.json');
    symlinkSync(model, link);
    for (const target of [join(dir, '.', 'net.json'), link]) {
      const r = await affine(target);
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, /one of this command's inputs/);
    }
    expect(readFileSync(model, 'utf8')).toBe(before);
  });

  it('a file where a folder is needed (--json FILE/out.json)', async () => {
    const f = join(dir, 'plain');
    writeFileSync(f, 'x');
    const r = await affine(join(f, 'out.json'));
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /cannot .*plain.*\((ENOTDIR|EEXIST)\)/);
  });
});

describe('outputs: written well', () => {
  it('a symlinked output is written through: the link stays a link, its target gets the result', async () => {
    const target = join(dir, 'real-out.json');
    writeFileSync(target, 'old');
    const link = join(dir, 'link-out.json');
    symlinkSync(target, link);
    expect((await affine(link)).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).points).toHaveLength(1);
  });

  it('slice --json into a folder that does not exist yet', async () => {
    const out = join(dir, 'new', 'deeper', 's.json');
    const r = await run(['slice', model, '--box', '-1,1,-1,1', '--json', out, '--no-figure', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.partial).toBe(false);
  });

  it("stale temp files of a killed run (dead PID) are removed on the next run, others' are kept", async () => {
    const d = join(dir, 'stale');
    mkdirSync(d);
    const dead = deadPid();
    const stale = [`s.json.${dead}.tmp`, `s.json.${dead}.g3.tmp`];
    const keep = [`s.json.${process.ppid}.g1.tmp`, `other.json.${dead}.tmp`, `s.json.${dead}.tmp.bak`];
    for (const n of [...stale, ...keep]) writeFileSync(join(d, n), 'x');
    const r = await run(['slice', model, '--box', '-1,1,-1,1', '--json', join(d, 's.json'), '--no-figure', '--quiet']);
    expect(r.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual([...keep, 's.json'].sort());
    expect(cleanStaleTemps(join(d, 's.json'))).toBe(0);
  });

  it('slice --max-regions stops early with the partial flag; --summary-only lists no regions', async () => {
    const out = join(dir, 'cut.json');
    const big = join(dir, 'big.json');
    writeFileSync(big, networkToJsonString(randomMlp([2, 32, 32, 1], { seed: 5 })));
    const full = await run(['slice', big, '--box', '-1,1,-1,1', '--json', out, '--no-figure', '--quiet', '--threads', '1']);
    expect(full.code).toBe(0);
    const all = JSON.parse(readFileSync(out, 'utf8')).summary.regions as number;
    expect(all).toBeGreaterThan(200);
    expect(
      (await run(['slice', big, '--box', '-1,1,-1,1', '--json', out, '--no-figure', '--max-regions', '10', '--threads', '1'])).code,
    ).toBe(0);
    const cut = JSON.parse(readFileSync(out, 'utf8'));
    expect(cut.summary.partial).toBe(true);
    expect(cut.summary.regions).toBeLessThan(all);
    expect(cut.regions).toHaveLength(cut.summary.regions);
    expect((await run(['slice', big, '--box', '-1,1,-1,1', '--json', out, '--no-figure', '--summary-only', '--quiet'])).code).toBe(0);
    const summary = JSON.parse(readFileSync(out, 'utf8'));
    expect(summary.summary.regions).toBe(all);
    expect(summary.regions).toBeUndefined();
  });
});

describe('outputs: train --out', () => {
  const args = (out: string) => [
    'train',
    '--dataset',
    'xor',
    '--arch',
    '2-4-1',
    '--epochs',
    '2',
    '--snapshot-every',
    '5',
    '--out',
    out,
    '--quiet',
  ];

  it('a second run into the same folder is refused, --overwrite replaces the first run', async () => {
    const out = join(dir, 'run');
    expect((await run(args(out))).code).toBe(0);
    const snaps = readdirSync(join(out, 'snapshots'));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const again = await run(args(out));
    expect(again.code).toBe(2);
    expectOneLine(again.stderr, /already holds a training run .*--overwrite/);
    expect(readdirSync(join(out, 'snapshots'))).toEqual(snaps);
    writeFileSync(join(out, 'snapshots', 'step-99999999.json'), '{}'); // would be mixed in without the clearing
    expect((await run([...args(out), '--overwrite'])).code).toBe(0);
    expect(readdirSync(join(out, 'snapshots'))).toEqual(snaps);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--out that is a file', async () => {
    const f = join(dir, 'afile');
    writeFileSync(f, 'x');
    const r = await run(args(f));
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, /is a file, not a folder/);
  });
});

describe('outputs: helpers', () => {
  it('file-system errors read as one line with the path and the code', () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/x/y.json'"), {
      code: 'EACCES',
      syscall: 'open',
      path: '/x/y.json',
    });
    expect(fsErrorMessage(err)).toBe("cannot open '/x/y.json': permission denied (EACCES)");
    const full = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'write', path: 'a.json' });
    expect(fsErrorMessage(full)).toBe("cannot write 'a.json': no space left on device (ENOSPC)");
    expect(fsErrorMessage(new TypeError('x'))).toBeUndefined();
  });

  it('snake_case keys at any depth; matrices named A or W1 keep their names', () => {
    expect(snakeJson({ alphaX: [1], layer: { minimalBias: Float64Array.of(2) }, A: [[1]], W1: 3, rows: [{ maxError: 0 }] })).toEqual({
      alpha_x: [1],
      layer: { minimal_bias: [2] },
      A: [[1]],
      W1: 3,
      rows: [{ max_error: 0 }],
    });
  });

  it('nothing was left behind in the test folder (no *.tmp)', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
    expect(walk(dir).filter((n) => /\.\d+(\.g\d+)?\.tmp$/.test(n) && !n.startsWith('s.json.') && !n.startsWith('other.json.'))).toEqual([]);
    expect(existsSync(join(dir, 'adir'))).toBe(true);
  });
});
