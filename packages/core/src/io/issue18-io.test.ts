// Issue 18 #7 and #17 in the readers: allocation budgets checked before allocating (ONNX constant
// folding, initializers, npy/npz), duplicate ONNX output names, batch norm with negative variance.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, NodeProtoSchema, TensorProtoSchema, TensorProto_DataType } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { batchNormScale } from './layer-utils.js';
import { readNetworkJson } from './network-json.js';
import { readNpy, readNpz, writeNpy, writeNpz } from './npy.js';
import { writeOnnx } from './onnx-export.js';
import { readOnnx } from './onnx.js';

const NET = readNetworkJson({
  format: 'polytope-lens/network@1',
  input: { shape: [2] },
  layers: [
    {
      type: 'dense',
      weight: [
        [1, 1],
        [1, -1],
      ],
      bias: [0, 0],
    },
    { type: 'relu' },
    { type: 'dense', weight: [[1, -2]], bias: [0] },
  ],
});

function edit(fn: (m: ReturnType<typeof fromBinary<typeof ModelProtoSchema>>) => void): Uint8Array {
  const m = fromBinary(ModelProtoSchema, writeOnnx(NET));
  fn(m);
  return toBinary(ModelProtoSchema, m);
}

function throwsCode(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolytopeError);
    expect((e as PolytopeError).code).toBe(code);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PolytopeError');
}

describe('issue 18 #7: allocation budgets in the readers', () => {
  it('an unused Add of two constants broadcasting to [300, 300] is refused above the budget, accepted below', () => {
    const bytes = edit((m) => {
      const g = m.graph!;
      const t = (name: string, dims: number[]) =>
        create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.FLOAT, rawData: new Uint8Array(1200) });
      g.initializer.push(t('ca', [300]), t('cb', [300, 1]));
      g.node.unshift(create(NodeProtoSchema, { opType: 'Add', input: ['ca', 'cb'], output: ['unused'], name: 'bomb' }));
    });
    throwsCode(() => readOnnx(bytes, { maxBytes: 100_000 }), 'too-large', /broadcast result \[300, 300\].*allocation limit/);
    expect(readOnnx(bytes, { maxBytes: 1_000_000 }).inputSize).toBe(2);
  });
  it('an initializer above the budget is refused before its data is decoded', () => {
    throwsCode(() => readOnnx(writeOnnx(NET), { maxBytes: 8 }), 'too-large', /initializer/);
  });
  it('npy and npz: shapes above the budget are refused (npz before inflating)', () => {
    const npy = writeNpy(new Float64Array(1000), [500, 2]);
    throwsCode(() => readNpy(npy, 'x.npy', 4000), 'too-large', /allocation limit/);
    expect(readNpy(npy, 'x.npy', 8000).shape).toEqual([500, 2]);
    const npz = writeNpz({ x: { data: new Float64Array(1000), shape: [500, 2] } });
    throwsCode(() => readNpz(npz, 'x.npz', 4000), 'too-large', /inflated/);
  });
});

describe('issue 18 #17: ONNX duplicate outputs, batch norm with negative variance', () => {
  it('a graph listing one output twice is refused (onnxruntime refuses it too)', () => {
    const bytes = edit((m) => m.graph!.output.push(m.graph!.output[0]!));
    throwsCode(() => readOnnx(bytes), 'bad-file', /twice/);
  });
  it('batch norm with a negative variance names the channel, not a NaN weight', () => {
    const json = {
      format: 'polytope-lens/network@1',
      input: { shape: [2] },
      layers: [
        {
          type: 'dense',
          weight: [
            [1, 1],
            [1, -1],
          ],
          bias: [0, 0],
        },
        { type: 'batchnorm', mean: [0, 0], var: [1, -2] },
        { type: 'relu' },
        { type: 'dense', weight: [[1, -2]], bias: [0] },
      ],
    };
    throwsCode(() => readNetworkJson(json), 'bad-network', /var\[1\] is negative/);
    // ONNX BatchNormalization goes through batchNormScale (no JSON-level check there).
    throwsCode(() => batchNormScale([1, 1], [1, -2], 1e-5), 'bad-network', /channel 1: variance \+ eps must be positive/);
  });
});
