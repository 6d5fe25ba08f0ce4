import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { highs } from './lp.js';
import {
  choleskyInPlace,
  choleskySolveInPlace,
  determinantInPlace,
  leastDistance,
  nnls,
  rankOfRows,
  solveFullPivotInPlace,
} from './linalg.js';

/** Brute-force NNLS: least squares on every support, keep the feasible ones, take the best. */
function bruteNnls(A: Float64Array, r: number, k: number, b: Float64Array): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << k; mask++) {
    const cols: number[] = [];
    for (let j = 0; j < k; j++) if (mask & (1 << j)) cols.push(j);
    // Normal equations on the support (small, well-conditioned random data).
    const p = cols.length;
    const M = new Float64Array(p * p);
    const v = new Float64Array(p);
    for (let a = 0; a < p; a++) {
      for (let c = 0; c < p; c++) for (let i = 0; i < r; i++) M[a * p + c] = M[a * p + c]! + A[i * k + cols[a]!]! * A[i * k + cols[c]!]!;
      for (let i = 0; i < r; i++) v[a] = v[a]! + A[i * k + cols[a]!]! * b[i]!;
    }
    if (p > 0 && !choleskyInPlace(M, p)) continue;
    if (p > 0) choleskySolveInPlace(M, p, v);
    if (Array.from(v).some((t) => t < -1e-12)) continue;
    let res = 0;
    for (let i = 0; i < r; i++) {
      let s = -b[i]!;
      for (let a = 0; a < p; a++) s += A[i * k + cols[a]!]! * v[a]!;
      res += s * s;
    }
    best = Math.min(best, Math.sqrt(res));
  }
  return best;
}

describe('nnls (Lawson–Hanson)', () => {
  it('solves a hand example: b = (1, −1) on the cone of e1, e2 gives (1, 0)', () => {
    const s = nnls(new Float64Array([1, 0, 0, 1]), 2, 2, new Float64Array([1, -1]));
    expect(Array.from(s.x)).toEqual([1, 0]);
    expect(s.residualNorm).toBeCloseTo(1, 15);
  });

  it('agrees with brute force over all supports on 200 random problems', () => {
    const random = mulberry32(11);
    for (let t = 0; t < 200; t++) {
      const r = 2 + Math.floor(random() * 4);
      const k = 1 + Math.floor(random() * 6);
      const A = Float64Array.from({ length: r * k }, () => random() * 2 - 1);
      const b = Float64Array.from({ length: r }, () => random() * 2 - 1);
      const s = nnls(A, r, k, b);
      expect(s.x.every((v) => v >= 0)).toBe(true);
      expect(s.residualNorm).toBeLessThanOrEqual(bruteNnls(A, r, k, b) + 1e-12);
      expect(s.kktViolation).toBeLessThan(1e-12);
    }
  });
});

describe('leastDistance (LDP via NNLS)', () => {
  it('finds the minimum-norm point of {x0 ≥ 1, x1 ≥ −5}', () => {
    const s = leastDistance(new Float64Array([1, 0, 0, 1]), 2, 2, [1, -5]);
    expect(s.feasible).toBe(true);
    expect(s.x[0]).toBeCloseTo(1, 14);
    expect(s.x[1]).toBeCloseTo(0, 14);
    expect(s.norm).toBeCloseTo(1, 14);
  });

  it('reports infeasible systems (x ≥ 1 and −x ≥ 0)', () => {
    expect(leastDistance(new Float64Array([1, -1]), 2, 1, [1, 0]).feasible).toBe(false);
  });

  it('matches the convex QP min ‖x‖² s.t. Gx ≥ h solved by HiGHS', async () => {
    const hs = await highs();
    const random = mulberry32(5);
    for (let t = 0; t < 40; t++) {
      const n = 2 + Math.floor(random() * 3);
      const p = 1 + Math.floor(random() * 6);
      const G = Float64Array.from({ length: p * n }, () => random() * 2 - 1);
      const h = Float64Array.from({ length: p }, () => random() * 2 - 1);
      const ldp = leastDistance(G, p, n, h);
      const inf = hs.infinity;
      const starts = Array.from({ length: p + 1 }, (_, i) => i * n);
      const res = hs.withModel(
        {
          numCols: n,
          numRows: p,
          colCost: new Float64Array(n),
          colLower: new Float64Array(n).fill(-inf),
          colUpper: new Float64Array(n).fill(inf),
          rowLower: h,
          rowUpper: new Float64Array(p).fill(inf),
          matrix: { format: 'csr', numRows: p, numCols: n, starts, indices: Array.from({ length: p * n }, (_, i) => i % n), values: G },
          hessian: {
            format: 'triangular',
            dimension: n,
            starts: Array.from({ length: n + 1 }, (_, i) => i),
            indices: Array.from({ length: n }, (_, i) => i),
            values: new Float64Array(n).fill(2),
          },
        },
        (model) => {
          model.options.set({ output_flag: false });
          model.run();
          return { status: model.getModelStatus(), value: model.getObjectiveValue() };
        },
      );
      if (res.status === 7) {
        expect(ldp.feasible).toBe(true);
        expect(ldp.norm * ldp.norm).toBeCloseTo(res.value, 6);
      } else {
        expect(res.status).toBe(8); // infeasible
        expect(ldp.feasible).toBe(false);
      }
    }
  });
});

describe('rankOfRows', () => {
  it('counts independent rows', () => {
    expect(rankOfRows(new Float64Array([1, 0, 2, 0, 0, 1]), 2, [0, 1, 2], 3)).toBe(2);
    expect(rankOfRows(new Float64Array([1, 1, 2, 2, -1, -1]), 2, [0, 1, 2], 3)).toBe(1);
    expect(rankOfRows(new Float64Array([0, 0]), 2, [0], 1)).toBe(0);
  });
});

describe('Gaussian elimination (solveFullPivotInPlace, determinantInPlace)', () => {
  it('solves an overdetermined consistent system by hand: x + y = 3, x − y = 1, 2x = 4 → (2, 1)', () => {
    const x = solveFullPivotInPlace(Float64Array.of(1, 1, 3, 1, -1, 1, 2, 0, 4), 3, 2)!;
    expect(Array.from(x)).toEqual([2, 1]);
  });

  it('returns null for rank-deficient rows (x + y = 1 twice) and for fewer rows than unknowns', () => {
    expect(solveFullPivotInPlace(Float64Array.of(1, 1, 1, 2, 2, 2), 2, 2)).toBeNull();
    expect(solveFullPivotInPlace(Float64Array.of(1, 1, 1), 1, 2)).toBeNull();
  });

  it('pivots on the largest entry: 1e-20·x + y = 1, x + y = 2 gives x ≈ 1, y ≈ 1 (no pivot growth)', () => {
    const x = solveFullPivotInPlace(Float64Array.of(1e-20, 1, 1, 1, 1, 2), 2, 2)!;
    expect(x[0]).toBeCloseTo(1, 15);
    expect(x[1]).toBeCloseTo(1, 15);
  });

  it('determinants worked by hand: [[2, 1], [1, 3]] = 5, a row swap flips the sign, singular = 0', () => {
    expect(determinantInPlace(Float64Array.of(2, 1, 1, 3), 2)).toBe(5);
    expect(determinantInPlace(Float64Array.of(0, 1, 1, 0), 2)).toBe(-1);
    expect(determinantInPlace(Float64Array.of(1, 2, 2, 4), 2)).toBe(0);
    // 3 × 3: det [[1,2,3],[0,1,4],[5,6,0]] = 1·(0 − 24) − 2·(0 − 20) + 3·(0 − 5) = 1
    expect(determinantInPlace(Float64Array.of(1, 2, 3, 0, 1, 4, 5, 6, 0), 3)).toBeCloseTo(1, 12);
  });

  it('agrees with the solution it was built from on 100 random 4 × 4 systems', () => {
    const random = mulberry32(5);
    for (let t = 0; t < 100; t++) {
      const A = Float64Array.from({ length: 16 }, () => 2 * random() - 1);
      const xs = Float64Array.from({ length: 4 }, () => 2 * random() - 1);
      const M = new Float64Array(20);
      for (let i = 0; i < 4; i++) {
        let b = 0;
        for (let j = 0; j < 4; j++) {
          M[i * 5 + j] = A[i * 4 + j]!;
          b += A[i * 4 + j]! * xs[j]!;
        }
        M[i * 5 + 4] = b;
      }
      const x = solveFullPivotInPlace(M, 4, 4)!;
      for (let j = 0; j < 4; j++) expect(x[j]).toBeCloseTo(xs[j]!, 8);
    }
  });
});
