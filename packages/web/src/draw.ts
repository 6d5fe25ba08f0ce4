/** Canvas drawing of a flat slice (regions, decision boundary, data) and hit testing. */
import type { FlatSlice } from './protocol.js';

export type Coloring = 'region' | 'class' | 'output' | 'linear-region';

/** The activation code of region i as text ('0110…'). */
export function codeString(s: FlatSlice, i: number): string {
  return Array.from(s.codes.subarray(i * s.codeLength, (i + 1) * s.codeLength)).join('');
}

function hashBytes(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = 2166136261;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 16777619);
  return h >>> 0;
}

/** HSL (degrees, percent, percent) as packed 0xRRGGBB. */
function hsl(h: number, sat: number, light: number): number {
  const S = sat / 100;
  const L = light / 100;
  const a = S * Math.min(L, 1 - L);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (L - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return (f(0) << 16) | (f(8) << 8) | f(4);
}

function hslOf(h: number): number {
  return hsl(h % 360, 45 + ((h >>> 9) % 30), 62 + ((h >>> 17) % 18));
}

/** Output 0 of region i at its first vertex's centroid (the map is affine, so any interior point tells the sign of a linear piece). */
function outputAt(s: FlatSlice, i: number, x: number, y: number, r = 0): number {
  const m = (i * s.outputs + r) * 3;
  return s.maps[m]! + s.maps[m + 1]! * x + s.maps[m + 2]! * y;
}

/** The mean of region i's vertices (inside it: regions are convex). */
export function centroid(s: FlatSlice, i: number): [number, number] {
  let cx = 0;
  let cy = 0;
  const a = s.off[i]!;
  const b = s.off[i + 1]!;
  for (let k = a; k < b; k++) {
    cx += s.xy[2 * k]!;
    cy += s.xy[2 * k + 1]!;
  }
  return [cx / (b - a), cy / (b - a)];
}

function outputColor(v: number): number {
  const t = Math.tanh(v);
  return t >= 0 ? hsl(28, 85, 92 - 45 * t) : hsl(210, 75, 92 + 45 * t);
}

/** Region i's colour as packed 0xRRGGBB. */
export function regionRgb(s: FlatSlice, i: number, mode: Coloring): number {
  if (mode === 'region') return hslOf(hashBytes(s.codes, i * s.codeLength, (i + 1) * s.codeLength));
  if (mode === 'linear-region') return hslOf(hashBytes(Uint8Array.of(...new Uint8Array(Int32Array.of(s.linearRegionOf[i]!).buffer), 7)));
  const [cx, cy] = centroid(s, i);
  const v = outputAt(s, i, cx, cy);
  if (mode === 'output') return outputColor(v);
  return v > 0 ? POSITIVE : NEGATIVE;
}

/** Every region's flat colour (packed 0xRRGGBB) for the region and linear-region colourings, computed once per slice and colouring. */
export function regionColors(s: FlatSlice, mode: 'region' | 'linear-region'): Int32Array {
  const out = new Int32Array(s.off.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = regionRgb(s, i, mode);
  return out;
}

/** Region i's colour as CSS ('#rrggbb'). */
export function regionColor(s: FlatSlice, i: number, mode: Coloring): string {
  return '#' + regionRgb(s, i, mode).toString(16).padStart(6, '0');
}

const POSITIVE = hsl(28, 80, 75);
const NEGATIVE = hsl(210, 70, 78);

/** Class or output colouring per pixel: region i's affine output 0 at the pixel's centre (exact on the region, so a region the decision boundary crosses is split at it). */
function pixelShade(s: FlatSlice, i: number, mode: 'class' | 'output', W: number, H: number): (col: number, row: number) => number {
  const [x0, x1, y0, y1] = s.box;
  const m = i * s.outputs * 3;
  const [c, a, b] = [s.maps[m]!, s.maps[m + 1]!, s.maps[m + 2]!];
  return (col, row) => {
    const v = c + a * (x0 + ((col + 0.5) / W) * (x1 - x0)) + b * (y1 - ((row + 0.5) / H) * (y1 - y0));
    return mode === 'output' ? outputColor(v) : v > 0 ? POSITIVE : NEGATIVE;
  };
}

/**
 * Fills convex polygon i into `px` (RGBA bytes, W×H) with `rgb`: every pixel whose centre lies in
 * it (rows by their centre, columns half-open [left, right)), so a partition of the box covers
 * every pixel once. Far cheaper than a canvas fill per region for thousands of regions.
 */
function fillConvex(
  px: Uint32Array,
  W: number,
  H: number,
  poly: { xs: Float64Array; ys: Float64Array; n: number },
  rgb: number | ((col: number, row: number) => number),
  ids: { of: Int32Array; i: number },
): void {
  const { xs, ys, n } = poly;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < n; k++) {
    y0 = Math.min(y0, ys[k]!);
    y1 = Math.max(y1, ys[k]!);
  }
  const flat = typeof rgb === 'number' ? rgba(rgb) : 0;
  for (let row = Math.max(0, Math.ceil(y0 - 0.5)); row < Math.min(H, Math.ceil(y1 - 0.5)); row++) {
    const yc = row + 0.5;
    let xl = Infinity;
    let xr = -Infinity;
    for (let k = 0, j = n - 1; k < n; j = k++) {
      const ya = ys[j]!;
      const yb = ys[k]!;
      if (ya <= yc === yb <= yc) continue;
      const x = xs[j]! + ((yc - ya) / (yb - ya)) * (xs[k]! - xs[j]!);
      xl = Math.min(xl, x);
      xr = Math.max(xr, x);
    }
    const c1 = Math.min(W, Math.ceil(xr - 0.5));
    for (let c = Math.max(0, Math.ceil(xl - 0.5)); c < c1; c++) {
      px[row * W + c] = typeof rgb === 'number' ? flat : rgba(rgb(c, row));
      ids.of[row * W + c] = ids.i;
    }
  }
}

/** Packed 0xRRGGBB as one opaque RGBA pixel of a Uint32 view of ImageData bytes (little-endian: R first). */
function rgba(v: number): number {
  return LITTLE_ENDIAN ? (0xff000000 | ((v & 255) << 16) | (v & 0xff00) | ((v >> 16) & 255)) >>> 0 : ((v << 8) | 0xff) >>> 0;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
type Box = readonly [number, number, number, number];

/**
 * Region outlines straight into the pixels: a pixel whose right or lower neighbour belongs to another
 * region is darkened (as a 0.5 px stroke at 35 % black roughly does). One pass over W×H instead of a
 * canvas stroke per region, which cost ~0.7 s for 10,000 regions in Chromium.
 */
export function outlinePixels(px: Uint8ClampedArray, ids: Int32Array, W: number, H: number): void {
  for (let row = 0; row < H; row++) {
    for (let c = 0; c < W; c++) {
      const p = row * W + c;
      const id = ids[p]!;
      if (id < 0) continue;
      const r = c + 1 < W ? ids[p + 1]! : id;
      const d = row + 1 < H ? ids[p + W]! : id;
      if ((r === id || r < 0) && (d === id || d < 0)) continue;
      const o = 4 * p;
      px[o] = (px[o]! * 0.7) | 0;
      px[o + 1] = (px[o + 1]! * 0.7) | 0;
      px[o + 2] = (px[o + 2]! * 0.7) | 0;
    }
  }
}

function mapping(box: Box, W: number, H: number) {
  const [x0, x1, y0, y1] = box;
  return { px: (x: number) => ((x - x0) / (x1 - x0)) * W, py: (y: number) => ((y1 - y) / (y1 - y0)) * H };
}

function polygonPath(g: Ctx2D, s: FlatSlice, i: number, px: (x: number) => number, py: (y: number) => number): void {
  g.beginPath();
  for (let k = s.off[i]!; k < s.off[i + 1]!; k++) {
    const X = px(s.xy[2 * k]!);
    const Y = py(s.xy[2 * k + 1]!);
    if (k === s.off[i]) g.moveTo(X, Y);
    else g.lineTo(X, Y);
  }
  g.closePath();
}

/** Everything but the data (run in the render worker): regions by the colouring, the decision boundary, the selection. */
export function drawRegions(
  g: Ctx2D,
  s: FlatSlice | undefined,
  o: { color: Coloring; showBoundary: boolean; selected: number | undefined; neighbours?: readonly number[]; colors?: Int32Array },
  W: number,
  H: number,
): void {
  g.clearRect(0, 0, W, H);
  if (!s) return;
  const { px, py } = mapping(s.box, W, H);
  const img = g.createImageData(W, H);
  const px32 = new Uint32Array(img.data.buffer, img.data.byteOffset, W * H);
  const poly = { xs: new Float64Array(64), ys: new Float64Array(64), n: 0 };
  const ids = { of: new Int32Array(W * H).fill(-1), i: 0 };
  for (let i = 0; i < s.off.length - 1; i++) {
    ids.i = i;
    const n = s.off[i + 1]! - s.off[i]!;
    if (poly.xs.length < n) poly.xs = new Float64Array(2 * n);
    if (poly.ys.length < n) poly.ys = new Float64Array(2 * n);
    poly.n = n;
    for (let k = 0; k < n; k++) {
      poly.xs[k] = px(s.xy[2 * (s.off[i]! + k)]!);
      poly.ys[k] = py(s.xy[2 * (s.off[i]! + k) + 1]!);
    }
    fillConvex(
      px32,
      W,
      H,
      poly,
      o.color === 'class' || o.color === 'output' ? pixelShade(s, i, o.color, W, H) : (o.colors?.[i] ?? regionRgb(s, i, o.color)),
      ids,
    );
  }
  outlinePixels(img.data, ids.of, W, H);
  g.putImageData(img, 0, 0);
  if (o.showBoundary) {
    g.strokeStyle = '#111';
    g.lineWidth = 2.5;
    for (const line of s.boundary) {
      g.beginPath();
      for (let k = 0; k < line.length; k += 2) (k === 0 ? g.moveTo : g.lineTo).call(g, px(line[k]!), py(line[k + 1]!));
      g.stroke();
    }
  }
  g.strokeStyle = '#444';
  g.lineWidth = 1.5;
  g.setLineDash([4, 3]);
  for (const j of o.neighbours ?? []) {
    polygonPath(g, s, j, px, py);
    g.stroke();
  }
  g.setLineDash([]);
  if (o.selected !== undefined && o.selected < s.off.length - 1) {
    polygonPath(g, s, o.selected, px, py);
    g.strokeStyle = '#000';
    g.lineWidth = 3;
    g.stroke();
  }
}

/** The data points (main thread, cheap) on the overlay canvas. */
export function drawData(
  canvas: HTMLCanvasElement,
  box: Box,
  d: { x: Float64Array; labels: Float32Array } | undefined,
  anchors: readonly { name: string; s: number; t: number }[] = [],
): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { px, py } = mapping(box, canvas.width, canvas.height);
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = 'bold 15px system-ui, sans-serif';
  for (const a of anchors) {
    g.beginPath();
    g.arc(px(a.s), py(a.t), 5, 0, 2 * Math.PI);
    g.fillStyle = '#000';
    g.fill();
    g.fillText(a.name, px(a.s) + 7, py(a.t) - 7);
  }
  if (!d) return;
  g.lineWidth = 1;
  g.strokeStyle = '#fff';
  for (let i = 0; i < d.labels.length; i++) {
    g.beginPath();
    g.arc(px(d.x[2 * i]!), py(d.x[2 * i + 1]!), 3, 0, 2 * Math.PI);
    g.fillStyle = d.labels[i]! > 0.5 ? '#b34700' : '#0b4f9c';
    g.fill();
    g.stroke();
  }
}

/** The region containing (x, y), or undefined (even–odd crossing test; regions are convex). */
export function regionAtPoint(s: FlatSlice, x: number, y: number): number | undefined {
  for (let i = 0; i < s.off.length - 1; i++) {
    let inside = false;
    const a = s.off[i]!;
    const b = s.off[i + 1]!;
    for (let k = a, j = b - 1; k < b; j = k++) {
      const xk = s.xy[2 * k]!;
      const yk = s.xy[2 * k + 1]!;
      const xj = s.xy[2 * j]!;
      const yj = s.xy[2 * j + 1]!;
      if (yk > y !== yj > y && x < ((xj - xk) * (y - yk)) / (yj - yk) + xk) inside = !inside;
    }
    if (inside) return i;
  }
  return undefined;
}

/** The affine map of region i as text, per output: f_r(s, t) = c + a·s + b·t. */
export function mapText(s: FlatSlice, i: number): string {
  const parts: string[] = [];
  for (let r = 0; r < s.outputs; r++) {
    const m = (i * s.outputs + r) * 3;
    const [c, a, b] = [s.maps[m]!, s.maps[m + 1]!, s.maps[m + 2]!];
    const sign = (v: number) => (v >= 0 ? '+ ' : '− ') + Math.abs(v).toPrecision(4);
    parts.push(`f${r} = ${c.toPrecision(4)} ${sign(a)}·s ${sign(b)}·t`);
  }
  return parts.join('; ');
}
