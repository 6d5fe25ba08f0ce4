/**
 * Similarity measures against independent references: CKA's invariances (orthogonal maps,
 * isotropic scaling), CKA(X, X) = 1 and the Gram form against the feature form; least squares against
 * the normal equations solved by hand-coded Gaussian elimination; the scaled MSE and cross-entropy
 * by direct formulas; the per-output parts (the chapter-7 study's shards) against the primal normal
 * equations `(XᵀX + λI)⁻¹XᵀY` applied directly, pairwise CKA and the direct formulas.
 */
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../index.js';
import { randomMlp } from '../reference/random.js';
import { affineMapsBatch } from './batch.js';
import {
  coefficientMatrix,
  combineSimilarity,
  hatMatrix,
  leastSquaresMap,
  leastSquaresSource,
  linearCka,
  networkSimilarity,
  outputSimilarity,
} from './similarity.js';
import type { CoefficientData } from './compress.js';

function randn(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => gaussian(r));
}

/** Naive CKA in feature space: ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F) on centred columns, written out in full. */
function ckaReference(x: Float64Array, y: Float64Array, n: number, p: number, q: number): number {
  const centre = (a: Float64Array, w: number) => {
    const out = Float64Array.from(a);
    for (let c = 0; c < w; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += a[i * w + c]!;
      for (let i = 0; i < n; i++) out[i * w + c] = out[i * w + c]! - s / n;
    }
    return out;
  };
  const xc = centre(x, p);
  const yc = centre(y, q);
  const fro2 = (a: Float64Array, wa: number, b: Float64Array, wb: number) => {
    let t = 0;
    for (let r = 0; r < wa; r++)
      for (let c = 0; c < wb; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += a[i * wa + r]! * b[i * wb + c]!;
        t += s * s;
      }
    return t;
  };
  return fro2(yc, q, xc, p) / Math.sqrt(fro2(xc, p, xc, p) * fro2(yc, q, yc, q));
}

describe('linearCka', () => {
  const n = 12;
  const p = 4;
  const x = randn(n * p, 1);
  it('is 1 for X against itself, against X Q (Q orthogonal) and against 3.7 X', () => {
    expect(linearCka(x, x, n, p, p)).toBeCloseTo(1, 12);
    const t = 0.7;
    const xq = Float64Array.from(x);
    for (let i = 0; i < n; i++) {
      const a = x[i * p]!;
      const b = x[i * p + 1]!;
      xq[i * p] = Math.cos(t) * a - Math.sin(t) * b;
      xq[i * p + 1] = Math.sin(t) * a + Math.cos(t) * b;
    }
    expect(linearCka(x, xq, n, p, p)).toBeCloseTo(1, 12);
    expect(
      linearCka(
        x,
        x.map((v) => 3.7 * v),
        n,
        p,
        p,
      ),
    ).toBeCloseTo(1, 12);
  });
  it('equals the feature-space formula on random data, in both the Gram (n ≤ p) and the feature (n > p) branch', () => {
    const y = randn(n * 6, 2);
    const v = linearCka(x, y, n, p, 6);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
    expect(v).toBeCloseTo(ckaReference(x, y, n, p, 6), 12);
    const wide = randn(5 * 9, 3);
    const wide2 = randn(5 * 9, 4);
    expect(linearCka(wide, wide2, 5, 9, 9)).toBeCloseTo(ckaReference(wide, wide2, 5, 9, 9), 12);
  });
});

/** Solves A z = b (k × k) by Gaussian elimination with partial pivoting, written out for the test. */
function solve(a: number[][], b: number[]): number[] {
  const k = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    for (let r = c + 1; r < k; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let cc = c; cc <= k; cc++) m[r]![cc] = m[r]![cc]! - f * m[c]![cc]!;
    }
  }
  const z = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = m[r]![k]!;
    for (let cc = r + 1; cc < k; cc++) s -= m[r]![cc]! * z[cc]!;
    z[r] = s / m[r]![r]!;
  }
  return z;
}

describe('least squares', () => {
  it('matches the normal equations solved by elimination (ridge 0, full rank)', () => {
    const n = 9;
    const m = 3;
    const q = 2;
    const x = randn(n * m, 5);
    const y = randn(n * q, 6);
    const got = leastSquaresMap(leastSquaresSource(x, n, m, 0), y, q);
    const xtx = Array.from({ length: m }, (_, r) =>
      Array.from({ length: m }, (_, c) => [...Array(n).keys()].reduce((s, i) => s + x[i * m + r]! * x[i * m + c]!, 0)),
    );
    for (let c = 0; c < q; c++) {
      const xty = Array.from({ length: m }, (_, r) => [...Array(n).keys()].reduce((s, i) => s + x[i * m + r]! * y[i * q + c]!, 0));
      const z = solve(xtx, xty);
      for (let r = 0; r < m; r++) expect(got[r * q + c]).toBeCloseTo(z[r]!, 10);
    }
  });
  it('recovers an exact map and stays finite on a rank-deficient matrix (ridge)', () => {
    const src = leastSquaresSource(Float64Array.of(1, 0, 0, 1, 1, 1), 3, 2);
    const mm = leastSquaresMap(src, Float64Array.of(2, 3, 5), 1);
    expect(mm[0]).toBeCloseTo(2, 6);
    expect(mm[1]).toBeCloseTo(3, 6);
    const rep = leastSquaresSource(Float64Array.of(1, 2, 1, 2, 1, 2), 3, 2); // one row repeated: rank 1
    const r = leastSquaresMap(rep, Float64Array.of(5, 5, 5), 1);
    expect(r[0]! * 1 + r[1]! * 2).toBeCloseTo(5, 6);
  });
});

describe('hatMatrix (the shared factor of the affine-mapped accuracy)', () => {
  // X̃ (XᵀX + λI)⁻¹ Xᵀ with λ = ridge · max diag(XᵀX), by the m × m normal equations solved by elimination.
  function reference(x: Float64Array, xt: Float64Array, n: number, p: number, m: number, ridge: number): number[][] {
    const xtx = Array.from({ length: m }, (_, r) =>
      Array.from({ length: m }, (_, c) => [...Array(n).keys()].reduce((s, i) => s + x[i * m + r]! * x[i * m + c]!, 0)),
    );
    const lambda = ridge * Math.max(...xtx.map((row, r) => row[r]!));
    xtx.forEach((row, r) => (row[r] = row[r]! + lambda));
    return [...Array(p).keys()].map((i) => {
      const u = solve(xtx, Array.from(xt.subarray(i * m, (i + 1) * m)));
      return [...Array(n).keys()].map((k) => u.reduce((s, v, c) => s + v * x[k * m + c]!, 0));
    });
  }
  for (const [n, m] of [
    [6, 11], // fewer fit samples than coefficients: the n × n system
    [14, 5], // more: the m × m system
  ] as const) {
    it(`equals X̃ (XᵀX + λI)⁻¹ Xᵀ by elimination (n = ${n}, m = ${m})`, () => {
      const p = 4;
      const x = randn(n * m, 11 + n);
      const xt = randn(p * m, 12 + n);
      const got = hatMatrix(x, xt, { n, p, m, ridge: 1e-3 });
      const want = reference(x, xt, n, p, m, 1e-3);
      for (let i = 0; i < p; i++) for (let k = 0; k < n; k++) expect(got[i * n + k]).toBeCloseTo(want[i]![k]!, 9);
    });
  }
});

describe('networkSimilarity', () => {
  const a = randomMlp([3, 8, 4], { seed: 1 });
  const b = randomMlp([3, 8, 4], { seed: 2 });
  const fitX = randn(40 * 3, 7);
  const testX = randn(25 * 3, 8);
  const set = (net: typeof a, xs: Float64Array, n: number) => {
    const r = affineMapsBatch(net, xs, n);
    return { samples: n, outputs: 4, inputs: 3, jacobians: r.jacobians, offsets: r.offsets, values: r.values };
  };
  const sa = { fit: set(a, fitX, 40), test: set(a, testX, 25) };
  const sb = { fit: set(b, fitX, 40), test: set(b, testX, 25) };
  const labels = Int32Array.from({ length: 25 }, (_, i) => i % 4);
  const s = networkSimilarity([sa, sb], testX, labels);

  it('has the expected diagonals and agrees with direct formulas', () => {
    expect(s.cka[0]![0]).toBeCloseTo(1, 12);
    expect(s.scaledMse[0]![0]).toBe(0);
    expect(s.cka[0]![1]).toBeCloseTo(s.cka[1]![0]!, 12); // symmetric
    // diagonal accuracy = the network's own accuracy
    const own = (vals: Float64Array) =>
      [...Array(25).keys()].filter((i) => {
        const v = Array.from(vals.subarray(i * 4, i * 4 + 4));
        return v.indexOf(Math.max(...v)) === labels[i];
      }).length / 25;
    expect(s.affineAccuracy[0]![0]).toBe(own(sa.test.values));
    expect(s.affineAccuracy[1]![1]).toBe(own(sb.test.values));
    // cross-entropy of A's softmax relative to B's, by the formula
    let h = 0;
    for (let i = 0; i < 25; i++) {
      const p = Array.from(sa.test.values.subarray(i * 4, i * 4 + 4)).map(Math.exp);
      const q = Array.from(sb.test.values.subarray(i * 4, i * 4 + 4)).map(Math.exp);
      const ps = p.reduce((x, y) => x + y);
      const qs = q.reduce((x, y) => x + y);
      for (let r = 0; r < 4; r++) h -= (p[r]! / ps) * Math.log(q[r]! / qs);
    }
    expect(s.softmaxCe[0]![1]).toBeCloseTo(h / 25, 10);
    // scaled MSE by Eq. 7.5-7.6
    const rows = (t: typeof sa.test) =>
      [0, 1, 2, 3].flatMap((j) =>
        [...Array(25).keys()].flatMap((i) => [
          ...Array.from(t.jacobians.subarray((i * 4 + j) * 3, (i * 4 + j + 1) * 3)),
          t.offsets[i * 4 + j]!,
        ]),
      );
    const ra = rows(sa.test);
    const rb = rows(sb.test);
    const ma = Math.max(...ra);
    const mb = Math.max(...rb);
    expect(s.scaledMse[0]![1]).toBeCloseTo(ra.reduce((acc, v, k) => acc + (v / ma - rb[k]! / mb) ** 2, 0) / (4 * 25 * 4), 12);
  });

  it('shares Gram matrices across pairs when there are fewer test samples than coefficients, with the same CKA', () => {
    const c = randomMlp([30, 8, 4], { seed: 3 });
    const e = randomMlp([30, 8, 4], { seed: 4 });
    const fx = randn(12 * 30, 9);
    const tx = randn(10 * 30, 10);
    const mk = (net: typeof c, xs: Float64Array, n: number) => {
      const r = affineMapsBatch(net, xs, n);
      return { samples: n, outputs: 4, inputs: 30, jacobians: r.jacobians, offsets: r.offsets, values: r.values };
    };
    const sc = { fit: mk(c, fx, 12), test: mk(c, tx, 10) };
    const se = { fit: mk(e, fx, 12), test: mk(e, tx, 10) };
    const r = networkSimilarity(
      [sc, se],
      tx,
      Int32Array.from({ length: 10 }, (_, i) => i % 4),
    );
    const want =
      [0, 1, 2, 3].reduce((acc, j) => acc + linearCka(coefficientMatrix(sc.test, j), coefficientMatrix(se.test, j), 10, 31, 31), 0) / 4;
    expect(r.cka[0]![1]).toBeCloseTo(want, 12);
    expect(r.cka[1]![0]).toBeCloseTo(want, 12);
    expect(r.cka[1]![1]).toBeCloseTo(1, 12);
  });

  it('maps a network onto itself perfectly off the diagonal too (two copies of one network)', () => {
    const t = networkSimilarity([sa, sa], testX, labels);
    expect(t.affineAccuracy[0]![1]).toBe(t.affineAccuracy[0]![0]);
    expect(t.cka[0]![1]).toBeCloseTo(1, 12);
  });
});

describe('outputSimilarity + combineSimilarity (the per-output form the chapter-7 study shards)', () => {
  function randomSet(r: () => number, n: number, o: number, d: number): CoefficientData {
    return {
      samples: n,
      outputs: o,
      inputs: d,
      jacobians: Float64Array.from({ length: n * o * d }, () => gaussian(r)),
      offsets: Float64Array.from({ length: n * o }, () => gaussian(r)),
    };
  }
  // Fewer fit rows than coefficients (dual hat matrix) and more (primal), fewer test rows than coefficients (Gram CKA) and more (pairwise).
  for (const [n, d, p] of [
    [5, 7, 6],
    [12, 4, 9],
  ] as const) {
    it(`maps through M = (XᵀX + λI)⁻¹XᵀY and matches the direct formulas (n = ${n}, d + 1 = ${d + 1}, p = ${p})`, () => {
      const r = mulberry32(n * 31 + d);
      const o = 3;
      const m = d + 1;
      const nets = [0, 1, 2].map(() => ({ fit: randomSet(r, n, o, d), test: randomSet(r, p, o, d) }));
      const xs = Float64Array.from({ length: p * d }, () => gaussian(r));
      const labels = Array.from({ length: p }, (_, i) => i % o);
      const ridge = 1e-3;
      const parts = Array.from({ length: o }, (_, j) =>
        outputSimilarity(
          nets.map((t) => coefficientMatrix(t.fit, j)),
          nets.map((t) => coefficientMatrix(t.test, j)),
          xs,
          { n, p, d },
          ridge,
        ),
      );
      const z = (i: number) => [...Array.from(xs.subarray(i * d, (i + 1) * d)), 1];
      for (let j = 0; j < o; j++) {
        for (let s = 0; s < 3; s++) {
          const src = leastSquaresSource(coefficientMatrix(nets[s]!.fit, j), n, m, ridge);
          const xt = coefficientMatrix(nets[s]!.test, j);
          for (let t = 0; t < 3; t++) {
            // Primal map M (m × m) from source s to target t, applied to each test row and z_i.
            const map = leastSquaresMap(src, coefficientMatrix(nets[t]!.fit, j), m);
            for (let i = 0; i < p; i++) {
              const zi = z(i);
              let want = 0;
              if (s === t) for (let c = 0; c < m; c++) want += xt[i * m + c]! * zi[c]!;
              else for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) want += xt[i * m + a]! * map[a * m + b]! * zi[b]!;
              expect(parts[j]!.mapped[s]![t]![i]!).toBeCloseTo(want, 8);
            }
          }
        }
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 3; b++) {
            const xa = coefficientMatrix(nets[a]!.test, j);
            const xb = coefficientMatrix(nets[b]!.test, j);
            expect(parts[j]!.cka[a]![b]!).toBeCloseTo(ckaReference(xa, xb, p, m, m), 10);
          }
      }
      const all = combineSimilarity(parts, labels, { p, m });
      // Scaled MSE by Eq. 7.5–7.6 written out, a = the largest entry of each network's test C̃.
      const rows = (t: CoefficientData) => Array.from({ length: o }, (_, j) => Array.from(coefficientMatrix(t, j))).flat();
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          const ra = rows(nets[a]!.test);
          const rb = rows(nets[b]!.test);
          const ma = Math.max(...ra);
          const mb = Math.max(...rb);
          const want = ra.reduce((acc, v, k) => acc + (v / ma - rb[k]! / mb) ** 2, 0) / (o * p * m);
          expect(all.scaledMse[a]![b]!).toBeCloseTo(want, 12);
        }
      // The accuracy of the diagonal is each network's own (argmax of J x + y against the labels).
      for (let s = 0; s < 3; s++) {
        let ok = 0;
        for (let i = 0; i < p; i++) {
          const v = Array.from({ length: o }, (_, j) => {
            const xt = coefficientMatrix(nets[s]!.test, j);
            return z(i).reduce((acc, zi, c) => acc + zi * xt[i * m + c]!, 0);
          });
          if (v.indexOf(Math.max(...v)) === labels[i]) ok++;
        }
        expect(all.affineAccuracy[s]![s]).toBe(ok / p);
      }
    });
  }
});
