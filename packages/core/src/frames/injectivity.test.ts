import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { mulberry32 } from '../random.js';
import { polytopeBiasEstimate } from './bias.js';
import { frameFromRows, icosahedronFrame, mercedesBenzFrame, randomFrame, tetrahedronFrame } from './frame.js';
import type { Frame } from './frame.js';
import { exactInjectivity, sampledInjectivity } from './injectivity.js';
import { rankOfRows } from '../geometry/linalg.js';

/** A counterexample must be inside the ball with non-spanning active rows. */
function checkCounterexample(f: Frame, alpha: ArrayLike<number>, point: Float64Array): void {
  const { n, m, rows } = f;
  let norm = 0;
  for (let j = 0; j < n; j++) norm += point[j]! * point[j]!;
  expect(Math.sqrt(norm)).toBeLessThan(1);
  const act: number[] = [];
  for (let i = 0; i < m; i++) {
    let s = -alpha[i]!;
    for (let j = 0; j < n; j++) s += rows[i * n + j]! * point[j]!;
    if (s > 0) act.push(i);
  }
  expect(rankOfRows(rows, n, act, act.length)).toBeLessThan(n);
}

describe('injectivity on the ball', () => {
  it('the PBE bias is injective and maximal for the regular frames (exact check)', () => {
    for (const f of [mercedesBenzFrame(), tetrahedronFrame(), icosahedronFrame()]) {
      const a = polytopeBiasEstimate(f).alpha;
      const at = exactInjectivity(f, a);
      expect(at.injective).toBe(true);
      expect(at.complete).toBe(true);
      expect(at.marginalCells).toBe(0);
      const above = a.map((v) => v + 0.01);
      const ex = exactInjectivity(f, above);
      expect(ex.injective).toBe(false);
      checkCounterexample(f, above, ex.counterexample!.point);
    }
  });

  it('counts the cells of the icosahedron arrangement at α = 0 (6 planes through 0: 32 cones)', () => {
    // 6 central planes (antipodal vertices give the same plane), no three through one line: on the
    // sphere 15·2 = 30 vertices, 6·10 = 60 arcs, so 2 − 30 + 60 = 32 cells (the icosidodecahedron's faces).
    const r = exactInjectivity(icosahedronFrame(), new Float64Array(12));
    expect(r.hyperplanes).toBe(6);
    expect(r.cells).toBe(32);
  });

  it('sampling agrees where the failure set is large, and the exact check finds thin failures', () => {
    const f = tetrahedronFrame();
    const a = new Float64Array(4).fill(-0.45);
    const s = sampledInjectivity(f, a, { random: mulberry32(2), samples: 5000 });
    expect(s.nonSpanning).toBeGreaterThan(0);
    checkCounterexample(f, a, s.witness!);
    // α = 0.01 for the icosahedron fails only near 0 (volume ~1e-6): the exact check sees it.
    const ico = icosahedronFrame();
    const b = new Float64Array(12).fill(0.01);
    const ex = exactInjectivity(ico, b);
    expect(ex.injective).toBe(false);
    checkCounterexample(ico, b, ex.counterexample!.point);
  });

  it('agrees with dense sampling on random small layers (2-D)', () => {
    const random = mulberry32(8);
    for (let t = 0; t < 25; t++) {
      const f = randomFrame(2, 3 + Math.floor(random() * 5), mulberry32(100 + t));
      const alpha = Float64Array.from({ length: f.m }, () => random() * 1.2 - 0.9);
      const ex = exactInjectivity(f, alpha, { stopAtFirst: false });
      expect(ex.complete).toBe(true);
      const s = sampledInjectivity(f, alpha, { random: mulberry32(t), samples: 3000 });
      if (ex.injective) expect(s.nonSpanning).toBe(0);
      else checkCounterexample(f, alpha, ex.counterexample!.point);
      if (s.nonSpanning > 0) expect(ex.injective).toBe(false);
    }
  });

  it('handles duplicate and opposite hyperplanes, and rows that never cut the ball', () => {
    // x_0 = −x_1 with α_0 = −α_1: one hyperplane; x_2 with α = 2 is never active; x_3 with α = −2 always.
    const f = frameFromRows([
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
      [0, 1],
    ]);
    const r = exactInjectivity(f, [0.2, -0.2, 2, -2, -0.5]);
    expect(r.hyperplanes).toBe(2);
    expect(r.injective).toBe(true);
  });

  it('rejects alpha of the wrong length or NaN', () => {
    const f = tetrahedronFrame();
    expect(() => exactInjectivity(f, [0, 0])).toThrow(PolytopeError);
    expect(() => sampledInjectivity(f, [0, 0, NaN, 0], { random: mulberry32(1) })).toThrow(/invalid value \(NaN\) at index 2/);
  });
});
