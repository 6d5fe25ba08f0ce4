/**
 * Resource limits and safe echoing for the CLI (issue 18 #6–#9): the allocation budget that file-
 * derived sizes are checked against before anything is allocated, the escaping of names taken from
 * files before they are echoed in a one-line message, and the cap on worker threads.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_BYTES, PolytopeError } from '@polytope-lens/core';

/** The environment variable that overrides the budget (bytes; suffixes k, M, G allowed: `POLYTOPE_MAX_BYTES=16G`). */
export const MAX_BYTES_ENV = 'POLYTOPE_MAX_BYTES';

/** The allocation budget in bytes: `POLYTOPE_MAX_BYTES`, else `DEFAULT_MAX_BYTES`. */
export function maxBytes(): number {
  const raw = process.env[MAX_BYTES_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_BYTES;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)i?[bB]?\s*$/.exec(raw);
  if (!m) throw new PolytopeError('bad-option', `${MAX_BYTES_ENV} must be a number of bytes (e.g. 8G), got '${escapeName(raw)}'`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * unit;
}

/**
 * What one input row costs beyond its float64 values, counted against the budget: the row's view
 * object, its result and its record in the output (a few hundred bytes in practice; 67M rows of a
 * 1 MB .npz took V8 past its heap limit).
 */
export const ROW_OVERHEAD_BYTES = 256;

/** Refuses (before allocating) `bytes` for `what` when it exceeds the budget; says how to raise it. */
export function checkBudget(bytes: number, what: string): void {
  const limit = maxBytes();
  if (!(bytes <= limit))
    throw new PolytopeError(
      'too-large',
      `${what} needs ${formatBytes(bytes)}, above the allocation limit of ${formatBytes(limit)} (raise it with ${MAX_BYTES_ENV}=<bytes>)`,
    );
}

function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * A string from a file or the command line made safe to echo in a one-line message: control
 * characters (ESC, CR, LF, …, C1 controls, bidi overrides) become `\xNN` / `\uNNNN` escapes, so a
 * node named `\x1b[2J` cannot clear the terminal or split the line.
 */
export function escapeName(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The most worker threads a command starts: 2 × the cores (at least 2), at most 64. More threads
 * than cores only add start-up time and memory (each worker loads the library: --threads 64 took
 * 26 s and 2 GB on a 4-region net).
 */
export function maxThreads(): number {
  return Math.min(64, Math.max(2, 2 * availableParallelism()));
}

/** `n` clamped to `maxThreads()`, with a message on stderr when it was (unless quiet). */
export function clampThreads(n: number, quiet = false): number {
  const cap = maxThreads();
  if (n <= cap) return n;
  if (!quiet) process.stderr.write(`polytope: --threads ${n} is more than this machine can use; using ${cap}\n`);
  return cap;
}
