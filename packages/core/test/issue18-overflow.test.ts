// Issue 18 #3: boxes whose arithmetic overflows float64 are refused with a message (a ±1e308 box
// gave 1 region and a null total area; ±1e307 said only "non-finite value (NaN)").
import { describe, expect, it } from 'vitest';
import { PolytopeError, enumeratePolytopes, inputPlane, readNetworkJson, slicePlane } from '../src/index.js';

const net = (w: number) =>
  readNetworkJson({
    format: 'polytope-lens/network@1',
    input: { shape: [2] },
    layers: [
      {
        type: 'dense',
        weight: [
          [w, w],
          [w, -w],
        ],
        bias: [0, 0],
      },
      { type: 'relu' },
      { type: 'dense', weight: [[1, -2]], bias: [0] },
    ],
  });

function refused(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolytopeError);
    expect((e as PolytopeError).code).toBe('bad-domain');
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a PolytopeError');
}

describe('issue 18 #3: overflowing boxes are refused', () => {
  it('slice: a ±1e308 or ±1e307 box (area overflows)', () => {
    for (const b of [1e308, 1e307, 1e160]) refused(() => slicePlane(net(1), inputPlane(net(1)), [-b, b, -b, b]), /area overflows/);
  });
  it('slice: a box where the network overflows at a corner', () => {
    refused(() => slicePlane(net(1e300), inputPlane(net(1e300)), [-1e10, 1e10, -1e10, 1e10]), /overflow float64 at the box corner/);
  });
  it('slice: a large box that does not overflow still works (2 lines through the origin: 4 regions)', () => {
    const res = slicePlane(net(1), inputPlane(net(1)), [-1e100, 1e100, -1e100, 1e100]);
    expect(res.summary.regions).toBe(4);
    expect(res.summary.totalArea).toBeCloseTo(4e200, -190);
  });
  it('polytopes: an n-D box whose volume overflows', async () => {
    await expect(async () => enumeratePolytopes(net(1), { box: [-1e200, 1e200, -1e200, 1e200] })).rejects.toThrow(/volume overflows/);
  });
});
