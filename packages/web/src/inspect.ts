/**
 * Region inspection on a flat slice: neighbours (regions sharing an edge segment), the dual scatter
 * of linear coefficients (each region's (∂f₀/∂s, ∂f₀/∂t)), and SVG export of the map.
 */
import type { FlatSlice } from './protocol.js';

type Box = readonly [number, number, number, number];

/** Relative tolerance for "on the same line" and "overlapping": √ε of the box's size (coordinates are float64 vertices of one partition). */
const REL = Math.sqrt(Number.EPSILON);

/** Whether segment (p, q) and segment (r, s) lie on one line and overlap with positive length. */
function sharesSegment(xy: Float64Array, p: number, q: number, r: number, s: number, tol: number): boolean {
  const px = xy[2 * p]!;
  const py = xy[2 * p + 1]!;
  const dx = xy[2 * q]! - px;
  const dy = xy[2 * q + 1]! - py;
  const len = Math.hypot(dx, dy);
  if (len <= tol) return false;
  const ux = dx / len;
  const uy = dy / len;
  // Distances of r and s from the line p→q, and their positions along it.
  const rx = xy[2 * r]! - px;
  const ry = xy[2 * r + 1]! - py;
  const sx = xy[2 * s]! - px;
  const sy = xy[2 * s + 1]! - py;
  if (Math.abs(ux * ry - uy * rx) > tol || Math.abs(ux * sy - uy * sx) > tol) return false;
  const a = ux * rx + uy * ry;
  const b = ux * sx + uy * sy;
  return Math.min(len, Math.max(a, b)) - Math.max(0, Math.min(a, b)) > tol;
}

/** The regions that share a stretch of edge with region i (not just a vertex), ascending. */
export function neighbours(s: FlatSlice, i: number): number[] {
  const tol = REL * Math.max(s.box[1] - s.box[0], s.box[3] - s.box[2]);
  const out: number[] = [];
  const a0 = s.off[i]!;
  const a1 = s.off[i + 1]!;
  for (let j = 0; j < s.off.length - 1; j++) {
    if (j === i) continue;
    const b0 = s.off[j]!;
    const b1 = s.off[j + 1]!;
    let found = false;
    for (let e = a0; e < a1 && !found; e++) {
      const e2 = e + 1 === a1 ? a0 : e + 1;
      for (let f = b0; f < b1 && !found; f++) found = sharesSegment(s.xy, e, e2, f, f + 1 === b1 ? b0 : f + 1, tol);
    }
    if (found) out.push(j);
  }
  return out;
}

/**
 * The centroid (s, t) of region i's polygon (area-weighted, shoelace): inside the region, as regions
 * are convex; the vertices' mean for a polygon of no area.
 */
export function regionCentroid(s: FlatSlice, i: number): [number, number] {
  const a0 = s.off[i]!;
  const a1 = s.off[i + 1]!;
  // Relative to the first vertex, so large offsets do not cancel.
  const [x0, y0] = [s.xy[2 * a0]!, s.xy[2 * a0 + 1]!];
  let [area2, cx, cy, mx, my] = [0, 0, 0, 0, 0];
  for (let e = a0; e < a1; e++) {
    const f = e + 1 === a1 ? a0 : e + 1;
    const [px, py, qx, qy] = [s.xy[2 * e]! - x0, s.xy[2 * e + 1]! - y0, s.xy[2 * f]! - x0, s.xy[2 * f + 1]! - y0];
    const cross = px * qy - qx * py;
    area2 += cross;
    cx += (px + qx) * cross;
    cy += (py + qy) * cross;
    mx += px;
    my += py;
  }
  const n = a1 - a0;
  if (area2 === 0) return [x0 + mx / n, y0 + my / n];
  return [x0 + cx / (3 * area2), y0 + cy / (3 * area2)];
}

/** The dual scatter's frame: the coefficient range (a = ∂f₀/∂s, b = ∂f₀/∂t) with 5 % padding, always containing 0. */
function dualFrame(s: FlatSlice): Box {
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  const st = 3 * s.outputs;
  for (let i = 0; i < s.off.length - 1; i++) {
    const a = s.maps[i * st + 1]!;
    const b = s.maps[i * st + 2]!;
    a0 = Math.min(a0, a);
    a1 = Math.max(a1, a);
    b0 = Math.min(b0, b);
    b1 = Math.max(b1, b);
  }
  const pa = (a1 - a0) * 0.05 || 1;
  const pb = (b1 - b0) * 0.05 || 1;
  return [a0 - pa, a1 + pa, b0 - pb, b1 + pb];
}

/** Pixel position of region i's point in a W×H dual scatter. */
function dualPixel(s: FlatSlice, frame: Box, i: number, W: number, H: number): [number, number] {
  const st = 3 * s.outputs;
  const a = s.maps[i * st + 1]!;
  const b = s.maps[i * st + 2]!;
  return [((a - frame[0]) / (frame[1] - frame[0])) * W, ((frame[3] - b) / (frame[3] - frame[2])) * H];
}

/** The region whose dual point is nearest to pixel (x, y), if within `radius` pixels. */
export function dualPick(s: FlatSlice, x: number, y: number, W: number, H: number, radius: number): number | undefined {
  const frame = dualFrame(s);
  let best: number | undefined;
  let bestD = radius * radius;
  for (let i = 0; i < s.off.length - 1; i++) {
    const [X, Y] = dualPixel(s, frame, i, W, H);
    const d = (X - x) ** 2 + (Y - y) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Draws the dual scatter: axes through 0, a dot per region (its map colour), the selection ringed black, its neighbours ringed grey. */
export function drawDual(
  g: Ctx2D,
  s: FlatSlice | undefined,
  o: { rgbOf: (i: number) => number; selected: number | undefined; neighbours: readonly number[] },
  W: number,
  H: number,
): void {
  g.clearRect(0, 0, W, H);
  if (!s) return;
  const frame = dualFrame(s);
  // Points as 4×4 squares straight into the pixels (thousands of fillStyle changes cost far more).
  const img = g.createImageData(W, H);
  for (let i = 0; i < s.off.length - 1; i++) {
    const [X, Y] = dualPixel(s, frame, i, W, H);
    const rgb = o.rgbOf(i);
    for (let y = Math.max(0, Math.round(Y) - 2); y < Math.min(H, Math.round(Y) + 2); y++)
      for (let x = Math.max(0, Math.round(X) - 2); x < Math.min(W, Math.round(X) + 2); x++) {
        const k = 4 * (y * W + x);
        img.data[k] = (rgb >> 16) & 255;
        img.data[k + 1] = (rgb >> 8) & 255;
        img.data[k + 2] = rgb & 255;
        img.data[k + 3] = 255;
      }
  }
  g.putImageData(img, 0, 0);
  const [zx, zy] = [((0 - frame[0]) / (frame[1] - frame[0])) * W, (frame[3] / (frame[3] - frame[2])) * H];
  g.strokeStyle = '#999';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(zx, 0);
  g.lineTo(zx, H);
  g.moveTo(0, zy);
  g.lineTo(W, zy);
  g.stroke();
  const ring = (i: number, r: number, colour: string, w: number) => {
    const [X, Y] = dualPixel(s, frame, i, W, H);
    g.beginPath();
    g.arc(X, Y, r, 0, 2 * Math.PI);
    g.strokeStyle = colour;
    g.lineWidth = w;
    g.stroke();
  };
  for (const j of o.neighbours) ring(j, 5, '#555', 1.5);
  if (o.selected !== undefined && o.selected < s.off.length - 1) ring(o.selected, 7, '#000', 2.5);
}

const num = (v: number) => (Math.round(v * 100) / 100).toString();

/** The map as an SVG document (W×H): each region a path in its colour, the decision boundary, data points. */
export function sliceSvg(
  s: FlatSlice,
  o: { colorOf: (i: number) => string; showBoundary: boolean; data?: { x: Float64Array; labels: Float32Array } },
  W: number,
  H: number,
): string {
  const [x0, x1, y0, y1] = s.box;
  const px = (x: number) => num(((x - x0) / (x1 - x0)) * W);
  const py = (y: number) => num(((y1 - y) / (y1 - y0)) * H);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`];
  for (let i = 0; i < s.off.length - 1; i++) {
    let d = '';
    for (let k = s.off[i]!; k < s.off[i + 1]!; k++) d += `${k === s.off[i] ? 'M' : 'L'}${px(s.xy[2 * k]!)} ${py(s.xy[2 * k + 1]!)}`;
    parts.push(`<path class="region" data-index="${i}" d="${d}Z" fill="${o.colorOf(i)}" stroke="rgba(0,0,0,0.35)" stroke-width="0.5"/>`);
  }
  if (o.showBoundary)
    for (const line of s.boundary) {
      const pts: string[] = [];
      for (let k = 0; k < line.length; k += 2) pts.push(`${px(line[k]!)},${py(line[k + 1]!)}`);
      parts.push(`<polyline class="boundary" points="${pts.join(' ')}" fill="none" stroke="#111" stroke-width="2.5"/>`);
    }
  const d = o.data;
  if (d)
    for (let i = 0; i < d.labels.length; i++)
      parts.push(
        `<circle class="point" cx="${px(d.x[2 * i]!)}" cy="${py(d.x[2 * i + 1]!)}" r="3" fill="${d.labels[i]! > 0.5 ? '#b34700' : '#0b4f9c'}" stroke="#fff"/>`,
      );
  parts.push('</svg>');
  return parts.join('\n');
}
