import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonObjectWriter, RecordSpool } from './json-stream.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'json-stream-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes a document with `fill` and returns its text. */
function write(fill: (w: JsonObjectWriter) => void): string {
  const path = join(tmp(), 'out.json');
  const fd = openSync(path, 'w');
  fill(new JsonObjectWriter(fd));
  closeSync(fd);
  return readFileSync(path, 'utf8');
}

describe('JsonObjectWriter', () => {
  it('writes the fields exactly as JSON.stringify does, then the array one element per line', () => {
    const header = {
      summary: { regions: 2, seconds: 0.5 },
      plane: { kind: 'input plane', box: [-1, 1, -1, 1] },
      skipped: undefined,
      boundary: [[[0, 1]]],
    };
    const text = write((w) => {
      for (const [k, v] of Object.entries(header)) w.field(k, v);
      w.openArray('regions').element('{"a":1}').element('{"a":2}').closeArray().end();
    });
    expect(text).toBe(JSON.stringify(header).slice(0, -1) + ',"regions":[\n{"a":1},\n{"a":2}\n]}\n');
    expect(JSON.parse(text)).toEqual({ ...JSON.parse(JSON.stringify(header)), regions: [{ a: 1 }, { a: 2 }] });
  });

  it('writes an empty array as "[\\n\\n]" (the layout of the former string surgery)', () => {
    expect(write((w) => w.field('n', 0).openArray('regions').closeArray().end())).toBe('{"n":0,"regions":[\n\n]}\n');
  });

  it('refuses an element outside an array', () => {
    expect(() => write((w) => w.element('1'))).toThrow(/outside an array/);
  });
});

describe('RecordSpool', () => {
  it('joins groups in group order whatever order records arrive in, and deletes its files', () => {
    const dir = tmp();
    const pathOf = (g: number) => join(dir, `g${g}.tmp`);
    const spool = new RecordSpool(pathOf);
    spool.add(2, '"c1"');
    spool.add(0, '"a1"');
    spool.add(2, '"c2"');
    spool.add(1, '"b1"');
    spool.add(0, '"a2"');
    spool.finish();
    const text = write((w) => {
      w.openArray('items');
      spool.writeInto(w);
      w.closeArray().end();
    });
    expect(text).toBe('{"items":[\n"a1",\n"a2",\n"b1",\n"c1",\n"c2"\n]}\n');
    expect(existsSync(pathOf(1))).toBe(true);
    spool.cleanup();
    spool.cleanup();
    expect([0, 1, 2].some((g) => existsSync(pathOf(g)))).toBe(false);
  });

  it('flushes large groups in chunks without changing the bytes', () => {
    const dir = tmp();
    const spool = new RecordSpool((g) => join(dir, `g${g}.tmp`));
    const big = JSON.stringify('x'.repeat(300_000));
    for (let i = 0; i < 8; i++) spool.add(0, big);
    spool.finish();
    const text = write((w) => {
      w.openArray('items');
      spool.writeInto(w);
      w.end();
    });
    expect(text).toBe(`{"items":[\n${new Array(8).fill(big).join(',\n')}\n]}\n`);
    spool.cleanup();
  });
});
