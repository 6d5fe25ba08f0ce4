/**
 * Plot frames and their axes, shared by every figure: a rectangle in px with data ranges, scales
 * (linear, or log₁₀ on y), tick marks and labels from `ticks.ts`, axis labels in the shared font.
 * Pure string builders.
 */
import { formatPx as f } from './format.js';
import { INK, TEXT, esc, textWidth } from './style.js';
import type { AxisTicks } from './ticks.js';

/** A plot area in px (`x`, `y` top-left, `w`, `h`) and its data ranges (a log y axis holds log10 values). */
export interface PlotFrame {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  /** y values are plotted as log10 (y0, y1 are then exponents). */
  readonly yLog?: boolean;
}

/** Pixel x of data value `v`. */
export function px(fr: PlotFrame, v: number): number {
  return fr.x + ((v - fr.x0) / (fr.x1 - fr.x0)) * fr.w;
}

/** Pixel y of data value `v` (log10 of it on a log axis; values ≤ 0 land on the bottom edge). */
export function py(fr: PlotFrame, v: number): number {
  const u = fr.yLog ? (v > 0 ? Math.log10(v) : fr.y0) : v;
  return fr.y + fr.h - ((u - fr.y0) / (fr.y1 - fr.y0)) * fr.h;
}

/** Light horizontal grid lines at the y ticks; draw before the data so they stay behind it. */
export function drawGrid(parts: string[], fr: PlotFrame, yt: AxisTicks): void {
  if (yt.values.length === 0) return;
  let g = '';
  for (const v of yt.values) g += `M${f(fr.x)},${f(fr.y + fr.h - ((v - fr.y0) / (fr.y1 - fr.y0)) * fr.h)}h${f(fr.w)}`;
  parts.push(`<path class="grid" d="${g}" stroke="${INK.grid}" stroke-width="1" fill="none"/>\n`);
}

/** Options of `drawAxes`. */
export interface AxesOptions {
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Leave out the x tick labels (categorical axes label themselves). */
  readonly noXTicks?: boolean;
}

/**
 * Frame, tick marks, tick labels and axis labels of `fr`; tick values are in the frame's data units
 * (exponents on a log axis). The y label sits left of the widest tick label, never over it.
 *
 * @example
 * const parts: string[] = [];
 * drawAxes(parts, fr, axisTicks(0, 1, 4), axisTicks(0, 10, 4, true), { xLabel: 's', yLabel: 'count' });
 */
export function drawAxes(parts: string[], fr: PlotFrame, xt: AxisTicks, yt: AxisTicks, o: AxesOptions = {}): void {
  const { x, y, w, h } = fr;
  const sx = (v: number): number => x + ((v - fr.x0) / (fr.x1 - fr.x0)) * w;
  const sy = (v: number): number => y + h - ((v - fr.y0) / (fr.y1 - fr.y0)) * h;
  parts.push(
    `<rect class="frame" x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="none" stroke="${INK.axis}" stroke-width="1"/>\n`,
  );
  let d = '';
  if (o.noXTicks !== true) for (const v of xt.values) d += `M${f(sx(v))},${f(y + h)}v5`;
  for (const v of yt.values) d += `M${f(x)},${f(sy(v))}h-5`;
  if (d !== '') parts.push(`<path class="ticks" d="${d}" stroke="${INK.axis}" stroke-width="1" fill="none"/>\n`);
  parts.push(`<g class="tick-labels" font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  if (o.noXTicks !== true)
    xt.values.forEach((v, i) =>
      parts.push(`<text x="${f(sx(v))}" y="${f(y + h + 18)}" text-anchor="middle">${esc(xt.labels[i] ?? '')}</text>\n`),
    );
  let maxW = 0;
  yt.values.forEach((v, i) => {
    const s = yt.labels[i] ?? '';
    maxW = Math.max(maxW, textWidth(s, TEXT.tick));
    parts.push(`<text x="${f(x - 8)}" y="${f(sy(v) + 4)}" text-anchor="end">${esc(s)}</text>\n`);
  });
  parts.push('</g>\n');
  if (o.xLabel !== undefined && o.xLabel !== '')
    parts.push(
      `<text class="x-label" x="${f(x + w / 2)}" y="${f(y + h + 40)}" font-size="${TEXT.label}" text-anchor="middle" fill="${INK.text}">${esc(o.xLabel)}</text>\n`,
    );
  if (o.yLabel !== undefined && o.yLabel !== '') {
    const ylx = Math.max(TEXT.label + 1, x - 8 - maxW - 12);
    parts.push(
      `<text class="y-label" transform="translate(${f(ylx)},${f(y + h / 2)}) rotate(-90)" font-size="${TEXT.label}" text-anchor="middle" fill="${INK.text}">${esc(o.yLabel)}</text>\n`,
    );
  }
}
