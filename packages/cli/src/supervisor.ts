/**
 * The `polytope` process's main thread: answers `--version` at once, runs the command itself in a
 * worker thread (`command-thread.ts`) and owns the signals.
 *
 * Why a thread: much of the work is synchronous (partition loops, LPs in WebAssembly), and a signal
 * handler on the thread doing that work only runs once the work is over. Here the main thread
 * stays idle, so on SIGINT, SIGTERM or SIGHUP it can
 *  1. set the shared flag the command's `signal.aborted` reads (loops stop, files are cleaned up by
 *     the command's own `finally` blocks, `main` returns 130);
 *  2. if the command has not finished within `GRACE_MS`, or on a second signal, terminate the
 *     thread (that interrupts any JavaScript or WebAssembly, and with it every worker it started)
 *     and delete the temporary files the command reported as open;
 *  3. if even the terminated thread has not exited within `HARD_MS` (a thread blocked in a native
 *     call, which V8 cannot interrupt, seen once on CI in a 784-d walk), clean up as in 2, say
 *     "cancelled" and end the process by the signal itself, with the default action (Node's
 *     `process.exit` would wait for the thread).
 * The exit status is 128 + the signal number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP (in
 * case 3 the process dies by that signal, which a shell reports as the same number).
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { rollbackPaths } from './rollback.js';
import type { SupervisorLink, ToSupervisor } from './session.js';
import { VERSION } from './version.js';

const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type Handled = keyof typeof SIGNALS;

/** How long a cancelled command gets to stop by itself before its thread is terminated (ms). */
const GRACE_MS = 300;
/** How long a terminated thread gets to exit before the process ends by its signal (ms). */
const HARD_MS = 400;
/** How long a finished command's thread gets to exit (flushing its output) before it is terminated (ms). */
const LINGER_MS = 3000;

/**
 * Runs `polytope` with `argv` (as `process.argv`); sets `process.exitCode` when done. `thread` is the
 * command thread's script (tests give a stand-in).
 */
export function runSupervised(argv: string[], thread: URL = new URL('./command-thread.js', import.meta.url)): void {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // Help and usage errors come from the commands' declarations alone (help-light.ts), without
  // loading the commands and the core; anything else, or no manifest, runs the full program.
  if (mayAskForHelp(args)) {
    process.stdout.on('error', quietOnEpipe);
    const full = (): void => {
      process.stdout.off('error', quietOnEpipe);
      superviseCommand(argv, thread);
    };
    void import('./help-light.js').then(({ answerHelp }) => {
      const code = answerHelp(argv);
      if (code === undefined) full();
      else process.exitCode = code;
    }, full);
    return;
  }
  superviseCommand(argv, thread);
}

/** A reader that closed the pipe before the help was written: nothing more to do. */
function quietOnEpipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

/** Whether `args` (after the script) may only ask for help: then the light program is tried first. */
function mayAskForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const head = end < 0 ? args : args.slice(0, end);
  return head.length === 0 || head.some((a) => a === '--help' || a === '-h' || a === 'help');
}

/** Runs the command in its thread and owns the signals until it ends. */
function superviseCommand(argv: string[], thread: URL): void {
  const args = argv.slice(2);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const link: SupervisorLink = { argv, flag, tty: process.stderr.isTTY === true, columns: process.stderr.columns ?? 80 };
  // The command thread gets the main thread's heap limit (so `node --max-old-space-size=N` still bounds it).
  const heapMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
  const worker = new Worker(thread, {
    workerData: { polytope: link },
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    stderr: true,
  });
  const heartbeat = startHeartbeat(worker, args);
  const temps = new Set<string>();
  const written: string[] = [];
  const madeDirs: string[] = [];
  let code: number | undefined;
  let received: Handled | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let hard: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    void worker.terminate();
    if (received !== undefined) hard ??= setTimeout(dieBySignal, HARD_MS);
  };
  const onSignal = (sig: Handled) => {
    if (received !== undefined) return stop();
    received = sig;
    Atomics.store(flag, 0, SIGNALS[sig]);
    clearTimeout(timer);
    timer = setTimeout(stop, GRACE_MS);
  };
  for (const sig of Object.keys(SIGNALS) as Handled[]) process.on(sig, onSignal);
  // A reader that stops early (`polytope --help | head`) closes the pipe: stop quietly, as Unix
  // tools do, instead of dying on the unhandled EPIPE with a stack trace.
  const onPipeError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    code ??= 0;
    stop();
  };
  process.stdout.on('error', onPipeError);
  process.stderr.on('error', onPipeError);
  worker.on('message', (msg: ToSupervisor) => {
    if (msg.type === 'temp') {
      if (msg.open) temps.add(msg.path);
      else temps.delete(msg.path);
    } else if (msg.type === 'wrote') written.push(msg.path);
    else if (msg.type === 'made-dir') madeDirs.push(msg.path);
    else if (msg.type === 'done') {
      code = msg.code;
      // Cancelled: what is left to do is the supervisor's (temp files, the message). Otherwise the
      // thread gets time to flush its output and end by itself.
      if (received !== undefined) return stop();
      timer = setTimeout(stop, LINGER_MS);
      timer.unref();
    }
  });
  worker.on('error', (err: Error) => {
    code ??= 1;
    process.stderr.write(`polytope: internal error: ${err.stack ?? err.message}\n`);
  });
  let ended = false;
  /** What every end does once: stop the timers, undo a cancelled run's writes, say "cancelled". */
  const end = (): void => {
    ended = true;
    clearTimeout(timer);
    clearTimeout(hard);
    clearInterval(heartbeat);
    for (const sig of Object.keys(SIGNALS) as Handled[]) process.off(sig, onSignal);
    // A cancelled run that did not finish leaves nothing: its files, temporary files and new folders.
    if (received !== undefined && code !== 0) rollbackPaths([...temps, ...written], madeDirs);
    else rollbackPaths(temps, []);
    if (received !== undefined) process.stderr.write('polytope: cancelled\n');
  };
  const dieBySignal = (): void => {
    if (ended || received === undefined) return;
    end();
    process.kill(process.pid, received); // no listener left: the default action ends the process
  };
  worker.on('exit', () => {
    if (ended) return;
    end();
    process.exitCode = received !== undefined ? 128 + SIGNALS[received] : (code ?? 1);
  });
}

/** With stderr not a terminal, a line after this long without any output from the command (ms). */
const HEARTBEAT_MS = 5000;

/**
 * Passes the command's stderr through and, when stderr is not a terminal (a log, a CI job) and the
 * command has said nothing for `HEARTBEAT_MS` (one region of a 784-d walk can take minutes of LPs
 * that report nothing), writes `walk: still working · 25 s`. Not with --quiet.
 */
function startHeartbeat(worker: Worker, args: readonly string[]): ReturnType<typeof setInterval> | undefined {
  let last = Date.now();
  worker.stderr!.on('data', (chunk: Buffer) => {
    last = Date.now();
    process.stderr.write(chunk);
  });
  if (process.stderr.isTTY === true || args.includes('--quiet')) return undefined;
  const start = Date.now();
  const name = args.find((a) => !a.startsWith('-')) ?? 'polytope';
  const timer = setInterval(() => {
    if (Date.now() - last < HEARTBEAT_MS) return;
    last = Date.now();
    process.stderr.write(`${name}: still working · ${Math.round((Date.now() - start) / 1000)} s\n`);
  }, HEARTBEAT_MS / 5);
  timer.unref();
  return timer;
}
