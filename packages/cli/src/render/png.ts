/**
 * SVG → PNG through resvg (Rust, no browser). Text needs fonts: resvg loads the system fonts
 * (fontconfig directories such as /usr/share/fonts); the figures ask for DejaVu Sans first and fall
 * back to the generic sans-serif. Where no font at all is installed, resvg silently drops every
 * `<text>` — `pngTextRenders()` tells whether that will happen so the CLI can warn.
 */
import { Resvg } from '@resvg/resvg-js';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { PolytopeError } from '@polytope-lens/core';

/** Extra places to look for fonts besides the system ones (harmless where they do not exist). */
const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', '/Library/Fonts', 'C:\\Windows\\Fonts'];

/** The resvg options every figure uses (fonts, anti-aliasing), optionally scaled to `width`. */
export function resvgOptions(width?: number): ResvgRenderOptions {
  const o: ResvgRenderOptions = {
    font: { loadSystemFonts: true, fontDirs: FONT_DIRS, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
  if (width !== undefined) o.fitTo = { mode: 'width', value: width };
  return o;
}

/**
 * Renders an SVG string to PNG bytes, scaled to `width` px (height follows the SVG's aspect ratio);
 * without `width` the SVG's own size is kept.
 *
 * @example
 * const png = svgToPng(renderSliceSvg({ box: [0, 1, 0, 1], regions: [], boundary: [] }), 400);
 * png.subarray(0, 8); // 89 50 4E 47 0D 0A 1A 0A — the PNG signature
 * new DataView(png.buffer, png.byteOffset).getUint32(16); // 400 (IHDR width)
 */
export function svgToPng(svg: string, width?: number): Uint8Array {
  if (width !== undefined && (!Number.isInteger(width) || width < 1 || width > 32768)) {
    throw new PolytopeError('bad-option', `PNG width must be an integer number of pixels from 1 to 32768; got ${width}`);
  }
  const img = new Resvg(svg, resvgOptions(width)).render();
  const buf = img.asPng();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

let textProbe: boolean | undefined;

/**
 * Whether resvg finds a font on this machine, i.e. whether labels will show in PNGs (cached; the
 * first call renders a tiny probe, ~10 ms).
 *
 * @example
 * if (!pngTextRenders()) console.warn('no fonts found: PNG figures will have no labels');
 */
export function pngTextRenders(): boolean {
  if (textProbe === undefined) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><text x="4" y="22" font-size="20" font-family="DejaVu Sans, sans-serif">88</text></svg>`;
    const px = new Resvg(svg, resvgOptions()).render().pixels;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! > 128) ink++;
    textProbe = ink > 20;
  }
  return textProbe;
}
