/**
 * The core bundles for browsers (issue 16): a plain browser build of packages/core (vite 8 /
 * rolldown, platform browser) resolves no `node:*` module, and the bundle computes a slice and an
 * affine map in headless Chromium, checked against hand-derived values.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import type { Browser } from 'playwright-core';
import { collectProblems, hasChromium, launchChromium, serveFiles } from './browser.js';

const CORE_ENTRY = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));

/** Bundles the core's public API for browsers; returns the code and every log the bundler emitted. */
async function bundleCore(): Promise<{ code: string; logs: string[] }> {
  const logs: string[] = [];
  const out = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: CORE_ENTRY, formats: ['es'], fileName: 'core' },
      rolldownOptions: { onLog: (level, log) => void logs.push(`${level}: ${log.code ?? ''} ${log.message}`) },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as { output: { type: string; code?: string }[] }[];
  const code = outputs.flatMap((o) => o.output.filter((c) => c.type === 'chunk').map((c) => c.code ?? '')).join('\n');
  return { code, logs };
}

// The slice and affine map the page computes (ReLU(x), ReLU(y), output h1 + 2 h2 − 1 on [−1, 1]²):
// the two kinks x = 0 and y = 0 cut the box into four unit squares; at (0.5, −0.25) only unit 1 is
// on, so f = x − 1 there (J = [1, 0], offset −1, code [1, 0]).
const PAGE_SCRIPT = `
import { buildNetwork, readNetworkJson, slicePlane, inputPlane, affineMapAt, activationCode } from './core.js';
const net = readNetworkJson({ format: 'polytope-lens/network@1', input: { shape: [2] }, layers: [
  { type: 'dense', weight: [[1, 0], [0, 1]], bias: [0, 0] }, { type: 'relu' }, { type: 'dense', weight: [[1, 2]], bias: [-1] } ] });
const s = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]);
const a = affineMapAt(net, [0.5, -0.25]);
window.result = { regions: s.summary.regions, areas: s.regions.map((r) => r.area).sort(), totalArea: s.summary.totalArea,
  jacobian: Array.from(a.jacobian), offset: Array.from(a.offset), code: Array.from(activationCode(net, [0.5, -0.25]).states ?? []),
  built: typeof buildNetwork };
`;

describe.skipIf(!hasChromium)('core browser bundle', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('bundles without node:* imports and computes a slice and an affine map in Chromium', async () => {
    const { code, logs } = await bundleCore();
    expect(logs.filter((l) => /UNRESOLVED|node:/.test(l))).toEqual([]);
    expect(code).not.toMatch(/(?:from|import)\s*\(?\s*["']node:/);
    const server = await serveFiles({
      '/': { type: 'text/html', body: '<!doctype html><title>core</title><script type="module" src="/page.js"></script>' },
      '/page.js': { type: 'text/javascript', body: PAGE_SCRIPT },
      '/core.js': { type: 'text/javascript', body: code },
    });
    const page = await browser.newPage();
    const problems = collectProblems(page);
    try {
      await page.goto(server.url + '/');
      await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 15000 });
      const r = (await page.evaluate(() => (globalThis as unknown as { result: unknown }).result)) as Record<string, unknown>;
      expect(r['regions']).toBe(4);
      expect(r['areas']).toEqual([1, 1, 1, 1]);
      expect(r['totalArea']).toBe(4);
      expect(r['jacobian']).toEqual([1, 0]);
      expect(r['offset']).toEqual([-1]);
      expect(r['code']).toEqual([1, 0]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
