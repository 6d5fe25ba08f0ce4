/**
 * Minimal width-(n + 1) networks for hypersphere vs hypershell (seed chapter 4, §4.1): one hidden ReLU
 * layer of n + 1 units whose positive set {v > 0} is a bounded polytope around the origin, and its
 * inner radius ρ (largest centred ball inside) and outer radius R (smallest centred ball around),
 * computed from the exact decision region: the network with a ReLU on its output is enumerated
 * (`enumeratePolytopes`), so the output's zero set is a face of the partition.
 *
 * - Hyperoctahedron (square, octahedron): units relu(xᵢ) and relu(Σxᵢ + K), v = 1 − K − 2Σrelu(xᵢ)
 *   + relu(Σxᵢ + K), K = 2: v = 1 − Σ|xᵢ| where Σxᵢ > −K, and v ≤ 1 − K < 0 elsewhere.
 * - Expanded n-simplex (hexagon, cuboctahedron, eSₙ): units relu(w_k·x) with w₀…wₙ the unit vertices
 *   of a centred regular simplex, v = 1 − Σ relu(w_k·x); the region is {x : (Σ_{k∈S} w_k)·x ≤ 1
 *   for every proper subset S}.
 */
import { InternalError, PolytopeError } from '../errors.js';
import { now } from '../clock.js';
import { gaussianEliminate, solveEliminated } from '../geometry/linalg.js';
import { solveLp } from '../geometry/lp.js';
import { MINIMAL_FOOT_EPS, MINIMAL_WALK_START, RANK_EPS } from '../geometry/predicates.js';
import { buildNetwork } from '../network/network.js';
import type { Network } from '../network/network.js';
import { enumeratePolytopes } from '../polytopes/enumerate.js';
import { polytopeDomain } from '../polytopes/polytope-domain.js';
import { walkRegions } from '../polytopes/walk.js';

/** The two minimal constructions. */
export type MinimalConstruction = 'hyperoctahedron' | 'expanded-simplex';

/** One hidden layer: W (units × n), b, output weights a and bias c. */
export interface MinimalNet {
  readonly n: number;
  readonly construction: MinimalConstruction;
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly a: Float64Array;
  readonly c: number;
  readonly network: Network;
}

/**
 * Unit vertices of a regular simplex centred at 0 in ℝⁿ (Helmert basis of 𝟙^⊥), rows k = 0…n.
 *
 * @example
 * simplexVertices(2); // three unit vectors 120° apart, flat 3 × 2
 */
export function simplexVertices(n: number): Float64Array {
  const out = new Float64Array((n + 1) * n);
  const scale = Math.sqrt((n + 1) / n);
  for (let j = 1; j <= n; j++) {
    const norm = Math.sqrt(j * (j + 1));
    for (let k = 0; k <= n; k++) {
      const h = k < j ? 1 : k === j ? -j : 0;
      out[k * n + (j - 1)] = (scale * h) / norm;
    }
  }
  return out;
}

/**
 * The width-(n + 1) construction as a network (ReLU hidden layer, one output; positive inside).
 *
 * @example
 * const m = minimalNetwork('expanded-simplex', 2); // the regular hexagon, inradius 1
 * m.network.numUnits; // 3
 */
export function minimalNetwork(construction: MinimalConstruction, n: number): MinimalNet {
  if (!Number.isInteger(n) || n < 2 || n > 12)
    throw new PolytopeError('bad-option', `the dimension n must be an integer in 2…12, got ${n}`);
  const units = n + 1;
  let W: Float64Array;
  const b = new Float64Array(units);
  const a = new Float64Array(units);
  let c: number;
  if (construction === 'hyperoctahedron') {
    const K = 2;
    W = new Float64Array(units * n);
    for (let i = 0; i < n; i++) {
      W[i * n + i] = 1;
      a[i] = -2;
      W[n * n + i] = 1;
    }
    b[n] = K;
    a[n] = 1;
    c = 1 - K;
  } else if (construction === 'expanded-simplex') {
    W = simplexVertices(n);
    a.fill(-1);
    c = 1;
  } else throw new PolytopeError('bad-option', `unknown construction '${String(construction)}' (hyperoctahedron | expanded-simplex)`);
  const network = buildNetwork(
    [n],
    [
      { type: 'dense', inputs: [0], inFeatures: n, outFeatures: units, weight: W, bias: b },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: units, outFeatures: 1, weight: a, bias: Float64Array.of(c) },
    ],
  );
  return { n, construction, W, b, a, c, network };
}

/**
 * The seed's closed forms of ρ/R (inner over outer radius): Eq. 4.5 and Eq. 4.11 / Table 4.1.
 *
 * @example
 * minimalRatioFormula('expanded-simplex', 4); // √(5/12) ≈ 0.645
 */
export function minimalRatioFormula(construction: MinimalConstruction, n: number): number {
  if (construction === 'hyperoctahedron') return 1 / Math.sqrt(n);
  return Math.sqrt((2 * (n + 1)) / (n * (n + 2) + 0.5 * (1 - (-1) ** n)));
}

/** Exact radii of a construction's decision region. */
export interface MinimalRadii {
  readonly n: number;
  readonly construction: MinimalConstruction;
  /** Inner radius ρ: distance from 0 to the decision boundary. */
  readonly inner: number;
  /** Outer radius R: largest |x| over the decision region (a vertex). */
  readonly outer: number;
  /** ρ / R from the region. */
  readonly innerOuterRatio: number;
  /** The seed's ρ / R (Eq. 4.5, Eq. 4.11). */
  readonly formula: number;
  /** True when the nearest boundary point is a foot of a perpendicular inside its region (ρ exact). */
  readonly innerExact: boolean;
  /** Regions of the enumeration (hidden units and the output's sign). */
  readonly regions: number;
  /** Regions where the output is positive, and the boundary faces found. */
  readonly positiveRegions: number;
  readonly boundaryFaces: number;
  /** How the regions were found: 'enumerate' or 'walk'. */
  readonly method: 'enumerate' | 'walk';
  readonly seconds: number;
}

/** The network with a ReLU on its output (so enumeration cuts regions at v = 0) and an identity read-out. */
function withOutputUnit(m: MinimalNet): Network {
  const units = m.n + 1;
  return buildNetwork(
    [m.n],
    [
      { type: 'dense', inputs: [0], inFeatures: m.n, outFeatures: units, weight: m.W, bias: m.b },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: units, outFeatures: 1, weight: m.a, bias: Float64Array.of(m.c) },
      { type: 'relu', inputs: [3] },
      { type: 'dense', inputs: [4], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(1), bias: Float64Array.of(0) },
    ],
  );
}

/** Affine output v = g·x + h on a region with the hidden code. */
function outputMap(m: MinimalNet, code: Uint8Array): { g: Float64Array; h: number } {
  const { n } = m;
  const g = new Float64Array(n);
  let h = m.c;
  for (let k = 0; k <= n; k++) {
    if (!code[k]) continue;
    for (let i = 0; i < n; i++) g[i] = g[i]! + m.a[k]! * m.W[k * n + i]!;
    h += m.a[k]! * m.b[k]!;
  }
  return { g, h };
}

/** Whether x satisfies the hidden code's sign conditions (with slack tol). */
function inRegion(m: MinimalNet, code: Uint8Array, x: Float64Array, tol: number): boolean {
  const { n } = m;
  for (let k = 0; k <= n; k++) {
    let z = m.b[k]!;
    for (let i = 0; i < n; i++) z += m.W[k * n + i]! * x[i]!;
    if (code[k] ? z < -tol : z > tol) return false;
  }
  return true;
}

/** One positive region of the decision set: its code, vertices, and the vertices on the output's zero set. */
interface PositiveRegion {
  readonly code: Uint8Array;
  readonly norms: number[];
  readonly faceNorms: number[];
}

/** ρ (exact when a perpendicular foot lies in its region, else a bracket's upper end) and R from the positive regions. */
function radiiOf(m: MinimalNet, regions: readonly PositiveRegion[], inDomain: (x: Float64Array, tol: number) => boolean, tol: number) {
  let outer = 0;
  let lower = Infinity;
  let upper = Infinity;
  let faces = 0;
  for (const r of regions) {
    outer = Math.max(outer, ...r.norms);
    if (r.faceNorms.length === 0) continue;
    faces++;
    const { g, h } = outputMap(m, r.code);
    const gg = g.reduce((acc, v) => acc + v * v, 0);
    const dist = Math.abs(h) / Math.sqrt(gg);
    const foot = Float64Array.from(g, (v) => (-h * v) / gg);
    lower = Math.min(lower, dist);
    upper = Math.min(upper, inRegion(m, r.code, foot, tol) && inDomain(foot, tol) ? dist : Math.min(...r.faceNorms));
  }
  if (!(outer > 0) || !Number.isFinite(lower))
    throw new InternalError(`no bounded decision region found for the ${m.construction} (n = ${m.n})`);
  return { inner: upper, outer, innerExact: upper - lower <= tol, faces };
}

/** Options of `minimalRadii`. */
export interface MinimalRadiiOptions {
  /**
   * 'enumerate' (n ≤ 8): `enumeratePolytopes` in a simplex domain; 'walk' (any n): `walkRegions`
   * from next to the centre, each positive region's vertices from its facet rows (bounded checked
   * by an LP on its recession cone); 'auto' (default): enumerate up to n = 8, walk above.
   */
  readonly method?: 'auto' | 'enumerate' | 'walk';
}

/**
 * ρ, R and ρ/R of a construction from the exact decision region (positive set of the network).
 *
 * @example
 * const r = await minimalRadii('hyperoctahedron', 2);
 * r.innerOuterRatio; // 0.7071… = 1/√2 (the square, Eq. 4.1)
 */
export async function minimalRadii(construction: MinimalConstruction, n: number, options: MinimalRadiiOptions = {}): Promise<MinimalRadii> {
  const t0 = now();
  const m = minimalNetwork(construction, n);
  const method = options.method === undefined || options.method === 'auto' ? (n <= 8 ? 'enumerate' : 'walk') : options.method;
  const res = method === 'enumerate' ? await enumeratedRegions(m) : await walkedRegions(m);
  return {
    n,
    construction,
    inner: res.inner,
    outer: res.outer,
    innerOuterRatio: res.inner / res.outer,
    formula: minimalRatioFormula(construction, n),
    innerExact: res.innerExact,
    regions: res.regions,
    positiveRegions: res.positive,
    boundaryFaces: res.faces,
    method,
    seconds: (now() - t0) / 1000,
  };
}

interface RadiiRun {
  inner: number;
  outer: number;
  innerExact: boolean;
  faces: number;
  regions: number;
  positive: number;
}

/** Enumeration in the simplex domain {s_k·x ≤ 3√n} (inradius 3√n). */
async function enumeratedRegions(m: MinimalNet): Promise<RadiiRun> {
  const { n } = m;
  const S = simplexVertices(n);
  const A = Array.from({ length: n + 1 }, (_, k) => Array.from(S.subarray(k * n, (k + 1) * n)));
  const bound = 3 * Math.sqrt(n);
  const domain = await polytopeDomain(A, new Array<number>(n + 1).fill(bound), n);
  const res = enumeratePolytopes(withOutputUnit(m), { domain, geometry: false });
  const outUnit = n + 1;
  const outBit = BigInt(res.numDomainConstraints + outUnit);
  const domainBits = (1n << BigInt(res.numDomainConstraints)) - 1n;
  const positive: PositiveRegion[] = [];
  for (const r of res.regions) {
    if (!r.code[outUnit]) continue;
    const norms: number[] = [];
    const faceNorms: number[] = [];
    for (let v = 0; v < r.numVertices; v++) {
      const inc = r.incidence[v]!;
      if ((inc & domainBits) !== 0n) throw new InternalError(`the ${m.construction} region reaches the domain boundary (n = ${n})`);
      const norm = Math.hypot(...r.vertices.subarray(v * n, (v + 1) * n));
      norms.push(norm);
      if ((inc >> outBit) & 1n) faceNorms.push(norm);
    }
    positive.push({ code: r.code, norms, faceNorms });
  }
  const inDomain = (x: Float64Array, tol: number): boolean =>
    A.every((row) => row.reduce((acc, v, i) => acc + v * x[i]!, 0) <= bound + tol);
  const rad = radiiOf(m, positive, inDomain, MINIMAL_FOOT_EPS * bound);
  return { ...rad, regions: res.regions.length, positive: positive.length };
}

/** Walk from next to the centre; each positive region's vertices from n-subsets of its facet rows. */
async function walkedRegions(m: MinimalNet): Promise<RadiiRun> {
  const { n } = m;
  const box = 3 * Math.sqrt(n);
  const start = Array.from({ length: n }, (_, i) => MINIMAL_WALK_START * Math.sin(i + 1)); // off every hyperplane through 0
  const walk = await walkRegions(withOutputUnit(m), start, { maxRegions: 1_000_000, domain: [-box, box] });
  const tol = MINIMAL_FOOT_EPS * box;
  const positive: PositiveRegion[] = [];
  for (const r of walk.regions) {
    if (!r.code[n + 1]) continue;
    const rows = Array.from(r.facetUnits, (u) => regionRow(m, r.code, u));
    if (!(await isBounded(rows, n, tol))) throw new InternalError(`a positive ${m.construction} region is unbounded (n = ${n})`);
    const verts = subsetVertices(rows, n, tol);
    const outRow = rows[Array.from(r.facetUnits).indexOf(n + 1)];
    positive.push({
      code: r.code,
      norms: verts.map((x) => Math.hypot(...x)),
      faceNorms: outRow ? verts.filter((x) => Math.abs(rowValue(outRow, x)) <= tol).map((x) => Math.hypot(...x)) : [],
    });
  }
  const inBox = (x: Float64Array, t: number): boolean => x.every((v) => Math.abs(v) <= box + t);
  const rad = radiiOf(m, positive, inBox, tol);
  return { ...rad, regions: walk.regions.length, positive: positive.length };
}

/** A region row a·x ≤ c (flat [a…, c]) of hidden unit u (u = n: the output) under `code`. */
function regionRow(m: MinimalNet, code: Uint8Array, u: number): Float64Array {
  const { n } = m;
  const row = new Float64Array(n + 1);
  if (u === n + 1) {
    const { g, h } = outputMap(m, code); // g·x + h ≥ 0
    for (let i = 0; i < n; i++) row[i] = -g[i]!;
    row[n] = h;
    return row;
  }
  const s = code[u] ? -1 : 1; // on: W x + b ≥ 0
  for (let i = 0; i < n; i++) row[i] = s * m.W[u * n + i]!;
  row[n] = -s * m.b[u]!;
  return row;
}

const rowValue = (row: Float64Array, x: ArrayLike<number>): number => {
  let v = -row[row.length - 1]!;
  for (let i = 0; i < row.length - 1; i++) v += row[i]! * x[i]!;
  return v;
};

/** Vertices: every n-subset of rows with a unique solution that satisfies all rows. */
function subsetVertices(rows: readonly Float64Array[], n: number, tol: number): Float64Array[] {
  const out: Float64Array[] = [];
  const pick: number[] = [];
  const M = new Float64Array(n * (n + 1));
  const piv = new Int32Array(2 * n);
  const rec = (from: number): void => {
    if (pick.length === n) {
      pick.forEach((r, i) => M.set(rows[r]!, i * (n + 1)));
      const rank = gaussianEliminate(M, n, n, n + 1, piv, { threshold: () => RANK_EPS });
      if (rank < n) return;
      const x = solveEliminated(M, n, n, n + 1, rank, piv);
      if (rows.every((row) => rowValue(row, x) <= tol)) out.push(x);
      return;
    }
    for (let r = from; r <= rows.length - (n - pick.length); r++) {
      pick.push(r);
      rec(r + 1);
      pick.pop();
    }
  };
  rec(0);
  return out;
}

/** Bounded iff the recession cone {d : a·d ≤ 0 for every row} is {0}: max Σ −a·d over it and [−1, 1]ⁿ is 0. */
async function isBounded(rows: readonly Float64Array[], n: number, tol: number): Promise<boolean> {
  const cost = new Float64Array(n);
  const A = new Float64Array(rows.length * n);
  rows.forEach((row, j) => {
    for (let i = 0; i < n; i++) {
      A[j * n + i] = row[i]!;
      cost[i] = cost[i]! - row[i]!;
    }
  });
  const sol = await solveLp({
    numCols: n,
    cost,
    maximize: true,
    colLower: new Float64Array(n).fill(-1),
    colUpper: new Float64Array(n).fill(1),
    rows: A,
    numRows: rows.length,
    rowLower: new Float64Array(rows.length).fill(-Infinity),
    rowUpper: new Float64Array(rows.length),
  });
  return sol.status === 'optimal' && sol.objective <= tol;
}

/**
 * Fig. 4.7: mean and maximum |cos| between n random unit vectors in ℝⁿ (Gaussian directions),
 * averaged over `trials` draws.
 *
 * @example
 * randomDotProducts(3, 100, Math.random); // { mean: ≈0.5, max: ≈0.8 }
 */
export function randomDotProducts(n: number, trials: number, normal: () => number): { mean: number; max: number } {
  let meanSum = 0;
  let maxSum = 0;
  for (let t = 0; t < trials; t++) {
    const v = Array.from({ length: n }, () => {
      const x = Array.from({ length: n }, normal);
      const r = Math.hypot(...x);
      return x.map((e) => e / r);
    });
    let s = 0;
    let mx = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const d = Math.abs(v[i]!.reduce((acc, e, k) => acc + e * v[j]![k]!, 0));
        s += d;
        mx = Math.max(mx, d);
        pairs++;
      }
    meanSum += s / pairs;
    maxSum += mx;
  }
  return { mean: meanSum / trials, max: maxSum / trials };
}
