/**
 * Figures of the higher-dimension Boolean study (§3.4.3): Fig. 3.7's success grids (parity and the
 * random functions side by side, the shapes Theorem 3.3.4 predicts can solve parity outlined),
 * Fig. 3.8's performance against each Fourier metric (one scatter panel per metric, one colour per
 * class) and Fig. 3.9's class averages against n (one panel per quantity).
 */
import { drawAxes, drawGrid, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { gridHeatmapSvg } from './boolean-figures.js';
import { LINE_COLORS } from './color.js';
import { sideBySideSvg } from './count-figures.js';
import { formatPx } from './format.js';
import { drawLegend } from './legend.js';
import { TEXT, esc, fitTitle, svgHead } from './style.js';
import { axisTicks } from './ticks.js';

/** A class of functions in the figures (name, colour index). */
export interface HighnSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

const [PW, PH] = [330, 300];

function colorOf(k: number): string {
  return LINE_COLORS[k % LINE_COLORS.length]!;
}

function legendPanel(series: readonly HighnSeries[], title: string, marker: 'dot' | 'line'): string {
  const parts = [svgHead(PW * 0.6, PH)];
  drawLegend(
    parts,
    12,
    40,
    series.map((s, k) => ({ label: s.name, color: colorOf(k), marker })),
    title,
  );
  parts.push('</svg>\n');
  return parts.join('');
}

function span(values: readonly number[], pad: number): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

/** One panel of points (scatter) or lines through points sorted by x, one colour per series. */
function seriesPanel(
  series: readonly HighnSeries[],
  title: string,
  xLabel: string,
  yLabel: string,
  yRange: readonly [number, number],
  lines: boolean,
): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const [x0, x1] = span(xs.length > 0 ? xs : [0, 1], 0.06);
  const fr: PlotFrame = { x: 64, y: 34, w: PW - 64 - 14, h: PH - 34 - 56, x0, x1, y0: yRange[0], y1: yRange[1] };
  const parts = [svgHead(PW, PH), fitTitle(title, PW / 2, 20, PW - 8, TEXT.label)];
  const yt = axisTicks(yRange[0], yRange[1], 5);
  drawGrid(parts, fr, yt);
  series.forEach((s, k) => {
    const color = colorOf(k);
    const pts = [...s.points].sort((a, b) => a[0] - b[0]).map(([x, y]) => [px(fr, x), py(fr, y)] as const);
    parts.push(`<g class="series" data-series="${esc(s.name)}">\n`);
    if (lines && pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${formatPx(x)},${formatPx(y)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>\n`);
    }
    for (const [x, y] of pts)
      parts.push(
        `<circle cx="${formatPx(x)}" cy="${formatPx(y)}" r="${lines ? 3 : 2.5}" fill="${color}" fill-opacity="${lines ? 1 : 0.6}"/>\n`,
      );
    parts.push('</g>\n');
  });
  drawAxes(parts, fr, axisTicks(x0, x1, 5, lines), yt, { xLabel, yLabel });
  parts.push('</svg>\n');
  return parts.join('');
}

/**
 * Fig. 3.8: performance (points correct / 2ⁿ) against degree, entropy and total influence, one
 * point per function, one colour per class, a legend panel last.
 *
 * @example
 * performanceScatterSvg('Fig. 3.8', { degree: [{ name: 'parity', points: [[10, 0.9]] }], entropy: [], influence: [] });
 */
export function performanceScatterSvg(
  title: string,
  panels: { readonly degree: readonly HighnSeries[]; readonly entropy: readonly HighnSeries[]; readonly influence: readonly HighnSeries[] },
): string {
  const ys = [panels.degree, panels.entropy, panels.influence].flatMap((p) => p.flatMap((s) => s.points.map((q) => q[1])));
  const lo = Math.max(0, Math.floor(Math.min(0.5, ...ys) * 10) / 10);
  const y: [number, number] = [lo, 1];
  const parts = [
    seriesPanel(panels.degree, 'Fourier degree', 'degree', 'points correct / 2ⁿ', y, false),
    seriesPanel(panels.entropy, 'Fourier (spectral) entropy', 'entropy (bits)', 'points correct / 2ⁿ', y, false),
    seriesPanel(panels.influence, 'total influence', 'influence', 'points correct / 2ⁿ', y, false),
    legendPanel(panels.degree, 'function class', 'dot'),
  ];
  return sideBySideSvg(title, parts, PW, PH);
}

/**
 * Fig. 3.9: class averages against the input dimension n, one panel per quantity (rates on [0, 1],
 * the metrics divided by n), a legend panel last.
 *
 * @example
 * dimensionLinesSvg('Fig. 3.9', [{ title: 'success rate', series: [{ name: 'parity', points: [[5, 1], [6, 0.8]] }] }]);
 */
export function dimensionLinesSvg(
  title: string,
  panels: readonly { readonly title: string; readonly series: readonly HighnSeries[] }[],
): string {
  const parts = panels.map((p) => seriesPanel(p.series, p.title, 'input dimension n', p.title, [0, 1], true));
  parts.push(legendPanel(panels[0]?.series ?? [], 'function class', 'line'));
  return sideBySideSvg(title, parts, PW, PH);
}

/**
 * Fig. 3.7: success-rate grids (rows depth, columns width) side by side, each cell's rate printed in %;
 * cells where `marked` holds are outlined (the shapes predicted to solve parity).
 *
 * @example
 * successGridsSvg('Fig. 3.7', ['1', '2'], ['4', '10'], [{ title: '10-parity', values: [[0, 0.5], [0.2, 0.9]], marked: [[false, true], [true, true]] }]);
 */
export function successGridsSvg(
  title: string,
  rowLabels: readonly string[],
  colLabels: readonly string[],
  grids: readonly {
    readonly title: string;
    readonly values: readonly (readonly (number | null)[])[];
    readonly marked?: readonly (readonly boolean[])[];
  }[],
): string {
  const cell = 44;
  const W = 70 + colLabels.length * cell + 20;
  const H = 56 + rowLabels.length * cell + 50;
  const panels = grids.map((g) => {
    let svg = gridHeatmapSvg(
      g.title,
      rowLabels,
      colLabels,
      g.values.map((r) => r.map((v) => (v === null ? null : Math.round(v * 100)))),
      [0, 100],
    );
    let outline = '';
    g.marked?.forEach((r, i) =>
      r.forEach((m, j) => {
        if (m)
          outline += `<rect x="${70 + j * cell + 2}" y="${56 + i * cell + 2}" width="${cell - 4}" height="${cell - 4}" fill="none" stroke="#d62728" stroke-width="2.5"/>`;
      }),
    );
    svg = svg.replace('</svg>\n', `${outline}</svg>\n`);
    return svg;
  });
  return sideBySideSvg(title, panels, W, H);
}
