/**
 * Figures of the Boolean training studies: a rectangular grid heat map (Fig. 3.5's success grids,
 * rows depth, columns width, a number in every cell) and the subnetwork loss curves of Fig. 3.10.
 */
import { drawAxes, drawGrid, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { LINE_COLORS } from './color.js';
import { sideBySideSvg } from './count-figures.js';
import { formatPx } from './format.js';
import { drawLegend } from './legend.js';
import type { LegendEntry } from './legend.js';
import { TEXT, fitTitle, svgHead } from './style.js';
import { axisTicks } from './ticks.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A heat map of `values[row][col]` on [lo, hi] (white → dark blue), the value printed in each cell.
 *
 * @example
 * gridHeatmapSvg('successes', ['1', '2'], ['2', '3'], [[10, 50], [40, 90]], [0, 100]);
 */
export function gridHeatmapSvg(
  title: string,
  rowLabels: readonly string[],
  colLabels: readonly string[],
  values: readonly (readonly (number | null)[])[],
  range: readonly [number, number],
  axis: { rows: string; cols: string } = { rows: 'depth', cols: 'width' },
): string {
  const [lo, hi] = range;
  const cell = 44;
  const left = 70;
  const top = 56;
  const W = left + colLabels.length * cell + 20;
  const H = top + rowLabels.length * cell + 50;
  let body = '';
  colLabels.forEach((c, j) => (body += `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(c)}</text>`));
  rowLabels.forEach((r, i) => {
    body += `<text x="${left - 8}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(r)}</text>`;
    colLabels.forEach((_, j) => {
      const v = values[i]?.[j] ?? null;
      const t = v === null || !(hi > lo) ? 0 : Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
      const fill = v === null ? '#eee' : `rgb(${Math.round(255 - 220 * t)},${Math.round(255 - 180 * t)},${Math.round(255 - 80 * t)})`;
      body += `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="white"/>`;
      if (v !== null) {
        const text = Number.isInteger(v) ? String(v) : v.toFixed(1);
        body += `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle" font-size="11" fill="${t > 0.6 ? 'white' : 'black'}">${text}</text>`;
      }
    });
  });
  body += `<text x="${left + (colLabels.length * cell) / 2}" y="${top - 26}" text-anchor="middle" font-size="11">${esc(axis.cols)}</text>`;
  body += `<text x="14" y="${top + (rowLabels.length * cell) / 2}" transform="rotate(-90 14 ${top + (rowLabels.length * cell) / 2})" text-anchor="middle" font-size="11">${esc(axis.rows)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">` +
    `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>` +
    body +
    '</svg>\n'
  );
}

/** One subnetwork's loss per epoch (Fig. 3.10): the kept units and whether it reached 100 %. */
export interface LossCurve {
  readonly units: readonly number[];
  readonly loss: readonly number[];
  readonly solved: boolean;
}

/** At most `max` points of a curve: every k-th epoch plus the last (epochs as x). */
function thin(loss: readonly number[], max: number): [number, number][] {
  const k = Math.max(1, Math.ceil(loss.length / max));
  const out: [number, number][] = [];
  for (let e = 0; e < loss.length; e += k) out.push([e, loss[e]!]);
  if (loss.length > 0 && (loss.length - 1) % k !== 0) out.push([loss.length - 1, loss[loss.length - 1]!]);
  return out;
}

/** One panel of `lossCurvesSvg`: loss against epoch on [0, yMax] (values above are clipped to the top). */
function lossPanel(curves: readonly LossCurve[], title: string, yMax: number, width: number, height: number): string {
  const epochs = Math.max(1, ...curves.map((c) => c.loss.length - 1));
  const fr: PlotFrame = { x: 64, y: 34, w: width - 64 - 16, h: height - 34 - 56, x0: 0, x1: epochs, y0: 0, y1: yMax };
  const parts = [svgHead(width, height), fitTitle(title, width / 2, 20, width - 8, TEXT.label)];
  const yt = axisTicks(0, yMax, 5);
  drawGrid(parts, fr, yt);
  // unsolved first, solved on top and thicker; colour = subnetwork width
  const order = [...curves].sort((a, b) => Number(a.solved) - Number(b.solved));
  parts.push(`<g class="curves" fill="none">\n`);
  for (const c of order) {
    const color = LINE_COLORS[(c.units.length - 1) % LINE_COLORS.length]!;
    const d = thin(c.loss, 300)
      .map(([e, l], i) => `${i === 0 ? 'M' : 'L'}${formatPx(px(fr, e))},${formatPx(py(fr, Math.min(yMax, Math.max(0, l))))}`)
      .join('');
    const w = c.solved ? 2.4 : 1;
    parts.push(`<path d="${d}" stroke="${color}" stroke-width="${w}" stroke-opacity="${c.solved ? 1 : 0.55}"/>\n`);
  }
  parts.push('</g>\n');
  drawAxes(parts, fr, axisTicks(0, epochs, 4, true), yt, { xLabel: 'epoch (Adam step)', yLabel: 'BCE loss' });
  parts.push('</svg>\n');
  return parts.join('');
}

/**
 * Fig. 3.10: the loss at every epoch of each subnetwork, coloured by its width, solved ones thick;
 * left all values, right the band 0…1. Curves are thinned to 300 points each.
 *
 * @example
 * lossCurvesSvg('width-6 network on 4-parity', [{ units: [0], loss: [0.9, 0.7], solved: false }]);
 */
export function lossCurvesSvg(title: string, curves: readonly LossCurve[]): string {
  const [W, H] = [440, 330];
  const top = Math.max(1, ...curves.flatMap((c) => c.loss.filter(Number.isFinite)));
  const widths = [...new Set(curves.map((c) => c.units.length))].sort((a, b) => a - b);
  const entries: LegendEntry[] = widths.map((w) => ({
    label: `width ${w} (${curves.filter((c) => c.units.length === w && c.solved).length}/${curves.filter((c) => c.units.length === w).length} solved)`,
    color: LINE_COLORS[(w - 1) % LINE_COLORS.length]!,
    marker: 'line',
  }));
  const legend: string[] = [svgHead(W, H)];
  drawLegend(legend, 16, 40, entries, 'subnetworks (thick: solved)');
  legend.push('</svg>\n');
  return sideBySideSvg(
    title,
    [lossPanel(curves, 'all loss values', top, W, H), lossPanel(curves, 'loss 0 … 1', 1, W, H), legend.join('')],
    W,
    H,
  );
}

/** One row of the Fig. 4.8 sweep: dimension, leak, and how many networks reached each test accuracy. */
export interface ThresholdRow {
  readonly dim: number;
  readonly leak: number;
  readonly atLeast: Readonly<Record<string, number>>;
}

/** One panel of `thresholdCountsSvg`: networks reaching each threshold against the dimension, one line per threshold. */
function thresholdPanel(
  rows: readonly ThresholdRow[],
  thresholds: readonly string[],
  networks: number,
  title: string,
  W: number,
  H: number,
): string {
  const dims = rows.map((r) => r.dim);
  const [d0, d1] = [Math.min(...dims), Math.max(...dims)];
  const fr: PlotFrame = { x: 64, y: 34, w: W - 64 - 16, h: H - 34 - 56, x0: d0 - 0.25, x1: d1 + 0.25, y0: 0, y1: networks };
  const parts = [svgHead(W, H), fitTitle(title, W / 2, 20, W - 8, TEXT.label)];
  const yt = axisTicks(0, networks, 5, true);
  drawGrid(parts, fr, yt);
  const sorted = [...rows].sort((a, b) => a.dim - b.dim);
  thresholds.forEach((t, k) => {
    const color = LINE_COLORS[k % LINE_COLORS.length]!;
    const pts = sorted.map((r) => [px(fr, r.dim), py(fr, r.atLeast[t] ?? 0)] as const);
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${formatPx(x)},${formatPx(y)}`).join('');
    parts.push(`<g class="threshold" data-threshold="${esc(t)}"><path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>\n`);
    for (const [x, y] of pts) parts.push(`<circle cx="${formatPx(x)}" cy="${formatPx(y)}" r="3" fill="${color}"/>\n`);
    parts.push('</g>\n');
  });
  drawAxes(parts, fr, axisTicks(d0, d1, Math.max(1, d1 - d0), true), yt, {
    xLabel: 'input dimension n',
    yLabel: `networks of ${networks}`,
  });
  parts.push('</svg>\n');
  return parts.join('');
}

/**
 * Fig. 4.8: for each leak a panel of the number of networks (of `networks`) whose test accuracy
 * reached each threshold, against the input dimension; a legend names the thresholds.
 *
 * @example
 * thresholdCountsSvg('Fig. 4.8', [{ dim: 2, leak: 0, atLeast: { '0.95': 7 } }], ['0.95'], 10);
 */
export function thresholdCountsSvg(title: string, rows: readonly ThresholdRow[], thresholds: readonly string[], networks: number): string {
  const [W, H] = [420, 330];
  const leaks = [...new Set(rows.map((r) => r.leak))].sort((a, b) => a - b);
  const panels = leaks.map((l) =>
    thresholdPanel(
      rows.filter((r) => r.leak === l),
      thresholds,
      networks,
      l === 0 ? 'ReLU' : `leaky ReLU, leak ${l}`,
      W,
      H,
    ),
  );
  const legend: string[] = [svgHead(W, H)];
  drawLegend(
    legend,
    16,
    40,
    thresholds.map((t, k) => ({ label: `test accuracy ≥ ${t}`, color: LINE_COLORS[k % LINE_COLORS.length]!, marker: 'line' as const })),
    'networks reaching',
  );
  legend.push('</svg>\n');
  return sideBySideSvg(title, [...panels, legend.join('')], W, H);
}
