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
import { matchGolden } from './golden.js';
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
  const dd = await page.locator('#region-details dd').allTextContents();
  const neighbours = (await page.locator('#detail-neighbours button').allTextContents()).map(Number);
  return { index: Number(dd[0]), code: dd[1]!, neighbours };
}

/** Waits until the details panel shows one of `codes`. */
const shows = (page: Page, ...codes: string[]) =>
  page.waitForFunction(`${JSON.stringify(codes)}.includes(document.querySelector('#region-details .code')?.textContent ?? '')`);

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
        await shows(p.page, code);
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
      await shows(p.page, '111');
      // D's point (1, 0): f = x − 5/4.
      await p.page.click('#dual', { position: { x: at(1), y: DUAL - at(0) } });
      await shows(p.page, '101');
      // Screenshot golden of the dual scatter with D selected (test/golden/dual-seven-D.png).
      expect(matchGolden('dual-seven-D', await p.page.locator('#dual').screenshot())).toBe('');
      // A neighbour button selects that neighbour.
      await p.page.click('#detail-neighbours button >> nth=0');
      await shows(p.page, '111', '100');
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('draws the class colouring where the hand-derived output is positive (pixel test, away from edges)', async () => {
    const model = join(dir, 'seven.json');
    writeFileSync(model, JSON.stringify(NET));
    const p = await open('#color=class&showBoundary=false', [model]);
    try {
      await waitDone(p.page);
      const box = (await p.page.locator('canvas.regions').boundingBox())!;
      // The canvas has a 1 px border; its 560×560 content starts 1 px in.
      const png = await p.page.screenshot({ clip: { x: box.x + 1, y: box.y + 1, width: SIZE, height: SIZE } });
      // Warm (orange, red > blue) or cool (blue) at every 7th pixel, read in the page from the screenshot.
      const STEP = 7;
      const warmAt = (await p.page.evaluate(`(async () => {
        const bmp = await createImageBitmap(await (await fetch('data:image/png;base64,${png.toString('base64')}')).blob());
        const g = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
        g.drawImage(bmp, 0, 0);
        const d = g.getImageData(0, 0, bmp.width, bmp.height).data;
        const out = [];
        for (let row = 0; row < bmp.height; row += ${STEP}) {
          const line = [];
          for (let col = 0; col < bmp.width; col += ${STEP}) line.push(d[4 * (row * bmp.width + col)] > d[4 * (row * bmp.width + col) + 2]);
          out.push(line);
        }
        return out;
      })()`)) as boolean[][];
      expect(warmAt.length).toBe(Math.ceil(SIZE / STEP));
      // f > 0 exactly where g = relu(relu(x) + relu(y) − 1) > 1/4.
      const f = (x: number, y: number) => Math.max(0, Math.max(0, x) + Math.max(0, y) - 1) - 0.25;
      // Lines where colour or outline may change: region edges and f = 0 (each as a·x + b·y = c).
      const lines = [
        [1, 0, 0],
        [0, 1, 0],
        [1, 1, 1],
        [1, 0, 1],
        [0, 1, 1],
        [1, 1, 1.25],
        [1, 0, 1.25],
        [0, 1, 1.25],
      ];
      let checked = 0;
      const wrong: string[] = [];
      for (let row = 0; row < SIZE; row += STEP)
        for (let col = 0; col < SIZE; col += STEP) {
          const x = ((col + 0.5) / SIZE) * 3 - 1.5;
          const y = 1.5 - ((row + 0.5) / SIZE) * 3;
          if (lines.some(([a, b, c]) => Math.abs(a! * x + b! * y - c!) / Math.hypot(a!, b!) < (4 * 3) / SIZE)) continue;
          if (col < 3 || row < 3) continue; // the canvas border
          if (warmAt[row / STEP]![col / STEP] !== f(x, y) > 0) wrong.push(`(${col}, ${row})`);
          checked++;
        }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(5000);
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
