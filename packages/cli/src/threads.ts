import { availableParallelism } from 'node:os';
import { CliError } from './util.js';
import { clampThreads } from './limits.js';

/** `--threads auto|N`: auto is one thread per core; N above `maxThreads()` is clamped with a message (issue 18 #9). */
export function parseThreads(text: string): number {
  if (text === 'auto') return Math.max(1, availableParallelism());
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new CliError(`--threads must be 'auto' or an integer from 1 to 256, got '${text}'`);
  return clampThreads(n);
}

/**
 * Below this many parameters a one-off slice is faster on the main thread: starting workers
 * (about 0.3–0.6 s here, each loading the library and warming up) costs more than they save —
 * 2→128×3→1 (33k parameters) slices [-1,1]² in about 0.3 s on one thread.
 */
export const AUTO_THREADS_MIN_PARAMETERS = 50_000;

/** `--threads` for a one-off slice of `net`: 'auto' is one per core, or 1 for small networks. */
export function sliceThreads(text: string, numParameters: number): number {
  if (text === 'auto' && numParameters < AUTO_THREADS_MIN_PARAMETERS) return 1;
  return parseThreads(text);
}
