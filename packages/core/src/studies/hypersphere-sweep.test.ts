import { describe, expect, it } from 'vitest';
import { hypersphereSweep } from './hypersphere-sweep.js';
import { runSweepLocally } from './run-local.js';

describe('Fig. 4.8 sweep', () => {
  it('shards per (n, leak, block); merges counts at each threshold; deterministic', async () => {
    expect(hypersphereSweep.shards({})).toHaveLength(7 * 2 * 10);
    const o = { dims: [2], leaks: [0.01], networks: 3, block: 2, samples: 400, epochs: 8 };
    const shards = hypersphereSweep.shards(o);
    expect(shards.map((s) => [s.first, s.count])).toEqual([
      [0, 2],
      [2, 1],
    ]);
    const m = await runSweepLocally(hypersphereSweep, o);
    const row = m.rows[0]!;
    expect(row).toMatchObject({ dim: 2, leak: 0.01, networks: 3 });
    const counts = ['0.95', '0.98', '0.99', '0.9999'].map((t) => row.atLeast[t]!);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]!);
    expect(counts[0]).toBe(row.accuracies.filter((a) => a >= 0.95).length);
    // Circle vs annulus is learnable: 8 epochs of 4 batches already beat chance on the test set.
    expect(Math.max(...row.accuracies)).toBeGreaterThan(0.6);
    expect(await runSweepLocally(hypersphereSweep, o)).toEqual(m);
    expect(() => hypersphereSweep.shards({ leaks: [1] })).toThrow(/leaks/);
  });
});
