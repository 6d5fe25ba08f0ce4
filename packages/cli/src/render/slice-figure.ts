/**
 * SVG figures of exact partitions: a 2-D slice (polygons in slice coordinates, decision boundary,
 * anchors, axes) and a 1-D line (coloured pieces, each output's piecewise-linear value). Pure:
 * geometry in, an SVG string out. The renderer knows nothing about networks — the caller turns each
 * region's activation code into an integer `colorKey` (e.g. `hashBytes(region.code)`).
 *
 * Strings are collected in an array and joined once, region paths are written as ASCII bytes, and
 * coordinates are rounded to 0.01 px: a figure of 200 000 hexagons is 22 MB, built in 0.2–0.4 s.
 */
import { OUTLINE_INK } from './linear-outlines.js';
import { PolytopeError } from '@polytope-lens/core';
import { LINE_COLORS, regionColor } from './color.js';
import { AsciiWriter, formatPx } from './format.js';
import { axisTicks, formatTick, ticksAt } from './ticks.js';
import type { AxisTicks } from './ticks.js';
import { ANCHOR_IN_BOX_REL, DEGENERATE_SPAN } from './constants.js';
import { drawAxes, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { INK, TEXT, esc, fitTitle, svgHead, textWidth } from './style.js';
import { classColor, drawColorBar, drawLegend, legendWidth } from './legend.js';
import type { LegendEntry } from './legend.js';

/** A small grey-scale image drawn beside an anchor (e.g. the MNIST digit the plane passes through). */
export interface Thumbnail {
  readonly width: number;
  readonly height: number;
  /** Row-major intensities in [0, 1] (0 = white paper, 1 = black ink). */
  readonly pixels: ArrayLike<number>;
}

/** A labelled point of the plane (e.g. an input A, B, C the plane was laid through). */
export interface SliceAnchor {
  readonly name: string;
  readonly s: number;
  readonly t: number;
  /** Printed after the name, e.g. 'true 7 · pred 7'. */
  readonly caption?: string;
  readonly thumbnail?: Thumbnail;
}

/** Input of `renderSliceSvg`. */
export interface SliceFigureInput {
  /** `[sMin, sMax, tMin, tMax]`: the part of the plane shown. */
  readonly box: readonly [number, number, number, number];
  /**
   * Polygons, interleaved `[s0, t0, s1, t1, …]`, and an integer colour key each (same key → same
   * colour); `fill` (a CSS colour) overrides the key's colour.
   */
  readonly regions: Iterable<{ readonly vertices: Float64Array; readonly colorKey: number; readonly fill?: string }>;
  /** Polylines drawn thick and black on top, interleaved `[s0, t0, s1, t1, …]`. */
  readonly boundary: readonly Float64Array[];
  /** Labelled points (e.g. the inputs A, B, C a plane was laid through). Points outside the box are left out. */
  readonly anchors?: readonly SliceAnchor[];
  /** Data points `[s0, t0, s1, t1, …]` drawn as dots, coloured by class when `labels` are given. Points outside the box are left out. */
  readonly points?: { readonly st: Float64Array; readonly labels?: ArrayLike<number>; readonly name?: string };
  /** A key right of the plot: class swatches or a diverging colour bar. */
  readonly legend?: SliceLegend;
  /**
   * Region edges: 'white' thin white outlines (default), 'faint' lighter ones (class and output
   * colourings), 'none' no outlines, so regions of one colour read as one (merged linear regions).
   */
  readonly edges?: 'white' | 'faint' | 'none';
  /**
   * Segments `[s0, t0, s1, t1]` drawn as a dark outline over the regions (under the decision
   * boundary): the edges between different linear regions and on the box (`linearRegionOutlines`).
   */
  readonly outlines?: readonly Float64Array[];
  /** A line of small print under the plot (e.g. what s and t measure). */
  readonly note?: string;
  readonly title?: string;
  /** Figure size in px (default 720 × 720); the box keeps equal axis scales inside it. */
  readonly width?: number;
  readonly height?: number;
  /** Axis labels (default `s` and `t`). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** The key of a slice figure. */
export type SliceLegend =
  | { readonly kind: 'entries'; readonly title?: string; readonly entries: readonly LegendEntry[] }
  | {
      readonly kind: 'colorbar';
      /** The scale's ends are ±maxAbs; values beyond take the end colours. */
      readonly maxAbs: number;
      readonly label: string;
      /** Entries drawn under the bar (e.g. the data points' classes). */
      readonly entries?: readonly LegendEntry[];
    };

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
  /** Data points (x in the domain's units, y in output units) drawn as dots; the y range always contains them. */
  readonly points?: { readonly x: ArrayLike<number>; readonly y: ArrayLike<number>; readonly name?: string };
  /** A fixed y range (e.g. the same for every frame of an animation); widened when a value or point falls outside it. */
  readonly valueRange?: readonly [number, number];
}

/** `NaN` or `Infinity` in formatted coordinates. */
const NON_FINITE = /[NI]/;

/** Rounds to 0.01 (px); `-0` prints as `0`. */
const f = formatPx;

function checkSize(v: number | undefined, dflt: number, what: string): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x < 50 || x > 100000)
    throw new PolytopeError('bad-option', `figure ${what} must be a number of pixels between 50 and 100000; got ${x}`);
  return x;
}

/** Most data points drawn (evenly thinned above it, so a 60 000-image training set stays a readable, small figure). */
const MAX_POINTS = 4000;
/** Width in px of the side column holding the legend and the anchor thumbnails. */
const SIDE = 150;
/** Regions thinner than this many px (2·area / perimeter) get an outline of their own colour, so they stay visible. */
const THIN_PX = 1.2;

/** The slice figure's layout: plot frame, px transform, side column. */
interface SliceLayout {
  fr: PlotFrame;
  k: number;
  ox: number;
  oy: number;
  side: number;
}

function sliceLayout(input: SliceFigureInput, W: number, H: number): SliceLayout {
  const [s0, s1, t0, t1] = input.box;
  const hasTitle = input.title !== undefined && input.title !== '';
  const thumbs = (input.anchors ?? []).some((a) => a.thumbnail !== undefined);
  const side = input.legend !== undefined || thumbs ? Math.min(SIDE, 0.3 * W) : 0;
  const left = 72;
  const right = 20 + side;
  const top = hasTitle ? 40 : 16;
  const bottom = input.note !== undefined && input.note !== '' ? 72 : 54;
  const aw = Math.max(10, W - left - right);
  const ah = Math.max(10, H - top - bottom);
  const k = Math.min(aw / (s1 - s0), ah / (t1 - t0));
  const w = (s1 - s0) * k;
  const h = (t1 - t0) * k;
  const fr: PlotFrame = { x: left + (aw - w) / 2, y: top + (ah - h) / 2, w, h, x0: s0, x1: s1, y0: t0, y1: t1 };
  // px = ox + s·k, py = oy − t·k
  return { fr, k, ox: fr.x - s0 * k, oy: fr.y + t1 * k, side };
}

/**
 * An SVG figure of a 2-D partition: each region filled with the colour of its `colorKey` (or its
 * `fill`) and outlined thinly in white (no outline once regions average under 2 px across; regions
 * thinner than a pixel get an outline of their own colour so they never vanish), the decision
 * boundary as thick black polylines on top, axes with nice ticks in slice coordinates, data points,
 * anchors as labelled dots with captions, a legend or colour bar and anchor thumbnails in a side
 * column, a note on units, and a title that fits. Equal axis scales: the box is fitted into
 * `width × height` and centred. Regions with fewer than three vertices are skipped; every other
 * region is exactly one `<path>` inside `<g class="regions">` (thin ones in `<g class="thin">`).
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
  const side = input.legend !== undefined || (input.anchors ?? []).some((a) => a.thumbnail !== undefined);
  const W = checkSize(input.width, side ? 720 + SIDE : 720, 'width');
  const H = checkSize(input.height, 720, 'height');
  const L = sliceLayout(input, W, H);
  const { fr, k, ox, oy } = L;
  const parts: string[] = [svgHead(W, H)];
  parts.push(`<clipPath id="pl-plot"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(fr.w)}" height="${f(fr.h)}"/></clipPath>\n`);
  drawRegions(parts, input, L);
  if (input.outlines !== undefined) drawOutlines(parts, input.outlines, ox, oy, k);
  drawBoundary(parts, input.boundary, ox, oy, k);
  if (input.points !== undefined) drawPoints(parts, input.points, fr);
  const maxTicks = Math.max(2, Math.min(Math.floor(fr.w / 80), Math.floor(fr.h / 60)));
  // One step on both axes (equal scales), from the longer side; at least two labels on each.
  const st = axisTicks(s0, s1, maxTicks);
  const tt = axisTicks(t0, t1, maxTicks);
  const step = Math.max(tickStep(st), tickStep(tt));
  drawAxes(parts, fr, ticksOrFallback(s0, s1, step, st), ticksOrFallback(t0, t1, step, tt), {
    xLabel: input.xLabel ?? 's',
    yLabel: input.yLabel ?? 't',
  });
  drawAnchors(parts, input, L);
  drawSide(parts, input, L, W);
  if (input.note !== undefined && input.note !== '')
    parts.push(
      `<text class="note" x="${f(fr.x + fr.w / 2)}" y="${f(fr.y + fr.h + 60)}" font-size="${TEXT.small}" fill="${INK.muted}" text-anchor="middle">${esc(input.note)}</text>\n`,
    );
  parts.push(fitTitle(input.title, fr.x + fr.w / 2, fr.y - 14, 2 * Math.min(fr.x + fr.w / 2, W - fr.x - fr.w / 2) - 8));
  parts.push('</svg>\n');
  return parts.join('');
}

/** The step between consecutive ticks (Infinity for fewer than two). */
function tickStep(t: AxisTicks): number {
  return t.values.length >= 2 ? t.values[1]! - t.values[0]! : Infinity;
}

/** Ticks at `step` when at least two fit in [lo, hi], else the axis's own ticks. */
function ticksOrFallback(lo: number, hi: number, step: number, own: AxisTicks): AxisTicks {
  if (!Number.isFinite(step)) return own;
  const values = ticksAt(lo, hi, step);
  return values.length >= 2 ? { values, labels: values.map((v) => formatTick(v, step)) } : own;
}

function drawRegions(parts: string[], input: SliceFigureInput, L: SliceLayout): void {
  const { fr, ox, oy, k } = L;
  // Regions are written as ASCII bytes (no per-coordinate strings: see AsciiWriter).
  const out = new AsciiWriter(1 << 20);
  const thin = new AsciiWriter(1 << 10);
  const n = writeRegionPaths(out, thin, input.regions, ox, oy, k);
  // Edge strokes thin out as regions shrink: about a tenth of a typical region's width, 0.2–0.75 px;
  // none once regions are under 2 px across (they would only grey the picture, and double the
  // PNG rasterization time).
  const typical = Math.sqrt((fr.w * fr.h) / Math.max(1, n));
  const sw = Math.min(0.75, Math.max(0.2, 0.1 * typical));
  const edges = input.edges ?? 'white';
  parts.push(
    typical < 2 || edges === 'none'
      ? '<g class="regions">\n'
      : `<g class="regions" stroke="#ffffff" stroke-opacity="${edges === 'faint' ? 0.25 : 0.7}" stroke-width="${f(sw)}" stroke-linejoin="round">\n`,
  );
  parts.push(out.toString());
  parts.push('</g>\n');
  if (thin.length > 0) parts.push(`<g class="thin" stroke-width="${THIN_PX}" stroke-linejoin="round">\n`, thin.toString(), '</g>\n');
}

/** Outline segments as one dark path (segments that collapse to one px point are skipped). */
function drawOutlines(parts: string[], segments: readonly Float64Array[], ox: number, oy: number, k: number): void {
  let d = '';
  for (const g of segments) {
    const a = f(ox + g[0]! * k) + ',' + f(oy - g[1]! * k);
    const b = f(ox + g[2]! * k) + ',' + f(oy - g[3]! * k);
    if (a !== b) d += 'M' + a + 'L' + b;
  }
  if (NON_FINITE.test(d)) throw new PolytopeError('non-finite', 'an outline segment has a non-finite point; cannot draw it');
  if (d !== '')
    parts.push(
      `<g class="outlines" clip-path="url(#pl-plot)"><path d="${d}" fill="none" stroke="${OUTLINE_INK}" stroke-width="1.1" stroke-linecap="round"/></g>\n`,
    );
}

function drawBoundary(parts: string[], boundary: readonly Float64Array[], ox: number, oy: number, k: number): void {
  let bd = '';
  for (const line of boundary) {
    const m = line.length >> 1;
    if (m < 2) continue;
    let seg = 'M' + f(ox + line[0]! * k) + ',' + f(oy - line[1]! * k) + 'L';
    const first = seg;
    for (let i = 1; i < m; i++) seg += (i > 1 ? ' ' : '') + f(ox + line[2 * i]! * k) + ',' + f(oy - line[2 * i + 1]! * k);
    // A polyline that collapses to one px point is degenerate (and resvg must not get one).
    if (
      seg
        .slice(first.length)
        .split(' ')
        .every((p) => 'M' + p + 'L' === first)
    )
      continue;
    bd += seg;
  }
  if (NON_FINITE.test(bd)) throw new PolytopeError('non-finite', 'a boundary polyline has a non-finite point; cannot draw it');
  if (bd !== '')
    parts.push(
      `<g class="boundary" clip-path="url(#pl-plot)"><path d="${bd}" fill="none" stroke="#000000" stroke-width="2.2" stroke-linejoin="round" stroke-linecap="round"/></g>\n`,
    );
}

/** Data points as dots (class colours), thinned evenly above MAX_POINTS; points outside the plot are left out. */
function drawPoints(parts: string[], pts: NonNullable<SliceFigureInput['points']>, fr: PlotFrame): void {
  const n = pts.st.length >> 1;
  const every = Math.max(1, Math.ceil(n / MAX_POINTS));
  const dots: string[] = [];
  for (let i = 0; i < n; i += every) {
    const s = pts.st[2 * i]!;
    const t = pts.st[2 * i + 1]!;
    if (!(s >= fr.x0 && s <= fr.x1 && t >= fr.y0 && t <= fr.y1)) continue;
    const fill = pts.labels !== undefined ? classColor(pts.labels[i]!) : '#000000';
    dots.push(`<circle cx="${f(px(fr, s))}" cy="${f(py(fr, t))}" r="2.2" fill="${fill}"/>\n`);
  }
  if (dots.length > 0) parts.push(`<g class="points" stroke="#ffffff" stroke-width="0.5">\n`, ...dots, '</g>\n');
}

function drawAnchors(parts: string[], input: SliceFigureInput, L: SliceLayout): void {
  const [s0, s1, t0, t1] = input.box;
  const tolS = ANCHOR_IN_BOX_REL * (s1 - s0);
  const tolT = ANCHOR_IN_BOX_REL * (t1 - t0);
  const shown = (input.anchors ?? []).filter((a) => a.s >= s0 - tolS && a.s <= s1 + tolS && a.t >= t0 - tolT && a.t <= t1 + tolT);
  if (shown.length === 0) return;
  parts.push(`<g class="anchors" font-size="${TEXT.label}" font-weight="bold">\n`);
  for (const a of shown) {
    const x = L.ox + a.s * L.k;
    const y = L.oy - a.t * L.k;
    const text = a.caption !== undefined ? `${a.name}: ${a.caption}` : a.name;
    // Labels go right of the dot unless they would leave the plot.
    const right = x + 7 + textWidth(text, TEXT.label, true) <= L.fr.x + L.fr.w;
    parts.push(`<circle cx="${f(x)}" cy="${f(y)}" r="4.5" fill="#ffffff" stroke="#000000" stroke-width="1.6"/>\n`);
    parts.push(
      `<text x="${f(right ? x + 7 : x - 7)}" y="${f(y - 7)}" text-anchor="${right ? 'start' : 'end'}" fill="#000000" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(text)}</text>\n`,
    );
  }
  parts.push('</g>\n');
}

/** The side column: legend or colour bar, then the anchors' thumbnails. */
function drawSide(parts: string[], input: SliceFigureInput, L: SliceLayout, W: number): void {
  if (L.side === 0) return;
  const x = W - L.side - 4;
  let y = L.fr.y;
  const lg = input.legend;
  if (lg?.kind === 'entries') y += drawLegend(parts, x, y, lg.entries, lg.title, L.fr.h / 2) + 12;
  else if (lg?.kind === 'colorbar') {
    const h = Math.min(240, L.fr.h * 0.55);
    drawColorBar(parts, x + 4, y, h, lg.maxAbs, lg.label);
    y += h + 20;
    if (lg.entries !== undefined && lg.entries.length > 0) y += drawLegend(parts, x, y, lg.entries, undefined, L.fr.h / 3) + 12;
  }
  const thumbs = (input.anchors ?? []).filter((a) => a.thumbnail !== undefined);
  const size = Math.min(56, (L.fr.y + L.fr.h - y) / Math.max(1, thumbs.length) - 8);
  if (thumbs.length === 0 || size < 12) return;
  parts.push(`<g class="thumbnails" font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  for (const a of thumbs) {
    drawThumbnail(parts, a.thumbnail!, x, y, size);
    parts.push(`<text x="${f(x + size + 6)}" y="${f(y + 12)}" font-weight="bold">${esc(a.name)}</text>\n`);
    if (a.caption !== undefined) parts.push(`<text x="${f(x + size + 6)}" y="${f(y + 27)}">${esc(a.caption)}</text>\n`);
    y += size + 8;
  }
  parts.push('</g>\n');
}

/** A grey-scale image as one `<path>` per grey level (few elements, no embedded bitmap), framed. */
function drawThumbnail(parts: string[], img: Thumbnail, x: number, y: number, size: number): void {
  const c = size / Math.max(img.width, img.height);
  const byLevel = new Map<number, string>();
  for (let r = 0; r < img.height; r++)
    for (let q = 0; q < img.width; q++) {
      const v = Math.max(0, Math.min(1, img.pixels[r * img.width + q]!));
      const level = Math.round(v * 8);
      if (level === 0 || !Number.isFinite(v)) continue;
      byLevel.set(level, (byLevel.get(level) ?? '') + `M${f(x + q * c)},${f(y + r * c)}h${f(c)}v${f(c)}h${f(-c)}z`);
    }
  parts.push(
    `<rect x="${f(x)}" y="${f(y)}" width="${f(img.width * c)}" height="${f(img.height * c)}" fill="#ffffff" stroke="${INK.axis}" stroke-width="0.8"/>\n`,
  );
  for (const [level, d] of [...byLevel.entries()].sort((a, b) => a[0] - b[0])) {
    const g = Math.round(255 * (1 - level / 8));
    const hex = (g < 16 ? '0' : '') + g.toString(16);
    parts.push(`<path d="${d}" fill="#${hex}${hex}${hex}"/>\n`);
  }
}

/**
 * Writes one filled path per region (at least 3 vertices) to `out` — or to `thin`, with an outline
 * of its own colour, when the region is thinner than THIN_PX — in hundredths of a pixel, with
 * pixel = (ox + s·k, oy − t·k); returns how many were drawn. Regions that collapse to fewer than
 * three distinct px points are degenerate and left out.
 */
function writeRegionPaths(
  out: AsciiWriter,
  thin: AsciiWriter,
  regions: SliceFigureInput['regions'],
  ox: number,
  oy: number,
  k: number,
): number {
  let n = 0;
  let ri = 0;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const r of regions) {
    const v = r.vertices;
    const m = v.length >> 1;
    ri++;
    if (m < 3) continue;
    let finite = true;
    for (let i = 0; i < 2 * m; i++) finite = finite && Number.isFinite(v[i]!);
    if (!finite) throw new PolytopeError('non-finite', `region ${ri - 1} has a non-finite vertex; cannot draw it`);
    // Round once to integer hundredths of a pixel, drop repeated points.
    xs.length = 0;
    ys.length = 0;
    for (let i = 0; i < m; i++) {
      const nx = Math.round((ox + v[2 * i]! * k) * 100);
      const ny = Math.round((oy - v[2 * i + 1]! * k) * 100);
      if (xs.length > 0 && nx === xs[xs.length - 1] && ny === ys[ys.length - 1]) continue;
      xs.push(nx);
      ys.push(ny);
    }
    if (xs.length > 1 && xs[0] === xs[xs.length - 1] && ys[0] === ys[ys.length - 1]) {
      xs.pop();
      ys.pop();
    }
    if (xs.length < 3) continue;
    let area2 = 0;
    let perim = 0;
    for (let i = 0; i < xs.length; i++) {
      const j = (i + 1) % xs.length;
      area2 += xs[i]! * ys[j]! - xs[j]! * ys[i]!;
      perim += Math.hypot(xs[j]! - xs[i]!, ys[j]! - ys[i]!);
    }
    const color = r.fill ?? regionColor(r.colorKey);
    // Width in px ≈ 2·area / perimeter (coordinates are in hundredths).
    const isThin = Math.abs(area2) / perim / 100 < THIN_PX;
    const w = isThin ? thin : out;
    w.text('<path fill="');
    w.text(color);
    if (isThin) {
      w.text('" stroke="');
      w.text(color);
    }
    w.text('" d="M');
    for (let i = 0; i < xs.length; i++) {
      if (i === 1)
        w.byte(76); // 'L'
      else if (i > 1) w.byte(32);
      w.centi(xs[i]!);
      w.byte(44); // ','
      w.centi(ys[i]!);
    }
    w.text('Z"/>\n');
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
  let [lo, hi] = lineValueRange(pieces, nOut, input.points);
  const vr = input.valueRange;
  if (vr !== undefined && Number.isFinite(vr[0]) && Number.isFinite(vr[1]) && vr[0] < vr[1])
    [lo, hi] = [Math.min(lo, vr[0]), Math.max(hi, vr[1])];

  const names = input.outputNames ?? Array.from({ length: nOut }, (_, r) => `y${r}`);
  const entries: LegendEntry[] = [];
  if (nOut > 0 && (nOut > 1 || input.outputNames !== undefined))
    for (let r = 0; r < nOut; r++)
      entries.push({ label: names[r] ?? `y${r}`, color: LINE_COLORS[r % LINE_COLORS.length]!, marker: 'line' });
  if (input.points !== undefined && input.points.name !== undefined)
    entries.push({ label: input.points.name, color: '#000000', marker: 'dot' });
  const hasTitle = input.title !== undefined && input.title !== '';
  const left = 72;
  const right = entries.length > 0 ? Math.min(0.35 * W, 30 + legendWidth(entries)) : 20;
  const top = hasTitle ? 40 : 16;
  const bottom = 54;
  const fr: PlotFrame = {
    x: left,
    y: top,
    w: Math.max(10, W - left - right),
    h: Math.max(10, H - top - bottom),
    x0: d0,
    x1: d1,
    y0: lo,
    y1: hi,
  };
  const sx = (t: number): number => px(fr, t);
  const sy = (v: number): number => py(fr, v);

  const parts: string[] = [svgHead(W, H)];
  parts.push(`<clipPath id="pl-plot"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(fr.w)}" height="${f(fr.h)}"/></clipPath>\n`);
  drawPieces(parts, pieces, fr);
  if (lo < 0 && hi > 0) {
    parts.push(
      `<path class="zero" d="M${f(fr.x)},${f(sy(0))}h${f(fr.w)}" stroke="${INK.muted}" stroke-width="1" stroke-dasharray="4 3" fill="none"/>\n`,
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
    // A polyline that never leaves its first point is degenerate (resvg must not get one).
    if (d.includes('L')) parts.push(`<path stroke="${LINE_COLORS[r % LINE_COLORS.length]!}" d="${d}"/>\n`);
  }
  parts.push('</g>\n');
  if (input.points !== undefined) drawLinePoints(parts, input.points, fr);

  const xt = axisTicks(d0, d1, Math.max(2, Math.floor(fr.w / 80)));
  const yt = axisTicks(lo, hi, Math.max(2, Math.floor(fr.h / 50)));
  drawAxes(parts, fr, xt, yt, { xLabel: input.xLabel ?? 't', yLabel: input.yLabel ?? 'output' });

  if (entries.length > 0) drawLegend(parts, fr.x + fr.w + 12, fr.y, entries, undefined, fr.h);
  parts.push(fitTitle(input.title, fr.x + fr.w / 2, fr.y - 14, 2 * Math.min(fr.x + fr.w / 2, W - fr.x - fr.w / 2) - 8));
  parts.push('</svg>\n');
  return parts.join('');
}

/** The pieces as coloured vertical bands. */
function drawPieces(parts: string[], pieces: readonly { t0: number; t1: number; colorKey: number }[], fr: PlotFrame): void {
  parts.push(`<g class="pieces" clip-path="url(#pl-plot)" fill-opacity="0.6">\n`);
  for (const pc of pieces) {
    const xa = px(fr, pc.t0);
    // A piece narrower than 0.01 px would be a degenerate rectangle: draw it 0.01 px wide.
    parts.push(
      `<rect x="${f(xa)}" y="${f(fr.y)}" width="${f(Math.max(0.01, px(fr, pc.t1) - xa))}" height="${f(fr.h)}" fill="${regionColor(pc.colorKey)}"/>\n`,
    );
  }
  parts.push('</g>\n');
}

/** 1-D data points as small dots; points outside the plot are left out (never handed to the renderer). */
function drawLinePoints(parts: string[], pts: NonNullable<LineFigureInput['points']>, fr: PlotFrame): void {
  const n = Math.min(pts.x.length, pts.y.length);
  const every = Math.max(1, Math.ceil(n / MAX_POINTS));
  const dots: string[] = [];
  for (let i = 0; i < n; i += every) {
    const x = pts.x[i]!;
    const y = pts.y[i]!;
    if (!(x >= fr.x0 && x <= fr.x1 && y >= fr.y0 && y <= fr.y1)) continue;
    dots.push(`<circle cx="${f(px(fr, x))}" cy="${f(py(fr, y))}" r="1.6"/>\n`);
  }
  if (dots.length > 0) parts.push(`<g class="points" fill="#000000" fill-opacity="0.7">\n`, ...dots, '</g>\n');
}

/** Checks every piece's range and map, and returns the padded y range of all outputs ([0, 1] when none). */
function lineValueRange(
  pieces: readonly { readonly t0: number; readonly t1: number; readonly map: Float64Array }[],
  nOut: number,
  points?: LineFigureInput['points'],
): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  if (points !== undefined)
    for (let i = 0; i < points.y.length; i++) {
      const v = points.y[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
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
  return lo <= hi ? padRange(lo, hi) : [0, 1];
}
