/**
 * Seed 002, Theorem (3.2) (Chen–Muñoz Ewald '24): for sequentially linearly separable (SLS) data
 * with Q classes, a ReLU network of Q + 1 layers attains a degenerate global minimum of the cost
 * (6.5) with zero cost, parametrized by triples (θ_ℓ, ν_ℓ, μ_ℓ) ∈ (0, π) × ℝᴹ × (0, 1): cone angle,
 * hyperplane normal and the position of the base point on a segment.
 *
 * Corrections. (1) The slides' segment {x̄ + (1 − t) x̄_{0,j}} lacks the factor t: it must be
 * p_j(μ) = μ x̄ + (1 − μ) x̄_{0,j}, μ ∈ (0, 1), between the overall mean x̄ and the class mean (the
 * printed set is not a segment between them: at t → 1 it tends to x̄, at t → 0 to x̄ + x̄_{0,j}).
 * (2) The cone lemma as built here (`coneTruncation`) needs θ ∈ (0, π/2), not (0, π): a cone of
 * half-angle ≥ π/2 is a half-space or more, and C_θ[h] and C_θ[−h] would overlap.
 *
 * `slsFamilyMember` builds the network of one parameter triple per class and checks each step's
 * hypotheses (class j inside p_j + C_θ[−ν], the remaining classes and earlier base points inside
 * p_j + C_θ[ν]); `slsFamily` finds, by LP, a normal for every step and the exact μ- and θ-intervals
 * around a centre member, so that the family can be walked: the cost stays zero along every such
 * path while the weights move — a degenerate (non-isolated) global minimum.
 */
import { PolytopeError } from '../errors.js';
import { solveLp } from '../geometry/lp.js';
import { forward } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { angleBetween, classCount, coneTruncation, oneHotAffine, oneHotFit } from './constructions.js';
import type { LabelledData } from './constructions.js';
import { networkOfLayers } from './mlp.js';
import type { AffineLayer } from './mlp.js';
import { layersFromTruncations } from './truncation.js';

/** One step's parameters: cone angle θ ∈ (0, π/2), normal ν (pointing away from the class), μ ∈ (0, 1). */
export interface SlsParameter {
  readonly theta: number;
  readonly normal: readonly number[];
  readonly mu: number;
}

/** A member of the family: its network and the cost (6.5) C = Σ_j (1/N_j) Σ_i |x^(L) − y_j|². */
export interface SlsFamilyMember {
  readonly network: Network;
  readonly layers: AffineLayer[];
  readonly bases: Float64Array[];
  /** Cost (6.5) against one-hot labels, computed with the core forward pass. */
  readonly cost: number;
  readonly maxError: number;
  /** All weights and biases, flattened (to measure how far members are apart in parameter space). */
  readonly parameters: Float64Array;
}

function means(data: LabelledData, q: number): { overall: Float64Array; perClass: Float64Array[] } {
  const d = data.dim;
  const n = data.labels.length;
  const overall = new Float64Array(d);
  const perClass = Array.from({ length: q }, () => new Float64Array(d));
  const counts = new Array<number>(q).fill(0);
  for (let i = 0; i < n; i++) {
    const l = data.labels[i]!;
    counts[l]!++;
    for (let k = 0; k < d; k++) {
      overall[k] = overall[k]! + data.points[i * d + k]! / n;
      perClass[l]![k] = perClass[l]![k]! + data.points[i * d + k]!;
    }
  }
  perClass.forEach((m, l) => m.forEach((v, k) => (m[k] = v / counts[l]!)));
  return { overall, perClass };
}

const basePoint = (overall: Float64Array, classMean: Float64Array, mu: number): Float64Array =>
  Float64Array.from(overall, (v, k) => mu * v + (1 - mu) * classMean[k]!);

/** Largest angle of the step's points to their axes: class points to −ν, the others (and earlier bases) to +ν. */
function maxConeAngle(
  data: LabelledData,
  label: number,
  done: ReadonlySet<number>,
  earlier: readonly Float64Array[],
  p: Float64Array,
  nu: ArrayLike<number>,
): number {
  const d = data.dim;
  const neg = Array.from(nu, (v) => -v);
  let worst = 0;
  for (let i = 0; i < data.labels.length; i++) {
    const l = data.labels[i]!;
    if (done.has(l)) continue;
    const v = Array.from({ length: d }, (_, k) => data.points[i * d + k]! - p[k]!);
    worst = Math.max(worst, angleBetween(v, l === label ? neg : nu));
  }
  for (const b of earlier)
    worst = Math.max(
      worst,
      angleBetween(
        Array.from(b, (v, k) => v - p[k]!),
        nu,
      ),
    );
  return worst;
}

function checkParams(data: LabelledData, order: readonly number[], params: readonly SlsParameter[], q: number): void {
  if (order.length !== q || new Set(order).size !== q || order.some((l) => !(l >= 0 && l < q)))
    throw new PolytopeError('bad-option', `the class order must be a permutation of 0…${q - 1}`);
  if (params.length !== q) throw new PolytopeError('bad-option', `need ${q} parameter triples (one per class), got ${params.length}`);
  params.forEach((s, j) => {
    if (!(s.theta > 0 && s.theta < Math.PI / 2))
      throw new PolytopeError('bad-option', `step ${j + 1}: θ must lie in (0, π/2), got ${s.theta}`);
    if (!(s.mu > 0 && s.mu < 1)) throw new PolytopeError('bad-option', `step ${j + 1}: μ must lie in (0, 1), got ${s.mu}`);
    if (s.normal.length !== data.dim)
      throw new PolytopeError('shape-mismatch', `step ${j + 1}: the normal has ${s.normal.length} values, expected ${data.dim}`);
  });
}

/**
 * The member (θ_ℓ, ν_ℓ, μ_ℓ)_ℓ of the Theorem 3.2 family: Q cone truncations (class order[j] collapses
 * to p_j = μ_j x̄ + (1 − μ_j) x̄_{order[j]}) and the affine read-out p_j ↦ e_{order[j]}. Throws
 * `not-applicable` when a step's cone hypotheses fail (the triple lies outside the family) or the
 * base points are affinely dependent.
 *
 * @example
 * const fam = await slsFamily(data);
 * slsFamilyMember(data, fam.order, fam.centre).cost; // ~1e-30
 */
export function slsFamilyMember(data: LabelledData, order: readonly number[], params: readonly SlsParameter[]): SlsFamilyMember {
  const q = classCount(data);
  checkParams(data, order, params, q);
  const { overall, perClass } = means(data, q);
  const done = new Set<number>();
  const bases: Float64Array[] = [];
  const truncations = order.map((label, j) => {
    const s = params[j]!;
    const p = basePoint(overall, perClass[label]!, s.mu);
    const angle = maxConeAngle(data, label, done, bases, p, s.normal);
    if (!(angle < s.theta))
      throw new PolytopeError(
        'not-applicable',
        `step ${j + 1} (class ${label}): a point makes the angle ${angle.toFixed(4)} with its cone axis, above θ = ${s.theta.toFixed(4)} (outside the family)`,
      );
    done.add(label);
    bases.push(p);
    return coneTruncation(p, s.normal, s.theta);
  });
  const steps = order.map((label) => ({ label }));
  const { finalW, finalB } = oneHotAffine(bases, steps, data.dim);
  const layers = layersFromTruncations(truncations, finalW, finalB, q);
  const network = networkOfLayers(layers);
  const fit = oneHotFit(network, data, q);
  const parameters = Float64Array.from(layers.flatMap((l) => [...l.weight, ...l.bias]));
  return { network, layers, bases, cost: classBalancedCost(network, data, q), maxError: fit.maxError, parameters };
}

/** The cost (6.5): Σ_j (1/N_j) Σ_{i in class j} |f(x_i) − e_j|². */
function classBalancedCost(net: Network, data: LabelledData, q: number): number {
  const counts = new Array<number>(q).fill(0);
  for (const l of data.labels) counts[l]!++;
  let c = 0;
  data.labels.forEach((l, i) => {
    const y = forward(net, data.points.subarray(i * data.dim, (i + 1) * data.dim));
    let e = 0;
    for (let k = 0; k < q; k++) e += (y[k]! - (k === l ? 1 : 0)) ** 2;
    c += e / counts[l]!;
  });
  return c;
}

/** Interval of one parameter inside which the other parameters of the centre stay valid. */
export interface SlsRange {
  readonly lo: number;
  readonly hi: number;
}

/** The family around a centre member: class order, centre triples and, per step, the μ- and θ-intervals. */
export interface SlsFamily {
  readonly order: number[];
  readonly centre: SlsParameter[];
  /** μ-interval of step j with its normal fixed (later steps re-checked by `slsFamilyMember`). */
  readonly muRanges: SlsRange[];
  /** θ-interval of step j at the centre: (largest point angle, π/2). */
  readonly thetaRanges: SlsRange[];
}

async function separatingNormal(inside: Float64Array[], outside: Float64Array[], p: Float64Array): Promise<Float64Array | null> {
  const d = p.length;
  const rows = new Float64Array((inside.length + outside.length) * d);
  const lo: number[] = [];
  const hi: number[] = [];
  [...inside, ...outside].forEach((x, r) => {
    for (let k = 0; k < d; k++) rows[r * d + k] = x[k]! - p[k]!;
    lo.push(r < inside.length ? -Infinity : 1);
    hi.push(r < inside.length ? -1 : Infinity);
  });
  const sol = await solveLp({
    numCols: d,
    cost: new Float64Array(d),
    colLower: new Float64Array(d).fill(-Infinity),
    colUpper: new Float64Array(d).fill(Infinity),
    rows,
    numRows: inside.length + outside.length,
    rowLower: lo,
    rowUpper: hi,
  });
  if (sol.status !== 'optimal') return null;
  const nu = Float64Array.from(sol.x.subarray(0, d));
  const norm = Math.hypot(...nu);
  return nu.map((v) => v / norm);
}

/** μ-interval where the hyperplane through p(μ) with normal ν keeps class points strictly on −ν and the rest on +ν. */
function muInterval(
  inside: Float64Array[],
  outside: Float64Array[],
  overall: Float64Array,
  classMean: Float64Array,
  nu: Float64Array,
): SlsRange {
  const dot = (x: Float64Array): number => x.reduce((s, v, k) => s + v * nu[k]!, 0);
  const a = dot(classMean);
  const slope = dot(overall) - a; // ν·p(μ) = a + μ·slope
  const top = Math.max(...inside.map(dot));
  const bottom = Math.min(...outside.map(dot));
  let lo = 0;
  let hi = 1;
  // top < a + μ slope < bottom
  if (slope > 0) {
    lo = Math.max(lo, (top - a) / slope);
    hi = Math.min(hi, (bottom - a) / slope);
  } else if (slope < 0) {
    lo = Math.max(lo, (bottom - a) / slope);
    hi = Math.min(hi, (top - a) / slope);
  } else if (!(top < a && a < bottom)) return { lo: 1, hi: 0 };
  return { lo, hi };
}

/**
 * Finds a centre of the Theorem 3.2 family: for each step (classes in `order`, default the greedy
 * order of `sequentialSeparability`'s kind: the first class that works), scans μ on a grid for a
 * base point p(μ) on the segment [x̄_{0,j}, x̄] through which a hyperplane (LP) separates class j from
 * the remaining classes and the earlier base points; takes the middle of the feasible μ-interval of
 * that normal, and θ halfway between the largest point angle and π/2.
 *
 * @example
 * const fam = await slsFamily(data);
 * fam.thetaRanges[0]; // { lo: 0.93, hi: 1.5708 }: any θ in between keeps the cost at zero
 */
export async function slsFamily(data: LabelledData, options: { order?: readonly number[]; grid?: number } = {}): Promise<SlsFamily> {
  const q = classCount(data);
  const d = data.dim;
  const grid = options.grid ?? 19;
  const { overall, perClass } = means(data, q);
  const pts = (l: number): Float64Array[] =>
    Array.from(data.labels.keys())
      .filter((i) => data.labels[i] === l)
      .map((i) => data.points.slice(i * d, (i + 1) * d));
  const remaining = [...(options.order ?? Array.from({ length: q }, (_, l) => l))];
  const order: number[] = [];
  const centre: SlsParameter[] = [];
  const muRanges: SlsRange[] = [];
  const thetaRanges: SlsRange[] = [];
  const bases: Float64Array[] = [];
  const done = new Set<number>();
  while (remaining.length > 0) {
    let found = false;
    for (const label of options.order ? [remaining[0]!] : remaining) {
      const inside = pts(label);
      const outside = [...remaining.filter((l) => l !== label).flatMap(pts), ...bases];
      for (let g = 1; g <= grid && !found; g++) {
        const nu = await separatingNormal(inside, outside, basePoint(overall, perClass[label]!, g / (grid + 1)));
        if (!nu) continue;
        const range = outside.length > 0 ? muInterval(inside, outside, overall, perClass[label]!, nu) : { lo: 0, hi: 1 };
        if (!(range.lo < range.hi)) continue;
        const mu = (range.lo + range.hi) / 2;
        const p = basePoint(overall, perClass[label]!, mu);
        const angle = maxConeAngle(data, label, done, bases, p, nu);
        if (!(angle < Math.PI / 2)) continue;
        centre.push({ theta: (angle + Math.PI / 2) / 2, normal: Array.from(nu), mu });
        muRanges.push(range);
        thetaRanges.push({ lo: angle, hi: Math.PI / 2 });
        bases.push(p);
        done.add(label);
        order.push(label);
        remaining.splice(remaining.indexOf(label), 1);
        found = true;
      }
      if (found) break;
    }
    if (!found)
      throw new PolytopeError(
        'not-applicable',
        `no base point on the segments [x̄_j, x̄] admits a separating hyperplane for classes ${remaining.join(', ')} (not SLS in the slides' sense)`,
      );
  }
  return { order, centre, muRanges, thetaRanges };
}
