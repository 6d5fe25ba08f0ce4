/**
 * `polytope boolean-train …`: the training studies of chapter 3 (§3.3.3, §3.4): the success sweep
 * over Boolean functions × network shapes (Fig. 3.5, Table 3.3, Fig. 3.6) and the local optima of
 * 1-D parity (Table 3.2). Each writes JSON and a Markdown report beside it.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  parityTruthTable,
  randomTruthTable,
  HYPERSPHERE_THRESHOLDS,
  booleanSuccessSweep,
  deepPrune,
  parity1dStudy,
  subnetworkCurves,
  widePrune,
} from '@polytope-lens/core';
import type {
  BatchedPrecision,
  BooleanHighnMerged,
  BooleanHighnOptions,
  BooleanSuccessMerged,
  BooleanSuccessOptions,
  HighnClass,
  HypersphereSweepMerged,
  Parity1dResult,
  TruthTable,
} from '@polytope-lens/core';
import { runSweepCli } from '../sweeps/run.js';
import { parseThreads } from '../threads.js';
import { parseRows } from '../inputs.js';
import { CliError, writeFileAtomic } from '../util.js';
import { gridHeatmapSvg, lossCurvesSvg, thresholdCountsSvg } from '../render/boolean-figures.js';
import { svgToPng } from '../render/png.js';
import { highnReport, precisionWords, writeHighnFigures } from './boolean-highn.js';

function intOption(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${what} must be an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

function numberOption(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${what} must be a positive number, got '${text}'`);
  return n;
}

/**
 * Truth tables from `--functions` (integers, `0x…` hex, `parity`, `random:K` for K seeded random
 * functions) or `--functions-file` (a JSON list or `{"representatives": […]}`).
 */
function readFunctions(list: string | undefined, file: string | undefined, n: number, seed: number): TruthTable[] {
  if ((list === undefined) === (file === undefined)) throw new CliError('give exactly one of --functions LIST or --functions-file FILE');
  if (list !== undefined) {
    return list.split(',').flatMap((raw): TruthTable[] => {
      const t = raw.trim();
      if (t === 'parity') return [parityTruthTable(n)];
      const rnd = /^random:(\d+)$/.exec(t);
      if (rnd) return Array.from({ length: Number(rnd[1]) }, (_, i) => randomTruthTable(n, seed * 1000 + i));
      if (/^0x[0-9a-f]+$/i.test(t)) return [t.toLowerCase()];
      const v = Number(t);
      if (!Number.isInteger(v) || v < 0)
        throw new CliError(`--functions: '${t}' is not a truth-table integer, 0x… hex, parity or random:K`);
      return [v];
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file!, 'utf8'));
  } catch (err) {
    throw new CliError(`--functions-file ${file}: ${(err as Error).message}`);
  }
  const arr = Array.isArray(doc) ? doc : (doc as { representatives?: unknown }).representatives;
  if (!Array.isArray(arr) || arr.some((v) => !Number.isInteger(v) || (v as number) < 0)) {
    throw new CliError(`--functions-file ${file}: expected a JSON list of truth-table integers or {"representatives": [...]}`);
  }
  return arr as number[];
}

function leaks(acts: string): number[] {
  return acts.split(',').map((a) => {
    const t = a.trim();
    if (t === 'relu') return 0;
    if (t === 'leaky') return 0.1;
    const v = Number(t);
    if (Number.isFinite(v) && v >= 0 && v < 1) return v;
    throw new CliError(`--acts: '${t}' is not relu, leaky or a leak in [0, 1)`);
  });
}

const stemOf = (json: string): string => json.slice(0, json.length - extname(json).length);
const actName = (alpha: number): string => (alpha === 0 ? 'ReLU' : `leaky ReLU ${alpha}`);

/** A truth table for a table cell: integers as they are, long hex shortened. */
const short = (f: TruthTable): string => (typeof f === 'string' && f.length > 22 ? `${f.slice(0, 12)}…${f.slice(-6)}` : String(f));

/** Fig. 3.5's four panels (per activation: mean and worst successes, rows depth, columns width) as SVG files; returns their names. */
function writeSuccessFigures(m: BooleanSuccessMerged, stem: string): string[] {
  const files: string[] = [];
  const widths = [...new Set(m.shapes.map((s) => s.width))].sort((a, b) => a - b);
  const depths = [...new Set(m.shapes.map((s) => s.depth))].sort((a, b) => a - b);
  for (const alpha of [...new Set(m.shapes.map((s) => s.alpha))]) {
    for (const key of ['meanSuccesses', 'worstSuccesses'] as const) {
      const values = depths.map((d) =>
        widths.map((w) => m.shapes.find((s) => s.alpha === alpha && s.width === w && s.depth === d)?.[key] ?? null),
      );
      const what = key === 'meanSuccesses' ? 'mean' : 'worst';
      const file = `${stem}-fig3-5-${alpha === 0 ? 'relu' : `leak${alpha}`}-${what}.svg`;
      writeFileAtomic(
        file,
        gridHeatmapSvg(`${actName(alpha)}: ${what} successes of ${m.trials}`, depths.map(String), widths.map(String), values, [
          0,
          m.trials,
        ]),
      );
      files.push(file);
    }
  }
  return files;
}

/** The Markdown report of the success sweep: Fig. 3.5 grids, Table 3.3, Fig. 3.6 columns. */
function successReport(m: BooleanSuccessMerged, seconds: number): string {
  const out: string[] = [`# Boolean training success (§3.4.2)`, ''];
  out.push(
    `${m.cells.length} cells · ${m.trials} trials · up to ${m.epochs} epochs · ${precisionWords(m.precision)} · ${m.networkEpochs.toExponential(3)} network-epochs in ${seconds.toFixed(1)} s`,
    '',
  );
  const alphas = [...new Set(m.shapes.map((s) => s.alpha))];
  const widths = [...new Set(m.shapes.map((s) => s.width))].sort((a, b) => a - b);
  const depths = [...new Set(m.shapes.map((s) => s.depth))].sort((a, b) => a - b);
  for (const alpha of alphas) {
    for (const [title, key] of [
      ['mean successes over the functions', 'meanSuccesses'],
      ['successes on the hardest function', 'worstSuccesses'],
    ] as const) {
      out.push(`## Fig. 3.5, ${actName(alpha)}: ${title} (rows depth, columns width)`, '');
      out.push(`| depth \\ width | ${widths.join(' | ')} |`, `|---|${widths.map(() => '---:').join('|')}|`);
      for (const d of depths) {
        const row = widths.map((w) => {
          const s = m.shapes.find((x) => x.alpha === alpha && x.width === w && x.depth === d);
          return s ? (key === 'meanSuccesses' ? s.meanSuccesses.toFixed(1) : String(s.worstSuccesses)) : '';
        });
        out.push(`| ${d} | ${row.join(' | ')} |`);
      }
      out.push('');
    }
  }
  for (const h of m.hardest) {
    out.push(`## Table 3.3, ${actName(h.alpha)}: hardest functions (count of shapes within 1 point of the worst)`, '');
    out.push('| decimal | binary | count |', '|---:|---|---:|');
    for (const r of h.rows) out.push(`| ${short(r.f)} | ${m.n <= 4 ? r.binary : '(see JSON)'} | ${r.count} |`);
    out.push('');
  }
  for (const alpha of alphas) {
    const rows = m.perFunction.filter((p) => p.alpha === alpha).sort((a, b) => a.meanRate - b.meanRate);
    out.push(`## Fig. 3.6, ${actName(alpha)}: per function, sorted by mean success rate`, '');
    out.push('| function | mean rate | 2×2 rate | 3×1 rate |', '|---:|---:|---:|---:|');
    const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
    for (const p of rows) out.push(`| ${short(p.f)} | ${p.meanRate.toFixed(3)} | ${fmt(p.w2d2)} | ${fmt(p.w3d1)} |`);
    out.push('');
  }
  return out.join('\n');
}

function patternText(p: string): string {
  const names = ['b', 'b + w', 'b − w'];
  return p
    .split(' ')
    .map((u, i) => [...u].map((c, j) => `${names[j]!.replace(/b|w/g, (s) => `${s}${i + 1}`)} ${c === '+' ? '≥' : '<'} 0`).join(', '))
    .join('; ');
}

/** The Markdown report of the 1-D parity study (Eq. 3.12–3.25, Table 3.2). */
function parity1dReport(r: Parity1dResult): string {
  const frac = (q: [number, number]): string => (q[1] === 1 ? String(q[0]) : `${q[0]}/${q[1]}`);
  const out = [`# Local optima of 1-D parity (§3.3.3, Table 3.2)`, '', '## Eq. 3.12: v(x; a, b) = max(ax, 0) + b', ''];
  out.push('| side | zero of the gradient | on its side (steady state) | loss there |', '|---|---|---|---:|');
  for (const t of r.toy) out.push(`| ${t.side} | (${frac(t.zero.a)}, ${frac(t.zero.b)}) | ${t.onSide ? 'yes' : 'no'} | ${t.loss} |`);
  out.push('', `## Table 3.2: ${r.count} networks, gradient descent lr ${r.lr}, ${r.epochs} epochs, ${r.reduction} of squared errors`, '');
  out.push(
    `By loss: ${Object.entries(r.byLoss)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' · ')}; ${r.minima.length} distinct (loss, sign pattern) states; ${r.symmetryClasses.length} up to unit swap and x ↦ −x.`,
    '',
  );
  out.push('| loss | region | times found | max ‖∇L‖ at the end |', '|---|---|---:|---:|');
  for (const m of r.minima.slice(0, 15))
    out.push(`| ${m.loss} | ${patternText(m.pattern)} | ${m.count} | ${m.maxGradNorm.toExponential(1)} |`);
  out.push('', '### Up to symmetry', '', '| loss | region (canonical) | times found |', '|---|---|---:|');
  for (const m of r.symmetryClasses) out.push(`| ${m.loss} | ${patternText(m.pattern)} | ${m.count} |`);
  return out.join('\n') + '\n';
}

/** The options every sweep-backed runner has (`poolOptions`, `--json`, `--quiet`). */
interface PoolRunOpts {
  json: string;
  threads: string;
  store: string;
  quiet?: boolean;
}

interface SuccessOpts extends PoolRunOpts {
  functions?: string;
  functionsFile?: string;
  n: string;
  widths: string;
  depths: string;
  acts: string;
  trials: string;
  epochs: string;
  lr: string;
  seed: string;
  precision: string;
}

/** `--precision` of the sweeps trained by `trainBatched`. */
function precisionOption(cmd: Command): Command {
  return cmd.option(
    '--precision <p>',
    "the trainer's arithmetic: f64 (float64, the recorded results) or f32 (float32 WebAssembly SIMD kernels, PyTorch's default precision, faster)",
    'f64',
  );
}

function parsePrecision(text: string): BatchedPrecision {
  if (text !== 'f64' && text !== 'f32') throw new CliError(`--precision must be f64 or f32, got '${text}'`);
  return text;
}

/** `--threads` and `--store` of the study runners: every core, results kept beside the JSON (resumable). */
function poolOptions(cmd: Command): Command {
  return cmd
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option('--store <dir>', 'result store of the shards (a killed run resumes; a finished one is not computed again)', 'JSON.shards');
}

/** Runs a registered sweep with the command's store, threads and quiet flag; returns its merged result and the seconds it took. */
async function timedSweep<T>(name: string, options: object, opts: PoolRunOpts, label: string): Promise<{ merged: T; seconds: number }> {
  const t0 = performance.now();
  const merged = (await runSweepCli({
    name,
    options,
    store: storeOf(opts),
    threads: parseThreads(opts.threads),
    quiet: opts.quiet === true,
    label,
  })) as T;
  return { merged, seconds: (performance.now() - t0) / 1000 };
}

/** The store folder: `--store`, or `<json stem>.shards`. */
function storeOf(opts: { store: string; json: string }): string {
  return opts.store === 'JSON.shards' ? `${stemOf(opts.json)}.shards` : opts.store;
}

function registerSuccess(group: Command): void {
  const cmd = group.command('success');
  precisionOption(poolOptions(cmd))
    .description('train `trials` networks per function × width × depth × activation, count 100 % accuracy (Fig. 3.5, Table 3.3, Fig. 3.6)')
    .option('--functions <list>', 'truth tables: integers (27030 = 4-parity), 0x… hex, parity, random:K')
    .option('--functions-file <file>', 'JSON list of truth tables or {"representatives": [...]} (e.g. `polytope boolean npn --n 4 --json`)')
    .option('--n <n>', 'inputs per function', '4')
    .option('--widths <list>', 'hidden widths', '2-10')
    .option('--depths <list>', 'hidden layers', '1-5')
    .option('--acts <list>', 'relu, leaky (0.1) or leak values', 'relu,leaky')
    .option('--trials <n>', 'networks per cell', '100')
    .option('--epochs <n>', 'maximum Adam steps', '4000')
    .option('--lr <x>', 'Adam learning rate', '0.025')
    .option('--seed <n>', 'base seed', '0')
    .option('--json <path>', 'output JSON (a .md report is written beside it)', 'boolean-success.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: SuccessOpts) => {
      const n = intOption(opts.n, '--n', 1, 10);
      const seed = intOption(opts.seed, '--seed', 0, 2 ** 31 - 1);
      const options: BooleanSuccessOptions = {
        functions: readFunctions(opts.functions, opts.functionsFile, n, seed),
        n,
        widths: parseRows(opts.widths, '--widths'),
        depths: parseRows(opts.depths, '--depths'),
        alphas: leaks(opts.acts),
        trials: intOption(opts.trials, '--trials', 1, 100_000),
        epochs: intOption(opts.epochs, '--epochs', 0, 10_000_000),
        lr: numberOption(opts.lr, '--lr'),
        seed,
        precision: parsePrecision(opts.precision),
      };
      const total = booleanSuccessSweep.shards(options).length;
      const { merged, seconds } = await timedSweep<BooleanSuccessMerged>('boolean-success', options, opts, 'boolean-train success');
      writeFileAtomic(opts.json, JSON.stringify({ ...merged, seconds }, null, 1) + '\n');
      writeFileAtomic(`${stemOf(opts.json)}.md`, successReport(merged, seconds));
      writeSuccessFigures(merged, stemOf(opts.json));
      if (!opts.quiet) {
        process.stderr.write(
          `boolean-train success: ${total} cells in ${seconds.toFixed(1)} s (${(merged.networkEpochs / seconds).toExponential(2)} network-epochs/s); wrote ${opts.json} and ${stemOf(opts.json)}.md\n`,
        );
      }
    });
}

interface HighnOpts extends PoolRunOpts {
  dims: string;
  classes: string;
  random: string;
  xor: string;
  widths: string;
  depths: string;
  leak: string;
  trials: string;
  epochs: string;
  lr: string;
  seed: string;
  precision: string;
}

function registerHighn(group: Command): void {
  const cmd = group.command('highn');
  precisionOption(poolOptions(cmd))
    .description(
      'n = 5…10: n-parity, random functions and the 222 four-input NPN classes XORed with x₅ ⊕ … ⊕ xₙ; success, points correct and Fourier metrics (Figs. 3.7–3.9)',
    )
    .option('--dims <list>', 'input counts n (4…10)', '5-10')
    .option('--classes <list>', 'parity, random, xor', 'parity,random,xor')
    .option('--random <k>', 'random functions per n', '100')
    .option('--xor <k>', 'four-input NPN classes XORed with parity, evenly spaced over the 222', '222')
    .option('--widths <list>', 'hidden widths', '2-10')
    .option('--depths <list>', 'hidden layers', '1-5')
    .option('--leak <x>', 'leak of the activation (0 = ReLU)', '0.1')
    .option('--trials <n>', 'networks per cell', '40')
    .option('--epochs <n>', 'maximum Adam steps', '4000')
    .option('--lr <x>', 'Adam learning rate', '0.025')
    .option('--seed <n>', 'base seed', '0')
    .option('--json <path>', 'output JSON (a .md report and -fig3-7/8/9.svg are written beside it)', 'boolean-highn.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: HighnOpts) => {
      const classes = opts.classes.split(',').map((t) => t.trim());
      for (const c of classes)
        if (!['parity', 'random', 'xor'].includes(c)) throw new CliError(`--classes: '${c}' is not parity, random or xor`);
      const dims = parseRows(opts.dims, '--dims');
      if (dims.some((n) => n < 4 || n > 10)) throw new CliError(`--dims must lie in 4..10, got ${opts.dims}`);
      const leak = Number(opts.leak);
      if (!(leak >= 0 && leak < 1)) throw new CliError(`--leak must be a number in [0, 1), got '${opts.leak}'`);
      const options: BooleanHighnOptions = {
        dims,
        classes: classes as HighnClass[],
        randomCount: intOption(opts.random, '--random', 0, 1000),
        xorCount: intOption(opts.xor, '--xor', 0, 222),
        widths: parseRows(opts.widths, '--widths'),
        depths: parseRows(opts.depths, '--depths'),
        alpha: leak,
        trials: intOption(opts.trials, '--trials', 1, 100_000),
        epochs: intOption(opts.epochs, '--epochs', 0, 10_000_000),
        lr: numberOption(opts.lr, '--lr'),
        seed: intOption(opts.seed, '--seed', 0, 2 ** 20),
        precision: parsePrecision(opts.precision),
      };
      const { merged, seconds } = await timedSweep<BooleanHighnMerged>('boolean-highn', options, opts, 'boolean-train highn');
      writeFileAtomic(opts.json, JSON.stringify({ ...merged, seconds }, null, 1) + '\n');
      writeFileAtomic(`${stemOf(opts.json)}.md`, highnReport(merged, seconds));
      const figures = writeHighnFigures(merged, stemOf(opts.json));
      if (!opts.quiet) {
        process.stderr.write(
          `boolean-train highn: ${merged.cells.length} cells, ${merged.networkEpochs.toExponential(2)} network-epochs in ${seconds.toFixed(1)} s; wrote ${opts.json}, ${stemOf(opts.json)}.md, ${figures.length} SVG\n`,
        );
      }
    });
}

interface Parity1dOpts {
  count: string;
  lr: string;
  epochs: string;
  reduction: string;
  seed: string;
  json: string;
  quiet?: boolean;
}

function registerParity1d(group: Command): void {
  group
    .command('parity1d')
    .description('local optima of 1-D parity: the steady states of Eq. 3.12 and the minima 1,000 XOR networks reach (Table 3.2)')
    .option('--count <n>', 'networks', '1000')
    .option('--lr <x>', 'gradient-descent learning rate', '0.1')
    .option('--epochs <n>', 'steps', '500')
    .option('--reduction <r>', "'sum' (Eq. 3.25 as printed) or 'mean' (PyTorch MSELoss default, 4× smaller steps)", 'sum')
    .option('--seed <n>', 'seed', '0')
    .option('--json <path>', 'output JSON (a .md report is written beside it)', 'parity1d.json')
    .option('--quiet', 'print nothing but errors')
    .action((opts: Parity1dOpts) => {
      if (opts.reduction !== 'sum' && opts.reduction !== 'mean')
        throw new CliError(`--reduction must be sum or mean, got '${opts.reduction}'`);
      const r = parity1dStudy({
        count: intOption(opts.count, '--count', 1, 10_000_000),
        lr: numberOption(opts.lr, '--lr'),
        epochs: intOption(opts.epochs, '--epochs', 0, 10_000_000),
        reduction: opts.reduction,
        seed: intOption(opts.seed, '--seed', 0, 2 ** 31 - 1),
      });
      writeFileAtomic(opts.json, JSON.stringify(r, null, 1) + '\n');
      writeFileAtomic(`${stemOf(opts.json)}.md`, parity1dReport(r));
      if (!opts.quiet) {
        process.stderr.write(
          `boolean-train parity1d: ${Object.entries(r.byLoss)
            .map(([k, v]) => `loss ${k}: ${v}`)
            .join(', ')}; ${r.minima.length} distinct states; wrote ${opts.json}\n`,
        );
      }
    });
}

interface PruneOpts {
  mode: string;
  digits: string;
  widths: string;
  depth: string;
  widthFactor: string;
  tries: string;
  prunings: string;
  epochs: string;
  lr: string;
  seed: string;
  precision: string;
  json: string;
  quiet?: boolean;
}

function pruneWideReport(rows: ReturnType<typeof widePrune>[]): string {
  const digits = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const widths = [...new Set(rows.map((r) => r.width))].sort((a, b) => a - b);
  const out = [
    '# Table 3.4: exhaustive pruning of single-hidden-layer networks on n-parity',
    '',
    'Cells: p, r/C(w, p) (pruned width, successful subnetworks of that width, all of them); – = no original of width w reached 100 % in the tries.',
    '',
  ];
  out.push(`| width \\ digits | ${digits.join(' | ')} |`, `|---|${digits.map(() => '---').join('|')}|`);
  for (const w of widths) {
    const cells = digits.map((n) => {
      const r = rows.find((x) => x.n === n && x.width === w);
      return !r ? '' : r.found ? `${r.prunedWidth}, ${r.successes}/${r.subnetworks}` : '–';
    });
    out.push(`| ${w} | ${cells.join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

/** Fig. 3.10 as SVG: the loss curves of every subnetwork (`prune --mode curves`). */
function writeFig310(file: string, curves: Parameters<typeof lossCurvesSvg>[1], width: number, maxWidth: number, n: number): void {
  const solved = curves.filter((c) => c.solved).length;
  writeFileAtomic(
    file,
    lossCurvesSvg(`Fig. 3.10: width-1…${maxWidth} subnetworks of a width-${width} network on ${n}-parity (${solved} solved)`, curves),
  );
}

function registerPrune(group: Command): void {
  const cmd = group
    .command('prune')
    .description('pruning on n-parity: exhaustive wide (Table 3.4), greedy deep by 1/loss (Table 3.5), subnetwork loss curves (Fig. 3.10)')
    .option('--mode <m>', 'wide, deep or curves', 'wide')
    .option('--digits <list>', 'parity sizes n', '1-4')
    .option('--widths <list>', 'original widths (wide); for curves the first is the width and the second the largest subnetwork', '2-8')
    .option('--depth <n>', 'hidden layers of the deep original', '5')
    .option('--width-factor <k>', 'deep original width = k·n', '5')
    .option('--tries <n>', 'originals trained', '4')
    .option('--prunings <n>', 'greedy runs per original (deep)', '10')
    .option('--epochs <n>', 'steps for training and for each fine-tuning', '4000')
    .option('--lr <x>', 'Adam learning rate', '0.025')
    .option('--seed <n>', 'seed', '0')
    .option('--json <path>', 'output JSON (a .md report is written beside it)', 'prune.json')
    .option('--quiet', 'print nothing but errors');
  precisionOption(cmd).action((opts: PruneOpts) => {
    const t = {
      epochs: intOption(opts.epochs, '--epochs', 0, 10_000_000),
      lr: numberOption(opts.lr, '--lr'),
      seed: intOption(opts.seed, '--seed', 0, 2 ** 20),
      tries: intOption(opts.tries, '--tries', 1, 1000),
      precision: parsePrecision(opts.precision),
    };
    const digits = parseRows(opts.digits, '--digits');
    if (digits.some((d) => d < 1 || d > 10)) throw new CliError('--digits must lie in 1..10');
    const widths = parseRows(opts.widths, '--widths');
    const t0 = performance.now();
    let doc: unknown;
    let md: string;
    if (opts.mode === 'wide') {
      if (widths.some((w) => w < 1 || w > 16)) throw new CliError('--widths must lie in 1..16 (C(w, p) subnetworks each)');
      const rows = digits.flatMap((n) => widths.map((w) => widePrune(n, w, t)));
      doc = { mode: 'wide', rows };
      md = pruneWideReport(rows);
    } else if (opts.mode === 'deep') {
      const depth = intOption(opts.depth, '--depth', 1, 20);
      const k = intOption(opts.widthFactor, '--width-factor', 1, 20);
      const rows = digits.map((n) =>
        deepPrune(n, { ...t, width: k * n, depth, prunings: intOption(opts.prunings, '--prunings', 1, 1000) }),
      );
      doc = { mode: 'deep', rows };
      md =
        [
          '# Table 3.5: greedy pruning of deep networks (width ' + k + 'n, depth ' + depth + ')',
          '',
          '| digits | originals | runs | best |',
          '|---:|---:|---:|---|',
          ...rows.map((r) => `| ${r.n} | ${r.originals} | ${r.runs.length} | ${r.best.join('; ')} |`),
        ].join('\n') + '\n';
    } else if (opts.mode === 'curves') {
      const [width, maxWidth] = [widths[0]!, widths[1] ?? 3];
      const curves = subnetworkCurves(digits[0]!, width, maxWidth, t);
      if (!curves) throw new CliError(`no width-${width} network reached 100 % on ${digits[0]}-parity in ${t.tries} tries`, 'internal');
      doc = { mode: 'curves', n: digits[0], width, curves };
      writeFig310(`${stemOf(opts.json)}-fig3-10.svg`, curves, width, maxWidth, digits[0]!);
      md =
        [
          `# Fig. 3.10: subnetworks of a width-${width} network on ${digits[0]}-parity`,
          '',
          '| units | solved | loss at 0 | loss at end | epochs |',
          '|---|---|---:|---:|---:|',
          ...curves.map(
            (c) =>
              `| ${c.units.join(',')} | ${c.solved ? 'yes' : 'no'} | ${c.loss[0]!.toFixed(3)} | ${c.loss[c.loss.length - 1]!.toFixed(4)} | ${c.loss.length - 1} |`,
          ),
        ].join('\n') + '\n';
    } else throw new CliError(`--mode must be wide, deep or curves, got '${opts.mode}'`);
    md += `\nTrainer: Adam lr ${t.lr}, up to ${t.epochs} steps, ${precisionWords(t.precision)}.\n`;
    const seconds = (performance.now() - t0) / 1000;
    writeFileAtomic(opts.json, JSON.stringify({ ...(doc as object), precision: t.precision, seconds }, null, 1) + '\n');
    writeFileAtomic(`${stemOf(opts.json)}.md`, md);
    if (!opts.quiet)
      process.stderr.write(
        `boolean-train prune: ${opts.mode} in ${seconds.toFixed(1)} s; wrote ${opts.json} and ${stemOf(opts.json)}.md\n`,
      );
  });
}

interface HyperOpts extends PoolRunOpts {
  dims: string;
  leaks: string;
  networks: string;
  samples: string;
  epochs: string;
  seed: string;
}

function registerHypersphere(group: Command): void {
  const cmd = group.command('hypersphere');
  poolOptions(cmd)
    .description('Fig. 4.8: width-(n+1) networks on hypersphere vs hypershell, networks reaching each test-accuracy threshold (§4.2.2)')
    .option('--dims <list>', 'input dimensions', '2-8')
    .option('--leaks <list>', 'leak values', '0,0.01')
    .option('--networks <n>', 'networks per (n, leak)', '100')
    .option('--samples <n>', 'training and test samples each', '10000')
    .option('--epochs <n>', 'epochs (batch 100, Adam lr 0.01)', '1000')
    .option('--seed <n>', 'seed', '0')
    .option('--json <path>', 'output JSON (a .md report is written beside it)', 'hypersphere.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: HyperOpts) => {
      const options = {
        dims: parseRows(opts.dims, '--dims'),
        leaks: opts.leaks.split(',').map((t) => {
          const v = Number(t);
          if (!(v >= 0 && v < 1)) throw new CliError(`--leaks: '${t}' is not in [0, 1)`);
          return v;
        }),
        networks: intOption(opts.networks, '--networks', 1, 100_000),
        samples: intOption(opts.samples, '--samples', 2, 10_000_000),
        epochs: intOption(opts.epochs, '--epochs', 1, 1_000_000),
        seed: intOption(opts.seed, '--seed', 0, 2 ** 20),
      };
      const { merged: m, seconds } = await timedSweep<HypersphereSweepMerged>('hypersphere', options, opts, 'boolean-train hypersphere');
      writeFileAtomic(opts.json, JSON.stringify({ ...options, ...m, seconds }, null, 1) + '\n');
      const th = HYPERSPHERE_THRESHOLDS.map(String);
      const md = [
        `# Fig. 4.8: networks of ${options.networks} reaching each test accuracy (${options.samples} samples, ${options.epochs} epochs)`,
        '',
        `| n | leak | ${th.map((t) => `≥ ${t}`).join(' | ')} |`,
        `|---:|---:|${th.map(() => '---:').join('|')}|`,
        ...m.rows.map((r) => `| ${r.dim} | ${r.leak} | ${th.map((t) => r.atLeast[t]).join(' | ')} |`),
      ].join('\n');
      writeFileAtomic(`${stemOf(opts.json)}.md`, md + '\n');
      const svg = thresholdCountsSvg(
        `Fig. 4.8: width-(n+1) networks on hypersphere vs hypershell (${options.samples} samples, ${options.epochs} epochs)`,
        m.rows,
        th,
        options.networks,
      );
      writeFileAtomic(`${stemOf(opts.json)}.svg`, svg);
      writeFileAtomic(`${stemOf(opts.json)}.png`, svgToPng(svg));
      if (!opts.quiet)
        process.stderr.write(
          `boolean-train hypersphere: ${m.rows.length} rows in ${seconds.toFixed(1)} s; wrote ${opts.json} (.md, .svg, .png beside it)\n`,
        );
    });
}

/** Registers `polytope boolean-train` and its subcommands. */
export function registerBooleanTrain(program: Command): void {
  const group = program
    .command('boolean-train')
    .description('training studies of Boolean functions and minimal networks (dissertation §3.3.3, §3.4)');
  registerSuccess(group);
  registerParity1d(group);
  registerPrune(group);
  registerHypersphere(group);
  registerHighn(group);
}
