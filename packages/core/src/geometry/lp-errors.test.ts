// Issue 18 #1 / #14: exceptions from HiGHS (HighsError on values it cannot take, e.g. `walk
// --lp-only` on weights of 1e300 or `construct` with coordinates of 1e308) become a one-line
// PolytopeError instead of a stack trace.
import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { createLp, solveLp } from './lp.js';

const problem = (cost: number[]) => ({
  numCols: 2,
  numRows: 1,
  cost,
  maximize: true,
  colLower: [-1, -1],
  colUpper: [1, 1],
  rows: [1, 1],
  rowLower: [-Infinity],
  rowUpper: [1],
});

describe('issue 18: HiGHS exceptions are PolytopeErrors', () => {
  it('solveLp with a cost HiGHS refuses', async () => {
    await expect(solveLp(problem([1, NaN]))).rejects.toThrow(PolytopeError);
    await expect(solveLp(problem([1, NaN]))).rejects.toThrow(/^the LP solver failed: [^\n]*$/);
  });
  it('createLp: setCost with a value HiGHS refuses', async () => {
    const lp = await createLp(problem([1, 1]));
    try {
      expect(lp.solve().status).toBe('optimal');
      expect(() => lp.setCost([NaN, 1])).toThrow(PolytopeError);
    } finally {
      lp.dispose();
    }
  });
});
