/**
 * Truth tables of Boolean functions of n ≤ 5 inputs (docs/boolean.md, "Conventions").
 *
 * A function of n inputs is its truth-table integer: bit k (least significant = 0) is f at the input
 * whose binary digits are k, with input 1 as the most significant digit. So input i (1-based) of
 * row k is bit n − i of k, and bit position p of k is input n − p. Training inputs live in {−1, 1}ⁿ
 * (digit b ↦ 2b − 1) and the swaps algorithm works on {0, 1}ⁿ; an output bit 1 is the class +1.
 */
import { PolytopeError } from '../errors.js';

/**
 * Largest input count whose truth tables fit the 32-bit words used here.
 *
 * @example
 * MAX_BOOLEAN_INPUTS; // 5
 */
export const MAX_BOOLEAN_INPUTS = 5;

/** Checks n and returns the number of rows 2ⁿ. */
export function booleanRows(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_BOOLEAN_INPUTS)
    throw new PolytopeError('bad-option', `the input count n must be an integer in 1…${MAX_BOOLEAN_INPUTS}, got ${n}`);
  return 1 << n;
}

/** The all-ones truth table of n inputs (2ⁿ bits), as an unsigned number. */
export function fullMask(n: number): number {
  const rows = booleanRows(n);
  return rows === 32 ? 0xffffffff : (1 << rows) - 1;
}

/**
 * Parses a truth table: a decimal integer, `0x…` hex or `0b…` binary (bit k = row k), checked
 * against 2^(2ⁿ).
 *
 * @example
 * parseTruthTable('0x6', 2); // 6 (XOR: rows 01 and 10 are true)
 */
export function parseTruthTable(text: string | number, n: number): number {
  const full = fullMask(n);
  const s = String(text).trim().toLowerCase();
  const ok = /^(0x[0-9a-f]+|0b[01]+|\d+)$/.test(s);
  const v = ok ? Number(s) : NaN;
  if (!Number.isSafeInteger(v) || v < 0 || v > full)
    throw new PolytopeError('bad-option', `a truth table of ${n} inputs is an integer in 0…${full}, got '${text}'`);
  return v;
}

/**
 * Input vectors of all 2ⁿ rows, row-major 2ⁿ × n, in {0, 1} (`'01'`) or {−1, 1} (`'pm1'`); input 1
 * first (the most significant digit).
 *
 * @example
 * booleanInputs(2, 'pm1'); // [-1,-1, -1,1, 1,-1, 1,1]
 */
export function booleanInputs(n: number, domain: '01' | 'pm1'): Float64Array {
  const rows = booleanRows(n);
  const out = new Float64Array(rows * n);
  for (let k = 0; k < rows; k++)
    for (let i = 0; i < n; i++) {
      const b = (k >>> (n - 1 - i)) & 1;
      out[k * n + i] = domain === '01' ? b : 2 * b - 1;
    }
  return out;
}

/**
 * Truth table from a predicate on the {0, 1} digits (input 1 first).
 *
 * @example
 * tableFrom(2, (b) => b[0] === 1 && b[1] === 1); // 8 (AND: row 11 only)
 */
export function tableFrom(n: number, f: (bits: readonly number[]) => boolean): number {
  const rows = booleanRows(n);
  let t = 0;
  for (let k = 0; k < rows; k++) {
    const bits = Array.from({ length: n }, (_, i) => (k >>> (n - 1 - i)) & 1);
    if (f(bits)) t = (t | (1 << k)) >>> 0;
  }
  return t >>> 0;
}

/**
 * n-input parity (true when an odd number of inputs are 1).
 *
 * @example
 * parityTable(2); // 6 (XOR)
 */
export function parityTable(n: number): number {
  return tableFrom(n, (b) => b.reduce((a, x) => a + x, 0) % 2 === 1);
}
