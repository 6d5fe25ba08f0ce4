/**
 * Pad modes, cubic resize and broadcasting adds against hand-derived values and an independent
 * formulation (Keys' kernel written as a function of distance, not of the fractional part), plus
 * the ONNX export of wrap padding (Slices and Concats at opset 13) read back.
 */
import { describe, expect, it } from 'vitest';
import { forward } from './forward.js';
import { buildNetwork } from './network.js';
import type { NodeSpec } from './network.js';
import { readOnnx } from '../io/onnx.js';
import { writeOnnx } from '../io/onnx-export.js';

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** One pad node on an input of shape [1, 1, d]: the padded row. */
function pad1d(d: number, pads: [number, number], mode: 'constant' | 'reflect' | 'edge' | 'wrap'): number[] {
  const net = buildNetwork([1, 1, d], [{ type: 'pad', inputs: [0], pads: [0, 0, pads[0], 0, 0, pads[1]], value: -9, mode }]);
  return Array.from(forward(net, seq(d)));
}

describe('pad modes (numpy.pad semantics; negative amounts crop first, as ONNX does)', () => {
  it('reflect, edge, wrap and constant on [1, 2, 3] by 2 on each side', () => {
    expect(pad1d(3, [2, 2], 'reflect')).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(pad1d(3, [2, 2], 'edge')).toEqual([1, 1, 1, 2, 3, 3, 3]);
    expect(pad1d(3, [2, 2], 'wrap')).toEqual([2, 3, 1, 2, 3, 1, 2]);
    expect(pad1d(3, [2, 2], 'constant')).toEqual([-9, -9, 1, 2, 3, -9, -9]);
  });
  it('a crop on one side and a pad on the other pads the cropped row', () => {
    expect(pad1d(4, [-1, 1], 'wrap')).toEqual([2, 3, 4, 2]);
    expect(pad1d(4, [-1, 2], 'reflect')).toEqual([2, 3, 4, 3, 2]);
    expect(pad1d(4, [1, -2], 'edge')).toEqual([1, 1, 2]);
  });
  it('refuses what PyTorch refuses: reflect by the size or more, wrap by more than the size', () => {
    expect(() => pad1d(3, [3, 0], 'reflect')).toThrow(/mode reflect pads axis 2 of \[1, 1, 3\] by 3, more than 2/);
    expect(() => pad1d(3, [0, 4], 'wrap')).toThrow(/mode wrap pads axis 2 of \[1, 1, 3\] by 4, more than 3/);
    expect(() => pad1d(2, [-2, 1], 'edge')).toThrow(/after cropping it to nothing/);
  });
  it('wrap survives the ONNX export (Slice + Concat at opset 13) on two axes with a crop', () => {
    const spec: NodeSpec[] = [{ type: 'pad', inputs: [0], pads: [0, 2, -1, 0, 1, 2], value: 0, mode: 'wrap' }];
    const net = buildNetwork([2, 3, 4], spec);
    const x = seq(24).map((v) => v / 7);
    const back = readOnnx(writeOnnx(net));
    expect(Array.from(forward(back, x))).toEqual(Array.from(forward(net, x)));
    expect(back.nodes.map((n) => n.type)).toContain('concat');
  });
});

/** Keys' cubic kernel as a function of the distance s (the textbook form). */
function keys(s: number, a: number): number {
  const u = Math.abs(s);
  if (u <= 1) return (a + 2) * u ** 3 - (a + 3) * u ** 2 + 1;
  if (u < 2) return a * u ** 3 - 5 * a * u ** 2 + 8 * a * u - 4 * a;
  return 0;
}

/** Cubic resize of one row, half_pixel coordinates, independent of the gather tables. */
function cubicRow(x: number[], outDim: number, a: number, excludeOutside: boolean): number[] {
  const d = x.length;
  return Array.from({ length: outDim }, (_, o) => {
    const xo = ((o + 0.5) * d) / outDim - 0.5;
    const f = Math.floor(xo);
    let acc = 0;
    let total = 0;
    for (let i = f - 1; i <= f + 2; i++) {
      if (excludeOutside && (i < 0 || i >= d)) continue;
      const w = keys(xo - i, a);
      acc += w * x[Math.min(Math.max(i, 0), d - 1)]!;
      total += w;
    }
    return excludeOutside ? acc / total : acc;
  });
}

describe('cubic resize', () => {
  const x = [0.5, -1, 2, 4, -3];
  for (const [a, ex] of [
    [-0.75, false],
    [-0.5, true],
  ] as const) {
    it(`a = ${a}, exclude_outside ${ex}: equals the distance form of Keys' kernel (upsampling 5 → 12, downsampling 5 → 3)`, () => {
      for (const outDim of [12, 3]) {
        const net = buildNetwork(
          [1, 1, 5],
          [
            {
              type: 'resize',
              inputs: [0],
              size: [1, 1, outDim],
              mode: 'cubic',
              coordinateMode: 'half_pixel',
              nearestMode: 'floor',
              cubicCoeffA: a,
              excludeOutside: ex,
            },
          ],
        );
        const got = Array.from(forward(net, x));
        const want = cubicRow(x, outDim, a, ex);
        got.forEach((g, k) => expect(g).toBeCloseTo(want[k]!, 12));
      }
    });
  }
  it('reproduces a constant input exactly (the weights sum to 1)', () => {
    const net = buildNetwork(
      [1, 3, 4],
      [{ type: 'resize', inputs: [0], size: [1, 7, 9], mode: 'cubic', coordinateMode: 'align_corners', nearestMode: 'floor' }],
    );
    for (const v of forward(net, new Array(12).fill(2.5))) expect(v).toBeCloseTo(2.5, 13);
  });
});

describe('add broadcasts its inputs (numpy rules)', () => {
  it('[2, 2, 3] + [2, 1, 1] and [2, 2, 3] − [3]: every element by hand', () => {
    const net = buildNetwork(
      [2, 2, 3],
      [
        { type: 'reduce_mean', inputs: [0], axes: [1, 2], keepdims: true },
        { type: 'add', inputs: [0, 1] },
        { type: 'reduce_mean', inputs: [0], axes: [0, 1], keepdims: false },
        { type: 'add', inputs: [2, 3], coefficients: [1, -1] },
      ],
    );
    const x = seq(12);
    // channel means 3.5 and 9.5; the per-column means over channels and rows: (1+4+7+10)/4 … = 5.5, 6.5, 7.5
    const added = x.map((v, i) => v + (i < 6 ? 3.5 : 9.5));
    const col = [5.5, 6.5, 7.5];
    expect(Array.from(forward(net, x))).toEqual(added.map((v, i) => v - col[i % 3]!));
  });
  it('refuses shapes that do not broadcast', () => {
    expect(() =>
      buildNetwork(
        [2, 2, 3],
        [
          { type: 'reduce_mean', inputs: [0], axes: [2], keepdims: true },
          { type: 'slice', inputs: [0], starts: [0], ends: [1], axes: [1], steps: [1] },
          { type: 'add', inputs: [1, 2] },
        ],
      ),
    ).not.toThrow();
    expect(() =>
      buildNetwork(
        [2, 2, 3],
        [
          { type: 'slice', inputs: [0], starts: [0], ends: [2], axes: [2], steps: [1] },
          { type: 'add', inputs: [0, 1] },
        ],
      ),
    ).toThrow(/cannot add shapes \[2, 2, 3\] and \[2, 2, 2\]/);
  });
});
