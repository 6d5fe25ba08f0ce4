import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
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
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { forward, forwardWithCode, propagateFamily } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { SUPPORTED_ONNX_OPS, float32Decimal, onnxExternalDataFiles, readOnnx } from './onnx.js';

// CI clones the repo with shared/ beside it: <root>/../shared/fixtures/onnx/
const FIXTURES = new URL('../../../../../shared/fixtures/onnx/', import.meta.url);
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(name, FIXTURES)));
const externalData = (location: string): Uint8Array => fixture(location);

interface Reference {
  file: string;
  input_shape: number[];
  inputs: number[][];
  outputs: number[][];
  jacobians: number[][][];
}

const reference = JSON.parse(new TextDecoder().decode(fixture('reference.json'))) as Record<string, Reference>;
const bnReference = JSON.parse(new TextDecoder().decode(fixture('bn_avgpool.json'))) as Reference;
const CASES: [string, Reference][] = [...Object.entries(reference), ['bn_avgpool', bnReference]];

/**
 * Relative tolerance per fixture. cnn.onnx is the exception: the dynamo exporter's onnxscript
 * rewriter (rule `FuseBatchNormIntoConv`, recorded in the Conv node's metadata_props) fused the
 * BatchNorm into the first Conv *in float32*, while reference.json was computed from the unfused
 * PyTorch module in float64. The fused weights carry float32 rounding (~6e-8 relative), so that
 * model can only match to about 1e-7; every other fixture matches to 1e-9.
 */
const TOLERANCE: Record<string, number> = { cnn: 1e-6 };

/** Full Jacobian at x by forward-mode propagation with the activation code fixed. */
function jacobian(net: Network, x: readonly number[]): number[][] {
  const d = net.inputSize;
  const { code } = forwardWithCode(net, x);
  const dirs = new Float64Array(d * d);
  for (let i = 0; i < d; i++) dirs[i * d + i] = 1;
  const block = propagateFamily(net, code, x, dirs, d)[net.output]!;
  const m = d + 1;
  return Array.from({ length: net.outputSize }, (_, o) => Array.from({ length: d }, (_, i) => block[o * m + 1 + i]!));
}

function maxAbs(values: readonly number[]): number {
  return values.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
}

/** Largest |a − b| relative to the largest |b| entry. */
function relError(a: ArrayLike<number>, b: readonly number[]): number {
  const scale = maxAbs(b) || 1;
  let err = 0;
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

describe('readOnnx on the PyTorch fixtures', () => {
  it('finds the fixtures beside the repository (../shared)', () => {
    expect(fileURLToPath(FIXTURES).replace(/\\/g, '/')).toMatch(/\/shared\/fixtures\/onnx\/$/);
    expect(CASES.length).toBe(5);
  });

  for (const [key, ref] of CASES) {
    it(`${ref.file}: shape, outputs and Jacobians match PyTorch (float64) to ${TOLERANCE[key] ?? 1e-9}`, () => {
      const net = readOnnx(fixture(ref.file), { externalData });
      expect([...net.inputShape]).toEqual(ref.input_shape);
      expect(net.outputSize).toBe(ref.outputs[0]!.length);
      ref.inputs.forEach((x, k) => {
        const y = forward(net, x);
        const tol = TOLERANCE[key] ?? 1e-9;
        expect(relError(y, ref.outputs[k]!), `${key} output ${k}`).toBeLessThan(tol);
        const jac = jacobian(net, x).flat();
        expect(relError(jac, ref.jacobians[k]!.flat()), `${key} Jacobian ${k}`).toBeLessThan(tol);
      });
    });
  }

  it('keeps BatchNormalization folded into the preceding Conv (bn_avgpool)', () => {
    const net = readOnnx(fixture('bn_avgpool.onnx'));
    expect(net.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'relu', 'avgpool', 'reshape', 'dense', 'relu', 'dense']);
    expect(net.nodes[3]).toMatchObject({ countIncludePad: true });
  });

  it("reads the dynamo exporter's Reshape and residual Adds into the expected node lists", () => {
    expect(readOnnx(fixture('cnn.onnx'), { externalData }).nodes.map((n) => n.type)).toEqual([
      'input',
      'conv2d',
      'relu',
      'maxpool',
      'conv2d',
      'relu',
      'reshape',
      'dense',
    ]);
    const res = readOnnx(fixture('res.onnx'));
    expect(res.nodes.filter((n) => n.type === 'add')).toHaveLength(2);
    expect(res.nodes.find((n) => n.type === 'leaky_relu')).toMatchObject({ alpha: 0.1 });
  });

  it('lists external data files and names the missing one', () => {
    expect(onnxExternalDataFiles(fixture('mlp.onnx'))).toEqual(['mlp.onnx.data']);
    expect(onnxExternalDataFiles(fixture('res.onnx'))).toEqual([]);
    expect(() => readOnnx(fixture('mlp.onnx'))).toThrow(/mlp\.onnx\.data/);
    const missing = (): never => {
      throw new Error('ENOENT: no such file');
    };
    expect(() => readOnnx(fixture('mlp.onnx'), { externalData: missing })).toThrow(PolytopeError);
    expect(() => readOnnx(fixture('mlp.onnx'), { externalData: () => undefined })).toThrow(/'mlp\.onnx\.data'.*not found/);
    // a data file too short for the offsets in the model
    expect(() => readOnnx(fixture('mlp.onnx'), { externalData: () => new Uint8Array(100) })).toThrow(/outside 'mlp\.onnx\.data'/);
  });

  it('rejects truncated and garbage bytes with a PolytopeError', () => {
    const bytes = fixture('cnn28.onnx');
    for (const cut of [0, 1, 7, 100, 5000, bytes.length - 1]) {
      expect(() => readOnnx(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(PolytopeError);
    }
    expect(() => readOnnx(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(/not a readable ONNX model/);
    expect(() => readOnnx(new TextEncoder().encode('{"format": "polytope-lens/network@1"}'))).toThrow(PolytopeError);
    let seed = 7;
    const noise = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
    expect(() => readOnnx(noise)).toThrow(PolytopeError);
  });

  it('never throws anything but PolytopeError on corrupted models (seeded byte flips)', () => {
    const original = fixture('bn_avgpool.onnx');
    let seed = 2024;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 300; t++) {
      const bytes = Uint8Array.from(original);
      for (let k = 0; k < 1 + (t % 4); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        readOnnx(bytes);
      } catch (e) {
        expect(e, `corruption ${t}`).toBeInstanceOf(PolytopeError);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-built models

type NodeInit = MessageInitShape<typeof NodeProtoSchema>;
type TensorInit = MessageInitShape<typeof TensorProtoSchema>;

function floatTensor(name: string, dims: number[], values: number[]): TensorInit {
  return { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.DOUBLE, doubleData: values };
}

function int64Tensor(name: string, values: number[]): TensorInit {
  return { name, dims: [BigInt(values.length)], dataType: TensorProto_DataType.INT64, int64Data: values.map(BigInt) };
}

function valueInfo(name: string, dims: (number | string)[]): MessageInitShape<typeof ValueInfoProtoSchema> {
  return {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType: TensorProto_DataType.FLOAT,
          shape: create(TensorShapeProtoSchema, {
            dim: dims.map((d) =>
              create(TensorShapeProto_DimensionSchema, {
                value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
              }),
            ),
          }),
        }),
      },
    }),
  };
}

function floatAttr(name: string, f: number) {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f });
}

function intsAttr(name: string, ints: number[]) {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: ints.map(BigInt) });
}

function model(inputDims: (number | string)[], nodes: NodeInit[], initializer: TensorInit[], output: string, opset = 13): Uint8Array {
  const graph = create(GraphProtoSchema, {
    name: 'test',
    node: nodes.map((n) => create(NodeProtoSchema, n)),
    initializer: initializer.map((t) => create(TensorProtoSchema, t)),
    input: [create(ValueInfoProtoSchema, valueInfo('x', inputDims))],
    output: [create(ValueInfoProtoSchema, valueInfo(output, []))],
  });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(opset) })],
      graph,
    }),
  );
}

const W = [1, 2, -1, 0.5, 3, -2]; // 3×2 (out × in)
const B = [0.25, -1, 2];

describe('ReduceMax and ReduceMin (piecewise linear: max-pools over the reduced elements)', () => {
  const x = [3, -1, 4, 1, -5, 9, 2, -6, 5, 3, 5, -8]; // [2, 2, 3]
  const reduce = (op: string, axes: number[], keepdims: number) =>
    forward(
      readOnnx(
        model(
          ['N', 2, 2, 3],
          [
            {
              name: 'r',
              opType: op,
              input: ['x', 'axes'],
              output: ['y'],
              attribute: [create(AttributeProtoSchema, { name: 'keepdims', type: AttributeProto_AttributeType.INT, i: BigInt(keepdims) })],
            },
          ],
          [int64Tensor('axes', axes)],
          'y',
          18,
        ),
      ),
      x,
    );
  it('over the channels, over the last axis, over everything, with and without keepdims: by hand', () => {
    // channel 0 = [[3, -1, 4], [1, -5, 9]], channel 1 = [[2, -6, 5], [3, 5, -8]]
    expect(Array.from(reduce('ReduceMax', [1], 0))).toEqual([3, -1, 5, 3, 5, 9]);
    expect(Array.from(reduce('ReduceMin', [-1], 1))).toEqual([-1, -5, -6, -8]);
    expect(Array.from(reduce('ReduceMax', [2, 3], 1))).toEqual([9, 5]);
    expect(Array.from(reduce('ReduceMin', [1, 2, 3], 0))).toEqual([-8]);
  });
});

describe('readOnnx on hand-built models', () => {
  it('names the node, its op and the supported ops for an unsupported op (Sigmoid)', () => {
    const bytes = model(
      ['N', 2],
      [
        {
          name: 'fc',
          opType: 'Gemm',
          input: ['x', 'W', 'B'],
          output: ['h'],
          attribute: [create(AttributeProtoSchema, { name: 'transB', type: AttributeProto_AttributeType.INT, i: 1n })],
        },
        { name: 'squash', opType: 'Sigmoid', input: ['h'], output: ['y'] },
      ],
      [floatTensor('W', [3, 2], W), floatTensor('B', [3], B)],
      'y',
    );
    let error: unknown;
    try {
      readOnnx(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolytopeError);
    expect((error as PolytopeError).code).toBe('unsupported');
    expect((error as PolytopeError).message).toMatch(/'squash'/);
    expect((error as PolytopeError).message).toMatch(/Sigmoid/);
    expect((error as PolytopeError).message).toMatch(/supported ops: .*Gemm.*Relu/);
  });

  it('rejects Softmax, unsupported attribute values (MaxPool ceil_mode = 2) and ops from other domains with code unsupported', () => {
    const soft = model(['N', 2], [{ name: 'sm', opType: 'Softmax', input: ['x'], output: ['y'] }], [], 'y');
    expect(() => readOnnx(soft)).toThrow(/'sm' \(Softmax\).*export the logits/);
    const pool = model(
      [1, 1, 4, 4],
      [
        {
          name: 'mp',
          opType: 'MaxPool',
          input: ['x'],
          output: ['y'],
          attribute: [
            intsAttr('kernel_shape', [2, 2]),
            create(AttributeProtoSchema, { name: 'ceil_mode', type: AttributeProto_AttributeType.INT, i: 2n }),
          ],
        },
      ],
      [],
      'y',
    );
    expect(() => readOnnx(pool)).toThrow(/'mp' \(MaxPool\): attribute ceil_mode = 2; supported values are 0 and 1/);
    const ms = model(['N', 2], [{ name: 'g', opType: 'Gelu', domain: 'com.microsoft', input: ['x'], output: ['y'] }], [], 'y');
    expect(() => readOnnx(ms)).toThrow(/com\.microsoft/);
  });

  it('reads MatMul + Add (bias folded), Clip → hardtanh, Mul/Sub by constants (folded)', () => {
    // y = clip(((x @ Wᵀ) + b) * 2 − 1, −1, 1)
    const wt = [1, -1, 3, 2, 0.5, -2]; // Wᵀ as [in=2][out=3]
    const bytes = model(
      [1, 2],
      [
        { name: 'mm', opType: 'MatMul', input: ['x', 'Wt'], output: ['a'] },
        { name: 'bias', opType: 'Add', input: ['a', 'b'], output: ['c'] },
        { name: 'scale', opType: 'Mul', input: ['c', 'two'], output: ['d'] },
        { name: 'shift', opType: 'Sub', input: ['d', 'one'], output: ['e'] },
        { name: 'clip', opType: 'Clip', input: ['e', 'lo', 'hi'], output: ['y'] },
      ],
      [
        floatTensor('Wt', [2, 3], wt),
        floatTensor('b', [3], B),
        floatTensor('two', [], [2]),
        floatTensor('one', [1], [1]),
        floatTensor('lo', [], [-1]),
        floatTensor('hi', [], [1]),
      ],
      'y',
    );
    const net = readOnnx(bytes);
    expect(net.nodes.map((n) => n.type)).toEqual(['input', 'dense', 'hardtanh']);
    const x = [0.3, -0.2];
    const expected = [0, 1, 2].map((o) => {
      const pre = (wt[o]! * x[0]! + wt[3 + o]! * x[1]! + B[o]!) * 2 - 1;
      return Math.min(1, Math.max(-1, pre));
    });
    expect(Array.from(forward(net, x))).toEqual(expected.map((v) => expect.closeTo(v, 14)));
  });

  it('folds BatchNormalization after Gemm exactly, and keeps it as channel_affine after a Relu', () => {
    const bn = (input: string, output: string): NodeInit => ({
      name: `bn_${input}`,
      opType: 'BatchNormalization',
      input: [input, 'g', 'be', 'mu', 'var'],
      output: [output],
      attribute: [floatAttr('epsilon', 1e-5)],
    });
    const inits = [
      floatTensor('W', [3, 2], W),
      floatTensor('B', [3], B),
      floatTensor('g', [3], [1, 2, 0.5]),
      floatTensor('be', [3], [0, 1, -1]),
      floatTensor('mu', [3], [0.1, 0.2, 0.3]),
      floatTensor('var', [3], [1, 4, 0.25]),
    ];
    const gemm: NodeInit = {
      name: 'fc',
      opType: 'Gemm',
      input: ['x', 'W', 'B'],
      output: ['h'],
      attribute: [create(AttributeProtoSchema, { name: 'transB', type: AttributeProto_AttributeType.INT, i: 1n })],
    };
    const folded = readOnnx(model(['N', 2], [gemm, bn('h', 'y')], inits, 'y'));
    expect(folded.nodes.map((n) => n.type)).toEqual(['input', 'dense']);
    const dense = folded.nodes[1]!;
    if (dense.type !== 'dense') throw new Error('expected dense');
    // channel 1: s = 2/√(4 + 1e-5); w' = w·s, b' = (b − mean)·s + β   (float32 epsilon read as 1e-5)
    const s1 = 2 / Math.sqrt(4 + 1e-5);
    expect(dense.weight[2]).toBe(-1 * s1);
    expect(dense.bias[1]).toBe((-1 - 0.2) * s1 + 1);

    const kept = readOnnx(model(['N', 2], [gemm, { name: 'r', opType: 'Relu', input: ['h'], output: ['a'] }, bn('a', 'y')], inits, 'y'));
    expect(kept.nodes.map((n) => n.type)).toEqual(['input', 'dense', 'relu', 'channel_affine']);
    const x = [0.7, -0.4];
    const h = [0, 1, 2].map((o) => Math.max(0, W[o * 2]! * x[0]! + W[o * 2 + 1]! * x[1]! + B[o]!));
    const g = [1, 2, 0.5];
    const be = [0, 1, -1];
    const mu = [0.1, 0.2, 0.3];
    const v = [1, 4, 0.25];
    const want = h.map((z, c) => ((z - mu[c]!) * g[c]!) / Math.sqrt(v[c]! + 1e-5) + be[c]!);
    Array.from(forward(kept, x)).forEach((y, c) => expect(y).toBeCloseTo(want[c]!, 13));
  });

  it('reads Conv with auto_pad SAME_UPPER, folds a per-channel Add into its bias, then GlobalAveragePool + Flatten', () => {
    const w = [1, 2, 3, 4, -1, 0.5, 0.25, -2]; // [2][1][2][2]
    const bytes = model(
      ['N', 1, 3, 3],
      [
        {
          name: 'conv',
          opType: 'Conv',
          input: ['x', 'w'],
          output: ['c'],
          attribute: [
            intsAttr('kernel_shape', [2, 2]),
            create(AttributeProtoSchema, {
              name: 'auto_pad',
              type: AttributeProto_AttributeType.STRING,
              s: new TextEncoder().encode('SAME_UPPER') as Uint8Array<ArrayBuffer>,
            }),
          ],
        },
        { name: 'bias', opType: 'Add', input: ['shift', 'c'], output: ['cb'] },
        { name: 'gap', opType: 'GlobalAveragePool', input: ['cb'], output: ['g'] },
        { name: 'flat', opType: 'Flatten', input: ['g'], output: ['y'] },
      ],
      [floatTensor('w', [2, 1, 2, 2], w), floatTensor('shift', [1, 2, 1, 1], [10, -10])],
      'y',
    );
    const net = readOnnx(bytes);
    expect(net.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'global_avgpool', 'reshape']);
    expect(net.nodes[1]).toMatchObject({ padding: [0, 0, 1, 1], bias: Float64Array.from([10, -10]) });
    // brute force: SAME_UPPER pads one zero row/column at the bottom/right
    const x = [0.5, -1, 2, 1.5, 0, -0.5, 3, 1, -2];
    const at = (r: number, c: number): number => (r < 3 && c < 3 ? x[r * 3 + c]! : 0);
    const want = [0, 1].map((o) => {
      let sum = 0;
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 3; c++) {
          sum += w[o * 4]! * at(r, c) + w[o * 4 + 1]! * at(r, c + 1) + w[o * 4 + 2]! * at(r + 1, c) + w[o * 4 + 3]! * at(r + 1, c + 1);
        }
      return sum / 9 + (o === 0 ? 10 : -10);
    });
    Array.from(forward(net, x)).forEach((v, o) => expect(v).toBeCloseTo(want[o]!, 13));
  });

  it('evaluates Shape → Gather → Unsqueeze → Concat → Reshape chains and honours Flatten/Identity/Dropout', () => {
    const bytes = model(
      ['batch', 2, 3, 3],
      [
        { name: 'id', opType: 'Identity', input: ['x'], output: ['x1'] },
        { name: 'drop', opType: 'Dropout', input: ['x1'], output: ['x2'] },
        { name: 'shape', opType: 'Shape', input: ['x2'], output: ['s'] },
        {
          name: 'zero',
          opType: 'Constant',
          output: ['i0'],
          attribute: [create(AttributeProtoSchema, { name: 'value_int', type: AttributeProto_AttributeType.INT, i: 0n })],
        },
        { name: 'gather', opType: 'Gather', input: ['s', 'i0'], output: ['n'] },
        { name: 'unsq', opType: 'Unsqueeze', input: ['n', 'axes'], output: ['n1'] },
        {
          name: 'cat',
          opType: 'Concat',
          input: ['n1', 'minus1'],
          output: ['target'],
          attribute: [create(AttributeProtoSchema, { name: 'axis', type: AttributeProto_AttributeType.INT, i: 0n })],
        },
        { name: 'reshape', opType: 'Reshape', input: ['x2', 'target'], output: ['flat'] },
        { name: 'relu', opType: 'Relu', input: ['flat'], output: ['y'] },
      ],
      [int64Tensor('axes', [0]), int64Tensor('minus1', [-1])],
      'y',
    );
    const net = readOnnx(bytes);
    expect([...net.inputShape]).toEqual([2, 3, 3]);
    expect(net.nodes.map((n) => n.type)).toEqual(['input', 'reshape', 'relu']);
    expect([...net.outputShape]).toEqual([18]);
  });

  it('rejects a symbolic non-batch input dimension and a batch-mixing Reshape', () => {
    const relu: NodeInit = { name: 'r', opType: 'Relu', input: ['x'], output: ['y'] };
    expect(() => readOnnx(model(['N', 'features'], [relu], [], 'y'))).toThrow(/symbolic \('features'\)/);
    const bad = model(
      [1, 4],
      [{ name: 'rs', opType: 'Reshape', input: ['x', 'shape'], output: ['y'] }],
      [int64Tensor('shape', [2, 2])],
      'y',
    );
    expect(() => readOnnx(bad)).toThrow(/batch dimension/);
  });

  it('reads float attributes as the decimal the exporter was given', () => {
    expect(float32Decimal(Math.fround(0.1))).toBe(0.1);
    expect(float32Decimal(Math.fround(1e-5))).toBe(1e-5);
    expect(float32Decimal(0.5)).toBe(0.5);
    expect(float32Decimal(Math.fround(1 / 3))).toBe(0.33333334);
  });
});

describe('ONNX op table', () => {
  it('SUPPORTED_ONNX_OPS is the sorted key list of the op table', () => {
    expect(SUPPORTED_ONNX_OPS).toEqual([
      'Add',
      'AveragePool',
      'BatchNormalization',
      'Cast',
      'Clip',
      'Concat',
      'Constant',
      'ConstantOfShape',
      'Conv',
      'Div',
      'Dropout',
      'Flatten',
      'Gather',
      'Gemm',
      'GlobalAveragePool',
      'GlobalMaxPool',
      'Identity',
      'LeakyRelu',
      'MatMul',
      'Max',
      'MaxPool',
      'Min',
      'Mul',
      'PRelu',
      'Pad',
      'ReduceMax',
      'ReduceMean',
      'ReduceMin',
      'Relu',
      'Reshape',
      'Resize',
      'Shape',
      'Slice',
      'Split',
      'Squeeze',
      'Sub',
      'Transpose',
      'Unsqueeze',
      'Upsample',
    ]);
    expect(Object.isFrozen(SUPPORTED_ONNX_OPS)).toBe(true);
  });

  it('op types named like Object.prototype members are refused as unsupported ops, not a TypeError', () => {
    for (const op of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const bytes = model(['N', 2], [{ name: 'p', opType: op, input: ['x'], output: ['y'] }], [], 'y');
      let error: unknown;
      try {
        readOnnx(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PolytopeError);
      expect((error as PolytopeError).code).toBe('unsupported');
      expect((error as PolytopeError).message).toContain(`op '${op}' is not supported`);
    }
  });

  it('one-sided Clip: max(x, m) = relu(x − m) + m and min(x, M) = M − relu(M − x), node by node', () => {
    const lower = readOnnx(
      model(['N', 2], [{ name: 'c', opType: 'Clip', input: ['x', 'lo'], output: ['y'] }], [floatTensor('lo', [], [-0.5])], 'y'),
    );
    expect(lower.nodes.slice(1).map((n) => [n.type, n.name])).toEqual([
      ['channel_affine', 'c/shift'],
      ['relu', 'c'],
      ['channel_affine', 'c/unshift'],
    ]);
    expect(Array.from(forward(lower, [-2, 3]))).toEqual([-0.5, 3]);
    const upper = readOnnx(
      model(['N', 2], [{ name: 'c', opType: 'Clip', input: ['x', '', 'hi'], output: ['y'] }], [floatTensor('hi', [], [0.5])], 'y'),
    );
    expect(upper.nodes.slice(1).map((n) => [n.type, n.name])).toEqual([
      ['channel_affine', 'c/flip'],
      ['relu', 'c'],
      ['channel_affine', 'c/unflip'],
    ]);
    expect(Array.from(forward(upper, [-2, 3]))).toEqual([-2, 0.5]);
  });
});

function strAttr(name: string, value: string) {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.STRING,
    s: Uint8Array.from(value, (ch) => ch.charCodeAt(0)),
  });
}

function codeOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof PolytopeError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a PolytopeError');
}

describe('readOnnx refuses bad graphs with a located one-line message', () => {
  const relu = (input: string, output: string, name = output): NodeInit => ({ name, opType: 'Relu', input: [input], output: [output] });
  it('a dangling input or a cycle (an input produced later)', () => {
    const dangling = model(['N', 2], [relu('x', 'a'), { name: 'sum', opType: 'Add', input: ['a', 'ghost'], output: ['y'] }], [], 'y');
    expect(codeOf(() => readOnnx(dangling)).message).toMatch(
      /'sum' \(Add\): input 'ghost' is not produced by any earlier node.*topological order/,
    );
    const cycle = model(['N', 2], [{ name: 'sum', opType: 'Add', input: ['x', 'y'], output: ['a'] }, relu('a', 'y')], [], 'y');
    expect(codeOf(() => readOnnx(cycle)).message).toMatch(/'sum' \(Add\): input 'y' is not produced by any earlier node/);
  });
  it('shape mismatches in Concat and Add of computed tensors (shape-mismatch)', () => {
    const pads = int64Tensor('p', [0, 0, 0, 0, 0, 0, 1, 0]);
    const nodes: NodeInit[] = [
      relu('x', 'a'),
      { name: 'pad', opType: 'Pad', input: ['x', 'p'], output: ['b'] },
      {
        name: 'cat',
        opType: 'Concat',
        input: ['a', 'b'],
        output: ['y'],
        attribute: [create(AttributeProtoSchema, { name: 'axis', type: AttributeProto_AttributeType.INT, i: 1n })],
      },
    ];
    let r = codeOf(() => readOnnx(model([1, 2, 3, 3], nodes, [pads], 'y')));
    expect(r.code).toBe('shape-mismatch');
    expect(r.message).toMatch(/'cat' \(Concat\): cannot concatenate \[N, 2, 3, 3\] and \[N, 2, 4, 3\] along axis 1/);
    r = codeOf(() =>
      readOnnx(
        model(
          [1, 2, 3, 3],
          [
            relu('x', 'a'),
            { name: 'pad', opType: 'Pad', input: ['x', 'p'], output: ['b'] },
            { name: 'sum', opType: 'Add', input: ['a', 'b'], output: ['y'] },
          ],
          [pads],
          'y',
        ),
      ),
    );
    expect(r.code).toBe('shape-mismatch');
    expect(r.message).toMatch(/'sum' \(Add\): cannot add tensors of shapes \[N, 2, 3, 3\] and \[N, 2, 4, 3\]/);
  });
  it('unsupported attribute values name the node, the attribute, its value and what is supported', () => {
    const pad = model(
      [1, 1, 3, 3],
      [{ name: 'mirror', opType: 'Pad', input: ['x', 'p'], output: ['y'], attribute: [strAttr('mode', 'mirror')] }],
      [int64Tensor('p', [0, 0, 1, 1, 0, 0, 1, 1])],
      'y',
    );
    let r = codeOf(() => readOnnx(pad));
    expect(r.code).toBe('unsupported');
    expect(r.message).toMatch(/'mirror' \(Pad\): attribute mode = 'mirror' is not supported; supported: constant, reflect, edge, wrap/);
    const resize = model(
      [1, 1, 3, 3],
      [{ name: 'up', opType: 'Resize', input: ['x', '', 's'], output: ['y'], attribute: [strAttr('mode', 'area')] }],
      [floatTensor('s', [4], [1, 1, 2, 2])],
      'y',
    );
    r = codeOf(() => readOnnx(resize));
    expect(r.message).toMatch(/'up' \(Resize\): attribute mode = 'area' is not supported; supported: 'nearest', 'linear', 'cubic'/);
    const tf = model(
      [1, 1, 3, 3],
      [
        {
          name: 'up',
          opType: 'Resize',
          input: ['x', '', 's'],
          output: ['y'],
          attribute: [strAttr('coordinate_transformation_mode', 'tf_crop_and_resize')],
        },
      ],
      [floatTensor('s', [4], [1, 1, 2, 2])],
      'y',
    );
    expect(codeOf(() => readOnnx(tf)).message).toMatch(
      /coordinate_transformation_mode = 'tf_crop_and_resize' is not supported; supported: half_pixel, pytorch_half_pixel, align_corners, asymmetric/,
    );
    const perm = model(
      [1, 2, 3],
      [{ name: 't', opType: 'Transpose', input: ['x'], output: ['y'], attribute: [intsAttr('perm', [1, 0, 2])] }],
      [],
      'y',
    );
    expect(codeOf(() => readOnnx(perm)).message).toMatch(
      /'t' \(Transpose\): attribute perm = \[1, 0, 2\] moves the batch dimension; supported: perm\[0\] = 0/,
    );
  });
  it('dynamic sizes: names the dimension and the fix; inputShape fills them', () => {
    const bytes = model(['N', 1, 'H', 4], [relu('x', 'y')], [], 'y');
    const r = codeOf(() => readOnnx(bytes));
    expect(r.code).toBe('unsupported');
    expect(r.message).toMatch(/graph input 'x' dimension 2 is symbolic \('H'\).*--input-shape.*options\.inputShape/);
    expect([...readOnnx(bytes, { inputShape: [1, 5, 4] }).inputShape]).toEqual([1, 5, 4]);
    expect(codeOf(() => readOnnx(bytes, { inputShape: [1, 5, 3] })).message).toMatch(/dimension 3 as 3, but graph input 'x' fixes it to 4/);
    expect(codeOf(() => readOnnx(bytes, { inputShape: [1, 5] })).code).toBe('shape-mismatch');
  });
  it('initializers whose declared size exceeds their data, or the memory budget, are refused before allocating', () => {
    const huge = model(
      ['N', 2],
      [{ name: 'fc', opType: 'MatMul', input: ['x', 'W'], output: ['y'] }],
      [floatTensor('W', [2, 4_000_000_000], W)],
      'y',
    );
    const r = codeOf(() => readOnnx(huge));
    expect(r.code).toBe('bad-file');
    expect(r.message).toMatch(/initializer 'W' has 6 values, expected 8000000000 for shape \[2, 4000000000\]/);
    const small = model(['N', 2], [{ name: 'fc', opType: 'MatMul', input: ['x', 'W'], output: ['y'] }], [floatTensor('W', [2, 3], W)], 'y');
    expect(readOnnx(small).outputSize).toBe(3);
    const b = codeOf(() => readOnnx(small, { maxBytes: 40 }));
    expect(b.code).toBe('too-large');
    expect(b.message).toMatch(/initializer 'W' has 6 elements.*48 bytes.*budget of 40 bytes \(raise it with options\.maxBytes/);
  });
  it('a final Softmax is dropped with dropSoftmax (the logits are analysed); one inside the network never is', () => {
    const bytes = model(
      ['N', 2],
      [
        {
          name: 'fc',
          opType: 'Gemm',
          input: ['x', 'W', 'B'],
          output: ['h'],
          attribute: [create(AttributeProtoSchema, { name: 'transB', type: AttributeProto_AttributeType.INT, i: 1n })],
        },
        { name: 'sm', opType: 'Softmax', input: ['h'], output: ['y'] },
      ],
      [floatTensor('W', [3, 2], W), floatTensor('B', [3], B)],
      'y',
    );
    const net = readOnnx(bytes, { dropSoftmax: true });
    expect(Array.from(forward(net, [1, 2]))).toEqual([1 * 1 + 2 * 2 + 0.25, -1 + 2 * 0.5 - 1, 3 - 4 + 2]);
    const inner = model(['N', 2], [{ name: 'sm', opType: 'Softmax', input: ['x'], output: ['h'] }, relu('h', 'y')], [], 'y');
    expect(codeOf(() => readOnnx(inner, { dropSoftmax: true })).message).toMatch(
      /'sm' \(Softmax\): Softmax inside the network is not piecewise-linear/,
    );
  });
  it('Max and Min of a computed tensor and a constant are exact (relu lowering)', () => {
    const bytes = model(
      [1, 3],
      [
        { name: 'mx', opType: 'Max', input: ['x', 'c'], output: ['a'] },
        { name: 'mn', opType: 'Min', input: ['a', 'd'], output: ['y'] },
      ],
      [floatTensor('c', [3], [0.5, -1, 0]), floatTensor('d', [1], [0.75])],
      'y',
    );
    const net = readOnnx(bytes);
    const x = [0.25, -2, 3];
    expect(Array.from(forward(net, x))).toEqual([0.5, -1, 0.75]);
    expect(Array.from(forward(net, [0.6, 0.7, -0.5]))).toEqual([0.6, 0.7, 0]);
  });
});
