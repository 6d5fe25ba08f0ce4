/**
 * `polytope view`: the self-contained HTML of a slice, line and polytopes result, opened in
 * Chromium with every request refused but the page itself; hover, keyboard focus, zoom and pan.
 * The network is ReLU(x), ReLU(y) → h1 + 2 h2 − 1, so the slice of [−1, 1]² is four unit squares
 * (areas 1) and the segment (−1, −1) → (1, 1) has two pieces with the kink at t = 1/2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runCli } from '../../cli/test/run-cli.js';
import { matchGolden } from './golden.js';
import { collectProblems, hasChromium, launchChromium, serveFiles } from './browser.js';

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
    { type: 'dense', weight: [[1, 2]], bias: [-1] },
  ],
};

interface ViewState {
  cells: number;
  view: { x: number; y: number; w: number; h: number };
  hover: string;
}

describe.skipIf(!hasChromium)('polytope view', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-view-'));
    writeFileSync(join(dir, 'net.json'), JSON.stringify(NET));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(html: string) {
    const server = await serveFiles({ '/': { type: 'text/html', body: html } });
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const problems = collectProblems(page);
    await page.goto(server.url + '/');
    const state = async (): Promise<ViewState> =>
      page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: { querySelectorAll(s: string): { length: number }; getElementById(s: string): { textContent: string } };
          }
        ).document;
        const v = (globalThis as unknown as { polytopeView: { getView(): ViewState['view'] } }).polytopeView;
        return { cells: doc.querySelectorAll('polygon.cell').length, view: v.getView(), hover: doc.getElementById('hover').textContent };
      });
    return { page, problems, state, close: async () => (await page.close(), await server.close()) };
  }

  it('draws a slice with hover, focus, zoom and pan, and no console problems', async () => {
    const s = await runCli(['slice', join(dir, 'net.json'), '--box', '-1,1,-1,1', '--json', join(dir, 's.json'), '--no-figure', '--quiet']);
    expect(s.code).toBe(0);
    const v = await runCli(['view', join(dir, 's.json'), '--quiet']);
    expect(v.code).toBe(0);
    const html = readFileSync(join(dir, 's.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // one self-contained file
    const p = await open(html);
    try {
      let st = await p.state();
      expect(st.cells).toBe(4);
      // Screenshot golden of the view before any interaction (test/golden/view-slice.png).
      expect(matchGolden('view-slice', await p.page.locator('#plot').screenshot())).toBe('');
      await p.page.hover('polygon.cell >> nth=0');
      st = await p.state();
      expect(st.hover).toMatch(/area1(?!\d)/);
      expect(st.hover).toMatch(/code[01]{2}/);
      const before = st.view;
      await p.page.mouse.move(450, 300);
      await p.page.mouse.wheel(0, -300);
      await p.page.waitForFunction(
        (w) => (globalThis as unknown as { polytopeView: { getView(): { w: number } } }).polytopeView.getView().w < w,
        before.w,
      );
      await p.page.focus('#plot');
      await p.page.keyboard.press('ArrowRight');
      const after = (await p.state()).view;
      expect(after.x).toBeGreaterThan(before.x);
      await p.page.keyboard.press('Tab');
      expect((await p.state()).hover).toMatch(/region0/);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('draws a line and a polytopes result, and refuses a file that is neither', async () => {
    expect(
      (
        await runCli([
          'line',
          join(dir, 'net.json'),
          '--from',
          '-1,-1',
          '--to',
          '1,1',
          '--json',
          join(dir, 'l.json'),
          '--no-figure',
          '--quiet',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await runCli(['polytopes', join(dir, 'net.json'), '--box', '-1,1,-1,1', '--json', join(dir, 'p.json'), '--no-figure', '--quiet']))
        .code,
    ).toBe(0);
    expect((await runCli(['view', join(dir, 'l.json'), '--quiet'])).code).toBe(0);
    expect((await runCli(['view', join(dir, 'p.json'), '--out', join(dir, 'poly.html'), '--quiet'])).code).toBe(0);
    const line = await open(readFileSync(join(dir, 'l.html'), 'utf8'));
    try {
      expect((await line.state()).cells).toBe(2);
      await line.page.hover('polygon.cell >> nth=1');
      expect((await line.state()).hover).toMatch(/t00\.5(?!\d)/);
      expect(line.problems).toEqual([]);
    } finally {
      await line.close();
    }
    const poly = await open(readFileSync(join(dir, 'poly.html'), 'utf8'));
    try {
      expect((await poly.state()).cells).toBe(4);
      await poly.page.hover('polygon.cell >> nth=2');
      expect((await poly.state()).hover).toMatch(/volume1(?!\d)/);
    } finally {
      await poly.close();
    }
    writeFileSync(join(dir, 'x.json'), '{"hello": 1}');
    const bad = await runCli(['view', join(dir, 'x.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a slice, line or polytopes result/);
  });
});
