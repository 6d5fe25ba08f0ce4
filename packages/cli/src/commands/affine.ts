import type { Command } from 'commander';
import { affineMapAt } from '@polytope-lens/core';
import { inputHint, loadModel, readInputSource, vectorArg } from '../model.js';
import { CliError, prepareOutput, writeFileAtomic } from '../util.js';
import { CodePacker, NpzBuilder, outputFormat, unicodeArray } from '../npz.js';
import type { Network } from '@polytope-lens/core';

/** How many points the summary prints (all are in the JSON). */
const SHOWN_POINTS = 20;

/** Short form of a number for the summary lines. */
const short = (v: number) => Number(v.toPrecision(5)).toString();

/**
 * One line per point (the first SHOWN_POINTS): its output (first values), the argmax for several
 * outputs, and ‖J‖_F, the Frobenius norm of the local Jacobian (how strongly the output moves with
 * the input on that region).
 */
function pointLines(points: { output: number[]; jacobian: number[][] }[]): string {
  const lines = points.slice(0, SHOWN_POINTS).map((p, i) => {
    let argmax = 0;
    for (let k = 1; k < p.output.length; k++) if (p.output[k]! > p.output[argmax]!) argmax = k;
    let sq = 0;
    for (const row of p.jacobian) for (const v of row) sq += v * v;
    const out = p.output.length <= 10 ? p.output.map(short).join(', ') : `${p.output.slice(0, 10).map(short).join(', ')}, …`;
    return `  #${i}: output [${out}]${p.output.length > 1 ? ` argmax ${argmax}` : ''} ‖J‖_F ${short(Math.sqrt(sq))}\n`;
  });
  if (points.length > SHOWN_POINTS) lines.push(`  … ${points.length - SHOWN_POINTS} more in the JSON\n`);
  return lines.join('');
}

/** `polytope affine MODEL --at x | --inputs FILE | --idx FILE --rows …`: exact J and y at points. */
export function registerAffine(program: Command): void {
  program
    .command('affine')
    .description('exact local affine map f(z) = J z + y on the region of each point')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--at <x>', 'one point: comma list, JSON array, or @FILE')
    .option('--inputs <file>', 'JSON array of flattened inputs, .npy/.npz, IDX or CIFAR file')
    .option('--idx <file>', "MNIST-style IDX image file ('mnist' = the bundled MNIST test set)")
    .option('--rows <list>', 'rows of --inputs/--idx to use, e.g. 3,17,42 or 0-9')
    .option('--mode <mode>', 'forward | reverse | auto', 'auto')
    .option('--json <path>', 'output file: JSON, or NumPy .npz when it ends in .npz', 'affine.json')
    .option('--format <fmt>', 'json | npz (default: from the --json extension); npz turns affine.json into affine.npz')
    .option('--quiet', 'print nothing but errors')
    .action(
      (
        modelPath: string,
        cli: { at?: string; inputs?: string; idx?: string; rows?: string; mode: string; json: string; format?: string; quiet?: boolean },
      ) => {
        const format = outputFormat(cli.json, cli.format);
        const opts = { ...cli, json: format.path };
        const net = loadModel(modelPath);
        const d = net.inputSize;
        if (!['forward', 'reverse', 'auto'].includes(opts.mode))
          throw new CliError(`--mode must be forward, reverse or auto, got '${opts.mode}'`);
        const given = [opts.at, opts.inputs, opts.idx].filter((x) => x !== undefined).length;
        if (given !== 1) throw new CliError(`give exactly one of --at, --inputs or --idx (${inputHint(d, 1)})`);
        const points = opts.at !== undefined ? [vectorArg(opts.at, d, '--at')] : readInputSource(opts, d)!;
        if (format.format === 'npz')
          return affineNpz(net, points, opts.mode as 'forward' | 'reverse' | 'auto', opts.json, opts.quiet === true);
        const t0 = performance.now();
        const out = points.map((x) => {
          const a = affineMapAt(net, x, { mode: opts.mode as 'forward' | 'reverse' | 'auto' });
          const jac: number[][] = [];
          for (let r = 0; r < a.outputs; r++) jac.push(Array.from(a.jacobian.subarray(r * d, (r + 1) * d)));
          return { code: a.code.key(), output: Array.from(a.output), jacobian: jac, offset: Array.from(a.offset), mode: a.mode };
        });
        const seconds = (performance.now() - t0) / 1000;
        writeFileAtomic(opts.json, JSON.stringify({ summary: { points: out.length, seconds }, points: out }) + '\n');
        if (!opts.quiet) {
          process.stderr.write(`affine: ${out.length} point(s) in ${seconds.toFixed(3)} s\n`);
          process.stderr.write(pointLines(out));
        }
      },
    );
}

/**
 * `affine` to npz (docs/formats.md "affine.npz"), streamed point by point: jacobian [N, outputs,
 * inputs], offset and output [N, outputs], packed codes, the mode used per point.
 */
function affineNpz(
  net: Network,
  points: readonly Float64Array[],
  mode: 'forward' | 'reverse' | 'auto',
  path: string,
  quiet: boolean,
): void {
  const o = net.outputSize;
  const npz = new NpzBuilder(prepareOutput(path));
  try {
    const codes = new CodePacker(net);
    npz.declare('jacobian', '<f8', [o, net.inputSize]).declare('offset', '<f8', [o]).declare('output', '<f8', [o]);
    codes.declare(npz);
    const modes: string[] = [];
    const t0 = performance.now();
    for (const x of points) {
      const a = affineMapAt(net, x, { mode });
      npz.append('jacobian', a.jacobian);
      npz.append('offset', a.offset);
      npz.append('output', a.output);
      npz.append('codes', codes.pack(a.code.states));
      modes.push(a.mode);
    }
    const seconds = (performance.now() - t0) / 1000;
    const m = unicodeArray(modes);
    npz.array('mode', m.dtype, [modes.length], modes.length ? m.data : new Uint8Array(0));
    npz.scalar('points', points.length, '<i8').scalar('seconds', seconds);
    npz.write(path);
    if (!quiet) process.stderr.write(`affine: ${points.length} point(s) in ${seconds.toFixed(3)} s\n`);
  } finally {
    npz.cleanup();
  }
}
