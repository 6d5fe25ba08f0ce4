/**
 * `polytope polytopes MODEL --box … | --domain FILE.json`: every activation region of an MLP
 * inside an axis box or a bounded convex polytope A x ≤ b, with exact polytope geometry (facets,
 * vertices, f-vector, volume, simplices of the pulling triangulation), JSON + histogram figures
 * (SVG, PNG).
 */
import { boundsNote } from './bounds-note.js';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  codeKey,
  codeOffsets,
  enumeratePolytopes,
  estimateFacets,
  forward,
  forwardWithCode,
  mulberry32,
  polytopeDomain,
  regionInBox,
  regionInDomain,
  validatePolytopes,
  walkRegions,
} from '@polytope-lens/core';
import type { Network, PolytopeEnumeration, PolytopeRegion } from '@polytope-lens/core';
import { constraintName, mlpLayers } from '@polytope-lens/core/internal';
import { inputHint, loadModel, readInputSource, vectorArg } from '../model.js';
import { startProgress } from '../progress.js';
import { svgToPng } from '../render/png.js';
import { maxBytes } from '../limits.js';
import { countHistogramSvg, sideBySideSvg, smallMultiplesSvg } from '../render/count-figures.js';
import { CliError, prepareOutput, snakeKeys, tempPathFor, writeFileAtomic } from '../util.js';
import { RecordSpool, writeSpooledJson } from '../json-stream.js';
import { CodePacker, NpzBuilder, csrArrays, outputFormat } from '../npz.js';
import { AbortError, InternalError } from '@polytope-lens/core';
import { MIN_SECONDS, REPORT_ZERO } from '../render/constants.js';
import { session } from '../session.js';
import { parseThreads } from '../threads.js';
import { polytopesStudySweep } from '../sweeps/polytopes-study.js';
import type { StudyRow } from '../sweeps/polytopes-study.js';
import { runSweepCli } from '../sweeps/run.js';
import { runSubspacePolytopes, wantsSubspace } from './polytopes-subspace.js';
import type { SubspaceOpts } from './polytopes-subspace.js';

/** The subspace mode's options (box, outputs, figures, checks) plus the input-space ones. */
interface PolytopesOpts extends SubspaceOpts {
  format?: string;
  domain?: string;
}

/** Parses `--box x0,x1,y0,y1,…` for a d-input network (default [-1, 1]^d). */
export function parseBox(text: string | undefined, d: number): number[] {
  if (text === undefined) return Array.from({ length: 2 * d }, (_, i) => (i % 2 ? 1 : -1));
  const parts = text.split(',').map((s) => s.trim());
  const box = parts.map(Number);
  if (box.length !== 2 * d || box.some((v, i) => !Number.isFinite(v) || parts[i] === '')) {
    throw new CliError(`--box needs ${2 * d} finite numbers (a lo,hi pair for each of the ${d} inputs), got '${text}'`);
  }
  for (let i = 0; i < d; i++)
    if (!(box[2 * i]! < box[2 * i + 1]!)) throw new CliError(`--box: input ${i} has lo ${box[2 * i]} ≥ hi ${box[2 * i + 1]}`);
  return box;
}

/**
 * Reads `--domain FILE.json` holding `{"A": [[…], …], "b": […]}` (the polytope A x ≤ b) for a
 * d-input network: every row of A has d finite numbers, b one per row.
 */
export function readDomainFile(path: string, d: number): { A: number[][]; b: number[] } {
  if (!existsSync(path)) throw new CliError(`--domain: file '${path}' does not exist`);
  if (statSync(path).isDirectory()) throw new CliError(`--domain: '${path}' is a directory; give a JSON file`);
  let json: unknown;
  try {
    session().noteInput(path);
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CliError(`--domain: '${path}' is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const shape = `must hold {"A": [[…], …], "b": […]} for the polytope A x ≤ b`;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CliError(`--domain: '${path}' ${shape}`);
  const { A, b } = json as { A?: unknown; b?: unknown };
  if (!Array.isArray(A) || !Array.isArray(b)) throw new CliError(`--domain: '${path}' ${shape}`);
  if (A.length === 0) throw new CliError(`--domain: '${path}' has no rows in A`);
  if (b.length !== A.length) throw new CliError(`--domain: '${path}' has ${A.length} rows in A but ${b.length} values in b`);
  const num = (v: unknown, where: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new CliError(`--domain: ${where} is ${JSON.stringify(v)}, not a finite number`);
    return v;
  };
  const rows = A.map((row: unknown, r) => {
    if (!Array.isArray(row)) throw new CliError(`--domain: A[${r}] is not an array`);
    if (row.length !== d) throw new CliError(`--domain: A[${r}] has ${row.length} values, but the network has ${d} inputs`);
    return row.map((v: unknown, j) => num(v, `A[${r}][${j}]`));
  });
  return { A: rows, b: b.map((v: unknown, r) => num(v, `b[${r}]`)) };
}

function round(v: number): number {
  return Math.abs(v) < REPORT_ZERO ? 0 : Number(v.toPrecision(15));
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

/**
 * A bar chart of integer-valued counts as an SVG string (integer ticks, shared figure style).
 *
 * @example
 * histogramSvg('facets per polytope', [[4, 10], [5, 7]], 'facets'); // '<svg …>…</svg>'
 */
export function histogramSvg(title: string, bins: readonly [number, number][], xLabel: string, width = 480, height = 300): string {
  return countHistogramSvg(title, bins, xLabel, width, height);
}

/** Two histograms (facets, simplices) side by side in one SVG. */
function polytopeHistogramsSvg(stats: PolytopeStats, title: string): string {
  const a = histogramSvg(`facets per polytope (${stats.count} regions)`, stats.bins(stats.facetBins), 'facets');
  const b = histogramSvg('simplices per polytope (pulling triangulation)', stats.bins(stats.simplexBins), 'simplices');
  return sideBySideSvg(title, [a, b], 480, 300);
}

/**
 * Issue 18 #11: the summary of a streamed enumeration, accumulated region by region (counts, sums,
 * maxima and the two histograms' bins), so no region needs to be kept.
 */
class PolytopeStats {
  count = 0;
  private facets = 0;
  private vertices = 0;
  private simplices = 0;
  private maxFacets = 0;
  private maxSimplices = 0;
  readonly facetBins = new Map<number, number>();
  readonly simplexBins = new Map<number, number>();

  add(r: PolytopeRegion): void {
    const f = r.facets.length;
    this.count++;
    this.facets += f;
    this.vertices += r.numVertices;
    this.simplices += r.simplices;
    this.maxFacets = Math.max(this.maxFacets, f);
    this.maxSimplices = Math.max(this.maxSimplices, r.simplices);
    this.facetBins.set(f, (this.facetBins.get(f) ?? 0) + 1);
    this.simplexBins.set(r.simplices, (this.simplexBins.get(r.simplices) ?? 0) + 1);
  }

  bins(m: Map<number, number>): [number, number][] {
    return [...m.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Summary block of the JSON output. */
  summary(res: PolytopeEnumeration): Record<string, number> {
    const n = Math.max(1, this.count);
    return {
      regions: this.count,
      total_volume: res.totalVolume,
      domain_volume: res.domainVolume,
      box_volume: res.boxVolume,
      mean_facets: this.count ? this.facets / n : 0,
      mean_vertices: this.count ? this.vertices / n : 0,
      mean_simplices: this.count ? this.simplices / n : 0,
      max_facets: this.maxFacets,
      max_simplices: this.maxSimplices,
      seconds: res.seconds,
      lp_seconds: res.lpSeconds,
    };
  }
}

/** Layer widths of the hidden layers (for constraint names). */
function hiddenWidths(net: Network): number[] {
  return mlpLayers(net)
    .filter((l) => l.alpha !== null)
    .map((l) => l.outFeatures);
}

export function registerPolytopes(program: Command): void {
  registerWalk(program);
  registerPolytopesStudy(program);
  program
    .command('polytopes')
    .description(
      'every activation region of an MLP in an axis box or a polytope (input dimension 2…6), or of any network on a k-D subspace (--origin/--dirs, --through): facets, vertices, f-vector, volume, simplices',
    )
    .argument('<model>', 'network JSON or ONNX file (plain MLP for --box/--domain; any network with a subspace)')
    .option('--box <x0,x1,y0,y1,…>', 'box, a lo,hi pair per input (default [-1,1]^d)')
    .option('--domain <file.json>', 'bounded convex polytope {"A": [[…], …], "b": […]} (A x ≤ b) instead of --box')
    .option(
      '--origin <x>',
      'any network: origin x0 of a k-D subspace x0 + Σ t_j d_j (with --dirs; --box is then a box of t, default [-1,1]^k)',
    )
    .option('--dirs <d1;d2;…>', 'its k ≤ 6 directions, separated by ;')
    .option(
      '--through <A;B;…>',
      'any network: the subspace through k + 1 inputs, t = 0 at A, t = e_j at the j-th other (default box [-0.25,1.25]^k)',
    )
    .option('--inputs <file>', 'file holding the inputs of --through (use --rows to pick)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set); --rows picks the k + 1 inputs")
    .option('--rows <list>', 'rows of --inputs/--idx')
    .option('--json <path>', 'output file: JSON, or NumPy .npz when it ends in .npz', 'polytopes.json')
    .option('--format <fmt>', 'json | npz (default: from the --json extension); npz turns polytopes.json into polytopes.npz')
    .option('--svg <path>', 'histogram figure (SVG); default beside --json')
    .option('--png <path>', 'histogram figure (PNG); default beside --json')
    .option('--no-figure', 'do not draw figures')
    .option('--no-vertices', 'leave vertex coordinates out of the JSON')
    .option('--hit-and-run <n>', "also estimate each region's facets with the paper's hit-and-run method (n samples)")
    .option('--seed <n>', 'seed for --hit-and-run', '1')
    .option('--validate', 'check volumes, interior codes, vertex incidences and Euler relations')
    .option('--max-regions <n>', 'stop after n finished regions (the JSON says "partial": true and lists them)')
    .option('--quiet', 'print nothing but errors')
    .action(runPolytopes);
}

/** What a region's JSON record needs besides the region. */
interface RecordContext {
  readonly net: Network;
  readonly d: number;
  readonly widths: number[];
  readonly offsets: ReturnType<typeof codeOffsets>;
  readonly domain: { A: number[][]; b: number[] } | null;
  readonly box: readonly number[];
  readonly vertices: boolean;
  /** Hit-and-run samples per region (0: none) and their generator. */
  readonly harSamples: number;
  readonly random: () => number;
}

function recordContext(net: Network, opts: PolytopesOpts, domain: RecordContext['domain'], box: readonly number[]): RecordContext {
  let harSamples = 0;
  if (opts.hitAndRun !== undefined) {
    harSamples = Number(opts.hitAndRun);
    if (!Number.isInteger(harSamples) || harSamples < 1)
      throw new CliError(`--hit-and-run must be a positive integer, got '${opts.hitAndRun}'`);
  }
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
  const d = net.inputSize;
  return {
    net,
    d,
    widths: hiddenWidths(net),
    offsets: codeOffsets(net),
    domain,
    box,
    vertices: opts.vertices,
    harSamples,
    random: mulberry32(seed),
  };
}

/** One JSON record per polytope, with a hit-and-run facet estimate when --hit-and-run is given (then also returned). */
function polytopeRecord(c: RecordContext, r: PolytopeRegion): { rec: Record<string, unknown>; estimated?: number } {
  const d = c.d;
  const rec: Record<string, unknown> = {
    code: codeKey(r.code, c.offsets),
    facets: r.facets.length,
    facet_constraints: Array.from(r.facets, (k) => constraintName(k, d, c.widths, c.domain ? c.domain.A.length : undefined)),
    num_vertices: r.numVertices,
    f_vector: r.fVector,
    volume: r.volume,
    simplices: r.simplices,
    simplex_bounds: [r.simplexBounds.lower, r.simplexBounds.upper],
  };
  if (c.vertices) {
    const vs: number[][] = [];
    for (let i = 0; i < r.numVertices; i++) vs.push(Array.from(r.vertices.subarray(i * d, i * d + d), round));
    rec.vertices = vs;
  }
  if (c.harSamples === 0) return { rec };
  const h = c.domain ? regionInDomain(c.net, r.interior, c.domain) : regionInBox(c.net, r.interior, c.box);
  const est = estimateFacets(h, r.interior, c.harSamples, c.random);
  rec.estimated_facets = est.facets.length;
  return { rec, estimated: est.facets.length };
}

/** Volume of a box given as lo,hi pairs. */
function volumeOfBox(box: readonly number[]): number {
  let v = 1;
  for (let i = 0; i < box.length; i += 2) v *= box[i + 1]! - box[i]!;
  return v;
}

/**
 * Issue 18 #11: the enumeration is depth-first and hands over each region when it is finished;
 * each becomes a JSON record in a spool file at once and only the summary's running totals stay
 * in memory (all regions are kept only for --validate). With --max-regions n the run stops after
 * n finished regions and lists them ("partial": true).
 */
async function runPolytopes(modelPath: string, given: PolytopesOpts): Promise<void> {
  const format = outputFormat(given.json, given.format);
  const opts = { ...given, json: format.path };
  if (opts.box !== undefined && opts.domain !== undefined)
    throw new CliError('--box and --domain are mutually exclusive; give one of them');
  const net = loadModel(modelPath);
  if (wantsSubspace(opts)) {
    if (opts.domain !== undefined) throw new CliError('--domain is for the input space; a subspace takes --box (a box of t)');
    return runSubspacePolytopes(net, modelPath, opts);
  }
  const d = net.inputSize;
  const rows = opts.domain !== undefined ? readDomainFile(opts.domain, d) : null;
  const domain = rows ? await polytopeDomain(rows.A, rows.b, d) : undefined;
  const maxRegions = opts.maxRegions === undefined ? Infinity : Number(opts.maxRegions);
  if (opts.maxRegions !== undefined && (!Number.isInteger(maxRegions) || maxRegions < 1))
    throw new CliError(`--max-regions must be a positive integer, got '${opts.maxRegions}'`);
  const box = domain ? domain.bounds : parseBox(opts.box, d);
  const ctx = recordContext(net, opts, rows, box);
  const jsonTarget = prepareOutput(opts.json, '--json');
  const spool = new RecordSpool((g) => tempPathFor(jsonTarget, g), opts.json);
  // npz streams its arrays region by region too (PolytopesNpz), so memory stays bounded either way.
  const npz = format.format === 'npz' ? new PolytopesNpz(jsonTarget, net, ctx.harSamples > 0) : null;
  const stats = new PolytopeStats();
  const estimated: number[] = [];
  let exactEstimates = 0;
  let volume = 0;
  const progress = startProgress('polytopes', opts.quiet === true);
  const boxVolume = volumeOfBox(box);
  const signal = {
    get aborted(): boolean {
      return stats.count >= maxRegions || progress.signal.aborted;
    },
  };
  let res: PolytopeEnumeration | null = null;
  try {
    try {
      res = enumeratePolytopes(net, {
        ...(domain ? { domain } : { box }),
        signal,
        maxBytes: maxBytes(),
        collect: opts.validate === true,
        onRegion: (r) => {
          if (stats.count >= maxRegions) return;
          stats.add(r);
          volume += r.volume;
          const { rec, estimated: e } = polytopeRecord(ctx, r);
          if (e !== undefined) {
            estimated.push(e);
            if (e === r.facets.length) exactEstimates++;
          }
          if (npz) npz.add(r, e);
          else spool.add(0, JSON.stringify(rec));
        },
        onProgress: (p) => progress.update(Math.min(1, volume / boxVolume), p.finished),
      });
    } catch (err) {
      if (!(err instanceof AbortError && !progress.signal.aborted)) throw err;
    } finally {
      progress.stop();
    }
    spool.finish();
    if (res === null || res.count > stats.count) {
      if (npz)
        npz.finish(opts.json, { partial: true, box, domain: null, summary: { max_regions: maxRegions, regions: stats.count, volume } });
      else writeSpooledJson(opts.json, { summary: { partial: true, max_regions: maxRegions, regions: stats.count, volume } }, spool);
      if (!opts.quiet)
        process.stderr.write(
          `polytopes: stopped at --max-regions ${maxRegions}: ${stats.count} finished regions listed (partial result)\n`,
        );
      return;
    }
    finishPolytopes(modelPath, { ...opts, npz }, { res, stats, spool, ctx, estimated, exactEstimates });
  } finally {
    spool.cleanup();
    npz?.cleanup();
  }
}

/** What a finished enumeration leaves for the output. */
interface FinishedRun {
  readonly res: PolytopeEnumeration;
  readonly stats: PolytopeStats;
  readonly spool: RecordSpool;
  readonly ctx: RecordContext;
  readonly estimated: number[];
  readonly exactEstimates: number;
}

/** Validation (with --validate), the summary, the JSON (header + spooled records), figures and the one-line report. */
function finishPolytopes(modelPath: string, opts: PolytopesOpts & { npz: PolytopesNpz | null }, run: FinishedRun): void {
  const { res: done, stats, spool, ctx, estimated, exactEstimates } = run;
  if (opts.validate) {
    const problems = validatePolytopes(ctx.net, done, (x) => forwardWithCode(ctx.net, x).code);
    if (problems.length) throw new InternalError(`validation failed:\n  ${problems.slice(0, 20).join('\n  ')}`);
    if (!opts.quiet) process.stderr.write(`polytopes: validation passed (${done.count} regions)\n`);
  }
  const summary: Record<string, number> = stats.summary(done);
  if (ctx.harSamples > 0) {
    summary.mean_estimated_facets = mean(estimated);
    summary.hit_and_run_samples = ctx.harSamples;
    summary.hit_and_run_exact_share = stats.count ? exactEstimates / stats.count : 0;
  }
  // With --domain, `box` is null and the domain carries its exact bounding box.
  if (opts.npz) opts.npz.finish(opts.json, { partial: false, box: done.box, domain: done.domain ?? null, summary });
  else
    writeSpooledJson(
      opts.json,
      {
        summary,
        box: done.domain ? null : done.box,
        domain: done.domain ? { ...done.domain, bounding_box: done.box } : null,
        triangulation: 'pulling, lexicographic vertex order',
      },
      spool,
    );
  if (opts.figure) {
    const base = opts.json.replace(/\.(json|npz)$/i, '');
    const svg = polytopeHistogramsSvg(stats, `${modelPath}: ${stats.count} polytopes in the ${done.domain ? 'domain' : 'box'}`);
    writeFileAtomic(opts.svg ?? `${base}.svg`, svg);
    writeFileAtomic(opts.png ?? `${base}.png`, svgToPng(svg, 960));
  }
  if (!opts.quiet) {
    process.stderr.write(
      `polytopes: ${stats.count} regions${boundsNote(ctx.net, ctx.net.inputSize)}, volume ${summary.total_volume!.toPrecision(12)} of ${done.domainVolume}, mean facets ${summary.mean_facets!.toFixed(2)}, mean vertices ${summary.mean_vertices!.toFixed(2)}, mean simplices ${summary.mean_simplices!.toFixed(2)} (${done.seconds.toFixed(2)} s)\n`,
    );
  }
}

/**
 * `polytopes` as npz (docs/formats.md "polytopes.npz"), streamed: each finished region appends its
 * packed code, facet constraint indices and vertices (CSR: the `_offsets` arrays grow with them),
 * f-vector, volume, simplices, simplex bounds and interior point; `finish` adds the box, the domain,
 * the summary as scalars and `partial`, and writes the file.
 */
class PolytopesNpz {
  private readonly npz: NpzBuilder;
  private readonly codes: CodePacker;
  private readonly d: number;
  private facetTotal = 0;
  private vertexTotal = 0;

  constructor(target: string, net: Network, estimates: boolean) {
    this.d = net.inputSize;
    this.npz = new NpzBuilder(target);
    this.codes = new CodePacker(net);
    this.codes.declare(this.npz);
    const d = this.d;
    this.npz.declare('facets_offsets', '<i8').declare('facets', '<i8').declare('vertices_offsets', '<i8').declare('vertices', '<f8', [d]);
    this.npz.declare('f_vector', '<i8', [d]).declare('volume', '<f8').declare('simplices', '<i8');
    this.npz.declare('simplex_bounds', '<f8', [2]).declare('interior', '<f8', [d]);
    if (estimates) this.npz.declare('estimated_facets', '<i8');
    this.npz.append('facets_offsets', BigInt64Array.of(0n));
    this.npz.append('vertices_offsets', BigInt64Array.of(0n));
  }

  add(r: PolytopeRegion, estimated: number | undefined): void {
    const d = this.d;
    const npz = this.npz;
    npz.append('codes', this.codes.pack(r.code));
    npz.append(
      'facets',
      BigInt64Array.from(r.facets, (k) => BigInt(k)),
    );
    this.facetTotal += r.facets.length;
    npz.append('facets_offsets', BigInt64Array.of(BigInt(this.facetTotal)));
    npz.append('vertices', Float64Array.from(r.vertices.subarray(0, r.numVertices * d)));
    this.vertexTotal += r.numVertices;
    npz.append('vertices_offsets', BigInt64Array.of(BigInt(this.vertexTotal)));
    const f = new BigInt64Array(d);
    r.fVector.forEach((v, k) => (f[k] = BigInt(v)));
    npz.append('f_vector', f);
    npz.append('volume', Float64Array.of(r.volume));
    npz.append('simplices', BigInt64Array.of(BigInt(r.simplices)));
    npz.append('simplex_bounds', Float64Array.of(r.simplexBounds.lower, r.simplexBounds.upper));
    npz.append('interior', Float64Array.from(r.interior));
    if (estimated !== undefined) npz.append('estimated_facets', BigInt64Array.of(BigInt(estimated)));
  }

  finish(
    path: string,
    head: {
      partial: boolean;
      box: readonly (readonly number[])[] | readonly number[];
      domain: { A: number[][]; b: number[] } | null;
      summary: Record<string, number>;
    },
  ): void {
    const d = this.d;
    const npz = this.npz;
    npz.array('box', '<f8', [d, 2], Float64Array.from((head.box as readonly (number | readonly number[])[]).flat() as number[]));
    if (head.domain) {
      npz.array('domain_A', '<f8', [head.domain.A.length, d], Float64Array.from(head.domain.A.flat()));
      npz.array('domain_b', '<f8', [head.domain.b.length], Float64Array.from(head.domain.b));
    }
    npz.scalar('partial', head.partial, '|b1');
    for (const [k, v] of Object.entries(head.summary)) if (!npz.has(k)) npz.scalar(k, v);
    npz.write(path);
  }

  cleanup(): void {
    this.npz.cleanup();
  }
}

/**
 * `walk` as npz (docs/formats.md "walk.npz"): per region its packed code, interior point, output,
 * depth, facet units and neighbours (CSR), the edges; the summary as scalars.
 */
function walkNpz(
  path: string,
  net: Network,
  res: Awaited<ReturnType<typeof walkRegions>>,
  summary: Record<string, unknown>,
  radius: number | undefined,
  domain: [number, number] | undefined,
): void {
  const npz = new NpzBuilder(prepareOutput(path));
  try {
    const n = res.regions.length;
    const codes = new CodePacker(net);
    codes.declare(npz);
    npz.declare('interior_point', '<f8', [net.inputSize]).declare('output', '<f8', [net.outputSize]);
    for (const r of res.regions) {
      npz.append('codes', codes.pack(r.code));
      npz.append('interior_point', r.point);
      npz.append('output', forward(net, r.point));
    }
    npz.array(
      'depth',
      '<i8',
      [n],
      BigInt64Array.from(res.regions, (r) => BigInt(r.depth)),
    );
    csrArrays(
      npz,
      'facet_units',
      res.regions.map((r) => r.facetUnits),
      '<i8',
    );
    csrArrays(
      npz,
      'neighbours',
      res.regions.map((r) => r.neighbours),
      '<i8',
    );
    npz.array('edges', '<i8', [res.edges.length, 2], BigInt64Array.from(res.edges.flat(), BigInt));
    // Summary numbers as scalars, except counts that the arrays already give (regions, edges).
    for (const [k, v] of Object.entries(summary))
      if ((typeof v === 'number' || typeof v === 'boolean') && !npz.has(k) && k !== 'regions')
        npz.scalar(k, v, typeof v === 'boolean' ? '|b1' : '<f8');
    if (radius !== undefined) npz.scalar('radius', radius);
    if (domain) npz.array('domain', '<f8', [2], Float64Array.from(domain));
    npz.write(path);
  } finally {
    npz.cleanup();
  }
}

interface WalkOpts {
  format?: string;
  at?: string;
  idx?: string;
  rows?: string;
  inputs?: string;
  maxRegions: string;
  radius?: string;
  domain?: string;
  lpOnly?: boolean;
  json: string;
  quiet?: boolean;
}

/** `polytope walk MODEL --at x | --idx mnist --rows i`: BFS over regions around a point (any dimension, LP-based). */
function registerWalk(program: Command): void {
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
    .option('--domain <lo,hi>', 'input domain for every coordinate (default 0,1 with --idx, else unbounded)')
    .option('--lp-only', 'decide every row by an LP (the slow reference for the LP-free certificates)')
    .option('--json <path>', 'output file (regions + adjacency graph): JSON, or NumPy .npz when it ends in .npz', 'walk.json')
    .option('--format <fmt>', 'json | npz (default: from the --json extension); npz turns walk.json into walk.npz')
    .option('--quiet', 'print nothing but errors')
    .action(runWalk);
}

async function runWalk(modelPath: string, given: WalkOpts): Promise<void> {
  const format = outputFormat(given.json, given.format);
  const opts = { ...given, json: format.path };
  const net = loadModel(modelPath);
  const d = net.inputSize;
  let x: Float64Array;
  if (opts.at !== undefined) x = vectorArg(opts.at, d, '--at');
  else {
    const xs = readInputSource(opts, d);
    if (!xs || xs.length === 0)
      throw new CliError(
        `give a start point with --at x or --idx/--inputs with --rows i (${inputHint(d, 1).replace(/--rows [0-9,]+/, '--rows 0')})`,
      );
    if (xs.length !== 1) throw new CliError(`--rows picks ${xs.length} inputs; the walk starts from exactly one`);
    x = xs[0]!;
  }
  const maxRegions = Number(opts.maxRegions);
  if (!Number.isInteger(maxRegions) || maxRegions < 1)
    throw new CliError(`--max-regions must be a positive integer, got '${opts.maxRegions}'`);
  let domain: [number, number] | undefined;
  if (opts.domain !== undefined) {
    const v = opts.domain.split(',').map(Number);
    if (v.length !== 2 || !v.every(Number.isFinite) || !(v[0]! < v[1]!))
      throw new CliError(`--domain needs lo,hi with lo < hi, got '${opts.domain}'`);
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
      ...(opts.lpOnly ? { fastPaths: false } : {}),
      signal: progress.signal,
      onProgress: (p) => progress.update(p.regions / maxRegions, p.regions),
    });
  } finally {
    progress.stop();
  }
  const offsets = codeOffsets(net);
  const out = {
    summary: {
      partial: !res.complete,
      regions: res.regions.length,
      edges: res.edges.length,
      complete: res.complete,
      max_depth: res.regions.reduce((a, r) => Math.max(a, r.depth), 0),
      mean_facets: mean(res.regions.map((r) => r.facetUnits.length)),
      lps: res.lps,
      seconds: res.seconds,
      lp_seconds: res.lpSeconds,
      regions_per_second: res.regions.length / Math.max(MIN_SECONDS, res.seconds),
      certificates: snakeKeys(res.certificates),
    },
    radius: radius ?? null,
    domain: domain ?? null,
    regions: res.regions.map((r) => ({
      code: codeKey(r.code, offsets),
      ...prediction(net, r.point),
      depth: r.depth,
      facets: r.facetUnits.length,
      facet_units: Array.from(r.facetUnits),
      neighbours: Array.from(r.neighbours),
    })),
    edges: res.edges,
  };
  if (format.format === 'npz') walkNpz(opts.json, net, res, out.summary, radius, domain);
  else writeFileAtomic(opts.json, JSON.stringify(out));
  if (!opts.quiet) reportWalk(res, out.regions);
}

/** The walk's lines on stderr: predicted classes, counts, how the rows were decided. */
function reportWalk(res: Awaited<ReturnType<typeof walkRegions>>, regions: readonly { argmax?: number }[]): void {
  const c = res.certificates;
  const classes = new Map<number, number>();
  for (const r of regions) if (typeof r.argmax === 'number') classes.set(r.argmax, (classes.get(r.argmax) ?? 0) + 1);
  if (classes.size > 0)
    process.stderr.write(
      `walk: predicted classes: ${[...classes.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([k, n]) => `${k} in ${n} region${n === 1 ? '' : 's'}`)
        .join(', ')}\n`,
    );
  process.stderr.write(
    `walk: ${res.regions.length} regions${res.complete ? ' (all reachable)' : ' (cap reached)'}, ${res.edges.length} adjacencies, ${res.lps} LPs, ${res.seconds.toFixed(2)} s (${(res.regions.length / Math.max(MIN_SECONDS, res.seconds)).toFixed(2)} regions/s)\n`,
  );
  process.stderr.write(
    `      facets: ${c.entryFacets} entry, ${c.rayFacets} by rays, ${c.lpFacets} by LP; not facets: ${c.boxRedundant} miss the box, ${c.zeroRows} constant, ${c.lpRedundant} by LP\n`,
  );
}

/** A walk region's interior point and the network's prediction there (output, and argmax for several outputs). */
function prediction(net: Network, point: Float64Array): { interior_point: number[]; output: number[]; argmax?: number } {
  const y = Array.from(forward(net, point));
  let argmax = 0;
  for (let k = 1; k < y.length; k++) if (y[k]! > y[argmax]!) argmax = k;
  return { interior_point: Array.from(point), output: y, ...(y.length > 1 ? { argmax } : {}) };
}

/** Quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

interface StudyOpts {
  out: string;
  seed: string;
  epochs: string;
  threads: string;
  store?: string;
  quiet?: boolean;
  png: boolean;
}

/** `polytope polytopes-study --out DIR`: the paper's sweeps at small scale, Markdown report with tables and figures. */
function registerPolytopesStudy(program: Command): void {
  program
    .command('polytopes-study')
    .description(
      'sweep depth/width, init, bias, training, weight decay and low rank on 3-D nets; Markdown report of faces and simplices per polytope',
    )
    .requiredOption('--out <dir>', 'output folder (report.md, figures, study.json)')
    .option('--seed <n>', 'seed', '1')
    .option('--epochs <n>', 'training epochs for the trained configurations', '40')
    .option('--no-png', 'write SVG figures only')
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option(
      '--store <dir>',
      'result store of the configurations (resume after a kill; reused when seed and epochs are unchanged)',
      'OUT/.shards',
    )
    .option('--quiet', 'print nothing but errors')
    .action(runPolytopesStudy);
}

async function runPolytopesStudy(opts: StudyOpts): Promise<void> {
  const seed = Number(opts.seed);
  const epochs = Number(opts.epochs);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${opts.seed}'`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new CliError(`--epochs must be a positive integer, got '${opts.epochs}'`);
  const threads = parseThreads(opts.threads);
  const store = opts.store === undefined || opts.store === 'OUT/.shards' ? join(opts.out, '.shards') : opts.store;
  const log = (s: string) => {
    if (!opts.quiet) process.stderr.write(`polytopes-study: ${s}\n`);
  };
  const t0 = Date.now();
  // The configurations are the shards of the `polytopes-study` sweep (sweeps/polytopes-study.ts): on every core, resumable.
  const rows = (await runSweepCli({
    name: polytopesStudySweep.name,
    options: { seed, epochs },
    store,
    threads,
    quiet: opts.quiet === true,
    label: 'polytopes-study',
  })) as StudyRow[];
  for (const r of rows)
    log(
      `${r.group} / ${r.config}: ${r.regions} regions (Eq. 2.26 bound ${r.regionBound}), mean facets ${mean(r.facets).toFixed(2)}, mean simplices ${mean(r.simplices).toFixed(2)} (${r.seconds.toFixed(2)} s)`,
    );
  // Report.
  const figs = writeStudyFigures(rows, opts);
  const md = studyMarkdown(rows, figs, opts.png, seed, epochs, t0);
  writeFileAtomic(join(opts.out, 'report.md'), md.join('\n') + '\n');
  writeFileAtomic(
    join(opts.out, 'study.json'),
    JSON.stringify(
      rows.map((r) => ({
        ...r,
        vertices: undefined,
        upper: undefined,
        mean_facets: mean(r.facets),
        mean_simplices: mean(r.simplices),
        mean_vertices: mean(r.vertices),
        mean_upper_bound: mean(r.upper),
      })),
    ),
  );
  log(`wrote ${join(opts.out, 'report.md')}`);
}

/**
 * One histogram of simplices per polytope for each row, all on the same x range, and one figure of
 * them all as small multiples with shared axes (`simplices-all`); returns the per-row figure names.
 */
function writeStudyFigures(rows: readonly StudyRow[], opts: StudyOpts): string[] {
  mkdirSync(opts.out, { recursive: true });
  const figs: string[] = [];
  // A loop, not Math.min(...all): a study has hundreds of thousands of polytopes.
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows)
    for (const v of r.simplices) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  const xRange: [number, number] = lo <= hi ? [lo, hi] : [0, 1];
  const write = (name: string, svg: string, width: number): void => {
    writeFileAtomic(join(opts.out, `${name}.svg`), svg);
    if (opts.png) writeFileAtomic(join(opts.out, `${name}.png`), svgToPng(svg, width));
  };
  rows.forEach((r, i) => {
    const name = `fig-${String(i).padStart(2, '0')}`;
    write(
      name,
      countHistogramSvg(`${r.group}: ${r.config}`, histogram(r.simplices), 'simplices per polytope (pulling triangulation)', 480, 300, {
        xRange,
      }),
      480,
    );
    figs.push(name);
  });
  const grid = smallMultiplesSvg(
    'Simplices per polytope, every configuration (shared axes)',
    rows.map((r) => ({ title: `${r.group.replace(/ \(.*\)$/, '')}: ${r.config}`, bins: histogram(r.simplices) })),
    'simplices',
  );
  write('simplices-all', grid, 960);
  return figs;
}

/** The study's Markdown report: the table of all rows, the figures and how to read them. */
function studyMarkdown(
  rows: readonly StudyRow[],
  figs: readonly string[],
  png: boolean,
  seed: number,
  epochs: number,
  t0: number,
): string[] {
  const f2 = (x: number) => x.toFixed(2);
  const md: string[] = [];
  md.push('# Polytope shapes of small ReLU networks (3-D input)', '');
  md.push(
    `Reproduces the sweeps of "Deep ReLU Networks Have Surprisingly Simple Polytopes" (Fan et al., arXiv 2305.09145) at small scale with exact enumeration in the box [-1, 1]³ (\`polytope polytopes-study --seed ${seed} --epochs ${epochs}\`, ${((Date.now() - t0) / 1000).toFixed(1)} s).`,
    '',
  );
  md.push(
    'Per configuration: number of regions (beside it the upper bound of Eq. 2.26 on the regions of ℝ³ for those widths, the form of Serra et al., docs/seeds.md; the cube holds a part of ℝ³), facets per polytope (mean, median, 90th percentile, max; the theoretical maximum for one polytope is the number of constraints 6 + hidden units), simplices per polytope (pulling triangulation without new vertices), the mean over polytopes of the largest simplex count any triangulation of that polytope can have ((V−2)(V−3)/2 for V vertices), and the share of polytopes with at most 8 simplices.',
    '',
  );
  md.push(
    '| group | configuration | regions | Eq. 2.26 bound | facets mean | med | p90 | max | max possible | simplices mean | med | p90 | max | mean upper bound | share ≤ 8 simplices | note |',
  );
  md.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    md.push(
      `| ${r.group} | ${r.config} | ${r.regions} | ${r.regionBound} | ${f2(mean(r.facets))} | ${quantile(r.facets, 0.5)} | ${quantile(r.facets, 0.9)} | ${r.facets[r.facets.length - 1] ?? 0} | ${r.maxFacets} | ${f2(mean(r.simplices))} | ${quantile(r.simplices, 0.5)} | ${quantile(r.simplices, 0.9)} | ${r.simplices[r.simplices.length - 1] ?? 0} | ${f2(mean(r.upper))} | ${f2(mean(r.simplices.map((s) => (s <= 8 ? 1 : 0))))} | ${r.note ?? ''} |`,
    );
  }
  md.push(
    '',
    '## Distributions (simplices per polytope)',
    '',
    `![all configurations, shared axes](simplices-all.${png ? 'png' : 'svg'})`,
    '',
  );
  rows.forEach((r, i) => md.push(`**${r.group} — ${r.config}**`, '', `![${r.config}](${figs[i]}.${png ? 'png' : 'svg'})`, ''));
  md.push(
    '## Reading',
    '',
    "The paper's claim is that simple polytopes (few faces, few simplices) dominate. In every row compare the mean and 90th percentile of facets with the maximum possible, and the simplices with the mean upper bound over the same polytopes.",
    '',
  );
  return md;
}
