/**
 * Max-affine spline operators and tropical (difference-of-convex max-affine) forms of small MLPs.
 *
 * A ReLU / leaky-ReLU layer z ↦ σ(Wz + b) is a max-affine spline operator (Balestriero–Baraniuk):
 * [S(z)]_k = max_r (⟨A_{k,r}, z⟩ + B_{k,r}) with R = 2 rows, (A_{k,1}, B_{k,1}) = (W_k, b_k) and
 * (A_{k,2}, B_{k,2}) = α(W_k, b_k). A whole network is a tropical rational function f = F − G with
 * F, G convex max-affine (dissertation Eq. 5.24), built layer by layer:
 *   - input x_j = x_j − 0;
 *   - affine: W(F − G) + b = (W⁺F + W⁻G + b) − (W⁺G + W⁻F), W⁺ = max(W, 0), W⁻ = max(−W, 0),
 *     where a nonnegative combination of max-affine functions is the Minkowski sum of their terms;
 *   - leaky ReLU (0 ≤ α ≤ 1): max(F − G, α(F − G)) = max(F + αG, αF + G) − (1 + α)G (α = 0: ReLU).
 * Terms that never attain the maximum are removed with one LP each (exact removal), so the term
 * counts reported are the numbers of affine pieces of the convex functions F and G.
 */
import { PolytopeError } from '../errors.js';
import { nnls } from '../geometry/linalg.js';
import { solveLp } from '../geometry/lp.js';
import { mulberry32 } from '../random.js';
import type { Network } from '../network/network.js';
import { asMlp } from '../network/mlp-view.js';
import type { AffineLayer } from '../truncation/mlp.js';
import { TROPICAL_EPS, TROPICAL_FAR_POINT, TROPICAL_NNLS_EPS, TROPICAL_WITNESS_EPS } from '../geometry/predicates.js';

/** A convex max-affine function on ℝ^dim: max over terms of ⟨a_t, x⟩ + c_t; `terms` row-major `[count][dim + 1]` (slopes, then constant). */
export interface MaxAffine {
  readonly dim: number;
  readonly count: number;
  readonly terms: Float64Array;
}

/**
 * Evaluates a max-affine function.
 *
 * @example
 * evalMaxAffine(form.outputs[0].F, x); // max over F's affine pieces at x
 */
export function evalMaxAffine(f: MaxAffine, x: ArrayLike<number>): number {
  const s = f.dim + 1;
  let best = -Infinity;
  for (let t = 0; t < f.count; t++) {
    let v = f.terms[t * s + f.dim]!;
    for (let j = 0; j < f.dim; j++) v += f.terms[t * s + j]! * x[j]!;
    if (v > best) best = v;
  }
  return best;
}

/** Drops exact duplicates and, among terms with identical slopes, all but the largest constant. */
function dedupe(dim: number, terms: Float64Array, count: number): MaxAffine {
  const s = dim + 1;
  const best = new Map<string, number>();
  for (let t = 0; t < count; t++) {
    const key = Array.from(terms.subarray(t * s, t * s + dim)).join(',');
    const prev = best.get(key);
    if (prev === undefined || terms[t * s + dim]! > terms[prev * s + dim]!) best.set(key, t);
  }
  const keep = [...best.values()].sort((a, b) => a - b);
  const out = new Float64Array(keep.length * s);
  keep.forEach((t, i) => out.set(terms.subarray(t * s, (t + 1) * s), i * s));
  return { dim, count: keep.length, terms: out };
}

function constant(dim: number, c: number): MaxAffine {
  const terms = new Float64Array(dim + 1);
  terms[dim] = c;
  return { dim, count: 1, terms };
}

function coordinate(dim: number, j: number): MaxAffine {
  const terms = new Float64Array(dim + 1);
  terms[j] = 1;
  return { dim, count: 1, terms };
}

/** Options for building tropical forms. */
export interface TropicalOptions {
  /** Largest number of terms any intermediate max-affine function may have (default 20000). */
  maxTerms?: number;
  /** Remove terms that never attain the maximum, by LP (default true; skipped above `pruneLimit` terms). */
  prune?: boolean;
  /** Largest function pruned (default 50000 terms). */
  pruneLimit?: number;
}

/** Σ_i w_i f_i + c with w_i ≥ 0 (Minkowski sum of term sets). Throws when the product of counts exceeds maxTerms. */
function nonnegCombination(dim: number, parts: { w: number; f: MaxAffine }[], c: number, maxTerms: number, where: string): MaxAffine {
  const s = dim + 1;
  let acc = constant(dim, c);
  for (const { w, f } of parts) {
    if (w === 0) continue;
    const est = acc.count * f.count;
    if (est > maxTerms) {
      throw new PolytopeError(
        'too-large',
        `${where}: the max-affine form would need about ${est} terms (limit ${maxTerms}); the network is too large for an explicit tropical form`,
      );
    }
    const out = new Float64Array(est * s);
    let k = 0;
    for (let a = 0; a < acc.count; a++) {
      for (let b = 0; b < f.count; b++, k++) {
        for (let j = 0; j < s; j++) out[k * s + j] = acc.terms[a * s + j]! + w * f.terms[b * s + j]!;
      }
    }
    acc = dedupe(dim, out, est);
  }
  return acc;
}

/** max(f, g): the union of the term sets. */
function maxOf(f: MaxAffine, g: MaxAffine): MaxAffine {
  const terms = new Float64Array((f.count + g.count) * (f.dim + 1));
  terms.set(f.terms);
  terms.set(g.terms, f.terms.length);
  return dedupe(f.dim, terms, f.count + g.count);
}

/** `⟨a_t, x⟩ + c_t`, term t of f at x. */
function termValue(f: MaxAffine, t: number, x: ArrayLike<number>): number {
  const d = f.dim;
  const s = d + 1;
  let v = f.terms[t * s + d]!;
  for (let j = 0; j < d; j++) v += f.terms[t * s + j]! * x[j]!;
  return v;
}

/** The first term of f with the largest value at x, term `skip` left out (−1 for none). */
function argmaxExcept(f: MaxAffine, x: ArrayLike<number>, skip: number): number {
  let best = -1;
  let bv = -Infinity;
  for (let t = 0; t < f.count; t++) {
    if (t === skip) continue;
    const v = termValue(f, t, x);
    if (v > bv) {
      bv = v;
      best = t;
    }
  }
  return best;
}

/** The terms that win at seeded random points over several scales (the first cutting-plane set of `pruneMaxAffine`). */
function sampledWinners(f: MaxAffine, seed: number): Set<number> {
  const d = f.dim;
  const random = mulberry32(seed);
  const rand = (): number => random() - 0.5;
  const S = new Set<number>();
  for (const r of [0.1, 1, 10, 100, 1000]) {
    for (let k = 0; k < 4 * Math.min(f.count, 200); k++) {
      const x = Array.from({ length: d }, () => 2 * r * rand());
      S.add(argmaxExcept(f, x, -1));
    }
  }
  return S;
}

/** Whether a term is dominated by the others, else a point where it beats them. */
interface Witness {
  readonly dominated: boolean;
  readonly x?: Float64Array;
}

/**
 * Is term k dominated by the terms `others`? NNLS on the dual: (a_k, 1, c_k) ∈ conv{(a_m, 1, c_m)} − ℝ₊e_c
 * iff the residual vanishes; otherwise the residual r gives a witness x = r_a / r_c where k beats them all.
 * `scale` is max |coefficient| of f.
 */
function nnlsWitness(f: MaxAffine, k: number, others: number[], scale: number): Witness {
  const d = f.dim;
  const s = d + 1;
  const rowsN = d + 2;
  const cols = others.length + 1;
  const A = new Float64Array(rowsN * cols);
  others.forEach((m, c) => {
    for (let j = 0; j < d; j++) A[j * cols + c] = f.terms[m * s + j]!;
    A[d * cols + c] = 1;
    A[(d + 1) * cols + c] = f.terms[m * s + d]!;
  });
  A[(d + 1) * cols + others.length] = -1;
  const b = new Float64Array(rowsN);
  for (let j = 0; j < d; j++) b[j] = f.terms[k * s + j]!;
  b[d] = 1;
  b[d + 1] = f.terms[k * s + d]!;
  const res = nnls(A, rowsN, cols, b);
  if (res.residualNorm <= TROPICAL_NNLS_EPS * Math.max(1, scale)) return { dominated: true };
  const rc = -res.residual[d + 1]!;
  const x = new Float64Array(d);
  for (let j = 0; j < d; j++) x[j] = rc > TROPICAL_WITNESS_EPS ? -res.residual[j]! / rc : -res.residual[j]! * TROPICAL_FAR_POINT;
  return { dominated: false, x };
}

/** The LP form of `nnlsWitness` (exact, slower): maximize the margin of term k over `others`; dominated when at most `tol`. */
async function lpWitness(f: MaxAffine, k: number, others: number[], tol: number): Promise<Witness> {
  const d = f.dim;
  const s = d + 1;
  const rows = new Float64Array(others.length * (d + 1));
  const upper = new Float64Array(others.length);
  others.forEach((m, r) => {
    for (let j = 0; j < d; j++) rows[r * (d + 1) + j] = f.terms[m * s + j]! - f.terms[k * s + j]!;
    rows[r * (d + 1) + d] = 1;
    upper[r] = f.terms[k * s + d]! - f.terms[m * s + d]!;
  });
  const colLower = new Float64Array(d + 1).fill(-Infinity);
  const colUpper = new Float64Array(d + 1).fill(Infinity);
  colUpper[d] = 1;
  const cost = new Float64Array(d + 1);
  cost[d] = 1;
  const sol = await solveLp({
    numCols: d + 1,
    cost,
    maximize: true,
    colLower,
    colUpper,
    rows,
    numRows: others.length,
    rowLower: new Float64Array(others.length).fill(-Infinity),
    rowUpper: upper,
  });
  if (sol.status !== 'optimal') throw new PolytopeError('solver-failed', `pruning a max-affine function: LP status ${sol.status}`);
  return sol.objective <= tol ? { dominated: true } : { dominated: false, x: sol.x.slice(0, d) };
}

/**
 * Removes every term that never exceeds the others. Exact: term k is dropped only when an LP shows
 * ⟨a_k, x⟩ + c_k ≤ max_{m ∈ S} (⟨a_m, x⟩ + c_m) for all x, with S a subset of the other terms, and kept
 * only when it strictly beats every other term at a witness point. S starts with the terms that win
 * at random sample points and grows with the winners at the LP's witness points (cutting-plane
 * style), so the LPs stay small. `options.tolerance` (default `TROPICAL_EPS`, relative to
 * max(1, largest |coefficient|)) is the LP gap at or below which a term counts as dominated.
 */
async function pruneMaxAffine(f: MaxAffine, options: { seed?: number; tolerance?: number } = {}): Promise<MaxAffine> {
  if (f.count <= 1) return f;
  const d = f.dim;
  const s = d + 1;
  let scale = 0;
  for (const v of f.terms) scale = Math.max(scale, Math.abs(v));
  const tol = (options.tolerance ?? TROPICAL_EPS) * Math.max(1, scale);
  const S = sampledWinners(f, options.seed ?? 12345);
  const keep: number[] = [];
  for (let k = 0; k < f.count; k++) {
    let useLp = false;
    for (;;) {
      const others = [...S].filter((m) => m !== k);
      if (others.length === 0) {
        S.add(argmaxExcept(f, new Float64Array(d), k));
        continue;
      }
      const w = useLp ? await lpWitness(f, k, others, tol) : nnlsWitness(f, k, others, scale);
      if (w.dominated) break; // dominated by a subset of the others: redundant
      const x = w.x!;
      const m = argmaxExcept(f, x, k);
      if (termValue(f, k, x) - termValue(f, m, x) > tol) {
        keep.push(k);
        break;
      }
      if (S.has(m)) {
        if (!useLp) {
          useLp = true; // the NNLS witness was not sharp enough; retry with the LP
          continue;
        }
        keep.push(k); // numerical corner: keeping a term never changes f
        break;
      }
      S.add(m);
    }
  }
  const out = new Float64Array(keep.length * s);
  keep.forEach((t, i) => out.set(f.terms.subarray(t * s, (t + 1) * s), i * s));
  return { dim: d, count: keep.length, terms: out };
}

/** f = F − G for one output. */
export interface TropicalRational {
  readonly F: MaxAffine;
  readonly G: MaxAffine;
}

/** Result of `tropicalForm`: each output as a difference of two max-affine functions. */
export interface TropicalForm {
  readonly inputs: number;
  /** One F − G per output. */
  readonly outputs: TropicalRational[];
  /** Whether the counts are after LP pruning (exact piece counts) or upper bounds. */
  readonly pruned: boolean;
  readonly seconds: number;
}

/**
 * Evaluates every output of a tropical form at x.
 *
 * @example
 * const form = await tropicalForm(net);
 * evalTropical(form, x); // equals forward(net, x) up to rounding
 */
export function evalTropical(form: TropicalForm, x: ArrayLike<number>): Float64Array {
  return Float64Array.from(form.outputs, (o) => evalMaxAffine(o.F, x) - evalMaxAffine(o.G, x));
}

/**
 * The tropical form f = F − G (F, G convex max-affine) of a dense ReLU / leaky-ReLU MLP (leaky
 * slopes in [0, 1]). Throws `PolytopeError('too-large')` with the estimated term count when an
 * intermediate form exceeds `maxTerms`.
 *
 * @example
 * // Dissertation XOR net f(x) = [1, −2]·ReLU([[1,1],[1,1]]x + [1, 0]) − 1:
 * // F = max(x₁ + x₂, −1), G = max(2x₁ + 2x₂, 0).
 * const form = await tropicalForm(xorNet);
 * form.outputs[0].F.count; // 2
 */
export async function tropicalForm(net: Network, options: TropicalOptions = {}): Promise<TropicalForm> {
  return tropicalFormOfLayers(asMlp(net), options);
}

async function tropicalFormOfLayers(layers: readonly AffineLayer[], options: TropicalOptions = {}): Promise<TropicalForm> {
  const start = Date.now();
  const maxTerms = options.maxTerms ?? 20000;
  const prune = options.prune ?? true;
  const pruneLimit = options.pruneLimit ?? 50000;
  const d = layers[0]!.inFeatures;
  let cur: TropicalRational[] = Array.from({ length: d }, (_, j) => ({ F: coordinate(d, j), G: constant(d, 0) }));
  let allPruned = prune;
  const maybePrune = async (f: MaxAffine): Promise<MaxAffine> => {
    if (!prune) return f;
    if (f.count > pruneLimit) {
      allPruned = false;
      return f;
    }
    return pruneMaxAffine(f);
  };
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    if (layer.act === 'leaky_relu' && !(layer.alpha >= 0 && layer.alpha <= 1)) {
      throw new PolytopeError(
        'unsupported',
        `layer ${l + 1}: leaky slope ${layer.alpha} is outside [0, 1]; max(z, αz) is then not a max of convex parts in this form`,
      );
    }
    const next: TropicalRational[] = [];
    for (let i = 0; i < layer.outFeatures; i++) {
      const fParts: { w: number; f: MaxAffine }[] = [];
      const gParts: { w: number; f: MaxAffine }[] = [];
      for (let j = 0; j < layer.inFeatures; j++) {
        const w = layer.weight[i * layer.inFeatures + j]!;
        if (w > 0) {
          fParts.push({ w, f: cur[j]!.F });
          gParts.push({ w, f: cur[j]!.G });
        } else if (w < 0) {
          fParts.push({ w: -w, f: cur[j]!.G });
          gParts.push({ w: -w, f: cur[j]!.F });
        }
      }
      const where = `layer ${l + 1} unit ${i}`;
      let F = await maybePrune(nonnegCombination(d, fParts, layer.bias[i]!, maxTerms, where));
      let G = await maybePrune(nonnegCombination(d, gParts, 0, maxTerms, where));
      if (layer.act !== 'none') {
        const a = layer.alpha;
        const left = nonnegCombination(
          d,
          [
            { w: 1, f: F },
            { w: a, f: G },
          ],
          0,
          maxTerms,
          where,
        );
        const right = nonnegCombination(
          d,
          [
            { w: a, f: F },
            { w: 1, f: G },
          ],
          0,
          maxTerms,
          where,
        );
        const newF = maxOf(left, right);
        const newG = nonnegCombination(d, [{ w: 1 + a, f: G }], 0, maxTerms, where);
        if (newF.count > maxTerms)
          throw new PolytopeError('too-large', `${where}: the max-affine form would need about ${newF.count} terms (limit ${maxTerms})`);
        F = await maybePrune(newF);
        G = newG;
      }
      next.push({ F, G });
    }
    cur = next;
  }
  return { inputs: d, outputs: cur, pruned: allPruned, seconds: (Date.now() - start) / 1000 };
}

/** A layer as a max-affine spline operator: `A` is `[out][R][in]`, `B` is `[out][R]`, R = 2. */
export interface SplineOperator {
  readonly inputs: number;
  readonly outputs: number;
  readonly rows: number;
  readonly A: Float64Array;
  readonly B: Float64Array;
}

/**
 * The max-affine spline operator of a layer z ↦ σ(Wz + b) (σ = ReLU or leaky ReLU with 0 ≤ α ≤ 1;
 * an affine last layer has R = 1).
 *
 * @example
 * const S = splineOperator(asMlp(net)[0]);
 * applySplineOperator(S, x); // equals relu(W x + b)
 */
export function splineOperator(layer: AffineLayer): SplineOperator {
  const n = layer.inFeatures;
  const o = layer.outFeatures;
  const R = layer.act === 'none' ? 1 : 2;
  if (R === 2 && !(layer.alpha >= 0 && layer.alpha <= 1))
    throw new PolytopeError('unsupported', `leaky slope ${layer.alpha} outside [0, 1] is not a max of affine maps`);
  const A = new Float64Array(o * R * n);
  const B = new Float64Array(o * R);
  for (let k = 0; k < o; k++) {
    for (let j = 0; j < n; j++) A[k * R * n + j] = layer.weight[k * n + j]!;
    B[k * R] = layer.bias[k]!;
    if (R === 2) {
      for (let j = 0; j < n; j++) A[(k * R + 1) * n + j] = layer.alpha * layer.weight[k * n + j]!;
      B[k * R + 1] = layer.alpha * layer.bias[k]!;
    }
  }
  return { inputs: n, outputs: o, rows: R, A, B };
}

/**
 * [S(z)]_k = max_r (⟨A_{k,r}, z⟩ + B_{k,r}); also returns the argmax row per output (the spline code).
 *
 * @example
 * const S = splineOperator(layer);
 * const { value, rows } = applySplineOperator(S, [0.5, -1]);
 */
export function applySplineOperator(S: SplineOperator, z: ArrayLike<number>): { value: Float64Array; rows: Uint8Array } {
  const value = new Float64Array(S.outputs);
  const rows = new Uint8Array(S.outputs);
  for (let k = 0; k < S.outputs; k++) {
    let best = -Infinity;
    for (let r = 0; r < S.rows; r++) {
      let v = S.B[k * S.rows + r]!;
      for (let j = 0; j < S.inputs; j++) v += S.A[(k * S.rows + r) * S.inputs + j]! * z[j]!;
      if (v > best) {
        best = v;
        rows[k] = r;
      }
    }
    value[k] = best;
  }
  return { value, rows };
}

/**
 * Readable form of a max-affine function, e.g. `max(x1 + x2, -1)`.
 *
 * @example
 * formatMaxAffine(form.outputs[0].F, 3); // F as text, one affine piece per term
 */
export function formatMaxAffine(f: MaxAffine, digits = 6): string {
  const s = f.dim + 1;
  const fmt = (v: number): string => String(Number(v.toPrecision(digits)));
  const terms: string[] = [];
  for (let t = 0; t < f.count; t++) {
    const parts: string[] = [];
    for (let j = 0; j < f.dim; j++) {
      const a = f.terms[t * s + j]!;
      if (a === 0) continue;
      const coef = a === 1 ? '' : a === -1 ? '-' : `${fmt(a)}*`;
      parts.push(`${coef}x${j + 1}`);
    }
    const c = f.terms[t * s + f.dim]!;
    if (c !== 0 || parts.length === 0) parts.push(fmt(c));
    terms.push(parts.join(' + ').replace(/\+ -/g, '- '));
  }
  return terms.length === 1 ? terms[0]! : `max(${terms.join(', ')})`;
}
