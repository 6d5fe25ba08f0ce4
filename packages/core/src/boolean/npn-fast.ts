/**
 * A table-driven NPN canonicalizer for n ≤ 5 inputs and the exhaustive class enumeration of n = 5
 * (616,126 classes) without touching the 2³² functions one by one (docs/boolean.md, "NPN classes").
 *
 * Split a table of n inputs into its two cofactors on the top input (input 1, the most significant
 * digit): the integer is hi·2^(2^m) + lo with m = n − 1, hi = f at input 1 = 1. Every NPN transform is
 * (which input goes to the top, its polarity, the output polarity) followed by a transform g of the
 * group G_m of the other m inputs (m!·2^m elements) acting on both halves at once. So the smallest
 * member of the class is the smallest (hi, lo) over the 2n·2 top choices, where for each choice
 * hi = min_g g(A) (precomputed for all 2^(2^m) half tables) and lo = min g(B) over the few g that
 * reach that minimum (precomputed lists). A canonical table's hi half is itself a minimum of its
 * G_m orbit (402 of the 65,536 for m = 4), so the enumeration only tests tables with such a hi half.
 */
import { PolytopeError } from '../errors.js';
import { booleanRows } from './truth.js';

/** Precomputed tables of the cofactor canonicalizer for n inputs (built once, reused). */
export interface NpnTables {
  readonly n: number;
  /** Bits per half table (2^(n − 1)). */
  readonly half: number;
  /** Number of half tables (2^half). */
  readonly hCount: number;
  /** |G_m| = m!·2^m, m = n − 1. */
  readonly groupSize: number;
  /** Per g and byte j of the half table: the image bits of byte value v (g·bytes·256 + j·256 + v). */
  readonly apply: Uint16Array;
  readonly bytes: number;
  /** min_g g(h) for every half table h. */
  readonly minVal: Uint16Array;
  /** One g with g(h) = minVal[h], for every half table h. */
  readonly toMin: Uint16Array;
  /** The stabilizer {g : g(h) = h} of each orbit minimum h: stabG[stabStart[h] … stabStart[h + 1]) (empty for others). */
  readonly stabStart: Uint32Array;
  readonly stabG: Uint16Array;
  /** Delta-swap masks exchanging digit position p with the top position n − 1 (index p < n − 1). */
  readonly topMasks: Uint32Array;
}

function permutationsOf(m: number): number[][] {
  if (m === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutationsOf(m - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), m - 1, ...p.slice(i)]);
  return out;
}

/** Byte tables of every g ∈ G_m (g(h) bit k = h bit r(k), r(k) = P(k) ⊕ mask) and the inverse of each g. */
function groupTables(m: number): { apply: Uint16Array; bytes: number; groupSize: number; inverse: Uint16Array } {
  const half = 1 << m;
  const bytes = Math.max(1, half >> 3);
  const perms = permutationsOf(m);
  const groupSize = perms.length << m;
  const apply = new Uint16Array(groupSize * bytes * 256);
  const rowMaps: number[][] = [];
  let g = 0;
  for (const perm of perms)
    for (let mask = 0; mask < 1 << m; mask++, g++) {
      const r: number[] = [];
      for (let k = 0; k < half; k++) {
        let img = 0;
        for (let q = 0; q < m; q++) if ((k >> q) & 1) img |= 1 << perm[q]!;
        const s = img ^ mask;
        r.push(s);
        const base = (g * bytes + (s >> 3)) * 256;
        const bit = 1 << (s & 7);
        for (let v = 0; v < 256; v++) if (v & bit) apply[base + v]! |= 1 << k;
      }
      rowMaps.push(r);
    }
  // (g'(g(h)))(k) = h(r_g(r_g'(k))): g' = g⁻¹ when r_g' is the inverse row map of r_g.
  const index = new Map(rowMaps.map((r, i) => [r.join(','), i]));
  const inverse = Uint16Array.from(rowMaps, (r) => {
    const inv = new Array<number>(half);
    r.forEach((s, k) => (inv[s] = k));
    return index.get(inv.join(','))!;
  });
  return { apply, bytes, groupSize, inverse };
}

function applyG(apply: Uint16Array, bytes: number, g: number, h: number): number {
  return bytes === 2 ? apply[g * 512 + (h & 255)]! | apply[g * 512 + 256 + (h >>> 8)]! : apply[g * 256 + h]!;
}

/**
 * Builds the canonicalizer tables for n ≤ 5 inputs (n = 5: 384 transforms of the 4-input halves,
 * 65,536 half tables). Orbits of G_m are walked from their smallest member (402·384 applications
 * for m = 4), so the build is quick.
 *
 * @example
 * const tables = npnTables(3);
 * tables.groupSize; // 8: the 2!·2² transforms of the two lower inputs
 */
export function npnTables(n: number): NpnTables {
  booleanRows(n);
  const m = n - 1;
  const half = 1 << m;
  const hCount = 2 ** half;
  const { apply, bytes, groupSize, inverse } = groupTables(m);
  const minVal = new Uint16Array(hCount);
  const toMin = new Uint16Array(hCount);
  const done = new Uint8Array(hCount);
  const stabStart = new Uint32Array(hCount + 1);
  const stab: number[] = [];
  for (let h = 0; h < hCount; h++) {
    stabStart[h] = stab.length;
    if (done[h]) continue;
    // h is the smallest unvisited table, hence the smallest member of its orbit
    for (let g = 0; g < groupSize; g++) {
      const u = applyG(apply, bytes, g, h);
      if (u === h) stab.push(g);
      if (done[u]) continue;
      done[u] = 1;
      minVal[u] = h;
      toMin[u] = inverse[g]!;
    }
  }
  stabStart[hCount] = stab.length;
  const topMasks = new Uint32Array(Math.max(0, n - 1));
  for (let p = 0; p < n - 1; p++) {
    let mask = 0;
    for (let k = 0; k < 1 << n; k++) if ((k >> p) & 1 && !((k >> (n - 1)) & 1)) mask |= 1 << k;
    topMasks[p] = mask >>> 0;
  }
  return { n, half, hCount, groupSize, apply, bytes, minVal, toMin, stabStart, stabG: Uint16Array.from(stab), topMasks };
}

/** t with digit positions p and n − 1 exchanged (p < n − 1). */
function swapTop(t: number, T: NpnTables, p: number): number {
  const a = T.topMasks[p]!;
  const s = (1 << (T.n - 1)) - (1 << p);
  return ((t & ~(a | (a << s))) | ((t & a) << s) | ((t >>> s) & a)) >>> 0;
}

/** The smallest g(B) over the g taking A to its minimum (s ∘ toMin[A], s in the minimum's stabilizer), or `bound` if none is below. */
function bestLo(T: NpnTables, A: number, B: number, bound: number): number {
  const { apply, bytes, stabG } = T;
  const B1 = applyG(apply, bytes, T.toMin[A]!, B);
  const mA = T.minVal[A]!;
  let best = bound;
  for (let i = T.stabStart[mA]!, e = T.stabStart[mA + 1]!; i < e; i++) {
    const v = applyG(apply, bytes, stabG[i]!, B1);
    if (v < best) best = v;
  }
  return best;
}

/**
 * NPN canonical form (the smallest member of the class) with precomputed tables; equal to
 * `npnCanonical(t, n)` and about 50× faster for n = 5 (bench/npn5.bench.mjs).
 *
 * @example
 * const T = npnTables(5);
 * npnCanonicalFast(0x96696996, T); // 0x69969669 (5-parity's class)
 */
export function npnCanonicalFast(t: number, T: NpnTables): number {
  const { n, half, hCount, minVal } = T;
  const lowMask = hCount - 1;
  let hi = hCount;
  let lo = hCount;
  for (let p = 0; p < n; p++) {
    const u = p === n - 1 ? t >>> 0 : swapTop(t >>> 0, T, p);
    const a0 = u >>> half;
    const b0 = u & lowMask;
    for (let c = 0; c < 4; c++) {
      // c bit 0: negate the top input (swap the halves); bit 1: negate the output
      let A = c & 1 ? b0 : a0;
      let B = c & 1 ? a0 : b0;
      if (c & 2) {
        A ^= lowMask;
        B ^= lowMask;
      }
      const mA = minVal[A]!;
      if (mA > hi) continue;
      if (mA < hi) {
        hi = mA;
        lo = hCount;
      }
      lo = bestLo(T, A, B, lo);
    }
  }
  return hi * hCount + lo;
}

/** True when t is the smallest member of its NPN class (early exit on the first smaller member). */
function isCanonical(t: number, T: NpnTables): boolean {
  const { n, half, hCount, minVal } = T;
  const lowMask = hCount - 1;
  const A0 = Math.floor(t / hCount);
  const B0 = t & lowMask;
  for (let p = 0; p < n; p++) {
    const u = p === n - 1 ? t >>> 0 : swapTop(t >>> 0, T, p);
    const a0 = u >>> half;
    const b0 = u & lowMask;
    for (let c = 0; c < 4; c++) {
      let A = c & 1 ? b0 : a0;
      let B = c & 1 ? a0 : b0;
      if (c & 2) {
        A ^= lowMask;
        B ^= lowMask;
      }
      const mA = minVal[A]!;
      if (mA < A0) return false;
      if (mA === A0 && bestLo(T, A, B, B0) < B0) return false;
    }
  }
  return true;
}

/**
 * The canonical representative (smallest member) of every NPN class of n ≤ 5 inputs, increasing.
 * Only tables whose hi half is the minimum of its G_(n−1) orbit are tested (402·65,536 ≈ 2.6·10⁷ for
 * n = 5, not 2³²); n = 5 gives 616,126 classes (OEIS A000370) in a few seconds.
 *
 * @example
 * npnClassRepresentatives(4).length; // 222
 */
export function npnClassRepresentatives(n: number, tables: NpnTables = npnTables(n)): Uint32Array {
  if (tables.n !== n) throw new PolytopeError('bad-option', `npnClassRepresentatives: tables are for n = ${tables.n}, not ${n}`);
  const { hCount, minVal } = tables;
  const out: number[] = [];
  for (let A = 0; A < hCount; A++) {
    // hi must be its orbit's minimum, and the output negation must not give a smaller hi for any lo
    if (minVal[A] !== A || minVal[A ^ (hCount - 1)]! < A) continue;
    for (let B = 0; B < hCount; B++) {
      const t = A * hCount + B;
      if (isCanonical(t, tables)) out.push(t);
    }
  }
  return Uint32Array.from(out);
}
