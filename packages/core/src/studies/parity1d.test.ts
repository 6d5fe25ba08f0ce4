import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { lossClass, parity1dStudy, toyGradient, toyLoss, toySteadyStates, xorLossAndGradient } from './parity1d.js';

describe('the toy problem of Eq. 3.12', () => {
  it('has the printed piecewise gradient (Eq. 3.17–3.18) away from a = 0', () => {
    const r = seededRandom(3);
    for (let i = 0; i < 50; i++) {
      const a = 6 * r() - 3;
      const b = 6 * r() - 3;
      const [ga, gb] = toyGradient(a, b);
      if (a > 0) expect([ga, gb]).toEqual([2 * a + 2 * b - 2, 2 * a + 4 * b].map((v) => expect.closeTo(v, 12)));
      else expect([ga, gb]).toEqual([2 * a - 2 * b - 2, -2 * a + 4 * b].map((v) => expect.closeTo(v, 12)));
    }
  });

  it('has one steady state, (2, −1) with loss 0; the seed’s (−4, 2) is not one', () => {
    const [pos, neg] = toySteadyStates();
    expect(pos).toMatchObject({ zero: { a: [2, 1], b: [-1, 1] }, onSide: true, loss: 0 });
    expect(toyGradient(2, -1).map((v) => v + 0)).toEqual([0, 0]); // (+0 folds −0)
    // a ≤ 0: 2a − 2b = 2 and −2a + 4b = 0 give (2, 1), which is not on the side a ≤ 0.
    expect(neg).toMatchObject({ zero: { a: [2, 1], b: [1, 1] }, onSide: false });
    expect(toyGradient(-4, 2)).toEqual([-14, 16]);
    expect(toyLoss(-4, 2)).toBe(50);
  });
});

describe('1-D XOR (Eq. 3.24–3.25)', () => {
  it('gradient matches central finite differences', () => {
    const r = seededRandom(9);
    const g = new Float64Array(7);
    const tmp = new Float64Array(7);
    for (let t = 0; t < 20; t++) {
      const p = Float64Array.from({ length: 7 }, () => 2 * r() - 1);
      xorLossAndGradient(p, g);
      for (let i = 0; i < 7; i++) {
        const h = 1e-6;
        const q = p.slice();
        q[i] = p[i]! + h;
        const up = xorLossAndGradient(q, tmp);
        q[i] = p[i]! - h;
        const down = xorLossAndGradient(q, tmp);
        expect(g[i]).toBeCloseTo((up - down) / (2 * h), 6);
      }
    }
  });

  it('the seed’s printed system (dw₁/dt, dc/dt) equals +∇L, not the descent direction −∇L', () => {
    const r = seededRandom(4);
    const g = new Float64Array(7);
    const relu = (v: number): number => Math.max(0, v);
    const th = (v: number): number => (v > 0 ? 1 : 0);
    for (let t = 0; t < 10; t++) {
      const [w1, w2, b1, b2, o1, o2, c] = Array.from({ length: 7 }, () => 2 * r() - 1) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      xorLossAndGradient(Float64Array.of(w1, w2, b1, b2, o1, o2, c), g);
      const m1 = -c - o1 * relu(b1 - w1) - o2 * relu(b2 - w2) - 1;
      const p1 = -c - o1 * relu(b1 + w1) - o2 * relu(b2 + w2) - 1;
      const dw1 = 2 * o1 * m1 * th(b1 - w1) - 2 * o1 * p1 * th(b1 + w1);
      const dc =
        8 * c +
        4 * o1 * relu(b1) +
        2 * o1 * relu(b1 - w1) +
        2 * o1 * relu(b1 + w1) +
        4 * o2 * relu(b2) +
        2 * o2 * relu(b2 - w2) +
        2 * o2 * relu(b2 + w2);
      expect(dw1).toBeCloseTo(g[0]!, 12); // printed dw₁/dt = +∂L/∂w₁
      expect(dc).toBeCloseTo(g[6]!, 12); // printed dc/dt = +∂L/∂c
    }
  });

  it('hand-built minima: loss 0 (one unit per outer point) and 8/3 (one unit at x = 1), both stationary', () => {
    const g = new Float64Array(7);
    // [w1, w2, b1, b2, o1, o2, c]: unit 1 fires only at −1, unit 2 only at 1, c = 1, o = −2/0.5.
    expect(xorLossAndGradient(Float64Array.of(-1, 1, -0.5, -0.5, -4, -4, 1), g)).toBe(0);
    expect(Array.from(g, (v) => v + 0)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // Unit 2 dead; unit 1 fires at 1 only and pulls v(1) to −1; c = 1/3 is the weighted mean of −1, 1, 1.
    const loss = xorLossAndGradient(Float64Array.of(1, -1, -0.5, -2, -8 / 3, 0.3, 1 / 3), g);
    expect(loss).toBeCloseTo(8 / 3, 12);
    for (const v of g) expect(Math.abs(v)).toBeLessThan(1e-12);
    // All outputs zero: loss 4.
    expect(xorLossAndGradient(Float64Array.of(1, 1, -5, -5, 1, 1, 0), g)).toBe(4);
    expect([lossClass(0.01), lossClass(2.7), lossClass(4), lossClass(1)]).toEqual(['0', '8/3', '4', 'not converged']);
  });

  it('Table 3.2 protocol: every network accounted for, by loss and by state', () => {
    const r = parity1dStudy({ count: 60 });
    expect(Object.values(r.byLoss).reduce((a, b) => a + b, 0)).toBe(60);
    expect(r.minima.reduce((a, m) => a + m.count, 0)).toBe(60);
    expect(r.symmetryClasses.length).toBeLessThanOrEqual(r.minima.length);
    expect(parity1dStudy({ count: 60 })).toEqual(r);
    expect(() => parity1dStudy({ count: 0 })).toThrow(/count/);
  });
});
