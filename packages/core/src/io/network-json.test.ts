import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { forward } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { NETWORK_JSON_FORMAT, networkToJsonString, readNetworkJson, writeNetworkJson } from './network-json.js';
import { readOnnx } from './onnx.js';

const FIXTURES = new URL('../../../../../shared/fixtures/onnx/', import.meta.url);
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(name, FIXTURES)));

/** The minimal example from ARCHITECTURE.md. */
const MINIMAL = {
  format: NETWORK_JSON_FORMAT,
  input: { shape: [2] },
  layers: [
    {
      type: 'dense',
      weight: [
        [1, 1],
        [1, 1],
      ],
      bias: [1, 0],
    },
    { type: 'relu' },
    { type: 'dense', weight: [[1, -2]], bias: [-1] },
  ],
};

function errorOf(f: () => unknown): PolytopeError {
  try {
    f();
  } catch (e) {
    if (e instanceof PolytopeError) return e;
    throw e;
  }
  throw new Error('expected a PolytopeError');
}

/** Node-by-node equality: types, wiring, shapes, names and every value bit for bit. */
function expectSameNetwork(a: Network, b: Network): void {
  expect(b.nodes.length).toBe(a.nodes.length);
  a.nodes.forEach((na, i) => {
    const nb = b.nodes[i]!;
    expect(nb.type).toBe(na.type);
    expect([...nb.inputs]).toEqual([...na.inputs]);
    expect([...nb.shape]).toEqual([...na.shape]);
    for (const [key, value] of Object.entries(na)) {
      if (key === 'name' || key === 'inputs' || key === 'shape') continue;
      const other = (nb as unknown as Record<string, unknown>)[key];
      if (value instanceof Float64Array) {
        expect(other).toBeInstanceOf(Float64Array);
        const o = other as Float64Array;
        expect(o.length).toBe(value.length);
        for (let k = 0; k < value.length; k++)
          if (!Object.is(o[k], value[k]) && !(o[k] === 0 && value[k] === 0)) expect(o[k]).toBe(value[k]);
      } else expect(other).toEqual(value);
    }
  });
}

describe('readNetworkJson', () => {
  it('reads the minimal example (worked by hand: relu([3, 2]) = [3, 2]; 3 − 4 − 1 = −2)', () => {
    const net = readNetworkJson(MINIMAL);
    expect([...net.inputShape]).toEqual([2]);
    expect(Array.from(forward(net, [1, 1]))).toEqual([-2]);
    // from text, and without "input" (first layer dense)
    const noInput = Object.fromEntries(Object.entries(MINIMAL).filter(([key]) => key !== 'input'));
    expect(noInput).not.toHaveProperty('input');
    expect(Array.from(forward(readNetworkJson(JSON.stringify(noInput)), [1, 1]))).toEqual([-2]);
  });

  it('reads a DAG with a residual add, defaults for leaky_relu and hardtanh, and drops identity/dropout', () => {
    const net = readNetworkJson({
      format: NETWORK_JSON_FORMAT,
      input: { shape: [2] },
      layers: [
        {
          type: 'dense',
          name: 'a',
          weight: [
            [1, 0],
            [0, 1],
          ],
          bias: [0, 0],
        },
        { type: 'leaky_relu', name: 'h' },
        { type: 'dropout', p: 0.5 },
        {
          type: 'dense',
          name: 'd',
          weight: [
            [2, 0],
            [0, 2],
          ],
          bias: [1, 1],
        },
        { type: 'add', inputs: ['input', 'd'] },
        { type: 'identity' },
        { type: 'hardtanh' },
      ],
    });
    expect(net.nodes.map((n) => n.type)).toEqual(['input', 'dense', 'leaky_relu', 'dense', 'add', 'hardtanh']);
    expect(net.nodes[2]).toMatchObject({ alpha: 0.01 });
    expect(net.nodes[5]).toMatchObject({ min: -1, max: 1 });
    // x = [-1, 0.25]: h = [-0.01, 0.25]; d = 2h + 1 = [0.98, 1.5]; x + d = [-0.02, 1.75]; clamp → [-0.02, 1]
    const y = forward(net, [-1, 0.25]);
    expect(y[0]).toBeCloseTo(-0.02, 15);
    expect(y[1]).toBe(1);
    expect(
      errorOf(() =>
        readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'relu', name: 'dead' }, { type: 'relu', inputs: ['input'] }] }),
      ).message,
    ).toMatch(/layer 1 'dead' \(relu\): is not read by any later layer/);
  });

  it('folds batchnorm into the conv before it exactly, and keeps it as channel_affine otherwise', () => {
    const conv = {
      type: 'conv2d',
      name: 'c',
      weight: [
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        [
          [
            [-1, 0],
            [0, 1],
          ],
        ],
      ],
      bias: [0.5, -0.5],
      padding: 1,
    };
    const bn = { type: 'batchnorm', gamma: [2, 0.5], beta: [1, -1], mean: [0.1, 0.2], var: [4, 0.25], eps: 0 };
    const folded = readNetworkJson({ format: NETWORK_JSON_FORMAT, input: { shape: [1, 3, 3] }, layers: [conv, bn, { type: 'relu' }] });
    expect(folded.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'relu']);
    const c = folded.nodes[1]!;
    if (c.type !== 'conv2d') throw new Error('expected conv2d');
    // eps 0: s = γ/√var = [1, 1]; w' = w, b' = (b − mean)·s + β = [1.4, -1.7]
    expect(Array.from(c.weight)).toEqual([1, 2, 3, 4, -1, 0, 0, 1]);
    expect(Array.from(c.bias)).toEqual([(0.5 - 0.1) * 1 + 1, (-0.5 - 0.2) * 1 - 1]);

    // the conv also feeds a later add → cannot fold
    const kept = readNetworkJson({
      format: NETWORK_JSON_FORMAT,
      input: { shape: [1, 3, 3] },
      layers: [conv, { ...bn, name: 'bn' }, { type: 'add', inputs: ['bn', 'c'] }],
    });
    expect(kept.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'channel_affine', 'add']);
    expect(kept.nodes[2]).toMatchObject({ scale: Float64Array.from([1, 1]), shift: Float64Array.from([1 - 0.1, -1 - 0.2]) });
  });

  it('issue 10: layer types named after Object.prototype members are unknown types, not a TypeError', () => {
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const e = errorOf(() => readNetworkJson(JSON.stringify({ ...MINIMAL, layers: [{ type }] })));
      expect(e.code).toBe('unsupported');
      expect(e.message).toMatch(new RegExp(`^layer 0 \\(${type}\\): unknown layer type "${type}"; supported types: dense, conv2d`));
    }
  });

  it('rejects a wrong format tag, unknown layer types and fields, listing what is supported', () => {
    expect(errorOf(() => readNetworkJson({ ...MINIMAL, format: 'keras' })).message).toMatch(/"format" must be "polytope-lens\/network@1"/);
    const unknown = errorOf(() => readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'softmax' }] }));
    expect(unknown.code).toBe('unsupported');
    expect(unknown.message).toMatch(/layer 1 \(softmax\): unknown layer type "softmax"; supported types: dense, conv2d/);
    expect(errorOf(() => readNetworkJson({ ...MINIMAL, layers: [{ type: 'dense', weights: [[1]] }] })).message).toMatch(
      /unknown field "weights"/,
    );
    expect(errorOf(() => readNetworkJson('{"format": ')).message).toMatch(/not valid JSON/);
  });

  it('rejects NaN/Inf written as null or strings, naming layer and entry', () => {
    const withWeight = (w: unknown) => ({
      ...MINIMAL,
      layers: [{ type: 'dense', name: 'fc1', weight: w, bias: [0, 0] }, ...MINIMAL.layers.slice(1)],
    });
    expect(
      errorOf(() =>
        readNetworkJson(
          withWeight([
            [1, null],
            [1, 1],
          ]),
        ),
      ).message,
    ).toMatch(/layer 0 'fc1' \(dense\): weight\[0\]\[1\] must be a finite number, got null/);
    expect(
      errorOf(() =>
        readNetworkJson(
          withWeight([
            [1, 1],
            ['NaN', 1],
          ]),
        ),
      ).message,
    ).toMatch(/weight\[1\]\[0\] must be a finite number, got the string "NaN"/);
    expect(
      errorOf(() =>
        readNetworkJson(
          JSON.stringify(
            withWeight([
              [1, 1],
              [1, 1],
            ]),
          ).replace('"bias":[0,0]', '"bias":[0,"Infinity"]'),
        ),
      ).message,
    ).toMatch(/bias\[1\]/);
    expect(
      errorOf(() => readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'leaky_relu', alpha: 'NaN' }] })).message,
    ).toMatch(/alpha must be a finite number/);
  });

  it('rejects wrong nesting and shape mismatches with the layer named', () => {
    const flat = errorOf(() => readNetworkJson({ ...MINIMAL, layers: [{ type: 'dense', weight: [1, 1, 1, 1], bias: [1, 0] }] }));
    expect(flat.message).toMatch(/layer 0 \(dense\): weight\[0\] must be a list \(weight is nested 2 levels deep: out × in/);
    const ragged = errorOf(() => readNetworkJson({ ...MINIMAL, layers: [{ type: 'dense', weight: [[1, 1], [1]], bias: [1, 0] }] }));
    expect(ragged.message).toMatch(/weight\[1\] has 1 entries, expected 2/);
    const mismatch = errorOf(() =>
      readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'dense', name: 'head', weight: [[1, 2, 3]], bias: [0] }] }),
    );
    expect(mismatch.message).toMatch(/layer 1 'head' \(dense\): weight is 1×3 \(out × in\) but the layer receives shape \[2\]/);
    expect(
      errorOf(() => readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'dense', weight: [[1, 1]], bias: [0, 1] }] }))
        .message,
    ).toMatch(/bias has 2 values, expected 1/);
    expect(
      errorOf(() => readNetworkJson({ ...MINIMAL, input: { shape: [2, 3, 3] }, layers: [{ type: 'conv2d', weight: [[[[1]]]] }] })).message,
    ).toMatch(/input has 2 channels/);
  });

  it('rejects add with one input and unknown input names', () => {
    const add = errorOf(() => readNetworkJson({ ...MINIMAL, layers: [...MINIMAL.layers, { type: 'add' }] }));
    expect(add.message).toMatch(/layer 3 \(add\): expects at least 2 inputs, got 1/);
    const one = errorOf(() => readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'add', inputs: ['input'] }] }));
    expect(one.message).toMatch(/expects at least 2 inputs, got 1/);
    expect(errorOf(() => readNetworkJson({ ...MINIMAL, layers: [MINIMAL.layers[0], { type: 'relu', inputs: ['nope'] }] })).message).toMatch(
      /input "nope" does not name an earlier layer/,
    );
    expect(errorOf(() => readNetworkJson({ ...MINIMAL, layers: [{ ...MINIMAL.layers[0], name: 'input' }] })).message).toMatch(/reserved/);
    expect(errorOf(() => readNetworkJson({ format: NETWORK_JSON_FORMAT, layers: [{ type: 'relu' }] })).message).toMatch(
      /"input": \{"shape": \[...\]\} is required/,
    );
  });
});

describe('writeNetworkJson round trip', () => {
  it('writes the minimal example in its minimal form', () => {
    expect(writeNetworkJson(readNetworkJson(MINIMAL))).toEqual(MINIMAL);
    const text = networkToJsonString(readNetworkJson(MINIMAL));
    expect(text).toContain('"weight": [[1, 1], [1, 1]]');
    expect(JSON.parse(text)).toEqual(MINIMAL);
  });

  it('round-trips every layer type exactly (float64 bit patterns), including a DAG', () => {
    // 123456789.12345679 is the shortest spelling of the double nearest 123456789.123456789
    const tricky = [0.1, 1 / 3, -2.5e-308, 1.7976931348623157e308, 5e-324, Math.PI, -0, 123456789.12345679];
    const net = readNetworkJson({
      format: NETWORK_JSON_FORMAT,
      input: { shape: [2, 6, 6] },
      layers: [
        {
          type: 'conv2d',
          name: 'stem',
          weight: [
            [
              [
                [tricky[0], tricky[1]],
                [tricky[2], tricky[3]],
              ],
            ],
            [
              [
                [tricky[4], tricky[5]],
                [tricky[6], tricky[7]],
              ],
            ],
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
            [
              [
                [5, 6],
                [7, 8],
              ],
            ],
          ],
          bias: [0.1, 0.2, 0.3, 0.4],
          stride: [1, 1],
          padding: [1, 0, 0, 1],
          dilation: 1,
          groups: 2,
        },
        { type: 'channel_affine', scale: [1e-3, 2, 3, 4], shift: [0.5, -0.5, 0, 1] },
        { type: 'maxpool', kernel_size: 2, stride: 1, padding: 1, dilation: [1, 1] },
        { type: 'leaky_relu', alpha: 0.2, name: 'trunk' },
        { type: 'avgpool', kernel_size: [2, 2], stride: 2, padding: [1, 0], count_include_pad: false },
        { type: 'reshape', shape: [4, -1] },
        { type: 'reshape', shape: [4, 4, 3] },
        { type: 'global_avgpool' },
        { type: 'flatten', name: 'feat' },
        {
          type: 'dense',
          weight: [
            [1, 2, 3, 4],
            [0.25, 0.5, 0.75, 1],
            [-1, -1, -1, -1],
            [1e-9, 0, 0, 1e9],
          ],
          bias: [0, 0, 0, 0.1],
        },
        { type: 'hardtanh', min: -0.5, max: 2, name: 'clamp' },
        { type: 'add', inputs: ['feat', 'clamp'] },
        { type: 'relu' },
      ],
    });
    expect(net.nodes.map((n) => n.type)).toEqual([
      'input',
      'conv2d',
      'channel_affine',
      'maxpool',
      'leaky_relu',
      'avgpool',
      'reshape',
      'reshape',
      'global_avgpool',
      'reshape',
      'dense',
      'hardtanh',
      'add',
      'relu',
    ]);
    const doc = writeNetworkJson(net);
    const again = readNetworkJson(JSON.parse(JSON.stringify(doc)));
    expectSameNetwork(net, again);
    expect(JSON.stringify(writeNetworkJson(again))).toBe(JSON.stringify(doc));
    const conv = again.nodes[1]!;
    if (conv.type !== 'conv2d') throw new Error('expected conv2d');
    expect(Array.from(conv.weight.subarray(0, 8))).toEqual(tricky.map((v) => (v === 0 ? 0 : v)));
  });

  it('round-trips arbitrary finite float64 weights bit for bit (property)', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(finite, { minLength: 16, maxLength: 16 }),
        fc.array(finite, { minLength: 4, maxLength: 4 }),
        (nIn, nOut, w, b) => {
          const weight = Array.from({ length: nOut }, (_, o) => w.slice(o * nIn, o * nIn + nIn));
          const net = readNetworkJson({
            format: NETWORK_JSON_FORMAT,
            layers: [{ type: 'dense', weight, bias: b.slice(0, nOut) }, { type: 'relu' }],
          });
          expectSameNetwork(net, readNetworkJson(networkToJsonString(net)));
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('round-trips the ONNX fixtures (names, DAG wiring, float32-derived values) and keeps their outputs', () => {
    const reference = JSON.parse(new TextDecoder().decode(fixture('reference.json'))) as Record<string, { inputs: number[][] }>;
    for (const key of ['res', 'cnn28']) {
      const net = readOnnx(fixture(`${key}.onnx`));
      const again = readNetworkJson(networkToJsonString(net));
      expectSameNetwork(net, again);
      expect(again.nodes.map((n) => n.name)).toEqual(net.nodes.map((n) => n.name));
      const x = reference[key]!.inputs[0]!;
      expect(Array.from(forward(again, x))).toEqual(Array.from(forward(net, x)));
    }
    const bn = readOnnx(fixture('bn_avgpool.onnx'));
    expectSameNetwork(bn, readNetworkJson(writeNetworkJson(bn)));
  });
});

describe('the DAG layers (concat, pad, slice, transpose, resize, reduce_mean, broadcast_affine, add with coefficients, prelu)', () => {
  const doc = {
    format: NETWORK_JSON_FORMAT,
    input: { shape: [1, 2, 3] },
    layers: [
      { type: 'pad', name: 'padded', pads: [0, 1, 0, 0, 0, 1], value: 0.5 },
      { type: 'slice', name: 'top', inputs: ['padded'], starts: [0], ends: [2], axes: [1], steps: [1] },
      { type: 'slice', name: 'bottom', inputs: ['padded'], starts: [-1], ends: [-4], axes: [1], steps: [-1] },
      { type: 'concat', name: 'both', inputs: ['top', 'bottom'], axis: 0 },
      { type: 'transpose', name: 't', perm: [0, 2, 1] },
      { type: 'resize', name: 'up', size: [2, 5, 2], mode: 'linear', coordinate_mode: 'align_corners' },
      { type: 'broadcast_affine', name: 'aff', scale: [[[2]], [[-1]]], shift: 0.25 },
      { type: 'prelu', name: 'act', slope: [[[0.5]], [[-0.25]]] },
      { type: 'reduce_mean', name: 'mean', axes: [2], keepdims: false },
      { type: 'flatten', name: 'flat' },
      { type: 'slice', name: 'half', starts: [0], ends: [5], axes: [0], steps: [1] },
      { type: 'slice', name: 'rest', inputs: ['flat'], starts: [5], ends: [10], axes: [0], steps: [1] },
      { type: 'add', inputs: ['half', 'rest', 'half'], coefficients: [1, -2, 0.5] },
    ],
  };
  it('refuses a concat whose other axes differ, naming the layer', () => {
    expect(() => readNetworkJson(doc)).toThrow(
      /layer 3 'both' \(concat\): cannot concatenate shapes \[1, 2, 4\], \[1, 3, 4\] along axis 0/,
    );
  });
  it('reads, evaluates as written by hand, and round-trips', () => {
    const ok = JSON.parse(JSON.stringify(doc)) as typeof doc;
    ok.layers[3] = { type: 'concat', name: 'both', inputs: ['top', 'bottom'], axis: 1 } as never;
    const net = readNetworkJson(ok);
    expect(net.nodes.map((n) => n.type)).toEqual([
      'input',
      'pad',
      'slice',
      'slice',
      'concat',
      'transpose',
      'resize',
      'broadcast_affine',
      'prelu',
      'reduce_mean',
      'reshape',
      'slice',
      'slice',
      'add',
    ]);
    const x = [0.5, -1, 2, 1.5, -0.25, 3];
    // By hand: pad → [1, 3, 4]; top rows 0..1, bottom rows 2, 1, 0 → concat [1, 5, 4]; transpose → [1, 4, 5];
    // resize align_corners to [2, 5, 2]: channel axis 1 → 2 copies; rows 4 → 5 at (i·3/4); columns 5 → 2 at 0 and 4.
    const p = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => (r === 0 || c === 3 ? 0.5 : x[(r - 1) * 3 + c]!)));
    const cat = [p[0]!, p[1]!, p[2]!, p[1]!, p[0]!]; // [5][4]
    const tr = [0, 1, 2, 3].map((c) => [0, 1, 2, 3, 4].map((r) => cat[r]![c]!)); // [4][5]
    const rows = [0, 1, 2, 3, 4].map((i) => {
      const s = (i * 3) / 4;
      const i0 = Math.floor(s);
      const l = s - i0;
      const i1 = Math.min(i0 + 1, 3);
      return [0, 4].map((c) => (1 - l) * tr[i0]![c]! + l * tr[i1]![c]!);
    }); // [5][2]
    const out: number[] = [];
    for (const [ch, sc, sl] of [
      [0, 2, 0.5],
      [1, -1, -0.25],
    ] as const) {
      void ch;
      for (const row of rows) {
        const v = row.map((u) => u * sc + 0.25).map((u) => (u > 0 ? u : sl * u));
        out.push((v[0]! + v[1]!) / 2);
      }
    }
    const expected = out.slice(0, 5).map((h, k) => h - 2 * out[5 + k]! + 0.5 * h);
    const y = Array.from(forward(net, x));
    y.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 13));
    const written = writeNetworkJson(net);
    expect((written as { layers: { type: string }[] }).layers.map((l) => l.type)).toContain('broadcast_affine');
    const text = networkToJsonString(net);
    const layers = (JSON.parse(text) as { layers: Record<string, unknown>[] }).layers;
    // Readable: the op's attributes, not a matrix.
    expect(layers[5]).toEqual({
      type: 'resize',
      name: 'up',
      size: [2, 5, 2],
      mode: 'linear',
      coordinate_mode: 'align_corners',
      nearest_mode: 'round_prefer_floor',
    });
    expect(layers[6]).toEqual({ type: 'broadcast_affine', name: 'aff', scale: [[[2]], [[-1]]], shift: 0.25 });
    expect(layers[12]).toMatchObject({ type: 'add', inputs: ['half', 'rest', 'half'], coefficients: [1, -2, 0.5] });
    const back = readNetworkJson(JSON.parse(text));
    expect(Array.from(forward(back, x))).toEqual(y);
  });
  it('refuses bad attributes and a reference to a later layer (no cycles) with the layer named', () => {
    const bad =
      (layer: Record<string, unknown>, extra: Record<string, unknown>[] = []) =>
      () =>
        readNetworkJson({ format: NETWORK_JSON_FORMAT, input: { shape: [2, 3, 3] }, layers: [...extra, layer] });
    expect(bad({ type: 'transpose', perm: [0, 0, 1] })).toThrow(/perm \[0, 0, 1\] is not a permutation/);
    expect(bad({ type: 'resize', size: [2, 6, 6], mode: 'area' })).toThrow(
      /layer 0 \(resize\): mode must be one of nearest, linear, cubic, got the string "area"/,
    );
    expect(bad({ type: 'pad', pads: [0, 3, 0, 0, 0, 0], mode: 'reflect' })).toThrow(
      /mode reflect pads axis 1 of \[2, 3, 3\] by 3, more than 2/,
    );
    expect(bad({ type: 'pad', pads: [0, 0, 0, 0, 0] })).toThrow(/pads must list 6 integers/);
    expect(bad({ type: 'prelu', slope: [1, 2] })).toThrow(/slope of shape \[2\] does not broadcast against the input \[2, 3, 3\]/);
    expect(bad({ type: 'add', inputs: ['input'] })).toThrow(/expects at least 2 inputs/);
    expect(bad({ type: 'relu', name: 'a', inputs: ['b'] }, [{ type: 'relu', name: 'first' }])).toThrow(
      /input "b" does not name an earlier layer/,
    );
    expect(bad({ type: 'maxpool', kernel_size: 2, ceil_mode: 'yes' })).toThrow(/ceil_mode must be true or false/);
  });
});
