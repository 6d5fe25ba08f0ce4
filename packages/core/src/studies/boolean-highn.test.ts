import { describe, expect, it } from 'vitest';
import { fourierStatsWide, walshFourierWide } from '../boolean/fourier.js';
import { npnRepresentatives } from '../boolean/npn.js';
import { booleanHighnSweep, highnFunctions, trainHighnCell, xorParityTable } from './boolean-highn.js';
import { randomTruthTable } from './boolean-success.js';
import { runSweepLocally } from './run-local.js';

/** Input i (1-based) of row k of an n-input truth table: bit n − i of k (input 1 most significant). */
const input = (k: number, i: number, n: number): number => (k >> (n - i)) & 1;

/** Brute force: g(x) = f(x₁…x₄) ⊕ x₅ ⊕ … ⊕ xₙ, evaluated input by input from the definition. */
function xorBrute(f: number, n: number): bigint {
  let t = 0n;
  for (let k = 0; k < 1 << n; k++) {
    const x = Array.from({ length: n }, (_, i) => input(k, i + 1, n));
    const row4 = x[0]! * 8 + x[1]! * 4 + x[2]! * 2 + x[3]!; // f's row: x₁ is its most significant digit
    let g = (f >> row4) & 1;
    for (let i = 4; i < n; i++) g ^= x[i]!;
    if (g) t |= 1n << BigInt(k);
  }
  return t;
}

/** Brute-force Fourier coefficient f̂(S) = 2⁻ⁿ Σₓ f(x) Πᵢ∈S xᵢ over explicit ±1 vectors (S as a list of inputs). */
function coefficientBrute(table: bigint, n: number, S: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < 1 << n; k++) {
    const fx = (table >> BigInt(k)) & 1n ? 1 : -1;
    let chi = 1;
    for (const i of S) chi *= input(k, i, n) ? 1 : -1;
    sum += fx * chi;
  }
  return sum / 2 ** n;
}

describe('the XOR family f(x₁…x₄) ⊕ x₅ ⊕ … ⊕ xₙ', () => {
  it('matches the definition evaluated input by input, for all 222 classes at n = 5 and 7 and a few at n = 10', () => {
    const reps = npnRepresentatives(4);
    expect(reps).toHaveLength(222);
    for (const n of [5, 7]) for (const f of reps) expect(BigInt(xorParityTable(f, 4, n))).toBe(xorBrute(f, n));
    for (const f of [0, 1, 27030, reps[111]!]) expect(BigInt(xorParityTable(f, 4, 10))).toBe(xorBrute(f, 10));
  });

  it('hand cases: (x₁ ∧ x₂) ⊕ x₃ and 4-parity ⊕ x₅ ⊕ x₆ = 6-parity', () => {
    // (x₁ ∧ x₂) ⊕ x₃ is 1 at rows x₁x₂x₃ = 001, 011, 101, 110 → bits 1, 3, 5, 6 → 0b01101010.
    expect(xorParityTable(0b1000, 2, 3)).toBe('0x6a');
    // 6-parity: bit k = popcount(k) mod 2, 0x6996966996696996 (two 0x6996/0x9669 halves, docs/boolean.md).
    expect(xorParityTable(27030, 4, 6)).toBe('0x6996966996696996');
    expect(xorParityTable(0, 4, 4)).toBe('0x0');
    expect(() => xorParityTable(65536, 4, 6)).toThrow(/truth table/);
    expect(() => xorParityTable(1, 4, 3)).toThrow(/m ≤ n/);
  });

  it('the study lists parity, the random functions and K evenly spaced XOR classes per n', () => {
    const fns = highnFunctions({ dims: [5, 6], randomCount: 2, xorCount: 3 });
    expect(fns.map((f) => `${f.n}${f.cls[0]}${f.index}`)).toEqual([
      '5p0',
      '5r0',
      '5r1',
      '5x0',
      '5x74',
      '5x148',
      '6p0',
      '6r0',
      '6r1',
      '6x0',
      '6x74',
      '6x148',
    ]);
    const reps = [...npnRepresentatives(4)].sort((a, b) => a - b);
    expect(fns[4]!.base).toBe(reps[74]);
    expect(fns[1]!.f).not.toBe(fns[2]!.f);
    // random functions differ across n (not the same seed, hence not the same low bits)
    expect(BigInt(fns[7]!.f) & 0xffffffffn).not.toBe(BigInt(fns[1]!.f));
    expect(() => highnFunctions({ dims: [11] })).toThrow(/dims/);
    expect(() => highnFunctions({ classes: ['and' as 'xor'] })).toThrow(/classes/);
    expect(() => booleanHighnSweep.shards({ classes: ['random'], randomCount: 0 })).toThrow(/no functions/);
  });
});

describe('Fourier metrics of wide tables', () => {
  it('n-parity: degree n, total influence n, entropy 0 (f = ±x₁⋯xₙ, one coefficient of weight 1)', () => {
    for (const n of [5, 8, 10]) {
      const fn = highnFunctions({ dims: [n], classes: ['parity'] })[0]!;
      const s = fourierStatsWide(fn.f, n);
      expect(s.degree).toBe(n);
      expect(s.totalInfluence).toBe(n);
      expect(s.entropy).toBe(0);
      expect(s.influence).toEqual(new Array<number>(n).fill(1));
    }
  });

  it('XOR family: ĝ(S ∪ {5…n}) = ±f̂(S), so degree + (n − 4), influence + (n − 4), same entropy', () => {
    // f = 1: true only at x = (−1, −1, −1, −1) (NOR₄, the AND class). 1[x = −1] = Π(1 − xᵢ)/2, so
    // F = 2·1 − 1 has f̂(∅) = −1 + 2/16 = −7/8 and f̂(S) = ±1/8 for the 15 non-empty S:
    // total influence Σ|S|/64 = (4·1 + 6·2 + 4·3 + 1·4)/64 = 1/2, entropy (49/64)·log₂(64/49) + 15·6/64.
    const entropyNor = (49 / 64) * Math.log2(64 / 49) + 90 / 64;
    for (const n of [6, 10]) {
      const s = fourierStatsWide(xorParityTable(1, 4, n), n);
      expect(s.degree).toBe(n);
      expect(s.totalInfluence).toBe(0.5 + (n - 4));
      expect(s.entropy).toBeCloseTo(entropyNor, 12);
      // the constant class: g = x₅ ⊕ … ⊕ xₙ, an (n − 4)-parity: degree and influence n − 4, entropy 0
      const c = fourierStatsWide(xorParityTable(0, 4, n), n);
      expect([c.degree, c.totalInfluence, c.entropy]).toEqual([n - 4, n - 4, 0]);
    }
  });

  it('coefficients agree with the brute-force sum over explicit ±1 vectors (random 7-input table)', () => {
    const n = 7;
    const t = randomTruthTable(n, 5);
    const c = walshFourierWide(t, n);
    let parseval = 0;
    for (let S = 0; S < 1 << n; S++) {
      // bit p of S = input n − p (fourier.ts convention)
      const inputs = Array.from({ length: n }, (_, p) => p)
        .filter((p) => (S >> p) & 1)
        .map((p) => n - p);
      expect(Math.abs(c[S]! - coefficientBrute(BigInt(t), n, inputs))).toBe(0); // exact (±0 alike)
      parseval += c[S]! ** 2;
    }
    expect(parseval).toBe(1); // multiples of 2⁻⁷ squared: exact in float64
    expect(() => walshFourierWide('0x1ff', 3)).toThrow(/8 bits/);
    expect(() => walshFourierWide('zz', 3)).toThrow(/0x… hex/);
  });
});

describe('boolean-highn sweep', () => {
  it("records each trial's points correct, equal to an independent forward pass of the trained network", () => {
    const n = 5;
    const f = randomTruthTable(n, 11);
    const p = {
      n,
      cls: 'random' as const,
      index: 0,
      f,
      base: null,
      width: 3,
      depth: 2,
      alpha: 0.1,
      trials: 8,
      lr: 0.025,
      epochs: 150,
      seed: 0,
    };
    const { cell, mlp } = trainHighnCell(p);
    const table = BigInt(f);
    for (let k = 0; k < p.trials; k++) {
      const [W0, b0, W1, b1, W2, b2] = mlp.networkParams(k); // weights [out][in] row-major
      let correct = 0;
      for (let row = 0; row < 1 << n; row++) {
        let h: number[] = Array.from({ length: n }, (_, i) => (input(row, i + 1, n) ? 1 : -1));
        for (const [W, b] of [
          [W0!, b0!],
          [W1!, b1!],
        ] as const) {
          h = Array.from({ length: b.length }, (_, o) => {
            let z = b[o]!;
            for (let i = 0; i < h.length; i++) z += W[o * h.length + i]! * h[i]!;
            return z > 0 ? z : 0.1 * z;
          });
        }
        let logit = b2![0]!;
        for (let i = 0; i < h.length; i++) logit += W2![i]! * h[i]!;
        if (logit > 0 === ((table >> BigInt(row)) & 1n) > 0n) correct++;
      }
      expect(cell.correct[k]).toBe(correct);
    }
    expect(cell.successes).toBe(cell.correct.filter((c) => c === 32).length);
    // a random 5-input function in 150 steps at width 3: not every trial succeeds, so the counts are informative
    expect(cell.correct.some((c) => c < 32)).toBe(true);
  });

  it('merges per-function metrics beside performance, class averages per n and the parity-predicted shapes', async () => {
    const options = { dims: [5], randomCount: 1, xorCount: 2, widths: [1, 5], depths: [1, 2], trials: 4, epochs: 400 };
    const shards = booleanHighnSweep.shards(options);
    expect(shards).toHaveLength(4 * 2 * 2); // 4 functions × 2 depths × 2 widths
    const m = await runSweepLocally(booleanHighnSweep, options);
    const parity = m.functions.find((f) => f.cls === 'parity')!;
    expect([parity.degree, parity.totalInfluence, parity.entropy]).toEqual([5, 5, 0]);
    const cells = m.cells.filter((c) => c.cls === 'parity');
    const perf = cells.reduce((a, c) => a + c.correct.reduce((x, y) => x + y, 0), 0) / (cells.length * 4 * 32);
    expect(parity.performance).toBeCloseTo(perf, 15);
    // width 1 is monotone along its one direction: never all 32 points of 5-parity
    expect(m.cells.find((c) => c.cls === 'parity' && c.width === 1 && c.depth === 1)!.successes).toBe(0);
    // Theorem 3.3.4: 5 ≤ wˡ ⇔ (5, 1), (5, 2); width 1 never
    expect(m.shapes.filter((s) => s.cls === 'parity' && s.parityPredicted).map((s) => [s.width, s.depth])).toEqual([
      [5, 1],
      [5, 2],
    ]);
    const xor = m.byDim.find((r) => r.cls === 'xor')!;
    const xf = m.functions.filter((f) => f.cls === 'xor');
    const reps = [...npnRepresentatives(4)].sort((a, b) => a - b);
    expect(xf.map((f) => f.base)).toEqual([reps[0], reps[111]]); // positions ⌊i · 222 / 2⌋ of the sorted classes
    expect(xor.degreeOverN).toBeCloseTo((xf[0]!.degree + xf[1]!.degree) / 2 / 5, 15);
    expect(xf[0]!.degree).toBe(1); // the constant class: g = x₅
    expect(m.networkEpochs).toBe(m.cells.reduce((a, c) => a + c.networkEpochs, 0));
  });
});
