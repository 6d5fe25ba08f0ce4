/**
 * Outlines between linear regions, on a hand-made network: h₁ = ReLU(x − 1/4), h₂ = ReLU(y + 1/2),
 * y = 2·h₁ + w·h₂ on the box [−1, 1]². The two lines x = 1/4 and y = −1/2 cut the box into four
 * activation regions. With w = 0 the output ignores h₂: the two regions right of x = 1/4 share the
 * map 2x − 1/2 and the two left of it share the map 0, so the segments of y = −1/2 lie inside a
 * linear region (no outline) and those of x = 1/4 between two (outlined), as are the 8 box edges.
 * With w = 1 all four maps differ and every edge is outlined.
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork, inputPlane, slicePlane } from '@polytope-lens/core';
import { linearRegionOutlines } from './linear-outlines.js';
import { renderSliceSvg } from './slice-figure.js';

function slice(w: number) {
  const net = buildNetwork(
    [2],
    [
      { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(-0.25, 0.5) },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: Float64Array.of(2, w), bias: Float64Array.of(0) },
    ],
  );
  return slicePlane(net, inputPlane(net), [-1, 1, -1, 1], { collect: true });
}

/** A segment as a sortable string, endpoints ordered. */
function key(g: Float64Array): string {
  const a = `${g[0]!.toFixed(6)},${g[1]!.toFixed(6)}`;
  const b = `${g[2]!.toFixed(6)},${g[3]!.toFixed(6)}`;
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

const seg = (x0: number, y0: number, x1: number, y1: number) => key(Float64Array.of(x0, y0, x1, y1));
/** The box [−1, 1]² cut at x = 1/4 and y = −1/2: its 8 edge pieces. */
const BOX = [
  seg(-1, -1, 0.25, -1),
  seg(0.25, -1, 1, -1),
  seg(1, -1, 1, -0.5),
  seg(1, -0.5, 1, 1),
  seg(1, 1, 0.25, 1),
  seg(0.25, 1, -1, 1),
  seg(-1, 1, -1, -0.5),
  seg(-1, -0.5, -1, -1),
];
const VERTICAL = [seg(0.25, -1, 0.25, -0.5), seg(0.25, -0.5, 0.25, 1)];
const HORIZONTAL = [seg(-1, -0.5, 0.25, -0.5), seg(0.25, -0.5, 1, -0.5)];

describe('linearRegionOutlines', () => {
  it('outlines the box and the edges between different maps, not the edges inside one linear region', () => {
    const res = slice(0);
    expect(res.summary.regions).toBe(4);
    expect(res.summary.linearRegions).toBe(2);
    const got = linearRegionOutlines(res.regions, res.linearRegionOf).map(key).sort();
    expect(got).toEqual([...BOX, ...VERTICAL].sort());
    for (const h of HORIZONTAL) expect(got).not.toContain(h);
  });

  it('outlines every edge once when all maps differ', () => {
    const res = slice(1);
    expect(res.summary.linearRegions).toBe(4);
    const got = linearRegionOutlines(res.regions, res.linearRegionOf).map(key).sort();
    expect(got).toEqual([...BOX, ...VERTICAL, ...HORIZONTAL].sort());
  });

  it('outlines an edge whose neighbour is missing (a partial slice)', () => {
    const res = slice(0);
    // Leave out the region above y = −1/2 right of x = 1/4: its lower neighbour's top edge now borders nothing.
    const keep = res.regions
      .map((r, i) => i)
      .filter(
        (i) =>
          !(
            res.regions[i]!.vertices.some((v, j) => j % 2 === 0 && v > 0.9) &&
            res.regions[i]!.vertices.some((v, j) => j % 2 === 1 && v > 0.9)
          ),
      );
    expect(keep).toHaveLength(3);
    const got = linearRegionOutlines(
      keep.map((i) => res.regions[i]!),
      keep.map((i) => res.linearRegionOf[i]!),
    ).map(key);
    expect(got).toContain(seg(0.25, -0.5, 1, -0.5));
  });

  it('draws the outlines as one dark path in the figure', () => {
    const res = slice(0);
    const svg = renderSliceSvg({
      box: [-1, 1, -1, 1],
      regions: res.regions.map((r, i) => ({ vertices: r.vertices, colorKey: res.linearRegionOf[i]! })),
      edges: 'none',
      outlines: linearRegionOutlines(res.regions, res.linearRegionOf),
      boundary: res.boundary,
    });
    const path = /<g class="outlines"[^>]*><path d="([^"]*)"/.exec(svg);
    expect(path).not.toBeNull();
    expect(path![1]!.match(/M/g)).toHaveLength(10);
  });
});
