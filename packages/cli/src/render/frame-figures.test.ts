import { describe, expect, it } from 'vitest';
import { framePolytope, icosahedronFrame, mercedesBenzFrame, mulberry32, randomFrame } from '@polytope-lens/core';
import { biasBarsSvg, framePolytopeSvg } from './frame-figures.js';

describe('figures', () => {
  it('draw valid-looking SVG for 2-D and 3-D frames and bias bars', () => {
    for (const f of [mercedesBenzFrame(), icosahedronFrame()]) {
      const p = framePolytope(f);
      const svg = framePolytopeSvg(f, p, { highlightFacet: 0, active: new Uint8Array(f.m).fill(1), point: new Float64Array(f.n) });
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.endsWith('</svg>')).toBe(true);
      expect(svg).toContain('highlighted facet 0');
    }
    const bars = biasBarsSvg([
      { label: 'α', values: [-0.5, 0, Infinity] },
      { label: 'mc', values: [-0.4, 0, 0], kind: 'marker' },
    ]);
    expect(bars).toContain('free');
    expect(() => framePolytopeSvg(randomFrame(4, 10, mulberry32(1)), framePolytope(randomFrame(4, 10, mulberry32(1))))).toThrow(
      /n = 2 or 3/,
    );
  });
});
