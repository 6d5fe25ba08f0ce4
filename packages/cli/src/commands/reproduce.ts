/**
 * `polytope reproduce table-5.1 | table-4.2 | table-4.3`: the dissertation's training experiments,
 * as Markdown tables (and JSON).
 *
 * - Table 5.1 (§5.3): rectangular ReLU networks of width w and depth d (hidden layers) fit sine on
 *   100 uniformly spaced points of [−π, π] with SGD (lr 0.1), MSE, 200 epochs; a network whose
 *   training MSE stays above 0.45 is re-initialized and trained again, up to 1,000 times. The table
 *   counts initializations until success ("–": none within the limit).
 * - Tables 4.2/4.3 (§4.2.1): the minimal circle-vs-annulus network 2-3-1 (one hidden layer of width
 *   n + 1 = 3), Adam lr 0.01, 1,000 samples, up to 1,000 epochs, for every loss (MSE, BCE) × leak
 *   (0, 0.01, 0.1) × batch (10, 100, 1000) × normalization; a run succeeds when it classifies ≥ 95 %
 *   of its 1,000 training samples. Table 4.2 lists successes out of `runs` per combination, Table 4.3
 *   the mean over all other settings per hyperparameter value.
 *
 * Every single run is an ordinary `polytope train` run (built by `prepareTraining` from the same
 * flags and seed), so any cell can be replayed with one `polytope train` command. The runs are the
 * shards of two sweeps (`sweeps/reproduce.ts`): they run on every core (`--threads`), and each
 * finished shard is kept in the result store (`--store`, default OUT/.shards), so a killed run
 * resumes where it stopped and a finished one is not computed again.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { CliError, writeFileAtomic } from '../util.js';
import { parseThreads } from '../threads.js';
import { SINE_THRESHOLD, annulusSweep, sineSweep } from '../sweeps/reproduce.js';
import type { AnnulusRow, SineCell } from '../sweeps/reproduce.js';
import { runSweepCli } from '../sweeps/run.js';
import { fig54, fig55 } from './chapter5.js';
import { num, positiveInt } from './train.js';

export type { AnnulusRow } from '../sweeps/reproduce.js';

/** Experiments `polytope reproduce` knows. */
const REPRODUCIBLE = ['table-5.1', 'table-4.2', 'table-4.3', 'fig-5.4', 'fig-5.5'] as const;
type Experiment = (typeof REPRODUCIBLE)[number];

/** Reduced defaults (documented in docs/training.md) and the dissertation's full protocol. */
const PROTOCOLS = {
  'table-5.1': { reduced: { runs: 20, maxEpochs: 200 }, full: { runs: 1000, maxEpochs: 200 } },
  'table-4.2': { reduced: { runs: 20, maxEpochs: 200 }, full: { runs: 100, maxEpochs: 1000 } },
  'table-4.3': { reduced: { runs: 20, maxEpochs: 200 }, full: { runs: 100, maxEpochs: 1000 } },
  'fig-5.4': { reduced: { runs: 0, maxEpochs: 0 }, full: { runs: 0, maxEpochs: 0 } },
  'fig-5.5': { reduced: { runs: 20, maxEpochs: 200 }, full: { runs: 1000, maxEpochs: 200 } },
} as const;

interface ReproduceCliOptions {
  out?: string;
  runs?: string;
  maxEpochs?: string;
  full?: boolean;
  widths?: string;
  depths?: string;
  batch?: string;
  extraEpochs?: string;
  seed: string;
  threads: string;
  store?: string;
  quiet?: boolean;
}

function intList(text: string, flag: string, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new CliError(`${flag} must be a comma list of integers or ranges such as '1-10' or '1,2,5', got '${text}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < lo || b > hi || a > b) throw new CliError(`${flag}: '${part.trim()}' is outside ${lo}…${hi} or an empty range`);
    for (let v = a; v <= b; v++) if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Table 5.1 as Markdown: rows are widths, columns depths; '–' where no initialization succeeded. */
function sineMarkdown(cells: readonly SineCell[], runs: number): string {
  const widths = [...new Set(cells.map((c) => c.width))];
  const depths = [...new Set(cells.map((c) => c.depth))];
  const lines = [`| width \\ depth | ${depths.join(' | ')} |`, `|---|${depths.map(() => '---:').join('|')}|`];
  for (const w of widths) {
    const row = depths.map((d) => {
      const c = cells.find((x) => x.width === w && x.depth === d);
      return c?.initializations == null ? '–' : String(c.initializations);
    });
    lines.push(`| **${w}** | ${row.join(' | ')} |`);
  }
  lines.push('', `Initializations until the training MSE is below 0.45 (– : none of ${runs}).`);
  return lines.join('\n') + '\n';
}

/** Successes out of 100 (scaled when `runs` ≠ 100), as the dissertation reports them. */
function per100(successes: number, runs: number): number {
  return (100 * successes) / runs;
}

/** Table 4.2 as Markdown, sorted by successes like the dissertation's. */
function annulusMarkdown(rows: readonly AnnulusRow[]): string {
  const runs = rows[0]?.runs ?? 0;
  const sorted = [...rows].sort((a, b) => a.successes - b.successes);
  const lines = [
    '| loss | leak | batch | normalize | successes | of | per 100 | mean epochs to 95 % |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of sorted) {
    lines.push(
      `| ${r.loss.toUpperCase()} | ${r.leak} | ${r.batch} | ${r.normalize ? 'True' : 'False'} | ${r.successes} | ${r.runs} | ${per100(r.successes, r.runs).toFixed(0)} | ${r.meanEpochs === null ? '–' : r.meanEpochs.toFixed(1)} |`,
    );
  }
  lines.push('', `Runs that classify ≥ 95 % of their 1,000 training points within the epoch limit, out of ${runs} per combination.`);
  return lines.join('\n') + '\n';
}

/** Table 4.3: mean successes per 100 over all other settings, per hyperparameter value. */
export function annulusAverages(rows: readonly AnnulusRow[]): { parameter: string; value: string; rate: number }[] {
  const groups: [string, (r: AnnulusRow) => string][] = [
    ['loss', (r) => r.loss.toUpperCase()],
    ['normalize', (r) => (r.normalize ? 'True' : 'False')],
    ['leak', (r) => String(r.leak)],
    ['batch', (r) => String(r.batch)],
  ];
  const out: { parameter: string; value: string; rate: number }[] = [];
  for (const [parameter, key] of groups) {
    const values = [...new Set(rows.map(key))];
    for (const value of values) {
      const sel = rows.filter((r) => key(r) === value);
      out.push({ parameter, value, rate: sel.reduce((s, r) => s + per100(r.successes, r.runs), 0) / sel.length });
    }
  }
  return out;
}

/** Table 4.3 as Markdown (see `annulusAverages`). */
function averagesMarkdown(rows: readonly AnnulusRow[]): string {
  const lines = ['| hyperparameter | value | mean successes per 100 |', '|---|---|---:|'];
  for (const a of annulusAverages(rows)) lines.push(`| ${a.parameter} | ${a.value} | ${a.rate.toFixed(1)} |`);
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

/**
 * Registers `polytope reproduce`.
 *
 * @example
 * // polytope reproduce table-4.2 --runs 20 --max-epochs 200 --out runs/t42   → table-4.2.md (Tables 4.2 and 4.3), table-4.2.json
 * registerReproduce(program);
 */
export function registerReproduce(program: Command): void {
  program
    .command('reproduce')
    .description(
      're-run a dissertation experiment (table-5.1 | table-4.2 | table-4.3 | fig-5.4 | fig-5.5) and write Markdown and JSON tables and figures',
    )
    .argument('<experiment>', REPRODUCIBLE.join(' | '))
    .requiredOption('--out <dir>', 'output directory (writes EXPERIMENT.md and EXPERIMENT.json)')
    .option('--runs <n>', 'table-5.1: most initializations per cell; tables 4.2/4.3: networks per combination (reduced default 20)')
    .option('--max-epochs <n>', 'table-5.1: epochs per initialization (200); tables 4.2/4.3: epoch limit (reduced default 200)')
    .option('--full', "the dissertation's full protocol (table-5.1: 1,000 initializations; tables 4.2/4.3: 100 runs, 1,000 epochs)")
    .option('--widths <list>', "table-5.1: widths, e.g. '1-10' or '1,2,5'", '1-10')
    .option('--depths <list>', "table-5.1: depths (hidden layers), e.g. '1-10'", '1-10')
    .option(
      '--batch <n>',
      'table-5.1, fig-5.5: mini-batch size (the text gives none; 100 = full batch, the variant that matches the printed Table 5.1, docs/chapter5.md)',
      '100',
    )
    .option('--extra-epochs <n>', "fig-5.5: further epochs of each cell's chosen network (the text: 1,000)", '1000')
    .option('--seed <s>', 'base seed', '0')
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option('--store <dir>', 'result store of the runs (resume after a kill; reused when the protocol is unchanged)', 'OUT/.shards')
    .option('--quiet', 'print nothing but errors')
    .action(async (experiment: string, opts: ReproduceCliOptions) => {
      await runReproduce(experiment, opts);
    });
}

async function runReproduce(experiment: string, opts: ReproduceCliOptions): Promise<void> {
  if (!(REPRODUCIBLE as readonly string[]).includes(experiment)) {
    throw new CliError(`unknown experiment '${experiment}'; expected one of ${REPRODUCIBLE.join(', ')}`);
  }
  const exp = experiment as Experiment;
  if (exp === 'fig-5.4') {
    fig54(opts.out!);
    if (!opts.quiet) process.stderr.write(`reproduce: fig-5.4 → ${join(opts.out!, 'fig-5.4.svg')}\n`);
    return;
  }
  const protocol = opts.full ? PROTOCOLS[exp].full : PROTOCOLS[exp].reduced;
  const runs = num(opts.runs, '--runs', positiveInt, 'a positive integer') ?? protocol.runs;
  const maxEpochs = num(opts.maxEpochs, '--max-epochs', positiveInt, 'a positive integer') ?? protocol.maxEpochs;
  const seed = num(opts.seed, '--seed', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer')!;
  const batch = num(opts.batch, '--batch', positiveInt, 'a positive integer')!;
  const widths = intList(opts.widths ?? '1-10', '--widths', 1, 1000);
  const depths = intList(opts.depths ?? '1-10', '--depths', 1, 100);
  const out = opts.out!;
  const threads = parseThreads(opts.threads);
  const store = opts.store === undefined || opts.store === 'OUT/.shards' ? join(out, '.shards') : opts.store;
  const isFull = runs >= PROTOCOLS[exp].full.runs && maxEpochs >= PROTOCOLS[exp].full.maxEpochs;
  const label = isFull ? 'full protocol' : 'REDUCED protocol';
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(s);
  };
  const started = Date.now();
  const run: ReproduceRun = {
    exp,
    label,
    runs,
    maxEpochs,
    batch,
    widths,
    depths,
    seed,
    started,
    log,
    threads,
    store,
    quiet: opts.quiet === true,
  };
  if (exp === 'fig-5.5') {
    const extraEpochs = num(opts.extraEpochs, '--extra-epochs', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer')!;
    await fig55({
      out,
      label,
      widths,
      depths,
      runs,
      epochs: maxEpochs,
      extraEpochs,
      batch,
      seed,
      threads,
      store,
      quiet: opts.quiet === true,
      log,
    });
    log(`reproduce: fig-5.5 in ${((Date.now() - started) / 1000).toFixed(1)} s → ${join(out, 'fig-5.5.svg')}\n`);
    return;
  }
  const { md, json } = exp === 'table-5.1' ? await sineReport(run) : await annulusReport(run);
  writeFileAtomic(join(out, `${exp}.json`), JSON.stringify(json, null, 1) + '\n');
  writeFileAtomic(join(out, `${exp}.md`), md);
  log(`reproduce: ${exp} in ${((Date.now() - started) / 1000).toFixed(1)} s → ${join(out, `${exp}.md`)}\n`);
}

/** The settled protocol of one `reproduce` run, shared by the experiments' report builders. */
interface ReproduceRun {
  exp: Experiment;
  label: string;
  runs: number;
  maxEpochs: number;
  batch: number;
  widths: number[];
  depths: number[];
  seed: number;
  started: number;
  log: (s: string) => void;
  threads: number;
  store: string;
  quiet: boolean;
}

/** Table 5.1 (sine): runs the grid and returns its Markdown and JSON. */
async function sineReport(run: ReproduceRun): Promise<{ md: string; json: Record<string, unknown> }> {
  const { exp, label, runs, maxEpochs, batch, widths, depths, seed, started, log } = run;
  log(
    `reproduce table-5.1 (${label}): widths ${widths.join(',')} × depths ${depths.join(',')}, ≤ ${runs} initializations of ${maxEpochs} epochs each, SGD lr 0.1, batch ${batch}\n`,
  );
  const options = { widths, depths, runs, epochs: maxEpochs, batch, seed };
  const cells = (await runSweepCli({
    name: sineSweep.name,
    options,
    store: run.store,
    threads: run.threads,
    quiet: run.quiet,
    label: exp,
  })) as SineCell[];
  for (const c of cells)
    log(`  width ${c.width} depth ${c.depth}: ${c.initializations ?? '–'} (MSE ${c.mse === null ? 'diverged' : c.mse.toPrecision(3)})\n`);
  const md = [
    `# Table 5.1 — sine: initializations needed to reach MSE < 0.45 (${label})`,
    '',
    `Protocol: rectangular ReLU networks (depth = hidden layers of the given width), PyTorch default initialization, SGD lr 0.1, MSE, batch ${batch}, ` +
      `${maxEpochs} epochs on 100 uniformly spaced points of [−π, π]; re-initialized up to ${runs} times while the training MSE is ≥ 0.45. Base seed ${seed}; ` +
      `trial t of cell (w, d) is \`polytope train --dataset sine --arch 1-w-…-w-1 --optimizer sgd --lr 0.1 --batch ${batch} --epochs ${maxEpochs} --seed ${seed}·10⁶ + (100w + d)·1000 + t\`.`,
    '',
    sineMarkdown(cells, runs),
  ].join('\n');
  const json = {
    experiment: exp,
    protocol: label,
    runs,
    epochs: maxEpochs,
    batch,
    seed,
    threshold: SINE_THRESHOLD,
    cells,
    seconds: (Date.now() - started) / 1000,
  };
  return { md, json };
}

/** Tables 4.2 and 4.3 (circle vs annulus): runs the grid and returns their Markdown and JSON. */
async function annulusReport(run: ReproduceRun): Promise<{ md: string; json: Record<string, unknown> }> {
  const { exp, label, runs, maxEpochs, seed, started, log } = run;
  log(`reproduce ${exp} (${label}): 2-3-1 on circle vs annulus, 36 combinations × ${runs} runs, ≤ ${maxEpochs} epochs, Adam lr 0.01\n`);
  const options = { runs, maxEpochs, seed };
  const rows = (await runSweepCli({
    name: annulusSweep.name,
    options,
    store: run.store,
    threads: run.threads,
    quiet: run.quiet,
    label: exp,
  })) as AnnulusRow[];
  for (const r of rows) log(`  ${r.loss} leak ${r.leak} batch ${r.batch} normalize ${r.normalize}: ${r.successes}/${r.runs}\n`);
  const head =
    `Protocol: the minimal network 2-3-1 (one hidden layer of width 3), PyTorch default initialization, Adam lr 0.01, 1,000 training points ` +
    `(500 in the disc r ≤ 0.5, 500 in the annulus 0.5√2 ≤ r ≤ 1), up to ${maxEpochs} epochs, stopping at the first epoch with ≥ 95 % training accuracy; ` +
    `${runs} runs per combination, run r with seed ${seed} + r (\`polytope train --dataset circle-annulus --arch 2-3-1 --seed …\`), the same seeds in every combination.`;
  const md = [
    `# Table 4.2 — circle vs annulus: successes per loss / leak / batch / normalization (${label})`,
    '',
    head,
    '',
    annulusMarkdown(rows),
    '',
    `# Table 4.3 — mean successes per 100 for each hyperparameter value (${label})`,
    '',
    averagesMarkdown(rows),
  ].join('\n');
  const json = {
    experiment: exp,
    protocol: label,
    runs,
    max_epochs: maxEpochs,
    seed,
    rows,
    averages: annulusAverages(rows),
    seconds: (Date.now() - started) / 1000,
  };
  return { md, json };
}
