/**
 * A dedicated exact slicer for plain MLPs (dense layers with ReLU, leaky ReLU or hard-tanh) on a
 * 2-D plane: the explorer's live map, where the general engine (engine.ts) is about 2× too slow
 * for ten updates a second.
 *
 * The plane's partition is kept as one planar cell complex whose vertices are shared between the
 * faces that meet there, and every vertex carries the pre-activations of the current layer (a row
 * of `Z`). Layer by layer:
 *  1. Each face classifies the layer's units on its vertices against each unit's tolerance (for
 *     ReLU-like layers through per-vertex sign bits, 32 units a word); the units whose sign
 *     changes on the face cut it, depth-first (a piece is cut by the first such unit after the one
 *     that made it). A cut puts a new vertex on each crossed edge, interpolating the whole row of
 *     `Z` linearly along the edge — exact, as the layer's pre-activations are affine on the face —
 *     and the vertex is shared with the face across the edge (keyed by the edge's two vertex ids),
 *     so faces keep meeting edge to edge. Hard-tanh units cut at both breakpoints, unit by unit.
 *  2. The next layer's pre-activations at every vertex are `W act(Z) + b` (one product on the
 *     float64 SIMD kernel): the activation is continuous, so its value at a vertex on a
 *     breakpoint is the same from every side.
 * Faces are ranges of one append-only store of vertex ids and edge labels (`Loops`): a face that a
 * layer does not cut, and a piece that comes out final, is kept by reference, never copied; the
 * depth-first cut appends its pieces there. Codes are kept per layer with a parent link and
 * assembled at the end. Each face's output map
 * `c + a·s + b·t` is fitted through three of its vertices that span a well-conditioned triangle
 * (the output is affine on the face); a face too thin for that (height below `MAP_FIT_HEIGHT` of
 * the box's diameter) has its map composed exactly from its code (chain rule).
 *
 * Buffers: every array of the complex (vertex rows, the next layer's rows, sign bits, loops, face
 * lists, the edge table) belongs to an `MlpSliceWorkspace`, grown as needed and never shrunk; a
 * caller that slices again and again (the explorer's slicing worker: the same architecture for
 * every snapshot) keeps one and passes it as `options.workspace`, else each call makes its own.
 * Results are always new arrays (the explorer transfers them to its render worker). Measured on the
 * benchmark net (bench/networks/2-64x3-1-torch-s1.json, 9,939 regions; bench/slice-mlp.bench.mjs,
 * 2-core Intel Xeon, load 7.2–7.6, 2026-12-05 14:40 UTC): `sliceMlpFlat` with a kept workspace
 * 36.2 ms median against 55.4 ms for the previous version of this file in the same run (1.53×;
 * 1.42–1.64× in other runs; most of it the workspace and the linear-region join), `partitionMlp`
 * 32.0 against 38.9 ms, `slicePlane` 109 ms. What is left: the matrix product of the last hidden
 * layer on the SIMD kernel (a sparse product over the active units in JavaScript was 2–3.5× slower
 * than the dense SIMD product with its copies, measured), the vertices' sign bits, and the cuts'
 * new vertices (a whole row interpolated and classified each, rows read far apart in memory).
 *
 * Faces, codes, edge labels and maps follow `slicePlane`'s conventions. `sliceMlpPlane` puts them
 * through the same `SliceAccumulator` (areas, linear regions, decision boundary), so its result is
 * a `SliceResult` like the general engine's; `sliceMlpFlat` returns flat arrays, its linear regions
 * joined over the complex's shared edges (each inner edge a → b finds the face holding b → a among
 * vertex b's edges, grouped by a counting sort). Both are compared with `slicePlane`, region by
 * region, in test/slice-mlp.test.ts.
 *
 * Tolerances: a unit's value at a vertex is zero when within `side · scale`, `scale` being the
 * largest magnitude its terms reach in the box (`|b_j| + Σ_k |W_jk| · max |h_k|`): box-relative,
 * where the general engine's are pointwise (issue 18 #2), so planes scaled far from the box's
 * magnitude should use `slicePlane`.
 */
import { AbortError, PolytopeError } from '../errors.js';
import { BOUNDARY } from '../geometry/cells.js';
import type { Polygon } from '../geometry/cells.js';
import { MAP_FIT_HEIGHT, affineTolerance, pairTolerance, resolveTolerances, sameMap } from '../geometry/predicates.js';
import { now } from '../clock.js';
import { mergeLinearLayers, mlpLayers } from '../network/mlp-view.js';
import type { PiecewiseLayer } from '../network/mlp-view.js';
import { networkOf } from '../network/prepared.js';
import { gemm64, gemm64Reserve } from '../network/gemm64.js';
import type { NetworkLike } from '../network/prepared.js';
import { GrowF64, SliceAccumulator, checkSliceDomain, decisionSegments, joinSegments, segmentContext } from './slice.js';
import type { Box2, Plane, SliceOptions, SliceResult } from './slice.js';

/** A hidden layer as the slicer reads it: `n` units over `nIn` inputs, its activation and unit offset. */
interface Layer {
  readonly n: number;
  readonly nIn: number;
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly act: PiecewiseLayer['act'];
  readonly alpha: number;
  readonly min: number;
  readonly max: number;
  /** Offset of the layer's first unit in the network's code. */
  readonly offset: number;
}

/** Growable typed storage for the complex's vertices: coordinates and the current layer's values. */
class Vertices {
  count = 0;
  s = new Float64Array(1024);
  t = new Float64Array(1024);
  /** count × width, row-major: the current layer's pre-activations. */
  z: Float64Array = new Float64Array(1024 * 8);
  /** The other layer's rows: `evaluateLayer` writes the next layer's values here and swaps the two. */
  spare: Float64Array = new Float64Array(1024 * 8);
  width = 1;
  /** Largest magnitude of each of the current layer's inputs over the vertices (its tolerance scale; the first entries are live). */
  inputMax = new Float64Array(2);
  /**
   * Sign bits of every vertex for a ReLU-like layer being cut (0 words otherwise): per vertex,
   * `words` words of "unit j above its tolerance" bits, then `words` of "below".
   */
  words = 0;
  signs = new Int32Array(0);
  tol: Float64Array = new Float64Array(0);
  /** −tol. */
  negTol: Float64Array = new Float64Array(0);

  /** Empties the complex, keeping the buffers. */
  reset(): void {
    this.count = 0;
    this.width = 1;
    this.words = 0;
  }

  /** Starts sign bits for a ReLU-like layer with these unit tolerances (the current `z` is that layer's). */
  startSigns(tol: Float64Array): void {
    this.tol = tol;
    this.negTol = tol.map((x) => -x);
    this.words = Math.ceil(this.width / 32);
    const need = 2 * this.words * Math.max(this.count, Math.floor(this.z.length / this.width));
    if (this.signs.length < need) this.signs = new Int32Array(need);
    for (let v = 0; v < this.count; v++) this.classify(v);
  }

  stopSigns(): void {
    this.words = 0;
  }

  /** Sets vertex v's sign bits from its row of `z`. */
  classify(v: number): void {
    const n = this.width;
    const W = this.words;
    const z = this.z;
    const tol = this.tol;
    const ntol = this.negTol;
    const at = 2 * W * v;
    for (let w = 0; w < W; w++) {
      let pos = 0;
      let neg = 0;
      const end = Math.min(n, 32 * w + 32);
      // Comparisons as 0/1, no branch: the signs are unpredictable (twice as fast as if/else here).
      for (let j = 32 * w; j < end; j++) {
        const x = z[v * n + j]!;
        pos |= Number(x > tol[j]!) << (j & 31);
        neg |= Number(x < ntol[j]!) << (j & 31);
      }
      this.signs[at + w] = pos;
      this.signs[at + W + w] = neg;
    }
  }

  add(s: number, t: number): number {
    if (this.count === this.s.length) {
      this.s = growF64(this.s, 2 * this.s.length);
      this.t = growF64(this.t, 2 * this.t.length);
    }
    this.s[this.count] = s;
    this.t[this.count] = t;
    this.ensureRows(this.count + 1);
    return this.count++;
  }

  ensureRows(rows: number): void {
    if (rows * this.width <= this.z.length) return;
    this.z = growF64(this.z, Math.max(2 * this.z.length, rows * this.width));
    if (this.words > 0) {
      const need = 2 * this.words * (this.z.length / this.width);
      if (this.signs.length < need) {
        const sg = new Int32Array(need);
        sg.set(this.signs);
        this.signs = sg;
      }
    }
  }
}

/** A copy of `a` in a new array of `len` entries. */
function growF64(a: Float64Array, len: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(len);
  b.set(a.subarray(0, Math.min(a.length, len)));
  return b;
}

/** A copy of `a` in a new array of `len` entries. */
function growI32(a: Int32Array, len: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(len);
  b.set(a.subarray(0, Math.min(a.length, len)));
  return b;
}

/**
 * The vertex ids and edge labels of every face and piece of one partition, appended and never
 * moved: a face is a range of it (edge i runs from vertex i to i + 1, the last back to the first),
 * so a face that a layer does not cut, and a piece that is final, are kept by reference, not copied.
 */
class Loops {
  v = new Int32Array(4096);
  label = new Int32Array(4096);
  used = 0;

  /** Room for `n` more entries (the arrays may be replaced: read them after this). */
  reserve(n: number): void {
    if (this.used + n <= this.v.length) return;
    const len = Math.max(2 * this.v.length, this.used + n);
    this.v = growI32(this.v, len);
    this.label = growI32(this.label, len);
  }

  /** Appends a loop of `n` vertices with these labels; returns its start. */
  append(v: ArrayLike<number>, label: ArrayLike<number>, n: number): number {
    this.reserve(n);
    const at = this.used;
    for (let i = 0; i < n; i++) {
      this.v[at + i] = v[i]!;
      this.label[at + i] = label[i]!;
    }
    this.used += n;
    return at;
  }
}

/** A list of polygons as ranges of `Loops`, each with one layer's states (`stride` bytes) and the face it was cut from. */
class FaceList {
  count = 0;
  start = new Int32Array(256);
  len = new Int32Array(256);
  /** count × stride state bytes: one layer's states. */
  code = new Uint8Array(256);
  /** The face of the previous layer's list each face was cut from. */
  parent = new Int32Array(256);
  stride = 0;

  /** Empties the list for a layer of `stride` units, keeping the buffers. */
  reset(stride: number): void {
    this.count = 0;
    this.stride = stride;
  }

  /** Adds the face at `start` (`len` vertices) of `Loops`; returns its index (set its code and parent). */
  add(start: number, len: number): number {
    const g = this.count;
    if (g === this.start.length) {
      this.start = growI32(this.start, 2 * g);
      this.len = growI32(this.len, 2 * g);
      this.parent = growI32(this.parent, 2 * g);
    }
    if ((g + 1) * this.stride > this.code.length) {
      const c = new Uint8Array(Math.max(2 * this.code.length, (g + 1) * this.stride));
      c.set(this.code);
      this.code = c;
    }
    this.start[g] = start;
    this.len[g] = len;
    this.count = g + 1;
    return g;
  }
}

/**
 * Reusable buffers of the 2-D MLP slicer (`partitionMlp`, `sliceMlpFlat`): pass the same workspace
 * to repeated slices — the explorer's live map slices the same architecture over and over — and the
 * vertex rows, face lists, edge table and sign bits are allocated once and grown as needed instead
 * of per call and per layer. Results never alias it. One workspace serves one slice at a time.
 *
 * @example
 * const ws = new MlpSliceWorkspace();
 * for (const net of snapshots) sliceMlpFlat(net, inputPlane(net), [-1, 1, -1, 1], { workspace: ws });
 */
export class MlpSliceWorkspace {
  readonly verts = new Vertices();
  readonly loops = new Loops();
  /** One face list per hidden layer (the codes are assembled from all of them at the end). */
  readonly levels: FaceList[] = [];
  /** The pieces of a face still to be cut, depth-first (`parent`: the first unit that may cut each). */
  readonly stack = new FaceList();
  readonly pieces = new FaceList();
  readonly edges = new EdgeTable();
  readonly cuts = new Cuts();
  /** Per inner edge a → b of the final faces: b and the face, grouped by a (the linear-region join). */
  adjStart = new Int32Array(1024);
  adjTo = new Int32Array(4096);
  adjFace = new Int32Array(4096);
  faceVerts = new Int32Array(4096);
  labels = new Int32Array(4096);
}

/** `SliceOptions` of the 2-D MLP slicer: a workspace to reuse across calls. */
export interface MlpSliceOptions extends SliceOptions {
  /** Buffers to reuse (see `MlpSliceWorkspace`); a fresh set per call without it. */
  readonly workspace?: MlpSliceWorkspace;
}

/** The network read as layers over the plane: the first layer's weights act on (s, t) directly. */
function planeLayers(netLike: NetworkLike, plane: Plane): { hidden: Layer[]; out: Layer } {
  const net = networkOf(netLike);
  const layers = mergeLinearLayers(mlpLayers(net, true));
  const d = net.inputSize;
  let offset = 0;
  const read = (l: PiecewiseLayer, i: number): Layer => {
    let weight = l.weight;
    let bias = l.bias;
    let nIn = l.inFeatures;
    if (i === 0) {
      // W (o + s u + t v) + b = (W o + b) + s W u + t W v.
      weight = new Float64Array(2 * l.outFeatures);
      bias = Float64Array.from(l.bias);
      for (let j = 0; j < l.outFeatures; j++) {
        let c = 0;
        let a = 0;
        let b = 0;
        for (let k = 0; k < d; k++) {
          const w = l.weight[j * d + k]!;
          c += w * plane.origin[k]!;
          a += w * plane.u[k]!;
          b += w * plane.v[k]!;
        }
        bias[j] = bias[j]! + c;
        weight[2 * j] = a;
        weight[2 * j + 1] = b;
      }
      nIn = 2;
    }
    const layer: Layer = { n: l.outFeatures, nIn, weight, bias, act: l.act, alpha: l.alpha, min: l.min, max: l.max, offset };
    if (l.act !== 'none') offset += l.outFeatures;
    return layer;
  };
  const all = layers.map(read);
  if (offset !== net.numUnits)
    throw new PolytopeError('unsupported', `the 2-D MLP slicer found ${offset} units where the network has ${net.numUnits}`);
  const out = all[all.length - 1]!;
  if (out.act !== 'none') {
    // The network ends in an activation: its output is that activation's value, one more "layer" of identity.
    const n = out.n;
    const eye = new Float64Array(n * n);
    for (let j = 0; j < n; j++) eye[j * n + j] = 1;
    return { hidden: all, out: { n, nIn: n, weight: eye, bias: new Float64Array(n), act: 'none', alpha: 1, min: 0, max: 0, offset } };
  }
  return { hidden: all.slice(0, -1), out };
}

/**
 * out[o + v·m + k] = act(z[v·m + k]) for the first `nv` rows of m = l.n (layer l's activation);
 * `inputMax` keeps each column's largest magnitude. ReLU and leaky ReLU without a branch per
 * entry (`x · [α, 1][x > 0]`: the signs are unpredictable, and a mispredicted branch per entry
 * cost about twice the rest of this loop); the same values as `x > 0 ? x : α · x`.
 */
function activateRows(l: Layer, z: Float64Array, nv: number, out: Float64Array, o: number, inputMax: Float64Array): void {
  const m = l.n;
  if (l.act === 'hardtanh') {
    for (let v = 0; v < nv; v++)
      for (let k = 0; k < m; k++) {
        const x = z[v * m + k]!;
        const y = x < l.min ? l.min : x > l.max ? l.max : x;
        out[o + v * m + k] = y;
        if (Math.abs(y) > inputMax[k]!) inputMax[k] = Math.abs(y);
      }
    return;
  }
  const factor = Float64Array.of(l.act === 'leaky_relu' ? l.alpha : 0, 1);
  for (let v = 0; v < nv; v++)
    for (let k = 0; k < m; k++) {
      const x = z[v * m + k]!;
      const y = x * factor[Number(x > 0)]!;
      out[o + v * m + k] = y;
      const a = Math.abs(y);
      const c = inputMax[k]!;
      inputMax[k] = a > c ? a : c;
    }
}

/** One cut of a face: unit j of the layer at threshold θ; `upper` marks hard-tanh's max breakpoint. */
interface Cut {
  j: number;
  theta: number;
  tol: number;
  upper: boolean;
}

/**
 * The partition of a slice by `partitionMlp`: faces over shared vertices, each with its code and
 * output map. Face f's vertex ids are `faceVerts[off[f] .. off[f + 1])`, counter-clockwise; the
 * label of the edge leaving vertex i is `labels[i]` (`unit · 256 + state beyond`, −1 on the box).
 */
export interface MlpPartition {
  readonly faces: number;
  readonly off: Int32Array;
  readonly faceVerts: Int32Array;
  readonly labels: Int32Array;
  /** Vertex coordinates in the plane. */
  readonly s: Float64Array;
  readonly t: Float64Array;
  /** The network's outputs at every vertex (vertices × outputs). */
  readonly values: Float64Array;
  readonly outputs: number;
  /** faces × codeLength states. */
  readonly codes: Uint8Array;
  readonly codeLength: number;
  /** Per face, per output r: [c, ∂/∂s, ∂/∂t]. */
  readonly maps: Float64Array;
}

/**
 * The partition of a 2-D box of the plane by a plain MLP (see the module comment): faces over
 * shared vertices, with codes, edge labels and output maps.
 *
 * @example
 * partitionMlp(net, inputPlane(net), [-1, 1, -1, 1]).faces; // the number of activation regions
 */
export function partitionMlp(netLike: NetworkLike, plane: Plane, b: Box2, options: MlpSliceOptions = {}): MlpPartition {
  const p = partitionInto(options.workspace ?? new MlpSliceWorkspace(), netLike, plane, b, options);
  // The vertex and face arrays are views of the workspace: copies, so the result outlives it.
  return {
    ...p,
    faceVerts: p.faceVerts.slice(),
    labels: p.labels.slice(),
    s: p.s.slice(),
    t: p.t.slice(),
    values: p.values.slice(),
  };
}

/**
 * `partitionMlp` in the workspace `ws`: `off`, `codes` and `maps` are new arrays, `faceVerts`,
 * `labels`, `s`, `t` and `values` views of the workspace (valid until its next use).
 */
function partitionInto(ws: MlpSliceWorkspace, netLike: NetworkLike, plane: Plane, b: Box2, options: SliceOptions): MlpPartition {
  const net = networkOf(netLike);
  if (plane.origin.length !== net.inputSize)
    throw new PolytopeError(
      'shape-mismatch',
      `the plane lives in ${plane.origin.length} dimensions but the network has ${net.inputSize} inputs`,
    );
  const { hidden, out } = planeLayers(netLike, plane);
  const eps = resolveTolerances(options.tolerances).side;
  const verts = ws.verts;
  const loops = ws.loops;
  verts.reset();
  loops.used = 0;
  for (const [s, t] of [
    [b[0], b[2]],
    [b[1], b[2]],
    [b[1], b[3]],
    [b[0], b[3]],
  ] as const)
    verts.add(s, t);
  const box = new FaceList();
  box.reset(0);
  box.add(loops.append([0, 1, 2, 3], [BOUNDARY, BOUNDARY, BOUNDARY, BOUNDARY], 4), 4);
  let faces = box;
  // Values of the first layer (or the output, for a network without hidden layers) at the box corners.
  evaluateLayer(verts, hidden[0] ?? out, null, hidden.length > 0);
  const progress = options.onProgress;
  while (ws.levels.length < hidden.length) ws.levels.push(new FaceList());
  const levels = ws.levels.slice(0, hidden.length);
  for (let li = 0; li < hidden.length; li++) {
    if (options.signal?.aborted) throw new AbortError();
    const layer = hidden[li]!;
    const next = levels[li]!;
    next.reset(layer.n);
    cutLayer(ws, faces, next, layer, eps, options);
    faces = next;
    evaluateLayer(verts, hidden[li + 1] ?? out, layer, li + 1 < hidden.length);
    progress?.({ fraction: (li + 1) / (hidden.length + 1), regions: faces.count });
  }
  const F = faces.count;
  const { off, faceVerts, labels } = gatherFaces(ws, faces);
  const U = net.numUnits;
  const codes = assembleCodes(levels, hidden, F, U);
  const o = out.n;
  const values = verts.z.subarray(0, verts.count * o);
  const maps = new Float64Array(F * 3 * o);
  const composer = new MapComposer(hidden, out);
  const diameter = Math.hypot(b[1] - b[0], b[3] - b[2]);
  for (let f = 0; f < F; f++)
    if (!fitMap(verts.s, verts.t, faceVerts, off[f]!, off[f + 1]!, values, o, diameter, maps, 3 * o * f))
      composer.compose(
        codes,
        f * U,
        maps,
        3 * o * f,
        values,
        faceVerts[off[f]!]!,
        verts.s[faceVerts[off[f]!]!]!,
        verts.t[faceVerts[off[f]!]!]!,
      );
  return {
    faces: F,
    off,
    faceVerts,
    labels,
    s: verts.s.subarray(0, verts.count),
    t: verts.t.subarray(0, verts.count),
    values,
    outputs: o,
    codes,
    codeLength: U,
    maps,
  };
}

/** The final faces' loops gathered into one array: `off` (new), vertex ids and labels (views of the workspace). */
function gatherFaces(ws: MlpSliceWorkspace, faces: FaceList): { off: Int32Array; faceVerts: Int32Array; labels: Int32Array } {
  const F = faces.count;
  const off = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) off[f + 1] = off[f]! + faces.len[f]!;
  if (ws.faceVerts.length < off[F]!) {
    ws.faceVerts = new Int32Array(2 * off[F]!);
    ws.labels = new Int32Array(2 * off[F]!);
  }
  const faceVerts = ws.faceVerts.subarray(0, off[F]!);
  const labels = ws.labels.subarray(0, off[F]!);
  const { v, label } = ws.loops;
  for (let f = 0; f < F; f++) {
    const src = faces.start[f]!;
    const dst = off[f]!;
    for (let i = 0; i < faces.len[f]!; i++) {
      faceVerts[dst + i] = v[src + i]!;
      labels[dst + i] = label[src + i]!;
    }
  }
  return { off, faceVerts, labels };
}

/** Each final face's whole code (faces × U states) from its layer's states and its ancestors' in `levels`. */
function assembleCodes(levels: readonly FaceList[], hidden: readonly Layer[], F: number, U: number): Uint8Array {
  const codes = new Uint8Array(F * U);
  // Each face's code from its own layer's states and its ancestors' (four bytes at a time when aligned).
  const aligned = U % 4 === 0 && hidden.every((l) => l.n % 4 === 0 && l.offset % 4 === 0);
  const codes32 = aligned ? new Uint32Array(codes.buffer) : null;
  const level32 = aligned ? levels.map((lv) => new Uint32Array(lv.code.buffer, 0, lv.code.length >> 2)) : [];
  for (let f = 0; f < F; f++) {
    let idx = f;
    for (let li = levels.length - 1; li >= 0; li--) {
      const lv = levels[li]!;
      if (codes32) {
        const src = level32[li]!;
        const w = lv.stride >> 2;
        const d = (f * U + hidden[li]!.offset) >> 2;
        for (let i = 0; i < w; i++) codes32[d + i] = src[idx * w + i]!;
      } else copyBytes(codes, f * U + hidden[li]!.offset, lv.code, idx * lv.stride, lv.stride);
      idx = lv.parent[idx]!;
    }
  }
  return codes;
}

/**
 * Exact activation regions of a plain MLP on a 2-D plane: the same contract and result as
 * `slicePlane`, by a dedicated algorithm (see the module comment). Networks that are not plain
 * MLPs (dense layers with ReLU, leaky ReLU or hard-tanh, folded normalizations) get
 * `PolytopeError('unsupported')`: use `slicePlane` for them.
 *
 * @example
 * sliceMlpPlane(net, inputPlane(net), [-1, 1, -1, 1]).summary.regions; // as slicePlane's
 */
export function sliceMlpPlane(netLike: NetworkLike, plane: Plane, box: readonly number[], options: MlpSliceOptions = {}): SliceResult {
  const b = checkSliceDomain(netLike, plane, box);
  const start = now();
  const p = partitionInto(options.workspace ?? new MlpSliceWorkspace(), netLike, plane, b, options);
  const acc = new SliceAccumulator(netLike, plane, b, options.collect ?? true, options.onRegion, options.tolerances);
  const U = p.codeLength;
  const o3 = 3 * p.outputs;
  for (let f = 0; f < p.faces; f++) {
    const a = p.off[f]!;
    const n = p.off[f + 1]! - a;
    const xy = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const v = p.faceVerts[a + i]!;
      xy[2 * i] = p.s[v]!;
      xy[2 * i + 1] = p.t[v]!;
    }
    const cell: Polygon = { n, xy, labels: p.labels.subarray(a, a + n) };
    acc.add(cell, p.codes.subarray(f * U, f * U + U), p.maps.subarray(f * o3, f * o3 + o3));
  }
  options.onProgress?.({ fraction: 1, regions: p.faces });
  return acc.finish((now() - start) / 1000);
}

/** `sliceMlpFlat`'s result: a slice as flat arrays (the explorer's transfer format). */
export interface FlatMlpSlice {
  readonly regions: number;
  readonly linearRegions: number;
  /** Region i's polygon is xy[2·off[i] .. 2·off[i + 1]) (counter-clockwise, interleaved s, t). */
  readonly off: Int32Array;
  readonly xy: Float64Array;
  readonly codes: Uint8Array;
  readonly codeLength: number;
  readonly areas: Float64Array;
  /** Per region, per output r: [c, ∂/∂s, ∂/∂t]. */
  readonly maps: Float64Array;
  readonly outputs: number;
  readonly linearRegionOf: Int32Array;
  /** Decision boundary as polylines, each interleaved [s0, t0, s1, t1, …]. */
  readonly boundary: Float64Array[];
  readonly seconds: number;
}

/**
 * `sliceMlpPlane` as flat typed arrays, without a region object per region: linear regions are
 * joined across the partition's shared edges (its faces meet edge to edge) where the maps agree
 * (`sameMap`), and the decision boundary is cut only from regions where the outputs' order changes
 * between vertices. The explorer's live map uses it; the tests compare it with `slicePlane`.
 *
 * @example
 * sliceMlpFlat(net, inputPlane(net), [-1, 1, -1, 1]).linearRegions;
 */
export function sliceMlpFlat(netLike: NetworkLike, plane: Plane, box: readonly number[], options: MlpSliceOptions = {}): FlatMlpSlice {
  const b = checkSliceDomain(netLike, plane, box);
  const start = now();
  const ws = options.workspace ?? new MlpSliceWorkspace();
  const p = partitionInto(ws, netLike, plane, b, options);
  const F = p.faces;
  const xy = new Float64Array(2 * p.off[F]!);
  const areas = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const a = p.off[f]!;
    const e = p.off[f + 1]!;
    let area = 0;
    for (let i = a; i < e; i++) {
      const v = p.faceVerts[i]!;
      const w = p.faceVerts[i + 1 === e ? a : i + 1]!;
      xy[2 * i] = p.s[v]!;
      xy[2 * i + 1] = p.t[v]!;
      area += p.s[v]! * p.t[w]! - p.s[w]! * p.t[v]!;
    }
    areas[f] = Math.abs(area) / 2;
  }
  const { linearRegionOf, linearRegions } = joinLinearRegions(ws, p, resolveTolerances(options.tolerances).map);
  const boundary = joinSegments(boundarySegments(netLike, plane, b, p, xy, options));
  return {
    regions: F,
    linearRegions,
    off: p.off,
    xy,
    codes: p.codes,
    codeLength: p.codeLength,
    areas,
    maps: p.maps,
    outputs: p.outputs,
    linearRegionOf,
    boundary,
    seconds: (now() - start) / 1000,
  };
}

/**
 * Union–find over the partition's shared edges: neighbours with the same map form one linear
 * region. The face across edge a → b is the one holding b → a, found among vertex b's outgoing
 * inner edges (grouped by their first vertex with a counting sort: no hashing).
 */
function joinLinearRegions(ws: MlpSliceWorkspace, p: MlpPartition, mapEps: number): { linearRegionOf: Int32Array; linearRegions: number } {
  const F = p.faces;
  const nv = p.s.length;
  const { off, faceVerts: fv, labels } = p;
  const E = off[F]!;
  if (ws.adjStart.length < nv + 2) ws.adjStart = new Int32Array(2 * nv + 2);
  if (ws.adjTo.length < E) {
    ws.adjTo = new Int32Array(2 * E);
    ws.adjFace = new Int32Array(2 * E);
  }
  const { adjStart: at, adjTo: to, adjFace: face } = ws;
  at.fill(0, 0, nv + 2);
  for (let f = 0; f < F; f++) for (let i = off[f]!; i < off[f + 1]!; i++) if (labels[i] !== BOUNDARY) at[fv[i]! + 2] = at[fv[i]! + 2]! + 1;
  for (let v = 2; v <= nv + 1; v++) at[v] = at[v]! + at[v - 1]!;
  // at[v + 1] is now where vertex v's edges go; after the fill it is where they end.
  for (let f = 0; f < F; f++) {
    const e = off[f + 1]!;
    for (let i = off[f]!; i < e; i++) {
      if (labels[i] === BOUNDARY) continue;
      const k = at[fv[i]! + 1]!;
      at[fv[i]! + 1] = k + 1;
      to[k] = fv[i + 1 === e ? off[f]! : i + 1]!;
      face[k] = f;
    }
  }
  const parent = new Int32Array(F);
  for (let f = 0; f < F; f++) parent[f] = f;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const o3 = 3 * p.outputs;
  for (let f = 0; f < F; f++) {
    const e = off[f + 1]!;
    for (let i = off[f]!; i < e; i++) {
      if (labels[i] === BOUNDARY) continue;
      const a = fv[i]!;
      const b = fv[i + 1 === e ? off[f]! : i + 1]!;
      if (b > a) continue; // each shared edge once, from the face that runs it downwards
      let g = -1;
      for (let k = at[b]!; k < at[b + 1]!; k++) if (to[k] === a) g = face[k]!;
      if (g < 0) continue;
      const rf = find(f);
      const rg = find(g);
      if (rf !== rg && sameMap(p.maps, f * o3, p.maps, g * o3, o3, mapEps)) parent[rf] = rg;
    }
  }
  const linearRegionOf = new Int32Array(F);
  const ids = new Int32Array(F).fill(-1);
  let linearRegions = 0;
  for (let f = 0; f < F; f++) {
    const r = find(f);
    if (ids[r] === -1) ids[r] = linearRegions++;
    linearRegionOf[f] = ids[r]!;
  }
  return { linearRegionOf, linearRegions };
}

/**
 * Decision-boundary segments (x0, y0, x1, y1 each) of the regions where it can pass: the output's
 * sign (one output) or the argmax (several) is not the same, beyond the side tolerance, at every
 * vertex. Those regions go through the general slicer's `decisionSegments`.
 */
function boundarySegments(
  netLike: NetworkLike,
  plane: Plane,
  b: Box2,
  p: MlpPartition,
  xy: Float64Array,
  options: SliceOptions,
): Float64Array {
  const ctx = segmentContext(netLike, plane, b, options.tolerances);
  const out = new GrowF64();
  const o = p.outputs;
  const o3 = 3 * o;
  const extent = ctx.extent;
  for (let f = 0; f < p.faces; f++) {
    const a0 = p.off[f]!;
    const e = p.off[f + 1]!;
    if (!mayCarryBoundary(p, f, a0, e, extent, ctx.eps)) continue;
    const cell: Polygon = { n: e - a0, xy: xy.subarray(2 * a0, 2 * e), labels: p.labels.subarray(a0, e) };
    decisionSegments(ctx, cell, p.maps.subarray(f * o3, f * o3 + o3), o, out);
  }
  return out.data.slice(0, out.length);
}

/** Whether the boundary may cross or touch face f: not every vertex strictly on one output's side. */
function mayCarryBoundary(p: MlpPartition, f: number, a0: number, e: number, extent: readonly number[], eps: number): boolean {
  const o = p.outputs;
  const map = p.maps;
  const m0 = 3 * o * f;
  if (o === 1) {
    const tol = affineTolerance(map, m0, 3, extent, eps);
    let pos = 0;
    let neg = 0;
    for (let i = a0; i < e; i++) {
      const x = p.values[p.faceVerts[i]!]!;
      if (x > tol) pos++;
      else if (x < -tol) neg++;
    }
    return pos !== e - a0 && neg !== e - a0;
  }
  // Several outputs: the argmax at the first vertex must win at every vertex by more than the pair's tolerance.
  const v0 = p.faceVerts[a0]! * o;
  let best = 0;
  for (let r = 1; r < o; r++) if (p.values[v0 + r]! > p.values[v0 + best]!) best = r;
  for (let r = 0; r < o; r++) {
    if (r === best) continue;
    const tol = pairTolerance(map, m0 + 3 * best, m0 + 3 * r, 3, extent, eps);
    for (let i = a0; i < e; i++) {
      const v = p.faceVerts[i]! * o;
      if (p.values[v + best]! - p.values[v + r]! <= tol) return true;
    }
  }
  return false;
}

/**
 * Sets every vertex's row of `Z` to the pre-activations of `layer`: from (s, t) for the first
 * layer (`prev` null), else `W act_prev(Z) + b`.
 */
function evaluateLayer(verts: Vertices, layer: Layer, prev: Layer | null, cut: boolean): void {
  const nv = verts.count;
  const n = layer.n;
  const W = layer.weight;
  const bias = layer.bias;
  if (prev === null) {
    verts.width = n;
    verts.ensureRows(nv);
    const z = verts.z;
    verts.inputMax.fill(0, 0, 2);
    for (let v = 0; v < nv; v++) {
      verts.inputMax[0] = Math.max(verts.inputMax[0]!, Math.abs(verts.s[v]!));
      verts.inputMax[1] = Math.max(verts.inputMax[1]!, Math.abs(verts.t[v]!));
    }
    for (let v = 0; v < nv; v++) {
      const s = verts.s[v]!;
      const t = verts.t[v]!;
      for (let j = 0; j < n; j++) z[v * n + j] = bias[j]! + W[2 * j]! * s + W[2 * j + 1]! * t;
    }
    return;
  }
  const m = prev.n;
  if (verts.inputMax.length < m) verts.inputMax = new Float64Array(m);
  const inputMax = verts.inputMax;
  inputMax.fill(0, 0, m);
  const zPrev = verts.z;
  // Room to grow: the next layer's cuts add vertices (about as many again on these nets).
  if (verts.spare.length < 3 * nv * n) verts.spare = new Float64Array(Math.max(1024, 3 * nv * n));
  const z = verts.spare;
  // Small products and narrow layers (the output) in JavaScript, the activation fused into the
  // products; the inputs' magnitudes only for a layer that will be cut.
  const g = n >= 4 && nv * n * m >= 1 << 14 ? gemm64() : null;
  if (!g) {
    const alpha = prev.act === 'leaky_relu' ? prev.alpha : 0;
    const lo = prev.min;
    const hi = prev.max;
    if (prev.act === 'hardtanh') {
      for (let v = 0; v < nv; v++)
        for (let j = 0; j < n; j++) {
          let acc = bias[j]!;
          for (let k = 0, r = v * m, wr = j * m; k < m; k++) {
            const x = zPrev[r + k]!;
            acc += W[wr + k]! * (x < lo ? lo : x > hi ? hi : x);
          }
          z[v * n + j] = acc;
        }
    } else {
      const factor = Float64Array.of(alpha, 1); // x · [α, 1][x > 0]: no branch (see activateRows)
      for (let v = 0; v < nv; v++)
        for (let j = 0; j < n; j++) {
          let acc = bias[j]!;
          for (let k = 0, r = v * m, wr = j * m; k < m; k++) {
            const x = zPrev[r + k]!;
            acc += W[wr + k]! * (x * factor[Number(x > 0)]!);
          }
          z[v * n + j] = acc;
        }
    }
    if (cut) {
      activateRows(prev, zPrev, nv, new Float64Array(nv * m), 0, inputMax); // only the magnitudes are needed here
    }
  } else {
    // Z = act(Z_prev) Wᵀ + b on the float64 SIMD kernel (C += A·B): A = act(Z_prev) padded to 4 rows,
    // B = Wᵀ padded to 4 columns, C starting at the bias.
    const r4 = Math.ceil(nv / 4) * 4;
    const c4 = Math.ceil(n / 4) * 4;
    const bAt = r4 * m;
    const cAt = bAt + m * c4;
    const mem = gemm64Reserve(g, cAt + r4 * c4);
    activateRows(prev, zPrev, nv, mem, 0, inputMax);
    mem.fill(0, nv * m, cAt);
    for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) mem[bAt + k * c4 + j] = W[j * m + k]!;
    // C's rows start at the bias: the first row set, then copied over the rest in doubling blocks
    // (memcpy; stores one by one into the kernel's memory took ten times as long).
    for (let j = 0; j < n; j++) mem[cAt + j] = bias[j]!;
    for (let j = n; j < c4; j++) mem[cAt + j] = 0;
    for (let done = c4, total = r4 * c4; done < total; done *= 2) mem.copyWithin(cAt + done, cAt, cAt + Math.min(done, total - done));
    g.nn(0, bAt * 8, cAt * 8, r4, c4, m);
    if (c4 === n) z.set(mem.subarray(cAt, cAt + nv * n));
    else for (let v = 0; v < nv; v++) for (let j = 0; j < n; j++) z[v * n + j] = mem[cAt + v * c4 + j]!;
  }
  verts.width = n;
  verts.spare = verts.z;
  verts.z = z;
}

/** Each unit's tolerance on this layer: `side · (|b_j| + Σ_k |W_jk| · max_v |input_k|)`, the largest its terms reach in the box. */
function unitTolerances(layer: Layer, inputMax: Float64Array, eps: number): Float64Array {
  const tol = new Float64Array(layer.n);
  for (let j = 0; j < layer.n; j++) {
    let s = Math.abs(layer.bias[j]!);
    for (let k = 0; k < layer.nIn; k++) s += Math.abs(layer.weight[j * layer.nIn + k]!) * inputMax[k]!;
    tol[j] = eps * s;
  }
  return tol;
}

/** Cuts every face of `faces` by the units of `layer` into `next` (that layer's states; faces reference `ws.loops`). */
function cutLayer(ws: MlpSliceWorkspace, faces: FaceList, next: FaceList, layer: Layer, eps: number, options: SliceOptions): void {
  const verts = ws.verts;
  const n = layer.n;
  const tol = unitTolerances(layer, verts.inputMax, eps);
  const relu = layer.act !== 'hardtanh';
  if (relu) verts.startSigns(tol);
  const { pieces, edges, cuts, loops } = ws;
  edges.clear();
  const range = new Float64Array(2 * n);
  const baseRow = new Uint8Array(n);
  const W = Math.ceil(n / 32);
  const scratch: Scratch = {
    classes: new Int8Array(64),
    cross: new Int32Array(64),
    mask: new Int32Array(W),
    pos: new Int32Array(W),
    neg: new Int32Array(W),
    cut: { j: 0, theta: 0, tol: 0, upper: false },
    labelBase: layer.offset * 256,
  };
  let lastCheck = 0;
  for (let f = 0; f < faces.count; f++) {
    if (f - lastCheck >= 512) {
      lastCheck = f;
      if (options.signal?.aborted) throw new AbortError();
    }
    const fs = faces.start[f]!;
    const fn = faces.len[f]!;
    const cut = relu
      ? classifyReluFace(verts, loops, fs, fn, baseRow, scratch)
      : classifyFace(verts, loops, fs, fn, layer, tol, eps, range, baseRow, cuts);
    if (!cut) {
      // Uncut: the same loop, this layer's states.
      const g = next.add(fs, fn);
      next.code.set(baseRow, g * n); // row has exactly the stride: a memcpy
      next.parent[g] = f;
      continue;
    }
    if (relu) {
      cutReluFace(ws, f, fs, fn, baseRow, next, scratch);
      continue;
    }
    // Hard-tanh: pieces of the face: each cut splits the live pieces it crosses into two new ones at the end
    // of the list (the old one dies, len 0) and fixes its unit's state in place on the others.
    pieces.reset(n);
    pieces.add(fs, fn);
    pieces.code.set(baseRow, 0);
    for (let c = 0; c < cuts.count; c++) {
      const cut = cuts.pool[c]!;
      const live = pieces.count;
      for (let p = 0; p < live; p++) if (pieces.len[p]! > 0) splitPiece(verts, loops, pieces, p, cut, layer, edges, scratch);
    }
    for (let p = 0; p < pieces.count; p++) {
      if (pieces.len[p] === 0) continue;
      const g = next.add(pieces.start[p]!, pieces.len[p]!);
      copyBytes(next.code, g * n, pieces.code, p * n, n);
      next.parent[g] = f;
    }
  }
  verts.stopSigns();
}

/** Buffers of the cutting functions (one set per layer). */
interface Scratch {
  classes: Int8Array;
  cross: Int32Array;
  /** Sign-bit words: the face's crossing units, and a piece's "some vertex above/below" bits. */
  readonly mask: Int32Array;
  readonly pos: Int32Array;
  readonly neg: Int32Array;
  readonly cut: Cut;
  /** The layer's first unit × 256: a cut edge's label is (labelBase + j · 256) + the state beyond. */
  readonly labelBase: number;
}

/**
 * Cuts face f (the loop at `fs`, `fn` vertices) of a ReLU-like layer depth-first over its crossing
 * units (`scratch.mask`, from `classifyReluFace`, whose some-vertex-above/below bits of the face are
 * in `scratch.pos` / `scratch.neg`): a piece is split by the first crossing unit after the one that
 * made it whose sign changes on its vertices (their sign bits), and is kept when none does, its
 * states for the crossing units read from the same bits (on where some vertex is above the
 * tolerance). Each piece's vertices are read once for all units, where cutting unit by unit reads
 * every piece once per unit. Pieces are loops appended to `ws.loops`; a final piece is kept where
 * it lies.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function cutReluFace(
  ws: MlpSliceWorkspace,
  f: number,
  fs: number,
  fn: number,
  baseRow: Uint8Array,
  next: FaceList,
  scratch: Scratch,
): void {
  const { verts, loops, stack } = ws;
  const W = verts.words;
  const n = next.stride;
  const { mask, pos, neg } = scratch;
  stack.reset(0);
  stack.parent[stack.add(fs, fn)] = 0; // the first unit a piece may still be cut by
  let first = true; // the face itself: its bits are in pos / neg already
  while (stack.count > 0) {
    const p = --stack.count;
    const ps = stack.start[p]!;
    const pn = stack.len[p]!;
    const from = stack.parent[p]!;
    if (!first) {
      pos.fill(0);
      neg.fill(0);
      const signs = verts.signs;
      const lv = loops.v;
      for (let i = 0; i < pn; i++) {
        const at = 2 * W * lv[ps + i]!;
        for (let w = 0; w < W; w++) {
          pos[w] = pos[w]! | signs[at + w]!;
          neg[w] = neg[w]! | signs[at + W + w]!;
        }
      }
    }
    first = false;
    let j = -1;
    for (let w = from >> 5; w < W && j < 0; w++) {
      let m = pos[w]! & neg[w]! & mask[w]!;
      if (w === from >> 5) m &= ~((1 << (from & 31)) - 1);
      if (m !== 0) j = 32 * w + 31 - Math.clz32(m & -m);
    }
    if (j < 0) {
      const g = next.add(ps, pn);
      const code = next.code;
      code.set(baseRow, g * n); // a whole typed array: a memcpy
      // The crossing units' states: on where some vertex is above.
      for (let w = 0; w < W; w++)
        for (let m = mask[w]!; m !== 0; m &= m - 1) {
          const b = 31 - Math.clz32(m & -m);
          code[g * n + 32 * w + b] = (pos[w]! >>> b) & 1;
        }
      next.parent[g] = f;
      continue;
    }
    splitReluPiece(ws, ps, pn, j, scratch);
  }
}

/** Splits the popped piece (the loop at `ps`, `pn` vertices) by unit j into two pieces pushed on the stack, each to be cut from unit j + 1 on. */
function splitReluPiece(ws: MlpSliceWorkspace, ps: number, pn: number, j: number, scratch: Scratch): void {
  if (scratch.classes.length < pn) {
    scratch.classes = new Int8Array(2 * pn);
    scratch.cross = new Int32Array(2 * pn);
  }
  const { verts, loops, stack, edges } = ws;
  const { classes, cross, cut } = scratch;
  const W = verts.words;
  const signs = verts.signs;
  const bit = 1 << (j & 31);
  const w = j >> 5;
  const lv = loops.v;
  for (let i = 0; i < pn; i++) {
    const at = 2 * W * lv[ps + i]!;
    classes[i] = signs[at + w]! & bit ? 1 : signs[at + W + w]! & bit ? -1 : 0;
  }
  cut.j = j;
  for (let i = 0; i < pn; i++) {
    const k = i + 1 === pn ? 0 : i + 1;
    cross[i] = classes[i]! * classes[k]! < 0 ? crossing(verts, lv[ps + i]!, lv[ps + k]!, cut, edges) : -1;
  }
  loops.reserve(2 * pn + 4);
  let at = loops.used;
  stack.parent[stack.add(at, emitSide(loops, ps, pn, classes, cross, 1, scratch.labelBase + j * 256))] = j + 1;
  at = loops.used;
  stack.parent[stack.add(at, emitSide(loops, ps, pn, classes, cross, -1, scratch.labelBase + j * 256 + 1))] = j + 1;
}

/** The cuts of one face: a reused pool of `Cut`s, `count` of them live. */
class Cuts {
  count = 0;
  readonly pool: Cut[] = [];
  push(j: number, theta: number, tol: number, upper: boolean): void {
    const c = this.pool[this.count] ?? (this.pool[this.count] = { j: 0, theta: 0, tol: 0, upper: false });
    c.j = j;
    c.theta = theta;
    c.tol = tol;
    c.upper = upper;
    this.count++;
  }
}

/**
 * `classifyFace` for ReLU-like layers from the vertices' sign bits: a unit crosses the face when
 * some vertex is above and some below its tolerance (its bit in `scratch.mask`); else it is on when
 * some vertex is above. Leaves the face's above/below bits in `scratch.pos` / `scratch.neg` (for
 * `cutReluFace`); the row's entries of crossing units are set too (to be overwritten per piece).
 * Whether some unit crosses.
 */
function classifyReluFace(verts: Vertices, loops: Loops, fs: number, fn: number, row: Uint8Array, scratch: Scratch): boolean {
  const W = verts.words;
  const signs = verts.signs;
  const n = verts.width;
  const lv = loops.v;
  const { mask, pos: facePos, neg: faceNeg } = scratch;
  let any = 0;
  for (let w = 0; w < W; w++) {
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < fn; i++) {
      const at = 2 * W * lv[fs + i]!;
      pos |= signs[at + w]!;
      neg |= signs[at + W + w]!;
    }
    facePos[w] = pos;
    faceNeg[w] = neg;
    mask[w] = pos & neg;
    any |= pos & neg;
    const end = Math.min(n, 32 * w + 32);
    for (let j = 32 * w; j < end; j++) row[j] = (pos >>> (j & 31)) & 1;
  }
  return any !== 0;
}

/** Fixed states of the layer's units on a face (into `row`) and the cuts of those that cross it; whether there are any. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function classifyFace(
  verts: Vertices,
  loops: Loops,
  fs: number,
  fn: number,
  layer: Layer,
  tol: Float64Array,
  eps: number,
  range: Float64Array,
  row: Uint8Array,
  cuts: Cuts,
): boolean {
  cuts.count = 0;
  const n = layer.n;
  const z = verts.z;
  const lv = loops.v;
  // Each unit's range over the face's vertices (rows of Z read in order): lo in range[0, n), hi in range[n, 2n).
  let r0 = lv[fs]! * n;
  for (let j = 0; j < n; j++) {
    const x = z[r0 + j]!;
    range[j] = x;
    range[n + j] = x;
  }
  for (let i = 1; i < fn; i++) {
    r0 = lv[fs + i]! * n;
    for (let j = 0; j < n; j++) {
      const x = z[r0 + j]!;
      if (x < range[j]!) range[j] = x;
      else if (x > range[n + j]!) range[n + j] = x;
    }
  }
  if (layer.act !== 'hardtanh') {
    for (let j = 0; j < n; j++) {
      const tj = tol[j]!;
      // A unit ≈ 0 on the whole face takes the lower state (the forward rule: x ≤ 0 → off).
      if (range[n + j]! <= tj) row[j] = 0;
      else if (range[j]! >= -tj) row[j] = 1;
      else cuts.push(j, 0, tj, false);
    }
    return cuts.count > 0;
  }
  for (let j = 0; j < n; j++) {
    const lo = range[j]!;
    const hi = range[n + j]!;
    const tMin = tol[j]! + Math.abs(layer.min) * eps;
    const tMax = tol[j]! + Math.abs(layer.max) * eps;
    if (hi <= layer.min + tMin) row[j] = 0;
    else if (lo >= layer.max - tMax) row[j] = 2;
    else {
      row[j] = 1;
      if (lo < layer.min - tMin) cuts.push(j, layer.min, tMin, false);
      if (hi > layer.max + tMax) cuts.push(j, layer.max, tMax, true);
    }
  }
  return cuts.count > 0;
}

/** dst[d, d + len) = src[s, s + len) (a loop: `subarray` per call costs more than these short copies). */
function copyBytes(dst: Uint8Array, d: number, src: Uint8Array, s: number, len: number): void {
  for (let i = 0; i < len; i++) dst[d + i] = src[s + i]!;
}

/**
 * A value per edge, by the edge's two vertex ids (open addressing, the two keys and the value
 * interleaved in one array): the vertex a layer's cut made on it (keyed by the ids in increasing
 * order; an edge is split once and then gone from both faces that held it, so entries are never
 * removed within a layer). Kept by the workspace: cleared per layer, grown as needed, never shrunk.
 */
class EdgeTable {
  /** Per slot: key a (−1 when free), key b, value, unused. */
  cells = new Int32Array(4 << 12).fill(-1);
  private size = 0;

  clear(): void {
    if (this.size > 0) this.cells.fill(-1);
    this.size = 0;
  }

  /** The cell index (4 × slot) of (a, b), or of the free slot where it goes. */
  slot(a: number, b: number): number {
    const cells = this.cells;
    const mask = (cells.length >> 2) - 1;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & mask;
    for (;;) {
      const ka = cells[4 * h]!;
      if (ka === -1 || (ka === a && cells[4 * h + 1] === b)) return 4 * h;
      h = (h + 1) & mask;
    }
  }

  /** Stores (a, b) → w at the free cell h from `slot(a, b)`. */
  insert(h: number, a: number, b: number, w: number): void {
    this.cells[h] = a;
    this.cells[h + 1] = b;
    this.cells[h + 2] = w;
    if (++this.size * 2 > this.cells.length >> 2) this.rehash();
  }

  private rehash(): void {
    const old = this.cells;
    this.cells = new Int32Array(2 * old.length).fill(-1);
    for (let i = 0; i < old.length; i += 4) {
      if (old[i] === -1) continue;
      const h = this.slot(old[i]!, old[i + 1]!);
      this.cells[h] = old[i]!;
      this.cells[h + 1] = old[i + 1]!;
      this.cells[h + 2] = old[i + 2]!;
    }
  }
}

/** The vertex where the cut crosses edge (a, b), shared with the face across it. */
function crossing(verts: Vertices, a: number, b: number, cut: Cut, edges: EdgeTable): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  const h = edges.slot(lo, hi);
  if (edges.cells[h] !== -1) return edges.cells[h + 2]!;
  const n = verts.width;
  const j = cut.j;
  const z = verts.z;
  const za = z[a * n + j]! - cut.theta;
  const zb = z[b * n + j]! - cut.theta;
  const r = za / (za - zb);
  const w = verts.add(verts.s[a]! + r * (verts.s[b]! - verts.s[a]!), verts.t[a]! + r * (verts.t[b]! - verts.t[a]!));
  const zz = verts.z;
  const ra = a * n;
  const rb = b * n;
  const rw = w * n;
  for (let k = 0; k < n; k++) zz[rw + k] = zz[ra + k]! + r * (zz[rb + k]! - zz[ra + k]!);
  zz[rw + j] = cut.theta;
  if (verts.words > 0) verts.classify(w);
  edges.insert(h, lo, hi, w);
  return w;
}

/**
 * Splits piece p of `pieces` by `cut`: if the cut misses it, fixes the unit's state on it in place;
 * otherwise appends its two sides as new pieces (loops appended to `loops`) and kills it (len 0).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function splitPiece(
  verts: Vertices,
  loops: Loops,
  pieces: FaceList,
  p: number,
  cut: Cut,
  layer: Layer,
  edges: EdgeTable,
  scratch: { classes: Int8Array; cross: Int32Array },
): void {
  const ps = pieces.start[p]!;
  const pn = pieces.len[p]!;
  if (scratch.classes.length < pn) {
    scratch.classes = new Int8Array(2 * pn);
    scratch.cross = new Int32Array(2 * pn);
  }
  const classes = scratch.classes;
  const n = layer.n;
  const z = verts.z;
  const j = cut.j;
  const lv = loops.v;
  let pos = false;
  let neg = false;
  for (let i = 0; i < pn; i++) {
    const x = z[lv[ps + i]! * n + j]! - cut.theta;
    const c = x > cut.tol ? 1 : x < -cut.tol ? -1 : 0;
    classes[i] = c;
    if (c > 0) pos = true;
    else if (c < 0) neg = true;
  }
  const hard = layer.act === 'hardtanh';
  if (!(pos && neg)) {
    // ReLU-like: above → on, else off (≈ 0 everywhere counts as off). Hard-tanh keeps 1 unless beyond a breakpoint.
    if (!hard) pieces.code[p * n + j] = pos ? 1 : 0;
    else if (cut.upper && pos) pieces.code[p * n + j] = 2;
    else if (!cut.upper && neg) pieces.code[p * n + j] = 0;
    return;
  }
  const unit = layer.offset + j;
  // States on the positive and negative sides; each side's cut edge is labelled with the other side's state.
  const posState = hard ? (cut.upper ? 2 : 1) : 1;
  const negState = hard ? (cut.upper ? 1 : 0) : 0;
  // The crossing vertex of each crossed edge (two for a convex piece), made once for both sides.
  const cross = scratch.cross;
  for (let i = 0; i < pn; i++) {
    const k = i + 1 === pn ? 0 : i + 1;
    cross[i] = classes[i]! * classes[k]! < 0 ? crossing(verts, lv[ps + i]!, lv[ps + k]!, cut, edges) : -1;
  }
  loops.reserve(2 * pn + 4);
  let at = loops.used;
  const gp = pieces.add(at, emitSide(loops, ps, pn, classes, cross, 1, unit * 256 + negState));
  copyBytes(pieces.code, gp * n, pieces.code, p * n, n);
  if (!hard || cut.upper) pieces.code[gp * n + j] = posState;
  at = loops.used;
  const gn = pieces.add(at, emitSide(loops, ps, pn, classes, cross, -1, unit * 256 + posState));
  copyBytes(pieces.code, gn * n, pieces.code, p * n, n);
  if (!hard || !cut.upper) pieces.code[gn * n + j] = negState;
  pieces.len[p] = 0;
}

/**
 * Appends to `loops` the part of the loop at `ps` (`pn` vertices) on side `side` (+1 or −1) of the
 * cut: its vertices on that side or on the line, the crossing vertices, and each vertex's outgoing
 * edge label (the original edge's, or `cutLabel` along the cut). Returns its length; room for
 * pn + 2 entries must be reserved.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function emitSide(loops: Loops, ps: number, pn: number, classes: Int8Array, cross: Int32Array, side: number, cutLabel: number): number {
  const lv = loops.v;
  const ll = loops.label;
  const start = loops.used;
  let o = start;
  for (let i = 0; i < pn; i++) {
    const k = i + 1 === pn ? 0 : i + 1;
    const ca = classes[i]! * side;
    const cb = classes[k]! * side;
    const lab = ll[ps + i]!;
    // The boundary just after a kept vertex (towards b, up to a crossing) stays on this side when
    // a is strictly inside, or a is on the line and b strictly inside; else it runs along the cut.
    const along = ca > 0 || (ca === 0 && cb > 0);
    if (ca >= 0) {
      lv[o] = lv[ps + i]!;
      ll[o++] = along ? lab : cutLabel;
    }
    if (ca * cb < 0) {
      lv[o] = cross[i]!;
      ll[o++] = cb > 0 ? lab : cutLabel;
    }
  }
  loops.used = o;
  return o - start;
}

/**
 * Fits face f's output maps (o × [c, a, b], into `maps` at `at`) through the triangle of its
 * vertices with the largest area; false when that triangle's smallest height is below
 * MAP_FIT_HEIGHT × the box's diameter (the fit would amplify the values' rounding).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
function fitMap(
  S: Float64Array,
  T: Float64Array,
  ids: Int32Array,
  a0: number,
  e: number,
  values: Float64Array,
  o: number,
  diameter: number,
  maps: Float64Array,
  at: number,
): boolean {
  // A well-spread triangle in O(n): the first vertex, the one farthest from it, and the one
  // farthest from the line through both (within a constant factor of the largest triangle).
  const i0 = a0;
  const s0_ = S[ids[a0]!]!;
  const t0_ = T[ids[a0]!]!;
  let i1 = a0 + 1;
  let far = -1;
  for (let k = a0 + 1; k < e; k++) {
    const d = (S[ids[k]!]! - s0_) ** 2 + (T[ids[k]!]! - t0_) ** 2;
    if (d > far) {
      far = d;
      i1 = k;
    }
  }
  const us = S[ids[i1]!]! - s0_;
  const ut = T[ids[i1]!]! - t0_;
  let i2 = a0 + 1;
  let best = -1;
  for (let k = a0 + 1; k < e; k++) {
    const cross = Math.abs(us * (T[ids[k]!]! - t0_) - ut * (S[ids[k]!]! - s0_));
    if (cross > best) {
      best = cross;
      i2 = k;
    }
  }
  const p0 = ids[i0]!;
  const p1 = ids[i1]!;
  const p2 = ids[i2]!;
  const s0 = S[p0]!;
  const t0 = T[p0]!;
  const ds1 = S[p1]! - s0;
  const dt1 = T[p1]! - t0;
  const ds2 = S[p2]! - s0;
  const dt2 = T[p2]! - t0;
  const det = ds1 * dt2 - dt1 * ds2;
  // (Math.sqrt, not Math.hypot: the latter is several times slower here and no overflow threatens.)
  const longest = Math.sqrt(Math.max(ds1 * ds1 + dt1 * dt1, ds2 * ds2 + dt2 * dt2, (ds2 - ds1) ** 2 + (dt2 - dt1) ** 2));
  if (!(Math.abs(det) / longest >= MAP_FIT_HEIGHT * diameter)) return false;
  for (let r = 0; r < o; r++) {
    const f0 = values[p0 * o + r]!;
    const d1 = values[p1 * o + r]! - f0;
    const d2 = values[p2 * o + r]! - f0;
    const ga = (d1 * dt2 - d2 * dt1) / det;
    const gb = (ds1 * d2 - ds2 * d1) / det;
    maps[at + 3 * r] = f0 - ga * s0 - gb * t0;
    maps[at + 3 * r + 1] = ga;
    maps[at + 3 * r + 2] = gb;
  }
  return true;
}

/**
 * Output maps of faces too thin to fit, from their codes: the gradient by the chain rule from the
 * output back (o rows: `g ← (g ⊙ act'_ℓ) W_ℓ`, act' fixed by the code: ReLU off → 0, leaky off →
 * α, hard-tanh saturated → 0; rows of g whose factor is 0 are skipped), through the first layer's
 * plane weights to [∂/∂s, ∂/∂t]; the constant from the output's value at one of the face's
 * vertices. Buffers reused.
 */
class MapComposer {
  private cur: Float64Array;
  private nxt: Float64Array;

  constructor(
    private readonly hidden: readonly Layer[],
    private readonly out: Layer,
  ) {
    const widest = Math.max(out.nIn, ...hidden.map((l) => Math.max(l.n, l.nIn)), 2);
    this.cur = new Float64Array(out.n * widest);
    this.nxt = new Float64Array(out.n * widest);
  }

  /**
   * Face maps from the code at `codes[at…]` into `maps[mapAt…]`; `values` holds the outputs at
   * every vertex, and `vertex` = (s, t) is one of the face's.
   */
  // eslint-disable-next-line @typescript-eslint/max-params -- kernel contract (STYLE.md)
  compose(
    codes: Uint8Array,
    at: number,
    maps: Float64Array,
    mapAt: number,
    values: Float64Array,
    vertex: number,
    s: number,
    t: number,
  ): void {
    const o = this.out.n;
    let g = this.cur;
    let width = this.out.nIn;
    for (let i = 0; i < o * width; i++) g[i] = this.out.weight[i]!;
    for (let li = this.hidden.length - 1; li >= 0; li--) {
      const l = this.hidden[li]!;
      const W = l.weight;
      const nIn = l.nIn;
      const next = g === this.cur ? this.nxt : this.cur;
      next.fill(0, 0, o * nIn);
      for (let k = 0; k < l.n; k++) {
        const st = codes[at + l.offset + k]!;
        const d = st === 1 ? 1 : l.act === 'leaky_relu' && st === 0 ? l.alpha : 0;
        if (d === 0) continue;
        for (let r = 0; r < o; r++) {
          const gr = g[r * width + k]! * d;
          if (gr === 0) continue;
          const nr = r * nIn;
          const wr = k * nIn;
          for (let c = 0; c < nIn; c++) next[nr + c] = next[nr + c]! + gr * W[wr + c]!;
        }
      }
      g = next;
      width = nIn;
    }
    for (let r = 0; r < o; r++) {
      const a = g[2 * r]!;
      const b = g[2 * r + 1]!;
      maps[mapAt + 3 * r] = values[vertex * o + r]! - a * s - b * t;
      maps[mapAt + 3 * r + 1] = a;
      maps[mapAt + 3 * r + 2] = b;
    }
  }
}
