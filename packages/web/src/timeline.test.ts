import { describe, expect, it } from 'vitest';
import { TIMELINE_CAPACITY, Timeline, keepEvery } from './timeline.js';

const snap = (step: number, bytes = 10) => ({ step, loss: 0, net: 'x'.repeat(bytes) });
const steps = (t: Timeline) => t.snapshots.map((s) => s.step);

describe('training timeline', () => {
  it('keepEvery: steps 0, k, 2k, … and the last fit the capacity', () => {
    // 420 steps, capacity 48: k = ⌈420/46⌉ = 10 → 0, 10, …, 420: 43 snapshots.
    expect(keepEvery(420)).toBe(10);
    expect(keepEvery(20)).toBe(1);
    expect(keepEvery(0)).toBe(1);
    for (const total of [1, 46, 47, 100, 999, 123457]) {
      const k = keepEvery(total);
      const count = Math.floor(total / k) + 1 + (total % k === 0 ? 0 : 1);
      expect(count).toBeLessThanOrEqual(TIMELINE_CAPACITY);
    }
  });

  it('keeps everything under capacity, the final replacing a repeat of its step', () => {
    const t = new Timeline(5);
    for (const s of [0, 10, 20]) t.add(snap(s), false);
    t.add(snap(20), true);
    expect(steps(t)).toEqual([0, 10, 20]);
    t.add(snap(30), false); // after the final: ignored
    expect(steps(t)).toEqual([0, 10, 20]);
  });

  it('thins evenly when over capacity: every other one, then every other arrival', () => {
    const t = new Timeline(4);
    for (let s = 0; s <= 4; s++) t.add(snap(s), false);
    // 0 1 2 3 4 (5 > 4) → 0 2 4; then arrivals 5, 6, 7, 8: only 6 and 8 are kept (stride 2).
    expect(steps(t)).toEqual([0, 2, 4]);
    t.add(snap(5), false);
    t.add(snap(6), false);
    expect(steps(t)).toEqual([0, 2, 4, 6]);
    t.add(snap(7), false);
    t.add(snap(8), false);
    // 0 2 4 6 8 → 0 4 8, stride 4.
    expect(steps(t)).toEqual([0, 4, 8]);
    t.add(snap(9), true); // the final is always kept
    expect(steps(t)).toEqual([0, 4, 8, 9]);
  });

  it('keeps the final when thinning at an odd position, and bounds the bytes', () => {
    const t = new Timeline(3);
    for (const s of [0, 1, 2]) t.add(snap(s), false);
    t.add(snap(3), true);
    expect(steps(t)).toEqual([0, 2, 3]);
    const b = new Timeline(100, 2 * 10 * 4); // room for 4 snapshots of 10 chars (UTF-16)
    for (let s = 0; s < 9; s++) b.add(snap(s), false);
    expect(b.size).toBeLessThanOrEqual(4);
    expect(steps(b)).toEqual([0, 4, 8]);
  });
});
