/**
 * Small SVG figures for `polytope lens` and `polytope truncate --frames`: grouped bars, overlaid
 * histograms, a breakpoint strip along a path, a distance heat map, and 2-D point/grid frames.
 * Pure string builders; no network knowledge.
 */
import { LINE_COLORS } from './color.js';

const W = 640;
const H = 400;
const M = { l: 60, r: 20, t: 40, b: 50 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(3)).toString();
}

function frame(title: string, body: string, yLabel = '', xLabel = ''): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>` +
    `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">${esc(yLabel)}</text>` +
    `<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>` +
    body +
    '</svg>\n'
  );
}

function yAxis(max: number): { y: (v: number) => string; axis: string } {
  const top = max > 0 ? max * 1.1 : 1;
  const y = (v: number): string => (M.t + (H - M.t - M.b) * (1 - v / top)).toFixed(1);
  let axis = `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`;
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    axis += `<text x="${M.l - 6}" y="${y(v)}" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`;
  }
  return { y, axis };
}

/** Grouped bar chart: `groups` along x, one bar per series. */
export function barChartSvg(title: string, groups: string[], series: { name: string; values: number[] }[], yLabel: string): string {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const { y, axis } = yAxis(max);
  const gw = (W - M.l - M.r) / Math.max(1, groups.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  let body = axis;
  groups.forEach((g, i) => {
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const x = M.l + i * gw + gw * 0.1 + k * bw;
      body += `<rect x="${x.toFixed(1)}" y="${y(v)}" width="${bw.toFixed(1)}" height="${(Number(y(0)) - Number(y(v))).toFixed(1)}" fill="${LINE_COLORS[k % LINE_COLORS.length]}"/>`;
    });
    body += `<text x="${(M.l + i * gw + gw / 2).toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle">${esc(g)}</text>`;
  });
  series.forEach((s, k) => {
    body += `<rect x="${W - M.r - 150}" y="${M.t + k * 16}" width="10" height="10" fill="${LINE_COLORS[k % LINE_COLORS.length]}"/><text x="${W - M.r - 135}" y="${M.t + k * 16 + 9}">${esc(s.name)}</text>`;
  });
  return frame(title, body, yLabel);
}

/** Overlaid histograms of several samples on a shared range. */
export function histogramSvg(title: string, samples: { name: string; values: ArrayLike<number> }[], xLabel: string, bins = 30): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples)
    for (let i = 0; i < s.values.length; i++) {
      lo = Math.min(lo, s.values[i]!);
      hi = Math.max(hi, s.values[i]!);
    }
  if (!(hi > lo)) hi = lo + 1;
  const counts = samples.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (let i = 0; i < s.values.length; i++) c[Math.min(bins - 1, Math.floor(((s.values[i]! - lo) / (hi - lo)) * bins))]!++;
    return c;
  });
  const { y, axis } = yAxis(Math.max(...counts.flat()));
  const bw = (W - M.l - M.r) / bins;
  let body = axis;
  counts.forEach((c, k) => {
    c.forEach((v, i) => {
      body += `<rect x="${(M.l + i * bw).toFixed(1)}" y="${y(v)}" width="${bw.toFixed(1)}" height="${(Number(y(0)) - Number(y(v))).toFixed(1)}" fill="${LINE_COLORS[k % LINE_COLORS.length]}" fill-opacity="0.5"/>`;
    });
    body += `<rect x="${W - M.r - 150}" y="${M.t + k * 16}" width="10" height="10" fill="${LINE_COLORS[k % LINE_COLORS.length]}"/><text x="${W - M.r - 135}" y="${M.t + k * 16 + 9}">${esc(samples[k]!.name)}</text>`;
  });
  for (let k = 0; k <= 4; k++)
    body += `<text x="${(M.l + ((W - M.l - M.r) * k) / 4).toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle">${fmt(lo + ((hi - lo) * k) / 4)}</text>`;
  return frame(title, body, 'count', xLabel);
}

/** Breakpoints along paths: one row per path, ticks coloured by layer. */
export function breakpointStripSvg(
  title: string,
  rows: { label: string; breakpoints: ArrayLike<number>; layers: ArrayLike<number> }[],
  numLayers: number,
): string {
  const rh = Math.min(24, (H - M.t - M.b) / Math.max(1, rows.length));
  let body = '';
  const x = (t: number): string => (M.l + 40 + t * (W - M.l - M.r - 40)).toFixed(1);
  rows.forEach((r, i) => {
    const y0 = M.t + i * rh;
    body += `<text x="${M.l + 34}" y="${(y0 + rh / 2).toFixed(1)}" text-anchor="end" dominant-baseline="middle" font-size="10">${esc(r.label)}</text>`;
    body += `<line x1="${x(0)}" y1="${(y0 + rh / 2).toFixed(1)}" x2="${x(1)}" y2="${(y0 + rh / 2).toFixed(1)}" stroke="#ccc"/>`;
    for (let k = 0; k < r.breakpoints.length; k++) {
      const l = r.layers[k]!;
      body += `<line x1="${x(r.breakpoints[k]!)}" y1="${(y0 + 2).toFixed(1)}" x2="${x(r.breakpoints[k]!)}" y2="${(y0 + rh - 2).toFixed(1)}" stroke="${LINE_COLORS[Math.max(0, l) % LINE_COLORS.length]}" stroke-width="1"/>`;
    }
  });
  for (let l = 0; l < numLayers; l++)
    body += `<rect x="${W - M.r - 90}" y="${H - M.b + 4 + 0 * l}" width="0" height="0"/><text x="${(M.l + 40 + l * 90).toFixed(1)}" y="${H - M.b + 30}" fill="${LINE_COLORS[l % LINE_COLORS.length]}">layer ${l + 1}</text>`;
  return frame(title, body, '', 'position along the path (t)');
}

/** Square heat map of a symmetric distance matrix (row-major n × n). */
export function heatmapSvg(title: string, values: Float64Array, n: number): string {
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  const size = Math.min(W - M.l - M.r, H - M.t - M.b);
  const c = size / Math.max(1, n);
  let body = '';
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const g = Math.round(255 * (1 - values[i * n + j]! / (max || 1)));
      body += `<rect x="${(M.l + j * c).toFixed(2)}" y="${(M.t + i * c).toFixed(2)}" width="${c.toFixed(2)}" height="${c.toFixed(2)}" fill="rgb(${g},${g},255)"/>`;
    }
  body += `<text x="${M.l + size + 10}" y="${M.t + 12}">max ${fmt(max)}</text>`;
  return frame(title, body);
}

/** One 2-D frame: a warped grid (polylines) and coloured points, in a fixed box. */
export function pointsFrameSvg(
  title: string,
  box: [number, number, number, number],
  grid: Float64Array[],
  points: Float64Array,
  labels: ArrayLike<number>,
  marks: Float64Array[] = [],
): string {
  const [x0, x1, y0, y1] = box;
  const size = Math.min(W - M.l - M.r, H - M.t - M.b);
  const px = (x: number): string => (M.l + ((x - x0) / (x1 - x0)) * size).toFixed(1);
  const py = (y: number): string => (M.t + (1 - (y - y0) / (y1 - y0)) * size).toFixed(1);
  let body = `<rect x="${M.l}" y="${M.t}" width="${size}" height="${size}" fill="none" stroke="black"/>`;
  body += `<clipPath id="c"><rect x="${M.l}" y="${M.t}" width="${size}" height="${size}"/></clipPath><g clip-path="url(#c)">`;
  for (const line of grid) {
    let d = '';
    for (let k = 0; k + 1 < line.length; k += 2) d += `${k === 0 ? 'M' : 'L'}${px(line[k]!)},${py(line[k + 1]!)}`;
    body += `<path d="${d}" fill="none" stroke="#bbb" stroke-width="0.7"/>`;
  }
  for (let i = 0; i < labels.length; i++) {
    body += `<circle cx="${px(points[2 * i]!)}" cy="${py(points[2 * i + 1]!)}" r="2.5" fill="${LINE_COLORS[labels[i]! % LINE_COLORS.length]}"/>`;
  }
  for (const m of marks) body += `<path d="M${px(m[0]!)},${py(m[1]!)} m-5,-5 l10,10 m0,-10 l-10,10" stroke="black" stroke-width="1.5"/>`;
  body += '</g>';
  return frame(title, body);
}
