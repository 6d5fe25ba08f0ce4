/**
 * Two ways to run the `polytope` command from a test.
 *
 * `runCli` calls `main()` in this process with stdout and stderr captured: no process start-up
 * (about 1 s each, three quarters of the suite's time when every test spawned one). It imports the
 * built `dist/main.js`, exactly what `bin/polytope.js` runs, so commands that start worker threads
 * (`dist/parallel/slice-worker.js`) work as in the real command. Calls are serialized (the capture
 * replaces `process.stdout.write` and `process.stderr.write` for the duration of one call), and a
 * call that leaves a SIGINT handler behind fails, so progress bars and cancellation handlers
 * cannot leak from one command into the next.
 *
 * `spawnCli` runs the real executable in a child process: each command group keeps one such smoke
 * test, so the bin, its exit status and its real output streams stay covered.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../dist/main.js';

export interface CliRun {
  /** The exit status (`main`'s return value, or the child's exit code; -1 when it was killed). */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Working directory for the command (restored afterwards). */
  cwd?: string;
}

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));

let queue: Promise<unknown> = Promise.resolve();

/** Runs `polytope ...args` in this process through `main()`; resolves when the command ends. */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  const next = queue.then(() => runNow(args, options));
  queue = next.catch(() => undefined);
  return next;
}

/** Runs `polytope ...args` as a child process (the spawned smoke test of a command group). */
export function spawnCli(args: readonly string[], options: CliRunOptions & { timeoutMs?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: options.cwd, timeout: options.timeoutMs ?? 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

type Write = typeof process.stdout.write;

/** A stand-in for `stream.write` that appends to a string; honours a trailing callback. */
function capture(append: (s: string) => void): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest[rest.length - 1];
    if (typeof cb === 'function') queueMicrotask(() => (cb as (err?: Error | null) => void)(null));
    return true;
  }) as Write;
}

async function runNow(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const outWrite = process.stdout.write;
  const errWrite = process.stderr.write;
  const cwd = process.cwd();
  const sigint = process.listenerCount('SIGINT');
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  let code: number;
  try {
    if (options.cwd !== undefined) process.chdir(options.cwd);
    code = await main(['node', 'polytope', ...args]);
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
    process.chdir(cwd);
  }
  const left = process.listenerCount('SIGINT') - sigint;
  if (left !== 0) throw new Error(`polytope ${args.join(' ')} left ${left} SIGINT handler(s) behind`);
  return { code, stdout, stderr };
}
