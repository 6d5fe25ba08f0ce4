/**
 * `polytope seeds …`: the remaining seed items of issue 19 (docs/seeds.md) — region-count bounds
 * (Eqs. 2.26/2.27), the cone form of τ, the Theorem 3.2 family of degenerate minima, the cost
 * decomposition (6.5)–(6.9), cross-layer purity (seed 000) and Figs. 4.1, 4.6, 6.7.
 */
import type { Command } from 'commander';
import {
  TrainableNetwork,
  asMlp,
  coneProjection,
  costDecomposition,
  crossLayerPurity,
  makeTruncation,
  regionCountBounds,
  seededRandom,
  slsFamily,
  slsFamilyMember,
  train,
  truncate,
  truncateByCones,
  truncationCones,
} from '@polytope-lens/core';
import type { Dataset, LabelledData, Network } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { barChartSvg, heatmapSvg } from '../render/lens-figures.js';
import { svgToPng } from '../render/png.js';
import { panelSvg } from '../render/seed-figures.js';
import { regionColor } from '../render/color.js';
import { CliError, writeFileAtomic } from '../util.js';
import { readData } from './truncate.js';
import { registerSeedFigures } from './seeds-figures.js';
import { loadLabelled } from './seeds-data.js';

interface Common {
  json: string;
  figure: boolean;
  quiet?: boolean;
}

export function say(o: { quiet?: boolean }, line: string): void {
  if (!o.quiet) process.stderr.write(line + '\n');
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
}

export function writeFigure(jsonPath: string, suffix: string, svg: string): void {
  const base = jsonPath.replace(/\.json$/i, '') + suffix;
  writeFileAtomic(base + '.svg', svg);
  writeFileAtomic(base + '.png', svgToPng(svg));
}

/** Hidden widths and input dimension from `--arch 2-16-16-1` or a model (its dense layers). */
function archOf(model: string | undefined, arch: string | undefined): { inputDim: number; widths: number[] } {
  if (arch !== undefined) {
    if (!/^\d+(-\d+){2,}$/.test(arch)) throw new CliError(`--arch must be a whole architecture like 2-16-16-1, got '${arch}'`);
    const all = arch.split('-').map(Number);
    return { inputDim: all[0]!, widths: all.slice(1, -1) };
  }
  if (model === undefined) throw new CliError('give a MODEL or --arch like 2-16-16-1');
  const layers = asMlp(loadModel(model));
  return { inputDim: layers[0]!.inFeatures, widths: layers.slice(0, -1).map((l) => l.outFeatures) };
}

function parseMatrix(text: string, flag: string): number[][] {
  const rows = text.split(';').map((r) => r.split(',').map((v) => Number(v.trim())));
  if (rows.some((r) => r.some((v) => !Number.isFinite(v))) || rows.some((r) => r.length !== rows[0]!.length))
    throw new CliError(`${flag} must be rows of numbers like '1,0.5;-0.3,1', got '${text}'`);
  return rows;
}

function runBounds(model: string | undefined, opts: Common & { arch?: string }): void {
  const { inputDim, widths } = archOf(model, opts.arch);
  const b = regionCountBounds(inputDim, widths);
  say(opts, `bounds: N0 = ${inputDim}, hidden widths ${widths.join('-')}`);
  say(opts, `  Eq. 2.26 upper (k = min(N0, N1..Nl)): ${b.upper}`);
  say(opts, `  Serra et al. 2018 Thm 1 upper:        ${b.upperSerra}`);
  say(opts, `  Eq. 2.27 lower on the maximum:        ${b.lower ?? 'n/a (some width < N0)'}`);
  writeJson(opts.json, { input_dim: inputDim, widths, upper: b.upper, upper_serra: b.upperSerra, lower: b.lower });
}

/** Figure of the cones of a 2×2 truncation: sectors by sign pattern, apex, generators, and x → τ(x). */
function conesFigure(c: ReturnType<typeof truncationCones>, title: string): string {
  const p = [c.apex[0]!, c.apex[1]!];
  const r = 3;
  const box: [number, number, number, number] = [p[0]! - r, p[0]! + r, p[1]! - r, p[1]! + r];
  const pts: number[] = [];
  const lines: { xy: number[]; color: string; width: number }[] = [];
  for (let i = 0; i <= 12; i++)
    for (let j = 0; j <= 12; j++) {
      const x = [box[0] + (i / 12) * 2 * r, box[2] + (j / 12) * 2 * r];
      pts.push(x[0]!, x[1]!);
      const y = truncateByCones(c, x);
      if (Math.hypot(y[0]! - x[0]!, y[1]! - x[1]!) > 0) lines.push({ xy: [x[0]!, x[1]!, y[0]!, y[1]!], color: '#999999', width: 0.7 });
    }
  for (let j = 0; j < 2; j++) {
    const v = [c.generators[2 * j]!, c.generators[2 * j + 1]!];
    const s = r / Math.hypot(v[0]!, v[1]!);
    lines.push({ xy: [p[0]! - s * v[0]!, p[1]! - s * v[1]!, p[0]! + s * v[0]!, p[1]! + s * v[1]!], color: '#1f4e9c', width: 2 });
  }
  // Cone K_S = p + {a₁v₁ + a₂v₂ : sign(a_j) = ±1 by S}: the parallelogram p, p + R s₁v₁, p + R(s₁v₁ + s₂v₂), p + R s₂v₂ (clipped).
  const v1 = [c.generators[0]!, c.generators[1]!];
  const v2 = [c.generators[2]!, c.generators[3]!];
  const big = (100 * r) / Math.min(Math.hypot(v1[0]!, v1[1]!), Math.hypot(v2[0]!, v2[1]!));
  const polygons = [0, 1, 2, 3].map((m) => {
    const s1 = m & 1 ? big : -big;
    const s2 = m & 2 ? big : -big;
    const xy = [
      [0, 0],
      [s1, 0],
      [s1, s2],
      [0, s2],
    ].flatMap(([a, b]) => [p[0]! + a! * v1[0]! + b! * v2[0]!, p[1]! + a! * v1[1]! + b! * v2[1]!]);
    return { xy, fill: regionColor(m + 1), stroke: 'none' };
  });
  return panelSvg({
    title,
    box,
    polygons,
    lines,
    points: { xy: pts, color: '#333333', r: 1.4 },
    marks: [{ x: p[0]!, y: p[1]!, color: '#d62728' }],
    xLabel: 'x₁',
    yLabel: 'x₂',
    note: 'colour: cone K_S (sign pattern of Wx + b); blue: lines along v₁, v₂; grey: x → τ(x); red: apex p',
    size: 520,
  }).svg;
}

function runCones(opts: Common & { weight: string; bias: string }): void {
  const w = parseMatrix(opts.weight, '--weight');
  const b = parseMatrix(opts.bias, '--bias')[0]!;
  const m = w.length;
  const n = w[0]!.length;
  if (b.length !== m) throw new CliError(`--bias needs ${m} values, got ${b.length}`);
  const weight = Float64Array.from(w.flat());
  const c = truncationCones(weight, Float64Array.from(b), m, n);
  const t = makeTruncation(weight, Float64Array.from(b), m, n);
  const rnd = seededRandom(1);
  let err = 0;
  for (let i = 0; i < 1000; i++) {
    const x = Array.from({ length: n }, () => 6 * rnd() - 3);
    const a = truncateByCones(c, x);
    const e = truncate(t, x);
    for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(a[k]! - e[k]!));
  }
  const cones = Array.from({ length: 2 ** m }, (_, s) => {
    const mask = Array.from({ length: m }, (_, j) => (s >> j) & 1);
    return { active: mask, projection: Array.from(coneProjection(c, mask)) };
  });
  const json = {
    apex: Array.from(c.apex),
    generators: Array.from({ length: m }, (_, j) => Array.from(c.generators.subarray(j * n, (j + 1) * n))),
    cones,
    max_error: err,
  };
  writeJson(opts.json, json);
  say(
    opts,
    `cones: apex p = (${json.apex.map((v) => v.toPrecision(4)).join(', ')}), ${cones.length} cones; max |cone form − W⁺(σ(Wx+b) − b)| on 1000 points ${err.toExponential(2)}`,
  );
  if (opts.figure && n === 2 && m === 2)
    writeFigure(opts.json, '', conesFigure(c, `cones of τ_{W,b}: W = [${opts.weight}], b = (${opts.bias})`));
}

async function runSls(opts: Common & { data: string }): Promise<void> {
  const data = readData(opts.data);
  const fam = await slsFamily(data);
  const centre = slsFamilyMember(data, fam.order, fam.centre);
  const dist = (a: Float64Array): number => Math.sqrt(a.reduce((s, v, i) => s + (v - centre.parameters[i]!) ** 2, 0));
  const path = [0.05, 0.25, 0.5, 0.75, 0.95].map((u) => {
    const { lo, hi } = fam.thetaRanges[0]!;
    const theta = lo + u * (hi - lo);
    const m = slsFamilyMember(
      data,
      fam.order,
      fam.centre.map((s, j) => (j === 0 ? { ...s, theta } : s)),
    );
    return { theta, cost: m.cost, max_error: m.maxError, parameter_distance: dist(m.parameters) };
  });
  const json = {
    order: fam.order,
    centre: fam.centre.map((s) => ({ theta: s.theta, normal: s.normal, mu: s.mu })),
    mu_ranges: fam.muRanges,
    theta_ranges: fam.thetaRanges,
    centre_cost: centre.cost,
    bases: centre.bases.map((b) => Array.from(b)),
    theta1_path: path,
  };
  writeJson(opts.json, json);
  say(opts, `sls-minima: order ${fam.order.join(', ')}; centre cost (6.5) ${centre.cost.toExponential(2)}`);
  for (const p of path)
    say(
      opts,
      `  θ₁ = ${p.theta.toFixed(4)}: cost ${p.cost.toExponential(2)}, parameter distance from the centre ${p.parameter_distance.toFixed(3)}`,
    );
}

function trainOneHot(data: LabelledData, arch: string, epochs: number, seed: number): Promise<Network> {
  const q = Math.max(...data.labels) + 1;
  const y = new Float32Array(data.labels.length * q);
  data.labels.forEach((l, i) => (y[i * q + l] = 1));
  const ds: Dataset = {
    name: 'one-hot',
    task: 'regression',
    inputShape: [data.dim],
    inputSize: data.dim,
    targetSize: q,
    numClasses: 0,
    size: data.labels.length,
    x: Float32Array.from(data.points),
    y,
  };
  const widths = arch.split('-').map(Number);
  const specs = widths.flatMap((w) => [{ type: 'dense' as const, outFeatures: w }, { type: 'relu' as const }]);
  const net = new TrainableNetwork([data.dim], [...specs, { type: 'dense', outFeatures: q }], {
    init: 'pytorch',
    random: seededRandom(seed),
  });
  return train(net, ds, {
    loss: 'mse',
    optimizer: { type: 'adam', lr: 0.01, weightDecay: 0 },
    epochs,
    batchSize: 16,
    random: seededRandom(seed + 1),
  }).then(() => net.toNetwork());
}

async function runCost(
  model: string | undefined,
  opts: Common & { data: string; arch: string; epochs: string; seed: string },
): Promise<void> {
  const data = readData(opts.data);
  const epochs = Number(opts.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new CliError(`--epochs must be a positive integer, got '${opts.epochs}'`);
  if (!/^\d+(-\d+)*$/.test(opts.arch)) throw new CliError(`--arch must be hidden widths like 4-4, got '${opts.arch}'`);
  const net = model !== undefined ? loadModel(model) : await trainOneHot(data, opts.arch, epochs, Number(opts.seed));
  const c = costDecomposition(net, data);
  const json = {
    model: model ?? `trained ${data.dim}-${opts.arch}-${c.classes} (MSE to one-hot, Adam 0.01, ${epochs} epochs)`,
    classes: c.classes,
    counts: c.counts,
    cost: c.cost,
    within: c.within,
    between: c.between,
    within_tau: c.withinTau,
    between_tau: c.betweenTau,
    hypothesis_holds: c.hypothesisHolds,
    per_class: c.perClass,
    bound: { mode: c.bound.mode, cost: c.bound.cost, sup: c.bound.sup, q_sup: c.bound.qSup, realized_cost: c.bound.realizedCost },
  };
  writeJson(opts.json, json);
  say(opts, `cost (6.5) ${c.cost.toExponential(4)} = within ${c.within.toExponential(4)} + between ${c.between.toExponential(4)} (6.6)`);
  say(
    opts,
    `  via τ: within ${c.withinTau.toExponential(4)}, between ${c.betweenTau.toExponential(4)} (hypothesis ${c.hypothesisHolds ? 'holds' : 'fails'})`,
  );
  say(
    opts,
    `  (6.7) mean-matching read-out: C* = ${c.bound.cost.toExponential(4)} ≤ Q·sup = ${c.bound.qSup.toExponential(4)}; realized ${c.bound.realizedCost?.toExponential(4) ?? 'n/a'}`,
  );
}

function runPurity(model: string, opts: Common & { fitIdx: string; fitRows: string; idx: string; rows: string }): void {
  const net = loadModel(model);
  const fit = loadLabelled(net, opts.fitIdx, opts.fitRows);
  const test = loadLabelled(net, opts.idx, opts.rows);
  const r = crossLayerPurity(net, { inputs: fit.xs, labels: fit.labels }, { inputs: test.xs, labels: test.labels });
  writeJson(opts.json, r);
  say(opts, `purity: ${r.fitted} fitted, ${r.heldOut} held-out inputs`);
  say(opts, '| layer | units | polytope ≤ ℓ: groups / purity / held-out acc. / coverage | layer code | top direction |');
  for (const l of r.layers) {
    const s = (g: typeof l.cumulative): string =>
      `${g.groups} / ${g.purity.toFixed(3)} / ${Number.isNaN(g.heldOutAccuracy) ? '–' : g.heldOutAccuracy.toFixed(3)} / ${g.coverage.toFixed(3)}`;
    say(opts, `| ${l.layer} | ${l.units} | ${s(l.cumulative)} | ${s(l.layerCode)} | ${s(l.direction)} |`);
  }
  if (!opts.figure) return;
  const groups = r.layers.map((l) => `layer ${l.layer}`);
  const acc = (k: 'cumulative' | 'layerCode' | 'direction'): number[] =>
    r.layers.map((l) => (Number.isNaN(l[k].heldOutAccuracy) ? 0 : l[k].heldOutAccuracy * l[k].coverage));
  writeFigure(
    opts.json,
    '',
    barChartSvg(
      'held-out accuracy × coverage of the group-majority class',
      groups,
      [
        { name: 'polytope (code ≤ ℓ)', values: acc('cumulative') },
        { name: 'layer-ℓ code', values: acc('layerCode') },
        { name: 'top direction', values: acc('direction') },
      ],
      'share of held-out inputs',
    ),
  );
  const nl = r.layers.length;
  writeFigure(
    opts.json,
    '-persistence-direction',
    heatmapSvg('direction: same majority class at ℓ and ℓ′', Float64Array.from(r.persistence.direction.flat()), nl),
  );
  writeFigure(
    opts.json,
    '-persistence-polytope',
    heatmapSvg('polytope: same majority class at ℓ and ℓ′', Float64Array.from(r.persistence.cumulative.flat()), nl),
  );
}

function common(cmd: Command, json: string): Command {
  return cmd
    .option('--json <path>', 'output JSON file', json)
    .option('--no-figure', 'do not write SVG/PNG figures')
    .option('--quiet', 'print nothing but errors');
}

/** `polytope seeds bounds|cones|sls-minima|cost|purity|fig-4.1|fig-4.6|fig-6.7`. */
export function registerSeeds(program: Command): void {
  const seeds = program
    .command('seeds')
    .description(
      'the remaining seed items: region bounds, truncation cones, degenerate minima, cost decomposition, cross-layer purity, Figs. 4.1/4.6/6.7',
    );
  common(
    seeds
      .command('bounds')
      .description('Eqs. 2.26/2.27: bounds on the number of linear regions')
      .argument('[model]', 'network (dense MLP)'),
    'seeds-bounds.json',
  )
    .option('--arch <a>', 'whole architecture, e.g. 2-16-16-1')
    .action((model: string | undefined, o: Common & { arch?: string }) => runBounds(model, o));
  common(seeds.command('cones').description('the polyhedral-cone form of τ_{W,b} (seed 002)'), 'seeds-cones.json')
    .option('--weight <rows>', 'W as rows, e.g. 1,0.5;-0.3,1', '1,0.5;-0.3,1')
    .option('--bias <values>', 'b, e.g. 0.2,-0.1', '0.2,-0.1')
    .action((o: Common & { weight: string; bias: string }) => runCones(o));
  common(
    seeds.command('sls-minima').description('Theorem 3.2: the family of degenerate global minima for SLS data'),
    'seeds-sls-minima.json',
  )
    .option('--data <spec>', 'JSON {"points","labels"} or blobs3 | blobs4', 'blobs3')
    .action((o: Common & { data: string }) => runSls(o));
  common(
    seeds
      .command('cost')
      .description('the cost decomposition (6.5)–(6.9) of a trained network')
      .argument('[model]', 'network; default: train one'),
    'seeds-cost.json',
  )
    .option('--data <spec>', 'JSON {"points","labels"} or blobs3 | blobs4', 'blobs3')
    .option('--arch <widths>', 'hidden widths of the trained net', '4-4')
    .option('--epochs <n>', 'training epochs', '100')
    .option('--seed <s>', 'seed', '0')
    .action((model: string | undefined, o: Common & { data: string; arch: string; epochs: string; seed: string }) => runCost(model, o));
  common(
    seeds.command('purity').description('seed 000: class purity of polytopes vs top directions per layer').argument('<model>', 'network'),
    'seeds-purity.json',
  )
    .option('--fit-idx <file>', "IDX images grouped ('mnist:train')", 'mnist:train')
    .option('--fit-rows <list>', 'rows of --fit-idx', '0-1999')
    .option('--idx <file>', "IDX images scored ('mnist')", 'mnist')
    .option('--rows <list>', 'rows of --idx', '0-999')
    .action((model: string, o: Common & { fitIdx: string; fitRows: string; idx: string; rows: string }) => runPurity(model, o));
  registerSeedFigures(seeds);
}
