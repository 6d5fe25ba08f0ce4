/**
 * ONNX export of a `Network` (opset 13, IR version 7), loadable by onnxruntime and PyTorch tooling.
 *
 * Graph: input `input` of shape [N, …inputShape] (N symbolic), output `output` of shape
 * [N, …outputShape]. Node mapping:
 *
 * | IR node          | ONNX                                                           |
 * |------------------|----------------------------------------------------------------|
 * | dense            | Gemm(transB = 1), preceded by Flatten(axis 1) on a non-flat input |
 * | conv2d           | Conv (pads [top, left, bottom, right], strides, dilations, group) |
 * | channel_affine   | Mul then Add with [C, 1, 1] (images) or [n] initializers        |
 * | avgpool          | AveragePool (count_include_pad)                                 |
 * | global_avgpool   | GlobalAveragePool                                               |
 * | maxpool          | MaxPool (pads, strides, dilations)                              |
 * | reshape          | Flatten(axis 1), or Reshape to [−1, …targetShape]               |
 * | add              | Add, or Mul by each coefficient ≠ 1 then Sum                      |
 * | concat           | Concat(axis + 1)                                                |
 * | pad              | Pad (its mode; pads with 0 on the batch axis)                   |
 * | slice            | Slice (axes + 1)                                                |
 * | transpose        | Transpose (perm with the batch axis first)                      |
 * | resize           | Resize (sizes from Shape(input)[0] and the sample size; scales when given) |
 * | reduce_mean      | ReduceMean (axes + 1, keepdims)                                 |
 * | broadcast_affine | Mul then Add with initializers of scaleShape / shiftShape       |
 * | relu, leaky_relu | Relu, LeakyRelu(alpha)                                          |
 * | prelu            | PRelu (slope of slopeShape)                                     |
 * | hardtanh         | Clip(min, max)                                                  |
 *
 * Weights are stored as float32 `raw_data` (little-endian): the IR's float64 values are rounded
 * to the nearest float32 (relative error ≤ 2⁻²⁴ per weight). Networks trained here in float32
 * lose nothing.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType,
  TensorShapeProtoSchema,
  TensorShapeProto_DimensionSchema,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import type { AttributeProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import type { Node, NodeOfType, Shape } from '../network/ir.js';
import { PolytopeError } from '../errors.js';
import type { Network } from '../network/network.js';

/** Options for `writeOnnx`. */
export interface OnnxExportOptions {
  /** Graph name (default `polytope-lens`). */
  graphName?: string;
  /** Name of the symbolic batch dimension (default `N`). */
  batchName?: string;
}

function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.FLOAT, rawData: raw });
}

function int64Tensor(name: string, values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return create(TensorProtoSchema, { name, dims: [BigInt(values.length)], dataType: TensorProto_DataType.INT64, rawData: raw });
}

function ints(name: string, values: readonly number[]): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map(BigInt) });
}

function int(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });
}

function str(name: string, value: string): AttributeProto {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.STRING,
    s: Uint8Array.from(value, (ch) => ch.charCodeAt(0)),
  });
}

function float(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: value });
}

function valueInfo(name: string, shape: Shape, batchName: string): ValueInfoProto {
  const dims = [
    create(TensorShapeProto_DimensionSchema, { value: { case: 'dimParam', value: batchName } }),
    ...shape.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(d) } })),
  ];
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: TensorProto_DataType.FLOAT,
          shape: create(TensorShapeProtoSchema, { dim: dims }),
        }),
      },
    }),
  });
}

/**
 * Serializes a network as an ONNX model (protobuf bytes).
 *
 * @example
 * const bytes = writeOnnx(net);
 * // Node: const session = await ort.InferenceSession.create(bytes);
 * //       await session.run({ input: new ort.Tensor('float32', x, [1, 2]) }); // { output }
 */
export function writeOnnx(net: Network, options: OnnxExportOptions = {}): Uint8Array {
  const batchName = options.batchName ?? 'N';
  const g = new OnnxGraph(net);
  net.nodes.forEach((node, i) => {
    if (i === 0) return;
    const at: NodeNames = {
      name: node.name ?? `${node.type}_${i}`,
      out: g.tensorName(i),
      x: g.tensorName(node.inputs[0]!),
      inShape: net.nodes[node.inputs[0]!]!.shape,
    };
    if (!exportParametrizedNode(g, node, at)) exportPlainNode(g, node, at);
  });
  if (net.output === 0) throw new PolytopeError('bad-network', 'writeOnnx: network has no layers');
  const graph = create(GraphProtoSchema, {
    name: options.graphName ?? 'polytope-lens',
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo('input', net.inputShape, batchName)],
    output: [valueInfo('output', net.outputShape, batchName)],
  });
  const model = create(ModelProtoSchema, {
    irVersion: 7n,
    producerName: 'polytope-lens',
    producerVersion: '0.1.0',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: 13n })],
    graph,
  });
  return toBinary(ModelProtoSchema, model);
}

/** The ONNX nodes and initializers of a network being written, in order. */
class OnnxGraph {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];

  constructor(private readonly net: Network) {}

  /** The tensor a network node writes: `input`, `output`, or `t<i>`. */
  tensorName(i: number): string {
    return i === 0 ? 'input' : i === this.net.output ? 'output' : `t${i}`;
  }

  add(opType: string, name: string, inputs: string[], output: string, attribute: AttributeProto[] = []): void {
    this.nodes.push(create(NodeProtoSchema, { opType, name, input: inputs, output: [output], attribute }));
  }
}

/** A network node's ONNX names: node name, output tensor, first input tensor, and that input's shape. */
interface NodeNames {
  readonly name: string;
  readonly out: string;
  readonly x: string;
  readonly inShape: Shape;
}

/** Writes the nodes that carry initializers (dense, conv2d, channel_affine, reshape, hardtanh); false for the others. */
function exportParametrizedNode(g: OnnxGraph, node: Node, { name, out, x, inShape }: NodeNames): boolean {
  switch (node.type) {
    case 'dense': {
      let a = x;
      if (inShape.length !== 1) {
        a = `${out}_flat`;
        g.add('Flatten', `${name}_flatten`, [x], a, [int('axis', 1)]);
      }
      g.initializers.push(floatTensor(`${name}.weight`, [node.outFeatures, node.inFeatures], node.weight));
      g.initializers.push(floatTensor(`${name}.bias`, [node.outFeatures], node.bias));
      g.add('Gemm', name, [a, `${name}.weight`, `${name}.bias`], out, [int('transB', 1)]);
      return true;
    }
    case 'conv2d': {
      g.initializers.push(
        floatTensor(`${name}.weight`, [node.outChannels, node.inChannels / node.groups, node.kernel[0], node.kernel[1]], node.weight),
      );
      g.initializers.push(floatTensor(`${name}.bias`, [node.outChannels], node.bias));
      g.add('Conv', name, [x, `${name}.weight`, `${name}.bias`], out, [
        ints('kernel_shape', node.kernel),
        ints('strides', node.stride),
        ints('pads', node.padding),
        ints('dilations', node.dilation),
        int('group', node.groups),
      ]);
      return true;
    }
    case 'channel_affine': {
      const dims = node.shape.length === 3 ? [node.scale.length, 1, 1] : [node.scale.length];
      g.initializers.push(floatTensor(`${name}.scale`, dims, node.scale));
      g.initializers.push(floatTensor(`${name}.shift`, dims, node.shift));
      g.add('Mul', `${name}_mul`, [x, `${name}.scale`], `${out}_scaled`);
      g.add('Add', name, [`${out}_scaled`, `${name}.shift`], out);
      return true;
    }
    case 'reshape':
      if (node.targetShape === undefined || node.targetShape.length === 1) g.add('Flatten', name, [x], out, [int('axis', 1)]);
      else {
        g.initializers.push(int64Tensor(`${name}.shape`, [-1, ...node.targetShape]));
        g.add('Reshape', name, [x, `${name}.shape`], out);
      }
      return true;
    case 'broadcast_affine':
      g.initializers.push(floatTensor(`${name}.scale`, node.scaleShape, node.scale));
      g.initializers.push(floatTensor(`${name}.shift`, node.shiftShape, node.shift));
      g.add('Mul', `${name}_mul`, [x, `${name}.scale`], `${out}_scaled`);
      g.add('Add', name, [`${out}_scaled`, `${name}.shift`], out);
      return true;
    case 'prelu':
      g.initializers.push(floatTensor(`${name}.slope`, node.slopeShape, node.slope));
      g.add('PRelu', name, [x, `${name}.slope`], out);
      return true;
    case 'add':
    case 'pad':
    case 'slice':
      exportGatherNode(g, node, { name, out, x, inShape });
      return true;
    case 'resize':
      exportResize(g, node, { name, out, x, inShape });
      return true;
    case 'hardtanh':
      g.initializers.push(floatTensor(`${name}.min`, [], [node.min]));
      g.initializers.push(floatTensor(`${name}.max`, [], [node.max]));
      g.add('Clip', name, [x, `${name}.min`, `${name}.max`], out);
      return true;
    default:
      return false;
  }
}

/** add (coefficients), pad, slice: the gather nodes written with initializers. */
function exportGatherNode(g: OnnxGraph, node: NodeOfType<'add' | 'pad' | 'slice'>, { name, out, x, inShape }: NodeNames): void {
  switch (node.type) {
    case 'add': {
      const c = node.coefficients;
      const terms = node.inputs.map((j, k) => {
        const t = g.tensorName(j);
        if (c === undefined || c[k] === 1) return t;
        g.initializers.push(floatTensor(`${name}.c${k}`, [], [c[k]!]));
        g.add('Mul', `${name}_mul${k}`, [t, `${name}.c${k}`], `${out}_term${k}`);
        return `${out}_term${k}`;
      });
      if (terms.length === 2) g.add('Add', name, terms, out);
      else g.add('Sum', name, terms, out);
      return;
    }
    case 'pad': {
      const r = node.shape.length;
      if (node.mode === 'wrap') return exportWrapPad(g, node, { name, out, x, inShape });
      g.initializers.push(int64Tensor(`${name}.pads`, [0, ...node.pads.slice(0, r), 0, ...node.pads.slice(r)]));
      g.initializers.push(floatTensor(`${name}.value`, [], [node.value]));
      g.add('Pad', name, [x, `${name}.pads`, `${name}.value`], out, [str('mode', node.mode ?? 'constant')]);
      return;
    }
    case 'slice':
      g.initializers.push(int64Tensor(`${name}.starts`, node.starts));
      g.initializers.push(int64Tensor(`${name}.ends`, node.ends));
      g.initializers.push(
        int64Tensor(
          `${name}.axes`,
          node.axes.map((a) => a + 1),
        ),
      );
      g.initializers.push(int64Tensor(`${name}.steps`, node.steps));
      g.add('Slice', name, [x, `${name}.starts`, `${name}.ends`, `${name}.axes`, `${name}.steps`], out);
      return;
  }
}

/**
 * Pad in mode wrap (ONNX has it only from opset 19; we write 13): per padded axis, Concat of the
 * input's tail, the input and its head (a negative amount is a Slice that crops).
 */
function exportWrapPad(g: OnnxGraph, node: NodeOfType<'pad'>, { name, out, x, inShape }: NodeNames): void {
  const r = node.shape.length;
  let cur = x;
  const slice = (tag: string, range: [number, number], ax: number, from: string): string => {
    const base = `${name}.${tag}${ax}`;
    g.initializers.push(
      int64Tensor(`${base}.starts`, [range[0]]),
      int64Tensor(`${base}.ends`, [range[1]]),
      int64Tensor(`${base}.axes`, [ax + 1]),
    );
    g.add('Slice', `${name}_${tag}${ax}`, [from, `${base}.starts`, `${base}.ends`, `${base}.axes`], `${out}_${tag}${ax}`);
    return `${out}_${tag}${ax}`;
  };
  for (let ax = 0; ax < r; ax++) {
    const before = node.pads[ax]!;
    const after = node.pads[r + ax]!;
    if (before === 0 && after === 0) continue;
    const d = inShape[ax]!;
    const lo = Math.max(0, -before);
    const hi = d + Math.min(0, after);
    const core = lo > 0 || hi < d ? slice('crop', [lo, hi], ax, cur) : cur;
    const n = hi - lo;
    const parts = [
      ...(before > 0 ? [slice('tail', [n - before, n], ax, core)] : []),
      core,
      ...(after > 0 ? [slice('head', [0, after], ax, core)] : []),
    ];
    const last = !node.pads.some((p, k) => k % r > ax && p !== 0);
    const target = last ? out : `${out}_axis${ax}`;
    if (parts.length === 1) g.add('Identity', `${name}_axis${ax}`, parts, target);
    else g.add('Concat', `${name}_axis${ax}`, parts, target, [int('axis', ax + 1)]);
    cur = target;
  }
  if (cur === x) g.add('Identity', name, [x], out);
}

/** Resize with `sizes` = [Shape(input)[0], …size], or `scales` when the node has them. */
function exportResize(g: OnnxGraph, node: NodeOfType<'resize'>, { name, out, x, inShape }: NodeNames): void {
  const attrs = [str('mode', node.mode), str('coordinate_transformation_mode', node.coordinateMode), str('nearest_mode', node.nearestMode)];
  if (node.mode === 'cubic')
    attrs.push(float('cubic_coeff_a', node.cubicCoeffA ?? -0.75), int('exclude_outside', node.excludeOutside === true ? 1 : 0));
  g.initializers.push(floatTensor(`${name}.roi`, [0], []));
  if (node.scales !== undefined && node.scales.some((sc, ax) => sc !== node.size[ax]! / inShape[ax]!)) {
    g.initializers.push(floatTensor(`${name}.scales`, [node.scales.length + 1], [1, ...node.scales]));
    g.add('Resize', name, [x, `${name}.roi`, `${name}.scales`], out, attrs);
    return;
  }
  g.initializers.push(int64Tensor(`${name}.batch_axis`, [0]));
  g.initializers.push(int64Tensor(`${name}.size`, node.size));
  g.add('Shape', `${name}_shape`, [x], `${out}_shape`);
  g.add('Gather', `${name}_batch`, [`${out}_shape`, `${name}.batch_axis`], `${out}_batch`, [int('axis', 0)]);
  g.add('Concat', `${name}_sizes`, [`${out}_batch`, `${name}.size`], `${out}_sizes`, [int('axis', 0)]);
  g.initializers.push(floatTensor(`${name}.no_scales`, [0], []));
  g.add('Resize', name, [x, `${name}.roi`, `${name}.no_scales`, `${out}_sizes`], out, attrs);
}

/** Writes the nodes without initializers: pools, concat, transpose, reduce_mean, relu, leaky_relu. */
function exportPlainNode(g: OnnxGraph, node: Node, { name, out, x }: NodeNames): void {
  switch (node.type) {
    case 'avgpool':
      g.add('AveragePool', name, [x], out, [
        ints('kernel_shape', node.kernel),
        ints('strides', node.stride),
        ints('pads', node.padding),
        int('count_include_pad', node.countIncludePad ? 1 : 0),
        int('ceil_mode', node.ceilMode === true ? 1 : 0),
      ]);
      return;
    case 'concat':
      g.add(
        'Concat',
        name,
        node.inputs.map((j) => g.tensorName(j)),
        out,
        [int('axis', node.axis + 1)],
      );
      return;
    case 'transpose':
      g.add('Transpose', name, [x], out, [ints('perm', [0, ...node.perm.map((a) => a + 1)])]);
      return;
    case 'reduce_mean':
      g.add('ReduceMean', name, [x], out, [
        ints(
          'axes',
          node.axes.map((a) => a + 1),
        ),
        int('keepdims', node.keepdims ? 1 : 0),
      ]);
      return;
    case 'global_avgpool':
      g.add('GlobalAveragePool', name, [x], out);
      return;
    case 'maxpool':
      g.add('MaxPool', name, [x], out, [
        ints('kernel_shape', node.kernel),
        ints('strides', node.stride),
        ints('pads', node.padding),
        ints('dilations', node.dilation),
        int('ceil_mode', node.ceilMode === true ? 1 : 0),
      ]);
      return;
    case 'relu':
      g.add('Relu', name, [x], out);
      return;
    case 'leaky_relu':
      g.add('LeakyRelu', name, [x], out, [float('alpha', node.alpha)]);
      return;
  }
}
