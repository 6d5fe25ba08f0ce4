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
function resvgOptions(width?: number): ResvgRenderOptions {
  const o: ResvgRenderOptions = {
    font: { loadSystemFonts: true, fontDirs: FONT_DIRS, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
  if (width !== undefined) o.fitTo = { mode: 'width', value: width };
  return o;
}

/** An invisible, on-canvas shape: gives a layered group a non-empty bounding box (see `guardForResvg`). */
const LAYER_ANCHOR = '<rect x="0" y="0" width="1" height="1" fill-opacity="0"/>';

/**
 * Makes an SVG safe to hand to resvg. resvg 2.6 aborts the whole process (a Rust panic:
 * `Option::unwrap()` on `None` in geom.rs) when a group that needs its own layer — `clip-path`,
 * `mask`, `filter` or `opacity` — has nothing on the canvas (all of its content off-canvas, or
 * none). Every such group gets an invisible 1-px anchor at (0, 0) first, and `<path>`s whose `d` is
 * empty or not finite are dropped. Our figures also never draw off-plot points (they cull them);
 * this is the guard for anything that slips through.
 *
 * @example
 * guardForResvg('<svg …><g clip-path="url(#c)"><circle cx="50" cy="1000" r="2"/></g></svg>');
 * // the group now starts with <rect x="0" y="0" width="1" height="1" fill-opacity="0"/>
 */
export function guardForResvg(svg: string): string {
  return svg
    .replace(/<g\b[^>]*\b(?:clip-path|mask|filter|opacity)=[^>]*>/g, (tag) => (tag.endsWith('/>') ? '' : tag + LAYER_ANCHOR))
    .replace(/<path\b[^>]*?\sd="([^"]*)"[^>]*\/>/g, (el, d: string) => (/[0-9]/.test(d) && !/NaN|Infinity/.test(d) ? el : ''));
}

/**
 * Renders an SVG string (guarded by `guardForResvg`) with the figures' resvg options, scaled to
 * `width` px when given: the one way every command rasterizes a figure.
 */
export function renderSvg(svg: string, width?: number): ReturnType<Resvg['render']> {
  if (width !== undefined && (!Number.isInteger(width) || width < 1 || width > 32768)) {
    throw new PolytopeError('bad-option', `PNG width must be an integer number of pixels from 1 to 32768; got ${width}`);
  }
  return new Resvg(guardForResvg(svg), resvgOptions(width)).render();
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
  const img = renderSvg(svg, width);
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
