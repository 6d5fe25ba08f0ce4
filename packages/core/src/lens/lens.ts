/**
 * Polytope-lens analyses (Black et al., "Interpreting neural networks through the polytope lens"):
 * spline codes per layer and whole-network, code distances, clustering by code vs by activation,
 * polytope boundary density along interpolations (exact, from `partitionLine`), and layer / region
 * norms (spectral vs Frobenius; a region's ‖J‖₂ is the network's local Lipschitz constant there).
 */
import { kmeans } from 'ml-kmeans';
import { PolytopeError } from '../errors.js';
import { forwardAll } from '../network/forward.js';
import { sizeOf } from '../network/ir.js';
import type { Network } from '../network/network.js';
import { partitionLine } from '../regions/line.js';
import type { PartitionOptions } from '../regions/engine.js';
import { affineMapAt } from '../spline/affine.js';
import { frobeniusNorm, spectralNorm } from '../truncation/mlp.js';

/** Per-layer codes of one input: `layers[l]` is activation node l's states (0/1 for ReLU). */
export interface SplineCodes {
  readonly layers: Uint8Array[];
  /** Whole-network code (concatenation). */
  readonly whole: Uint8Array;
  /** Post-activation values per activation node (the "activations" features). */
  readonly activations: Float64Array[];
}

/**
 * Spline codes of an input, per activation layer and for the whole network.
 *
 * @example
 * splineCodes(net, x).layers.map((c) => c.length); // hidden widths
 */
export function splineCodes(net: Network, x: ArrayLike<number>): SplineCodes {
  const { values, code } = forwardAll(net, x);
  const layers = net.activations.map((s) => code.slice(s.offset, s.offset + s.numUnits));
  const activations = net.activations.map((s) => Float64Array.from(values[s.node]!));
  return { layers, whole: code, activations };
}

/**
 * Number of positions where two codes differ.
 *
 * @example
 * codeHamming(Uint8Array.of(1, 0, 1), Uint8Array.of(1, 1, 0)); // 2
 */
export function codeHamming(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new PolytopeError('shape-mismatch', `codes have ${a.length} and ${b.length} units`);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * Jaccard distance of the active sets (states ≠ 0): 1 − |A ∩ B| / |A ∪ B| (0 when both are empty).
 *
 * @example
 * codeJaccard(Uint8Array.of(1, 1, 0), Uint8Array.of(1, 0, 1)); // 1 − 1/3
 */
export function codeJaccard(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new PolytopeError('shape-mismatch', `codes have ${a.length} and ${b.length} units`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 0 : 1 - inter / union;
}

/** Purity of a clustering: Σ_c max_label |c ∩ label| / N. */
export function clusterPurity(clusters: ArrayLike<number>, labels: ArrayLike<number>): number {
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i]!;
    let m = counts.get(c);
    if (!m) counts.set(c, (m = new Map()));
    m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
  }
  let total = 0;
  for (const m of counts.values()) {
    let top = -Infinity;
    for (const v of m.values()) top = Math.max(top, v);
    total += top;
  }
  return clusters.length === 0 ? 0 : total / clusters.length;
}

/** What `clusterInputs` clusters: the binary spline codes or the raw hidden activations. */
export type ClusterFeatures = 'code' | 'activations';

/** Result of `clusterInputs`: a cluster per input and the cluster centres. */
export interface ClusterResult {
  readonly features: ClusterFeatures;
  /** Activation layer used (−1 = all layers concatenated). */
  readonly layer: number;
  readonly k: number;
  readonly clusters: Int32Array;
  readonly purity?: number;
  readonly iterations: number;
}

/**
 * Seeded k-means (k-means++) of inputs by spline code (0/1 vectors; squared Euclidean = Hamming)
 * or by post-activation values, of one activation layer or all; purity against labels if given.
 *
 * @example
 * clusterInputs(net, xs, { k: 10, features: 'code', labels, seed: 1 }).purity;
 */
export function clusterInputs(
  net: Network,
  xs: readonly ArrayLike<number>[],
  options: { k: number; features: ClusterFeatures; layer?: number; labels?: ArrayLike<number>; seed?: number; codes?: SplineCodes[] },
): ClusterResult {
  const layer = options.layer ?? -1;
  if (layer >= net.activations.length)
    throw new PolytopeError('bad-option', `layer ${layer} does not exist; the network has ${net.activations.length} activation layers`);
  if (options.k < 1 || options.k > xs.length) throw new PolytopeError('bad-option', `k must be in 1 … ${xs.length}, got ${options.k}`);
  const codes = options.codes ?? xs.map((x) => splineCodes(net, x));
  const data = codes.map((c) => {
    const parts: ArrayLike<number>[] =
      options.features === 'code' ? (layer < 0 ? [c.whole] : [c.layers[layer]!]) : layer < 0 ? c.activations : [c.activations[layer]!];
    const row: number[] = [];
    for (const p of parts) for (let i = 0; i < p.length; i++) row.push(p[i]!);
    return row;
  });
  const res = kmeans(data, options.k, { seed: options.seed ?? 1, initialization: 'kmeans++', maxIterations: 100 });
  const clusters = Int32Array.from(res.clusters);
  return {
    features: options.features,
    layer,
    k: options.k,
    clusters,
    ...(options.labels ? { purity: clusterPurity(clusters, options.labels) } : {}),
    iterations: res.iterations,
  };
}

/** Boundary crossings along a segment. */
export interface BoundaryDensity {
  /** Euclidean length of the segment. */
  readonly length: number;
  /** Breakpoints (segment parameter t ∈ (0, 1)) and the activation layer whose unit caused each. */
  readonly breakpoints: Float64Array;
  readonly layerOf: Int32Array;
  /** Crossings per activation layer, and per unit length. */
  readonly perLayer: Int32Array;
  readonly densityPerLayer: Float64Array;
  /** All crossings per unit length. */
  readonly density: number;
}

/** Which activation layer a code unit belongs to. */
function unitLayer(net: Network, unit: number): number {
  const slots = net.activations;
  for (let l = slots.length - 1; l >= 0; l--) if (unit >= slots[l]!.offset) return l;
  return -1;
}

/**
 * Exact polytope boundary density along x0 → x1: every breakpoint of the segment (exact line
 * partition), attributed to the activation layer of the unit that flips there.
 *
 * @example
 * boundaryDensity(net, xa, xb).densityPerLayer; // crossings per unit length, per layer
 */
export function boundaryDensity(
  net: Network,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  options: PartitionOptions = {},
): BoundaryDensity {
  const res = partitionLine(net, x0, x1, options);
  let len = 0;
  for (let i = 0; i < x0.length; i++) len += (x1[i]! - x0[i]!) ** 2;
  len = Math.sqrt(len);
  const nl = net.activations.length;
  const perLayer = new Int32Array(nl);
  const layerOf = new Int32Array(res.breakpoints.length);
  for (let i = 0; i + 1 < res.pieces.length; i++) {
    const l = unitLayer(net, res.pieces[i]!.endUnit);
    layerOf[i] = l;
    if (l >= 0) perLayer[l] = perLayer[l]! + 1;
  }
  return {
    length: len,
    breakpoints: res.breakpoints,
    layerOf,
    perLayer,
    densityPerLayer: Float64Array.from(perLayer, (c) => c / len),
    density: res.breakpoints.length / len,
  };
}

/** Result of `densityStudy`: boundary crossings per unit length between and within classes. */
export interface DensityStudy {
  readonly within: { pairs: number; meanDensity: number; meanPerLayer: number[]; meanCrossings: number };
  readonly between: { pairs: number; meanDensity: number; meanPerLayer: number[]; meanCrossings: number };
  readonly samples: { i: number; j: number; same: boolean; density: number; perLayer: number[]; length: number }[];
}

/**
 * Boundary density on `pairs` random within-class and `pairs` between-class segments (seeded):
 * are polytope boundaries denser between classes than within?
 *
 * @example
 * const study = densityStudy(net, images, labels, { pairs: 20, seed: 1 });
 */
export function densityStudy(
  net: Network,
  xs: readonly ArrayLike<number>[],
  labels: ArrayLike<number>,
  options: { pairs?: number; seed?: number; partition?: PartitionOptions } = {},
): DensityStudy {
  const pairs = options.pairs ?? 20;
  let state = (options.seed ?? 1) >>> 0;
  const rand = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
  const nl = net.activations.length;
  const samples: DensityStudy['samples'] = [];
  for (const same of [true, false]) {
    let found = 0;
    for (let tries = 0; found < pairs && tries < 1000 * pairs; tries++) {
      const i = rand(xs.length);
      const j = rand(xs.length);
      if (i === j || (labels[i] === labels[j]) !== same) continue;
      const b = boundaryDensity(net, xs[i]!, xs[j]!, options.partition ?? {});
      samples.push({ i, j, same, density: b.density, perLayer: Array.from(b.densityPerLayer), length: b.length });
      found++;
    }
  }
  const summarize = (same: boolean): DensityStudy['within'] => {
    const s = samples.filter((x) => x.same === same);
    const n = Math.max(1, s.length);
    return {
      pairs: s.length,
      meanDensity: s.reduce((a, x) => a + x.density, 0) / n,
      meanPerLayer: Array.from({ length: nl }, (_, l) => s.reduce((a, x) => a + x.perLayer[l]!, 0) / n),
      meanCrossings: s.reduce((a, x) => a + x.density * x.length, 0) / n,
    };
  };
  return { within: summarize(true), between: summarize(false), samples };
}

/**
 * Spectral and Frobenius norms of each dense layer's weight (and of a channel_affine's diagonal).
 *
 * @example
 * layerNorms(net).map((l) => l.spectral); // ‖W‖₂ of each dense/conv node
 */
export function layerNorms(net: Network): { node: number; rows: number; cols: number; spectral: number; frobenius: number }[] {
  const out: { node: number; rows: number; cols: number; spectral: number; frobenius: number }[] = [];
  net.nodes.forEach((node, i) => {
    if (node.type === 'dense')
      out.push({
        node: i,
        rows: node.outFeatures,
        cols: node.inFeatures,
        spectral: spectralNorm(node.weight, node.outFeatures, node.inFeatures),
        frobenius: frobeniusNorm(node.weight),
      });
    else if (node.type === 'channel_affine') {
      // Diagonal map: ‖·‖₂ = max |scale|; Frobenius over every element (a channel's scale repeats per pixel).
      const size = sizeOf(node.shape);
      const per = size / node.scale.length;
      let spectral = 0;
      let fro = 0;
      for (const v of node.scale) {
        spectral = Math.max(spectral, Math.abs(v));
        fro += v * v * per;
      }
      out.push({ node: i, rows: size, cols: size, spectral, frobenius: Math.sqrt(fro) });
    }
  });
  return out;
}

/**
 * Norms of the region's Jacobian at each input (‖J‖₂ is the local Lipschitz constant on the region).
 *
 * @example
 * const { spectral, distinctRegions } = regionNorms(net, [[0, 0], [0.5, 0.5]]);
 */
export function regionNorms(
  net: Network,
  xs: readonly ArrayLike<number>[],
): { spectral: Float64Array; frobenius: Float64Array; distinctRegions: number } {
  const spectral = new Float64Array(xs.length);
  const frobenius = new Float64Array(xs.length);
  const keys = new Set<string>();
  xs.forEach((x, i) => {
    const a = affineMapAt(net, x);
    spectral[i] = spectralNorm(a.jacobian, a.outputs, a.inputs);
    frobenius[i] = frobeniusNorm(a.jacobian);
    keys.add(a.code.key());
  });
  return { spectral, frobenius, distinctRegions: keys.size };
}

/** Min, quartiles, max and mean of a sample. */
export function summaryStats(values: ArrayLike<number>): {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
} {
  const v = Float64Array.from(values).sort();
  const q = (p: number): number => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.floor(p * (v.length - 1) + 0.5))]!);
  let mean = 0;
  for (const x of v) mean += x / v.length;
  return { min: q(0), q1: q(0.25), median: q(0.5), q3: q(0.75), max: q(1), mean };
}
