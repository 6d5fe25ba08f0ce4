/**
 * Injectivity of the ReLU layer `C_α x = ReLU(X x − α)` on the unit ball 𝔹 (or 𝔹⁺ = 𝔹 ∩ ℝⁿ₊):
 * a sampled check and an exact check over the cells of the layer's hyperplane arrangement.
 *
 * ## Why the cell check is exact
 * The hyperplanes ⟨x_i, x⟩ = α_i cut ℝⁿ into open cells with constant sign vectors. For a convex
 * body K (𝔹 or 𝔹⁺) the following are equivalent:
 * (a) C_α is injective on K;
 * (b) X is α-rectifying on K (for every x ∈ K, {x_i : ⟨x, x_i⟩ ≥ α_i} spans ℝⁿ; seed §2);
 * (c) every open cell meeting int K has active rows {i : ⟨x, x_i⟩ > α_i} spanning ℝⁿ.
 * (c)⇒(b): a point of K lies in the closure of some open cell meeting int K, whose active rows
 * are among its own. (b)⇒(a): if C_α x = C_α y with x ≠ y, then at the midpoint every row with
 * ⟨·, x_i⟩ ≥ α_i is orthogonal to x − y. (a)⇒(c): if a cell meeting int K had non-spanning active
 * rows, moving inside it along a direction orthogonal to them keeps C_α fixed.
 *
 * An open cell (sign vector s) meets int K iff it is nonempty and its closure P̄ comes within
 * distance < 1 of 0 (inside ℝⁿ₊ for 𝔹⁺): the closure of a nonempty open polyhedron is P̄, so a
 * point of P̄ with norm < 1 has cell points of norm < 1 next to it. Both questions are least-
 * distance programs solved exactly (finite NNLS, `leastDistance`): `min ‖x‖ s.t. x ∈ P̄` and, for
 * nonemptiness, feasibility of {s_i(⟨x_i, y⟩ − α_i τ) ≥ 1, τ ≥ 1} (x = y/τ then lies strictly
 * inside). A witness point strictly inside the cell and the ball is built from the two solutions
 * and re-evaluated in floating point. Cells are enumerated by breadth-first search over single
 * hyperplane flips, which reaches every cell meeting the open convex set int K (a segment in int K
 * between two cells, moved off codimension-2 intersections, crosses one hyperplane at a time).
 * Identical hyperplanes (equal rows, or opposite rows with opposite biases) are grouped and
 * flipped together. The remaining approximation is the 1e-12 tolerance on the geometric tests:
 * cells thinner than that, or penetrating the ball by less, are reported as `marginalCells`.
 */
import { InternalError, PolytopeError } from '../errors.js';
import type { Frame } from './frame.js';
import { dotAt, leastDistance, normAt, rankOfRows } from '../geometry/linalg.js';
import type { Random } from './random.js';
import { mulberry32 } from '../random.js';
import { sampleDomain } from './random.js';
import { FRAME_EPS, INJECTIVITY_BALL_EPS, INJECTIVITY_PLANE_EPS, INJECTIVITY_START_SHRINK } from '../geometry/predicates.js';

/** Domains of the injectivity checks. */
export type InjectivityDomain = 'ball' | 'ball+' | 'sphere';

/** Result of `sampledInjectivity`. */
export interface SampledInjectivity {
  readonly samples: number;
  /** Samples whose active rows {i : ⟨x, x_i⟩ > α_i} do not span ℝⁿ. */
  readonly nonSpanning: number;
  /** nonSpanning / samples. */
  readonly fraction: number;
  /** Smallest number of active rows seen. */
  readonly minActive: number;
  /** One non-spanning sample (null if none). */
  readonly witness: Float64Array | null;
}

/** Options for `sampledInjectivity`. */
export interface SampledInjectivityOptions {
  readonly samples?: number;
  readonly random: Random;
  readonly domain?: InjectivityDomain;
  /** Radius of the ball / sphere (default 1); alpha is in the same units as ⟨x_i, x⟩. */
  readonly radius?: number;
}

/**
 * Samples the domain and checks that the active rows span ℝⁿ at every sample (a necessary
 * condition for injectivity, found violated with positive probability when it fails on a set of
 * positive measure).
 *
 * @example
 * const f = tetrahedronFrame();
 * sampledInjectivity(f, new Float64Array(4).fill(-1 / Math.sqrt(3)), { random: mulberry32(1) }).nonSpanning; // 0
 */
export function sampledInjectivity(frame: Frame, alpha: ArrayLike<number>, options: SampledInjectivityOptions): SampledInjectivity {
  checkAlpha(frame, alpha);
  const { n, m, rows } = frame;
  const samples = options.samples ?? 10000;
  const domain = options.domain ?? 'ball';
  const radius = options.radius ?? 1;
  const x = new Float64Array(n);
  const active = new Int32Array(m);
  let bad = 0;
  let minActive = m;
  let witness: Float64Array | null = null;
  const sdom = domain === 'sphere' ? 'sphere' : domain === 'ball+' ? 'ball+' : 'ball';
  for (let s = 0; s < samples; s++) {
    sampleDomain(options.random, sdom, n, x);
    if (radius !== 1) for (let j = 0; j < n; j++) x[j] = x[j]! * radius;
    let cnt = 0;
    for (let i = 0; i < m; i++) if (dotAt(rows, i * n, x, 0, n) - alpha[i]! > 0) active[cnt++] = i;
    if (cnt < minActive) minActive = cnt;
    if (cnt < n || rankOfRows(rows, n, active, cnt) < n) {
      bad++;
      if (witness === null) witness = Float64Array.from(x);
    }
  }
  return { samples, nonSpanning: bad, fraction: bad / samples, minActive, witness };
}

/** A cell of the arrangement whose active rows do not span. */
export interface InjectivityCounterexample {
  /** A point strictly inside the cell and the domain. */
  readonly point: Float64Array;
  /** The active rows there. */
  readonly active: Int32Array;
  /** Their rank (< n). */
  readonly rank: number;
}

/** Result of `exactInjectivity`. */
export interface ExactInjectivity {
  /** Whether every cell meeting the domain was visited (false when `maxCells` stopped the search). */
  readonly complete: boolean;
  /** true / false when decided; null when the search was incomplete and found no counterexample. */
  readonly injective: boolean | null;
  /** Cells meeting the open domain that were visited. */
  readonly cells: number;
  /** Cells whose witness could not be confirmed in floating point (thinner than ~1e-12). */
  readonly marginalCells: number;
  /** Distinct hyperplanes that cut the open ball. */
  readonly hyperplanes: number;
  /** Least-distance programs solved. */
  readonly programs: number;
  /** Smallest number of active rows over the cells. */
  readonly minActive: number;
  readonly counterexample: InjectivityCounterexample | null;
}

/** Options for `exactInjectivity`. */
export interface ExactInjectivityOptions {
  readonly domain?: 'ball' | 'ball+';
  /** Radius of the ball (default 1). */
  readonly radius?: number;
  /** Stop after this many cells (default 100000). */
  readonly maxCells?: number;
  /** Stop at the first non-spanning cell (default true). */
  readonly stopAtFirst?: boolean;
  /** Generator for the starting points (default a fixed seed). */
  readonly random?: Random;
}

/**
 * Decides whether `C_α` is injective on the ball (or 𝔹⁺) by enumerating the cells of the
 * arrangement that meet it (see the module comment for why this is exact).
 *
 * @example
 * const f = tetrahedronFrame();
 * exactInjectivity(f, new Float64Array(4).fill(-1 / Math.sqrt(3))).injective;   // true
 * exactInjectivity(f, new Float64Array(4).fill(-0.5)).injective;                  // false
 */
export function exactInjectivity(frame: Frame, alpha: ArrayLike<number>, options: ExactInjectivityOptions = {}): ExactInjectivity {
  checkAlpha(frame, alpha);
  const { n, m, rows } = frame;
  const plus = options.domain === 'ball+';
  const radius = options.radius ?? 1;
  const maxCells = options.maxCells ?? 100000;
  const stopAtFirst = options.stopAtFirst ?? true;
  const random = options.random ?? mulberry32(12345);
  const a = new Float64Array(m);
  for (let i = 0; i < m; i++) a[i] = alpha[i]! / radius;
  const arr = arrangementOf(frame, a);
  const G = arr.reps.length;
  const tester = new CellTester(arr, plus);
  const search = startingCells(arr, tester, random, plus);
  const { queue, points, marginalFlags } = search;

  const activeRows = new Int32Array(m);
  let cells = 0;
  let marginal = 0;
  let minActive = m;
  let counterexample: InjectivityCounterexample | null = null;
  let complete = true;
  for (let head = 0; head < queue.length; head++) {
    if (cells >= maxCells) {
      complete = false;
      break;
    }
    const signs = queue[head]!;
    const isMarginal = marginalFlags[head]!;
    cells++;
    if (isMarginal) marginal++;
    const cnt = activeRowsOf(arr, signs, activeRows);
    if (!isMarginal) {
      if (cnt < minActive) minActive = cnt;
      const rank = rankOfRows(rows, n, activeRows, cnt);
      if (rank < n && counterexample === null) {
        counterexample = { point: points[head]!, active: activeRows.slice(0, cnt), rank };
        if (stopAtFirst) break;
      }
    }
    visitNeighbours(tester, search, signs);
  }
  const injective = counterexample !== null ? false : complete ? true : null;
  return {
    complete: complete && (counterexample === null || !stopAtFirst),
    injective,
    cells,
    marginalCells: marginal,
    hyperplanes: G,
    programs: tester.programs,
    minActive,
    counterexample,
  };
}

/**
 * The hyperplanes ⟨x_i, y⟩ = a_i of the frame against the open unit ball: rows constant on the
 * ball (`fixed`: +1 always active, −1 never, 0 cuts the ball), and groups of identical hyperplanes
 * (`group`, `orient` relative to the group's representative in `reps`).
 */
interface Arrangement {
  readonly n: number;
  readonly m: number;
  readonly rows: Float64Array;
  readonly a: Float64Array;
  readonly fixed: Int8Array;
  readonly group: Int32Array;
  readonly orient: Int8Array;
  readonly reps: number[];
}

/** Groups the rows of the frame (offsets `a`, scaled to the unit ball) into the arrangement's hyperplanes. */
function arrangementOf(frame: Frame, a: Float64Array): Arrangement {
  const { n, m, rows } = frame;
  // Rows that are constant on the open unit ball, and groups of identical hyperplanes.
  const fixed = new Int8Array(m); // +1 always active, −1 never, 0 cuts the ball
  const group = new Int32Array(m).fill(-1);
  const orient = new Int8Array(m);
  const reps: number[] = [];
  for (let i = 0; i < m; i++) {
    const ai = a[i]!;
    if (ai >= 1) fixed[i] = -1;
    else if (ai <= -1) fixed[i] = 1;
    if (fixed[i]) continue;
    for (let g = 0; g < reps.length; g++) {
      const r = reps[g]!;
      const o = sameHyperplane(rows, n, i, r, ai, a[r]!);
      if (o !== 0) {
        group[i] = g;
        orient[i] = o;
        break;
      }
    }
    if (group[i] === -1) {
      group[i] = reps.length;
      orient[i] = 1;
      reps.push(i);
    }
  }
  return { n, m, rows, a, fixed, group, orient, reps };
}

/** Writes the rows active on the cell with hyperplane signs `signs` to `out`; returns their number. */
function activeRowsOf(arr: Arrangement, signs: Int8Array, out: Int32Array): number {
  const { m, fixed, group, orient } = arr;
  let cnt = 0;
  for (let i = 0; i < m; i++) {
    const on = fixed[i] ? fixed[i] === 1 : orient[i]! * signs[group[i]!]! === 1;
    if (on) out[cnt++] = i;
  }
  return cnt;
}

/**
 * Decides whether a sign vector's cell meets the open ball (or 𝔹⁺) with nonempty interior by two
 * least-distance programs, and returns a point of it; `marginal` when that point could not be
 * confirmed in floating point. Owns the constraint buffers and counts the programs solved.
 */
class CellTester {
  programs = 0;
  private readonly closedG: Float64Array;
  private readonly closedH: Float64Array;
  private readonly openG: Float64Array;
  private readonly openH: Float64Array;
  private readonly extra: number;
  private readonly p: number;

  constructor(
    private readonly arr: Arrangement,
    plus: boolean,
  ) {
    const n = arr.n;
    // Constraint matrices (rows for the G hyperplanes, then the orthant for 𝔹⁺).
    this.extra = plus ? n : 0;
    const p = arr.reps.length + this.extra;
    this.p = p;
    this.closedG = new Float64Array(p * n);
    this.closedH = new Float64Array(p);
    this.openG = new Float64Array((p + 1) * (n + 1));
    this.openH = new Float64Array(p + 1).fill(1);
  }

  test(signs: Int8Array): { point: Float64Array; marginal: boolean } | null {
    const { n, rows, a, reps } = this.arr;
    const { closedG, closedH, openG, openH, extra, p } = this;
    const G = reps.length;
    for (let g = 0; g < G; g++) {
      const r = reps[g]!;
      const s = signs[g]!;
      for (let j = 0; j < n; j++) closedG[g * n + j] = s * rows[r * n + j]!;
      closedH[g] = s * a[r]!;
    }
    for (let j = 0; j < extra; j++) {
      closedG.fill(0, (G + j) * n, (G + j + 1) * n);
      closedG[(G + j) * n + j] = 1;
      closedH[G + j] = 0;
    }
    this.programs++;
    const near = leastDistance(closedG, p, n, closedH);
    if (!near.feasible || !(near.norm < 1 - INJECTIVITY_BALL_EPS)) return null;
    // Nonempty interior: s_g(⟨x_g, y⟩ − α_g τ) ≥ 1, (y_j ≥ 1 for 𝔹⁺), τ ≥ 1.
    const w = n + 1;
    for (let c = 0; c < p; c++) {
      for (let j = 0; j < n; j++) openG[c * w + j] = closedG[c * n + j]!;
      openG[c * w + n] = -closedH[c]!;
    }
    openG.fill(0, p * w, (p + 1) * w);
    openG[p * w + n] = 1;
    this.programs++;
    const inner = leastDistance(openG, p + 1, w, openH);
    if (!inner.feasible) return null;
    const tau = inner.x[n]!;
    const xin = new Float64Array(n);
    for (let j = 0; j < n; j++) xin[j] = inner.x[j]! / tau;
    const xs = near.x;
    let dist = 0;
    for (let j = 0; j < n; j++) dist += (xin[j]! - xs[j]!) ** 2;
    dist = Math.sqrt(dist);
    const lambda = dist === 0 ? 1 : Math.min(1, (0.5 * (1 - near.norm)) / dist);
    const pt = new Float64Array(n);
    for (let j = 0; j < n; j++) pt[j] = xs[j]! + lambda * (xin[j]! - xs[j]!);
    let ok = normAt(pt, 0, n) < 1;
    for (let c = 0; c < p && ok; c++) if (!(dotAt(closedG, c * n, pt, 0, n) - closedH[c]! > 0)) ok = false;
    return { point: pt, marginal: !ok };
  }
}

/** The cells found so far (`seen` by sign key), the queue of those meeting the domain, a point of each and its marginal flag. */
interface CellSearch {
  readonly seen: Set<string>;
  readonly queue: Int8Array[];
  readonly points: Float64Array[];
  readonly marginalFlags: boolean[];
}

/** Starting cells from random points strictly off every hyperplane. */
function startingCells(arr: Arrangement, tester: CellTester, random: Random, plus: boolean): CellSearch {
  const { n, rows, a, reps } = arr;
  const G = reps.length;
  const seen = new Set<string>();
  const queue: Int8Array[] = [];
  const points: Float64Array[] = [];
  const x = new Float64Array(n);
  for (let tries = 0; tries < 200 && queue.length < 8; tries++) {
    sampleDomain(random, plus ? 'ball+' : 'ball', n, x);
    for (let j = 0; j < n; j++) x[j] = x[j]! * INJECTIVITY_START_SHRINK;
    const signs = new Int8Array(G);
    let clean = true;
    for (let g = 0; g < G && clean; g++) {
      const v = dotAt(rows, reps[g]! * n, x, 0, n) - a[reps[g]!]!;
      if (Math.abs(v) < FRAME_EPS) clean = false;
      signs[g] = v > 0 ? 1 : -1;
    }
    if (!clean) continue;
    const key = keyOf(signs);
    if (seen.has(key)) continue;
    const t = tester.test(signs);
    if (t === null) continue;
    seen.add(key);
    queue.push(signs);
    points.push(t.point);
  }
  if (queue.length === 0) throw new InternalError('exactInjectivity: could not find a starting cell');
  const marginalFlags: boolean[] = new Array<boolean>(queue.length).fill(false);
  return { seen, queue, points, marginalFlags };
}

/** Queues the unseen neighbours of the cell `signs` (one hyperplane flipped) that meet the domain. */
function visitNeighbours(tester: CellTester, search: CellSearch, signs: Int8Array): void {
  const { seen, queue, points, marginalFlags } = search;
  const G = signs.length;
  for (let g = 0; g < G; g++) {
    const next = Int8Array.from(signs);
    next[g] = -next[g]!;
    const key = keyOf(next);
    if (seen.has(key)) continue;
    seen.add(key);
    const t = tester.test(next);
    if (t === null) continue;
    queue.push(next);
    points.push(t.point);
    marginalFlags.push(t.marginal);
  }
}

function checkAlpha(frame: Frame, alpha: ArrayLike<number>): void {
  if (alpha.length !== frame.m)
    throw new PolytopeError('shape-mismatch', `alpha has ${alpha.length} entries but the frame has ${frame.m} vectors`);
  for (let i = 0; i < alpha.length; i++) {
    const v = alpha[i]!;
    if (Number.isNaN(v) || v === -Infinity) throw new PolytopeError('non-finite', `alpha has an invalid value (${v}) at index ${i}`);
  }
}

function sameHyperplane(rows: Float64Array, n: number, i: number, r: number, ai: number, ar: number): -1 | 0 | 1 {
  const tol = INJECTIVITY_PLANE_EPS;
  let same = Math.abs(ai - ar) <= tol;
  let opp = Math.abs(ai + ar) <= tol;
  for (let j = 0; j < n && (same || opp); j++) {
    const u = rows[i * n + j]!;
    const v = rows[r * n + j]!;
    if (Math.abs(u - v) > tol) same = false;
    if (Math.abs(u + v) > tol) opp = false;
  }
  return same ? 1 : opp ? -1 : 0;
}

function keyOf(signs: Int8Array): string {
  let s = '';
  for (let g = 0; g < signs.length; g++) s += signs[g]! > 0 ? '+' : '-';
  return s;
}
