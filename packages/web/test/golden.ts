/**
 * Screenshot goldens: PNGs under test/golden compared per pixel with a tolerance. On a mismatch the
 * actual image is written beside the golden as NAME-changed.png; POLYTOPE_UPDATE_GOLDEN=1 rewrites
 * the goldens instead. The decoder handles what Chromium writes: 8-bit RGB/RGBA, no interlace.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzlibSync } from 'fflate';

const GOLDEN_DIR = fileURLToPath(new URL('golden', import.meta.url));

export interface Image {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major. */
  readonly data: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes an 8-bit RGB or RGBA non-interlaced PNG. */
export function decodePng(png: Uint8Array): Image {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const body = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG (depth ${depth}, colour ${colour})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + len;
  }
  const raw = unzlibSync(new Uint8Array(Buffer.concat(idat)));
  const stride = width * channels;
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? px[y * stride + x - channels]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels]! : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
      px[y * stride + x] = (v + pred) & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) data[i * 4 + k] = px[i * channels + k]!;
    data[i * 4 + 3] = channels === 4 ? px[i * channels + 3]! : 255;
  }
  return { width, height, data };
}

/** Pixels whose largest channel difference exceeds `channel`; every pixel when the sizes differ. */
export function differingPixels(a: Image, b: Image, channel: number): number {
  if (a.width !== b.width || a.height !== b.height) return Math.max(a.width * a.height, b.width * b.height);
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    let d = 0;
    for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(a.data[i * 4 + k]! - b.data[i * 4 + k]!));
    if (d > channel) n++;
  }
  return n;
}

/**
 * Compares `png` with test/golden/NAME.png: at most `fraction` of the pixels may differ by more than
 * `channel` in some channel. Returns a message for a mismatch (and writes NAME-changed.png), else ''.
 */
export function matchGolden(name: string, png: Uint8Array, channel = 16, fraction = 0.005): string {
  const golden = join(GOLDEN_DIR, `${name}.png`);
  const changed = join(GOLDEN_DIR, `${name}-changed.png`);
  if (process.env['POLYTOPE_UPDATE_GOLDEN'] === '1' || !existsSync(golden)) {
    if (!existsSync(golden) && process.env['POLYTOPE_UPDATE_GOLDEN'] !== '1')
      return `${name}.png is missing; run with POLYTOPE_UPDATE_GOLDEN=1`;
    writeFileSync(golden, png);
    rmSync(changed, { force: true });
    return '';
  }
  const want = decodePng(readFileSync(golden));
  const got = decodePng(png);
  const bad = differingPixels(want, got, channel);
  if (bad <= fraction * want.width * want.height) {
    rmSync(changed, { force: true });
    return '';
  }
  writeFileSync(changed, png);
  return `${name}: ${bad} of ${want.width * want.height} pixels differ (see ${name}-changed.png)`;
}
