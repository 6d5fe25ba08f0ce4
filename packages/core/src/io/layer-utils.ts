/**
 * Helpers shared by the network readers (network JSON, ONNX): output-shape inference for node
 * specs (so a reader can resolve `-1` in reshapes and check broadcasts before `buildNetwork`
 * validates everything), and folding of per-channel affine maps into dense / conv nodes.
 *
 * Internal to `io/`; not part of the public index.
 */
import { PolytopeError } from '../errors.js';
import { preluProblem, windowOutput } from '../network/network.js';
import { gatherShape } from '../network/gather.js';
import type { NodeSpec } from '../network/network.js';
import { sizeOf } from '../network/ir.js';
import type { ChannelAffineNode, Conv2dNode, DenseNode, Shape } from '../network/ir.js';

export type DenseSpec = Omit<DenseNode, 'shape'>;
export type Conv2dSpec = Omit<Conv2dNode, 'shape'>;
export type ChannelAffineSpec = Omit<ChannelAffineNode, 'shape'>;

const fmt = (s: Shape): string => `[${s.join(', ')}]`;

/**
 * Output shape of a node spec given its input shapes, or a string saying why the input does not
 * fit. Mirrors `buildNetwork`'s inference; `buildNetwork` remains the final validator.
 */
export function inferShape(spec: NodeSpec, inShapes: readonly Shape[]): Shape | string {
  const inShape = inShapes[0]!;
  const inSize = sizeOf(inShape);
  switch (spec.type) {
    case 'input':
      return inShape;
    case 'dense':
      if (inSize !== spec.inFeatures) return `expects ${spec.inFeatures} inputs but receives shape ${fmt(inShape)} (${inSize} values)`;
      return [spec.outFeatures];
    case 'conv2d': {
      if (inShape.length !== 3) return `needs a [C, H, W] input, got ${fmt(inShape)}`;
      const [c, h, w] = inShape as [number, number, number];
      if (c !== spec.inChannels) return `expects ${spec.inChannels} input channels, got ${c} (input shape ${fmt(inShape)})`;
      const ho = windowOutput(h, spec.kernel[0], spec.stride[0], spec.padding[0], spec.padding[2], spec.dilation[0]);
      const wo = windowOutput(w, spec.kernel[1], spec.stride[1], spec.padding[1], spec.padding[3], spec.dilation[1]);
      if (!(ho >= 1 && wo >= 1)) return `kernel does not fit the ${h}×${w} input`;
      return [spec.outChannels, ho, wo];
    }
    case 'avgpool':
    case 'maxpool': {
      if (inShape.length !== 3) return `needs a [C, H, W] input, got ${fmt(inShape)}`;
      const [c, h, w] = inShape as [number, number, number];
      const dil = spec.type === 'maxpool' ? spec.dilation : ([1, 1] as const);
      const ceil = spec.ceilMode === true;
      const ho = windowOutput(h, spec.kernel[0], spec.stride[0], spec.padding[0], spec.padding[2], dil[0], ceil);
      const wo = windowOutput(w, spec.kernel[1], spec.stride[1], spec.padding[1], spec.padding[3], dil[1], ceil);
      if (!(ho >= 1 && wo >= 1)) return `window does not fit the ${h}×${w} input`;
      return [c, ho, wo];
    }
    case 'global_avgpool':
      if (inShape.length !== 3) return `needs a [C, H, W] input, got ${fmt(inShape)}`;
      return [inShape[0]!, 1, 1];
    case 'reshape': {
      const shape = spec.targetShape ?? [inSize];
      if (sizeOf(shape) !== inSize) return `cannot reshape ${fmt(inShape)} to ${fmt(shape)}`;
      return shape;
    }
    case 'add':
    case 'concat':
    case 'pad':
    case 'slice':
    case 'transpose':
    case 'resize':
    case 'reduce_mean':
    case 'broadcast_affine':
      return gatherShape(spec, inShapes);
    case 'prelu':
      return preluProblem(spec, inShape) ?? inShape;
    case 'channel_affine': {
      const channels = channelCount(inShape);
      if (spec.scale.length !== channels || spec.shift.length !== channels)
        return `scale/shift need ${channels} values (one per channel of ${fmt(inShape)})`;
      return inShape;
    }
    case 'relu':
    case 'leaky_relu':
    case 'hardtanh':
      return inShape;
  }
}

/** Number of channels a `channel_affine` node has on this input: C for [C, H, W], else every element. */
export function channelCount(shape: Shape): number {
  return shape.length === 3 ? shape[0]! : sizeOf(shape);
}

/**
 * Folds `y ↦ (y − pre) · scale + post` (one value per output channel) into a dense or conv spec:
 * `w' = w · scale`, `b' = (b − pre) · scale + post`. With `pre` = running mean, `post` = β and
 * `scale = γ / √(var + ε)` this is the exact batch-norm fold. Returns a new spec; the old one is
 * left untouched.
 */
export function foldIntoLinear<S extends DenseSpec | Conv2dSpec | ChannelAffineSpec>(
  spec: S,
  scale: ArrayLike<number>,
  pre: ArrayLike<number> | undefined,
  post: ArrayLike<number> | undefined,
): S {
  if (spec.type === 'channel_affine') {
    const n = spec.scale.length;
    const s = new Float64Array(n);
    const t = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      s[c] = spec.scale[c]! * scale[c]!;
      t[c] = (spec.shift[c]! - (pre ? pre[c]! : 0)) * scale[c]! + (post ? post[c]! : 0);
    }
    return { ...spec, scale: s, shift: t };
  }
  const outs = spec.type === 'dense' ? spec.outFeatures : spec.outChannels;
  const per = spec.weight.length / outs;
  const w = new Float64Array(spec.weight.length);
  const b = new Float64Array(outs);
  for (let o = 0; o < outs; o++) {
    const s = scale[o]!;
    for (let k = 0; k < per; k++) w[o * per + k] = spec.weight[o * per + k]! * s;
    b[o] = (spec.bias[o]! - (pre ? pre[o]! : 0)) * s + (post ? post[o]! : 0);
  }
  return { ...spec, weight: w, bias: b };
}

/** Batch-norm constants → per-channel `scale = γ / √(var + ε)` (the exact fold's multiplier). */
export function batchNormScale(gamma: ArrayLike<number>, variance: ArrayLike<number>, eps: number): Float64Array {
  const s = new Float64Array(variance.length);
  for (let c = 0; c < s.length; c++) {
    // Issue 18 #17: a negative variance used to surface later as "dense weight NaN".
    if (!(variance[c]! + eps > 0))
      throw new PolytopeError('bad-network', `batch norm channel ${c}: variance + eps must be positive, got ${variance[c]} + ${eps}`);
    s[c] = gamma[c]! / Math.sqrt(variance[c]! + eps);
  }
  return s;
}

/** Batch-norm as a standalone channel-affine map: `scale = γ/√(var+ε)`, `shift = β − mean·scale`. */
export function batchNormAffine(
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  eps: number,
): { scale: Float64Array; shift: Float64Array } {
  const scale = batchNormScale(gamma, variance, eps);
  const shift = new Float64Array(scale.length);
  for (let c = 0; c < scale.length; c++) shift[c] = beta[c]! - mean[c]! * scale[c]!;
  return { scale, shift };
}

/** Repeats per-channel values so that a `channel_affine` node on `shape` gets one per channel unit. */
export function expandChannels(values: ArrayLike<number>, shape: Shape): Float64Array {
  const n = channelCount(shape);
  const out = new Float64Array(n);
  if (values.length === n) {
    for (let i = 0; i < n; i++) out[i] = values[i]!;
    return out;
  }
  // values per leading axis (e.g. [C, L] with C values): repeat each over the trailing elements
  const rep = n / values.length;
  for (let i = 0; i < n; i++) out[i] = values[Math.floor(i / rep)]!;
  return out;
}

/** How a readable description of a JSON value reads in an error message. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (missing)';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return 'an object';
}
