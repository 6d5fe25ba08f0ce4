import { PolytopeError, checkFinite } from '../errors.js';
import { isActivation, sizeOf } from './ir.js';
import type { ActivationNode, Node, Shape } from './ir.js';
import { gatherShape } from './gather.js';

/** A node as given to `buildNetwork`: everything but the inferred output shape. */
export type NodeSpec = Node extends infer N ? (N extends Node ? Omit<N, 'shape'> : never) : never;

/** Where an activation node's units live inside the network's concatenated activation code. */
export interface ActivationSlot {
  /** Index of the activation node in `network.nodes`. */
  readonly node: number;
  /** Offset of its first unit in the concatenated code. */
  readonly offset: number;
  /** Number of units (elements for ReLU-like nodes, windows for max-pool). */
  readonly numUnits: number;
}

/**
 * A validated, shape-inferred network. Immutable; build one with `buildNetwork` or a reader
 * (`readNetworkJson`, `readOnnx`).
 *
 * @example
 * const net = buildNetwork([2], [
 *   { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2,
 *     weight: new Float64Array([1, 1, 1, 1]), bias: new Float64Array([1, 0]) },
 *   { type: 'relu', inputs: [1] },
 *   { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1,
 *     weight: new Float64Array([1, -2]), bias: new Float64Array([-1]) },
 * ]);
 * net.outputSize; // 1
 */
export class Network {
  /** All nodes; `nodes[0]` is the input. */
  readonly nodes: readonly Node[];
  /** Index of the output node (always the last). */
  readonly output: number;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Activation nodes in order, with their place in the activation code. */
  readonly activations: readonly ActivationSlot[];
  /** Total number of code entries (units) over all activation nodes. */
  readonly numUnits: number;
  /** For each node, the last node index that reads it (its own index if none does). */
  readonly lastUse: Int32Array;

  constructor(nodes: readonly Node[]) {
    this.nodes = nodes;
    this.output = nodes.length - 1;
    const first = nodes[0];
    const last = nodes[this.output];
    if (first === undefined || last === undefined) throw new PolytopeError('bad-network', 'network has no nodes');
    this.inputShape = first.shape;
    this.outputShape = last.shape;
    this.inputSize = sizeOf(this.inputShape);
    this.outputSize = sizeOf(this.outputShape);
    const slots: ActivationSlot[] = [];
    let offset = 0;
    nodes.forEach((node, i) => {
      if (isActivation(node)) {
        const numUnits = sizeOf(node.shape); // one per element; for max-pool, one per window
        slots.push({ node: i, offset, numUnits });
        offset += numUnits;
      }
    });
    this.activations = slots;
    this.numUnits = offset;
    this.lastUse = new Int32Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) {
      this.lastUse[i] = i;
      for (const j of nodes[i]!.inputs) this.lastUse[j] = i;
    }
    this.lastUse[this.output] = nodes.length;
  }

  /** Number of trainable parameters (weights and biases, prelu slopes; folded batch-norm counts as 2 per channel). */
  get numParameters(): number {
    let n = 0;
    for (const node of this.nodes) {
      if (node.type === 'dense' || node.type === 'conv2d') n += node.weight.length + node.bias.length;
      else if (node.type === 'channel_affine') n += node.scale.length + node.shift.length;
      else if (node.type === 'prelu') n += node.slope.length;
    }
    return n;
  }

  /** The activation node behind a slot. */
  activationNode(slot: ActivationSlot): ActivationNode {
    return this.nodes[slot.node] as ActivationNode;
  }
}

function fail(index: number, spec: { type: string; name?: string }, message: string): never {
  const label = spec.name ? `'${spec.name}' (${spec.type})` : spec.type;
  throw new PolytopeError('bad-network', `node ${index} ${label}: ${message}`);
}

function positiveInts(values: readonly number[], index: number, spec: NodeSpec, what: string, min = 1): void {
  for (const v of values) {
    if (!Number.isInteger(v) || v < min) fail(index, spec, `${what} must be integers ≥ ${min}, got [${values.join(', ')}]`);
  }
}

/**
 * Output size of a windowed op along one axis (PyTorch's formula): floor by default; with
 * `ceil` rounded up, dropping a last window that would start past the input and its leading
 * padding (PyTorch's `ceil_mode` rule).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- one formula with PyTorch's argument list
export function windowOutput(
  size: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation = 1,
  ceil = false,
): number {
  const span = size + padBefore + padAfter - dilation * (kernel - 1) - 1;
  if (!ceil) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= size + padBefore) out--;
  return out;
}

/**
 * The output shape of one node, given its input shapes: the only shape inference in the library
 * (`buildNetwork` uses it for every node; the trainer uses it to turn layer specs into nodes).
 * Validates hyper-parameters, weight sizes and finiteness; throws a `PolytopeError('bad-network')`
 * naming node `index`.
 *
 * @example
 * inferShape({ type: 'maxpool', inputs: [0], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] }, [[3, 5, 5]], 1);
 * // [3, 2, 2]
 */
export function inferShape(spec: NodeSpec, inShapes: readonly Shape[], index: number): Shape {
  const inShape = inShapes[0]!;
  const inSize = sizeOf(inShape);
  let shape: Shape;
  switch (spec.type) {
    case 'dense':
      shape = denseShape(spec, inShape, index);
      break;
    case 'conv2d':
      shape = conv2dShape(spec, inShape, index);
      break;
    case 'channel_affine': {
      const channels = inShape.length === 3 ? inShape[0]! : inSize;
      if (spec.scale.length !== channels || spec.shift.length !== channels)
        fail(index, spec, `scale/shift need ${channels} values (one per channel)`);
      checkFinite(spec.scale, `node ${index} (channel_affine) scale`);
      checkFinite(spec.shift, `node ${index} (channel_affine) shift`);
      shape = inShape;
      break;
    }
    case 'avgpool':
    case 'maxpool':
      shape = poolShape(spec, inShape, index);
      break;
    case 'global_avgpool': {
      if (inShape.length !== 3) fail(index, spec, `needs a [C, H, W] input, got [${inShape.join(', ')}]`);
      shape = [inShape[0]!, 1, 1];
      break;
    }
    case 'reshape': {
      shape = spec.targetShape ?? [inSize];
      if (sizeOf(shape) !== inSize) fail(index, spec, `cannot reshape [${inShape.join(', ')}] to [${shape.join(', ')}]`);
      break;
    }
    case 'add':
    case 'concat':
    case 'pad':
    case 'slice':
    case 'transpose':
    case 'resize':
    case 'reduce_mean':
    case 'broadcast_affine': {
      const r = gatherShape(spec, inShapes);
      if (typeof r === 'string') fail(index, spec, r);
      shape = r;
      break;
    }
    case 'prelu': {
      const why = preluProblem(spec, inShape);
      if (why !== null) fail(index, spec, why);
      shape = inShape;
      break;
    }
    case 'relu':
      shape = inShape;
      break;
    case 'leaky_relu':
      if (!Number.isFinite(spec.alpha)) fail(index, spec, `alpha must be finite, got ${spec.alpha}`);
      shape = inShape;
      break;
    case 'hardtanh':
      if (!Number.isFinite(spec.min) || !Number.isFinite(spec.max) || !(spec.min < spec.max))
        fail(index, spec, `needs finite min < max, got ${spec.min}, ${spec.max}`);
      shape = inShape;
      break;
    default:
      fail(index, spec as { type: string }, 'unknown node type');
  }
  return shape;
}

/** `inferShape` of a dense node. */
function denseShape(spec: Extract<NodeSpec, { type: 'dense' }>, inShape: Shape, index: number): Shape {
  const inSize = sizeOf(inShape);
  positiveInts([spec.inFeatures, spec.outFeatures], index, spec, 'features');
  if (inSize !== spec.inFeatures)
    fail(index, spec, `expects ${spec.inFeatures} inputs but receives shape [${inShape.join(', ')}] (${inSize} values)`);
  if (spec.weight.length !== spec.inFeatures * spec.outFeatures)
    fail(index, spec, `weight has ${spec.weight.length} values, expected ${spec.outFeatures}×${spec.inFeatures}`);
  if (spec.bias.length !== spec.outFeatures) fail(index, spec, `bias has ${spec.bias.length} values, expected ${spec.outFeatures}`);
  checkFinite(spec.weight, `node ${index} (dense) weight`);
  checkFinite(spec.bias, `node ${index} (dense) bias`);
  return [spec.outFeatures];
}

/** `inferShape` of a conv2d node. */
function conv2dShape(spec: Extract<NodeSpec, { type: 'conv2d' }>, inShape: Shape, index: number): Shape {
  if (inShape.length !== 3) fail(index, spec, `needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [c, h, w] = inShape as [number, number, number];
  positiveInts(
    [spec.inChannels, spec.outChannels, spec.groups, ...spec.kernel, ...spec.stride, ...spec.dilation],
    index,
    spec,
    'channels, groups, kernel, stride and dilation',
  );
  positiveInts(spec.padding, index, spec, 'padding', 0);
  if (c !== spec.inChannels) fail(index, spec, `expects ${spec.inChannels} input channels, got ${c}`);
  if (spec.inChannels % spec.groups !== 0 || spec.outChannels % spec.groups !== 0)
    fail(index, spec, `groups ${spec.groups} must divide in (${spec.inChannels}) and out (${spec.outChannels}) channels`);
  const expectW = spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel[0] * spec.kernel[1];
  if (spec.weight.length !== expectW) fail(index, spec, `weight has ${spec.weight.length} values, expected ${expectW}`);
  if (spec.bias.length !== spec.outChannels) fail(index, spec, `bias has ${spec.bias.length} values, expected ${spec.outChannels}`);
  checkFinite(spec.weight, `node ${index} (conv2d) weight`);
  checkFinite(spec.bias, `node ${index} (conv2d) bias`);
  const ho = windowOutput(h, spec.kernel[0], spec.stride[0], spec.padding[0], spec.padding[2], spec.dilation[0]);
  const wo = windowOutput(w, spec.kernel[1], spec.stride[1], spec.padding[1], spec.padding[3], spec.dilation[1]);
  if (ho < 1 || wo < 1) fail(index, spec, `kernel does not fit the ${h}×${w} input`);
  return [spec.outChannels, ho, wo];
}

/** `inferShape` of an average or max pool node. */
function poolShape(spec: Extract<NodeSpec, { type: 'avgpool' | 'maxpool' }>, inShape: Shape, index: number): Shape {
  if (inShape.length !== 3) fail(index, spec, `needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  const [c, h, w] = inShape as [number, number, number];
  const dil = spec.type === 'maxpool' ? spec.dilation : ([1, 1] as const);
  positiveInts([...spec.kernel, ...spec.stride, ...dil], index, spec, 'kernel, stride and dilation');
  positiveInts(spec.padding, index, spec, 'padding', 0);
  if (spec.padding[0] * 2 > spec.kernel[0] || spec.padding[1] * 2 > spec.kernel[1])
    fail(index, spec, 'padding must be at most half the kernel');
  if (spec.ceilMode !== undefined && typeof spec.ceilMode !== 'boolean') fail(index, spec, 'ceilMode must be true or false');
  const ceil = spec.ceilMode === true;
  const ho = windowOutput(h, spec.kernel[0], spec.stride[0], spec.padding[0], spec.padding[2], dil[0], ceil);
  const wo = windowOutput(w, spec.kernel[1], spec.stride[1], spec.padding[1], spec.padding[3], dil[1], ceil);
  if (ho < 1 || wo < 1) fail(index, spec, `window does not fit the ${h}×${w} input`);
  return [c, ho, wo];
}

/** Why a prelu node's slope does not fit its input (null when it does). */
export function preluProblem(spec: { slope: Float64Array; slopeShape: Shape }, inShape: Shape): string | null {
  const { slope, slopeShape } = spec;
  if (!slopeShape.every((d) => Number.isInteger(d) && d >= 1))
    return `slopeShape must be positive integers, got [${slopeShape.join(', ')}]`;
  if (slope.length !== sizeOf(slopeShape))
    return `slope has ${slope.length} values but slopeShape [${slopeShape.join(', ')}] needs ${sizeOf(slopeShape)}`;
  if (!slope.every(Number.isFinite)) return 'slope has a non-finite value';
  const off = inShape.length - slopeShape.length;
  if (off < 0 || slopeShape.some((d, i) => d !== 1 && d !== inShape[off + i]))
    return `slope of shape [${slopeShape.join(', ')}] does not broadcast against the input [${inShape.join(', ')}] (numpy rules, right-aligned)`;
  return null;
}

/**
 * Validates node specs, infers every shape, and returns a `Network`. Throws a `PolytopeError`
 * naming the node on any shape mismatch, bad hyper-parameter or non-finite weight.
 *
 * @example
 * const net = buildNetwork([2], [
 *   { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 1, 1, -1), bias: Float64Array.of(0, 0) },
 *   { type: 'relu', inputs: [1] },
 * ]);
 */
export function buildNetwork(inputShape: Shape, specs: readonly NodeSpec[]): Network {
  if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new PolytopeError('bad-network', `input shape must be positive integers, got [${inputShape.join(', ')}]`);
  }
  const nodes: Node[] = [{ type: 'input', inputs: [], shape: [...inputShape] }];
  specs.forEach((spec, k) => {
    const index = k + 1;
    if (spec.type === 'input') fail(index, spec, 'only node 0 may be an input');
    if (spec.type === 'add' || spec.type === 'concat') {
      const min = spec.type === 'add' ? 2 : 1;
      if (!Array.isArray(spec.inputs) || spec.inputs.length < min)
        fail(index, spec, `expects at least ${min} inputs, got ${Array.isArray(spec.inputs) ? spec.inputs.length : 'none'}`);
    } else if (!Array.isArray(spec.inputs) || spec.inputs.length !== 1)
      fail(index, spec, `expects 1 input, got ${Array.isArray(spec.inputs) ? spec.inputs.length : 'none'}`);
    for (const j of spec.inputs) {
      if (!Number.isInteger(j) || j < 0 || j >= index)
        fail(
          index,
          spec,
          `input index ${j} does not name an earlier node (nodes are in topological order: a later or missing input is a cycle or a dangling reference)`,
        );
    }
    const shape = inferShape(
      spec,
      spec.inputs.map((j) => nodes[j]!.shape),
      index,
    );
    nodes.push({ ...spec, shape } as Node);
  });
  if (nodes.length < 2) throw new PolytopeError('bad-network', 'network has no layers');
  // Every non-output node must be read by someone, otherwise the graph has a dangling branch.
  const used = new Uint8Array(nodes.length);
  for (const n of nodes) for (const j of n.inputs) used[j] = 1;
  for (let i = 0; i < nodes.length - 1; i++) {
    if (!used[i])
      throw new PolytopeError(
        'bad-network',
        `node ${i} (${nodes[i]!.type}) is not used by any later node; the output must be the last node`,
      );
  }
  return new Network(nodes);
}
