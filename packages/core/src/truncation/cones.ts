/**
 * The polyhedral-cone form of a truncation map (seed 002, "Beyond sequentially linearly separable").
 *
 * For W (m × n) of full row rank m ≤ n and b ∈ ℝᵐ put p = −W⁺b (so Wp = −b when m ≤ n and W has full
 * row rank), v_j = W⁺e_j (the columns of W⁺) and a(x) = Wx + b = W(x − p). Then
 *   τ_{W,b}(x) = W⁺(σ(a) − b) = p + W⁺σ(a) = p + Σ_{a_j(x) > 0} a_j(x) v_j.
 * For square (invertible) W the v_j are a basis and x = p + Σ_j a_j(x) v_j exactly — the slides'
 * statement. For m < n this only holds modulo ker W: x = p + Σ_j a_j v_j + k with k ∈ ker W, and τ
 * drops k. So ℝⁿ splits into 2ᵐ polyhedral cones K_S = {x : a_j(x) ≥ 0 for j ∈ S, a_j(x) ≤ 0 for
 * j ∉ S} with apex p (cylinders over ker W when m < n), and on K_S τ is the affine projection
 *   τ(x) = p + P_S(x − p),   P_S = W⁺ D_S W,   D_S = diag(1_S)
 * (oblique projection onto span{v_j : j ∈ S} along span{v_j : j ∉ S} ⊕ ker W; P_S² = P_S since
 * W W⁺ = I). The negative sector S⁻ = K_∅ collapses to p.
 *
 * Negative-sector proposition (the slides, "in preparation"): if X₁ ⊆ S⁻ = {p + Σ a_i v_i : a_i ≤ 0}
 * and X₂ lies a positive distance δ from S⁻, then W = V⁻¹ (rows: the dual basis), b = −Wp make the
 * truncated data linearly separable: τ(X₁) = {p} and ℓ(y) = 𝟙ᵀW(y − p) is 0 on τ(X₁) and
 * Σ_{a_j > 0} a_j ≥ δ / Σ_j‖v_j‖ > 0 on τ(X₂). This needs m = n (the v_i a basis). The slides state
 * it for any m ≤ n, which is false — see `negativeSectorSeparation` and docs/seeds.md.
 */
import { PolytopeError } from '../errors.js';
import { inverse, matVec, numericalRank, pinv } from './mlp.js';

/** The cone form of τ_{W,b}: apex p, generators v_j (columns of W⁺) and the sign pattern of a point. */
export interface TruncationCones {
  readonly rows: number;
  readonly cols: number;
  /** Apex p = −W⁺b. */
  readonly apex: Float64Array;
  /** Generator v_j = W⁺e_j, row j of this `rows × cols` array. */
  readonly generators: Float64Array;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

/**
 * The cone form of τ_{W,b} for W (`rows × cols`, row-major) of full row rank (rows ≤ cols).
 *
 * @example
 * const c = truncationCones(new Float64Array([1, 0, 0, 1]), new Float64Array([-1, -1]), 2, 2);
 * c.apex; // [1, 1]: τ(x) = σ(x − 1) + 1 collapses the quadrant x ≤ 1 to (1, 1)
 */
export function truncationCones(weight: Float64Array, bias: Float64Array, rows: number, cols: number): TruncationCones {
  if (weight.length !== rows * cols) throw new PolytopeError('shape-mismatch', `W has ${weight.length} values, expected ${rows}×${cols}`);
  if (bias.length !== rows) throw new PolytopeError('shape-mismatch', `b has ${bias.length} values, expected ${rows}`);
  if (rows > cols || numericalRank(weight, rows, cols) < rows)
    throw new PolytopeError(
      'not-applicable',
      `the cone form needs W of full row rank with rows ≤ columns; W is ${rows}×${cols} of lower rank or wider`,
    );
  const wp = pinv(weight, rows, cols); // cols × rows
  const apex = matVec(wp, bias, cols, rows).map((v) => -v);
  const generators = new Float64Array(rows * cols);
  for (let j = 0; j < rows; j++) for (let k = 0; k < cols; k++) generators[j * cols + k] = wp[k * rows + j]!;
  return { rows, cols, apex, generators, weight, bias };
}

/** The cone coordinates a(x) = W(x − p) = Wx + b. */
function coneCoordinates(c: TruncationCones, x: ArrayLike<number>): Float64Array {
  if (x.length !== c.cols) throw new PolytopeError('shape-mismatch', `point has ${x.length} values, expected ${c.cols}`);
  return matVec(c.weight, x, c.rows, c.cols, c.bias);
}

/** The sign set S(x) = {j : a_j(x) > 0} as a 0/1 mask: the cone K_S holding x. */
export function coneOf(c: TruncationCones, x: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(coneCoordinates(c, x), (v) => (v > 0 ? 1 : 0));
}

/**
 * The projection P_S = W⁺ D_S W (`cols × cols`, row-major) by which τ acts on the cone K_S.
 *
 * @example
 * coneProjection(truncationCones(new Float64Array([1, 0, 0, 1]), new Float64Array(2), 2, 2), [1, 0]); // [1, 0, 0, 0]
 */
export function coneProjection(c: TruncationCones, mask: ArrayLike<number>): Float64Array {
  if (mask.length !== c.rows) throw new PolytopeError('shape-mismatch', `cone mask has ${mask.length} entries, expected ${c.rows}`);
  const n = c.cols;
  const out = new Float64Array(n * n);
  for (let j = 0; j < c.rows; j++) {
    if (!mask[j]) continue;
    for (let r = 0; r < n; r++) {
      const vr = c.generators[j * n + r]!;
      for (let k = 0; k < n; k++) out[r * n + k] = out[r * n + k]! + vr * c.weight[j * n + k]!;
    }
  }
  return out;
}

/**
 * τ through the cone form: p + P_{S(x)}(x − p) (equals `truncate` for the same W, b).
 *
 * @example
 * truncateByCones(truncationCones(new Float64Array([1, 0, 0, 1]), new Float64Array([-1, -1]), 2, 2), [2, 0]); // [2, 1]
 */
export function truncateByCones(c: TruncationCones, x: ArrayLike<number>): Float64Array {
  const n = c.cols;
  const proj = coneProjection(c, coneOf(c, x));
  const d = Float64Array.from({ length: n }, (_, k) => x[k]! - c.apex[k]!);
  const y = matVec(proj, d, n, n);
  for (let k = 0; k < n; k++) y[k] = y[k]! + c.apex[k]!;
  return y;
}

/** Result of the negative-sector construction. */
export interface NegativeSectorSeparation {
  /** W = V⁻¹ (`n × n`) and b = −Wp: τ_{W,b} collapses S⁻ to p. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  /** ℓ(y) = Σ_j (W(y − p))_j: 0 on τ(X₁), ≥ margin > 0 on τ(X₂). */
  readonly functional: Float64Array;
  readonly offset: number;
  /** max ℓ over τ(X₁) (0 up to rounding) and min ℓ over τ(X₂). */
  readonly maxFirst: number;
  readonly minSecond: number;
}

/**
 * The negative-sector proposition, constructively: given the apex p and n generators v_i of ℝⁿ
 * (rows of `generators`), X₁ ⊆ S⁻ and X₂ away from S⁻, returns W, b and the separating functional.
 * Throws `not-applicable` if the generators are not a basis (the statement fails for m < n) or a
 * point of X₂ lies in S⁻.
 *
 * @example
 * const s = negativeSectorSeparation([0, 0], [[1, 0], [0, 1]], [[-1, -2]], [[1, -1]]);
 * s.minSecond > s.maxFirst; // true: τ(X₁) = {p} and ℓ separates
 */
export function negativeSectorSeparation(
  apex: readonly number[],
  generators: readonly (readonly number[])[],
  first: readonly (readonly number[])[],
  second: readonly (readonly number[])[],
): NegativeSectorSeparation {
  const n = apex.length;
  if (generators.length !== n || generators.some((g) => g.length !== n))
    throw new PolytopeError('not-applicable', `the construction needs n = ${n} generators of ℝ^${n} (a basis); got ${generators.length}`);
  const v = new Float64Array(n * n); // V with columns v_i
  generators.forEach((g, i) => g.forEach((x, k) => (v[k * n + i] = x)));
  const weight = inverse(v, n);
  const bias = matVec(weight, apex, n, n).map((x) => -x);
  const functional = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) functional[k] = functional[k]! + weight[j * n + k]!;
  let offset = 0;
  for (let k = 0; k < n; k++) offset -= functional[k]! * apex[k]!;
  const cones = truncationCones(weight, bias, n, n);
  const ell = (x: readonly number[]): number => {
    const y = truncateByCones(cones, x);
    let s = offset;
    for (let k = 0; k < n; k++) s += functional[k]! * y[k]!;
    return s;
  };
  const maxFirst = Math.max(...first.map(ell));
  const minSecond = Math.min(...second.map(ell));
  if (!(minSecond > 0)) throw new PolytopeError('not-applicable', 'a point of X₂ lies in the negative sector S⁻');
  return { weight, bias, functional, offset, maxFirst, minSecond };
}
