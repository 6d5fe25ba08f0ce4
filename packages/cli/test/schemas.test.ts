/**
 * docs/schemas/: every JSON output of the CLI against its JSON Schema (draft 2020-12, ajv), on real
 * outputs of the commands (small models, a few variants: --jacobian, --summary-only, partial runs),
 * and every schema file is used by at least one run. Broken documents are rejected (so the check can fail).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainableNetwork, architectureLayers, networkToJsonString, randomMlp, seededRandom } from '@polytope-lens/core';
import { runCli } from './run-cli.js';

const SCHEMAS = fileURLToPath(new URL('../../../docs/schemas/', import.meta.url));
// ajv is CommonJS: its class is the module's `default` export.
const Ajv2020 = Ajv2020Module.default;

/** [schema name, output file, command line] — run in a temporary folder holding the models below. */
const RUNS: readonly [string, string, string[]][] = [
  ['affine', 'affine.json', ['affine', 'relu.json', '--inputs', 'pts.json']],
  ['line', 'line.json', ['line', 'relu.json', '--from', '-2,-1', '--to', '2,1.5', '--no-figure']],
  ['slice', 'slice.json', ['slice', 'relu.json', '--box', '-2,2,-2,2', '--jacobian', '--no-figure']],
  ['slice', 'slice-summary.json', ['slice', 'relu.json', '--box', '-2,2,-2,2', '--summary-only', '--no-figure']],
  ['slice', 'slice-partial.json', ['slice', 'relu.json', '--box', '-2,2,-2,2', '--max-regions', '5', '--no-figure']],
  ['slice', 'slice-abc.json', ['slice', 'm784.json', '--idx', 'mnist', '--rows', '0,1,2', '--box', '0,0.05,0,0.05', '--no-figure']],
  ['polytopes', 'polytopes.json', ['polytopes', 'relu.json', '--box', '-2,2,-2,2', '--no-figure']],
  ['polytopes', 'polytopes-partial.json', ['polytopes', 'relu.json', '--box', '-2,2,-2,2', '--max-regions', '3', '--no-figure']],
  ['walk', 'walk.json', ['walk', 'relu.json', '--at', '0.1,0.2', '--max-regions', '8']],
  ['inspect', 'inspect.json', ['inspect', 'relu.json']],
  ['tropical', 'tropical.json', ['tropical', 'small.json', '--check', '50']],
  ['truncate', 'truncate.json', ['truncate', 'relu.json', '--at', '0.3,0.2']],
  ['frame-bias', 'frame-bias.json', ['frame', 'bias', '--frame', 'tetrahedron', '--mc', '200']],
  ['frame-inject', 'frame-inject.json', ['frame', 'inject', '--frame', 'tetrahedron']],
  ['frame-reconstruct', 'frame-reconstruct.json', ['frame', 'reconstruct', '--frame', 'tetrahedron', '--points', '5']],
  ['lens-codes', 'lens-codes.json', ['lens', 'codes', 'relu.json', '--inputs', 'pts.json', '--no-figure']],
  ['lens-norms', 'lens-norms.json', ['lens', 'norms', 'relu.json', '--inputs', 'pts.json', '--no-figure']],
  ['lens-density', 'lens-density.json', ['lens', 'density', 'm784.json', '--idx', 'mnist', '--rows', '0-3', '--no-figure']],
  ['lens-cluster', 'lens-cluster.json', ['lens', 'cluster', 'm784.json', '--idx', 'mnist', '--rows', '0-19', '--no-figure']],
  [
    'compress',
    'compress.json',
    [
      'compress',
      'm784.json',
      '--fit-idx',
      'mnist',
      '--fit-rows',
      '0-49',
      '--idx',
      'mnist',
      '--rows',
      '0-29',
      '--k',
      '1,2',
      '--threads',
      '1',
    ],
  ],
  [
    'similarity',
    'similarity.json',
    // (784-input models with --fit-idx mnist --fit-rows 0-49 sometimes run for minutes: reported to the lead)
    [
      'similarity',
      'relu.json',
      'relu2.json',
      '--fit-inputs',
      'pts.json',
      '--inputs',
      'pts.json',
      '--labels',
      'labels.idx',
      '--rows',
      '0-5',
      '--fit-rows',
      '0-5',
      '--threads',
      '1',
    ],
  ],
  [
    'cross-section',
    'cs.json',
    [
      'cross-section',
      'm784.json',
      '--idx',
      'mnist',
      '--anchors',
      'closest',
      '--class',
      '0',
      '--rows',
      '0-99',
      '--box',
      '0,0.5,0,0.5',
      '--grid',
      '12',
    ],
  ],
  ['cross-section', 'cs-rows.json', ['cross-section', 'm784.json', '--idx', 'mnist', '--rows', '0,1,2', '--grid', '8', '--quiet']],
  ['sensitivity', 'sensitivity.json', ['sensitivity', 'relu.json', '--inputs', 'pts.json', '--keep', '2']],
  ['boolean-npn', 'boolean-npn.json', ['boolean', 'npn', '--n', '3']],
  ['boolean-stats', 'boolean-stats.json', ['boolean', 'stats', '0x96', '--n', '3']],
  ['boolean-stats', 'boolean-stats-all.json', ['boolean', 'stats', '--all', '--n', '3']],
  ['boolean-swaps', 'boolean-swaps.json', ['boolean', 'swaps', '--n', '3']],
  ['minimal-hypersphere', 'minimal-hypersphere.json', ['minimal', 'hypersphere', '--n', '2-3']],
  ['minimal-dots', 'minimal-dots.json', ['minimal', 'dots', '--n', '2-3', '--trials', '5']],
  ['boolean-train-parity1d', 'bt-parity1d.json', ['boolean-train', 'parity1d', '--count', '20']],
  [
    'boolean-train-success',
    'bt-success.json',
    ['boolean-train', 'success', '--functions', '27030', '--widths', '3', '--depths', '1', '--trials', '4', '--epochs', '50'],
  ],
  [
    'boolean-train-success',
    'bt-success-f32.json',
    [
      'boolean-train',
      'success',
      '--functions',
      '27030',
      '--widths',
      '3',
      '--depths',
      '1',
      '--trials',
      '4',
      '--epochs',
      '50',
      '--precision',
      'f32',
    ],
  ],
  ['boolean-train-prune', 'bt-prune.json', ['boolean-train', 'prune', '--mode', 'wide', '--digits', '2', '--widths', '2']],
  ['boolean-train-hypersphere', 'bt-hypersphere.json', ['boolean-train', 'hypersphere', '--dims', '2', '--networks', '2', '--epochs', '2']],
  [
    'boolean-train-highn',
    'bt-highn.json',
    [
      'boolean-train',
      'highn',
      '--dims',
      '5',
      '--random',
      '1',
      '--xor',
      '2',
      '--widths',
      '5',
      '--depths',
      '1',
      '--trials',
      '2',
      '--epochs',
      '20',
    ],
  ],
  ['train-metrics', 'tr/metrics.json', ['train', '--dataset', 'circle-annulus', '--arch', '2-4-1', '--epochs', '3', '--out', 'tr']],
  ['train-points', 'tr/train-points.json', ['train', '--dataset', 'xor', '--arch', '2-4-1', '--epochs', '3', '--out', 'tr', '--overwrite']],
  ['train-metrics', 'tr-sine/metrics.json', ['train', '--dataset', 'sine', '--arch', '1-8-1', '--epochs', '3', '--out', 'tr-sine']],
  ['reproduce-table-5.1', 'rep/table-5.1.json', ['reproduce', 'table-5.1', '--runs', '2', '--out', 'rep']],
  ['reproduce-table-4.2', 'rep/table-4.2.json', ['reproduce', 'table-4.2', '--runs', '1', '--max-epochs', '3', '--out', 'rep']],
  ['reproduce-fig-5.4', 'rep/fig-5.4.json', ['reproduce', 'fig-5.4', '--out', 'rep']],
  [
    'reproduce-fig-5.5',
    'rep/fig-5.5.json',
    [
      'reproduce',
      'fig-5.5',
      '--widths',
      '1,2',
      '--depths',
      '1,3',
      '--runs',
      '2',
      '--max-epochs',
      '3',
      '--extra-epochs',
      '3',
      '--threads',
      '1',
      '--out',
      'rep',
    ],
  ],
  ['reproduce-table-4.3', 'rep/table-4.3.json', ['reproduce', 'table-4.3', '--runs', '1', '--max-epochs', '3', '--out', 'rep']],
  ['polytopes-study', 'ps/study.json', ['polytopes-study', '--epochs', '1', '--no-png', '--out', 'ps']],
  [
    'polytopes-subspace',
    'sub.json',
    ['polytopes', 'relu.json', '--origin', '0,0', '--dirs', '1,0;0,1', '--box', '-1,1,-1,1', '--no-figure'],
  ],
  [
    'animate-regions',
    'an/regions.json',
    ['animate', '--dataset', 'circle-annulus', '--arch', '2-4-1', '--epochs', '2', '--snapshot-every', '1', '--out', 'an'],
  ],
  ['frame-report', 'fr/report.json', ['frame', 'report', '--frames', 'tetrahedron', '--out', 'fr']],
  ['demo-regions', 'dm/regions.json', ['demo', '--arch', '4', '--epochs', '3', '--out', 'dm']],
  [
    'coefficients',
    'coeffs/coefficients.json',
    ['coefficients', 'm784.json', '--idx', 'mnist', '--rows', '0-4', '--threads', '1', '--out', 'coeffs'],
  ],
  ['seeds-bounds', 'sd-bounds.json', ['seeds', 'bounds', 'relu.json']],
  ['seeds-cones', 'sd-cones.json', ['seeds', 'cones', '--no-figure']],
  ['seeds-sls-minima', 'sd-sls.json', ['seeds', 'sls-minima', '--no-figure']],
  ['seeds-cost', 'sd-cost.json', ['seeds', 'cost', '--epochs', '2', '--no-figure']],
  [
    'seeds-purity',
    'sd-purity.json',
    ['seeds', 'purity', 'm784.json', '--fit-idx', 'mnist', '--fit-rows', '0-9', '--idx', 'mnist', '--rows', '10-19', '--no-figure'],
  ],
  ['seeds-fig-6.7', 'sd-67.json', ['seeds', 'fig-6.7', '--arch', '3-3', '--epochs', '2', '--no-figure']],
  ['seeds-fig-4.1', 'sd-41.json', ['seeds', 'fig-4.1', '--epochs', '2', '--no-figure']],
  ['seeds-fig-4.6', 'sd-46.json', ['seeds', 'fig-4.6', '--nets', '1', '--epochs', '2', '--no-figure']],
  [
    'prune',
    'prune.json',
    [
      'prune',
      'cnn.json',
      '--limit',
      '30',
      '--select-rows',
      '10',
      '--test-rows',
      '20',
      '--fractions',
      '0.5',
      '--max-steps',
      '1',
      '--threads',
      '1',
    ],
  ],
  [
    'prune',
    'prune-models.json',
    [
      'prune',
      'cnn.json',
      '--limit',
      '30',
      '--select-rows',
      '10',
      '--test-rows',
      '20',
      '--fractions',
      '',
      '--models',
      'pm',
      '--threads',
      '1',
    ],
  ],
];

function validator(name: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8')) as object);
}

describe('JSON outputs match docs/schemas', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-schemas-'));
    writeFileSync(join(dir, 'relu.json'), networkToJsonString(randomMlp([2, 12, 12, 3], { seed: 3 })));
    writeFileSync(join(dir, 'small.json'), networkToJsonString(randomMlp([2, 4, 3, 2], { seed: 3 })));
    writeFileSync(join(dir, 'm784.json'), networkToJsonString(randomMlp([784, 16, 10], { seed: 1 })));
    writeFileSync(join(dir, 'm784b.json'), networkToJsonString(randomMlp([784, 16, 10], { seed: 2 })));
    writeFileSync(join(dir, 'relu2.json'), networkToJsonString(randomMlp([2, 12, 12, 3], { seed: 4 })));
    const cnnLayers = architectureLayers('complex-cnn', [1, 28, 28], 10, { channels: 2 });
    writeFileSync(
      join(dir, 'cnn.json'),
      networkToJsonString(new TrainableNetwork([1, 28, 28], cnnLayers, { random: seededRandom(1) }).toNetwork()),
    );
    writeFileSync(
      join(dir, 'pts.json'),
      JSON.stringify([
        [0.1, 0.2],
        [-1, 0.5],
        [1.5, -1.5],
        [0.3, 0.3],
        [-0.7, -0.2],
        [0.9, 0.1],
      ]),
    );
    // IDX labels (magic 0x00000801, count, one byte each) for similarity
    writeFileSync(join(dir, 'labels.idx'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 6, 0, 1, 2, 0, 1, 2]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every schema is valid draft 2020-12 and has a run below', () => {
    const names = readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'));
    expect(names.length).toBeGreaterThanOrEqual(18);
    for (const f of names) {
      const name = f.replace('.schema.json', '');
      expect(validator(name), f).toBeTypeOf('function');
      expect(
        RUNS.some(([n]) => n === name),
        `${f} has a run`,
      ).toBe(true);
    }
  });

  it.each(RUNS.map(([name, file, args]) => ({ name, file, args, line: args.join(' ') })))(
    'a real output validates: $line',
    async ({ name, file, args }) => {
      const out = args.includes('--out') ? [] : ['--json', file];
      const quiet = name === 'inspect' ? [] : ['--quiet']; // inspect prints its summary only
      const r = await runCli([...args, ...out, ...quiet], { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      const validate = validator(name);
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown;
      expect(validate(doc), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    },
    90_000, // animate renders every frame: 26 s alone, more under load
  );

  it('broken documents are rejected: a slice map row of two numbers, a line piece without map, a missing summary', async () => {
    for (const n of ['slice', 'line', 'affine']) {
      const [, file, args] = RUNS.find(([m]) => m === n)!;
      expect((await runCli([...args, '--json', file, '--quiet'], { cwd: dir })).code).toBe(0);
    }
    const slice = JSON.parse(readFileSync(join(dir, 'slice.json'), 'utf8')) as { regions: { map: number[][] }[] };
    slice.regions[0]!.map[0] = [1, 2];
    expect(validator('slice')(slice)).toBe(false);
    const line = JSON.parse(readFileSync(join(dir, 'line.json'), 'utf8')) as { pieces: Record<string, unknown>[] };
    delete line.pieces[0]!.map;
    expect(validator('line')(line)).toBe(false);
    const affine = JSON.parse(readFileSync(join(dir, 'affine.json'), 'utf8')) as Record<string, unknown>;
    delete affine.summary;
    expect(validator('affine')(affine)).toBe(false);
  });
});
