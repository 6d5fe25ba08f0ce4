/**
 * k-means and compression (§7.2) against hand-derived cases and brute force: Lloyd fixed points
 * checked independently, k = 1 against the mean computed by hand, k = distinct rows reproducing the
 * original accuracy exactly.
 */
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../index.js';
import { randomMlp } from '../reference/random.js';
import { affineMapsBatch } from './batch.js';
import { compressionAccuracy, distinctRows, kMeans, nearestCentre } from './compress.js';

describe('kMeans', () => {
  it('finds two obvious clusters and stops at the number of distinct points', () => {
    const r = kMeans(Float64Array.of(0, 0.1, 10, 10.2), 4, 1, 2, { seed: 3 });
    expect(Array.from(r.centres).sort((a, b) => a - b)).toEqual([0.05, 10.1]);
    const dup = kMeans(Float64Array.of(1, 2, 1, 2, 1, 2, 5, 5), 4, 2, 10, { seed: 1 });
    expect(dup.k).toBe(2);
    expect(Array.from(dup.centres).sort((a, b) => a - b)).toEqual([1, 2, 5, 5]); // identical points keep their exact value
  });

  it('ends at a Lloyd fixed point (every point at its nearest centre, every centre the mean of its points)', () => {
    const r0 = mulberry32(4);
    const n = 60;
    const pts = Float64Array.from({ length: n * 3 }, () => gaussian(r0));
    const r = kMeans(pts, n, 3, 5, { seed: 2, maxIterations: 500 });
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let c = 0; c < r.k; c++) {
        let s = 0;
        for (let t = 0; t < 3; t++) s += (pts[i * 3 + t]! - r.centres[c * 3 + t]!) ** 2;
        best = Math.min(best, s);
      }
      let own = 0;
      for (let t = 0; t < 3; t++) own += (pts[i * 3 + t]! - r.centres[r.assignment[i]! * 3 + t]!) ** 2;
      expect(own).toBe(best);
    }
    for (let c = 0; c < r.k; c++) {
      const members = [...r.assignment.keys()].filter((i) => r.assignment[i] === c);
      for (let t = 0; t < 3; t++)
        expect(r.centres[c * 3 + t]).toBeCloseTo(members.reduce((s, i) => s + pts[i * 3 + t]!, 0) / members.length, 12);
    }
    expect(nearestCentre(Float64Array.of(0, 0, 5, 5), 2, Float64Array.of(4, 4), 0, 2)).toBe(1);
  });
});

describe('compressionAccuracy', () => {
  const net = randomMlp([3, 6, 4], { seed: 11 });
  const r0 = mulberry32(7);
  const n = 80;
  const xs = Float64Array.from({ length: n * 3 }, () => gaussian(r0));
  const b = affineMapsBatch(net, xs, n);
  const set = { samples: n, outputs: 4, inputs: 3, jacobians: b.jacobians, offsets: b.offsets };
  const labels = Int32Array.from({ length: n }, (_, i) => i % 4);

  it('gives back the original accuracy exactly with k = the number of distinct rows (fit = test)', () => {
    const kd = Math.max(...distinctRows(set));
    expect(kd).toBeGreaterThan(1);
    expect(kd).toBeLessThan(n); // 6 ReLUs: fewer regions than samples, so rows repeat
    const r = compressionAccuracy(set, set, xs, labels, [kd, 10 * kd], { seed: 5 });
    expect(r.accuracy).toEqual([r.originalAccuracy, r.originalAccuracy]);
    // the original accuracy, from forward values by hand
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const v = Array.from(b.values.subarray(i * 4, i * 4 + 4));
      if (v.indexOf(Math.max(...v)) === labels[i]) ok++;
    }
    expect(r.originalAccuracy).toBe(ok / n);
  });

  it('with k = 1 uses the mean affine map of each output', () => {
    const r = compressionAccuracy(set, set, xs, labels, [1]);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const out = [0, 1, 2, 3].map((j) => {
        let s = 0;
        for (let k = 0; k < n; k++) s += b.offsets[k * 4 + j]!;
        s /= n;
        for (let t = 0; t < 3; t++) {
          let w = 0;
          for (let k = 0; k < n; k++) w += b.jacobians[(k * 4 + j) * 3 + t]!;
          s += (w / n) * xs[i * 3 + t]!;
        }
        return s;
      });
      if (out.indexOf(Math.max(...out)) === labels[i]) ok++;
    }
    expect(r.accuracy[0]).toBe(ok / n);
  });
});
