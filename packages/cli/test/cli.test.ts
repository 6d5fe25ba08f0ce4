/**
 * End-to-end tests of the `polytope` command: real files, exit codes, and no half-written outputs
 * on errors. The first test runs the real executable (the group's spawned smoke test); the others
 * run `main()` in this process (see run-cli.ts).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli as run, spawnCli } from './run-cli.js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import { readNetworkJson, writeOnnx } from '@polytope-lens/core';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/onnx/', import.meta.url));

const XOR = {
  format: 'polytope-lens/network@1',
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

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'polytope-cli-'));
}

describe('polytope slice', () => {
  it('writes the JSON contract, an SVG and a PNG for the XOR net', () => {
    // The group's spawned smoke test: the real executable and its exit status.
    const dir = tmp();
    const model = join(dir, 'xor.json');
    writeFileSync(model, JSON.stringify(XOR));
    const out = join(dir, 'xor-slice.json');
    const r = spawnCli(['slice', model, '--box', '-2,2,-2,2', '--json', out, '--validate']);
    expect(r.stderr).toMatch(/3 regions/);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary.regions).toBe(3);
    expect(json.summary.linear_regions).toBe(3);
    expect(json.summary.total_area).toBeCloseTo(16, 12);
    expect(json.summary.boundary_length).toBe(0);
    expect(typeof json.summary.seconds).toBe('number');
    expect(json.regions.map((x: { code: string }) => x.code).sort()).toEqual(['00', '10', '11']);
    for (const reg of json.regions) {
      expect(reg.vertices.length).toBeGreaterThanOrEqual(3);
      expect(reg.area).toBeGreaterThan(0);
    }
    expect(readFileSync(join(dir, 'xor-slice.svg'), 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(join(dir, 'xor-slice.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('slices cnn28.onnx through three MNIST test images', async () => {
    const dir = tmp();
    const out = join(dir, 'mnist.json');
    const r = await run([
      'slice',
      join(FIXTURES, 'cnn28.onnx'),
      '--idx',
      'mnist',
      '--rows',
      '3,10,13',
      '--box',
      '0,0.3,0,0.3',
      '--json',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary.regions).toBeGreaterThan(10);
    expect(Math.abs(json.summary.total_area - json.summary.box_area) / json.summary.box_area).toBeLessThan(1e-9);
    expect(json.plane.anchors.map((a: { name: string }) => a.name)).toEqual(['A', 'B', 'C']);
  });

  it('fails cleanly on bad input, leaving no output file behind', async () => {
    const dir = tmp();
    const model = join(dir, 'xor.json');
    writeFileSync(model, JSON.stringify(XOR));
    const cases: [string[], RegExp][] = [
      [['slice', model, '--box', '1,-1,0,1'], /empty or inverted/],
      [['slice', model, '--box', '0,1,0'], /expected 4 values/],
      [['slice', model, '--box', '0,nan,0,1'], /finite/],
      [['slice', model], /give the box \(try --box -1,1,-1,1\)/],
      [['slice', join(dir, 'missing.json'), '--box', '0,1,0,1'], /does not exist/],
      [['slice', model, '--through', '1,2;3,4'], /expected 3 vectors/],
      [['slice', model, '--through', '0,0;1,1;2,2'], /collinear/],
      [['slice', model, '--origin', '0,0'], /--origin and --dirs go together/],
      [['slice', model, '--box', '0,1,0,1', '--max-figure-regions', '-3'], /non-negative integer/],
    ];
    for (const [args, pattern] of cases) {
      const out = join(dir, 'out.json');
      const r = await run([...args, '--json', out]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack traces
      expect(existsSync(out)).toBe(false);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects malformed model files with a clear message', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "polytope-lens/network@1", "layers": [{"type": "dense", "weight": [[1, null]], "bias": [0]}]}');
    let r = await run(['inspect', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/finite number/);
    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    r = await run(['inspect', garbage]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/garbage\.onnx/);
    const nan = join(dir, 'nan.json');
    writeFileSync(nan, '{"format": "polytope-lens/network@1", "layers": [{"type": "dense", "weight": [[1, "NaN"]], "bias": [0]}]}');
    r = await run(['inspect', nan]);
    expect(r.code).toBe(2);
  });
});

describe('parallel slices', () => {
  it('give the same JSON for 1 and 2 threads, matching the single-threaded library', async () => {
    const { randomMlp, writeNetworkJson, slicePlane, inputPlane } = await import('@polytope-lens/core');
    const net = randomMlp([2, 24, 24, 1], { seed: 11 });
    const dir = tmp();
    const model = join(dir, 'net.json');
    writeFileSync(model, JSON.stringify(writeNetworkJson(net)));
    const outs = [];
    for (const t of [1, 2]) {
      const out = join(dir, `s${t}.json`);
      const r = await run(['slice', model, '--box', '-1,1,-1,1', '--threads', String(t), '--json', out, '--no-figure', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      outs.push(JSON.parse(readFileSync(out, 'utf8')));
    }
    const ref = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]).summary;
    for (const o of outs) {
      expect(o.summary.regions).toBe(ref.regions);
      expect(o.summary.linear_regions).toBe(ref.linearRegions);
      expect(o.summary.boundary_length).toBeCloseTo(ref.boundaryLength, 9);
    }
    expect(outs[0].regions).toEqual(outs[1].regions);
    expect(outs[0].boundary.length).toBe(outs[1].boundary.length);
  });
});

describe('polytope line, affine, inspect', () => {
  it('line reports the XOR breakpoints', async () => {
    const dir = tmp();
    const model = join(dir, 'xor.json');
    writeFileSync(model, JSON.stringify(XOR));
    const out = join(dir, 'line.json');
    const r = await run(['line', model, '--from', '-2,-2', '--to', '2,2', '--json', out, '--validate']);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.summary.pieces).toBe(3);
    expect(json.breakpoints).toEqual([0.375, 0.5]);
  });

  it('line on an ONNX fixture finds at least the sampled pieces', async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')).res;
    const dir = tmp();
    writeFileSync(join(dir, 'ends.json'), JSON.stringify([ref.line.x0, ref.line.x1]));
    const out = join(dir, 'line.json');
    const r = await run(['line', join(FIXTURES, 'res.onnx'), '--inputs', join(dir, 'ends.json'), '--json', out, '--no-figure']);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.pieces).toBeGreaterThanOrEqual(ref.line.sampled_pieces);
  });

  it('affine matches the reference Jacobians of mlp.onnx (external data)', async () => {
    const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8')).mlp;
    const dir = tmp();
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify(ref.inputs));
    const out = join(dir, 'affine.json');
    const r = await run(['affine', join(FIXTURES, 'mlp.onnx'), '--inputs', join(dir, 'inputs.json'), '--json', out]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.points).toHaveLength(ref.inputs.length);
    json.points.forEach((p: { jacobian: number[][]; output: number[]; offset: number[]; code: string }, i: number) => {
      const J = ref.jacobians[i];
      for (let a = 0; a < J.length; a++)
        for (let b = 0; b < J[a].length; b++) expect(Math.abs(p.jacobian[a]![b]! - J[a][b])).toBeLessThan(1e-9);
      for (let a = 0; a < p.output.length; a++)
        expect(Math.abs(p.output[a]! - ref.outputs[i][a])).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref.outputs[i][a])));
      expect(p.code).toMatch(/^[01]+\|[01]+$/);
    });
  });

  it('affine --at checks the input length', async () => {
    const r = await run(['affine', join(FIXTURES, 'mlp.onnx'), '--at', '1,2,3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/10/);
  });

  it('inspect lists layers of every fixture', async () => {
    for (const f of ['mlp.onnx', 'cnn.onnx', 'res.onnx', 'cnn28.onnx', 'bn_avgpool.onnx']) {
      const r = await run(['inspect', join(FIXTURES, f)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/parameters: \d+/);
    }
  });

  it('--input-shape fixes dynamic sizes; --logits drops a final softmax (both refused with a hint without them)', async () => {
    const ops = fileURLToPath(new URL('../../core/test/fixtures/ops/', import.meta.url));
    let r = await run(['inspect', join(ops, 'dynamic.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dimension 2 is symbolic \('H'\).*--input-shape/);
    r = await run(['inspect', join(ops, 'dynamic.onnx'), '--input-shape', '2,6,5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/input \[2, 6, 5\] → output \[2, 6, 5\]/);
    r = await run(['inspect', join(ops, 'dynamic.onnx'), '--input-shape', '2,0']);
    expect(r.code).toBe(2);
    r = await run(['inspect', join(ops, 'softmax.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ends in Softmax.*--logits/);
    r = await run(['--logits', 'inspect', join(ops, 'softmax.onnx')]);
    expect(r.code, r.stderr).toBe(0);
    r = await run(['inspect', join(ops, 'affine.onnx')]);
    expect(r.code).toBe(0);
  });

  it('--output NAME picks one output of a model with several (issue 18 #17); without it the error names the option', async () => {
    const net = readNetworkJson({
      format: 'polytope-lens/network@1',
      input: { shape: [2] },
      layers: [
        {
          type: 'dense',
          weight: [
            [1, 1],
            [1, -1],
            [2, 0],
          ],
          bias: [0, 0, 0],
        },
        { type: 'relu' },
        { type: 'dense', weight: [[1, -2, 1]], bias: [0] },
      ],
    });
    const model = fromBinary(ModelProtoSchema, writeOnnx(net));
    const g = model.graph!;
    const hidden = g.node.find((n) => n.opType === 'Relu')!.output[0]!;
    const second = create(ValueInfoProtoSchema, { ...g.output[0]!, name: hidden });
    g.output.push(second);
    const dir = mkdtempSync(join(tmpdir(), 'two-outputs-'));
    const file = join(dir, 'two.onnx');
    writeFileSync(file, toBinary(ModelProtoSchema, model));
    let r = await run(['inspect', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 outputs.*--output NAME/);
    r = await run(['--output', hidden, 'inspect', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/input \[2\] → output \[3\]/);
    r = await run(['--output', g.output[0]!.name, 'inspect', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/input \[2\] → output \[1\]/);
    r = await run(['--output', 'nope', 'inspect', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no output 'nope'/);
  });

  it('unknown commands and options exit non-zero', async () => {
    expect((await run(['frobnicate'])).code).not.toBe(0);
    expect((await run(['slice', '--wat'])).code).not.toBe(0);
  });
});
