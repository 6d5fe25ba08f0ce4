import type { Command } from 'commander';
import {
  boundaryDensity,
  clusterInputs,
  codeHamming,
  codeJaccard,
  densityStudy,
  layerNorms,
  regionNorms,
  splineCodes,
} from '@polytope-lens/core';
import { summaryStats } from '@polytope-lens/core/internal';
import type { Network } from '@polytope-lens/core';
import { mnistDefaultPath, parseRows, readLabels } from '../inputs.js';
import { loadModel, readInputSource, resolveIdx } from '../model.js';
import { barChartSvg, breakpointStripSvg, heatmapSvg, histogramSvg, layerLabel } from '../render/lens-figures.js';
import { svgToPng } from '../render/png.js';
import { CliError, writeFileAtomic } from '../util.js';

interface SourceOpts {
  inputs?: string;
  idx?: string;
  rows?: string;
  key?: string;
  labels?: string;
  json: string;
  figure: boolean;
  quiet?: boolean;
}

function addSource(cmd: Command, defaultJson: string): Command {
  return cmd
    .argument('<model>', 'network JSON or ONNX file')
    .option('--inputs <file>', 'inputs (JSON, .npy/.npz, IDX, CIFAR)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set, 'mnist:train')")
    .option('--rows <list>', 'rows to use, e.g. 0-499 (required with --idx)')
    .option('--key <name>', '.npz entry')
    .option('--labels <file>', 'labels (IDX/CIFAR); default with --idx mnist: the MNIST labels')
    .option('--json <path>', 'output JSON file', defaultJson)
    .option('--no-figure', 'do not write SVG/PNG figures')
    .option('--quiet', 'print nothing but errors');
}

function loadData(net: Network, opts: SourceOpts, needLabels: boolean): { xs: Float64Array[]; labels?: Uint8Array } {
  const xs = readInputSource(opts, net.inputSize);
  if (!xs) throw new CliError('give --inputs FILE or --idx FILE --rows LIST');
  let labelPath = opts.labels;
  if (labelPath === undefined && opts.idx !== undefined) {
    const p = resolveIdx(opts.idx);
    if (p === mnistDefaultPath('test', 'images')) labelPath = mnistDefaultPath('test', 'labels');
    else if (p === mnistDefaultPath('train', 'images')) labelPath = mnistDefaultPath('train', 'labels');
  }
  if (labelPath === undefined) {
    if (needLabels) throw new CliError('this analysis needs labels: give --labels FILE (or use --idx mnist)');
    return { xs };
  }
  const labels = readLabels(labelPath, opts.rows !== undefined ? parseRows(opts.rows) : undefined);
  if (labels.length !== xs.length) throw new CliError(`${labels.length} labels for ${xs.length} inputs`);
  return { xs, labels };
}

function writeFigure(opts: SourceOpts, suffix: string, svg: string): void {
  if (!opts.figure) return;
  const base = opts.json.replace(/\.json$/i, '') + suffix;
  writeFileAtomic(base + '.svg', svg);
  writeFileAtomic(base + '.png', svgToPng(svg));
}

function say(opts: SourceOpts, line: string): void {
  if (!opts.quiet) process.stderr.write(line + '\n');
}

/** `polytope lens codes|density|norms|cluster MODEL …`: polytope-lens analyses. */
export function registerLens(program: Command): void {
  const lens = program.command('lens').description('polytope-lens analyses: spline codes, boundary density, norms, clustering');

  addSource(
    lens.command('codes').description('spline codes per layer and whole network; pairwise Hamming and Jaccard distances'),
    'lens-codes.json',
  )
    .option('--max-pairs <n>', 'largest number of inputs for the pairwise matrices', '300')
    .action(runLensCodes);

  addSource(
    lens.command('density').description('exact polytope boundary density along segments between inputs: within vs between classes'),
    'lens-density.json',
  )
    .option('--pairs <n>', 'segments of each kind (within-class, between-class)', '20')
    .option('--seed <s>', 'seed for choosing pairs', '1')
    .action(runLensDensity);

  addSource(
    lens.command('norms').description('spectral vs Frobenius norms of each layer and of each region Jacobian (local Lipschitz)'),
    'lens-norms.json',
  ).action(runLensNorms);

  addSource(
    lens.command('cluster').description('k-means of inputs by spline code vs by activations; purity against labels'),
    'lens-cluster.json',
  )
    .option('--k <n>', 'clusters (default: number of distinct labels)')
    .option('--seed <s>', 'k-means++ seed', '1')
    .action(runLensCluster);
}

/** Issue 18 #17: an integer option ≥ `min` (`--max-pairs abc` printed "mean Hamming NaN"). */
function intOption(text: string, flag: string, min: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(v) || v < min)
    throw new CliError(`${flag} must be an integer${min > -Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ''}, got '${text}'`);
  return v;
}

/** `polytope lens cluster`: k-means purity by spline code vs by activations, per layer. */
function runLensCluster(modelPath: string, opts: SourceOpts & { k?: string; seed: string }): void {
  const kOpt = opts.k !== undefined ? intOption(opts.k, '--k', 1) : undefined;
  const seed = intOption(opts.seed, '--seed', -Number.MAX_SAFE_INTEGER);
  const net = loadModel(modelPath);
  const { xs, labels } = loadData(net, opts, true);
  const k = kOpt ?? new Set(labels!).size;
  const codes = xs.map((x) => splineCodes(net, x));
  const results: { layer: string; code: number; activations: number }[] = [];
  for (let l = -1; l < net.activations.length; l++) {
    const byCode = clusterInputs(net, xs, { k, features: 'code', layer: l, labels: labels!, seed, codes });
    const byAct = clusterInputs(net, xs, { k, features: 'activations', layer: l, labels: labels!, seed, codes });
    results.push({ layer: l < 0 ? 'all' : `layer ${l + 1}`, code: byCode.purity!, activations: byAct.purity! });
  }
  writeFileAtomic(opts.json, JSON.stringify({ k, seed, inputs: xs.length, purity: results }) + '\n');
  writeFigure(
    opts,
    '',
    barChartSvg(
      `Cluster purity (k = ${k}, ${xs.length} inputs)`,
      results.map((r) => r.layer),
      [
        { name: 'by spline code', values: results.map((r) => r.code) },
        { name: 'by activations', values: results.map((r) => r.activations) },
      ],
      'purity',
    ),
  );
  say(
    opts,
    `lens cluster: ${results.map((r) => `${r.layer}: code ${r.code.toFixed(3)} / act ${r.activations.toFixed(3)}`).join('; ')} → ${opts.json}`,
  );
}

/** `polytope lens norms`: layer weight norms and region Jacobian norms. */
function runLensNorms(modelPath: string, opts: SourceOpts): void {
  const net = loadModel(modelPath);
  const layers = layerNorms(net);
  const { xs } = loadData(net, opts, false);
  const r = regionNorms(net, xs);
  const json = {
    layers,
    product_of_spectral_norms: layers.reduce((a, l) => a * l.spectral, 1),
    regions: {
      inputs: xs.length,
      distinct_regions: r.distinctRegions,
      spectral: summaryStats(r.spectral),
      frobenius: summaryStats(r.frobenius),
      values: { spectral: Array.from(r.spectral), frobenius: Array.from(r.frobenius) },
    },
  };
  writeFileAtomic(opts.json, JSON.stringify(json) + '\n');
  writeFigure(
    opts,
    '',
    histogramSvg(
      `Region Jacobian norms over ${xs.length} inputs`,
      [
        { name: 'spectral ‖J‖₂', values: r.spectral },
        { name: 'Frobenius ‖J‖_F', values: r.frobenius },
      ],
      'norm',
    ),
  );
  writeFigure(
    opts,
    '-layers',
    barChartSvg(
      'Layer weight norms',
      layers.map((l) => layerLabel(net, l.node, l.rows, l.cols)),
      [
        { name: 'spectral', values: layers.map((l) => l.spectral) },
        { name: 'Frobenius', values: layers.map((l) => l.frobenius) },
      ],
      'norm',
    ),
  );
  say(
    opts,
    `lens norms: median region ‖J‖₂ ${json.regions.spectral.median.toFixed(3)} (max ${json.regions.spectral.max.toFixed(3)}), product of layer ‖W‖₂ ${json.product_of_spectral_norms.toFixed(3)} → ${opts.json}`,
  );
}

/** `polytope lens density`: boundary density along within- and between-class segments. */
function runLensDensity(modelPath: string, opts: SourceOpts & { pairs: string; seed: string }): void {
  const pairs = intOption(opts.pairs, '--pairs', 1);
  const seed = intOption(opts.seed, '--seed', -Number.MAX_SAFE_INTEGER);
  const net = loadModel(modelPath);
  const { xs, labels } = loadData(net, opts, true);
  const study = densityStudy(net, xs, labels!, { pairs, seed });
  const nl = net.activations.length;
  writeFileAtomic(
    opts.json,
    JSON.stringify({
      within: study.within,
      between: study.between,
      samples: study.samples.map((s) => ({ ...s, label_i: labels![s.i], label_j: labels![s.j] })),
    }) + '\n',
  );
  const groups = Array.from({ length: nl }, (_, l) => `layer ${l + 1}`);
  writeFigure(
    opts,
    '',
    barChartSvg(
      'Polytope boundaries per unit length along segments',
      [...groups, 'all'],
      [
        { name: 'within class', values: [...study.within.meanPerLayer, study.within.meanDensity] },
        { name: 'between classes', values: [...study.between.meanPerLayer, study.between.meanDensity] },
      ],
      'boundaries / unit length',
    ),
  );
  if (opts.figure) {
    const rows = [...study.samples.filter((s) => s.same).slice(0, 8), ...study.samples.filter((s) => !s.same).slice(0, 8)].map((s) => {
      const b = boundaryDensity(net, xs[s.i]!, xs[s.j]!);
      return { label: `${labels![s.i]}→${labels![s.j]}`, breakpoints: b.breakpoints, layers: b.layerOf };
    });
    writeFigure(opts, '-paths', breakpointStripSvg('Boundary crossings along segments (colour = layer)', rows, nl));
  }
  say(
    opts,
    `lens density: within ${study.within.meanDensity.toFixed(3)}, between ${study.between.meanDensity.toFixed(3)} boundaries per unit length (${study.within.pairs} + ${study.between.pairs} segments) → ${opts.json}`,
  );
}

/** `polytope lens codes`: spline codes per input and their pairwise Hamming/Jaccard distances. */
function runLensCodes(modelPath: string, opts: SourceOpts & { maxPairs: string }): void {
  const maxPairs = intOption(opts.maxPairs, '--max-pairs', 2);
  const net = loadModel(modelPath);
  const { xs, labels } = loadData(net, opts, false);
  const codes = xs.map((x) => splineCodes(net, x));
  const n = Math.min(xs.length, maxPairs);
  const nl = net.activations.length;
  const hamming = new Float64Array(n * n);
  const jaccard = new Float64Array(n * n);
  const perLayerMean = new Float64Array(nl);
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const h = codeHamming(codes[i]!.whole, codes[j]!.whole);
      const jc = codeJaccard(codes[i]!.whole, codes[j]!.whole);
      hamming[i * n + j] = hamming[j * n + i] = h;
      jaccard[i * n + j] = jaccard[j * n + i] = jc;
      for (let l = 0; l < nl; l++) perLayerMean[l] = perLayerMean[l]! + codeHamming(codes[i]!.layers[l]!, codes[j]!.layers[l]!);
      pairs++;
    }
  }
  const hex = (c: Uint8Array): string => Array.from(c).join('');
  const distinct = new Set(codes.map((c) => hex(c.whole))).size;
  const json = {
    summary: {
      inputs: xs.length,
      distinct_regions: distinct,
      units: net.numUnits,
      layers: nl,
      mean_hamming_per_layer: Array.from(perLayerMean, (v) => v / Math.max(1, pairs)),
      mean_hamming: hamming.reduce((a, b) => a + b, 0) / Math.max(1, n * n - n),
      mean_jaccard: jaccard.reduce((a, b) => a + b, 0) / Math.max(1, n * n - n),
    },
    inputs: codes.map((c, i) => ({
      index: i,
      ...(labels ? { label: labels[i] } : {}),
      layers: c.layers.map(hex),
      active: c.layers.map((l) => l.reduce((a, b) => a + (b ? 1 : 0), 0)),
    })),
    hamming: Array.from({ length: n }, (_, i) => Array.from(hamming.subarray(i * n, (i + 1) * n))),
    jaccard: Array.from({ length: n }, (_, i) => Array.from(jaccard.subarray(i * n, (i + 1) * n))),
  };
  writeFileAtomic(opts.json, JSON.stringify(json) + '\n');
  writeFigure(opts, '', heatmapSvg(`Hamming distance between spline codes (${n} inputs)`, hamming, n));
  say(
    opts,
    `lens codes: ${xs.length} inputs, ${distinct} distinct regions, mean Hamming ${json.summary.mean_hamming.toFixed(2)} of ${net.numUnits} units → ${opts.json}`,
  );
}
