/**
 * Constructions with truncation maps (Chen–Muñoz Ewald): the cone lemma, sequentially linearly
 * separable (SLS) data and its explicit Q+1-layer interpolating network, and the simplex-separation
 * classifier. Each construction returns a `Network` whose zero training loss is checked with the
 * core forward pass.
 */
import { InternalError, PolytopeError } from '../errors.js';
import { solveLp } from '../geometry/lp.js';
import { forward } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { inverse, matVec, networkOfLayers, numericalRank, pinv } from './mlp.js';
import type { AffineLayer } from './mlp.js';
import { layersFromTruncations, makeTruncation } from './truncation.js';
import type { Truncation } from './truncation.js';
import { HOUSEHOLDER_EPS, SEPARATION_RANK_EPS, SIMPLEX_EPS } from '../geometry/predicates.js';

/** Angle between two vectors (radians, 0 … π). */
export function angleBetween(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const c = d / Math.sqrt(na * nb);
  return Math.acos(Math.max(-1, Math.min(1, c)));
}

/**
 * Cone lemma: W (`n × n`, invertible) and b = −Wp such that τ_{W,b} is the identity on
 * p + C_θ[h] = {x : ∠(x − p, h) ≤ θ} and collapses p + C_θ[−h] to p. Needs 0 < θ < π/2.
 *
 * Construction: τ_{W,b}(x) = p + W⁻¹σ(W(x − p)) is the identity where W(x − p) ≥ 0 and p where
 * W(x − p) ≤ 0. Every row of W makes the angle α = π/2 − θ with h (so ⟨w_i, v⟩ ≥ 0 on C_θ[h]):
 * w_i = H(cos α · u + sin α · s_i), u = 𝟙/√n, s_i the unit vectors along e_i − 𝟙/n (a regular
 * simplex in u^⊥), H the Householder reflection with H u = h — the seed's W = 𝟙 W_θ R up to rotation.
 *
 * @example
 * const t = coneTruncation([0, 0], [1, 0], Math.PI / 4);
 * truncate(t, [2, 1]);  // [2, 1]  (inside p + C_θ[h])
 * truncate(t, [-2, 1]); // [0, 0]  (inside p + C_θ[−h])
 */
export function coneTruncation(p: ArrayLike<number>, h: ArrayLike<number>, theta: number): Truncation {
  const n = p.length;
  if (h.length !== n) throw new PolytopeError('shape-mismatch', `cone axis has ${h.length} values, base point ${n}`);
  if (!(theta > 0 && theta < Math.PI / 2)) throw new PolytopeError('bad-option', `the cone angle must lie in (0, π/2), got ${theta}`);
  let hn = 0;
  for (let i = 0; i < n; i++) hn += h[i]! * h[i]!;
  hn = Math.sqrt(hn);
  if (!(hn > 0)) throw new PolytopeError('bad-option', 'the cone axis h is zero');
  const hu = Float64Array.from(h, (v) => v / hn);
  const w = new Float64Array(n * n);
  if (n === 1) {
    w[0] = hu[0]!;
  } else {
    const alpha = Math.PI / 2 - theta;
    const u = 1 / Math.sqrt(n);
    const sNorm = Math.sqrt(1 - 1 / n);
    // Householder: v = u𝟙 − ĥ, H = I − 2vvᵀ/vᵀv (H = I when v = 0).
    const v = Float64Array.from(hu, (x) => u - x);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i]! * v[i]!;
    for (let r = 0; r < n; r++) {
      const row = new Float64Array(n);
      for (let j = 0; j < n; j++) row[j] = Math.cos(alpha) * u + (Math.sin(alpha) * ((j === r ? 1 : 0) - 1 / n)) / sNorm;
      if (vv > HOUSEHOLDER_EPS) {
        let d = 0;
        for (let j = 0; j < n; j++) d += v[j]! * row[j]!;
        for (let j = 0; j < n; j++) row[j] = row[j]! - (2 * d * v[j]!) / vv;
      }
      w.set(row, r * n);
    }
  }
  const b = matVec(w, p, n, n);
  for (let i = 0; i < n; i++) b[i] = -b[i]!;
  return makeTruncation(w, b, n, n);
}

/** A labelled dataset: `points` row-major `[count][dim]`, labels 0 … Q−1. */
export interface LabelledData {
  readonly points: Float64Array;
  readonly labels: Int32Array;
  readonly dim: number;
}

export function classCount(data: LabelledData): number {
  let q = 0;
  for (const l of data.labels) q = Math.max(q, l + 1);
  return q;
}

/** One step of a sequential separation: class `label` collapses to `base` across the hyperplane ⟨normal, x − base⟩ = 0. */
export interface SeparationStep {
  readonly label: number;
  /** Unit normal pointing away from the class. */
  readonly normal: Float64Array;
  readonly base: Float64Array;
  /** Cone angle used (< π/2). */
  readonly theta: number;
}

/** Result of `sequentialSeparability`: whether the construction separated the classes, step by step. */
export interface SeparabilityResult {
  readonly separable: boolean;
  /** The steps found, in order (all Q when separable). */
  readonly steps: SeparationStep[];
  /** Classes left when the greedy search got stuck. */
  readonly stuck: number[];
}

/**
 * Sequential linear separability (greedy): repeatedly pick the first remaining class (in `order`,
 * default 0 … Q−1) that a hyperplane strictly separates (margin 1 after scaling, an LP) from the
 * other remaining classes and the base points already chosen; its base point p_j is where the
 * segment from the class mean to the mean of the rest crosses the hyperplane. A `true` answer is a
 * certificate; `false` means the greedy search found no next class.
 *
 * @example
 * const r = await sequentialSeparability({ points, labels, dim: 2 });
 * r.separable; // true for three separated blobs
 */
export async function sequentialSeparability(data: LabelledData, options: { order?: readonly number[] } = {}): Promise<SeparabilityResult> {
  const d = data.dim;
  const n = data.labels.length;
  if (data.points.length !== n * d)
    throw new PolytopeError('shape-mismatch', `${n} labels need ${n * d} coordinates, got ${data.points.length}`);
  const q = classCount(data);
  const remaining = [...(options.order ?? Array.from({ length: q }, (_, i) => i))];
  const bases: Float64Array[] = [];
  const steps: SeparationStep[] = [];
  while (remaining.length > 0) {
    let found = false;
    for (const j of remaining) {
      const inside: Float64Array[] = [];
      const outside: Float64Array[] = [...bases];
      for (let i = 0; i < n; i++) {
        const x = data.points.subarray(i * d, (i + 1) * d);
        if (data.labels[i] === j) inside.push(x);
        else if (remaining.includes(data.labels[i]!)) outside.push(x);
      }
      if (inside.length === 0) continue;
      // Variables ν (d), c: ⟨ν, x⟩ + c ≤ −1 inside, ≥ 1 outside.
      const rows = new Float64Array((inside.length + outside.length) * (d + 1));
      const lo: number[] = [];
      const hi: number[] = [];
      let r = 0;
      for (const x of inside) {
        rows.set(x, r * (d + 1));
        rows[r * (d + 1) + d] = 1;
        lo.push(-Infinity);
        hi.push(-1);
        r++;
      }
      for (const x of outside) {
        rows.set(x, r * (d + 1));
        rows[r * (d + 1) + d] = 1;
        lo.push(1);
        hi.push(Infinity);
        r++;
      }
      const sol = await solveLp({
        numCols: d + 1,
        cost: new Float64Array(d + 1),
        colLower: new Float64Array(d + 1).fill(-Infinity),
        colUpper: new Float64Array(d + 1).fill(Infinity),
        rows,
        numRows: r,
        rowLower: lo,
        rowUpper: hi,
      });
      if (sol.status !== 'optimal') continue;
      const nu = sol.x.subarray(0, d);
      const c = sol.x[d]!;
      const mean = (set: Float64Array[]): Float64Array => {
        const m = new Float64Array(d);
        for (const x of set) for (let k = 0; k < d; k++) m[k] = m[k]! + x[k]! / set.length;
        return m;
      };
      const a = mean(inside);
      const bm = outside.length > 0 ? mean(outside) : Float64Array.from(a, (v, k) => v + nu[k]!);
      const fa = matVec(nu, a, 1, d)[0]! + c;
      const fb = matVec(nu, bm, 1, d)[0]! + c;
      const t = fa / (fa - fb); // fa < 0 < fb
      const base = Float64Array.from(a, (v, k) => v + t * (bm[k]! - v));
      let nn = 0;
      for (let k = 0; k < d; k++) nn += nu[k]! * nu[k]!;
      const normal = Float64Array.from(nu, (v) => v / Math.sqrt(nn));
      steps.push({ label: j, normal, base, theta: 0 });
      bases.push(base);
      remaining.splice(remaining.indexOf(j), 1);
      found = true;
      break;
    }
    if (!found) return { separable: false, steps, stuck: remaining };
  }
  return { separable: true, steps, stuck: [] };
}

/** An interpolating network and its verification. */
export interface InterpolatingNetwork {
  readonly network: Network;
  readonly layers: AffineLayer[];
  /** Width of the hidden layers (d₀, or d₀ + Q when the collapsed points needed extra room). */
  readonly width: number;
  readonly steps: SeparationStep[];
  /** Mean squared error against the one-hot labels, computed with the core forward pass. */
  readonly loss: number;
  /** max |f(x) − y| over the data. */
  readonly maxError: number;
  /** Fraction classified correctly by argmax. */
  readonly accuracy: number;
}

/** MSE, max error and argmax accuracy of a network against one-hot labels. */
export function oneHotFit(net: Network, data: LabelledData, q: number): { loss: number; maxError: number; accuracy: number } {
  const d = data.dim;
  const n = data.labels.length;
  let loss = 0;
  let maxError = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const y = forward(net, data.points.subarray(i * d, (i + 1) * d));
    let best = 0;
    for (let k = 0; k < q; k++) {
      const e = y[k]! - (k === data.labels[i] ? 1 : 0);
      loss += (e * e) / n;
      maxError = Math.max(maxError, Math.abs(e));
      if (y[k]! > y[best]!) best = k;
    }
    if (best === data.labels[i]) correct++;
  }
  return { loss, maxError, accuracy: correct / n };
}

/**
 * The final affine map of `interpolatingNetwork`: p_j ↦ e_{label_j} for the q base points p_j ∈ ℝ^m
 * (`bases[j]`, labelled `steps[j].label`). Solves [P 𝟙] [A c]ᵀ = Y by the pseudo-inverse (exact when
 * the points are affinely independent); returns A (q × m) and c.
 */
export function oneHotAffine(
  bases: readonly Float64Array[],
  steps: readonly { readonly label: number }[],
  m: number,
): { finalW: Float64Array; finalB: Float64Array } {
  const q = bases.length;
  const design = new Float64Array(q * (m + 1));
  for (let j = 0; j < q; j++) {
    design.set(bases[j]!, j * (m + 1));
    design[j * (m + 1) + m] = 1;
  }
  const dp = pinv(design, q, m + 1); // (m+1) × q
  const finalW = new Float64Array(q * m);
  const finalB = new Float64Array(q);
  for (let k = 0; k < q; k++) {
    // column of the solution for output k: dp · Y[:, k], Y[j][k] = [label_j == k]
    for (let r = 0; r <= m; r++) {
      let v = 0;
      for (let j = 0; j < q; j++) if (steps[j]!.label === k) v += dp[r * q + j]!;
      if (r < m) finalW[k * m + r] = v;
      else finalB[k] = v;
    }
  }
  return { finalW, finalB };
}

/**
 * The explicit Q+1-layer interpolating network for SLS data: layer j is the cone truncation that
 * collapses class j to its base point p_j and fixes everything on the far side of its hyperplane;
 * the last layer is the affine map sending p_j to the one-hot label e_j. If the p_j are affinely
 * dependent, the hidden width grows to d₀ + Q and each p_j gets a small offset along its own extra
 * axis (angles to the hyperplane normals stay below π/2, so every cone still works).
 *
 * @example
 * const { network, loss } = await interpolatingNetwork(data);
 * loss; // ~1e-30: zero training loss
 */
export async function interpolatingNetwork(data: LabelledData, options: { order?: readonly number[] } = {}): Promise<InterpolatingNetwork> {
  const sep = await sequentialSeparability(data, options);
  if (!sep.separable)
    throw new PolytopeError(
      'not-applicable',
      `the data is not sequentially linearly separable (greedy search stuck with classes ${sep.stuck.join(', ')} left)`,
    );
  const d0 = data.dim;
  const q = sep.steps.length;
  // Are the base points affinely independent in ℝ^{d0}?
  const diffs = new Float64Array(Math.max(0, q - 1) * d0);
  for (let j = 1; j < q; j++) for (let k = 0; k < d0; k++) diffs[(j - 1) * d0 + k] = sep.steps[j]!.base[k]! - sep.steps[0]!.base[k]!;
  const independent = q <= 1 || numericalRank(diffs, q - 1, d0, SEPARATION_RANK_EPS) === q - 1;
  const extra = independent ? 0 : q;
  const m = d0 + extra;
  let scale = 0;
  for (const v of data.points) scale = Math.max(scale, Math.abs(v));
  const offset = 0.5 * (scale || 1);
  const n = data.labels.length;
  const pts: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const x = new Float64Array(m);
    x.set(data.points.subarray(i * d0, (i + 1) * d0));
    pts.push(x);
  }
  const steps: SeparationStep[] = [];
  const truncations: Truncation[] = [];
  const bases: Float64Array[] = [];
  const collapsed = new Set<number>();
  sep.steps.forEach((s, j) => {
    const p = new Float64Array(m);
    p.set(s.base);
    if (extra > 0) p[d0 + j] = offset;
    const h = new Float64Array(m);
    h.set(s.normal);
    // Largest angle of any point to its side's axis: class points to −h, the rest (and earlier bases) to +h.
    let maxAngle = 0;
    const negH = Float64Array.from(h, (v) => -v);
    const others: Float64Array[] = [...bases];
    for (let i = 0; i < n; i++) {
      const lab = data.labels[i]!;
      if (collapsed.has(lab)) continue;
      if (lab === s.label)
        maxAngle = Math.max(
          maxAngle,
          angleBetween(
            Float64Array.from(pts[i]!, (v, k) => v - p[k]!),
            negH,
          ),
        );
      else others.push(pts[i]!);
    }
    for (const y of others)
      maxAngle = Math.max(
        maxAngle,
        angleBetween(
          Float64Array.from(y, (v, k) => v - p[k]!),
          h,
        ),
      );
    if (!(maxAngle < Math.PI / 2)) throw new InternalError(`step ${j}: a point lies on the separating hyperplane`);
    const theta = maxAngle + (Math.PI / 2 - maxAngle) / 2;
    steps.push({ label: s.label, normal: h, base: p, theta });
    truncations.push(coneTruncation(p, h, theta));
    bases.push(p);
    collapsed.add(s.label);
  });
  const { finalW, finalB } = oneHotAffine(bases, sep.steps, m);
  const layers = layersFromTruncations(truncations, finalW, finalB, q);
  // The network reads x ∈ ℝ^{d0}: the first layer sees ιx, so drop its extra columns.
  if (extra > 0) {
    const first = layers[0]!;
    const w = new Float64Array(m * d0);
    for (let i = 0; i < m; i++) for (let k = 0; k < d0; k++) w[i * d0 + k] = first.weight[i * m + k]!;
    layers[0] = { ...first, weight: w, inFeatures: d0 };
  }
  const network = networkOfLayers(layers);
  const fit = oneHotFit(network, data, q);
  return { network, layers, width: m, steps, ...fit };
}

/**
 * Simplex-separation classifier (seed: ℝ^{d₀} → ℝ^{d₀+1} → τ → τ → ℝ²). Class 0 lies in the
 * simplex with the given d₀+1 vertices, class 1 outside. Layer 1 computes z_i = σ(−λ_i(x)), the
 * barycentric coordinates' violations (zero exactly inside; W₁ is injective since the facet
 * normals span ℝ^{d₀}); layer 2 computes u = σ(2s/δ), v = σ(2s/δ − 1) with s = Σ z_i and δ the
 * smallest s over class 1 (padded with zero units to width d₀+1); the readout is
 * (1 − u + v, u − v) = (1, 0) inside and (0, 1) on class 1.
 *
 * @example
 * const c = simplexClassifier(data, [[0, 0], [1, 0], [0, 1]]);
 * c.accuracy; // 1
 */
export function simplexClassifier(data: LabelledData, vertices: readonly (readonly number[])[]): InterpolatingNetwork {
  const d = data.dim;
  if (vertices.length !== d + 1 || vertices.some((v) => v.length !== d))
    throw new PolytopeError('shape-mismatch', `a ${d}-simplex needs ${d + 1} vertices of ${d} coordinates`);
  // T = [[V^T],[1…1]] ((d+1)×(d+1)); λ(x) = T⁻¹ [x; 1].
  const k = d + 1;
  const t = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < d; i++) t[i * k + j] = vertices[j]![i]!;
    t[d * k + j] = 1;
  }
  let tinv: Float64Array;
  try {
    tinv = inverse(t, k);
  } catch {
    throw new PolytopeError('not-applicable', 'the simplex vertices are affinely dependent');
  }
  const w1 = new Float64Array(k * d);
  const b1 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < d; j++) w1[i * d + j] = -tinv[i * k + j]!;
    b1[i] = -tinv[i * k + d]!;
  }
  const n = data.labels.length;
  let delta = Infinity;
  for (let i = 0; i < n; i++) {
    const x = data.points.subarray(i * d, (i + 1) * d);
    const z = matVec(w1, x, k, d, b1);
    let s = 0;
    for (const v of z) s += Math.max(0, v);
    if (data.labels[i] === 1) delta = Math.min(delta, s);
    else if (data.labels[i] === 0 && s > SIMPLEX_EPS)
      throw new PolytopeError('not-applicable', `point ${i} (class 0) lies outside the simplex`);
  }
  if (!(delta > 0)) throw new PolytopeError('not-applicable', 'a class-1 point lies inside the simplex (or there is none)');
  const w2 = new Float64Array(k * k);
  const b2 = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    w2[j] = 2 / delta;
    w2[k + j] = 2 / delta;
  }
  b2[1] = -1;
  const w3 = new Float64Array(2 * k);
  w3[0] = -1;
  w3[1] = 1;
  w3[k] = 1;
  w3[k + 1] = -1;
  const layers: AffineLayer[] = [
    { weight: w1, bias: b1, inFeatures: d, outFeatures: k, act: 'relu', alpha: 0 },
    { weight: w2, bias: b2, inFeatures: k, outFeatures: k, act: 'relu', alpha: 0 },
    { weight: w3, bias: new Float64Array([1, 0]), inFeatures: k, outFeatures: 2, act: 'none', alpha: 1 },
  ];
  const network = networkOfLayers(layers);
  return { network, layers, width: k, steps: [], ...oneHotFit(network, data, 2) };
}
