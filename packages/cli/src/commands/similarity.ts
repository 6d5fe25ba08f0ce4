/**
 * `polytope similarity M1 M2 [M3 …] --fit-idx … --idx … --json OUT`: similarity of networks from
 * their linear coefficients (dissertation §7.3), four matrices and their heat maps.
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { SIMILARITY_RIDGE, networkSimilarity } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { parseThreads } from '../threads.js';
import { svgToPng } from '../render/png.js';
import { matrixHeatmapSvg } from '../render/coefficient-figures.js';
import { CliError, writeFileAtomic } from '../util.js';
import { computeSet, sampleSource } from './coefficients.js';
import { modelNames } from './compress.js';

interface Options {
  fitIdx?: string;
  fitInputs?: string;
  fitRows: string;
  idx?: string;
  inputs?: string;
  rows: string;
  labels?: string;
  ridge: string;
  threads: string;
  json: string;
  quiet?: boolean;
}

/** Colour cap of a distance-like matrix: twice the median off-diagonal value (the largest value when there is none). */
function distanceCap(values: readonly (readonly number[])[]): number {
  const off = values
    .flatMap((row, i) => row.filter((_, j) => j !== i))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (off.length === 0) return Math.max(0, ...values.flat().filter(Number.isFinite));
  return 2 * off[Math.floor(off.length / 2)]!;
}

/** Registers `polytope similarity`. */
export function registerSimilarity(program: Command): void {
  program
    .command('similarity')
    .description(
      'similarity of networks from their exact linear coefficients: affine-mapped accuracy, scaled MSE, linear CKA, softmax CE (§7.3)',
    )
    .argument('<models...>', 'two or more network JSON or ONNX files with the same inputs and outputs')
    .option('--fit-idx <file>', "fit set images for the least-squares maps: 'mnist-train', 'mnist' or an IDX path")
    .option('--fit-inputs <file>', 'fit set from a JSON/.npy/.npz/CIFAR file instead')
    .option('--fit-rows <list>', 'fit set rows (the normal equations cost n · (d + 1)² per output and network)', '0-1999')
    .option('--idx <file>', "test images: 'mnist' (default) or an IDX path")
    .option('--inputs <file>', 'test set from a JSON/.npy/.npz/CIFAR file instead (needs --labels)')
    .option('--rows <list>', 'test rows (CKA builds rows × rows Gram matrices)', '0-999')
    .option('--labels <file>', "test labels (default for 'mnist': the test labels)")
    .option('--ridge <x>', `relative ridge λ/max diag(XᵀX) of the least-squares maps (default ${SIMILARITY_RIDGE})`)
    .option('--threads <n>', "worker threads for the coefficients: 'auto' or a number", 'auto')
    .option('--json <path>', 'output JSON (heat maps <stem>-<measure>.svg/.png beside it)', 'similarity.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPaths: string[], opts: Options) => {
      if (modelPaths.length < 2) throw new CliError('give at least two models');
      const ridge = opts.ridge === undefined ? SIMILARITY_RIDGE : Number(opts.ridge);
      if (!Number.isFinite(ridge) || ridge < 0) throw new CliError(`--ridge must be a non-negative number, got '${opts.ridge}'`);
      const threads = parseThreads(opts.threads);
      const names = modelNames(modelPaths);
      const t0 = performance.now();
      const nets = modelPaths.map((p) => loadModel(p));
      const d = nets[0]!.inputSize;
      nets.forEach((n, i) => {
        if (n.inputSize !== d || n.outputSize !== nets[0]!.outputSize)
          throw new CliError(`${names[i]} does not have the inputs and outputs of ${names[0]}`, 'shape-mismatch');
      });
      const fitSource = sampleSource({ idx: opts.fitIdx, inputs: opts.fitInputs, rows: opts.fitRows }, d);
      const testSource = sampleSource(
        { idx: opts.idx ?? (opts.inputs === undefined ? 'mnist' : undefined), inputs: opts.inputs, rows: opts.rows, labels: opts.labels },
        d,
      );
      if (!testSource.labels) throw new CliError('the test set needs labels: give --labels');
      const sets = [];
      let xs: Float64Array = new Float64Array(0);
      for (const net of nets) {
        const test = await computeSet(net, testSource, threads);
        xs = test.xs;
        sets.push({ fit: await computeSet(net, fitSource, threads), test });
      }
      const s = networkSimilarity(sets, xs, testSource.labels, { ridge });
      const seconds = (performance.now() - t0) / 1000;
      const doc = {
        models: names,
        affine_accuracy: s.affineAccuracy,
        scaled_mse: s.scaledMse,
        cka: s.cka,
        softmax_ce: s.softmaxCe,
        fit_samples: fitSource.count,
        test_samples: testSource.count,
        ridge,
        solver: 'normal equations (XᵀX + λI) M = XᵀY, λ = ridge · max diag(XᵀX), Cholesky factor shared across targets',
        seconds,
      };
      writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
      const stem = opts.json.slice(0, opts.json.length - extname(opts.json).length);
      const figures: [string, string, number[][], number, number][] = [
        ['affine-accuracy', 'Test accuracy after affine maps of the coefficients (row → column)', s.affineAccuracy, 0, 1],
        ['scaled-mse', 'Scaled mean squared distance of coefficients (Eq. 7.6)', s.scaledMse, 0, distanceCap(s.scaledMse)],
        ['cka', 'Linear CKA of coefficients (mean over outputs)', s.cka, 0, 1],
        ['softmax-ce', 'Cross-entropy of softmax outputs H(row, column)', s.softmaxCe, 0, distanceCap(s.softmaxCe)],
      ];
      for (const [key, title, values, lo, hi] of figures) {
        const svg = matrixHeatmapSvg(title, names, values, lo, hi);
        writeFileAtomic(`${stem}-${key}.svg`, svg);
        writeFileAtomic(`${stem}-${key}.png`, svgToPng(svg));
      }
      if (!opts.quiet)
        process.stderr.write(
          `similarity: ${names.length} models, ${fitSource.count} fit / ${testSource.count} test samples in ${seconds.toFixed(1)} s → ${opts.json}\n`,
        );
    });
}
