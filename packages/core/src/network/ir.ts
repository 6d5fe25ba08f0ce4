/**
 * The network intermediate representation (IR).
 *
 * A network is a list of nodes in topological order. Node 0 is always the input; every other node
 * names the earlier nodes it reads (`inputs`). Tensors are flat, row-major Float64Arrays: a vector
 * has shape `[n]`, an image `[C, H, W]` (no batch dimension: batching is the kernels' business).
 *
 * Affine nodes (dense, conv2d, channel_affine, avgpool, global_avgpool, reshape, and the gather
 * nodes add, concat, pad, slice, transpose, resize, reduce_mean, broadcast_affine) have a linear part
 * and a bias; piecewise-linear nodes (relu, leaky_relu, prelu, hardtanh, maxpool) are where the
 * activation code lives. Everything exact in this library rests on that split.
 */
import { InternalError } from '../errors.js';

/** A tensor's shape without the batch dimension, e.g. `[C, H, W]` or `[n]`. */
export type Shape = readonly number[];

interface NodeBase {
  /** Indices of the nodes this node reads (all smaller than this node's own index). */
  readonly inputs: readonly number[];
  /** Output shape, filled in by `buildNetwork`. */
  readonly shape: Shape;
  /** Optional human name (ONNX node name, JSON layer name). */
  readonly name?: string;
}

/** Node 0 of every network: the input, of shape `shape`. */
export interface InputNode extends NodeBase {
  readonly type: 'input';
}

/** `y = W x + b`, `weight` row-major out×in (PyTorch `Linear.weight` layout). */
export interface DenseNode extends NodeBase {
  readonly type: 'dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** 2-D convolution (cross-correlation, as PyTorch), weight `[outC, inC/groups, kH, kW]`. */
export interface Conv2dNode extends NodeBase {
  readonly type: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  /** [top, left, bottom, right] zero padding. */
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/** Per-channel affine map `y[c] = scale[c] x[c] + shift[c]` (batch-norm in eval mode, folded). */
export interface ChannelAffineNode extends NodeBase {
  readonly type: 'channel_affine';
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** Average pooling over 2-D windows of a [C, H, W] tensor (affine). */
export interface AvgPoolNode extends NodeBase {
  readonly type: 'avgpool';
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  /** Whether padded zeros count in the divisor (PyTorch's `count_include_pad`, default true). */
  readonly countIncludePad: boolean;
  /**
   * Output sizes round up (PyTorch's `ceil_mode`): the last window may run past the padded input,
   * but must start inside the input or its top/left padding. Default false (floor).
   */
  readonly ceilMode?: boolean;
}

/** Mean over H × W per channel of a [C, H, W] tensor (affine). */
export interface GlobalAvgPoolNode extends NodeBase {
  readonly type: 'global_avgpool';
}

/** Flatten / reshape / identity: data unchanged (row-major), shape changed. */
export interface ReshapeNode extends NodeBase {
  readonly type: 'reshape';
  /** Target shape; omitted means flatten to `[n]`. */
  readonly targetShape?: Shape;
}

/**
 * Weighted elementwise sum `Σ_k coefficients[k] · x_k` of two or more tensors (a residual add; `Sub`
 * of two computed tensors is coefficients [1, −1]). Coefficients default to 1. The inputs broadcast
 * by numpy rules over the sample axes (right-aligned, sizes equal or 1): the output has the
 * broadcast shape, e.g. `[C, H, W] + [C, 1, 1]` (a squeeze-style add).
 */
export interface AddNode extends NodeBase {
  readonly type: 'add';
  readonly coefficients?: readonly number[];
}

/** Concatenation of one or more tensors of equal rank along sample axis `axis` (0-based, no batch axis). */
export interface ConcatNode extends NodeBase {
  readonly type: 'concat';
  readonly axis: number;
}

/**
 * How `pad` fills the new elements (ONNX `Pad` modes): `constant` with `value`; `reflect` mirrors
 * without repeating the edge (PyTorch's ReflectionPad, pad < size); `edge` repeats the edge element
 * (ReplicationPad); `wrap` continues periodically (circular padding, pad ≤ size).
 */
export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/**
 * Padding (ONNX `Pad`): `pads` lists the amounts before every sample axis, then after every sample
 * axis (ONNX order without the batch axis); a negative amount crops. Every mode is a linear map
 * (a gather) of the input, plus `value` on the padded elements in mode `constant` (the default).
 */
export interface PadNode extends NodeBase {
  readonly type: 'pad';
  readonly pads: readonly number[];
  readonly value: number;
  readonly mode?: PadMode;
}

/**
 * Strided slice (ONNX `Slice` semantics on sample axes): for each listed axis, indices
 * `starts[k], starts[k] + steps[k], …` up to (excluding) `ends[k]`, clamped as ONNX clamps them.
 */
export interface SliceNode extends NodeBase {
  readonly type: 'slice';
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly axes: readonly number[];
  readonly steps: readonly number[];
}

/** Axis permutation of the sample axes: output axis i is input axis `perm[i]`. */
export interface TransposeNode extends NodeBase {
  readonly type: 'transpose';
  readonly perm: readonly number[];
}

/** Coordinate transformation modes of `resize` (ONNX `Resize`, the ones PyTorch emits). */
export type ResizeCoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';

/** Rounding of `resize` in nearest mode (ONNX `nearest_mode`). */
export type ResizeNearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

/**
 * Resampling of every sample axis to `size` (ONNX `Resize`/`Upsample`): nearest neighbour,
 * (multi-)linear or (multi-)cubic interpolation, all linear maps of the input. `scales` (one per
 * sample axis) are the factors used in the coordinate transform when the model gave factors;
 * without them the factor is `size / input size`. Cubic uses Keys' kernel with `cubicCoeffA`
 * (ONNX default −0.75, PyTorch's bicubic) on the four nearest input elements, indices clamped to the
 * edge; with `excludeOutside` the weights of elements outside the input are dropped and the rest
 * renormalized.
 */
export interface ResizeNode extends NodeBase {
  readonly type: 'resize';
  readonly size: readonly number[];
  readonly mode: 'nearest' | 'linear' | 'cubic';
  readonly coordinateMode: ResizeCoordinateMode;
  readonly nearestMode: ResizeNearestMode;
  readonly scales?: readonly number[];
  readonly cubicCoeffA?: number;
  readonly excludeOutside?: boolean;
}

/** Mean over sample axes `axes` (ONNX `ReduceMean`); `keepdims` keeps them with size 1. */
export interface ReduceMeanNode extends NodeBase {
  readonly type: 'reduce_mean';
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

/**
 * `y = x · scale + shift` elementwise, with constant `scale` and `shift` broadcast against the
 * sample shape by numpy rules (right-aligned; `scaleShape`/`shiftShape` have at most the sample's
 * rank). ONNX `Add`/`Sub`/`Mul`/`Div` by constants that are not per-channel.
 */
export interface BroadcastAffineNode extends NodeBase {
  readonly type: 'broadcast_affine';
  readonly scale: Float64Array;
  readonly scaleShape: Shape;
  readonly shift: Float64Array;
  readonly shiftShape: Shape;
}

/** max(x, 0) elementwise (states: 1 active, 0 inactive). */
export interface ReluNode extends NodeBase {
  readonly type: 'relu';
}

/** max(x, αx) elementwise (states: 1 active, 0 slope α). */
export interface LeakyReluNode extends NodeBase {
  readonly type: 'leaky_relu';
  readonly alpha: number;
}

/** `clamp(x, min, max)`; PyTorch's Hardtanh is min = −1, max = 1. */
export interface HardTanhNode extends NodeBase {
  readonly type: 'hardtanh';
  readonly min: number;
  readonly max: number;
}

/**
 * `max(x, slope · x)` elementwise with a constant slope broadcast against the sample shape (numpy
 * rules, right-aligned; PyTorch's `PReLU` exports `[C, 1, 1]` or `[1]`). States as leaky_relu.
 */
export interface PReluNode extends NodeBase {
  readonly type: 'prelu';
  readonly slope: Float64Array;
  readonly slopeShape: Shape;
}

/** Max pooling over 2-D windows of a [C, H, W] tensor (state: the argmax position in the window). */
export interface MaxPoolNode extends NodeBase {
  readonly type: 'maxpool';
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  /** Output sizes round up (PyTorch's `ceil_mode`, see `AvgPoolNode.ceilMode`). Default false. */
  readonly ceilMode?: boolean;
}

/**
 * The affine data-movement nodes that run through one generic sparse-linear kernel (a gather table
 * per node: for every output element a list of (input, element, weight) and a constant).
 */
export type GatherNode = AddNode | ConcatNode | PadNode | SliceNode | TransposeNode | ResizeNode | ReduceMeanNode | BroadcastAffineNode;

/** A node that is affine in its input (dense, convolution, pooling by averages, per-channel affine, reshape, the gather nodes). */
export type AffineNode = DenseNode | Conv2dNode | ChannelAffineNode | AvgPoolNode | GlobalAvgPoolNode | ReshapeNode | GatherNode;

/** A piecewise-linear activation node (its units have states in the activation code). */
export type ActivationNode = ReluNode | LeakyReluNode | PReluNode | HardTanhNode | MaxPoolNode;

/** Whether a node runs through the gather kernel. */
export function isGather(node: Node): node is GatherNode {
  switch (node.type) {
    case 'add':
    case 'concat':
    case 'pad':
    case 'slice':
    case 'transpose':
    case 'resize':
    case 'reduce_mean':
    case 'broadcast_affine':
      return true;
    default:
      return false;
  }
}

/** One node of the network IR (a DAG in topological order; node 0 is the input). */
export type Node = InputNode | AffineNode | ActivationNode;

/** The `type` tag of a node: 'input', 'dense', 'conv2d', 'relu', … */
export type NodeType = Node['type'];

/**
 * The node types that are piecewise-linear activations (each unit gets a state in the activation code).
 *
 * @example
 * ACTIVATION_TYPES.includes('relu'); // true
 */
export const ACTIVATION_TYPES: readonly NodeType[] = ['relu', 'leaky_relu', 'prelu', 'hardtanh', 'maxpool'];

/**
 * Whether a node is a piecewise-linear activation (its units have states in the activation code).
 *
 * @example
 * net.nodes.filter(isActivation).length; // number of activation nodes
 */
export function isActivation(node: Node): node is ActivationNode {
  const t = node.type;
  return t === 'relu' || t === 'leaky_relu' || t === 'prelu' || t === 'hardtanh' || t === 'maxpool';
}

/**
 * Number of elements of a shape.
 *
 * @example
 * sizeOf([3, 32, 32]); // 3072
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The node interface of one node type, e.g. `NodeOfType<'dense'>` is `DenseNode`. */
export type NodeOfType<T extends NodeType> = Extract<Node, { readonly type: T }>;

/**
 * One handler per node type (tfjs `KernelConfig` style): the network's single node visitor. A
 * table typed `NodeTable<R>` must name every node type, so adding a type to the IR is a compile
 * error in every table until it is handled (trainer kernels, the MLP view, the ONNX writer).
 */
export type NodeTable<R, Args extends unknown[] = []> = {
  readonly [T in NodeType]: (node: NodeOfType<T>, ...args: Args) => R;
};

/**
 * Calls the table's handler for `node.type`. Own properties only, so a hand-written type such as
 * `toString` or `__proto__` cannot reach `Object.prototype`.
 *
 * @example
 * const kinds: NodeTable<string> = { input: () => 'in', dense: () => 'affine', … };
 * visitNode(net.nodes[1]!, kinds); // 'affine'
 */
export function visitNode<R, Args extends unknown[]>(node: Node, table: NodeTable<R, Args>, ...args: Args): R {
  if (!Object.prototype.hasOwnProperty.call(table, node.type))
    throw new InternalError(`visitNode: no handler for node type '${String(node.type)}'`);
  const handler = table[node.type] as (n: Node, ...a: Args) => R;
  return handler(node, ...args);
}
