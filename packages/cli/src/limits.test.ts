// Issue 18 #7–#9: the allocation budget's parsing, escaping of echoed names, the thread cap.
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES } from '@polytope-lens/core';
import { MAX_BYTES_ENV, checkBudget, clampThreads, escapeName, maxBytes, maxThreads } from './limits.js';
import { parseThreads } from './threads.js';

describe('issue 18 #7: allocation budget', () => {
  afterEach(() => Reflect.deleteProperty(process.env, MAX_BYTES_ENV));
  it('defaults to DEFAULT_MAX_BYTES; POLYTOPE_MAX_BYTES overrides with k/M/G suffixes', () => {
    expect(maxBytes()).toBe(DEFAULT_MAX_BYTES);
    process.env[MAX_BYTES_ENV] = '16G';
    expect(maxBytes()).toBe(16 * 1024 ** 3);
    process.env[MAX_BYTES_ENV] = '512k';
    expect(maxBytes()).toBe(512 * 1024);
    process.env[MAX_BYTES_ENV] = 'lots';
    expect(() => maxBytes()).toThrow(/POLYTOPE_MAX_BYTES must be a number/);
  });
  it('checkBudget refuses above the limit and names how to raise it', () => {
    process.env[MAX_BYTES_ENV] = '1k';
    expect(() => checkBudget(1024, 'x')).not.toThrow();
    expect(() => checkBudget(1025, 'x')).toThrow(/above the allocation limit of 1\.0 KiB \(raise it with POLYTOPE_MAX_BYTES/);
  });
});

describe('issue 18 #8: escaping names echoed in messages', () => {
  it('control characters become visible escapes; the message stays one line', () => {
    expect(escapeName('a\u001b[2Jb\nc\rd\te\u009bf\u202eg')).toBe('a\\x1b[2Jb\\nc\\rd\\te\\x9bf\\u202eg');
    expect(escapeName('fc1.weight (ok) ✓')).toBe('fc1.weight (ok) ✓');
  });
});

describe('issue 18 #9: --threads is clamped with a message', () => {
  it('above the cap: clamped; at or below: kept', () => {
    const cap = maxThreads();
    expect(cap).toBe(Math.min(64, Math.max(2, 2 * availableParallelism())));
    expect(clampThreads(256, true)).toBe(cap);
    expect(clampThreads(1, true)).toBe(1);
    expect(parseThreads('1')).toBe(1);
  });
});
