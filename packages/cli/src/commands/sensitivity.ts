/**
 * `polytope sensitivity MODEL (--idx …|--inputs FILE) [--outputs k|all] --json OUT`: active subspaces
 * (dissertation §6.4). The covariance E[∇f ∇fᵀ] of the exact input gradients over a dataset (summed
 * over the chosen outputs), its eigen-decomposition in float64, the leading directions as an .npy
 * and as images, the spectrum, and the outputs against the projection on the leading direction.
 * The issue's `--output k` is spelled `--outputs` here: `--output NAME` is the global option that
 * picks a graph output of a multi-output ONNX model.
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { activeSubspace, writeNpy } from '@polytope-lens/core';
import type { ActiveSubspace } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { parseThreads } from '../threads.js';
import { svgToPng } from '../render/png.js';
import { directionsSvg, projectionSvg, spectrumSvg } from '../render/sensitivity-figures.js';
import { CliError, writeFileAtomic } from '../util.js';
import { computeSet, sampleSource } from './coefficients.js';
import { imageShape } from './jacobian-images.js';
import type { InMemorySet } from './coefficients.js';

interface Options {
  idx?: string;
  inputs?: string;
  key?: string;
  rows?: string;
  labels?: string;
  outputs: string;
  perOutput?: boolean;
  keep: string;
  threads: string;
  json: string;
  quiet?: boolean;
}

/** `--outputs all|k|k1,k2,…` → the output indices. */
function parseOutputs(text: string, count: number): number[] {
  if (text === 'all') return Array.from({ length: count }, (_, j) => j);
  const list = text.split(',').map((t) => Number(t.trim()));
  for (const j of list)
    if (!Number.isInteger(j) || j < 0 || j >= count)
      throw new CliError(`--outputs must be 'all' or output indices from 0 to ${count - 1}, got '${text}'`);
  if (new Set(list).size !== list.length) throw new CliError(`--outputs lists an output twice: '${text}'`);
  return list;
}

/** Projections vᵀx_i on the leading direction and the outputs f_j(x_i) = J_i[j] x_i + y_i[j]. */
function projections(set: InMemorySet, a: ActiveSubspace): { name: string; projection: Float64Array; value: Float64Array }[] {
  const { samples: n, inputs: d, outputs: o } = set;
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += a.directions[c]! * set.xs[i * d + c]!;
    proj[i] = s;
  }
  return a.outputs.slice(0, 10).map((j) => {
    const value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = set.offsets[i * o + j]!;
      const row = (i * o + j) * d;
      for (let c = 0; c < d; c++) s += set.jacobians[row + c]! * set.xs[i * d + c]!;
      value[i] = s;
    }
    return { name: `output ${j}`, projection: proj, value };
  });
}

/** Registers `polytope sensitivity`. */
export function registerSensitivity(program: Command): void {
  program
    .command('sensitivity')
    .description('active subspaces: eigen-decomposition of the input-gradient covariance E[∇f ∇fᵀ] over a data set (dissertation §6.4)')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--idx <file>', "IDX image file: 'mnist' (test set), 'mnist-train', or a path")
    .option('--inputs <file>', 'JSON, .npy/.npz, IDX or CIFAR file of inputs')
    .option('--key <name>', '.npz entry to read with --inputs')
    .option('--rows <list>', 'samples to use, e.g. 0-999 (default: all)')
    .option('--outputs <list>', "outputs whose gradients are analysed (their covariances summed): 'all', k or k1,k2", 'all')
    .option('--per-output', 'also decompose every output’s own covariance (spectra only)')
    .option('--keep <n>', 'leading directions written and drawn', '10')
    .option('--threads <n>', "worker threads for the gradients: 'auto' or a number", 'auto')
    .option('--json <path>', 'output JSON; the directions .npy and the figures are written beside it', 'sensitivity.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: Options) => {
      const net = loadModel(modelPath);
      const outputs = parseOutputs(opts.outputs, net.outputSize);
      const keep = Number(opts.keep);
      if (!Number.isInteger(keep) || keep < 1 || keep > net.inputSize)
        throw new CliError(`--keep must be an integer from 1 to ${net.inputSize}, got '${opts.keep}'`);
      if (extname(opts.json) !== '.json') throw new CliError(`--json must end in .json, got '${opts.json}'`);
      const source = sampleSource(
        { idx: opts.idx, inputs: opts.inputs, key: opts.key, rows: opts.rows, labels: opts.labels },
        net.inputSize,
      );
      const t0 = performance.now();
      const set = await computeSet(net, source, parseThreads(opts.threads));
      const a = activeSubspace(set, { outputs, keep });
      const perOutput = opts.perOutput && outputs.length > 1 ? outputs.map((j) => activeSubspace(set, { outputs: [j], keep: 0 })) : [];
      const seconds = (performance.now() - t0) / 1000;
      const stem = opts.json.slice(0, -'.json'.length);
      const npy = `${stem}-directions.npy`;
      writeFileAtomic(npy, writeNpy(a.directions, [keep, net.inputSize]));
      const doc = {
        format: 'polytope-lens/sensitivity@1',
        model: modelPath,
        samples: set.samples,
        inputs: net.inputSize,
        outputs,
        eigenvalues: Array.from(a.eigenvalues),
        explained: Array.from(a.explained),
        rank: a.rank,
        mean_squared_gradient_norm: a.meanSquaredGradientNorm,
        directions_npy: npy,
        directions_shape: [keep, net.inputSize],
        ...(perOutput.length
          ? { per_output: perOutput.map((p) => ({ output: p.outputs[0], rank: p.rank, eigenvalues: Array.from(p.eigenvalues) })) }
          : {}),
        seconds,
      };
      writeFileAtomic(opts.json, JSON.stringify(doc) + '\n');
      const figures: [string, string][] = [
        ['directions', directionsSvg(a.directions, keep, imageShape(net.inputShape), a.eigenvalues, a.explained)],
        [
          'spectrum',
          spectrumSvg(
            [a.eigenvalues, ...perOutput.map((p) => p.eigenvalues)],
            [outputs.length > 1 ? 'all outputs (sum)' : `output ${outputs[0]}`, ...perOutput.map((p) => `output ${p.outputs[0]}`)],
            a.rank,
          ),
        ],
        ['projection', projectionSvg(projections(set, a))],
      ];
      for (const [name, svg] of figures) {
        writeFileAtomic(`${stem}-${name}.svg`, svg);
        writeFileAtomic(`${stem}-${name}.png`, svgToPng(svg));
      }
      if (!opts.quiet) {
        const lead = Array.from(a.explained.subarray(0, Math.min(3, keep)), (e) => `${(100 * e).toFixed(1)} %`).join(', ');
        process.stderr.write(
          `sensitivity: ${set.samples} samples, ${net.inputSize} inputs, outputs ${opts.outputs}: rank ${a.rank}, leading directions explain ${lead} (${seconds.toFixed(1)} s)\n`,
        );
      }
    });
}
