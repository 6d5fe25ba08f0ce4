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
import { MINIMAL_FOOT_EPS } from '../geometry/predicates.js';
import { buildNetwork } from '../network/network.js';
import type { Network } from '../network/network.js';
import { enumeratePolytopes } from '../polytopes/enumerate.js';
import { polytopeDomain } from '../polytopes/polytope-domain.js';

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

/** Whether x satisfies the hidden code's sign conditions and the domain rows (with slack tol). */
function inRegion(m: MinimalNet, code: Uint8Array, x: Float64Array, A: number[][], bb: number[], tol: number): boolean {
  const { n } = m;
  for (let k = 0; k <= n; k++) {
    let z = m.b[k]!;
    for (let i = 0; i < n; i++) z += m.W[k * n + i]! * x[i]!;
    if (code[k] ? z < -tol : z > tol) return false;
  }
  return A.every((row, r) => row.reduce((s, v, i) => s + v * x[i]!, 0) <= bb[r]! + tol);
}

/**
 * ρ, R and ρ/R of a construction from the exact decision region, in a simplex domain
 * {s_k·x ≤ 3√n} (inradius 3√n) around it.
 *
 * @example
 * const r = await minimalRadii('hyperoctahedron', 2);
 * r.innerOuterRatio; // 0.7071… = 1/√2 (the square, Eq. 4.1)
 */
export async function minimalRadii(construction: MinimalConstruction, n: number): Promise<MinimalRadii> {
  const t0 = now();
  const m = minimalNetwork(construction, n);
  const S = simplexVertices(n);
  const A = Array.from({ length: n + 1 }, (_, k) => Array.from(S.subarray(k * n, (k + 1) * n)));
  const bound = 3 * Math.sqrt(n);
  const bb = new Array<number>(n + 1).fill(bound);
  const domain = await polytopeDomain(A, bb, n);
  const res = enumeratePolytopes(withOutputUnit(m), { domain, geometry: false });
  const outUnit = n + 1;
  const outId = res.numDomainConstraints + outUnit;
  const tol = MINIMAL_FOOT_EPS * bound;
  let outer = 0;
  let lower = Infinity;
  let upper = Infinity;
  let positive = 0;
  let faces = 0;
  for (const r of res.regions) {
    if (!r.code[outUnit]) continue;
    positive++;
    const face: number[] = [];
    for (let v = 0; v < r.numVertices; v++) {
      const inc = r.incidence[v]!;
      if ((inc & ((1n << BigInt(res.numDomainConstraints)) - 1n)) !== 0n)
        throw new InternalError(`the ${construction} region reaches the domain boundary (n = ${n})`);
      let norm2 = 0;
      for (let i = 0; i < n; i++) norm2 += r.vertices[v * n + i]! ** 2;
      outer = Math.max(outer, Math.sqrt(norm2));
      if ((inc >> BigInt(outId)) & 1n) face.push(Math.sqrt(norm2));
    }
    if (face.length === 0) continue;
    faces++;
    const { g, h } = outputMap(m, r.code);
    const gg = g.reduce((s, v) => s + v * v, 0);
    const dist = Math.abs(h) / Math.sqrt(gg);
    const foot = Float64Array.from(g, (v) => (-h * v) / gg);
    lower = Math.min(lower, dist);
    upper = Math.min(upper, inRegion(m, r.code, foot, A, bb, tol) ? dist : Math.min(...face));
  }
  if (!(outer > 0) || !Number.isFinite(lower))
    throw new InternalError(`no bounded decision region found for the ${construction} (n = ${n})`);
  const innerExact = upper - lower <= tol;
  return {
    n,
    construction,
    inner: upper,
    outer,
    innerOuterRatio: upper / outer,
    formula: minimalRatioFormula(construction, n),
    innerExact,
    regions: res.regions.length,
    positiveRegions: positive,
    boundaryFaces: faces,
    seconds: (now() - t0) / 1000,
  };
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
