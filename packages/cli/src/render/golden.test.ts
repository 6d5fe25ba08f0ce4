/**
 * Golden SVG snapshots of every figure kind, drawn from small hand-made inputs (no network, no
 * training: the whole file runs in well under a second), plus the properties every figure must
 * have: nice tick values, titles inside the figure, one font, well-formed markup. A mismatch writes
 * test/golden/NAME-changed.svg beside the golden (see test/golden.ts).
 */
import { describe, expect, it } from 'vitest';
import { framePolytope, icosahedronFrame, mercedesBenzFrame } from '@polytope-lens/core';
import { axisTickLabels, expectGolden, niceTickValues } from '../../test/golden.js';
import { frameHeight, frameSvg } from './animate-figure.js';
import type { FrameData, FrameLook } from './animate-figure.js';
import { countHistogramSvg, sideBySideSvg, smallMultiplesSvg } from './count-figures.js';
import { biasBarsSvg, framePolytopeSvg } from './frame-figures.js';
import { barChartSvg, breakpointStripSvg, heatmapSvg, histogramSvg, pointsFrameSvg } from './lens-figures.js';
import { classFill, divergingColor } from './legend.js';
import { guardForResvg, svgToPng } from './png.js';
import { renderLineSvg, renderSliceSvg } from './slice-figure.js';
import type { SliceFigureInput } from './slice-figure.js';
import { FONT } from './style.js';

// Box [-1, 2] × [-1, 1] tiled by hand: a left square [-1, 0] × [-1, 1] split along its diagonal,
// the rectangle [0, 2] × [-1, 1] minus a sliver, and the sliver [1, 1.002] × [-1, 1] (0.004 wide
// in data units, well under a pixel: it must still show, outlined in its own colour).
const REGIONS = [
  Float64Array.of(-1, -1, 0, -1, -1, 1),
  Float64Array.of(0, -1, 0, 1, -1, 1),
  Float64Array.of(0, -1, 1, -1, 1, 1, 0, 1),
  Float64Array.of(1, -1, 1.002, -1, 1.002, 1, 1, 1),
  Float64Array.of(1.002, -1, 2, -1, 2, 1, 1.002, 1),
];
const BASE: SliceFigureInput = {
  box: [-1, 2, -1, 1],
  regions: REGIONS.map((vertices, i) => ({ vertices, colorKey: i })),
  boundary: [Float64Array.of(-1, 1, 0, -1), Float64Array.of(0, 0.5, 1, 0.25, 2, 0.75)],
  anchors: [
    {
      name: 'A',
      s: 0,
      t: 0,
      caption: 'true 7 · pred 7',
      thumbnail: { width: 4, height: 4, pixels: [0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0] },
    },
    { name: 'B', s: 1.9, t: 0.5, caption: 'true 2 · pred 3' },
    { name: 'C', s: 5, t: 5 }, // outside the box: not drawn
  ],
  points: { st: Float64Array.of(-0.5, 0.5, 1.5, -0.5, 9, 9), labels: [0, 1, 1], name: 'points' },
  note: 's, t: input-space distances along u and v',
  title: 'slice <figure> & friends',
  width: 560,
  height: 380,
};

const FRAME_2D: FrameData = {
  step: 40,
  epoch: 2,
  loss: 0.3,
  metric: 0.875,
  regions: 2,
  linearRegions: 2,
  cells: [
    { vertices: Float64Array.of(-1, -1, 0, -1, 0, 1, -1, 1), map: Float64Array.of(0, 1, -1), colorKey: 0, size: 0.5 },
    { vertices: Float64Array.of(0, -1, 1, -1, 1, 1, 0, 1), map: Float64Array.of(0, -2, 0.5), colorKey: 1, size: 0.5 },
  ],
  boundary: [Float64Array.of(0.2, -1, 0.2, 1)],
  dual: Float64Array.of(1, -1, 0.5, -2, 0.5, 0.5),
};
const FRAME_1D: FrameData = {
  step: 0,
  epoch: 0,
  loss: null,
  metric: 0.4,
  regions: 2,
  linearRegions: 2,
  // f = x on [−π, 0], f = 0 on [0, π]; data far below the function (y = −3) must still be in range.
  cells: [
    { x0: -Math.PI, x1: 0, map: Float64Array.of(0, 1), colorKey: 0, size: 0.5 },
    { x0: 0, x1: Math.PI, map: Float64Array.of(0, 0), colorKey: 1, size: 0.5 },
  ],
  boundary: [],
  dual: Float64Array.of(1, 0, 0.5, 0, 0, 0.5),
};

/** Every figure kind, by golden name. */
function figures(): Record<string, string> {
  const look2: FrameLook = {
    points: Float64Array.of(-0.5, 0.5, 0.5, -0.5, 3, 3),
    labels: Float32Array.of(0, 1, 1),
    box: [-1, 1, -1, 1],
    width: 640,
    dualRange: [-2.5, 2.5, -2.5, 2.5],
    metricName: 'accuracy',
  };
  const look1: FrameLook = {
    points: Float64Array.of(-2, 0, 2),
    labels: Float32Array.of(-3, 0, 1),
    box: [-Math.PI, Math.PI, 0, 1],
    width: 640,
    dualRange: [-1.08, 1.08, -3.4, 3.4],
    metricName: 'mse',
  };
  const hist = (n: number, k: number): [number, number][] => Array.from({ length: k }, (_, i) => [n + i, 10 * (k - i)]);
  return {
    'slice-region': renderSliceSvg(BASE),
    'slice-class': renderSliceSvg({
      ...BASE,
      regions: REGIONS.map((vertices, i) => ({ vertices, colorKey: 0, fill: classFill(i < 2 ? 0 : 1) })),
      edges: 'faint',
      legend: {
        kind: 'entries',
        title: 'predicted class',
        entries: [
          { label: 'class 0', color: classFill(0) },
          { label: 'class 1', color: classFill(1) },
        ],
      },
    }),
    'slice-output': renderSliceSvg({
      ...BASE,
      regions: REGIONS.map((vertices, i) => ({ vertices, colorKey: 0, fill: divergingColor(i - 2, 2) })),
      edges: 'faint',
      legend: { kind: 'colorbar', maxAbs: 2, label: 'output y₀', entries: [{ label: 'points: class 1', color: '#d62728', marker: 'dot' }] },
    }),
    'slice-linear-region': renderSliceSvg({
      ...BASE,
      regions: REGIONS.map((vertices, i) => ({ vertices, colorKey: i < 2 ? 0 : 1 })),
      edges: 'none',
      // Two linear regions (the split left square; the rest): outlined on the box and along s = 0
      // between them, not along the diagonal or the sliver's sides inside one of them.
      outlines: [
        Float64Array.of(-1, -1, 2, -1),
        Float64Array.of(2, -1, 2, 1),
        Float64Array.of(2, 1, -1, 1),
        Float64Array.of(-1, 1, -1, -1),
        Float64Array.of(0, -1, 0, 1),
      ],
    }),
    line: renderLineSvg({
      pieces: [
        { t0: 0, t1: 0.4, colorKey: 0, map: Float64Array.of(-1, 2, 0, 1) },
        { t0: 0.4, t1: 1, colorKey: 1, map: Float64Array.of(-0.2, 0, 0.4, 0) },
      ],
      outputNames: ['y₀', 'y₁'],
      points: { x: [0.1, 0.9], y: [2.5, -1.5], name: 'data' },
      title: 'a segment through two units switching',
      width: 480,
      height: 300,
    }),
    'animate-2d': frameSvg(FRAME_2D, look2),
    'animate-1d': frameSvg(FRAME_1D, { ...look1, valueRange: [-1.2, 1.2] }),
    'lens-bars': barChartSvg(
      'Layer weight norms',
      ['fc1 (16×2)', 'dense 2 (1×16)'],
      [
        { name: 'spectral', values: [2.2, 1.3] },
        { name: 'Frobenius', values: [3.1, 1.3] },
      ],
      'norm',
    ),
    'lens-bars-log': barChartSvg('Values over decades', ['a', 'b', 'c'], [{ name: 'v', values: [2, 300, 45000] }], 'value'),
    'lens-histogram': histogramSvg(
      'Region Jacobian norms over 8 inputs',
      [
        { name: 'spectral', values: [1, 1.2, 1.3, 2.1, 2.2, 2.4, 3.05, 12.1] },
        { name: 'Frobenius', values: [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5] },
      ],
      'norm',
    ),
    'lens-strip': breakpointStripSvg(
      'Boundary crossings',
      [
        { label: '7→7', breakpoints: [0.1, 0.5, 0.9], layers: [0, 1, 0] },
        { label: '7→2', breakpoints: [0.3], layers: [1] },
      ],
      2,
      ['relu 1', 'relu 2'],
    ),
    'lens-heatmap': heatmapSvg('Hamming distance (3 inputs)', Float64Array.of(0, 4, 9, 4, 0, 5, 9, 5, 0), 3),
    'points-frame': pointsFrameSvg(
      'after τ^(1): x^(τ,1)',
      [-2, 2, -2, 2],
      [Float64Array.of(-2, 0, 0, 0.5, 2, 0)],
      Float64Array.of(1, 1, -1, -1, 5, 5),
      [0, 1, 2],
      [Float64Array.of(0, 0)],
    ),
    'count-histogram': countHistogramSvg(
      'simplices per polytope, a long configuration name that must shrink to fit its figure',
      [
        [1, 1258],
        [2, 2516],
        [3, 33],
        [5, 3],
      ],
      'simplices',
    ),
    'count-side-by-side': sideBySideSvg(
      'two panels',
      [countHistogramSvg('a', hist(3, 4), 'facets'), countHistogramSvg('b', hist(1, 6), 'simplices')],
      480,
      300,
    ),
    'study-small-multiples': smallMultiplesSvg(
      'Simplices per polytope (shared axes)',
      [
        { title: 'depth/width: 3→8×2→1', bins: hist(1, 3) },
        { title: 'init: He normal, a long name to fit', bins: hist(2, 6) },
        { title: 'training: after 40 epochs', bins: hist(1, 4) },
        { title: 'low rank: rank 1', bins: [[1, 99]] },
      ],
      'simplices',
    ),
    'frame-polytope-2d': framePolytopeSvg(mercedesBenzFrame(), framePolytope(mercedesBenzFrame()), { highlightFacet: 0 }),
    'frame-polytope-3d': framePolytopeSvg(icosahedronFrame(), framePolytope(icosahedronFrame()), {
      highlightFacet: 0,
      active: new Uint8Array(12).fill(1),
    }),
    'frame-bias': biasBarsSvg([
      { label: 'α', values: [-0.5, 0, Infinity, 0.25] },
      { label: 'mc', values: [-0.4, 0, 0, 0.2], kind: 'marker' },
    ]),
  };
}

describe('figure goldens', () => {
  const all = figures();
  for (const [name, svg] of Object.entries(all)) {
    it(`${name} matches its golden SVG`, () => {
      expectGolden(name, svg);
    });
  }

  it('label every axis with nice values (no 6.05/12.1, 33/66/99, 1258/2516) and integer counts', () => {
    for (const [name, svg] of Object.entries(all)) {
      for (const vals of axisTickLabels(svg)) {
        if (vals.some(Number.isNaN)) continue; // log-axis labels (10⁵) are checked below
        expect(niceTickValues(vals), `${name}: ticks ${vals.join(', ')}`).toBe(true);
        expect(vals.length, `${name}: ticks ${vals.join(', ')}`).toBeGreaterThanOrEqual(2);
      }
    }
    // Count axes have integer ticks only.
    for (const name of ['count-histogram', 'count-side-by-side', 'lens-histogram', 'lens-heatmap'])
      for (const vals of axisTickLabels(all[name]!)) expect(vals.every(Number.isInteger), `${name}: ${vals.join(', ')}`).toBe(true);
    // Values spanning four decades get a log axis with one tick per decade.
    expect(all['lens-bars-log']).toContain('(log scale)');
    expect(axisTickLabels(all['lens-bars-log']!).flat().slice(0, 5)).toEqual([1, 10, 100, 1000, 10000]);
    expect(all['lens-bars-log']).toContain('>10⁵</text>');
  });

  it('keep every title inside its figure, in one font', () => {
    for (const [name, svg] of Object.entries(all)) {
      const fonts = [...svg.matchAll(/font-family="([^"]*)"/g)].map((m) => m[1]);
      expect(new Set(fonts), name).toEqual(new Set([FONT]));
      const width = Number(/<svg[^>]* width="([^"]+)"/.exec(svg)![1]);
      for (const m of svg.matchAll(/<text class="title" x="([^"]+)"[^>]*font-size="([^"]+)"[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)</g)) {
        const [x, size, text] = [Number(m[1]), Number(m[2]), m[3]!];
        // DejaVu Sans Bold: at most 0.7 em per character on average for these texts.
        const half = (text.length * 0.7 * size) / 2;
        expect(x - half, `${name}: title '${text}'`).toBeGreaterThanOrEqual(-1);
        expect(x + half, `${name}: title '${text}'`).toBeLessThanOrEqual(width + 1);
      }
    }
    expect(all['count-histogram']).toContain('…');
  });

  it('draws what each kind promises', () => {
    // Thin sliver: outlined in its own colour so it stays visible.
    expect(all['slice-region']).toMatch(/<g class="thin"[^>]*>\n<path fill="(#[0-9a-f]{6})" stroke="\1"/);
    // Points outside the box are never drawn (and never reach resvg).
    expect((all['slice-region']!.match(/<g class="points"[\s\S]*?<\/g>/)![0].match(/<circle/g) ?? []).length).toBe(2);
    expect(all['slice-region']).toContain('A: true 7 · pred 7');
    expect(all['slice-region']).toContain('<g class="thumbnails"');
    expect(all['slice-region']).toContain('input-space distances');
    // Linear regions: no white edges between regions of one map; dark outlines between linear regions.
    expect(all['slice-linear-region']).toContain('<g class="regions">\n');
    expect(all['slice-linear-region']).toMatch(/<g class="outlines"[^>]*><path d="(M[^M"]+){5}"/);
    expect(all['slice-output']).toContain('<g class="colorbar">');
    // 1-D frame: the data point at y = −3 lies inside the value range (it is drawn).
    expect((all['animate-1d']!.match(/<g class="data"[\s\S]*?<\/g>/)![0].match(/<circle/g) ?? []).length).toBe(3);
    expect(all['animate-2d']).toMatch(new RegExp(`^<svg[^>]* width="640" height="${frameHeight(640)}"`));
    expect(all['animate-2d']).toContain('bubble area');
  });

  it('renders figures with clipped layers to PNG without a resvg abort', () => {
    // Each render loads the system fonts (~0.1 s): three kinds that use clip paths stand for all.
    for (const svg of [all['slice-region']!, all['animate-1d']!, all['points-frame']!])
      expect(svgToPng(svg, 200).subarray(1, 4)).toEqual(Uint8Array.of(80, 78, 71)); /* 'PNG' */
  });
});

describe('guardForResvg', () => {
  it('anchors layered groups whose content is off the canvas (resvg aborted on these: issue 18, item 13)', () => {
    // Each of these made resvg 2.6 panic with Option::unwrap() on None in geom.rs (checked by hand).
    const clip = '<clipPath id="c"><rect x="10" y="10" width="50" height="50"/></clipPath>';
    for (const body of [
      `${clip}<g clip-path="url(#c)"><circle cx="50" cy="1000" r="2"/></g>`,
      `${clip}<g clip-path="url(#c)"><path d="M50,1000L60,1010" stroke="black"/></g>`,
      '<g opacity="0.5"><rect x="50" y="1000" width="5" height="5"/></g>',
      `${clip}<g clip-path="url(#c)"></g><path d="" stroke="black"/>`,
    ]) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">${body}</svg>`;
      expect(guardForResvg(svg)).not.toContain('d=""');
      expect(svgToPng(svg).subarray(1, 4)).toEqual(Uint8Array.of(80, 78, 71)); /* 'PNG' */
    }
  });
});
