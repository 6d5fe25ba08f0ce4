/**
 * NumPy `.npy` / `.npz` reading and writing, without Node APIs (bytes in, bytes out).
 *
 * Format (NEP 1, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic `\x93NUMPY`, a major/minor version byte pair, a little-endian header length (uint16 for
 * version 1, uint32 for versions 2 and 3), an ASCII (v1, v2) or UTF-8 (v3) Python dict literal
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and ended by a
 * newline, then the raw array data.
 *
 * Every numeric dtype is widened to float64 on read (int64 / uint64 values beyond 2^53 round to the
 * nearest double). npyjs was considered and not used: it pulls in `cross-fetch`, keeps the source
 * dtype (the library wants one float64 representation) and does not write.
 */
import { unzipSync, zipSync } from 'fflate';
import { DEFAULT_MAX_BYTES, checkAllocation } from './budget.js';
import { PolytopeError } from '../errors.js';

/** An array read from `.npy`: row-major (C order) data widened to float64. */
export interface NpyArray {
  /** Dimensions, outermost first; `[]` for a 0-d (scalar) array. */
  shape: number[];
  /** Row-major values; length is the product of `shape` (1 for a scalar). */
  data: Float64Array;
  /** The dtype descriptor as stored in the file, e.g. `'<f4'`, `'|u1'`. */
  dtype: string;
}

/** Element types `writeNpy` can store. */
export type NpyWriteDtype = 'float64' | 'float32';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface Reader {
  size: number;
  get(view: DataView, offset: number): number;
}

const READERS: Record<string, Reader> = {
  f2: { size: 2, get: (v, o) => halfToFloat(v.getUint16(o, true)) },
  f4: { size: 4, get: (v, o) => v.getFloat32(o, true) },
  f8: { size: 8, get: (v, o) => v.getFloat64(o, true) },
  i1: { size: 1, get: (v, o) => v.getInt8(o) },
  i2: { size: 2, get: (v, o) => v.getInt16(o, true) },
  i4: { size: 4, get: (v, o) => v.getInt32(o, true) },
  i8: { size: 8, get: (v, o) => Number(v.getBigInt64(o, true)) },
  u1: { size: 1, get: (v, o) => v.getUint8(o) },
  u2: { size: 2, get: (v, o) => v.getUint16(o, true) },
  u4: { size: 4, get: (v, o) => v.getUint32(o, true) },
  u8: { size: 8, get: (v, o) => Number(v.getBigUint64(o, true)) },
  b1: { size: 1, get: (v, o) => (v.getUint8(o) !== 0 ? 1 : 0) },
};

const SUPPORTED = '<f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1';

/** IEEE 754 binary16 to number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function fail(what: string, message: string): never {
  throw new PolytopeError('bad-file', `${what}: ${message}`);
}

/** Picks the reader for a descriptor such as `<f8`, `|u1`, `=i4`; rejects big-endian and structured types. */
function readerFor(descr: string, what: string): Reader {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(descr);
  const key = m ? `${m[2]}${m[3]}` : '';
  const reader = Object.hasOwn(READERS, key) ? READERS[key] : undefined;
  if (!m || !reader) {
    fail(what, `unsupported dtype '${descr}' (supported: ${SUPPORTED}; structured, complex, string and object arrays are not)`);
  }
  if (m[1] === '>' && reader.size > 1) {
    fail(what, `dtype '${descr}' is big-endian; convert it in NumPy first: np.save(path, arr.astype(arr.dtype.newbyteorder('<')))`);
  }
  return reader;
}

/** Parses the header dict. Tolerates any key order, spacing and trailing commas, as numpy does. */
function parseHeader(text: string, what: string): { descr: string; fortran: boolean; shape: number[] } {
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) fail(what, 'structured (record) arrays are not supported; save a plain numeric array');
    fail(what, `header has no 'descr' entry: ${JSON.stringify(text.trim())}`);
  }
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortranM) fail(what, `header has no 'fortran_order' entry: ${JSON.stringify(text.trim())}`);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeM) fail(what, `header has no 'shape' tuple: ${JSON.stringify(text.trim())}`);
  const shape: number[] = [];
  for (const part of shapeM[1]!.split(',')) {
    const t = part.trim().replace(/L$/, '');
    if (t === '') continue;
    if (!/^\d+$/.test(t)) fail(what, `shape entry '${t}' is not a non-negative integer`);
    shape.push(Number(t));
  }
  return { descr: descrM[2]!, fortran: fortranM[1] === 'True', shape };
}

/**
 * Parses a `.npy` file (format versions 1.0, 2.0 and 3.0; C order; little-endian or byte-order-free
 * dtypes `<f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1`) into float64.
 *
 * Throws `PolytopeError('bad-file')` for a wrong magic, truncated header or data, Fortran order,
 * big-endian or unsupported dtypes. `what` names the source in messages.
 *
 * @example
 * const arr = readNpy(bytes); // bytes of np.save('w.npy', np.eye(2, 3))
 * arr.shape; // [2, 3]
 * arr.data;  // Float64Array [1, 0, 0, 0, 1, 0]
 */
export function readNpy(bytes: Uint8Array, what = '.npy data', maxBytes = DEFAULT_MAX_BYTES): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(what, 'not a .npy file (missing the \\x93NUMPY magic at the start)');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(what, 'truncated header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(what, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    fail(what, `truncated header: it claims ${headerLen} bytes but only ${bytes.length - headerStart} follow`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  // v3 allows UTF-8, but only structured-dtype field names can use non-ASCII, and those are rejected.
  let header = '';
  for (let i = 0; i < headerBytes.length; i++) header += String.fromCharCode(headerBytes[i]!);
  const { descr, fortran, shape } = parseHeader(header, what);
  const reader = readerFor(descr, what);
  if (fortran && shape.filter((s) => s !== 1).length > 1) {
    fail(what, 'arrays in Fortran order (fortran_order=True) are not supported; save np.ascontiguousarray(arr) instead');
  }
  let count = 1;
  for (const s of shape) count *= s;
  checkAllocation(count, 8, `${what}: shape (${shape.join(', ')})`, maxBytes);
  const need = count * reader.size;
  const have = bytes.length - dataStart;
  if (have < need) {
    fail(what, `truncated data: shape (${shape.join(', ')}) of '${descr}' needs ${need} bytes but only ${have} follow the header`);
  }
  if (have > need) {
    fail(what, `${have - need} unexpected bytes after the data of shape (${shape.join(', ')}) of '${descr}'`);
  }
  const data = new Float64Array(count);
  const size = reader.size;
  if (size === 8 && descr.endsWith('f8')) {
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(dataStart + 8 * i, true);
  } else if (size === 4 && descr.endsWith('f4')) {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + 4 * i, true);
  } else if (descr.endsWith('u1')) {
    for (let i = 0; i < count; i++) data[i] = bytes[dataStart + i]!;
  } else {
    const get = reader.get;
    for (let i = 0; i < count; i++) data[i] = get(view, dataStart + size * i);
  }
  return { shape, data, dtype: descr };
}

/**
 * Serializes a row-major array as `.npy` (version 1.0, or 2.0 when the header would not fit
 * 65535 bytes), the way `np.save` does: header padded with spaces to a multiple of 64 bytes.
 *
 * @example
 * const bytes = writeNpy([1, 2, 3, 4, 5, 6], [2, 3]);          // float64, '<f8'
 * const small = writeNpy(new Float32Array(784), [784], 'float32');
 * readNpy(bytes).shape; // [2, 3]
 */
export function writeNpy(data: ArrayLike<number>, shape: readonly number[], dtype: NpyWriteDtype = 'float64'): Uint8Array {
  let count = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new PolytopeError('bad-option', `writeNpy: shape entry ${s} is not a non-negative integer`);
    count *= s;
  }
  if (data.length !== count) {
    throw new PolytopeError('shape-mismatch', `writeNpy: shape [${shape.join(', ')}] holds ${count} values but data has ${data.length}`);
  }
  if (dtype !== 'float64' && dtype !== 'float32') {
    throw new PolytopeError('bad-option', `writeNpy: dtype '${String(dtype)}' is not 'float64' or 'float32'`);
  }
  const descr = dtype === 'float64' ? '<f8' : '<f4';
  const size = dtype === 'float64' ? 8 : 4;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let prefix = 10;
  let major = 1;
  if (dict.length + 1 + 64 > 0xffff) {
    prefix = 12;
    major = 2;
  }
  const total = prefix + dict.length + 1;
  const padded = Math.ceil(total / 64) * 64;
  const headerLen = padded - prefix;
  const out = new Uint8Array(padded + count * size);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  for (let i = prefix + dict.length; i < padded - 1; i++) out[i] = 0x20;
  out[padded - 1] = 0x0a;
  if (size === 8) {
    for (let i = 0; i < count; i++) view.setFloat64(padded + 8 * i, data[i]!, true);
  } else {
    for (let i = 0; i < count; i++) view.setFloat32(padded + 4 * i, data[i]!, true);
  }
  return out;
}

/**
 * Reads a `.npz` archive (`np.savez` or `np.savez_compressed`) into `{ name: array }`, the `.npy`
 * suffix dropped from each name, in archive order. Entries not ending in `.npy` are skipped, and so
 * are those `keep` rejects when it is given (e.g. to leave out string members, which are not numbers).
 * The ZIP64 entry headers NumPy 2 writes are read fine; archives past 4 GiB do not fit in memory anyway.
 *
 * @example
 * const arrays = readNpz(bytes); // bytes of np.savez('d.npz', x=np.zeros((5, 2)), y=np.arange(5))
 * Object.keys(arrays);   // ['x', 'y']
 * arrays.x!.shape;       // [5, 2]
 */
export function readNpz(
  bytes: Uint8Array,
  what = '.npz data',
  maxBytes = DEFAULT_MAX_BYTES,
  keep?: (name: string) => boolean,
): Record<string, NpyArray> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new PolytopeError('bad-file', `${what}: not a .npz (zip) archive`);
  }
  let files: Record<string, Uint8Array>;
  try {
    // Each entry's inflated size is checked before it is inflated (a 1 MB archive of zeros can hold gigabytes).
    let total = 0;
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.endsWith('.npy') || (keep && !keep(f.name.slice(0, -4)))) return false;
        total += f.originalSize;
        checkAllocation(total, 1, `${what}: entry '${f.name}' (inflated)`, maxBytes);
        return true;
      },
    });
  } catch (err) {
    if (err instanceof PolytopeError) throw err;
    throw new PolytopeError('bad-file', `${what}: cannot unzip (${err instanceof Error ? err.message : String(err)})`);
  }
  const out = Object.create(null) as Record<string, NpyArray>; // an entry named '__proto__.npy' or 'toString.npy' is just a name
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out[key] = readNpy(content, `${what} entry '${name}'`, maxBytes);
  }
  return out;
}

/**
 * Writes named arrays as an uncompressed `.npz` archive (what `np.savez` writes; `np.load` reads it).
 *
 * @example
 * const bytes = writeNpz({ jacobian: { data: J, shape: [10, 784] }, bias: { data: b, shape: [10] } });
 */
export function writeNpz(arrays: Record<string, { data: ArrayLike<number>; shape: readonly number[]; dtype?: NpyWriteDtype }>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, arr] of Object.entries(arrays)) {
    files[`${name}.npy`] = [writeNpy(arr.data, arr.shape, arr.dtype ?? 'float64'), { level: 0 }];
  }
  return zipSync(files);
}
