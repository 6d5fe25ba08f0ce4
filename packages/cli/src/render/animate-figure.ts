/**
 * Frames of `polytope animate`: the exact polytope map (2-D regions with the decision boundary and
 * the training points, or the 1-D pieces with the function and the data) beside the dual scatter of
 * every region's linear coefficients, bubble area = the region's share of the box, and a key row
 * under both panels (classes, bubble sizes). Pure: frame data in, SVG out.
 */
import { InternalError } from '@polytope-lens/core';
import { drawAxes, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { regionColor } from './color.js';
import { formatPx as f } from './format.js';
import { classColor } from './legend.js';
import { renderLineSvg, renderSliceSvg } from './slice-figure.js';
import { INK, TEXT, esc, fitTitle, svgHead, textWidth } from './style.js';
import { axisTicks } from './ticks.js';

/** One snapshot's exact partition, reduced to what a frame draws. */
export interface FrameData {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number | null;
  readonly metric: number | undefined;
  readonly regions: number;
  readonly linearRegions: number;
  /** Polygons (2-D) or pieces (1-D) with colour keys. */
  readonly cells: { vertices?: Float64Array; x0?: number; x1?: number; map: Float64Array; colorKey: number; size: number }[];
  readonly boundary: Float64Array[];
  /** Dual points: (coefficient a, coefficient b) for 2-D; (slope, intercept) for 1-D; with size weights. */
  readonly dual: Float64Array;
}

/** What every frame shares: the data points and labels, the input box, the size and fixed ranges. */
export interface FrameLook {
  points: Float64Array;
  labels: Float32Array;
  box: readonly [number, number, number, number];
  width: number;
  dualRange: readonly number[];
  /** 1-D: the value range of the left panel, fixed over all frames (contains the data and every frame's function). */
  valueRange?: readonly [number, number];
  metricName: string;
}

/** Height of the key row under the panels. */
const KEY_ROW = 40;

/**
 * Height in px of a frame `width` px wide: two square-ish panels side by side and the key row.
 *
 * @example
 * frameHeight(960); // 520
 */
export function frameHeight(width: number): number {
  return width / 2 + KEY_ROW;
}

/** Bubble radius in px of a region with share `w` of the box (area ∝ share, clamped to 1.6–14 px). */
function bubbleRadius(w: number, panel: number): number {
  const scale = panel / 320;
  return Math.min(14 * scale, Math.max(1.6, Math.sqrt(Math.max(0, w)) * 24 * scale));
}

/** Plot frame of a renderer's SVG (its `pl-plot` clip rectangle), in px. */
function plotRect(svg: string): { x: number; y: number; w: number; h: number } {
  const m = /<clipPath id="pl-plot"><rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/.exec(svg);
  if (!m) throw new InternalError('renderer output has no pl-plot clip rectangle');
  return { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) };
}

/** Moves a renderer's standalone SVG to (x, 0) inside a larger figure, inserting `overlay` before `before`. */
function nest(svg: string, x: number, overlay: string, before: string): string {
  let s = svg.replace('<svg xmlns="http://www.w3.org/2000/svg" ', `<svg x="${f(x)}" y="0" `);
  const at = s.indexOf(before);
  s = at < 0 ? s.replace(/<\/svg>\n?$/, overlay + '</svg>\n') : s.slice(0, at) + overlay + s.slice(at);
  return s;
}

/** The dual scatter panel (own SVG group at x offset `ox`), `W` × `H` px. */
function dualPanel(fr: FrameData, ox: number, W: number, H: number, o: FrameLook, oneD: boolean): string {
  const [x0, x1, y0, y1] = o.dualRange as [number, number, number, number];
  const left = 64;
  const top = 40;
  const pf: PlotFrame = { x: ox + left, y: top, w: W - left - 20, h: H - top - 54, x0, x1, y0, y1 };
  const parts: string[] = [];
  parts.push(`<clipPath id="dual-plot"><rect x="${f(pf.x)}" y="${f(pf.y)}" width="${f(pf.w)}" height="${f(pf.h)}"/></clipPath>\n`);
  parts.push(`<rect x="${f(pf.x)}" y="${f(pf.y)}" width="${f(pf.w)}" height="${f(pf.h)}" fill="${INK.panel}"/>\n`);
  parts.push(`<g clip-path="url(#dual-plot)">\n`);
  if (x0 < 0 && x1 > 0) parts.push(`<path d="M${f(px(pf, 0))},${f(pf.y)}v${f(pf.h)}" stroke="#bbbbbb" stroke-width="1"/>\n`);
  if (y0 < 0 && y1 > 0) parts.push(`<path d="M${f(pf.x)},${f(py(pf, 0))}h${f(pf.w)}" stroke="#bbbbbb" stroke-width="1"/>\n`);
  if (oneD) {
    // Sine's tangent lines (Fig. 5.4, bottom): slope cos x, intercept sin x − x cos x.
    let d = '';
    for (let i = 0; i <= 200; i++) {
      const x = -Math.PI + (2 * Math.PI * i) / 200;
      d += (i === 0 ? 'M' : 'L') + f(px(pf, Math.cos(x))) + ',' + f(py(pf, Math.sin(x) - x * Math.cos(x)));
    }
    parts.push(`<path d="${d}" fill="none" stroke="#999999" stroke-width="1.2" stroke-dasharray="3 2"/>\n`);
  }
  // Largest first, so small regions stay visible on top; bubbles outside the panel are not drawn.
  const order = fr.cells.map((_, i) => i).sort((a, b) => fr.dual[3 * b + 2]! - fr.dual[3 * a + 2]!);
  for (const i of order) {
    const a = fr.dual[3 * i]!;
    const b = fr.dual[3 * i + 1]!;
    if (!(a >= x0 && a <= x1 && b >= y0 && b <= y1)) continue;
    const r = bubbleRadius(fr.dual[3 * i + 2]!, W);
    parts.push(
      `<circle cx="${f(px(pf, a))}" cy="${f(py(pf, b))}" r="${f(r)}" fill="${regionColor(fr.cells[i]!.colorKey)}" fill-opacity="0.85" stroke="#222222" stroke-width="0.6"/>\n`,
    );
  }
  parts.push('</g>\n');
  const [xl, yl, what] = oneD
    ? ['slope b', 'intercept a', 'f = a + b·x per region']
    : ['a (∂f/∂x₁)', 'b (∂f/∂x₂)', 'f = c + a·x₁ + b·x₂ per region'];
  drawAxes(parts, pf, axisTicks(x0, x1, Math.max(3, Math.floor(pf.w / 70))), axisTicks(y0, y1, Math.max(3, Math.floor(pf.h / 50))), {
    xLabel: xl,
    yLabel: yl,
  });
  const metric =
    fr.metric === undefined
      ? ''
      : o.metricName === 'accuracy'
        ? ` · train acc ${(100 * fr.metric).toFixed(1)} %`
        : ` · train MSE ${fr.metric.toPrecision(3)}`;
  parts.push(fitTitle(what + metric, ox + W / 2, top - 14, W - 8, TEXT.label));
  return parts.join('');
}

/** The key row: data classes (or the data dots in 1-D) on the left, bubble sizes on the right. */
function keyRow(W: number, y: number, oneD: boolean, labels: Float32Array): string {
  const half = W / 2;
  const parts: string[] = [`<g class="key" font-size="${TEXT.tick}" fill="${INK.text}">\n`];
  let x = 16;
  const item = (color: string, text: string, r = 3.2): void => {
    parts.push(`<circle cx="${f(x + 4)}" cy="${f(y - 4)}" r="${r}" fill="${color}" stroke="#ffffff" stroke-width="0.5"/>\n`);
    parts.push(`<text x="${f(x + 12)}" y="${f(y)}">${esc(text)}</text>\n`);
    x += 22 + textWidth(text, TEXT.tick);
  };
  if (oneD) item('#000000', 'training data (x, target)', 2);
  else {
    const classes = [...new Set(Array.from(labels, (v) => (v > 0.5 ? 1 : 0)))].sort();
    parts.push(`<text x="${f(x)}" y="${f(y)}">training points:</text>\n`);
    x += textWidth('training points:', TEXT.tick) + 8;
    for (const c of classes) item(classColor(c), `class ${c}`);
    parts.push(`<path d="M${f(x)},${f(y - 4)}h16" stroke="#000000" stroke-width="2.2"/>\n`);
    parts.push(`<text x="${f(x + 22)}" y="${f(y)}">decision boundary</text>\n`);
    x += 22 + textWidth('decision boundary', TEXT.tick);
  }
  x = Math.max(x + 16, half + 16);
  const bubbles = `bubble area ∝ share of the ${oneD ? 'line' : 'box'}:`;
  parts.push(`<text x="${f(x)}" y="${f(y)}">${bubbles}</text>\n`);
  x += textWidth(bubbles, TEXT.tick) + 10;
  for (const share of [0.01, 0.05, 0.2]) {
    const r = bubbleRadius(share, half);
    if (x + 2 * r + 30 > W) break;
    parts.push(`<circle cx="${f(x + r)}" cy="${f(y - 4)}" r="${f(r)}" fill="#dddddd" stroke="#222222" stroke-width="0.6"/>\n`);
    parts.push(`<text x="${f(x + 2 * r + 4)}" y="${f(y)}">${share * 100} %</text>\n`);
    x += 2 * r + 36;
  }
  parts.push('</g>\n');
  return parts.join('');
}

/**
 * One animation frame as SVG: the exact polytope map (regions coloured by activation pattern,
 * decision boundary, training points) on the left, the dual coefficient scatter on the right, the
 * key row below. `width × frameHeight(width)` px.
 *
 * @example
 * const svg = frameSvg(frameData(net, [-1, 1, -1, 1], { step: 0, epoch: 0, loss: null, metric: undefined }),
 *   { points: raw, labels: y, box: [-1, 1, -1, 1], width: 960, dualRange: [-1, 1, -1, 1], metricName: 'accuracy' });
 */
export function frameSvg(fr: FrameData, o: FrameLook): string {
  const W = o.width;
  const half = W / 2;
  const H = half;
  const oneD = fr.boundary.length === 0 && fr.cells.length > 0 && fr.cells[0]!.vertices === undefined;
  const title = `step ${fr.step} · epoch ${fr.epoch} · ${fr.regions} regions`;
  let left: string;
  if (!oneD) {
    left = renderSliceSvg({
      box: o.box,
      width: half,
      height: H,
      title,
      xLabel: 'x₁',
      yLabel: 'x₂',
      boundary: fr.boundary,
      regions: fr.cells.map((c) => ({ vertices: c.vertices!, colorKey: c.colorKey })),
      points: { st: o.points, labels: Array.from(o.labels, (v) => (v > 0.5 ? 1 : 0)) },
    });
    // The points go under the decision boundary, as the data layer.
    const m = /<g class="points"[\s\S]*?<\/g>\n/.exec(left);
    if (m) {
      const data = m[0].replace('<g class="points"', '<g class="data" clip-path="url(#pl-plot)"');
      const at = left.includes('<g class="boundary"') ? '<g class="boundary"' : '<rect class="frame"';
      left = left.replace(m[0], '').replace(at, data + at);
    }
    left = nest(left, 0, '', '</svg>');
  } else {
    const [a, b] = [o.box[0], o.box[1]];
    const pieces = fr.cells.map((c) => ({ t0: c.x0!, t1: c.x1!, colorKey: c.colorKey, map: c.map }));
    const svg = renderLineSvg({
      pieces,
      domain: [a, b],
      width: half,
      height: H,
      title,
      xLabel: 'x',
      yLabel: 'f(x)',
      points: { x: o.points, y: o.labels },
      ...(o.valueRange !== undefined ? { valueRange: o.valueRange } : {}),
    });
    plotRect(svg);
    left = nest(svg.replace('<g class="points"', '<g class="data"'), 0, '', '</svg>');
  }
  return [
    svgHead(W, frameHeight(W)),
    left,
    dualPanel(fr, half, half, H, o, oneD),
    keyRow(W, H + KEY_ROW / 2, oneD, o.labels),
    '</svg>\n',
  ].join('');
}
