import { describe, expect, it } from 'vitest';
import {
  ActivationCode,
  PolytopeError,
  activationCode,
  affineMapAt,
  buildNetwork,
  codeOffsets,
  forward,
  forwardBatch,
  hammingDistance,
  jacobianForward,
  jacobianReverse,
  forwardWithCode,
  mulberry32,
  randomMlp,
  regionAt,
} from '../src/index.js';
import { randomPoint, tinyCnn, xorNet } from './helpers.js';

describe('forward passes', () => {
  it('float32 batches agree with the float64 pass', () => {
    const net = tinyCnn(3);
    const r = mulberry32(1);
    const batch = 7;
    const xs = new Float64Array(batch * 36);
    for (let i = 0; i < xs.length; i++) xs[i] = r() * 2 - 1;
    const out = forwardBatch(net, xs, batch);
    for (let b = 0; b < batch; b++) {
      const ref = forward(net, xs.subarray(b * 36, (b + 1) * 36));
      for (let o = 0; o < 3; o++) expect(Math.abs(out[b * 3 + o]! - ref[o]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref[o]!)));
    }
  });

  it('reject wrong lengths and non-finite inputs', () => {
    const net = xorNet();
    expect(() => forward(net, [1])).toThrow(/expects 2/);
    expect(() => forward(net, [1, NaN])).toThrow(PolytopeError);
    expect(() => forwardBatch(net, new Float64Array(3), 2)).toThrow(/batch of 2/);
  });
});

describe('activation codes', () => {
  it('have stable keys, hamming distances and round-trip through keys', () => {
    const net = randomMlp([3, 5, 4, 2], { seed: 2 });
    const a = activationCode(net, [0.1, 0.2, 0.3]);
    const b = activationCode(net, [-0.5, 0.9, -0.1]);
    expect(a.key()).toMatch(/^[01]{5}\|[01]{4}$/);
    expect(a.hamming(b)).toBe(hammingDistance(a.states, b.states));
    expect(ActivationCode.fromKey(a.key(), codeOffsets(net)).states).toEqual(a.states);
    expect(a.layer(1).length).toBe(4);
  });

  it('record max-pool argmaxes as window offsets (first maximum on ties)', () => {
    const net = buildNetwork(
      [1, 2, 2],
      [{ type: 'maxpool', inputs: [0], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] }],
    );
    expect(forwardWithCode(net, [1, 3, 3, 2]).code[0]).toBe(1);
    expect(forwardWithCode(net, [0, 0, 0, 0]).code[0]).toBe(0);
    expect(forwardWithCode(net, [0, 0, 0, 5]).code[0]).toBe(3);
  });
});

describe('local affine maps and regions', () => {
  it('forward and reverse mode agree and reproduce f on the region', () => {
    const net = tinyCnn(5);
    const r = mulberry32(4);
    const x = randomPoint(36, r);
    const { code, output } = forwardWithCode(net, x);
    const jf = jacobianForward(net, code, x);
    const jr = jacobianReverse(net, code);
    for (let i = 0; i < jf.length; i++) expect(Math.abs(jf[i]! - jr[i]!)).toBeLessThan(1e-12);
    const a = affineMapAt(net, x);
    expect(a.mode).toBe('reverse');
    for (let o = 0; o < 3; o++) {
      let v = a.offset[o]!;
      for (let i = 0; i < 36; i++) v += a.jacobian[o * 36 + i]! * x[i]!;
      expect(v).toBeCloseTo(output[o]!, 12);
    }
  });

  it('regionAt contains its point, sampled members share the code, the Chebyshev ball lies inside', async () => {
    const net = randomMlp([3, 8, 8, 2], { seed: 9, activation: 'hardtanh' });
    const x = [0.1, -0.2, 0.3];
    const region = regionAt(net, x);
    expect(region.contains(x)).toBe(true);
    for (const s of region.slack) expect(s).toBeGreaterThanOrEqual(-1e-12);
    const { center, radius, status } = await region.chebyshev({ lower: [-2, -2, -2], upper: [2, 2, 2] });
    expect(status).toBe('optimal');
    expect(radius).toBeGreaterThan(0);
    const r = mulberry32(3);
    const code = forwardWithCode(net, x).code;
    for (let k = 0; k < 200; k++) {
      const z = Array.from(center, (c) => c + (r() * 2 - 1) * radius * 0.57);
      expect(region.contains(z)).toBe(true);
      expect(forwardWithCode(net, z).code).toEqual(code);
    }
    // A point in another region violates some row.
    const far = [1.5, 1.5, -1.5];
    if (forwardWithCode(net, far).code.some((v, i) => v !== code[i])) expect(region.contains(far)).toBe(false);
  });
});

describe('network validation', () => {
  it('names the layer on shape mismatches and non-finite weights', () => {
    expect(() =>
      buildNetwork(
        [3],
        [{ type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 1, weight: new Float64Array(2), bias: new Float64Array(1) }],
      ),
    ).toThrow(/node 1 dense: expects 2 inputs/);
    expect(() =>
      buildNetwork(
        [2],
        [{ type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 1, weight: Float64Array.of(1, Infinity), bias: new Float64Array(1) }],
      ),
    ).toThrow(/non-finite/);
    expect(() => buildNetwork([0], [])).toThrow(/input shape/);
    expect(() => buildNetwork([2], [{ type: 'hardtanh', inputs: [0], min: 1, max: -1 }])).toThrow(/min < max/);
  });
});
