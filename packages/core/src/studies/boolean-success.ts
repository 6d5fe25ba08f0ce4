/**
 * The training-success sweep of §3.4.2 (Fig. 3.5, Table 3.3, Fig. 3.6): for every Boolean function
 * of n inputs given (by truth-table integer), every width × depth × activation, train `trials`
 * networks from He-normal starts on the 2ⁿ points of {−1, 1}ⁿ (full batch, Adam, BCE with logits)
 * and count those reaching 100 % training accuracy within `epochs` steps. One shard = one cell
 * (function, width, depth, activation) with its trials trained together by `trainBatched`.
 */
import { PolytopeError } from '../errors.js';
import type { SweepDefinition } from '../jobs/spec.js';
import { seededRandom } from '../random.js';
import { npnRepresentatives } from '../boolean/npn.js';
import { BatchedMlp, booleanTrainingData, trainBatched } from '../train/batched.js';
import type { BatchedPrecision } from '../train/batched.js';

/** The shape grid and the trainer's settings shared by the batched Boolean sweeps (success, higher n). */
export interface BooleanSweepTraining {
  /** Default 2…10. */
  readonly widths?: readonly number[];
  /** Hidden layers; default 1…5. */
  readonly depths?: readonly number[];
  /** Adam learning rate; default 0.025. */
  readonly lr?: number;
  /** Maximum steps; default 4,000. */
  readonly epochs?: number;
  /** Base seed; default 0. */
  readonly seed?: number;
  /**
   * Arithmetic of the trainer (`trainBatched`'s `precision`): `'f64'` (default; the recorded
   * results) or `'f32'` (float32 f32x4 kernels, PyTorch's default precision, faster).
   */
  readonly precision?: BatchedPrecision;
}

/** Options of the success sweep (defaults: the dissertation's protocol). */
export interface BooleanSuccessOptions extends BooleanSweepTraining {
  /**
   * Truth tables of the functions: integers, or hexadecimal strings `0x…` for tables wider than 53
   * bits (n ≥ 6; see `parityTruthTable`, `randomTruthTable`). Default for n ≤ 4: every NPN class's
   * smallest member (`npnRepresentatives(n)`: the 222 classes of n = 4 in the dissertation's sweep).
   */
  readonly functions?: readonly TruthTable[];
  /** Inputs per function (default 4). */
  readonly n?: number;
  /** Leaks; default [0, 0.1] (ReLU, leaky ReLU 0.1). */
  readonly alphas?: readonly number[];
  /** Default 100. */
  readonly trials?: number;
}

/**
 * A shard's precision field: absent for float64 (so float64 shards, and the cached results keyed
 * by them, stay what they were before float32 existed), `{ precision: 'f32' }` for float32.
 */
export function precisionField(precision: BatchedPrecision): { readonly precision?: 'f32' } {
  return precision === 'f32' ? { precision } : {};
}

/** Checks a sweep's precision option; returns it or the default 'f64'. */
export function checkPrecision(precision: BatchedPrecision | undefined): BatchedPrecision {
  const p = precision ?? 'f64';
  if (p !== 'f64' && p !== 'f32') throw new PolytopeError('bad-option', `precision must be 'f64' or 'f32', got '${String(p)}'`);
  return p;
}

/** A truth table: an integer, or a `0x…` hexadecimal string for n ≥ 6. */
export type TruthTable = number | string;

/**
 * n-parity's truth table as hexadecimal (bit k = popcount(k) mod 2).
 *
 * @example
 * parityTruthTable(4); // '0x6996' (27030)
 */
export function parityTruthTable(n: number): string {
  let t = 0n;
  for (let k = 0; k < 1 << n; k++) {
    let ones = 0;
    for (let v = k; v; v >>= 1) ones += v & 1;
    if (ones % 2) t |= 1n << BigInt(k);
  }
  return `0x${t.toString(16)}`;
}

/**
 * A uniformly random truth table of n inputs from a seed (each of the 2ⁿ bits a fair coin).
 *
 * @example
 * randomTruthTable(10, 3); // '0x…' with 1,024 bits
 */
export function randomTruthTable(n: number, seed: number): string {
  const random = seededRandom(seed);
  let t = 0n;
  for (let k = 0; k < 1 << n; k++) if (random() < 0.5) t |= 1n << BigInt(k);
  return `0x${t.toString(16)}`;
}

function tableBigInt(f: TruthTable): bigint {
  return typeof f === 'number' ? BigInt(f) : BigInt(f);
}

/** One shard: a cell of the sweep. */
export interface BooleanSuccessParams {
  readonly n: number;
  readonly f: TruthTable;
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
export interface BooleanSuccessCell {
  readonly f: TruthTable;
  readonly width: number;
  readonly depth: number;
  readonly alpha: number;
  readonly trials: number;
  readonly successes: number;
  /** Mean epoch of success over the successful trials (NaN → null when none). */
  readonly meanSolvedEpoch: number | null;
  /** Forward passes computed (the work the shard did). */
  readonly networkEpochs: number;
}

/** Per network shape and activation: mean and worst success over the functions (Fig. 3.5). */
export interface BooleanSuccessShape {
  readonly alpha: number;
  readonly width: number;
  readonly depth: number;
  readonly meanSuccesses: number;
  readonly worstSuccesses: number;
  readonly worstFunction: TruthTable;
}

/** The merged sweep. */
export interface BooleanSuccessMerged {
  readonly n: number;
  readonly trials: number;
  readonly epochs: number;
  /** The trainer's arithmetic. */
  readonly precision: BatchedPrecision;
  readonly cells: BooleanSuccessCell[];
  readonly shapes: BooleanSuccessShape[];
  /** Table 3.3 per activation: functions within one percentage point of the lowest rate, counted over shapes. */
  readonly hardest: { alpha: number; rows: { f: TruthTable; binary: string; count: number }[] }[];
  /** Fig. 3.6 columns per activation and function: mean over all shapes, the 2×2 and 3×1 rates. */
  readonly perFunction: { alpha: number; f: TruthTable; meanRate: number; w2d2: number | null; w3d1: number | null }[];
  readonly networkEpochs: number;
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** FNV-1a of a string: a 32-bit seed per cell that does not depend on the shard order. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of trial k of a cell (network k of the shard's batch). */
export function cellTrialSeed(p: Pick<BooleanSuccessParams, 'seed' | 'n' | 'f' | 'width' | 'depth' | 'alpha'>, k: number): number {
  return hash32(`${p.seed}:${p.n}:${p.f}:${p.width}:${p.depth}:${p.alpha}`) * 65536 + k;
}

function positiveInts(name: string, v: readonly number[]): void {
  if (v.length === 0 || v.some((x) => !Number.isInteger(x) || x < 1))
    throw new PolytopeError('bad-option', `${name} must be positive integers, got ${v.join(',')}`);
}

/** Trains one cell; exported for the CLI and the tests. */
function runSuccessCell(p: BooleanSuccessParams): BooleanSuccessCell {
  const mlp = new BatchedMlp({ inputs: p.n, width: p.width, depth: p.depth, alpha: p.alpha }, p.trials);
  mlp.initialize('he-normal', (k) => seededRandom(cellTrialSeed(p, k)));
  const r = trainBatched(mlp, booleanTrainingData(tableBigInt(p.f), p.n), { lr: p.lr, epochs: p.epochs, precision: p.precision ?? 'f64' });
  let successes = 0;
  let sum = 0;
  for (const e of r.solvedAt) {
    if (e >= 0) {
      successes++;
      sum += e;
    }
  }
  return {
    f: p.f,
    width: p.width,
    depth: p.depth,
    alpha: p.alpha,
    trials: p.trials,
    successes,
    meanSolvedEpoch: successes > 0 ? sum / successes : null,
    networkEpochs: r.networkEpochs,
  };
}

function hardestTable(cells: readonly BooleanSuccessCell[], alpha: number, n: number): { f: TruthTable; binary: string; count: number }[] {
  const counts = new Map<TruthTable, number>();
  const byShape = new Map<string, BooleanSuccessCell[]>();
  for (const c of cells) {
    if (c.alpha !== alpha) continue;
    const key = `${c.width}x${c.depth}`;
    byShape.set(key, [...(byShape.get(key) ?? []), c]);
  }
  for (const group of byShape.values()) {
    const worst = Math.min(...group.map((c) => c.successes / c.trials));
    for (const c of group) if (c.successes / c.trials <= worst + 0.01) counts.set(c.f, (counts.get(c.f) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (tableBigInt(a[0]) < tableBigInt(b[0]) ? -1 : 1))
    .slice(0, 10)
    .map(([f, count]) => ({
      f,
      binary: tableBigInt(f)
        .toString(2)
        .padStart(1 << n, '0'),
      count,
    }));
}

function mergeCells(cells: BooleanSuccessCell[], o: Required<BooleanSuccessOptions>): BooleanSuccessMerged {
  const shapes: BooleanSuccessShape[] = [];
  for (const alpha of o.alphas) {
    for (const depth of o.depths) {
      for (const width of o.widths) {
        const group = cells.filter((c) => c.alpha === alpha && c.width === width && c.depth === depth);
        if (group.length === 0) continue;
        let worst = group[0]!;
        for (const c of group) if (c.successes < worst.successes) worst = c;
        const mean = group.reduce((a, c) => a + c.successes, 0) / group.length;
        shapes.push({ alpha, width, depth, meanSuccesses: mean, worstSuccesses: worst.successes, worstFunction: worst.f });
      }
    }
  }
  const perFunction = o.alphas.flatMap((alpha) =>
    o.functions.map((f) => {
      const group = cells.filter((c) => c.alpha === alpha && c.f === f);
      const rate = (w: number, d: number): number | null => {
        const c = group.find((g) => g.width === w && g.depth === d);
        return c ? c.successes / c.trials : null;
      };
      return {
        alpha,
        f,
        meanRate: group.reduce((a, c) => a + c.successes / c.trials, 0) / Math.max(1, group.length),
        w2d2: rate(2, 2),
        w3d1: rate(3, 1),
      };
    }),
  );
  return {
    n: o.n,
    trials: o.trials,
    epochs: o.epochs,
    precision: o.precision,
    cells,
    shapes,
    hardest: o.alphas.map((alpha) => ({ alpha, rows: hardestTable(cells, alpha, o.n) })),
    perFunction,
    networkEpochs: cells.reduce((a, c) => a + c.networkEpochs, 0),
  };
}

/** Fills in the dissertation's defaults and checks the options. */
function resolveSuccessOptions(o: BooleanSuccessOptions): Required<BooleanSuccessOptions> {
  const n = o.n ?? 4;
  if (o.functions === undefined && !(Number.isInteger(n) && n >= 1 && n <= 4))
    throw new PolytopeError('bad-option', `give the functions for n = ${n} (the NPN-class default exists for n ≤ 4)`);
  const r: Required<BooleanSuccessOptions> = {
    functions: o.functions ?? npnRepresentatives(n),
    n,
    widths: o.widths ?? range(2, 10),
    depths: o.depths ?? range(1, 5),
    alphas: o.alphas ?? [0, 0.1],
    trials: o.trials ?? 100,
    lr: o.lr ?? 0.025,
    epochs: o.epochs ?? 4000,
    seed: o.seed ?? 0,
    precision: checkPrecision(o.precision),
  };
  if (!Number.isInteger(r.n) || r.n < 1 || r.n > 10) throw new PolytopeError('bad-option', `n must be an integer in 1..10, got ${r.n}`);
  const max = 2 ** (1 << r.n);
  const valid = (f: TruthTable): boolean =>
    typeof f === 'number' ? Number.isInteger(f) && f >= 0 && f < max : /^0x[0-9a-f]+$/i.test(f) && BigInt(f) < 1n << BigInt(1 << r.n);
  if (r.functions.length === 0 || r.functions.some((f) => !valid(f))) {
    throw new PolytopeError('bad-option', `functions must be truth-table integers in [0, 2^${1 << r.n}), got ${r.functions.join(',')}`);
  }
  positiveInts('widths', r.widths);
  positiveInts('depths', r.depths);
  positiveInts('trials', [r.trials]);
  if (r.alphas.some((a) => !(a >= 0 && a < 1))) throw new PolytopeError('bad-option', `leaks must be in [0, 1), got ${r.alphas.join(',')}`);
  return r;
}

/**
 * The success sweep as a `SweepDefinition`: shards in the order function × activation × depth × width.
 *
 * @example
 * const def = booleanSuccessSweep;
 * const shards = def.shards({ functions: [27030], widths: [3], depths: [1], alphas: [0.1], trials: 10 });
 * const merged = def.merge(shards.map((p) => def.run(p, ctx) as BooleanSuccessCell), options);
 */
export const booleanSuccessSweep: SweepDefinition<BooleanSuccessOptions, BooleanSuccessParams, BooleanSuccessCell, BooleanSuccessMerged> = {
  name: 'boolean-success',
  version: '1',
  shards(options) {
    const o = resolveSuccessOptions(options);
    const out: BooleanSuccessParams[] = [];
    for (const f of o.functions)
      for (const alpha of o.alphas)
        for (const depth of o.depths)
          for (const width of o.widths)
            out.push({
              n: o.n,
              f,
              width,
              depth,
              alpha,
              trials: o.trials,
              lr: o.lr,
              epochs: o.epochs,
              seed: o.seed,
              ...precisionField(o.precision),
            });
    return out;
  },
  run: (params) => runSuccessCell(params),
  merge: (results, options) => mergeCells(results, resolveSuccessOptions(options)),
};
