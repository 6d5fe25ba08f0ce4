/**
 * Small SVG figures for `polytope lens` and `polytope truncate|construct --frames`: grouped bars,
 * overlaid histograms, a breakpoint strip along a path, a distance heat map, and 2-D point/grid
 * frames. Shared look (style.ts), shared axes and nice ticks (axes.ts, ticks.ts): counts get integer
 * ticks, values that span decades a log axis. Pure string builders; no network knowledge.
 */
import type { Network } from '@polytope-lens/core';
import { drawAxes, drawGrid, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { LINE_COLORS, oklchToHex } from './color.js';
import { formatPx as f } from './format.js';
import { classColor, drawLegend, legendWidth } from './legend.js';
import type { LegendEntry } from './legend.js';
import { INK, TEXT, esc, fitTitle, svgHead } from './style.js';
import { axisTicks, logTicks, spansDecades } from './ticks.js';
import { TICK_SNAP } from './constants.js';
import type { AxisTicks } from './ticks.js';

const W = 640;
const H = 400;
const M = { l: 72, r: 20, t: 40, b: 54 };

function color(k: number): string {
  return LINE_COLORS[k % LINE_COLORS.length]!;
}

/** A plot frame filling the figure, leaving `right` px for a legend. */
function plotFrame(right: number, x0: number, x1: number, y0: number, y1: number, yLog = false): PlotFrame {
  return { x: M.l, y: M.t, w: W - M.l - M.r - right, h: H - M.t - M.b, x0, x1, y0, y1, yLog };
}

/** A y axis from 0 (or, spanning decades, a log axis) that holds `values`; integer ticks for counts. */
function valueAxis(values: readonly number[], integer: boolean): { y0: number; y1: number; ticks: AxisTicks; log: boolean } {
  const pos = values.filter((v) => v > 0);
  if (!integer && pos.length === values.length && pos.length > 1 && spansDecades(pos)) {
    const lo = Math.min(...pos);
    const hi = Math.max(...pos);
    const y0 = Math.floor(Math.log10(lo));
    const y1 = Math.ceil(Math.log10(hi) + 0.05);
    return { y0, y1, ticks: logTicks(Math.pow(10, y0), Math.pow(10, y1)), log: true };
  }
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const top = max > 0 ? max * 1.08 : 1;
  const ticks = axisTicks(0, top, 5, integer);
  const y1 = Math.max(top, ticks.values[ticks.values.length - 1] ?? top);
  return { y0: 0, y1, ticks, log: false };
}

/** Series swatches right of the plot; returns the width it takes. */
function seriesLegend(names: readonly string[], marker: LegendEntry['marker'] = 'swatch'): { entries: LegendEntry[]; width: number } {
  const entries = names.map((name, k) => ({ label: name, color: color(k), marker }));
  return { entries, width: names.length > 1 ? legendWidth(entries) + 16 : 0 };
}

/**
 * Grouped bar chart: `groups` along x, one bar per series; the y axis is linear from 0 with nice
 * ticks, or log₁₀ when the values span three decades or more.
 *
 * @example
 * barChartSvg('Layer weight norms', ['dense 1', 'dense 2'], [{ name: 'spectral', values: [2.1, 1.4] }], 'norm');
 */
export function barChartSvg(title: string, groups: string[], series: { name: string; values: number[] }[], yLabel: string): string {
  const all = series.flatMap((s) => s.values);
  const ax = valueAxis(all, false);
  const lg = seriesLegend(series.map((s) => s.name));
  const fr = plotFrame(lg.width, 0, Math.max(1, groups.length), ax.y0, ax.y1, ax.log);
  const parts: string[] = [svgHead(W, H)];
  const gw = fr.w / Math.max(1, groups.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const base = fr.y + fr.h;
  drawGrid(parts, fr, ax.ticks);
  parts.push(`<g class="bars">\n`);
  groups.forEach((_, i) => {
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      if (!(Number.isFinite(v) && v > 0) && !(v < 0 && !ax.log)) return;
      const top = Math.max(fr.y, Math.min(base, py(fr, v)));
      const x = fr.x + i * gw + gw * 0.1 + k * bw;
      if (base - top > 0) parts.push(`<rect x="${f(x)}" y="${f(top)}" width="${f(bw)}" height="${f(base - top)}" fill="${color(k)}"/>\n`);
    });
  });
  parts.push('</g>\n');
  drawAxes(parts, fr, { values: [], labels: [] }, ax.ticks, {
    yLabel: yLabel + (ax.log ? ' (log scale)' : ''),
    noXTicks: true,
  });
  parts.push(`<g class="groups" font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  groups.forEach((g, i) => parts.push(`<text x="${f(fr.x + (i + 0.5) * gw)}" y="${f(base + 18)}" text-anchor="middle">${esc(g)}</text>\n`));
  parts.push('</g>\n');
  if (lg.width > 0) drawLegend(parts, fr.x + fr.w + 12, fr.y, lg.entries, undefined, fr.h);
  parts.push(fitTitle(title, W / 2, 24, W - 8), '</svg>\n');
  return parts.join('');
}

/**
 * Overlaid histograms of several samples on shared bins whose edges are nice numbers; counts on an
 * integer axis. Samples spanning three decades or more (all positive) are binned on a log₁₀ axis.
 *
 * @example
 * histogramSvg('Region Jacobian norms', [{ name: 'spectral', values: [1, 2, 2, 3] }], 'norm');
 */
export function histogramSvg(title: string, samples: { name: string; values: ArrayLike<number> }[], xLabel: string, bins = 30): string {
  const all: number[] = [];
  for (const s of samples) for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i]!)) all.push(s.values[i]!);
  const log = all.length > 1 && spansDecades(all);
  const tx = (v: number): number => (log ? Math.log10(v) : v);
  // Loops, not Math.min(...all): samples can be large.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of all) {
    lo = Math.min(lo, tx(v));
    hi = Math.max(hi, tx(v));
  }
  if (all.length === 0) [lo, hi] = [0, 1];
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  // Bin edges on a nice step covering [lo, hi].
  const step = axisTicks(lo, hi, bins).values;
  const width = step.length >= 2 ? step[1]! - step[0]! : (hi - lo) / bins;
  const b0 = Math.floor(lo / width) * width;
  const nb = Math.max(1, Math.ceil((hi - b0) / width + TICK_SNAP));
  const counts = samples.map((s) => {
    const c = new Array<number>(nb).fill(0);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v) && (!log || v > 0)) c[Math.max(0, Math.min(nb - 1, Math.floor((tx(v) - b0) / width)))]!++;
    }
    return c;
  });
  const ax = valueAxis(counts.flat(), true);
  const lg = seriesLegend(samples.map((s) => s.name));
  const fr = plotFrame(lg.width, b0, b0 + nb * width, ax.y0, ax.y1);
  const parts: string[] = [svgHead(W, H)];
  drawGrid(parts, fr, ax.ticks);
  parts.push(`<g class="bins" fill-opacity="${samples.length > 1 ? 0.55 : 0.9}">\n`);
  counts.forEach((c, k) =>
    c.forEach((v, i) => {
      if (v === 0) return;
      const x = px(fr, b0 + i * width);
      const top = py(fr, v);
      parts.push(
        `<rect x="${f(x)}" y="${f(top)}" width="${f(px(fr, b0 + (i + 1) * width) - x)}" height="${f(fr.y + fr.h - top)}" fill="${color(k)}"/>\n`,
      );
    }),
  );
  parts.push('</g>\n');
  const xt = log ? logTicks(Math.pow(10, fr.x0), Math.pow(10, fr.x1)) : axisTicks(fr.x0, fr.x1, 6);
  drawAxes(parts, fr, xt, ax.ticks, { xLabel: xLabel + (log ? ' (log scale)' : ''), yLabel: 'count' });
  if (lg.width > 0) drawLegend(parts, fr.x + fr.w + 12, fr.y, lg.entries, undefined, fr.h);
  parts.push(fitTitle(title, W / 2, 24, W - 8), '</svg>\n');
  return parts.join('');
}

/**
 * Breakpoints along paths: one row per path, ticks coloured by layer, a layer legend.
 *
 * @example
 * breakpointStripSvg('Crossings', [{ label: '0→1', breakpoints: [0.2, 0.7], layers: [0, 1] }], 2, ['dense 1', 'dense 2']);
 */
export function breakpointStripSvg(
  title: string,
  rows: { label: string; breakpoints: ArrayLike<number>; layers: ArrayLike<number> }[],
  numLayers: number,
  layerNames?: readonly string[],
): string {
  const names = Array.from({ length: numLayers }, (_, l) => layerNames?.[l] ?? `layer ${l + 1}`);
  const lg = seriesLegend(names, 'line');
  const legendW = numLayers > 0 ? legendWidth(lg.entries) + 16 : 0;
  const fr = plotFrame(legendW, 0, 1, 0, Math.max(1, rows.length));
  const rh = fr.h / Math.max(1, rows.length);
  const parts: string[] = [svgHead(W, H)];
  parts.push(`<g class="rows" font-size="${TEXT.small}" fill="${INK.text}">\n`);
  rows.forEach((r, i) => {
    const yc = fr.y + (i + 0.5) * rh;
    if (rh >= 9) parts.push(`<text x="${f(fr.x - 6)}" y="${f(yc + 3)}" text-anchor="end">${esc(r.label)}</text>\n`);
    parts.push(`<path d="M${f(fr.x)},${f(yc)}h${f(fr.w)}" stroke="${INK.grid}"/>\n`);
    for (let k = 0; k < r.breakpoints.length; k++) {
      const t = r.breakpoints[k]!;
      if (!(t >= 0 && t <= 1)) continue;
      const l = r.layers[k]!;
      parts.push(
        `<path d="M${f(px(fr, t))},${f(yc - rh * 0.4)}v${f(Math.max(1, rh * 0.8))}" stroke="${color(Math.max(0, l))}" stroke-width="1"/>\n`,
      );
    }
  });
  parts.push('</g>\n');
  drawAxes(parts, fr, axisTicks(0, 1, 5), { values: [], labels: [] }, { xLabel: 'position along the path (t)' });
  if (numLayers > 0) drawLegend(parts, fr.x + fr.w + 12, fr.y, lg.entries, 'layer', fr.h);
  parts.push(fitTitle(title, W / 2, 24, W - 8), '</svg>\n');
  return parts.join('');
}

/** Sequential colour of `u` in [0, 1] (white → dark blue), for heat maps. */
function sequential(u: number): string {
  const q = Math.round(Math.max(0, Math.min(1, u)) * 32) / 32;
  return q === 0 ? '#ffffff' : oklchToHex(1 - 0.6 * q, 0.14 * q, 255);
}

/**
 * Square heat map of a symmetric distance matrix (row-major n × n) with integer index axes and a
 * colour bar.
 *
 * @example
 * heatmapSvg('Hamming distance', Float64Array.of(0, 3, 3, 0), 2);
 */
export function heatmapSvg(title: string, values: Float64Array, n: number): string {
  let max = 0;
  for (const v of values) if (Number.isFinite(v)) max = Math.max(max, v);
  const size = Math.min(W - M.l - M.r - 110, H - M.t - M.b);
  const fr: PlotFrame = { x: M.l, y: M.t, w: size, h: size, x0: 0, x1: Math.max(1, n), y0: Math.max(1, n), y1: 0 };
  const c = size / Math.max(1, n);
  const parts: string[] = [svgHead(W, H), '<g class="cells">\n'];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      parts.push(
        `<rect x="${f(fr.x + j * c)}" y="${f(fr.y + i * c)}" width="${f(c + 0.02)}" height="${f(c + 0.02)}" fill="${sequential(values[i * n + j]! / (max || 1))}"/>\n`,
      );
  parts.push('</g>\n');
  // Row index grows downwards (matrix order): tick values are mirrored onto the flipped axis.
  const it = axisTicks(0, Math.max(1, n - 1), 6, true);
  const xt: AxisTicks = { values: it.values.map((v) => v + 0.5), labels: it.labels };
  const yt: AxisTicks = { values: it.values.map((v) => v + 0.5), labels: it.labels };
  drawAxes(parts, fr, xt, yt, { xLabel: 'input j', yLabel: 'input i' });
  // Colour bar.
  const bx = fr.x + size + 24;
  const steps = 32;
  parts.push('<g class="colorbar">\n');
  for (let k = 0; k < steps; k++)
    parts.push(
      `<rect x="${f(bx)}" y="${f(fr.y + (k * size) / steps)}" width="14" height="${f(size / steps + 0.5)}" fill="${sequential(1 - (k + 0.5) / steps)}"/>\n`,
    );
  parts.push(`<rect x="${f(bx)}" y="${f(fr.y)}" width="14" height="${f(size)}" fill="none" stroke="${INK.axis}" stroke-width="0.8"/>\n`);
  const bt = axisTicks(0, max || 1, 5, Number.isInteger(max));
  parts.push(`<g font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  bt.values.forEach((v, k) => {
    const y = fr.y + size - (v / (max || 1)) * size;
    parts.push(
      `<path d="M${f(bx + 14)},${f(y)}h4" stroke="${INK.axis}"/><text x="${f(bx + 21)}" y="${f(y + 4)}">${esc(bt.labels[k]!)}</text>\n`,
    );
  });
  parts.push('</g>\n</g>\n');
  parts.push(fitTitle(title, W / 2, 24, W - 8), '</svg>\n');
  return parts.join('');
}

/**
 * One 2-D frame: a warped grid (polylines) and points coloured by class, in a fixed box, with axes,
 * nice ticks and a class legend. Points outside the box are left out.
 *
 * @example
 * pointsFrameSvg('after τ^(1)', [-1, 1, -1, 1], [Float64Array.of(-1, 0, 1, 0)], Float64Array.of(0.5, 0.5), [0]);
 */
export function pointsFrameSvg(
  title: string,
  box: [number, number, number, number],
  grid: Float64Array[],
  points: Float64Array,
  labels: ArrayLike<number>,
  marks: Float64Array[] = [],
): string {
  const [x0, x1, y0, y1] = box;
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const entries: LegendEntry[] = classes.map((k) => ({ label: `class ${k}`, color: classColor(k), marker: 'dot' }));
  const lw = classes.length > 1 ? legendWidth(entries) + 16 : 0;
  const size = Math.min(W - M.l - M.r - lw, H - M.t - M.b);
  const fr: PlotFrame = { x: M.l, y: M.t, w: size, h: size, x0, x1, y0, y1 };
  const parts: string[] = [svgHead(W, H)];
  parts.push(`<clipPath id="pts-plot"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(size)}" height="${f(size)}"/></clipPath>\n`);
  parts.push(`<g class="grid-lines" clip-path="url(#pts-plot)" fill="none" stroke="#bbbbbb" stroke-width="0.7">\n`);
  for (const line of grid) {
    let d = '';
    for (let k = 0; k + 1 < line.length; k += 2) d += `${k === 0 ? 'M' : 'L'}${f(px(fr, line[k]!))},${f(py(fr, line[k + 1]!))}`;
    if (d.includes('L')) parts.push(`<path d="${d}"/>\n`);
  }
  parts.push('</g>\n<g class="points">\n');
  for (let i = 0; i < labels.length; i++) {
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
      parts.push(`<circle cx="${f(px(fr, x))}" cy="${f(py(fr, y))}" r="2.5" fill="${classColor(labels[i]!)}"/>\n`);
  }
  for (const m of marks)
    if (m[0]! >= x0 && m[0]! <= x1 && m[1]! >= y0 && m[1]! <= y1)
      parts.push(`<path d="M${f(px(fr, m[0]!))},${f(py(fr, m[1]!))}m-5,-5l10,10m0,-10l-10,10" stroke="#000000" stroke-width="1.5"/>\n`);
  parts.push('</g>\n');
  const n = Math.max(2, Math.floor(size / 70));
  drawAxes(parts, fr, axisTicks(x0, x1, n), axisTicks(y0, y1, n), { xLabel: 'coordinate 1', yLabel: 'coordinate 2' });
  if (lw > 0) drawLegend(parts, fr.x + size + 14, fr.y, entries, undefined, size);
  parts.push(fitTitle(title, fr.x + size / 2, 24, 2 * (fr.x + size / 2) - 8), '</svg>\n');
  return parts.join('');
}

/**
 * A readable name for layer node `i` of `net`: its own name (ONNX node or JSON layer name) when it
 * has one, else its type and its position among nodes of that type, with the weight's shape.
 *
 * @example
 * layerLabel(net, 2, 16, 16); // 'dense 2 (16×16)' or e.g. 'fc2 (16×16)'
 */
export function layerLabel(net: Network, i: number, rows: number, cols: number): string {
  const node = net.nodes[i]!;
  let k = 0;
  for (let j = 0; j <= i; j++) if (net.nodes[j]!.type === node.type) k++;
  const type = node.type === 'channel_affine' ? 'scale' : node.type;
  const name = node.name !== undefined && node.name !== '' ? node.name : `${type} ${k}`;
  return rows === cols && node.type === 'channel_affine' ? `${name} (diag ${rows})` : `${name} (${rows}×${cols})`;
}
