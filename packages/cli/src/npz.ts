/**
 * NumPy `.npz` output, streamed: an npz is a zip of `.npy` files (NumPy's format 1.0: a magic
 * string, a Python-dict header padded to 64 bytes, then the raw little-endian data in C order).
 * `NpzBuilder` collects arrays that are either small and whole (`array`) or streamed row by row
 * into temporary spool files (`declare` + `append`, one file per member and work group, so rows that
 * arrive interleaved from worker threads come out in group order), then writes the zip in one pass
 * (stored entries, CRC-32 computed while copying, zip64 records when a member, an offset or the
 * directory passes 4 GiB) to a temporary sibling renamed into place. Memory stays bounded by the
 * append buffers (64 KiB per member and group) and one 1 MiB copy buffer. Layouts: docs/formats.md.
 */
import { appendFileSync, closeSync, fstatSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { InternalError } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import { session } from './session.js';
import { writeAtomicFd } from './json-stream.js';
import { CliError, tempPathFor } from './util.js';

/** The NumPy dtypes the CLI writes: float64, int64, int32, uint8, bool. */
export type NpyDtype = '<f8' | '<i8' | '<i4' | '|u1' | '|b1';

const ITEM_SIZE: Readonly<Record<NpyDtype, number>> = { '<f8': 8, '<i8': 8, '<i4': 4, '|u1': 1, '|b1': 1 };

/** Flush a spool buffer to its file above this many bytes. */
const APPEND_BUFFER = 1 << 16;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

/** The `.npy` header (format 1.0) for an array of `dtype` and `shape`, padded so the data starts at a multiple of 64. */
function npyHeader(dtype: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1')]);
}

/** Little-endian bytes of a typed array (the platform is little-endian; checked once below). */
function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new InternalError('npz output needs a little-endian platform');

/** Strings as a NumPy unicode array (`<U{n}`: UTF-32LE code points, each string padded to the longest). */
export function unicodeArray(strings: readonly string[]): { dtype: string; data: Uint8Array } {
  const cps = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const n = Math.max(1, ...cps.map((c) => c.length));
  const out = new Uint32Array(n * strings.length);
  cps.forEach((c, i) => out.set(c, i * n));
  return { dtype: `<U${n}`, data: bytesOf(out) };
}

interface SpoolPart {
  readonly path: string;
  chunks: Uint8Array[];
  buffered: number;
  bytes: number;
}

interface Member {
  readonly name: string;
  readonly dtype: string;
  /** The whole array's shape, or the shape of one row of a streamed array. */
  readonly shape: readonly number[];
  readonly streamed: boolean;
  readonly whole?: Uint8Array;
  readonly parts: Map<number, SpoolPart>;
}

/** Collects arrays (whole or streamed) and writes them as one `.npz` file. */
export class NpzBuilder {
  private readonly members = new Map<string, Member>();
  private readonly copyBuffer = Buffer.allocUnsafe(1 << 20);

  /**
   * `target` is the checked output path (from `prepareOutput`): spool files live beside it as
   * `target.PID.gG.NAME.tmp`, so a killed run's leftovers are cleaned like the other temporaries.
   * `forceZip64` writes zip64 records even for small files (tests use it; readers must not care).
   */
  constructor(
    private readonly target: string,
    private readonly forceZip64 = false,
  ) {}

  /** A small array written whole (`data` is copied by reference; do not change it afterwards). */
  array(name: string, dtype: NpyDtype | string, shape: readonly number[], data: ArrayBufferView): this {
    const bytes = bytesOf(data);
    const itemSize = dtype.startsWith('<U') ? 4 * Number(dtype.slice(2)) : ITEM_SIZE[dtype as NpyDtype];
    if (bytes.length !== itemSize * shape.reduce((a, b) => a * b, 1))
      throw new InternalError(`npz member ${name}: ${bytes.length} bytes for shape [${shape.join(', ')}]`);
    this.add({ name, dtype, shape, streamed: false, whole: bytes, parts: new Map() });
    return this;
  }

  /** A scalar (0-d array): float64, or int64 for `dtype` '<i8', bool for '|b1'. */
  scalar(name: string, value: number | boolean, dtype: '<f8' | '<i8' | '|b1' = '<f8'): this {
    const data =
      dtype === '<f8'
        ? new Float64Array([Number(value)])
        : dtype === '<i8'
          ? new BigInt64Array([BigInt(value)])
          : new Uint8Array([value ? 1 : 0]);
    return this.array(name, dtype, [], data);
  }

  /** A streamed array of rows of `rowShape` (its first dimension is the number of rows appended). */
  declare(name: string, dtype: NpyDtype, rowShape: readonly number[] = []): this {
    this.add({ name, dtype, shape: rowShape, streamed: true, parts: new Map() });
    return this;
  }

  /** Appends whole rows to a streamed array, in work group `group` (groups are joined in increasing order). */
  append(name: string, data: ArrayBufferView, group = 0): void {
    const m = this.members.get(name);
    if (!m?.streamed) throw new InternalError(`npz member ${name} was not declared as streamed`);
    let part = m.parts.get(group);
    if (!part) {
      const path = `${tempPathFor(this.target, group).replace(/\.tmp$/, '')}.${name}.tmp`;
      session().openTemp(path);
      rmSync(path, { force: true });
      part = { path, chunks: [], buffered: 0, bytes: 0 };
      m.parts.set(group, part);
    }
    const bytes = bytesOf(data).slice();
    part.chunks.push(bytes);
    part.buffered += bytes.length;
    part.bytes += bytes.length;
    if (part.buffered > APPEND_BUFFER) flushPart(part);
  }

  /** Whether a member of this name was added. */
  has(name: string): boolean {
    return this.members.has(name);
  }

  /** The bytes of a streamed member so far, groups in order (for small members that others derive from, e.g. counts → offsets). */
  readStreamed(name: string): Uint8Array {
    const m = this.members.get(name);
    if (!m?.streamed) throw new InternalError(`npz member ${name} was not declared as streamed`);
    const parts: Uint8Array[] = [];
    for (const g of [...m.parts.keys()].sort((a, b) => a - b)) {
      const p = m.parts.get(g)!;
      flushPart(p);
      parts.push(readFileSync(p.path));
    }
    return new Uint8Array(Buffer.concat(parts)); // a fresh, aligned buffer
  }

  /** Writes the `.npz` atomically to `path` (a temporary sibling, then a rename) and deletes the spool files. */
  write(path: string): void {
    try {
      writeAtomicFd(path, (fd) => {
        for (const m of this.members.values()) for (const p of m.parts.values()) flushPart(p);
        new ZipWriter(fd, this.forceZip64, this.copyBuffer).writeAll([...this.members.values()]);
      });
    } finally {
      this.cleanup();
    }
  }

  /** Deletes every spool file (safe to call more than once). */
  cleanup(): void {
    for (const m of this.members.values())
      for (const p of m.parts.values()) {
        rmSync(p.path, { force: true });
        session().closeTemp(p.path);
      }
  }

  private add(m: Member): void {
    if (this.members.has(m.name)) throw new InternalError(`npz member ${m.name} given twice`);
    this.members.set(m.name, m);
  }
}

function flushPart(p: SpoolPart): void {
  if (p.chunks.length === 0) return;
  appendFileSync(p.path, Buffer.concat(p.chunks));
  p.chunks = [];
  p.buffered = 0;
}

interface CentralEntry {
  readonly name: Buffer;
  readonly crc: number;
  readonly size: number;
  readonly offset: number;
}

/** A zip of stored entries, written front to back to a file descriptor (the CRC is patched into each local header). */
class ZipWriter {
  private pos = 0;
  private readonly entries: CentralEntry[] = [];

  constructor(
    private readonly fd: number,
    private readonly forceZip64: boolean,
    private readonly copyBuffer: Buffer,
  ) {}

  writeAll(members: readonly Member[]): void {
    for (const m of members) this.member(m);
    this.centralDirectory();
  }

  private put(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.pos + done);
    this.pos += buf.length;
  }

  private member(m: Member): void {
    const rowBytes =
      (m.dtype.startsWith('<U') ? 4 * Number(m.dtype.slice(2)) : ITEM_SIZE[m.dtype as NpyDtype]) * m.shape.reduce((a, b) => a * b, 1);
    let payload = m.whole?.length ?? 0;
    const groups = [...m.parts.keys()].sort((a, b) => a - b);
    for (const g of groups) payload += m.parts.get(g)!.bytes;
    const shape = m.streamed ? [rowBytes === 0 ? 0 : payload / rowBytes, ...m.shape] : m.shape;
    if (m.streamed && rowBytes > 0 && payload % rowBytes !== 0) throw new InternalError(`npz member ${m.name}: partial row`);
    const header = npyHeader(m.dtype, shape);
    const size = header.length + payload;
    const name = Buffer.from(`${m.name}.npy`, 'utf8');
    const offset = this.pos;
    const zip64 = this.forceZip64 || size >= U32_MAX;
    const local = Buffer.alloc(30 + name.length + (zip64 ? 20 : 0));
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // 00:00
    local.writeUInt16LE(33, 12); // 1980-01-01
    local.writeUInt32LE(zip64 ? U32_MAX : size, 18);
    local.writeUInt32LE(zip64 ? U32_MAX : size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(zip64 ? 20 : 0, 28);
    name.copy(local, 30);
    if (zip64) {
      const x = 30 + name.length;
      local.writeUInt16LE(1, x);
      local.writeUInt16LE(16, x + 2);
      local.writeBigUInt64LE(BigInt(size), x + 4);
      local.writeBigUInt64LE(BigInt(size), x + 12);
    }
    this.put(local);
    let crc = crc32(header);
    this.put(header);
    // (zlib.crc32 returns 0 for an empty view of an empty ArrayBuffer, so empty data is skipped.)
    if (m.whole && m.whole.length > 0) {
      crc = crc32(m.whole, crc);
      this.put(m.whole);
    }
    for (const g of groups) crc = this.copyFile(m.parts.get(g)!.path, crc);
    const crcBuf = Buffer.alloc(4);
    crcBuf.writeUInt32LE(crc >>> 0, 0);
    writeSync(this.fd, crcBuf, 0, 4, offset + 14);
    this.entries.push({ name, crc: crc >>> 0, size, offset });
  }

  private copyFile(path: string, crc: number): number {
    const inp = openSync(path, 'r');
    try {
      let left = fstatSync(inp).size;
      while (left > 0) {
        const n = readSync(inp, this.copyBuffer, 0, Math.min(this.copyBuffer.length, left), null);
        if (n <= 0) throw new InternalError(`npz spool ${path} ended early`);
        const chunk = this.copyBuffer.subarray(0, n);
        crc = crc32(chunk, crc);
        this.put(chunk);
        left -= n;
      }
    } finally {
      closeSync(inp);
    }
    return crc;
  }

  private centralDirectory(): void {
    const start = this.pos;
    for (const e of this.entries) this.put(this.centralEntry(e));
    const cdSize = this.pos - start;
    const count = this.entries.length;
    const zip64 = this.forceZip64 || count >= U16_MAX || cdSize >= U32_MAX || start >= U32_MAX;
    if (zip64) {
      const rec = Buffer.alloc(56 + 20);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(45, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(start), 48);
      rec.writeUInt32LE(0x07064b50, 56); // locator
      rec.writeBigUInt64LE(BigInt(start + cdSize), 64);
      rec.writeUInt32LE(1, 72);
      this.put(rec);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? U16_MAX : count, 8);
    end.writeUInt16LE(zip64 ? U16_MAX : count, 10);
    end.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(zip64 ? U32_MAX : start, 16);
    this.put(end);
  }

  private centralEntry(e: CentralEntry): Buffer {
    const bigSize = this.forceZip64 || e.size >= U32_MAX;
    const bigOffset = this.forceZip64 || e.offset >= U32_MAX;
    const extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
    const b = Buffer.alloc(46 + e.name.length + (extra > 0 ? 4 + extra : 0));
    b.writeUInt32LE(0x02014b50, 0);
    b.writeUInt16LE(45, 4);
    b.writeUInt16LE(bigSize || bigOffset ? 45 : 20, 6);
    b.writeUInt16LE(0x0800, 8);
    b.writeUInt16LE(33, 14);
    b.writeUInt32LE(e.crc, 16);
    b.writeUInt32LE(bigSize ? U32_MAX : e.size, 20);
    b.writeUInt32LE(bigSize ? U32_MAX : e.size, 24);
    b.writeUInt16LE(e.name.length, 28);
    b.writeUInt16LE(extra > 0 ? 4 + extra : 0, 30);
    b.writeUInt32LE(bigOffset ? U32_MAX : e.offset, 42);
    e.name.copy(b, 46);
    if (extra > 0) {
      let x = 46 + e.name.length;
      b.writeUInt16LE(1, x);
      b.writeUInt16LE(extra, x + 2);
      x += 4;
      if (bigSize) {
        b.writeBigUInt64LE(BigInt(e.size), x);
        b.writeBigUInt64LE(BigInt(e.size), x + 8);
        x += 16;
      }
      if (bigOffset) b.writeBigUInt64LE(BigInt(e.offset), x);
    }
    return b;
  }
}

/**
 * How activation codes are packed: with only two-state units (ReLU, leaky ReLU, PReLU) one bit per
 * unit, 8 units per byte, first unit in the high bit (`numpy.unpackbits(codes, axis=-1, count=units)`
 * undoes it); otherwise (hard-tanh, max-pool) one byte per unit holding its state.
 */
export class CodePacker {
  readonly bits: 1 | 8;
  readonly units: number;
  readonly rowBytes: number;

  constructor(net: Network) {
    this.units = net.numUnits;
    const binary = net.activations.every((s) => ['relu', 'leaky_relu', 'prelu'].includes(net.nodes[s.node]!.type));
    this.bits = binary ? 1 : 8;
    this.rowBytes = binary ? Math.ceil(this.units / 8) : this.units;
  }

  /** One code as a packed row. */
  pack(states: Uint8Array): Uint8Array {
    if (this.bits === 8) return states;
    const out = new Uint8Array(this.rowBytes);
    for (let u = 0; u < this.units; u++) if (states[u]) out[u >> 3]! |= 0x80 >> (u & 7);
    return out;
  }

  /** Declares the streamed `codes` member and the scalars that describe it (`code_bits`, `code_units`). */
  declare(npz: NpzBuilder, name = 'codes'): void {
    npz.declare(name, '|u1', [this.rowBytes]);
    npz.scalar('code_bits', this.bits, '<i8');
    npz.scalar('code_units', this.units, '<i8');
  }
}

/**
 * The output format of a command with `--json PATH` and `--format`: npz when `--format npz` or the
 * path ends in `.npz`; with npz a path ending in `.json` becomes `.npz`.
 */
export function outputFormat(path: string, format: string | undefined): { format: 'json' | 'npz'; path: string } {
  const f = format ?? (/\.npz$/i.test(path) ? 'npz' : 'json');
  if (f !== 'json' && f !== 'npz') throw new CliError(`--format must be json or npz, got '${f}'`);
  return { format: f, path: f === 'npz' ? path.replace(/\.json$/i, '.npz') : path };
}

/** A ragged list as two members: `NAME_offsets` (int64, length n + 1) and `NAME` (the concatenated rows, `rowShape` per item). */
export function csrArrays(
  npz: NpzBuilder,
  name: string,
  items: readonly ArrayLike<number>[],
  dtype: '<f8' | '<i8',
  rowShape: readonly number[] = [],
): void {
  const width = rowShape.reduce((a, b) => a * b, 1);
  const offsets = new BigInt64Array(items.length + 1);
  let total = 0;
  items.forEach((it, i) => {
    total += it.length / width;
    offsets[i + 1] = BigInt(total);
  });
  const data = dtype === '<f8' ? new Float64Array(total * width) : new BigInt64Array(total * width);
  let at = 0;
  for (const it of items)
    for (let k = 0; k < it.length; k++) {
      if (data instanceof Float64Array) data[at++] = it[k]!;
      else data[at++] = BigInt(it[k]!);
    }
  npz.array(`${name}_offsets`, '<i8', [offsets.length], offsets);
  npz.array(name, dtype, [total, ...rowShape], data);
}
