import { describe, expect, it } from 'vitest';
import { npnCanonicalFast, npnClassRepresentatives, npnTables } from './npn-fast.js';
import { npnCanonical, npnClasses } from './npn.js';
import { bruteCanonical } from '../../test/helpers.js';

describe('table-driven NPN canonicalizer', () => {
  it('equals the brute-force canonical form on every table of n = 1, 2, 3 and sampled n = 4', () => {
    for (const n of [1, 2, 3]) {
      const T = npnTables(n);
      for (let t = 0; t < 2 ** (1 << n); t++) expect(npnCanonicalFast(t, T)).toBe(bruteCanonical(t, n));
    }
    const T4 = npnTables(4);
    for (let t = 0; t < 65536; t += 331) expect(npnCanonicalFast(t, T4)).toBe(bruteCanonical(t, 4));
  });

  it('equals the orbit marking of npnClasses on all 65,536 tables of n = 4', () => {
    const T4 = npnTables(4);
    const classes = npnClasses(4);
    const reps = new Set(classes.representatives);
    const counts = new Map<number, number>();
    for (let t = 0; t < 65536; t++) {
      const c = npnCanonicalFast(t, T4);
      expect(reps.has(c)).toBe(true);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(classes.representatives.map((r) => counts.get(r))).toEqual(classes.sizes);
  });

  it('equals the group walk (npnCanonical) on random n = 5 tables and named functions', () => {
    const T5 = npnTables(5);
    let s = 7;
    const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 300; i++) {
      const t = (next() ^ (next() << 16)) >>> 0;
      expect(npnCanonicalFast(t, T5)).toBe(npnCanonical(t, 5));
    }
    expect(npnCanonicalFast(0x96696996, T5)).toBe(0x69969669);
    expect(npnCanonicalFast(0x80000000, T5)).toBe(1); // AND₅ ~ one true row
    expect(npnCanonicalFast(0xffffffff, T5)).toBe(0);
    expect(bruteCanonical(0x12345678, 5)).toBe(npnCanonicalFast(0x12345678, T5));
  });

  it('enumerates 2, 4, 14, 222 representatives for n = 1…4, equal to the orbit marking', () => {
    for (const n of [1, 2, 3, 4]) expect(Array.from(npnClassRepresentatives(n))).toEqual(npnClasses(n).representatives);
  });

  it('n = 5: 616,126 classes (OEIS A000370, Burnside); below 2¹² a table is listed iff the group walk finds it canonical', () => {
    // about 2 s on one core (bench/npn5.bench.mjs times it)
    const T5 = npnTables(5);
    const reps = npnClassRepresentatives(5, T5);
    expect(reps.length).toBe(616126);
    const listed = new Set(Array.from(reps.subarray(0, 2000)).filter((r) => r < 4096));
    for (let t = 0; t < 4096; t += 3) expect(listed.has(t)).toBe(npnCanonical(t, 5) === t);
  });
});
