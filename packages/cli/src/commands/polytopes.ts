/**
 * `polytope polytopes MODEL --box …`: every activation region of an MLP inside an axis box with
 * exact polytope geometry (facets, vertices, f-vector, volume, simplices of the pulling
 * triangulation), JSON + histogram figures (SVG, PNG).
 */
import type { Command } from 'commander';
import {
  codeKey,
  codeOffsets,
  constraintName,
  enumeratePolytopes,
  estimateFacets,
  forwardWithCode,
  mlpLayers,
  mulberry32,
  regionInBox,
  validatePolytopes,
  walkRegions,
} from '@polytope-lens/core';
import type { Network, PolytopeEnumeration } from '@polytope-lens/core';
import { loadModel, readInputSource, vectorArg } from '../model.js';
import { startProgress } from '../progress.js';
import { svgToPng } from '../render/png.js';
import { CliError, writeFileAtomic } from '../util.js';

interface PolytopesOpts {
  box?: string;
  json: string;
  svg?: string;
  png?: string;
  figure: boolean;
  vertices: boolean;
  hitAndRun?: string;
  seed: string;
  validate?: boolean;
  quiet?: boolean;
}

/** Parses `--box x0,x1,y0,y1,…` for a d-input network (default [-1, 1]^d). */
export function parseBox(text: string | undefined, d: number): number[] {
  if (text === undefined) return Array.from({ length: 2 * d }, (_, i) => (i % 2 ? 1 : -1));
  const parts = text.split(',').map((s) => s.trim());
  const box = parts.map(Number);
  if (box.length !== 2 * d || box.some((v, i) => !Number.isFinite(v) || parts[i] === '')) {
    throw new CliError(`--box needs ${2 * d} finite numbers (a lo,hi pair for each of the ${d} inputs), got '${text}'`);
  }
  for (let i = 0; i < d; i++) if (!(box[2 * i]! < box[2 * i + 1]!)) throw new CliError(`--box: input ${i} has lo ${box[2 * i]} ≥ hi ${box[2 * i + 1]}`);
  return box;
}

function round(v: number): number {
  return Math.abs(v) < 1e-300 ? 0 : Number(v.toPrecision(15));
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Counts of integer values: value → count, ascending. */
export function histogram(values: readonly number[]): [number, number][] {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A bar chart of integer-valued counts as an SVG string (drawn by hand, no dependencies).
 *
 * @example
 * histogramSvg('facets per polytope', [[4, 10], [5, 7]], 'facets'); // '<svg …>…</svg>'
 */
export function histogramSvg(title: string, bins: readonly [number, number][], xLabel: string, width = 480, height = 300): string {
  const ml = 50;
  const mr = 15;
  const mt = 30;
  const mb = 45;
  const W = width - ml - mr;
  const H = height - mt - mb;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`);
  if (bins.length > 0) {
    const lo = bins[0]![0];
    const hi = bins[bins.length - 1]![0];
    const n = hi - lo + 1;
    const maxC = Math.max(...bins.map((b) => b[1]));
    const bw = W / n;
    for (let k = 0; k <= 4; k++) {
      const c = Math.round((maxC * k) / 4);
      const y = mt + H - (c / maxC) * H;
      out.push(`<text x="${ml - 5}" y="${(y + 4).toFixed(2)}" text-anchor="end">${c}</text>`);
      out.push(`<line x1="${ml}" x2="${ml + W}" y1="${y.toFixed(2)}" y2="${y.toFixed(2)}" stroke="#ddd"/>`);
    }
    for (const [v, c] of bins) {
      const h = (c / maxC) * H;
      const x = ml + (v - lo) * bw;
      out.push(`<rect x="${(x + 0.5).toFixed(2)}" y="${(mt + H - h).toFixed(2)}" width="${Math.max(0.5, bw - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="#4c78a8"><title>${v}: ${c}</title></rect>`);
    }
    const step = Math.max(1, Math.ceil(n / 15));
    for (let v = lo; v <= hi; v += step) {
      out.push(`<text x="${(ml + (v - lo + 0.5) * bw).toFixed(2)}" y="${mt + H + 14}" text-anchor="middle">${v}</text>`);
    }
  }
  out.push(`<line x1="${ml}" x2="${ml + W}" y1="${mt + H}" y2="${mt + H}" stroke="black"/>`);
  out.push(`<text x="${ml + W / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="12" y="${mt + H / 2}" text-anchor="middle" transform="rotate(-90 12 ${mt + H / 2})">polytopes</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** Two histograms (facets, simplices) side by side in one SVG. */
export function polytopeHistogramsSvg(res: PolytopeEnumeration, title: string): string {
  const a = histogramSvg(`facets per polytope (${res.regions.length} regions)`, histogram(res.regions.map((r) => r.facets.length)), 'facets');
  const b = histogramSvg('simplices per polytope (pulling triangulation)', histogram(res.regions.map((r) => r.simplices)), 'simplices');
  const inner = (s: string) => s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="330" viewBox="0 0 960 330" font-family="sans-serif" font-size="11">`,
    `<rect width="960" height="330" fill="white"/>`,
    `<text x="480" y="14" text-anchor="middle" font-size="12">${esc(title)}</text>`,
    `<g transform="translate(0 25)">${inner(a)}</g>`,
    `<g transform="translate(480 25)">${inner(b)}</g>`,
    '</svg>',
  ].join('\n');
}

/** Summary block of the JSON output. */
export function polytopeSummary(res: PolytopeEnumeration): Record<string, number> {
  const R = res.regions;
  return {
    regions: R.length,
    total_volume: res.totalVolume,
    box_volume: res.boxVolume,
    mean_facets: mean(R.map((r) => r.facets.length)),
    mean_vertices: mean(R.map((r) => r.numVertices)),
    mean_simplices: mean(R.map((r) => r.simplices)),
    max_facets: Math.max(0, ...R.map((r) => r.facets.length)),
    max_simplices: Math.max(0, ...R.map((r) => r.simplices)),
    seconds: res.seconds,
    lp_seconds: res.lpSeconds,
  };
}

/** Layer widths of the hidden layers (for constraint names). */
export function hiddenWidths(net: Network): number[] {
  return mlpLayers(net)
    .filter((l) => l.alpha !== null)
    .map((l) => l.outFeatures);
}

export function registerPolytopes(program: Command): void {
  registerWalk(program);
  program
    .command('polytopes')
    .description('every activation region of an MLP in an axis box: facets, vertices, f-vector, volume, simplices (input dimension 2…6)')
    .argument('<model>', 'network JSON or ONNX file (plain MLP: dense + relu/leaky_relu)')
    .option('--box <x0,x1,y0,y1,…>', 'box, a lo,hi pair per input (default [-1,1]^d)')
    .option('--json <path>', 'output JSON', 'polytopes.json')
    .option('--svg <path>', 'histogram figure (SVG); default beside --json')
    .option('--png <path>', 'histogram figure (PNG); default beside --json')
    .option('--no-figure', 'do not draw figures')
    .option('--no-vertices', 'leave vertex coordinates out of the JSON')
    .option('--hit-and-run <n>', "also estimate each region's facets with the paper's hit-and-run method (n samples)")
    .option('--seed <n>', 'seed for --hit-and-run', '1')
    .option('--validate', 'check volumes, interior codes, vertex incidences and Euler relations')
    .option('--quiet', 'print nothing but errors')
    .action((modelPath: string, opts: PolytopesOpts) => {
      const net = loadModel(modelPath);
      const d = net.inputSize;
      const box = parseBox(opts.box, d);
      const widths = hiddenWidths(net);
      const progress = startProgress('polytopes', opts.quiet === true);
      let res: PolytopeEnumeration;
      try {
        res = enumeratePolytopes(net, {
          box,
          signal: progress.signal,
          onProgress: (p) => progress.update(p.unitsDone / Math.max(1, p.units), p.polytopes),
        });
      } finally {
        progress.stop();
      }
      if (opts.validate) {
        const problems = validatePolytopes(net, res, (x) => forwardWithCode(net, x).code);
        if (problems.length) throw new CliError(`validation failed:\n  ${problems.slice(0, 20).join('\n  ')}`);
        if (!opts.quiet) process.stderr.write(`polytopes: validation passed (${res.regions.length} regions)\n`);
      }
      let harSamples = 0;
      if (opts.hitAndRun !== undefined) {
        harSamples = Number(opts.hitAndRun);
        if (!Number.isInteger(harSamples) || harSamples < 1) throw new CliError(`--hit-and-run must be a positive integer, got '${opts.hitAndRun}'`);
      }
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
      const random = mulberry32(seed);
      const offsets = codeOffsets(net);
      const estimated: number[] = [];
      const regions = res.regions.map((r) => {
        const rec: Record<string, unknown> = {
          code: codeKey(r.code, offsets),
          facets: r.facets.length,
          facet_constraints: Array.from(r.facets, (k) => constraintName(k, d, widths)),
          num_vertices: r.numVertices,
          f_vector: r.fVector,
          volume: r.volume,
          simplices: r.simplices,
          simplex_bounds: [r.simplexBounds.lower, r.simplexBounds.upper],
        };
        if (opts.vertices) {
          const vs: number[][] = [];
          for (let i = 0; i < r.numVertices; i++) vs.push(Array.from(r.vertices.subarray(i * d, i * d + d), round));
          rec.vertices = vs;
        }
        if (harSamples > 0) {
          const est = estimateFacets(regionInBox(net, r.interior, box), r.interior, harSamples, random);
          rec.estimated_facets = est.facets.length;
          estimated.push(est.facets.length);
        }
        return rec;
      });
      const summary: Record<string, number> = polytopeSummary(res);
      if (harSamples > 0) {
        summary.mean_estimated_facets = mean(estimated);
        summary.hit_and_run_samples = harSamples;
        summary.hit_and_run_exact_share = mean(estimated.map((e, i) => (e === res.regions[i]!.facets.length ? 1 : 0)));
      }
      const json = JSON.stringify({ summary, box, triangulation: 'pulling, lexicographic vertex order', regions });
      writeFileAtomic(opts.json, json);
      if (opts.figure) {
        const base = opts.json.replace(/\.json$/i, '');
        const svg = polytopeHistogramsSvg(res, `${modelPath}: ${res.regions.length} polytopes in the box`);
        writeFileAtomic(opts.svg ?? `${base}.svg`, svg);
        writeFileAtomic(opts.png ?? `${base}.png`, svgToPng(svg, 960));
      }
      if (!opts.quiet) {
        process.stderr.write(
          `polytopes: ${res.regions.length} regions, volume ${summary.total_volume!.toPrecision(12)} of ${res.boxVolume}, mean facets ${summary.mean_facets!.toFixed(2)}, mean vertices ${summary.mean_vertices!.toFixed(2)}, mean simplices ${summary.mean_simplices!.toFixed(2)} (${res.seconds.toFixed(2)} s)\n`,
        );
      }
    });
}

interface WalkOpts {
  at?: string;
  idx?: string;
  rows?: string;
  inputs?: string;
  maxRegions: string;
  radius?: string;
  domain?: string;
  json: string;
  quiet?: boolean;
}

/** `polytope walk MODEL --at x | --idx mnist --rows i`: BFS over regions around a point (any dimension, LP-based). */
export function registerWalk(program: Command): void {
  program
    .command('walk')
    .description('breadth-first walk over activation regions around a point, crossing facets (LP-based, any input dimension)')
    .argument('<model>', 'network JSON or ONNX file (ReLU / leaky-ReLU network)')
    .option('--at <x>', 'start point: comma list, JSON array or @FILE')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set) with --rows i")
    .option('--inputs <file>', 'inputs file (JSON/.npy) with --rows i')
    .option('--rows <i>', 'row of --idx/--inputs to start from')
    .option('--max-regions <n>', 'stop after this many regions', '100')
    .option('--radius <r>', 'only regions meeting the L∞ ball of this radius around the start point')
    .option('--domain <lo,hi>', "input domain for every coordinate (default 0,1 with --idx, else unbounded)")
    .option('--json <path>', 'output JSON (regions + adjacency graph)', 'walk.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: WalkOpts) => {
      const net = loadModel(modelPath);
      const d = net.inputSize;
      let x: Float64Array;
      if (opts.at !== undefined) x = vectorArg(opts.at, d, '--at');
      else {
        const xs = readInputSource(opts, d);
        if (!xs || xs.length === 0) throw new CliError('give a start point with --at x or --idx/--inputs with --rows i');
        if (xs.length !== 1) throw new CliError(`--rows picks ${xs.length} inputs; the walk starts from exactly one`);
        x = xs[0]!;
      }
      const maxRegions = Number(opts.maxRegions);
      if (!Number.isInteger(maxRegions) || maxRegions < 1) throw new CliError(`--max-regions must be a positive integer, got '${opts.maxRegions}'`);
      let domain: [number, number] | undefined;
      if (opts.domain !== undefined) {
        const v = opts.domain.split(',').map(Number);
        if (v.length !== 2 || !v.every(Number.isFinite) || !(v[0]! < v[1]!)) throw new CliError(`--domain needs lo,hi with lo < hi, got '${opts.domain}'`);
        domain = [v[0]!, v[1]!];
      } else if (opts.idx !== undefined) domain = [0, 1];
      let radius: number | undefined;
      if (opts.radius !== undefined) {
        radius = Number(opts.radius);
        if (!(radius > 0)) throw new CliError(`--radius must be a positive number, got '${opts.radius}'`);
      }
      const progress = startProgress('walk', opts.quiet === true);
      let res;
      try {
        res = await walkRegions(net, x, {
          maxRegions,
          ...(radius !== undefined ? { radius } : {}),
          ...(domain ? { domain } : {}),
          signal: progress.signal,
          onProgress: (p) => progress.update(p.regions / maxRegions, p.regions),
        });
      } finally {
        progress.stop();
      }
      const offsets = codeOffsets(net);
      const out = {
        summary: {
          regions: res.regions.length,
          edges: res.edges.length,
          complete: res.complete,
          max_depth: Math.max(0, ...res.regions.map((r) => r.depth)),
          mean_facets: mean(res.regions.map((r) => r.facetUnits.length)),
          lps: res.lps,
          seconds: res.seconds,
          lp_seconds: res.lpSeconds,
          regions_per_second: res.regions.length / Math.max(1e-9, res.seconds),
        },
        radius: radius ?? null,
        domain: domain ?? null,
        regions: res.regions.map((r) => ({
          code: codeKey(r.code, offsets),
          depth: r.depth,
          facets: r.facetUnits.length,
          facet_units: Array.from(r.facetUnits),
          neighbours: Array.from(r.neighbours),
        })),
        edges: res.edges,
      };
      writeFileAtomic(opts.json, JSON.stringify(out));
      if (!opts.quiet) {
        process.stderr.write(`walk: ${res.regions.length} regions${res.complete ? ' (all reachable)' : ' (cap reached)'}, ${res.edges.length} adjacencies, ${res.lps} LPs, ${res.seconds.toFixed(2)} s (${out.summary.regions_per_second.toFixed(2)} regions/s)\n`);
      }
    });
}
