/**
 * The embedded result store: a directory of shard files, one per finished shard, written once.
 *
 *   DIR/NAME/ab/abcdef….json         line 1 {"key":…,"params":…}, line 2 the result's JSON (ab = the key's first two hex digits)
 *   DIR/NAME/failed/abcdef….json     {"key":…,"params":…,"error":"…"}  (the last failure; removed on success)
 *
 * A result is written to a temporary file in the same folder and then hard-linked to its name:
 * `link` fails when the name exists, so the first write wins and a second (a duplicate run) changes
 * nothing; a reader never sees a partial file. A `kill -9` leaves at most temporary files (`.tmp-*`,
 * ignored and removed by `sweepTemps`). Files are readable by any process, so two runs on the same
 * folder share finished shards (the same key is the same result).
 */
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** What a runner needs from a result store (the directory here, Redis in `queue.ts`). */
export interface ResultStore {
  /** The result of shard `key` as JSON text, or undefined while it has none. */
  get(key: string): Promise<string | undefined>;
  /** Records a result unless one exists; true when this call wrote it. */
  put(key: string, params: unknown, resultJson: string): Promise<boolean>;
  /** Records (replaces) the last error of shard `key`. */
  fail(key: string, params: unknown, error: string): Promise<void>;
  /** The failures recorded for these keys. */
  failures(keys: readonly string[]): Promise<{ key: string; error: string }[]>;
}

/** A result store in a directory (see the file comment). */
export class DirStore implements ResultStore {
  private readonly root: string;
  private readonly made = new Set<string>();

  /** Results of sweep `name` under `dir/name`. */
  constructor(dir: string, name: string) {
    this.root = join(dir, name);
  }

  private pathOf(key: string): string {
    return join(this.root, key.slice(0, 2), `${key}.json`);
  }

  private failedPath(key: string): string {
    return join(this.root, 'failed', `${key}.json`);
  }

  get(key: string): Promise<string | undefined> {
    let text: string;
    try {
      text = readFileSync(this.pathOf(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
      throw err;
    }
    // Line 1 says what the shard was, line 2 is its result (JSON has no raw newlines).
    const at = text.indexOf('\n');
    return Promise.resolve(text.slice(at + 1, text.length - 1));
  }

  put(key: string, params: unknown, resultJson: string): Promise<boolean> {
    const path = this.pathOf(key);
    const wrote = writeOnce(path, `${JSON.stringify({ key, params })}\n${resultJson}\n`, this.made);
    if (wrote) rmSync(this.failedPath(key), { force: true });
    return Promise.resolve(wrote);
  }

  fail(key: string, params: unknown, error: string): Promise<void> {
    const path = this.failedPath(key);
    rmSync(path, { force: true });
    writeOnce(path, JSON.stringify({ key, params, error }) + '\n', this.made);
    return Promise.resolve();
  }

  failures(keys: readonly string[]): Promise<{ key: string; error: string }[]> {
    const out: { key: string; error: string }[] = [];
    let names: Set<string>;
    try {
      names = new Set(readdirSync(join(this.root, 'failed')));
    } catch {
      return Promise.resolve(out);
    }
    for (const key of keys) {
      if (!names.has(`${key}.json`)) continue;
      try {
        out.push({ key, error: (JSON.parse(readFileSync(this.failedPath(key), 'utf8')) as { error: string }).error });
      } catch {
        // removed meanwhile (the shard succeeded)
      }
    }
    return Promise.resolve(out);
  }

  /** Removes temporary files left by killed runs. */
  sweepTemps(): void {
    let dirs: string[];
    try {
      dirs = readdirSync(this.root);
    } catch {
      return;
    }
    for (const d of dirs)
      for (const f of safeList(join(this.root, d))) if (f.startsWith('.tmp-')) rmSync(join(this.root, d, f), { force: true });
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Writes `text` to `path` unless it exists (temp file, fsync, hard link); true when written. */
function writeOnce(path: string, text: string, made: Set<string>): boolean {
  const dir = join(path, '..');
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}
