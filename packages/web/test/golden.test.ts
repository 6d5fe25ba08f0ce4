// The PNG decoder of the screenshot goldens on a hand-made 2×2 RGB image with the Sub and Up filters.
import { describe, expect, it } from 'vitest';
import { zlibSync } from 'fflate';
import { decodePng, differingPixels } from './golden.js';

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  out.set(
    [...type].map((c) => c.charCodeAt(0)),
    4,
  );
  out.set(body, 8);
  return out; // CRC left 0: the decoder does not check it.
}

describe('decodePng', () => {
  it('undoes the Sub and Up filters of a 2×2 RGB image', () => {
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, 2);
    new DataView(ihdr.buffer).setUint32(4, 2);
    ihdr.set([8, 2, 0, 0, 0], 8);
    // Pixels: row 0 = (10,20,30) (15,25,35); row 1 = (12,22,32) (17,27,37).
    // Row 0 with Sub (1): second pixel stored as the difference from the first.
    // Row 1 with Up (2): each byte stored as the difference from the byte above.
    const raw = new Uint8Array([1, 10, 20, 30, 5, 5, 5, 2, 2, 2, 2, 2, 2, 2]);
    const sig = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    const png = new Uint8Array([...sig, ...chunk('IHDR', ihdr), ...chunk('IDAT', zlibSync(raw)), ...chunk('IEND', new Uint8Array())]);
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect([...img.data]).toEqual([10, 20, 30, 255, 15, 25, 35, 255, 12, 22, 32, 255, 17, 27, 37, 255]);
    const other = { ...img, data: img.data.map((x, i) => (i === 0 ? x + 40 : x)) };
    expect(differingPixels(img, other, 16)).toBe(1);
    expect(differingPixels(img, other, 40)).toBe(0);
  });
});
