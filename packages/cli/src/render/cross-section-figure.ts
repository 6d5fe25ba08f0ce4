/**
 * The cross-section figure (dissertation §6.3, Figs. 6.10–6.13): the region map of one plane drawn
 * three ways side by side — the exact partition (polygons), the activation codes on the p × p grid,
 * and the Jacobian-tolerance grid (Fig. 6.12) — with what the grid methods miss marked against the
 * exact truth: exact regions that hold no grid point (red outline), and code changes between grid
 * neighbours that the Jacobian method does not see (red segments). Grid maps are embedded as
 * pixelated RGB PNGs. Colours come from the activation code, so a region has the same colour in
 * every panel where it is found.
 */
import { hashBytes, regionColor } from './color.js';
import { rgbPng } from './jacobian-images.js';
import { INK, TEXT, esc, fitTitle, svgHead } from './style.js';

/** Input of `crossSectionSvg`. */
export interface CrossSectionFigureInput {
  readonly title: string;
  readonly box: readonly [number, number, number, number];
  readonly p: number;
  /** Exact regions: polygon (interleaved s, t), code, whether a grid point lies in it. Absent: too many to draw. */
  readonly exact?: readonly { readonly vertices: Float64Array; readonly code: Uint8Array; readonly hit: boolean }[];
  /** Distinct grid codes and each grid point's code id (row-major from the top). */
  readonly codes: readonly Uint8Array[];
  readonly codeId: Int32Array;
  /** Jacobian region of each grid point. */
  readonly jacobianLabel: Int32Array;
  /** Missed boundaries as q * 2 + dir (dir 0: right neighbour, 1: lower). */
  readonly missedEdges: Int32Array;
  readonly anchors?: readonly { readonly name: string; readonly s: number; readonly t: number }[];
  /** One caption line per panel. */
  readonly captions: readonly [string, string, string];
}

const PANEL = 380;
const fmt = (v: number): number => Number(v.toPrecision(4));
const GAP = 24;
const TOP = 40;
const LEFT = 16;

function rgbOf(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/** A p × p raster of colours (row-major from the top), embedded pixelated over a panel. */
function raster(colors: readonly string[], p: number, x: number, y: number): string {
  // Upsampled by an integer zoom (nearest neighbour), so renderers that smooth images keep sharp cells.
  const z = Math.max(1, Math.ceil(PANEL / p));
  const w = p * z;
  const rgb = new Uint8Array(3 * w * w);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const c = rgbOf(colors[i * p + j]!);
      for (let a = 0; a < z; a++) for (let b = 0; b < z; b++) rgb.set(c, 3 * ((i * z + a) * w + j * z + b));
    }
  const uri = `data:image/png;base64,${Buffer.from(rgbPng(rgb, w, w)).toString('base64')}`;
  return `<image x="${x}" y="${y}" width="${PANEL}" height="${PANEL}" href="${uri}" image-rendering="optimizeSpeed" style="image-rendering:pixelated" preserveAspectRatio="none"/>`;
}

/**
 * The three-panel SVG.
 *
 * @example
 * const svg = crossSectionSvg({ title: 'plane', box: [0, 1, 0, 1], p: 2, codes: [Uint8Array.of(1)], codeId: new Int32Array(4),
 *   jacobianLabel: new Int32Array(4), missedEdges: new Int32Array(0), captions: ['exact', 'codes', 'Jacobian'] });
 */
export function crossSectionSvg(input: CrossSectionFigureInput): string {
  const { box, p } = input;
  const [s0, s1, t0, t1] = box;
  const W = LEFT * 2 + 3 * PANEL + 2 * GAP;
  const H = TOP + PANEL + 44;
  const X = (k: number, s: number) => LEFT + k * (PANEL + GAP) + ((s - s0) / (s1 - s0)) * PANEL;
  const Y = (t: number) => TOP + ((t1 - t) / (t1 - t0)) * PANEL;
  const parts = [svgHead(W, H), fitTitle(input.title, W / 2, 20, W - 8)];
  const codeColor = input.codes.map((c) => regionColor(hashBytes(c)));
  // Panel 1: exact polygons.
  const x0 = LEFT;
  parts.push(`<defs><clipPath id="cs-clip"><rect x="${x0}" y="${TOP}" width="${PANEL}" height="${PANEL}"/></clipPath></defs>`);
  if (input.exact) {
    const missed: string[] = [];
    parts.push('<g clip-path="url(#cs-clip)" stroke="#ffffff" stroke-width="0.3">');
    for (const r of input.exact) {
      const pts: string[] = [];
      for (let i = 0; i < r.vertices.length; i += 2) pts.push(`${X(0, r.vertices[i]!).toFixed(2)},${Y(r.vertices[i + 1]!).toFixed(2)}`);
      const poly = `<polygon points="${pts.join(' ')}" fill="${regionColor(hashBytes(r.code))}"/>`;
      parts.push(poly);
      if (!r.hit) missed.push(`<polygon points="${pts.join(' ')}" fill="none" stroke="#d62728" stroke-width="1.2"/>`);
    }
    parts.push(...missed, '</g>');
  } else {
    parts.push(
      `<text x="${x0 + PANEL / 2}" y="${TOP + PANEL / 2}" text-anchor="middle" font-size="${TEXT.label}" fill="${INK.muted}">too many regions to draw</text>`,
    );
  }
  // Panel 2: codes; panel 3: Jacobian regions coloured by the code of their first point.
  parts.push(
    raster(
      Array.from(input.codeId, (id) => codeColor[id]!),
      p,
      LEFT + PANEL + GAP,
      TOP,
    ),
  );
  const firstCode = new Map<number, number>();
  input.jacobianLabel.forEach((l, q) => {
    if (!firstCode.has(l)) firstCode.set(l, input.codeId[q]!);
  });
  parts.push(
    raster(
      Array.from(input.jacobianLabel, (l) => codeColor[firstCode.get(l)!]!),
      p,
      LEFT + 2 * (PANEL + GAP),
      TOP,
    ),
  );
  const cell = PANEL / p;
  const xj = LEFT + 2 * (PANEL + GAP);
  const seg: string[] = [];
  for (const e of input.missedEdges) {
    const q = e >> 1;
    const i = Math.floor(q / p);
    const j = q % p;
    if ((e & 1) === 0) seg.push(`M${(xj + (j + 1) * cell).toFixed(2)} ${(TOP + i * cell).toFixed(2)}v${cell.toFixed(2)}`);
    else seg.push(`M${(xj + j * cell).toFixed(2)} ${(TOP + (i + 1) * cell).toFixed(2)}h${cell.toFixed(2)}`);
  }
  if (seg.length)
    parts.push(
      `<path d="${seg.join('')}" stroke="#d62728" stroke-width="${Math.max(0.6, Math.min(2, cell / 2)).toFixed(2)}" fill="none"/>`,
    );
  for (let k = 0; k < 3; k++) {
    const x = LEFT + k * (PANEL + GAP);
    parts.push(`<rect x="${x}" y="${TOP}" width="${PANEL}" height="${PANEL}" fill="none" stroke="${INK.axis}"/>`);
    for (const a of input.anchors ?? []) {
      if (a.s < s0 || a.s > s1 || a.t < t0 || a.t > t1) continue;
      parts.push(`<circle cx="${X(k, a.s).toFixed(2)}" cy="${Y(a.t).toFixed(2)}" r="3" fill="#000000" stroke="#ffffff"/>`);
      parts.push(
        `<text x="${(X(k, a.s) + 5).toFixed(2)}" y="${(Y(a.t) - 5).toFixed(2)}" font-size="${TEXT.small}" font-weight="bold">${esc(a.name)}</text>`,
      );
    }
    parts.push(fitTitle(input.captions[k], x + PANEL / 2, TOP + PANEL + 20, PANEL, TEXT.tick));
  }
  parts.push(
    `<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="${TEXT.small}" fill="${INK.muted}">red outline: exact region with no grid point · red segment: code change the Jacobian method does not see · box s ∈ [${fmt(s0)}, ${fmt(s1)}], t ∈ [${fmt(t0)}, ${fmt(t1)}]</text>`,
    '</svg>\n',
  );
  return parts.join('');
}
