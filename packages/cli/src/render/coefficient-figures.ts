/**
 * Figures of the coefficient analyses (dissertation chapter 7): accuracy against k for several
 * models (Figs. 7.3/7.4) and square heat maps with capped colour scales (Figs. 7.5–7.9).
 * Pure string builders.
 */
import { LINE_COLORS } from './color.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number, digits = 3): string {
  return Number(v.toPrecision(digits)).toString();
}

/** One model's accuracy curve. */
export interface AccuracySeries {
  readonly name: string;
  readonly k: readonly number[];
  readonly accuracy: readonly number[];
  /** Drawn as a dashed line at this height. */
  readonly original: number;
}

/**
 * Test accuracy (%) against k on a log axis, one line per model, each model's original accuracy dashed.
 *
 * @example
 * accuracyVsKSvg([{ name: 'dense', k: [1, 10, 100], accuracy: [0.3, 0.8, 0.9], original: 0.92 }]);
 */
export function accuracyVsKSvg(series: readonly AccuracySeries[], title = 'Accuracy of compressed coefficients against k'): string {
  const W = 640;
  const H = 400;
  const M = { l: 60, r: 150, t: 40, b: 50 };
  const ks = series.flatMap((s) => s.k);
  const kMin = Math.max(1, Math.min(...ks));
  const kMax = Math.max(kMin * 10, ...ks);
  const lx = (k: number) => M.l + ((Math.log10(k) - Math.log10(kMin)) / (Math.log10(kMax) - Math.log10(kMin))) * (W - M.l - M.r);
  const y = (a: number) => M.t + (1 - a) * (H - M.t - M.b);
  let body = `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`;
  for (let a = 0; a <= 1.0001; a += 0.2)
    body += `<text x="${M.l - 6}" y="${y(a).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${Math.round(a * 100)}</text>`;
  for (let e = Math.ceil(Math.log10(kMin)); e <= Math.floor(Math.log10(kMax)); e++) {
    const x = lx(10 ** e).toFixed(1);
    body += `<line x1="${x}" y1="${H - M.b}" x2="${x}" y2="${H - M.b + 5}" stroke="black"/><text x="${x}" y="${H - M.b + 18}" text-anchor="middle">${10 ** e}</text>`;
  }
  series.forEach((s, i) => {
    const c = LINE_COLORS[i % LINE_COLORS.length]!;
    const pts = s.k.map((k, j) => `${lx(k).toFixed(1)},${y(s.accuracy[j]!).toFixed(1)}`).join(' ');
    body += `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>`;
    s.k.forEach((k, j) => (body += `<circle cx="${lx(k).toFixed(1)}" cy="${y(s.accuracy[j]!).toFixed(1)}" r="3" fill="${c}"/>`));
    body += `<line x1="${M.l}" y1="${y(s.original).toFixed(1)}" x2="${W - M.r}" y2="${y(s.original).toFixed(1)}" stroke="${c}" stroke-dasharray="4 3"/>`;
    body += `<text x="${W - M.r + 10}" y="${M.t + 16 * i + 10}" fill="${c}">${esc(s.name)} (${fmt(100 * s.original)} %)</text>`;
  });
  body += `<text x="${W - M.r + 10}" y="${M.t + 16 * series.length + 14}" font-size="10">dashed: original</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>` +
    `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">test accuracy (%)</text>` +
    `<text x="${(M.l + W - M.r) / 2}" y="${H - 10}" text-anchor="middle">k (clusters per output, log scale)</text>` +
    body +
    '</svg>\n'
  );
}

/**
 * A labelled n × n heat map (row = from, column = to), the colour scale capped at [lo, hi]
 * (values outside are clamped and marked with ▲/▼), each cell printed.
 *
 * @example
 * matrixHeatmapSvg('CKA', ['a', 'b'], [[1, 0.5], [0.5, 1]], 0, 1);
 */

export function matrixHeatmapSvg(
  title: string,
  labels: readonly string[],
  values: readonly (readonly number[])[],
  lo: number,
  hi: number,
): string {
  const n = labels.length;
  const cell = Math.max(28, Math.min(70, Math.floor(480 / Math.max(1, n))));
  const left = 140;
  const top = 50;
  const W = left + n * cell + 30;
  const H = top + n * cell + 110;
  let body = '';
  for (let i = 0; i < n; i++) {
    body += `<text x="${left - 6}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(labels[i]!)}</text>`;
    body += `<text x="${left + i * cell + cell / 2}" y="${top + n * cell + 8}" text-anchor="end" transform="rotate(-45 ${left + i * cell + cell / 2} ${top + n * cell + 8})">${esc(labels[i]!)}</text>`;
    for (let j = 0; j < n; j++) {
      const v = values[i]![j]!;
      const t = Number.isFinite(v) && hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
      // white (lo) → dark blue (hi)
      const r = Math.round(255 - 220 * t);
      const g = Math.round(255 - 180 * t);
      const b = Math.round(255 - 80 * t);
      const mark = v > hi ? '▲' : v < lo ? '▼' : '';
      body += `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="white"/>`;
      body += `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle" font-size="10" fill="${t > 0.6 ? 'white' : 'black'}">${Number.isFinite(v) ? fmt(v) : '–'}${mark}</text>`;
    }
  }
  body += `<text x="${left}" y="${H - 8}" font-size="10">row = from, column = to; colour scale capped at [${fmt(lo)}, ${fmt(hi)}] (▲/▼: beyond the cap)</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="11">` +
    `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="24" text-anchor="middle" font-size="14">${esc(title)}</text>` +
    body +
    '</svg>\n'
  );
}
