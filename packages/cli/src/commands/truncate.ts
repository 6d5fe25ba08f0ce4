import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSvg } from '../render/png.js';
import type { Command } from 'commander';
import gifenc from 'gifenc';
import {
  PolytopeError,
  checkTruncation,
  gaussian,
  interpolatingNetwork,
  mulberry32,
  networkToJsonString,
  simplexClassifier,
  truncationForm,
  truncationForward,
} from '@polytope-lens/core';
import type { LabelledData, TruncationForm } from '@polytope-lens/core';
import { BOX_OVERFLOW_HEADROOM } from '@polytope-lens/core/internal';
import { inputHint, loadModel, readInputSource, vectorArg } from '../model.js';
import { pointsFrameSvg } from '../render/lens-figures.js';
import { CliError, writeFileAtomic } from '../util.js';
import { session } from '../session.js';

/**
 * Writes one SVG per truncation stage of a 2-D truncation form (a grid over `box` and the points,
 * pushed through τ^(1), τ^(2), …) and `frames.gif` of them all; returns the file names.
 */
function writeTruncationFrames(
  form: TruncationForm,
  dir: string,
  points: Float64Array[],
  labels: ArrayLike<number>,
  box: [number, number, number, number],
  marks: Float64Array[] = [],
): string[] {
  if (form.space !== 2)
    throw new CliError(`--frames needs truncations on ℝ² (this form acts on ℝ^${form.space}); use --lift off with a 2-input model`);
  const lines: Float64Array[][] = [];
  const [x0, x1, y0, y1] = box;
  const n = 15;
  const m = 120;
  for (let k = 0; k <= n; k++) {
    const a = x0 + ((x1 - x0) * k) / n;
    const b = y0 + ((y1 - y0) * k) / n;
    lines.push(Array.from({ length: m + 1 }, (_, i) => Float64Array.of(a, y0 + ((y1 - y0) * i) / m)));
    lines.push(Array.from({ length: m + 1 }, (_, i) => Float64Array.of(x0 + ((x1 - x0) * i) / m, b)));
  }
  const gridStates = lines.map((line) => line.map((p) => truncationForward(form, p).states));
  const pointStates = points.map((p) => truncationForward(form, p).states);
  const files: string[] = [];
  const gif = gifenc.GIFEncoder();
  for (let l = 0; l <= form.truncations.length; l++) {
    const grid = gridStates.map((line) => Float64Array.from(line.flatMap((st) => [st[l]![0]!, st[l]![1]!])));
    const pts = Float64Array.from(pointStates.flatMap((st) => [st[l]![0]!, st[l]![1]!]));
    const title = l === 0 ? 'input space x^(τ,0)' : `after τ^(${l}): x^(τ,${l})`;
    const file = join(dir, `frame-${String(l).padStart(3, '0')}.svg`);
    const svg = pointsFrameSvg(title, box, grid, pts, labels, marks);
    writeFileAtomic(file, svg);
    files.push(file);
    const img = renderSvg(svg);
    writeFileAtomic(file.replace(/\.svg$/, '.png'), img.asPng());
    const rgba = new Uint8Array(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength);
    const palette = gifenc.quantize(rgba, 256);
    gif.writeFrame(gifenc.applyPalette(rgba, palette), img.width, img.height, {
      palette,
      delay: l === form.truncations.length ? 2000 : 1000,
    });
  }
  gif.finish();
  const gifFile = join(dir, 'frames.gif');
  writeFileAtomic(gifFile, gif.bytes());
  files.push(gifFile);
  return files;
}

function boxOf(points: Float64Array[]): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p[0]!);
    x1 = Math.max(x1, p[0]!);
    y0 = Math.min(y0, p[1]!);
    y1 = Math.max(y1, p[1]!);
  }
  const c = [(x0 + x1) / 2, (y0 + y1) / 2];
  const h = (Math.max(x1 - x0, y1 - y0) / 2) * 1.25 || 1;
  return [c[0]! - h, c[0]! + h, c[1]! - h, c[1]! + h];
}

/**
 * `polytope truncate MODEL --at x --json OUT`: the network as truncation maps on input space
 * (Chen–Muñoz Ewald), with x^(τ,ℓ), the network's x^(ℓ) and the identity's error per layer.
 */
export function registerTruncate(program: Command): void {
  program
    .command('truncate')
    .description('rewrite a dense MLP as truncation maps τ on input space; check x^(ℓ) = W^(ℓ) x^(τ,ℓ) + b^(ℓ)')
    .argument('<model>', 'network JSON or ONNX file (dense + relu/leaky_relu layers)')
    .option('--at <x>', 'one point: comma list, JSON array, or @FILE')
    .option('--inputs <file>', 'inputs file (JSON, .npy/.npz, IDX)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set)")
    .option('--rows <list>', 'rows of --inputs/--idx')
    .option('--lift <mode>', 'auto | on | off: lift ℝ^{d₀} → ℝ^{d₁} by ι when d₀ < d₁ (Chen–Muñoz Ewald, eq. 4.1)', 'auto')
    .option('--json <path>', 'output JSON file', 'truncate.json')
    .option('--frames <dir>', '2-D models: SVG frames of each τ^(ℓ) moving the inputs and a grid')
    .option('--quiet', 'print nothing but errors')
    .action(
      (
        modelPath: string,
        opts: { at?: string; inputs?: string; idx?: string; rows?: string; lift: string; json: string; frames?: string; quiet?: boolean },
      ) => {
        const net = loadModel(modelPath);
        const d = net.inputSize;
        const lift = opts.lift === 'auto' ? 'auto' : opts.lift === 'on' ? true : opts.lift === 'off' ? false : undefined;
        if (lift === undefined) throw new CliError(`--lift must be auto, on or off, got '${opts.lift}'`);
        const given = [opts.at, opts.inputs, opts.idx].filter((x) => x !== undefined).length;
        if (given !== 1) throw new CliError(`give exactly one of --at, --inputs or --idx (${inputHint(net.inputSize, 1)})`);
        const points = opts.at !== undefined ? [vectorArg(opts.at, d, '--at')] : readInputSource(opts, d)!;
        const form = truncationForm(net, { lift });
        const results = points.map((x) => {
          const c = checkTruncation(net, x, { form });
          return {
            layers: c.layers.map((l) => ({
              layer: l.layer,
              x_tau: Array.from(l.xTau),
              x: Array.from(l.x),
              identity_error: l.identityError,
              rank: l.rank,
              full_row_rank: l.fullRowRank,
            })),
            max_error: c.maxError,
          };
        });
        // Issue 18 #4: a non-finite identity error (values overflowing float64) is an error, not "hypothesis holds".
        const broken = results.findIndex((r) => !Number.isFinite(r.max_error) || r.layers.some((l) => !l.x_tau.every(Number.isFinite)));
        if (broken >= 0)
          throw new PolytopeError(
            'non-finite',
            `the truncation check at point ${broken} is not finite (identity error ${results[broken]!.max_error}): the network's values overflow float64 there`,
          );
        const check = checkTruncation(net, points[0]!, { form });
        const json = {
          hypothesis_holds: form.hypothesisHolds,
          statement: check.statement,
          lifted: form.lifted,
          space: form.space,
          ranks: form.ranks,
          layers: results[0]!.layers,
          ...(results.length > 1 ? { points: results } : {}),
        };
        writeFileAtomic(opts.json, JSON.stringify(json) + '\n');
        if (opts.frames !== undefined) {
          const files = writeTruncationFrames(form, opts.frames, points, new Int32Array(points.length), boxOf(points));
          if (!opts.quiet) process.stderr.write(`truncate: ${files.length - 1} frames and frames.gif → ${opts.frames}\n`);
        }
        if (!opts.quiet) {
          const worst = results.reduce((a, r) => Math.max(a, r.max_error), -Infinity);
          process.stderr.write(
            `truncate: ${form.truncations.length} truncation map(s) on ℝ^${form.space}; ${check.statement}; max identity error ${worst.toExponential(2)} → ${opts.json}\n`,
          );
        }
      },
    );
}

export function readData(spec: string): LabelledData {
  if (spec === 'blobs3' || spec === 'blobs4') {
    const centers =
      spec === 'blobs3'
        ? [
            [0, 0],
            [4, 0],
            [0, 4],
          ]
        : [
            [0, 0],
            [5, 0],
            [0, 5],
            [5, 5],
          ];
    const rand = mulberry32(1);
    const per = 25;
    const points = new Float64Array(centers.length * per * 2);
    const labels = new Int32Array(centers.length * per);
    centers.forEach((c, j) => {
      for (let i = 0; i < per; i++) {
        const r = j * per + i;
        points[2 * r] = c[0]! + 0.5 * gaussian(rand);
        points[2 * r + 1] = c[1]! + 0.5 * gaussian(rand);
        labels[r] = j;
      }
    });
    return { points, labels, dim: 2 };
  }
  if (spec === 'triangle') {
    // Class 0 inside the simplex (0,0), (1,0), (0,1); class 1 outside with a margin of 0.05.
    const rand = mulberry32(2);
    const pts: number[] = [];
    const labels: number[] = [];
    while (labels.length < 150) {
      const x = 3 * rand() - 1;
      const y = 3 * rand() - 1;
      const inside = x >= 0 && y >= 0 && x + y <= 1;
      if (!inside && !(x < -0.05 || y < -0.05 || x + y > 1.05)) continue;
      pts.push(x, y);
      labels.push(inside ? 0 : 1);
    }
    return { points: Float64Array.from(pts), labels: Int32Array.from(labels), dim: 2 };
  }
  let raw: { points?: unknown; labels?: unknown };
  try {
    session().noteInput(spec);
    raw = JSON.parse(readFileSync(spec, 'utf8')) as typeof raw;
  } catch (err) {
    throw new CliError(`cannot read --data ${spec}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(raw.points) || !Array.isArray(raw.labels) || raw.points.length !== raw.labels.length || raw.points.length === 0) {
    throw new CliError(`--data ${spec}: expected {"points": [[…], …], "labels": [0, 1, …]} of equal, non-zero length`);
  }
  const rows = raw.points as number[][];
  const dim = rows[0]!.length;
  if (rows.some((r) => !Array.isArray(r) || r.length !== dim || r.some((v) => typeof v !== 'number' || !Number.isFinite(v))))
    throw new CliError(`--data ${spec}: every point needs ${dim} finite numbers`);
  // Issue 18 #7/#14: squared coordinates must stay finite (the constructions' LPs and norms), and a
  // label is a class index: there cannot be more classes than points (a label of 1e9 allocated per class).
  if (rows.some((r) => r.some((v) => !Number.isFinite(v * v * BOX_OVERFLOW_HEADROOM))))
    throw new CliError(`--data ${spec}: coordinates are too large (their squares overflow float64); rescale the data`, 'bad-data');
  const labels = raw.labels as number[];
  if (labels.some((l) => !Number.isInteger(l) || l < 0 || l >= labels.length))
    throw new CliError(
      `--data ${spec}: labels must be class indices, integers from 0 to ${labels.length - 1} (the number of points − 1)`,
      'bad-data',
    );
  return { points: Float64Array.from(rows.flat()), labels: Int32Array.from(labels), dim };
}

/**
 * `polytope construct sls|simplex --data FILE --out model.json`: the explicit truncation-map
 * networks of Chen–Muñoz Ewald, verified with zero training loss.
 */
export function registerConstruct(program: Command): void {
  program
    .command('construct')
    .description('build the explicit interpolating network (sls: Q+1 cone truncations; simplex: simplex-separation classifier)')
    .argument('<kind>', 'sls | simplex')
    .option(
      '--data <file>',
      'JSON {"points": [[…]], "labels": […]}, or a built-in: blobs3 | blobs4 | triangle (default: blobs3 for sls, triangle for simplex)',
    )
    .option('--vertices <json>', 'simplex: JSON list of d+1 vertices', '[[0,0],[1,0],[0,1]]')
    .option('--out <path>', 'network JSON to write', 'construct.json')
    .option('--frames <dir>', 'sls on 2-D data of width 2: SVG frames of the truncations collapsing the classes')
    .option('--quiet', 'print nothing but errors')
    .action(async (kind: string, opts: { data?: string; vertices: string; out: string; frames?: string; quiet?: boolean }) => {
      // The defaults work together: the triangle data lies around the default simplex.
      const data = readData(opts.data ?? (kind === 'simplex' ? 'triangle' : 'blobs3'));
      let result;
      if (kind === 'sls') result = await interpolatingNetwork(data);
      else if (kind === 'simplex') {
        let vertices: number[][];
        try {
          vertices = JSON.parse(opts.vertices) as number[][];
        } catch {
          throw new CliError(`--vertices is not JSON: ${opts.vertices}`);
        }
        result = simplexClassifier(data, vertices);
      } else throw new CliError(`kind must be sls or simplex, got '${kind}'`);
      writeFileAtomic(opts.out, networkToJsonString(result.network));
      if (opts.frames !== undefined) {
        const form = truncationForm(result.network, { lift: false });
        const pts = Array.from({ length: data.labels.length }, (_, i) => data.points.slice(i * data.dim, (i + 1) * data.dim));
        const files = writeTruncationFrames(
          form,
          opts.frames,
          pts,
          data.labels,
          boxOf(pts),
          result.steps.map((s) => s.base),
        );
        if (!opts.quiet) process.stderr.write(`construct: ${files.length - 1} frames and frames.gif → ${opts.frames}\n`);
      }
      if (!opts.quiet) {
        process.stderr.write(
          `construct ${kind}: layers ${result.layers.map((l) => `${l.inFeatures}→${l.outFeatures}`).join(', ')}; training MSE ${result.loss.toExponential(2)}, max error ${result.maxError.toExponential(2)}, accuracy ${(100 * result.accuracy).toFixed(2)}% → ${opts.out}\n`,
        );
      }
    });
}
