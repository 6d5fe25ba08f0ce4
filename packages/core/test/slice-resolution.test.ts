// Issue 18 #2: at large plane scales a slice lost regions smaller than its resolution (side
// tolerance × box) while the centroid validation passed. The slice now judges each vertex against
// a pointwise tolerance (geometry/predicates.ts `localTolerance` + the vertex's own terms), so the
// structure near the origin keeps its regions down to float64's resolution of the box (~1e-14).
// References: the exact count is independent of the scale s once the arrangement near the origin
// fits in the box (the plane map is s·t, so the structure only shrinks), and a brute-force
// reference — activation codes of a dense sample taken in the unscaled directions' coordinates,
// where the structure is of size 1 — must all be found at every scale.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  forwardWithCode,
  inputPlane,
  planeFromDirections,
  randomMlp,
  readOnnx,
  slicePlane,
  validateSlice,
} from '../src/index.js';
import type { Network } from '../src/index.js';

const FIXTURES = new URL('../../../../shared/fixtures/onnx/', import.meta.url);
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(name, FIXTURES)));
const key = (c: Uint8Array): string => c.join('');

/** Codes of a grid of n × n points in [-r, r]² for every r, in the coordinates of the directions D1, D2 (no scaling). */
function sampledCodes(net: Network, d1: number[], d2: number[], radii: number[], n: number): Set<string> {
  const set = new Set<string>();
  const x = new Float64Array(d1.length);
  for (const r of radii)
    for (let i = 0; i <= n; i++)
      for (let j = 0; j <= n; j++) {
        const a = -r + (2 * r * i) / n;
        const b = -r + (2 * r * j) / n;
        for (let k = 0; k < x.length; k++) x[k] = a * d1[k]! + b * d2[k]!;
        set.add(key(forwardWithCode(net, x).code));
      }
  return set;
}

function scaledSlice(net: Network, d1: number[], d2: number[], s: number) {
  const plane = planeFromDirections(
    new Float64Array(d1.length),
    d1.map((v) => v * s),
    d2.map((v) => v * s),
  );
  return slicePlane(net, plane, [-1, 1, -1, 1]);
}

describe('issue 18 #2: pointwise tolerances keep the regions at large plane scales', () => {
  it('random MLP: the same regions from s = 1e3 to 1e9, every sampled code found, validation passes', () => {
    const net = randomMlp([6, 24, 12, 1], { seed: 7 });
    const d1 = [1, 0, 0, 0, 0, 0];
    const d2 = [0, 1, 0, 0, 0, 0];
    const ref = sampledCodes(net, d1, d2, [1, 4, 16, 64], 80);
    const base = scaledSlice(net, d1, d2, 1e3);
    const baseCodes = new Set(base.regions.map((r) => key(r.code)));
    for (const code of ref) expect(baseCodes.has(code)).toBe(true);
    for (const s of [1e4, 1e7, 1e9]) {
      const res = scaledSlice(net, d1, d2, s);
      expect(res.summary.regions).toBe(base.summary.regions); // box-relative tolerances: 709 → fewer at 1e9
      expect(new Set(res.regions.map((r) => key(r.code)))).toEqual(baseCodes);
      expect(validateSlice(net, res).problems).toEqual([]);
    }
  });

  it('mlp.onnx, plane directions scaled by 1, 1e4, 1e7, 1e10: every brute-force code is found', () => {
    const net = readOnnx(fixture('mlp.onnx'), { externalData: fixture });
    const d1 = Array.from({ length: 10 }, (_, i) => Math.sin(1 + 3 * i));
    const d2 = Array.from({ length: 10 }, (_, i) => Math.cos(2 + 5 * i));
    const radii = [1, 10, 100, 1000, 1e4];
    const perRadius = radii.map((r) => sampledCodes(net, d1, d2, [r], 80));
    const counts: number[] = [];
    for (const s of [1, 1e4, 1e7, 1e10]) {
      const res = scaledSlice(net, d1, d2, s);
      const codes = new Set(res.regions.map((r) => key(r.code)));
      const ref = perRadius.filter((_, i) => radii[i]! <= s).flatMap((set) => [...set]);
      const missing = ref.filter((c) => !codes.has(c));
      expect(missing).toEqual([]);
      expect(res.summary.totalArea).toBeCloseTo(4, 9);
      counts.push(res.summary.regions);
    }
    // 1e4 and 1e7 agree exactly (1,317; box-relative tolerances lost 16 at 1e7 and 1,033 at 1e10);
    // at 1e10 three triangles with sides ≈ 3e-15 of the box are below float64's resolution.
    expect(counts[2]).toBe(counts[1]);
    expect(counts[3]).toBeGreaterThanOrEqual(counts[1]! - 3);
  });

  it('a scale whose features are below float64 resolution: fewer regions, and validation says so', () => {
    const net = randomMlp([6, 24, 12, 1], { seed: 7 });
    const d1 = [1, 0, 0, 0, 0, 0];
    const d2 = [0, 1, 0, 0, 0, 0];
    const expected = scaledSlice(net, d1, d2, 1e3).summary.regions;
    for (const s of [1e12, 1e13]) {
      const res = scaledSlice(net, d1, d2, s);
      const rep = validateSlice(net, res);
      expect(res.summary.regions).toBeLessThan(expected);
      expect(rep.ok).toBe(false);
      expect(rep.resolution).toMatch(/below the slice's resolution/);
    }
  });

  it('mlp.onnx at s = 1e10: the three triangles lost to deeper layers are reported (every-layer vertex check)', () => {
    const net = readOnnx(fixture('mlp.onnx'), { externalData: fixture });
    const d1 = Array.from({ length: 10 }, (_, i) => Math.sin(1 + 3 * i));
    const d2 = Array.from({ length: 10 }, (_, i) => Math.cos(2 + 5 * i));
    const fine = scaledSlice(net, d1, d2, 1e4);
    expect(validateSlice(net, fine).ok).toBe(true);
    const coarse = scaledSlice(net, d1, d2, 1e10);
    const rep = validateSlice(net, coarse);
    expect(coarse.summary.regions).toBeLessThan(fine.summary.regions);
    expect(rep.ok).toBe(false);
    expect(rep.resolution).toMatch(/lines meet below the slice's resolution/);
  });

  it('lines of three layers that truly meet in one point are not reported (decimal weights, rounding)', () => {
    // Layer 1: s − 0.7 and t − 0.3 (lines s = 0.7, t = 0.3). Layer 2 on the quadrant where both are on:
    // 0.3·(s − 0.7) − 0.3·(t − 0.3) = 0.3 (s − t − 0.4): its line s − t = 0.4 passes exactly through (0.7, 0.3).
    // Layer 3: 1.1·h2 − 0.9·relu(s − 0.7)… meets there too. Exact concurrences are not resolution problems.
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 2,
          weight: Float64Array.of(1, 0, 0, 1),
          bias: Float64Array.of(-0.7, -0.3),
        },
        { type: 'relu', inputs: [1] },
        {
          type: 'dense',
          inputs: [2],
          inFeatures: 2,
          outFeatures: 3,
          weight: Float64Array.of(0.3, -0.3, 1, 0, 0, 1),
          bias: Float64Array.of(0, 0, 0),
        },
        { type: 'relu', inputs: [3] },
        { type: 'dense', inputs: [4], inFeatures: 3, outFeatures: 1, weight: Float64Array.of(1.1, -0.9, 0.7), bias: Float64Array.of(0) },
        { type: 'relu', inputs: [5] },
        { type: 'dense', inputs: [6], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(0) },
      ],
    );
    const res = slicePlane(net, inputPlane(net), [-1.3, 2.1, -0.9, 1.7]);
    const rep = validateSlice(net, res);
    expect(rep.resolution ?? null).toBeNull();
    expect(rep.problems).toEqual([]);
    // Every region meets the point (0.7, 0.3) or not; at least one region has a vertex there where ≥ 3 lines meet.
    const atPoint = res.regions.filter((r) => {
      for (let q = 0; q < r.vertices.length; q += 2) if (Math.hypot(r.vertices[q]! - 0.7, r.vertices[q + 1]! - 0.3) < 1e-12) return true;
      return false;
    });
    expect(atPoint.length).toBeGreaterThanOrEqual(4);
  });
});
