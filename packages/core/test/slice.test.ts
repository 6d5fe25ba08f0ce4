import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  AbortError,
  buildNetwork,
  PolytopeError,
  affineMapAt,
  codeKey,
  codeOffsets,
  forward,
  forwardWithCode,
  inputPlane,
  mulberry32,
  partitionLine,
  planeFromDirections,
  planeThrough,
  polygonCentroid,
  randomMlp,
  slicePlane,
  validateLine,
  validateSlice,
} from '../src/index.js';
import type { Network, Plane, SliceResult } from '../src/index.js';
import { randomPoint, tinyCnn, xorNet } from './helpers.js';

/** Every grid point's code must be the code of some region (brute-force reference). */
function gridCodesCovered(net: Network, res: SliceResult, steps = 41): void {
  const keys = new Set(res.regions.map((r) => codeKey(r.code, codeOffsets(net))));
  const [s0, s1, t0, t1] = res.box;
  const x = new Float64Array(net.inputSize);
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) {
      const s = s0 + ((s1 - s0) * (i + 0.37)) / (steps + 1);
      const t = t0 + ((t1 - t0) * (j + 0.61)) / (steps + 1);
      for (let k = 0; k < x.length; k++) x[k] = res.plane.origin[k]! + s * res.plane.u[k]! + t * res.plane.v[k]!;
      const key = codeKey(forwardWithCode(net, x).code, codeOffsets(net));
      expect(keys.has(key), `grid point (${s}, ${t}) has code ${key} not among ${keys.size} regions`).toBe(true);
    }
  }
}

/** Each region's full Jacobian at its centroid matches central finite differences. */
function jacobiansMatchFiniteDifferences(net: Network, res: SliceResult, maxRegions = 30): void {
  const d = net.inputSize;
  const x = new Float64Array(d);
  const sorted = [...res.regions].sort((a, b) => b.area - a.area).slice(0, maxRegions);
  for (const r of sorted) {
    const [s, t] = polygonCentroid(r.vertices, r.vertices.length / 2) as unknown as [number, number];
    for (let k = 0; k < d; k++) x[k] = res.plane.origin[k]! + s * res.plane.u[k]! + t * res.plane.v[k]!;
    const a = affineMapAt(net, x);
    const h = 1e-7;
    for (let i = 0; i < d; i++) {
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[i] = xp[i]! + h;
      xm[i] = xm[i]! - h;
      const fp = forward(net, xp);
      const fm = forward(net, xm);
      for (let o = 0; o < net.outputSize; o++) {
        const fd = (fp[o]! - fm[o]!) / (2 * h);
        expect(Math.abs(fd - a.jacobian[o * d + i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  }
}

describe('XOR net of the dissertation (exact hand case)', () => {
  // f(x) = [1, −2]·ReLU([[1, 1], [1, 1]] x + [1, 0]) − 1. With s = x₁ + x₂: h₁ = s + 1, h₂ = s.
  // s < −1: both off, f = −1.  −1 < s < 0: h₁ on, f = s + 1 − 1 = s.  s > 0: both on,
  // f = s + 1 − 2s − 1 = −s.  Code 01 (h₁ off, h₂ on) needs s < −1 and s > 0: empty.
  // (The seed's printed table differs; this is the mathematics.)
  const net = xorNet();
  const res = slicePlane(net, inputPlane(net), [-2, 2, -2, 2]);
  const off = codeOffsets(net);
  const byKey = new Map(res.regions.map((r) => [codeKey(r.code, off), r]));

  it('has exactly three regions with codes 00, 10, 11 and no 01', () => {
    expect(res.summary.regions).toBe(3);
    expect([...byKey.keys()].sort()).toEqual(['00', '10', '11']);
  });

  it('has the maps −1, x₁ + x₂ and −(x₁ + x₂)', () => {
    expect(Array.from(byKey.get('00')!.map)).toEqual([-1, 0, 0]);
    expect(Array.from(byKey.get('10')!.map)).toEqual([0, 1, 1]);
    expect(Array.from(byKey.get('11')!.map)).toEqual([0, -1, -1]);
  });

  it('has the areas of the three strips of [−2, 2]²', () => {
    // s < −1: triangle-ish strip of area 4.5; −1 < s < 0: 3.5; s > 0: 8.
    expect(byKey.get('00')!.area).toBeCloseTo(4.5, 12);
    expect(byKey.get('10')!.area).toBeCloseTo(3.5, 12);
    expect(byKey.get('11')!.area).toBeCloseTo(8, 12);
    expect(res.summary.totalArea).toBeCloseTo(16, 12);
  });

  it('has three linear regions and no decision boundary (f ≤ 0 everywhere)', () => {
    expect(res.summary.linearRegions).toBe(3);
    expect(res.summary.boundaryLength).toBe(0);
  });

  it('breaks the diagonal at s = −1 and s = 0', () => {
    const line = partitionLine(net, [-2, -2], [2, 2]);
    expect(Array.from(line.breakpoints)).toEqual([0.375, 0.5]);
    expect(validateLine(net, [-2, -2], [2, 2], line).ok).toBe(true);
  });

  it('gives the exact local affine maps', () => {
    const a = affineMapAt(net, [0.25, 0.25]);
    expect(Array.from(a.jacobian)).toEqual([-1, -1]);
    expect(Array.from(a.offset)).toEqual([0]);
    expect(a.code.key()).toBe('11');
  });
});

describe('decision boundary', () => {
  it('follows argmax changes for several outputs', () => {
    // Outputs (x₁, x₂, 0) directly: argmax boundaries are x₁ = x₂ (x₁, x₂ > 0), x₁ = 0 (x₂ < 0), x₂ = 0 (x₁ < 0).
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 3,
          weight: Float64Array.of(1, 0, 0, 1, 0, 0),
          bias: Float64Array.of(0, 0, 0),
        },
      ],
    );
    const res = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]);
    expect(res.summary.regions).toBe(1);
    expect(res.summary.boundaryLength).toBeCloseTo(Math.SQRT2 + 2, 12);
  });
});

describe('random MLPs against brute force', () => {
  it('tile the box, reproduce codes, cover every grid code, match finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom<number[]>([2, 6, 6, 1], [2, 5, 4, 3], [2, 8, 8, 8, 2], [2, 12, 1]),
        fc.constantFrom<'relu' | 'leaky_relu' | 'hardtanh'>('relu', 'leaky_relu', 'hardtanh'),
        (seed, widths, activation) => {
          const net = randomMlp(widths, { seed, activation });
          const res = slicePlane(net, inputPlane(net), [-2, 2, -1.5, 2.5]);
          const v = validateSlice(net, res);
          expect(v.problems).toEqual([]);
          expect(res.summary.linearRegions).toBeLessThanOrEqual(res.summary.regions);
          gridCodesCovered(net, res, 25);
          jacobiansMatchFiniteDifferences(net, res, 5);
        },
      ),
      { numRuns: 24, seed: 42 },
    );
  });

  it('are invariant to rescaling the input from 1e-9 to 1e9', () => {
    const base = randomMlp([2, 10, 10, 1], { seed: 7 });
    const ref = slicePlane(base, inputPlane(base), [-1, 1, -1, 1]).summary.regions;
    for (const scale of [1e-9, 1e-3, 1e3, 1e9]) {
      // Scale the box by `scale` and the plane directions by 1/scale: the same inputs.
      const plane: Plane = { origin: new Float64Array(2), u: Float64Array.of(1 / scale, 0), v: Float64Array.of(0, 1 / scale) };
      const res = slicePlane(base, plane, [-scale, scale, -scale, scale]);
      expect(res.summary.regions).toBe(ref);
      expect(validateSlice(base, res).problems).toEqual([]);
    }
  });

  it('count linear regions below activation regions when a unit is dead downstream', () => {
    // h = ReLU(x₁), g = ReLU(x₂); output = h only (g's weight 0): the x₂ = 0 line splits codes but not maps.
    const net = buildNetwork(
      [2],
      [
        { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 0, 0, 1), bias: Float64Array.of(0, 0) },
        { type: 'relu', inputs: [1] },
        { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: Float64Array.of(1, 0), bias: Float64Array.of(-0.5) },
      ],
    );
    const res = slicePlane(net, inputPlane(net), [-1, 1, -1, 1]);
    expect(res.summary.regions).toBe(4);
    expect(res.summary.linearRegions).toBe(2);
    // Decision boundary f = x₁ − 0.5 = 0: the segment x₁ = 0.5, t ∈ [−1, 1], split at x₂ = 0.
    expect(res.summary.boundaryLength).toBeCloseTo(2, 12);
    expect(res.boundary.length).toBe(1);
  });
});

describe('CNN slices through three inputs (conv, batch-norm, max-pool, residual, avg-pool, leaky, hard-tanh)', () => {
  it('tile the plane and agree with brute force', () => {
    for (const seed of [1, 2, 3]) {
      const net = tinyCnn(seed);
      const r = mulberry32(seed + 100);
      const plane = planeThrough(randomPoint(36, r), randomPoint(36, r), randomPoint(36, r));
      const res = slicePlane(net, plane, [-1, 4, -1, 3]);
      expect(res.summary.regions).toBeGreaterThan(10);
      expect(validateSlice(net, res).problems).toEqual([]);
      gridCodesCovered(net, res, 30);
      jacobiansMatchFiniteDifferences(net, res, 5);
    }
  });

  it('finds every piece on lines through the CNN', () => {
    const net = tinyCnn(4);
    const r = mulberry32(9);
    const x0 = randomPoint(36, r);
    const x1 = randomPoint(36, r);
    const res = partitionLine(net, x0, x1);
    expect(validateLine(net, x0, x1, res).problems).toEqual([]);
    // Sampling can only under-count pieces.
    let sampled = 1;
    let prev = '';
    const x = new Float64Array(36);
    for (let i = 0; i <= 4000; i++) {
      const t = i / 4000;
      for (let k = 0; k < 36; k++) x[k] = x0[k]! + t * (x1[k]! - x0[k]!);
      const key = codeKey(forwardWithCode(net, x).code, codeOffsets(net));
      if (i > 0 && key !== prev) sampled++;
      prev = key;
    }
    expect(res.pieces.length).toBeGreaterThanOrEqual(sampled);
  });
});

describe('bad input', () => {
  const net = xorNet();
  it('rejects empty, inverted and non-finite boxes', () => {
    expect(() => slicePlane(net, inputPlane(net), [1, -1, 0, 1])).toThrow(PolytopeError);
    expect(() => slicePlane(net, inputPlane(net), [0, 0, 0, 1])).toThrow(/empty or inverted/);
    expect(() => slicePlane(net, inputPlane(net), [0, NaN, 0, 1])).toThrow(/finite/);
    expect(() => slicePlane(net, inputPlane(net), [0, 1, 0])).toThrow(/four/);
  });
  it('rejects degenerate planes and shape mismatches', () => {
    expect(() => planeThrough([0, 0, 0], [1, 1, 1], [2, 2, 2])).toThrow(/collinear/);
    expect(() => planeThrough([0, 0, 0], [0, 0, 0], [2, 2, 1])).toThrow(/same point/);
    expect(() => planeFromDirections([0, 0], [1, 0], [2, 0])).toThrow(/parallel/);
    expect(() => slicePlane(net, planeThrough([0, 0, 0], [1, 0, 0], [0, 1, 0]), [-1, 1, -1, 1])).toThrow(/3 dimensions/);
    expect(() => inputPlane(tinyCnn(1))).toThrow(/36 inputs/);
    expect(() => partitionLine(net, [0, 0], [0, 0])).toThrow(/empty/);
    expect(() => partitionLine(net, [0, 0], [0, NaN])).toThrow(/non-finite/);
  });
});

describe('progress and cancellation', () => {
  it('reports monotone progress ending at 1 and stops on abort', () => {
    const net = randomMlp([2, 48, 48, 48, 1], { seed: 5 });
    const fractions: number[] = [];
    const res = slicePlane(net, inputPlane(net), [-1, 1, -1, 1], { onProgress: (p) => fractions.push(p.fraction), collect: false });
    expect(res.summary.regions).toBeGreaterThan(1024);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]!).toBeGreaterThanOrEqual(fractions[i - 1]!);
    const controller = new AbortController();
    expect(() =>
      slicePlane(net, inputPlane(net), [-1, 1, -1, 1], {
        onRegion: (r) => {
          if (r.index === 300) controller.abort();
        },
        signal: controller.signal,
      }),
    ).toThrow(AbortError);
  });
});
