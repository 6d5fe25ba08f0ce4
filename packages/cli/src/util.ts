import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AbortError, PolytopeError } from '@polytope-lens/core';
import type { ErrorCode } from '@polytope-lens/core';

/**
 * A user-facing CLI error (bad flag value, unreadable file): a {@link PolytopeError} (code
 * `bad-option` unless given), so it is printed without a stack and exits with its code's status (2).
 */
export class CliError extends PolytopeError {
  constructor(message: string, code: ErrorCode = 'bad-option') {
    super(code, message);
    this.name = 'CliError';
  }
}

/**
 * The one table from error code to the CLI's exit status: bad input exits 2, an internal failure
 * (a bug, or a numerical solver that failed without diagnosing the input) exits 1, a cancelled
 * run exits 130 (128 + SIGINT, as shells report Ctrl-C). docs/ARCHITECTURE.md "Errors" shows it.
 */
export const EXIT_STATUS: Readonly<Record<ErrorCode, 1 | 2 | 130>> = Object.freeze({
  'bad-option': 2,
  'shape-mismatch': 2,
  'non-finite': 2,
  'bad-data': 2,
  'bad-network': 2,
  'bad-file': 2,
  'bad-frame': 2,
  'bad-domain': 2,
  unsupported: 2,
  'not-applicable': 2,
  'too-large': 2,
  diverged: 2,
  'solver-failed': 1,
  cancelled: 130,
  internal: 1,
});

/**
 * The error code of anything thrown: a `PolytopeError`'s (and so a `CliError`'s) own code,
 * `cancelled` for an `AbortError` (ours or the platform's), `internal` for everything else
 * (an `InternalError`, a `TypeError`, a non-Error value).
 */
export function errorCodeOf(err: unknown): ErrorCode {
  if (err instanceof PolytopeError && Object.hasOwn(EXIT_STATUS, err.code)) return err.code;
  if (err instanceof AbortError || (err instanceof Error && err.name === 'AbortError')) return 'cancelled';
  return 'internal';
}

/** The exit status for anything thrown (see {@link EXIT_STATUS}). */
export function exitStatusOf(err: unknown): 1 | 2 | 130 {
  return EXIT_STATUS[errorCodeOf(err)];
}

/**
 * Writes a file atomically: to a temporary sibling first, then renamed into place, so a crash or
 * an error never leaves a half-written output behind.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
