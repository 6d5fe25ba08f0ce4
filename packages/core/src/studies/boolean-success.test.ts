import { describe, expect, it } from 'vitest';
import { booleanSuccessSweep, cellTrialSeed, parityTruthTable, randomTruthTable } from './boolean-success.js';
import type { BooleanSuccessCell } from './boolean-success.js';
import { runSweepLocally } from './run-local.js';

const AND4 = 1 << 15; // true only at input 1111 (k = 15)
const PARITY4 = 27030;

describe('boolean-success sweep', () => {
  it('lists one shard per function × leak × depth × width, deterministically', () => {
    const o = { functions: [AND4, PARITY4], widths: [2, 3, 4], depths: [1, 2], alphas: [0, 0.1], trials: 5 };
    const shards = booleanSuccessSweep.shards(o);
    expect(shards).toHaveLength(2 * 2 * 2 * 3);
    expect(booleanSuccessSweep.shards(o)).toEqual(shards);
    expect(shards[0]).toMatchObject({ n: 4, f: AND4, width: 2, depth: 1, alpha: 0, lr: 0.025, epochs: 4000 });
    expect(cellTrialSeed(shards[0]!, 1)).not.toBe(cellTrialSeed(shards[1]!, 1));
    expect(() => booleanSuccessSweep.shards({ functions: [65536] })).toThrow(/truth-table/);
    expect(() => booleanSuccessSweep.shards({ functions: [1], widths: [0] })).toThrow(/widths/);
  });

  it('trains in float32 with precision f32; float64 shards keep their pre-f32 form (no precision key)', async () => {
    const o = { functions: [AND4, PARITY4], widths: [1, 4], depths: [1], alphas: [0.1], trials: 8, epochs: 1500 };
    expect(booleanSuccessSweep.shards(o).every((p) => !('precision' in p))).toBe(true);
    expect(booleanSuccessSweep.shards({ ...o, precision: 'f64' })).toEqual(booleanSuccessSweep.shards(o));
    expect(booleanSuccessSweep.shards({ ...o, precision: 'f32' }).every((p) => p.precision === 'f32')).toBe(true);
    expect(() => booleanSuccessSweep.shards({ ...o, precision: 'f16' as 'f32' })).toThrow(/precision must be 'f64' or 'f32'/);
    const m64 = await runSweepLocally(booleanSuccessSweep, { ...o, precision: 'f64' });
    const m32 = await runSweepLocally(booleanSuccessSweep, { ...o, precision: 'f32' });
    expect([m64.precision, m32.precision]).toEqual(['f64', 'f32']);
    // The same verdicts as in float64 (below): AND by every network, parity by no single unit.
    expect(m32.cells.map((c) => c.successes)).toEqual(m64.cells.map((c) => c.successes));
    expect(m32.cells.find((c) => c.f === AND4 && c.width === 1)!.successes).toBe(8);
    expect(m32.cells.find((c) => c.f === PARITY4 && c.width === 1)!.successes).toBe(0);
  });

  it('AND is learnt by every network; parity never by one monotone unit (width 1)', async () => {
    const merged = await runSweepLocally(booleanSuccessSweep, {
      functions: [AND4, PARITY4],
      widths: [1, 4],
      depths: [1],
      alphas: [0.1],
      trials: 8,
      epochs: 1500,
    });
    const cell = (f: number, w: number) => merged.cells.find((c) => c.f === f && c.width === w)!;
    expect(cell(AND4, 1).successes).toBe(8); // linearly separable: a single leaky unit suffices
    expect(cell(PARITY4, 1).successes).toBe(0); // x ↦ o·σ(w·x + b) + c is monotone along w: at most 1 swap < 4
    expect(cell(PARITY4, 1).meanSolvedEpoch).toBeNull();
    expect(cell(PARITY4, 1).networkEpochs).toBe(8 * 1501);
    expect(merged.shapes.find((s) => s.width === 1)).toMatchObject({ worstSuccesses: 0, worstFunction: PARITY4, meanSuccesses: 4 });
  });

  it('merges Table 3.3 counts: functions within one point of the worst rate per shape', () => {
    const c = (f: number, width: number, successes: number): BooleanSuccessCell => ({
      f,
      width,
      depth: 1,
      alpha: 0,
      trials: 100,
      successes,
      meanSolvedEpoch: null,
      networkEpochs: 0,
    });
    const cells = [c(1, 2, 10), c(2, 2, 11), c(3, 2, 30), c(1, 3, 50), c(2, 3, 40), c(3, 3, 41)];
    const m = booleanSuccessSweep.merge(cells, { functions: [1, 2, 3], widths: [2, 3], depths: [1], alphas: [0], trials: 100 });
    expect(m.hardest[0]!.rows).toEqual([
      { f: 2, binary: '0000000000000010', count: 2 },
      { f: 1, binary: '0000000000000001', count: 1 },
      { f: 3, binary: '0000000000000011', count: 1 },
    ]);
    expect(m.shapes).toEqual([
      { alpha: 0, width: 2, depth: 1, meanSuccesses: 17, worstSuccesses: 10, worstFunction: 1 },
      { alpha: 0, width: 3, depth: 1, meanSuccesses: 131 / 3, worstSuccesses: 40, worstFunction: 2 },
    ]);
    expect(m.perFunction.find((p) => p.f === 3)).toEqual({ alpha: 0, f: 3, meanRate: (0.3 + 0.41) / 2, w2d2: null, w3d1: 0.41 });
  });

  it('wide truth tables as hex: n-parity and seeded random functions (n ≥ 6)', async () => {
    expect(parityTruthTable(4)).toBe('0x6996');
    expect(parityTruthTable(2)).toBe('0x6');
    const r = randomTruthTable(10, 1);
    expect(r).toBe(randomTruthTable(10, 1));
    expect(r).not.toBe(randomTruthTable(10, 2));
    expect(BigInt(r) < 1n << 1024n).toBe(true);
    const m = await runSweepLocally(booleanSuccessSweep, {
      n: 6,
      functions: [parityTruthTable(6)],
      widths: [1],
      depths: [1],
      alphas: [0.1],
      trials: 3,
      epochs: 200,
    });
    expect(m.cells[0]!.successes).toBe(0); // one monotone unit, 6 swaps
    expect(() => booleanSuccessSweep.shards({ n: 2, functions: ['0x1f'] })).toThrow(/truth-table/);
  });
});
