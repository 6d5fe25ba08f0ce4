/**
 * Walsh–Fourier analysis of Boolean functions on {−1, 1}ⁿ (seed §3.2 with the 2⁻ⁿ normalization the
 * seed's Eq. 3.5 lacks): f̂(S) = 2⁻ⁿ Σₓ f(x) χ_S(x), so Σ_S f̂(S)² = 1 (Parseval).
 *
 * Signs: digit b ↦ x = 2b − 1 and output bit 1 ↦ +1. S is a bit mask over digit positions (bit p of S
 * = input n − p, as in the truth-table convention). Degree, influence and entropy are NPN-invariant.
 */
import { PolytopeError } from '../errors.js';
import { booleanRows } from './truth.js';

/** popcount of a small non-negative integer. */
function popcount(v: number): number {
  let c = 0;
  for (let x = v; x !== 0; x &= x - 1) c++;
  return c;
}

/**
 * Fourier coefficients f̂(S), S = 0 … 2ⁿ − 1 (fast Walsh–Hadamard transform, 2⁻ⁿ normalization).
 *
 * @example
 * walshFourier(0b0110, 2); // XOR = −x₁x₂: [0, 0, 0, -1]
 */
export function walshFourier(table: number, n: number): Float64Array {
  const rows = booleanRows(n);
  const a = new Float64Array(rows);
  for (let k = 0; k < rows; k++) a[k] = (table >>> k) & 1 ? 1 : -1;
  return fourierOfSigns(a);
}

/** f̂(S) in place from the ±1 values g(k) of a truth table (2ⁿ of them): the fast Walsh–Hadamard transform, signed and normalized. */
function fourierOfSigns(a: Float64Array): Float64Array {
  const rows = a.length;
  for (let h = 1; h < rows; h <<= 1)
    for (let i = 0; i < rows; i += h << 1)
      for (let j = i; j < i + h; j++) {
        const u = a[j]!;
        const v = a[j + h]!;
        a[j] = u + v;
        a[j + h] = u - v;
      }
  // The transform gives Σ_k g(k)(−1)^{|k∧S|}; with x = 2b − 1, χ_S = (−1)^{|S|}(−1)^{|k∧S|}.
  for (let s = 0; s < rows; s++) a[s] = ((popcount(s) & 1 ? -1 : 1) * a[s]!) / rows;
  return a;
}

/** Fourier statistics of a Boolean function (seed Eq. 3.6, 3.7 and the Fourier degree). */
export interface FourierStats {
  /** Largest |S| with f̂(S) ≠ 0 (0 for constants). */
  readonly degree: number;
  /** Influence of each input, input 1 first: I_i = Σ_{S ∋ i} f̂(S)² = Pr[f(x) ≠ f(x with input i flipped)]. */
  readonly influence: number[];
  /** Total influence Σ_S |S| f̂(S)² (Eq. 3.6). */
  readonly totalInfluence: number;
  /** Spectral entropy Σ_S f̂(S)² log₂(1/f̂(S)²) (Eq. 3.7), 0 · log 0 = 0. */
  readonly entropy: number;
  /** Σ_S f̂(S)² (Parseval: exactly 1 for a ±1-valued function). */
  readonly parseval: number;
}

/**
 * Degree, influences, total influence and spectral entropy of a truth table.
 *
 * @example
 * fourierStats(0b0110, 2); // { degree: 2, influence: [1, 1], totalInfluence: 2, entropy: 0, … }
 */
export function fourierStats(table: number, n: number): FourierStats {
  return statsOfCoefficients(walshFourier(table, n), n);
}

/** Degree, influences, total influence, entropy and Parseval sum of a coefficient vector (index = S). */
function statsOfCoefficients(c: Float64Array, n: number): FourierStats {
  let degree = 0;
  let total = 0;
  let entropy = 0;
  let parseval = 0;
  const influence = new Array<number>(n).fill(0);
  for (let s = 0; s < c.length; s++) {
    const w = c[s]! * c[s]!;
    if (w === 0) continue;
    const size = popcount(s);
    degree = Math.max(degree, size);
    total += size * w;
    entropy -= w * Math.log2(w);
    parseval += w;
    for (let p = 0; p < n; p++) if ((s >>> p) & 1) influence[n - 1 - p] = influence[n - 1 - p]! + w;
  }
  return { degree, influence, totalInfluence: total, entropy, parseval };
}

/**
 * Largest input count of the wide (bigint / `0x…`) tables: 2¹⁶ coefficients.
 *
 * @example
 * MAX_WIDE_BOOLEAN_INPUTS; // 16
 */
export const MAX_WIDE_BOOLEAN_INPUTS = 16;

/**
 * `walshFourier` for truth tables of any width up to 16 inputs: an integer, a bigint or a `0x…`
 * hexadecimal string (bit k = row k, as in `truth.ts`). Every coefficient is an integer multiple of
 * 2⁻ⁿ, computed exactly in float64 (sums of ±1 below 2⁵³), so zero coefficients are exact zeros.
 *
 * @example
 * walshFourierWide('0x6996966996696996', 6)[63]; // 6-parity = −x₁x₂⋯x₆: f̂([6]) = −1
 */
export function walshFourierWide(table: number | bigint | string, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WIDE_BOOLEAN_INPUTS)
    throw new PolytopeError('bad-option', `the input count n must be an integer in 1…${MAX_WIDE_BOOLEAN_INPUTS}, got ${n}`);
  const rows = 1 << n;
  let big: bigint;
  try {
    big = BigInt(table);
  } catch {
    throw new PolytopeError('bad-option', `a truth table is an integer or 0x… hex, got '${String(table)}'`);
  }
  if (big < 0n || big >= 1n << BigInt(rows))
    throw new PolytopeError('bad-option', `a truth table of ${n} inputs has ${rows} bits, got ${String(table)}`);
  const a = new Float64Array(rows);
  // Hex digits in bulk: 32 bits at a time instead of one bigint shift per row.
  for (let k = 0; k < rows; k += 32) {
    const word = Number((big >> BigInt(k)) & 0xffffffffn);
    for (let j = 0; j < 32 && k + j < rows; j++) a[k + j] = (word >>> j) & 1 ? 1 : -1;
  }
  return fourierOfSigns(a);
}

/**
 * `fourierStats` for wide truth tables (n ≤ 16; integers, bigints or `0x…` strings).
 *
 * @example
 * fourierStatsWide('0x6996966996696996', 6); // { degree: 6, totalInfluence: 6, entropy: 0, … }
 */
export function fourierStatsWide(table: number | bigint | string, n: number): FourierStats {
  return statsOfCoefficients(walshFourierWide(table, n), n);
}
