/**
 * Gathers what `polytope slice` draws into one `renderSliceSvg` input: colours and legend for
 * `--color`, data points (`--points FILE`, or train-points.json beside a model trained here),
 * anchors with true and predicted classes and thumbnails, the title and the note on units.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dataset, InputTransform, Network, Plane, SliceResult } from '@polytope-lens/core';
import { mnistDefaultPath, parseRows, readInputs, readLabels } from '../inputs.js';
import { resolveIdx } from '../model.js';
import { CliError } from '../util.js';
import type { LegendEntry } from './legend.js';
import { linearRegionOutlines } from './linear-outlines.js';
import type { SliceFigureInput } from './slice-figure.js';
import { anchorFigures, colouring, pointLegend, projectOntoPlane, unitsNote } from './slice-look.js';
import type { ColorMode } from './slice-look.js';

/** The file `polytope train` writes beside model.json with the (raw) training points of a toy set. */
export const TRAIN_POINTS_FILE = 'train-points.json';

/** What the slice command worked out (plane, box, colouring). */
export interface SliceFigureSetup {
  readonly plane: Plane;
  readonly box: readonly [number, number, number, number];
  readonly how: string;
  readonly abc?: readonly Float64Array[] | undefined;
  readonly color: ColorMode;
}

/** The slice command's options the figure reads. */
export interface SliceFigureOptions {
  readonly points?: string;
  readonly idx?: string;
  readonly rows?: string;
  readonly modelPath: string;
  readonly quiet?: boolean;
}

/** Points and optional labels from `--points FILE`: JSON {"points", "labels"} or any inputs file. */
function readPoints(path: string, d: number): { xs: Float64Array[]; labels?: number[] } {
  if (/\.json$/i.test(path)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError(`${path}: not readable JSON (${(err as Error).message.split('\n')[0]})`, 'bad-file');
    }
    if (doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'points' in doc) {
      const o = doc as { points: unknown; labels?: unknown };
      if (!Array.isArray(o.points)) throw new CliError(`${path}: "points" must be a list of points`, 'bad-file');
      const xs = o.points.map((p, i) => {
        if (!Array.isArray(p) || p.length !== d || !p.every((v) => typeof v === 'number' && Number.isFinite(v)))
          throw new CliError(`${path}: point ${i} must be ${d} finite numbers (the model has ${d} inputs)`, 'bad-file');
        return Float64Array.from(p as number[]);
      });
      let labels: number[] | undefined;
      if (o.labels !== undefined) {
        if (!Array.isArray(o.labels) || o.labels.length !== xs.length || !o.labels.every((v) => Number.isInteger(v) && v >= 0))
          throw new CliError(`${path}: "labels" must be ${xs.length} non-negative integers, one per point`, 'bad-file');
        labels = o.labels as number[];
      }
      return labels !== undefined ? { xs, labels } : { xs };
    }
  }
  return { xs: readInputs(path, d) };
}

/** True labels of --idx rows (the bundled MNIST sets), else undefined. */
function anchorLabels(opts: SliceFigureOptions): Uint8Array | undefined {
  if (opts.idx === undefined || opts.rows === undefined) return undefined;
  const p = resolveIdx(opts.idx);
  let labelPath: string | undefined;
  try {
    if (p === mnistDefaultPath('test', 'images')) labelPath = mnistDefaultPath('test', 'labels');
    else if (p === mnistDefaultPath('train', 'images')) labelPath = mnistDefaultPath('train', 'labels');
  } catch {
    return undefined;
  }
  return labelPath !== undefined ? readLabels(labelPath, parseRows(opts.rows)) : undefined;
}

/**
 * The figure input of a slice: `values` are the regions' `regionValue`s in `regions()` order (or,
 * for `linear-region`, taken from the collected result's linear-region ids).
 */
export function sliceFigureInput(
  net: Network,
  setup: SliceFigureSetup,
  res: SliceResult,
  values: readonly number[],
  regions: (fill: (i: number) => string) => SliceFigureInput['regions'],
  opts: SliceFigureOptions,
): SliceFigureInput {
  const s = res.summary;
  const linear = setup.color === 'linear-region';
  const vals = linear ? res.linearRegionOf : values;
  const look = colouring(setup.color, vals, net.outputSize);
  const drawn = linear ? res.regions.map((r, i) => ({ vertices: r.vertices, colorKey: 0, fill: look.fill(i) })) : regions(look.fill);
  const pointsPath = opts.points ?? join(dirname(opts.modelPath), TRAIN_POINTS_FILE);
  let points: SliceFigureInput['points'];
  const extra: LegendEntry[] = [];
  if (opts.points !== undefined || existsSync(pointsPath)) {
    const p = readPoints(pointsPath, net.inputSize);
    const name = opts.points !== undefined ? 'points' : 'training points';
    points = { st: projectOntoPlane(setup.plane, p.xs), ...(p.labels ? { labels: p.labels } : {}), name };
    extra.push(...(p.labels ? pointLegend(p.labels, name) : [{ label: name, color: '#000000', marker: 'dot' as const }]));
  }
  if (res.boundary.length > 0) extra.push({ label: 'decision boundary', color: '#000000', marker: 'line' });
  let legend = look.legend;
  if (extra.length > 0) {
    if (legend?.kind === 'colorbar') legend = { ...legend, entries: extra };
    else legend = { kind: 'entries', title: legend?.title ?? 'key', entries: [...(legend?.entries ?? []), ...extra] };
  }
  const input = setup.how === 'input plane';
  const what = { region: 'activation regions', class: 'predicted class', output: 'output value', 'linear-region': 'linear regions' }[
    setup.color
  ];
  return {
    box: [setup.box[0], setup.box[1], setup.box[2], setup.box[3]],
    regions: drawn,
    edges: look.edges,
    ...(linear ? { outlines: linearRegionOutlines(res.regions, res.linearRegionOf) } : {}),
    boundary: res.boundary,
    anchors: anchorFigures(net, setup.plane, setup.abc, anchorLabels(opts)),
    ...(points !== undefined ? { points } : {}),
    ...(legend !== undefined ? { legend } : {}),
    title: `${s.regions} activation regions, ${s.linearRegions} linear regions · colour: ${what}`,
    note: unitsNote(setup.how),
    xLabel: input ? 'x₁' : 's',
    yLabel: input ? 'x₂' : 't',
  };
}

/**
 * The training points of a toy set as `{"points": [[…]], "labels": […]}` in raw input coordinates
 * (a `--normalize` transform undone), for figures of the trained model; undefined for image sets
 * and regression targets that are not classes.
 *
 * @example
 * trainPointsJson(data, undefined); // '{"points":[[0.1,0.2],…],"labels":[0,1,…]}'
 */
export function trainPointsJson(data: Dataset, transform: InputTransform | undefined): string | undefined {
  if (data.inputSize > 3 || data.task === 'regression') return undefined;
  const d = data.inputSize;
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < data.size; i++) {
    const p: number[] = [];
    for (let j = 0; j < d; j++) {
      const v = data.x[i * d + j]!;
      p.push(Number((transform ? (v - transform.shift[j]!) / transform.scale[j]! : v).toPrecision(8)));
    }
    points.push(p);
    labels.push(data.task === 'binary' ? (data.y[i]! > 0.5 ? 1 : 0) : Math.round(data.y[i]!));
  }
  return JSON.stringify({ points, labels }) + '\n';
}
