/**
 * Region inspection and export in headless Chromium: neighbours and the dual scatter of a hand-made
 * network whose seven regions, their adjacency and their linear coefficients are derived by hand;
 * the map as SVG (its paths tile the box) and PNG; the trained network as JSON and ONNX, each sliced
 * by the CLI to the page's region count.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { runCli } from '../../cli/test/run-cli.js';
import { startStaticServer } from '../../cli/src/serve-static.js';
import { collectProblems, hasChromium, launchChromium } from './browser.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(WEB, 'dist');
const SIZE = 560;
const DUAL = 280;

/**
 * h = relu(x), relu(y); g = relu(h₁ + h₂ − 1); f = g − 1/4. Seven regions in [−1.5, 1.5]² (code h₁h₂g):
 * A 110 (x, y > 0, x + y < 1), B 111 (x, y > 0, x + y > 1), C 100 (0 < x < 1, y < 0), D 101 (x > 1, y < 0),
 * E 010 (x < 0, 0 < y < 1), F 011 (x < 0, y > 1), G 000 (x, y < 0).
 */
const NET = {
  format: 'polytope-lens/network@1',
  input: { shape: [2] },
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
    { type: 'dense', weight: [[1, 1]], bias: [-1] },
    { type: 'relu' },
    { type: 'dense', weight: [[1]], bias: [-0.25] },
  ],
};
/** A point inside each region, and its neighbours (sharing an edge stretch, not a single point: A–D, B–C touch at (1, 0) only). */
const REGIONS: Record<string, { at: [number, number]; neighbours: string[] }> = {
  '110': { at: [0.3, 0.3], neighbours: ['111', '100', '010'] },
  '111': { at: [1, 1], neighbours: ['110', '101', '011'] },
  '100': { at: [0.5, -0.5], neighbours: ['110', '101', '000'] },
  '101': { at: [1.25, -0.5], neighbours: ['111', '100'] },
  '010': { at: [-0.5, 0.5], neighbours: ['110', '011', '000'] },
  '011': { at: [-0.5, 1.25], neighbours: ['111', '010'] },
  '000': { at: [-0.5, -0.5], neighbours: ['100', '010'] },
};
/** Pixel of (x, y) on the map of the box [−1.5, 1.5]². */
const px = (x: number, y: number) => ({ x: ((x + 1.5) / 3) * SIZE, y: ((1.5 - y) / 3) * SIZE });

interface Stats {
  done: boolean;
}
const waitDone = (page: Page, timeout = 50000) =>
  page.waitForFunction(() => (globalThis as unknown as { polytopeStats: Stats }).polytopeStats.done, undefined, { timeout });

async function details(page: Page): Promise<{ index: number; code: string; neighbours: number[] }> {
  return page.evaluate(() => {
    const dd = [...document.querySelectorAll('#region-details dd')].map((e) => e.textContent ?? '');
    const neighbours = [...document.querySelectorAll('#detail-neighbours button')].map((b) => Number(b.textContent));
    return { index: Number(dd[0]), code: dd[1]!, neighbours };
  });
}

/** Shoelace area of an SVG path 'Mx yLx y…Z'. */
function pathArea(d: string): number {
  const pts = d
    .replace(/Z$/, '')
    .split(/[ML]/)
    .filter(Boolean)
    .map((p) => p.split(' ').map(Number) as [number, number]);
  let a = 0;
  for (let i = 0; i < pts.length; i++) {
    const [x0, y0] = pts[i]!;
    const [x1, y1] = pts[(i + 1) % pts.length]!;
    a += x0 * y1 - x1 * y0;
  }
  return Math.abs(a) / 2;
}

describe.skipIf(!hasChromium)('explorer: inspection and export (Chromium)', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-web-inspect-'));
    if (!existsSync(join(DIST, 'index.html'))) await build({ root: WEB, logLevel: 'warn' });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(hash: string, files: string[] = []) {
    const server = await startStaticServer(DIST, files);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const problems = collectProblems(page);
    await page.goto(server.url + hash);
    return { page, problems, close: async () => (await page.close(), await server.close()) };
  }

  async function save(page: Page, button: string, name: string): Promise<string> {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const path = join(dir, name);
    await dl.saveAs(path);
    return path;
  }

  it('shows neighbours and the dual scatter of a hand-derived network, highlighted together', async () => {
    const model = join(dir, 'seven.json');
    writeFileSync(model, JSON.stringify(NET));
    const p = await open('', [model]);
    try {
      await waitDone(p.page);
      expect(Number(await p.page.textContent('#region-count'))).toBe(7);
      const codeOf = new Map<number, string>();
      const found = new Map<string, number[]>();
      for (const [code, r] of Object.entries(REGIONS)) {
        await p.page.click('#map', { position: px(...r.at) });
        await p.page.waitForFunction((c) => document.querySelector('#region-details .code')?.textContent === c, code);
        const d = await details(p.page);
        codeOf.set(d.index, code);
        found.set(code, d.neighbours);
      }
      for (const [code, r] of Object.entries(REGIONS))
        expect(
          found
            .get(code)!
            .map((j) => codeOf.get(j))
            .sort(),
        ).toEqual([...r.neighbours].sort());
      // Dual scatter: f = x + y − 5/4 on B, so B's point is (1, 1); the frame is [0, 1]² padded by 5 %.
      const at = (v: number) => ((v + 0.05) / 1.1) * DUAL;
      await p.page.click('#dual', { position: { x: at(1), y: DUAL - at(1) } });
      await p.page.waitForFunction(() => document.querySelector('#region-details .code')?.textContent === '111');
      // D's point (1, 0): f = x − 5/4.
      await p.page.click('#dual', { position: { x: at(1), y: DUAL - at(0) } });
      await p.page.waitForFunction(() => document.querySelector('#region-details .code')?.textContent === '101');
      // A neighbour button selects that neighbour.
      await p.page.click('#detail-neighbours button >> nth=0');
      await p.page.waitForFunction(() => ['111', '100'].includes(document.querySelector('#region-details .code')?.textContent ?? ''));
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('exports the map as SVG (paths tiling the box) and PNG', async () => {
    const model = join(dir, 'seven.json');
    writeFileSync(model, JSON.stringify(NET));
    const p = await open('', [model]);
    try {
      await waitDone(p.page);
      const svg = readFileSync(await save(p.page, '#export-svg', 'map.svg'), 'utf8');
      const paths = [...svg.matchAll(/<path class="region" data-index="\d+" d="([^"]+)"/g)].map((m) => m[1]!);
      expect(paths).toHaveLength(7);
      // Region A = triangle (0,0), (1,0), (0,1): area 1/2 of 9 → in pixels 0.5 · (560/3)².
      const areas = paths.map(pathArea).sort((a, b) => a - b);
      expect(areas.reduce((a, b) => a + b, 0)).toBeCloseTo(SIZE * SIZE, -1);
      expect(areas[0]).toBeCloseTo(0.5 * (SIZE / 3) ** 2, -1);
      expect(svg).toMatch(/<polyline class="boundary"/);
      const png = readFileSync(await save(p.page, '#export-png', 'map.png'));
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([SIZE, SIZE]);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('exports the trained network as JSON and ONNX that the CLI slices to the page count', async () => {
    const p = await open('#dataset=xor&samples=200&hidden=6-5&epochs=4&seed=7');
    try {
      await p.page.click('#train');
      await waitDone(p.page);
      const shown = Number(await p.page.textContent('#region-count'));
      for (const f of ['json', 'onnx']) {
        const path = await save(p.page, `#export-${f}`, `model.${f}`);
        const out = join(dir, `slice-${f}.json`);
        const r = await runCli(['slice', path, '--box', '-1.5,1.5,-1.5,1.5', '--json', out, '--summary-only', '--no-figure', '--quiet']);
        expect(r.stderr).toBe('');
        expect((JSON.parse(readFileSync(out, 'utf8')) as { summary: { regions: number } }).summary.regions).toBe(shown);
      }
      expect(shown).toBeGreaterThan(3);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
