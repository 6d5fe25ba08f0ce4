/**
 * Figures of the seed items (docs/seeds.md): panels side by side, and a generic 2-D panel of
 * polygons, polylines and points with axes — pure SVG string builders on the shared style.
 */
import { drawAxes, px, py } from './axes.js';
import type { PlotFrame } from './axes.js';
import { formatPx as f } from './format.js';
import { classColor, classFill } from './legend.js';
import { FONT, INK, TEXT, esc, fitTitle, svgHead } from './style.js';
import { axisTicks } from './ticks.js';

/** Places complete SVG figures side by side (nested `<svg>` elements), under an optional title. */
export function sideBySide(panels: readonly { svg: string; width: number; height: number }[], title?: string): string {
  const top = title ? 30 : 0;
  const width = panels.reduce((s, p) => s + p.width, 0);
  const height = top + Math.max(...panels.map((p) => p.height));
  const parts = [svgHead(width, height)];
  if (title) parts.push(fitTitle(title, width / 2, 21, width - 20));
  let x = 0;
  for (const p of panels) {
    parts.push(p.svg.replace(/^<svg /, `<svg x="${f(x)}" y="${f(top)}" `));
    x += p.width;
  }
  parts.push('</svg>\n');
  return parts.join('');
}

/** Contents of a generic 2-D panel. */
export interface PanelInput {
  readonly title: string;
  readonly box: readonly [number, number, number, number];
  /** Filled polygons [x0, y0, x1, y1, …]. */
  readonly polygons?: readonly { readonly xy: ArrayLike<number>; readonly fill: string; readonly stroke?: string }[];
  /** Polylines [x0, y0, …] with colour and width. */
  readonly lines?: readonly { readonly xy: ArrayLike<number>; readonly color: string; readonly width?: number; readonly dash?: boolean }[];
  /** Points [x0, y0, …] with class labels (class colours) or one colour. */
  readonly points?: { readonly xy: ArrayLike<number>; readonly labels?: ArrayLike<number>; readonly color?: string; readonly r?: number };
  /** Larger marked points (e.g. decision points), drawn last. */
  readonly marks?: readonly { readonly x: number; readonly y: number; readonly color: string; readonly label?: string }[];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly note?: string;
  readonly size?: number;
}

/** A square 2-D panel (equal scales when the box is square) with axes. */
export function panelSvg(p: PanelInput): { svg: string; width: number; height: number } {
  const size = p.size ?? 360;
  const M = { l: 56, r: 16, t: 36, b: p.note ? 62 : 46 };
  const width = size;
  const height = size + (p.note ? 16 : 0);
  const fr: PlotFrame = {
    x: M.l,
    y: M.t,
    w: width - M.l - M.r,
    h: height - M.t - M.b,
    x0: p.box[0],
    x1: p.box[1],
    y0: p.box[2],
    y1: p.box[3],
  };
  const parts = [svgHead(width, height)];
  let h = 7;
  for (const ch of p.title + p.box.join(',')) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  const clip = `clip${h.toString(36)}`;
  parts.push(
    `<defs><clipPath id="${clip}"><rect x="${f(fr.x)}" y="${f(fr.y)}" width="${f(fr.w)}" height="${f(fr.h)}"/></clipPath></defs>\n`,
  );
  parts.push(`<g clip-path="url(#${clip})">\n`);
  const path = (xy: ArrayLike<number>, close: boolean): string => {
    let d = '';
    for (let i = 0; i + 1 < xy.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${f(px(fr, xy[i]!))},${f(py(fr, xy[i + 1]!))}`;
    return close ? d + 'Z' : d;
  };
  for (const g of p.polygons ?? [])
    parts.push(`<path d="${path(g.xy, true)}" fill="${g.fill}" stroke="${g.stroke ?? '#ffffff'}" stroke-width="0.6"/>\n`);
  for (const l of p.lines ?? [])
    parts.push(
      `<path d="${path(l.xy, false)}" fill="none" stroke="${l.color}" stroke-width="${l.width ?? 2}"${l.dash ? ' stroke-dasharray="5,4"' : ''} stroke-linecap="round"/>\n`,
    );
  if (p.points) {
    const { xy, labels, color, r } = p.points;
    for (let i = 0; i + 1 < xy.length; i += 2) {
      const c = labels ? classColor(labels[i / 2]!) : (color ?? INK.text);
      const fill = labels ? classFill(labels[i / 2]!) : c;
      parts.push(
        `<circle cx="${f(px(fr, xy[i]!))}" cy="${f(py(fr, xy[i + 1]!))}" r="${r ?? 2.2}" fill="${fill}" stroke="${c}" stroke-width="0.6"/>\n`,
      );
    }
  }
  for (const m of p.marks ?? [])
    parts.push(`<circle cx="${f(px(fr, m.x))}" cy="${f(py(fr, m.y))}" r="5" fill="${m.color}" stroke="#000000" stroke-width="1"/>\n`);
  parts.push('</g>\n');
  drawAxes(parts, fr, axisTicks(p.box[0], p.box[1], 5), axisTicks(p.box[2], p.box[3], 5), {
    xLabel: p.xLabel ?? '',
    yLabel: p.yLabel ?? '',
  });
  parts.push(fitTitle(p.title, width / 2, 22, width - 10, TEXT.label));
  if (p.note)
    parts.push(
      `<text x="${f(width / 2)}" y="${f(height - 8)}" text-anchor="middle" font-size="${TEXT.small}" fill="${INK.muted}" font-family="${FONT}">${esc(p.note)}</text>\n`,
    );
  parts.push('</svg>\n');
  return { svg: parts.join(''), width, height };
}
