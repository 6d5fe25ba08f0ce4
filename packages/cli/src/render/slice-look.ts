/**
 * What a slice figure shows besides the regions' shapes: the colour of each region for
 * `--color region|class|output|linear-region`, the matching legend or colour bar, data points
 * projected onto the plane, anchor captions (true and predicted class) and image thumbnails, and
 * the note that says what the axes measure. Turns network results into `renderSliceSvg` input;
 * draws nothing itself.
 */
import { forward, PolytopeError } from '@polytope-lens/core';
import type { Network, Plane, SliceRegion } from '@polytope-lens/core';
import { hashBytes, regionColor } from './color.js';
import { classFill, classColor, divergingColor } from './legend.js';
import type { LegendEntry } from './legend.js';
import type { SliceAnchor, SliceLegend, Thumbnail } from './slice-figure.js';
import { OUTLINE_INK } from './linear-outlines.js';

/** The colourings of `slice --color`. */
export const COLOR_MODES = ['region', 'class', 'output', 'linear-region'] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

/**
 * Checks a `--color` value.
 *
 * @example
 * colorMode('class'); // 'class'
 */
export function colorMode(text: string): ColorMode {
  if ((COLOR_MODES as readonly string[]).includes(text)) return text as ColorMode;
  throw new PolytopeError('bad-option', `--color must be one of ${COLOR_MODES.join(', ')}; got '${text}'`);
}

/** Output values of a region's plane map at (s, t) into `out` (length = outputs). */
function mapAt(map: Float64Array, s: number, t: number, out: Float64Array): void {
  for (let r = 0; r < out.length; r++) out[r] = map[3 * r]! + map[3 * r + 1]! * s + map[3 * r + 2]! * t;
}

/** Vertex average of a polygon (inside it, as the polygon is convex). */
function vertexMean(v: Float64Array): [number, number] {
  const m = v.length >> 1;
  let s = 0;
  let t = 0;
  for (let i = 0; i < m; i++) {
    s += v[2 * i]!;
    t += v[2 * i + 1]!;
  }
  return [s / m, t / m];
}

/** The predicted class of output values: argmax for several outputs, `y > 0` (class 1) for one. */
export function predictedClass(y: ArrayLike<number>): number {
  if (y.length === 1) return y[0]! > 0 ? 1 : 0;
  let best = 0;
  for (let r = 1; r < y.length; r++) if (y[r]! > y[best]!) best = r;
  return best;
}

/**
 * The signed value `--color output` shows: y₀ for one output, y₁ − y₀ for two (the logit
 * difference), the margin of the top output over the runner-up for more.
 */
export function outputValue(y: ArrayLike<number>): number {
  if (y.length === 1) return y[0]!;
  if (y.length === 2) return y[1]! - y[0]!;
  let a = -Infinity;
  let b = -Infinity;
  for (let r = 0; r < y.length; r++) {
    const v = y[r]!;
    if (v > a) {
      b = a;
      a = v;
    } else if (v > b) b = v;
  }
  return a - b;
}

/** What the colour bar of `--color output` is labelled with. */
function outputLabel(outputs: number): string {
  return outputs === 1 ? 'output y₀' : outputs === 2 ? 'y₁ − y₀' : 'margin: top output − runner-up';
}

/**
 * The number a region is coloured by, computed once when it is found (so the figure need not keep
 * maps): the code hash (`region`), the predicted class at the region's vertex mean (`class`), the
 * output value there (`output`), or 0 (`linear-region`, coloured later from the linear-region ids).
 *
 * @example
 * regionValue('class', region, 10, scratch); // e.g. 7
 */
export function regionValue(mode: ColorMode, r: SliceRegion, outputs: number, scratch: Float64Array): number {
  if (mode === 'region') return hashBytes(r.code);
  if (mode === 'linear-region') return 0;
  const [s, t] = vertexMean(r.vertices);
  const y = scratch.length === outputs ? scratch : new Float64Array(outputs);
  mapAt(r.map, s, t, y);
  return mode === 'class' ? predictedClass(y) : outputValue(y);
}

/**
 * Clips a convex polygon to the half-plane a + b·s + c·t ≥ 0 (Sutherland–Hodgman); the result may
 * have fewer than three vertices when nothing is left.
 */
function clipHalfPlane(v: Float64Array, a: number, b: number, c: number): Float64Array {
  const m = v.length >> 1;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    const j = (i + 1) % m;
    const si = v[2 * i]!;
    const ti = v[2 * i + 1]!;
    const sj = v[2 * j]!;
    const tj = v[2 * j + 1]!;
    const fi = a + b * si + c * ti;
    const fj = a + b * sj + c * tj;
    if (fi >= 0) out.push(si, ti);
    if (fi >= 0 !== fj >= 0) {
      const u = fi / (fi - fj);
      out.push(si + u * (sj - si), ti + u * (tj - ti));
    }
  }
  return Float64Array.from(out);
}

/**
 * A region split exactly where the predicted class changes: the map is affine on the region, so
 * each class's part is the polygon clipped to the half-planes y_k ≥ y_j (one output: y₀ > 0 is
 * class 1). Parts with fewer than three vertices are dropped.
 *
 * @example
 * classPieces(region, 1); // [{ vertices, cls: 0 }, { vertices, cls: 1 }] when the zero level crosses it
 */
export function classPieces(r: SliceRegion, outputs: number): { vertices: Float64Array; cls: number }[] {
  const m = r.map;
  const out: { vertices: Float64Array; cls: number }[] = [];
  if (outputs === 1) {
    const pos = clipHalfPlane(r.vertices, m[0]!, m[1]!, m[2]!);
    const neg = clipHalfPlane(r.vertices, -m[0]!, -m[1]!, -m[2]!);
    if (neg.length >= 6) out.push({ vertices: neg, cls: 0 });
    if (pos.length >= 6) out.push({ vertices: pos, cls: 1 });
    return out;
  }
  for (let k = 0; k < outputs; k++) {
    let poly: Float64Array = r.vertices;
    for (let j = 0; j < outputs && poly.length >= 6; j++) {
      if (j === k) continue;
      poly = clipHalfPlane(poly, m[3 * k]! - m[3 * j]!, m[3 * k + 1]! - m[3 * j + 1]!, m[3 * k + 2]! - m[3 * j + 2]!);
    }
    if (poly.length >= 6) out.push({ vertices: poly, cls: k });
  }
  return out;
}

/** The 95th percentile of |values| (finite ones), so that a few extreme regions do not wash out the colour scale. */
function robustMaxAbs(values: ArrayLike<number>): number {
  const a: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) a.push(Math.abs(values[i]!));
  if (a.length === 0) return 1;
  a.sort((x, y) => x - y);
  const q = a[Math.min(a.length - 1, Math.floor(0.95 * a.length))]!;
  return q > 0 ? q : a[a.length - 1]! > 0 ? a[a.length - 1]! : 1;
}

/**
 * Fill colours and the legend of a colouring, from each region's `regionValue` (or, for
 * `linear-region`, its linear-region id).
 */
export function colouring(
  mode: ColorMode,
  values: ArrayLike<number>,
  outputs: number,
  classNames?: readonly string[],
): { fill: (i: number) => string; legend?: SliceLegend; edges: 'white' | 'faint' | 'none' } {
  if (mode === 'region') return { fill: (i) => regionColor(values[i]!), edges: 'white' };
  if (mode === 'linear-region')
    return {
      fill: (i) => regionColor(values[i]!),
      edges: 'none',
      legend: {
        kind: 'entries',
        title: 'linear regions',
        entries: [
          { label: 'one map, one colour', color: regionColor(0) },
          { label: 'between linear regions', color: OUTLINE_INK, marker: 'line' },
        ],
      },
    };
  if (mode === 'class') {
    const seen = new Set<number>();
    for (let i = 0; i < values.length; i++) seen.add(values[i]!);
    const classes = [...seen].sort((a, b) => a - b);
    const entries: LegendEntry[] = classes.map((c) => ({ label: classNames?.[c] ?? `class ${c}`, color: classFill(c) }));
    return {
      fill: (i) => classFill(values[i]!),
      edges: 'faint',
      legend: { kind: 'entries', title: outputs === 1 ? 'predicted (y₀ > 0)' : 'predicted class', entries },
    };
  }
  const maxAbs = robustMaxAbs(values);
  return {
    fill: (i) => divergingColor(values[i]!, maxAbs),
    edges: 'faint',
    legend: { kind: 'colorbar', maxAbs, label: outputLabel(outputs) },
  };
}

/**
 * Slice coordinates of input points: the least-squares (s, t) with origin + s·u + t·v closest to
 * each point (exact for points on the plane; u and v need not be orthonormal).
 *
 * @example
 * projectOntoPlane(plane, [Float64Array.of(0.5, 0.5)]); // Float64Array [s, t]
 */
export function projectOntoPlane(plane: Plane, points: readonly ArrayLike<number>[]): Float64Array {
  const { origin: o, u, v } = plane;
  let uu = 0;
  let uv = 0;
  let vv = 0;
  for (let i = 0; i < u.length; i++) {
    uu += u[i]! * u[i]!;
    uv += u[i]! * v[i]!;
    vv += v[i]! * v[i]!;
  }
  const det = uu * vv - uv * uv;
  const out = new Float64Array(2 * points.length);
  points.forEach((x, k) => {
    if (x.length !== o.length)
      throw new PolytopeError('shape-mismatch', `point ${k} has ${x.length} coordinates; the model has ${o.length} inputs`);
    let a = 0;
    let b = 0;
    for (let i = 0; i < o.length; i++) {
      const d = x[i]! - o[i]!;
      a += d * u[i]!;
      b += d * v[i]!;
    }
    out[2 * k] = (vv * a - uv * b) / det;
    out[2 * k + 1] = (uu * b - uv * a) / det;
  });
  return out;
}

/**
 * A grey-scale thumbnail of an image input: the network's input shape is [1, H, W] or [H, W]
 * (or 784 = 28 × 28 flat, MNIST's size), values scaled to [0, 1] by the image's own range.
 * Undefined for inputs that are not images.
 */
export function imageThumbnail(net: Network, x: ArrayLike<number>): Thumbnail | undefined {
  const shape = net.inputShape;
  let h: number;
  let w: number;
  if (shape.length === 3 && shape[0] === 1) [h, w] = [shape[1]!, shape[2]!];
  else if (shape.length === 2) [h, w] = [shape[0]!, shape[1]!];
  else if (shape.length === 1 && shape[0] === 784) [h, w] = [28, 28];
  else return undefined;
  if (h < 4 || w < 4 || h > 256 || w > 256) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < h * w; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  const span = hi > lo ? hi - lo : 1;
  const pixels = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) pixels[i] = (x[i]! - lo) / span;
  return { width: w, height: h, pixels };
}

/**
 * The anchors A, B, C with captions: the class the network predicts at each and, when labels are
 * known, the true class; and image thumbnails for image inputs.
 *
 * @example
 * anchorFigures(net, plane, [a, b, c], Uint8Array.of(7, 2, 1)); // [{ name: 'A', caption: 'true 7 · pred 7', … }, …]
 */
export function anchorFigures(
  net: Network,
  plane: Plane,
  inputs: readonly Float64Array[] | undefined,
  labels: ArrayLike<number> | undefined,
): SliceAnchor[] {
  const anchors = plane.anchors ?? [];
  return anchors.map((a, i) => {
    const x = inputs?.[i];
    if (x === undefined) return { ...a };
    const pred = predictedClass(forward(net, x));
    const truth = labels?.[i];
    const thumbnail = imageThumbnail(net, x);
    return {
      ...a,
      caption: truth !== undefined ? `true ${truth} · pred ${pred}` : `pred ${pred}`,
      ...(thumbnail !== undefined ? { thumbnail } : {}),
    };
  });
}

/** A class-coloured legend entry per class of the data points. */
export function pointLegend(labels: ArrayLike<number>, name: string): LegendEntry[] {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) seen.add(labels[i]!);
  return [...seen].sort((a, b) => a - b).map((c) => ({ label: `${name}: class ${c}`, color: classColor(c), marker: 'dot' as const }));
}

/** What s and t measure, for the note under the figure. */
export function unitsNote(how: string): string {
  if (how === 'input plane') return 'x₁, x₂: the network inputs, in the units of its input data';
  if (how.startsWith('plane through'))
    return 's, t: input-space distances along u = (B − A)/‖B − A‖ and v orthogonal to u in the plane of A, B, C; A at (0, 0)';
  return 's, t: coefficients of d1 and d2 (x = origin + s·d1 + t·d2)';
}
