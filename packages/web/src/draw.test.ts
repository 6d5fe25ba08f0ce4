/**
 * The render worker's pixel drawing, hand-derived: the box [0, 2] × [0, 1] cut at s = 1 into two unit
 * squares, drawn on 8 × 4 pixels, covers every pixel once (columns 0–3 left, 4–7 right) and darkens
 * exactly the pixels whose right neighbour lies in the other square (column 3).
 */
import { describe, expect, it } from 'vitest';
import { drawRegions, outlinePixels, regionRgb } from './draw.js';
import type { FlatSlice } from './protocol.js';

const SLICE: FlatSlice = {
  id: 1,
  box: [0, 2, 0, 1],
  regions: 2,
  linearRegions: 2,
  off: Int32Array.of(0, 4, 8),
  xy: Float64Array.of(0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 2, 0, 2, 1, 1, 1),
  codes: Uint8Array.of(0, 1),
  codeLength: 1,
  areas: Float64Array.of(1, 1),
  maps: Float64Array.of(0, 1, 0, 0, -1, 0),
  outputs: 1,
  linearRegionOf: Int32Array.of(0, 1),
  boundary: [],
  seconds: 0,
};

function fakeContext(W: number, H: number) {
  const put: { img?: { data: Uint8ClampedArray } } = {};
  const noop = () => undefined;
  const g = {
    clearRect: noop,
    createImageData: () => ({ data: new Uint8ClampedArray(4 * W * H), width: W, height: H }),
    putImageData: (img: { data: Uint8ClampedArray }) => (put.img = img),
    beginPath: noop,
    moveTo: noop,
    lineTo: noop,
    closePath: noop,
    stroke: noop,
    setLineDash: noop,
  };
  return { g: g as unknown as Parameters<typeof drawRegions>[0], put };
}

describe('pixel drawing of a slice', () => {
  it('outlines the pixels whose right or lower neighbour is another region', () => {
    const ids = Int32Array.of(0, 0, 1, 1, 0, 0, 2, 2);
    const px = new Uint8ClampedArray(4 * 8).fill(100);
    outlinePixels(px, ids, 4, 2);
    const red = Array.from({ length: 8 }, (_, p) => px[4 * p]);
    expect(red).toEqual([100, 70, 70, 70, 100, 70, 100, 100]);
  });

  it('fills every pixel once by its region colour and darkens the shared edge', () => {
    const { g, put } = fakeContext(8, 4);
    drawRegions(g, SLICE, { color: 'region', showBoundary: false, selected: undefined }, 8, 4);
    const px = put.img!.data;
    const left = regionRgb(SLICE, 0, 'region');
    const right = regionRgb(SLICE, 1, 'region');
    for (let row = 0; row < 4; row++)
      for (let c = 0; c < 8; c++) {
        const o = 4 * (row * 8 + c);
        const base = c < 4 ? left : right;
        const k = c === 3 ? 0.7 : 1;
        expect([px[o], px[o + 1], px[o + 2], px[o + 3]]).toEqual([
          (((base >> 16) & 255) * k) | 0,
          (((base >> 8) & 255) * k) | 0,
          ((base & 255) * k) | 0,
          255,
        ]);
      }
  });

  it('takes precomputed flat colours when given them', () => {
    const { g, put } = fakeContext(8, 4);
    const colors = Int32Array.of(0x102030, 0x405060);
    drawRegions(g, SLICE, { color: 'region', showBoundary: false, selected: undefined, colors }, 8, 4);
    const px = put.img!.data;
    expect(Array.from(px.subarray(0, 4))).toEqual([0x10, 0x20, 0x30, 255]);
    expect(Array.from(px.subarray(4 * 7, 4 * 8))).toEqual([0x40, 0x50, 0x60, 255]);
  });
});
