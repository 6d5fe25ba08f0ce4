import { session } from '../session.js';
import { boundsNote } from './bounds-note.js';
import type { Command } from 'commander';
import {
  affineMapAt,
  anchorBox,
  codeKey,
  codeOffsets,
  AbortError,
  inputPlane,
  partitionLine,
  planeFromDirections,
  planeThrough,
  polygonCentroid,
  validateSlice,
} from '@polytope-lens/core';
import type { Box2, Network, Plane, SliceRegion, SliceResult } from '@polytope-lens/core';
import { inputHint, loadModel, numberList, readInputSource, vectorArg, vectorList } from '../model.js';
import { startProgress } from '../progress.js';
import { CliError, prepareOutput, tempPathFor, writeFileAtomic } from '../util.js';
import { renderSliceSvg } from '../render/slice-figure.js';
import { svgToPng } from '../render/png.js';
import { COLOR_MODES, classPieces, colorMode, regionValue } from '../render/slice-look.js';
import type { ColorMode } from '../render/slice-look.js';
import { sliceFigureInput } from '../render/slice-inputs.js';
import { sliceParallel } from '../parallel/slice-parallel.js';
import type { ParallelSliceResult } from '../parallel/slice-parallel.js';
import { AUTO_THREADS_MIN_PARAMETERS, sliceThreads } from '../threads.js';
import { InternalError, PolytopeError, resolutionProblem } from '@polytope-lens/core';
import { RecordSpool, writeSpooledJson } from '../json-stream.js';
import { REPORT_ZERO } from '../render/constants.js';
import { CodePacker, NpzBuilder, outputFormat, unicodeArray } from '../npz.js';

interface SliceOpts {
  box?: string;
  through?: string;
  origin?: string;
  dirs?: string;
  inputs?: string;
  idx?: string;
  rows?: string;
  json: string;
  format?: string;
  svg?: string;
  png?: string;
  figure: boolean;
  maxFigureRegions: string;
  jacobian?: boolean;
  validate?: boolean;
  quiet?: boolean;
  threads: string;
  color: string;
  points?: string;
  maxRegions?: string;
  summaryOnly?: boolean;
  estimate: boolean;
}

/** Works out the plane and box from the command's options. */
function planeFromOptions(net: Network, opts: SliceOpts): { plane: Plane; box: Box2; how: string; abc?: Float64Array[] } {
  const d = net.inputSize;
  const box = opts.box !== undefined ? (numberList(opts.box, 4, '--box') as unknown as Box2) : undefined;
  const modes = [
    opts.through !== undefined || opts.idx !== undefined || opts.inputs !== undefined,
    opts.origin !== undefined || opts.dirs !== undefined,
  ].filter(Boolean).length;
  if (modes > 1) throw new CliError('give either --through (or --idx/--inputs with --rows) or --origin with --dirs, not both');
  if (opts.origin !== undefined || opts.dirs !== undefined) {
    if (opts.origin === undefined || opts.dirs === undefined) throw new CliError('--origin and --dirs go together');
    const origin = vectorArg(opts.origin, d, '--origin');
    const [d1, d2] = vectorList(opts.dirs, d, 2, '--dirs') as [Float64Array, Float64Array];
    return { plane: planeFromDirections(origin, d1, d2), box: box ?? [-1, 1, -1, 1], how: 'origin + s·d1 + t·d2' };
  }
  let abc: Float64Array[] | undefined;
  if (opts.through !== undefined) abc = vectorList(opts.through, d, 3, '--through');
  else abc = readInputSource(opts, d);
  if (abc) {
    if (abc.length !== 3) throw new CliError(`a plane through inputs needs exactly 3 of them (A, B, C), got ${abc.length}`);
    const plane = planeThrough(abc[0]!, abc[1]!, abc[2]!);
    return { plane, box: box ?? anchorBox(plane), how: 'plane through A, B, C (Gram–Schmidt, Eq. 6.2)', abc };
  }
  if (!box) {
    if (d === 2) throw new CliError('a 2-input network is sliced in its input plane: give the box (try --box -1,1,-1,1)');
    throw new CliError(`give the plane: --through A;B;C, --idx FILE --rows i,j,k, or --origin with --dirs (${inputHint(d, 3)})`);
  }
  return { plane: inputPlane(net), box, how: 'input plane' };
}

function round(v: number): number {
  return Math.abs(v) < REPORT_ZERO ? 0 : Number(v.toPrecision(15));
}

/** What one slice run needs, worked out from the options. */
interface SliceSetup {
  readonly plane: Plane;
  readonly box: Box2;
  /** How the plane was chosen (the JSON's `plane.kind`). */
  readonly how: string;
  readonly maxFigureRegions: number;
  readonly threads: number;
  /** The inputs A, B, C of a plane through three inputs. */
  readonly abc?: Float64Array[] | undefined;
  readonly color: ColorMode;
  /** --max-regions (Infinity when not given). */
  readonly maxRegions: number;
}

/** Parses the command's options into a plane, a box, the figure limit and the thread count. */
function sliceSetup(net: Network, opts: SliceOpts): SliceSetup {
  const { plane, box, how, abc } = planeFromOptions(net, opts);
  const color = colorMode(opts.color);
  const maxFigureRegions = Number(opts.maxFigureRegions);
  if (!Number.isInteger(maxFigureRegions) || maxFigureRegions < 0)
    throw new CliError(`--max-figure-regions must be a non-negative integer, got '${opts.maxFigureRegions}'`);
  let maxRegions = Infinity;
  if (opts.maxRegions !== undefined) {
    maxRegions = Number(opts.maxRegions);
    if (!Number.isInteger(maxRegions) || maxRegions < 1)
      throw new CliError(`--max-regions must be a positive integer, got '${opts.maxRegions}'`);
  }
  return { plane, box, how, abc, color, maxFigureRegions, maxRegions, threads: sliceThreads(opts.threads, net.numParameters) };
}

/**
 * One region as a JSON record: code key, rounded vertices, area, rounded map on the plane and,
 * with `jacobian`, the full input-space Jacobian and offset at its centroid. `x` is scratch (input size).
 */
function regionRecord(
  net: Network,
  plane: Plane,
  r: SliceRegion,
  offsets: Int32Array,
  jacobian: boolean,
  x: Float64Array,
): Record<string, unknown> {
  const o = net.outputSize;
  const d = net.inputSize;
  const n = r.vertices.length / 2;
  const verts: number[][] = [];
  for (let i = 0; i < n; i++) verts.push([round(r.vertices[2 * i]!), round(r.vertices[2 * i + 1]!)]);
  const map: number[][] = [];
  for (let k = 0; k < o; k++) map.push([round(r.map[3 * k]!), round(r.map[3 * k + 1]!), round(r.map[3 * k + 2]!)]);
  const rec: Record<string, unknown> = { code: codeKey(r.code, offsets), vertices: verts, area: r.area, map };
  if (jacobian) {
    const [s, t] = polygonCentroid(r.vertices, n) as unknown as [number, number];
    for (let i = 0; i < d; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
    const a = affineMapAt(net, x);
    const jac: number[][] = [];
    for (let k = 0; k < o; k++) jac.push(Array.from(a.jacobian.subarray(k * d, (k + 1) * d)));
    rec.jacobian = jac;
    rec.offset = Array.from(a.offset);
  }
  return rec;
}

/** Region polygons kept compactly for the figure (one growing Float32Array), dropped above a limit. */
class FigureStore {
  private verts = new Float32Array(1 << 16);
  private len = 0;
  private readonly starts: number[] = [0];
  private readonly keys: number[] = [];
  /** False once the limit was passed (or when no figure is wanted). */
  on: boolean;

  constructor(
    wanted: boolean,
    private readonly maxRegions: number,
  ) {
    this.on = wanted;
  }

  add(vertices: Float64Array, value: number): void {
    if (!this.on) return;
    if (this.starts.length > this.maxRegions) {
      this.on = false;
      this.verts = new Float32Array(0);
      return;
    }
    const m = vertices.length;
    if (this.len + m > this.verts.length) {
      const g = new Float32Array(Math.max(this.verts.length * 2, this.len + m));
      g.set(this.verts.subarray(0, this.len));
      this.verts = g;
    }
    this.verts.set(vertices, this.len);
    this.len += m;
    this.starts.push(this.len);
    this.keys.push(value);
  }

  /** The colour value of each region (`regionValue`), in the order they were added. */
  values(): readonly number[] {
    return this.keys;
  }

  *regions(fill: (i: number) => string): Generator<{ vertices: Float64Array; colorKey: number; fill: string }> {
    for (let i = 0; i < this.keys.length; i++)
      yield { vertices: Float64Array.from(this.verts.subarray(this.starts[i]!, this.starts[i + 1]!)), colorKey: 0, fill: fill(i) };
  }
}

/**
 * Runs the partition, spooling each region's record to its work group's temporary file (joined in
 * group order at the end, so the output is the same for every thread count) and keeping polygons
 * for the figure.
 */
async function runSlice(
  net: Network,
  setup: SliceSetup,
  opts: SliceOpts,
  spool: RecordSpool,
  figure: FigureStore,
  npz?: SliceNpz,
): Promise<ParallelSliceResult> {
  const offsets = codeOffsets(net);
  const x = new Float64Array(net.inputSize);
  const y = new Float64Array(net.outputSize);
  const progress = startProgress('slice', opts.quiet === true);
  try {
    const res = await sliceParallel(net, setup.plane, setup.box, {
      threads: setup.threads,
      // Linear-region colours need the regions' linear-region ids, which collecting provides.
      collect: opts.validate === true || (figure.on && setup.color === 'linear-region'),
      signal: progress.signal,
      ...(Number.isFinite(setup.maxRegions) ? { maxRegions: setup.maxRegions } : {}),
      onProgress: (p) => progress.update(p.fraction, p.regions),
      onRegion: (r: SliceRegion, group: number) => {
        if (npz) npz.add(r, group);
        else if (!opts.summaryOnly) spool.add(group, JSON.stringify(regionRecord(net, setup.plane, r, offsets, opts.jacobian === true, x)));
        if (setup.color === 'class') for (const p of classPieces(r, net.outputSize)) figure.add(p.vertices, p.cls);
        else figure.add(r.vertices, regionValue(setup.color, r, net.outputSize, y));
      },
    });
    spool.finish();
    return res;
  } finally {
    progress.stop();
  }
}

/** The JSON document's fields before `regions`: summary, plane, decision boundary. */
function sliceHeader(net: Network, setup: SliceSetup, res: ParallelSliceResult): Record<string, unknown> {
  const s = res.summary;
  const { plane, box, how } = setup;
  return {
    summary: {
      partial: res.truncated,
      ...(res.truncated ? { max_regions: setup.maxRegions } : {}),
      regions: s.regions,
      linear_regions: s.linearRegions,
      total_area: s.totalArea,
      boundary_length: s.boundaryLength,
      seconds: s.seconds,
      box_area: s.boxArea,
      thin_regions: s.thinRegions,
    },
    plane: {
      kind: how,
      box,
      anchors: plane.anchors ?? [],
      ...(net.inputSize <= 64 ? { origin: Array.from(plane.origin), u: Array.from(plane.u), v: Array.from(plane.v) } : {}),
    },
    boundary: res.boundary.map((pl) => {
      const pts: number[][] = [];
      for (let i = 0; i < pl.length; i += 2) pts.push([round(pl[i]!), round(pl[i + 1]!)]);
      return pts;
    }),
  };
}

/**
 * The slice as npz members (docs/formats.md "slice.npz"): regions streamed per work group (vertices in
 * CSR form, areas, maps [c, ∂/∂s, ∂/∂t] per output, packed codes, optionally Jacobians), the header at the end.
 */
class SliceNpz {
  readonly npz: NpzBuilder;
  private readonly codes: CodePacker;
  private readonly x: Float64Array;

  constructor(
    target: string,
    private readonly net: Network,
    private readonly plane: Plane,
    private readonly regions: boolean,
    private readonly jacobian: boolean,
  ) {
    this.npz = new NpzBuilder(target);
    this.codes = new CodePacker(net);
    this.x = new Float64Array(net.inputSize);
    const o = net.outputSize;
    if (!regions) return;
    this.npz.declare('vertices', '<f8', [2]).declare('vertex_counts', '<i8').declare('area', '<f8').declare('map', '<f8', [o, 3]);
    this.codes.declare(this.npz);
    if (jacobian) this.npz.declare('jacobian', '<f8', [o, net.inputSize]).declare('offset', '<f8', [o]);
  }

  add(r: SliceRegion, group: number): void {
    if (!this.regions) return;
    const npz = this.npz;
    npz.append('vertices', r.vertices, group);
    npz.append('vertex_counts', new BigInt64Array([BigInt(r.vertices.length / 2)]), group);
    npz.append('area', new Float64Array([r.area]), group);
    npz.append('map', r.map, group);
    npz.append('codes', this.codes.pack(r.code), group);
    if (this.jacobian) {
      const [s, t] = polygonCentroid(r.vertices, r.vertices.length / 2) as unknown as [number, number];
      const { origin, u, v } = this.plane;
      for (let i = 0; i < this.x.length; i++) this.x[i] = origin[i]! + s * u[i]! + t * v[i]!;
      const a = affineMapAt(this.net, this.x);
      npz.append('jacobian', a.jacobian, group);
      npz.append('offset', a.offset, group);
    }
  }

  /** Adds the summary, plane and decision boundary, then writes the file. */
  write(path: string, setup: SliceSetup, res: ParallelSliceResult): void {
    const npz = this.npz;
    const s = res.summary;
    if (this.regions) {
      const counts = npz.readStreamed('vertex_counts');
      const offsets = new BigInt64Array(counts.byteLength / 8 + 1);
      const c = new BigInt64Array(counts.buffer, counts.byteOffset, counts.byteLength / 8);
      for (let i = 0; i < c.length; i++) offsets[i + 1] = offsets[i]! + c[i]!;
      npz.array('vertex_offsets', '<i8', [offsets.length], offsets);
    }
    npz.scalar('partial', res.truncated, '|b1');
    if (res.truncated) npz.scalar('max_regions', setup.maxRegions, '<i8');
    npz.scalar('regions', s.regions, '<i8').scalar('linear_regions', s.linearRegions, '<i8').scalar('thin_regions', s.thinRegions, '<i8');
    npz
      .scalar('total_area', s.totalArea)
      .scalar('boundary_length', s.boundaryLength)
      .scalar('seconds', s.seconds)
      .scalar('box_area', s.boxArea);
    const kind = unicodeArray([setup.how]);
    npz.array('plane_kind', kind.dtype, [], kind.data);
    npz.array('box', '<f8', [4], Float64Array.from(setup.box));
    const anchors = setup.plane.anchors ?? [];
    const names = unicodeArray(anchors.map((a) => a.name));
    npz.array('anchor_names', names.dtype, [anchors.length], anchors.length ? names.data : new Uint8Array(0));
    npz.array('anchors', '<f8', [anchors.length, 2], Float64Array.from(anchors.flatMap((a) => [a.s, a.t])));
    for (const k of ['origin', 'u', 'v'] as const) npz.array(k, '<f8', [this.net.inputSize], Float64Array.from(setup.plane[k]));
    const bOffsets = new BigInt64Array(res.boundary.length + 1);
    res.boundary.forEach((pl, i) => (bOffsets[i + 1] = bOffsets[i]! + BigInt(pl.length / 2)));
    const total = Number(bOffsets[res.boundary.length]);
    const pts = new Float64Array(2 * total);
    let at = 0;
    for (const pl of res.boundary) {
      pts.set(pl, at);
      at += pl.length;
    }
    npz.array('boundary_offsets', '<i8', [bOffsets.length], bOffsets).array('boundary', '<f8', [total, 2], pts);
    npz.write(path);
  }
}

/** SVG and PNG figures beside the JSON (or where --svg / --png say), unless the region limit was passed. */
function writeSliceFigures(
  net: Network,
  setup: SliceSetup,
  res: SliceResult,
  figure: FigureStore,
  opts: SliceOpts,
  modelPath: string,
): string[] {
  const s = res.summary;
  if (!figure.on) {
    if (!opts.quiet)
      process.stderr.write(`slice: ${s.regions} regions exceed --max-figure-regions ${setup.maxFigureRegions}; no figure drawn\n`);
    return [];
  }
  const svg = renderSliceSvg(sliceFigureInput(net, setup, res, figure.values(), (fill) => figure.regions(fill), { ...opts, modelPath }));
  const [svgPath, pngPath] = figurePaths(opts);
  writeFileAtomic(svgPath, svg);
  writeFileAtomic(pngPath, svgToPng(svg));
  return [svgPath, pngPath];
}

/** Warn above this many estimated regions. */
const ESTIMATE_WARN = 50_000;
/** The coarse pass stops a line after this many pieces (the slice is large then anyway). */
const ESTIMATE_LINE_CAP = 1000;

/**
 * A quick look before a slice: the exact pieces along the box's two middle lines (horizontal and
 * vertical). Regions ≈ (pieces across) × (pieces down), which is within a small factor for
 * arrangement-like partitions (for cnn28 through MNIST images 3, 10, 13: 7,509 for 6,143 regions on
 * [0,1]², 68,880 for 53,369 on [0,3]², three lines each way). A line stops at
 * `ESTIMATE_LINE_CAP` pieces, which bounds the cost.
 */
function estimateSliceRegions(net: Network, plane: Plane, box: Box2): { across: number; down: number; estimate: number } {
  const at = (s: number, t: number) => Float64Array.from(plane.origin, (o, k) => o + s * plane.u[k]! + t * plane.v[k]!);
  const pieces = (from: Float64Array, to: Float64Array): number => {
    let count = 0;
    const signal = {
      get aborted(): boolean {
        return count >= ESTIMATE_LINE_CAP || session().signal.aborted;
      },
    };
    try {
      return partitionLine(net, from, to, { signal, onProgress: (p) => (count = p.regions) }).pieces.length;
    } catch (err) {
      if (err instanceof AbortError && !session().signal.aborted) return ESTIMATE_LINE_CAP;
      throw err;
    }
  };
  const sm = (box[0] + box[1]) / 2;
  const tm = (box[2] + box[3]) / 2;
  const across = pieces(at(box[0], tm), at(box[1], tm));
  const down = pieces(at(sm, box[2]), at(sm, box[3]));
  return { across, down, estimate: across * down };
}

/** Prints one line when the coarse pass says the slice will be large. */
function warnIfLarge(net: Network, setup: SliceSetup): void {
  const { across, down, estimate } = estimateSliceRegions(net, setup.plane, setup.box);
  if (estimate < ESTIMATE_WARN) return;
  const capped = across >= ESTIMATE_LINE_CAP || down >= ESTIMATE_LINE_CAP ? ' or more' : '';
  process.stderr.write(
    `slice: warning: this slice looks large (about ${estimate.toLocaleString('en-US')}${capped} regions: ${across} pieces across the box, ${down} down); consider --max-regions N, --summary-only or a smaller --box\n`,
  );
}

/** Where the SVG and PNG figures go: --svg / --png, or beside --json. */
function figurePaths(opts: SliceOpts): [string, string] {
  const base = opts.json.replace(/\.(json|npz)$/i, '');
  return [opts.svg ?? `${base}.svg`, opts.png ?? `${base}.png`];
}

/** `--validate`: every region against the network; throws a CliError listing the problems. */
function validateOrThrow(net: Network, res: SliceResult, opts: SliceOpts): void {
  const v = validateSlice(net, res);
  // Features below the slice's resolution are a limit of the input's scale, not a bug: exit 2.
  if (!v.ok && v.resolution && v.problems.length === 1) throw new PolytopeError('bad-domain', `validation failed: ${v.resolution}`);
  if (!v.ok) throw new InternalError(`validation failed:\n  ${v.problems.join('\n  ')}`);
  if (!opts.quiet)
    process.stderr.write(`slice: validation passed (${res.regions.length - v.skipped} regions checked, ${v.skipped} thin ones skipped)\n`);
}

/** Without `--validate`: the cheap resolution check alone, as a warning (issue 18 #2). */
function warnUnresolved(net: Network, res: SliceResult, opts: SliceOpts): void {
  const why = resolutionProblem(net, res.plane, res.box);
  if (why && !opts.quiet) process.stderr.write(`slice: warning: ${why}\n`);
}

/** The command's action: parse → run → validate → JSON → figures → report. */
async function sliceAction(modelPath: string, given: SliceOpts): Promise<void> {
  const out = outputFormat(given.json, given.format);
  const opts = { ...given, json: out.path };
  const net = loadModel(modelPath);
  const setup = sliceSetup(net, opts);
  // Every output path is checked (and its folder made) before the partition, not after it.
  const jsonTarget = prepareOutput(opts.json, '--json');
  if (opts.figure) for (const p of figurePaths(opts)) prepareOutput(p);
  const spool = new RecordSpool((g) => tempPathFor(jsonTarget, g), opts.json);
  const npz = out.format === 'npz' ? new SliceNpz(jsonTarget, net, setup.plane, !opts.summaryOnly, opts.jacobian === true) : undefined;
  const figure = new FigureStore(opts.figure, setup.maxFigureRegions);
  try {
    if (opts.estimate && !opts.quiet && !Number.isFinite(setup.maxRegions)) warnIfLarge(net, setup);
    const res = await runSlice(net, setup, opts, spool, figure, npz);
    if (opts.validate && !res.truncated) validateOrThrow(net, res, opts);
    else if (!opts.validate) warnUnresolved(net, res, opts);
    if (npz) npz.write(opts.json, setup, res);
    else writeSpooledJson(opts.json, sliceHeader(net, setup, res), opts.summaryOnly ? undefined : spool);
    if (opts.figure) writeSliceFigures(net, setup, res, figure, opts, modelPath);
    if (!opts.quiet) {
      const s = res.summary;
      const cut = res.truncated ? ` — stopped at --max-regions ${setup.maxRegions} (partial result)` : '';
      process.stderr.write(
        `slice: ${s.regions} regions (${s.linearRegions} linear)${boundsNote(net, 2)}, decision boundary ${s.boundaryLength.toPrecision(4)} long, in ${s.seconds.toFixed(3)} s${cut}\n`,
      );
    }
  } finally {
    spool.cleanup();
    npz?.npz.cleanup();
  }
}

/** `polytope slice MODEL …`: exact 2-D partition, JSON + SVG + PNG. */
export function registerSlice(program: Command): void {
  program
    .command('slice')
    .description('exact partition of a 2-D slice: regions, codes, affine maps, decision boundary')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--box <x0,x1,y0,y1>', 'slice box (required for a 2-input network; default around A, B, C)')
    .option('--through <A;B;C>', 'plane through three inputs (vectors separated by ;, each a comma list or @FILE; or a FILE with 3 rows)')
    .option('--origin <x>', 'plane origin (with --dirs)')
    .option('--dirs <d1;d2>', 'two directions spanning the plane')
    .option('--inputs <file>', 'file holding A, B, C (use --rows to pick)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set); --rows i,j,k picks A, B, C")
    .option('--rows <list>', 'rows of --inputs/--idx')
    .option('--json <path>', 'output file: JSON, or NumPy .npz when it ends in .npz', 'slice.json')
    .option('--format <fmt>', 'json | npz (default: from the --json extension); npz turns slice.json into slice.npz')
    .option('--svg <path>', 'figure (SVG); default: beside --json')
    .option('--png <path>', 'figure (PNG); default: beside --json')
    .option('--no-figure', 'do not draw figures')
    .option(
      '--color <mode>',
      `region colours: ${COLOR_MODES.join(' | ')} (activation pattern, predicted class, output value, merged linear regions)`,
      'region',
    )
    .option(
      '--points <file>',
      'data points to overlay: JSON {"points": [[…]], "labels": […]} or an inputs file (default: train-points.json beside the model, written by train)',
    )
    .option('--max-figure-regions <n>', 'skip the figure above this many regions', '300000')
    .option('--jacobian', "include each region's full input-space Jacobian (computed at its centroid)")
    .option('--validate', 'check every region against the network (centroid code and map, areas)')
    .option(
      '--threads <n>',
      `worker threads ('auto' = one per core; 1 for networks under ${AUTO_THREADS_MIN_PARAMETERS.toLocaleString('en-US')} parameters)`,
      'auto',
    )
    .option('--max-regions <n>', 'stop after about n regions (the JSON says "partial": true)')
    .option('--summary-only', 'write the summary, plane and decision boundary but no region list')
    .option('--no-estimate', 'skip the coarse pass that warns when the slice looks large')
    .option('--quiet', 'print nothing but errors')
    .action(sliceAction);
}
