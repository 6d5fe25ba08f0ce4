import { describe, expect, it } from 'vitest';
import { groupWalk, npnCanonical, npnClassCount, npnClasses, walkInputGroup } from './npn.js';
import { fourierStats, walshFourier } from './fourier.js';
import { booleanInputs, parityTable, parseTruthTable, tableFrom } from './truth.js';
import { bruteCanonical } from '../../test/helpers.js';

describe('truth tables', () => {
  it('follows the documented bit order (input 1 is the most significant digit)', () => {
    // f = input 1: true on rows 2, 3 of n = 2 (binary 10, 11) → 0b1100
    expect(tableFrom(2, (b) => b[0] === 1)).toBe(0b1100);
    expect(Array.from(booleanInputs(2, 'pm1'))).toEqual([-1, -1, -1, 1, 1, -1, 1, 1]);
    expect(parseTruthTable('0x6', 2)).toBe(6);
    expect(() => parseTruthTable('16', 2)).toThrow(/0…15/);
    expect(parityTable(3)).toBe(0b10010110);
  });
});

describe('NPN classes', () => {
  it('counts 2, 4, 14, 222 classes exhaustively for n = 1…4', () => {
    expect([1, 2, 3, 4].map((n) => npnClasses(n).representatives.length)).toEqual([2, 4, 14, 222]);
    const c4 = npnClasses(4);
    expect(c4.sizes.reduce((a, b) => a + b, 0)).toBe(65536);
  });

  it('Burnside gives OEIS A000370 for n = 1…6', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => npnClassCount(n))).toEqual([2n, 4n, 14n, 222n, 616126n, 200253952527184n]);
  });

  it('the group walk visits 2ⁿ·n! distinct transforms and closes', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const seen = new Set<string>();
      walkInputGroup(0, n, (_t, pos, mask) => void seen.add(`${Array.from(pos).join(',')}|${mask}`));
      const fact = [1, 1, 2, 6, 24, 120][n]!;
      expect(seen.size).toBe(fact << n);
      const w = groupWalk(n);
      expect(w.swaps.length * w.negs.length).toBe(fact << n);
    }
  });

  it('walkInputGroup reports the transform it applied: t′(k) = t(P(k) ⊕ mask)', () => {
    const t = 0x1234abcd >>> 0;
    walkInputGroup(t, 5, (u, pos, mask) => {
      for (let k = 0; k < 32; k++) {
        let img = 0;
        for (let q = 0; q < 5; q++) if ((k >> q) & 1) img |= 1 << pos[q]!;
        if (((u >>> k) & 1) !== ((t >>> (img ^ mask)) & 1)) throw new Error(`mismatch at row ${k}`);
      }
    });
  });

  it('matches a brute-force canonical form (all n = 3 tables, sampled n = 4, 5)', () => {
    for (let t = 0; t < 256; t++) expect(npnCanonical(t, 3)).toBe(bruteCanonical(t, 3));
    for (let t = 0; t < 65536; t += 997) expect(npnCanonical(t, 4)).toBe(bruteCanonical(t, 4));
    for (const t of [0x96696996, 0x12345678, 0xdeadbeef]) expect(npnCanonical(t, 5)).toBe(bruteCanonical(t, 5));
  });

  it('the n = 4 representatives are exactly the canonical forms', () => {
    const reps = npnClasses(4).representatives;
    for (const r of reps) expect(npnCanonical(r, 4)).toBe(r);
  });
});

describe('Walsh–Fourier statistics (hand-derived)', () => {
  const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));

  it('parity: one coefficient, degree n, influence 1 each, entropy 0', () => {
    const s = fourierStats(parityTable(4), 4);
    expect(s.degree).toBe(4);
    close(s.influence, [1, 1, 1, 1]);
    expect(s.totalInfluence).toBeCloseTo(4, 12);
    expect(s.entropy).toBe(0);
    expect(walshFourier(parityTable(4), 4)[15]).toBe(-1); // x₁x₂x₃x₄ = (−1)^{#ones} with b ↦ 2b − 1, so parity (true = +1) = −x₁x₂x₃x₄
  });

  it('AND and OR of n = 3: f̂(∅) = ∓(1 − 2^{1−n}), others ±2^{1−n}; entropy equal (NPN)', () => {
    const and = tableFrom(3, (b) => b.every((x) => x === 1));
    const or = tableFrom(3, (b) => b.some((x) => x === 1));
    const c = walshFourier(and, 3);
    expect(c[0]).toBeCloseTo(-0.75, 14);
    for (let s = 1; s < 8; s++) expect(Math.abs(c[s]!)).toBeCloseTo(0.25, 14);
    const e = 0.75 ** 2 * Math.log2(1 / 0.75 ** 2) + 7 * (1 / 16) * 4;
    expect(fourierStats(and, 3).entropy).toBeCloseTo(e, 12);
    expect(fourierStats(or, 3).entropy).toBeCloseTo(e, 12);
    close(fourierStats(and, 3).influence, [0.25, 0.25, 0.25]);
  });

  it('majority of 3: ½(x₁+x₂+x₃) − ½x₁x₂x₃, influence ½ each, entropy 2', () => {
    const maj = tableFrom(3, (b) => b[0]! + b[1]! + b[2]! >= 2);
    const c = walshFourier(maj, 3);
    expect([c[1], c[2], c[4], c[7]]).toEqual([0.5, 0.5, 0.5, -0.5]);
    const s = fourierStats(maj, 3);
    close(s.influence, [0.5, 0.5, 0.5]);
    expect(s.entropy).toBeCloseTo(2, 14);
    expect(s.degree).toBe(3);
  });

  it('the bent function x₁x₂ ⊕ x₃x₄ reaches entropy n = 4 (above OR)', () => {
    const bent = tableFrom(4, (b) => ((b[0]! & b[1]!) ^ (b[2]! & b[3]!)) === 1);
    const c = walshFourier(bent, 4);
    for (const v of c) expect(Math.abs(v)).toBe(0.25);
    expect(fourierStats(bent, 4).entropy).toBe(4);
    const or4 = tableFrom(4, (b) => b.some((x) => x === 1));
    expect(fourierStats(or4, 4).entropy).toBeLessThan(4);
  });

  it('Parseval and the flip definition of influence hold for every n = 3 function', () => {
    for (let t = 0; t < 256; t++) {
      const s = fourierStats(t, 3);
      expect(s.parseval).toBeCloseTo(1, 14);
      for (let i = 0; i < 3; i++) {
        let flips = 0;
        for (let k = 0; k < 8; k++) if (((t >>> k) & 1) !== ((t >>> (k ^ (1 << (2 - i)))) & 1)) flips++;
        expect(s.influence[i]).toBeCloseTo(flips / 8, 14);
      }
    }
  });
});
