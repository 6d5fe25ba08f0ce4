import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashBytes, oklchToHex, regionColor } from './color.js';
import { AsciiWriter, formatCenti, formatPx } from './format.js';
import { pngTextRenders, svgToPng } from './png.js';
import { renderLineSvg, renderSliceSvg } from './slice-figure.js';
import type { SliceFigureInput } from './slice-figure.js';
import { formatTick, niceStep, niceTicks } from './ticks.js';

const GOLDEN = fileURLToPath(new URL('../../test/golden/slice-small.svg', import.meta.url));
const CHANGED = GOLDEN.replace(/\.svg$/, '-changed.svg');

/** Tag balance: every opening tag closed in order, self-closing tags ignored; returns tag counts. */
function checkWellFormed(svg: string): Map<string, number> {
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:[^>"]|"[^"]*")*?)(\/?)>/g;
  let consumed = 0;
  for (let m = re.exec(svg); m !== null; m = re.exec(svg)) {
    const between = svg.slice(consumed, m.index);
    expect(between.includes('<'), `stray '<' before offset ${m.index}`).toBe(false);
    consumed = m.index + m[0].length;
    const [, close, name, , self] = m as unknown as [string, string, string, string, string];
    if (close === '/') {
      expect(stack.pop(), `closing </${name}> at ${m.index}`).toBe(name);
    } else {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (self !== '/') stack.push(name);
    }
  }
  expect(stack).toEqual([]);
  expect(svg.slice(consumed).trim()).toBe('');
  return counts;
}

/** The content of `<g class="NAME" …>…</g>` (groups used here do not nest). */
function group(svg: string, name: string): string {
  const i = svg.indexOf(`<g class="${name}"`);
  expect(i, `group ${name}`).toBeGreaterThanOrEqual(0);
  return svg.slice(i, svg.indexOf('</g>', i));
}

function count(hay: string, needle: string): number {
  return hay.split(needle).length - 1;
}

function rectAttrs(svg: string, cls: string): { x: number; y: number; w: number; h: number } {
  const m = new RegExp(`<rect class="${cls}" x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"`).exec(svg);
  expect(m).not.toBeNull();
  return { x: Number(m![1]), y: Number(m![2]), w: Number(m![3]), h: Number(m![4]) };
}

// Box [-1, 2] × [-1, 1]; three regions tiling it, worked out by hand: a left square [-1, 0] × [-1, 1]
// split along its diagonal into two triangles, and the rectangle [0, 2] × [-1, 1].
const SMALL: SliceFigureInput = {
  box: [-1, 2, -1, 1],
  regions: [
    { vertices: Float64Array.of(-1, -1, 0, -1, -1, 1), colorKey: 0 },
    { vertices: Float64Array.of(0, -1, 0, 1, -1, 1), colorKey: 1 },
    { vertices: Float64Array.of(0, -1, 2, -1, 2, 1, 0, 1), colorKey: 2 },
  ],
  boundary: [Float64Array.of(-1, 1, 0, -1), Float64Array.of(0, 0.5, 1, 0.25, 2, 0.75)],
  anchors: [
    { name: 'A', s: 0, t: 0 },
    { name: 'B', s: 1, t: 0.5 },
    { name: 'C', s: 5, t: 5 }, // outside the box: not drawn
  ],
  title: 'small <test> & slice',
  width: 400,
  height: 300,
};

describe('ticks', () => {
  it('picks 1, 2, 5 × 10^k steps', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.5); // 0.25 → 0.5
    expect(niceStep(0.03, 3)).toBeCloseTo(0.01, 15);
    expect(niceStep(1, 5)).toBe(0.2); // exactly 0.2, not rounded up to 0.5
    expect(niceStep(7000, 3)).toBe(5000);
  });

  it('lists tick values without binary noise', () => {
    expect(niceTicks(-1, 1, 4)).toEqual({ step: 0.5, values: [-1, -0.5, 0, 0.5, 1] });
    expect(niceTicks(0.13, 0.91, 4).values).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 0.3, 3).values).toEqual([0, 0.1, 0.2, 0.3]);
    expect(Object.is(niceTicks(-0.5, 0.5, 2).values[1], 0)).toBe(true); // not −0
  });

  it('formats labels with the decimals the step needs and a true minus', () => {
    expect(formatTick(-0.5, 0.5)).toBe('\u22120.5');
    expect(formatTick(2, 1)).toBe('2');
    expect(formatTick(0.3, 0.1)).toBe('0.3');
    expect(formatTick(1.5, 0.5)).toBe('1.5');
    expect(formatTick(3e-7, 1e-7)).toBe('3e\u22127');
    expect(formatTick(2.5e7, 5e6)).toBe('2.5e7');
    expect(formatTick(0, 1e-9)).toBe('0');
  });
});

describe('formatPx', () => {
  it('equals String(Math.round(v * 100) / 100) everywhere', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0) / 4294967296;
    const special = [0, -0, 0.004, -0.004, 0.005, -0.005, 0.05, -0.05, 1, -1, 12.3, -12.07, 99.995, 2.1e7, -2.2e7, 1e21, 1e-9];
    for (const v of special) expect(formatPx(v), String(v)).toBe(String(Math.round(v * 100) / 100));
    for (let i = 0; i < 20000; i++) {
      const v = (rnd() - 0.5) * Math.pow(10, 1 + 8 * rnd());
      expect(formatPx(v)).toBe(String(Math.round(v * 100) / 100));
    }
    const w = new AsciiWriter(4); // tiny capacity: exercises growth
    const want: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const n = Math.round((rnd() - 0.5) * Math.pow(10, 1 + 10 * rnd()));
      w.centi(n);
      w.byte(32);
      want.push(formatCenti(n));
      expect(formatCenti(n)).toBe(String(n / 100));
    }
    w.text('é');
    expect(w.toString()).toBe(want.join(' ') + ' ?');
    expect(formatPx(NaN)).toMatch(/N/);
    expect(formatPx(-Infinity)).toMatch(/I/);
  });
});

describe('colours', () => {
  it('is deterministic hex, different for consecutive keys', () => {
    expect(regionColor(12345)).toBe(regionColor(12345));
    for (let k = 0; k < 50; k++) {
      expect(regionColor(k)).toMatch(/^#[0-9a-f]{6}$/);
      expect(regionColor(k)).not.toBe(regionColor(k + 1));
    }
    expect(regionColor(-1)).toBe(regionColor(0xffffffff)); // only the low 32 bits count
  });

  it('converts OKLCH like CSS', () => {
    expect(oklchToHex(1, 0, 0)).toBe('#ffffff');
    expect(oklchToHex(0, 0, 0)).toBe('#000000');
    // CSS Color 4: oklch(62.8% 0.2577 29.23) is sRGB red.
    expect(oklchToHex(0.628, 0.2577, 29.23)).toBe('#ff0000');
  });

  it('hashes bytes with FNV-1a', () => {
    expect(hashBytes(new Uint8Array(0))).toBe(0x811c9dc5);
    expect(hashBytes(Uint8Array.of(0x61))).toBe(0xe40c292c); // FNV-1a 32 of "a"
  });
});

describe('renderSliceSvg', () => {
  const svg = renderSliceSvg(SMALL);

  it('is well-formed with one path per region and the boundary on top', () => {
    const tags = checkWellFormed(svg);
    expect(tags.get('svg')).toBe(1);
    const regions = group(svg, 'regions');
    expect(count(regions, '<path ')).toBe(3);
    expect(count(regions, `fill="${regionColor(0)}"`)).toBe(1);
    expect(count(regions, `fill="${regionColor(2)}"`)).toBe(1);
    const boundary = group(svg, 'boundary');
    expect(count(boundary, '<path ')).toBe(1);
    expect(count(boundary, 'M')).toBe(2); // two polylines
    expect(boundary).toContain('stroke="#000000"');
    expect(svg.indexOf('class="boundary"')).toBeGreaterThan(svg.indexOf('class="regions"'));
  });

  it('keeps equal axis scales and places region vertices exactly', () => {
    const fr = rectAttrs(svg, 'frame');
    expect(fr.w / fr.h).toBeCloseTo(3 / 2, 2);
    expect(fr.x).toBeGreaterThanOrEqual(60);
    expect(fr.x + fr.w).toBeLessThanOrEqual(400);
    expect(fr.y + fr.h).toBeLessThanOrEqual(300 - 40);
    // The rectangle region [0, 2] × [-1, 1] starts at s = 0, t = −1: one third across, at the bottom.
    const starts = [...group(svg, 'regions').matchAll(/d="M([^,]+),([^L]+)L/g)];
    expect(starts.length).toBe(3);
    expect(Number(starts[2]![1])).toBeCloseTo(fr.x + fr.w / 3, 1);
    expect(Number(starts[2]![2])).toBeCloseTo(fr.y + fr.h, 1);
  });

  it('labels axes, ticks, anchors inside the box and the (escaped) title', () => {
    expect(svg).toMatch(/<text class="x-label"[^>]*>s<\/text>/);
    expect(svg).toMatch(/<text class="y-label"[^>]*>t<\/text>/);
    const labels = group(svg, 'tick-labels');
    for (const v of ['\u22121', '0', '1', '2']) expect(labels).toContain(`>${v}</text>`);
    const anchors = group(svg, 'anchors');
    expect(count(anchors, '<circle')).toBe(2);
    expect(anchors).toContain('>A</text>');
    expect(anchors).toContain('>B</text>');
    expect(anchors).not.toContain('>C</text>');
    expect(svg).toContain('>small &lt;test&gt; &amp; slice</text>');
  });

  it('uses the given axis labels and size', () => {
    const s = renderSliceSvg({ ...SMALL, xLabel: 'x₁', yLabel: 'x₂', width: 500, height: 500 });
    expect(s).toContain('width="500" height="500"');
    expect(s).toMatch(/class="x-label"[^>]*>x₁</);
    expect(s).toMatch(/class="y-label"[^>]*>x₂</);
  });

  it('accepts any iterable, skips polygons with fewer than three vertices', () => {
    function* gen(): Generator<{ vertices: Float64Array; colorKey: number }> {
      yield { vertices: Float64Array.of(0, 0, 1, 0, 1, 1), colorKey: 7 };
      yield { vertices: Float64Array.of(0, 0, 1, 0), colorKey: 8 };
    }
    const s = renderSliceSvg({ box: [0, 1, 0, 1], regions: gen(), boundary: [] });
    checkWellFormed(s);
    expect(count(group(s, 'regions'), '<path ')).toBe(1);
  });

  it('matches the golden file', () => {
    if (!existsSync(GOLDEN) || process.env['UPDATE_GOLDEN'] === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, svg);
    }
    const want = readFileSync(GOLDEN, 'utf8');
    if (svg !== want) {
      writeFileSync(CHANGED, svg);
      expect.fail(`SVG differs from ${GOLDEN}; the new output is in ${CHANGED} (diff them; UPDATE_GOLDEN=1 accepts it)`);
    }
    rmSync(CHANGED, { force: true });
  });

  it('rejects bad input, saying what is wrong', () => {
    expect(() => renderSliceSvg({ ...SMALL, box: [1, 0, 0, 1] })).toThrow(/s0 < s1/);
    expect(() => renderSliceSvg({ ...SMALL, box: [0, 1, 0, Infinity] })).toThrow(/finite/);
    expect(() => renderSliceSvg({ ...SMALL, width: 0 })).toThrow(/width/);
    const bad = { vertices: Float64Array.of(0, 0, NaN, 0, 1, 1), colorKey: 0 };
    expect(() => renderSliceSvg({ ...SMALL, regions: [...SMALL.regions, bad] })).toThrow(/region 3/);
    expect(() => renderSliceSvg({ ...SMALL, boundary: [Float64Array.of(0, 0, Infinity, 1)] })).toThrow(/boundary/);
  });
});

describe('renderLineSvg', () => {
  const pieces = [
    { t0: 0, t1: 0.25, colorKey: 0, map: Float64Array.of(-1, 4, 0, 1) }, // y0 = −1 + 4t, y1 = t
    { t0: 0.25, t1: 0.75, colorKey: 1, map: Float64Array.of(0, 0, 0, 1) },
    { t0: 0.75, t1: 1, colorKey: 2, map: Float64Array.of(-3, 4, 0, 1) },
  ];

  it('draws one band per piece, one line per output, breakpoints and a legend', () => {
    const svg = renderLineSvg({ pieces, title: 'line', outputNames: ['left', 'right'] });
    checkWellFormed(svg);
    expect(count(group(svg, 'pieces'), '<rect ')).toBe(3);
    const outputs = group(svg, 'outputs');
    expect(count(outputs, '<path ')).toBe(2);
    expect(count(outputs, 'M')).toBe(2); // both outputs are continuous: one subpath each
    const bp = /<path class="breakpoints" d="([^"]+)"/.exec(svg)![1]!;
    expect(count(bp, 'M')).toBe(4); // t = 0.25 and 0.75, top and bottom
    expect(group(svg, 'legend')).toContain('>right</text>');
    expect(svg).toContain('class="zero"'); // y0 goes from −1 to 1
    expect(svg).toMatch(/class="x-label"[^>]*>t</);
  });

  it('uses given breakpoints and domain; no legend for a single output', () => {
    const one = pieces.map((p) => ({ ...p, map: p.map.subarray(0, 2) }));
    const svg = renderLineSvg({ pieces: one, breakpoints: Float64Array.of(0.25), outputs: 1 });
    expect(svg).not.toContain('class="legend"');
    expect(count(/<path class="breakpoints" d="([^"]+)"/.exec(svg)![1]!, 'M')).toBe(2);
  });

  it('rejects inconsistent pieces', () => {
    expect(() => renderLineSvg({ pieces: [] })).toThrow(/no pieces/);
    expect(() => renderLineSvg({ pieces: [pieces[0]!, { ...pieces[1]!, map: Float64Array.of(0, 0) }] })).toThrow(/piece 1/);
    expect(() => renderLineSvg({ pieces, outputs: 3 })).toThrow(/expected 3/);
  });
});

describe('svgToPng', () => {
  it('writes a PNG of the requested width', () => {
    const png = svgToPng(renderSliceSvg(SMALL), 200);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect(view.getUint32(16)).toBe(200);
    expect(view.getUint32(20)).toBe(150); // 400 × 300 scaled to width 200
  });

  it('keeps the SVG size without a width; rejects a bad width', () => {
    const png = svgToPng(renderSliceSvg(SMALL));
    expect(new DataView(png.buffer, png.byteOffset).getUint32(16)).toBe(400);
    expect(() => svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 0)).toThrow(/width/);
  });

  it('reports whether text can be rendered', () => {
    expect(typeof pngTextRenders()).toBe('boolean');
  });
});
