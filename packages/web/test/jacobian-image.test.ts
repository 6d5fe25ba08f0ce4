/**
 * Jacobian images against the core's exact affine map: a hand-made 1×2×2 "image" network whose
 * local Jacobian is derived by hand, and a pixel's colour sign checked against affineMapAt.
 */
import { describe, expect, it } from 'vitest';
import { affineMapAt, buildNetwork } from '@polytope-lens/core';
import { jacobianImage } from '../src/jacobian-image.js';

// f(x) = ReLU(W x + b) with W = [[2, -1, 0, 0.5], [0, 0, -3, 0]], b = [0, 1]; 4 inputs = a 2×2 grey image.
const net = buildNetwork(
  [4],
  [
    {
      type: 'dense',
      inputs: [0],
      inFeatures: 4,
      outFeatures: 2,
      weight: Float64Array.of(2, -1, 0, 0.5, 0, 0, -3, 0),
      bias: Float64Array.of(0, 1),
    },
    { type: 'relu', inputs: [1] },
  ],
);
const shape = { channels: 1, height: 2, width: 2 } as const;

describe('jacobianImage', () => {
  it('grey is 0, white the largest positive entry, black the most negative (hand-derived row)', () => {
    // At x = (1, 0, 0, 0): unit 1 is on (2 > 0), unit 2 is on (1 > 0): rows are W's rows.
    const a = affineMapAt(net, [1, 0, 0, 0]);
    expect(Array.from(a.jacobian)).toEqual([2, -1, 0, 0.5, 0, 0, -3, 0]);
    const img = jacobianImage(a.jacobian, 0, shape);
    expect(Array.from(img.slice(0, 4))).toEqual([255, 255, 255, 255]); // 2 / 2 → white
    expect(img[4]).toBe(64); // −1 / 2 → 128 − 64
    expect(img[8]).toBe(128); // 0 → grey
    expect(img[12]).toBe(160); // 0.5 / 2 = 0.25 → 128 + round(31.75)
    const second = jacobianImage(a.jacobian, 1, shape);
    expect(second[8]).toBe(0); // −3 is the most negative: black
  });

  it("a pixel's sign follows the core's affineMapAt, and an off unit gives a grey image", () => {
    // At x = (0, 0, 1, 0): unit 2 is off (−3 + 1 < 0), so output 1's row is 0 there.
    const a = affineMapAt(net, [0, 0, 1, 0]);
    const img = jacobianImage(a.jacobian, 1, shape);
    expect(Array.from(img.filter((_, i) => i % 4 !== 3))).toEqual(new Array(12).fill(128));
    const first = jacobianImage(a.jacobian, 0, shape);
    for (let p = 0; p < 4; p++) expect(Math.sign(first[p * 4]! - 128)).toBe(Math.sign(a.jacobian[p]!));
  });

  it('rejects an output the Jacobian does not have', () => {
    expect(() => jacobianImage(new Float64Array(8), 2, shape)).toThrow(/no output 2/);
  });
});
