/**
 * Cross-sections (dissertation §6.3, Figs. 6.8–6.13): the anchor rule (three mutually closest
 * images of one class), and the region map of a plane computed on a p × p grid two ways — by
 * activation codes and by the dissertation's Jacobian-tolerance scan (Fig. 6.12) — compared with
 * the exact partition of the plane (`slicePlane`).
 */
import { now } from '../clock.js';
import { PolytopeError } from '../errors.js';
import { JACOBIAN_GRID_TOLERANCE, TRIPLE_PRUNE_REL } from '../geometry/predicates.js';
import { borrowNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { affineMapOfCode } from '../spline/affine.js';
import type { Box2, Plane } from '../regions/slice.js';
import { forwardBatchWithCodes } from './batch.js';

/** The closest triple of a point set and what the search cost. */
export interface ClosestTriple {
  /** Indices into the point set, ascending. */
  readonly indices: readonly [number, number, number];
  /** Sum of the three pairwise Euclidean distances (the minimized quantity). */
  readonly perimeter: number;
  /** Distances |ab|, |ac|, |bc| of the triple (indices a < b < c). */
  readonly distances: readonly [number, number, number];
  /** Pairs taken as the triple's longest edge before the bound stopped the search. */
  readonly pairsExamined: number;
  /** n(n − 1)/2. */
  readonly pairs: number;
}

/**
 * Largest point set `closestTriple` accepts (its distance matrix is n² float64).
 *
 * @example
 * if (n > MAX_TRIPLE_POINTS) console.log('pick one class');
 */
export const MAX_TRIPLE_POINTS = 6000;

/** Pairwise Euclidean distances (n × n, float64, direct sums of squared differences). */
function distanceMatrix(xs: ArrayLike<number>, n: number, d: number): Float64Array {
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = xs[i * d + k]! - xs[j * d + k]!;
        s += t * t;
      }
      const r = Math.sqrt(s);
      dist[i * n + j] = r;
      dist[j * n + i] = r;
    }
  return dist;
}

/** True when triple (a, b, c) (ascending) comes before (x, y, z) lexicographically. */
function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/**
 * The three points that are mutually closest: the triple minimizing the sum of its three pairwise
 * Euclidean distances (ties: the lexicographically smallest index triple). Exact, by branch and
 * bound: pairs are visited by increasing distance e as the triple's longest edge, each with every
 * third point k within e of both ends; since a triangle's perimeter is at least twice its longest
 * edge, the search stops once 2e exceeds the best perimeter (with a rounding margin). Cost: the
 * n²/2 distances, a sort, and n per examined pair.
 *
 * @example
 * closestTriple([0, 0, 10, 10, 0, 1, 1, 0, 5, 5], 5, 2).indices; // [0, 2, 3]: (0,0), (0,1), (1,0)
 */
export function closestTriple(xs: ArrayLike<number>, n: number, d: number): ClosestTriple {
  if (!Number.isInteger(n) || n < 3) throw new PolytopeError('bad-option', `a closest triple needs at least 3 points, got ${n}`);
  if (n > MAX_TRIPLE_POINTS)
    throw new PolytopeError('too-large', `closest triple of ${n} points: at most ${MAX_TRIPLE_POINTS} (pick a class or fewer rows)`);
  if (xs.length !== n * d) throw new PolytopeError('shape-mismatch', `${n} points of ${d} values need ${n * d} numbers, got ${xs.length}`);
  const dist = distanceMatrix(xs, n, d);
  const pairs = (n * (n - 1)) / 2;
  const order = new Uint32Array(pairs);
  const pi = new Uint32Array(pairs);
  const pj = new Uint32Array(pairs);
  let m = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      pi[m] = i;
      pj[m] = j;
      order[m] = m;
      m++;
    }
  order.sort((a, b) => dist[pi[a]! * n + pj[a]!]! - dist[pi[b]! * n + pj[b]!]! || a - b);
  let best = Infinity;
  let bestT: number[] = [0, 1, 2];
  let examined = 0;
  for (let q = 0; q < pairs; q++) {
    const i = pi[order[q]!]!;
    const j = pj[order[q]!]!;
    const e = dist[i * n + j]!;
    if (2 * e > best * (1 + TRIPLE_PRUNE_REL)) break;
    examined++;
    for (let k = 0; k < n; k++) {
      if (k === i || k === j) continue;
      const a = dist[i * n + k]!;
      const b = dist[j * n + k]!;
      if (a > e || b > e) continue;
      const per = e + a + b;
      if (per > best) continue;
      const t = [i, j, k].sort((x, y) => x - y);
      if (per < best || lexLess(t, bestT)) {
        best = per;
        bestT = t;
      }
    }
  }
  const [a, b, c] = bestT as [number, number, number];
  return {
    indices: [a, b, c],
    perimeter: best,
    distances: [dist[a * n + b]!, dist[a * n + c]!, dist[b * n + c]!],
    pairsExamined: examined,
    pairs,
  };
}

/** Union–find over n items (path halving, union by index: the smaller root wins, so roots are stable). */
class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
  /** Dense labels 0…k−1 in order of first appearance, and k. */
  labels(): { labels: Int32Array; count: number } {
    const n = this.parent.length;
    const labels = new Int32Array(n).fill(-1);
    const rootLabel = new Int32Array(n).fill(-1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const r = this.find(i);
      if (rootLabel[r] === -1) rootLabel[r] = count++;
      labels[i] = rootLabel[r]!;
    }
    return { labels, count };
  }
}

/**
 * The grid point (row i from the top, column j from the left) of a p × p grid on a box: cell
 * centres, s = s0 + (j + ½)·Δs, t = t1 − (i + ½)·Δt.
 *
 * @example
 * gridPoint([0, 1, 0, 1], 2, 0, 0); // [0.25, 0.75]
 */
export function gridPoint(box: Box2, p: number, i: number, j: number): [number, number] {
  const [s0, s1, t0, t1] = box;
  return [s0 + ((j + 0.5) * (s1 - s0)) / p, t1 - ((i + 0.5) * (t1 - t0)) / p];
}

/** Activation codes of a p × p grid on a plane. */
export interface GridCodes {
  readonly p: number;
  readonly box: Box2;
  /** Code id of each grid point, row-major from the top-left (`i * p + j`). */
  readonly codeId: Int32Array;
  /** The distinct codes (`codes[id]`, each `numUnits` bytes), in order of first appearance. */
  readonly codes: Uint8Array[];
  /** Connected components of equal codes (4-neighbours): label of each point and their number. */
  readonly component: Int32Array;
  readonly components: number;
  /** Seconds spent on the forward passes and on the components. */
  readonly seconds: { forward: number; components: number };
}

/** Rows of grid points per batched forward pass. */
const GRID_BATCH = 256;

/** Key of a code for hashing (one char per unit). */
function codeBytesKey(code: Uint8Array): string {
  let s = '';
  for (let i = 0; i < code.length; i += 4096) s += String.fromCharCode(...code.subarray(i, i + 4096));
  return s;
}

/**
 * Activation codes on the p × p grid of `box` in `plane` (batched float64 forward passes, the
 * rules of `forwardWithCode`), distinct codes and the connected components of equal codes.
 *
 * @example
 * const g = gridCodes(net, inputPlane(net), [-1, 1, -1, 1], 50);
 * g.codes.length; // distinct activation codes seen on the grid
 * g.components;   // connected components of equal codes (4-neighbours)
 */
export function gridCodes(netLike: NetworkLike, plane: Plane, box: Box2, p: number): GridCodes {
  if (!Number.isInteger(p) || p < 2 || p > 4096)
    throw new PolytopeError('bad-option', `grid size p must be an integer from 2 to 4096, got ${p}`);
  const prepared = borrowNetwork(netLike);
  prepared.requireCodes();
  const net = prepared.network;
  const d = net.inputSize;
  if (plane.origin.length !== d)
    throw new PolytopeError('shape-mismatch', `the plane lives in ${plane.origin.length} dimensions but the network has ${d} inputs`);
  const units = net.numUnits;
  const t0 = now();
  const codeId = new Int32Array(p * p);
  const codes: Uint8Array[] = [];
  const index = new Map<string, number>();
  const xs = new Float64Array(GRID_BATCH * d);
  for (let start = 0; start < p * p; start += GRID_BATCH) {
    const count = Math.min(GRID_BATCH, p * p - start);
    for (let k = 0; k < count; k++) {
      const q = start + k;
      const [s, t] = gridPoint(box, p, Math.floor(q / p), q % p);
      for (let c = 0; c < d; c++) xs[k * d + c] = plane.origin[c]! + s * plane.u[c]! + t * plane.v[c]!;
    }
    const { codes: block } = forwardBatchWithCodes(prepared, xs.subarray(0, count * d), count);
    for (let k = 0; k < count; k++) {
      const code = block.subarray(k * units, (k + 1) * units);
      const key = codeBytesKey(code);
      let id = index.get(key);
      if (id === undefined) {
        id = codes.length;
        index.set(key, id);
        codes.push(Uint8Array.from(code));
      }
      codeId[start + k] = id;
    }
  }
  const t1 = now();
  const uf = new UnionFind(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const q = i * p + j;
      if (j > 0 && codeId[q - 1] === codeId[q]) uf.union(q - 1, q);
      if (i > 0 && codeId[q - p] === codeId[q]) uf.union(q - p, q);
    }
  const { labels, count } = uf.labels();
  const t2 = now();
  return {
    p,
    box,
    codeId,
    codes,
    component: labels,
    components: count,
    seconds: { forward: (t1 - t0) / 1000, components: (t2 - t1) / 1000 },
  };
}

/** Result of the dissertation's Jacobian-tolerance grid scan (Fig. 6.12). */
export interface JacobianGrid {
  readonly tolerance: number;
  /** Region (union–find class) of each grid point, dense labels. */
  readonly label: Int32Array;
  readonly regions: number;
  /** Comparisons the Fig. 6.12 scan makes (left neighbour + the row above from above-left to the right end). */
  readonly comparisons: number;
  /** Distances actually evaluated (each pair of distinct codes once: equal codes have equal maps). */
  readonly distanceEvaluations: number;
  /** Affine maps (J, y) computed: one per distinct code (more when the map budget forces recomputation). */
  readonly mapsComputed: number;
  readonly seconds: { maps: number; scan: number };
}

/**
 * Bytes of code maps `jacobianGrid` keeps for reuse (beyond it: only the current and previous row's).
 *
 * @example
 * jacobianGrid(net, grid, 1e-6, JACOBIAN_MAP_BUDGET / 4); // a smaller cache
 */
export const JACOBIAN_MAP_BUDGET = 512 * 1024 * 1024;

/** Coefficients per map: o × (d + 1). */
function coefficientsLength(netLike: NetworkLike): number {
  const net = borrowNetwork(netLike).network;
  return net.outputSize * (net.inputSize + 1);
}

/** ‖a − b‖₂ of two coefficient vectors. */
function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

/** Coefficients [J row-major | y] of one code. */
function coefficientsOf(netLike: NetworkLike, code: Uint8Array): Float64Array {
  const m = affineMapOfCode(netLike, code);
  const out = new Float64Array(m.jacobian.length + m.offset.length);
  out.set(m.jacobian);
  out.set(m.offset, m.jacobian.length);
  return out;
}

/**
 * The dissertation's Jacobian grid method (§6.3, Fig. 6.12) on the grid of `gridCodes`: points in
 * order left to right, top to bottom; each point is compared with its left neighbour and with the
 * row above from the point above-left to the right end; it joins (union–find) every compared point
 * whose coefficients [J | y] are within `tolerance` (Euclidean norm of the difference). Each grid
 * point's coefficients are the exact float64 map of its activation code (`affineMapOfCode`), so the
 * result is that of the per-point method; each code's map is computed once (while `mapBudget` bytes
 * hold them; beyond it, once per row it appears in), and each distance once per pair of codes.
 *
 * @example
 * const g = gridCodes(net, inputPlane(net), [-1, 1, -1, 1], 50);
 * jacobianGrid(net, g, 1e-6).regions; // ≤ g.components when equal maps have different codes
 */
export function jacobianGrid(
  netLike: NetworkLike,
  grid: GridCodes,
  tolerance = JACOBIAN_GRID_TOLERANCE,
  mapBudget = JACOBIAN_MAP_BUDGET,
): JacobianGrid {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance))
    throw new PolytopeError('bad-option', `the Jacobian tolerance must be a finite number ≥ 0, got ${tolerance}`);
  const { p, codeId, codes } = grid;
  const uf = new UnionFind(p * p);
  let maps: Map<number, Float64Array> = new Map();
  const same = new Map<number, boolean>();
  const nc = codes.length;
  let comparisons = 0;
  let evaluations = 0;
  let computed = 0;
  let mapSeconds = 0;
  const t0 = now();
  const near = (a: number, b: number): boolean => {
    if (a === b) return true;
    const key = a < b ? a * nc + b : b * nc + a;
    let r = same.get(key);
    if (r === undefined) {
      evaluations++;
      r = distance(maps.get(a)!, maps.get(b)!) <= tolerance;
      same.set(key, r);
    }
    return r;
  };
  const perMap = 8 * (codes[0] ? coefficientsLength(netLike) : 0);
  for (let i = 0; i < p; i++) {
    const tm = now();
    // Keep every map while they fit in the budget; beyond it, only the maps of this row and the row above.
    if (maps.size * perMap > mapBudget) {
      const keep = new Map<number, Float64Array>();
      for (let k = Math.max(0, i - 1) * p; k < i * p; k++) keep.set(codeId[k]!, maps.get(codeId[k]!)!);
      maps = keep;
    }
    for (let j = 0; j < p; j++) {
      const id = codeId[i * p + j]!;
      if (maps.has(id)) continue;
      maps.set(id, coefficientsOf(netLike, codes[id]!));
      computed++;
    }
    mapSeconds += (now() - tm) / 1000;
    for (let j = 0; j < p; j++) {
      const q = i * p + j;
      const id = codeId[q]!;
      if (j > 0) {
        comparisons++;
        if (near(id, codeId[q - 1]!)) uf.union(q, q - 1);
      }
      if (i === 0) continue;
      let last = -1;
      for (let k = Math.max(0, j - 1); k < p; k++) {
        comparisons++;
        const other = codeId[q - p - j + k]!;
        // Consecutive points of one code in the row above are in one class already (left joins).
        if (other === last) continue;
        last = other;
        if (near(id, other)) uf.union(q, q - p - j + k);
      }
    }
  }
  const { labels, count } = uf.labels();
  const total = (now() - t0) / 1000;
  return {
    tolerance,
    label: labels,
    regions: count,
    comparisons,
    distanceEvaluations: evaluations,
    mapsComputed: computed,
    seconds: { maps: mapSeconds, scan: total - mapSeconds },
  };
}

/** The exact partition of the plane as `compareCrossSection` needs it. */
export interface ExactRegions {
  /** Activation code of each exact region. */
  readonly codes: readonly Uint8Array[];
  /** Linear-region id of each exact region (regions with equal maps on the plane joined across edges). */
  readonly linearRegion: ArrayLike<number>;
  /** Number of linear regions. */
  readonly linearRegions: number;
}

/** The grid methods against the exact partition. */
export interface CrossSectionComparison {
  readonly exact: { readonly regions: number; readonly linearRegions: number; readonly hit: number; readonly missed: number };
  readonly codes: {
    readonly distinct: number;
    readonly components: number;
    /** Grid codes that are not the code of any exact region (0 unless a grid point sits on a boundary of the exact map's own rules). */
    readonly unmatched: number;
    /** Exact regions whose grid points fall into several components (thin or non-convexly sampled regions). */
    readonly splitExact: number;
  };
  readonly jacobian: {
    readonly regions: number;
    /** Jacobian regions whose points lie in several exact regions (activation regions). */
    readonly mergingRegions: number;
    /** Jacobian regions whose points lie in several exact linear regions (different maps on the plane). */
    readonly mergingLinear: number;
    /** Exact regions (hit by the grid) that share their Jacobian region with another exact region. */
    readonly mergedExact: number;
    /** Exact regions whose grid points fall into several Jacobian regions. */
    readonly splitExact: number;
  };
  /** 4-neighbour grid pairs across a code change, and those the Jacobian method does not see (Fig. 6.13). */
  readonly boundaries: {
    readonly codeChanges: number;
    readonly missed: number;
    /** Missed, and the two codes' maps [J | y] are bitwise equal. */
    readonly missedEqualMaps: number;
    /** Missed, the maps differ by at most the tolerance. */
    readonly missedWithinTolerance: number;
    /** Missed, the maps differ by more than the tolerance (joined through a chain of other points). */
    readonly missedChained: number;
    /** Missed pairs whose two exact regions have the same map on the plane (same exact linear region). */
    readonly missedSameLinearRegion: number;
  };
  /** Exact region of each grid point (−1: unmatched). */
  readonly exactOf: Int32Array;
  /** Whether each exact region holds a grid point. */
  readonly hit: Uint8Array;
  /** Missed boundaries: grid point q with its right (`dir` 0) or lower (`dir` 1) neighbour, as q * 2 + dir. */
  readonly missedEdges: Int32Array;
}

/** Number of distinct values of `b` per class of `a` (points with b < 0 ignored): classes with > 1. */
function classesSpanning(a: Int32Array, b: ArrayLike<number>, classes: number): { spanning: number; first: Int32Array } {
  const first = new Int32Array(classes).fill(-1);
  const many = new Uint8Array(classes);
  for (let q = 0; q < a.length; q++) {
    const v = b[q]!;
    if (v < 0) continue;
    const c = a[q]!;
    if (first[c] === -1) first[c] = v;
    else if (first[c] !== v) many[c] = 1;
  }
  let spanning = 0;
  for (let c = 0; c < classes; c++) spanning += many[c]!;
  return { spanning, first };
}

/**
 * Compares the grid methods with the exact partition: exact regions hit and missed by the grid,
 * regions of each grid method that span several exact regions (merges) or exact regions spread over
 * several grid regions (splits), and every code change between 4-neighbours that the Jacobian method
 * does not see, by why (equal maps, maps within the tolerance, joined through a chain).
 *
 * @example
 * const res = slicePlane(net, plane, box);
 * const g = gridCodes(net, plane, box, 100);
 * const jac = jacobianGrid(net, g);
 * const cmp = compareCrossSection(net, g, jac, { codes: res.regions.map((r) => r.code), linearRegion: res.linearRegionOf, linearRegions: res.summary.linearRegions });
 * cmp.exact.missed; // exact regions that hold no grid point
 */
export function compareCrossSection(netLike: NetworkLike, grid: GridCodes, jac: JacobianGrid, exact: ExactRegions): CrossSectionComparison {
  const { p, codeId, codes } = grid;
  const index = new Map<string, number>();
  exact.codes.forEach((c, r) => {
    const k = codeBytesKey(c);
    if (!index.has(k)) index.set(k, r);
  });
  const exactOfCode = codes.map((c) => index.get(codeBytesKey(c)) ?? -1);
  const n = exact.codes.length;
  const exactOf = new Int32Array(p * p);
  const hit = new Uint8Array(n);
  for (let q = 0; q < p * p; q++) {
    const r = exactOfCode[codeId[q]!]!;
    exactOf[q] = r;
    if (r >= 0) hit[r] = 1;
  }
  const linearOf = Int32Array.from(exactOf, (r) => (r < 0 ? -1 : exact.linearRegion[r]!));
  let hits = 0;
  for (let r = 0; r < n; r++) hits += hit[r]!;
  const splitCodes = classesSpanning(exactOf, grid.component, n);
  const mergeJ = classesSpanning(jac.label, exactOf, jac.regions);
  const mergeL = classesSpanning(jac.label, linearOf, jac.regions);
  const splitJ = classesSpanning(exactOf, jac.label, n);
  // Exact regions sharing a Jacobian region with another exact region.
  const merged = new Uint8Array(n);
  const owner = new Int32Array(jac.regions).fill(-1);
  for (let q = 0; q < p * p; q++) {
    const r = exactOf[q]!;
    if (r < 0) continue;
    const c = jac.label[q]!;
    if (owner[c] === -1) owner[c] = r;
    else if (owner[c] !== r) {
      merged[r] = 1;
      merged[owner[c]!] = 1;
    }
  }
  let mergedExact = 0;
  for (let r = 0; r < n; r++) mergedExact += merged[r]!;
  return {
    exact: { regions: n, linearRegions: exact.linearRegions, hit: hits, missed: n - hits },
    codes: {
      distinct: codes.length,
      components: grid.components,
      unmatched: exactOfCode.filter((r) => r < 0).length,
      splitExact: splitCodes.spanning,
    },
    jacobian: {
      regions: jac.regions,
      mergingRegions: mergeJ.spanning,
      mergingLinear: mergeL.spanning,
      mergedExact,
      splitExact: splitJ.spanning,
    },
    ...missedBoundaries(netLike, grid, jac, linearOf),
    exactOf,
    hit,
  };
}

/** Code changes between 4-neighbours, and those inside one Jacobian region, by cause. */
function missedBoundaries(
  netLike: NetworkLike,
  grid: GridCodes,
  jac: JacobianGrid,
  linearOf: Int32Array,
): { boundaries: CrossSectionComparison['boundaries']; missedEdges: Int32Array } {
  const { p, codeId, codes } = grid;
  const maps = new Map<number, Float64Array>();
  const mapOf = (id: number): Float64Array => {
    let m = maps.get(id);
    if (!m) {
      m = coefficientsOf(netLike, codes[id]!);
      maps.set(id, m);
    }
    return m;
  };
  const dist = new Map<number, number>();
  const nc = codes.length;
  let changes = 0;
  let equal = 0;
  let within = 0;
  let chained = 0;
  let sameLinear = 0;
  const edges: number[] = [];
  for (let q = 0; q < p * p; q++)
    for (const dir of [0, 1]) {
      if (dir === 0 ? q % p === p - 1 : q + p >= p * p) continue;
      const r = dir === 0 ? q + 1 : q + p;
      const a = codeId[q]!;
      const b = codeId[r]!;
      if (a === b) continue;
      changes++;
      if (jac.label[q] !== jac.label[r]) continue;
      edges.push(q * 2 + dir);
      const key = a < b ? a * nc + b : b * nc + a;
      let d = dist.get(key);
      if (d === undefined) {
        d = distance(mapOf(a), mapOf(b));
        dist.set(key, d);
      }
      if (d === 0) equal++;
      else if (d <= jac.tolerance) within++;
      else chained++;
      if (linearOf[q]! >= 0 && linearOf[q] === linearOf[r]) sameLinear++;
    }
  return {
    boundaries: {
      codeChanges: changes,
      missed: edges.length,
      missedEqualMaps: equal,
      missedWithinTolerance: within,
      missedChained: chained,
      missedSameLinearRegion: sameLinear,
    },
    missedEdges: Int32Array.from(edges),
  };
}
