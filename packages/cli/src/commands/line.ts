import type { Command } from 'commander';
import { codeOffsets, codeKey, partitionLineAsync, validateLine } from '@polytope-lens/core';
import { inputHint, loadModel, readInputSource, vectorArg } from '../model.js';
import { startProgress } from '../progress.js';
import { CliError, prepareOutput, writeFileAtomic } from '../util.js';
import { renderLineSvg } from '../render/slice-figure.js';
import { svgToPng } from '../render/png.js';
import { hashBytes } from '../render/color.js';
import { InternalError, prepareNetwork } from '@polytope-lens/core';
import { useSampled } from '@polytope-lens/core/internal';
import type { PartitionProgress } from '@polytope-lens/core';
import { partitionLineParallel } from '../parallel/line-parallel.js';
import { sliceThreads } from '../threads.js';
import { CodePacker, NpzBuilder, outputFormat } from '../npz.js';
import type { LineResult, Network } from '@polytope-lens/core';

/** `polytope line MODEL --from x0 --to x1`: every breakpoint along a segment. */
export function registerLine(program: Command): void {
  program
    .command('line')
    .description('exact partition of the segment x0 → x1: breakpoints, codes and affine maps')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--from <x0>', 'start point: comma list, JSON array or @FILE')
    .option('--to <x1>', 'end point')
    .option('--inputs <file>', 'file with the two endpoints as rows')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set) with --rows i,j")
    .option('--rows <list>', 'the two rows to join')
    .option('--json <path>', 'output file: JSON, or NumPy .npz when it ends in .npz', 'line.json')
    .option('--format <fmt>', 'json | npz (default: from the --json extension); npz turns line.json into line.npz')
    .option('--svg <path>', 'figure (SVG); default: beside --json')
    .option('--png <path>', 'figure (PNG); default: beside --json')
    .option('--no-figure', 'do not draw figures')
    .option('--validate', 'check every piece against the network')
    .option(
      '--method <name>',
      "'auto' (sampled for networks of 1M+ parameters), 'sampled' (batched passes at sample points) or 'reference' (the partition engine)",
      'auto',
    )
    .option('--batch <n>', 'samples per batched pass of the sampled method', '32')
    .option('--threads <n>', "worker threads for the sampled method's passes ('auto': one per core; 1 for small networks)", 'auto')
    .option('--quiet', 'print nothing but errors')
    .action(runLine);
}

interface LineCliOptions {
  from?: string;
  to?: string;
  inputs?: string;
  idx?: string;
  rows?: string;
  json: string;
  format?: string;
  svg?: string;
  png?: string;
  figure: boolean;
  validate?: boolean;
  quiet?: boolean;
  method: string;
  batch: string;
  threads: string;
}

/** `polytope line`: reads the endpoints, partitions the segment, writes JSON and figures. */
async function runLine(modelPath: string, given: LineCliOptions): Promise<void> {
  const out = outputFormat(given.json, given.format);
  const opts = { ...given, json: out.path };
  if (opts.method !== 'auto' && opts.method !== 'sampled' && opts.method !== 'reference')
    throw new CliError(`--method must be 'auto', 'sampled' or 'reference', got '${opts.method}'`);
  const batch = Number(opts.batch);
  if (!Number.isInteger(batch) || batch < 2 || batch > 4096)
    throw new CliError(`--batch must be an integer from 2 to 4096, got '${opts.batch}'`);
  const net = loadModel(modelPath);
  const threads = sliceThreads(opts.threads, net.numParameters);
  const d = net.inputSize;
  let x0: Float64Array;
  let x1: Float64Array;
  if (opts.from !== undefined || opts.to !== undefined) {
    if (opts.from === undefined || opts.to === undefined) throw new CliError('give both --from and --to');
    x0 = vectorArg(opts.from, d, '--from');
    x1 = vectorArg(opts.to, d, '--to');
  } else {
    const pts = readInputSource(opts, d);
    if (!pts) throw new CliError(`give --from and --to, or --inputs/--idx with --rows i,j (${inputHint(d, 2)})`);
    if (pts.length !== 2) throw new CliError(`the segment needs exactly 2 endpoints, got ${pts.length}`);
    [x0, x1] = pts as [Float64Array, Float64Array];
  }
  const progress = startProgress('line', opts.quiet === true, 'pieces');
  let res;
  try {
    const lineOpts = {
      method: opts.method as 'auto' | 'sampled' | 'reference',
      batch,
      signal: progress.signal,
      onProgress: (p: PartitionProgress) => progress.update(p.fraction, p.regions),
    };
    res =
      threads > 1 && useSampled(prepareNetwork(net), lineOpts)
        ? await partitionLineParallel(net, modelPath, x0, x1, { ...lineOpts, threads })
        : await partitionLineAsync(net, x0, x1, lineOpts);
  } finally {
    progress.stop();
  }
  if (opts.validate) {
    const v = validateLine(net, x0, x1, res);
    if (!v.ok) throw new InternalError(`validation failed:\n  ${v.problems.join('\n  ')}`);
  }
  const o = net.outputSize;
  const length = Math.hypot(...Array.from(x1, (v, i) => v - x0[i]!));
  if (out.format === 'npz') writeLineNpz(opts.json, net, res, x0, x1, length);
  else writeLineJson(opts.json, net, res, length);
  if (opts.figure) {
    const svg = renderLineSvg({
      pieces: res.pieces.map((p) => ({ t0: p.t0, t1: p.t1, map: p.map, colorKey: hashBytes(p.code) })),
      outputs: o,
      title: `${res.pieces.length} pieces along the segment`,
    });
    const base = opts.json.replace(/\.(json|npz)$/i, '');
    writeFileAtomic(opts.svg ?? base + '.svg', svg);
    writeFileAtomic(opts.png ?? base + '.png', svgToPng(svg));
  }
  if (!opts.quiet) process.stderr.write(`line: ${res.pieces.length} pieces in ${res.seconds.toFixed(3)} s → ${opts.json}\n`);
}

/** The line as JSON (docs/schemas/line.schema.json). */
function writeLineJson(path: string, net: Network, res: LineResult, length: number): void {
  const offsets = codeOffsets(net);
  const o = net.outputSize;
  const json = {
    summary: { pieces: res.pieces.length, seconds: res.seconds, length },
    breakpoints: Array.from(res.breakpoints),
    pieces: res.pieces.map((p) => ({
      t0: p.t0,
      t1: p.t1,
      code: codeKey(p.code, offsets),
      map: Array.from({ length: o }, (_, r) => [p.map[2 * r]!, p.map[2 * r + 1]!]),
    })),
  };
  writeFileAtomic(path, JSON.stringify(json) + '\n');
}

/**
 * The line as npz (docs/formats.md "line.npz"): per piece t0, t1, packed code and map [a, b] per
 * output (value a + b·t on the piece), plus the endpoints and the breakpoints.
 */
function writeLineNpz(path: string, net: Network, res: LineResult, x0: Float64Array, x1: Float64Array, length: number): void {
  const npz = new NpzBuilder(prepareOutput(path));
  try {
    const n = res.pieces.length;
    const o = net.outputSize;
    const codes = new CodePacker(net);
    codes.declare(npz);
    npz.declare('map', '<f8', [o, 2]);
    for (const p of res.pieces) {
      npz.append('codes', codes.pack(p.code));
      npz.append('map', p.map);
    }
    npz.array(
      't0',
      '<f8',
      [n],
      Float64Array.from(res.pieces, (p) => p.t0),
    );
    npz.array(
      't1',
      '<f8',
      [n],
      Float64Array.from(res.pieces, (p) => p.t1),
    );
    npz.array('breakpoints', '<f8', [res.breakpoints.length], Float64Array.from(res.breakpoints));
    npz.array('x0', '<f8', [x0.length], x0).array('x1', '<f8', [x1.length], x1);
    npz.scalar('pieces', n, '<i8').scalar('seconds', res.seconds).scalar('length', length);
    npz.write(path);
  } finally {
    npz.cleanup();
  }
}
