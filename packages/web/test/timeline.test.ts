/**
 * The training timeline in headless Chromium: a seeded run keeps every k-th step; the slider (by
 * keyboard) shows a chosen snapshot, whose region count equals `polytope slice` of that snapshot's
 * exported model JSON and whose weights equal the CLI's `train --snapshot-every k` snapshot of the
 * same step; the GIF export is checked by walking its blocks (an independent parser, below): one
 * frame per kept snapshot, 560×560; the PNG frames (.zip) decode with test/golden.ts's decoder and
 * the chosen snapshot's frame equals the map canvas showing it. A 3-input network trained on the
 * 3-D hypersphere set shows the 3-D view with `polytope polytopes`' cell count of its exported model,
 * follows the live map while training (paused, its cells are the CLI's for the exported network) and
 * a network trained on an uploaded 3-D CSV gets the 3-D view too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { forward, readNetworkJson } from '@polytope-lens/core';
import { runCli } from '../../cli/test/run-cli.js';
import { startStaticServer } from '../../cli/src/serve-static.js';
import { collectProblems, hasChromium, launchChromium } from './browser.js';
import { decodePng, differingPixels } from './golden.js';
import type { Image } from './golden.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(WEB, 'dist');
const SIZE = 560;

interface GifFrame {
  width: number;
  height: number;
  delayCs: number;
  /** The frame's colour table (local, else global) as RGB triples. */
  palette: Uint8Array;
  /** The pixels' colour indices (LZW-decoded on demand). */
  indices: () => Uint8Array;
}

interface GifInfo {
  width: number;
  height: number;
  frames: GifFrame[];
}

/** GIF's variable-width LZW (codes LSB first, no early change, 12 bits at most) → `n` indices. */
function decodeLzw(min: number, data: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const clear = 1 << min;
  const prefix = new Int32Array(4096).fill(-1);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const len = new Int32Array(4096);
  for (let c = 0; c < clear; c++) [suffix[c], first[c], len[c]] = [c, c, 1];
  let [size, next, prev, o, acc, bits, p] = [min + 1, clear + 2, -1, 0, 0, 0, 0];
  for (;;) {
    while (bits < size) {
      if (p >= data.length) return out;
      acc |= data[p++]! << bits;
      bits += 8;
    }
    const code = acc & ((1 << size) - 1);
    acc >>>= size;
    bits -= size;
    if (code === clear) {
      [size, next, prev] = [min + 1, clear + 2, -1];
      continue;
    }
    if (code === clear + 1) return out;
    if (prev >= 0 && next < 4096) {
      // The new entry: prev's string and the first index of code's (of prev's when code is this entry).
      [prefix[next], first[next], suffix[next], len[next]] = [
        prev,
        first[prev]!,
        code < next ? first[code]! : first[prev]!,
        len[prev]! + 1,
      ];
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    for (let q = code, k = o + len[code]! - 1; q >= 0; q = prefix[q]!, k--) if (k < n) out[k] = suffix[q]!;
    o += len[code]!;
    prev = code;
  }
}

/** Walks a GIF's blocks (GIF89a spec): logical screen, extensions, image descriptors, trailer. */
function parseGif(b: Uint8Array): GifInfo {
  const u16 = (i: number) => b[i]! | (b[i + 1]! << 8);
  const magic = String.fromCharCode(...b.subarray(0, 6));
  if (magic !== 'GIF89a' && magic !== 'GIF87a') throw new Error(`not a GIF: ${magic}`);
  const info: GifInfo = { width: u16(6), height: u16(8), frames: [] };
  const tableSize = (flags: number) => (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const global = b.subarray(13, 13 + tableSize(b[10]!));
  let i = 13 + global.length;
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    while (b[i]! !== 0) {
      parts.push(...b.subarray(i + 1, i + 1 + b[i]!));
      i += b[i]! + 1;
    }
    i++;
    return Uint8Array.from(parts);
  };
  let delay = -1;
  for (;;) {
    const tag = b[i++];
    if (tag === 0x3b) return info;
    if (tag === 0x21) {
      const label = b[i++];
      if (label === 0xf9) delay = u16(i + 2);
      subBlocks();
    } else if (tag === 0x2c) {
      const [width, height, flags] = [u16(i + 4), u16(i + 6), b[i + 8]!];
      const palette = flags & 0x80 ? b.subarray(i + 9, i + 9 + tableSize(flags)) : global;
      i += 9 + tableSize(flags);
      const min = b[i++]!;
      const data = subBlocks();
      info.frames.push({ width, height, delayCs: delay, palette, indices: () => decodeLzw(min, data, width * height) });
      delay = -1;
    } else throw new Error(`bad GIF block 0x${(tag ?? 0).toString(16)} at ${i - 1}`);
    if (i >= b.length) throw new Error('GIF without trailer');
  }
}

/** A GIF frame as RGBA (the `Image` of test/golden.ts). */
function gifImage(f: GifFrame): Image {
  const idx = f.indices();
  const rgba = new Uint8Array(4 * idx.length);
  idx.forEach((c, k) => rgba.set([f.palette[3 * c]!, f.palette[3 * c + 1]!, f.palette[3 * c + 2]!, 255], 4 * k));
  return { width: f.width, height: f.height, data: rgba };
}

/** Waits until `selector`'s text passes `test` (a regular expression source), evaluated in the page. */
const textMatches = (page: Page, selector: string, test: string) =>
  page.waitForFunction(`/${test}/.test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`);

const waitDone = (page: Page, timeout = 50000) =>
  page.waitForFunction(() => (globalThis as unknown as { polytopeStats: { done: boolean } }).polytopeStats.done, undefined, { timeout });

describe('GIF block walker (the test reference)', () => {
  it('reads a hand-made two-frame GIF', () => {
    // 2×1 screen with a 2-colour global table (black, white); a graphic control (delay 7 cs) + a 2×1
    // frame, then a 1×1 frame with a local table (red, blue). LZW, minimum code size 2 (clear 4, end 5,
    // 3-bit codes, LSB first): 4 0 1 5 → bits 001 000 100 101 → bytes 0x44 0x0A; 4 0 5 → 0x44 0x01.
    const gif = Uint8Array.from([
      ...[0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 2, 0, 1, 0, 0x80, 0, 0],
      ...[0, 0, 0, 255, 255, 255],
      ...[0x21, 0xf9, 4, 0, 7, 0, 0, 0],
      ...[0x2c, 0, 0, 0, 0, 2, 0, 1, 0, 0, 2, 2, 0x44, 0x0a, 0],
      ...[0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x80, 255, 0, 0, 0, 0, 255, 2, 2, 0x44, 0x01, 0],
      0x3b,
    ]);
    const info = parseGif(gif);
    expect([info.width, info.height]).toEqual([2, 1]);
    expect(info.frames.map((f) => [f.width, f.height, f.delayCs])).toEqual([
      [2, 1, 7],
      [1, 1, -1],
    ]);
    expect([...gifImage(info.frames[0]!).data]).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect([...gifImage(info.frames[1]!).data]).toEqual([255, 0, 0, 255]);
    expect(() => parseGif(gif.subarray(0, gif.length - 1))).toThrow();
  });
});

describe.skipIf(!hasChromium)('explorer: training timeline (Chromium)', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-web-timeline-'));
    if (!existsSync(join(DIST, 'index.html'))) await build({ root: WEB, logLevel: 'warn' });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(hash: string) {
    const server = await startStaticServer(DIST, []);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1400 }, acceptDownloads: true });
    const problems = collectProblems(page);
    await page.goto(server.url + hash);
    return { page, problems, close: async () => (await page.close(), await server.close()) };
  }

  async function save(page: Page, button: string, name: string): Promise<string> {
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 50000 }), page.click(button)]);
    const path = join(dir, name);
    await dl.saveAs(path);
    return path;
  }

  async function cliRegions(model: string): Promise<number> {
    const out = join(dir, 'slice.json');
    const r = await runCli(['slice', model, '--box', '-1.5,1.5,-1.5,1.5', '--json', out, '--summary-only', '--no-figure', '--quiet']);
    expect(r.stderr).toBe('');
    return (JSON.parse(readFileSync(out, 'utf8')) as { summary: { regions: number } }).summary.regions;
  }

  /** The CLI's run with the same options; its snapshots every `every` steps. */
  async function cliTrain(args: string[], every: number): Promise<string> {
    const out = join(dir, `train-${args.join('-')}`);
    const r = await runCli(['train', ...args, '--noise', '0', '--snapshot-every', String(every), '--quiet', '--out', out]);
    expect(r.stderr).toBe('');
    return out;
  }

  /** Both networks give the same outputs (to the last bit) at a few points. */
  function sameNetwork(a: string, b: string, dim: number): void {
    const [na, nb] = [a, b].map((f) => readNetworkJson(JSON.parse(readFileSync(f, 'utf8'))));
    for (let k = 0; k < 7; k++) {
      const x = Array.from({ length: dim }, (_, j) => Math.sin(3 * k + j) * 1.3);
      expect(forward(na!, x)).toEqual(forward(nb!, x));
    }
  }

  it('shows a chosen snapshot exactly and exports the timeline as GIF and PNG frames', async () => {
    // 200 samples / batch 32 = 7 steps an epoch, 20 epochs = 140 steps; keepEvery(140) = ⌈140/46⌉ = 4 → steps 0, 4, …, 140: 36 snapshots.
    const p = await open('#dataset=xor&samples=200&hidden=6-5&epochs=20&seed=7&showData=false');
    try {
      await p.page.click('#train');
      await waitDone(p.page);
      await textMatches(p.page, '#timeline-label', '^snapshot 36 of 36, step 140$');
      await p.page.addScriptTag({ content: readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') });
      const violations = (await p.page.evaluate(async () => {
        const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe.run();
        return r.violations.map((v) => ({ id: v.id, impact: v.impact }));
      })) as { id: string; impact: string }[];
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      // Keyboard: Home → snapshot 1 (step 0); five ArrowRight → snapshot 6, step 20.
      await p.page.focus('#timeline');
      await p.page.keyboard.press('Home');
      await waitDone(p.page);
      for (let k = 0; k < 5; k++) await p.page.keyboard.press('ArrowRight');
      await textMatches(p.page, '#timeline-label', '^snapshot 6 of 36, step 20$');
      await textMatches(p.page, '#status', 'step 20\\b');
      await waitDone(p.page);
      expect(await p.page.getAttribute('#timeline', 'aria-valuetext')).toBe('snapshot 6 of 36, step 20');
      const shown = Number(await p.page.textContent('#region-count'));
      const model = await save(p.page, '#export-json', 'snap-20.json');
      expect(await cliRegions(model)).toBe(shown);
      const cli = await cliTrain(['--dataset', 'xor', '--arch', '2-6-5-1', '--epochs', '20', '--samples', '200', '--seed', '7'], 4);
      sameNetwork(model, join(cli, 'snapshots', 'step-0000020.json'), 2);
      expect(shown).toBeGreaterThan(1);
      // The URL names the snapshot shown: the link retrains the same run and shows it when it ends.
      const hash = await p.page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
      expect(hash).toMatch(/(^#|&)snapshot=5(&|$)/);
      const q = await open(hash);
      try {
        await q.page.click('#train');
        await waitDone(q.page);
        await textMatches(q.page, '#timeline-label', '^snapshot 6 of 36, step 20$');
        await waitDone(q.page);
        expect(Number(await q.page.textContent('#region-count'))).toBe(shown);
      } finally {
        await q.close();
      }

      let t = performance.now();
      const gif = parseGif(new Uint8Array(readFileSync(await save(p.page, '#export-gif', 'timeline.gif'))));
      const gifMs = performance.now() - t;
      expect([gif.width, gif.height]).toEqual([SIZE, SIZE]);
      expect(gif.frames).toHaveLength(36);
      expect(gif.frames.every((f) => f.width === SIZE && f.height === SIZE && f.delayCs === 40)).toBe(true);

      t = performance.now();
      const zip = unzipSync(new Uint8Array(readFileSync(await save(p.page, '#export-frames', 'frames.zip'))));
      console.log(
        `timeline export, 36 frames (the shown one has ${shown} regions): GIF ${gifMs.toFixed(0)} ms, PNG zip ${(performance.now() - t).toFixed(0)} ms`,
      );
      const names = Object.keys(zip).sort();
      expect(names).toHaveLength(36);
      expect(names[5]).toBe('frame-005-step-020.png');
      const frames = names.map((n) => decodePng(zip[n]!));
      expect(frames.every((f) => f.width === SIZE && f.height === SIZE)).toBe(true);
      // The chosen snapshot's frame is the map that shows it (the regions canvas, inside its 1 px border).
      const box = (await p.page.locator('canvas.regions').boundingBox())!;
      const map = decodePng(await p.page.screenshot({ clip: { x: box.x + 1, y: box.y + 1, width: SIZE, height: SIZE } }));
      expect(differingPixels(frames[5]!, map, 16)).toBeLessThan(0.005 * SIZE * SIZE);
      expect(differingPixels(frames[35]!, map, 16)).toBeGreaterThan(0.005 * SIZE * SIZE);
      // The GIF's frames (LZW-decoded here) are the PNG frames up to the 256-colour palette.
      for (const k of [5, 35]) expect(differingPixels(gifImage(gif.frames[k]!), frames[k]!, 24)).toBeLessThan(0.01 * SIZE * SIZE);
      expect(differingPixels(gifImage(gif.frames[5]!), frames[35]!, 24)).toBeGreaterThan(0.005 * SIZE * SIZE);
      // Play advances through the snapshots; pause holds the one shown.
      await p.page.click('#timeline-play');
      await textMatches(p.page, '#timeline-label', '^snapshot 8 of 36');
      await p.page.click('#timeline-play');
      const held = await p.page.textContent('#timeline-label');
      await p.page.waitForTimeout(1000);
      expect(await p.page.textContent('#timeline-label')).toBe(held);
      expect(await p.page.textContent('#timeline-play')).toBe('Play timeline');
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90000);

  it('shows a chosen snapshot while training runs, without stopping it, and exports the frames kept so far', async () => {
    // 1000 samples / batch 32 = 32 steps an epoch, 1000 epochs = 32000 steps; keepEvery(32000) = ⌈32000/46⌉ = 696.
    const args = ['--dataset', 'circle-annulus', '--arch', '2-16-16-1', '--epochs', '1000', '--samples', '1000', '--seed', '3'];
    const p = await open('#hidden=16-16&epochs=1000&seed=3&showData=false');
    const kept = async () => Number(/of (\d+)/.exec((await p.page.textContent('#timeline-label'))!)?.[1]);
    const phase = async () => (await p.page.textContent('#phase'))!;
    try {
      const t0 = Date.now();
      await p.page.click('#train');
      await textMatches(p.page, '#timeline-label', '^live map; ([4-9]|\\d\\d) snapshots kept');
      // Home, then three ArrowRight: snapshot 4, step 2088, while the run goes on.
      await p.page.focus('#timeline');
      await p.page.keyboard.press('Home');
      for (let k = 0; k < 3; k++) await p.page.keyboard.press('ArrowRight');
      await textMatches(p.page, '#timeline-label', '^snapshot 4 of \\d+, step 2088$');
      await textMatches(p.page, '#status', 'step 2088\\b');
      await waitDone(p.page);
      const shown = Number(await p.page.textContent('#region-count'));
      const pinnedAt = await kept();
      expect(await phase()).toBe('training');
      const model = await save(p.page, '#export-json', 'pinned-2088.json');
      // Training goes on (more snapshots are kept) while the map holds step 2088.
      await p.page.waitForFunction(
        (n) =>
          Number(
            /of (\d+)/.exec(
              (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } } }).document.querySelector(
                '#timeline-label',
              ).textContent,
            )?.[1],
          ) > n,
        pinnedAt,
        { timeout: 30000 },
      );
      expect(Number(await p.page.textContent('#region-count'))).toBe(shown);
      expect(await p.page.textContent('#status')).toMatch(/step 2088\b/);
      // The frames kept so far export while training runs.
      const exportedWhileTraining = (await phase()) === 'training';
      const zip = unzipSync(new Uint8Array(readFileSync(await save(p.page, '#export-frames', 'frames-live.zip'))));
      const frames = Object.keys(zip).sort();
      expect(frames.length).toBeGreaterThan(pinnedAt);
      // Steps are zero-padded to the largest exported step's width: how far training got by the
      // export (past step 9,999 when the map keeps up) sets it, so the expected name follows it.
      const width = /step-(\d+)\.png$/.exec(frames.at(-1)!)![1]!.length;
      expect(frames[3]).toBe(`frame-003-step-${'2088'.padStart(width, '0')}.png`);
      // The line is set after the download starts (the test can see the file first).
      await p.page.waitForFunction(
        `document.querySelector('#timeline-progress')?.textContent === ${JSON.stringify(`${frames.length} frames exported`)}`,
      );
      const stillTraining = (await phase()) === 'training';
      console.log(
        `pinned snapshot 4 (step 2088, ${shown} regions) while training; ${frames.length} frames exported; ${Date.now() - t0} ms after Train, still training: ${stillTraining}`,
      );
      expect(exportedWhileTraining).toBe(true);
      if (stillTraining) {
        // Back to the live map. (A click in the page, not page.click: should the run end just now, the disabled button ignores it.)
        await p.page.evaluate(() =>
          (globalThis as unknown as { document: { querySelector(s: string): { click(): void } } }).document
            .querySelector('#timeline-live')
            .click(),
        );
        await textMatches(p.page, '#timeline-label', '^live map;|^snapshot (\\d+) of \\1,');
      }
      await textMatches(p.page, '#phase', '^done$');
      await waitDone(p.page);
      // Live at the end: the last snapshot is shown (the URL names none).
      await textMatches(p.page, '#timeline-label', '^snapshot (\\d+) of \\1, step 32000$');
      // The snapshot shown while training is the CLI's step-2088 network, sliced to the same count.
      expect(await cliRegions(model)).toBe(shown);
      const cli = await cliTrain(args, 696);
      sameNetwork(model, join(cli, 'snapshots', 'step-0002088.json'), 2);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 150000);

  it('keeps showing the snapshot held during training when the run ends', async () => {
    // 150 epochs = 4800 steps; keepEvery(4800) = ⌈4800/46⌉ = 105: steps 0, 105, …, 4725 and 4800 (47 kept); snapshot 2 is step 105.
    const p = await open('#hidden=16-16&epochs=150&seed=3&showData=false');
    try {
      await p.page.click('#train');
      await textMatches(p.page, '#timeline-label', '^live map; ([2-9]|\\d\\d) snapshots kept');
      await p.page.focus('#timeline');
      await p.page.keyboard.press('Home');
      await p.page.keyboard.press('ArrowRight');
      await textMatches(p.page, '#timeline-label', '^snapshot 2 of \\d+, step 105$');
      await waitDone(p.page);
      const shown = Number(await p.page.textContent('#region-count'));
      await textMatches(p.page, '#phase', '^done$');
      await waitDone(p.page);
      await textMatches(p.page, '#timeline-label', '^snapshot 2 of 47, step 105$');
      await textMatches(p.page, '#status', 'step 105\\b');
      expect(Number(await p.page.textContent('#region-count'))).toBe(shown);
      expect(p.problems).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90000);

  /** `polytope polytopes`' cell count of a model over the 3-D box [−e, e]³. */
  async function cliCells(model: string, e: number): Promise<number> {
    const out = join(dir, 'polytopes.json');
    const box = [-e, e, -e, e, -e, e].join(',');
    const r = await runCli(['polytopes', model, '--box', box, '--json', out, '--no-figure', '--quiet']);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { summary: { polytopes?: number; regions?: number } };
    return doc.summary.polytopes ?? doc.summary.regions ?? NaN;
  }

  const view3d = (page: Page) =>
    page.evaluate(() => {
      const h = (globalThis as unknown as { __view3d?: { cells: number; label: string; sorted: () => boolean } }).__view3d;
      return h ? { cells: h.cells, label: h.label, sorted: h.sorted() } : undefined;
    });

  it('trains a 3-input network on the 3-D hypersphere set and shows its cells in the 3-D view', async () => {
    const p = await open('#dataset=hypersphere&samples=200&hidden=5-4&epochs=5&seed=3');
    try {
      await p.page.click('#train');
      await waitDone(p.page);
      await p.page.waitForSelector('#view3d-canvas', { timeout: 20000 });
      // The view shows the final snapshot (the timeline's last) over [−extent, extent]³ (extent 1.5 by default).
      await textMatches(p.page, '#view3d-of', '^snapshot (\\d+) of \\1, step \\d+$');
      const cells = (await view3d(p.page))!.cells;
      expect(await p.page.textContent('#view3d h2')).toContain(`${cells} cells in [-1.5, 1.5]³`);
      const model = await save(p.page, '#export-json', 'sphere.json');
      expect(await cliCells(model, 1.5)).toBe(cells);
      expect(cells).toBeGreaterThan(4);
      const cli = await cliTrain(['--dataset', 'hypersphere', '--arch', '3-5-4-1', '--epochs', '5', '--samples', '200', '--seed', '3'], 0);
      sameNetwork(model, join(cli, 'model.json'), 3);
      expect(p.problems.filter((m) => !/GPU stall|software WebGL|ReadPixels/i.test(m))).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90000);

  it('follows the live map in the 3-D view while a 3-input network trains (box from the URL), and the paused network matches the CLI', async () => {
    // 1000 samples / batch 32 = 32 steps an epoch × 5000 epochs: far longer than the test (it pauses mid-run).
    const p = await open('#dataset=hypersphere&samples=1000&hidden=6-6&epochs=5000&seed=5&box3=-1.2,1.2,-1.2,1.2,-1.2,1.2');
    try {
      await p.page.click('#train');
      const steps = new Set<number>();
      const t0 = Date.now();
      while (steps.size < 3 && Date.now() - t0 < 40000) {
        await textMatches(p.page, '#view3d-of', '^live, step \\d+');
        const v = (await view3d(p.page))!;
        expect(v.label).toMatch(/^live, step \d+$/);
        expect(v.cells).toBeGreaterThan(0);
        expect(v.sorted).toBe(true);
        steps.add(Number(v.label.slice('live, step '.length)));
        await p.page.waitForTimeout(150);
      }
      // Three different training steps were shown in the 3-D view while the run went on.
      expect(steps.size).toBe(3);
      expect(await p.page.textContent('#status')).toMatch(/training/);
      await p.page.click('#pause');
      // Paused: the map's network stays; the 3-D view catches up with it (the newest wins).
      await textMatches(p.page, '#status', 'paused');
      // A snapshot posted just before the pause may still be sliced: let the map settle.
      await p.page.waitForTimeout(1000);
      const step = async () => Number(/step (\d+)/.exec((await p.page.textContent('#status')) ?? '')![1]);
      const at = await step();
      await textMatches(p.page, '#view3d-of', `^live, step ${at}$`);
      const v = (await view3d(p.page))!;
      expect(await p.page.textContent('#view3d h2')).toContain(`${v.cells} cells in [-1.2, 1.2]³`);
      const model = await save(p.page, '#export-json', 'sphere-live.json');
      expect(await cliCells(model, 1.2)).toBe(v.cells);
      expect(p.problems.filter((m) => !/GPU stall|software WebGL|ReadPixels/i.test(m))).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90000);

  it('trains on an uploaded 3-D CSV (x,y,z,label) and shows the cells of the 3-input network', async () => {
    // 300 points on a fixed lattice-like sequence: class 1 inside radius 0.6.
    const rows = ['x,y,z,label'];
    for (let i = 0; i < 300; i++) {
      const [x, y, z] = [Math.sin(1.7 * i), Math.cos(2.3 * i + 1), Math.sin(0.9 * i + 2)];
      rows.push(`${x},${y},${z},${Math.hypot(x, y, z) < 0.6 ? 1 : 0}`);
    }
    const p = await open('#hidden=5-4&epochs=5&seed=2');
    try {
      await p.page.setInputFiles('#csv-file', { name: 'ball.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
      await p.page.waitForFunction("document.querySelector('#dataset')?.value === 'csv'");
      await p.page.click('#train');
      await waitDone(p.page);
      await p.page.waitForSelector('#view3d-canvas', { timeout: 20000 });
      const v = (await view3d(p.page))!;
      const model = await save(p.page, '#export-json', 'csv3.json');
      const net = readNetworkJson(JSON.parse(readFileSync(model, 'utf8')));
      expect(net.inputSize).toBe(3);
      expect(await cliCells(model, 1.5)).toBe(v.cells);
      expect(p.problems.filter((m) => !/GPU stall|software WebGL|ReadPixels/i.test(m))).toEqual([]);
    } finally {
      await p.close();
    }
  }, 90000);
});
