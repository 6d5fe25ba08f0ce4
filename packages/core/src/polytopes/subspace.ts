/**
 * Polytopes of any network on a k-dimensional affine subspace `x0 + D t` of its input space
 * (k = 1…6): the restriction of the network to the subspace is a continuous piecewise-affine map
 * of t, and its activation regions inside an axis box of t are convex polytopes. They are found by
 * the partition engine that slices networks in planes (regions/engine.ts: the network's affine
 * families restricted to the subspace, every node type the engine runs — dense, conv, batch-norm,
 * pooling, residual adds, the gather ops — and max-pool as the max of affine functions, split by
 * pairwise comparisons of its candidates), with k-dimensional polytope cells (subspace-cells.ts)
 * instead of polygons. Each region gets the geometry of the MLP enumeration (enumerate-faces.ts):
 * facets, vertices, f-vector, volume, pulling triangulation; plus its activation code and the
 * network's output as an affine map of t.
 */
import { PolytopeError } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { now } from '../clock.js';
import { edgeLabel, labelState, labelUnit } from '../geometry/cells.js';
import { PLANE_SPAN_EPS } from '../geometry/predicates.js';
import type { Tolerances } from '../geometry/predicates.js';
import { compensatedSum } from '../geometry/sum.js';
import { prepareNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import type { Network } from '../network/network.js';
import { runPartition } from '../regions/engine.js';
import type { PartitionProgress } from '../regions/engine.js';
import { forwardWithCode, propagateFamily } from '../network/forward.js';
import type { PolytopeRegion } from './enumerate-types.js';
import type { HPolytope } from './sample.js';
import { boxCell, boxFaceLabel, describeCell, kCellOps } from './subspace-cells.js';
import type { KCell } from './subspace-cells.js';

/** Largest subspace dimension (the face lattice and triangulation grow fast with k). */
const MAX_SUBSPACE_DIM = 6;

/** Where the polytopes are enumerated: the subspace `origin + Σ_j t_j dirs[j]` and a box of t. */
export interface SubspaceOptions {
  /** x0, one value per network input. */
  readonly origin: ArrayLike<number>;
  /** The k directions (1 ≤ k ≤ 6), each one value per network input; linearly independent. */
  readonly dirs: readonly ArrayLike<number>[];
  /** Box of t as lo,hi pairs (2k numbers). Default [−1, 1]^k. */
  readonly box?: readonly number[];
  /** Compute faces, triangulations and volumes (default true). False: vertices, codes, facets and maps only. */
  readonly geometry?: boolean;
  /** Engine tolerances (`DEFAULT_TOLERANCES` of geometry/predicates.ts); any subset overrides. */
  readonly tolerances?: Partial<Tolerances>;
  readonly signal?: AbortSignalLike;
  readonly onProgress?: (p: PartitionProgress) => void;
  /** Stop after this many polytopes (the result says `partial: true`; its volumes then cover part of the box). */
  readonly maxRegions?: number;
}

/**
 * One polytope of the subspace partition. `facets` holds facet *labels*: a box face f is −1 − f
 * (f = 2j: t_j ≤ hi, 2j + 1: t_j ≥ lo), a unit's hyperplane is `unit · 256 + state on the other
 * side` (see `subspaceConstraintName`); `incidence` bit i refers to `constraints[i]`.
 */
export interface SubspaceRegion extends PolytopeRegion {
  /** Label of each incidence bit (the polytope's non-redundant inequalities; see `facets`). */
  readonly constraints: Int32Array;
  /** Inequalities g(t) = c + a·t ≤ 0 of `constraints`, row-major (k + 1) each, constant first. */
  readonly rows: Float64Array;
  /** The network's output on the polytope as an affine map of t: output r is `map[r·(k+1)] + Σ_j map[r·(k+1)+1+j] t_j`. */
  readonly map: Float64Array;
}

/** Result of `subspacePolytopes`. */
export interface SubspaceEnumeration {
  /** Subspace dimension k. */
  readonly dim: number;
  readonly origin: Float64Array;
  /** Directions, row-major d × k (as the engine takes them). */
  readonly dirs: Float64Array;
  readonly box: readonly number[];
  readonly regions: SubspaceRegion[];
  /** Compensated sum of the region volumes (in t coordinates). */
  readonly totalVolume: number;
  readonly boxVolume: number;
  readonly numUnits: number;
  readonly seconds: number;
  /** Whether `maxRegions` stopped the enumeration before it covered the box. */
  readonly partial: boolean;
}

/** Thrown inside the engine's callback to stop at `maxRegions` (caught by `subspacePolytopes`). */
class EnoughRegions extends Error {}

/** Checks the subspace (shapes, finite values, independent directions) and returns D row-major d × k. */
function subspaceDirs(net: Network, origin: ArrayLike<number>, dirs: readonly ArrayLike<number>[]): Float64Array {
  const d = net.inputSize;
  const k = dirs.length;
  if (k < 1 || k > MAX_SUBSPACE_DIM) throw new PolytopeError('bad-option', `a subspace needs 1…${MAX_SUBSPACE_DIM} directions, got ${k}`);
  if (origin.length !== d)
    throw new PolytopeError('shape-mismatch', `the origin has ${origin.length} values but the network has ${d} inputs`);
  const D = new Float64Array(d * k);
  dirs.forEach((v, j) => {
    if (v.length !== d)
      throw new PolytopeError('shape-mismatch', `direction ${j + 1} has ${v.length} values but the network has ${d} inputs`);
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(v[i]!)) throw new PolytopeError('bad-option', `direction ${j + 1} has a non-finite value at ${i}`);
      D[i * k + j] = v[i]!;
    }
  });
  for (let i = 0; i < d; i++)
    if (!Number.isFinite(origin[i]!)) throw new PolytopeError('bad-option', `the origin has a non-finite value at ${i}`);
  // Gram–Schmidt: each direction must keep a part off the span of the ones before it.
  const basis: Float64Array[] = [];
  dirs.forEach((v, j) => {
    const r = Float64Array.from(v);
    const n0 = Math.hypot(...r);
    for (const b of basis) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += r[i]! * b[i]!;
      for (let i = 0; i < d; i++) r[i] = r[i]! - dot * b[i]!;
    }
    const n = Math.hypot(...r);
    if (!(n > PLANE_SPAN_EPS * n0) || n0 === 0)
      throw new PolytopeError(
        'bad-domain',
        `direction ${j + 1} is zero or in the span of the directions before it; they do not span a ${k}-dimensional subspace`,
      );
    basis.push(r.map((x) => x / n));
  });
  return D;
}

function checkBox(box: readonly number[], k: number): void {
  if (box.length !== 2 * k)
    throw new PolytopeError('bad-domain', `the box needs ${2 * k} numbers (a lo,hi pair per direction), got ${box.length}`);
  for (let j = 0; j < k; j++)
    if (!(Number.isFinite(box[2 * j]!) && Number.isFinite(box[2 * j + 1]!) && box[2 * j]! < box[2 * j + 1]!))
      throw new PolytopeError('bad-domain', `the box's pair ${j} (${box[2 * j]}, ${box[2 * j + 1]}) is not a finite lo < hi`);
}

/**
 * Every activation region of any network that loads, restricted to the k-dimensional affine
 * subspace `origin + Σ t_j dirs[j]` (k ≤ 6), inside the box of t, with exact polytope geometry
 * and the network's output map on each.
 *
 * @example
 * const res = subspacePolytopes(cnn, { origin: img0, dirs: [d1, d2, d3], box: [0, 1, 0, 1, 0, 1] });
 * res.regions.length;               // polytopes in the box
 * res.totalVolume;                  // ≈ 1 (the box)
 * res.regions[0]!.fVector;          // [V, E, F], V − E + F = 2
 * res.regions[0]!.map;              // output r = map[4r] + Σ_j map[4r + 1 + j] t_j
 */
export function subspacePolytopes(netLike: NetworkLike, options: SubspaceOptions): SubspaceEnumeration {
  const t0 = now();
  const prepared = prepareNetwork(netLike);
  const net = prepared.network;
  const k = options.dirs.length;
  const D = subspaceDirs(net, options.origin, options.dirs);
  const box = options.box ? [...options.box] : Array.from({ length: 2 * k }, (_, i) => (i % 2 ? 1 : -1));
  checkBox(box, k);
  const extent = Array.from({ length: k }, (_, j) => Math.max(Math.abs(box[2 * j]!), Math.abs(box[2 * j + 1]!)));
  const geometry = options.geometry ?? true;
  const m = k + 1;
  const regions: SubspaceRegion[] = [];
  const maxRegions = options.maxRegions ?? Infinity;
  let partial = false;
  try {
    runPartition(
      prepared,
      kCellOps(k),
      boxCell(box, k),
      options.origin,
      D,
      extent,
      (r) => {
        if (regions.length >= maxRegions) throw new EnoughRegions();
        const cell = r.cell as KCell;
        const g = describeCell(cell, k, r.code.slice(), geometry);
        if (geometry) cell.volume = g.volume;
        regions.push({
          ...g,
          facets: Int32Array.from(g.facets, (c) => cell.labels[c]!),
          constraints: cell.labels.slice(),
          rows: cell.rows.slice(),
          map: r.output.slice(0, net.outputSize * m),
        });
      },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.tolerances ? { tolerances: options.tolerances } : {}),
      },
    );
  } catch (err) {
    if (!(err instanceof EnoughRegions)) throw err;
    partial = true;
  }
  let boxVolume = 1;
  for (let j = 0; j < k; j++) boxVolume *= box[2 * j + 1]! - box[2 * j]!;
  return {
    dim: k,
    origin: Float64Array.from(options.origin),
    dirs: D,
    box,
    regions,
    totalVolume: compensatedSum(regions.map((r) => r.volume)),
    boxVolume,
    numUnits: net.numUnits,
    seconds: (now() - t0) / 1000,
    partial,
  };
}

/**
 * The subspace through k + 1 inputs A, P1, …, Pk in affine coordinates: origin A, directions
 * P_j − A, so A is t = 0 and P_j is t = e_j; the default box [−0.25, 1.25]^k holds all of them
 * with a margin (as `anchorBox` does for slices).
 *
 * @example
 * const s = subspaceThrough([a, b, c, d]); // 3-D: s.dirs.length === 3
 * subspacePolytopes(net, s);
 */
export function subspaceThrough(
  points: readonly ArrayLike<number>[],
  margin = 0.25,
): { origin: Float64Array; dirs: Float64Array[]; box: number[] } {
  if (points.length < 2 || points.length > MAX_SUBSPACE_DIM + 1)
    throw new PolytopeError('bad-option', `a subspace through inputs needs 2…${MAX_SUBSPACE_DIM + 1} of them, got ${points.length}`);
  const a = points[0]!;
  const dirs = points.slice(1).map((p, j) => {
    if (p.length !== a.length) throw new PolytopeError('shape-mismatch', `input ${j + 2} has ${p.length} values, input 1 has ${a.length}`);
    return Float64Array.from(p, (v, i) => v - a[i]!);
  });
  const box: number[] = [];
  for (let j = 0; j < dirs.length; j++) box.push(-margin, 1 + margin);
  return { origin: Float64Array.from(a), dirs, box };
}

/**
 * A facet label as a name: `box:t0<=hi`, `box:t0>=lo`, or the unit's layer (1-based activation
 * node) and unit with the state on the other side, e.g. `A2.u17>1`.
 *
 * @example
 * subspaceConstraintName(-1, net); // 'box:t0<=hi'
 */
export function subspaceConstraintName(label: number, net: Network): string {
  if (label < 0) {
    const f = boxFaceLabel(0) - label;
    return `box:t${f >> 1}${f & 1 ? '>=lo' : '<=hi'}`;
  }
  const u = labelUnit(label);
  const s = labelState(label);
  const slot = net.activations.findIndex((a) => u >= a.offset && u < a.offset + a.numUnits);
  if (slot < 0) return `?${label}`;
  return `A${slot + 1}.u${u - net.activations[slot]!.offset}>${s}`;
}

/**
 * The polytope of the point `t` of the subspace as an H-representation in t, built independently
 * of the enumeration: x = origin + D t's code from the forward pass, every node's affine family
 * along the subspace under that code (`propagateFamily`), one row per ReLU-like unit, one or two
 * per hard-tanh unit, one per max-pool comparison (as `regionAt` builds them in x), plus the box rows.
 * Row ids are the enumeration's facet labels (box face −1 − f; `unit · 256 + state on the other
 * side`), so `estimateFacets` on it estimates the enumeration's facets.
 *
 * @example
 * const h = subspaceRegionAt(net, res, res.regions[0]!.interior);
 * estimateFacets(h, res.regions[0]!.interior, 2000, mulberry32(1)).facets; // ⊆ res.regions[0]!.facets
 */
export function subspaceRegionAt(
  netLike: NetworkLike,
  sub: { readonly origin: ArrayLike<number>; readonly dirs: Float64Array; readonly box: readonly number[]; readonly dim: number },
  t: ArrayLike<number>,
): HPolytope {
  const prepared = prepareNetwork(netLike);
  const net = prepared.network;
  const d = net.inputSize;
  const k = sub.dim;
  const m = k + 1;
  const x = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let v = sub.origin[i]!;
    for (let j = 0; j < k; j++) v += sub.dirs[i * k + j]! * t[j]!;
    x[i] = v;
  }
  const { code } = forwardWithCode(prepared, x);
  // Every node's family along the subspace under x's code: column 0 its value at t, 1…k its slopes.
  const fam = propagateFamily(prepared, code, x, sub.dirs, k, true);
  const Q: number[] = [];
  const p: number[] = [];
  const ids: number[] = [];
  for (let f = 0; f < 2 * k; f++) {
    const j = f >> 1;
    for (let q = 0; q < k; q++) Q.push(q === j ? (f & 1 ? -1 : 1) : 0);
    p.push(f & 1 ? -sub.box[2 * j]! : sub.box[2 * j + 1]!);
    ids.push(boxFaceLabel(f));
  }
  // Row sign·(g(t') − shift) ≤ 0 with g(t') = Z[a] + Σ_j Z[a + j] (t'_j − t_j) (minus Z[b]'s family when b ≥ 0).
  const push = (Z: Float64Array, a: number, b: number, sign: number, shift: number, label: number): void => {
    let rhs = -(Z[a]! - (b >= 0 ? Z[b]! : 0) - shift);
    for (let j = 0; j < k; j++) {
      const g = Z[a + 1 + j]! - (b >= 0 ? Z[b + 1 + j]! : 0);
      Q.push(sign * g);
      rhs += g * t[j]!;
    }
    p.push(sign * rhs);
    ids.push(label);
  };
  for (const slot of net.activations) {
    const node = net.activationNode(slot);
    const Z = fam[node.inputs[0]!]!;
    for (let u = 0; u < slot.numUnits; u++) {
      const unit = slot.offset + u;
      const st = code[unit]!;
      if (node.type === 'relu' || node.type === 'leaky_relu' || node.type === 'prelu')
        push(Z, u * m, -1, st ? -1 : 1, 0, edgeLabel(unit, 1 - st));
      else if (node.type === 'hardtanh') {
        if (st !== 2) push(Z, u * m, -1, 1, st === 0 ? node.min : node.max, edgeLabel(unit, st === 0 ? 1 : 2));
        if (st !== 0) push(Z, u * m, -1, -1, st === 2 ? node.max : node.min, edgeLabel(unit, st === 2 ? 1 : 0));
      } else {
        const w = prepared.window(slot.node);
        let src = -1;
        for (let q = w.start[u]!; q < w.start[u + 1]!; q++) if (w.slot[q] === st) src = w.taps[q]!;
        // Tap `other` below the chosen one: Z_other − Z_src ≤ 0.
        for (let q = w.start[u]!; q < w.start[u + 1]!; q++)
          if (w.taps[q] !== src) push(Z, w.taps[q]! * m, src * m, 1, 0, edgeLabel(unit, w.slot[q]!));
      }
    }
  }
  return { dim: k, Q: Float64Array.from(Q), p: Float64Array.from(p), ids: Int32Array.from(ids) };
}
