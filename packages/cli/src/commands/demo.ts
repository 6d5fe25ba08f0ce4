import { join } from 'node:path';
import type { Command } from 'commander';
import {
  TrainableNetwork,
  architectureLayers,
  circleAnnulus,
  codeOffsets,
  codeKey,
  evaluate,
  inputPlane,
  networkToJsonString,
  seededRandom,
  slicePlane,
  train,
  validateSlice,
  writeOnnx,
} from '@polytope-lens/core';
import type { Dataset } from '@polytope-lens/core';
import { renderSliceSvg } from '../render/slice-figure.js';
import type { SliceFigureInput } from '../render/slice-figure.js';
import { pointLegend } from '../render/slice-look.js';
import { svgToPng } from '../render/png.js';
import { startProgress } from '../progress.js';
import { CliError, writeFileAtomic } from '../util.js';
import { hashBytes } from '../render/color.js';
import { InternalError } from '@polytope-lens/core';

/**
 * `polytope demo`: the main job on a built-in default. Trains a 2→16→16→1 ReLU net on the
 * dissertation's circle-vs-annulus task (§4.2.1), then computes its exact region map.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('train a small net on circle vs annulus and write its exact region map (the quick tour)')
    .option('--out <dir>', 'output directory', 'polytope-demo')
    .option('--arch <widths>', 'hidden widths as a dash list (input 2 and output 1 are added)', '16-16')
    .option('--epochs <n>', 'training epochs', '150')
    .option('--seed <s>', 'seed for data, initialization and shuffling', '0')
    .option('--quiet', 'print nothing but errors')
    .action(runDemo);
}

interface DemoCliOptions {
  out: string;
  arch: string;
  epochs: string;
  seed: string;
  quiet?: boolean;
}

/** `polytope demo`: trains the demo net, slices its input plane and writes model, JSON and figures. */
async function runDemo(opts: DemoCliOptions): Promise<void> {
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(s + '\n');
  };
  const { net, result, test } = await trainDemoNet(opts);
  const trained = net.toNetwork();
  const testEval = evaluate(net, test, 'bce');
  say(
    `demo: trained 2-${opts.arch}-1 on circle vs annulus: train accuracy ${(100 * result.train.accuracy!).toFixed(1)} %, test ${(100 * testEval.accuracy!).toFixed(1)} % (${result.seconds.toFixed(1)} s)`,
  );
  const box = [-1.2, 1.2, -1.2, 1.2];
  const res = slicePlane(trained, inputPlane(trained), box);
  const v = validateSlice(trained, res);
  if (!v.ok) throw new InternalError(`internal check failed: ${v.problems.join('; ')}`);
  const offsets = codeOffsets(trained);
  const s = res.summary;
  const json = {
    summary: {
      regions: s.regions,
      linear_regions: s.linearRegions,
      total_area: s.totalArea,
      boundary_length: s.boundaryLength,
      seconds: s.seconds,
    },
    training: { train_accuracy: result.train.accuracy, test_accuracy: testEval.accuracy, loss: result.loss },
    regions: res.regions.map((r) => ({
      code: codeKey(r.code, offsets),
      vertices: Array.from({ length: r.vertices.length / 2 }, (_, i) => [r.vertices[2 * i]!, r.vertices[2 * i + 1]!]),
      area: r.area,
      map: [[r.map[0]!, r.map[1]!, r.map[2]!]],
    })),
  };
  const svg = renderSliceSvg({
    box: [box[0]!, box[1]!, box[2]!, box[3]!],
    regions: res.regions.map((r) => ({ vertices: r.vertices, colorKey: hashBytes(r.code) })),
    boundary: res.boundary,
    ...demoPoints(test),
    title: `circle vs annulus, 2-${opts.arch}-1: ${s.regions} regions, ${s.linearRegions} linear`,
    note: 'colour: activation pattern; black: decision boundary; x₁, x₂: the network inputs',
    xLabel: 'x₁',
    yLabel: 'x₂',
  });
  writeFileAtomic(join(opts.out, 'model.json'), networkToJsonString(trained) + '\n');
  writeFileAtomic(join(opts.out, 'model.onnx'), writeOnnx(trained));
  writeFileAtomic(join(opts.out, 'regions.json'), JSON.stringify(json) + '\n');
  writeFileAtomic(join(opts.out, 'regions.svg'), svg);
  writeFileAtomic(join(opts.out, 'regions.png'), svgToPng(svg));
  say(
    `demo: exact region map: ${s.regions} activation regions, ${s.linearRegions} linear regions, decision boundary ${s.boundaryLength.toFixed(3)} long, in ${(1000 * s.seconds).toFixed(1)} ms`,
  );
  say(`demo: wrote ${join(opts.out, 'regions.png')} (and .svg, .json, model.json, model.onnx)`);
}

/** The test points and their key, for the demo figure. */
function demoPoints(test: Dataset): Pick<SliceFigureInput, 'points' | 'legend'> {
  const labels = Array.from(test.y, (v) => (v > 0.5 ? 1 : 0));
  return {
    points: { st: Float64Array.from(test.x), labels, name: 'test points' },
    legend: {
      kind: 'entries',
      title: 'key',
      entries: [...pointLegend(labels, 'test points'), { label: 'decision boundary', color: '#000000', marker: 'line' }],
    },
  };
}

/** Checks the options, then trains the demo network on circle vs annulus. */
async function trainDemoNet(opts: DemoCliOptions) {
  const epochs = Number(opts.epochs);
  const seed = Number(opts.seed);
  if (!Number.isInteger(epochs) || epochs < 1) throw new CliError(`--epochs must be a positive integer, got '${opts.epochs}'`);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
  if (!/^\d+(-\d+)*$/.test(opts.arch)) throw new CliError(`--arch must be hidden widths like 16-16, got '${opts.arch}'`);
  // Issue 18 #17: '2-8-1' looks like a whole architecture; it used to build 2-2-8-1-1 silently.
  const widths = opts.arch.split('-');
  if (widths.length >= 3 && widths[0] === '2' && widths[widths.length - 1] === '1')
    throw new CliError(
      `--arch takes the hidden widths only (input 2 and output 1 are added): for 2-${widths.slice(1, -1).join('-')}-1 give --arch ${widths.slice(1, -1).join('-')}`,
    );
  const data = circleAnnulus({ n: 1000, random: seededRandom(seed * 4 + 1) });
  const test = circleAnnulus({ n: 1000, random: seededRandom(seed * 4 + 2) });
  const net = new TrainableNetwork([2], architectureLayers(`2-${opts.arch}-1`, [2], 1), {
    init: 'pytorch',
    random: seededRandom(seed * 4 + 3),
  });
  const progress = startProgress('train', opts.quiet === true);
  let result;
  try {
    result = await train(net, data, {
      loss: 'bce',
      optimizer: { type: 'adam', lr: 0.01, weightDecay: 0 },
      epochs,
      batchSize: 32,
      random: seededRandom(seed * 4 + 4),
      testData: test,
      signal: progress.signal,
      onProgress: (p) => progress.update(p.step / p.totalSteps, 0),
    });
  } finally {
    progress.stop();
  }
  return { net, result, test };
}
