/**
 * SVG figures for frames (moved from core's frames/figures.ts: rendering belongs to the CLI), written as plain strings (no DOM, so they work in Node, browsers and
 * tests): the frame polytope (3-D orthographic projection, or the polygon in 2-D) with its facets,
 * a highlighted facet and the active frame vectors, and bar charts of bias vectors.
 */
import { PolytopeError, facetVertices } from '@polytope-lens/core';
import type { Frame, FramePolytope } from '@polytope-lens/core';
import { formatTick, niceTicks } from './ticks.js';
import { FONT, fitTitle } from './style.js';
import { FLAT_BARS_SPAN, LABEL_ZERO, RAY_HITS_FACET } from './constants.js';

/** Options for `framePolytopeSvg`. */
export interface PolytopeSvgOptions {
  readonly title?: string;
  /** Camera azimuth and elevation in degrees (3-D only; defaults 35 and 20). */
  readonly azimuth?: number;
  readonly elevation?: number;
  /** A facet drawn emphasized (e.g. the one used for reconstruction). */
  readonly highlightFacet?: number;
  /** 0/1 per frame vector: active vectors are drawn filled, inactive hollow. */
  readonly active?: ArrayLike<number>;
  /** A point of the ball drawn as a marker (e.g. the reconstructed input). */
  readonly point?: ArrayLike<number>;
  /** Values per vector (e.g. α) printed beside the labels. */
  readonly vertexValues?: ArrayLike<number>;
  /** Pixel size of the square drawing area (default 440). */
  readonly size?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Escapes text for SVG. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

function num(v: number, digits = 3): string {
  if (v === Infinity) return 'free';
  if (v === -Infinity) return '−∞';
  if (v === 0) return '0';
  return v.toFixed(digits);
}

/**
 * The frame polytope as SVG: in 3-D an orthographic view (back facets dashed, front facets
 * translucent, the highlighted facet solid orange, vertices numbered, active vertices filled); in
 * 2-D the polygon inside the unit circle. Throws `PolytopeError('bad-option')` for n > 3.
 *
 * @example
 * const f = icosahedronFrame();
 * const svg = framePolytopeSvg(f, framePolytope(f), { highlightFacet: 0 }); // '<svg …>'
 */
export function framePolytopeSvg(frame: Frame, polytope: FramePolytope, options: PolytopeSvgOptions = {}): string {
  const { n, m, rows } = frame;
  if (n !== 2 && n !== 3) throw new PolytopeError('bad-option', `${frame.name}: polytope figures need n = 2 or 3, got n = ${n}`);
  const size = options.size ?? 440;
  const top = 36;
  const bottom = 58;
  const W = size;
  const H = size + top + bottom;
  const cx = W / 2;
  const cy = top + size / 2;
  const R = size * (options.vertexValues ? 0.34 : 0.4);
  const [azDeg, elDeg] = viewAngles(n, polytope, options);
  const hf = options.highlightFacet;
  const az = (azDeg * Math.PI) / 180;
  const el = (elDeg * Math.PI) / 180;
  // Camera basis: forward f (towards the viewer), right r, up u.
  const f = [Math.cos(el) * Math.cos(az), Math.cos(el) * Math.sin(az), Math.sin(el)];
  const r = [-Math.sin(az), Math.cos(az), 0];
  const u = [f[1]! * r[2]! - f[2]! * r[1]!, f[2]! * r[0]! - f[0]! * r[2]!, f[0]! * r[1]! - f[1]! * r[0]!];
  const project = (v: ArrayLike<number>): [number, number, number] => {
    if (n === 2) return [cx + R * v[0]!, cy - R * v[1]!, 0];
    const sx = v[0]! * r[0]! + v[1]! * r[1]! + v[2]! * r[2]!;
    const sy = v[0]! * u[0]! + v[1]! * u[1]! + v[2]! * u[2]!;
    const d = v[0]! * f[0]! + v[1]! * f[1]! + v[2]! * f[2]!;
    return [cx + R * sx, cy - R * sy, d];
  };
  const pts: [number, number, number][] = [];
  for (let i = 0; i < m; i++) pts.push(project(rows.subarray(i * n, i * n + n)));

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  const title = options.title ?? `Frame polytope: ${frame.name}`;
  out.push(fitTitle(title, W / 2, 22, W - 8));
  out.push(`<circle cx="${cx}" cy="${cy}" r="${R}" fill="none" stroke="#cccccc" stroke-dasharray="3 3"/>`);
  out.push(`<circle cx="${cx}" cy="${cy}" r="2" fill="#999"/>`);

  // Facet polygons with vertices in cyclic order (sorted by angle within the facet plane).
  const facetPolys: { j: number; order: number[]; front: boolean; depth: number }[] = [];
  for (let j = 0; j < polytope.numFacets; j++) {
    const verts = Array.from(facetVertices(polytope, j));
    const normal = polytope.normals.subarray(j * n, j * n + n);
    let order = verts;
    let front = true;
    let depth = 0;
    if (n === 3) {
      order = cyclicOrder(rows, verts, normal);
      front = normal[0]! * f[0]! + normal[1]! * f[1]! + normal[2]! * f[2]! > 0;
      for (const k of verts) depth += pts[k]![2] / verts.length;
    }
    facetPolys.push({ j, order, front, depth });
  }
  facetPolys.sort((a, b) => (a.front === b.front ? a.depth - b.depth : a.front ? 1 : -1));
  for (const fp of facetPolys) {
    const path = fp.order.map((k, t) => `${t === 0 ? 'M' : 'L'}${fmt(pts[k]![0])},${fmt(pts[k]![1])}`).join(' ') + (n === 3 ? ' Z' : '');
    const hl = fp.j === options.highlightFacet;
    const color = PALETTE[fp.j % PALETTE.length]!;
    if (n === 2) {
      out.push(`<path d="${path}" fill="none" stroke="${hl ? '#d35400' : color}" stroke-width="${hl ? 5 : 2.5}"/>`);
    } else if (!fp.front) {
      out.push(
        `<path d="${path}" fill="none" stroke="${hl ? '#d35400' : '#9a9a9a'}" stroke-width="${hl ? 2 : 1}" stroke-dasharray="4 3"/>`,
      );
    } else {
      out.push(
        `<path d="${path}" fill="${hl ? '#f39c12' : color}" fill-opacity="${hl ? 0.75 : 0.28}" stroke="#333" stroke-width="${hl ? 2.2 : 1.1}" stroke-linejoin="round"/>`,
      );
    }
  }
  if (options.point) out.push(...pointMarker(options.point, n, hf, polytope, project, [cx, cy]));
  out.push(...vertexMarkers(pts, n, cx, options));
  const legend = polytopeLegend(polytope, m, n, options);
  legend.forEach((line, t) => out.push(`<text x="10" y="${H - bottom + 16 + 14 * t}" font-size="11" fill="#444">${esc(line)}</text>`));
  out.push('</svg>');
  return out.join('\n');
}

/** The lines of text under the figure: facet and vector counts, the highlighted facet, the colour key. */
function polytopeLegend(polytope: FramePolytope, m: number, n: number, options: PolytopeSvgOptions): string[] {
  const legend: string[] = [
    `${polytope.numFacets} facets${polytope.simplicial ? ' (simplicial)' : ''}, ${m} vectors in ℝ${n === 2 ? '²' : '³'}`,
  ];
  if (options.highlightFacet !== undefined && options.highlightFacet >= 0) {
    legend.push(
      `highlighted facet ${options.highlightFacet} = {${Array.from(facetVertices(polytope, options.highlightFacet)).join(', ')}}`,
    );
  }
  if (options.active) legend.push('filled green: active (⟨x, xᵢ⟩ > αᵢ); hollow: inactive');
  return legend;
}

/** Camera azimuth and elevation in degrees: the options, or facing the highlighted facet in 3-D. */
function viewAngles(n: number, polytope: FramePolytope, options: PolytopeSvgOptions): [number, number] {
  let azDeg = options.azimuth ?? 35;
  let elDeg = options.elevation ?? 20;
  const hf = options.highlightFacet;
  if (
    n === 3 &&
    hf !== undefined &&
    hf >= 0 &&
    hf < polytope.numFacets &&
    options.azimuth === undefined &&
    options.elevation === undefined
  ) {
    // Look at the highlighted facet (slightly from the side so the solid still reads as 3-D).
    const a = polytope.normals.subarray(hf * 3, hf * 3 + 3);
    azDeg = (Math.atan2(a[1]!, a[0]!) * 180) / Math.PI + 20;
    elDeg = Math.max(-70, Math.min(70, (Math.asin(Math.max(-1, Math.min(1, a[2]!))) * 180) / Math.PI + 10));
  }
  return [azDeg, elDeg];
}

/** The marked point: its ray from the centre, a cross, and where the ray meets the highlighted facet. */
function pointMarker(
  point: ArrayLike<number>,
  n: number,
  hf: number | undefined,
  polytope: FramePolytope,
  project: (v: ArrayLike<number>) => [number, number, number],
  [cx, cy]: [number, number],
): string[] {
  const parts: string[] = [];
  const p = project(point);
  if (hf !== undefined && hf >= 0 && hf < polytope.numFacets) {
    // Where the ray through the point meets the highlighted facet's plane.
    let ax = 0;
    for (let j = 0; j < n; j++) ax += polytope.normals[hf * n + j]! * point[j]!;
    if (ax > RAY_HITS_FACET) {
      const t = polytope.offsets[hf]! / ax;
      const q = project(Array.from({ length: n }, (_, j) => point![j]! * t));
      parts.push(
        `<line x1="${fmt(p[0])}" y1="${fmt(p[1])}" x2="${fmt(q[0])}" y2="${fmt(q[1])}" stroke="#c0392b" stroke-width="1.2" stroke-dasharray="3 2"/>`,
      );
      parts.push(`<circle cx="${fmt(q[0])}" cy="${fmt(q[1])}" r="3.5" fill="#c0392b"/>`);
    }
  }
  parts.push(`<line x1="${cx}" y1="${cy}" x2="${fmt(p[0])}" y2="${fmt(p[1])}" stroke="#c0392b" stroke-width="1.5"/>`);
  parts.push(
    `<path d="M${fmt(p[0] - 5)},${fmt(p[1] - 5)} L${fmt(p[0] + 5)},${fmt(p[1] + 5)} M${fmt(p[0] - 5)},${fmt(p[1] + 5)} L${fmt(p[0] + 5)},${fmt(p[1] - 5)}" stroke="#c0392b" stroke-width="2"/>`,
  );
  return parts;
}

/** Vertex dots and labels, back ones first (greyed in 3-D), green/hollow by activity when given. */
function vertexMarkers(pts: readonly [number, number, number][], n: number, cx: number, options: PolytopeSvgOptions): string[] {
  const m = pts.length;
  const parts: string[] = [];
  // Vertices: back ones first.
  const vorder = Array.from({ length: m }, (_, i) => i).sort((a, b) => pts[a]![2] - pts[b]![2]);
  for (const i of vorder) {
    const [x, y, d] = pts[i]!;
    const back = n === 3 && d < 0;
    const act = options.active ? options.active[i]! > 0 : null;
    const fill = act === null ? (back ? '#bbbbbb' : '#333333') : act ? '#27ae60' : '#ffffff';
    const stroke = act === null ? 'none' : act ? '#1e8449' : '#555555';
    parts.push(
      `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${back ? 4 : 5.5}" fill="${fill}" stroke="${stroke}" stroke-width="1.5"${back ? ' opacity="0.7"' : ''}/>`,
    );
    const lx = x + (x - cx >= 0 ? 8 : -8);
    const anchor = x - cx >= 0 ? 'start' : 'end';
    const label = options.vertexValues ? `${i} (${num(options.vertexValues[i]!)})` : `${i}`;
    parts.push(
      `<text x="${fmt(lx)}" y="${fmt(y - 6)}" text-anchor="${anchor}" font-size="12" fill="${back ? '#888' : '#111'}">${esc(label)}</text>`,
    );
  }
  return parts;
}

/** Orders a 3-D facet's vertices cyclically around its centroid. */
function cyclicOrder(rows: Float64Array, verts: number[], normal: ArrayLike<number>): number[] {
  const c = [0, 0, 0];
  for (const k of verts) for (let j = 0; j < 3; j++) c[j] = c[j]! + rows[k * 3 + j]! / verts.length;
  // In-plane basis e1 (towards the first vertex), e2 = normal × e1.
  const e1 = [0, 1, 2].map((j) => rows[verts[0]! * 3 + j]! - c[j]!);
  const len = Math.hypot(e1[0]!, e1[1]!, e1[2]!) || 1;
  for (let j = 0; j < 3; j++) e1[j] = e1[j]! / len;
  const e2 = [
    normal[1]! * e1[2]! - normal[2]! * e1[1]!,
    normal[2]! * e1[0]! - normal[0]! * e1[2]!,
    normal[0]! * e1[1]! - normal[1]! * e1[0]!,
  ];
  const ang = (k: number): number => {
    const v = [0, 1, 2].map((j) => rows[k * 3 + j]! - c[j]!);
    return Math.atan2(v[0]! * e2[0]! + v[1]! * e2[1]! + v[2]! * e2[2]!, v[0]! * e1[0]! + v[1]! * e1[1]! + v[2]! * e1[2]!);
  };
  return verts.slice().sort((a, b) => ang(a) - ang(b));
}

/** One series of a bias bar chart. */
export interface BiasSeries {
  readonly label: string;
  readonly values: ArrayLike<number>;
  /** `bar` (default) or `marker` (a diamond on the value). */
  readonly kind?: 'bar' | 'marker';
  readonly color?: string;
}

/**
 * Bar chart of bias vectors per frame vector (grouped bars, markers for e.g. Monte-Carlo
 * estimates; `Infinity` entries are labelled "free").
 *
 * @example
 * biasBarsSvg([{ label: 'α^B', values: alpha }], { title: 'tetrahedron' });
 */
export function biasBarsSvg(series: readonly BiasSeries[], options: { readonly title?: string } = {}): string {
  if (series.length === 0) throw new PolytopeError('bad-option', 'biasBarsSvg: no series');
  const m = series[0]!.values.length;
  const bars = series.filter((s) => (s.kind ?? 'bar') === 'bar');
  const left = 56;
  const right = 16;
  const group = Math.max(18, 10 + 12 * bars.length, Math.min(90, (420 - left - right) / Math.max(1, m)));
  const top = 40;
  const plotH = 240;
  const bottom = 60;
  const W = Math.max(420, left + right + m * group);
  const H = top + plotH + bottom;
  const [lo, hi] = barsRange(series, m);
  const y = (v: number): number => top + ((hi - v) / (hi - lo)) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(fitTitle(options.title ?? 'Bias per frame vector', W / 2, 22, W - 8));
  // Axis ticks.
  const nice = niceTicks(lo, hi, 6);
  const ticks = nice.values;
  for (const t of ticks) {
    out.push(
      `<line x1="${left}" x2="${W - right}" y1="${fmt(y(t))}" y2="${fmt(y(t))}" stroke="${t === 0 ? '#333' : '#e5e5e5'}" stroke-width="${t === 0 ? 1.2 : 1}"/>`,
    );
    out.push(
      `<text x="${left - 6}" y="${fmt(y(t) + 4)}" text-anchor="end" font-size="11" fill="#444">${esc(Math.abs(t) < LABEL_ZERO ? '0' : formatTick(t, nice.step))}</text>`,
    );
  }
  const barW = (group - 8) / Math.max(1, bars.length);
  for (let i = 0; i < m; i++) {
    const gx = left + i * group + 4;
    bars.forEach((s, b) => {
      const v = s.values[i]!;
      const color = s.color ?? PALETTE[series.indexOf(s) % PALETTE.length]!;
      const x = gx + b * barW;
      if (!Number.isFinite(v)) {
        out.push(`<text x="${fmt(x + barW / 2)}" y="${fmt(y(0) - 4)}" text-anchor="middle" font-size="9" fill="${color}">free</text>`);
        return;
      }
      const y0 = y(0);
      const y1 = y(v);
      out.push(
        `<rect x="${fmt(x)}" y="${fmt(Math.min(y0, y1))}" width="${fmt(Math.max(1, barW - 1))}" height="${fmt(Math.max(0.5, Math.abs(y1 - y0)))}" fill="${color}"/>`,
      );
    });
    series.forEach((s, si) => {
      if ((s.kind ?? 'bar') !== 'marker') return;
      const v = s.values[i]!;
      if (!Number.isFinite(v)) return;
      const color = s.color ?? PALETTE[si % PALETTE.length]!;
      const mx = gx + (group - 8) / 2;
      const my = y(v);
      out.push(
        `<path d="M${fmt(mx)},${fmt(my - 5)} L${fmt(mx + 5)},${fmt(my)} L${fmt(mx)},${fmt(my + 5)} L${fmt(mx - 5)},${fmt(my)} Z" fill="${color}" stroke="#222" stroke-width="0.8"/>`,
      );
    });
    out.push(`<text x="${fmt(gx + (group - 8) / 2)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10" fill="#444">${i}</text>`);
  }
  out.push(
    `<text x="${left + (W - left - right) / 2}" y="${top + plotH + 30}" text-anchor="middle" font-size="11" fill="#444">frame vector i</text>`,
  );
  out.push(...barsLegend(series, left, H));
  out.push('</svg>');
  return out.join('\n');
}

/** The bars' value range: all finite values and 0, widened when flat, padded by 8 %. */
function barsRange(series: readonly BiasSeries[], m: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const s of series) {
    for (let i = 0; i < m; i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (hi - lo < FLAT_BARS_SPAN) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = 0.08 * (hi - lo);
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/** The legend row along the bottom: a swatch (bar) or diamond (marker) and the label per series. */
function barsLegend(series: readonly BiasSeries[], left: number, H: number): string[] {
  const parts: string[] = [];
  let lx = left;
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    const ly = H - 14;
    if ((s.kind ?? 'bar') === 'bar') parts.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="10" fill="${color}"/>`);
    else
      parts.push(
        `<path d="M${lx + 6},${ly - 10} L${lx + 11},${ly - 4} L${lx + 6},${ly + 2} L${lx + 1},${ly - 4} Z" fill="${color}" stroke="#222" stroke-width="0.8"/>`,
      );
    parts.push(`<text x="${lx + 16}" y="${ly}" font-size="11" fill="#222">${esc(s.label)}</text>`);
    lx += 30 + 7 * s.label.length;
  });
  return parts;
}
