/**
 * Exact partition of a 2-D slice: either the input box of a 2-input network, or the plane
 * `origin + s·u + t·v` through a high-dimensional input space (e.g. through three images A, B, C,
 * as the dissertation's Eq. 6.2). Works for every supported network (MLPs, CNNs with batch-norm,
 * max-pool, average pool, residual adds), because the engine only needs each layer's linear part.
 */
import { now } from '../clock.js';
import { PolytopeError, checkFinite } from '../errors.js';
import { BOUNDARY, boxPolygon, createPolygonOps, labelState, labelUnit, polygonArea } from '../geometry/cells.js';
import type { CellOps, Polygon } from '../geometry/cells.js';
import {
  BOX_OVERFLOW_HEADROOM,
  EDGE_PROBE_STEP,
  JOIN_QUANTUM,
  PLANE_SPAN_EPS,
  atLeast,
  atMost,
  pairTolerance,
  affineTolerance,
  resolveTolerances,
  sameMap,
  signWithin,
} from '../geometry/predicates.js';
import type { Tolerances } from '../geometry/predicates.js';
import { CompensatedSum } from '../geometry/sum.js';
import { forward, forwardAll } from '../network/forward.js';
import { networkOf, prepareNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { CodeHasher, HashIndex } from './code-hash.js';
import { Float64Arena, Uint8Arena } from '../arena.js';
import { runPartition } from './engine.js';
import { coincidentFirstLayerUnits } from './resolution.js';
import type { CoincidentUnit } from './resolution.js';
import type { PartitionOptions } from './engine.js';

/** A plane in input space: x(s, t) = origin + s·u + t·v. */
export interface Plane {
  readonly origin: Float64Array;
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** Slice coordinates of named anchor points (A, B, C for `planeThrough`). */
  readonly anchors?: readonly { name: string; s: number; t: number }[];
}

/** `[sMin, sMax, tMin, tMax]`. */
export type Box2 = readonly [number, number, number, number];

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/**
 * The plane of a 2-input network's own coordinates.
 *
 * @example
 * slicePlane(net, inputPlane(net), [-1, 1, -1, 1]); // a 2-input network's own input plane
 */
export function inputPlane(netLike: NetworkLike): Plane {
  const net = networkOf(netLike);
  if (net.inputSize !== 2) {
    throw new PolytopeError(
      'bad-domain',
      `the network has ${net.inputSize} inputs; give a plane (--through A,B,C or --origin/--dirs) to slice it`,
    );
  }
  return { origin: new Float64Array(2), u: Float64Array.of(1, 0), v: Float64Array.of(0, 1) };
}

/**
 * The plane through three inputs A, B, C (Eq. 6.2): u = (B − A)/|B − A|, v the normalized
 * Gram–Schmidt remainder of C − A. A sits at (0, 0), B at (|B − A|, 0).
 *
 * @example
 * const plane = planeThrough([0, 0, 0], [1, 0, 0], [0, 1, 0]); // anchors A, B, C at (0,0), (1,0), (0,1) in (s, t)
 */
export function planeThrough(a: ArrayLike<number>, b: ArrayLike<number>, c: ArrayLike<number>): Plane {
  const d = a.length;
  if (b.length !== d || c.length !== d)
    throw new PolytopeError('shape-mismatch', `A, B, C must have the same length (${a.length}, ${b.length}, ${c.length})`);
  checkFinite(a, 'A');
  checkFinite(b, 'B');
  checkFinite(c, 'C');
  const u = new Float64Array(d);
  const w = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    u[i] = b[i]! - a[i]!;
    w[i] = c[i]! - a[i]!;
  }
  const nu = norm(u);
  if (nu === 0) throw new PolytopeError('bad-domain', 'A and B are the same point; three distinct, non-collinear inputs are needed');
  for (let i = 0; i < d; i++) u[i] = u[i]! / nu;
  let dot = 0;
  for (let i = 0; i < d; i++) dot += w[i]! * u[i]!;
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) v[i] = w[i]! - dot * u[i]!;
  const nv = norm(v);
  if (atMost(nv, 0, PLANE_SPAN_EPS * Math.max(norm(w), nu)))
    throw new PolytopeError('bad-domain', 'A, B and C are collinear; they do not span a plane');
  for (let i = 0; i < d; i++) v[i] = v[i]! / nv;
  return {
    origin: Float64Array.from(a),
    u,
    v,
    anchors: [
      { name: 'A', s: 0, t: 0 },
      { name: 'B', s: nu, t: 0 },
      { name: 'C', s: dot, t: nv },
    ],
  };
}

/**
 * The plane through `origin` spanned by d1, d2 as given (not normalized: slice coordinates are their coefficients).
 *
 * @example
 * const plane = planeFromDirections([0, 0, 0], [1, 0, 0], [0, 1, 1]);
 */
export function planeFromDirections(origin: ArrayLike<number>, d1: ArrayLike<number>, d2: ArrayLike<number>): Plane {
  const d = origin.length;
  if (d1.length !== d || d2.length !== d)
    throw new PolytopeError(
      'shape-mismatch',
      `origin and directions must have the same length (${origin.length}, ${d1.length}, ${d2.length})`,
    );
  checkFinite(origin, 'origin');
  checkFinite(d1, 'direction 1');
  checkFinite(d2, 'direction 2');
  const u = Float64Array.from(d1);
  const v = Float64Array.from(d2);
  const nu = norm(u);
  const nv = norm(v);
  let dot = 0;
  for (let i = 0; i < d; i++) dot += u[i]! * v[i]!;
  if (nu === 0 || nv === 0 || Math.abs(dot) >= (1 - PLANE_SPAN_EPS) * nu * nv)
    throw new PolytopeError('bad-domain', 'the two directions are zero or parallel; they do not span a plane');
  return { origin: Float64Array.from(origin), u, v };
}

/**
 * Default box around a plane's anchors: their bounding box widened by 25 % on every side.
 *
 * @example
 * const plane = planeThrough(a, b, c);
 * anchorBox(plane); // [-0.25, 1.25, -0.25, 1.25] for anchors at (0,0), (1,0), (0,1)
 */
export function anchorBox(plane: Plane, margin = 0.25): Box2 {
  const an = plane.anchors ?? [];
  if (an.length === 0) return [-1, 1, -1, 1];
  let s0 = Infinity,
    s1 = -Infinity,
    t0 = Infinity,
    t1 = -Infinity;
  for (const p of an) {
    s0 = Math.min(s0, p.s);
    s1 = Math.max(s1, p.s);
    t0 = Math.min(t0, p.t);
    t1 = Math.max(t1, p.t);
  }
  const span = Math.max(s1 - s0, t1 - t0);
  return [s0 - margin * span, s1 + margin * span, t0 - margin * span, t1 + margin * span];
}

export function checkBox(box: readonly number[]): Box2 {
  if (box.length !== 4 || box.some((x) => !Number.isFinite(x)))
    throw new PolytopeError('bad-domain', `a 2-D box needs four finite numbers x0,x1,y0,y1; got [${box.join(', ')}]`);
  const [a, b, c, d] = box as [number, number, number, number];
  if (!(a < b) || !(c < d))
    throw new PolytopeError('bad-domain', `the box [${a}, ${b}] × [${c}, ${d}] is empty or inverted (need x0 < x1 and y0 < y1)`);
  if (!Number.isFinite((b - a) * (d - c) * BOX_OVERFLOW_HEADROOM))
    throw new PolytopeError(
      'bad-domain',
      `the box [${a}, ${b}] × [${c}, ${d}] is too large: its area overflows float64 (keep (x1 − x0)·(y1 − y0) below ${Number.MAX_VALUE / BOX_OVERFLOW_HEADROOM})`,
    );
  return [a, b, c, d];
}

/**
 * `checkBox`, and the network's values at the box's corners on the plane must be finite (a box so
 * large that the network overflows float64 there would give NaN maps and a wrong partition).
 *
 * @example
 * checkSliceDomain(net, inputPlane(net), [-1, 1, -1, 1]); // [-1, 1, -1, 1]
 */
export function checkSliceDomain(netLike: NetworkLike, plane: Plane, box: readonly number[]): Box2 {
  const b = checkBox(box);
  const d = plane.origin.length;
  if (d !== networkOf(netLike).inputSize) return b; // the caller reports the mismatch
  for (const s of [b[0], b[1]])
    for (const t of [b[2], b[3]]) {
      const x = new Float64Array(d);
      for (let i = 0; i < d; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
      const finite = x.every(Number.isFinite) && forwardAll(netLike, x).values.every((v) => v.every(Number.isFinite));
      if (!finite)
        throw new PolytopeError(
          'bad-domain',
          `the network's values overflow float64 at the box corner (${s}, ${t}): use a smaller box (or smaller plane directions)`,
        );
    }
  return b;
}

/** One region of a slice: polygon in plane coordinates, activation code, area and affine map on the plane. */
export interface SliceRegion {
  /** Emission order index. */
  readonly index: number;
  /** Activation code states (copy). */
  readonly code: Uint8Array;
  /** Counter-clockwise polygon, interleaved [s0, t0, s1, t1, …]. */
  readonly vertices: Float64Array;
  /** Label of each edge (edge i runs from vertex i to i+1): `unit · 256 + neighbour state`, −1 on the box. */
  readonly labels: Int32Array;
  readonly area: number;
  /** Affine map on the plane, per output r: `map[3r] + map[3r+1]·s + map[3r+2]·t`. */
  readonly map: Float64Array;
}

/** Counts and sizes of a slice: regions, linear regions, total area, boundary length, time. */
export interface SliceSummary {
  /** Activation regions. */
  regions: number;
  /** Linear regions: activation regions joined across shared edges where the affine map is the same. */
  linearRegions: number;
  totalArea: number;
  boxArea: number;
  /** Length of the decision boundary (zero level for one output, argmax changes for several). */
  boundaryLength: number;
  /** Regions with area below `tolerances.thinArea` (THIN_AREA_EPS) × box area (kept, never dropped). */
  thinRegions: number;
  /** Seconds spent computing the partition (no loading or writing). */
  seconds: number;
}

/** Options for `slicePlane`. */
export interface SliceOptions extends PartitionOptions {
  /** Keep every region in memory and return them (default true). Set false with `onRegion` to stream. */
  collect?: boolean;
  /** Receives each region as it is found. */
  onRegion?: (r: SliceRegion) => void;
}

/** Result of `slicePlane`: the regions, the decision boundary and a summary. */
export interface SliceResult {
  readonly summary: SliceSummary;
  readonly regions: SliceRegion[];
  /** Decision boundary as polylines, each interleaved [s0, t0, s1, t1, …]. */
  readonly boundary: Float64Array[];
  /** Linear-region id of each region (collect mode) — regions with the same id form one linear region. */
  readonly linearRegionOf: Int32Array;
  readonly plane: Plane;
  readonly box: Box2;
}

/** A growable float64 list. */
export class GrowF64 {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = v;
  }
  /** Appends every value of `xs`. */
  append(xs: ArrayLike<number>): void {
    this.reserve(xs.length);
    for (let i = 0; i < xs.length; i++) this.data[this.length++] = xs[i]!;
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const d = new Float64Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
}

/**
 * The facts about one region that need nothing but the region itself — area, code hash, the hashes
 * of the neighbours across each edge, decision-boundary segments — so they can be computed on the
 * thread that found the region (see `SliceAccumulator.addDescribed`).
 */
export class RegionDescriber {
  area = 0;
  hash = 0;
  /** Per edge: the neighbour's code hash, or −1 on the box boundary. */
  neighbours = new Float64Array(64);
  private readonly o: number;
  private readonly hasher: CodeHasher;
  private readonly seg: SegmentContext;
  /** First-layer units whose lines coincide in the plane: crossing one flips them all (linear-region merging). */
  private readonly coincident: Map<number, CoincidentUnit[]>;

  /** `net`: a plain network is read for each probe; pass the run's `PreparedNetwork` to keep it fixed. */
  constructor(netLike: NetworkLike, plane: Plane, box: Box2, tolerances?: Partial<Tolerances>) {
    const net = networkOf(netLike);
    this.o = net.outputSize;
    this.hasher = new CodeHasher(net.numUnits);
    this.coincident = coincidentFirstLayerUnits(netLike, plane);
    this.seg = segmentContext(netLike, plane, box, tolerances);
  }

  /** Hash of the code across an edge made by `unit` with `state` beyond it: units coinciding with it flip too. */
  private neighbourHash(h: number, code: Uint8Array, unit: number, state: number): number {
    let nh = this.hasher.neighbour(h, code, unit, state);
    const partners = this.coincident.get(unit);
    if (partners) for (const p of partners) nh = this.hasher.neighbour(nh, code, p.unit, p.same ? state : 1 - state);
    return nh;
  }

  /** Sets `area`, `hash`, `neighbours[0..cell.n)` and appends the region's decision segments to `segments`. */
  describe(cell: Polygon, code: Uint8Array, output: Float64Array, segments: GrowF64): void {
    this.area = Math.abs(polygonArea(cell.xy, cell.n));
    const h = this.hasher.hash(code);
    this.hash = h;
    if (this.neighbours.length < cell.n) this.neighbours = new Float64Array(2 * cell.n);
    for (let e = 0; e < cell.n; e++) {
      const lab = cell.labels[e]!;
      this.neighbours[e] = lab === BOUNDARY ? -1 : this.neighbourHash(h, code, labelUnit(lab), labelState(lab));
    }
    decisionSegments(this.seg, cell, output, this.o, segments);
  }
}

/**
 * Collects emitted regions of a slice into its summary: compensated area sum, linear-region
 * merging (union–find over neighbours found by code hash), the decision boundary, and (optionally)
 * the region list. Order-independent apart from region indices, so parallel workers can feed it.
 */
export class SliceAccumulator {
  private readonly o: number;
  private readonly boxArea: number;
  private readonly describer: RegionDescriber;
  private readonly index = new HashIndex();
  private readonly maps = new GrowF64();
  private parent = new Int32Array(1024);
  private numLinear = 0;
  private readonly segments = new GrowF64();
  private readonly totalArea = new CompensatedSum(); // the areas must add up to the box
  private thin = 0;
  private count = 0;
  /** Region buffers are views into shared chunks (see arena.ts): cheap to make, and all kept anyway when collecting. */
  private readonly f64 = new Float64Arena();
  private readonly u8 = new Uint8Arena();
  private readonly tolerances: Tolerances;
  readonly regions: SliceRegion[] = [];

  constructor(
    net: NetworkLike,
    readonly plane: Plane,
    readonly box: Box2,
    private readonly collect: boolean,
    private readonly onRegion?: (r: SliceRegion) => void,
    tolerances?: Partial<Tolerances>,
  ) {
    this.o = networkOf(net).outputSize;
    this.boxArea = (box[1] - box[0]) * (box[3] - box[2]);
    this.tolerances = resolveTolerances(tolerances);
    this.describer = new RegionDescriber(net, plane, box, tolerances);
  }

  /** Whether `addDescribed` needs each region's polygon and code (to collect or report regions). */
  get needsRegions(): boolean {
    return this.collect || this.onRegion !== undefined;
  }

  /** Area of all regions so far (for progress). */
  get area(): number {
    return this.totalArea.value;
  }

  private find(i: number): number {
    const parent = this.parent;
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  }

  /** Adds one region: its polygon, code and output family (o × 3, unit-major). */
  add(cell: Polygon, code: Uint8Array, output: Float64Array): void {
    const d = this.describer;
    d.describe(cell, code, output, this.segments);
    this.merge(d.area, d.hash, d.neighbours, cell.n, output, cell, code);
  }

  /**
   * Adds a region described elsewhere (`RegionDescriber` on a worker): its area, code hash,
   * neighbour hashes per edge, output family and decision segments; the polygon and code only
   * when `needsRegions`.
   */
  // eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md); called once per region by packages/cli slice-parallel.ts
  addDescribed(
    area: number,
    hash: number,
    neighbours: ArrayLike<number>,
    numEdges: number,
    output: Float64Array,
    segments: ArrayLike<number>,
    cell?: Polygon,
    code?: Uint8Array,
  ): void {
    this.segments.append(segments);
    this.merge(area, hash, neighbours, numEdges, output, cell, code);
  }

  // eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
  private merge(
    area: number,
    h: number,
    neighbours: ArrayLike<number>,
    numEdges: number,
    output: Float64Array,
    cell?: Polygon,
    code?: Uint8Array,
  ): void {
    const o = this.o;
    this.totalArea.add(area);
    if (atMost(area, 0, this.tolerances.thinArea * this.boxArea)) this.thin++;
    const id = this.count++;
    // Linear regions: union with already-seen neighbours (found by code hash) that share the map.
    if (id === this.parent.length) {
      const p = new Int32Array(this.parent.length * 2);
      p.set(this.parent);
      this.parent = p;
    }
    this.parent[id] = id;
    this.numLinear++;
    this.index.set(h, id);
    for (let e = 0; e < numEdges; e++) {
      const nh = neighbours[e]!;
      if (nh < 0) continue;
      const nb = this.index.get(nh);
      if (nb < 0 || nb === id) continue;
      if (sameMap(output, 0, this.maps.data, nb * o * 3, o * 3, this.tolerances.map)) {
        const ra = this.find(id);
        const rb = this.find(nb);
        if (ra !== rb) {
          this.parent[ra] = rb;
          this.numLinear--;
        }
      }
    }
    for (let i = 0; i < o * 3; i++) this.maps.push(output[i]!);
    if (cell && code && (this.collect || this.onRegion)) {
      const region: SliceRegion = {
        index: id,
        code: this.u8.copy(code),
        vertices: this.f64.copy(cell.xy.subarray(0, 2 * cell.n)),
        labels: cell.labels.slice(0, cell.n),
        area,
        map: this.f64.copy(output.subarray(0, o * 3)),
      };
      if (this.collect) this.regions.push(region);
      this.onRegion?.(region);
    }
  }

  /** The result; `seconds` is the partition time to report. */
  finish(seconds: number): SliceResult {
    const segs = this.segments.data.subarray(0, this.segments.length);
    const boundary = joinSegments(segs);
    let boundaryLength = 0;
    for (let i = 0; i < segs.length; i += 4) boundaryLength += Math.hypot(segs[i + 2]! - segs[i]!, segs[i + 3]! - segs[i + 1]!);
    const count = this.count;
    const linearRegionOf = new Int32Array(this.collect ? count : 0);
    if (this.collect) {
      const ids = new Map<number, number>();
      for (let i = 0; i < count; i++) {
        const root = this.find(i);
        let id = ids.get(root);
        if (id === undefined) {
          id = ids.size;
          ids.set(root, id);
        }
        linearRegionOf[i] = id;
      }
    }
    return {
      summary: {
        regions: count,
        linearRegions: this.numLinear,
        totalArea: this.totalArea.value,
        boxArea: this.boxArea,
        boundaryLength,
        thinRegions: this.thin,
        seconds,
      },
      regions: this.regions,
      boundary,
      linearRegionOf,
      plane: this.plane,
      box: this.box,
    };
  }
}

/** Plane directions as the engine's d×2 row-major matrix. */
export function planeDirections(plane: Plane): Float64Array {
  const d = plane.origin.length;
  const dirs = new Float64Array(d * 2);
  for (let i = 0; i < d; i++) {
    dirs[2 * i] = plane.u[i]!;
    dirs[2 * i + 1] = plane.v[i]!;
  }
  return dirs;
}

/** Half-extents of a box as the engine's tolerance scale. */
export function boxExtent(box: Box2): number[] {
  return [Math.max(Math.abs(box[0]), Math.abs(box[1])), Math.max(Math.abs(box[2]), Math.abs(box[3]))];
}

/**
 * Exact partition of `box` in the plane. Returns every region (unless `collect: false`), the
 * summary with activation and linear region counts, and the decision boundary. A plain network is
 * prepared (copied) for this call; pass a `PreparedNetwork` (`prepareNetwork`) when slicing the
 * same network repeatedly.
 *
 * @example
 * const net = readNetworkJson(xorJson);
 * const res = slicePlane(net, inputPlane(net), [-2, 2, -2, 2]);
 * res.summary.regions;       // 3
 * res.regions.map((r) => codeKey(r.code, codeOffsets(net))); // '00', '10', '11' in some order
 */
export function slicePlane(netLike: NetworkLike, plane: Plane, box: readonly number[], options: SliceOptions = {}): SliceResult {
  const b = checkSliceDomain(netLike, plane, box);
  const net = prepareNetwork(netLike);
  const d = net.network.inputSize;
  if (plane.origin.length !== d)
    throw new PolytopeError('shape-mismatch', `the plane lives in ${plane.origin.length} dimensions but the network has ${d} inputs`);
  const acc = new SliceAccumulator(net, plane, b, options.collect ?? true, options.onRegion, options.tolerances);
  const start = now();
  runPartition(
    net,
    createPolygonOps(),
    boxPolygon(b[0], b[1], b[2], b[3]),
    plane.origin,
    planeDirections(plane),
    boxExtent(b),
    (r) => acc.add(r.cell as Polygon, r.code, r.output),
    options,
  );
  return acc.finish((now() - start) / 1000);
}

/** What decision-boundary extraction needs besides the region (one per describer: its own scratch). */
export interface SegmentContext {
  readonly ops: CellOps<Polygon>;
  /** Relative side tolerance. */
  readonly eps: number;
  readonly extent: readonly number[];
  readonly f: Float64Array;
  readonly range: Float64Array;
  vals: Float64Array;
  readonly probe: (s: number, t: number) => number;
}

/** The context of `decisionSegments` for a slice of `net` (probes read the network itself). */
export function segmentContext(netLike: NetworkLike, plane: Plane, box: Box2, tolerances?: Partial<Tolerances>): SegmentContext {
  const d = networkOf(netLike).inputSize;
  const xProbe = new Float64Array(d);
  return {
    ops: createPolygonOps(),
    eps: resolveTolerances(tolerances).side,
    extent: boxExtent(box),
    f: new Float64Array(3),
    range: new Float64Array(2),
    vals: new Float64Array(64),
    // Probe f just outside an edge that lies on the zero level (degenerate nets only).
    probe: (s: number, t: number): number => {
      for (let i = 0; i < d; i++) xProbe[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
      return forward(netLike, xProbe)[0]!;
    },
  };
}

/**
 * Appends the decision-boundary segments inside one region (x0, y0, x1, y1 each).
 * One output: the zero level. Several: the lines where the argmax changes.
 */
export function decisionSegments(ctx: SegmentContext, cell: Polygon, map: Float64Array, o: number, out: GrowF64): void {
  if (o === 1) {
    zeroLevel(ctx, cell, map, 0, out);
    return;
  }
  const alive = argmaxCandidates(ctx, cell, map, o);
  if (alive.length < 2) return;
  // Argmax pieces: P_a = cell ∩ {f_a ≥ f_b ∀b}; each edge between P_a and P_b (a < b) is boundary.
  const { f, extent, eps } = ctx;
  const DEC = -1000;
  for (const a of alive) {
    let piece: Polygon | null = cell;
    for (const b2 of alive) {
      if (b2 === a || piece === null) continue;
      for (let c = 0; c < 3; c++) f[c] = map[3 * a + c]! - map[3 * b2 + c]!;
      piece = ctx.ops.clip(piece, f, 0, pairTolerance(map, 3 * a, 3 * b2, 3, extent, eps), DEC - b2);
    }
    if (piece === null) continue;
    for (let e = 0; e < piece.n; e++) {
      const lab = piece.labels[e]!;
      if (lab > DEC || DEC - lab <= a) continue;
      const j = e + 1 === piece.n ? 0 : e + 1;
      out.push(piece.xy[2 * e]!);
      out.push(piece.xy[2 * e + 1]!);
      out.push(piece.xy[2 * j]!);
      out.push(piece.xy[2 * j + 1]!);
    }
  }
}

/** Outputs that are the argmax somewhere in the cell (ties to the earlier output). */
function argmaxCandidates(ctx: SegmentContext, cell: Polygon, map: Float64Array, o: number): number[] {
  const { f, range, extent, eps } = ctx;
  const alive: number[] = [];
  for (let a = 0; a < o; a++) {
    let dominated = false;
    for (let b2 = 0; b2 < o && !dominated; b2++) {
      if (b2 === a) continue;
      for (let c = 0; c < 3; c++) f[c] = map[3 * b2 + c]! - map[3 * a + c]!;
      ctx.ops.range(cell, f, 0, range);
      const tol = pairTolerance(map, 3 * a, 3 * b2, 3, extent, eps);
      if (atLeast(range[0]!, 0, tol) && (b2 < a || !atMost(range[1]!, 0, tol))) dominated = true;
    }
    if (!dominated) alive.push(a);
  }
  return alive;
}

/**
 * Zero level of f = map[off..off+3) inside the cell. An edge lying on the level is a decision
 * boundary only if f is positive across it: the region on the negative side probes the network
 * just outside the edge's midpoint and owns the edge if so (so no edge is counted twice).
 */
function zeroLevel(ctx: SegmentContext, cell: Polygon, map: Float64Array, off: number, out: GrowF64): void {
  const n = cell.n;
  const tol = affineTolerance(map, off, 3, ctx.extent, ctx.eps);
  const c0 = map[off]!;
  const a = map[off + 1]!;
  const b = map[off + 2]!;
  const xy = cell.xy;
  if (ctx.vals.length < n) ctx.vals = new Float64Array(2 * n);
  const vals = ctx.vals;
  let pos = false;
  let neg = false;
  for (let i = 0; i < n; i++) {
    const v = c0 + a * xy[2 * i]! + b * xy[2 * i + 1]!;
    vals[i] = v;
    const s = signWithin(v, tol);
    if (s > 0) pos = true;
    else if (s < 0) neg = true;
  }
  if (pos && neg) crossingSegment(cell, vals, tol, out);
  else if (neg) onLevelEdges(ctx, cell, vals, tol, out);
}

/** The segment where f (values `vals` at the vertices) crosses zero inside the cell. */
function crossingSegment(cell: Polygon, vals: Float64Array, tol: number, out: GrowF64): void {
  const n = cell.n;
  const xy = cell.xy;
  const pts: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const vi = vals[i]!;
    const vj = vals[j]!;
    const si = signWithin(vi, tol);
    const sj = signWithin(vj, tol);
    if (si === 0) pts.push(xy[2 * i]!, xy[2 * i + 1]!);
    else if (si * sj < 0) {
      const t = vi / (vi - vj);
      pts.push(xy[2 * i]! + t * (xy[2 * j]! - xy[2 * i]!), xy[2 * i + 1]! + t * (xy[2 * j + 1]! - xy[2 * i + 1]!));
    }
  }
  if (pts.length >= 4) for (let i = 0; i < 4; i++) out.push(pts[i]!);
}

/** Edges of a cell where f ≤ 0 that lie on the zero level, kept when the network is positive just across them. */
function onLevelEdges(ctx: SegmentContext, cell: Polygon, vals: Float64Array, tol: number, out: GrowF64): void {
  const n = cell.n;
  const xy = cell.xy;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    if (cell.labels[i] === BOUNDARY || signWithin(vals[i]!, tol) !== 0 || signWithin(vals[j]!, tol) !== 0) continue;
    const ex = xy[2 * j]! - xy[2 * i]!;
    const ey = xy[2 * j + 1]! - xy[2 * i + 1]!;
    const len = Math.hypot(ex, ey);
    if (len === 0) continue;
    // Counter-clockwise polygon: the outward normal of edge (ex, ey) is (ey, −ex)/len.
    const step = EDGE_PROBE_STEP * len;
    const mx = (xy[2 * i]! + xy[2 * j]!) / 2 + (step * ey) / len;
    const my = (xy[2 * i + 1]! + xy[2 * j + 1]!) / 2 - (step * ex) / len;
    if (signWithin(ctx.probe(mx, my), tol) > 0) {
      out.push(xy[2 * i]!);
      out.push(xy[2 * i + 1]!);
      out.push(xy[2 * j]!);
      out.push(xy[2 * j + 1]!);
    }
  }
}

/** Chains segments that share endpoints into polylines (endpoints matched after rounding). */
export function joinSegments(seg: Float64Array): Float64Array[] {
  const nSeg = seg.length / 4;
  if (nSeg === 0) return [];
  let scale = 0;
  for (let i = 0; i < seg.length; i++) scale = Math.max(scale, Math.abs(seg[i]!));
  const q = (scale || 1) * JOIN_QUANTUM;
  const key = (x: number, y: number) => `${Math.round(x / q)},${Math.round(y / q)}`;
  const ends = new Map<string, number[]>();
  for (let s = 0; s < nSeg; s++) {
    for (const e of [0, 1]) {
      const k = key(seg[4 * s + 2 * e]!, seg[4 * s + 2 * e + 1]!);
      const list = ends.get(k);
      if (list) list.push(s * 2 + e);
      else ends.set(k, [s * 2 + e]);
    }
  }
  const used = new Uint8Array(nSeg);
  const lines: Float64Array[] = [];
  const other = (s: number, e: number): [number, number] => [seg[4 * s + 2 * (1 - e)]!, seg[4 * s + 2 * (1 - e) + 1]!];
  const walk = (x: number, y: number, pts: number[], front: boolean) => {
    for (;;) {
      const list = ends.get(key(x, y));
      const nextEnd = list?.find((se) => !used[se >> 1]);
      if (nextEnd === undefined) return;
      const s = nextEnd >> 1;
      used[s] = 1;
      [x, y] = other(s, nextEnd & 1);
      if (front) pts.unshift(x, y);
      else pts.push(x, y);
    }
  };
  for (let s = 0; s < nSeg; s++) {
    if (used[s]) continue;
    used[s] = 1;
    const pts = [seg[4 * s]!, seg[4 * s + 1]!, seg[4 * s + 2]!, seg[4 * s + 3]!];
    walk(pts[2]!, pts[3]!, pts, false);
    walk(pts[0]!, pts[1]!, pts, true);
    lines.push(Float64Array.from(pts));
  }
  return lines;
}
