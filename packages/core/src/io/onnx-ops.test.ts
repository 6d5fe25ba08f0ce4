/**
 * The ONNX ops behind torchvision's CNNs (Concat, Split/Slice, Transpose, Pad, Resize, ReduceMean,
 * pools with ceil_mode, GlobalMaxPool, Clip, PRelu, Max/Min, broadcast constants, computed Sub),
 * checked against PyTorch: the fixtures in packages/core/test/fixtures/ops were exported by
 * make_ops.py there (torch 1.13) with float64 reference outputs and Jacobians of the same modules.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forward, forwardWithCode } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import { prepareNetwork } from '../network/prepared.js';
import type { PreparedNetwork } from '../network/prepared.js';
import type { Network, NodeSpec } from '../network/network.js';
import { partitionLine } from '../regions/line.js';
import { planeThrough, slicePlane } from '../regions/slice.js';
import { validateLine, validateSlice } from '../regions/validate.js';
import { affineMapAt, jacobianForward, jacobianReverse } from '../spline/affine.js';
import { readOnnx } from './onnx.js';
import { writeOnnx } from './onnx-export.js';
import { readNetworkJson, writeNetworkJson } from './network-json.js';

const DIR = new URL('../../test/fixtures/ops/', import.meta.url);
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(name, DIR)));

interface Case {
  file: string;
  input_shape: number[];
  inputs: number[][];
  outputs: number[][];
  jacobian: number[][];
}
const CASES = JSON.parse(new TextDecoder().decode(fixture('ops.json'))) as Record<string, Case>;

/** max |a − b| / max |b|. */
function relError(a: ArrayLike<number>, b: readonly number[]): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return err / (scale || 1);
}

function types(net: Network): string[] {
  return [...new Set(net.nodes.map((n) => n.type))].sort();
}

describe('ONNX ops against PyTorch (float64 references)', () => {
  for (const [name, ref] of Object.entries(CASES)) {
    it(`${name}: outputs and Jacobian match PyTorch to 1e-9`, () => {
      const net = readOnnx(fixture(ref.file));
      expect([...net.inputShape]).toEqual(ref.input_shape);
      ref.inputs.forEach((x, k) => expect(relError(forward(net, x), ref.outputs[k]!), `output ${k}`).toBeLessThan(1e-9));
      const a = affineMapAt(net, ref.inputs[0]!);
      expect(relError(a.jacobian, ref.jacobian.flat())).toBeLessThan(1e-9);
    });
  }
});

describe('the fixtures read into the intended node types', () => {
  const kinds = (name: string): string[] => types(readOnnx(fixture(`${name}.onnx`)));
  it('shuffle: split → slice, concat, channel shuffle → reshape/transpose', () => {
    expect(kinds('shuffle')).toEqual(expect.arrayContaining(['concat', 'slice', 'transpose', 'reshape']));
  });
  it('pad_resize: pad, nearest/bilinear resizes, reduce_mean', () => {
    const net = readOnnx(fixture('pad_resize.onnx'));
    expect(types(net)).toEqual(expect.arrayContaining(['pad', 'resize', 'reduce_mean']));
    const modes = net.nodes.flatMap((n) => (n.type === 'resize' ? [`${n.mode}/${n.coordinateMode}`] : []));
    expect(modes).toEqual(expect.arrayContaining(['nearest/asymmetric', 'linear/align_corners']));
    expect(modes.some((m) => m.startsWith('linear/') && m.includes('half_pixel'))).toBe(true);
  });
  it('pools: ceil_mode pools, a global max-pool and a global average pool', () => {
    const net = readOnnx(fixture('pools.onnx'));
    expect(net.nodes.filter((n) => (n.type === 'maxpool' || n.type === 'avgpool') && n.ceilMode === true).length).toBeGreaterThanOrEqual(3);
    expect(types(net)).toEqual(expect.arrayContaining(['global_avgpool', 'maxpool', 'avgpool']));
  });
  it('clips: prelu, hardtanh (ReLU6), add with coefficients (Max/Min and Sub)', () => {
    const net = readOnnx(fixture('clips.onnx'));
    expect(types(net)).toEqual(expect.arrayContaining(['prelu', 'hardtanh', 'add', 'relu', 'broadcast_affine']));
    expect(net.nodes.some((n) => n.type === 'hardtanh' && n.min === 0 && n.max === 6)).toBe(true);
    expect(net.nodes.some((n) => n.type === 'add' && n.coefficients?.join() === '1,-1')).toBe(true);
  });
  it('pads_cubic: reflect/edge pads, cubic resizes (PyTorch coefficient −0.75), broadcasting adds of computed tensors', () => {
    const net = readOnnx(fixture('pads_cubic.onnx'));
    const pads = net.nodes.flatMap((n) => (n.type === 'pad' ? [n.mode ?? 'constant'] : []));
    expect(pads).toEqual(expect.arrayContaining(['reflect', 'edge']));
    const cubic = net.nodes.filter((n) => n.type === 'resize' && n.mode === 'cubic');
    expect(cubic.map((n) => (n.type === 'resize' ? n.coordinateMode : ''))).toEqual(expect.arrayContaining(['align_corners']));
    expect(cubic.every((n) => n.type === 'resize' && n.cubicCoeffA === -0.75)).toBe(true);
    const shapes = (i: number) => net.nodes[i]!.shape.join('x');
    expect(net.nodes.some((n) => n.type === 'add' && n.inputs.some((i) => shapes(i) !== n.shape.join('x')))).toBe(true);
  });
  it('affine: constants varying inside a channel become broadcast_affine nodes', () => {
    expect(kinds('affine')).toContain('broadcast_affine');
  });
});

describe('every new node type in every analysis', () => {
  for (const [name, ref] of Object.entries(CASES)) {
    it(`${name}: reverse-mode Jacobian = forward mode; network JSON and ONNX round trips`, () => {
      const net = readOnnx(fixture(ref.file));
      const x = ref.inputs[1]!;
      const { code } = forwardWithCode(net, x);
      const jf = jacobianForward(net, code, x);
      const jr = jacobianReverse(net, code);
      expect(relError(jr, Array.from(jf))).toBeLessThan(1e-12);
      // Network JSON: readable DAG form, values bit for bit.
      const json = writeNetworkJson(net);
      const back = readNetworkJson(JSON.parse(JSON.stringify(json)));
      expect(back.nodes.map((n) => n.type)).toEqual(net.nodes.map((n) => n.type));
      expect(Array.from(forward(back, x))).toEqual(Array.from(forward(net, x)));
      // ONNX export: weights are float32 there, everything else the same.
      const again = readOnnx(writeOnnx(net));
      expect(relError(forward(again, x), Array.from(forward(net, x)))).toBeLessThan(1e-6);
    });
  }
});

/** Code key of a point. */
const keyAt = (net: PreparedNetwork, x: ArrayLike<number>): string => forwardWithCode(net, x).code.join(',');

describe('exact partitions of prelu / clip / max / pool networks agree with dense sampling', () => {
  for (const name of ['clips', 'pools', 'shuffle', 'affine', 'pads_cubic']) {
    it(`${name}: line between two inputs`, () => {
      const ref = CASES[name]!;
      const net = prepareNetwork(readOnnx(fixture(ref.file)));
      const [x0, x1] = [ref.inputs[0]!, ref.inputs[2]!];
      const res = partitionLine(net, x0, x1);
      expect(validateLine(net, x0, x1, res).problems).toEqual([]);
      const N = 300;
      const x = new Float64Array(x0.length);
      let changes = 0;
      let last = '';
      for (let k = 0; k <= N; k++) {
        const t = (k + 0.5) / (N + 1);
        for (let i = 0; i < x.length; i++) x[i] = x0[i]! + t * (x1[i]! - x0[i]!);
        const key = keyAt(net, x);
        if (key !== last) changes++;
        last = key;
        const piece = res.pieces.find((p) => p.t0 <= t && t <= p.t1)!;
        expect(piece.code.join(','), `code at t = ${t}`).toBe(key);
      }
      expect(res.pieces.length).toBeGreaterThanOrEqual(changes);
      expect(res.pieces.length).toBeGreaterThan(1);
    });
  }
  it('clips: plane slice through three inputs; every sampled code is a region', () => {
    const ref = CASES['clips']!;
    const net = prepareNetwork(readOnnx(fixture(ref.file)));
    const plane = planeThrough(ref.inputs[0]!, ref.inputs[1]!, ref.inputs[2]!);
    const box = [-0.25, 1.25, -0.25, 1.25];
    const res = slicePlane(net, plane, box);
    expect(validateSlice(net, res).problems).toEqual([]);
    const codes = new Set(res.regions.map((r) => r.code.join(',')));
    const x = new Float64Array(net.network.inputSize);
    for (let a = 0; a < 16; a++) {
      for (let b = 0; b < 16; b++) {
        const s = box[0]! + ((a + 0.5) / 16) * (box[1]! - box[0]!);
        const t = box[2]! + ((b + 0.5) / 16) * (box[3]! - box[2]!);
        for (let i = 0; i < x.length; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
        expect(codes.has(keyAt(net, x))).toBe(true);
      }
    }
  });
});

describe('pooling with ceil_mode against PyTorch (F.avg_pool2d / F.max_pool2d, float64)', () => {
  const pool = (spec: Record<string, unknown>, shape: number[], x: number[]): number[] =>
    Array.from(forward(buildNetwork(shape, [{ inputs: [0], ...spec } as unknown as NodeSpec]), x));
  const ramp = Array.from({ length: 36 }, (_, i) => i ** 1.5 / 10);
  it('avg_pool2d(3, 2, 1, ceil_mode=True, count_include_pad=True): the last windows run past the padded input', () => {
    const y = pool(
      { type: 'avgpool', kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: true, ceilMode: true },
      [1, 6, 6],
      ramp,
    );
    const torch = [
      0.38019108482390224, 0.8574695080319387, 1.327579351175542, 0.7943868763568057, 3.120502176580623, 5.488818722063744,
      6.633561738562059, 3.6146632227600364, 8.207550916092146, 13.439523443945223, 14.99156726394399, 7.892278280859661, 5.615291041654674,
      9.053176642787363, 9.91476206948303, 5.176569810212164,
    ];
    expect(relError(y, torch)).toBeLessThan(1e-14);
  });
  it('avg_pool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)', () => {
    const y = pool(
      { type: 'avgpool', kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: false, ceilMode: true },
      [1, 6, 6],
      ramp,
    );
    const torch = [
      0.85542994085378, 1.286204262047908, 1.991369026763313, 2.3831606290704173, 4.680753264870934, 5.488818722063744, 6.633561738562059,
      7.229326445520073, 12.311326374138218, 13.439523443945223, 14.99156726394399, 15.784556561719322, 16.845873124964022,
      18.106353285574727, 19.82952413896606, 20.706279240848655,
    ];
    expect(relError(y, torch)).toBeLessThan(1e-14);
  });
  it('max_pool2d(2, 3, 1, dilation=2, ceil_mode=True) on 7×7: 3×3 output', () => {
    const x = Array.from({ length: 49 }, (_, i) => Math.sin(i));
    const y = pool(
      { type: 'maxpool', kernel: [2, 2], stride: [3, 3], padding: [1, 1, 1, 1], dilation: [2, 2], ceilMode: true },
      [1, 7, 7],
      x,
    );
    const torch = [
      0.9893582466233818, 0.4121184852417566, -0.5365729180004349, 0.6502878401571168, 0.5514266812416906, 0.9999118601072672,
      -0.9917788534431158, 0.9637953862840878, 0.7451131604793488,
    ];
    expect(relError(y, torch)).toBeLessThan(1e-15);
  });
});
