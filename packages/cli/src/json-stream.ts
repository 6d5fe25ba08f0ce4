/**
 * Streaming JSON output for results too large to hold as one string: `JsonObjectWriter` writes one
 * object field by field to a file descriptor, with an array field whose elements are serialized one
 * at a time or copied from spool files; `RecordSpool` collects pre-serialized records into one
 * temporary file per group, so records that arrive interleaved from worker threads come out in
 * group order (the same bytes for every thread count).
 *
 * Layout: `{"a":…,"b":…,"items":[\n` + elements separated by `,\n` + `\n]}\n`, i.e. exactly
 * `JSON.stringify` of the fields, with the array's elements one per line.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InternalError } from '@polytope-lens/core';
import { session } from './session.js';
import { prepareOutput, tempPathFor } from './util.js';

/** Writes one JSON object to an open file descriptor, field by field. */
export class JsonObjectWriter {
  private fields = 0;
  private elements = 0;
  private inArray = false;
  private readonly copyBuffer = Buffer.allocUnsafe(1 << 20);

  constructor(private readonly fd: number) {}

  /** A field serialized with `JSON.stringify` (skipped, as `JSON.stringify` skips it, when undefined). */
  field(key: string, value: unknown): this {
    if (value === undefined) return this;
    this.key(key);
    writeSync(this.fd, JSON.stringify(value));
    return this;
  }

  /** Opens an array field; its elements follow with `element` / `elementsFromFile`, then `closeArray`. */
  openArray(key: string): this {
    this.key(key);
    writeSync(this.fd, '[\n');
    this.inArray = true;
    this.elements = 0;
    return this;
  }

  /** One array element, already serialized. */
  element(json: string): this {
    this.separate();
    writeSync(this.fd, json);
    return this;
  }

  /** Copies a non-empty file of serialized elements separated by `,\n` (a `RecordSpool` group). */
  elementsFromFile(path: string): this {
    this.separate();
    const inp = openSync(path, 'r');
    try {
      let left = fstatSync(inp).size;
      while (left > 0) {
        const n = readSync(inp, this.copyBuffer, 0, Math.min(this.copyBuffer.length, left), null);
        if (n <= 0) break;
        writeSync(this.fd, this.copyBuffer, 0, n);
        left -= n;
      }
    } finally {
      closeSync(inp);
    }
    return this;
  }

  closeArray(): this {
    writeSync(this.fd, '\n]');
    this.inArray = false;
    return this;
  }

  /** Closes the object (and a trailing newline). */
  end(): void {
    if (this.inArray) this.closeArray();
    writeSync(this.fd, this.fields === 0 ? '{}\n' : '}\n');
  }

  private key(key: string): void {
    writeSync(this.fd, `${this.fields === 0 ? '{' : ','}${JSON.stringify(key)}:`);
    this.fields++;
  }

  private separate(): void {
    if (!this.inArray) throw new InternalError('JsonObjectWriter: element outside an array');
    if (this.elements > 0) writeSync(this.fd, ',\n');
    this.elements++;
  }
}

/** Pre-serialized records spooled to one temporary file per group, written in chunks of about 1 MiB. */
export class RecordSpool {
  private readonly groups = new Map<number, { fd: number; chunk: string[]; len: number; count: number }>();

  /** `pathOf(g)` names group g's temporary file; `target`, the file they end up in, names write errors (ENOSPC, …). */
  constructor(
    private readonly pathOf: (group: number) => string,
    private readonly target?: string,
  ) {}

  add(group: number, json: string): void {
    let g = this.groups.get(group);
    if (!g) {
      const path = this.pathOf(group);
      session().openTemp(path);
      g = { fd: openSync(path, 'w'), chunk: [], len: 0, count: 0 };
      this.groups.set(group, g);
    }
    const s = g.count === 0 ? json : ',\n' + json;
    g.count++;
    g.chunk.push(s);
    g.len += s.length;
    if (g.len > 1 << 20) this.flush(g);
  }

  /** Flushes and closes every group file (call before `writeInto`). */
  finish(): void {
    for (const g of this.groups.values()) {
      this.flush(g);
      closeSync(g.fd);
      g.fd = -1;
    }
  }

  /** Appends every group's records, in group order, to an open array of `out`. */
  writeInto(out: JsonObjectWriter): void {
    for (const i of [...this.groups.keys()].sort((a, b) => a - b)) out.elementsFromFile(this.pathOf(i));
  }

  /** Closes and deletes every group file (safe to call more than once). */
  cleanup(): void {
    for (const [i, g] of this.groups) {
      if (g.fd >= 0) {
        try {
          closeSync(g.fd);
        } catch {
          // already closed
        }
        g.fd = -1;
      }
      rmSync(this.pathOf(i), { force: true });
      session().closeTemp(this.pathOf(i));
    }
  }

  private flush(g: { fd: number; chunk: string[]; len: number }): void {
    if (g.chunk.length) {
      try {
        writeSync(g.fd, g.chunk.join(''));
      } catch (err) {
        throw withPath(err, this.target);
      }
    }
    g.chunk = [];
    g.len = 0;
  }
}

/**
 * Writes `path` atomically through a file descriptor: `write(fd)` fills a temporary sibling (known
 * to the session, so a signal cleans it up), which is then renamed over the target; on any error
 * the temporary file is removed and a write error names `path`. Shared by the spooled JSON and the
 * npz writer.
 */
export function writeAtomicFd(path: string, write: (fd: number) => void): void {
  const target = prepareOutput(path);
  const tmp = tempPathFor(target);
  const run = session();
  run.openTemp(tmp);
  const fd = openSync(tmp, 'w');
  try {
    write(fd);
    closeSync(fd);
    renameSync(tmp, target);
    run.wrote(path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw withPath(err, path);
  } finally {
    run.closeTemp(tmp);
  }
}

/** Writes `{ …header, "regions": [spooled records] }` to `path` atomically (temporary file, then rename). */
export function writeSpooledJson(path: string, header: Record<string, unknown>, spool: RecordSpool | undefined): void {
  writeAtomicFd(path, (fd) => {
    const out = new JsonObjectWriter(fd);
    for (const [key, value] of Object.entries(header)) out.field(key, value);
    if (spool) {
      out.openArray('regions');
      spool.writeInto(out);
      out.closeArray();
    }
    out.end();
  });
}

/** A write error on a file descriptor carries no path: name `path` (the user's target) in it, so its one-line message says which file. */
function withPath(err: unknown, path: string | undefined): unknown {
  const e = err as NodeJS.ErrnoException;
  if (path !== undefined && err instanceof Error && typeof e.code === 'string' && e.path === undefined) e.path = path;
  return err;
}
