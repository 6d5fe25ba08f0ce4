/**
 * Truncation maps (Chen–Muñoz Ewald): τ_{W,b}(x) = W⁺(σ(Wx + b) − b), with W⁺ the Moore–Penrose
 * inverse. With cumulative parameters W^(ℓ) = W_ℓ W^(ℓ−1), b^(ℓ) = W_ℓ b^(ℓ−1) + b_ℓ and
 * x^(τ,ℓ) = τ_{W^(ℓ),b^(ℓ)}(x^(τ,ℓ−1)), an MLP is L−1 truncation maps on input space followed by
 * the affine map x ↦ W^(L) x + b^(L); the identity x^(ℓ) = W^(ℓ) x^(τ,ℓ) + b^(ℓ) holds whenever every
 * W^(ℓ), ℓ < L, has full row rank (W^(ℓ) W^(ℓ)⁺ = I).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { PolytopeError, checkFinite } from '../errors.js';
import { forwardAll } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { fromMatrix, matMul, matVec, maxAbsDiff, numericalRank, pinv, toMatrix } from './mlp.js';
import { asMlp } from '../network/mlp-view.js';
import type { AffineLayer } from './mlp.js';
import { COMPLETION_EPS } from '../geometry/predicates.js';

/** Elementwise activation: ReLU for alpha = 0, leaky ReLU otherwise, identity for alpha = 1. */
function activate(v: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! > 0 ? v[i]! : alpha * v[i]!;
  return out;
}

/** A truncation map's parameters: W is `rows × cols`, row-major; `pinv` is W⁺ (`cols × rows`). */
export interface Truncation {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly pinv: Float64Array;
  /** Slope of σ on the negative side (0 = ReLU). */
  readonly alpha: number;
}

/**
 * Makes a truncation map from W (`rows × cols`) and b.
 *
 * @example
 * const t = makeTruncation(new Float64Array([1, 0, 0, 1]), new Float64Array([-1, -1]), 2, 2);
 * truncate(t, [0.2, 0.3]); // [1, 1]
 */
export function makeTruncation(weight: Float64Array, bias: Float64Array, rows: number, cols: number, alpha = 0): Truncation {
  if (weight.length !== rows * cols)
    throw new PolytopeError('shape-mismatch', `truncation weight has ${weight.length} values, expected ${rows}×${cols}`);
  if (bias.length !== rows) throw new PolytopeError('shape-mismatch', `truncation bias has ${bias.length} values, expected ${rows}`);
  checkFinite(weight, 'truncation weight');
  checkFinite(bias, 'truncation bias');
  return { weight, bias, rows, cols, pinv: pinv(weight, rows, cols), alpha };
}

/**
 * τ_{W,b}(x) = W⁺(σ(Wx + b) − b).
 *
 * @example
 * // W = I₂, b = (−1, −1): τ(x) = σ(x − 1) + 1
 * truncate(t, [2, 0]); // [2, 1]
 */
export function truncate(t: Truncation, x: ArrayLike<number>): Float64Array {
  if (x.length !== t.cols) throw new PolytopeError('shape-mismatch', `truncation input has ${x.length} values, expected ${t.cols}`);
  const z = activate(matVec(t.weight, x, t.rows, t.cols, t.bias), t.alpha);
  for (let i = 0; i < t.rows; i++) z[i] = z[i]! - t.bias[i]!;
  return matVec(t.pinv, z, t.cols, t.rows);
}

/** The truncation form of an MLP. */
export interface TruncationForm {
  /** Dimension of the space the truncations act on (d₀, or d₁ when lifted). */
  readonly space: number;
  /** Whether the input is first lifted by ι: ℝ^{d₀} → ℝ^{d₁} (seed eq. 4.1). */
  readonly lifted: boolean;
  /** The lift's square invertible W̃₁ (`d₁ × d₁`) when lifted. */
  readonly liftWeight?: Float64Array;
  /** τ^(1) … τ^(L−1), with the cumulative W^(ℓ) (`d_ℓ × space`) and b^(ℓ). */
  readonly truncations: Truncation[];
  /** Final affine map W^(L) (`d_L × space`), b^(L). */
  readonly finalWeight: Float64Array;
  readonly finalBias: Float64Array;
  readonly outputs: number;
  /** Per ℓ = 1 … L: rank of W^(ℓ) and whether it is full row rank (the identity's hypothesis). */
  readonly ranks: { layer: number; rows: number; cols: number; rank: number; fullRowRank: boolean }[];
  /** True when every W^(ℓ), ℓ < L, is full row rank: then the identity holds exactly. */
  readonly hypothesisHolds: boolean;
}

/**
 * Extends an injective W (`m × n`, n < m) to an invertible W̃ (`m × m`) with W̃ ι = W, where
 * ι(x) = (x, 0): the extra columns are an orthonormal basis of range(W)^⊥ (seed eq. 4.1: then
 * σ(Wx + b) = W̃ τ_{W̃,b}(ιx) + b). Throws if W is not injective.
 *
 * @example
 * liftWeight(new Float64Array([1, 0, 0]), 3, 1); // 3×3 invertible, first column (1, 0, 0)
 */
export function liftWeight(weight: Float64Array, m: number, n: number): Float64Array {
  if (n > m) throw new PolytopeError('not-applicable', `the lift needs n ≤ m, got a ${m}×${n} matrix`);
  const rank = numericalRank(weight, m, n);
  if (rank < n)
    throw new PolytopeError('not-applicable', `W (${m}×${n}) has rank ${rank} < ${n}: it is not injective, so W̃ cannot be made invertible`);
  const svd = new SingularValueDecomposition(toMatrix(weight, m, n), {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: false,
    autoTranspose: false,
  });
  // Full U: ml-matrix returns m × min(m, n) left vectors; complete them by Gram–Schmidt against the identity.
  const u: Matrix = svd.leftSingularVectors;
  const basis: Float64Array[] = [];
  for (let j = 0; j < n; j++) basis.push(Float64Array.from(u.getColumn(j)));
  const extra: Float64Array[] = [];
  for (let e = 0; e < m && extra.length < m - n; e++) {
    const v = new Float64Array(m);
    v[e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of [...basis, ...extra]) {
        let d = 0;
        for (let i = 0; i < m; i++) d += q[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i] = v[i]! - d * q[i]!;
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += v[i]! * v[i]!;
    nrm = Math.sqrt(nrm);
    if (nrm > COMPLETION_EPS) {
      for (let i = 0; i < m; i++) v[i] = v[i]! / nrm;
      extra.push(v);
    }
  }
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * m + j] = weight[i * n + j]!;
    for (let k = 0; k < m - n; k++) out[i * m + n + k] = extra[k]![i]!;
  }
  return out;
}

/**
 * ι(n, m): pads x with zeros to length m.
 *
 * @example
 * lift([1, 2], 3); // Float64Array [1, 2, 0]
 */
export function lift(x: ArrayLike<number>, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < x.length; i++) out[i] = x[i]!;
  return out;
}

/**
 * The truncation form of a dense MLP (ReLU or leaky ReLU). `lift: 'auto'` (default) lifts the
 * input by ι when d₀ < d₁ and W₁ is injective; `true` forces it (throws if impossible); `false`
 * never lifts.
 *
 * @example
 * const form = truncationForm(randomMlp([4, 3, 2, 1]));
 * form.truncations.length; // 2 (L − 1)
 * form.hypothesisHolds;    // true: W^(1) is 3×4, W^(2) is 2×4, generically full row rank
 */
export function truncationForm(net: Network, options: { lift?: boolean | 'auto' } = {}): TruncationForm {
  const layers = asMlp(net);
  return truncationFormOfLayers(layers, options);
}

function truncationFormOfLayers(layers: readonly AffineLayer[], options: { lift?: boolean | 'auto' } = {}): TruncationForm {
  const first = layers[0]!;
  const d0 = first.inFeatures;
  const d1 = first.outFeatures;
  let lifted = false;
  let liftW: Float64Array | undefined;
  const want = options.lift ?? 'auto';
  if (want !== false && d0 < d1 && layers.length > 1) {
    if (want === true || numericalRank(first.weight, d1, d0) === d0) {
      liftW = liftWeight(first.weight, d1, d0);
      lifted = true;
    }
  } else if (want === true) {
    throw new PolytopeError(
      'not-applicable',
      `the lift needs d₀ < d₁ and at least 2 layers; got d₀ = ${d0}, d₁ = ${d1}, ${layers.length} layer(s)`,
    );
  }
  const space = lifted ? d1 : d0;
  let cumW: Float64Array = lifted ? liftW! : first.weight;
  let cumB: Float64Array = Float64Array.from(first.bias);
  const truncations: Truncation[] = [];
  const ranks: TruncationForm['ranks'] = [];
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l]!;
    if (l > 0) {
      cumW = matMul(layer.weight, cumW, layer.outFeatures, layer.inFeatures, space);
      cumB = matVec(layer.weight, cumB, layer.outFeatures, layer.inFeatures, layer.bias);
    }
    const rows = layer.outFeatures;
    const rank = numericalRank(cumW, rows, space);
    ranks.push({ layer: l + 1, rows, cols: space, rank, fullRowRank: rank === rows });
    if (l + 1 < layers.length) {
      if (layer.act === 'none') throw new PolytopeError('unsupported', `layer ${l + 1} has no activation but is not the last`);
      truncations.push(makeTruncation(cumW, cumB, rows, space, layer.alpha));
    }
  }
  const hypothesisHolds = ranks.slice(0, -1).every((r) => r.fullRowRank);
  const last = layers[layers.length - 1]!;
  if (last.act !== 'none') {
    // A trailing activation is one more truncation followed by the identity readout.
    throw new PolytopeError('unsupported', 'the last layer must be affine (no activation) for the truncation form');
  }
  return {
    space,
    lifted,
    ...(liftW ? { liftWeight: liftW } : {}),
    truncations,
    finalWeight: cumW,
    finalBias: cumB,
    outputs: last.outFeatures,
    ranks,
    hypothesisHolds,
  };
}

/**
 * x^(τ,0) … x^(τ,L−1) at one input, and the output W^(L) x^(τ,L−1) + b^(L).
 *
 * @example
 * const form = truncationForm(net);
 * truncationForward(form, x).output; // equals forward(net, x) up to rounding
 */
export function truncationForward(form: TruncationForm, x: ArrayLike<number>): { states: Float64Array[]; output: Float64Array } {
  let cur = form.lifted ? lift(x, form.space) : Float64Array.from(x);
  const states = [cur];
  for (const t of form.truncations) {
    cur = truncate(t, cur);
    states.push(cur);
  }
  return { states, output: matVec(form.finalWeight, cur, form.outputs, form.space, form.finalBias) };
}

/** One layer of the identity check. */
export interface TruncationLayerCheck {
  readonly layer: number;
  /** x^(τ,ℓ) (for the last layer, x^(τ,L−1), which the final affine map reads). */
  readonly xTau: Float64Array;
  /** The network's x^(ℓ). */
  readonly x: Float64Array;
  /** W^(ℓ) x^(τ,ℓ) + b^(ℓ). */
  readonly predicted: Float64Array;
  /** max |x^(ℓ) − (W^(ℓ) x^(τ,ℓ) + b^(ℓ))|. */
  readonly identityError: number;
  /** Whether W^(ℓ) is full row rank (for the last layer: always reported, not needed). */
  readonly fullRowRank: boolean;
  readonly rank: number;
}

/** Result of `checkTruncation`: how far the truncation form is from the network, layer by layer. */
export interface TruncationCheck {
  readonly layers: TruncationLayerCheck[];
  readonly hypothesisHolds: boolean;
  /** A sentence saying whether and why the identity must hold. */
  readonly statement: string;
  readonly maxError: number;
}

/**
 * Checks x^(ℓ) = W^(ℓ) x^(τ,ℓ) + b^(ℓ) (ℓ < L) and x^(L) = W^(L) x^(τ,L−1) + b^(L) at a point,
 * against the network's own forward pass. Reports whether the hypothesis (every W^(ℓ), ℓ < L, full
 * row rank) holds, and the error either way.
 *
 * @example
 * const c = checkTruncation(net, [0.1, 0.2]);
 * c.hypothesisHolds && c.maxError < 1e-9; // true for a generic narrowing MLP
 */
export function checkTruncation(
  net: Network,
  x: ArrayLike<number>,
  options: { lift?: boolean | 'auto'; form?: TruncationForm } = {},
): TruncationCheck {
  const form = options.form ?? truncationForm(net, options.lift !== undefined ? { lift: options.lift } : {});
  const { values } = forwardAll(net, x);
  // Post-activation values per layer, in order: each activation node's value, then the output.
  const post: Float64Array[] = [];
  for (let i = 1; i < net.nodes.length; i++) {
    const node = net.nodes[i]!;
    if (node.type === 'relu' || node.type === 'leaky_relu' || node.type === 'prelu') post.push(values[i]!);
  }
  post.push(values[net.output]!);
  const { states } = truncationForward(form, x);
  const L = form.ranks.length;
  const layers: TruncationLayerCheck[] = [];
  let maxError = 0;
  for (let l = 1; l <= L; l++) {
    const isLast = l === L;
    const xTau = isLast ? states[L - 1]! : states[l]!;
    const t = isLast ? undefined : form.truncations[l - 1]!;
    const w = t ? t.weight : form.finalWeight;
    const b = t ? t.bias : form.finalBias;
    const rows = form.ranks[l - 1]!.rows;
    const predicted = matVec(w, xTau, rows, form.space, b);
    const xl = post[l - 1]!;
    const identityError = maxAbsDiff(xl, predicted);
    maxError = Math.max(maxError, identityError);
    layers.push({
      layer: l,
      xTau,
      x: Float64Array.from(xl),
      predicted,
      identityError,
      fullRowRank: form.ranks[l - 1]!.fullRowRank,
      rank: form.ranks[l - 1]!.rank,
    });
  }
  const bad = form.ranks.slice(0, -1).filter((r) => !r.fullRowRank);
  const statement = form.hypothesisHolds
    ? `hypothesis holds: every W^(ℓ), ℓ < ${L}, has full row rank${form.lifted ? ' (after the lift ι)' : ''}, so the identity is exact (error is rounding only)`
    : `hypothesis fails: ${bad.map((r) => `W^(${r.layer}) is ${r.rows}×${r.cols} of rank ${r.rank}`).join('; ')}; the identity need not hold (errors below)`;
  return { layers, hypothesisHolds: form.hypothesisHolds, statement, maxError };
}

/**
 * Builds the MLP whose truncation form is the given cumulative maps (each W^(ℓ) square and
 * invertible, `n × n`) followed by the final affine map A (`o × n`), c: W_ℓ = W^(ℓ) (W^(ℓ−1))⁻¹,
 * b_ℓ = b^(ℓ) − W_ℓ b^(ℓ−1). Inverse of `truncationForm` for square stacks.
 */
export function layersFromTruncations(
  truncations: readonly Truncation[],
  finalWeight: Float64Array,
  finalBias: Float64Array,
  outputs: number,
): AffineLayer[] {
  const layers: AffineLayer[] = [];
  let prevInv: Float64Array | undefined;
  let prevB: Float64Array | undefined;
  const n = truncations[0]?.cols ?? finalWeight.length / outputs;
  const step = (cumW: Float64Array, cumB: Float64Array, rows: number): { w: Float64Array; b: Float64Array } => {
    if (!prevInv || !prevB) return { w: Float64Array.from(cumW), b: Float64Array.from(cumB) };
    const w = matMul(cumW, prevInv, rows, n, n);
    const wb = matVec(w, prevB, rows, n);
    const b = new Float64Array(rows);
    for (let i = 0; i < rows; i++) b[i] = cumB[i]! - wb[i]!;
    return { w, b };
  };
  for (const t of truncations) {
    if (t.rows !== n || t.cols !== n)
      throw new PolytopeError('shape-mismatch', `layersFromTruncations needs square ${n}×${n} maps, got ${t.rows}×${t.cols}`);
    const { w, b } = step(t.weight, t.bias, n);
    layers.push({ weight: w, bias: b, inFeatures: n, outFeatures: n, act: t.alpha === 0 ? 'relu' : 'leaky_relu', alpha: t.alpha });
    prevInv = fromMatrix(toMatrix(t.pinv, n, n));
    prevB = t.bias;
  }
  const { w, b } = step(finalWeight, finalBias, outputs);
  layers.push({ weight: w, bias: b, inFeatures: n, outFeatures: outputs, act: 'none', alpha: 1 });
  return layers;
}
