import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { greyLevels, greyPng, jacobianImagesSvg } from './jacobian-images.js';

describe('Jacobian images', () => {
  it('maps 0 to mid grey, +s to white, −s to black, clamping beyond', () => {
    expect(Array.from(greyLevels([0, 2, -2, 1, -1, 5, -5], 2))).toEqual([128, 255, 0, 192, 64, 255, 0]);
    expect(Array.from(greyLevels([0, 3], 0))).toEqual([128, 128]);
  });

  it('writes a greyscale PNG whose pixels inflate back to the grey levels', () => {
    const grey = Uint8Array.of(0, 255, 128, 64, 1, 2);
    const png = greyPng(grey, 3, 2);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const v = new DataView(png.buffer, png.byteOffset);
    expect([v.getUint32(16), v.getUint32(20), png[24], png[25]]).toEqual([3, 2, 8, 0]); // width, height, 8-bit grey
    const idatLen = v.getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect(Array.from(raw)).toEqual([0, 0, 255, 128, 0, 64, 1, 2]); // filter byte 0 before each row
    // Chunk CRCs (over type + data) as zlib computes them
    expect(v.getUint32(29)).toBe(crc32(png.subarray(12, 29)));
    expect(v.getUint32(41 + idatLen)).toBe(crc32(png.subarray(37, 41 + idatLen)));
  });

  it('draws one input and one image per output, model and sample', () => {
    const d = 4;
    const jac = Float64Array.from({ length: 2 * 3 * d }, (_, i) => i - 10);
    const svg = jacobianImagesSvg({
      models: [
        { name: 'a', jacobians: jac },
        { name: 'b<c>', jacobians: jac },
      ],
      inputs: new Float64Array(2 * d),
      samples: 2,
      outputs: [0, 2],
      numOutputs: 3,
      shape: [1, 2, 2],
      rowLabels: ['row 0', 'row 1'],
      outputLabels: ['J[0]', 'J[2]'],
      scale: 'sample',
    });
    expect(svg.match(/<image /g)).toHaveLength(2 * (1 + 2 * 2));
    expect(svg).toContain('b&lt;c&gt;');
    // sample 1's scale is max |J| over its outputs 0 and 2: entries 12..15 and 20..23 minus 10 → 13
    expect(svg).toContain('±13<');
  });
});
