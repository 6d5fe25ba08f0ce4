/**
 * `polytope coefficients`: shards and manifest as issue 13 specifies, every sample's (J, y) equal to
 * `affineMapAt` at the image read independently from the IDX bytes, labels equal to the MNIST test
 * set's first labels (7 2 1 0 4 1 4 9 5 9, as published), and one-line errors for bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { affineMapAt, buildNetwork, gaussian, mulberry32, networkToJsonString, randomMlp, readNpy, writeNpy } from '@polytope-lens/core';
import type { NodeSpec } from '@polytope-lens/core';
import { runCli, spawnCli } from '../../test/run-cli.js';
import { mnistDefaultPath } from '../inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-coefficients-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** conv(2, 3×3, stride 2) → relu → maxpool 2 → flatten → dense 10 → relu → dense 3 on 28×28. */
function smallCnn(): string {
  const r = mulberry32(5);
  const w = (n: number, s: number) => Float64Array.from({ length: n }, () => gaussian(r) * s);
  const specs: NodeSpec[] = [
    { type: 'channel_affine', inputs: [0], scale: Float64Array.of(3.2), shift: Float64Array.of(-0.4) },
    {
      type: 'conv2d',
      inputs: [1],
      inChannels: 1,
      outChannels: 2,
      kernel: [3, 3],
      stride: [2, 2],
      padding: [0, 0, 0, 0],
      dilation: [1, 1],
      groups: 1,
      weight: w(18, 0.5),
      bias: w(2, 0.1),
    },
    { type: 'relu', inputs: [2] },
    { type: 'maxpool', inputs: [3], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] },
    { type: 'reshape', inputs: [4] },
    { type: 'dense', inputs: [5], inFeatures: 72, outFeatures: 10, weight: w(720, 0.3), bias: w(10, 0.1) },
    { type: 'relu', inputs: [6] },
    { type: 'dense', inputs: [7], inFeatures: 10, outFeatures: 3, weight: w(30, 0.5), bias: w(3, 0.1) },
  ];
  return networkToJsonString(buildNetwork([1, 28, 28], specs));
}

/** MNIST test image k as pixel / 255, read straight from the IDX bytes (16-byte header). */
let mnistBytes: Buffer | undefined;
function mnistImage(k: number): Float64Array {
  const bytes = (mnistBytes ??= readFileSync(mnistDefaultPath('test', 'images')));
  return Float64Array.from(bytes.subarray(16 + k * 784, 16 + (k + 1) * 784), (v) => v / 255);
}

interface Manifest {
  samples: number;
  outputs: number;
  inputs: number;
  shards: { jacobians: string; offsets: string; rows: [number, number] }[];
  labels?: string;
}

describe('polytope coefficients', () => {
  const model = join(dir, 'cnn.json');
  writeFileSync(model, smallCnn());
  const net = JSON.parse(readFileSync(model, 'utf8')) as unknown;

  it('writes shards equal to affineMapAt sample by sample, with labels and the manifest of the issue', async () => {
    const out = join(dir, 'mnist');
    const r = await runCli([
      'coefficients',
      model,
      '--idx',
      'mnist',
      '--rows',
      '0-11',
      '--shard-rows',
      '5',
      '--batch',
      '2',
      '--threads',
      '2',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'coefficients.json'), 'utf8')) as Manifest;
    expect({ samples: m.samples, outputs: m.outputs, inputs: m.inputs, labels: m.labels }).toEqual({
      samples: 12,
      outputs: 3,
      inputs: 784,
      labels: 'labels.npy',
    });
    expect(m.shards.map((s) => s.rows)).toEqual([
      [0, 5],
      [5, 10],
      [10, 12],
    ]);
    const labels = readNpy(readFileSync(join(out, 'labels.npy')));
    expect(labels.dtype).toBe('<i4');
    expect(Array.from(labels.data.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const { readNetworkJson } = await import('@polytope-lens/core');
    const network = readNetworkJson(net);
    let jacDiff = 0;
    let offDiff = 0;
    for (const s of m.shards) {
      const jac = readNpy(readFileSync(join(out, s.jacobians)));
      const off = readNpy(readFileSync(join(out, s.offsets)));
      expect(jac.shape).toEqual([s.rows[1] - s.rows[0], 3, 784]);
      expect(off.shape).toEqual([s.rows[1] - s.rows[0], 3]);
      for (let k = s.rows[0]; k < s.rows[1]; k++) {
        const ref = affineMapAt(network, mnistImage(k));
        const i = k - s.rows[0];
        for (let e = 0; e < 3 * 784; e++) jacDiff = Math.max(jacDiff, Math.abs(jac.data[i * 3 * 784 + e]! - ref.jacobian[e]!));
        for (let e = 0; e < 3; e++) offDiff = Math.max(offDiff, Math.abs(off.data[i * 3 + e]! - ref.offset[e]!));
      }
    }
    expect(jacDiff).toBeLessThan(1e-12);
    expect(offDiff).toBeLessThan(1e-10);
  });

  it('a one-hidden-layer net on two threads (Jacobians made in shared kernel memory, posted and reused): shards equal to affineMapAt, .npz the same', async () => {
    const mlp = join(dir, 'mlp.json');
    writeFileSync(mlp, networkToJsonString(randomMlp([784, 24, 2], { seed: 9 })));
    const network = (await import('@polytope-lens/core')).readNetworkJson(JSON.parse(readFileSync(mlp, 'utf8')) as unknown);
    const args = (out: string, format: string) =>
      ['coefficients', mlp, '--idx', 'mnist', '--rows', '0-13', '--shard-rows', '4', '--batch', '3', '--threads', '2'].concat([
        '--format',
        format,
        '--out',
        out,
        '--quiet',
      ]);
    const out = join(dir, 'mlp-npy');
    const r = await runCli(args(out, 'npy'));
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'coefficients.json'), 'utf8')) as Manifest;
    expect(m.shards).toHaveLength(4);
    const jacobians: number[] = [];
    for (const s of m.shards) {
      const jac = readNpy(readFileSync(join(out, s.jacobians)));
      const off = readNpy(readFileSync(join(out, s.offsets)));
      for (let k = s.rows[0]; k < s.rows[1]; k++) {
        const ref = affineMapAt(network, mnistImage(k));
        const i = k - s.rows[0];
        for (let e = 0; e < 2 * 784; e++) expect(Math.abs(jac.data[i * 2 * 784 + e]! - ref.jacobian[e]!)).toBeLessThan(1e-12);
        for (let e = 0; e < 2; e++) expect(Math.abs(off.data[i * 2 + e]! - ref.offset[e]!)).toBeLessThan(1e-10);
      }
      jacobians.push(...jac.data);
    }
    const npz = join(dir, 'mlp-npz');
    expect((await runCli(args(npz, 'npz'))).code).toBe(0);
    const { readNpz } = await import('@polytope-lens/core');
    const z = readNpz(readFileSync(join(npz, 'coefficients.npz')));
    expect(Array.from(z['jacobians']!.data)).toEqual(jacobians);
  });

  it('reads --inputs (.npy) on one thread, without labels', async () => {
    const xs = new Float64Array(4 * 784);
    for (let k = 0; k < 4; k++) xs.set(mnistImage(100 + k), k * 784);
    const file = join(dir, 'x.npy');
    writeFileSync(file, writeNpy(xs, [4, 784]));
    const out = join(dir, 'npy');
    const r = await runCli(['coefficients', model, '--inputs', file, '--rows', '1,3', '--threads', '1', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'coefficients.json'), 'utf8')) as Manifest;
    expect(m.samples).toBe(2);
    expect(m.labels).toBeUndefined();
    const jac = readNpy(readFileSync(join(out, m.shards[0]!.jacobians)));
    const { readNetworkJson } = await import('@polytope-lens/core');
    const ref = affineMapAt(readNetworkJson(net), mnistImage(103));
    let diff = 0;
    for (let e = 0; e < 3 * 784; e++) diff = Math.max(diff, Math.abs(jac.data[3 * 784 + e]! - ref.jacobian[e]!));
    expect(diff).toBeLessThan(1e-12);
  });

  it('rejects bad input with one line and exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--idx', 'mnist', '--inputs', 'x.npy'], /exactly one of --idx or --inputs/],
      [['--idx', 'mnist', '--rows', '10000'], /row 10000 is out of range/],
      [['--idx', 'mnist', '--rows', '0', '--shard-rows', '0'], /--shard-rows must be an integer/],
      [['--idx', join(dir, 'missing')], /does not exist/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(['coefficients', model, ...args, '--out', join(dir, 'bad'), '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const mlp = join(dir, 'mlp.json');
    writeFileSync(
      mlp,
      networkToJsonString(
        buildNetwork(
          [5],
          [{ type: 'dense', inputs: [0], inFeatures: 5, outFeatures: 2, weight: new Float64Array(10), bias: new Float64Array(2) }],
        ),
      ),
    );
    const r = await runCli(['coefficients', mlp, '--idx', 'mnist', '--rows', '0', '--out', join(dir, 'bad'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/28×28 images but the model takes 5 inputs/);
  });

  it('runs as the real executable (smoke test)', () => {
    const out = join(dir, 'spawn');
    const r = spawnCli(['coefficients', model, '--idx', 'mnist', '--rows', '0-2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/coefficients: 3 samples × 3 outputs × 784 inputs/);
  });
});

describe('polytope jacobian-images', () => {
  it('draws two models side by side as SVG and PNG, and refuses models that do not match', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, smallCnn());
    writeFileSync(b, smallCnn());
    const out = join(dir, 'ji');
    const r = await runCli(['jacobian-images', a, b, '--idx', 'mnist', '--rows', '0,1', '--outputs', '0,2', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(join(out, 'jacobian-images.svg'), 'utf8');
    expect(svg.match(/<image /g)).toHaveLength(2 * (1 + 2 * 2));
    expect(svg).toContain('row 0 (7)');
    expect(Array.from(readFileSync(join(out, 'jacobian-images.png')).subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const mlp = join(dir, 'mlp784.json');
    writeFileSync(
      mlp,
      networkToJsonString(
        buildNetwork(
          [784],
          [{ type: 'dense', inputs: [0], inFeatures: 784, outFeatures: 2, weight: new Float64Array(1568), bias: new Float64Array(2) }],
        ),
      ),
    );
    const bad = await runCli(['jacobian-images', a, mlp, '--idx', 'mnist', '--rows', '0', '--out', out, '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/takes \[784\] → 2 but a.json takes \[1, 28, 28\] → 3/);
  });
});

describe('polytope compress', () => {
  it('writes the JSON of the issue, the table and the plot; k ≥ distinct rows gives the original accuracy back', async () => {
    const model = join(dir, 'c.json');
    writeFileSync(model, smallCnn());
    const json = join(dir, 'compress.json');
    const r = await runCli([
      'compress',
      model,
      '--fit-idx',
      'mnist',
      '--fit-rows',
      '0-29',
      '--rows',
      '0-29',
      '--k',
      '1,1000',
      '--threads',
      '1',
      '--json',
      json,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as {
      original_accuracy: number;
      k: number[];
      accuracy: number[];
      effective_k: number[][];
      distinct_fit_rows: number[];
    };
    expect(doc.k).toEqual([1, 1000]);
    expect(doc.accuracy[1]).toBe(doc.original_accuracy);
    expect(doc.effective_k[1]).toEqual(doc.distinct_fit_rows);
    expect(readFileSync(join(dir, 'compress.md'), 'utf8')).toMatch(/\| c.json \| /);
    expect(readFileSync(join(dir, 'compress.svg'), 'utf8')).toMatch(/<polyline/);
    const bad = await runCli(['compress', model, '--fit-idx', 'mnist', '--k', '0', '--json', json, '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--k must be an integer from 1/);
  });
});

describe('polytope similarity', () => {
  it('writes the four matrices of the issue and their heat maps', async () => {
    const a = join(dir, 's1.json');
    const b = join(dir, 's2.json');
    writeFileSync(a, networkToJsonString(randomMlp([3, 8, 4], { seed: 1 })));
    writeFileSync(b, networkToJsonString(randomMlp([3, 8, 4], { seed: 2 })));
    const r0 = mulberry32(3);
    const xs = Float64Array.from({ length: 60 * 3 }, () => gaussian(r0));
    const inputs = join(dir, 'sim-x.npy');
    writeFileSync(inputs, writeNpy(xs, [60, 3]));
    // IDX label file: magic 0x00000801, count, one byte per label
    const labels = join(dir, 'sim-labels-idx1-ubyte');
    writeFileSync(labels, Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 60, ...Array.from({ length: 60 }, (_, i) => i % 4)]));
    const json = join(dir, 'sim.json');
    const r = await runCli([
      'similarity',
      a,
      b,
      '--fit-inputs',
      inputs,
      '--fit-rows',
      '0-39',
      '--inputs',
      inputs,
      '--rows',
      '40-59',
      '--labels',
      labels,
      '--threads',
      '1',
      '--json',
      json,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
    expect(doc['models']).toEqual(['s1.json', 's2.json']);
    for (const key of ['affine_accuracy', 'scaled_mse', 'cka', 'softmax_ce'])
      expect((doc[key] as number[][]).map((row) => row.length)).toEqual([2, 2]);
    expect((doc['cka'] as number[][])[0]![0]).toBeCloseTo(1, 10);
    expect((doc['scaled_mse'] as number[][])[1]![1]).toBe(0);
    for (const key of ['affine-accuracy', 'scaled-mse', 'cka', 'softmax-ce'])
      expect(readFileSync(join(dir, `sim-${key}.svg`), 'utf8')).toMatch(/<rect/);
    const bad = await runCli(['similarity', a, '--fit-inputs', inputs, '--json', json, '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/at least two models/);
  });
});
