import { describe, expect, it } from 'vitest';
import { CompensatedSum, compensatedSum } from './sum.js';

describe('compensated sum (Neumaier)', () => {
  it('keeps what a plain sum loses: 1 + 1e100 + 1 − 1e100 = 2 (plain: 0)', () => {
    expect([1, 1e100, 1, -1e100].reduce((a, b) => a + b, 0)).toBe(0);
    expect(compensatedSum([1, 1e100, 1, -1e100])).toBe(2);
  });

  it('ten 0.1s make exactly 1 (plain: 0.9999999999999999)', () => {
    const xs = new Array<number>(10).fill(0.1);
    expect(xs.reduce((a, b) => a + b, 0)).toBe(0.9999999999999999);
    expect(compensatedSum(xs)).toBe(1);
  });

  it('the running form gives the same value as the one-shot form', () => {
    const xs = [3.5, 1e-17, -2, 1e16, 1, -1e16];
    const s = new CompensatedSum();
    for (const x of xs) s.add(x);
    expect(s.value).toBe(compensatedSum(xs));
    expect(new CompensatedSum().value).toBe(0);
  });
});
