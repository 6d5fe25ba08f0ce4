/**
 * `polytope jacobian-images MODEL [MODEL …] (--idx …|--inputs FILE) --rows R --out DIR`: each
 * sample's exact Jacobian rows drawn as images (dissertation Fig. 6.3), several models side by side.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { affineMapsBatch } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { parseRows } from '../inputs.js';
import { svgToPng } from '../render/png.js';
import { jacobianImagesSvg } from '../render/jacobian-images.js';
import type { JacobianScale } from '../render/jacobian-images.js';
import { CliError, writeFileAtomic } from '../util.js';
import { sampleSource } from './coefficients.js';

interface Options {
  idx?: string;
  inputs?: string;
  key?: string;
  rows: string;
  labels?: string;
  outputs: string;
  scale: string;
  zoom: string;
  out: string;
  quiet?: boolean;
}

/** Image shape of a model input: [C, H, W] as is, [H, W] as one channel, [d] as a 1 × d strip. */
export function imageShape(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  if (shape.length === 2) return [1, shape[0]!, shape[1]!];
  const d = shape.reduce((a, b) => a * b, 1);
  return [1, 1, d];
}

/** Registers `polytope jacobian-images`. */
export function registerJacobianImages(program: Command): void {
  program
    .command('jacobian-images')
    .description(
      'Jacobian rows of chosen samples as images (grey = 0, white positive, black negative), several models side by side (Fig. 6.3)',
    )
    .argument('<models...>', 'network JSON or ONNX files with the same input shape and output count')
    .option('--idx <file>', "IDX image file: 'mnist' (test set), 'mnist-train', or a path")
    .option('--inputs <file>', 'JSON, .npy/.npz, IDX or CIFAR file of inputs')
    .option('--key <name>', '.npz entry to read with --inputs')
    .requiredOption('--rows <list>', 'samples to draw, e.g. 0-3 or 3,17,42 (one grid row each)')
    .option('--labels <file>', "IDX label file for the row captions (default for 'mnist': the test labels)")
    .option('--outputs <list>', "outputs to draw: 'all' or a list such as 0,3,7", 'all')
    .option('--scale <mode>', 'shared ±s scale: sample (per sample and model) | image | global', 'sample')
    .option('--zoom <n>', 'screen pixels per input pixel', '3')
    .option('--out <dir>', 'output folder (jacobian-images.svg, .png)', 'jacobian-images')
    .option('--quiet', 'print nothing but errors')
    .action((modelPaths: string[], opts: Options) => {
      const nets = modelPaths.map((p) => loadModel(p));
      const first = nets[0]!;
      nets.forEach((n, i) => {
        if (n.inputShape.join() !== first.inputShape.join() || n.outputSize !== first.outputSize) {
          throw new CliError(
            `${basename(modelPaths[i]!)} takes [${n.inputShape.join(', ')}] → ${n.outputSize} but ${basename(modelPaths[0]!)} takes [${first.inputShape.join(', ')}] → ${first.outputSize}`,
            'shape-mismatch',
          );
        }
      });
      if (!['sample', 'image', 'global'].includes(opts.scale))
        throw new CliError(`--scale must be sample, image or global, got '${opts.scale}'`);
      const zoom = Number(opts.zoom);
      if (!Number.isInteger(zoom) || zoom < 1 || zoom > 32)
        throw new CliError(`--zoom must be an integer from 1 to 32, got '${opts.zoom}'`);
      const o = first.outputSize;
      const outputs = opts.outputs === 'all' ? Array.from({ length: o }, (_, r) => r) : parseRows(opts.outputs, '--outputs');
      for (const r of outputs)
        if (r >= o) throw new CliError(`--outputs: output ${r} is out of range; the models have ${o} outputs (0–${o - 1})`);
      const d = first.inputSize;
      const source = sampleSource(opts, d);
      if (source.count > 64) throw new CliError(`--rows selects ${source.count} samples; draw at most 64 in one figure`, 'too-large');
      const xs = new Float64Array(source.count * d);
      for (let k = 0; k < source.count; k++) source.fill(k, xs, k * d);
      const rows = parseRows(opts.rows);
      const names = modelPaths.map((p) => basename(p));
      const unique = new Set(names).size === names.length;
      const svg = jacobianImagesSvg({
        models: nets.map((n, i) => ({
          name: unique ? names[i]! : join(basename(dirname(modelPaths[i]!)), names[i]!),
          jacobians: affineMapsBatch(n, xs, source.count).jacobians,
        })),
        inputs: xs,
        samples: source.count,
        outputs,
        numOutputs: o,
        shape: imageShape(first.inputShape),
        rowLabels: rows.map((r, k) => (source.labels ? `row ${r} (${source.labels[k]})` : `row ${r}`)),
        outputLabels: outputs.map((r) => `J[${r}]`),
        scale: opts.scale as JacobianScale,
        zoom,
      });
      mkdirSync(opts.out, { recursive: true });
      writeFileAtomic(join(opts.out, 'jacobian-images.svg'), svg);
      writeFileAtomic(join(opts.out, 'jacobian-images.png'), svgToPng(svg));
      if (!opts.quiet) {
        process.stderr.write(
          `jacobian-images: ${source.count} sample(s) × ${outputs.length} output(s) × ${nets.length} model(s) → ${join(opts.out, 'jacobian-images.svg')}, .png\n`,
        );
      }
    });
}
