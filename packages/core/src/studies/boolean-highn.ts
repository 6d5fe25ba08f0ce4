/**
 * The higher-dimension study of §3.4.3 (Figs. 3.7–3.9): three classes of n-input Boolean functions,
 *
 * - `parity`: n-parity;
 * - `random`: uniformly random truth tables (seeded, different for every n);
 * - `xor`: the 222 four-input NPN classes XORed with the parity of the other inputs,
 *   g(x₁…xₙ) = f(x₁…x₄) ⊕ x₅ ⊕ … ⊕ xₙ, f the smallest member of its class (`xorParityTable`).
 *
 * trained by networks of every width × depth given, `trials` networks per cell (full batch on the
 * 2ⁿ points of {−1, 1}ⁿ, Adam, BCE with logits, early exit, as in the success sweep). Every trial
 * records its points classified correctly out of 2ⁿ (Fig. 3.8's performance) besides success; the
 * merge puts each function's Fourier degree, spectral entropy and total influence beside its
 * performance (Fig. 3.8), the class averages per n with the metrics divided by n (Fig. 3.9) and the
 * success grids of parity and the random functions (Fig. 3.7). One shard = one cell
 * (n, function, width, depth).
 */
import { PolytopeError } from '../errors.js';
import type { SweepDefinition } from '../jobs/spec.js';
import { seededRandom } from '../random.js';
import { fourierStatsWide } from '../boolean/fourier.js';
import { npnRepresentatives } from '../boolean/npn.js';
import { BatchedMlp, booleanTrainingData, trainBatched } from '../train/batched.js';
import type { BatchedPrecision } from '../train/batched.js';
import { cellTrialSeed, checkPrecision, parityTruthTable, precisionField, randomTruthTable } from './boolean-success.js';
import type { BooleanSweepTraining } from './boolean-success.js';

/** The function classes of §3.4.3. */
export type HighnClass = 'parity' | 'random' | 'xor';

const CLASSES: readonly HighnClass[] = ['parity', 'random', 'xor'];

/** Options of the higher-dimension study (defaults: the dissertation's Fig. 3.9 protocol on Fig. 3.5's grid). */
export interface BooleanHighnOptions extends BooleanSweepTraining {
  /** Input counts n (each 4…10); default 5…10. */
  readonly dims?: readonly number[];
  /** Function classes; default all three. */
  readonly classes?: readonly HighnClass[];
  /** Random functions per n; default 100. */
  readonly randomCount?: number;
  /**
   * How many of the 222 four-input NPN classes to XOR with parity, evenly spaced over the sorted
   * representatives (position ⌊i · 222 / K⌋, i = 0 … K − 1); default 222 (all).
   */
  readonly xorCount?: number;
  /** Leak of the activation; default 0.1 (the leaky ReLU of §3.4). */
  readonly alpha?: number;
  /** Networks per cell; default 40 (Fig. 3.9). */
  readonly trials?: number;
}

/** One function of the study. */
export interface HighnFunction {
  readonly n: number;
  readonly cls: HighnClass;
  /** Index within its class at this n (the random function's number, the XOR class's position). */
  readonly index: number;
  /** Truth table, `0x…` (bit k = row k, input 1 the most significant digit of k). */
  readonly f: string;
  /** For `xor`: the four-input class representative f; null otherwise. */
  readonly base: number | null;
}

/** One shard: a cell. */
export interface BooleanHighnParams extends HighnFunction {
  readonly width: number;
  readonly depth: number;
  readonly alpha: number;
  readonly trials: number;
  readonly lr: number;
  readonly epochs: number;
  readonly seed: number;
  /** `'f32'` for float32; absent for float64 (`precisionField`). */
  readonly precision?: 'f32';
}

/** A cell's result. */
export interface BooleanHighnCell {
  readonly n: number;
  readonly cls: HighnClass;
  readonly f: string;
  readonly width: number;
  readonly depth: number;
  readonly trials: number;
  readonly successes: number;
  /** Points classified correctly out of 2ⁿ by each trial's final network (2ⁿ for a success). */
  readonly correct: number[];
  readonly networkEpochs: number;
}

/** A function's Fourier metrics beside its performance over every shape and trial (Fig. 3.8). */
export interface HighnFunctionRow extends HighnFunction {
  readonly degree: number;
  readonly entropy: number;
  readonly totalInfluence: number;
  /** Successes / trials over all cells of the function. */
  readonly successRate: number;
  /** Mean over all its trials of (points correct) / 2ⁿ. */
  readonly performance: number;
}

/** Class averages at one n (Fig. 3.9): rates and the metrics divided by n. */
export interface HighnDimRow {
  readonly n: number;
  readonly cls: HighnClass;
  readonly functions: number;
  readonly successRate: number;
  readonly performance: number;
  readonly degreeOverN: number;
  readonly entropyOverN: number;
  readonly influenceOverN: number;
  readonly networkEpochs: number;
}

/** Per n, class and shape: success rate and performance averaged over the class's functions (Fig. 3.7). */
export interface HighnShapeRow {
  readonly n: number;
  readonly cls: HighnClass;
  readonly width: number;
  readonly depth: number;
  readonly successRate: number;
  readonly performance: number;
  /** Theorem 3.3.4 / the swaps analysis: n-parity (swaps n) is representable when n ≤ widthᵈᵉᵖᵗʰ. */
  readonly parityPredicted: boolean;
}

/** The merged study. */
export interface BooleanHighnMerged {
  readonly dims: number[];
  readonly classes: HighnClass[];
  readonly widths: number[];
  readonly depths: number[];
  readonly alpha: number;
  readonly trials: number;
  readonly epochs: number;
  readonly lr: number;
  /** The trainer's arithmetic. */
  readonly precision: BatchedPrecision;
  readonly cells: BooleanHighnCell[];
  readonly functions: HighnFunctionRow[];
  readonly byDim: HighnDimRow[];
  readonly shapes: HighnShapeRow[];
  readonly networkEpochs: number;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Bits (one per row, row 0 first) as a `0x…` truth table. */
function bitsToHex(bits: Uint8Array): string {
  let hex = '';
  for (let k = Math.ceil(bits.length / 4) * 4 - 4; k >= 0; k -= 4) {
    let d = 0;
    for (let j = 3; j >= 0; j--) d = (d << 1) | (bits[k + j] ?? 0);
    hex += d.toString(16);
  }
  return `0x${hex.replace(/^0+(?=.)/, '')}`;
}

/**
 * g(x₁…xₙ) = f(x₁…xₘ) ⊕ xₘ₊₁ ⊕ … ⊕ xₙ as a `0x…` truth table: f is the m-input table (integer, m ≤ 5)
 * on the first m inputs (the most significant digits of the row), XORed with the parity of the other
 * n − m. With m = 4 and f an NPN class representative this is §3.4.3's "four-input function XORed
 * with n-parity" (XORing with the parity of all n inputs instead maps f to f ⊕ x₁⊕x₂⊕x₃⊕x₄, another
 * NPN class, so both readings give the same 222 classes).
 *
 * @example
 * xorParityTable(0b1000, 2, 3); // (x₁ ∧ x₂) ⊕ x₃: rows 1, 3, 5, 6 → '0x6a'
 */
export function xorParityTable(f: number, m: number, n: number): string {
  if (!Number.isInteger(m) || m < 1 || m > 5 || !Number.isInteger(n) || n < m || n > 16)
    throw new PolytopeError('bad-option', `xorParityTable needs 1 ≤ m ≤ 5 and m ≤ n ≤ 16, got m = ${m}, n = ${n}`);
  if (!Number.isInteger(f) || f < 0 || f >= 2 ** (1 << m))
    throw new PolytopeError('bad-option', `a truth table of ${m} inputs is an integer in [0, 2^${1 << m}), got ${f}`);
  const rest = n - m;
  const bits = new Uint8Array(1 << n);
  for (let k = 0; k < bits.length; k++) {
    let p = 0;
    for (let v = k & ((1 << rest) - 1); v !== 0; v &= v - 1) p ^= 1;
    bits[k] = (Math.floor(f / 2 ** (k >>> rest)) & 1) ^ p;
  }
  return bitsToHex(bits);
}

/**
 * The seed of random function i at n (distinct across n, unlike `random:K` of the success sweep).
 *
 * @example
 * randomTruthTable(10, highnRandomSeed(0, 10, 3)); // the study's random function #3 at n = 10
 */
export function highnRandomSeed(seed: number, n: number, i: number): number {
  return seed * 1_000_000 + n * 1000 + i;
}

function resolveOptions(o: BooleanHighnOptions): Required<BooleanHighnOptions> {
  const r: Required<BooleanHighnOptions> = {
    dims: o.dims ?? range(5, 10),
    classes: o.classes ?? CLASSES,
    randomCount: o.randomCount ?? 100,
    xorCount: o.xorCount ?? 222,
    widths: o.widths ?? range(2, 10),
    depths: o.depths ?? range(1, 5),
    alpha: o.alpha ?? 0.1,
    trials: o.trials ?? 40,
    lr: o.lr ?? 0.025,
    epochs: o.epochs ?? 4000,
    seed: o.seed ?? 0,
    precision: checkPrecision(o.precision),
  };
  if (r.dims.length === 0 || r.dims.some((n) => !Number.isInteger(n) || n < 4 || n > 10))
    throw new PolytopeError('bad-option', `dims must be integers in 4..10, got ${r.dims.join(',')}`);
  if (r.classes.length === 0 || r.classes.some((c) => !CLASSES.includes(c)))
    throw new PolytopeError('bad-option', `classes must be parity, random or xor, got ${r.classes.join(',')}`);
  for (const [name, v] of [
    ['widths', r.widths],
    ['depths', r.depths],
    ['trials', [r.trials]],
  ] as const) {
    if (v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 1))
      throw new PolytopeError('bad-option', `${name} must be positive integers, got ${v.join(',')}`);
  }
  if (!Number.isInteger(r.randomCount) || r.randomCount < 0 || r.randomCount > 1000)
    throw new PolytopeError('bad-option', `randomCount must be an integer in 0..1000, got ${r.randomCount}`);
  if (!Number.isInteger(r.xorCount) || r.xorCount < 0 || r.xorCount > 222)
    throw new PolytopeError('bad-option', `xorCount must be an integer in 0..222, got ${r.xorCount}`);
  if (!(r.alpha >= 0 && r.alpha < 1)) throw new PolytopeError('bad-option', `the leak must be in [0, 1), got ${r.alpha}`);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw new PolytopeError('bad-option', `lr must be a positive number, got ${r.lr}`);
  if (!Number.isInteger(r.epochs) || r.epochs < 0)
    throw new PolytopeError('bad-option', `epochs must be a non-negative integer, got ${r.epochs}`);
  return r;
}

/**
 * The functions of the study for these options, in the order n × class × index.
 *
 * @example
 * highnFunctions({ dims: [5], classes: ['parity', 'xor'], xorCount: 2 }); // 5-parity, then 2 XOR classes
 */
export function highnFunctions(options: BooleanHighnOptions): HighnFunction[] {
  const o = resolveOptions(options);
  const reps = [...npnRepresentatives(4)].sort((a, b) => a - b);
  const out: HighnFunction[] = [];
  for (const n of o.dims) {
    for (const cls of o.classes) {
      if (cls === 'parity') out.push({ n, cls, index: 0, f: parityTruthTable(n), base: null });
      if (cls === 'random')
        for (let i = 0; i < o.randomCount; i++)
          out.push({ n, cls, index: i, f: randomTruthTable(n, highnRandomSeed(o.seed, n, i)), base: null });
      if (cls === 'xor')
        for (let i = 0; i < o.xorCount; i++) {
          const pos = Math.floor((i * reps.length) / o.xorCount);
          out.push({ n, cls, index: pos, f: xorParityTable(reps[pos]!, 4, n), base: reps[pos]! });
        }
    }
  }
  return out;
}

/**
 * Trains one cell and returns its result with the trained networks (for an independent check of
 * the per-trial counts).
 *
 * @example
 * const { cell, mlp } = trainHighnCell(booleanHighnSweep.shards(opts)[0]!);
 */
export function trainHighnCell(p: BooleanHighnParams): { cell: BooleanHighnCell; mlp: BatchedMlp } {
  const mlp = new BatchedMlp({ inputs: p.n, width: p.width, depth: p.depth, alpha: p.alpha }, p.trials);
  mlp.initialize('he-normal', (k) => seededRandom(cellTrialSeed(p, k)));
  const r = trainBatched(mlp, booleanTrainingData(BigInt(p.f), p.n), { lr: p.lr, epochs: p.epochs, precision: p.precision ?? 'f64' });
  const cell: BooleanHighnCell = {
    n: p.n,
    cls: p.cls,
    f: p.f,
    width: p.width,
    depth: p.depth,
    trials: p.trials,
    successes: r.solvedAt.reduce((a, e) => a + (e >= 0 ? 1 : 0), 0),
    correct: Array.from(r.correct),
    networkEpochs: r.networkEpochs,
  };
  return { cell, mlp };
}

const mean = (v: readonly number[]): number => (v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length);

function mergeCells(cells: BooleanHighnCell[], o: Required<BooleanHighnOptions>): BooleanHighnMerged {
  const fns = highnFunctions(o);
  const byFunction = new Map<string, BooleanHighnCell[]>();
  for (const c of cells) {
    const key = `${c.n}:${c.cls}:${c.f}`;
    byFunction.set(key, [...(byFunction.get(key) ?? []), c]);
  }
  const functions: HighnFunctionRow[] = [];
  const seen = new Set<string>();
  for (const fn of fns) {
    const key = `${fn.n}:${fn.cls}:${fn.f}`;
    const group = byFunction.get(key) ?? [];
    if (group.length === 0 || seen.has(key)) continue;
    seen.add(key);
    const s = fourierStatsWide(fn.f, fn.n);
    const trials = group.reduce((a, c) => a + c.trials, 0);
    functions.push({
      ...fn,
      degree: s.degree,
      entropy: s.entropy,
      totalInfluence: s.totalInfluence,
      successRate: group.reduce((a, c) => a + c.successes, 0) / trials,
      performance: group.reduce((a, c) => a + c.correct.reduce((x, y) => x + y, 0), 0) / trials / 2 ** fn.n,
    });
  }
  const byDim: HighnDimRow[] = [];
  const shapes: HighnShapeRow[] = [];
  for (const n of o.dims) {
    for (const cls of o.classes) {
      const rows = functions.filter((f) => f.n === n && f.cls === cls);
      if (rows.length === 0) continue;
      byDim.push({
        n,
        cls,
        functions: rows.length,
        successRate: mean(rows.map((r) => r.successRate)),
        performance: mean(rows.map((r) => r.performance)),
        degreeOverN: mean(rows.map((r) => r.degree)) / n,
        entropyOverN: mean(rows.map((r) => r.entropy)) / n,
        influenceOverN: mean(rows.map((r) => r.totalInfluence)) / n,
        networkEpochs: cells.filter((c) => c.n === n && c.cls === cls).reduce((a, c) => a + c.networkEpochs, 0),
      });
      for (const depth of o.depths) {
        for (const width of o.widths) {
          const group = cells.filter((c) => c.n === n && c.cls === cls && c.width === width && c.depth === depth);
          if (group.length === 0) continue;
          shapes.push({
            n,
            cls,
            width,
            depth,
            successRate: mean(group.map((c) => c.successes / c.trials)),
            performance: mean(group.map((c) => mean(c.correct) / 2 ** n)),
            parityPredicted: n <= width ** depth,
          });
        }
      }
    }
  }
  return {
    dims: [...o.dims],
    classes: [...o.classes],
    widths: [...o.widths],
    depths: [...o.depths],
    alpha: o.alpha,
    trials: o.trials,
    epochs: o.epochs,
    lr: o.lr,
    precision: o.precision,
    cells,
    functions,
    byDim,
    shapes,
    networkEpochs: cells.reduce((a, c) => a + c.networkEpochs, 0),
  };
}

/**
 * The higher-dimension study as a `SweepDefinition`: shards in the order n × class × function ×
 * depth × width (`polytope sweep boolean-highn`, `polytope boolean-train highn`).
 *
 * @example
 * const merged = await runSweepLocally(booleanHighnSweep, { dims: [5], classes: ['parity'], widths: [5], depths: [1], trials: 4 });
 * merged.functions[0]; // { cls: 'parity', degree: 5, totalInfluence: 5, entropy: 0, performance: …, … }
 */
export const booleanHighnSweep: SweepDefinition<BooleanHighnOptions, BooleanHighnParams, BooleanHighnCell, BooleanHighnMerged> = {
  name: 'boolean-highn',
  version: '1',
  shards(options) {
    const o = resolveOptions(options);
    const out: BooleanHighnParams[] = [];
    const fns = highnFunctions(o);
    if (fns.length === 0)
      throw new PolytopeError('bad-option', 'no functions: the classes chosen have a count of 0 (randomCount, xorCount)');
    for (const fn of fns)
      for (const depth of o.depths)
        for (const width of o.widths)
          out.push({
            ...fn,
            width,
            depth,
            alpha: o.alpha,
            trials: o.trials,
            lr: o.lr,
            epochs: o.epochs,
            seed: o.seed,
            ...precisionField(o.precision),
          });
    return out;
  },
  run: (params) => trainHighnCell(params).cell,
  merge: (results, options) => mergeCells(results, resolveOptions(options)),
};
