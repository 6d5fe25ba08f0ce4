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
 *
 * Files: enumerate.ts (this layer loop, the MLP view), enumerate-types.ts (options, results),
 * enumerate-split.ts (splitting a polytope by a hyperplane), enumerate-root.ts (the box or
 * polytope domain to start from), domain-rows.ts (domain rows and their tests), enumerate-faces.ts
 * (facets, face lattice, triangulation, volume), enumerate-validate.ts (`validatePolytopes`),
 * polytope-domain.ts (`polytopeDomain`, `regionInDomain`). All scratch is per enumeration, so
 * enumerations are re-entrant.
 */
import { DEFAULT_MAX_BYTES } from '../io/budget.js';
import { PolytopeError, throwIfAborted } from '../errors.js';
import { now } from '../clock.js';
import { POLYTOPE_TOLERANCES } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import { asMlp, mergeLinearLayers } from '../network/mlp-view.js';
import { boxExtent, boxVolumeOf } from './domain-rows.js';
import { describePolytope } from './enumerate-faces.js';
import { CompensatedSum } from '../geometry/sum.js';
import { rootPolytope, toWords } from './enumerate-root.js';
import { splitContext, splitPoly } from './enumerate-split.js';
import type { Poly, SplitContext } from './enumerate-split.js';
import type { EnumerateOptions, PolytopeEnumeration, PolytopeRegion } from './enumerate-types.js';

export type { EnumerateOptions, PolytopeDomain, PolytopeEnumeration, PolytopeProgress, PolytopeRegion } from './enumerate-types.js';
export { binomial, cyclicFacets, eulerSum, simplexBounds } from './enumerate-faces.js';
export { validatePolytopes } from './enumerate-validate.js';
export { polytopeDomain, regionInDomain } from './polytope-domain.js';

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
 * The affine layers of a plain MLP, read through the one MLP view (`asMlp`, see network/mlp-view.ts
 * for its channel_affine rule) with consecutive affine layers composed into one, each closed by relu
 * or leaky_relu; the last one (no activation) is the output layer. Throws a `PolytopeError` naming
 * the node for anything else.
 */
export function mlpLayers(net: Network): MlpLayer[] {
  return mergeLinearLayers(asMlp(net)).map((l) => ({
    inFeatures: l.inFeatures,
    outFeatures: l.outFeatures,
    weight: l.weight,
    bias: l.bias,
    alpha: l.act === 'none' ? null : l.alpha,
  }));
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

/** A polytope with the pre-activations (rows of d+1: constant, gradient) of the current layer's units. */
interface Work {
  readonly P: Poly;
  readonly pre: Float64Array;
}

/** Pre-activation maps of all units of `layer` on P (P.map: the layer input as a map of x). */
function preactivations(P: Poly, layer: MlpLayer, m: number): Float64Array {
  const n = layer.outFeatures;
  const nin = layer.inFeatures;
  const pre = new Float64Array(n * m);
  for (let u = 0; u < n; u++) {
    pre[u * m] = layer.bias[u]!;
    for (let k = 0; k < nin; k++) {
      const w = layer.weight[u * nin + k]!;
      if (w === 0) continue;
      for (let j = 0; j < m; j++) pre[u * m + j] = pre[u * m + j]! + w * P.map[k * m + j]!;
    }
  }
  return pre;
}

/** What the polytopes in flight hold (vertices, incidences, codes, maps), in bytes, plus a per-object overhead. */
const POLY_OVERHEAD_BYTES = 512;

/** Bytes one polytope in flight holds. */
function workBytes({ P, pre }: Work): number {
  return P.verts.byteLength + P.inc.byteLength + P.code.byteLength + P.map.byteLength + pre.byteLength + POLY_OVERHEAD_BYTES;
}

/**
 * Issue 18 #11: the depth-first enumeration holds at most one pending sibling per hidden unit;
 * refuse (`too-large`, naming the option) if even those would pass the budget.
 */
function budgetError(count: number, bytes: number, maxBytes: number): PolytopeError {
  return new PolytopeError(
    'too-large',
    `the enumeration holds ${count} polytopes (${(bytes / 1024 ** 2).toFixed(0)} MiB), above the memory budget of ${(maxBytes / 1024 ** 2).toFixed(0)} MiB: use a smaller box or network, or raise maxBytes (POLYTOPE_MAX_BYTES on the command line)`,
  );
}

/** The next layer's input map: the activation applied to the pre-activations by the polytope's code. */
function activateOne({ P, pre }: Work, layer: MlpLayer, unitBase: number, m: number): Poly {
  const n = layer.outFeatures;
  const post = new Float64Array(n * m);
  for (let u = 0; u < n; u++) {
    const f = P.code[unitBase + u] ? 1 : layer.alpha!;
    if (f === 0) continue;
    for (let j = 0; j < m; j++) post[u * m + j] = f * pre[u * m + j]!;
  }
  return { ...P, map: post };
}

/** A finished polytope as a region (incidence words joined into bit sets), with geometry when asked. */
function regionOf(P: Poly, W: number, d: number, geometry: boolean): PolytopeRegion {
  const inc: bigint[] = [];
  for (let i = 0; i < P.nv; i++) {
    let b = 0n;
    for (let w = W - 1; w >= 0; w--) b = (b << 32n) | BigInt(P.inc[i * W + w]!);
    inc.push(b);
  }
  return describePolytope(P.verts, P.nv, inc, P.code, d, geometry);
}

/** A polytope in flight with the next unit to split it by: hidden layer `layer`, unit `u` of it. */
interface Pending extends Work {
  readonly layer: number;
  readonly u: number;
}

/** What the depth-first walk shares. */
interface Walk {
  readonly hidden: readonly MlpLayer[];
  readonly ctx: SplitContext;
  readonly nDom: number;
  readonly W: number;
  readonly d: number;
  readonly numUnits: number;
  readonly unitBase: readonly number[];
  readonly options: EnumerateOptions;
  readonly emit: (r: PolytopeRegion) => void;
}

/**
 * Issue 18 #11: depth-first enumeration. A polytope is split by its layer's units one after the
 * other; one half goes on, the other waits on a stack (at most one per unit), so the memory held is
 * bounded by the network's depth in units, not by the number of regions, and every region is
 * handed to `emit` as soon as it is finished. The regions and their order are those of splitting
 * every polytope unit by unit (both halves keep the unit order), only emitted earlier.
 */
function walkDepthFirst(root: Poly, w: Walk): number {
  const m = w.d + 1;
  const maxBytes = w.options.maxBytes ?? DEFAULT_MAX_BYTES;
  const stack: Pending[] = [{ P: root, pre: preactivations(root, w.hidden[0]!, m), layer: 0, u: 0 }];
  let stackBytes = workBytes(stack[0]!);
  let finished = 0;
  let steps = 0;
  while (stack.length > 0) {
    const top = stack.pop()!;
    stackBytes -= workBytes(top);
    let { P, pre, layer, u } = top;
    for (;;) {
      const L = w.hidden[layer]!;
      if (u === L.outFeatures) {
        const next = activateOne({ P, pre }, L, w.unitBase[layer]!, m);
        if (layer + 1 === w.hidden.length) {
          w.emit(regionOf(next, w.W, w.d, w.options.geometry ?? true));
          finished++;
          break;
        }
        layer++;
        u = 0;
        P = next;
        pre = preactivations(P, w.hidden[layer]!, m);
        continue;
      }
      if ((++steps & 255) === 0) throwIfAborted(w.options.signal);
      const index = w.unitBase[layer]! + u;
      const kid = w.nDom + index;
      const [neg, pos] = splitPoly(P, { pre, off: u * m, word: kid >> 5, mask: (1 << (kid & 31)) >>> 0 }, w.ctx);
      // Not cut: pos shares P's code, and P is dropped, so it may be written in place.
      if (pos) pos.code[index] = 1;
      u++;
      if (neg && pos) {
        const waiting: Pending = { P: pos, pre, layer, u };
        stack.push(waiting);
        stackBytes += workBytes(waiting);
        if (stackBytes > maxBytes) throw budgetError(stack.length, stackBytes, maxBytes);
      }
      const go = neg ?? pos;
      if (!go) break;
      P = go;
    }
    w.options.onProgress?.({ unitsDone: w.numUnits, units: w.numUnits, polytopes: finished + stack.length, finished });
  }
  return finished;
}

/** The hidden layers of the network's MLP view and their unit count (checked against the network). */
function hiddenLayers(net: Network): { hidden: MlpLayer[]; numUnits: number } {
  const hidden = mlpLayers(net).filter((l) => l.alpha !== null);
  const numUnits = hidden.reduce((a, l) => a + l.outFeatures, 0);
  if (numUnits !== net.numUnits)
    throw new PolytopeError('unsupported', 'internal: unit count mismatch between the network and its MLP layers');
  return { hidden, numUnits };
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
  if (d < 1 || d > 8)
    throw new PolytopeError('unsupported', `polytope enumeration supports input dimension 1…8 (2…6 tested); the network has ${d} inputs`);
  const tol = { ...POLYTOPE_TOLERANCES, ...options.tolerances };
  const root = rootPolytope(options, d, tol);
  const { hidden, numUnits } = hiddenLayers(net);
  const nDom = root.m;
  const W = Math.ceil((nDom + numUnits) / 32);
  const ctx = splitContext(d, W, boxExtent(root.box, d), tol.vertex);
  const m = d + 1;
  const map0 = new Float64Array(d * m);
  for (let i = 0; i < d; i++) map0[i * m + 1 + i] = 1;
  const rootPoly: Poly = { verts: root.verts, nv: root.nv, inc: toWords(root.inc, W), code: new Uint8Array(numUnits), map: map0 };
  const collect = options.collect ?? true;
  const regions: PolytopeRegion[] = [];
  const volume = new CompensatedSum();
  const unitBase: number[] = [];
  let base = 0;
  for (const l of hidden) {
    unitBase.push(base);
    base += l.outFeatures;
  }
  const emit = (r: PolytopeRegion): void => {
    volume.add(r.volume);
    if (collect) regions.push(r);
    options.onRegion?.(r);
  };
  let count = 1;
  if (hidden.length === 0) emit(regionOf(rootPoly, W, d, options.geometry ?? true));
  else count = walkDepthFirst(rootPoly, { hidden, ctx, nDom, W, d, numUnits, unitBase, options, emit });
  return {
    dim: d,
    box: root.box,
    domain: root.domain,
    regions,
    count,
    totalVolume: volume.value,
    boxVolume: boxVolumeOf(root.box, d),
    domainVolume: root.volume,
    numDomainConstraints: nDom,
    numConstraints: nDom + numUnits,
    numUnits,
    seconds: (now() - t0) / 1000,
    lpSeconds: options.domain?.lpSeconds ?? 0,
  };
}
