/**
 * `polytope polytopes MODEL --origin x0 --dirs "d1;d2;d3" [--box …]` or `--through "A;B;C;D"`
 * (or `--idx mnist --rows i,j,k,l`): the polytopes of any network (CNNs included) restricted to a
 * k-dimensional affine subspace (k ≤ 6), with the geometry the MLP path reports (facets, vertices,
 * f-vector, volume, simplices), each polytope's code and output map in t, and the hit-and-run
 * estimate on request.
 */
import { existsSync } from 'node:fs';
import {
  InternalError,
  POLYTOPE_TOLERANCES,
  codeKey,
  codeOffsets,
  estimateFacets,
  forwardWithCode,
  mulberry32,
  prepareNetwork,
  subspaceConstraintName,
  subspacePolytopes,
  subspaceRegionAt,
  subspaceThrough,
} from '@polytope-lens/core';
import type { Network, SubspaceEnumeration } from '@polytope-lens/core';
import { readInputSource, vectorArg } from '../model.js';
import { readInputs } from '../inputs.js';
import { startProgress } from '../progress.js';
import { svgToPng } from '../render/png.js';
import { countHistogramSvg, sideBySideSvg } from '../render/count-figures.js';
import { MIN_SECONDS, REPORT_ZERO } from '../render/constants.js';
import { CliError, writeFileAtomic } from '../util.js';

/** The options of `polytopes` that the subspace mode reads. */
export interface SubspaceOpts {
  box?: string;
  origin?: string;
  dirs?: string;
  through?: string;
  idx?: string;
  inputs?: string;
  rows?: string;
  json: string;
  svg?: string;
  png?: string;
  figure: boolean;
  vertices: boolean;
  hitAndRun?: string;
  seed: string;
  validate?: boolean;
  maxRegions?: string;
  quiet?: boolean;
}

/** Whether the options ask for a subspace (any of --origin, --dirs, --through, --idx, --inputs). */
export function wantsSubspace(opts: SubspaceOpts): boolean {
  return [opts.origin, opts.dirs, opts.through, opts.idx, opts.inputs].some((v) => v !== undefined);
}

/** Vectors separated by `;` (each a comma list or @FILE), or a file holding them (one per row). */
function vectors(text: string, d: number, what: string): Float64Array[] {
  if (!text.includes(';') && !text.startsWith('[') && (existsSync(text) || text.startsWith('@')))
    return readInputs(text.replace(/^@/, ''), d);
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s, i) => vectorArg(s, d, `${what} vector ${i + 1}`));
}

/** The subspace (origin, directions, default box) from the options. */
function subspaceFromOptions(net: Network, opts: SubspaceOpts): { origin: Float64Array; dirs: Float64Array[]; box: number[]; how: string } {
  const d = net.inputSize;
  const byDirs = opts.origin !== undefined || opts.dirs !== undefined;
  const byPoints = opts.through !== undefined || opts.idx !== undefined || opts.inputs !== undefined;
  if (byDirs && byPoints) throw new CliError('give either --through (or --idx/--inputs with --rows) or --origin with --dirs, not both');
  if (opts.through !== undefined && (opts.idx !== undefined || opts.inputs !== undefined))
    throw new CliError('give the inputs once: --through or --idx/--inputs with --rows');
  if (byDirs) {
    if (opts.origin === undefined || opts.dirs === undefined) throw new CliError('--origin and --dirs go together');
    const origin = vectorArg(opts.origin, d, '--origin');
    const dirs = vectors(opts.dirs, d, '--dirs');
    if (dirs.length < 1 || dirs.length > 6) throw new CliError(`--dirs needs 1…6 directions separated by ';', got ${dirs.length}`);
    return { origin, dirs, box: Array.from({ length: 2 * dirs.length }, (_, i) => (i % 2 ? 1 : -1)), how: 'origin + Σ t_j d_j' };
  }
  const pts = opts.through !== undefined ? vectors(opts.through, d, '--through') : readInputSource(opts, d);
  if (!pts || pts.length < 2 || pts.length > 7)
    throw new CliError(`a subspace through inputs needs 2…7 of them (k + 1 for a k-dimensional subspace), got ${pts?.length ?? 0}`);
  const s = subspaceThrough(pts);
  return { ...s, how: `through ${pts.length} inputs: A + Σ t_j (P_j − A)` };
}

function parseSubspaceBox(text: string, k: number): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const box = parts.map(Number);
  if (box.length !== 2 * k || box.some((v, i) => !Number.isFinite(v) || parts[i] === ''))
    throw new CliError(`--box needs ${2 * k} finite numbers (a lo,hi pair for each of the ${k} directions), got '${text}'`);
  for (let j = 0; j < k; j++)
    if (!(box[2 * j]! < box[2 * j + 1]!)) throw new CliError(`--box: direction ${j + 1} has lo ${box[2 * j]} ≥ hi ${box[2 * j + 1]}`);
  return box;
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function round(v: number): number {
  return Math.abs(v) < REPORT_ZERO ? 0 : Number(v.toPrecision(15));
}

/** Volume sum and, per polytope, the forward pass's code at its interior point; returns the problems. */
function validateSubspace(net: Network, res: SubspaceEnumeration): string[] {
  const problems: string[] = [];
  const p = prepareNetwork(net);
  const offsets = codeOffsets(net);
  const k = res.dim;
  const d = net.inputSize;
  if (!res.partial && !(Math.abs(res.totalVolume - res.boxVolume) <= POLYTOPE_TOLERANCES.volumeSum * res.boxVolume))
    problems.push(`volumes sum to ${res.totalVolume}, the box has ${res.boxVolume}`);
  const x = new Float64Array(d);
  res.regions.forEach((r, n) => {
    for (let i = 0; i < d; i++) {
      let v = res.origin[i]!;
      for (let j = 0; j < k; j++) v += res.dirs[i * k + j]! * r.interior[j]!;
      x[i] = v;
    }
    const got = codeKey(forwardWithCode(p, x).code, offsets);
    if (got !== codeKey(r.code, offsets)) problems.push(`polytope ${n}: the forward pass at its interior point has code ${got}`);
  });
  return problems;
}

/** Runs the subspace mode of `polytope polytopes`. */
export function runSubspacePolytopes(net: Network, modelPath: string, opts: SubspaceOpts): void {
  const { origin, dirs, box: defaultBox, how } = subspaceFromOptions(net, opts);
  const k = dirs.length;
  const box = opts.box !== undefined ? parseSubspaceBox(opts.box, k) : defaultBox;
  const maxRegions = opts.maxRegions === undefined ? Infinity : Number(opts.maxRegions);
  if (opts.maxRegions !== undefined && (!Number.isInteger(maxRegions) || maxRegions < 1))
    throw new CliError(`--max-regions must be a positive integer, got '${opts.maxRegions}'`);
  const progress = startProgress('polytopes', opts.quiet === true);
  let res: SubspaceEnumeration;
  try {
    res = subspacePolytopes(net, {
      origin,
      dirs,
      box,
      maxRegions,
      signal: progress.signal,
      onProgress: (p) => progress.update(p.fraction, p.regions),
    });
  } finally {
    progress.stop();
  }
  if (opts.validate) {
    const problems = validateSubspace(net, res);
    if (problems.length) throw new InternalError(`validation failed:\n  ${problems.slice(0, 20).join('\n  ')}`);
    if (!opts.quiet) process.stderr.write(`polytopes: validation passed (${res.regions.length} regions)\n`);
  }
  const { records, estimated, harSamples } = subspaceRecords(net, res, opts);
  const R = res.regions;
  const summary: Record<string, unknown> = {
    subspace_dim: k,
    regions: R.length,
    partial: res.partial,
    total_volume: res.totalVolume,
    box_volume: res.boxVolume,
    mean_facets: mean(R.map((r) => r.facets.length)),
    mean_vertices: mean(R.map((r) => r.numVertices)),
    mean_simplices: mean(R.map((r) => r.simplices)),
    max_facets: R.reduce((a, r) => Math.max(a, r.facets.length), 0),
    max_simplices: R.reduce((a, r) => Math.max(a, r.simplices), 0),
    seconds: res.seconds,
    regions_per_second: R.length / Math.max(MIN_SECONDS, res.seconds),
  };
  if (harSamples > 0) {
    summary.mean_estimated_facets = mean(estimated);
    summary.hit_and_run_samples = harSamples;
    summary.hit_and_run_exact_share = mean(estimated.map((e, i) => (e === R[i]!.facets.length ? 1 : 0)));
  }
  const out = {
    summary,
    subspace: { kind: how, origin: Array.from(origin), dirs: dirs.map((v) => Array.from(v)) },
    box,
    triangulation: 'pulling, lexicographic vertex order',
    regions: records,
  };
  writeFileAtomic(opts.json, JSON.stringify(out));
  if (opts.figure) {
    const base = opts.json.replace(/\.json$/i, '');
    const a = countHistogramSvg(`facets per polytope (${R.length} regions)`, hist(R.map((r) => r.facets.length)), 'facets', 480, 300);
    const b = countHistogramSvg('simplices per polytope (pulling triangulation)', hist(R.map((r) => r.simplices)), 'simplices', 480, 300);
    const svg = sideBySideSvg(`${modelPath}: ${R.length} polytopes in a ${k}-D subspace`, [a, b], 480, 300);
    writeFileAtomic(opts.svg ?? `${base}.svg`, svg);
    writeFileAtomic(opts.png ?? `${base}.png`, svgToPng(svg, 960));
  }
  if (!opts.quiet)
    process.stderr.write(
      `polytopes: ${R.length} regions${res.partial ? ' (stopped at --max-regions)' : ''} in a ${k}-D subspace, volume ${res.totalVolume.toPrecision(12)} of ${res.boxVolume}, mean facets ${mean(R.map((r) => r.facets.length)).toFixed(2)}, mean simplices ${mean(R.map((r) => r.simplices)).toFixed(2)} (${res.seconds.toFixed(2)} s, ${(R.length / Math.max(MIN_SECONDS, res.seconds)).toFixed(0)} regions/s)\n`,
    );
}

function hist(values: readonly number[]): [number, number][] {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** One JSON record per polytope, with hit-and-run facet estimates when --hit-and-run is given. */
function subspaceRecords(net: Network, res: SubspaceEnumeration, opts: SubspaceOpts) {
  let harSamples = 0;
  if (opts.hitAndRun !== undefined) {
    harSamples = Number(opts.hitAndRun);
    if (!Number.isInteger(harSamples) || harSamples < 1)
      throw new CliError(`--hit-and-run must be a positive integer, got '${opts.hitAndRun}'`);
  }
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
  const random = mulberry32(seed);
  const offsets = codeOffsets(net);
  const p = harSamples > 0 ? prepareNetwork(net) : null;
  const k = res.dim;
  const estimated: number[] = [];
  const records = res.regions.map((r) => {
    const rec: Record<string, unknown> = {
      code: codeKey(r.code, offsets),
      facets: r.facets.length,
      facet_constraints: Array.from(r.facets, (f) => subspaceConstraintName(f, net)),
      num_vertices: r.numVertices,
      f_vector: r.fVector,
      volume: r.volume,
      simplices: r.simplices,
      simplex_bounds: [r.simplexBounds.lower, r.simplexBounds.upper],
      interior: Array.from(r.interior, round),
      map: Array.from({ length: net.outputSize }, (_, q) => Array.from(r.map.subarray(q * (k + 1), (q + 1) * (k + 1)), round)),
    };
    if (opts.vertices)
      rec.vertices = Array.from({ length: r.numVertices }, (_, i) => Array.from(r.vertices.subarray(i * k, i * k + k), round));
    if (p) {
      const est = estimateFacets(subspaceRegionAt(p, res, r.interior), r.interior, harSamples, random);
      rec.estimated_facets = est.facets.length;
      estimated.push(est.facets.length);
    }
    return rec;
  });
  return { records, estimated, harSamples };
}
