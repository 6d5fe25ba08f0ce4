/**
 * The CLI's one error table (util.ts `EXIT_STATUS`): every code maps to an exit status, bad input
 * exits 2 with one line and no stack, an internal error exits 1, a cancelled run 130. Regression
 * for issue 10 item 7: a network JSON whose layer type names an `Object.prototype` member
 * (`toString`, `constructor`, …) ended in an internal TypeError with a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AbortError, ERROR_CODES, InternalError, PolytopeError } from '@polytope-lens/core';
import type { ErrorCode } from '@polytope-lens/core';
import { main } from './main.js';
import { CliError, EXIT_STATUS, errorCodeOf, exitStatusOf } from './util.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(['node', 'polytope', ...args]), err };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

describe('error codes and exit statuses', () => {
  it('maps every ErrorCode, and nothing else, to 1, 2 or 130', () => {
    const codes = Object.keys(ERROR_CODES).sort();
    expect(Object.keys(EXIT_STATUS).sort()).toEqual(codes);
    for (const code of codes) expect([1, 2, 130]).toContain(EXIT_STATUS[code as ErrorCode]);
    expect(EXIT_STATUS['internal']).toBe(1);
    expect(EXIT_STATUS['cancelled']).toBe(130);
    expect(EXIT_STATUS['bad-network']).toBe(2);
  });

  it('gives bad input 2, internal errors and foreign throws 1, cancellation 130', () => {
    expect(exitStatusOf(new PolytopeError('bad-option', 'x'))).toBe(2);
    expect(exitStatusOf(new CliError('x'))).toBe(2);
    expect(errorCodeOf(new CliError('x', 'bad-file'))).toBe('bad-file');
    expect(exitStatusOf(new InternalError('x'))).toBe(1);
    expect(errorCodeOf(new InternalError('x'))).toBe('internal');
    expect(exitStatusOf(new TypeError('x'))).toBe(1);
    expect(exitStatusOf('a string')).toBe(1);
    expect(exitStatusOf(new AbortError())).toBe(130);
    const domAbort = new Error('aborted');
    domAbort.name = 'AbortError';
    expect(exitStatusOf(domAbort)).toBe(130);
  });

  it('InternalError is not a PolytopeError, so catching bad input never swallows a bug', () => {
    expect(new InternalError('x')).not.toBeInstanceOf(PolytopeError);
  });

  it('a bad-input error exits 2 through main() with one line and no stack', async () => {
    const r = await run('inspect', join(dir, 'missing.json'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^polytope: error: model file '.*missing\.json' does not exist\n$/);
  });
});

describe('issue 10: layer types named after Object.prototype members', () => {
  for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    it(`network JSON layer type "${type}" is a clean PolytopeError, exit 2 through inspect`, async () => {
      const model = join(dir, `proto-${type}.json`);
      writeFileSync(model, JSON.stringify({ format: 'polytope-lens/network@1', input: { shape: [2] }, layers: [{ type }] }));
      const r = await run('inspect', model);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `polytope: error: proto-${type}.json: layer 0 (${type}): unknown layer type "${type}"; supported types: ${r.err.split('supported types: ')[1]!.trimEnd()}\n`,
      );
      expect(r.err.split('\n')).toHaveLength(2); // one line
      expect(r.err).not.toMatch(/\bat .*:\d+:\d+/); // no stack frame
    });
  }

  for (const loss of ['toString', 'constructor']) {
    it(`train --loss ${loss} is refused like any unknown loss`, async () => {
      const r = await run('train', '--dataset', 'xor', '--arch', '2-4-1', '--loss', loss, '--out', join(dir, 'never.json'), '--quiet');
      expect(r.code).toBe(2);
      expect(r.err).toBe(`polytope: error: --loss must be one of mse, bce, ce, got '${loss}'\n`);
    });
  }
});

describe('issue 12: usage errors exit 2 with one line', () => {
  it('names an unknown option and the closest known one, without the usage text', async () => {
    const r = await run('slice', 'model.json', '--boxx', '0,1,0,1');
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual(["polytope: error: unknown option '--boxx' (did you mean --box?) (see --help)"]);
  });

  it('does the same for an unknown command, a missing argument and a missing option value', async () => {
    const cases: [string[], RegExp][] = [
      [['slicee'], /^polytope: error: unknown command 'slicee' \(did you mean slice\?\)/],
      [['line'], /^polytope: error: missing required argument 'model'/],
      [['slice', 'model.json', '--threads'], /^polytope: error: option '--threads <n>' argument missing/],
      [['slice', 'model.json', '--frobnicate'], /^polytope: error: unknown option '--frobnicate' \(see --help\)$/],
    ];
    for (const [args, line] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.err.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(line);
    }
  });
});
