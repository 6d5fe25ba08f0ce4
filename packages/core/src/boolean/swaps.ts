/**
 * The swaps value of a Boolean function (seed §3.3.1, Eq. 3.8–3.10): the fewest class changes along
 * ℝ over all projections w whose ties never join rows of different classes. Rows are {0, 1}ⁿ
 * (an affine change of the inputs leaves the value unchanged, Theorem 3.3.1).
 *
 * Exact algorithm (`swapsValue`): the order of the rows under w only changes when w crosses a
 * hyperplane d·w = 0 with d ∈ {−1, 0, 1}ⁿ, and a tie of same-class rows never beats the open
 * chambers around it, so swaps(f) is the minimum over the chambers of that arrangement. Signed
 * permutations of w map chambers to chambers, so it is the minimum over the chambers with
 * 0 < w₁ < … < wₙ (the coherent orders of subset sums: 1, 1, 2, 14, 516 for n = 1…5, OEIS A005806)
 * of the class changes of every input transform of f. The chambers are found from integer weights
 * 1 ≤ w₁ < … < wₙ ≤ K (K = 32 for n = 5 reaches all 516).
 *
 * `swapsDocumented` is the seed's enumeration (Eq. 3.11 and its 2i − 2 cases per weight, one concrete
 * weight per case), a reference; `swapsBruteForce` tries every integer w in [−K, K]ⁿ.
 */
import { InternalError, PolytopeError } from '../errors.js';
import { walkInputGroup } from './npn.js';
import { booleanRows } from './truth.js';

/** Integer weight bound per n for the chamber search (the smallest that reaches every coherent order). */
const CHAMBER_WEIGHT_BOUND = [0, 1, 2, 4, 16, 32] as const;

/** The chambers of the fundamental cone 0 < w₁ < … < wₙ: one row order and one integer weight per chamber. */
export interface SwapsChambers {
  readonly n: number;
  /** Row orders, flat (chambers × 2ⁿ), increasing projection. */
  readonly orders: Uint8Array;
  /** A realizing weight per chamber, flat (chambers × n), by bit position (weight of the digit at bit p). */
  readonly weights: Int32Array;
  readonly count: number;
}

/**
 * Every chamber of the fundamental cone for n ≤ 5 (1, 1, 2, 14, 516 of them). Build once and pass
 * to `swapsValue` when computing many functions (n = 5 takes about a second).
 *
 * @example
 * swapsChambers(4).count; // 14
 */
export function swapsChambers(n: number): SwapsChambers {
  const rows = booleanRows(n);
  const K = CHAMBER_WEIGHT_BOUND[n]!;
  const seen = new Set<string>();
  const orders: number[] = [];
  const weights: number[] = [];
  const w = new Int32Array(n);
  const sums = new Int32Array(rows);
  const slot = new Int32Array(n * K + 1).fill(-1);
  const leaf = (): void => {
    let distinct = true;
    const used: number[] = [];
    for (let k = 0; k < rows && distinct; k++) {
      if (slot[sums[k]!] !== -1) distinct = false;
      else {
        slot[sums[k]!] = k;
        used.push(sums[k]!);
      }
    }
    if (distinct) {
      used.sort((a, b) => a - b);
      const order = used.map((s) => slot[s]!);
      const key = String.fromCharCode(...order);
      if (!seen.has(key)) {
        seen.add(key);
        orders.push(...order);
        weights.push(...w);
      }
    }
    for (const s of used) slot[s] = -1;
  };
  const rec = (q: number, lo: number): void => {
    if (q === n) return leaf();
    for (let v = lo; v <= K - (n - 1 - q); v++) {
      w[q] = v;
      const half = 1 << q;
      for (let k = 0; k < half; k++) sums[k + half] = sums[k]! + v;
      rec(q + 1, v + 1);
    }
  };
  rec(0, 1);
  return { n, orders: Uint8Array.from(orders), weights: Int32Array.from(weights), count: seen.size };
}

/** Class changes of table t along one row order (offset `off` in the flat orders). */
function changesAlong(t: number, orders: Uint8Array, off: number, rows: number, stopAbove: number): number {
  let prev = (t >>> orders[off]!) & 1;
  let c = 0;
  for (let j = 1; j < rows; j++) {
    const b = (t >>> orders[off + j]!) & 1;
    if (b !== prev) {
      if (++c > stopAbove) return c;
      prev = b;
    }
  }
  return c;
}

/** The swaps value and a projection that attains it. */
export interface SwapsResult {
  readonly swaps: number;
  /** A projection attaining it, one weight per input (input 1 first), on {0, 1}ⁿ rows (also valid on {−1, 1}ⁿ). */
  readonly w: number[];
}

/**
 * Class changes along the projection w (input 1 first) of the rows of t: ties of rows of one class
 * count as one position; −1 when a tie joins rows of different classes (w ∉ W, Eq. 3.8).
 *
 * @example
 * projectionChanges(0b10010110, 3, [1, 1, 1]); // 3 (parity along the all-ones vector)
 */
export function projectionChanges(t: number, n: number, w: ArrayLike<number>): number {
  const rows = booleanRows(n);
  const vals: [number, number][] = [];
  for (let k = 0; k < rows; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) if ((k >>> (n - 1 - i)) & 1) s += w[i]!;
    vals.push([s, (t >>> k) & 1]);
  }
  vals.sort((a, b) => a[0] - b[0]);
  let changes = 0;
  let prevClass = -1;
  for (let j = 0; j < rows;) {
    let e = j;
    const cls = vals[j]![1];
    while (e < rows && vals[e]![0] === vals[j]![0]) {
      if (vals[e]![1] !== cls) return -1;
      e++;
    }
    if (prevClass !== -1 && cls !== prevClass) changes++;
    prevClass = cls;
    j = e;
  }
  return changes;
}

/**
 * The exact swaps value (minimum over the chambers of the {−1, 0, 1}ⁿ arrangement, with the
 * hyperoctahedral symmetry) and a witness projection, checked against `projectionChanges`.
 *
 * @example
 * swapsValue(0b0110, 2).swaps; // 2 (XOR)
 */
export function swapsValue(table: number, n: number, chambers: SwapsChambers = swapsChambers(n)): SwapsResult {
  const rows = booleanRows(n);
  if (chambers.n !== n) throw new PolytopeError('bad-option', `chambers are for n = ${chambers.n}, the function has n = ${n}`);
  const t0 = table >>> 0;
  const full = rows === 32 ? 0xffffffff : (1 << rows) - 1;
  if (t0 === 0 || t0 === full >>> 0) return { swaps: 0, w: new Array<number>(n).fill(1) };
  let best = rows;
  let bestW: number[] = [];
  walkInputGroup(t0, n, (t, pos, mask) => {
    if (mask & 1) return false; // negating every input reverses each order: same changes as mask ⊕ (2ⁿ − 1)
    for (let c = 0; c < chambers.count; c++) {
      const ch = changesAlong(t, chambers.orders, c * rows, rows, best - 1);
      if (ch < best) {
        best = ch;
        // t(k) = f(P(k) ⊕ mask): the digit at bit q of k sits at bit pos[q] of f's row, negated where mask is set.
        const wBit = new Array<number>(n).fill(0);
        for (let q = 0; q < n; q++) wBit[pos[q]!] = chambers.weights[c * n + q]! * ((mask >>> pos[q]!) & 1 ? -1 : 1);
        bestW = Array.from({ length: n }, (_, i) => wBit[n - 1 - i]!);
      }
    }
    return best === 1;
  });
  const check = projectionChanges(t0, n, bestW);
  if (check !== best) throw new InternalError(`swaps witness gives ${check} changes, the search ${best}`);
  return { swaps: best, w: bestW };
}

/** Concrete weights of the seed's enumeration (Eq. 3.11, cases 1–5 for each w_i; one weight per open case). */
export function documentedWeights(n: number): number[][] {
  booleanRows(n);
  let partial: number[][] = [[0], [1]];
  for (let i = 2; i <= n; i++) {
    const next: number[][] = [];
    for (const w of partial) {
      const last = w[i - 2]!;
      const cands: number[] = [last];
      if (i === 2) cands.push(last + 1);
      else {
        const prefix = [last];
        for (let k = 1; k <= i - 2; k++) prefix.push(prefix[k - 1]! + w[k - 1]!);
        for (let k = 1; k <= i - 2; k++) {
          if (prefix[k]! > prefix[k - 1]!) cands.push((prefix[k - 1]! + prefix[k]!) / 2); // open case between
          cands.push(prefix[k]!);
        }
        cands.push(prefix[i - 2]! + 1);
      }
      for (const v of new Set(cands)) next.push([...w, v]);
    }
    partial = next;
  }
  return partial;
}

/**
 * The seed's documented enumeration: the minimum of `projectionChanges` over the Eq. 3.11 weights
 * and every input negation and permutation of f (an upper bound on the swaps value; exact when
 * its weights reach every chamber the minimum needs).
 *
 * @example
 * swapsDocumented(0b0110, 2); // 2
 */
export function swapsDocumented(table: number, n: number): number {
  const rows = booleanRows(n);
  // Each weight's tie groups in increasing projection (row lists), computed once.
  const groupsOf = documentedWeights(n).map((w) => {
    const vals = Array.from({ length: rows }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) if ((k >>> (n - 1 - i)) & 1) s += w[i]!;
      return s;
    });
    const idx = Array.from({ length: rows }, (_, k) => k).sort((a, b) => vals[a]! - vals[b]!);
    const groups: number[][] = [];
    idx.forEach((k, j) => (j > 0 && vals[k] === vals[idx[j - 1]!] ? groups[groups.length - 1]!.push(k) : groups.push([k])));
    return groups;
  });
  let best = Infinity;
  walkInputGroup(table >>> 0, n, (t) => {
    for (const groups of groupsOf) {
      let c = 0;
      let prev = -1;
      for (const g of groups) {
        const cls = (t >>> g[0]!) & 1;
        if (g.some((k) => ((t >>> k) & 1) !== cls)) {
          c = Infinity;
          break;
        }
        if (prev !== -1 && cls !== prev) c++;
        prev = cls;
      }
      if (c < best) best = c;
    }
  });
  return best;
}

/**
 * Brute force over every integer projection w ∈ [−K, K]ⁿ (Eq. 3.8–3.10 restricted to a grid; exact
 * once the grid meets every chamber).
 *
 * @example
 * swapsBruteForce(0b10010110, 3, 3); // 3
 */
export function swapsBruteForce(table: number, n: number, K: number): number {
  booleanRows(n);
  let best = Infinity;
  const w = new Array<number>(n).fill(-K);
  for (;;) {
    const c = projectionChanges(table >>> 0, n, w);
    if (c >= 0 && c < best) best = c;
    let i = 0;
    while (i < n && w[i] === K) w[i++] = -K;
    if (i === n) break;
    w[i] = w[i]! + 1;
  }
  return best;
}
