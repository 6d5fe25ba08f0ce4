/**
 * Parallel slices through the built worker threads: cancellation stops the workers and leaves a
 * pool usable, work units give the single-threaded counts, and a slow consumer (flow control)
 * changes nothing but the pace.
 */
import { describe, expect, it } from 'vitest';
import { inputPlane, randomMlp, slicePlane } from '@polytope-lens/core';
// The built module: workers run dist/parallel/slice-worker.js.
import { SlicePool, sliceParallel } from '../dist/parallel/slice-parallel.js';

describe('parallel slices', () => {
  const net = randomMlp([2, 24, 24, 24, 1], { seed: 7 });
  const box = [-1.5, 1.5, -1.5, 1.5];
  const reference = slicePlane(net, inputPlane(net), box, { collect: false }).summary;

  it('match the single-threaded library, cancel cleanly, and keep the pool usable', async () => {
    const pool = new SlicePool(2);
    try {
      const first = await sliceParallel(net, inputPlane(net), box, { threads: 2, pool });
      expect(first.summary.regions).toBe(reference.regions);
      expect(first.summary.linearRegions).toBe(reference.linearRegions);
      expect(first.summary.totalArea).toBeCloseTo(9, 12);

      const controller = new AbortController();
      let seen = 0;
      const cancelled = sliceParallel(net, inputPlane(net), box, {
        threads: 2,
        pool,
        signal: controller.signal,
        onRegion: () => {
          if (++seen === 50) controller.abort();
        },
      });
      await expect(cancelled).rejects.toThrow(/abort|cancel/i);

      // The same pool still works after the cancelled job.
      const again = await sliceParallel(net, inputPlane(net), box, { threads: 2, pool });
      expect(again.summary.regions).toBe(reference.regions);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a slow consumer (workers waiting for credits) gives the same result', async () => {
    let regions = 0;
    const res = await sliceParallel(net, inputPlane(net), box, {
      threads: 2,
      onRegion: () => {
        regions++;
        // Busy-wait a little per region so the workers run ahead and block on their credits.
        const until = performance.now() + 0.02;
        while (performance.now() < until);
      },
    });
    expect(regions).toBe(reference.regions);
    expect(res.summary.linearRegions).toBe(reference.linearRegions);
  }, 60_000);
});
