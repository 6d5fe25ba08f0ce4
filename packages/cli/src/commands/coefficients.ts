/**
 * `polytope coefficients MODEL (--idx …|--inputs FILE) [--rows R] [--labels FILE] --out DIR`: the
 * exact (J_i, y_i) of every sample, in `.npy` shards with the manifest `DIR/coefficients.json`.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { AbortError, COEFFICIENTS_FORMAT, idxImages, npyHeader, planCoefficientShards } from '@polytope-lens/core';
import type { CoefficientManifest, CoefficientShard, Network } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { mnistDefaultPath, parseRows, readInputs, readLabels } from '../inputs.js';
import { parseThreads } from '../threads.js';
import { maxBytes } from '../limits.js';
import { CliError, prepareOutput, tempPathFor, writeFileAtomic } from '../util.js';
import { session } from '../session.js';
import { NpzBuilder } from '../npz.js';
import { CoefficientsPool } from '../parallel/coefficients-pool.js';

interface CoefficientsOptions {
  idx?: string;
  inputs?: string;
  key?: string;
  rows?: string;
  labels?: string;
  out: string;
  shardRows: string;
  batch: string;
  threads: string;
  format: string;
  quiet?: boolean;
}

/** Where the samples come from: `count` rows, each produced on demand (so memory follows the shard). */
export interface SampleSource {
  readonly count: number;
  readonly describe: string;
  /** Writes sample k (0-based within the selection) into `out` at `at`. */
  fill(k: number, out: Float64Array, at: number): void;
  /** Labels of the selected samples, if known. */
  readonly labels?: Uint8Array;
}

/** Resolves `mnist`, `mnist-train` (also `mnist:test`, `mnist:train`) to the bundled files. */
function mnistSplit(spec: string): 'test' | 'train' | undefined {
  if (spec === 'mnist' || spec === 'mnist:test' || spec === 'mnist-test') return 'test';
  if (spec === 'mnist-train' || spec === 'mnist:train') return 'train';
  return undefined;
}

function checkRows(rows: number[] | undefined, count: number, what: string): number[] | undefined {
  for (const r of rows ?? [])
    if (r >= count) throw new CliError(`--rows: row ${r} is out of range; ${what} has ${count} rows (0–${count - 1})`);
  return rows;
}

/** Pixel byte k as an input: k / 255 (the same division, looked up: a division per pixel was a visible part of a dense net's batch). */
const PIXEL = Float64Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * The samples of `--idx` (read once as bytes, converted to pixel / 255 per shard) or `--inputs`
 * (every row in memory), with `--labels` (default: the matching MNIST labels for `mnist`, `mnist-train`).
 */
export function sampleSource(
  opts: {
    idx?: string | undefined;
    inputs?: string | undefined;
    key?: string | undefined;
    rows?: string | undefined;
    labels?: string | undefined;
  },
  d: number,
): SampleSource {
  const given = [opts.idx, opts.inputs].filter((x) => x !== undefined).length;
  if (given !== 1) throw new CliError('give exactly one of --idx or --inputs');
  const rowList = opts.rows === undefined ? undefined : parseRows(opts.rows);
  let source: Omit<SampleSource, 'labels'>;
  let labelPath = opts.labels;
  if (opts.idx !== undefined) {
    const split = mnistSplit(opts.idx);
    const path = split ? mnistDefaultPath(split, 'images') : opts.idx;
    if (split && labelPath === undefined) labelPath = mnistDefaultPath(split, 'labels');
    if (!existsSync(path) || statSync(path).isDirectory()) throw new CliError(`--idx: image file '${path}' does not exist`, 'bad-file');
    const b = readFileSync(path);
    const img = idxImages(new Uint8Array(b.buffer, b.byteOffset, b.length), basename(path), maxBytes());
    const plane = img.rows * img.cols;
    if (plane !== d)
      throw new CliError(`--idx: ${basename(path)} has ${img.rows}×${img.cols} images but the model takes ${d} inputs`, 'shape-mismatch');
    const rows = checkRows(rowList, img.count, basename(path));
    source = {
      count: rows ? rows.length : img.count,
      describe: `${basename(path)}${opts.rows ? ` rows ${opts.rows}` : ''}`,
      fill: (k, out, at) => {
        const base = (rows ? rows[k]! : k) * plane;
        const px = img.pixels;
        for (let j = 0; j < plane; j++) out[at + j] = PIXEL[px[base + j]!]!;
      },
    };
  } else {
    const xs = readInputs(opts.inputs!, d, { ...(rowList ? { rows: rowList } : {}), ...(opts.key ? { key: opts.key } : {}) });
    source = {
      count: xs.length,
      describe: `${basename(opts.inputs!)}${opts.rows ? ` rows ${opts.rows}` : ''}`,
      fill: (k, out, at) => out.set(xs[k]!, at),
    };
  }
  if (labelPath === undefined) return source;
  const labels = readLabels(labelPath, rowList);
  if (labels.length !== source.count) {
    throw new CliError(`--labels: ${basename(labelPath)} holds ${labels.length} labels for ${source.count} samples`, 'shape-mismatch');
  }
  return { ...source, labels };
}

/**
 * Writes `header` then the array's bytes (little-endian) to `path` atomically, without copying the
 * array on little-endian machines: through a temporary sibling registered with the run, and the
 * file recorded as the run's output, so a cancelled run deletes both (as `writeFileAtomic`).
 */
function writeNpyFile(path: string, header: Uint8Array, ...parts: (Float64Array | Int32Array)[]): void {
  const target = prepareOutput(path);
  const tmp = tempPathFor(target);
  const run = session();
  run.openTemp(tmp);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, header);
      for (const data of parts) {
        let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (endianness() !== 'LE') {
          bytes = new Uint8Array(data.byteLength);
          const view = new DataView(bytes.buffer);
          if (data instanceof Float64Array) data.forEach((v, i) => view.setFloat64(8 * i, v, true));
          else data.forEach((v, i) => view.setInt32(4 * i, v, true));
        }
        for (let off = 0; off < bytes.length; off += 1 << 26) writeSync(fd, bytes.subarray(off, Math.min(bytes.length, off + (1 << 26))));
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
    run.wrote(path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    run.closeTemp(tmp);
  }
}

interface RunOptions {
  out: string;
  shardRows: number;
  batch: number;
  threads: number;
  /** Write one streamed `DIR/coefficients.npz` instead of the `.npy` shards and the manifest. */
  npz?: boolean;
  signal?: AbortSignal;
  onShard?: (done: number, total: number) => void;
}

/** Computes and writes every shard and the manifest; returns the manifest. */
export async function writeCoefficients(net: Network, source: SampleSource, opts: RunOptions): Promise<CoefficientManifest> {
  const d = net.inputSize;
  const o = net.outputSize;
  // A folder this run makes is removed with its shards if the run is cancelled.
  const made = mkdirSync(opts.out, { recursive: true });
  if (made !== undefined) session().madeDir(made);
  const shards = planCoefficientShards(source.count, opts.shardRows);
  const pool = new CoefficientsPool(net, Math.min(opts.threads, Math.max(1, Math.ceil(source.count / opts.batch))));
  const npzPath = join(opts.out, 'coefficients.npz');
  const npz = opts.npz ? new NpzBuilder(prepareOutput(npzPath)) : null;
  npz?.declare('jacobians', '<f8', [o, d]).declare('offsets', '<f8', [o]);
  const compute = (s: CoefficientShard) => {
    const [a, b] = s.rows;
    const parts: Promise<{ jacobians: Float64Array; offsets: Float64Array }>[] = [];
    for (let k = a; k < b; k += opts.batch) {
      const count = Math.min(opts.batch, b - k);
      const xs = pool.inputs(count);
      for (let i = 0; i < count; i++) source.fill(k + i, xs, i * d);
      parts.push(pool.run(xs, count));
    }
    return Promise.all(parts);
  };
  try {
    // Two shards in flight at most: the next one computes while this one is written.
    let next = shards.length > 0 ? compute(shards[0]!) : undefined;
    for (let k = 0; k < shards.length; k++) {
      const parts = await next!;
      if (opts.signal?.aborted) throw new AbortError('coefficients cancelled');
      next = k + 1 < shards.length ? compute(shards[k + 1]!) : undefined;
      const s = shards[k]!;
      const rows = s.rows[1] - s.rows[0];
      if (npz) {
        for (const p of parts) npz.append('jacobians', p.jacobians);
        for (const p of parts) npz.append('offsets', p.offsets);
        // (appended as copies: the buffers can serve a later batch)
        for (const p of parts) pool.recycle(p);
      } else {
        // The batches' buffers are written one after another (no shard-sized copy).
        writeNpyFile(join(opts.out, s.jacobians), npyHeader('<f8', [rows, o, d]), ...parts.map((p) => p.jacobians));
        writeNpyFile(join(opts.out, s.offsets), npyHeader('<f8', [rows, o]), ...parts.map((p) => p.offsets));
        // (written synchronously: the buffers can serve a later batch)
        for (const p of parts) pool.recycle(p);
      }
      opts.onShard?.(k + 1, shards.length);
    }
    if (npz) {
      if (source.labels) npz.array('labels', '<i4', [source.count], Int32Array.from(source.labels));
      npz.write(npzPath);
    }
  } finally {
    npz?.cleanup();
    await pool.close();
  }
  if (source.labels && !npz) writeNpyFile(join(opts.out, 'labels.npy'), npyHeader('<i4', [source.count]), Int32Array.from(source.labels));
  const manifest: CoefficientManifest = {
    samples: source.count,
    outputs: o,
    inputs: d,
    shards,
    ...(source.labels ? { labels: 'labels.npy' } : {}),
    format: COEFFICIENTS_FORMAT,
    dtype: 'float64',
    source: source.describe,
  };
  if (!npz) writeFileAtomic(join(opts.out, 'coefficients.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/** The most samples of one batch that `auto` chooses (the visiting order of a batch is searched in windows of this many). */
const AUTO_BATCH_MAX = 512;

/**
 * The default batch: a shard's rows split over the threads, at most `AUTO_BATCH_MAX`. Large batches
 * let the reverse pass visit samples with close activation codes one after another (it then
 * multiplies only the units that changed); memory stays bounded by the shard.
 */
export function autoBatch(shardRows: number, threads: number): number {
  return Math.max(1, Math.min(AUTO_BATCH_MAX, Math.ceil(shardRows / Math.max(1, threads))));
}

function positiveInt(text: string, what: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`${what} must be an integer from 1 to ${max}, got '${text}'`);
  return n;
}

/** Registers `polytope coefficients`. */
export function registerCoefficients(program: Command): void {
  program
    .command('coefficients')
    .description(
      'exact local affine maps (J_i, y_i) of every sample of a dataset, as .npy shards with a manifest (dissertation Eq. 7.1–7.3)',
    )
    .argument('<model>', 'network JSON or ONNX file')
    .option('--idx <file>', "IDX image file: 'mnist' (test set), 'mnist-train', or a path")
    .option('--inputs <file>', 'JSON, .npy/.npz, IDX or CIFAR file of inputs (read into memory)')
    .option('--key <name>', '.npz entry to read with --inputs')
    .option('--rows <list>', 'rows to use, e.g. 0-999 or 3,17,42 (default: all)')
    .option('--labels <file>', "IDX label file (default for 'mnist' and 'mnist-train': the matching labels)")
    .option('--out <dir>', 'output folder', 'coefficients')
    .option('--shard-rows <n>', 'samples per shard (memory is about two shards: 2 × rows × outputs × inputs × 8 bytes)', '1000')
    .option(
      '--batch <n>',
      "samples per batched forward pass (one worker task); 'auto': a shard's rows over the threads, at most 512",
      'auto',
    )
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option(
      '--format <fmt>',
      'npy (shards + coefficients.json) | npz (one streamed DIR/coefficients.npz: jacobians, offsets, labels)',
      'npy',
    )
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: CoefficientsOptions) => {
      if (opts.format !== 'npy' && opts.format !== 'npz') throw new CliError(`--format must be npy or npz, got '${opts.format}'`);
      const net = loadModel(modelPath);
      const source = sampleSource(opts, net.inputSize);
      const shardRows = positiveInt(opts.shardRows, '--shard-rows', 1_000_000);
      const threads = parseThreads(opts.threads);
      const batch = opts.batch === 'auto' ? autoBatch(shardRows, threads) : positiveInt(opts.batch, '--batch', 100_000);
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      const t0 = performance.now();
      try {
        const manifest = await writeCoefficients(net, source, {
          out: opts.out,
          shardRows,
          batch,
          threads,
          npz: opts.format === 'npz',
          signal: controller.signal,
          onShard: (done, total) => {
            if (!opts.quiet && process.stderr.isTTY) process.stderr.write(`\rcoefficients: shard ${done}/${total}`);
          },
        });
        const seconds = (performance.now() - t0) / 1000;
        if (!opts.quiet) {
          const rate = manifest.samples / Math.max(seconds, Number.MIN_VALUE);
          process.stderr.write(
            `${process.stderr.isTTY ? '\n' : ''}coefficients: ${manifest.samples} samples × ${manifest.outputs} outputs × ${manifest.inputs} inputs ` +
              `in ${seconds.toFixed(2)} s (${rate.toFixed(0)} samples/s, ${threads} thread(s)) → ${join(opts.out, opts.format === 'npz' ? 'coefficients.npz' : 'coefficients.json')}\n`,
          );
        }
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}

/** A coefficient set computed in memory, with its inputs and labels (for the analyses that need them). */
export interface InMemorySet {
  samples: number;
  outputs: number;
  inputs: number;
  jacobians: Float64Array;
  offsets: Float64Array;
  xs: Float64Array;
  labels?: Uint8Array;
}

/** Computes every sample's (J, y) of a source in memory (batches on `threads` workers). */
export async function computeSet(
  net: Network,
  source: SampleSource,
  threads: number,
  batch = autoBatch(source.count, threads),
): Promise<InMemorySet> {
  const d = net.inputSize;
  const o = net.outputSize;
  const n = source.count;
  const xs = new Float64Array(n * d);
  for (let k = 0; k < n; k++) source.fill(k, xs, k * d);
  const jacobians = new Float64Array(n * o * d);
  const offsets = new Float64Array(n * o);
  const pool = new CoefficientsPool(net, Math.min(threads, Math.max(1, Math.ceil(n / batch))));
  try {
    const parts: Promise<void>[] = [];
    for (let a = 0; a < n; a += batch) {
      const count = Math.min(batch, n - a);
      parts.push(
        pool.run(xs.slice(a * d, (a + count) * d), count).then((r) => {
          jacobians.set(r.jacobians, a * o * d);
          offsets.set(r.offsets, a * o);
          pool.recycle(r);
        }),
      );
    }
    await Promise.all(parts);
  } finally {
    await pool.close();
  }
  return { samples: n, outputs: o, inputs: d, jacobians, offsets, xs, ...(source.labels ? { labels: source.labels } : {}) };
}
