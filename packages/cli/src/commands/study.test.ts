/**
 * `polytope study chapter7 --quick` end to end on a tiny zoo, then the store left partial (as a
 * study killed mid-way leaves it: some analysis shards and every similarity shard missing, no
 * report): the second run recomputes exactly the missing shards (the trained models and the kept
 * shards are not touched, checked by their files' mtimes) and gives the same numbers. Bad options
 * exit 2 with one line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TrainableNetwork,
  buildNetwork,
  forwardWithCode,
  networkToJsonString,
  readOnnx,
  seededRandom,
  writeOnnx,
} from '@polytope-lens/core';
import type { NodeSpec } from '@polytope-lens/core';
import { loadStudyModel, readF64 } from '../sweeps/chapter7.js';
import { runCli } from '../../test/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-study7-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARGS = [
  '--quick',
  '--train-limit',
  '32',
  '--eval-rows',
  '10',
  '--fit-rows',
  '4',
  '--test-rows',
  '4',
  '--sens-rows',
  '2',
  '--k',
  '1,2',
];

function shardFiles(store: string): string[] {
  return readdirSync(store, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !f.includes('failed'))
    .map((f) => join(store, f));
}

describe('polytope study chapter7', () => {
  it('runs the quick study, and a partial store resumes without recomputing finished shards', async () => {
    const out = join(dir, 'q');
    const r1 = await runCli(['study', 'chapter7', ...ARGS, '--out', out, '--threads', '2', '--no-png']);
    expect(r1.code, r1.stderr).toBe(0);
    const doc1 = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    expect(doc1.training.length).toBe(6);
    expect(doc1.similarity.cka.length).toBe(6);
    // The diagonal of CKA is 1, that of the affine-mapped accuracy each network's own accuracy on C̃.
    doc1.similarity.cka.forEach((row: number[], i: number) => expect(row[i]).toBeCloseTo(1, 12));
    doc1.per_model.forEach((m: { original_accuracy: number }, i: number) =>
      expect(doc1.similarity.affine_accuracy[i][i]).toBe(m.original_accuracy),
    );
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const h of ['## Compression', '## Similarity', '## Sensitivity', '§7.4 findings', 'similarity-cka.svg'])
      expect(report).toContain(h);

    const modelStore = join(out, '.shards', 'chapter7-model');
    const kept = shardFiles(modelStore);
    const removed = kept.splice(0, 2);
    for (const f of [...removed, ...shardFiles(join(out, '.shards', 'chapter7-similarity'))]) rmSync(f);
    rmSync(join(out, 'report.md'));
    const modelFiles = readdirSync(join(out, 'models')).map((id) => join(out, 'models', id, 'model.json'));
    const before = new Map([...kept, ...modelFiles].map((f) => [f, statSync(f).mtimeMs]));

    const r2 = await runCli(['study', 'chapter7', ...ARGS, '--out', out, '--threads', '2', '--no-png']);
    expect(r2.code, r2.stderr).toBe(0);
    for (const [f, t] of before) expect(statSync(f).mtimeMs, f).toBe(t);
    expect(shardFiles(modelStore).length).toBe(6);
    const doc2 = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    // Same numbers (timings aside): the recomputed shards are deterministic.
    const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'seconds' ? undefined : x)));
    expect(strip(doc2.similarity)).toEqual(strip(doc1.similarity));
    expect(strip(doc2.per_model)).toEqual(strip(doc1.per_model));
    expect(doc2.training).toEqual(doc1.training);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('## Similarity');
  }, 240_000);

  it('--extra and --control: only the last layer changes, the new head is 10 outputs, and they join every analysis', async () => {
    // A small backbone in ONNX (our exporter): conv → ReLU → max-pool → flatten → dense to 7 outputs.
    const bb = new TrainableNetwork(
      [3, 32, 32],
      [
        { type: 'conv2d', outChannels: 3, kernel: 3, stride: 2 },
        { type: 'relu' },
        { type: 'maxpool', kernel: 3 },
        { type: 'flatten' },
        { type: 'dense', outFeatures: 7 },
      ],
      { init: 'pytorch', random: seededRandom(5) },
    ).toNetwork();
    const file = join(dir, 'tinybb.onnx');
    writeFileSync(file, writeOnnx(bb));
    const out = join(dir, 'heads');
    const r = await runCli(['study', 'chapter7', ...ARGS, '--out', out, '--threads', '2', '--no-png', '--extra', file, '--control', file]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8'));
    expect(doc.heads.map((h: { id: string; kind: string }) => [h.id, h.kind])).toEqual([
      ['extra-tinybb', 'extra'],
      ['control-tinybb', 'control'],
    ]);
    expect(doc.similarity.models.slice(-2)).toEqual(['extra-tinybb', 'control-tinybb']);
    expect(doc.per_model.map((m: { id: string }) => m.id)).toContain('control-tinybb');
    for (const t of doc.head_training) expect(t.test_accuracy).toBeGreaterThanOrEqual(0);
    // The backbone as read from its ONNX file, and the model the study analysed: every node but the
    // last is the backbone's own; the last is a dense layer with 10 outputs; f(x) = W·h(x) + b.
    const before = readOnnx(new Uint8Array(readFileSync(file)));
    const after = loadStudyModel(join(out, 'models', 'extra-tinybb', 'model.head.json'));
    expect(after.nodes.length).toBe(before.nodes.length);
    before.nodes.slice(0, -1).forEach((n, i) => expect(after.nodes[i]).toEqual(n));
    const last = after.nodes[after.output]!;
    if (last.type !== 'dense') throw new Error('expected a dense head');
    expect([last.outFeatures, last.inFeatures]).toEqual([10, before.nodes[before.output - 1]!.shape.reduce((a, b) => a * b, 1)]);
    const body = buildNetwork(
      before.inputShape,
      before.nodes.slice(1, -1).map((n) => {
        const spec: Record<string, unknown> = { ...n };
        delete spec['shape'];
        return spec as unknown as NodeSpec;
      }),
    );
    const x = Float64Array.from({ length: 3 * 32 * 32 }, (_, i) => ((i * 37) % 101) / 101);
    const h = forwardWithCode(body, x).output;
    const y = forwardWithCode(after, x).output;
    for (let k = 0; k < 10; k++) {
      let v = last.bias[k]!;
      for (let i = 0; i < h.length; i++) v += last.weight[k * h.length + i]! * h[i]!;
      expect(y[k]).toBeCloseTo(v, 10);
    }
    // The head file holds exactly these weights (float64), next to a descriptor naming the backbone's file.
    const wb = readF64(join(out, 'models', 'extra-tinybb', 'head.f64'));
    expect(Array.from(wb.subarray(0, 10 * h.length))).toEqual(Array.from(last.weight));
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('random initialization, last layer only');

    const bad = join(dir, 'two.json');
    writeFileSync(
      bad,
      networkToJsonString(
        new TrainableNetwork([2], [{ type: 'dense', outFeatures: 3 }], { init: 'pytorch', random: seededRandom(1) }).toNetwork(),
      ),
    );
    const e = await runCli(['study', 'chapter7', ...ARGS, '--out', join(dir, 'bad2'), '--extra', bad]);
    expect(e.code).toBe(2);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    expect(e.stderr).toMatch(/3 × 32 × 32/);
  }, 240_000);

  it('rejects bad options with one line and exit 2', async () => {
    const r = await runCli(['study', 'chapter7', '--quick', '--epochs', '0', '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^polytope: error: --epochs must be an integer from 1 to 1000, got '0'\n$/);
    const p = await runCli(['study', 'chapter7', '--preset', 'week', '--out', join(dir, 'bad')]);
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/^polytope: error: --preset must be one of quick, hour, default, got 'week'\n$/);
  });
});
