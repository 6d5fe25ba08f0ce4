/**
 * Exact enumeration of every activation region of a ReLU / leaky-ReLU MLP inside an axis box or a
 * bounded convex polytope {x : A x ≤ b}, for small input dimension d (2…6), with full polytope
 * geometry: vertices, non-redundant facets, the f-vector, the volume and a deterministic
 * triangulation without new vertices.
 *
 * Method (LP-free). Regions are kept as convex polytopes in V- and H-form at once: the vertex
 * list plus, per vertex, the set of constraints tight at it (an incidence bitmask over global
 * constraint ids: the m domain rows — 2d box faces for a box — then one id per hidden unit).
 * A polytope domain is built by cutting a box that contains it with its rows, with the same
 * splitting as the units (LPs only check it first, in `polytopeDomain`). Layer by layer, each
 * polytope's pre-activations are affine in x (the code of earlier layers is fixed inside it);
 * each unit's hyperplane splits the polytope exactly: vertices are classified by sign, and the
 * new vertices are the crossings of the edges whose endpoints lie strictly on opposite sides.
 * Two vertices span an edge iff they share at least d − 1 tight constraints and no third vertex
 * is tight on all of their common constraints (the combinatorial adjacency test; Fukuda,
 * "Frequently asked questions in polyhedral computation", §2.16). No LP is solved.
 *
 * Faces: the facets are the maximal vertex sets among the constraints' vertex sets; the
 * (k−1)-faces of a k-face G are the maximal proper nonempty sets G ∩ F over the facets F.
 * Triangulation: the pulling triangulation for the lexicographic vertex order (De Loera, Rambau,
 * Santos, "Triangulations", Springer 2010, §4.3.2): T(G) = {v ∪ σ : σ ∈ T(H), H facet of G with
 * v ∉ H}, v the lexicographically smallest vertex of G; a simplex is its own triangulation.
 */
import { PolytopeError, throwIfAborted } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { now } from '../clock.js';
import { chebyshevCenter, createLp } from '../geometry/lp.js';
import { DOMAIN_RADIUS_EPS, DOMAIN_VOLUME_EPS, VERTEX_EPS } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import { regionInBox } from './sample.js';
import type { HPolytope } from './sample.js';

/** One affine layer of an MLP followed by an optional ReLU-like activation. */
export interface MlpLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Row-major out×in. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  /** Negative slope of the activation after this layer: 0 for ReLU, α for leaky ReLU, null for none. */
  readonly alpha: number | null;
}

/**
 * The affine layers of a plain MLP: consecutive affine nodes (dense; channel_affine on a vector,
 * e.g. folded input normalization; reshape) are composed into one, each closed by relu or
 * leaky_relu; the last one (no activation) is the output layer. Throws a `PolytopeError` naming
 * the node for anything else.
 */
export function mlpLayers(net: Network): MlpLayer[] {
  const layers: MlpLayer[] = [];
  let pending: { inFeatures: number; outFeatures: number; weight: Float64Array; bias: Float64Array } | null = null;
  const compose = (W: Float64Array, b: Float64Array, nout: number, nin: number) => {
    if (!pending) {
      pending = { inFeatures: nin, outFeatures: nout, weight: W, bias: b };
      return;
    }
    const p = pending;
    const weight = new Float64Array(nout * p.inFeatures);
    const bias = Float64Array.from(b);
    for (let o = 0; o < nout; o++) {
      for (let k = 0; k < nin; k++) {
        const w = W[o * nin + k]!;
        if (w === 0) continue;
        bias[o] = bias[o]! + w * p.bias[k]!;
        for (let j = 0; j < p.inFeatures; j++) weight[o * p.inFeatures + j] = weight[o * p.inFeatures + j]! + w * p.weight[k * p.inFeatures + j]!;
      }
    }
    pending = { inFeatures: p.inFeatures, outFeatures: nout, weight, bias };
  };
  net.nodes.forEach((node, i) => {
    if (i === 0 || node.type === 'reshape') return;
    if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) {
      throw new PolytopeError('unsupported-network', `node ${i} (${node.type}) does not read the node before it; polytope enumeration needs a plain MLP`);
    }
    if (node.type === 'dense') compose(node.weight, node.bias, node.outFeatures, node.inFeatures);
    else if (node.type === 'channel_affine' && net.nodes[i - 1]!.shape.length === 1) {
      const n = node.scale.length;
      const W = new Float64Array(n * n);
      for (let k = 0; k < n; k++) W[k * n + k] = node.scale[k]!;
      compose(W, node.shift, n, n);
    } else if (node.type === 'relu' || node.type === 'leaky_relu') {
      if (!pending) throw new PolytopeError('unsupported-network', `node ${i} (${node.type}) does not follow an affine layer; polytope enumeration needs dense → activation pairs`);
      layers.push({ ...(pending as MlpLayer), alpha: node.type === 'relu' ? 0 : node.alpha });
      pending = null;
    } else {
      throw new PolytopeError('unsupported-network', `node ${i} is ${node.type}; polytope enumeration supports dense, channel_affine (vectors), relu, leaky_relu and reshape only`);
    }
  });
  if (pending) layers.push({ ...(pending as MlpLayer), alpha: null });
  return layers;
}

/** Progress of `enumeratePolytopes`: after each hidden unit. */
export interface PolytopeProgress {
  readonly unitsDone: number;
  readonly units: number;
  readonly polytopes: number;
}

/**
 * A bounded, full-dimensional convex polytope {x : A x ≤ b} as the enumeration domain, with a box
 * that contains it. `polytopeDomain` checks A, b with LPs and fills in `bounds`; any box that
 * contains the domain will do (it is only cut down to the domain, never part of the result).
 */
export interface PolytopeDomain {
  /** m rows of d coefficients each. Row r gets constraint id r. */
  readonly A: ArrayLike<ArrayLike<number>>;
  /** m right-hand sides. */
  readonly b: ArrayLike<number>;
  /** A box containing the domain, as lo,hi pairs (one per input dimension). */
  readonly bounds: readonly number[];
  /** Seconds spent in the LPs that prepared the domain (added to `lpSeconds`). */
  readonly lpSeconds?: number;
}

/** Options for `enumeratePolytopes`: the domain (a box or a polytope) and what to compute per region. */
export interface EnumerateOptions {
  /** Box as lo,hi pairs: [x0, x1, y0, y1, …], one pair per input dimension. Give this or `domain`. */
  readonly box?: readonly number[];
  /** A bounded convex polytope A x ≤ b (from `polytopeDomain`). Give this or `box`. */
  readonly domain?: PolytopeDomain;
  /** Compute faces, triangulations and volumes (default true). False: vertices and codes only. */
  readonly geometry?: boolean;
  readonly onProgress?: (p: PolytopeProgress) => void;
  readonly signal?: AbortSignalLike;
}

/** One activation region with its polytope geometry. */
export interface PolytopeRegion {
  /** Activation code, one state (0 off, 1 on) per hidden unit in network order. */
  readonly code: Uint8Array;
  /** Vertices, row-major numVertices × d, sorted lexicographically. */
  readonly vertices: Float64Array;
  readonly numVertices: number;
  /** Tight constraints per vertex (bit k: constraint k; see `constraintName`). */
  readonly incidence: readonly bigint[];
  /** Constraint ids of the facets (non-redundant constraints), ascending. */
  readonly facets: Int32Array;
  /** f-vector [f_0 … f_{d−1}] (vertices, edges, …, facets); empty without geometry. */
  readonly fVector: readonly number[];
  /** Simplices of the pulling triangulation (lexicographic order); 0 without geometry. */
  readonly simplices: number;
  /** Bounds that hold for every triangulation without new vertices of this polytope. */
  readonly simplexBounds: { readonly lower: number; readonly upper: number };
  readonly volume: number;
  /** Vertex centroid (strictly interior). */
  readonly interior: Float64Array;
}

/** The rows of an H-polytope domain, as plain arrays (JSON-ready). */
export interface DomainRows {
  readonly A: number[][];
  readonly b: number[];
}

/** Result of `enumeratePolytopes`: every full-dimensional region of the domain with its faces and volume. */
export interface PolytopeEnumeration {
  readonly dim: number;
  /** The box, or for a polytope domain its exact bounding box (from its vertices). */
  readonly box: readonly number[];
  /** The polytope domain A x ≤ b, or null when enumerating in a box. */
  readonly domain: DomainRows | null;
  readonly regions: PolytopeRegion[];
  /** Compensated sum of region volumes. */
  readonly totalVolume: number;
  /** Volume of `box` (for a polytope domain: of its bounding box). */
  readonly boxVolume: number;
  /** Volume of the domain: the box volume, or the pulling-triangulation volume of the polytope domain. */
  readonly domainVolume: number;
  /** Number of domain constraint ids: 2d box faces, or the m rows of A. Hidden unit u has id numDomainConstraints + u. */
  readonly numDomainConstraints: number;
  /** Number of constraint ids (domain constraints + hidden units). */
  readonly numConstraints: number;
  readonly numUnits: number;
  readonly seconds: number;
  /** Seconds spent in LPs: 0 for a box (the enumeration is LP-free); a domain's `lpSeconds` otherwise. */
  readonly lpSeconds: number;
}

/**
 * Human name of constraint id k: box faces `box:x0<=hi`, … (or `domain[r]` for row r of a polytope
 * domain with `domainRows` = m rows) then `L1.u3` (layer 1-based, unit 0-based).
 */
export function constraintName(k: number, d: number, layerWidths: readonly number[], domainRows?: number): string {
  if (domainRows !== undefined && k < domainRows) return `domain[${k}]`;
  if (domainRows === undefined && k < 2 * d) return `box:x${k >> 1}${k & 1 ? '>=lo' : '<=hi'}`;
  let u = k - (domainRows ?? 2 * d);
  for (let l = 0; l < layerWidths.length; l++) {
    if (u < layerWidths[l]!) return `L${l + 1}.u${u}`;
    u -= layerWidths[l]!;
  }
  return `?${k}`;
}

interface Poly {
  verts: Float64Array;
  nv: number;
  /** Incidence bitmasks, W 32-bit words per vertex (bit k of the row: constraint k). */
  inc: Uint32Array;
  code: Uint8Array;
  /** Current layer input as an affine map of x: rows of (d+1) = [const, grad]. */
  map: Float64Array;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function popcountAtLeast(x: bigint, k: number): boolean {
  let c = 0;
  while (x) {
    x &= x - 1n;
    if (++c >= k) return true;
  }
  return c >= k;
}

/** Exact binomial coefficient (as a double). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/**
 * Bounds on the number of d-simplices in any triangulation (without new vertices) of a
 * d-polytope with V vertices. Lower: V − d (every triangulation's dual graph is connected, so its
 * simplices can be ordered each sharing a facet with an earlier one, each adding ≤ 1 vertex).
 * Upper: d = 2: V − 2 (exact); d = 3: (V−2)(V−3)/2, from t = e_int + V − 3 for a triangulated
 * 3-ball with all vertices on the boundary and e_int ≤ C(V,2) − (3V − 6) (Edelsbrunner, Preparata,
 * West 1990); d ≥ 4: the trivial C(V, d+1).
 */
export function simplexBounds(V: number, d: number, facetVertices?: ArrayLike<number>): { lower: number; upper: number } {
  const lower = Math.max(1, V - d);
  if (V <= d + 1) return { lower: 1, upper: 1 };
  if (d === 2) return { lower, upper: V - 2 };
  // Cone a triangulation T (all V vertices on the boundary) from a new apex over its boundary ∂T:
  // a triangulated d-sphere with V + 1 vertices and |T| + |∂T| facets. Stanley's upper bound theorem
  // for simplicial spheres bounds that by the facets of the cyclic (d+1)-polytope on V + 1 vertices;
  // |∂T| is at least Barnette's lower bound for triangulated (d−1)-spheres, (d−1)V − (d+1)(d−2),
  // and at least Σ over the facets of P of (v_F − d + 1) (each facet needs that many simplices).
  let boundary = (d - 1) * V - (d + 1) * (d - 2);
  if (facetVertices) {
    let sum = 0;
    for (let i = 0; i < facetVertices.length; i++) sum += Math.max(1, facetVertices[i]! - d + 1);
    boundary = Math.max(boundary, sum);
  }
  return { lower, upper: cyclicFacets(V + 1, d + 1) - boundary };
}

/**
 * Facets of the cyclic polytope C(N, D), N > D (Gale's evenness condition; G. M. Ziegler,
 * *Lectures on Polytopes*, Springer 1995, Thm. 0.7 and Ex. 0.8): D = 2m: N/(N−m)·C(N−m, m);
 * D = 2m+1: 2·C(N−m−1, m). By the upper bound theorem (McMullen 1970; Stanley 1975 for simplicial
 * spheres) no simplicial D-polytope or (D−1)-sphere with N vertices has more facets.
 */
export function cyclicFacets(N: number, D: number): number {
  const m = Math.floor(D / 2);
  if (D % 2 === 0) return Math.round((N * binomial(N - m, m)) / (N - m));
  return 2 * binomial(N - m - 1, m);
}

/** Neumaier-compensated sum. */
export function compensatedSum(xs: Iterable<number>): number {
  let s = 0;
  let c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

/** Reused per-vertex buffers of `splitPoly` (grown on demand; single-threaded use). */
const scratch = { s: new Float64Array(256), side: new Int8Array(256) };

/** Splits `P` by `a·x + c` (row `pre[off..off+d]`); returns [side ≤ 0, side ≥ 0] (either may be null). */
function splitPoly(P: Poly, pre: Float64Array, off: number, d: number, word: number, mask: number, extent: Float64Array, W: number, F: Uint32Array): [Poly | null, Poly | null] {
  const { verts, nv, inc } = P;
  if (scratch.s.length < nv) {
    scratch.s = new Float64Array(2 * nv);
    scratch.side = new Int8Array(2 * nv);
  }
  const s = scratch.s;
  const side = scratch.side;
  let nNeg = 0;
  let nPos = 0;
  const c0 = pre[off]!;
  // Scale of the affine function on the box (not at the vertex: vertices near 0 must not shrink it).
  let sc = Math.abs(c0);
  for (let j = 0; j < d; j++) sc += Math.abs(pre[off + 1 + j]!) * extent[j]!;
  const tol = VERTEX_EPS * sc;
  for (let i = 0; i < nv; i++) {
    let v = c0;
    for (let j = 0; j < d; j++) v += pre[off + 1 + j]! * verts[i * d + j]!;
    s[i] = v;
    if (v > tol) {
      side[i] = 1;
      nPos++;
    } else if (v < -tol) {
      side[i] = -1;
      nNeg++;
    } else side[i] = 0;
  }
  if (nNeg === 0 || nPos === 0) {
    // Not cut: the hyperplane at most touches the polytope. Tag touching vertices.
    // All vertices on it: the function vanishes on the polytope (dead inputs); it is no constraint.
    let newInc = inc;
    if (nNeg + nPos < nv && nNeg + nPos > 0) {
      newInc = inc.slice();
      for (let i = 0; i < nv; i++) if (side[i] === 0) newInc[i * W + word] = (newInc[i * W + word]! | mask) >>> 0;
    }
    const Q: Poly = { verts, nv, inc: newInc, code: P.code, map: P.map };
    return nPos > 0 ? [null, Q] : [Q, null];
  }
  // New vertices on edges (i neg, j pos).
  const newV: number[] = [];
  const newInc: number[] = [];
  const need = d - 1;
  for (let i = 0; i < nv; i++) {
    if (side[i] !== -1) continue;
    for (let j = 0; j < nv; j++) {
      if (side[j] !== 1) continue;
      let cnt = 0;
      for (let w = 0; w < W; w++) {
        const f = inc[i * W + w]! & inc[j * W + w]!;
        F[w] = f;
        if (f) cnt += popcount32(f);
      }
      if (cnt < need) continue;
      let edge = true;
      for (let k = 0; k < nv && edge; k++) {
        if (k === i || k === j) continue;
        let sub = true;
        for (let w = 0; w < W; w++) {
          const f = F[w]!;
          // `&` yields a signed int: compare unsigned, or a set bit 31 (ids 31, 63, …) never matches.
          if (((inc[k * W + w]! & f) >>> 0) !== f) {
            sub = false;
            break;
          }
        }
        if (sub) edge = false;
      }
      if (!edge) continue;
      const t = s[i]! / (s[i]! - s[j]!);
      for (let q = 0; q < d; q++) {
        const a = verts[i * d + q]!;
        newV.push(a + t * (verts[j * d + q]! - a));
      }
      for (let w = 0; w < W; w++) newInc.push(w === word ? (F[w]! | mask) >>> 0 : F[w]!);
    }
  }
  const nNew = newV.length / d;
  const make = (sgn: number): Poly => {
    const cnt = (sgn < 0 ? nNeg : nPos) + (nv - nNeg - nPos) + nNew;
    const V = new Float64Array(cnt * d);
    const I = new Uint32Array(cnt * W);
    let w = 0;
    for (let i = 0; i < nv; i++) {
      if (side[i] === -sgn) continue;
      for (let q = 0; q < d; q++) V[w * d + q] = verts[i * d + q]!;
      for (let k = 0; k < W; k++) I[w * W + k] = inc[i * W + k]!;
      if (side[i] === 0) I[w * W + word] = (I[w * W + word]! | mask) >>> 0;
      w++;
    }
    for (let n = 0; n < nNew; n++) {
      for (let q = 0; q < d; q++) V[w * d + q] = newV[n * d + q]!;
      for (let k = 0; k < W; k++) I[w * W + k] = newInc[n * W + k]!;
      w++;
    }
    return { verts: V, nv: cnt, inc: I, code: P.code.slice(), map: P.map };
  };
  return [make(-1), make(1)];
}

function checkBoxArg(box: readonly number[], d: number, what = 'box'): void {
  if (box.length !== 2 * d) throw new PolytopeError('bad-box', `the ${what} needs a lo,hi pair per input dimension (${2 * d} numbers for d = ${d}), got ${box.length}`);
  for (let i = 0; i < d; i++) {
    const lo = box[2 * i]!;
    const hi = box[2 * i + 1]!;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new PolytopeError('bad-box', `${what} dimension ${i}: need finite lo < hi, got [${lo}, ${hi}]`);
  }
}

/** The box as a polytope: W incidence words per vertex, bit 2i for x_i = hi_i, 2i+1 for x_i = lo_i. */
function boxPoly(box: readonly number[], d: number, W: number): Poly {
  const nv = 1 << d;
  const verts = new Float64Array(nv * d);
  const inc = new Uint32Array(nv * W);
  for (let m = 0; m < nv; m++) {
    for (let i = 0; i < d; i++) {
      const hi = (m >> i) & 1;
      verts[m * d + i] = hi ? box[2 * i + 1]! : box[2 * i]!;
      const k = 2 * i + (hi ? 0 : 1);
      inc[m * W + (k >> 5)] = (inc[m * W + (k >> 5)]! | (1 << (k & 31))) >>> 0;
    }
  }
  return { verts, nv, inc, code: new Uint8Array(0), map: new Float64Array(0) };
}

/** max(|lo_j|, |hi_j|) per dimension: the coordinate scale the sign tolerances are relative to. */
function boxExtent(box: readonly number[], d: number): Float64Array {
  const extent = new Float64Array(d);
  for (let i = 0; i < d; i++) extent[i] = Math.max(Math.abs(box[2 * i]!), Math.abs(box[2 * i + 1]!));
  return extent;
}

function boxVolumeOf(box: readonly number[], d: number): number {
  let v = 1;
  for (let i = 0; i < d; i++) v *= box[2 * i + 1]! - box[2 * i]!;
  return v;
}

/** The polytope the enumeration starts from; its vertices' incidences use the domain ids 0…m−1. */
interface Root {
  readonly verts: Float64Array;
  readonly nv: number;
  /** Tight domain constraints per vertex (bit r: domain constraint r). */
  readonly inc: bigint[];
  /** Number of domain constraint ids. */
  readonly m: number;
  /** The box, or the exact bounding box of the polytope domain. */
  readonly box: number[];
  readonly domain: DomainRows | null;
  readonly volume: number;
}

function boxRoot(box: readonly number[], d: number): Root {
  checkBoxArg(box, d);
  const P = boxPoly(box, d, 1);
  return { verts: P.verts, nv: P.nv, inc: Array.from(P.inc, (w) => BigInt(w)), m: 2 * d, box: [...box], domain: null, volume: boxVolumeOf(box, d) };
}

/** Domain rows A x ≤ b, checked and flattened: A row-major m×d. */
interface FlatRows {
  readonly A: Float64Array;
  readonly b: Float64Array;
  readonly m: number;
  readonly d: number;
}

/** Checks shapes (rows of `d` coefficients when given, else all as wide as row 0) and finiteness. */
function checkDomainRows(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>, d?: number): FlatRows {
  const m = A?.length ?? 0;
  if (!(m >= 1)) throw new PolytopeError('bad-domain', 'the domain A x ≤ b needs at least one row');
  if (b?.length !== m) throw new PolytopeError('shape-mismatch', `the domain has ${m} rows in A but ${b?.length ?? 0} values in b`);
  const row0 = A[0];
  const dim = d ?? (row0 && typeof row0.length === 'number' ? row0.length : 0);
  if (!(dim >= 1)) throw new PolytopeError('bad-domain', 'the domain rows need at least one coefficient');
  const flat = new Float64Array(m * dim);
  const rhs = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const row = A[r];
    const len = row && typeof row.length === 'number' ? row.length : 0;
    if (len !== dim) {
      throw new PolytopeError('shape-mismatch', d !== undefined ? `domain row ${r} has ${len} coefficients, but the network has ${d} inputs` : `domain row ${r} has ${len} coefficients, row 0 has ${dim}`);
    }
    for (let j = 0; j < dim; j++) {
      const v = row![j]!;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new PolytopeError('non-finite', `domain A[${r}][${j}] is ${String(v)}; only finite numbers are allowed`);
      flat[r * dim + j] = v;
    }
    const c = b[r]!;
    if (typeof c !== 'number' || !Number.isFinite(c)) throw new PolytopeError('non-finite', `domain b[${r}] is ${String(c)}; only finite numbers are allowed`);
    rhs[r] = c;
  }
  return { A: flat, b: rhs, m, d: dim };
}

/** The box rows x_i ≤ hi_i (row 2i), −x_i ≤ −lo_i (row 2i+1), as domain rows. */
function boxRows(box: readonly number[], d: number): FlatRows {
  const A = new Float64Array(2 * d * d);
  const b = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    A[2 * i * d + i] = 1;
    b[2 * i] = box[2 * i + 1]!;
    A[(2 * i + 1) * d + i] = -1;
    b[2 * i + 1] = -box[2 * i]!;
  }
  return { A, b, m: 2 * d, d };
}

/** a_r·x − b_r for the vertex at `verts[off…]`. */
function rowResidual(R: FlatRows, r: number, verts: ArrayLike<number>, off: number): number {
  let v = -R.b[r]!;
  for (let j = 0; j < R.d; j++) v += R.A[r * R.d + j]! * verts[off + j]!;
  return v;
}

/** VERTEX_EPS tolerance of row r on coordinates bounded by `extent` (as for the unit splits). */
function rowTolerance(R: FlatRows, r: number, extent: Float64Array): number {
  let s = Math.abs(R.b[r]!);
  for (let j = 0; j < R.d; j++) s += Math.abs(R.A[r * R.d + j]!) * extent[j]!;
  return VERTEX_EPS * s;
}

/** Rows tight at each vertex (|a_r·v − b_r| within `rowTolerance`), as bit sets over the rows. */
function tightRows(R: FlatRows, verts: Float64Array, nv: number, extent: Float64Array): bigint[] {
  const tol = Array.from({ length: R.m }, (_, r) => rowTolerance(R, r, extent));
  const out: bigint[] = [];
  for (let i = 0; i < nv; i++) {
    let bits = 0n;
    for (let r = 0; r < R.m; r++) if (tol[r]! > 0 && Math.abs(rowResidual(R, r, verts, i * R.d)) <= tol[r]!) bits |= 1n << BigInt(r);
    out.push(bits);
  }
  return out;
}

/**
 * Cuts the box `outer` (ids 0…2d−1) by every domain row (id 2d + r), keeping A x ≤ b, with the
 * splitting the units use. Zero rows are no constraint (or make the domain empty).
 */
function cutBoxByRows(R: FlatRows, outer: readonly number[], W: number): Poly {
  const { d, m } = R;
  let P = boxPoly(outer, d, W);
  const extent = boxExtent(outer, d);
  const pre = new Float64Array(d + 1);
  const F = new Uint32Array(W);
  for (let r = 0; r < m; r++) {
    pre[0] = -R.b[r]!;
    let zero = true;
    for (let j = 0; j < d; j++) {
      pre[1 + j] = R.A[r * d + j]!;
      if (pre[1 + j] !== 0) zero = false;
    }
    if (zero) {
      if (R.b[r]! < 0) throw new PolytopeError('empty-domain', `the domain A x ≤ b is empty: row ${r} reads 0 ≤ ${R.b[r]}`);
      continue;
    }
    const id = 2 * d + r;
    const [inside] = splitPoly(P, pre, 0, d, id >> 5, (1 << (id & 31)) >>> 0, extent, W, F);
    if (!inside) throw new PolytopeError('empty-domain', `the domain A x ≤ b is empty or lower-dimensional: nothing of it is left after row ${r} (polytopeDomain tells which)`);
    P = inside;
  }
  return P;
}

/** Vertices (bit sets over local indices) tight on each id of `inc` (W words per vertex) below `count`. */
function idVertexSets(inc: Uint32Array, nv: number, W: number, ids: number): bigint[] {
  const sets = new Array<bigint>(ids).fill(0n);
  for (let i = 0; i < nv; i++) {
    for (let k = 0; k < ids; k++) if ((inc[i * W + (k >> 5)]! >>> (k & 31)) & 1) sets[k] = sets[k]! | (1n << BigInt(i));
  }
  return sets;
}

/**
 * Throws unless the cut-down box is the domain: every face (≥ d vertices) that a face of the outer
 * box leaves on it must lie in a face of some domain row. (If the box cut the domain, the cut is a
 * facet in no domain hyperplane.)
 */
function checkContains(P: Poly, tight: readonly bigint[], R: FlatRows, bounds: readonly number[], W: number): void {
  const { d, m } = R;
  const boxSets = idVertexSets(P.inc, P.nv, W, 2 * d);
  const rowSets = new Array<bigint>(m).fill(0n);
  tight.forEach((t, i) => {
    for (let r = 0; r < m; r++) if ((t >> BigInt(r)) & 1n) rowSets[r] = rowSets[r]! | (1n << BigInt(i));
  });
  boxSets.forEach((S, k) => {
    if (bitCount(S) < d || rowSets.some((T) => (S & T) === S)) return;
    throw new PolytopeError(
      'bad-domain',
      `the domain A x ≤ b reaches past the ${k & 1 ? 'lower' : 'upper'} bound of x${k >> 1} of its bounds [${bounds.join(', ')}] (they must contain it; is it unbounded?); polytopeDomain computes bounds that do`,
    );
  });
}

/**
 * The point where d of the rows `rows` meet exactly (normalized rows, Gaussian elimination with
 * full pivoting, so the best-conditioned d of a degenerate vertex's rows are used); null when
 * they do not have rank d.
 */
function solveTight(R: FlatRows, rows: readonly number[]): Float64Array | null {
  const d = R.d;
  const k = rows.length;
  if (k < d) return null;
  const w = d + 1;
  const M = new Float64Array(k * w);
  rows.forEach((r, i) => {
    let n = 0;
    for (let j = 0; j < d; j++) n += R.A[r * d + j]! ** 2;
    n = Math.sqrt(n);
    for (let j = 0; j < d; j++) M[i * w + j] = R.A[r * d + j]! / n;
    M[i * w + d] = R.b[r]! / n;
  });
  const usedRow = new Uint8Array(k);
  const usedCol = new Uint8Array(d);
  const pivRow = new Int32Array(d);
  const pivCol = new Int32Array(d);
  for (let s = 0; s < d; s++) {
    let best = 0;
    for (let i = 0; i < k; i++) {
      if (usedRow[i]) continue;
      for (let j = 0; j < d; j++) {
        if (usedCol[j] || !(Math.abs(M[i * w + j]!) > best)) continue;
        best = Math.abs(M[i * w + j]!);
        pivRow[s] = i;
        pivCol[s] = j;
      }
    }
    if (best === 0) return null;
    const pi = pivRow[s]!;
    const pj = pivCol[s]!;
    usedRow[pi] = 1;
    usedCol[pj] = 1;
    for (let i = 0; i < k; i++) {
      if (usedRow[i]) continue;
      const f = M[i * w + pj]! / M[pi * w + pj]!;
      if (f === 0) continue;
      for (let q = 0; q <= d; q++) M[i * w + q] = M[i * w + q]! - f * M[pi * w + q]!;
    }
  }
  const x = new Float64Array(d);
  for (let s = d - 1; s >= 0; s--) {
    const pi = pivRow[s]!;
    const pj = pivCol[s]!;
    let v = M[pi * w + d]!;
    for (let j = 0; j < d; j++) if (j !== pj) v -= M[pi * w + j]! * x[j]!;
    x[pj] = v / M[pi * w + pj]!;
  }
  return x;
}

/**
 * Recomputes each vertex as the exact meet of its tight rows (`solveTight`), which removes the
 * rounding of repeated edge interpolation (an axis box comes out exact). A recomputed vertex is
 * kept only if it satisfies every row and stays tight on its rows, within tolerance.
 */
function polishVertices(R: FlatRows, verts: Float64Array, nv: number, tight: readonly bigint[], extent: Float64Array): Float64Array {
  const d = R.d;
  const out = Float64Array.from(verts.subarray(0, nv * d));
  const tol = Array.from({ length: R.m }, (_, r) => rowTolerance(R, r, extent));
  for (let i = 0; i < nv; i++) {
    const rows: number[] = [];
    for (let r = 0; r < R.m; r++) if ((tight[i]! >> BigInt(r)) & 1n) rows.push(r);
    const x = solveTight(R, rows);
    if (!x) continue;
    let ok = true;
    for (let r = 0; r < R.m && ok; r++) {
      const v = rowResidual(R, r, x, 0);
      if (v > tol[r]! || ((tight[i]! >> BigInt(r)) & 1n && v < -tol[r]!)) ok = false;
    }
    if (ok) out.set(x, i * d);
  }
  return out;
}

/** Merges vertices with identical coordinates (their incidences are joined). */
function mergeDuplicates(verts: Float64Array, nv: number, inc: readonly bigint[], d: number): { verts: Float64Array; nv: number; inc: bigint[] } {
  const order = Array.from({ length: nv }, (_, i) => i);
  const cmp = (a: number, b: number) => {
    for (let q = 0; q < d; q++) {
      const x = verts[a * d + q]! - verts[b * d + q]!;
      if (x !== 0) return x;
    }
    return 0;
  };
  order.sort(cmp);
  const keep: number[] = [];
  const outInc: bigint[] = [];
  for (const i of order) {
    if (keep.length && cmp(keep[keep.length - 1]!, i) === 0) outInc[outInc.length - 1] = outInc[outInc.length - 1]! | inc[i]!;
    else {
      keep.push(i);
      outInc.push(inc[i]!);
    }
  }
  const out = new Float64Array(keep.length * d);
  keep.forEach((i, w) => out.set(verts.subarray(i * d, i * d + d), w * d));
  return { verts: out, nv: keep.length, inc: outInc };
}

function boundingBox(verts: Float64Array, nv: number, d: number): number[] {
  const box: number[] = [];
  for (let q = 0; q < d; q++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < nv; i++) {
      lo = Math.min(lo, verts[i * d + q]!);
      hi = Math.max(hi, verts[i * d + q]!);
    }
    box.push(lo, hi);
  }
  return box;
}

/** `bounds` grown by an eighth of its width on every side, so that no face of it touches the domain. */
function padBox(bounds: readonly number[], d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d; i++) {
    const pad = (bounds[2 * i + 1]! - bounds[2 * i]!) / 8;
    out.push(bounds[2 * i]! - pad, bounds[2 * i + 1]! + pad);
  }
  return out;
}

/**
 * The polytope domain as the root polytope: its bounds (padded) cut by every row, vertices
 * recomputed exactly from their tight rows, incidences re-derived against the rows (the bounds'
 * ids are dropped), checked to be the domain (every vertex tight on ≥ d rows, the bounds cut
 * nothing off) and full-dimensional.
 */
function domainRoot(domain: PolytopeDomain, d: number): Root {
  const R = checkDomainRows(domain.A, domain.b, d);
  checkBoxArg(domain.bounds, d, 'domain bounds');
  const outer = padBox(domain.bounds, d);
  const Wt = Math.ceil((2 * d + R.m) / 32);
  const P = cutBoxByRows(R, outer, Wt);
  const outerExtent = boxExtent(outer, d);
  const built = idVertexSets(P.inc, P.nv, Wt, 2 * d + R.m);
  const tight0 = tightRows(R, P.verts, P.nv, outerExtent).map((t, i) => {
    let bits = t;
    for (let r = 0; r < R.m; r++) if ((built[2 * d + r]! >> BigInt(i)) & 1n) bits |= 1n << BigInt(r);
    return bits;
  });
  checkContains(P, tight0, R, domain.bounds, Wt);
  const polished = polishVertices(R, P.verts, P.nv, tight0, outerExtent);
  const merged = mergeDuplicates(polished, P.nv, tight0, d);
  const box = boundingBox(merged.verts, merged.nv, d);
  const inc = tightRows(R, merged.verts, merged.nv, boxExtent(box, d)).map((t, i) => t | merged.inc[i]!);
  inc.forEach((t, i) => {
    if (popcountAtLeast(t, d)) return;
    const at = Array.from(merged.verts.subarray(i * d, i * d + d)).join(', ');
    throw new PolytopeError('bad-domain', `the point (${at}) of the cut-down bounds is tight on fewer than ${d} rows of A x ≤ b, so it is no vertex of the domain: the bounds do not contain it`);
  });
  const volume = merged.nv > d ? describePolytope(merged.verts, merged.nv, inc, new Uint8Array(0), d).volume : 0;
  if (!(volume > DOMAIN_VOLUME_EPS * boxVolumeOf(box, d))) {
    throw new PolytopeError('flat-domain', `the domain A x ≤ b is lower-dimensional: its volume ${volume} is zero next to its bounding box's ${boxVolumeOf(box, d)}; a full-dimensional polytope is needed`);
  }
  const rows: number[][] = [];
  for (let r = 0; r < R.m; r++) rows.push(Array.from(R.A.subarray(r * d, r * d + d)));
  return { verts: merged.verts, nv: merged.nv, inc, m: R.m, box, domain: { A: rows, b: Array.from(R.b) }, volume };
}

function rootPolytope(options: EnumerateOptions, d: number): Root {
  if (options.box && options.domain) throw new PolytopeError('bad-domain', 'give either a box or a polytope domain, not both');
  if (options.domain) return domainRoot(options.domain, d);
  if (!options.box) throw new PolytopeError('bad-box', 'give a box (lo,hi pairs) or a polytope domain (A x ≤ b, see polytopeDomain)');
  return boxRoot(options.box, d);
}

/** Bit sets as W 32-bit words per entry. */
function toWords(sets: readonly bigint[], W: number): Uint32Array {
  const out = new Uint32Array(sets.length * W);
  sets.forEach((b, i) => {
    for (let w = 0; w < W; w++) out[i * W + w] = Number((b >> BigInt(32 * w)) & 0xffffffffn);
  });
  return out;
}

/**
 * Every activation region of an MLP inside an axis box or a bounded polytope domain
 * (`polytopeDomain`), with exact polytope geometry.
 *
 * @example
 * const net = randomMlp([3, 8, 8, 1], { seed: 1 });
 * const res = enumeratePolytopes(net, { box: [-1, 1, -1, 1, -1, 1] });
 * res.regions.length;          // number of activation regions in the cube
 * res.totalVolume;             // ≈ 8
 * res.regions[0]!.fVector;     // [V, E, F] with V − E + F = 2
 * const domain = await polytopeDomain([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1]], [0, 0, 0, 1], 3);
 * enumeratePolytopes(net, { domain }).totalVolume; // ≈ 1/6 (the simplex)
 */
export function enumeratePolytopes(net: Network, options: EnumerateOptions): PolytopeEnumeration {
  const t0 = now();
  const d = net.inputSize;
  if (d < 1 || d > 8) throw new PolytopeError('bad-dimension', `polytope enumeration supports input dimension 1…8 (2…6 tested); the network has ${d} inputs`);
  const root = rootPolytope(options, d);
  const layers = mlpLayers(net);
  const hidden = layers.filter((l) => l.alpha !== null);
  const numUnits = hidden.reduce((a, l) => a + l.outFeatures, 0);
  if (numUnits !== net.numUnits) throw new PolytopeError('unsupported-network', 'internal: unit count mismatch between the network and its MLP layers');
  const nDom = root.m;
  const W = Math.ceil((nDom + numUnits) / 32);
  const Fbuf = new Uint32Array(W);
  const extent = boxExtent(root.box, d);
  const map0 = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) map0[i * (d + 1) + 1 + i] = 1;
  let polys: Poly[] = [{ verts: root.verts, nv: root.nv, inc: toWords(root.inc, W), code: new Uint8Array(numUnits), map: map0 }];
  let unitBase = 0;
  let unitsDone = 0;
  const m = d + 1;
  for (const layer of hidden) {
    const n = layer.outFeatures;
    const nin = layer.inFeatures;
    const next: Poly[] = [];
    // Per polytope: pre-activation maps of all units, then sequential splits.
    let work: { P: Poly; pre: Float64Array }[] = polys.map((P) => {
      const pre = new Float64Array(n * m);
      for (let u = 0; u < n; u++) {
        pre[u * m] = layer.bias[u]!;
        for (let k = 0; k < nin; k++) {
          const w = layer.weight[u * nin + k]!;
          if (w === 0) continue;
          for (let j = 0; j < m; j++) pre[u * m + j] = pre[u * m + j]! + w * P.map[k * m + j]!;
        }
      }
      return { P, pre };
    });
    for (let u = 0; u < n; u++) {
      throwIfAborted(options.signal);
      const kid = nDom + unitBase + u;
      const word = kid >> 5;
      const mask = (1 << (kid & 31)) >>> 0;
      const out: { P: Poly; pre: Float64Array }[] = [];
      for (const { P, pre } of work) {
        const [neg, pos] = splitPoly(P, pre, u * m, d, word, mask, extent, W, Fbuf);
        if (neg) out.push({ P: neg, pre });
        if (pos) {
          // Not cut: pos shares P's code, and P is dropped, so it may be written in place.
          pos.code[unitBase + u] = 1;
          out.push({ P: pos, pre });
        }
      }
      work = out;
      unitsDone++;
      options.onProgress?.({ unitsDone, units: numUnits, polytopes: work.length });
    }
    for (const { P, pre } of work) {
      const post = new Float64Array(n * m);
      for (let u = 0; u < n; u++) {
        const f = P.code[unitBase + u] ? 1 : layer.alpha!;
        if (f === 0) continue;
        for (let j = 0; j < m; j++) post[u * m + j] = f * pre[u * m + j]!;
      }
      next.push({ ...P, map: post });
    }
    polys = next;
    unitBase += n;
  }
  const geometry = options.geometry ?? true;
  const regions: PolytopeRegion[] = [];
  for (const P of polys) {
    throwIfAborted(options.signal);
    const inc: bigint[] = [];
    for (let i = 0; i < P.nv; i++) {
      let b = 0n;
      for (let w = W - 1; w >= 0; w--) b = (b << 32n) | BigInt(P.inc[i * W + w]!);
      inc.push(b);
    }
    regions.push(describePolytope(P.verts, P.nv, inc, P.code, d, geometry));
  }
  return {
    dim: d,
    box: root.box,
    domain: root.domain,
    regions,
    totalVolume: compensatedSum(regions.map((r) => r.volume)),
    boxVolume: boxVolumeOf(root.box, d),
    domainVolume: root.volume,
    numDomainConstraints: nDom,
    numConstraints: nDom + numUnits,
    numUnits,
    seconds: (now() - t0) / 1000,
    lpSeconds: options.domain?.lpSeconds ?? 0,
  };
}

/** Face lattice entry: vertex set (bitmask over local vertex indices) and its facets. */
interface Face {
  set: bigint;
  nverts: number;
  sub: Face[];
  simplices?: Int32Array[];
}

function bitCount(x: bigint): number {
  let c = 0;
  while (x) {
    x &= x - 1n;
    c++;
  }
  return c;
}

function lowestBit(x: bigint): number {
  let i = 0;
  while (!(x & 1n)) {
    x >>= 1n;
    i++;
  }
  return i;
}

/**
 * Geometry of one polytope from its vertices and vertex–constraint incidences: facets, face
 * lattice (f-vector), pulling triangulation, volume.
 */
export function describePolytope(verts0: Float64Array, nv: number, inc0: readonly bigint[], code: Uint8Array, d: number, geometry = true): PolytopeRegion {
  // Lexicographic vertex order (makes the triangulation deterministic).
  const order = Array.from({ length: nv }, (_, i) => i);
  order.sort((a, b) => {
    for (let q = 0; q < d; q++) {
      const x = verts0[a * d + q]! - verts0[b * d + q]!;
      if (x !== 0) return x;
    }
    return 0;
  });
  const verts = new Float64Array(nv * d);
  const inc: bigint[] = [];
  order.forEach((o, i) => {
    for (let q = 0; q < d; q++) verts[i * d + q] = verts0[o * d + q]!;
    inc.push(inc0[o]!);
  });
  const interior = new Float64Array(d);
  for (let i = 0; i < nv; i++) for (let q = 0; q < d; q++) interior[q] = interior[q]! + verts[i * d + q]! / nv;
  // Constraint → vertex set (iterate the set bits of each vertex's incidence, 32 at a time).
  const sets = new Map<number, bigint>();
  const counts = new Map<number, number>();
  for (let i = 0; i < nv; i++) {
    let b = inc[i]!;
    const vb = 1n << BigInt(i);
    for (let base = 0; b; base += 32, b >>= 32n) {
      let w = Number(b & 0xffffffffn);
      while (w) {
        const low = w & -w;
        const k = base + 31 - Math.clz32(low);
        w ^= low;
        sets.set(k, (sets.get(k) ?? 0n) | vb);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
  }
  const cons: { id: number; set: bigint; n: number }[] = [];
  for (const [k, set] of sets) {
    const n = counts.get(k)!;
    if (n >= d) cons.push({ id: k, set, n });
  }
  cons.sort((a, b) => a.id - b.id);
  // Facets: maximal vertex sets (first id among duplicates).
  const facetList: { id: number; set: bigint; n: number }[] = [];
  for (const c of cons) {
    let maximal = true;
    for (const e of cons) {
      if (e === c) continue;
      if ((c.set & e.set) === c.set && (e.n > c.n || e.id < c.id)) {
        maximal = false;
        break;
      }
    }
    if (maximal) facetList.push(c);
  }
  const facets = Int32Array.from(facetList.map((f) => f.id));
  const bounds = simplexBounds(nv, d, facetList.map((f) => f.n));
  if (!geometry) {
    return { code, vertices: verts, numVertices: nv, incidence: inc, facets, fVector: [], simplices: 0, simplexBounds: bounds, volume: 0, interior };
  }
  // Face lattice, top down.
  const fullSet = (1n << BigInt(nv)) - 1n;
  const top: Face = { set: fullSet, nverts: nv, sub: [] };
  const fv = new Array<number>(d).fill(0);
  let level: Face[] = [top];
  const facetSets = facetList.map((f) => f.set);
  for (let k = d; k >= 1; k--) {
    const seen = new Map<bigint, Face>();
    for (const G of level) {
      const cands: bigint[] = [];
      for (const F of facetSets) {
        const x = G.set & F;
        if (x !== 0n && x !== G.set) cands.push(x);
      }
      for (const x of cands) {
        let maximal = true;
        for (const y of cands) if (y !== x && (x & y) === x) maximal = false;
        if (!maximal) continue;
        let f = seen.get(x);
        if (!f) {
          f = { set: x, nverts: bitCount(x), sub: [] };
          seen.set(x, f);
        }
        if (!G.sub.includes(f)) G.sub.push(f);
      }
    }
    level = [...seen.values()];
    fv[k - 1] = level.length;
  }
  // Pulling triangulation, memoized per face.
  const tri = (G: Face, dim: number): Int32Array[] => {
    if (G.simplices) return G.simplices;
    let res: Int32Array[];
    if (G.nverts === dim + 1 || dim === 0) {
      const s = new Int32Array(G.nverts);
      let w = 0;
      for (let i = 0; i < nv; i++) if (G.set & (1n << BigInt(i))) s[w++] = i;
      res = [s];
    } else {
      const v = lowestBit(G.set);
      const vb = 1n << BigInt(v);
      res = [];
      for (const H of G.sub) {
        if (H.set & vb) continue;
        for (const s of tri(H, dim - 1)) {
          const t = new Int32Array(s.length + 1);
          t[0] = v;
          t.set(s, 1);
          res.push(t);
        }
      }
    }
    G.simplices = res;
    return res;
  };
  const simplices = tri(top, d);
  // Volume: Σ |det| / d!.
  let fact = 1;
  for (let i = 2; i <= d; i++) fact *= i;
  const M = new Float64Array(d * d);
  const vols: number[] = [];
  for (const s of simplices) {
    const a = s[0]!;
    for (let r = 0; r < d; r++) for (let q = 0; q < d; q++) M[r * d + q] = verts[s[r + 1]! * d + q]! - verts[a * d + q]!;
    vols.push(Math.abs(det(M, d)) / fact);
  }
  return {
    code,
    vertices: verts,
    numVertices: nv,
    incidence: inc,
    facets,
    fVector: fv,
    simplices: simplices.length,
    simplexBounds: bounds,
    volume: compensatedSum(vols),
    interior,
  };
}

/** Determinant by Gaussian elimination with partial pivoting (destroys M). */
function det(M: Float64Array, n: number): number {
  let D = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[p * n + c]!)) p = r;
    const pv = M[p * n + c]!;
    if (pv === 0) return 0;
    if (p !== c) {
      for (let q = 0; q < n; q++) {
        const t = M[c * n + q]!;
        M[c * n + q] = M[p * n + q]!;
        M[p * n + q] = t;
      }
      D = -D;
    }
    D *= pv;
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / pv;
      if (f === 0) continue;
      for (let q = c; q < n; q++) M[r * n + q] = M[r * n + q]! - f * M[c * n + q]!;
    }
  }
  return D;
}

/** Euler characteristic Σ_{i<d} (−1)^i f_i of the boundary complex; equals 1 − (−1)^d for a d-polytope. */
export function eulerSum(fVector: readonly number[]): number {
  let s = 0;
  fVector.forEach((f, i) => {
    s += i % 2 === 0 ? f : -f;
  });
  return s;
}

/**
 * Checks an enumeration against the network: volumes sum to the domain's volume (the box's, or
 * the polytope domain's by its pulling triangulation; relative 1e-9), each region's interior point
 * reproduces its code, every vertex has ≥ d tight constraints and lies in the domain, Euler's
 * relation for every polytope, codes distinct. Returns the problems (empty = ok).
 *
 * @example
 * const res = enumeratePolytopes(net, { box: [-1, 1, -1, 1] });
 * validatePolytopes(net, res, (x) => forwardWithCode(net, x).code); // [] when everything checks
 */
export function validatePolytopes(net: Network, res: PolytopeEnumeration, codeAt: (x: Float64Array) => Uint8Array): string[] {
  const problems: string[] = [];
  const d = res.dim;
  const rel = Math.abs(res.totalVolume - res.domainVolume) / res.domainVolume;
  if (rel > 1e-9) problems.push(`volumes sum to ${res.totalVolume}, the ${res.domain ? 'domain' : 'box'} has ${res.domainVolume} (relative error ${rel.toExponential(2)})`);
  const rows = res.domain ? checkDomainRows(res.domain.A, res.domain.b, d) : boxRows(res.box, d);
  const extent = boxExtent(res.box, d);
  const tol = Array.from({ length: rows.m }, (_, r) => rowTolerance(rows, r, extent));
  const keys = new Set<string>();
  res.regions.forEach((r, i) => {
    const key = r.code.join('');
    if (keys.has(key)) problems.push(`region ${i}: code ${key} appears twice`);
    keys.add(key);
    const c = codeAt(r.interior);
    for (let u = 0; u < c.length; u++) {
      if (c[u] !== r.code[u]) {
        problems.push(`region ${i}: interior point has state ${c[u]} at unit ${u}, region says ${r.code[u]}`);
        break;
      }
    }
    for (let v = 0; v < r.numVertices; v++) {
      if (!popcountAtLeast(r.incidence[v]!, d)) problems.push(`region ${i}: vertex ${v} has fewer than ${d} tight constraints`);
      const out = tol.findIndex((t, k) => rowResidual(rows, k, r.vertices, v * d) > t);
      if (out >= 0) problems.push(`region ${i}: vertex ${v} violates domain constraint ${out}`);
    }
    if (r.fVector.length === d) {
      const e = eulerSum(r.fVector);
      const want = 1 - (d % 2 === 0 ? 1 : -1);
      if (e !== want) problems.push(`region ${i}: Euler sum ${e} ≠ ${want} (f = ${r.fVector.join(',')})`);
    }
    if (r.fVector.length === d && r.fVector[0] !== r.numVertices) problems.push(`region ${i}: face lattice has ${r.fVector[0]} vertices, polytope ${r.numVertices}`);
    if (r.volume <= 0) problems.push(`region ${i}: volume ${r.volume}`);
  });
  void net;
  return problems;
}

/**
 * Checks a polytope domain {x : A x ≤ b} with HiGHS LPs and returns it with a box that contains
 * it, ready for `enumeratePolytopes(net, { domain })`. Throws a `PolytopeError` when the domain is
 * empty, unbounded, lower-dimensional (zero volume), holds a non-finite value, or has rows of
 * another width than `dim` (the network's input dimension, when given). Redundant rows are fine.
 *
 * @example
 * const domain = await polytopeDomain([[-1, 0], [0, -1], [1, 1]], [0, 0, 1], 2); // a triangle
 * domain.bounds; // ≈ [0, 1, 0, 1]
 */
export async function polytopeDomain(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>, dim?: number): Promise<PolytopeDomain> {
  const t0 = now();
  const R = checkDomainRows(A, b, dim);
  const bounds = await domainBounds(R);
  const ch = await chebyshevCenter(R.A, R.b, R.d);
  let diam = 0;
  for (let i = 0; i < R.d; i++) diam += (bounds[2 * i + 1]! - bounds[2 * i]!) ** 2;
  diam = Math.sqrt(diam);
  if (ch.status !== 'optimal' || !(ch.radius > DOMAIN_RADIUS_EPS * diam)) {
    throw new PolytopeError('flat-domain', `the domain A x ≤ b is lower-dimensional (zero volume): its largest inscribed ball has radius ${ch.radius} for a bounding box of diameter ${diam}; a full-dimensional polytope is needed`);
  }
  const rows: number[][] = [];
  for (let r = 0; r < R.m; r++) rows.push(Array.from(R.A.subarray(r * R.d, r * R.d + R.d)));
  return { A: rows, b: Array.from(R.b), bounds, lpSeconds: (now() - t0) / 1000 };
}

/**
 * Bounding box of the domain from 2d LPs on one warm-started HiGHS model (min and max of each
 * coordinate; exact up to HiGHS's tolerances, which the enumeration's padding absorbs). Throws
 * for an empty or unbounded domain.
 */
async function domainBounds(R: FlatRows): Promise<number[]> {
  const { d, m } = R;
  const lp = await createLp({
    numCols: d,
    cost: new Float64Array(d),
    colLower: new Float64Array(d).fill(-Infinity),
    colUpper: new Float64Array(d).fill(Infinity),
    rows: R.A,
    numRows: m,
    rowLower: new Float64Array(m).fill(-Infinity),
    rowUpper: R.b,
  });
  try {
    // Zero cost: "unbounded" can only mean HiGHS's "unbounded or infeasible", i.e. infeasible.
    const feasible = lp.solve();
    if (feasible.status === 'infeasible' || feasible.status === 'unbounded') throw new PolytopeError('empty-domain', 'the domain A x ≤ b is empty: its rows have no common point');
    if (feasible.status !== 'optimal') throw new PolytopeError('lp-failed', 'the LP solver could not decide whether the domain A x ≤ b is empty');
    const bounds = new Array<number>(2 * d).fill(0);
    const cost = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (const sgn of [1, -1]) {
        cost.fill(0);
        cost[i] = sgn;
        lp.setCost(cost);
        const s = lp.solve();
        if (s.status === 'unbounded') throw new PolytopeError('unbounded-domain', `the domain A x ≤ b is unbounded (x${i} has no ${sgn > 0 ? 'lower' : 'upper'} bound on it); a bounded polytope is needed`);
        if (s.status !== 'optimal') throw new PolytopeError('lp-failed', `the LP solver failed to bound x${i} on the domain A x ≤ b (status ${s.status})`);
        bounds[2 * i + (sgn > 0 ? 0 : 1)] = sgn * s.objective;
      }
    }
    return bounds;
  } finally {
    lp.dispose();
  }
}

/**
 * The H-representation of the region of x inside a polytope domain, rows labelled with the
 * constraint ids of `enumeratePolytopes` for that domain (r: domain row r, m + u: hidden unit u),
 * e.g. for `estimateFacets`. ReLU-like networks only (one row per unit).
 *
 * @example
 * const h = regionInDomain(net, [0.1, 0.2], { A: [[-1, 0], [0, -1], [1, 1]], b: [0, 0, 1] });
 * h.p.length; // 3 + number of hidden units
 */
export function regionInDomain(net: Network, x: ArrayLike<number>, domain: { readonly A: ArrayLike<ArrayLike<number>>; readonly b: ArrayLike<number> }): HPolytope {
  const d = net.inputSize;
  const R = checkDomainRows(domain.A, domain.b, d);
  const h = regionInBox(net, x, new Array<number>(2 * d).fill(0));
  const n = R.m + h.p.length - 2 * d;
  const Q = new Float64Array(n * d);
  Q.set(R.A);
  Q.set(h.Q.subarray(2 * d * d), R.m * d);
  const p = new Float64Array(n);
  p.set(R.b);
  p.set(h.p.subarray(2 * d), R.m);
  return { dim: d, Q, p, ids: Int32Array.from({ length: n }, (_, i) => i) };
}
