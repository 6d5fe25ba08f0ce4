/**
 * Exact 3-D cells of a piecewise-affine MLP over a box, without linear programming.
 *
 * The core's n-D enumeration (`enumeratePolytopes`) solves LPs with HiGHS, which does not run in
 * browsers (docs/web.md, "The core in browsers"). In three dimensions the cells can be found
 * directly: each cell is kept as half-spaces and its vertices, each vertex with the planes it lies
 * on. The box's vertices are the feasible intersections of three of its planes (float64 Cramer
 * solves); a unit's hyperplane splits a cell only when cell vertices lie strictly on both sides, and
 * a child's vertices are the parent's on its side plus the points where the hyperplane crosses the
 * parent's edges (a pair of vertices on two common non-parallel planes spans part of an edge: the
 * two planes' faces meet the convex cell in that edge) — linear interpolation along the edge, so a
 * split costs O(V²) instead of re-enumerating O(P³) plane triples. Facets are the planes holding
 * ≥ 3 distinct vertices, ordered by angle; simplices are a pulling triangulation from the cell's
 * first vertex.
 */
import { DEFAULT_TOLERANCES, POLYTOPE_TOLERANCES } from '@polytope-lens/core';
import type { AffineLayer } from '@polytope-lens/core';

export type Vec3 = [number, number, number];

/** Half-space `a·x + b ≥ 0`, with `a` of unit length. */
interface HalfSpace {
  readonly a: Vec3;
  readonly b: number;
  /** `box:x0-` … `box:x2+`, or `L<layer>:u<unit>`. */
  readonly label: string;
}

/** One facet: its plane's label and its vertices in order around the facet. */
interface Facet3 {
  readonly label: string;
  readonly vertices: Vec3[];
}

/** One cell: its activation code per layer, the affine map of the output, its geometry. */
export interface Cell3 {
  /** Per layer, one character per unit: `1` active, `0` inactive. */
  readonly code: string[];
  /** Output map `f(x) = weight · x + bias`, weight row-major `outputs × 3`. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly vertices: Vec3[];
  readonly facets: Facet3[];
  /** Tetrahedra as indices into `vertices`. */
  readonly simplices: [number, number, number, number][];
  readonly volume: number;
}

interface Work {
  planes: HalfSpace[];
  vertices: Vec3[];
  /** Per vertex, the indices of the planes it lies on (within the tolerance). */
  on: number[][];
  code: string[];
  /** Map from input to the current layer's output: `rows × 3` and offset. */
  weight: Float64Array;
  bias: Float64Array;
}

const dot = (a: Vec3, x: Vec3): number => a[0] * x[0] + a[1] * x[1] + a[2] * x[2];
const sub = (p: Vec3, q: Vec3): Vec3 => [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
const cross = (p: Vec3, q: Vec3): Vec3 => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];
const det3 = (p: Vec3, q: Vec3, r: Vec3): number => dot(p, cross(q, r));

function solve3(h: HalfSpace, i: HalfSpace, j: HalfSpace, tiny: number): Vec3 | undefined {
  const d = det3(h.a, i.a, j.a);
  if (Math.abs(d) <= tiny) return undefined;
  const c: Vec3 = [-h.b, -i.b, -j.b];
  const col = (k: number): Vec3 => [h.a[k]!, i.a[k]!, j.a[k]!];
  const [c0, c1, c2] = [col(0), col(1), col(2)];
  return [det3(c, c1, c2) / d, det3(c0, c, c2) / d, det3(c0, c1, c) / d];
}

/** Feasible pairwise-distinct vertices of the half-space intersection. */
function vertexEnumerate(planes: HalfSpace[], tol: number): Vec3[] {
  const out: Vec3[] = [];
  const n = planes.length;
  for (let h = 0; h < n; h++)
    for (let i = h + 1; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const v = solve3(planes[h]!, planes[i]!, planes[j]!, POLYTOPE_TOLERANCES.vertex);
        if (!v || planes.some((p) => dot(p.a, v) + p.b < -tol)) continue;
        if (!out.some((w) => Math.max(Math.abs(w[0] - v[0]), Math.abs(w[1] - v[1]), Math.abs(w[2] - v[2])) <= tol)) out.push(v);
      }
  return out;
}

function normalised(a: Vec3, b: number, label: string): HalfSpace | undefined {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n === 0 ? undefined : { a: [a[0] / n, a[1] / n, a[2] / n], b: b / n, label };
}

const near = (p: Vec3, q: Vec3, tol: number): boolean =>
  Math.max(Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1]), Math.abs(p[2] - q[2])) <= tol;

/** The planes (indices) that `v` lies on. */
function planesOn(planes: readonly HalfSpace[], v: Vec3, tol: number): number[] {
  const out: number[] = [];
  planes.forEach((p, i) => Math.abs(dot(p.a, v) + p.b) <= tol && out.push(i));
  return out;
}

/** Whether two vertices lie on two common planes that are not parallel (so on one edge line of the cell). */
function shareEdgeLine(planes: readonly HalfSpace[], p: readonly number[], q: readonly number[], tol: number): boolean {
  const common = p.filter((i) => q.includes(i));
  for (let x = 0; x < common.length; x++)
    for (let y = x + 1; y < common.length; y++) {
      const [u, w] = [planes[common[x]!]!.a, planes[common[y]!]!.a];
      if (Math.abs(dot(u, w)) < 1 - tol) return true;
    }
  return false;
}

/** The points where the plane at signed distances `dist` crosses the cell's edges (deduplicated), each with its planes. */
function edgeCuts(cell: Work, dist: readonly number[], planes: readonly HalfSpace[], tol: number): { v: Vec3; on: number[] }[] {
  const out: { v: Vec3; on: number[] }[] = [];
  const n = cell.vertices.length;
  for (let i = 0; i < n; i++) {
    if (!(dist[i]! > tol)) continue;
    for (let j = 0; j < n; j++) {
      if (!(dist[j]! < -tol) || !shareEdgeLine(cell.planes, cell.on[i]!, cell.on[j]!, tol)) continue;
      const [p, q] = [cell.vertices[i]!, cell.vertices[j]!];
      const t = dist[i]! / (dist[i]! - dist[j]!);
      const v: Vec3 = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), p[2] + t * (q[2] - p[2])];
      // A crossing already found, or a vertex on the plane between v and w on their edge line.
      if (out.some((w) => near(w.v, v, tol)) || cell.vertices.some((w, m) => Math.abs(dist[m]!) <= tol && near(w, v, tol))) continue;
      out.push({ v, on: planesOn(planes, v, tol) });
    }
  }
  return out;
}

/** Splits `cell` by unit `u` of `layer`'s pre-activation `z = a·x + b`; returns the children with the unit's bit. */
function split(cell: Work, a: Vec3, b: number, label: string, tol: number): { work: Work; on: boolean }[] {
  const up = normalised(a, b, label);
  const values = cell.vertices.map((v) => dot(a, v) + b);
  if (!up) return [{ work: cell, on: b > 0 }];
  const dist = cell.vertices.map((v) => dot(up.a, v) + up.b);
  const above = dist.some((d) => d > tol);
  const below = dist.some((d) => d < -tol);
  if (!(above && below)) {
    const mean = values.reduce((s, x) => s + x, 0) / values.length;
    return [{ work: cell, on: mean > 0 }];
  }
  const down: HalfSpace = { a: [-up.a[0], -up.a[1], -up.a[2]], b: -up.b, label };
  const k = cell.planes.length;
  const cuts = edgeCuts(cell, dist, [...cell.planes, up], tol);
  return [
    { on: true, plane: up, sign: 1 },
    { on: false, plane: down, sign: -1 },
  ].map(({ on, plane, sign }) => {
    const vertices: Vec3[] = [];
    const onPlanes: number[][] = [];
    cell.vertices.forEach((v, i) => {
      const d = sign * dist[i]!;
      if (d < -tol) return;
      vertices.push(v);
      onPlanes.push(d <= tol ? [...cell.on[i]!, k] : cell.on[i]!);
    });
    for (const c of cuts) {
      vertices.push(c.v);
      onPlanes.push(c.on);
    }
    return { on, work: { ...cell, planes: [...cell.planes, plane], vertices, on: onPlanes } };
  });
}

/** The next layer's map for a cell, given the unit bits of that layer. */
function applyLayer(work: Work, layer: AffineLayer, pre: { w: Float64Array; b: Float64Array }, bits: boolean[]): Work {
  const rows = layer.outFeatures;
  const weight = new Float64Array(rows * 3);
  const bias = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const s = layer.act === 'none' || bits[r] ? 1 : layer.alpha;
    for (let k = 0; k < 3; k++) weight[r * 3 + k] = s * pre.w[r * 3 + k]!;
    bias[r] = s * pre.b[r]!;
  }
  return { ...work, weight, bias, code: [...work.code, bits.map((x) => (x ? '1' : '0')).join('')] };
}

function preActivation(work: Work, layer: AffineLayer): { w: Float64Array; b: Float64Array } {
  const w = new Float64Array(layer.outFeatures * 3);
  const b = new Float64Array(layer.outFeatures);
  for (let r = 0; r < layer.outFeatures; r++) {
    let c = layer.bias[r]!;
    for (let i = 0; i < layer.inFeatures; i++) {
      const wi = layer.weight[r * layer.inFeatures + i]!;
      if (wi === 0) continue;
      for (let k = 0; k < 3; k++) w[r * 3 + k] = w[r * 3 + k]! + wi * work.weight[i * 3 + k]!;
      c += wi * work.bias[i]!;
    }
    b[r] = c;
  }
  return { w, b };
}

/** Cells of one hidden layer: each incoming cell split by every unit of the layer, then mapped. */
function layerCells(cells: Work[], layer: AffineLayer, index: number, tol: number): Work[] {
  const out: Work[] = [];
  for (const cell of cells) {
    const pre = preActivation(cell, layer);
    let parts: { work: Work; bits: boolean[] }[] = [{ work: cell, bits: [] }];
    for (let u = 0; u < layer.outFeatures; u++) {
      const a: Vec3 = [pre.w[u * 3]!, pre.w[u * 3 + 1]!, pre.w[u * 3 + 2]!];
      parts = parts.flatMap((p) =>
        split(p.work, a, pre.b[u]!, `L${index}:u${u}`, tol).map((c) => ({ work: c.work, bits: [...p.bits, c.on] })),
      );
    }
    for (const p of parts) if (p.work.vertices.length >= 4) out.push(applyLayer(p.work, layer, pre, p.bits));
  }
  return out;
}

function facetsOf(work: Work, tol: number): Facet3[] {
  const facets: Facet3[] = [];
  const centre = work.vertices
    .reduce<Vec3>((s, v) => [s[0] + v[0], s[1] + v[1], s[2] + v[2]], [0, 0, 0])
    .map((x) => x / work.vertices.length) as Vec3;
  const seen: HalfSpace[] = [];
  for (const p of work.planes) {
    const on = work.vertices.filter((v) => Math.abs(dot(p.a, v) + p.b) <= tol);
    if (on.length < 3) continue;
    // Two labels for one geometric plane (a unit's hyperplane on the box boundary): keep the first.
    if (seen.some((q) => Math.abs(dot(q.a, p.a) - 1) <= tol && Math.abs(q.b - p.b) <= tol)) continue;
    seen.push(p);
    const mid = on.reduce<Vec3>((s, v) => [s[0] + v[0], s[1] + v[1], s[2] + v[2]], [0, 0, 0]).map((x) => x / on.length) as Vec3;
    const u = sub(on[0]!, mid);
    const w = cross(p.a, u);
    const angle = (v: Vec3): number => Math.atan2(dot(w, sub(v, mid)), dot(u, sub(v, mid)));
    const ordered = [...on].sort((x, y) => angle(x) - angle(y));
    // Outward order (normal pointing away from the centre): `a` points inward, so reverse.
    if (dot(cross(sub(ordered[1]!, ordered[0]!), sub(ordered[2]!, ordered[0]!)), sub(centre, ordered[0]!)) > 0) ordered.reverse();
    facets.push({ label: p.label, vertices: ordered });
  }
  return facets;
}

function finish(work: Work, tol: number): Cell3 {
  // Lexicographic order, so the pulling apex is the lexicographically first vertex (as in the core).
  const vertices = [...work.vertices].sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
  const facets = facetsOf({ ...work, vertices }, tol);
  const index = (v: Vec3): number => vertices.indexOf(v);
  const simplices: [number, number, number, number][] = [];
  let volume = 0;
  const apex = vertices[0]!;
  for (const f of facets) {
    if (f.vertices.includes(apex)) continue;
    for (let k = 1; k + 1 < f.vertices.length; k++) {
      const [p, q, r] = [f.vertices[0]!, f.vertices[k]!, f.vertices[k + 1]!];
      simplices.push([0, index(p), index(q), index(r)]);
      volume += Math.abs(det3(sub(p, apex), sub(q, apex), sub(r, apex))) / 6;
    }
  }
  return { code: work.code, weight: work.weight, bias: work.bias, vertices, facets, simplices, volume };
}

/**
 * The cells of a 3-input MLP (`asMlp(net)`) over the box `[lo, hi]`, hidden layers split in turn.
 *
 * @example
 * const cells = cells3d(asMlp(net), [-1, -1, -1], [1, 1, 1]);
 */
export function cells3d(layers: readonly AffineLayer[], lo: Vec3, hi: Vec3): Cell3[] {
  if (layers.length === 0 || layers[0]!.inFeatures !== 3) throw new Error('the 3-D view needs a network with 3 inputs');
  const scale = Math.max(1, ...lo.map(Math.abs), ...hi.map(Math.abs));
  const tol = DEFAULT_TOLERANCES.side * scale;
  const box: HalfSpace[] = [0, 1, 2].flatMap((k) => {
    const e: Vec3 = [0, 0, 0];
    e[k] = 1;
    const m: Vec3 = [0, 0, 0];
    m[k] = -1;
    return [
      { a: e, b: -lo[k]!, label: `box:x${k}-` },
      { a: m, b: hi[k]!, label: `box:x${k}+` },
    ];
  });
  const identity = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const corners = vertexEnumerate(box, tol);
  const on = corners.map((v) => planesOn(box, v, tol));
  let cells: Work[] = [{ planes: box, vertices: corners, on, code: [], weight: identity, bias: new Float64Array(3) }];
  const hidden = layers.slice(0, -1);
  hidden.forEach((layer, i) => {
    cells = layerCells(cells, layer, i, tol);
  });
  const last = layers[layers.length - 1];
  return cells.map((c) => {
    const pre = preActivation(c, last!);
    return finish({ ...c, weight: pre.w, bias: pre.b }, tol);
  });
}

/** Histogram of `values`: count per distinct value, ascending. */
export function histogram(values: readonly number[]): { value: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((x, y) => x[0] - y[0]).map(([value, count]) => ({ value, count }));
}

/**
 * Cells in flat typed arrays (transferable from cells3d-worker.ts; no object per cell crosses to
 * the page). Cell i owns vertices `vertOff[i] … vertOff[i+1]` (xyz in `vertices`), facets
 * `facetOff[i] … facetOff[i+1]` (facet f's vertex indices, local to its cell, are
 * `facetVerts[facetVertOff[f] … facetVertOff[f+1]]`), and, for three.js, the triangles of its facets
 * (`triangles`, 9 floats each, from `triOff[i]`) and its edges (`edges`, 6 floats each, from `edgeOff[i]`).
 */
export interface FlatCells3 {
  readonly count: number;
  readonly outputs: number;
  /** The cells' codes ('1101|0110'), one per line. */
  readonly codes: string;
  /** The facets' plane labels, one per line. */
  readonly labels: string;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly vertOff: Uint32Array;
  readonly vertices: Float64Array;
  readonly facetOff: Uint32Array;
  readonly facetVertOff: Uint32Array;
  readonly facetVerts: Uint32Array;
  readonly simplices: Uint32Array;
  readonly volumes: Float64Array;
  readonly triOff: Uint32Array;
  readonly triangles: Float32Array;
  readonly edgeOff: Uint32Array;
  readonly edges: Float32Array;
}

/** The transferable buffers of `f`. */
export function flatCellsBuffers(f: FlatCells3): ArrayBuffer[] {
  const arrays = [f.weight, f.bias, f.vertOff, f.vertices, f.facetOff, f.facetVertOff, f.facetVerts, f.simplices, f.volumes];
  return [...arrays, f.triOff, f.triangles, f.edgeOff, f.edges].map((a) => a.buffer as ArrayBuffer);
}

/** The cells as flat arrays: facets fanned into triangles from their first vertex, each edge once per cell. */
export function flattenCells(cells: readonly Cell3[]): FlatCells3 {
  const count = cells.length;
  const outputs = cells[0]?.bias.length ?? 0;
  const sum = (f: (c: Cell3) => number) => cells.reduce((s, c) => s + f(c), 0);
  const nv = sum((c) => c.vertices.length);
  const nf = sum((c) => c.facets.length);
  const nfv = sum((c) => c.facets.reduce((s, f) => s + f.vertices.length, 0));
  const out = {
    weight: new Float64Array(count * outputs * 3),
    bias: new Float64Array(count * outputs),
    vertOff: new Uint32Array(count + 1),
    vertices: new Float64Array(3 * nv),
    facetOff: new Uint32Array(count + 1),
    facetVertOff: new Uint32Array(nf + 1),
    facetVerts: new Uint32Array(nfv),
    simplices: new Uint32Array(count),
    volumes: new Float64Array(count),
    triOff: new Uint32Array(count + 1),
    triangles: new Float32Array(9 * (nfv - 2 * nf)),
    edgeOff: new Uint32Array(count + 1),
    edges: new Float32Array(6 * nfv),
  };
  const labels: string[] = [];
  let [v, f, fv, t, e] = [0, 0, 0, 0, 0];
  cells.forEach((c, i) => {
    out.weight.set(c.weight, i * outputs * 3);
    out.bias.set(c.bias, i * outputs);
    out.simplices[i] = c.simplices.length;
    out.volumes[i] = c.volume;
    c.vertices.forEach((p, k) => out.vertices.set(p, 3 * (v + k)));
    const seen = new Set<number>();
    for (const facet of c.facets) {
      labels.push(facet.label);
      const ix = facet.vertices.map((p) => c.vertices.indexOf(p));
      out.facetVerts.set(ix, fv);
      fv += ix.length;
      out.facetVertOff[++f] = fv;
      for (let k = 1; k + 1 < ix.length; k++) for (const j of [ix[0]!, ix[k]!, ix[k + 1]!]) out.triangles.set(c.vertices[j]!, 3 * t++);
      ix.forEach((a, k) => {
        const b = ix[(k + 1) % ix.length]!;
        const key = Math.min(a, b) * c.vertices.length + Math.max(a, b);
        if (seen.has(key)) return;
        seen.add(key);
        out.edges.set(c.vertices[a]!, 3 * e++);
        out.edges.set(c.vertices[b]!, 3 * e++);
      });
    }
    v += c.vertices.length;
    out.vertOff[i + 1] = v;
    out.facetOff[i + 1] = f;
    out.triOff[i + 1] = t / 3;
    out.edgeOff[i + 1] = e / 2;
  });
  // Edges shared by two facets: one segment each (a convex cell's facet edges always are).
  const edges = out.edges.subarray(0, 3 * e).slice();
  return { count, outputs, codes: cells.map((c) => c.code.join('|')).join('\n'), labels: labels.join('\n'), ...out, edges };
}

/** One cell read back from flat arrays (the details of a picked cell): a `Cell3` with its simplices counted, not listed. */
export type CellInfo = Omit<Cell3, 'simplices'> & { readonly numSimplices: number };

/** Cell `i` of `flat` (`codes` and `labels`: its lines, split once by the caller). */
export function cellOf(flat: FlatCells3, i: number, codes = flat.codes.split('\n'), labels = flat.labels.split('\n')): CellInfo {
  const v0 = flat.vertOff[i]!;
  const vertices = Array.from({ length: flat.vertOff[i + 1]! - v0 }, (_, k): Vec3 => {
    const p = 3 * (v0 + k);
    return [flat.vertices[p]!, flat.vertices[p + 1]!, flat.vertices[p + 2]!];
  });
  const facets: Facet3[] = [];
  for (let f = flat.facetOff[i]!; f < flat.facetOff[i + 1]!; f++)
    facets.push({
      label: labels[f]!,
      vertices: Array.from(flat.facetVerts.subarray(flat.facetVertOff[f], flat.facetVertOff[f + 1]), (k) => vertices[k]!),
    });
  const o = flat.outputs;
  return {
    code: codes[i]!.split('|'),
    weight: flat.weight.slice(i * o * 3, (i + 1) * o * 3),
    bias: flat.bias.slice(i * o, (i + 1) * o),
    vertices,
    facets,
    numSimplices: flat.simplices[i]!,
    volume: flat.volumes[i]!,
  };
}
