import { CHOLESKY_PIVOT_EPS, LDP_RHO_EPS, NNLS_COLUMN_EPS, RANK_EPS, RANK_FLOOR_RATIO, TINY_SCALE } from './predicates.js';
/**
 * Small dense linear algebra for the frame module: non-negative least squares (Lawson–Hanson),
 * least-distance programming on top of it, numerical rank, and SPD solves.
 *
 * Everything here is exact in exact arithmetic (finite active-set algorithms, no iterations to
 * a tolerance) and works on flat row-major Float64Arrays. Sizes are small (a facet's vertices,
 * an arrangement's hyperplanes), so clarity wins over blocking.
 */

const EPS = Number.EPSILON;

/** `Σ a[ao+k]·b[bo+k]` for k < n. */
export function dotAt(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += a[ao + k]! * b[bo + k]!;
  return s;
}

/** Euclidean norm of `a[ao..ao+n)`, overflow-safe enough for our unit-scale data. */
export function normAt(a: ArrayLike<number>, ao: number, n: number): number {
  return Math.sqrt(dotAt(a, ao, a, ao, n));
}

/** Result of `nnls`. */
export interface NnlsResult {
  /** The minimizer, length k, all entries ≥ 0. */
  readonly x: Float64Array;
  /** `A x − b`, length r. */
  readonly residual: Float64Array;
  /** ‖A x − b‖₂. */
  readonly residualNorm: number;
  /** Largest violation of the KKT conditions found when re-checking the answer (≈ 1e-16 scale). */
  readonly kktViolation: number;
  /** Outer iterations used. */
  readonly iterations: number;
}

/** A least-squares system `min ‖A x − b‖₂` with A r×k row-major. */
interface LeastSquares {
  readonly A: Float64Array;
  readonly r: number;
  readonly k: number;
  readonly b: Float64Array;
}

/** Working state of `nnls`: the iterate x, the subproblem solution z and the column sets. */
interface NnlsState extends LeastSquares {
  readonly x: Float64Array;
  readonly z: Float64Array;
  readonly passive: Uint8Array;
  readonly blocked: Uint8Array;
  readonly cols: Int32Array;
}

/**
 * Least squares on the columns `cols[0..p)` of the r×k row-major matrix A by Householder QR:
 * writes the minimizer into `z` at those columns. Returns false when the selected columns are
 * numerically rank-deficient.
 */
function lstsqColumns(sys: LeastSquares, cols: Int32Array, p: number, z: Float64Array): boolean {
  const { A, r, k, b } = sys;
  // R: r×p working copy (column-major for cache-friendly Householder), qb: Qᵀb.
  const R = new Float64Array(r * p);
  for (let c = 0; c < p; c++) {
    const j = cols[c]!;
    for (let i = 0; i < r; i++) R[c * r + i] = A[i * k + j]!;
  }
  const qb = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < R.length; i++) scale = Math.max(scale, Math.abs(R[i]!));
  if (p > r) return false;
  for (let c = 0; c < p; c++) {
    const off = c * r;
    let norm = 0;
    for (let i = c; i < r; i++) norm += R[off + i]! * R[off + i]!;
    norm = Math.sqrt(norm);
    if (norm <= NNLS_COLUMN_EPS * Math.max(scale, TINY_SCALE)) return false;
    const alpha = R[off + c]! > 0 ? -norm : norm;
    // v = x − alpha e_c, stored in place.
    R[off + c] = R[off + c]! - alpha;
    let vnorm2 = 0;
    for (let i = c; i < r; i++) vnorm2 += R[off + i]! * R[off + i]!;
    if (vnorm2 > 0) {
      for (let c2 = c + 1; c2 < p; c2++) {
        const off2 = c2 * r;
        let s = 0;
        for (let i = c; i < r; i++) s += R[off + i]! * R[off2 + i]!;
        const f = (2 * s) / vnorm2;
        for (let i = c; i < r; i++) R[off2 + i] = R[off2 + i]! - f * R[off + i]!;
      }
      let s = 0;
      for (let i = c; i < r; i++) s += R[off + i]! * qb[i]!;
      const f = (2 * s) / vnorm2;
      for (let i = c; i < r; i++) qb[i] = qb[i]! - f * R[off + i]!;
    }
    // Diagonal entry of R is alpha; keep it separately in the (now unused) v slot's head later.
    R[off + c] = alpha;
    // Zero below-diagonal storage is not needed: back substitution reads only i ≤ c entries of
    // later columns, which were transformed correctly above.
  }
  // Back substitution R z = qb[0..p).
  for (let c = p - 1; c >= 0; c--) {
    let s = qb[c]!;
    for (let c2 = c + 1; c2 < p; c2++) s -= R[c2 * r + c]! * z[cols[c2]!]!;
    z[cols[c]!] = s / R[c * r + c]!;
  }
  return true;
}

/**
 * One outer step of Lawson–Hanson: moves column t into the passive set and solves the passive
 * least-squares subproblem, stepping back towards x while some passive coefficient is ≤ 0.
 */
function enterColumn(st: NnlsState, t: number): void {
  const { k, x, z, passive, blocked, cols } = st;
  passive[t] = 1;
  let first = true;
  for (;;) {
    let p = 0;
    for (let j = 0; j < k; j++) if (passive[j]) cols[p++] = j;
    z.fill(0);
    const ok = lstsqColumns(st, cols, p, z);
    if (first && (!ok || z[t]! <= 0)) {
      // Rounding made the entering column useless (dependent or wrong sign): Lawson–Hanson's
      // safeguard is to refuse it and try the next candidate.
      passive[t] = 0;
      blocked[t] = 1;
      return;
    }
    first = false;
    if (!ok) {
      // Should not happen after a successful first solve; drop the entering column.
      passive[t] = 0;
      blocked[t] = 1;
      return;
    }
    let allPositive = true;
    for (let c = 0; c < p; c++) if (z[cols[c]!]! <= 0) allPositive = false;
    if (allPositive) {
      for (let j = 0; j < k; j++) x[j] = passive[j] ? z[j]! : 0;
      blocked.fill(0);
      return;
    }
    let alpha = Infinity;
    for (let c = 0; c < p; c++) {
      const j = cols[c]!;
      if (z[j]! <= 0) {
        const a = x[j]! / (x[j]! - z[j]!);
        if (a < alpha) alpha = a;
      }
    }
    for (let c = 0; c < p; c++) {
      const j = cols[c]!;
      x[j] = x[j]! + alpha * (z[j]! - x[j]!);
      if (x[j]! <= 10 * EPS * Math.max(1, Math.abs(z[j]!))) {
        x[j] = 0;
        passive[j] = 0;
      }
    }
  }
}

/**
 * Non-negative least squares `min ‖A x − b‖₂ s.t. x ≥ 0` by the Lawson–Hanson active-set method
 * (Lawson & Hanson, *Solving Least Squares Problems*, 1974, ch. 23). The method is finite: it
 * ends at a point satisfying the KKT conditions exactly in exact arithmetic, which is re-checked
 * and reported as `kktViolation`.
 *
 * @param A r×k row-major.
 * @example
 * // Project b = (1, −1) onto the cone spanned by the columns e1, e2: x = (1, 0).
 * nnls(new Float64Array([1, 0, 0, 1]), 2, 2, new Float64Array([1, -1])).x; // [1, 0]
 */
export function nnls(A: Float64Array, r: number, k: number, b: Float64Array): NnlsResult {
  const x = new Float64Array(k);
  const z = new Float64Array(k);
  const w = new Float64Array(k);
  const passive = new Uint8Array(k);
  const blocked = new Uint8Array(k);
  const cols = new Int32Array(k);
  const st: NnlsState = { A, r, k, b, x, z, passive, blocked, cols };
  const res = Float64Array.from(b, (v) => -v); // A x − b with x = 0
  let anorm = 0;
  for (let i = 0; i < A.length; i++) anorm = Math.max(anorm, Math.abs(A[i]!));
  let bnorm = 0;
  for (let i = 0; i < r; i++) bnorm = Math.max(bnorm, Math.abs(b[i]!));
  const tol = 10 * EPS * Math.max(r, k) * Math.max(anorm, TINY_SCALE) * Math.max(bnorm, anorm, TINY_SCALE);
  const maxIter = 3 * k + 10;
  let iterations = 0;

  const gradient = (): void => {
    // w = Aᵀ(b − A x) = −Aᵀ res
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < r; i++) s -= A[i * k + j]! * res[i]!;
      w[j] = s;
    }
  };
  const updateResidual = (): void => {
    for (let i = 0; i < r; i++) {
      let s = -b[i]!;
      for (let j = 0; j < k; j++) if (x[j] !== 0) s += A[i * k + j]! * x[j]!;
      res[i] = s;
    }
  };

  gradient();
  while (iterations < maxIter) {
    let t = -1;
    let best = tol;
    for (let j = 0; j < k; j++) {
      if (!passive[j] && !blocked[j] && w[j]! > best) {
        best = w[j]!;
        t = j;
      }
    }
    if (t < 0) break;
    iterations++;
    enterColumn(st, t);
    updateResidual();
    gradient();
  }
  updateResidual();
  gradient();
  let kkt = 0;
  for (let j = 0; j < k; j++) {
    // Optimality: w_j ≤ 0 everywhere, w_j = 0 where x_j > 0 (scaled to the problem's size).
    const v = x[j]! > 0 ? Math.abs(w[j]!) : Math.max(0, w[j]!);
    if (v > kkt) kkt = v;
  }
  let rn = 0;
  for (let i = 0; i < r; i++) rn += res[i]! * res[i]!;
  return { x, residual: res, residualNorm: Math.sqrt(rn), kktViolation: kkt, iterations };
}

/** Result of `leastDistance`. */
export interface LdpResult {
  /** Whether `G x ≥ h` has a solution (decided by the NNLS residual, see `leastDistance`). */
  readonly feasible: boolean;
  /** The minimum-norm solution (zeros when infeasible). */
  readonly x: Float64Array;
  /** ‖x‖₂ (Infinity when infeasible). */
  readonly norm: number;
  /** The NNLS residual norm ‖E u − f‖ ∈ [0, 1]; `norm² = 1/ρ² − 1`. */
  readonly rho: number;
}

/**
 * Least-distance programming: `min ‖x‖₂ s.t. G x ≥ h` (G p×n row-major), reduced to one NNLS
 * problem (Lawson & Hanson 1974, ch. 23, Algorithm LDP): with `E = [Gᵀ; hᵀ]` ((n+1)×p) and
 * `f = e_{n+1}`, solve `min_{u≥0} ‖E u − f‖`. The system is infeasible iff the residual
 * `ρ = ‖E u − f‖` is 0 (then `u` is a Farkas certificate: Gᵀu = 0, hᵀu = 1); otherwise
 * `x = −r_{1..n} / r_{n+1}` and `‖x‖² = 1/ρ² − 1`. `feasible` uses ρ > `rhoTol`.
 *
 * @example
 * // min ‖x‖ with x₀ ≥ 1, x₁ ≥ −5: x = (1, 0).
 * leastDistance(new Float64Array([1, 0, 0, 1]), 2, 2, new Float64Array([1, -5])).x; // [1, 0]
 */
export function leastDistance(G: Float64Array, p: number, n: number, h: ArrayLike<number>, rhoTol = LDP_RHO_EPS): LdpResult {
  const r = n + 1;
  const E = new Float64Array(r * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < n; j++) E[j * p + i] = G[i * n + j]!;
    E[n * p + i] = h[i]!;
  }
  const f = new Float64Array(r);
  f[n] = 1;
  const sol = nnls(E, r, p, f);
  const rho = sol.residualNorm;
  const x = new Float64Array(n);
  const rn = sol.residual[n]!;
  if (!(rho > rhoTol) || !(rn < 0)) return { feasible: false, x, norm: Infinity, rho };
  for (let j = 0; j < n; j++) x[j] = -sol.residual[j]! / rn;
  return { feasible: true, x, norm: normAt(x, 0, n), rho };
}

/**
 * Numerical rank of the rows `rows[0..cnt)` of the row-major matrix X (width n), by Gram–Schmidt
 * with pivoting on the largest remaining row: a row counts when its component orthogonal to the
 * rows already taken exceeds `tol` times its own norm (and the largest row norm).
 *
 * @example
 * rankOfRows(new Float64Array([1, 0, 2, 0, 0, 1]), 2, [0, 1, 2], 3); // 2
 */
export function rankOfRows(X: Float64Array, n: number, rows: ArrayLike<number>, cnt: number, tol = RANK_EPS): number {
  const work = new Float64Array(cnt * n);
  const norms0 = new Float64Array(cnt);
  let maxNorm = 0;
  for (let c = 0; c < cnt; c++) {
    const i = rows[c]!;
    for (let j = 0; j < n; j++) work[c * n + j] = X[i * n + j]!;
    norms0[c] = normAt(work, c * n, n);
    if (norms0[c]! > maxNorm) maxNorm = norms0[c]!;
  }
  if (maxNorm === 0) return 0;
  const used = new Uint8Array(cnt);
  let rank = 0;
  while (rank < n) {
    let best = -1;
    let bestNorm = 0;
    for (let c = 0; c < cnt; c++) {
      if (used[c]) continue;
      const v = normAt(work, c * n, n);
      if (v > tol * Math.max(norms0[c]!, maxNorm * RANK_FLOOR_RATIO) && v > bestNorm) {
        bestNorm = v;
        best = c;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    rank++;
    const bo = best * n;
    for (let j = 0; j < n; j++) work[bo + j] = work[bo + j]! / bestNorm;
    for (let c = 0; c < cnt; c++) {
      if (used[c]) continue;
      const s = dotAt(work, c * n, work, bo, n);
      for (let j = 0; j < n; j++) work[c * n + j] = work[c * n + j]! - s * work[bo + j]!;
    }
  }
  return rank;
}

/**
 * Cholesky factorization of the SPD n×n row-major matrix S in place (lower triangle holds L).
 * Returns false when S is not numerically positive definite: some pivot d_j (before its square
 * root) is not above `CHOLESKY_PIVOT_EPS` × the largest diagonal entry of S (a relative rule, so
 * scale-free; it also rejects NaN and ±∞). The one Cholesky of the library (the region walk's
 * own, which only rejected d_j ≤ 0 and non-finite d_j, was replaced by this stricter rule).
 *
 * @example
 * const S = new Float64Array([4, 2, 2, 3]);
 * choleskyInPlace(S, 2); // true; S = [2, 2, 1, √2] (lower triangle: L = [[2, 0], [1, √2]])
 */
export function choleskyInPlace(S: Float64Array, n: number): boolean {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(S[i * n + i]!));
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = S[rj + j]!;
    for (let k = 0; k < j; k++) d -= S[rj + k]! * S[rj + k]!;
    if (!(d > CHOLESKY_PIVOT_EPS * scale)) return false;
    const l = Math.sqrt(d);
    S[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = S[ri + j]!;
      for (let k = 0; k < j; k++) s -= S[ri + k]! * S[rj + k]!;
      S[ri + j] = s / l;
    }
  }
  return true;
}

/** Solves L Lᵀ y = v in place in `v` given the factor from `choleskyInPlace`. */
export function choleskySolveInPlace(L: Float64Array, n: number, v: Float64Array, vo = 0): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = v[vo + i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * v[vo + k]!;
    v[vo + i] = s / L[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = v[vo + i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * v[vo + k]!;
    v[vo + i] = s / L[i * n + i]!;
  }
}

/** Options of `gaussianEliminate`. */
export interface EliminationOptions {
  /** Full pivoting (largest entry among the remaining rows and columns) instead of partial (column by column). */
  readonly full?: boolean;
  /**
   * Smallest acceptable |pivot| at (row, col) (default: any nonzero pivot). The elimination stops
   * at the first step whose best pivot is below it (|p| < threshold, or p = 0 / NaN).
   */
  readonly threshold?: (row: number, col: number) => number;
}

/**
 * Gaussian elimination in place on the k×w row-major matrix M, pivoting in its first n columns
 * (columns n…w−1 are carried along, e.g. right-hand sides). Rows are not moved; `pivots` (length
 * k + n) receives the row order in `pivots[0..k)` (step s pivots on row `pivots[s]`; the rows not
 * yet used are `pivots[s+1..k)`) and the pivot column of step s in `pivots[k + s]`. Step s
 * eliminates the pivot column from every unused row. Partial pivoting takes column s and the
 * largest |entry| among the unused rows, then swaps the pivot row into place in the order (as a
 * textbook row swap would); full pivoting takes the largest |entry| among unused rows and columns
 * (rows scanned in their original order: the pivot row is moved, the others keep their order).
 * Ties go to the first candidate scanned. Returns the number of steps done (the numerical rank,
 * at most min(k, n)). The one Gaussian elimination of the library: `solveEliminated`,
 * `determinantInPlace`, the walk's blocker system and the exact polytope vertices build on it.
 *
 * @example
 * const M = new Float64Array([0, 1, 2, 1, 1, 3]); // [[0, 1 | 2], [1, 1 | 3]]
 * const piv = new Int32Array(4);
 * gaussianEliminate(M, 2, 2, 3, piv); // 2 (row 1 pivots column 0, then row 0 column 1)
 * solveEliminated(M, 2, 2, 3, 2, piv); // [1, 2]
 */
export function gaussianEliminate(
  M: Float64Array,
  k: number,
  n: number,
  w: number,
  pivots: Int32Array,
  options: EliminationOptions = {},
): number {
  const full = options.full ?? false;
  for (let i = 0; i < k; i++) pivots[i] = i;
  const steps = Math.min(k, n);
  for (let s = 0; s < steps; s++) {
    const at = findPivot(M, { k, n, w, s, full }, pivots);
    if (at.pos < 0) return s;
    const pi = pivots[at.pos]!;
    if (options.threshold && at.best < options.threshold(pi, at.col)) return s;
    if (full) for (let p = at.pos; p > s; p--) pivots[p] = pivots[p - 1]!;
    else pivots[at.pos] = pivots[s]!;
    pivots[s] = pi;
    pivots[k + s] = at.col;
    const pv = M[pi * w + at.col]!;
    for (let p = s + 1; p < k; p++) {
      const i = pivots[p]!;
      const f = M[i * w + at.col]! / pv;
      if (f === 0) continue;
      for (let q = 0; q < w; q++) M[i * w + q] = M[i * w + q]! - f * M[pi * w + q]!;
    }
  }
  return steps;
}

/** The largest |entry| for step s among the unused rows (positions s…k−1 of the order) and the candidate columns. */
function findPivot(
  M: Float64Array,
  at: { k: number; n: number; w: number; s: number; full: boolean },
  pivots: Int32Array,
): { pos: number; col: number; best: number } {
  const { k, n, w, s, full } = at;
  let best = 0;
  let pos = -1;
  let col = -1;
  for (let p = s; p < k; p++) {
    const i = pivots[p]!;
    for (let j = full ? 0 : s; j < (full ? n : s + 1); j++) {
      const a = Math.abs(M[i * w + j]!);
      if (!(a > best) || (full && usedColumn(pivots, k, s, j))) continue;
      best = a;
      pos = p;
      col = j;
    }
  }
  return { pos, col, best };
}

/** Whether column j is the pivot column of one of the first s steps. */
function usedColumn(pivots: Int32Array, k: number, s: number, j: number): boolean {
  for (let t = 0; t < s; t++) if (pivots[k + t] === j) return true;
  return false;
}

/**
 * Back substitution after `gaussianEliminate(M, k, n, w, pivots)` returned `rank` on an augmented
 * matrix (right-hand side in column n): the solution of the pivot rows, zero in columns without a
 * pivot.
 */
export function solveEliminated(M: Float64Array, k: number, n: number, w: number, rank: number, pivots: Int32Array): Float64Array {
  const x = new Float64Array(n);
  for (let s = rank - 1; s >= 0; s--) {
    const pi = pivots[s]!;
    const pj = pivots[k + s]!;
    let v = M[pi * w + n]!;
    for (let j = 0; j < n; j++) if (j !== pj) v -= M[pi * w + j]! * x[j]!;
    x[pj] = v / M[pi * w + pj]!;
  }
  return x;
}

/**
 * Determinant of the n×n row-major matrix M by Gaussian elimination with partial pivoting
 * (destroys M; `pivots` is scratch of length 2n). The product of the pivots in step order, signed
 * by the parity of the row order: bit-identical to the textbook loop with physical row swaps.
 *
 * @example
 * determinantInPlace(new Float64Array([0, 2, 3, 1]), 2, new Int32Array(4)); // −6
 */
export function determinantInPlace(M: Float64Array, n: number, pivots: Int32Array = new Int32Array(2 * n)): number {
  if (gaussianEliminate(M, n, n, n, pivots) < n) return 0;
  let D = 1;
  let inversions = 0;
  for (let s = 0; s < n; s++) {
    D *= M[pivots[s]! * n + s]!;
    for (let t = 0; t < s; t++) if (pivots[t]! > pivots[s]!) inversions++;
  }
  return inversions % 2 === 0 ? D : -D;
}

/**
 * Solves a consistent system given as `k ≥ d` augmented rows `[A | b]` (row-major, width `d + 1`)
 * by Gaussian elimination with full pivoting (`gaussianEliminate`): of a degenerate vertex's many
 * tight rows the best-conditioned `d` decide. Destroys `M`. Returns null when the rows have rank < d.
 *
 * @example
 * // x + y = 3, x − y = 1, 2x = 4 (consistent, k = 3 rows, d = 2)
 * solveFullPivotInPlace(Float64Array.of(1, 1, 3, 1, -1, 1, 2, 0, 4), 3, 2); // [2, 1]
 */
export function solveFullPivotInPlace(M: Float64Array, k: number, d: number): Float64Array | null {
  if (k < d) return null;
  const pivots = new Int32Array(k + d);
  const rank = gaussianEliminate(M, k, d, d + 1, pivots, { full: true });
  return rank < d ? null : solveEliminated(M, k, d, d + 1, rank, pivots);
}
