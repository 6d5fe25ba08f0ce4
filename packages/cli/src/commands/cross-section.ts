/**
 * `polytope cross-section MODEL (--idx …|--inputs FILE) (--rows a,b,c | --anchors closest --class K)
 * [--box …] --grid P --tolerance T --json OUT`: the region map of the plane through three inputs
 * (dissertation §6.3) computed three ways — exact (the slice), activation codes on a p × p grid,
 * and the dissertation's Jacobian-tolerance grid (Fig. 6.12) — with counts, costs, what the grid
 * methods merge or miss against the exact truth, and the three maps side by side (SVG + PNG).
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  JACOBIAN_GRID_TOLERANCE,
  anchorBox,
  closestTriple,
  compareCrossSection,
  gridCodes,
  jacobianGrid,
  planeThrough,
} from '@polytope-lens/core';
import type { Box2, ClosestTriple, CrossSectionComparison, GridCodes, JacobianGrid, Network, SliceResult } from '@polytope-lens/core';
import { loadModel, numberList } from '../model.js';
import { parseRows } from '../inputs.js';
import { sliceParallel } from '../parallel/slice-parallel.js';
import { sliceThreads } from '../threads.js';
import { svgToPng } from '../render/png.js';
import { crossSectionSvg } from '../render/cross-section-figure.js';
import { CliError, writeFileAtomic } from '../util.js';
import { sampleSource } from './coefficients.js';
import type { SampleSource } from './coefficients.js';

interface Options {
  idx?: string;
  inputs?: string;
  key?: string;
  rows?: string;
  labels?: string;
  anchors: string;
  class?: string;
  box?: string;
  grid: string;
  tolerance: string;
  maxRegions: string;
  maxFigureRegions: string;
  threads: string;
  json: string;
  quiet?: boolean;
}

/** How the three anchors were chosen. */
interface Anchors {
  readonly rows: [number, number, number];
  readonly xs: Float64Array[];
  readonly info: Record<string, unknown>;
}

function sourceOf(opts: Options, d: number, rows: string | undefined): SampleSource {
  return sampleSource({ idx: opts.idx, inputs: opts.inputs, key: opts.key, rows, labels: opts.labels }, d);
}

/** `--anchors rows` (the three --rows) or `--anchors closest` (the closest triple of one class). */
function chooseAnchors(opts: Options, d: number): Anchors {
  if (opts.anchors === 'rows') {
    if (opts.class !== undefined) throw new CliError('--class goes with --anchors closest');
    if (opts.rows === undefined) throw new CliError('give the three anchors: --rows a,b,c (or --anchors closest --class K)');
    const rows = parseRows(opts.rows);
    if (rows.length !== 3) throw new CliError(`--rows must name exactly 3 samples (A, B, C), got ${rows.length}`);
    const src = sourceOf(opts, d, opts.rows);
    const xs = [0, 1, 2].map((k) => {
      const x = new Float64Array(d);
      src.fill(k, x, 0);
      return x;
    });
    return { rows: rows as [number, number, number], xs, info: { rule: 'rows' } };
  }
  if (opts.anchors !== 'closest') throw new CliError(`--anchors must be rows or closest, got '${opts.anchors}'`);
  const cls = Number(opts.class);
  if (opts.class === undefined || !Number.isInteger(cls) || cls < 0)
    throw new CliError('--anchors closest needs --class K (a label, e.g. --class 0)');
  const src = sourceOf(opts, d, opts.rows);
  if (!src.labels) throw new CliError('--anchors closest needs labels: give --labels FILE (MNIST has them)');
  const rowList = opts.rows === undefined ? Array.from({ length: src.count }, (_, k) => k) : parseRows(opts.rows);
  const members: number[] = [];
  for (let k = 0; k < src.count; k++) if (src.labels[k] === cls) members.push(k);
  if (members.length < 3) throw new CliError(`class ${cls} has ${members.length} sample(s) among the rows; the closest triple needs 3`);
  const xs = new Float64Array(members.length * d);
  members.forEach((k, m) => src.fill(k, xs, m * d));
  const t0 = performance.now();
  const t: ClosestTriple = closestTriple(xs, members.length, d);
  const seconds = (performance.now() - t0) / 1000;
  const rows = t.indices.map((m) => rowList[members[m]!]!) as [number, number, number];
  return {
    rows,
    xs: t.indices.map((m) => xs.slice(m * d, (m + 1) * d)),
    info: {
      rule: 'closest',
      criterion: 'minimum sum of the three pairwise Euclidean distances',
      class: cls,
      candidates: members.length,
      perimeter: t.perimeter,
      distances: [...t.distances],
      pairs: t.pairs,
      pairs_examined: t.pairsExamined,
      seconds,
    },
  };
}

function positiveInt(text: string, what: string, max: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new CliError(`${what} must be an integer from 1 to ${max}, got '${text}'`);
  return v;
}

/** Registers `polytope cross-section`. */
export function registerCrossSection(program: Command): void {
  program
    .command('cross-section')
    .description(
      'region map of the plane through three inputs three ways: exact, activation codes on a grid, and the Jacobian-tolerance grid (dissertation §6.3)',
    )
    .argument('<model>', 'network JSON or ONNX file')
    .option('--idx <file>', "IDX image file: 'mnist' (test set), 'mnist-train', or a path")
    .option('--inputs <file>', 'JSON, .npy/.npz, IDX or CIFAR file of inputs')
    .option('--key <name>', '.npz entry to read with --inputs')
    .option('--rows <list>', 'with --anchors rows: the three anchors a,b,c; with --anchors closest: the rows searched (default: all)')
    .option('--labels <file>', "IDX label file (default for 'mnist': the test labels)")
    .option('--anchors <rule>', 'rows (A, B, C = --rows) | closest (the mutually closest triple of --class)', 'rows')
    .option('--class <k>', 'label of the class searched by --anchors closest')
    .option('--box <s0,s1,t0,t1>', 'box in plane coordinates (A at (0,0), B on the s axis; default: around A, B, C)')
    .option('--grid <p>', 'grid points per side (p × p points at the cell centres)', '100')
    .option('--tolerance <t>', 'Jacobian method: same region when ‖[J|y] − [J′|y′]‖₂ ≤ t', String(JACOBIAN_GRID_TOLERANCE))
    .option('--max-regions <n>', 'refuse a plane whose exact map has more regions', '200000')
    .option('--max-figure-regions <n>', 'draw the exact polygons only up to this many regions', '50000')
    .option('--threads <n>', "worker threads for the exact slice: 'auto' or a number", 'auto')
    .option('--json <path>', 'output JSON; the figure (.svg, .png) is written beside it', 'cross-section.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: Options) => {
      const net = loadModel(modelPath);
      if (extname(opts.json) !== '.json') throw new CliError(`--json must end in .json, got '${opts.json}'`);
      const p = positiveInt(opts.grid, '--grid', 2000);
      if (p < 2) throw new CliError(`--grid must be at least 2, got '${opts.grid}'`);
      const tolerance = Number(opts.tolerance);
      if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new CliError(`--tolerance must be a number ≥ 0, got '${opts.tolerance}'`);
      const maxRegions = positiveInt(opts.maxRegions, '--max-regions', 1e9);
      const maxFigure = Number(opts.maxFigureRegions);
      if (!Number.isInteger(maxFigure) || maxFigure < 0)
        throw new CliError(`--max-figure-regions must be a non-negative integer, got '${opts.maxFigureRegions}'`);
      const anchors = chooseAnchors(opts, net.inputSize);
      const plane = planeThrough(anchors.xs[0]!, anchors.xs[1]!, anchors.xs[2]!);
      const box = (opts.box !== undefined ? numberList(opts.box, 4, '--box') : anchorBox(plane)) as unknown as Box2;
      const doc = await crossSection(net, {
        plane,
        box,
        p,
        tolerance,
        maxRegions,
        maxFigure,
        threads: opts.threads,
        quiet: opts.quiet === true,
      });
      const stem = opts.json.slice(0, -'.json'.length);
      const out = {
        format: 'polytope-lens/cross-section@1',
        model: modelPath,
        anchors: { rows: anchors.rows, ...anchors.info },
        plane: { anchors: plane.anchors },
        box,
        grid: p,
        tolerance,
        ...doc.json,
        figure: `${stem}.svg`,
      };
      writeFileAtomic(opts.json, JSON.stringify(out) + '\n');
      writeFileAtomic(`${stem}.svg`, doc.svg);
      writeFileAtomic(`${stem}.png`, svgToPng(doc.svg));
      if (!opts.quiet) {
        const j = doc.json;
        process.stderr.write(
          `cross-section: anchors rows ${anchors.rows.join(', ')}; exact ${j.exact.regions} regions (${j.exact.linear_regions} linear), ` +
            `${j.exact.missed} without a grid point; codes on ${p}×${p}: ${j.codes.distinct} codes, ${j.codes.components} components; ` +
            `Jacobian (tol ${tolerance}): ${j.jacobian.regions} regions, ${j.boundaries.missed} of ${j.boundaries.code_changes} code changes unseen\n`,
        );
      }
    });
}

interface RunSetup {
  readonly plane: ReturnType<typeof planeThrough>;
  readonly box: Box2;
  readonly p: number;
  readonly tolerance: number;
  readonly maxRegions: number;
  readonly maxFigure: number;
  readonly threads: string;
  readonly quiet: boolean;
}

/** Runs the three methods and the comparison; returns the JSON fields and the figure. */
async function crossSection(net: Network, s: RunSetup) {
  const t0 = performance.now();
  const res = await sliceParallel(net, s.plane, s.box, {
    threads: sliceThreads(s.threads, net.numParameters),
    collect: true,
    maxRegions: s.maxRegions,
  });
  const exactSeconds = (performance.now() - t0) / 1000;
  if (res.truncated)
    throw new CliError(
      `the exact map of this box has more than ${s.maxRegions} regions: use a smaller --box (or raise --max-regions)`,
      'too-large',
    );
  const grid = gridCodes(net, s.plane, s.box, s.p);
  const jac = jacobianGrid(net, grid, s.tolerance);
  const t1 = performance.now();
  const cmp = compareCrossSection(net, grid, jac, {
    codes: res.regions.map((r) => r.code),
    linearRegion: res.linearRegionOf,
    linearRegions: res.summary.linearRegions,
  });
  const compareSeconds = (performance.now() - t1) / 1000;
  const json = {
    exact: {
      regions: res.summary.regions,
      linear_regions: res.summary.linearRegions,
      hit: cmp.exact.hit,
      missed: cmp.exact.missed,
      seconds: exactSeconds,
    },
    codes: {
      distinct: cmp.codes.distinct,
      components: cmp.codes.components,
      unmatched: cmp.codes.unmatched,
      split_exact: cmp.codes.splitExact,
      seconds: grid.seconds.forward + grid.seconds.components,
      seconds_forward: grid.seconds.forward,
    },
    jacobian: {
      regions: jac.regions,
      merging_regions: cmp.jacobian.mergingRegions,
      merging_linear: cmp.jacobian.mergingLinear,
      merged_exact: cmp.jacobian.mergedExact,
      split_exact: cmp.jacobian.splitExact,
      comparisons: jac.comparisons,
      distance_evaluations: jac.distanceEvaluations,
      maps_computed: jac.mapsComputed,
      seconds: grid.seconds.forward + jac.seconds.maps + jac.seconds.scan,
      seconds_maps: jac.seconds.maps,
      seconds_scan: jac.seconds.scan,
    },
    boundaries: {
      code_changes: cmp.boundaries.codeChanges,
      missed: cmp.boundaries.missed,
      missed_equal_maps: cmp.boundaries.missedEqualMaps,
      missed_within_tolerance: cmp.boundaries.missedWithinTolerance,
      missed_chained: cmp.boundaries.missedChained,
      missed_same_linear_region: cmp.boundaries.missedSameLinearRegion,
    },
    compare_seconds: compareSeconds,
  };
  const svg = figure(s, res, grid, jac, cmp, json);
  return { json, svg };
}

/** The three-panel figure with its captions. */
function figure(
  s: RunSetup,
  res: SliceResult,
  grid: GridCodes,
  jac: JacobianGrid,
  cmp: CrossSectionComparison,
  json: {
    exact: { regions: number; linear_regions: number; missed: number };
    codes: { distinct: number; components: number };
    jacobian: { regions: number };
    boundaries: { missed: number };
  },
): string {
  return crossSectionSvg({
    title: `Cross-section: exact map, activation codes on a ${s.p}×${s.p} grid, Jacobian grid (tolerance ${s.tolerance})`,
    box: s.box,
    p: s.p,
    ...(res.regions.length <= s.maxFigure
      ? { exact: res.regions.map((r, i) => ({ vertices: r.vertices, code: r.code, hit: cmp.hit[i] === 1 })) }
      : {}),
    codes: grid.codes,
    codeId: grid.codeId,
    jacobianLabel: jac.label,
    missedEdges: cmp.missedEdges,
    ...(s.plane.anchors ? { anchors: s.plane.anchors } : {}),
    captions: [
      `exact: ${json.exact.regions} regions, ${json.exact.linear_regions} linear, ${json.exact.missed} unsampled`,
      `codes: ${json.codes.distinct} codes, ${json.codes.components} components`,
      `Jacobian: ${json.jacobian.regions} regions, ${json.boundaries.missed} boundaries unseen`,
    ],
  });
}
