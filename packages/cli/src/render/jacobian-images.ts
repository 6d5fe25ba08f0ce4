/**
 * Jacobian rows as images (dissertation Fig. 6.3): each row J[r, :] of a sample's exact local map,
 * reshaped to the input image, grey = 0, white = positive, black = negative, on a symmetric scale
 * ±s (so the mid grey is exactly zero). One grid row per sample (its input image first, then one
 * image per output), several models side by side. Each image is embedded in the SVG as a small
 * greyscale PNG (a data URI, drawn pixelated), so the SVG stays small and resvg renders it as is.
 */
import { deflateSync } from 'node:zlib';
import { PolytopeError } from '@polytope-lens/core';

/**
 * Grey levels of values on the symmetric scale ±`scale`: 0 → 128 (grey), +scale → 255 (white),
 * −scale → 0 (black), clamped; a zero scale gives uniform grey.
 *
 * @example
 * Array.from(greyLevels([0, 2, -2, 1], 2)); // [128, 255, 0, 192]
 */
export function greyLevels(values: ArrayLike<number>, scale: number): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = scale > 0 ? Math.max(-1, Math.min(1, values[i]! / scale)) : 0;
    // Symmetric around 128: +1 → 255, −1 → 1 would lose black, so negatives map onto [0, 128] and positives onto [128, 255].
    out[i] = t >= 0 ? Math.round(128 + 127 * t) : Math.round(128 + 128 * t);
  }
  return out;
}

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * An 8-bit greyscale PNG of `width × height` grey levels (row-major).
 *
 * @example
 * const png = greyPng(Uint8Array.of(0, 255, 128, 64), 2, 2); // a 2×2 image
 */
export function greyPng(grey: Uint8Array, width: number, height: number): Uint8Array {
  if (grey.length !== width * height)
    throw new PolytopeError('shape-mismatch', `a ${width}×${height} image needs ${width * height} grey levels, got ${grey.length}`);
  return encodePng(grey, width, height, 1);
}

/** How the ±s scale of the images is shared. */
export type JacobianScale = 'sample' | 'image' | 'global';

/** One model's maps for the figure. */
interface JacobianImagesModel {
  readonly name: string;
  /** `samples × outputs × d` Jacobians (d = channels × height × width). */
  readonly jacobians: Float64Array;
}

/** Input of `jacobianImagesSvg`. */
export interface JacobianImagesInput {
  readonly models: readonly JacobianImagesModel[];
  /** `samples × d` inputs (drawn first in each row, on [min, max] of each image). */
  readonly inputs: Float64Array;
  readonly samples: number;
  /** Output indices to draw (columns). */
  readonly outputs: readonly number[];
  /** Total outputs of the models. */
  readonly numOutputs: number;
  /** Image shape [channels, height, width]; channels are drawn side by side. */
  readonly shape: readonly [number, number, number];
  /** Labels of the rows (e.g. "row 3 (7)"). */
  readonly rowLabels: readonly string[];
  /** Column labels (output names), one per entry of `outputs`. */
  readonly outputLabels: readonly string[];
  readonly scale: JacobianScale;
  /** Pixels per input pixel (default 3). */
  readonly zoom?: number;
  readonly title?: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The image of one vector laid out as channels side by side: grey levels of `width·channels × height`. */
function layout(
  values: ArrayLike<number>,
  shape: readonly [number, number, number],
  map: (v: ArrayLike<number>) => Uint8Array,
): Uint8Array {
  const [c, h, w] = shape;
  const grey = map(values);
  const out = new Uint8Array(c * w * h);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * c * w + ch * w + x] = grey[(ch * h + y) * w + x]!;
  return out;
}

function maxAbs(a: ArrayLike<number>, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** The scale s of model m, sample s, output r under the chosen sharing. */
function scaleOf(input: JacobianImagesInput, m: number, s: number, r: number): number {
  const d = input.shape[0] * input.shape[1] * input.shape[2];
  const o = input.numOutputs;
  const jac = input.models[m]!.jacobians;
  if (input.scale === 'image') return maxAbs(jac, (s * o + r) * d, (s * o + r + 1) * d);
  if (input.scale === 'sample') {
    let v = 0;
    for (const q of input.outputs) v = Math.max(v, maxAbs(jac, (s * o + q) * d, (s * o + q + 1) * d));
    return v;
  }
  let v = 0;
  for (const mod of input.models)
    for (let k = 0; k < input.samples; k++)
      for (const q of input.outputs) v = Math.max(v, maxAbs(mod.jacobians, (k * o + q) * d, (k * o + q + 1) * d));
  return v;
}

/** An `<image>` element holding a grey-level PNG, `zoom` screen pixels per image pixel. */
export function imageTag(grey: Uint8Array, w: number, h: number, x: number, y: number, zoom: number): string {
  const uri = `data:image/png;base64,${Buffer.from(greyPng(grey, w, h)).toString('base64')}`;
  return `<image x="${x}" y="${y}" width="${w * zoom}" height="${h * zoom}" href="${uri}" image-rendering="optimizeSpeed" style="image-rendering:pixelated"/>`;
}

/**
 * The grid figure: for each sample a row with its input, then for each model its output images
 * (`outputs`), models separated by a gap and named above their block. The scale used for each image
 * is printed under it when it is shared per sample or per image.
 *
 * @example
 * const svg = jacobianImagesSvg({ models: [{ name: 'dense', jacobians }], inputs, samples: 2, outputs: [0, 1],
 *   numOutputs: 10, shape: [1, 28, 28], rowLabels: ['row 0', 'row 1'], outputLabels: ['0', '1'], scale: 'sample' });
 */
export function jacobianImagesSvg(input: JacobianImagesInput): string {
  const zoom = input.zoom ?? 3;
  const [c, h, w] = input.shape;
  const d = c * h * w;
  const cellW = c * w * zoom + 8;
  const cellH = h * zoom + 26;
  const left = 90;
  const top = 56;
  const gap = 18;
  const blockW = input.outputs.length * cellW;
  const width = left + cellW + gap + input.models.length * (blockW + gap);
  const height = top + input.samples * cellH + 28;
  let body = '';
  body += `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${esc(input.title ?? 'Jacobian rows J[r, :] as images (grey = 0, white > 0, black < 0)')}</text>`;
  body += `<text x="${left + cellW / 2}" y="${top - 8}" text-anchor="middle">input</text>`;
  input.models.forEach((model, m) => {
    const x0 = left + cellW + gap + m * (blockW + gap);
    body += `<text x="${x0 + blockW / 2}" y="${top - 26}" text-anchor="middle" font-weight="bold">${esc(model.name)}</text>`;
    input.outputs.forEach(
      (_, k) =>
        (body += `<text x="${x0 + k * cellW + cellW / 2 - 4}" y="${top - 8}" text-anchor="middle">${esc(input.outputLabels[k]!)}</text>`),
    );
  });
  for (let s = 0; s < input.samples; s++) {
    const y = top + s * cellH;
    body += `<text x="${left - 8}" y="${y + (h * zoom) / 2}" text-anchor="end" dominant-baseline="middle">${esc(input.rowLabels[s]!)}</text>`;
    const x = input.inputs.subarray(s * d, (s + 1) * d);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const toGrey = (v: ArrayLike<number>) =>
      Uint8Array.from(v as ArrayLike<number>, (t) => (hi > lo ? Math.round((255 * (t - lo)) / (hi - lo)) : 128));
    body += imageTag(layout(x, input.shape, toGrey), c * w, h, left, y, zoom);
    input.models.forEach((model, m) => {
      const x0 = left + cellW + gap + m * (blockW + gap);
      input.outputs.forEach((r, k) => {
        const sc = scaleOf(input, m, s, r);
        const row = model.jacobians.subarray((s * input.numOutputs + r) * d, (s * input.numOutputs + r + 1) * d);
        body += imageTag(
          layout(row, input.shape, (v) => greyLevels(v, sc)),
          c * w,
          h,
          x0 + k * cellW,
          y,
          zoom,
        );
        if (input.scale === 'image' || (input.scale === 'sample' && k === 0)) {
          body += `<text x="${x0 + k * cellW}" y="${y + h * zoom + 12}" font-size="9">±${Number(sc.toPrecision(3))}</text>`;
        }
      });
    });
  }
  if (input.scale === 'global')
    body += `<text x="${left}" y="${height - 8}">scale ±${Number(scaleOf(input, 0, 0, input.outputs[0] ?? 0).toPrecision(3))} for every image</text>`;
  else
    body += `<text x="${left}" y="${height - 8}">scale: ±max |J| ${input.scale === 'sample' ? 'per sample and model (shared by its outputs)' : 'per image'}, printed under the images</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif" font-size="11">` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    body +
    '</svg>\n'
  );
}

/**
 * An 8-bit RGB PNG of `width × height` pixels (`rgb` row-major, three bytes a pixel).
 *
 * @example
 * const png = rgbPng(Uint8Array.of(255, 0, 0, 0, 0, 255), 2, 1); // red, blue
 */
export function rgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (rgb.length !== 3 * width * height)
    throw new PolytopeError('shape-mismatch', `a ${width}×${height} RGB image needs ${3 * width * height} bytes, got ${rgb.length}`);
  return encodePng(rgb, width, height, 3);
}

/**
 * The PNG of 8-bit pixels, `channels` bytes each (1: greyscale, 3: truecolour), row-major: filter
 * byte 0 before every row, one deflated IDAT.
 */
function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const row = channels * width;
  const raw = new Uint8Array(height * (row + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, channels === 1 ? 0 : 2, 0, 0, 0], 8); // bit depth 8, grey or truecolour, deflate, adaptive filter, no interlace
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
