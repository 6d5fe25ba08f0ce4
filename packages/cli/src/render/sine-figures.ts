/**
 * Figures of dissertation §5.3 (sine on [−π, π]): Fig. 5.4 (piecewise-linear fits beside the scatter
 * of their pieces' slope and intercept, with sine's own tangent-line curve) and Fig. 5.5's grid as two
 * heat maps (MSE and exact linear pieces per width × depth). Pure string builders over the shared
 * axes, ticks and style.
 */
import { drawAxes, drawGrid, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { LINE_COLORS, oklchToHex } from './color.js';
import { formatPx as f } from './format.js';
import { INK, TEXT, esc, fitTitle, svgHead } from './style.js';
import { axisTicks } from './ticks.js';

/** One fit: its pieces as [x0, x1, slope, intercept] and a panel title. */
export interface SineFit {
  readonly title: string;
  readonly pieces: readonly (readonly [number, number, number, number])[];
}

const PANEL_W = 300;
const PANEL_H = 190;
const ML = 64;
const MT = 44;
const GAP_X = 90;
const GAP_Y = 70;
/** Samples of sine and of its tangent-line curve. */
const CURVE_SAMPLES = 200;
const SINE_INK = '#9a9a9a';

function curvePath(fr: PlotFrame, pts: readonly (readonly [number, number])[]): string {
  return pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${f(px(fr, x))},${f(py(fr, y))}`).join('');
}

/** sin on [−π, π] and its tangent coefficients (slope cos x, intercept sin x − x cos x). */
function sineCurves(): { sine: [number, number][]; tangent: [number, number][] } {
  const sine: [number, number][] = [];
  const tangent: [number, number][] = [];
  for (let i = 0; i <= CURVE_SAMPLES; i++) {
    const x = -Math.PI + (2 * Math.PI * i) / CURVE_SAMPLES;
    sine.push([x, Math.sin(x)]);
    tangent.push([Math.cos(x), Math.sin(x) - x * Math.cos(x)]);
  }
  return { sine, tangent };
}

function fitPanel(parts: string[], x: number, y: number, fit: SineFit | null, title: string): void {
  const fr: PlotFrame = { x, y, w: PANEL_W, h: PANEL_H, x0: -Math.PI, x1: Math.PI, y0: -1.2, y1: 1.2 };
  const yt = axisTicks(-1.2, 1.2, 4);
  drawGrid(parts, fr, yt);
  const { sine } = sineCurves();
  parts.push(`<path class="sine" d="${curvePath(fr, sine)}" stroke="${SINE_INK}" stroke-width="2" fill="none"/>\n`);
  if (fit !== null) {
    parts.push('<g class="pieces" stroke-width="1.8" fill="none">\n');
    fit.pieces.forEach(([x0, x1, s, c], i) => {
      const col = LINE_COLORS[i % LINE_COLORS.length]!;
      parts.push(
        `<path d="${curvePath(fr, [
          [x0, c + s * x0],
          [x1, c + s * x1],
        ])}" stroke="${col}"/>\n`,
      );
    });
    parts.push('</g>\n');
  }
  drawAxes(parts, fr, axisTicks(-Math.PI, Math.PI, 4), yt, { xLabel: 'x', yLabel: 'f(x)' });
  parts.push(fitTitle(title, x + PANEL_W / 2, y - 10, PANEL_W, TEXT.label));
}

function dualPanel(parts: string[], x: number, y: number, fit: SineFit | null, title: string): void {
  const fr: PlotFrame = { x, y, w: PANEL_W, h: PANEL_H, x0: -1.25, x1: 1.25, y0: -3.4, y1: 3.4 };
  const yt = axisTicks(-3.4, 3.4, 4);
  drawGrid(parts, fr, yt);
  const { tangent } = sineCurves();
  parts.push(
    `<path class="tangent" d="${curvePath(fr, tangent)}" stroke="${SINE_INK}" stroke-width="1.5" stroke-dasharray="5 3" fill="none"/>\n`,
  );
  if (fit !== null) {
    parts.push('<g class="coefficients">\n');
    fit.pieces.forEach(([x0, x1, s, c], i) => {
      const col = LINE_COLORS[i % LINE_COLORS.length]!;
      parts.push(
        `<circle cx="${f(px(fr, s))}" cy="${f(py(fr, c))}" r="5" fill="${col}" stroke="#ffffff" stroke-width="1"><title>${esc(`[${x0.toFixed(3)}, ${x1.toFixed(3)}]: slope ${s.toPrecision(4)}, intercept ${c.toPrecision(4)}`)}</title></circle>\n`,
      );
    });
    parts.push('</g>\n');
  }
  drawAxes(parts, fr, axisTicks(-1.25, 1.25, 4), yt, { xLabel: 'slope b', yLabel: 'intercept a' });
  parts.push(fitTitle(title, x + PANEL_W / 2, y - 10, PANEL_W, TEXT.label));
}

/**
 * Fig. 5.4: one row per fit (left: sine in grey and the fit's pieces; right: each piece's slope b
 * against intercept a of f = a + b·x, with sine's tangent-line curve (cos x, sin x − x cos x) dashed),
 * and a last row with sine and its tangent curve alone.
 *
 * @example
 * sineFitsSvg([{ title: '1 line', pieces: [[-Math.PI, Math.PI, 0, 0]] }]);
 */
export function sineFitsSvg(fits: readonly SineFit[]): string {
  const rows = fits.length + 1;
  const W = ML + 2 * PANEL_W + GAP_X + 20;
  const H = MT + rows * PANEL_H + (rows - 1) * GAP_Y + 76;
  const parts: string[] = [svgHead(W, H), fitTitle('Linear approximations of sine and their coefficients', W / 2, 22, W - 16)];
  fits.forEach((fit, r) => {
    const y = MT + 18 + r * (PANEL_H + GAP_Y);
    fitPanel(parts, ML, y, fit, fit.title);
    dualPanel(parts, ML + PANEL_W + GAP_X, y, fit, '(slope, intercept) of each piece');
  });
  const y = MT + 18 + fits.length * (PANEL_H + GAP_Y);
  fitPanel(parts, ML, y, null, 'sin x');
  dualPanel(parts, ML + PANEL_W + GAP_X, y, null, 'tangents of sin: (cos x, sin x − x cos x)');
  parts.push('</svg>\n');
  return parts.join('');
}

/** Sequential colour of `u` in [0, 1] (light → dark), for the heat maps. */
function heat(u: number): string {
  const q = Math.max(0, Math.min(1, u));
  return oklchToHex(0.97 - 0.6 * q, 0.02 + 0.13 * q, 255 - 40 * q);
}

/** One heat map of the grid: rows are widths (top: first), columns depths; each cell shows its label. */
interface HeatPanel {
  readonly title: string;
  /** Value per [row][column] (null: no value, drawn hatched grey). */
  readonly values: readonly (readonly (number | null)[])[];
  readonly labels: readonly (readonly string[])[];
  /** Maps a value to [0, 1] for the colour. */
  readonly scale: (v: number) => number;
}

function heatPanel(
  parts: string[],
  at: { x: number; y: number; size: number },
  p: HeatPanel,
  rowsLab: readonly number[],
  colsLab: readonly number[],
): void {
  const { x, y, size } = at;
  const nr = rowsLab.length;
  const nc = colsLab.length;
  const cw = size / nc;
  const ch = size / nr;
  parts.push('<g class="cells">\n');
  for (let i = 0; i < nr; i++)
    for (let j = 0; j < nc; j++) {
      const v = p.values[i]![j]!;
      const u = v === null ? 0 : p.scale(v);
      const fill = v === null ? '#d0d0d0' : heat(u);
      const ink = u > 0.55 ? '#ffffff' : INK.text;
      const cx = x + j * cw;
      const cy = y + i * ch;
      parts.push(
        `<rect x="${f(cx)}" y="${f(cy)}" width="${f(cw + 0.02)}" height="${f(ch + 0.02)}" fill="${fill}"/>` +
          `<text x="${f(cx + cw / 2)}" y="${f(cy + ch / 2 + 4)}" font-size="${TEXT.small}" text-anchor="middle" fill="${ink}">${esc(p.labels[i]![j]!)}</text>\n`,
      );
    }
  parts.push('</g>\n');
  parts.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(size)}" height="${f(size)}" fill="none" stroke="${INK.axis}"/>\n`);
  parts.push(`<g font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  colsLab.forEach((d, j) => parts.push(`<text x="${f(x + (j + 0.5) * cw)}" y="${f(y + size + 16)}" text-anchor="middle">${d}</text>\n`));
  rowsLab.forEach((w, i) => parts.push(`<text x="${f(x - 8)}" y="${f(y + (i + 0.5) * ch + 4)}" text-anchor="end">${w}</text>\n`));
  parts.push('</g>\n');
  parts.push(
    `<text x="${f(x + size / 2)}" y="${f(y + size + 36)}" font-size="${TEXT.label}" text-anchor="middle" fill="${INK.text}">depth (hidden layers)</text>\n`,
    `<text transform="translate(${f(x - 34)},${f(y + size / 2)}) rotate(-90)" font-size="${TEXT.label}" text-anchor="middle" fill="${INK.text}">width</text>\n`,
  );
  parts.push(fitTitle(p.title, x + size / 2, y - 12, size + 40, TEXT.label));
}

/** One cell of Fig. 5.5's grid as the heat maps read it. */
export interface GridCellView {
  readonly width: number;
  readonly depth: number;
  readonly testMse: number | null;
  readonly linearPieces: number;
  readonly succeeded: boolean;
}

/**
 * Fig. 5.5 as two heat maps over widths (rows) × depths (columns): the MSE on [−π, π] (colour on a
 * 0…0.5 scale, 0.5 being the zero function's MSE) and the exact number of linear pieces (colour on a
 * log scale). Cells without a network below the threshold are marked with an asterisk.
 *
 * @example
 * sineGridSvg([{ width: 1, depth: 1, testMse: 0.2, linearPieces: 2, succeeded: true }], 'seed 0');
 */
export function sineGridSvg(cells: readonly GridCellView[], subtitle: string): string {
  const widths = [...new Set(cells.map((c) => c.width))].sort((a, b) => a - b);
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  const at = (w: number, d: number): GridCellView | undefined => cells.find((c) => c.width === w && c.depth === d);
  const size = 400;
  const W = 2 * size + 3 * 80;
  const H = size + 150;
  const star = (c: GridCellView | undefined): string => (c !== undefined && !c.succeeded ? '*' : '');
  const mse: HeatPanel = {
    title: 'MSE on [−π, π] (1,000 points)',
    values: widths.map((w) => depths.map((d) => at(w, d)?.testMse ?? null)),
    labels: widths.map((w) => depths.map((d) => (at(w, d)?.testMse == null ? '–' : at(w, d)!.testMse!.toFixed(3) + star(at(w, d))))),
    scale: (v) => Math.min(1, v / 0.5),
  };
  const maxPieces = Math.max(2, ...cells.map((c) => c.linearPieces));
  const pieces: HeatPanel = {
    title: 'exact linear pieces on [−π, π]',
    values: widths.map((w) => depths.map((d) => (at(w, d) === undefined ? null : at(w, d)!.linearPieces))),
    labels: widths.map((w) => depths.map((d) => (at(w, d) === undefined ? '–' : String(at(w, d)!.linearPieces) + star(at(w, d))))),
    scale: (v) => Math.log(Math.max(1, v)) / Math.log(maxPieces),
  };
  const parts: string[] = [svgHead(W, H), fitTitle('Sine fits of rectangular ReLU networks: width × depth', W / 2, 22, W - 16)];
  parts.push(`<text x="${f(W / 2)}" y="42" font-size="${TEXT.small}" text-anchor="middle" fill="${INK.muted}">${esc(subtitle)}</text>\n`);
  heatPanel(parts, { x: 80, y: 80, size }, mse, widths, depths);
  heatPanel(parts, { x: 80 + size + 80, y: 80, size }, pieces, widths, depths);
  parts.push('</svg>\n');
  return parts.join('');
}
