import { availableParallelism } from 'node:os';
import { CliError } from './util.js';

/** `--threads auto|N`: auto is one thread per core. */
export function parseThreads(text: string): number {
  if (text === 'auto') return Math.max(1, availableParallelism());
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new CliError(`--threads must be 'auto' or an integer from 1 to 256, got '${text}'`);
  return n;
}
