import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AUTO_THREADS_MIN_PARAMETERS, parseThreads, sliceThreads } from './threads.js';

describe('--threads', () => {
  it("parses 'auto' and integers, and rejects the rest", () => {
    expect(parseThreads('auto')).toBe(Math.max(1, availableParallelism()));
    expect(parseThreads('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'x', '257']) expect(() => parseThreads(bad)).toThrow(/--threads/);
  });

  it("'auto' runs small networks on the main thread; explicit counts are kept", () => {
    expect(sliceThreads('auto', AUTO_THREADS_MIN_PARAMETERS - 1)).toBe(1);
    expect(sliceThreads('auto', AUTO_THREADS_MIN_PARAMETERS)).toBe(Math.max(1, availableParallelism()));
    expect(sliceThreads('2', 10)).toBe(2);
  });
});
