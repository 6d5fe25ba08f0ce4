/**
 * Exact enumeration of every activation region of a ReLU / leaky-ReLU MLP inside an axis box, for
 * small input dimension d (2…6), with full polytope geometry: vertices, non-redundant facets,
 * the f-vector, the volume and a deterministic triangulation without new vertices.
 *
 * Method (LP-free). Regions are kept as convex polytopes in V- and H-form at once: the vertex
 * list plus, per vertex, the set of constraints tight at it (an incidence bitmask over global
 * constraint ids: 2d box faces, then one id per hidden unit). Layer by layer, each polytope's
 * pre-activations are affine in x (the code of earlier layers is fixed inside it); each unit's
 * hyperplane splits the polytope exactly: vertices are classified by sign, and the new vertices
 * are the crossings of the edges whose endpoints lie strictly on opposite sides. Two vertices
 * span an edge iff they share at least d − 1 tight constraints and no third vertex is tight on
 * all of their common constraints (the combinatorial adjacency test; Fukuda, "Frequently asked
 * questions in polyhedral computation", §2.16). No LP is solved.
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
import { VERTEX_EPS } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';

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

export interface EnumerateOptions {
  /** Box as lo,hi pairs: [x0, x1, y0, y1, …], one pair per input dimension. */
  readonly box: readonly number[];
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

export interface PolytopeEnumeration {
  readonly dim: number;
  readonly box: readonly number[];
  readonly regions: PolytopeRegion[];
  /** Compensated sum of region volumes. */
  readonly totalVolume: number;
  readonly boxVolume: number;
  /** Number of constraint ids (2d box faces + hidden units). */
  readonly numConstraints: number;
  readonly numUnits: number;
  readonly seconds: number;
  /** Seconds spent in LPs: always 0 (the method is LP-free), reported for benchmarks. */
  readonly lpSeconds: number;
}

/** Human name of constraint id k: box faces `x0<=hi`, … then `L1.u3` (layer 1-based, unit 0-based). */
export function constraintName(k: number, d: number, layerWidths: readonly number[]): string {
  if (k < 2 * d) return `box:x${k >> 1}${k & 1 ? '>=lo' : '<=hi'}`;
  let u = k - 2 * d;
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
export function simplexBounds(V: number, d: number): { lower: number; upper: number } {
  const lower = Math.max(1, V - d);
  if (d === 2) return { lower, upper: V - 2 };
  if (d === 3) return { lower, upper: ((V - 2) * (V - 3)) / 2 };
  return { lower, upper: binomial(V, d + 1) };
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
          if ((inc[k * W + w]! & f) !== f) {
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

function checkBoxArg(box: readonly number[], d: number): void {
  if (box.length !== 2 * d) throw new PolytopeError('bad-box', `the box needs a lo,hi pair per input dimension (${2 * d} numbers for d = ${d}), got ${box.length}`);
  for (let i = 0; i < d; i++) {
    const lo = box[2 * i]!;
    const hi = box[2 * i + 1]!;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) throw new PolytopeError('bad-box', `box dimension ${i}: need finite lo < hi, got [${lo}, ${hi}]`);
  }
}

/**
 * Every activation region of an MLP inside an axis box, with exact polytope geometry.
 *
 * @example
 * const net = randomMlp([3, 8, 8, 1], { seed: 1 });
 * const res = enumeratePolytopes(net, { box: [-1, 1, -1, 1, -1, 1] });
 * res.regions.length;          // number of activation regions in the cube
 * res.totalVolume;             // ≈ 8
 * res.regions[0]!.fVector;     // [V, E, F] with V − E + F = 2
 */
export function enumeratePolytopes(net: Network, options: EnumerateOptions): PolytopeEnumeration {
  const t0 = now();
  const d = net.inputSize;
  if (d < 1 || d > 8) throw new PolytopeError('bad-dimension', `polytope enumeration supports input dimension 1…8 (2…6 tested); the network has ${d} inputs`);
  const box = options.box;
  checkBoxArg(box, d);
  const layers = mlpLayers(net);
  const hidden = layers.filter((l) => l.alpha !== null);
  const numUnits = hidden.reduce((a, l) => a + l.outFeatures, 0);
  if (numUnits !== net.numUnits) throw new PolytopeError('unsupported-network', 'internal: unit count mismatch between the network and its MLP layers');
  // Root: the box. Vertex bits: bit 2i for x_i = hi, 2i+1 for x_i = lo.
  const nv0 = 1 << d;
  const W = Math.ceil((2 * d + numUnits) / 32);
  const Fbuf = new Uint32Array(W);
  const verts0 = new Float64Array(nv0 * d);
  const inc0 = new Uint32Array(nv0 * W);
  for (let m = 0; m < nv0; m++) {
    for (let i = 0; i < d; i++) {
      const hi = (m >> i) & 1;
      verts0[m * d + i] = hi ? box[2 * i + 1]! : box[2 * i]!;
      const k = 2 * i + (hi ? 0 : 1);
      inc0[m * W + (k >> 5)] = (inc0[m * W + (k >> 5)]! | (1 << (k & 31))) >>> 0;
    }
  }
  const extent = new Float64Array(d);
  for (let i = 0; i < d; i++) extent[i] = Math.max(Math.abs(box[2 * i]!), Math.abs(box[2 * i + 1]!));
  const map0 = new Float64Array(d * (d + 1));
  for (let i = 0; i < d; i++) map0[i * (d + 1) + 1 + i] = 1;
  let polys: Poly[] = [{ verts: verts0, nv: nv0, inc: inc0, code: new Uint8Array(numUnits), map: map0 }];
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
      const kid = 2 * d + unitBase + u;
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
  let boxVolume = 1;
  for (let i = 0; i < d; i++) boxVolume *= box[2 * i + 1]! - box[2 * i]!;
  return {
    dim: d,
    box: [...box],
    regions,
    totalVolume: compensatedSum(regions.map((r) => r.volume)),
    boxVolume,
    numConstraints: 2 * d + numUnits,
    numUnits,
    seconds: (now() - t0) / 1000,
    lpSeconds: 0,
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
  const bounds = simplexBounds(nv, d);
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
 * Checks an enumeration against the network: volumes sum to the box (relative 1e-9), each
 * region's interior point reproduces its code, every vertex has ≥ d tight constraints and lies in
 * the box, Euler's relation for every polytope, codes distinct. Returns the problems (empty = ok).
 */
export function validatePolytopes(net: Network, res: PolytopeEnumeration, codeAt: (x: Float64Array) => Uint8Array): string[] {
  const problems: string[] = [];
  const d = res.dim;
  const rel = Math.abs(res.totalVolume - res.boxVolume) / res.boxVolume;
  if (rel > 1e-9) problems.push(`volumes sum to ${res.totalVolume}, box is ${res.boxVolume} (relative error ${rel.toExponential(2)})`);
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
