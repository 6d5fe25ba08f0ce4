/**
 * Network similarity from linear coefficients (dissertation §7.3): affine-mapped representation
 * accuracy (Eq. 7.4), scaled mean squared Euclidean distance (Eq. 7.5–7.6), linear CKA on
 * column-centred coefficient matrices (Eq. 7.7), and the softmax cross-entropy of outputs
 * (Eq. 7.8–7.9) as the control. Rows of C_j are `[J_i[j, :], y_i[j]]` (d + 1 values).
 *
 * Least squares (Eq. 7.4) uses the normal equations with a relative ridge, M_j = (XᵀX + λI)⁻¹ XᵀY
 * with λ = ridge · max diag(XᵀX), solved by Cholesky. The accuracy needs only X̃ M_j z_i for each
 * test sample (z_i = [x_i, 1]), so M_j itself is never formed: the source's hat matrix
 * K = X̃ (XᵀX + λI)⁻¹ Xᵀ (test × fit samples) is factored once per source and output and shared by
 * every target, which then costs one product Y Zᵀ (see `hatMatrix`; through the fit × fit system
 * when there are fewer fit samples than coefficients). The ridge keeps the system positive definite when C_j is rank
 * deficient (a linear network has one row repeated; image borders give zero columns), and is small
 * enough (default 1e-8, relative) not to change well-determined solutions.
 */
import { PolytopeError } from '../errors.js';
import { choleskyInPlace, choleskySolveInPlace } from '../geometry/linalg.js';
import type { CoefficientData } from './compress.js';
import { timesTransposed } from './matmul.js';

/**
 * Default relative ridge of the least-squares maps (a regularization parameter, not a tolerance).
 *
 * @example
 * leastSquaresSource(x, n, m, SIMILARITY_RIDGE);
 */
// eslint-disable-next-line no-restricted-syntax -- named hyper-parameter default, not a tolerance (docs/ARCHITECTURE.md)
export const SIMILARITY_RIDGE = 1e-8;

/**
 * C_j as an n × (d + 1) row-major matrix: row i is `[J_i[j, :], y_i[j]]`.
 *
 * @example
 * coefficientMatrix(set, 0); // Float64Array of set.samples × (set.inputs + 1)
 */
export function coefficientMatrix(set: CoefficientData, j: number): Float64Array {
  const { samples: n, outputs: o, inputs: d } = set;
  const m = d + 1;
  const rows = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    rows.set(set.jacobians.subarray((i * o + j) * d, (i * o + j + 1) * d), i * m);
    rows[i * m + d] = set.offsets[i * o + j]!;
  }
  return rows;
}

/** XᵀA for X (n × m) and A (n × q), row-major: m × q. */
function transposeTimes(x: Float64Array, a: Float64Array, n: number, m: number, q: number): Float64Array {
  const out = new Float64Array(m * q);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < m; r++) {
      const v = x[i * m + r]!;
      if (v === 0) continue;
      const row = r * q;
      const ar = i * q;
      for (let c = 0; c < q; c++) out[row + c] = out[row + c]! + v * a[ar + c]!;
    }
  }
  return out;
}

/** A least-squares source: the Cholesky factor of XᵀX + λI for one C_j, reusable for any target. */
export interface LeastSquaresSource {
  readonly x: Float64Array;
  readonly n: number;
  readonly m: number;
  /** Lower-triangular factor (row-major m × m). */
  readonly factor: Float64Array;
  readonly lambda: number;
}

/**
 * Factors the ridge-regularized normal equations of X (n × m).
 *
 * @example
 * const src = leastSquaresSource(Float64Array.of(1, 0, 0, 1, 1, 1), 3, 2);
 * leastSquaresMap(src, Float64Array.of(2, 3, 5), 1); // ≈ [2, 3]: y = 2 x₁ + 3 x₂ exactly
 */
export function leastSquaresSource(x: Float64Array, n: number, m: number, ridge = SIMILARITY_RIDGE): LeastSquaresSource {
  if (x.length !== n * m) throw new PolytopeError('shape-mismatch', `${n} × ${m} matrix needs ${n * m} values, got ${x.length}`);
  const g = transposeTimes(x, x, n, m, m);
  let maxDiag = 0;
  for (let r = 0; r < m; r++) maxDiag = Math.max(maxDiag, g[r * m + r]!);
  const lambda = ridge * (maxDiag > 0 ? maxDiag : 1);
  for (let r = 0; r < m; r++) g[r * m + r] = g[r * m + r]! + lambda;
  if (!choleskyInPlace(g, m)) {
    throw new PolytopeError(
      'not-applicable',
      `the normal equations of a ${n} × ${m} coefficient matrix are not positive definite even with ridge ${ridge}; raise the ridge`,
    );
  }
  return { x, n, m, factor: g, lambda };
}

/**
 * M = (XᵀX + λI)⁻¹ XᵀY for a target Y (n × q): m × q, row-major.
 *
 * @example
 * leastSquaresMap(leastSquaresSource(x, n, m), y, q); // the m × q map minimizing ‖X M − Y‖ (+ ridge)
 */
export function leastSquaresMap(src: LeastSquaresSource, y: Float64Array, q: number): Float64Array {
  if (y.length !== src.n * q) throw new PolytopeError('shape-mismatch', `target needs ${src.n} × ${q} values, got ${y.length}`);
  const rhs = transposeTimes(src.x, y, src.n, src.m, q);
  const out = new Float64Array(src.m * q);
  const col = new Float64Array(src.m);
  for (let c = 0; c < q; c++) {
    for (let r = 0; r < src.m; r++) col[r] = rhs[r * q + c]!;
    choleskySolveInPlace(src.factor, src.m, col);
    for (let r = 0; r < src.m; r++) out[r * q + c] = col[r]!;
  }
  return out;
}

/**
 * Linear CKA (Eq. 7.7) of X (n × p) and Y (n × q) after centring their columns:
 * ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F), computed through the n × n Gram matrices when n is the smaller size
 * (‖YᵀX‖²_F = ⟨XXᵀ, YYᵀ⟩_F). 0 when either matrix is constant.
 *
 * @example
 * linearCka(x, x, n, p, p); // 1
 */

export function linearCka(x: Float64Array, y: Float64Array, n: number, p: number, q: number): number {
  const xc = centreColumns(x, n, p);
  const yc = centreColumns(y, n, q);
  let cross: number;
  let xx: number;
  let yy: number;
  if (n <= Math.max(p, q)) {
    const k = gram(xc, n, p);
    const l = gram(yc, n, q);
    cross = dot(k, l);
    xx = Math.sqrt(dot(k, k));
    yy = Math.sqrt(dot(l, l));
  } else {
    const yx = transposeTimes(yc, xc, n, q, p);
    const gx = transposeTimes(xc, xc, n, p, p);
    const gy = transposeTimes(yc, yc, n, q, q);
    cross = dot(yx, yx);
    xx = Math.sqrt(dot(gx, gx));
    yy = Math.sqrt(dot(gy, gy));
  }
  return xx > 0 && yy > 0 ? cross / (xx * yy) : 0;
}

function centreColumns(x: Float64Array, n: number, p: number): Float64Array {
  const out = Float64Array.from(x);
  for (let c = 0; c < p; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * p + c]!;
    const mean = s / n;
    for (let i = 0; i < n; i++) out[i * p + c] = out[i * p + c]! - mean;
  }
  return out;
}

function gram(x: Float64Array, n: number, p: number): Float64Array {
  return timesTransposed(x, x, n, n, p);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The four similarity matrices of `networkSimilarity` (row = from, column = to). */
export interface SimilarityResult {
  /** Test accuracy of the source's test maps sent through the fitted M_j (diagonal: the network's own accuracy). */
  readonly affineAccuracy: number[][];
  /** Eq. 7.6 with a = the largest (signed) coefficient of each network's test C̃ (Eq. 7.5). */
  readonly scaledMse: number[][];
  /** Mean over outputs of linear CKA of the column-centred test C̃_j. */
  readonly cka: number[][];
  /** Mean over test samples of H(σ(f_from(x)), σ(f_to(x))). */
  readonly softmaxCe: number[][];
}

/** One network's coefficient sets for `networkSimilarity`. */
export interface SimilarityInput {
  /** Coefficients on the fit set (for the least-squares maps). */
  readonly fit: CoefficientData;
  /** Coefficients on the test set (same samples for every network). */
  readonly test: CoefficientData;
}

/**
 * K = X̃ (XᵀX + λI)⁻¹ Xᵀ (p × n) for the fit matrix X (n × m) and the test matrix X̃ (p × m), with
 * λ = ridge · max diag(XᵀX): the part of X̃ M = X̃ (XᵀX + λI)⁻¹ XᵀY that does not depend on the
 * target Y, so it is computed once per source and output and shared by every target. When n ≤ m
 * (fewer fit samples than coefficients, the usual case) through the n × n system
 * (XᵀX + λI)⁻¹Xᵀ = Xᵀ(XXᵀ + λI)⁻¹, else through the m × m one; either by Cholesky of the
 * ridge-regularized Gram matrix.
 */
export function hatMatrix(x: Float64Array, xt: Float64Array, size: { n: number; p: number; m: number; ridge: number }): Float64Array {
  const { n, p, m, ridge } = size;
  let maxDiag = 0;
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * m + c]! ** 2;
    maxDiag = Math.max(maxDiag, s);
  }
  const lambda = ridge * (maxDiag > 0 ? maxDiag : 1);
  const dual = n <= m;
  const q = dual ? n : m;
  const gram = dual ? timesTransposed(x, x, n, n, m) : gramOfColumns(x, n, m);
  for (let r = 0; r < q; r++) gram[r * q + r] = gram[r * q + r]! + lambda;
  if (!choleskyInPlace(gram, q)) {
    throw new PolytopeError(
      'not-applicable',
      `the normal equations of a ${n} × ${m} coefficient matrix are not positive definite even with ridge ${ridge}; raise the ridge`,
    );
  }
  if (dual) {
    // K_i = (XXᵀ + λI)⁻¹ X X̃_iᵀ (the Gram matrix is symmetric).
    const k = timesTransposed(xt, x, p, n, m);
    solveRows(gram, n, k, p);
    return k;
  }
  // u_i = (XᵀX + λI)⁻¹ X̃_iᵀ, K_i = X u_i.
  const u = Float64Array.from(xt);
  solveRows(gram, m, u, p);
  return timesTransposed(u, x, p, n, m);
}

/**
 * Solves L Lᵀ y = b in place for each of the `rows` rows b of `v` (L from `choleskyInPlace`, q × q),
 * with Lᵀ copied row-major so that both substitutions read memory contiguously.
 */
function solveRows(l: Float64Array, q: number, v: Float64Array, rows: number): void {
  const u = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let k = 0; k <= i; k++) u[k * q + i] = l[i * q + k]!;
  for (let t = 0; t < rows; t++) {
    const o = t * q;
    for (let i = 0; i < q; i++) {
      const ri = i * q;
      let s = v[o + i]!;
      for (let k = 0; k < i; k++) s -= l[ri + k]! * v[o + k]!;
      v[o + i] = s / l[ri + i]!;
    }
    for (let i = q - 1; i >= 0; i--) {
      const ri = i * q;
      let s = v[o + i]!;
      for (let k = i + 1; k < q; k++) s -= u[ri + k]! * v[o + k]!;
      v[o + i] = s / u[ri + i]!;
    }
  }
}

/** XᵀX (m × m) of X (n × m). */
function gramOfColumns(x: Float64Array, n: number, m: number): Float64Array {
  const xt = new Float64Array(m * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) xt[c * n + i] = x[i * m + c]!;
  return timesTransposed(xt, xt, m, m, n);
}

/** Per-output parts of the similarity of S networks (`outputSimilarity`), combined over outputs by `combineSimilarity`. */
export interface OutputSimilarity {
  /** mapped[s][t]: output j of the p test samples through source s's maps sent to target t (diagonal: s's own outputs). */
  readonly mapped: Float64Array[][];
  /** Linear CKA of C̃_j between every pair. */
  readonly cka: number[][];
  /** Σ C̃_a ∘ C̃_b (diagonal: Σ C̃_a²). */
  readonly cross: number[][];
  /** The largest entry of each network's C̃_j. */
  readonly max: number[];
}

/** The p × m matrix of rows z_i = [x_i, 1]: a test sample's affine map row r gives J_i[r, :] x_i + y_i[r] = row · z_i. */
function withOnes(xs: Float64Array, p: number, d: number): Float64Array {
  const m = d + 1;
  const z = new Float64Array(p * m);
  for (let i = 0; i < p; i++) {
    z.set(xs.subarray(i * d, (i + 1) * d), i * m);
    z[i * m + d] = 1;
  }
  return z;
}

/**
 * Every per-output similarity part for one output j of S networks: `fit[s]` (n × m) and `test[s]`
 * (p × m) are network s's C_j and C̃_j (`coefficientMatrix`), `xs` the p × d test inputs. The unit of
 * work of `networkSimilarity` and of the chapter-7 study, whose outputs run as separate shards:
 *
 * - mapped values (Eq. 7.4): X̃ M z_i = Σ_k K[i, k] (Y_k · z_i) with the source's hat matrix K
 *   (`hatMatrix`, once per source) and W = Y Zᵀ (n × p, once per target): O((n + p) n m) per network
 *   when n ≤ m, never the (d + 1) × (d + 1) map itself;
 * - CKA through the centred p × p Gram matrices, once per network, when p ≤ m; pair by pair
 *   (`linearCka`) otherwise;
 * - the sums Σ C̃_a ∘ C̃_b and maxima that the scaled distance needs.
 *
 * @example
 * const part = outputSimilarity([fitA0, fitB0], [testA0, testB0], xs, { n: 300, p: 300, d: 784 }, SIMILARITY_RIDGE);
 * part.cka[0][1]; // linear CKA of A's and B's C̃_0
 */
export function outputSimilarity(
  fit: readonly Float64Array[],
  test: readonly Float64Array[],
  xs: Float64Array,
  sizes: { n: number; p: number; d: number },
  ridge: number = SIMILARITY_RIDGE,
): OutputSimilarity {
  const { n, p, d } = sizes;
  const m = d + 1;
  const z = withOnes(xs, p, d);
  const w = fit.map((y) => timesTransposed(y, z, n, p, m));
  const mapped = fit.map((x, s) => {
    const xt = test[s]!;
    const k = hatMatrix(x, xt, { n, p, m, ridge });
    return w.map((wt, t) => {
      const out = new Float64Array(p);
      for (let i = 0; i < p; i++) {
        let v = 0;
        // The diagonal is the network's own maps (M = I up to the ridge): use them exactly.
        if (t === s) for (let c = 0; c < m; c++) v += xt[i * m + c]! * z[i * m + c]!;
        else for (let r = 0; r < n; r++) v += k[i * n + r]! * wt[r * p + i]!;
        out[i] = v;
      }
      return out;
    });
  });
  let cka: number[][];
  if (p > m) cka = test.map((a) => test.map((b) => linearCka(a, b, p, m, m)));
  else {
    const grams = test.map((x) => gram(centreColumns(x, p, m), p, m));
    const norms = grams.map((k) => Math.sqrt(dot(k, k)));
    cka = grams.map((ka, a) => grams.map((kb, b) => (norms[a]! > 0 && norms[b]! > 0 ? dot(ka, kb) / (norms[a]! * norms[b]!) : 0)));
  }
  const cross = test.map((ta) => test.map((tb) => dot(ta, tb)));
  const max = test.map((t) => t.reduce((acc, v) => Math.max(acc, v), -Infinity));
  return { mapped, cka, cross, max };
}

/** Mean over test samples of H(σ(u), σ(v)) for the outputs u, v of two networks (o × p values each, output-major). */
function softmaxCrossEntropy(u: readonly Float64Array[], v: readonly Float64Array[], p: number): number {
  const o = u.length;
  const a = new Float64Array(o);
  const b = new Float64Array(o);
  let h = 0;
  for (let i = 0; i < p; i++) {
    for (let r = 0; r < o; r++) {
      a[r] = u[r]![i]!;
      b[r] = v[r]![i]!;
    }
    const la = logSoftmax(a, 0, o);
    const lb = logSoftmax(b, 0, o);
    for (let r = 0; r < o; r++) h -= Math.exp(la[r]!) * lb[r]!;
  }
  return h / p;
}

/**
 * The four similarity matrices from the per-output parts of every output (o parts, p test samples,
 * m = d + 1 coefficients per row), as `networkSimilarity` returns them.
 *
 * @example
 * const parts = [0, 1, 2].map((j) => outputSimilarity(fits[j], tests[j], xs, sizes));
 * combineSimilarity(parts, labels, { p: sizes.p, m: sizes.d + 1 }).cka; // S × S
 */
export function combineSimilarity(
  parts: readonly OutputSimilarity[],
  labels: ArrayLike<number>,
  sizes: { p: number; m: number },
): SimilarityResult {
  const o = parts.length;
  const { p, m } = sizes;
  const range = Array.from({ length: parts[0]!.cka.length }, (_, i) => i);
  const affineAccuracy = range.map((s) =>
    range.map((t) => {
      let ok = 0;
      for (let i = 0; i < p; i++) {
        let best = 0;
        for (let j = 1; j < o; j++) if (parts[j]!.mapped[s]![t]![i]! > parts[best]!.mapped[s]![t]![i]!) best = j;
        if (best === labels[i]) ok++;
      }
      return ok / p;
    }),
  );
  // Eq. 7.6 expanded: Σ (x/a − y/b)² = Σx²/a² − 2 Σxy/(ab) + Σy²/b² (exactly 0 on the diagonal).
  const scale = range.map((s) => Math.max(...parts.map((q) => q.max[s]!)));
  const scaledMse = range.map((a) =>
    range.map((b) => {
      let sum = 0;
      for (const q of parts)
        sum += q.cross[a]![a]! / scale[a]! ** 2 - (2 * q.cross[a]![b]!) / (scale[a]! * scale[b]!) + q.cross[b]![b]! / scale[b]! ** 2;
      return Math.max(0, sum) / (o * p * m);
    }),
  );
  const cka = range.map((a) => range.map((b) => parts.reduce((acc, q) => acc + q.cka[a]![b]!, 0) / o));
  const own = range.map((s) => parts.map((q) => q.mapped[s]![s]!));
  const softmaxCe = range.map((a) => range.map((b) => softmaxCrossEntropy(own[a]!, own[b]!, p)));
  return { affineAccuracy, scaledMse, cka, softmaxCe };
}

/** log σ(v) of outputs `from … from + o − 1` (shifted by the maximum, so no overflow and no log 0). */
function logSoftmax(v: Float64Array, from: number, o: number): Float64Array {
  let mx = -Infinity;
  for (let r = 0; r < o; r++) mx = Math.max(mx, v[from + r]!);
  let s = 0;
  for (let r = 0; r < o; r++) s += Math.exp(v[from + r]! - mx);
  const lse = mx + Math.log(s);
  return Float64Array.from({ length: o }, (_, r) => v[from + r]! - lse);
}

/**
 * All four similarity matrices between networks on the same fit and test inputs: the per-output
 * parts of every output (`outputSimilarity`) combined (`combineSimilarity`).
 *
 * @example
 * const s = networkSimilarity([{ fit: fitA, test: testA }, { fit: fitB, test: testB }], testInputs, labels);
 * s.cka[0][1]; // mean linear CKA of A's and B's test coefficients
 */
export function networkSimilarity(
  nets: readonly SimilarityInput[],
  testInputs: Float64Array,
  labels: ArrayLike<number>,
  options: { ridge?: number } = {},
): SimilarityResult {
  const first = nets[0]?.test;
  if (!first) throw new PolytopeError('bad-option', 'similarity needs at least one network');
  for (const n of nets) {
    for (const set of [n.fit, n.test]) {
      if (set.outputs !== first.outputs || set.inputs !== first.inputs)
        throw new PolytopeError('shape-mismatch', 'every network needs the same number of inputs and outputs');
    }
    if (n.test.samples !== first.samples || n.fit.samples !== nets[0]!.fit.samples)
      throw new PolytopeError('shape-mismatch', 'every network needs the same fit and test samples');
  }
  const { samples: p, outputs: o, inputs: d } = first;
  const n = nets[0]!.fit.samples;
  const ridge = options.ridge ?? SIMILARITY_RIDGE;
  const parts = Array.from({ length: o }, (_, j) =>
    outputSimilarity(
      nets.map((t) => coefficientMatrix(t.fit, j)),
      nets.map((t) => coefficientMatrix(t.test, j)),
      testInputs,
      { n, p, d },
      ridge,
    ),
  );
  return combineSimilarity(parts, labels, { p, m: d + 1 });
}
