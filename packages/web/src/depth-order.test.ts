// Back-to-front order against brute force: every consecutive pair is ordered by the exact float64
// distance of its centroids from the eye, except pairs closer than one quantization level.
import { describe, expect, it } from 'vitest';
import { backToFront, triangleCentroids } from './depth-order.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2;
}

describe('depth order', () => {
  it('computes centroids of hand-made triangles', () => {
    const tri = Float32Array.from([0, 0, 0, 3, 0, 0, 0, 3, 0, 1, 1, 1, 1, 1, 4, 1, 4, 1]);
    expect(Array.from(triangleCentroids(tri))).toEqual([1, 1, 0, 1, 2, 2]);
  });

  it('orders three triangles on an axis farthest first, whatever their buffer order', () => {
    // Centroids at z = 0, 5, −3 seen from (0, 0, 10): distances 10, 5, 13.
    const c = Float32Array.from([0, 0, 0, 0, 0, 5, 0, 0, -3]);
    const order = new Uint32Array(3);
    backToFront(c, [0, 0, 10], order, new Float64Array(3));
    expect(Array.from(order)).toEqual([2, 0, 1]);
    backToFront(c, [0, 0, -10], order, new Float64Array(3));
    expect(Array.from(order)).toEqual([1, 0, 2]);
  });

  it('agrees with a brute-force sort on 5,000 random triangles from several eyes', () => {
    const r = lcg(11);
    const n = 5000;
    const tri = Float32Array.from({ length: 9 * n }, r);
    const c = triangleCentroids(tri);
    const order = new Uint32Array(n);
    const keys = new Float64Array(n);
    for (const eye of [
      [3.2, 2.6, 4.2],
      [-5, 0.1, 0],
      [0, 0, 0],
    ] as const) {
      backToFront(c, eye, order, keys);
      const dist = (t: number) => Math.hypot(c[3 * t]! - eye[0], c[3 * t + 1]! - eye[1], c[3 * t + 2]! - eye[2]) ** 2;
      expect(new Set(order).size).toBe(n);
      const max = Math.max(...Array.from({ length: n }, (_, t) => dist(t)));
      const level = max / (2 ** 32 - 1);
      for (let k = 0; k + 1 < n; k++) expect(dist(order[k]!)).toBeGreaterThanOrEqual(dist(order[k + 1]!) - level);
      const brute = Array.from({ length: n }, (_, t) => t).sort((a, b) => dist(b) - dist(a));
      // Same order wherever the distances differ by more than a level.
      let same = 0;
      for (let k = 0; k < n; k++) if (order[k] === brute[k]) same++;
      expect(same).toBeGreaterThan(n - 10);
    }
  });
});
