/**
 * Histograms of integer-valued counts (facets or simplices per polytope) and small multiples of
 * them with shared axes, for `polytope polytopes` and `polytopes-study`. Integer ticks on both
 * axes; shared x and y ranges across panels so they compare at a glance; titles that fit. Pure.
 */
import { drawAxes, drawGrid, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { formatPx as f } from './format.js';
import { TEXT, fitTitle, svgHead } from './style.js';
import { axisTicks } from './ticks.js';

/** Bar colour of count histograms. */
const BAR = '#4c78a8';

/** Options of `countHistogramPanel`. */
interface PanelOptions {
  /** Shared x range [lo, hi] of values (default: this panel's own). */
  readonly xRange?: readonly [number, number];
  /** Shared top of the y axis (default: this panel's largest bar). */
  readonly yMax?: number;
  /** Plot shares (%) instead of counts. */
  readonly share?: boolean;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Integer-centred bars of `bins` ([value, count]) drawn into the frame at (x, y, w, h); returns the SVG parts. */
function countPanel(
  bins: readonly (readonly [number, number])[],
  box: { x: number; y: number; w: number; h: number },
  o: PanelOptions,
): string[] {
  const total = bins.reduce((a, b) => a + b[1], 0) || 1;
  const val = (c: number): number => (o.share === true ? (100 * c) / total : c);
  const lo = o.xRange?.[0] ?? (bins.length > 0 ? bins[0]![0] : 0);
  const hi = o.xRange?.[1] ?? (bins.length > 0 ? bins[bins.length - 1]![0] : 1);
  const maxV = o.yMax ?? Math.max(1, ...bins.map((b) => val(b[1])));
  const yt = axisTicks(0, maxV * 1.05, Math.max(2, Math.floor(box.h / 40)), o.share !== true);
  const fr: PlotFrame = { ...box, x0: lo - 0.5, x1: hi + 0.5, y0: 0, y1: Math.max(maxV * 1.05, yt.values[yt.values.length - 1] ?? 1) };
  const parts: string[] = [];
  const bw = fr.w / (hi - lo + 1);
  drawGrid(parts, fr, yt);
  parts.push(`<g class="bars" fill="${BAR}">\n`);
  for (const [v, c] of bins) {
    if (v < lo || v > hi || c <= 0) continue;
    const top = py(fr, val(c));
    parts.push(
      `<rect x="${f(px(fr, v) - bw / 2 + Math.min(0.5, bw * 0.1))}" y="${f(top)}" width="${f(Math.max(0.5, bw - Math.min(1, bw * 0.2)))}" height="${f(fr.y + fr.h - top)}"><title>${v}: ${c}</title></rect>\n`,
    );
  }
  parts.push('</g>\n');
  const xt = axisTicks(lo, hi, Math.max(2, Math.floor(box.w / 40)), true);
  drawAxes(parts, fr, xt, yt, { xLabel: o.xLabel ?? '', yLabel: o.yLabel ?? '' });
  return parts;
}

/**
 * A bar chart of integer-valued counts: `bins` are [value, count] pairs; integer ticks on both axes.
 *
 * @example
 * countHistogramSvg('facets per polytope', [[4, 10], [5, 7]], 'facets'); // '<svg …>…</svg>'
 */
export function countHistogramSvg(
  title: string,
  bins: readonly (readonly [number, number])[],
  xLabel: string,
  width = 480,
  height = 300,
  options: Omit<PanelOptions, 'xLabel'> = {},
): string {
  const parts = [svgHead(width, height)];
  const box = { x: 64, y: 36, w: width - 64 - 16, h: height - 36 - 54 };
  parts.push(
    ...countPanel(bins, box, { ...options, xLabel, yLabel: options.yLabel ?? (options.share === true ? '% of polytopes' : 'polytopes') }),
  );
  parts.push(fitTitle(title, width / 2, 22, width - 8, TEXT.label), '</svg>\n');
  return parts.join('');
}

/** Figures placed side by side under one title (each an SVG string from this module or another). */
export function sideBySideSvg(title: string, panels: readonly string[], panelWidth: number, panelHeight: number): string {
  const W = panelWidth * panels.length;
  const H = panelHeight + 28;
  const parts = [svgHead(W, H), fitTitle(title, W / 2, 18, W - 8, TEXT.label)];
  panels.forEach((svg, i) => parts.push(svg.replace('<svg xmlns="http://www.w3.org/2000/svg" ', `<svg x="${i * panelWidth}" y="28" `)));
  parts.push('</svg>\n');
  return parts.join('');
}

/**
 * Small multiples: one histogram panel per row, all on the same x range and the same y range
 * (share of polytopes, %), so panels compare directly; panel titles fit their width.
 *
 * @example
 * smallMultiplesSvg('Simplices per polytope', [{ title: 'width 8', bins: [[2, 5]] }], 'simplices');
 */
export function smallMultiplesSvg(
  title: string,
  panels: readonly { readonly title: string; readonly bins: readonly (readonly [number, number])[] }[],
  xLabel: string,
  cols = 3,
): string {
  const pw = 320;
  const ph = 210;
  const rows = Math.max(1, Math.ceil(panels.length / cols));
  const W = pw * Math.min(cols, Math.max(1, panels.length));
  const H = 40 + rows * ph;
  let lo = Infinity;
  let hi = -Infinity;
  let maxShare = 0;
  for (const p of panels) {
    const total = p.bins.reduce((a, b) => a + b[1], 0) || 1;
    for (const [v, c] of p.bins) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      maxShare = Math.max(maxShare, (100 * c) / total);
    }
  }
  if (!(lo <= hi)) [lo, hi] = [0, 1];
  const parts = [svgHead(W, H), fitTitle(title, W / 2, 24, W - 8)];
  panels.forEach((p, i) => {
    const x = (i % cols) * pw;
    const y = 40 + Math.floor(i / cols) * ph;
    const box = { x: x + 58, y: y + 24, w: pw - 58 - 14, h: ph - 24 - 48 };
    parts.push(`<g class="panel">\n`);
    parts.push(...countPanel(p.bins, box, { xRange: [lo, hi], yMax: maxShare, share: true, xLabel, yLabel: '% of polytopes' }));
    parts.push(fitTitle(p.title, box.x + box.w / 2, y + 16, pw - 8, TEXT.tick), '</g>\n');
  });
  parts.push('</svg>\n');
  return parts.join('');
}
