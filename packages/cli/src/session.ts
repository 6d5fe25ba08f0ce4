/**
 * One command run's process-level state, in the thread that runs the command: the cancellation
 * signal, the temporary files it has open, the input files it has read, and whether stderr is a
 * terminal.
 *
 * Under `bin/polytope.js` the command runs in a worker thread started by the supervisor
 * (`supervisor.ts`), whose main thread receives SIGINT, SIGTERM and SIGHUP. The supervisor sets a
 * shared flag; this thread's `signal.aborted` reads that flag directly, so a synchronous loop that
 * checks the signal stops at once, and a 50 ms timer fires the signal's `abort` event for code that
 * is waiting. Temporary files are reported to the supervisor as they are created and renamed, so it
 * can delete them if the command has to be stopped from outside (see `supervisor.ts`).
 *
 * In-process (`main()` called directly, as the tests' `runCli` does) there is no supervisor: the
 * signal is a plain one that nothing aborts, and the temporary files are only tracked.
 */
import { realpathSync } from 'node:fs';
import { rollbackPaths } from './rollback.js';
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { AbortError } from '@polytope-lens/core';

/** What the supervisor hands the command thread (`workerData.polytope`). */
export interface SupervisorLink {
  readonly argv: string[];
  /** Element 0: the signal number received (0 while none). */
  readonly flag: Int32Array;
  /** Whether the real stderr is a terminal, and its width. */
  readonly tty: boolean;
  readonly columns: number;
}

/** Messages from the command thread to the supervisor. */
export type ToSupervisor =
  | { type: 'temp'; path: string; open: boolean }
  | { type: 'wrote'; path: string }
  | { type: 'made-dir'; path: string }
  | { type: 'done'; code: number };

/** How often a waiting command thread looks at the supervisor's flag (ms). */
const POLL_MS = 50;

/** The supervisor's link when this thread runs a command for it, else undefined. */
export function supervisorLink(): SupervisorLink | undefined {
  const data = workerData as { polytope?: SupervisorLink } | null | undefined;
  return data?.polytope;
}

/** The per-run state (see the file comment). */
export class RunSession {
  private readonly controller = new AbortController();
  /** Aborted when the run is cancelled by a signal (SIGINT, SIGTERM, SIGHUP). */
  readonly signal: AbortSignal;
  /** Whether progress can be drawn in place (stderr is a terminal). */
  readonly stderrIsTTY: boolean;
  readonly columns: number;
  private readonly temps = new Set<string>();
  /** Output files written so far, in order. */
  readonly written: string[] = [];
  private readonly inputs = new Set<string>();
  private readonly poll: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly link?: SupervisorLink) {
    this.signal = this.controller.signal;
    this.stderrIsTTY = link ? link.tty : process.stderr.isTTY === true;
    this.columns = link ? link.columns : (process.stderr.columns ?? 80);
    if (link) {
      const aborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
      const { signal, controller } = this;
      // A synchronous loop reading `signal.aborted` sees the supervisor's flag at once.
      Object.defineProperty(signal, 'aborted', {
        get(): boolean {
          if (!(aborted.call(signal) as boolean) && Atomics.load(link.flag, 0) !== 0) controller.abort(new AbortError('cancelled'));
          return aborted.call(signal) as boolean;
        },
      });
      this.poll = setInterval(() => void signal.aborted, POLL_MS);
      this.poll.unref();
    }
  }

  /** Whether a supervisor runs this command (see supervisor.ts). */
  get supervised(): boolean {
    return this.link !== undefined;
  }

  /** The signal number received, or 0. */
  get received(): number {
    return this.link ? Atomics.load(this.link.flag, 0) : 0;
  }

  /** A temporary file now exists (it is deleted if the run is stopped before `closeTemp`). */
  openTemp(path: string): void {
    this.temps.add(path);
    this.tell({ type: 'temp', path: resolve(path), open: true });
  }

  /** A temporary file was renamed into place or deleted. */
  closeTemp(path: string): void {
    this.temps.delete(path);
    this.tell({ type: 'temp', path: resolve(path), open: false });
  }

  /** Folders this run created (to remove them when it is cancelled). */
  private readonly madeDirs: string[] = [];

  /** An output file is complete (renamed into place). */
  wrote(path: string): void {
    if (!this.written.includes(path)) this.written.push(path);
    this.tell({ type: 'wrote', path: resolve(path) });
  }

  /** This run created the folder `path` (the outermost one it created). */
  madeDir(path: string): void {
    this.madeDirs.push(path);
    this.tell({ type: 'made-dir', path: resolve(path) });
  }

  /**
   * A cancelled run leaves nothing behind: deletes the files it wrote, its open temporary files and
   * the folders it created (with what is in them).
   */
  rollback(): void {
    rollbackPaths([...this.temps, ...this.written], this.madeDirs);
  }

  /** The temporary files still open. */
  openTemps(): string[] {
    return [...this.temps];
  }

  /** Records a file the command reads, so that no output of the same run replaces it. */
  noteInput(path: string): void {
    try {
      this.inputs.add(realpathSync(path));
    } catch {
      // not readable: the read itself reports it
    }
  }

  /** Whether `realPath` (a resolved path) is one of this run's inputs. */
  isInput(realPath: string): boolean {
    return this.inputs.has(realPath);
  }

  /** Tells the supervisor the command's exit status. */
  done(code: number): void {
    if (this.poll) clearInterval(this.poll);
    this.tell({ type: 'done', code });
  }

  private tell(msg: ToSupervisor): void {
    if (this.link) parentPort?.postMessage(msg);
  }
}

let current: RunSession | undefined;

/** Starts the state of a new command run (called by `main`). */
export function beginSession(): RunSession {
  current = new RunSession(supervisorLink());
  return current;
}

/** The current run's state (a fresh unlinked one outside `main`, e.g. in unit tests). */
export function session(): RunSession {
  current ??= new RunSession(supervisorLink());
  return current;
}
