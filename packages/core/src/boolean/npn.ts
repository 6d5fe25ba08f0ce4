/**
 * NPN classes (negation of inputs, permutation of inputs, negation of the output) of truth tables
 * with n ≤ 5 inputs: a canonicalizer on 32-bit words, exhaustive class enumeration (n ≤ 4), and the
 * exact class count by Burnside's lemma (any n ≤ 8).
 *
 * The group is walked without tables of index maps: permutations in Steinhaus–Johnson–Trotter
 * order (each step swaps two adjacent input digits: one delta swap of the truth table) and, inside
 * each, the input negations in Gray-code order (each step negates one digit: one block swap); the
 * output negation is the complement. The canonical form is the smallest truth table of the class.
 */
import { PolytopeError } from '../errors.js';
import { npnCanonicalFast, npnTables } from './npn-fast.js';
import { booleanRows, fullMask } from './truth.js';

/** Rows whose index has bit p = 0 (for the block swap that negates the digit at bit position p). */
const NEG_MASKS = [0x55555555, 0x33333333, 0x0f0f0f0f, 0x00ff00ff, 0x0000ffff] as const;
/** Rows whose index has bit p = 1 and bit p + 1 = 0 (delta swap exchanging digit positions p, p + 1). */
const SWAP_MASKS = [0x22222222, 0x0c0c0c0c, 0x00f000f0, 0x0000ff00] as const;

/** The truth table with the digit at bit position p negated: t'(k) = t(k ⊕ 2^p). */
function negateInput(t: number, p: number): number {
  const s = 1 << p;
  const m = NEG_MASKS[p]!;
  return (((t & m) << s) | ((t >>> s) & m)) >>> 0;
}

/** The truth table with digit positions p and p + 1 exchanged. */
function swapInputs(t: number, p: number): number {
  const s = 1 << p;
  const a = SWAP_MASKS[p]!;
  return ((t & ~(a | (a << s))) | ((t & a) << s) | ((t >>> s) & a)) >>> 0;
}

/** A walk of the input group: per step either 'swap' positions (p, p+1) or 'neg' position p. */
export interface GroupWalk {
  /** Adjacent-swap positions of the Steinhaus–Johnson–Trotter cycle (n! steps, back to the identity). */
  readonly swaps: Int8Array;
  /** Negated positions of the Gray-code cycle (2ⁿ steps, back to no negation). */
  readonly negs: Int8Array;
}

/** The SJT and Gray-code step lists for n inputs (both cycles close). */
export function groupWalk(n: number): GroupWalk {
  booleanRows(n);
  const perm = Array.from({ length: n }, (_, i) => i);
  const dir = new Array<number>(n).fill(-1);
  const swaps: number[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      const j = i + dir[i]!;
      if (j >= 0 && j < n && perm[j]! < perm[i]! && (best < 0 || perm[i]! > perm[best]!)) best = i;
    }
    if (best < 0) break;
    const j = best + dir[best]!;
    const v = perm[best]!;
    [perm[best], perm[j]] = [perm[j]!, v];
    [dir[best], dir[j]] = [dir[j]!, dir[best]!];
    swaps.push(Math.min(best, j));
    for (let i = 0; i < n; i++) if (perm[i]! > v) dir[i] = -dir[i]!;
  }
  if (n >= 2) swaps.push(0); // SJT ends at the identity with the first two entries exchanged
  if (n === 1) swaps.push(-1); // one permutation: a no-op step
  const negs: number[] = [];
  for (let j = 1; j < 1 << n; j++) negs.push(31 - Math.clz32(j & -j));
  negs.push(n - 1);
  return { swaps: Int8Array.from(swaps), negs: Int8Array.from(negs) };
}

/**
 * Visits every input transform of t (2ⁿ · n! truth tables, each once per group element) with the
 * transform that produced it: `visit(t', pos, mask)` where t'(k) = t(P(k) ⊕ mask), P moving bit q of
 * k to bit `pos[q]`. Return true from `visit` to stop early.
 */
export function walkInputGroup(t: number, n: number, visit: (t: number, pos: Int8Array, mask: number) => unknown): void {
  const { swaps, negs } = groupWalk(n);
  const pos = Int8Array.from({ length: n }, (_, i) => i);
  let mask = 0;
  let cur = t >>> 0;
  for (const sp of swaps) {
    for (const np of negs) {
      if (visit(cur, pos, mask) === true) return;
      cur = negateInput(cur, np);
      mask ^= 1 << pos[np]!;
    }
    if (sp >= 0) {
      cur = swapInputs(cur, sp);
      const a = pos[sp]!;
      pos[sp] = pos[sp + 1]!;
      pos[sp + 1] = a;
    }
  }
}

/**
 * NPN canonical form: the smallest truth table among all input negations, input permutations and
 * the output negation of t.
 *
 * @example
 * npnCanonical(0b1000, 2); // 1 (AND ~ NOR: the class of one true row)
 * npnCanonical(0b0110, 2); // 6 (XOR)
 */
export function npnCanonical(t: number, n: number, walk: GroupWalk = groupWalk(n)): number {
  const full = fullMask(n);
  let cur = t >>> 0;
  let best = Math.min(cur, (~cur & full) >>> 0);
  const { swaps, negs } = walk;
  const nNegs = negs.length;
  for (let a = 0; a < swaps.length; a++) {
    // Hot loop: the Gray-code negations inlined (one block swap each), complement beside.
    for (let b = 0; b < nNegs; b++) {
      const p = negs[b]!;
      const sh = 1 << p;
      const m = NEG_MASKS[p]!;
      cur = (((cur & m) << sh) | ((cur >>> sh) & m)) >>> 0;
      if (cur < best) best = cur;
      const c = (~cur & full) >>> 0;
      if (c < best) best = c;
    }
    const sp = swaps[a]!;
    if (sp >= 0) cur = swapInputs(cur, sp);
  }
  return best;
}

/**
 * A canonicalizer for many tables of n inputs: the table-driven cofactor method of npn-fast.ts
 * (tables built once; for n = 5 about 50× faster than the group walk of `npnCanonical`).
 *
 * @example
 * const canon = npnCanonicalizer(5);
 * canon(0x96696996); // 0x69969669: 5-parity's complement is the smaller member of its class
 */
export function npnCanonicalizer(n: number): (t: number) => number {
  const tables = npnTables(n);
  return (t) => npnCanonicalFast(t, tables);
}

/** Result of `npnClasses`: the canonical representatives (smallest member) in increasing order, and class sizes. */
export interface NpnClasses {
  readonly n: number;
  readonly representatives: number[];
  readonly sizes: number[];
}

/**
 * Every NPN class of n ≤ 4 inputs by orbit enumeration (each unvisited table, in increasing order,
 * is the smallest member of a new class; its orbit is marked).
 *
 * @example
 * npnClasses(4).representatives.length; // 222
 */
export function npnClasses(n: number): NpnClasses {
  if (!Number.isInteger(n) || n < 1 || n > 4)
    throw new PolytopeError('bad-option', `exhaustive NPN enumeration is for n ≤ 4 (n = 5 has 2³² functions: use npnClassCount), got ${n}`);
  const full = fullMask(n);
  const seen = new Uint8Array(full + 1);
  const walk = groupWalk(n);
  const representatives: number[] = [];
  const sizes: number[] = [];
  for (let f = 0; f <= full; f++) {
    if (seen[f]) continue;
    representatives.push(f);
    let size = 0;
    const mark = (u: number): void => {
      if (!seen[u]) {
        seen[u] = 1;
        size++;
      }
    };
    let cur = f;
    for (const sp of walk.swaps) {
      for (const np of walk.negs) {
        mark(cur);
        mark((~cur & full) >>> 0);
        cur = negateInput(cur, np);
      }
      if (sp >= 0) cur = swapInputs(cur, sp);
    }
    sizes.push(size);
  }
  return { n, representatives, sizes };
}

/**
 * The canonical representatives (smallest member) of every NPN class of n ≤ 4 inputs, increasing:
 * 2, 4, 14 and 222 of them (the training sweep's function list for n = 4).
 *
 * @example
 * npnRepresentatives(2); // [0, 1, 3, 6]: constant, AND-like, a single input, XOR
 */
export function npnRepresentatives(n: number): number[] {
  return npnClasses(n).representatives;
}

/** Cycle lengths of the row map k ↦ P(k) ⊕ mask on 2ⁿ rows. */
function rowCycles(n: number, perm: readonly number[], mask: number): number[] {
  const rows = 1 << n;
  const seen = new Uint8Array(rows);
  const out: number[] = [];
  for (let k0 = 0; k0 < rows; k0++) {
    if (seen[k0]) continue;
    let len = 0;
    for (let k = k0; !seen[k];) {
      seen[k] = 1;
      len++;
      let img = 0;
      for (let q = 0; q < n; q++) if ((k >>> q) & 1) img |= 1 << perm[q]!;
      k = img ^ mask;
    }
    out.push(len);
  }
  return out;
}

/** All permutations of 0…n−1. */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

/**
 * The number of NPN classes of n-input Boolean functions by Burnside's lemma (exact, BigInt):
 * the mean number of truth tables fixed by a group element. OEIS A000370: 2, 4, 14, 222, 616126, …
 *
 * @example
 * npnClassCount(5); // 616126n
 */
export function npnClassCount(n: number): bigint {
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new PolytopeError('bad-option', `npnClassCount takes n in 1…8, got ${n}`);
  let total = 0n;
  const perms = permutations(n);
  for (const perm of perms)
    for (let mask = 0; mask < 1 << n; mask++) {
      const cycles = rowCycles(n, perm, mask);
      total += 1n << BigInt(cycles.length); // output kept: any value per cycle
      if (cycles.every((c) => c % 2 === 0)) total += 1n << BigInt(cycles.length); // output negated: alternating cycles
    }
  return total / (BigInt(perms.length) * (1n << BigInt(n)) * 2n);
}
