/**
 * Known bounds on the number of linear regions of a deep ReLU network (dissertation §2.3.2,
 * Eqs. 2.26 and 2.27), as functions of the architecture, computed exactly with BigInt.
 *
 * Upper bound (Eq. 2.26, corrected). The dissertation prints ∏_{l=1}^{L} Σ_{i=0}^{k} C(N_l, i) "for a
 * constant k smaller than the lowest width". That is only a bound when k is the input dimension N_0
 * (capped by the widths met so far): with k < N_0 it can be violated (k = 0 gives 1). The statement
 * proved by Montúfar (2017) and Serra–Tjandraatmadja–Ramalingam (2018, Prop. 3) is
 *   ∏_{l=1}^{L} Σ_{i=0}^{d_l} C(N_l, i),   d_l = min(N_0, N_1, …, N_l),
 * over the L hidden layers (the linear output layer adds no regions). Serra et al.'s Theorem 1 gives
 * the tighter Σ_{(j_1..j_L) ∈ J} ∏_l C(N_l, j_l), J = {0 ≤ j_l ≤ min(N_0, N_1 − j_1, …, N_{l−1} − j_{l−1}, N_l)},
 * computed here by dynamic programming over the running minimum.
 *
 * Lower bound (Eq. 2.27, Montúfar et al. 2014): when N_i ≥ N_0 for every hidden layer, some network
 * of the architecture has at least (∏_{i=1}^{L−1} ⌊N_i/N_0⌋^{N_0}) Σ_{j=0}^{N_0} C(N_L, j) regions. It
 * bounds the maximum over parameters from below; a particular (trained) network can have fewer.
 */
import { PolytopeError } from '../errors.js';

/** The region-count bounds of one architecture (exact decimal strings and their float64 values). */
export interface RegionCountBounds {
  /** Input dimension N_0. */
  readonly inputDim: number;
  /** Hidden widths N_1 … N_L (the output layer is not counted). */
  readonly widths: readonly number[];
  /** Eq. 2.26 with k = d_l = min(N_0, N_1, …, N_l): every network of the architecture has at most this many regions. */
  readonly upper: string;
  /** Serra et al. (2018) Theorem 1, never above `upper`. */
  readonly upperSerra: string;
  /** Eq. 2.27 (Montúfar et al. 2014): the maximum over parameters is at least this; null when some N_i < N_0. */
  readonly lower: string | null;
  /** `upper`, `upperSerra`, `lower` as float64 (Infinity beyond 1.8e308). */
  readonly upperValue: number;
  readonly upperSerraValue: number;
  readonly lowerValue: number | null;
}

function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  const kk = Math.min(k, n - k);
  for (let i = 1; i <= kk; i++) r = (r * BigInt(n - kk + i)) / BigInt(i);
  return r;
}

function binomialPrefix(n: number, k: number): bigint {
  let s = 0n;
  for (let i = 0; i <= Math.min(k, n); i++) s += binomial(n, i);
  return s;
}

function checkArch(inputDim: number, widths: readonly number[]): void {
  const ok = (v: number): boolean => Number.isInteger(v) && v >= 1;
  if (!ok(inputDim)) throw new PolytopeError('bad-option', `the input dimension must be a positive integer, got ${inputDim}`);
  if (widths.length === 0) throw new PolytopeError('bad-option', 'region bounds need at least one hidden layer');
  const bad = widths.find((w) => !ok(w));
  if (bad !== undefined) throw new PolytopeError('bad-option', `hidden widths must be positive integers, got ${bad}`);
}

/** Eq. 2.26 (corrected): ∏_l Σ_{i ≤ d_l} C(N_l, i), d_l = min(N_0, N_1, …, N_l). */
function upperProduct(inputDim: number, widths: readonly number[]): bigint {
  let d = inputDim;
  let prod = 1n;
  for (const n of widths) {
    d = Math.min(d, n);
    prod *= binomialPrefix(n, d);
  }
  return prod;
}

/** Serra et al. Theorem 1 by dynamic programming over the running minimum m_l = min(N_0, N_1 − j_1, …). */
function upperSerra(inputDim: number, widths: readonly number[]): bigint {
  let states = new Map<number, bigint>([[inputDim, 1n]]);
  for (const n of widths) {
    const next = new Map<number, bigint>();
    for (const [cap, total] of states) {
      const top = Math.min(cap, n);
      for (let j = 0; j <= top; j++) {
        const m = Math.min(cap, n - j);
        next.set(m, (next.get(m) ?? 0n) + total * binomial(n, j));
      }
    }
    states = next;
  }
  let s = 0n;
  for (const v of states.values()) s += v;
  return s;
}

/** Eq. 2.27: (∏_{i<L} ⌊N_i/N_0⌋^{N_0}) Σ_{j ≤ N_0} C(N_L, j); null unless every N_i ≥ N_0. */
function lowerMontufar(inputDim: number, widths: readonly number[]): bigint | null {
  if (widths.some((w) => w < inputDim)) return null;
  let prod = 1n;
  for (let i = 0; i < widths.length - 1; i++) prod *= BigInt(Math.floor(widths[i]! / inputDim)) ** BigInt(inputDim);
  return prod * binomialPrefix(widths[widths.length - 1]!, inputDim);
}

/**
 * Upper (Eq. 2.26, corrected; Serra et al. Thm. 1) and lower (Eq. 2.27) bounds on the number of
 * linear regions of a ReLU network with input dimension `inputDim` and hidden widths `widths`.
 *
 * @example
 * regionCountBounds(2, [3]).upper;      // '7'  (3 lines in general position cut the plane into 7)
 * regionCountBounds(1, [2, 2]).lower;   // '6'  (⌊2/1⌋ · (1 + 2))
 * regionCountBounds(2, [16, 16]).upper; // '18769' (137²)
 */
export function regionCountBounds(inputDim: number, widths: readonly number[]): RegionCountBounds {
  checkArch(inputDim, widths);
  const upper = upperProduct(inputDim, widths);
  const serra = upperSerra(inputDim, widths);
  const lower = lowerMontufar(inputDim, widths);
  return {
    inputDim,
    widths: [...widths],
    upper: upper.toString(),
    upperSerra: serra.toString(),
    lower: lower === null ? null : lower.toString(),
    upperValue: Number(upper),
    upperSerraValue: Number(serra),
    lowerValue: lower === null ? null : Number(lower),
  };
}
