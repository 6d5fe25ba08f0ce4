/**
 * Figures of the sensitivity analysis (dissertation §6.4): the leading active-subspace directions as
 * images (Figs. 6.14/6.17), the eigenvalue spectrum on a log axis (Figs. 6.16/6.19), and the
 * outputs against the projection of the inputs on the leading direction (Figs. 6.15/6.18).
 * Pure string builders.
 */
import { LINE_COLORS } from './color.js';
import { greyLevels, imageTag } from './jacobian-images.js';

const FONT = 'font-family="DejaVu Sans, sans-serif" font-size="12"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/** [min, max] over several arrays, by loops (no spread of 10⁵ arguments). */
function extent(arrays: readonly ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++) {
      lo = Math.min(lo, a[i]!);
      hi = Math.max(hi, a[i]!);
    }
  return [lo, hi];
}

function frame(w: number, h: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT}>` +
    `<rect width="${w}" height="${h}" fill="white"/><text x="${w / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>` +
    body +
    '</svg>\n'
  );
}

/**
 * The leading directions as images (grey = 0, white positive, black negative, each on its own ±max
 * scale), captioned with their eigenvalue and share of the total.
 *
 * @example
 * directionsSvg(directions, 3, [1, 28, 28], eigenvalues, explained);
 */
export function directionsSvg(
  directions: Float64Array,
  keep: number,
  shape: readonly [number, number, number],
  eigenvalues: ArrayLike<number>,
  explained: ArrayLike<number>,
): string {
  const [c, h, w] = shape;
  const d = c * h * w;
  const zoom = Math.max(1, Math.min(4, Math.floor(112 / Math.max(h, w))));
  const cell = Math.max(120, c * w * zoom + (c - 1) * 4 + 10);
  const W = Math.max(360, Math.min(keep, 5) * cell + 20);
  const rows = Math.ceil(keep / 5);
  const H = 40 + rows * (h * zoom + 44);
  let body = '';
  for (let k = 0; k < keep; k++) {
    const v = directions.subarray(k * d, (k + 1) * d);
    let s = 0;
    for (let i = 0; i < d; i++) s = Math.max(s, Math.abs(v[i]!));
    const x0 = 10 + (k % 5) * cell;
    const y0 = 40 + Math.floor(k / 5) * (h * zoom + 44);
    for (let ch = 0; ch < c; ch++)
      body += imageTag(greyLevels(v.subarray(ch * h * w, (ch + 1) * h * w), s), w, h, x0 + ch * (w * zoom + 4), y0, zoom);
    body += `<text x="${x0}" y="${y0 + h * zoom + 14}">v${k + 1}: λ = ${fmt(eigenvalues[k]!)}</text>`;
    body += `<text x="${x0}" y="${y0 + h * zoom + 28}" font-size="10">${(100 * explained[k]!).toFixed(1)} % of the total</text>`;
  }
  return frame(W, H, 'Leading directions of the active subspace', body);
}

/**
 * Eigenvalues against their index, log10 axis; eigenvalues at or below `floor` are drawn on the
 * bottom edge (numerical zeros).
 *
 * @example
 * spectrumSvg([[5, 1, 0.1, 0]], ['all outputs'], 4);
 */
export function spectrumSvg(series: readonly ArrayLike<number>[], names: readonly string[], rank: number): string {
  const W = 640;
  const H = 400;
  const M = { l: 70, r: 150, t: 40, b: 50 };
  const n = Math.max(...series.map((s) => s.length));
  const [lo, hi] = extent(series.map((s) => Array.from(s).filter((v) => v > 0)));
  const top = Math.log10(Math.max(hi, 1));
  const bottom = Math.min(top - 1, Math.log10(Number.isFinite(lo) ? lo : 10 ** top));
  const x = (i: number) => M.l + (i / Math.max(1, n - 1)) * (W - M.l - M.r);
  const y = (v: number) => {
    const lv = v > 0 ? Math.max(Math.log10(v), bottom) : bottom;
    return M.t + ((top - lv) / (top - bottom)) * (H - M.t - M.b);
  };
  let body = `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`;
  for (let e = Math.ceil(bottom); e <= Math.floor(top); e += Math.max(1, Math.ceil((top - bottom) / 8))) {
    const yy = y(10 ** e).toFixed(1);
    body += `<line x1="${M.l - 5}" y1="${yy}" x2="${M.l}" y2="${yy}" stroke="black"/><text x="${M.l - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">1e${e}</text>`;
  }
  for (const i of [0, Math.floor((n - 1) / 2), n - 1])
    body += `<text x="${x(i).toFixed(1)}" y="${H - M.b + 18}" text-anchor="middle">${i + 1}</text>`;
  series.forEach((s, k) => {
    const color = LINE_COLORS[k % LINE_COLORS.length]!;
    const pts = Array.from(s, (v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    body += `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    body += `<text x="${W - M.r + 10}" y="${M.t + 16 * k + 10}" fill="${color}">${esc(names[k] ?? '')}</text>`;
  });
  if (rank > 0 && rank < n) {
    const xr = x(rank - 1).toFixed(1);
    body += `<line x1="${xr}" y1="${M.t}" x2="${xr}" y2="${H - M.b}" stroke="#888" stroke-dasharray="4 3"/><text x="${xr}" y="${M.t - 4}" text-anchor="middle" font-size="10">rank ${rank}</text>`;
  }
  body += `<text x="${(M.l + W - M.r) / 2}" y="${H - 10}" text-anchor="middle">eigenvalue index</text>`;
  body += `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">eigenvalue (log scale)</text>`;
  return frame(W, H, 'Spectrum of the gradient covariance', body);
}

/** One output's points for `projectionSvg`. */
export interface ProjectionSeries {
  readonly name: string;
  /** Projections vᵀx of the inputs on the leading direction. */
  readonly projection: ArrayLike<number>;
  /** The output's values at the inputs. */
  readonly value: ArrayLike<number>;
}

/**
 * Outputs against the projection of the inputs on the leading direction, one colour per output.
 *
 * @example
 * projectionSvg([{ name: 'output 0', projection: [0, 1], value: [0.5, 2] }]);
 */
export function projectionSvg(series: readonly ProjectionSeries[]): string {
  const W = 640;
  const H = 400;
  const M = { l: 60, r: 150, t: 40, b: 50 };
  const [x0, x1] = extent(series.map((s) => s.projection));
  const [y0, y1] = extent(series.map((s) => s.value));
  const sx = (v: number) => M.l + ((v - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const sy = (v: number) => H - M.b - ((v - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
  let body = `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`;
  body += `<text x="${M.l}" y="${H - M.b + 18}" text-anchor="middle">${fmt(x0)}</text><text x="${W - M.r}" y="${H - M.b + 18}" text-anchor="middle">${fmt(x1)}</text>`;
  body += `<text x="${M.l - 6}" y="${H - M.b}" text-anchor="end">${fmt(y0)}</text><text x="${M.l - 6}" y="${M.t + 4}" text-anchor="end">${fmt(y1)}</text>`;
  series.forEach((s, k) => {
    const color = LINE_COLORS[k % LINE_COLORS.length]!;
    for (let i = 0; i < s.projection.length; i++)
      body += `<circle cx="${sx(s.projection[i]!).toFixed(1)}" cy="${sy(s.value[i]!).toFixed(1)}" r="1.5" fill="${color}" fill-opacity="0.6"/>`;
    body += `<text x="${W - M.r + 10}" y="${M.t + 16 * k + 10}" fill="${color}">${esc(s.name)}</text>`;
  });
  body += `<text x="${(M.l + W - M.r) / 2}" y="${H - 10}" text-anchor="middle">projection on the leading direction v1ᵀx</text>`;
  body += `<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">output</text>`;
  return frame(W, H, 'Outputs against the leading active direction', body);
}
