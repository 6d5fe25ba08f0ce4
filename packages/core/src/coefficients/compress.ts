/**
 * Compression of a network's linear coefficients (dissertation §7.2): for each output j, k-means on
 * the rows `[J_i[j, :], y_i[j]]` of the fit set's coefficient matrix C_j; each test sample's row of
 * C̃_j is replaced by its nearest centre, which is used as output j's affine map on the test input;
 * the class is the argmax over outputs. With k = the number of distinct rows and the fit set equal to
 * the test set every row is its own centre, so the original accuracy comes back exactly.
 */
import { PolytopeError } from '../errors.js';
import { mulberry32 } from '../random.js';

/** A k-means result on n points of dimension `dim`. */
export interface KMeansResult {
  /** `k × dim` centres (k may be below the requested k when there are fewer distinct points). */
  readonly centres: Float64Array;
  readonly k: number;
  /** Centre of each point. */
  readonly assignment: Int32Array;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

function sqDist(a: Float64Array, ai: number, b: Float64Array, bi: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) {
    const e = a[ai + t]! - b[bi + t]!;
    s += e * e;
  }
  return s;
}

/**
 * Index of the centre nearest to point `pi` of `points` (squared Euclidean distance by direct
 * differences, so a point equal to a centre is at distance exactly 0; ties go to the lower index).
 *
 * @example
 * nearestCentre(Float64Array.of(0, 0, 5, 5), 2, Float64Array.of(4, 4), 0, 2); // 1
 */

export function nearestCentre(centres: Float64Array, k: number, points: Float64Array, pi: number, dim: number): number {
  let best = 0;
  let bd = Infinity;
  for (let c = 0; c < k; c++) {
    const dd = sqDist(points, pi * dim, centres, c * dim, dim);
    if (dd < bd) {
      bd = dd;
      best = c;
    }
  }
  return best;
}

/**
 * k-means with k-means++ seeding (Arthur & Vassilvitskii 2007; seeded, deterministic) and Lloyd
 * iterations until no assignment changes or `maxIterations`. Seeding stops early when every point
 * coincides with a centre (fewer distinct points than k). Centres are running means (x̄ += (x − x̄)/m),
 * so a cluster of identical points keeps exactly that point; an empty cluster keeps its centre.
 *
 * @example
 * const r = kMeans(Float64Array.of(0, 0.1, 10, 10.1), 4, 1, 2, { seed: 1 });
 * r.k; // 2; centres 0.05 and 10.05 (in some order)
 */

export function kMeans(
  points: Float64Array,
  n: number,
  dim: number,
  k: number,
  options: { seed?: number; maxIterations?: number } = {},
): KMeansResult {
  if (!Number.isInteger(k) || k < 1) throw new PolytopeError('bad-option', `k must be a positive integer, got ${k}`);
  if (n < 1) throw new PolytopeError('bad-option', 'k-means needs at least one point');
  if (points.length !== n * dim)
    throw new PolytopeError('shape-mismatch', `${n} points of dimension ${dim} need ${n * dim} values, got ${points.length}`);
  const random = mulberry32(options.seed ?? 0);
  const chosen: number[] = [Math.min(n - 1, Math.floor(random() * n))];
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) dist[i] = sqDist(points, i * dim, points, chosen[0]! * dim, dim);
  while (chosen.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += dist[i]!;
    if (!(total > 0)) break; // every point is a centre already
    let u = random() * total;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if (dist[i]! <= 0) continue;
      pick = i;
      u -= dist[i]!;
      if (u < 0) break;
    }
    chosen.push(pick);
    for (let i = 0; i < n; i++) dist[i] = Math.min(dist[i]!, sqDist(points, i * dim, points, pick * dim, dim));
  }
  const kk = chosen.length;
  const centres = new Float64Array(kk * dim);
  chosen.forEach((p, c) => centres.set(points.subarray(p * dim, (p + 1) * dim), c * dim));
  const assignment = new Int32Array(n).fill(-1);
  const maxIterations = options.maxIterations ?? 50;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const c = nearestCentre(centres, kk, points, i, dim);
      if (c !== assignment[i]) changed++;
      assignment[i] = c;
    }
    if (changed === 0) break;
    const count = new Int32Array(kk);
    const sums = new Float64Array(kk * dim);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      const m = ++count[c]!;
      for (let t = 0; t < dim; t++)
        sums[c * dim + t] = m === 1 ? points[i * dim + t]! : sums[c * dim + t]! + (points[i * dim + t]! - sums[c * dim + t]!) / m;
    }
    for (let c = 0; c < kk; c++) if (count[c]! > 0) centres.set(sums.subarray(c * dim, (c + 1) * dim), c * dim);
  }
  return { centres, k: kk, assignment, iterations };
}

/** A coefficient set as `compressionAccuracy` reads it: n samples, o outputs, d inputs. */
export interface CoefficientData {
  readonly samples: number;
  readonly outputs: number;
  readonly inputs: number;
  /** `n × o × d`. */
  readonly jacobians: Float64Array;
  /** `n × o`. */
  readonly offsets: Float64Array;
}

/** Rows `[J_i[j, :], y_i[j]]` of C_j for every sample: `n × (d + 1)`. */
function rowsOf(set: CoefficientData, j: number): Float64Array {
  const { samples: n, outputs: o, inputs: d } = set;
  const rows = new Float64Array(n * (d + 1));
  for (let i = 0; i < n; i++) {
    rows.set(set.jacobians.subarray((i * o + j) * d, (i * o + j + 1) * d), i * (d + 1));
    rows[i * (d + 1) + d] = set.offsets[i * o + j]!;
  }
  return rows;
}

function argmax(v: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let r = 1; r < count; r++) if (v[from + r]! > v[from + best]!) best = r;
  return best;
}

/** Result of `compressionAccuracy`. */
export interface CompressionResult {
  /** Accuracy of the exact maps (argmax of J_i x_i + y_i = f(x_i)). */
  readonly originalAccuracy: number;
  readonly k: readonly number[];
  readonly accuracy: readonly number[];
  /** Per k, the centres actually used per output (below k when C_j has fewer distinct rows). */
  readonly effectiveK: readonly (readonly number[])[];
}

/**
 * The five steps of §7.2 for each k: k-means++ (seeded) on each fit C_j, each test row of C̃_j
 * replaced by its nearest centre, that centre used as output j's affine map at the test input
 * (`c[:d] · x + c[d]`), argmax over outputs, accuracy against the labels.
 *
 * @example
 * const r = compressionAccuracy(fit, test, testInputs, labels, [1, 10, 100], { seed: 0 });
 * r.accuracy; // one accuracy per k
 */

export function compressionAccuracy(
  fit: CoefficientData,
  test: CoefficientData,
  testInputs: Float64Array,
  labels: ArrayLike<number>,
  ks: readonly number[],
  options: { seed?: number; maxIterations?: number } = {},
): CompressionResult {
  const { outputs: o, inputs: d } = test;
  const n = test.samples;
  if (fit.outputs !== o || fit.inputs !== d)
    throw new PolytopeError('shape-mismatch', `fit set is ${fit.outputs} × ${fit.inputs} but test set is ${o} × ${d}`);
  if (testInputs.length !== n * d || labels.length !== n)
    throw new PolytopeError(
      'shape-mismatch',
      `the test set has ${n} samples; got ${testInputs.length / d} inputs and ${labels.length} labels`,
    );
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const out = new Float64Array(o);
    for (let j = 0; j < o; j++) {
      let s = test.offsets[i * o + j]!;
      for (let t = 0; t < d; t++) s += test.jacobians[(i * o + j) * d + t]! * testInputs[i * d + t]!;
      out[j] = s;
    }
    if (argmax(out, 0, o) === labels[i]) correct++;
  }
  const fitRows = Array.from({ length: o }, (_, j) => rowsOf(fit, j));
  const testRows = Array.from({ length: o }, (_, j) => rowsOf(test, j));
  const accuracy: number[] = [];
  const effectiveK: number[][] = [];
  for (const k of ks) {
    const mapped = new Float64Array(n * o);
    const used: number[] = [];
    for (let j = 0; j < o; j++) {
      const km = kMeans(fitRows[j]!, fit.samples, d + 1, k, options);
      used.push(km.k);
      for (let i = 0; i < n; i++) {
        const c = nearestCentre(km.centres, km.k, testRows[j]!, i, d + 1);
        let s = km.centres[c * (d + 1) + d]!;
        for (let t = 0; t < d; t++) s += km.centres[c * (d + 1) + t]! * testInputs[i * d + t]!;
        mapped[i * o + j] = s;
      }
    }
    let ok = 0;
    for (let i = 0; i < n; i++) if (argmax(mapped, i * o, o) === labels[i]) ok++;
    accuracy.push(ok / n);
    effectiveK.push(used);
  }
  return { originalAccuracy: correct / n, k: [...ks], accuracy, effectiveK };
}

/**
 * Number of distinct rows of C_j (exact equality of all d + 1 values) for each output j.
 *
 * @example
 * distinctRows(set); // e.g. [812, 790, …]: k at which compression is lossless on the fit set
 */
export function distinctRows(set: CoefficientData): number[] {
  const d = set.inputs;
  return Array.from({ length: set.outputs }, (_, j) => {
    const rows = rowsOf(set, j);
    const seen = new Set<string>();
    for (let i = 0; i < set.samples; i++) seen.add(Array.from(rows.subarray(i * (d + 1), (i + 1) * (d + 1))).join(','));
    return seen.size;
  });
}
