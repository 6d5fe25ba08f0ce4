/**
 * SVG figures of exact partitions: a 2-D slice (polygons in slice coordinates, decision boundary,
 * anchors, axes) and a 1-D line (coloured pieces, each output's piecewise-linear value). Pure:
 * geometry in, an SVG string out. The renderer knows nothing about networks — the caller turns each
 * region's activation code into an integer `colorKey` (e.g. `hashBytes(region.code)`).
 *
 * Strings are collected in an array and joined once, region paths are written as ASCII bytes, and
 * coordinates are rounded to 0.01 px: a figure of 200 000 hexagons is 22 MB, built in 0.2–0.4 s.
 */
import { PolytopeError } from '@polytope-lens/core';
import { LINE_COLORS, regionColor } from './color.js';
import { AsciiWriter, formatPx } from './format.js';
import { formatTick, niceStep, niceTicks } from './ticks.js';
import { ANCHOR_IN_BOX_REL, DEGENERATE_SPAN, TICK_SNAP } from './constants.js';

/** Input of `renderSliceSvg`. */
export interface SliceFigureInput {
  /** `[sMin, sMax, tMin, tMax]`: the part of the plane shown. */
  readonly box: readonly [number, number, number, number];
  /** Polygons, interleaved `[s0, t0, s1, t1, …]`, and an integer colour key each (same key → same colour). */
  readonly regions: Iterable<{ readonly vertices: Float64Array; readonly colorKey: number }>;
  /** Polylines drawn thick and black on top, interleaved `[s0, t0, s1, t1, …]`. */
  readonly boundary: readonly Float64Array[];
  /** Labelled points (e.g. the inputs A, B, C a plane was laid through). Points outside the box are left out. */
  readonly anchors?: readonly { readonly name: string; readonly s: number; readonly t: number }[];
  readonly title?: string;
  /** Figure size in px (default 720 × 720); the box keeps equal axis scales inside it. */
  readonly width?: number;
  readonly height?: number;
  /** Axis labels (default `s` and `t`). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Input of `renderLineSvg`. */
export interface LineFigureInput {
  /** Pieces in order along the segment; `map[2r] + map[2r+1]·t` is output r on the piece. */
  readonly pieces: Iterable<{ readonly t0: number; readonly t1: number; readonly colorKey: number; readonly map: Float64Array }>;
  /** Number of outputs (default: half the length of the first piece's `map`); checked against every piece. */
  readonly outputs?: number;
  /** Breakpoints to mark (default: every piece end inside the domain). */
  readonly breakpoints?: ArrayLike<number>;
  /** Parameter range on the x axis (default [0, 1]). */
  readonly domain?: readonly [number, number];
  /** Legend names of the outputs (default y0, y1, …; the legend is shown for two or more outputs or when names are given). */
  readonly outputNames?: readonly string[];
  readonly title?: string;
  /** Figure size in px (default 720 × 360). */
  readonly width?: number;
  readonly height?: number;
  /** Axis labels (default `t` and `output`). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
/** Approximate advance of one character at 11 px (DejaVu Sans digits are 0.64 em). */
const CHAR_W = 7;

/** `NaN` or `Infinity` in formatted coordinates. */
const NON_FINITE = /[NI]/;

/** Rounds to 0.01 (px); `-0` prints as `0`. */
const f = formatPx;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function checkSize(v: number | undefined, dflt: number, what: string): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x < 50 || x > 100000)
    throw new PolytopeError('bad-option', `figure ${what} must be a number of pixels between 50 and 100000; got ${x}`);
  return x;
}

/** Pixel frame of the plot area and its data ranges. */
interface Frame {
  x: number;
  y: number;
  w: number;
  h: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function ticksWithStep(lo: number, hi: number, step: number): number[] {
  const eps = TICK_SNAP * step;
  const out: number[] = [];
  for (let i = Math.ceil((lo - eps) / step); i <= Math.floor((hi + eps) / step) && out.length < 1000; i++) {
    const v = Number((i * step).toPrecision(12));
    out.push(v === 0 ? 0 : v);
  }
  return out;
}

/** Frame, tick marks, tick labels and axis labels. */
function drawAxes(parts: string[], fr: Frame, xStep: number, yStep: number, xLabel: string, yLabel: string): void {
  const { x, y, w, h } = fr;
  const sx = (v: number): number => x + ((v - fr.x0) / (fr.x1 - fr.x0)) * w;
  const sy = (v: number): number => y + h - ((v - fr.y0) / (fr.y1 - fr.y0)) * h;
  const xt = ticksWithStep(fr.x0, fr.x1, xStep);
  const yt = ticksWithStep(fr.y0, fr.y1, yStep);
  parts.push(`<rect class="frame" x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="none" stroke="#333" stroke-width="1"/>\n`);
  let d = '';
  for (const v of xt) d += `M${f(sx(v))},${f(y + h)}v5`;
  for (const v of yt) d += `M${f(x)},${f(sy(v))}h-5`;
  parts.push(`<path class="ticks" d="${d}" stroke="#333" stroke-width="1" fill="none"/>\n`);
  parts.push(`<g class="tick-labels" font-size="11" fill="#222">\n`);
  for (const v of xt) parts.push(`<text x="${f(sx(v))}" y="${f(y + h + 18)}" text-anchor="middle">${formatTick(v, xStep)}</text>\n`);
  let maxLen = 0;
  for (const v of yt) {
    const s = formatTick(v, yStep);
    maxLen = Math.max(maxLen, s.length);
    parts.push(`<text x="${f(x - 8)}" y="${f(sy(v) + 4)}" text-anchor="end">${s}</text>\n`);
  }
  parts.push('</g>\n');
  const ylx = Math.max(14, x - 8 - maxLen * CHAR_W - 10);
  parts.push(`<text class="x-label" x="${f(x + w / 2)}" y="${f(y + h + 40)}" font-size="13" text-anchor="middle">${esc(xLabel)}</text>\n`);
  parts.push(
    `<text class="y-label" transform="translate(${f(ylx)},${f(y + h / 2)}) rotate(-90)" font-size="13" text-anchor="middle">${esc(yLabel)}</text>\n`,
  );
}

function svgOpen(parts: string[], W: number, H: number): void {
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${f(W)}" height="${f(H)}" viewBox="0 0 ${f(W)} ${f(H)}" font-family="${FONT}">\n`,
    `<rect width="100%" height="100%" fill="#ffffff"/>\n`,
  );
}

/** Title centred over the plot, its baseline `y` (just above the plot's top edge). */
function drawTitle(parts: string[], title: string | undefined, cx: number, y: number): void {
  if (title !== undefined && title !== '')
    parts.push(
      `<text class="title" x="${f(cx)}" y="${f(y)}" font-size="15" font-weight="bold" text-anchor="middle">${esc(title)}</text>\n`,
    );
}

/**
 * An SVG figure of a 2-D partition: each region filled with the colour of its `colorKey` and
 * outlined thinly in white (no outline once regions average under 2 px across), the decision boundary as thick black polylines on top, axes with nice
 * ticks in slice coordinates, anchors as labelled dots, and a title. Equal axis scales: the box is
 * fitted into `width × height` and centred. Regions with fewer than three vertices are skipped;
 * every other region is exactly one `<path>` inside `<g class="regions">`.
 *
 * @example
 * const svg = renderSliceSvg({
 *   box: [-1, 1, -1, 1],
 *   regions: [
 *     { vertices: Float64Array.of(-1, -1, 0, -1, 0, 1, -1, 1), colorKey: 0 },
 *     { vertices: Float64Array.of(0, -1, 1, -1, 1, 1, 0, 1), colorKey: 1 },
 *   ],
 *   boundary: [Float64Array.of(0, -1, 0, 1)],
 *   anchors: [{ name: 'A', s: 0.5, t: 0.5 }],
 *   title: 'two halves',
 * });
 * // '<svg xmlns=… width="720" height="720" …>' with 2 region paths, 1 boundary path, 5 ticks per axis
 */
export function renderSliceSvg(input: SliceFigureInput): string {
  const [s0, s1, t0, t1] = input.box;
  if (![s0, s1, t0, t1].every(Number.isFinite) || !(s0 < s1) || !(t0 < t1)) {
    throw new PolytopeError('bad-domain', `the figure box [${input.box.join(', ')}] must be four finite numbers with s0 < s1 and t0 < t1`);
  }
  const W = checkSize(input.width, 720, 'width');
  const H = checkSize(input.height, 720, 'height');
  const hasTitle = input.title !== undefined && input.title !== '';
  const left = 72;
  const right = 20;
  const top = hasTitle ? 40 : 16;
  const bottom = 54;
  const aw = Math.max(10, W - left - right);
  const ah = Math.max(10, H - top - bottom);
  const k = Math.min(aw / (s1 - s0), ah / (t1 - t0));
  const w = (s1 - s0) * k;
  const h = (t1 - t0) * k;
  const fr: Frame = { x: left + (aw - w) / 2, y: top + (ah - h) / 2, w, h, x0: s0, x1: s1, y0: t0, y1: t1 };
  const ox = fr.x - s0 * k;
  const oy = fr.y + t1 * k;
  // px = ox + s·k, py = oy − t·k

  const parts: string[] = [];
  svgOpen(parts, W, H);
  parts.push(`<clipPath id="pl-plot"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(w)}" height="${f(h)}"/></clipPath>\n`);
  // Regions are written as ASCII bytes (no per-coordinate strings: see AsciiWriter).
  const out = new AsciiWriter(1 << 20);
  const n = writeRegionPaths(out, input.regions, ox, oy, k);
  // Edge strokes thin out as regions shrink: about a tenth of a typical region's width, 0.2–0.75 px;
  // none once regions are under 2 px across (they would only grey the picture, and double the
  // PNG rasterization time).
  const typical = Math.sqrt((w * h) / Math.max(1, n));
  const sw = Math.min(0.75, Math.max(0.2, 0.1 * typical));
  parts.push(
    typical < 2
      ? '<g class="regions">\n'
      : `<g class="regions" stroke="#ffffff" stroke-opacity="0.7" stroke-width="${f(sw)}" stroke-linejoin="round">\n`,
  );
  parts.push(out.toString());
  parts.push('</g>\n');

  let bd = '';
  for (const line of input.boundary) {
    const m = line.length >> 1;
    if (m < 2) continue;
    bd += 'M' + f(ox + line[0]! * k) + ',' + f(oy - line[1]! * k) + 'L';
    for (let i = 1; i < m; i++) bd += (i > 1 ? ' ' : '') + f(ox + line[2 * i]! * k) + ',' + f(oy - line[2 * i + 1]! * k);
  }
  if (NON_FINITE.test(bd)) throw new PolytopeError('non-finite', 'a boundary polyline has a non-finite point; cannot draw it');
  parts.push(
    `<g class="boundary" clip-path="url(#pl-plot)"><path d="${bd}" fill="none" stroke="#000000" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"/></g>\n`,
  );

  const maxTicksX = Math.max(2, Math.floor(w / 80));
  const maxTicksY = Math.max(2, Math.floor(h / 60));
  const step = Math.max(niceStep(s1 - s0, maxTicksX), niceStep(t1 - t0, maxTicksY));
  drawAxes(parts, fr, step, step, input.xLabel ?? 's', input.yLabel ?? 't');

  const anchors = input.anchors ?? [];
  const tolS = ANCHOR_IN_BOX_REL * (s1 - s0);
  const tolT = ANCHOR_IN_BOX_REL * (t1 - t0);
  const shown = anchors.filter((a) => a.s >= s0 - tolS && a.s <= s1 + tolS && a.t >= t0 - tolT && a.t <= t1 + tolT);
  if (shown.length > 0) {
    parts.push(`<g class="anchors" font-size="13" font-weight="bold">\n`);
    for (const a of shown) {
      const px = ox + a.s * k;
      const py = oy - a.t * k;
      parts.push(`<circle cx="${f(px)}" cy="${f(py)}" r="4.5" fill="#ffffff" stroke="#000000" stroke-width="1.6"/>\n`);
      parts.push(
        `<text x="${f(px + 7)}" y="${f(py - 7)}" fill="#000000" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(a.name)}</text>\n`,
      );
    }
    parts.push('</g>\n');
  }
  drawTitle(parts, input.title, fr.x + w / 2, fr.y - 14);
  parts.push('</svg>\n');
  return parts.join('');
}

/**
 * Writes one filled path per region (at least 3 vertices) to `out`, in hundredths of a pixel, with
 * pixel = (ox + s·k, oy − t·k); returns how many were drawn.
 */
function writeRegionPaths(out: AsciiWriter, regions: SliceFigureInput['regions'], ox: number, oy: number, k: number): number {
  const cx = ox * 100;
  const cy = oy * 100;
  const k100 = k * 100;
  let n = 0;
  let ri = 0;
  for (const r of regions) {
    const v = r.vertices;
    const m = v.length >> 1;
    ri++;
    if (m < 3) continue;
    // Round once to integer hundredths of a pixel, drop repeated points, print.
    let finite = true;
    for (let i = 0; i < 2 * m; i++) finite = finite && Number.isFinite(v[i]!);
    if (!finite) throw new PolytopeError('non-finite', `region ${ri - 1} has a non-finite vertex; cannot draw it`);
    out.text('<path fill="');
    out.text(regionColor(r.colorKey));
    out.text('" d="M');
    let lx = Math.round(cx + v[0]! * k100);
    let ly = Math.round(cy - v[1]! * k100);
    out.centi(lx);
    out.byte(44); // ','
    out.centi(ly);
    out.byte(76); // 'L'
    let first = true;
    for (let i = 1; i < m; i++) {
      const nx = Math.round(cx + v[2 * i]! * k100);
      const ny = Math.round(cy - v[2 * i + 1]! * k100);
      if (nx === lx && ny === ly) continue;
      if (!first) out.byte(32);
      out.centi(nx);
      out.byte(44);
      out.centi(ny);
      first = false;
      lx = nx;
      ly = ny;
    }
    out.text('Z"/>\n');
    n++;
  }
  return n;
}

/**
 * An SVG figure of a 1-D partition along a segment: the x axis is the segment parameter t (default
 * [0, 1]), each piece a coloured vertical band (colour from its `colorKey`), each output's
 * piecewise-linear value drawn on top in its own line colour, breakpoints as short black ticks on
 * the top and bottom edges, a dashed zero line when 0 is in range, and a legend for several outputs.
 *
 * @example
 * const svg = renderLineSvg({
 *   pieces: [
 *     { t0: 0, t1: 0.5, colorKey: 0, map: Float64Array.of(-1, 2) },  // y = −1 + 2t
 *     { t0: 0.5, t1: 1, colorKey: 1, map: Float64Array.of(0, 0) },   // y = 0
 *   ],
 *   title: 'one unit switching off at t = 0.5',
 * });
 * // two <rect> bands, one output polyline, one breakpoint tick pair at t = 0.5
 */
/** The y range of a line figure: [lo, hi] padded by 6 % (or by max(1, 10 %) when flat). */
export function padRange(lo: number, hi: number): [number, number] {
  if (hi - lo <= DEGENERATE_SPAN * Math.max(1, Math.abs(hi))) {
    const pad = Math.max(1, Math.abs(hi) * 0.1);
    return [lo - pad, hi + pad];
  }
  const pad = 0.06 * (hi - lo);
  return [lo - pad, hi + pad];
}

export function renderLineSvg(input: LineFigureInput): string {
  const [d0, d1] = input.domain ?? [0, 1];
  if (!Number.isFinite(d0) || !Number.isFinite(d1) || !(d0 < d1)) {
    throw new PolytopeError('bad-option', `the line figure's domain [${d0}, ${d1}] must be two finite numbers with t0 < t1`);
  }
  const W = checkSize(input.width, 720, 'width');
  const H = checkSize(input.height, 360, 'height');
  const pieces = Array.from(input.pieces);
  if (pieces.length === 0) throw new PolytopeError('bad-option', 'the line figure has no pieces to draw');
  const nOut = input.outputs ?? pieces[0]!.map.length >> 1;
  if (!Number.isInteger(nOut) || nOut < 0)
    throw new PolytopeError('bad-option', `the number of outputs must be a non-negative integer; got ${nOut}`);
  const [lo, hi] = lineValueRange(pieces, nOut);

  const names = input.outputNames ?? Array.from({ length: nOut }, (_, r) => `y${r}`);
  const legend = nOut > 0 && (nOut > 1 || input.outputNames !== undefined);
  const hasTitle = input.title !== undefined && input.title !== '';
  const left = 72;
  const right = legend ? 110 : 20;
  const top = hasTitle ? 40 : 16;
  const bottom = 54;
  const fr: Frame = {
    x: left,
    y: top,
    w: Math.max(10, W - left - right),
    h: Math.max(10, H - top - bottom),
    x0: d0,
    x1: d1,
    y0: lo,
    y1: hi,
  };
  const kx = fr.w / (d1 - d0);
  const ky = fr.h / (hi - lo);
  const sx = (t: number): number => fr.x + (t - d0) * kx;
  const sy = (v: number): number => fr.y + fr.h - (v - lo) * ky;

  const parts: string[] = [];
  svgOpen(parts, W, H);
  parts.push(`<clipPath id="pl-plot"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(fr.w)}" height="${f(fr.h)}"/></clipPath>\n`);
  parts.push(`<g class="pieces" clip-path="url(#pl-plot)" fill-opacity="0.6">\n`);
  for (const pc of pieces) {
    const xa = sx(pc.t0);
    parts.push(`<rect x="${f(xa)}" y="${f(fr.y)}" width="${f(sx(pc.t1) - xa)}" height="${f(fr.h)}" fill="${regionColor(pc.colorKey)}"/>\n`);
  }
  parts.push('</g>\n');
  if (lo < 0 && hi > 0) {
    parts.push(
      `<path class="zero" d="M${f(fr.x)},${f(sy(0))}h${f(fr.w)}" stroke="#555555" stroke-width="1" stroke-dasharray="4 3" fill="none"/>\n`,
    );
  }

  const bps: number[] = [];
  if (input.breakpoints !== undefined) for (let i = 0; i < input.breakpoints.length; i++) bps.push(input.breakpoints[i]!);
  else for (const pc of pieces) if (pc.t1 > d0 && pc.t1 < d1) bps.push(pc.t1);
  let bd = '';
  for (const t of bps) if (t >= d0 && t <= d1) bd += `M${f(sx(t))},${f(fr.y + fr.h)}v-7M${f(sx(t))},${f(fr.y)}v7`;
  if (bd !== '') parts.push(`<path class="breakpoints" d="${bd}" stroke="#000000" stroke-width="1.2" fill="none"/>\n`);

  parts.push(`<g class="outputs" clip-path="url(#pl-plot)" fill="none" stroke-width="1.8" stroke-linejoin="round">\n`);
  for (let r = 0; r < nOut; r++) {
    let d = '';
    let prev = '';
    for (const pc of pieces) {
      const a = pc.map[2 * r]!;
      const b = pc.map[2 * r + 1]!;
      const p0 = f(sx(pc.t0)) + ',' + f(sy(a + b * pc.t0));
      const p1 = f(sx(pc.t1)) + ',' + f(sy(a + b * pc.t1));
      if (p0 !== prev) d += 'M' + p0;
      if (p1 !== p0) d += 'L' + p1;
      prev = p1;
    }
    parts.push(`<path stroke="${LINE_COLORS[r % LINE_COLORS.length]!}" d="${d}"/>\n`);
  }
  parts.push('</g>\n');

  const { step: xStep } = niceTicks(d0, d1, Math.max(2, Math.floor(fr.w / 80)));
  const yStep = niceStep(hi - lo, Math.max(2, Math.floor(fr.h / 50)));
  drawAxes(parts, fr, xStep, yStep, input.xLabel ?? 't', input.yLabel ?? 'output');

  if (legend) drawLegend(parts, fr, names, nOut);
  drawTitle(parts, input.title, fr.x + fr.w / 2, fr.y - 14);
  parts.push('</svg>\n');
  return parts.join('');
}

/** Checks every piece's range and map, and returns the padded y range of all outputs ([0, 1] when none). */
function lineValueRange(
  pieces: readonly { readonly t0: number; readonly t1: number; readonly map: Float64Array }[],
  nOut: number,
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < pieces.length; p++) {
    const pc = pieces[p]!;
    if (pc.map.length !== 2 * nOut)
      throw new PolytopeError(
        'shape-mismatch',
        `piece ${p} has ${pc.map.length / 2} outputs (map of length ${pc.map.length}); expected ${nOut}`,
      );
    if (!Number.isFinite(pc.t0) || !Number.isFinite(pc.t1) || pc.t1 < pc.t0)
      throw new PolytopeError('bad-option', `piece ${p} has a bad range [${pc.t0}, ${pc.t1}]`);
    for (let r = 0; r < nOut; r++) {
      const a = pc.map[2 * r]!;
      const b = pc.map[2 * r + 1]!;
      const va = a + b * pc.t0;
      const vb = a + b * pc.t1;
      if (!Number.isFinite(va) || !Number.isFinite(vb)) throw new PolytopeError('non-finite', `output ${r} is not finite on piece ${p}`);
      lo = Math.min(lo, va, vb);
      hi = Math.max(hi, va, vb);
    }
  }
  return nOut === 0 ? [0, 1] : padRange(lo, hi);
}

/** The output legend right of the plot; outputs that do not fit are counted in a last line. */
function drawLegend(parts: string[], fr: Frame, names: readonly string[], nOut: number): void {
  const fit = Math.max(1, Math.floor((fr.h - 8) / 16));
  const shown = nOut <= fit ? nOut : fit - 1;
  const lx = fr.x + fr.w + 12;
  parts.push(`<g class="legend" font-size="11" fill="#222">\n`);
  for (let r = 0; r < shown; r++) {
    const ly = fr.y + 10 + r * 16;
    parts.push(`<path d="M${f(lx)},${f(ly)}h18" stroke="${LINE_COLORS[r % LINE_COLORS.length]!}" stroke-width="2.5"/>\n`);
    parts.push(`<text x="${f(lx + 24)}" y="${f(ly + 4)}">${esc(names[r] ?? `y${r}`)}</text>\n`);
  }
  if (shown < nOut) parts.push(`<text x="${f(lx)}" y="${f(fr.y + 14 + shown * 16)}">… ${nOut - shown} more</text>\n`);
  parts.push('</g>\n');
}
