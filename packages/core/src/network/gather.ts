/**
 * The gather nodes (add, concat, pad, slice, transpose, resize, reduce_mean, broadcast_affine): affine
 * maps that move, mix or rescale elements. Each is described once by a *gather table* in CSR form —
 * for every output element a list of (input, element, weight) and a constant — built once per
 * prepared network (`PreparedNetwork.table`). One kernel and its transpose then serve forward
 * passes, affine families, Jacobians in both modes, region rows and training, so a new data-movement
 * op needs only its table and its shape rule.
 */
import { InternalError } from '../errors.js';
import { sizeOf } from './ir.js';
import type { GatherNode, NodeOfType, PadMode, ResizeNode, Shape } from './ir.js';
import type { NodeSpec } from './network.js';
import { BiasMode } from './kernels.js';
import type { FloatArray } from './kernels.js';

/** The CSR gather table of a gather node: output o reads entries `start[o] .. start[o+1])`. */
export interface GatherTable {
  readonly kind: 'gather';
  /** Entry range of each output element (length outputs + 1). */
  readonly start: Int32Array;
  /** Which of the node's inputs each entry reads. */
  readonly input: Uint16Array;
  /** Element index (inside that input) of each entry. */
  readonly index: Int32Array;
  /** Weight of each entry. */
  readonly weight: Float64Array;
  /** Constant per output element (null when all are zero). */
  readonly constant: Float64Array | null;
  /** An add of two inputs of the output's shape with coefficients 1: the plain elementwise sum (fast paths). */
  readonly plain?: boolean;
}

const fmt = (s: Shape): string => `[${s.join(', ')}]`;

/** Row-major strides of a shape. */
function stridesOf(shape: Shape): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let ax = shape.length - 2; ax >= 0; ax--) st[ax] = st[ax + 1]! * shape[ax + 1]!;
  return st;
}

/** Whether `small` broadcasts against `shape` by numpy rules (right-aligned, sizes equal or 1, rank at most shape's). */
function broadcastProblem(small: Shape, shape: Shape): string | null {
  if (small.length > shape.length) return `has rank ${small.length}, more than the data's ${fmt(shape)}`;
  const off = shape.length - small.length;
  for (let ax = 0; ax < small.length; ax++) {
    const d = small[ax]!;
    if (d !== 1 && d !== shape[off + ax]) return `of shape ${fmt(small)} does not broadcast against ${fmt(shape)}`;
  }
  return null;
}

/** The numpy broadcast of `shapes` (right-aligned, sizes equal or 1), or null when they do not broadcast. */
export function broadcastShape(shapes: readonly Shape[]): Shape | null {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let ax = 0; ax < s.length; ax++) {
      const d = s[ax]!;
      if (d === 1) continue;
      if (out[off + ax] !== 1 && out[off + ax] !== d) return null;
      out[off + ax] = d;
    }
  }
  return out;
}

/**
 * For every element of `shape`, the index of the element of a constant of shape `small` that
 * broadcasts onto it (numpy rules, right-aligned).
 *
 * @example
 * broadcastIndex([2, 3], [3]); // Int32Array [0, 1, 2, 0, 1, 2]
 */
export function broadcastIndex(shape: Shape, small: Shape): Int32Array {
  const n = sizeOf(shape);
  const off = shape.length - small.length;
  const sst = stridesOf(small);
  const out = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    let rem = e;
    let idx = 0;
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      const c = rem % shape[ax]!;
      rem = Math.floor(rem / shape[ax]!);
      const sa = ax - off;
      if (sa >= 0 && small[sa] !== 1) idx += c * sst[sa]!;
    }
    out[e] = idx;
  }
  return out;
}

/** Normalized slice of one axis: first index, step and count (ONNX clamping rules). */
export function sliceAxis(dim: number, start: number, end: number, step: number): { first: number; step: number; count: number } {
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, 0), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((e - s) / step));
  return { first: s, step, count };
}

function isAxisList(axes: readonly number[], rank: number): boolean {
  return axes.every((a) => Number.isInteger(a) && a >= 0 && a < rank) && new Set(axes).size === axes.length;
}

/**
 * Output shape of a gather node given its input shapes, or a string saying why they do not fit
 * (validation of the node's attributes included).
 */
export function gatherShape(spec: Extract<NodeSpec, { type: GatherNode['type'] }>, inShapes: readonly Shape[]): Shape | string {
  const x = inShapes[0]!;
  const rank = x.length;
  switch (spec.type) {
    case 'add': {
      if (inShapes.length < 2) return `needs at least two inputs, got ${inShapes.length}`;
      const out = broadcastShape(inShapes);
      if (out === null) return `cannot add shapes ${inShapes.map(fmt).join(' and ')} (they do not broadcast)`;
      const c = spec.coefficients;
      if (c !== undefined && (c.length !== inShapes.length || !c.every(Number.isFinite)))
        return `coefficients must be ${inShapes.length} finite numbers (one per input), got [${c.join(', ')}]`;
      return out;
    }
    case 'concat': {
      const a = spec.axis;
      if (!Number.isInteger(a) || a < 0 || a >= rank) return `axis ${a} is not a sample axis of ${fmt(x)} (0..${rank - 1}, no batch axis)`;
      let total = 0;
      for (const s of inShapes) {
        if (s.length !== rank || s.some((d, i) => i !== a && d !== x[i]))
          return `cannot concatenate shapes ${inShapes.map(fmt).join(', ')} along axis ${a} (other axes must match)`;
        total += s[a]!;
      }
      return x.map((d, i) => (i === a ? total : d));
    }
    case 'pad':
      return padShape(spec, x);
    case 'slice': {
      const { starts, ends, axes, steps } = spec;
      const n = axes.length;
      if (starts.length !== n || ends.length !== n || steps.length !== n)
        return `starts, ends, axes and steps must have one entry per sliced axis, got ${starts.length}, ${ends.length}, ${n}, ${steps.length}`;
      if (!isAxisList(axes, rank)) return `axes [${axes.join(', ')}] must be distinct sample axes of ${fmt(x)} (0..${rank - 1})`;
      if (![...starts, ...ends, ...steps].every((v) => Number.isInteger(v)) || steps.some((s) => s === 0))
        return 'starts, ends and steps must be integers and steps non-zero';
      const out = [...x];
      axes.forEach((a, k) => (out[a] = sliceAxis(x[a]!, starts[k]!, ends[k]!, steps[k]!).count));
      if (out.some((d) => d < 1)) return `the slice of ${fmt(x)} is empty (shape ${fmt(out)})`;
      return out;
    }
    case 'transpose': {
      const p = spec.perm;
      if (p.length !== rank || !isAxisList(p, rank)) return `perm [${p.join(', ')}] is not a permutation of the ${rank} sample axes`;
      return p.map((a) => x[a]!);
    }
    case 'resize':
      return resizeShape(spec, x);
    case 'reduce_mean': {
      if (spec.axes.length === 0 || !isAxisList(spec.axes, rank))
        return `axes [${spec.axes.join(', ')}] must be distinct sample axes of ${fmt(x)} (0..${rank - 1})`;
      const out = spec.keepdims ? x.map((d, i) => (spec.axes.includes(i) ? 1 : d)) : x.filter((_, i) => !spec.axes.includes(i));
      return out.length === 0 ? [1] : out;
    }
    case 'broadcast_affine': {
      for (const [what, data, shape] of [
        ['scale', spec.scale, spec.scaleShape],
        ['shift', spec.shift, spec.shiftShape],
      ] as const) {
        if (data.length !== sizeOf(shape)) return `${what} has ${data.length} values but ${what}Shape ${fmt(shape)} needs ${sizeOf(shape)}`;
        const why = broadcastProblem(shape, x);
        if (why !== null) return `${what} ${why}`;
        if (!data.every(Number.isFinite)) return `${what} has a non-finite value`;
      }
      return x;
    }
  }
}

/** Output shape of a pad node, or why its pads do not fit the input. */
function padShape(spec: Omit<NodeOfType<'pad'>, 'shape'>, x: Shape): Shape | string {
  const rank = x.length;
  const p = spec.pads;
  if (p.length !== 2 * rank || !p.every(Number.isInteger))
    return `pads must list ${2 * rank} integers (before and after each sample axis of ${fmt(x)}), got [${p.join(', ')}]`;
  if (!Number.isFinite(spec.value)) return `value must be finite, got ${spec.value}`;
  const mode = spec.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) return `mode '${String(mode)}' is not supported (${PAD_MODES.join(', ')})`;
  const out = x.map((d, i) => d + p[i]! + p[rank + i]!);
  if (out.some((d) => d < 1)) return `pads [${p.join(', ')}] leave no elements of ${fmt(x)}`;
  // PyTorch's rules: reflect pads less than the size (no edge repeat), wrap at most the size (the
  // size after any crop: negative amounts crop first).
  const most = mode === 'reflect' ? (d: number) => d - 1 : mode === 'wrap' ? (d: number) => d : () => Infinity;
  for (let i = 0; i < rank; i++) {
    const kept = x[i]! + Math.min(0, p[i]!) + Math.min(0, p[rank + i]!);
    if (mode !== 'constant' && kept < 1) return `mode ${mode} pads axis ${i} of ${fmt(x)} after cropping it to nothing`;
    if (Math.max(p[i]!, p[rank + i]!) > most(kept))
      return `mode ${mode} pads axis ${i} of ${fmt(x)} by ${Math.max(p[i]!, p[rank + i]!)}, more than ${most(kept)}`;
  }
  return out;
}

const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];
const COORDINATE_MODES = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function resizeShape(spec: Omit<ResizeNode, 'shape'>, x: Shape): Shape | string {
  const rank = x.length;
  if (spec.size.length !== rank || !spec.size.every((d) => Number.isInteger(d) && d >= 1))
    return `size must list ${rank} positive integers (one per sample axis of ${fmt(x)}), got [${spec.size.join(', ')}]`;
  if (spec.mode !== 'nearest' && spec.mode !== 'linear' && spec.mode !== 'cubic')
    return `mode '${String(spec.mode)}' is not supported (nearest, linear, cubic)`;
  if (spec.cubicCoeffA !== undefined && !Number.isFinite(spec.cubicCoeffA)) return `cubicCoeffA must be finite, got ${spec.cubicCoeffA}`;
  if (!COORDINATE_MODES.includes(spec.coordinateMode))
    return `coordinateMode '${spec.coordinateMode}' is not supported (${COORDINATE_MODES.join(', ')})`;
  if (!NEAREST_MODES.includes(spec.nearestMode)) return `nearestMode '${spec.nearestMode}' is not supported (${NEAREST_MODES.join(', ')})`;
  if (spec.scales !== undefined && (spec.scales.length !== rank || !spec.scales.every((s) => Number.isFinite(s) && s > 0)))
    return `scales must list ${rank} positive numbers, got [${spec.scales.join(', ')}]`;
  return [...spec.size];
}

/** Per output coordinate of one resized axis, its input coordinates and weights. */
function resizeAxis(node: Omit<ResizeNode, 'shape'>, ax: number, inDim: number): { idx: number[]; w: number[] }[] {
  const outDim = node.size[ax]!;
  const scale = node.scales?.[ax] ?? outDim / inDim;
  const res: { idx: number[]; w: number[] }[] = [];
  for (let o = 0; o < outDim; o++) {
    let xo: number;
    switch (node.coordinateMode) {
      case 'half_pixel':
        xo = (o + 0.5) / scale - 0.5;
        break;
      case 'pytorch_half_pixel':
        xo = outDim > 1 ? (o + 0.5) / scale - 0.5 : 0;
        break;
      case 'align_corners':
        xo = outDim > 1 ? (o * (inDim - 1)) / (outDim - 1) : 0;
        break;
      case 'asymmetric':
        xo = o / scale;
        break;
    }
    if (node.mode === 'nearest' || inDim === 1) {
      let i: number;
      if (inDim === 1) i = 0;
      else if (node.nearestMode === 'floor') i = Math.floor(xo);
      else if (node.nearestMode === 'ceil') i = Math.ceil(xo);
      else if (node.nearestMode === 'round_prefer_ceil') i = Math.floor(xo + 0.5);
      else i = Math.ceil(xo - 0.5);
      res.push({ idx: [Math.min(Math.max(i, 0), inDim - 1)], w: [1] });
    } else if (node.mode === 'cubic') res.push(cubicWeights(xo, inDim, node.cubicCoeffA ?? -0.75, node.excludeOutside === true));
    else {
      const c = Math.min(Math.max(xo, 0), inDim - 1);
      const i0 = Math.floor(c);
      const i1 = Math.min(i0 + 1, inDim - 1);
      const l = c - i0;
      res.push(i1 === i0 || l === 0 ? { idx: [i0], w: [1] } : { idx: [i0, i1], w: [1 - l, l] });
    }
  }
  return res;
}

/**
 * Cubic interpolation at input coordinate `xo` (ONNX Resize mode cubic, PyTorch's bicubic): Keys'
 * kernel with parameter `a` on the four elements ⌊xo⌋−1 … ⌊xo⌋+2; an element outside 0..d−1 reads
 * the nearest edge element, or with `excludeOutside` is dropped and the weights renormalized.
 * Equal indices are merged, so the lists stay short.
 */
function cubicWeights(xo: number, d: number, a: number, excludeOutside: boolean): { idx: number[]; w: number[] } {
  const f = Math.floor(xo);
  const t = xo - f;
  // Keys' kernel at distances 1 + t, t, 1 − t, 2 − t.
  const w = [
    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
    ((a + 2) * t - (a + 3)) * t * t + 1,
    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
  ];
  const idx: number[] = [];
  const ws: number[] = [];
  let total = 0;
  for (let k = 0; k < 4; k++) {
    const i = f - 1 + k;
    const inside = i >= 0 && i < d;
    if (excludeOutside && !inside) continue;
    total += w[k]!;
    const j = Math.min(Math.max(i, 0), d - 1);
    const at = idx.indexOf(j);
    if (at >= 0) ws[at] = ws[at]! + w[k]!;
    else {
      idx.push(j);
      ws.push(w[k]!);
    }
  }
  if (excludeOutside) for (let k = 0; k < ws.length; k++) ws[k] = ws[k]! / total;
  const keep = ws.map((v, k) => (v !== 0 ? k : -1)).filter((k) => k >= 0);
  return { idx: keep.map((k) => idx[k]!), w: keep.map((k) => ws[k]!) };
}

/** Collects CSR entries output by output. */
class TableBuilder {
  readonly start: Int32Array;
  readonly input: number[] = [];
  readonly index: number[] = [];
  readonly weight: number[] = [];
  constant: Float64Array | null = null;
  constructor(nOut: number) {
    this.start = new Int32Array(nOut + 1);
  }
  push(input: number, index: number, weight: number): void {
    this.input.push(input);
    this.index.push(index);
    this.weight.push(weight);
  }
  setConstant(o: number, v: number): void {
    if (v === 0) return;
    this.constant ??= new Float64Array(this.start.length - 1);
    this.constant[o] = v;
  }
  build(): GatherTable {
    this.start[this.start.length - 1] = this.index.length;
    return {
      kind: 'gather',
      start: this.start,
      input: Uint16Array.from(this.input),
      index: Int32Array.from(this.index),
      weight: Float64Array.from(this.weight),
      constant: this.constant,
    };
  }
}

/**
 * Separable gathers (pad, slice, resize): each output coordinate along each axis reads a list of
 * input coordinates with weights (empty: outside the input, the element is the constant `fill`).
 */
function separableTable(outShape: Shape, inShape: Shape, axes: { idx: number[]; w: number[] }[][], fill: number): GatherTable {
  const nOut = sizeOf(outShape);
  const rank = outShape.length;
  const ist = stridesOf(inShape);
  const b = new TableBuilder(nOut);
  const coord = new Array<number>(rank).fill(0);
  for (let o = 0; o < nOut; o++) {
    b.start[o] = b.index.length;
    let rem = o;
    for (let ax = rank - 1; ax >= 0; ax--) {
      coord[ax] = rem % outShape[ax]!;
      rem = Math.floor(rem / outShape[ax]!);
    }
    // Cartesian product of the per-axis lists.
    let terms: { i: number; w: number }[] = [{ i: 0, w: 1 }];
    for (let ax = 0; ax < rank && terms.length > 0; ax++) {
      const f = axes[ax]![coord[ax]!]!;
      const next: { i: number; w: number }[] = [];
      for (const t of terms) for (let q = 0; q < f.idx.length; q++) next.push({ i: t.i + f.idx[q]! * ist[ax]!, w: t.w * f.w[q]! });
      terms = next;
    }
    if (terms.length === 0) b.setConstant(o, fill);
    for (const t of terms) b.push(0, t.i, t.w);
  }
  return b.build();
}

/**
 * The input coordinate that padded coordinate `i` (input coordinates 0..d−1 inside) reads in `mode`,
 * or −1 for a constant element.
 */
function padSource(i: number, d: number, mode: PadMode): number {
  if (i >= 0 && i < d) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : d - 1;
    case 'wrap':
      return ((i % d) + d) % d;
    case 'reflect': {
      if (d === 1) return 0;
      const period = 2 * (d - 1);
      const m = ((i % period) + period) % period;
      return m < d ? m : period - m;
    }
  }
}

/** Identity lists for an axis of size d (output coordinate c reads input coordinate c). */
function identityAxis(d: number): { idx: number[]; w: number[] }[] {
  return Array.from({ length: d }, (_, c) => ({ idx: [c], w: [1] }));
}

/**
 * The gather table of a gather node (built afresh; `PreparedNetwork.table` keeps one per node).
 *
 * @example
 * const t = gatherTable(net.nodes[3], [net.nodes[1].shape, net.nodes[2].shape]); // a concat
 * t.start.length === sizeOf(net.nodes[3].shape) + 1; // true
 */
export function gatherTable(node: GatherNode, inShapes: readonly Shape[]): GatherTable {
  const x = inShapes[0]!;
  const outShape = node.shape;
  const nOut = sizeOf(outShape);
  switch (node.type) {
    case 'add': {
      const b = new TableBuilder(nOut);
      const same = inShapes.every((sh) => sh.length === outShape.length && sh.every((d, i) => d === outShape[i]));
      const at = same ? null : inShapes.map((sh) => broadcastIndex(outShape, sh));
      for (let o = 0; o < nOut; o++) {
        b.start[o] = b.index.length;
        for (let k = 0; k < inShapes.length; k++) b.push(k, at === null ? o : at[k]![o]!, node.coefficients?.[k] ?? 1);
      }
      return { ...b.build(), plain: same && inShapes.length === 2 && node.coefficients === undefined };
    }
    case 'concat':
      return concatTable(node, inShapes);
    case 'pad': {
      const mode = node.mode ?? 'constant';
      const r = x.length;
      // As ONNX: negative amounts crop first, then the kept range [lo, lo + n) is padded.
      const axes = x.map((d, ax) => {
        const lo = Math.max(0, -node.pads[ax]!);
        const n = d - lo + Math.min(0, node.pads[r + ax]!);
        const before = Math.max(0, node.pads[ax]!);
        return Array.from({ length: outShape[ax]! }, (_, c) => {
          const i = padSource(c - before, n, mode);
          return i >= 0 ? { idx: [lo + i], w: [1] } : { idx: [], w: [] };
        });
      });
      return separableTable(outShape, x, axes, mode === 'constant' ? node.value : 0);
    }
    case 'slice': {
      const axes = x.map((d) => identityAxis(d));
      node.axes.forEach((a, k) => {
        const s = sliceAxis(x[a]!, node.starts[k]!, node.ends[k]!, node.steps[k]!);
        axes[a] = Array.from({ length: s.count }, (_, c) => ({ idx: [s.first + c * s.step], w: [1] }));
      });
      return separableTable(outShape, x, axes, 0);
    }
    case 'resize':
      return separableTable(
        outShape,
        x,
        x.map((d, ax) => resizeAxis(node, ax, d)),
        0,
      );
    case 'transpose':
      return transposeTable(node, x);
    case 'reduce_mean':
      return reduceMeanTable(node, x);
    case 'broadcast_affine': {
      const si = broadcastIndex(x, node.scaleShape);
      const ti = broadcastIndex(x, node.shiftShape);
      const b = new TableBuilder(nOut);
      for (let o = 0; o < nOut; o++) {
        b.start[o] = b.index.length;
        const w = node.scale[si[o]!]!;
        if (w !== 0) b.push(0, o, w);
        b.setConstant(o, node.shift[ti[o]!]!);
      }
      return b.build();
    }
  }
}

function concatTable(node: NodeOfType<'concat'>, inShapes: readonly Shape[]): GatherTable {
  const out = node.shape;
  const a = node.axis;
  const outer = sizeOf(out.slice(0, a));
  const inner = sizeOf(out.slice(a + 1));
  const b = new TableBuilder(sizeOf(out));
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let k = 0; k < inShapes.length; k++) {
      const len = inShapes[k]![a]! * inner;
      for (let q = 0; q < len; q++) {
        b.start[o++] = b.index.length;
        b.push(k, p * len + q, 1);
      }
    }
  }
  return b.build();
}

function transposeTable(node: NodeOfType<'transpose'>, x: Shape): GatherTable {
  const out = node.shape;
  const rank = out.length;
  const ist = stridesOf(x);
  const b = new TableBuilder(sizeOf(out));
  for (let o = 0; o < sizeOf(out); o++) {
    b.start[o] = b.index.length;
    let rem = o;
    let i = 0;
    for (let ax = rank - 1; ax >= 0; ax--) {
      const c = rem % out[ax]!;
      rem = Math.floor(rem / out[ax]!);
      i += c * ist[node.perm[ax]!]!;
    }
    b.push(0, i, 1);
  }
  return b.build();
}

function reduceMeanTable(node: NodeOfType<'reduce_mean'>, x: Shape): GatherTable {
  const nIn = sizeOf(x);
  const nOut = sizeOf(node.shape);
  const kept = x.map((d, ax) => (node.axes.includes(ax) ? 1 : d));
  const count = nIn / nOut;
  // Output index of every input element (the kept coordinates, row-major).
  const target = broadcastIndex(x, kept);
  const start = new Int32Array(nOut + 1);
  for (let e = 0; e < nIn; e++) start[target[e]! + 1]!++;
  for (let o = 0; o < nOut; o++) start[o + 1] = start[o + 1]! + start[o]!;
  const fillAt = start.slice(0, nOut);
  const index = new Int32Array(nIn);
  for (let e = 0; e < nIn; e++) index[fillAt[target[e]!]!++] = e;
  return { kind: 'gather', start, input: new Uint16Array(nIn), index, weight: new Float64Array(nIn).fill(1 / count), constant: null };
}

/**
 * Applies a gather table to unit-major blocks: `out[o] = Σ weight · xs[input][index] + constant`,
 * the constant as `mode` says (none, column 0, every column).
 */
export function gatherImpl(out: FloatArray, xs: readonly FloatArray[], t: GatherTable, m: number, mode: BiasMode): void {
  const { start, input, index, weight, constant } = t;
  const nOut = start.length - 1;
  const single = xs.length === 1 ? xs[0]! : null;
  for (let o = 0; o < nOut; o++) {
    const orow = o * m;
    const k = constant === null || mode === BiasMode.None ? 0 : constant[o]!;
    if (mode === BiasMode.All) for (let c = 0; c < m; c++) out[orow + c] = k;
    else {
      out[orow] = k;
      for (let c = 1; c < m; c++) out[orow + c] = 0;
    }
    for (let e = start[o]!; e < start[o + 1]!; e++) {
      const x = single ?? xs[input[e]!]!;
      const irow = index[e]! * m;
      const w = weight[e]!;
      if (w === 1) for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! + x[irow + c]!;
      else for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! + w * x[irow + c]!;
    }
  }
}

/** Reverse mode of `gatherImpl`'s linear part: accumulates `weight · gout[o]` into `gins[input][index]`. */
export function gatherTransposeImpl(gins: readonly FloatArray[], gout: FloatArray, t: GatherTable, m: number): void {
  const { start, input, index, weight } = t;
  const nOut = start.length - 1;
  for (let o = 0; o < nOut; o++) {
    const orow = o * m;
    for (let e = start[o]!; e < start[o + 1]!; e++) {
      const g = gins[input[e]!];
      if (g === undefined) throw new InternalError(`gatherTransposeImpl: no adjoint for input ${input[e]}`);
      const irow = index[e]! * m;
      const w = weight[e]!;
      for (let c = 0; c < m; c++) g[irow + c] = g[irow + c]! + w * gout[orow + c]!;
    }
  }
}
