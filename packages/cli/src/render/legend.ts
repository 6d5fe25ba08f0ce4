/**
 * Colour scales and their keys, shared by every figure: class colours (dark for points and lines,
 * light for filled regions), a diverging map for signed values (blue below 0, white at 0, red
 * above), a swatch legend and a colour bar with nice ticks. Pure.
 */
import { LINE_COLORS, oklchToHex } from './color.js';
import { formatPx as f } from './format.js';
import { INK, TEXT, esc, textWidth } from './style.js';
import { axisTicks } from './ticks.js';

/** Dark colour of class `k` (points, lines): Tableau 10, repeating. */
export function classColor(k: number): string {
  return LINE_COLORS[((k % LINE_COLORS.length) + LINE_COLORS.length) % LINE_COLORS.length]!;
}

/** Light colour of class `k` for filled regions: the class colour mixed 55 % with white. */
export function classFill(k: number): string {
  const c = classColor(k);
  let out = '#';
  for (let i = 1; i < 7; i += 2) {
    const v = Math.round(parseInt(c.slice(i, i + 2), 16) * 0.45 + 255 * 0.55);
    out += (v < 16 ? '0' : '') + v.toString(16);
  }
  return out;
}

/** Hues (OKLCH degrees) of the diverging map's negative and positive ends. */
const NEG_HUE = 255;
const POS_HUE = 28;
/** Quantization of the diverging map (levels per side): equal values share one colour string. */
const LEVELS = 64;

/**
 * Diverging colour of `v` on a scale symmetric about 0 with ends ±`maxAbs`: white at 0, blue below,
 * red above, darker and more saturated towards the ends (clamped beyond them).
 *
 * @example
 * divergingColor(0, 1);  // '#ffffff'
 * divergingColor(-1, 1); // a saturated blue; divergingColor(1, 1) a saturated red
 */
export function divergingColor(v: number, maxAbs: number): string {
  const u = maxAbs > 0 && Number.isFinite(v) ? Math.max(-1, Math.min(1, v / maxAbs)) : 0;
  const q = Math.round(Math.abs(u) * LEVELS) / LEVELS;
  if (q === 0) return '#ffffff';
  return oklchToHex(1 - 0.45 * q, 0.16 * q, u < 0 ? NEG_HUE : POS_HUE);
}

/** One legend entry: a filled swatch (or a dot for point markers) and its text. */
export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly marker?: 'swatch' | 'dot' | 'line';
}

/**
 * A vertical legend at (x, y): one entry per line; returns the height used. Entries that do not fit
 * `maxHeight` are counted in a last "… N more" line.
 */
export function drawLegend(
  parts: string[],
  x: number,
  y: number,
  entries: readonly LegendEntry[],
  title?: string,
  maxHeight = 1e9,
): number {
  const lh = 17;
  let cy = y;
  parts.push(`<g class="legend" font-size="${TEXT.tick}" fill="${INK.text}">\n`);
  if (title !== undefined) {
    parts.push(`<text x="${f(x)}" y="${f(cy + 10)}" font-weight="bold">${esc(title)}</text>\n`);
    cy += lh;
  }
  const fit = Math.max(1, Math.floor((maxHeight - (cy - y)) / lh));
  const shown = entries.length <= fit ? entries.length : fit - 1;
  for (let i = 0; i < shown; i++) {
    const e = entries[i]!;
    if (e.marker === 'dot')
      parts.push(`<circle cx="${f(x + 6)}" cy="${f(cy + 6)}" r="3.2" fill="${e.color}" stroke="#ffffff" stroke-width="0.6"/>\n`);
    else if (e.marker === 'line') parts.push(`<path d="M${f(x)},${f(cy + 6)}h14" stroke="${e.color}" stroke-width="2.5"/>\n`);
    else parts.push(`<rect x="${f(x)}" y="${f(cy)}" width="12" height="12" fill="${e.color}" stroke="${INK.axis}" stroke-width="0.5"/>\n`);
    parts.push(`<text x="${f(x + 18)}" y="${f(cy + 10)}">${esc(e.label)}</text>\n`);
    cy += lh;
  }
  if (shown < entries.length) {
    parts.push(`<text x="${f(x)}" y="${f(cy + 10)}">… ${entries.length - shown} more</text>\n`);
    cy += lh;
  }
  parts.push('</g>\n');
  return cy - y;
}

/** Width in px a legend of these entries needs. */
export function legendWidth(entries: readonly LegendEntry[], title?: string): number {
  let w = title !== undefined ? textWidth(title, TEXT.tick, true) : 0;
  for (const e of entries) w = Math.max(w, 18 + textWidth(e.label, TEXT.tick));
  return w;
}

/**
 * A vertical colour bar of the diverging map over [−maxAbs, maxAbs] at (x, y), `h` px tall, with
 * nice ticks and a label; returns the width used.
 */
export function drawColorBar(parts: string[], x: number, y: number, h: number, maxAbs: number, label: string): number {
  const bw = 14;
  const n = 48;
  parts.push(`<g class="colorbar">\n`);
  for (let i = 0; i < n; i++) {
    const v = maxAbs * (1 - (2 * (i + 0.5)) / n);
    parts.push(
      `<rect x="${f(x)}" y="${f(y + (i * h) / n)}" width="${bw}" height="${f(h / n + 0.5)}" fill="${divergingColor(v, maxAbs)}"/>\n`,
    );
  }
  parts.push(`<rect x="${f(x)}" y="${f(y)}" width="${bw}" height="${f(h)}" fill="none" stroke="${INK.axis}" stroke-width="0.8"/>\n`);
  const t = axisTicks(-maxAbs, maxAbs, Math.max(2, Math.floor(h / 40)));
  let d = '';
  let maxW = 0;
  const labels: string[] = [];
  t.values.forEach((v, i) => {
    const yy = y + ((maxAbs - v) / (2 * maxAbs)) * h;
    d += `M${f(x + bw)},${f(yy)}h4`;
    labels.push(`<text x="${f(x + bw + 7)}" y="${f(yy + 4)}">${esc(t.labels[i]!)}</text>\n`);
    maxW = Math.max(maxW, textWidth(t.labels[i]!, TEXT.tick));
  });
  parts.push(`<path d="${d}" stroke="${INK.axis}" stroke-width="1"/>\n`);
  parts.push(`<g font-size="${TEXT.tick}" fill="${INK.text}">\n`, ...labels, '</g>\n');
  parts.push(
    `<text transform="translate(${f(x + bw + 12 + maxW + 8)},${f(y + h / 2)}) rotate(-90)" font-size="${TEXT.label}" text-anchor="middle" fill="${INK.text}">${esc(label)}</text>\n`,
  );
  parts.push('</g>\n');
  return bw + 12 + maxW + 14;
}
