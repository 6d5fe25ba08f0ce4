/**
 * `polytope animate`: train a network on a 1-D or 2-D toy problem and draw, for every training
 * snapshot, the exact polytope map next to the dual scatter of its linear coefficients (the
 * dissertation's Figs. 5.5 and 6.4–6.6). Writes DIR/frames/frame-NNNN.svg and .png,
 * DIR/animation.gif and DIR/regions.json (region counts per snapshot).
 *
 * Training goes through `polytope train`'s own code paths (`prepareTraining`, `runPrepared`), so a
 * run here with the same flags trains exactly the network `polytope train` would.
 */
import type { Command } from 'commander';
import gifenc from 'gifenc';
import { inputPlane, partitionLine, slicePlane } from '@polytope-lens/core';
import type { Dataset, InputTransform, Network } from '@polytope-lens/core';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashBytes } from '../render/color.js';
import { frameHeight, frameSvg } from '../render/animate-figure.js';
import type { FrameData, FrameLook } from '../render/animate-figure.js';
import { padRange } from '../render/slice-figure.js';
import { renderSvg } from '../render/png.js';
import { CliError, writeFileAtomic } from '../util.js';
import { nonNegInt, num, positiveInt, prepareTraining, runPrepared } from './train.js';
import type { TrainCliOptions } from './train.js';
import { InternalError } from '@polytope-lens/core';
import { MIN_DUAL_RANGE, MIN_VIEW_SPAN, SAME_MAP_REL } from '../render/constants.js';

/** Datasets with 1-D or 2-D inputs that `animate` can draw. */
const ANIMATE_DATASETS = ['circle-annulus', 'xor', 'xor-corners', 'xor-circle', 'sine', 'spiral', 'gauss'] as const;

interface AnimateCliOptions extends TrainCliOptions {
  frameWidth: string;
  delay: string;
  maxFrames: string;
  png: boolean;
}

export type { FrameData } from '../render/animate-figure.js';

/** Raw (un-normalized) inputs: the snapshots read raw coordinates (the normalization is folded in). */
function rawInputs(data: Dataset, transform: InputTransform | undefined): Float64Array {
  const d = data.inputSize;
  const raw = new Float64Array(data.x.length);
  for (let i = 0; i < raw.length; i++) {
    const j = i % d;
    raw[i] = transform ? (data.x[i]! - transform.shift[j]!) / transform.scale[j]! : data.x[i]!;
  }
  return raw;
}

/** Square box around the data, 10 % margin. */
function dataBox(raw: Float64Array): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < raw.length; i += 2) {
    x0 = Math.min(x0, raw[i]!);
    x1 = Math.max(x1, raw[i]!);
    y0 = Math.min(y0, raw[i + 1]!);
    y1 = Math.max(y1, raw[i + 1]!);
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const half = 0.55 * Math.max(x1 - x0, y1 - y0, MIN_VIEW_SPAN);
  return [cx - half, cx + half, cy - half, cy + half];
}

/** Which output the decision boundary / coefficients follow: the logit difference for two outputs, else output 0. */
function coefficient(map: Float64Array, stride: number, outputs: number, k: number): number {
  return outputs === 2 ? map[stride + k]! - map[k]! : map[k]!;
}

/**
 * Exact partition of one snapshot network over the data's domain: 2-D inputs through `slicePlane`
 * over `box`, 1-D inputs through `partitionLine` over [box[0], box[1]]. The dual points are each
 * region's (a, b) of f = c + a·x₁ + b·x₂ (2-D) or (slope, intercept) of f = a + b·x (1-D), with the
 * region's share of the box's area (length) as weight.
 *
 * @example
 * const fr = frameData(net, [-Math.PI, Math.PI, 0, 1], { step: 0, epoch: 0, loss: null, metric: undefined });
 * fr.regions; // pieces along [−π, π]; fr.dual = [slope, intercept, length share, …]
 */
export function frameData(
  net: Network,
  box: readonly [number, number, number, number],
  meta: Pick<FrameData, 'step' | 'epoch' | 'loss' | 'metric'>,
): FrameData {
  const outputs = net.outputSize;
  if (net.inputSize === 2) {
    const res = slicePlane(net, inputPlane(net), box);
    const boxArea = (box[1] - box[0]) * (box[3] - box[2]);
    const dual = new Float64Array(3 * res.regions.length);
    const cells = res.regions.map((r, i) => {
      dual[3 * i] = coefficient(r.map, 3, outputs, 1);
      dual[3 * i + 1] = coefficient(r.map, 3, outputs, 2);
      dual[3 * i + 2] = r.area / boxArea;
      return { vertices: r.vertices, map: r.map, colorKey: hashBytes(r.code), size: r.area / boxArea };
    });
    return { ...meta, regions: res.summary.regions, linearRegions: res.summary.linearRegions, cells, boundary: res.boundary, dual };
  }
  const [a, b] = [box[0], box[1]];
  const res = partitionLine(net, [a], [b]);
  const span = b - a;
  const dual = new Float64Array(3 * res.pieces.length);
  // On a piece, output = m0 + m1·t with x = a + t·span: slope m1/span, intercept (value at x = 0) m0 − m1·a/span.
  const cells = res.pieces.map((p, i) => {
    const m0 = coefficient(p.map, 2, outputs, 0);
    const m1 = coefficient(p.map, 2, outputs, 1);
    const slope = m1 / span;
    const intercept = m0 - (m1 * a) / span;
    dual[3 * i] = slope;
    dual[3 * i + 1] = intercept;
    dual[3 * i + 2] = p.t1 - p.t0;
    return {
      x0: a + p.t0 * span,
      x1: a + p.t1 * span,
      map: Float64Array.of(intercept, slope),
      colorKey: hashBytes(p.code),
      size: p.t1 - p.t0,
    };
  });
  let linear = res.pieces.length;
  for (let i = 1; i < res.pieces.length; i++) {
    const p = cells[i - 1]!.map;
    const q = cells[i]!.map;
    if (Math.abs(p[0]! - q[0]!) <= SAME_MAP_REL * (1 + Math.abs(p[0]!)) && Math.abs(p[1]! - q[1]!) <= SAME_MAP_REL * (1 + Math.abs(p[1]!)))
      linear--;
  }
  return { ...meta, regions: res.pieces.length, linearRegions: linear, cells, boundary: [], dual };
}

/**
 * Ranges of the dual panel fixed over all frames, so the animation does not rescale:
 * `[xMin, xMax, yMin, yMax]`, symmetric about 0 with 8 % margin (2-D: one range for both axes).
 *
 * @example
 * dualRange([frameData(net, [-1, 1, -1, 1], meta)], false); // e.g. [-2.16, 2.16, -2.16, 2.16]
 */
function dualRange(frames: readonly FrameData[], oneD: boolean): [number, number, number, number] {
  let mx = 0;
  let my = 0;
  for (const fr of frames) {
    for (let i = 0; i < fr.dual.length; i += 3) {
      if (Number.isFinite(fr.dual[i]!)) mx = Math.max(mx, Math.abs(fr.dual[i]!));
      if (Number.isFinite(fr.dual[i + 1]!)) my = Math.max(my, Math.abs(fr.dual[i + 1]!));
    }
  }
  if (oneD) {
    // Room for sine's own tangent lines: slope cos x ∈ [−1, 1], intercept sin x − x cos x ∈ [−π, π].
    mx = Math.max(mx, 1);
    my = Math.max(my, Math.PI);
  } else {
    mx = my = Math.max(mx, my, MIN_DUAL_RANGE);
  }
  return [-1.08 * mx, 1.08 * mx, -1.08 * my, 1.08 * my];
}

/**
 * Registers `polytope animate`.
 *
 * @example
 * // polytope animate --dataset circle-annulus --arch 2-3-1 --leak 0.01 --normalize --batch 10 \
 * //   --epochs 60 --snapshot-every 60 --seed 1 --out runs/ca   → 101 frames, Fig. 6.4's hexagon at the end
 * registerAnimate(program);
 */
export function registerAnimate(program: Command): void {
  program
    .command('animate')
    .description('train on a 1-D or 2-D toy problem and animate the exact polytope map and its linear coefficients over training')
    .requiredOption('--dataset <name>', ANIMATE_DATASETS.join(' | '))
    .requiredOption('--arch <arch>', "a dash list of widths such as '2-8-8-1' (or 'linear')")
    .option('--optimizer <name>', 'sgd | adam | adamw (default adam)')
    .option('--lr <x>', 'learning rate (default 0.01)')
    .option('--momentum <x>', 'SGD momentum (default 0)')
    .option('--weight-decay <x>', 'weight decay (default 0; adamw 0.01)')
    .option('--loss <name>', 'mse | bce | ce (default: bce for binary, mse for sine)')
    .option('--leak <a>', 'leaky ReLU slope of the hidden activations (default 0 = ReLU)')
    .option('--init <name>', 'pytorch | he-normal | he-uniform | xavier-normal | xavier-uniform', 'pytorch')
    .option('--batch <n>', 'mini-batch size', '32')
    .option('--epochs <n>', 'epochs', '100')
    .option('--seed <s>', 'seed for data, initialization and shuffling', '0')
    .option('--snapshot-every <k>', 'one frame every k optimizer steps (plus step 0 and the last)', '50')
    .option('--out <dir>', 'output directory', 'animate-out')
    .option('--samples <n>', "training samples (default: the generator's)")
    .option('--noise <x>', 'TensorFlow Playground noise for xor | spiral | gauss (0 … 0.5)')
    .option('--normalize', 'scale inputs to unit std per coordinate (§4.2.1); frames stay in raw coordinates')
    .option('--frame-width <px>', 'frame width in px (height is half, plus a key row)', '960')
    .option('--delay <ms>', 'GIF frame delay in milliseconds', '150')
    .option('--max-frames <n>', 'refuse runs that would make more frames than this', '400')
    .option('--no-png', 'write SVG frames only (the GIF is still made)')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: AnimateCliOptions) => {
      await runAnimate(opts);
    });
}

async function runAnimate(opts: AnimateCliOptions): Promise<void> {
  const { width, delay, maxFrames, every } = animateSettings(opts);
  const prep = prepareTraining(opts);
  const steps = Math.ceil(prep.trainData.size / prep.batchSize) * prep.epochs;
  const frameCount = Math.floor(steps / every) + 1 + (steps % every === 0 ? 0 : 1);
  if (frameCount > maxFrames) {
    throw new CliError(
      `${steps} steps with --snapshot-every ${every} make ${frameCount} frames, more than --max-frames ${maxFrames}; raise --snapshot-every to at least ${Math.ceil(steps / (maxFrames - 2))}`,
    );
  }
  const { trainData, transform } = prep;
  const oneD = trainData.inputSize === 1;
  const raw = rawInputs(trainData, transform);
  const box = inputBox(raw, oneD);
  const regression = trainData.task === 'regression';

  // Train, partitioning every snapshot exactly as it arrives.
  const frames: FrameData[] = [];
  const started = Date.now();
  let sliceSeconds = 0;
  const result = await runPrepared(prep, {
    quiet: opts.quiet,
    label: 'animate',
    onSnapshot: (snap) => {
      const t = Date.now();
      frames.push(
        frameData(snap.toNetwork(), box, {
          step: snap.step,
          epoch: snap.epoch,
          loss: Number.isNaN(snap.loss) ? null : snap.loss,
          metric: regression ? snap.train?.mse : snap.train?.accuracy,
        }),
      );
      sliceSeconds += (Date.now() - t) / 1000;
    },
  });

  // Render: SVG and PNG per frame, the GIF from the same pixels.
  const out = opts.out;
  const look: FrameLook = {
    points: raw,
    labels: trainData.y,
    box,
    width,
    dualRange: dualRange(frames, oneD),
    metricName: regression ? 'mse' : 'accuracy',
  };
  if (oneD) look.valueRange = valueRange(frames, trainData.y);
  const gifBytes = renderAnimation(frames, look, { delay, out, png: opts.png });
  const report = {
    dataset: trainData.name,
    arch: prep.archName,
    loss_function: prep.loss,
    optimizer: prep.optimizer,
    batch_size: prep.batchSize,
    epochs: prep.epochs,
    seed: prep.seed,
    snapshot_every: every,
    box: oneD ? [box[0], box[1]] : box,
    final: regression
      ? { train_mse: result.train.mse, test_mse: result.test?.mse }
      : { train_accuracy: result.train.accuracy, test_accuracy: result.test?.accuracy },
    frames: frames.map((fr, i) => ({
      frame: i + 1,
      step: fr.step,
      epoch: fr.epoch,
      loss: fr.loss,
      ...(fr.metric === undefined ? {} : regression ? { train_mse: fr.metric } : { train_accuracy: fr.metric }),
      regions: fr.regions,
      linear_regions: fr.linearRegions,
    })),
  };
  writeFileAtomic(join(out, 'regions.json'), JSON.stringify(report, null, 1) + '\n');
  if (!opts.quiet) {
    const last = frames[frames.length - 1]!;
    process.stderr.write(
      `animate: ${frames.length} frames (${frames[0]!.regions} → ${last.regions} regions), partitions ${sliceSeconds.toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s · animation.gif ${(gifBytes.length / 1e6).toFixed(2)} MB → ${out}/\n`,
    );
    if (gifBytes.length > 10e6) process.stderr.write('animate: the GIF is over 10 MB; raise --snapshot-every or lower --frame-width\n');
  }
}

/** Checks the animation's own options (dataset, frame size, delay, frame budget). */
function animateSettings(opts: AnimateCliOptions) {
  if (!(ANIMATE_DATASETS as readonly string[]).includes(opts.dataset)) {
    throw new CliError(
      `animate draws 1-D and 2-D toy problems only; unknown or unsupported dataset '${opts.dataset}' (expected one of ${ANIMATE_DATASETS.join(', ')})`,
    );
  }
  const width = num(
    opts.frameWidth,
    '--frame-width',
    (v) => Number.isInteger(v) && v >= 200 && v <= 4000 && v % 2 === 0,
    'an even integer from 200 to 4000',
  )!;
  const delay = num(
    opts.delay,
    '--delay',
    (v) => Number.isInteger(v) && v >= 10 && v <= 10000,
    'an integer number of milliseconds from 10 to 10000',
  )!;
  const maxFrames = num(opts.maxFrames, '--max-frames', positiveInt, 'a positive integer')!;
  const every = num(opts.snapshotEvery, '--snapshot-every', nonNegInt, 'a positive integer')!;
  if (every === 0) throw new CliError("--snapshot-every must be a positive integer, got '0'");
  return { width, delay, maxFrames, every };
}

/**
 * The 1-D value range, fixed over all frames: every training target and the trained (last) function,
 * padded, so the axis never jumps and the data is always inside (early, untrained functions may
 * leave it and are clipped).
 */
function valueRange(frames: readonly FrameData[], targets: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of targets) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (const fr of frames.slice(-1))
    for (const c of fr.cells) {
      // map = (intercept, slope) in x: the value at both ends of the piece.
      for (const x of [c.x0!, c.x1!]) {
        const v = c.map[0]! + c.map[1]! * x;
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
  return lo <= hi ? padRange(lo, hi) : [-1, 1];
}

/** The drawn input box: the data's range in 1-D (y unused), a padded square around the data in 2-D. */
function inputBox(raw: Float64Array, oneD: boolean): [number, number, number, number] {
  if (oneD) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of raw) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return [lo, hi, 0, 1];
  } else {
    return dataBox(raw);
  }
}

/** Writes every frame as SVG (and PNG), then the GIF from the same pixels; returns the GIF's bytes. */
function renderAnimation(frames: readonly FrameData[], look: FrameLook, output: { delay: number; out: string; png: boolean }): Uint8Array {
  const { delay, out, png } = output;
  const { width } = look;
  const height = frameHeight(width);
  const gif = gifenc.GIFEncoder();
  for (let i = 0; i < frames.length; i++) {
    const svg = frameSvg(frames[i]!, look);
    const name = `frame-${String(i + 1).padStart(4, '0')}`;
    writeFileAtomic(join(out, 'frames', `${name}.svg`), svg);
    const img = renderSvg(svg);
    if (png) {
      const buf = img.asPng();
      writeFileAtomic(join(out, 'frames', `${name}.png`), new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    }
    const rgba = new Uint8Array(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength);
    if (img.width !== width || img.height !== height)
      throw new InternalError(`frame ${i + 1} rendered at ${img.width}×${img.height}, expected ${width}×${height}`);
    const palette = gifenc.quantize(rgba, 256);
    const index = gifenc.applyPalette(rgba, palette);
    // The last frame lingers so the final state can be read.
    gif.writeFrame(index, width, height, { palette, delay: i === frames.length - 1 ? Math.max(delay, 1500) : delay });
  }
  // Frames left over from an earlier, longer run in the same folder would mix into this one.
  const frameDir = join(out, 'frames');
  if (existsSync(frameDir)) {
    for (const name of readdirSync(frameDir)) {
      const m = /^frame-(\d+)\.(svg|png)$/.exec(name);
      if (m && (Number(m[1]) > frames.length || (m[2] === 'png' && !png))) rmSync(join(frameDir, name), { force: true });
    }
  }
  gif.finish();
  const gifBytes = gif.bytes();
  writeFileAtomic(join(out, 'animation.gif'), gifBytes);
  return gifBytes;
}
