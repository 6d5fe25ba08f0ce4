/**
 * `polytope compress MODEL [MODEL …] --fit-idx mnist-train [--fit-rows R] --idx mnist --k 1,2,5 --json OUT`:
 * accuracy of k-means-compressed linear coefficients (dissertation §7.2, Figs. 7.3/7.4).
 */
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { compressionAccuracy, distinctRows } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { parseRows } from '../inputs.js';
import { parseThreads } from '../threads.js';
import { svgToPng } from '../render/png.js';
import { accuracyVsKSvg } from '../render/coefficient-figures.js';
import { CliError, writeFileAtomic } from '../util.js';
import { computeSet, sampleSource } from './coefficients.js';

interface Options {
  fitIdx?: string;
  fitInputs?: string;
  fitRows: string;
  fitLabels?: string;
  idx?: string;
  inputs?: string;
  rows?: string;
  labels?: string;
  k: string;
  seed: string;
  iterations: string;
  threads: string;
  json: string;
  quiet?: boolean;
}

/** Unique display names for model files (the folder is added where file names repeat). */
export function modelNames(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p));
  if (new Set(names).size === names.length) return names;
  return paths.map((p) => join(basename(dirname(p)), basename(p)));
}

function intOption(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${what} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

/** The accuracy-against-k plot (.svg, .png) and table (.md) beside the JSON. */
function writeFigures(
  json: string,
  ks: readonly number[],
  results: readonly { model: string; k: number[] | readonly number[]; accuracy: readonly number[]; original_accuracy: number }[],
): void {
  const svg = accuracyVsKSvg(results.map((r) => ({ name: r.model, k: r.k, accuracy: r.accuracy, original: r.original_accuracy })));
  const stem = json.slice(0, json.length - extname(json).length);
  writeFileAtomic(`${stem}.svg`, svg);
  writeFileAtomic(`${stem}.png`, svgToPng(svg));
  const table =
    `| model | original | ${ks.map((k) => `k = ${k}`).join(' | ')} |\n|---|---:|${ks.map(() => '---:').join('|')}|\n` +
    results
      .map((r) => `| ${r.model} | ${(100 * r.original_accuracy).toFixed(2)} | ${r.accuracy.map((a) => (100 * a).toFixed(2)).join(' | ')} |`)
      .join('\n') +
    '\n';
  writeFileAtomic(`${stem}.md`, table);
}

/** Registers `polytope compress`. */
export function registerCompress(program: Command): void {
  program
    .command('compress')
    .description('accuracy when each output’s linear coefficients are replaced by the nearest of k k-means centres (dissertation §7.2)')
    .argument('<models...>', 'network JSON or ONNX files')
    .option('--fit-idx <file>', "fit set images: 'mnist-train', 'mnist' or an IDX path")
    .option('--fit-inputs <file>', 'fit set from a JSON/.npy/.npz/CIFAR file instead')
    .option('--fit-rows <list>', 'fit set rows (k-means costs n · k · (d + 1) per output and iteration)', '0-999')
    .option('--fit-labels <file>', 'labels of the fit set (not needed for k-means; accepted for symmetry)')
    .option('--idx <file>', "test images: 'mnist' (default), 'mnist-train' or an IDX path")
    .option('--inputs <file>', 'test set from a JSON/.npy/.npz/CIFAR file instead (needs --labels)')
    .option('--rows <list>', 'test rows (default: all)')
    .option('--labels <file>', "test labels (default for 'mnist': the test labels)")
    .option('--k <list>', 'cluster counts', '1,2,5,10,20,50,100')
    .option('--seed <n>', 'k-means++ seed', '0')
    .option('--iterations <n>', 'at most this many Lloyd iterations per k-means', '20')
    .option('--threads <n>', "worker threads for the coefficients: 'auto' or a number", 'auto')
    .option('--json <path>', 'output JSON (a .svg and .png of accuracy against k are written beside it)', 'compress.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPaths: string[], opts: Options) => {
      const ks = opts.k.split(',').map((t) => intOption(t.trim(), '--k', 1, 1_000_000));
      const seed = intOption(opts.seed, '--seed', 0, 2 ** 31 - 1);
      const maxIterations = intOption(opts.iterations, '--iterations', 1, 10_000);
      const threads = parseThreads(opts.threads);
      parseRows(opts.fitRows, '--fit-rows');
      const names = modelNames(modelPaths);
      const results = [];
      for (const [m, path] of modelPaths.entries()) {
        const net = loadModel(path);
        const fitSource = sampleSource(
          { idx: opts.fitIdx, inputs: opts.fitInputs, rows: opts.fitRows, labels: opts.fitLabels },
          net.inputSize,
        );
        const testSource = sampleSource(
          { idx: opts.idx ?? (opts.inputs === undefined ? 'mnist' : undefined), inputs: opts.inputs, rows: opts.rows, labels: opts.labels },
          net.inputSize,
        );
        if (!testSource.labels) throw new CliError('the test set needs labels: give --labels', 'bad-option');
        const t0 = performance.now();
        const fit = await computeSet(net, fitSource, threads);
        const test = await computeSet(net, testSource, threads);
        const r = compressionAccuracy(fit, test, test.xs, testSource.labels, ks, { seed, maxIterations });
        const seconds = (performance.now() - t0) / 1000;
        results.push({
          model: names[m]!,
          original_accuracy: r.originalAccuracy,
          k: r.k,
          accuracy: r.accuracy,
          effective_k: r.effectiveK,
          distinct_fit_rows: distinctRows(fit),
          fit_samples: fit.samples,
          test_samples: test.samples,
          seed,
          max_iterations: maxIterations,
          seconds,
        });
        if (!opts.quiet) {
          process.stderr.write(
            `compress: ${names[m]} original ${(100 * r.originalAccuracy).toFixed(2)} % · ` +
              r.k.map((k, i) => `k=${k} ${(100 * r.accuracy[i]!).toFixed(2)} %`).join(' · ') +
              ` (${seconds.toFixed(1)} s)\n`,
          );
        }
      }
      const doc = results.length === 1 ? results[0]! : { models: results };
      writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
      writeFigures(opts.json, ks, results);
    });
}
