/**
 * Issue 17: every shared ONNX fixture opened in the explorer slices to the CLI's region count on the
 * same plane (the page's default for a model with more than two inputs: the origin, input axes 0
 * and 1, box [−1.5, 1.5]²). The fixtures with external data (mlp.onnx, cnn.onnx) reach the page two
 * ways: given to `polytope serve`, which lists the model's data file as its companion, and chosen
 * together in the file input. A model opened without its data file gets a one-line error naming it.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { readOnnx } from '@polytope-lens/core';
import { runCli } from '../../cli/test/run-cli.js';
import { servedEntries, startStaticServer } from '../../cli/src/serve-static.js';
import { collectProblems, hasChromium, launchChromium } from './browser.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(WEB, 'dist');
// CI clones the repository with shared/ beside it (as the core's ONNX tests do).
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/onnx/', import.meta.url));
const MODELS = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.onnx')) : [];

const waitDone = (page: Page) =>
  page.waitForFunction(() => (globalThis as unknown as { polytopeStats: { done: boolean } }).polytopeStats.done, undefined, {
    timeout: 50000,
  });

/** The CLI's region count on the page's default plane for a d-input model. */
async function cliRegions(model: string, dir: string): Promise<number> {
  const d = readOnnx(readFileSync(model), { externalData: (loc) => readFileSync(join(FIXTURES, loc)) }).inputSize;
  const e = (k: number) => Array.from({ length: d }, (_, j) => (j === k ? 1 : 0)).join(',');
  const out = join(dir, `s-${Math.random().toString(36).slice(2)}.json`);
  const r = await runCli([
    'slice',
    model,
    '--origin',
    new Array(d).fill(0).join(','),
    '--dirs',
    `${e(0)};${e(1)}`,
    '--box',
    '-1.5,1.5,-1.5,1.5',
    '--json',
    out,
    '--summary-only',
    '--no-figure',
    '--quiet',
  ]);
  expect(r.stderr).toBe('');
  return (JSON.parse(readFileSync(out, 'utf8')) as { summary: { regions: number } }).summary.regions;
}

describe.skipIf(!hasChromium || MODELS.length === 0)('shared ONNX fixtures in the explorer (Chromium)', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-web-fixtures-'));
    if (!existsSync(join(DIST, 'index.html'))) await build({ root: WEB, logLevel: 'warn' });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(files: string[]) {
    const server = await startStaticServer(DIST, servedEntries(files));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await page.goto(server.url);
    return { page, problems, close: async () => (await page.close(), await server.close()) };
  }

  it('serve lists external data as the model companion; each fixture slices to the CLI count', async () => {
    const withData = servedEntries([join(FIXTURES, 'mlp.onnx')]);
    expect(withData.map((e) => [e.name ?? 'model', e.companionOf])).toEqual([
      ['model', undefined],
      ['mlp.onnx.data', 0],
    ]);
    for (const name of MODELS) {
      const model = join(FIXTURES, name);
      const expected = await cliRegions(model, dir);
      const p = await open([model]);
      try {
        await waitDone(p.page);
        expect([name, Number(await p.page.textContent('#region-count'))]).toEqual([name, expected]);
        expect(await p.page.textContent('#status')).toContain(name);
        expect(p.problems).toEqual([]);
      } finally {
        await p.close();
      }
    }
  }, 120000);

  it('a model chosen with its external data slices to the CLI count; without it, one line names the file', async () => {
    const model = join(FIXTURES, 'cnn.onnx');
    const expected = await cliRegions(model, dir);
    const p = await open([]);
    try {
      await p.page.setInputFiles('#model-file', [model, join(FIXTURES, 'cnn.onnx.data')]);
      await waitDone(p.page);
      expect(Number(await p.page.textContent('#region-count'))).toBe(expected);
      await p.page.setInputFiles('#model-file', [join(FIXTURES, 'mlp.onnx')]);
      const alert = p.page.locator('[role=alert]');
      await alert.waitFor({ timeout: 20000 });
      expect(await alert.textContent()).toMatch(/mlp\.onnx\.data/);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 120000);
});
