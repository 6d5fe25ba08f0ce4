import { lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AbortError, PolytopeError } from '@polytope-lens/core';
import type { ErrorCode } from '@polytope-lens/core';
import { session } from './session.js';

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

/** Short words for the file-system errors a user can cause or fix (permissions, full disk, wrong kind of path). */
const FS_ERRORS: Readonly<Record<string, string>> = Object.freeze({
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent of it is not a directory',
  EEXIST: 'a file is in the way of a folder',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ELOOP: 'too many symbolic links',
});

/**
 * A one-line message for a Node file-system error (`cannot write 'out/x.json': permission denied
 * (EACCES)`), or undefined for anything else. Such errors are the user's environment, not a bug: the
 * CLI prints this line and exits 2 instead of a stack trace.
 */
export function fsErrorMessage(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !Object.hasOwn(FS_ERRORS, e.code) || typeof e.syscall !== 'string') return undefined;
  const verb = /^(open|write|rename|mkdir|unlink|rm|copyfile|ftruncate|close|fsync)$/.test(e.syscall) ? 'write' : 'read';
  const path = e.path ?? (e as { dest?: string }).dest ?? '';
  return `cannot ${verb === 'write' && e.syscall === 'open' ? 'open' : verb} '${path}': ${FS_ERRORS[e.code]} (${e.code})`;
}

/** Our own temporary files beside `base`: `base.PID.tmp`, `base.PID.gN.tmp` (the slice's spool groups) and `base.PID.gN.NAME.tmp` (npz spools). */
function tempPattern(base: string): RegExp {
  return new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)(\\.g\\d+)?(\\.[a-z_]+)?\\.tmp$`);
}

/** Whether a process with this id is running (signal 0 probes without sending anything). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes temporary files that an earlier run left beside `path` when it was killed outright
 * (`kill -9`, a power cut): our own names only (`path.PID.tmp`, `path.PID.gN.tmp`), and only when
 * that process is gone. Returns how many were deleted.
 */
export function cleanStaleTemps(path: string): number {
  const dir = dirname(path) || '.';
  const re = tempPattern(basename(path));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = re.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}

/**
 * Checks an output path and returns the file to write: a symbolic link is followed to its target
 * (the link stays a link), and the target must be a regular file that is writable and is not one of
 * this run's inputs. Creates the folder, and deletes stale temporary files of earlier killed runs.
 */
export function prepareOutput(path: string, what = 'output'): string {
  if (path.trim() === '') throw new CliError(`the ${what} path is empty; give a file name`);
  let target = path;
  const link = lstatOrUndefined(path);
  if (link?.isSymbolicLink()) {
    try {
      target = realpathSync(path);
    } catch {
      target = resolve(dirname(path), readlinkSync(path)); // a dangling link: write its target
    }
  }
  const made = mkdirSync(dirname(target) || '.', { recursive: true });
  if (made !== undefined) session().madeDir(made);
  const st = statOrUndefined(target);
  if (st) {
    if (!st.isFile())
      throw new CliError(`${what} '${path}' is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; give a file name`, 'bad-file');
    if ((st.mode & 0o222) === 0) throw new CliError(`${what} '${path}' is read-only; make it writable or choose another name`, 'bad-file');
    if (session().isInput(realpathSync(target)))
      throw new CliError(`${what} '${path}' is one of this command's inputs; refusing to overwrite it (choose another name)`, 'bad-file');
  }
  cleanStaleTemps(target);
  return target;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The temporary sibling an atomic write of `target` goes through (`target.PID.tmp`). */
export function tempPathFor(target: string, group?: number): string {
  return `${target}.${process.pid}${group === undefined ? '' : `.g${group}`}.tmp`;
}

/** Writes `data` to `target` through a temporary sibling registered with the run; `output` also records it as an output. */
function writeThroughTemp(target: string, data: string | Uint8Array, output: string | undefined): void {
  const tmp = tempPathFor(target);
  const run = session();
  run.openTemp(tmp);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
    if (output !== undefined) run.wrote(output);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    run.closeTemp(tmp);
  }
}

/**
 * Writes a file atomically: to a temporary sibling first, then renamed into place, so a crash, an
 * error or a signal never leaves a half-written output behind (see {@link prepareOutput} for the
 * checks on the path). The temporary file is registered with the run, so the supervisor deletes it
 * if the command has to be stopped from outside.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeThroughTemp(prepareOutput(path), data, path);
}

/**
 * Writes a file of a run's kept state (`prune --state`) atomically, as {@link writeFileAtomic} does,
 * but not as an output: a cancelled run keeps it (only an unfinished temporary sibling is deleted),
 * so that a rerun can go on from it. Creates the folder when needed, and keeps it too.
 */
export function writeFileKept(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  writeThroughTemp(path, data, undefined);
}

/** `camelCase` → `snake_case`: every JSON key the CLI writes is snake_case (docs/formats.md). */
function snakeCase(key: string): string {
  // Only camelCase identifiers: names such as `A` (a matrix) or `W1` keep their spelling.
  return /^[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}

/** A JSON-ready copy of `value` with every object key (at any depth) in snake_case; typed arrays become arrays. */
export function snakeJson(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(snakeJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[snakeCase(k)] = snakeJson(v);
    return out;
  }
  return value;
}

/** A copy of a plain object with snake_case keys, nested plain objects too (arrays and typed arrays kept as they are). */
export function snakeKeys<T extends object>(obj: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj))
    out[snakeCase(k)] = v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) ? snakeKeys(v as object) : v;
  return out;
}

/**
 * The files a run wrote, for its last line: listed one by one, except that a folder with more than
 * `perFolder` of them is counted (`12 files in runs/anim/frames/`).
 */
export function writtenSummary(files: readonly string[], perFolder = 4): string {
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const d = dirname(f);
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  const parts: string[] = [];
  for (const [d, fs] of byDir) {
    if (fs.length > perFolder) parts.push(`${fs.length} files in ${d}/`);
    else parts.push(...fs);
  }
  return parts.join(', ');
}
