/**
 * Seed 002's cost decomposition, Eqs. (6.5)–(6.9), computed term by term for a network and labelled data.
 *
 * (6.5) C = Σ_j (1/N_j) Σ_i |x^(L)_{j,i} − y_j|²  (class-balanced squared error).
 * (6.6) Writing x = x̄_j + Δx within class j (x̄_j the class mean), the cross term Σ_i ⟨Δx_{j,i}, x̄_j − y_j⟩
 *       vanishes because Σ_i Δx_{j,i} = 0, so C = Σ_j (1/N_j) Σ_i |Δx^(L)_{j,i}|² + Σ_j |x̄^(L)_j − y_j|²
 *       exactly; with x^(L) = W^(L) x^(τ,L−1) + b^(L) (truncation form, exact when every W^(ℓ), ℓ < L,
 *       has full row rank) Δx^(L) = W^(L) Δx^(τ,L−1) and x̄^(L)_j = W^(L) x̄^(τ,L−1)_j + b^(L).
 * (6.7)/(6.8) Keep the first L − 1 layers and choose the last so the class means hit their targets:
 *       with X̄ = [x̄^(τ,L−1)_1 … x̄^(τ,L−1)_Q] of full column rank, W^(L) = Y X̄⁺, b^(L) = 0 gives
 *       W^(L) x̄_j = y_j, the second sum vanishes and
 *         min C ≤ C* = Σ_j (1/N_j) Σ_i |Y X̄⁺ Δx^(τ,L−1)_{j,i}|² ≤ Q · sup_x |Y X̄⁺ Δx^(τ,L−1)|².
 *       The slides' "≲" hides this factor Q (one term per class, each a mean ≤ the sup). When the means
 *       are only affinely independent (Q > dimension), the affine read-out [W b] = Y [X̄; 𝟙ᵀ]⁺ does the same
 *       with κ = [X̄; 𝟙ᵀ]⁺ [Δx; 0].
 * (6.9) κ = X̄⁺ Δx are the coefficients of Δx on the class means ("barycentric coordinates"):
 *       Δx = Σ_j κ_j x̄_j + x̃ with x̃ ⊥ span{x̄_j}; the bound is small when these are small.
 */
import { PolytopeError } from '../errors.js';
import { forward } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { asMlp } from '../network/mlp-view.js';
import type { LabelledData } from './constructions.js';
import { classCount } from './constructions.js';
import { inverse, matMul, matVec, networkOfLayers, numericalRank, pinv } from './mlp.js';
import { truncationForm, truncationForward } from './truncation.js';

/** The terms of (6.5)–(6.8). */
export interface CostDecomposition {
  readonly classes: number;
  readonly counts: number[];
  /** (6.5), from the network's forward pass. */
  readonly cost: number;
  /** (6.6), first line: within-class spread and distance of the class means to the targets (output space). */
  readonly within: number;
  readonly between: number;
  /** (6.6), second line: the same through the truncation form, W^(L) Δx^(τ,L−1) and W^(L) x̄^(τ,L−1) + b^(L). */
  readonly withinTau: number;
  readonly betweenTau: number;
  /** Whether the truncation form's hypothesis holds (then the two lines agree up to rounding). */
  readonly hypothesisHolds: boolean;
  readonly perClass: { label: number; count: number; within: number; between: number }[];
  /** (6.7)–(6.8): the mean-matching read-out and its cost C* (an upper bound on min C), and Q · sup |Yκ|². */
  readonly bound: {
    readonly mode: 'linear' | 'affine';
    readonly cost: number;
    readonly sup: number;
    readonly qSup: number;
    /** C* recomputed by the forward pass of the network with the last layer replaced (null if W^(L−1) is not square invertible). */
    readonly realizedCost: number | null;
  };
}

type Vec = Float64Array;

function targetsOf(q: number, outputs: number, targets?: Float64Array): Float64Array {
  if (targets) {
    if (targets.length !== q * outputs)
      throw new PolytopeError('shape-mismatch', `targets have ${targets.length} values, expected ${q}×${outputs}`);
    return targets;
  }
  if (outputs !== q)
    throw new PolytopeError('shape-mismatch', `one-hot targets need ${q} outputs, the network has ${outputs}; pass targets`);
  const y = new Float64Array(q * q);
  for (let j = 0; j < q; j++) y[j * q + j] = 1;
  return y;
}

function classMeans(vectors: readonly Vec[], labels: Int32Array, q: number, dim: number): Vec[] {
  const sums = Array.from({ length: q }, () => new Float64Array(dim));
  const counts = new Array<number>(q).fill(0);
  vectors.forEach((v, i) => {
    const l = labels[i]!;
    counts[l]!++;
    for (let k = 0; k < dim; k++) sums[l]![k] = sums[l]![k]! + v[k]!;
  });
  return sums.map((s, l) => s.map((v) => v / counts[l]!));
}

const sq = (a: ArrayLike<number>, b?: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - (b ? b[i]! : 0)) ** 2;
  return s;
};

/**
 * The cost decomposition (6.5)–(6.8) of a dense ReLU MLP on labelled data (targets one-hot unless
 * given as a `Q × outputs` row-major array).
 *
 * @example
 * const c = costDecomposition(net, data);
 * c.cost - (c.within + c.between); // 0 up to rounding: (6.5) = (6.6)
 * c.bound.cost;                    // C*: the cost with the mean-matching last layer, ≥ min C
 */
export function costDecomposition(net: Network, data: LabelledData, targets?: Float64Array): CostDecomposition {
  const q = classCount(data);
  const d = data.dim;
  const form = truncationForm(net);
  const o = form.outputs;
  const y = targetsOf(q, o, targets);
  const n = data.labels.length;
  const counts = new Array<number>(q).fill(0);
  for (const l of data.labels) counts[l]!++;
  if (counts.some((c) => c === 0)) throw new PolytopeError('bad-option', 'every class 0…Q−1 needs at least one sample');
  const outs: Vec[] = [];
  const taus: Vec[] = [];
  for (let i = 0; i < n; i++) {
    const x = data.points.subarray(i * d, (i + 1) * d);
    outs.push(forward(net, x));
    const st = truncationForward(form, x).states;
    taus.push(st[st.length - 1]!);
  }
  const yj = (j: number): Vec => y.subarray(j * o, (j + 1) * o);
  let cost = 0;
  outs.forEach((v, i) => (cost += sq(v, yj(data.labels[i]!)) / counts[data.labels[i]!]!));
  const meanOut = classMeans(outs, data.labels, q, o);
  const sp = form.space;
  const meanTau = classMeans(taus, data.labels, q, sp);
  const perClass = Array.from({ length: q }, (_, label) => ({
    label,
    count: counts[label]!,
    within: 0,
    between: sq(meanOut[label]!, yj(label)),
  }));
  let withinTau = 0;
  outs.forEach((v, i) => {
    const l = data.labels[i]!;
    perClass[l]!.within += sq(v, meanOut[l]) / counts[l]!;
    const dt = taus[i]!.map((t, k) => t - meanTau[l]![k]!);
    withinTau += sq(matVec(form.finalWeight, dt, o, sp)) / counts[l]!;
  });
  let betweenTau = 0;
  meanTau.forEach((m, l) => (betweenTau += sq(matVec(form.finalWeight, m, o, sp, form.finalBias), yj(l))));
  const within = perClass.reduce((s, c) => s + c.within, 0);
  const between = perClass.reduce((s, c) => s + c.between, 0);
  const bound = meanMatchingBound(net, form, { taus, means: meanTau, counts }, y, data);
  return { classes: q, counts, cost, within, between, withinTau, betweenTau, hypothesisHolds: form.hypothesisHolds, perClass, bound };
}

/** (6.7)/(6.8): the read-out [A c] sending each class mean (τ-coordinates) to y_j, and its cost. */
function meanMatchingBound(
  net: Network,
  form: ReturnType<typeof truncationForm>,
  st: { readonly taus: readonly Vec[]; readonly means: readonly Vec[]; readonly counts: readonly number[] },
  y: Float64Array,
  data: LabelledData,
): CostDecomposition['bound'] {
  const { taus, means, counts } = st;
  const labels = data.labels;
  const q = means.length;
  const sp = form.space;
  const o = form.outputs;
  const xbar = new Float64Array(sp * q); // columns = means
  means.forEach((m, j) => m.forEach((v, k) => (xbar[k * q + j] = v)));
  const linear = numericalRank(xbar, sp, q) === q;
  const rows = linear ? sp : sp + 1;
  const design = new Float64Array(rows * q);
  design.set(xbar);
  if (!linear) for (let j = 0; j < q; j++) design[sp * q + j] = 1;
  const dp = pinv(design, rows, q); // q × rows
  const yt = new Float64Array(o * q); // Y: columns y_j
  for (let j = 0; j < q; j++) for (let r = 0; r < o; r++) yt[r * q + j] = y[j * o + r]!;
  const readout = matMul(yt, dp, o, q, rows); // [A c], o × rows
  let cost = 0;
  let sup = 0;
  taus.forEach((t, i) => {
    const l = labels[i]!;
    const dx = new Float64Array(rows);
    for (let k = 0; k < sp; k++) dx[k] = t[k]! - means[l]![k]!;
    const term = sq(matVec(readout, dx, o, rows));
    cost += term / counts[l]!;
    sup = Math.max(sup, term);
  });
  return { mode: linear ? 'linear' : 'affine', cost, sup, qSup: q * sup, realizedCost: realize(net, form, readout, rows, data, y) };
}

/** The network with its last layer replaced so that x^(L) = A x^(τ,L−1) + c; its (6.5) cost by forward. */
function realize(
  net: Network,
  form: ReturnType<typeof truncationForm>,
  readout: Float64Array,
  rows: number,
  data: LabelledData,
  y: Float64Array,
): number | null {
  const layers = asMlp(net);
  const L = layers.length;
  if (L < 2 || !form.hypothesisHolds) return null;
  const prev = form.truncations[form.truncations.length - 1]!;
  const sp = form.space;
  if (prev.rows !== sp) return null;
  let inv: Float64Array;
  try {
    inv = inverse(prev.weight, sp);
  } catch {
    return null;
  }
  const o = form.outputs;
  const a = new Float64Array(o * sp);
  const c = new Float64Array(o);
  for (let r = 0; r < o; r++) {
    for (let k = 0; k < sp; k++) a[r * sp + k] = readout[r * rows + k]!;
    if (rows > sp) c[r] = readout[r * rows + sp]!;
  }
  const w = matMul(a, inv, o, sp, sp); // x^(L) = W_L x^(L−1) + b_L with x^(L−1) = W^(L−1) x^τ + b^(L−1)
  const wb = matVec(w, prev.bias, o, sp);
  const b = c.map((v, r) => v - wb[r]!);
  const swapped = networkOfLayers([...layers.slice(0, -1), { ...layers[L - 1]!, weight: w, bias: b }]);
  const q = classCount(data);
  const counts = new Array<number>(q).fill(0);
  for (const l of data.labels) counts[l]!++;
  let cost = 0;
  for (let i = 0; i < data.labels.length; i++) {
    const l = data.labels[i]!;
    cost += sq(forward(swapped, data.points.subarray(i * data.dim, (i + 1) * data.dim)), y.subarray(l * o, (l + 1) * o)) / counts[l]!;
  }
  return cost;
}
