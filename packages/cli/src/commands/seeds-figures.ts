/**
 * `polytope seeds fig-6.7 | fig-4.1 | fig-4.6`: the dissertation's figures from trained nets with their
 * exact regions (docs/seeds.md).
 */
import type { Command } from 'commander';
import {
  TrainableNetwork,
  architectureLayers,
  asMlp,
  circleAnnulus,
  forward,
  hypersphereShell,
  inputPlane,
  partitionLine,
  regionCountBounds,
  seededRandom,
  slicePlane,
  train,
} from '@polytope-lens/core';
import type { Dataset, Network, SliceResult } from '@polytope-lens/core';
import { networkOfLayers } from '@polytope-lens/core/internal';
import { hashBytes, regionColor } from '../render/color.js';
import { panelSvg, sideBySide } from '../render/seed-figures.js';
import { CliError } from '../util.js';
import { say, writeFigure, writeJson } from './seeds.js';

interface FigOpts {
  json: string;
  figure: boolean;
  quiet?: boolean;
  seed: string;
  epochs: string;
}

function intOpt(v: string, flag: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

async function trainNet(
  data: Dataset,
  arch: string,
  o: { epochs: number; seed: number; batch: number; leak: number },
): Promise<{ net: Network; accuracy: number }> {
  const tn = new TrainableNetwork(data.inputShape, architectureLayers(arch, data.inputShape, 1, { leak: o.leak }), {
    init: 'pytorch',
    random: seededRandom(o.seed),
  });
  const r = await train(tn, data, {
    loss: 'bce',
    optimizer: { type: 'adam', lr: 0.01, weightDecay: 0 },
    epochs: o.epochs,
    batchSize: o.batch,
    random: seededRandom(o.seed + 1),
  });
  return { net: tn.toNetwork(), accuracy: r.train.accuracy ?? NaN };
}

const BOX: [number, number, number, number] = [-1.2, 1.2, -1.2, 1.2];

/** Every fifth sample of a 2-D binary data set (both classes: the sphere points come first), for drawing. */
function everyFifth(data: Dataset): { xy: number[]; labels: number[] } {
  const xy: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < data.size; i += 5) {
    xy.push(data.x[2 * i]!, data.x[2 * i + 1]!);
    labels.push(data.y[i]! > 0.5 ? 1 : 0);
  }
  return { xy, labels };
}

/** Region polygons coloured by code, and the edges of the given units as polylines. */
function regionsAndEdges(res: SliceResult, units: (u: number) => 'new' | 'old' | null) {
  const polygons = res.regions.map((r) => ({ xy: r.vertices, fill: regionColor(hashBytes(r.code)), stroke: 'none' }));
  const lines: { xy: number[]; color: string; width: number }[] = [];
  for (const r of res.regions) {
    const k = r.vertices.length / 2;
    for (let i = 0; i < k; i++) {
      const label = r.labels[i]!;
      if (label < 0 || label % 256 !== 1) continue; // each interior edge once: from the side whose neighbour is active
      const kind = units(Math.floor(label / 256));
      if (!kind) continue;
      const j = (i + 1) % k;
      lines.push({
        xy: [r.vertices[2 * i]!, r.vertices[2 * i + 1]!, r.vertices[2 * j]!, r.vertices[2 * j + 1]!],
        color: kind === 'new' ? '#1f5fbf' : '#555555',
        width: kind === 'new' ? 2 : 0.8,
      });
    }
  }
  return { polygons, lines };
}

/** Fig. 6.7's illustration, built by hand: 2-2-2-2-1, each layer folds the plane so later zero lines bend at earlier ones. */
function handNet(): Network {
  const layer = (weight: number[], bias: number[], act: 'relu' | 'none') => ({
    weight: Float64Array.from(weight),
    bias: Float64Array.from(bias),
    inFeatures: 2,
    outFeatures: bias.length,
    act,
    alpha: act === 'relu' ? 0 : 1,
  });
  return networkOfLayers([
    layer([1, 0.3, -0.4, 1], [0.1, 0.2], 'relu'),
    layer([1, 1, 1, -1], [-0.6, -0.1], 'relu'),
    layer([1, -0.7, 0.5, 1], [-0.3, -0.4], 'relu'),
    layer([1, -1], [-0.05], 'none'),
  ]);
}

async function runFig67(o: FigOpts & { arch: string; hand?: boolean }): Promise<void> {
  if (!/^\d+(-\d+)*$/.test(o.arch)) throw new CliError(`--arch must be hidden widths like 8-8-8, got '${o.arch}'`);
  if (o.hand) o.arch = '2-2-2';
  const seed = intOpt(o.seed, '--seed');
  const data = circleAnnulus({ n: 1000, random: seededRandom(seed * 4 + 1) });
  const { net, accuracy } = o.hand
    ? { net: handNet(), accuracy: null }
    : await trainNet(data, `2-${o.arch}-1`, { epochs: intOpt(o.epochs, '--epochs', 1), seed: seed * 4 + 3, batch: 10, leak: 0 });
  const layers = asMlp(net);
  const widths = o.arch.split('-').map(Number);
  const panels = [];
  const rows = [];
  for (let l = 1; l <= widths.length; l++) {
    const prefix = networkOfLayers(layers.slice(0, l));
    const res = slicePlane(prefix, inputPlane(prefix), BOX);
    const lo = prefix.activations[l - 1]!.offset;
    const { polygons, lines } = regionsAndEdges(res, (u) => (u >= lo ? 'new' : 'old'));
    const b = regionCountBounds(2, widths.slice(0, l));
    rows.push({ layer: l, units: widths[l - 1]!, regions: res.summary.regions, upper_bound: b.upper, upper_bound_serra: b.upperSerra });
    panels.push(
      panelSvg({ title: `units of layers 1–${l}: ${res.summary.regions} regions`, box: BOX, polygons, lines, xLabel: 'x₁', yLabel: 'x₂' }),
    );
  }
  const full = slicePlane(net, inputPlane(net), BOX);
  const fullPaint = regionsAndEdges(full, () => null);
  panels.push(
    panelSvg({
      title: accuracy === null ? 'zero set of the output' : `decision boundary (train acc. ${(100 * accuracy).toFixed(1)} %)`,
      box: BOX,
      polygons: fullPaint.polygons,
      lines: full.boundary.map((xy) => ({ xy, color: '#000000', width: 2.5 })),
      ...(o.hand ? {} : { points: { ...everyFifth(data), r: 1.6 } }),
      xLabel: 'x₁',
      yLabel: 'x₂',
    }),
  );
  writeJson(o.json, {
    arch: `2-${o.arch}-1`,
    train_accuracy: accuracy,
    box: BOX,
    layers: rows,
    regions: full.summary.regions,
    linear_regions: full.summary.linearRegions,
  });
  for (const r of rows)
    say(o, `fig-6.7: layers 1–${r.layer}: ${r.regions} regions in the box (Eq. 2.26 bound ${r.upper_bound}, Serra ${r.upper_bound_serra})`);
  if (o.figure)
    writeFigure(
      o.json,
      '',
      sideBySide(
        panels,
        `How depth bends the partition: ${o.hand ? 'hand-built ' : ''}2-${o.arch}-1${o.hand ? '' : ' on circle vs annulus'} (blue: the zero lines of layer ℓ's units, grey: earlier layers)`,
      ),
    );
}

/** Points where the 1-D network output crosses zero, from its exact pieces on [a, b]. */
function zeroCrossings(net: Network, a: number, b: number): number[] {
  const out: number[] = [];
  for (const p of partitionLine(net, [a], [b]).pieces) {
    const [c0, c1] = [p.map[0]!, p.map[1]!];
    if (c1 === 0) continue;
    const t = -c0 / c1;
    if (t >= p.t0 && t < p.t1) out.push(a + t * (b - a));
  }
  return out;
}

/** Segment of the line {z : a·z + c = 0} inside the rectangle [x0, x1] × [y0, y1] (null if it misses). */
function lineInRect(a: [number, number], c: number, x0: number, x1: number, y0: number, y1: number): number[] | null {
  const pts: number[][] = [];
  if (a[1] !== 0)
    for (const x of [x0, x1]) {
      const y = -(c + a[0] * x) / a[1];
      if (y >= y0 && y <= y1) pts.push([x, y]);
    }
  if (a[0] !== 0)
    for (const y of [y0, y1]) {
      const x = -(c + a[1] * y) / a[0];
      if (x >= x0 && x <= x1) pts.push([x, y]);
    }
  if (pts.length < 2) return null;
  pts.sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]!);
  return [...pts[0]!, ...pts[pts.length - 1]!];
}

async function trainFig41(seed: number, epochs: number): Promise<{ net: Network; data: Dataset; accuracy: number; tries: number }> {
  const data = hypersphereShell({ dim: 1, n: 200, r1: 0.5, r2: 0.75, r3: 1.25, random: seededRandom(seed) });
  for (let t = 0; t < 20; t++) {
    const r = await trainNet(data, '1-2-1', { epochs, seed: seed * 100 + t, batch: 10, leak: 0 });
    if (r.accuracy >= 0.99 || t === 19) return { ...r, data, tries: t + 1 };
  }
  throw new CliError('unreachable');
}

/** Pre-image of the line v·h + c = 0 under h = σ(z), in [−r, r]²: per quadrant S, Σ_{j∈S} v_j z_j + c = 0 inside it. */
function preimageSegments(v: [number, number], c: number, r: number): { xy: number[]; color: string; width: number }[] {
  const pre: { xy: number[]; color: string; width: number }[] = [];
  for (const s of [0, 1, 2, 3]) {
    const a: [number, number] = [s & 1 ? v[0] : 0, s & 2 ? v[1] : 0];
    const seg = lineInRect(a, c, s & 1 ? 0 : -r, s & 1 ? r : 0, s & 2 ? 0 : -r, s & 2 ? r : 0);
    if (seg) pre.push({ xy: seg, color: '#d62728', width: 2.5 });
  }
  return pre;
}

async function runFig41(o: FigOpts): Promise<void> {
  const { net, data, accuracy, tries } = await trainFig41(intOpt(o.seed, '--seed'), intOpt(o.epochs, '--epochs', 1));
  const [l1, l2] = asMlp(net);
  const w = l1!.weight;
  const b = l1!.bias;
  const v = l2!.weight;
  const c = l2!.bias[0]!;
  const xs = Array.from(data.x);
  const labels = Array.from(data.y, (y) => (y > 0.5 ? 1 : 0));
  const z = xs.flatMap((x) => [w[0]! * x + b[0]!, w[1]! * x + b[1]!]);
  const h = z.map((t) => Math.max(0, t));
  const r = 1.35 * Math.max(...z.map(Math.abs), 1);
  const zbox: [number, number, number, number] = [-r, r, -r, r];
  const line = (x0: number, x1: number, relu: boolean): number[] =>
    Array.from({ length: 201 }, (_, i) => x0 + ((x1 - x0) * i) / 200).flatMap((x) =>
      [w[0]! * x + b[0]!, w[1]! * x + b[1]!].map((t) => (relu ? Math.max(0, t) : t)),
    );
  const roots = zeroCrossings(net, -1.5, 1.5);
  const ax = Array.from(xs, () => 0);
  const onAxis = xs.flatMap((x, i) => [x, ax[i]!]);
  const decisionH = lineInRect([v[0]!, v[1]!], c, -r, r, -r, r);
  const pre = preimageSegments([v[0]!, v[1]!], c, r);
  const xbox: [number, number, number, number] = [-1.5, 1.5, -1, 1];
  const pts = (xy: number[]) => ({ xy, labels, r: 2.4 });
  const panels = [
    panelSvg({ title: '1-D problem', box: xbox, points: pts(onAxis), xLabel: 'x' }),
    panelSvg({
      title: 'affine map to ℝ²: z = W₁x + b₁',
      box: zbox,
      lines: [{ xy: line(-1.5, 1.5, false), color: '#888888', width: 1 }],
      points: pts(z),
      xLabel: 'z₁',
      yLabel: 'z₂',
    }),
    panelSvg({
      title: 'after ReLU: h = σ(z)',
      box: zbox,
      lines: [{ xy: line(-1.5, 1.5, true), color: '#888888', width: 1 }],
      points: pts(h),
      xLabel: 'h₁',
      yLabel: 'h₂',
    }),
    panelSvg({
      title: 'decision line in h: w₂·h + b₂ = 0',
      box: zbox,
      lines: decisionH ? [{ xy: decisionH, color: '#d62728', width: 2.5 }] : [],
      points: pts(h),
      xLabel: 'h₁',
      yLabel: 'h₂',
    }),
    panelSvg({ title: 'its pre-image in z (bent by σ)', box: zbox, lines: pre, points: pts(z), xLabel: 'z₁', yLabel: 'z₂' }),
    panelSvg({
      title: `decision points: ${roots.map((x) => x.toFixed(3)).join(', ')}`,
      box: xbox,
      points: pts(onAxis),
      marks: roots.map((x) => ({ x, y: 0, color: '#d62728' })),
      xLabel: 'x',
    }),
  ];
  writeJson(o.json, {
    arch: '1-2-1',
    train_accuracy: accuracy,
    tries,
    w1: Array.from(w),
    b1: Array.from(b),
    w2: Array.from(v),
    b2: c,
    decision_points: roots,
    check: roots.map((x) => forward(net, [x])[0]),
  });
  say(
    o,
    `fig-4.1: 1-2-1 trained (${tries} tr${tries === 1 ? 'y' : 'ies'}), train accuracy ${(100 * accuracy).toFixed(1)} %; decision points ${roots.map((x) => x.toFixed(4)).join(', ')}`,
  );
  if (o.figure) {
    const top = sideBySide(panels.slice(0, 3));
    const bottom = sideBySide(panels.slice(3));
    writeFigure(o.json, '', stack([top, bottom], 'Fig. 4.1: a width-2 hidden layer separates an interval from its surroundings'));
  }
}

function stack(svgs: string[], title: string): string {
  const dims = svgs.map((s) => {
    const m = /width="([\d.]+)" height="([\d.]+)"/.exec(s)!;
    return { svg: s, width: Number(m[1]), height: Number(m[2]) };
  });
  const width = Math.max(...dims.map((d) => d.width));
  let y = 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${30 + dims.reduce((s, d) => s + d.height, 0)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#ffffff"/>\n`,
  ];
  parts.push(`<text x="${width / 2}" y="21" text-anchor="middle" font-size="15" font-weight="bold">${title}</text>\n`);
  for (const d of dims) {
    parts.push(d.svg.replace(/^<svg /, `<svg x="0" y="${y}" `));
    y += d.height;
  }
  parts.push('</svg>\n');
  return parts.join('');
}

async function runFig46(o: FigOpts & { nets: string; leak: string; batch: string }): Promise<void> {
  const seed = intOpt(o.seed, '--seed');
  const count = intOpt(o.nets, '--nets', 1);
  const leak = Number(o.leak);
  if (!(leak >= 0 && leak < 1)) throw new CliError(`--leak must lie in [0, 1), got '${o.leak}'`);
  const data = circleAnnulus({ n: 1000, random: seededRandom(seed * 4 + 1) });
  const dense = circleAnnulus({ n: 20000, random: seededRandom(seed * 4 + 2) });
  const panels = [];
  const rows = [];
  for (let k = 0; k < count; k++) {
    const { net, accuracy } = await trainNet(data, '2-3-1', {
      epochs: intOpt(o.epochs, '--epochs', 1),
      seed: seed * 1000 + 10 * k + 7,
      batch: intOpt(o.batch, '--batch', 1),
      leak,
    });
    const res = slicePlane(net, inputPlane(net), BOX);
    let wrong = 0;
    for (let i = 0; i < dense.size; i++) if (forward(net, dense.x.subarray(2 * i, 2 * i + 2))[0]! > 0 !== dense.y[i]! > 0.5) wrong++;
    const paint = regionsAndEdges(res, () => 'old');
    rows.push({
      net: k,
      train_accuracy: accuracy,
      population_error: wrong / dense.size,
      regions: res.summary.regions,
      linear_regions: res.summary.linearRegions,
      boundary_length: res.summary.boundaryLength,
    });
    panels.push(
      panelSvg({
        title: `net ${k + 1}: train ${(100 * accuracy).toFixed(1)} %, population error ${(100 * (wrong / dense.size)).toFixed(2)} %`,
        box: BOX,
        polygons: paint.polygons,
        lines: [...paint.lines, ...res.boundary.map((xy) => ({ xy: Array.from(xy), color: '#d62728', width: 2.5 }))],
        points: { ...everyFifth(data), r: 1.5 },
        xLabel: 'x₁',
        yLabel: 'x₂',
      }),
    );
  }
  const bound = regionCountBounds(2, [3]);
  writeJson(o.json, { arch: '2-3-1', leak, batch: Number(o.batch), nets: rows, upper_bound: bound.upper });
  for (const r of rows)
    say(
      o,
      `fig-4.6: net ${r.net + 1}: train ${(100 * r.train_accuracy).toFixed(1)} %, population error ${(100 * r.population_error).toFixed(2)} %, ${r.regions} regions (Eq. 2.26 bound ${bound.upper})`,
    );
  if (o.figure)
    writeFigure(
      o.json,
      '',
      sideBySide(panels, 'Fig. 4.6: convex decision regions (red) of 2-3-1 nets on circle vs annulus, with their exact regions'),
    );
}

export function registerSeedFigures(seeds: Command): void {
  const base = (cmd: Command, json: string, epochs: string): Command =>
    cmd
      .option('--json <path>', 'output JSON (figure beside it)', json)
      .option('--no-figure', 'do not write SVG/PNG figures')
      .option('--seed <s>', 'seed', '0')
      .option('--epochs <n>', 'training epochs', epochs)
      .option('--quiet', 'print nothing but errors');
  base(seeds.command('fig-6.7').description('how depth bends the partition: regions by the units up to each layer'), 'fig-6.7.json', '100')
    .option('--arch <widths>', 'hidden widths', '8-8-8')
    .option('--hand', "draw the hand-built 2-2-2-2-1 net of docs/seeds.md instead of training (the dissertation's width-2 illustration)")
    .action((o: FigOpts & { arch: string; hand?: boolean }) => runFig67(o));
  base(seeds.command('fig-4.1').description('a 1-D problem lifted to width 2 (1-2-1 net)'), 'fig-4.1.json', '300').action((o: FigOpts) =>
    runFig41(o),
  );
  base(seeds.command('fig-4.6').description('the skewed convex decision regions of 2-3-1 nets on circle vs annulus'), 'fig-4.6.json', '100')
    .option('--nets <n>', 'networks to train', '4')
    .option('--leak <a>', 'leaky ReLU slope', '0.1')
    .option('--batch <n>', 'batch size', '10')
    .action((o: FigOpts & { nets: string; leak: string; batch: string }) => runFig46(o));
}
