/**
 * The figures the commands write, end to end: `slice --color …` on a network whose answers are
 * worked out by hand, data points from `--points` and from the training points `train` leaves
 * beside its model, and the `animate` run that used to abort inside resvg.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classFill } from '../src/render/legend.js';
import { runCli as run } from './run-cli.js';

// y = relu(x₁) − relu(−x₁) − 0.5 = x₁ − 0.5: two activation regions (x₁ > 0, x₁ < 0) with the
// same affine map, so one linear region; class 1 (y > 0) exactly where x₁ > 0.5.
const HALF = {
  format: 'polytope-lens/network@1',
  input: { shape: [2] },
  layers: [
    {
      type: 'dense',
      weight: [
        [1, 0],
        [-1, 0],
      ],
      bias: [0, 0],
    },
    { type: 'relu' },
    { type: 'dense', weight: [[1, -1]], bias: [-0.5] },
  ],
};

function setup(): { dir: string; model: string } {
  const dir = mkdtempSync(join(tmpdir(), 'polytope-fig-'));
  const model = join(dir, 'half.json');
  writeFileSync(model, JSON.stringify(HALF));
  return { dir, model };
}

/** The `<path fill="…"` colours of the regions group, in order. */
function regionFills(svg: string): string[] {
  const g = /<g class="regions"[^>]*>([\s\S]*?)<\/g>/.exec(svg)![1]!;
  return [...g.matchAll(/<path fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]!);
}

describe('slice figures', () => {
  it('--color class splits regions exactly at the decision boundary and keys the classes', async () => {
    const { dir, model } = setup();
    const points = join(dir, 'pts.json');
    writeFileSync(
      points,
      JSON.stringify({
        points: [
          [1, 1],
          [-1, -1],
          [5, 5],
        ],
        labels: [1, 0, 1],
      }),
    );
    const r = await run([
      'slice',
      model,
      '--box',
      '-2,2,-2,2',
      '--color',
      'class',
      '--points',
      points,
      '--json',
      join(dir, 's.json'),
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, 's.svg'), 'utf8');
    // Region x₁ < 0 is all class 0; region x₁ > 0 splits at x₁ = 0.5 into a class-0 and a class-1 part.
    const fills = regionFills(svg);
    expect(fills.filter((c) => c === classFill(0))).toHaveLength(2);
    expect(fills.filter((c) => c === classFill(1))).toHaveLength(1);
    expect(fills).toHaveLength(3);
    expect(svg).toContain('predicted (y₀ &gt; 0)');
    expect(svg).toContain('points: class 1');
    // (5, 5) is outside the box: two dots drawn.
    expect(/<g class="points"[\s\S]*?<\/g>/.exec(svg)![0].match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('x₁, x₂: the network inputs');
    expect(existsSync(join(dir, 's.png'))).toBe(true);
  });

  it('--color linear-region draws activation regions of one affine map in one colour, outlined only between linear regions', async () => {
    // y = relu(x₁) + 0·relu(x₂) − 0.5: four activation regions (signs of x₁, x₂), two linear regions
    // (x₁ > 0: y = x₁ − 0.5; x₁ < 0: y = −0.5), because unit 2 does not reach the output.
    const { dir } = setup();
    const model = join(dir, 'dead.json');
    writeFileSync(
      model,
      JSON.stringify({
        ...HALF,
        layers: [
          {
            type: 'dense',
            weight: [
              [1, 0],
              [0, 1],
            ],
            bias: [0, 0],
          },
          { type: 'relu' },
          { type: 'dense', weight: [[1, 0]], bias: [-0.5] },
        ],
      }),
    );
    const r = await run(['slice', model, '--box', '-2,2,-2,2', '--color', 'linear-region', '--json', join(dir, 'l.json'), '--quiet']);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'l.json'), 'utf8'));
    expect(json.summary.regions).toBe(4);
    expect(json.summary.linear_regions).toBe(2);
    const svg = readFileSync(join(dir, 'l.svg'), 'utf8');
    const fills = regionFills(svg);
    expect(fills).toHaveLength(4);
    expect(new Set(fills).size).toBe(2);
    // Same colour exactly for the regions with the same sign of x₁ (JSON and SVG list regions in the same order).
    const side = json.regions.map((reg: { vertices: number[][] }) => reg.vertices.reduce((a, v) => a + v[0]!, 0) > 0);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(fills[i] === fills[j]).toBe(side[i] === side[j]);
    expect(svg).toContain('<g class="regions">\n');
    // Outlines: the 8 box edges of the four regions and the two halves of x₁ = 0, not x₂ = 0.
    const outline = /<g class="outlines"[^>]*><path d="([^"]*)"/.exec(svg)![1]!;
    const segs = outline.split('M').filter(Boolean);
    expect(segs).toHaveLength(10);
    const vertical = segs.filter((g) => {
      const [a, b] = g.split('L').map((p) => p.split(',').map(Number));
      return a![0] === b![0];
    });
    expect(vertical).toHaveLength(6); // 4 on the box's sides, 2 on x₁ = 0
  });

  it('--color output draws a diverging colour bar; a bad --color is refused with exit 2', async () => {
    const { dir, model } = setup();
    const r = await run(['slice', model, '--box', '-2,2,-2,2', '--color', 'output', '--json', join(dir, 'o.json'), '--quiet']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'o.svg'), 'utf8')).toContain('<g class="colorbar">');
    const bad = await run(['slice', model, '--box', '-2,2,-2,2', '--color', 'rainbow', '--json', join(dir, 'b.json'), '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--color must be one of region, class, output, linear-region; got 'rainbow'/);
    expect(existsSync(join(dir, 'b.json'))).toBe(false);
  });

  it('overlays the training points that train writes beside its model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polytope-fig-'));
    const out = join(dir, 'run');
    const t = await run(['train', '--dataset', 'xor', '--arch', '2-4-1', '--epochs', '1', '--samples', '40', '--out', out, '--quiet']);
    expect(t.code).toBe(0);
    const pts = JSON.parse(readFileSync(join(out, 'train-points.json'), 'utf8'));
    expect(pts.points).toHaveLength(40);
    expect(new Set(pts.labels)).toEqual(new Set([0, 1]));
    const r = await run(['slice', join(out, 'model.json'), '--box', '-6,6,-6,6', '--json', join(dir, 's.json'), '--quiet']);
    expect(r.code).toBe(0);
    const svg = readFileSync(join(dir, 's.svg'), 'utf8');
    expect(svg).toContain('training points: class 0');
    expect(svg).toContain('<g class="points"');
  });
});

describe('animate figures', () => {
  it('animate --dataset sine --arch 1-8-1 renders its frames (resvg aborted on them: issue 18, item 13)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'polytope-anim-'));
    const r = await run([
      'animate',
      '--dataset',
      'sine',
      '--arch',
      '1-8-1',
      '--epochs',
      '2',
      '--snapshot-every',
      '20',
      '--frame-width',
      '320',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const frames = readdirSync(join(out, 'frames'));
    expect(frames.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(2);
    // Real tick labels on both panels, not a lone "0".
    const svg = readFileSync(join(out, 'frames', 'frame-0001.svg'), 'utf8');
    const labels = [...svg.matchAll(/<g class="tick-labels"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => (m[1]!.match(/<text/g) ?? []).length);
    expect(labels).toHaveLength(2);
    for (const n of labels) expect(n).toBeGreaterThanOrEqual(5);
  });
});
