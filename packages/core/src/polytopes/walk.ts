/**
 * Local region walk in any input dimension (e.g. 784-d MNIST): breadth-first search over
 * activation regions starting from the region of a data point, crossing facets to neighbours.
 *
 * A region is {z : Q z ≤ p} ∩ B (B an axis box: the input domain intersected with the L∞ ball of
 * radius r around the start point). Row r is a facet when some point y on its hyperplane has
 * clearance (distance to every other constraint and to the box) above `WALK_RADIUS_EPS`·scale:
 * y then lies in the relative interior of a (d−1)-face. The neighbour is the region of
 * y + δ·n_r (n_r the outer unit normal, δ half the clearance, capped). Inside the convex set B the
 * region adjacency graph is connected, so the walk without a region cap finds every region
 * meeting B.
 *
 * Every row is decided by a certificate; the cheap ones come first and an LP only decides what
 * they leave open:
 *  - zero rows (dead units) and rows whose hyperplane misses the box (max over B of Q_r z ≤ p_r,
 *    O(d)) are not facets;
 *  - the facet the walk entered through is a facet (its crossing point is re-checked);
 *  - rays from an interior point c (the analytic centre of region ∩ B when B is bounded, found by
 *    Newton's method with a Woodbury solve) along the barrier-Hessian direction H⁻¹Q_r (the
 *    direction maximizing Q_r over the Dikin ellipsoid at c); a ray blocked by another row or a
 *    box side is retried with the blockers projected out in the H⁻¹ metric. A hit point that has
 *    clearance is a facet certificate;
 *  - otherwise one warm-started LP (HiGHS): max Q_r z over the other rows and B, with row r
 *    relaxed; a facet iff the optimum exceeds p_r, the crossing point lies on the segment from c
 *    to the optimum.
 * `fastPaths: false` decides every row by the LP from the Chebyshev centre (the reference).
 */
import { PolytopeError, throwIfAborted } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { now } from '../clock.js';
import { chebyshevCenter, createLp } from '../geometry/lp.js';
import { WALK_RADIUS_EPS } from '../geometry/predicates.js';
import { activationFixedImpl } from '../network/activation.js';
import { forwardAll, forwardWithCode } from '../network/forward.js';
import { isActivation } from '../network/ir.js';
import { BiasMode, affineImpl } from '../network/kernels.js';
import type { Network } from '../network/network.js';
import { regionAt, regionRows } from '../spline/region.js';
import type { RegionRow } from '../spline/region.js';

/** HiGHS options for the walk's LPs (experiments; default none). */
export const WALK_LP_OPTIONS: { current: Record<string, string | number | boolean> | null } = { current: null };

/** Options for `walkRegions`: how many regions, the box or domain, and what to certify. */
export interface WalkOptions {
  /** Stop after this many regions (default 100). */
  readonly maxRegions?: number;
  /** L∞ radius around the start point (default: unlimited inside `domain`). */
  readonly radius?: number;
  /** Input domain [lo, hi] for every coordinate (default none; e.g. [0, 1] for images). */
  readonly domain?: readonly [number, number];
  /**
   * Use the LP-free certificates (box test, entry facet, rays from the analytic centre) before
   * the LP (default true). With false every row is decided by an LP from the Chebyshev centre:
   * the slow reference the fast paths are tested against.
   */
  readonly fastPaths?: boolean;
  readonly onProgress?: (p: { regions: number; queued: number }) => void;
  readonly signal?: AbortSignalLike;
}

/** One region reached by `walkRegions`: its code, an interior point, its facets and neighbours. */
export interface WalkRegion {
  /** Activation code. */
  readonly code: Uint8Array;
  /** A point inside the region. */
  readonly point: Float64Array;
  /** BFS depth (facet crossings from the start region). */
  readonly depth: number;
  /** Facets: hidden unit index of each (rows of the region's H-representation). */
  readonly facetUnits: Int32Array;
  /** Clearance of each facet's crossing point from the other constraints and the box. */
  readonly facetRadii: Float64Array;
  /** Region index across each facet (−1: not visited because of the region cap). */
  readonly neighbours: Int32Array;
}

/** How the walk decided its rows (counts over all regions). */
export interface WalkCertificates {
  /** Rows with a zero normal (units constant on the region): not facets. */
  readonly zeroRows: number;
  /** Rows whose hyperplane misses the box: not facets (O(d) test). */
  readonly boxRedundant: number;
  /** The facet the walk entered through, re-checked in the new region. */
  readonly entryFacets: number;
  /** Facets certified by a ray from the interior point. */
  readonly rayFacets: number;
  /** Rays shot (a blocked ray retried with one more blocker projected out counts again). */
  readonly rays: number;
  /** Affine-scaling steps taken for rays that missed from the interior point (one metric each). */
  readonly affineSteps: number;
  /** Rows decided by an LP: facets / not facets. */
  readonly lpFacets: number;
  readonly lpRedundant: number;
  /** Interior points: analytic centres (Newton, no LP) / Chebyshev centres (one LP each). */
  readonly analyticCentres: number;
  readonly chebyshevCentres: number;
  /** Newton steps over all analytic centres. */
  readonly newtonSteps: number;
}

/** Result of `walkRegions`: the regions found, in the order reached, and the walk's certificates. */
export interface WalkResult {
  readonly regions: WalkRegion[];
  /** Adjacency list as pairs [i, j], i < j. */
  readonly edges: [number, number][];
  /** Whether every reachable region was visited (no cap hit). */
  readonly complete: boolean;
  readonly lps: number;
  readonly seconds: number;
  readonly lpSeconds: number;
  readonly certificates: WalkCertificates;
}

/** Solves the k×k system in the augmented matrix A (k rows of k+1); null if singular. */
function solveSmall(A: Float64Array, k: number): Float64Array | null {
  const w = k + 1;
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(A[r * w + col]!) > Math.abs(A[piv * w + col]!)) piv = r;
    const pv = A[piv * w + col]!;
    if (Math.abs(pv) < 1e-14) return null;
    if (piv !== col) for (let c = 0; c < w; c++) [A[col * w + c], A[piv * w + c]] = [A[piv * w + c]!, A[col * w + c]!];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = A[r * w + col]! / pv;
      if (f === 0) continue;
      for (let c = col; c < w; c++) A[r * w + c] = A[r * w + c]! - f * A[col * w + c]!;
    }
  }
  const x = new Float64Array(k);
  for (let r = 0; r < k; r++) x[r] = A[r * w + k]! / A[r * w + r]!;
  return x;
}

/** In-place Cholesky factor (lower triangle) of the SPD n×n matrix A; false if not positive definite. */
function cholesky(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = A[rj + j]!;
    for (let k = 0; k < j; k++) s -= A[rj + k]! * A[rj + k]!;
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const l = Math.sqrt(s);
    A[rj + j] = l;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let v = A[ri + j]!;
      for (let k = 0; k < j; k++) v -= A[ri + k]! * A[rj + k]!;
      A[ri + j] = v / l;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (L from `cholesky`). */
function choleskySolve(L: Float64Array, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let v = x[i]!;
    for (let k = 0; k < i; k++) v -= L[ri + k]! * x[k]!;
    x[i] = v / L[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let v = x[i]!;
    for (let k = i + 1; k < n; k++) v -= L[k * n + i]! * x[k]!;
    x[i] = v / L[i * n + i]!;
  }
}

/** Σ_j a[ao + j]·b[bo + j] for j < n (four accumulators). */
function dot(a: Float64Array, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[ao + j]! * b[bo + j]!;
    s1 += a[ao + j + 1]! * b[bo + j + 1]!;
    s2 += a[ao + j + 2]! * b[bo + j + 2]!;
    s3 += a[ao + j + 3]! * b[bo + j + 3]!;
  }
  for (; j < n; j++) s0 += a[ao + j]! * b[bo + j]!;
  return s0 + s1 + s2 + s3;
}

/** out −= Σ_i c[i]·A_i over the n rows of A (n×d), four rows per pass. */
function subtractRows(out: Float64Array, A: Float64Array, c: Float64Array, n: number, d: number): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const c0 = c[i]!;
    const c1 = c[i + 1]!;
    const c2 = c[i + 2]!;
    const c3 = c[i + 3]!;
    const r0 = i * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    for (let j = 0; j < d; j++) out[j] = out[j]! - (c0 * A[r0 + j]! + c1 * A[r1 + j]! + c2 * A[r2 + j]! + c3 * A[r3 + j]!);
  }
  for (; i < n; i++) {
    const ci = c[i]!;
    if (ci === 0) continue;
    const ri = i * d;
    for (let j = 0; j < d; j++) out[j] = out[j]! - ci * A[ri + j]!;
  }
}

/** The H-representation the walk needs (the rows of `regionAt`). */
interface HRep {
  readonly code: Uint8Array;
  readonly Q: Float64Array;
  readonly p: Float64Array;
  readonly rows: readonly RegionRow[];
}

/**
 * `regionAt`'s rows with the code-independent part of the network cached: the Jacobian of every
 * node that no activation precedes (e.g. the first dense layer, d×d work per region otherwise) is
 * computed once; per region only the value column and the nodes after the first activations are
 * propagated. Same kernels in the same order as `regionAt`, hence the same rows.
 */
class RegionRows {
  private readonly fixed: boolean[];
  private readonly needed: boolean[];
  /** Gradient columns (1..d of the family) of fixed nodes read by non-fixed ones. */
  private readonly grad = new Map<number, Float64Array>();

  constructor(private readonly net: Network) {
    const nodes = net.nodes;
    const n = nodes.length;
    const d = net.inputSize;
    const m = d + 1;
    this.fixed = nodes.map(() => false);
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      this.fixed[i] = i === 0 || (!isActivation(node) && node.inputs.every((j) => this.fixed[j]));
    }
    this.needed = nodes.map(() => false);
    for (const slot of net.activations) this.needed[net.activationNode(slot).inputs[0]!] = true;
    for (let i = n - 1; i >= 0; i--) if (this.needed[i]) for (const j of nodes[i]!.inputs) this.needed[j] = true;
    const frontier = new Set<number>();
    for (let i = 1; i < n; i++) {
      if (!this.needed[i] || this.fixed[i]) continue;
      for (const j of nodes[i]!.inputs) if (this.fixed[j]) frontier.add(j);
    }
    for (const slot of net.activations) {
      const j = net.activationNode(slot).inputs[0]!;
      if (this.fixed[j]) frontier.add(j);
    }
    if (frontier.size === 0) return;
    // Family of the fixed nodes with origin 0 and the identity directions (as `regionAt`).
    const blocks: (Float64Array | undefined)[] = new Array(n);
    const input = new Float64Array(d * m);
    for (let i = 0; i < d; i++) input[i * m + 1 + i] = 1;
    blocks[0] = input;
    for (let i = 1; i < n; i++) {
      const node = nodes[i]!;
      if (!this.fixed[i] || !this.needed[i]) continue;
      const xs = node.inputs.map((j) => blocks[j]!);
      if (node.type === 'reshape') blocks[i] = xs[0]!;
      else {
        const out = new Float64Array(sizeOfShape(node.shape) * m);
        affineImpl(out, xs, node, nodes[node.inputs[0]!]!.shape, m, BiasMode.First);
        blocks[i] = out;
      }
    }
    for (const j of frontier) this.grad.set(j, blocks[j]!);
  }

  /** The H-representation of the region of x. */
  at(x: ArrayLike<number>): HRep {
    const net = this.net;
    const nodes = net.nodes;
    const d = net.inputSize;
    const m = d + 1;
    const { values, code } = forwardAll(net, x);
    const blocks: (Float64Array | undefined)[] = new Array(nodes.length);
    for (const [j, g] of this.grad) {
      const b = g.slice();
      const v = values[j]!;
      for (let u = 0; u < v.length; u++) b[u * m] = v[u]!;
      blocks[j] = b;
    }
    let slot = 0;
    for (let i = 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      const act = isActivation(node);
      if (act) slot++;
      if (this.fixed[i] || !this.needed[i]) continue;
      const xs = node.inputs.map((j) => blocks[j]!);
      if (node.type === 'reshape') {
        blocks[i] = xs[0]!;
        continue;
      }
      const out = new Float64Array(sizeOfShape(node.shape) * m);
      const inShape = nodes[node.inputs[0]!]!.shape;
      if (act) activationFixedImpl(out, xs[0]!, node, inShape, m, code, net.activations[slot - 1]!.offset, BiasMode.First);
      else affineImpl(out, xs, node, inShape, m, BiasMode.First);
      blocks[i] = out;
    }
    return { code, ...regionRows(net, code, x, blocks) };
  }
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A direction and its rates: u (d values) and Q_a·u (one per active row). */
interface Direction {
  readonly u: Float64Array;
  readonly rates: Float64Array;
}

/** A positive definite metric H on the input space, through its inverse. */
interface Metric {
  /** H⁻¹v. */
  apply(v: Float64Array): Float64Array;
  /** H⁻¹Q_kᵀ for active row k, with its rates. */
  row(k: number): Direction;
  /** H⁻¹(σ e_j) for box side σ = ±1 of coordinate j, with its rates. */
  coord(j: number, sign: number): Direction;
}

/** Q_a·w (one value per packed row). */
function ratesOf(Qa: Float64Array, n: number, d: number, w: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = dot(Qa, i * d, w, 0, d);
  return out;
}

/** The metric H = I (plain rays). */
function identityMetric(Qa: Float64Array, n: number, d: number): Metric {
  return {
    apply: (v) => Float64Array.from(v),
    row(k) {
      const u = Qa.slice(k * d, k * d + d);
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
    coord(j, sign) {
      const u = new Float64Array(d);
      u[j] = sign;
      const rates = new Float64Array(n);
      for (let i = 0; i < n; i++) rates[i] = sign * Qa[i * d + j]!;
      return { u, rates };
    },
  };
}

/** K[i][k] = T_i·T_k for the n rows of T (n×d), both triangles, with 4×2 register blocks. */
function gram(T: Float64Array, n: number, d: number, K: Float64Array): void {
  const put = (i: number, k: number, v: number) => {
    if (i < n && k < n && k <= i) {
      K[i * n + k] = v;
      K[k * n + i] = v;
    }
  };
  const last = n - 1;
  for (let i = 0; i < n; i += 4) {
    const i0 = i * d;
    const i1 = Math.min(i + 1, last) * d;
    const i2 = Math.min(i + 2, last) * d;
    const i3 = Math.min(i + 3, last) * d;
    for (let k = 0; k < n && k <= i + 3; k += 2) {
      const k0 = k * d;
      const k1 = Math.min(k + 1, last) * d;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = 0; j < d; j++) {
        const b0 = T[k0 + j]!;
        const b1 = T[k1 + j]!;
        let a = T[i0 + j]!;
        s00 += a * b0;
        s01 += a * b1;
        a = T[i1 + j]!;
        s10 += a * b0;
        s11 += a * b1;
        a = T[i2 + j]!;
        s20 += a * b0;
        s21 += a * b1;
        a = T[i3 + j]!;
        s30 += a * b0;
        s31 += a * b1;
      }
      put(i, k, s00);
      put(i, k + 1, s01);
      put(i + 1, k, s10);
      put(i + 1, k + 1, s11);
      put(i + 2, k, s20);
      put(i + 2, k + 1, s21);
      put(i + 3, k, s30);
      put(i + 3, k + 1, s31);
    }
  }
}

/**
 * The log-barrier Hessian H = Qᵀ diag(1/s²) Q + diag(1/(z−l)² + 1/(u−z)²) at z (n rows packed in
 * Qa, slacks s). Factored by Woodbury when n < d: H⁻¹ = D⁻¹ − D⁻¹Qᵀ K⁻¹ Q D⁻¹ with
 * K = S² + Q D⁻¹ Qᵀ (n×n Cholesky), which also gives H⁻¹Q_kᵀ = D⁻¹Qᵀ K⁻¹ s_k² e_k with rates
 * s_k² e_k − S² K⁻¹ s_k² e_k without further d-length products; else H itself (d×d).
 */
function barrierMetric(Qa: Float64Array, n: number, d: number, s: Float64Array, z: Float64Array, lower: Float64Array, upper: Float64Array): Metric | null {
  const Dinv = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const a = z[j]! - lower[j]!;
    const b = upper[j]! - z[j]!;
    Dinv[j] = 1 / (1 / (a * a) + 1 / (b * b));
  }
  if (n < d) {
    const T = new Float64Array(n * d);
    const sq = Dinv.map(Math.sqrt);
    for (let i = 0; i < n; i++) {
      const ri = i * d;
      for (let j = 0; j < d; j++) T[ri + j] = Qa[ri + j]! * sq[j]!;
    }
    const M = new Float64Array(n * n);
    gram(T, n, d, M);
    return woodbury(Qa, n, d, Dinv, M, s);
  }
  return directMetric(Qa, n, d, s, Dinv);
}

/** H⁻¹ by Woodbury from D⁻¹ (d), M = Q D⁻¹ Qᵀ (n×n) and the slacks s (see `barrierMetric`). */
function woodbury(Qa: Float64Array, n: number, d: number, Dinv: Float64Array, M: Float64Array, s: Float64Array): Metric | null {
  {
    const K = Float64Array.from(M);
    for (let i = 0; i < n; i++) K[i * n + i] = K[i * n + i]! + s[i]! * s[i]!;
    if (!cholesky(K, n)) return null;
    // u = D⁻¹(v − Qᵀa).
    const expand = (v: Float64Array | null, a: Float64Array): Float64Array => {
      const out = v ? Float64Array.from(v) : new Float64Array(d);
      subtractRows(out, Qa, a, n, d);
      for (let j = 0; j < d; j++) out[j] = out[j]! * Dinv[j]!;
      return out;
    };
    return {
      apply(v) {
        const dv = new Float64Array(d);
        for (let j = 0; j < d; j++) dv[j] = Dinv[j]! * v[j]!;
        const t = new Float64Array(n);
        for (let i = 0; i < n; i++) t[i] = dot(Qa, i * d, dv, 0, d);
        choleskySolve(K, n, t);
        return expand(v, t);
      },
      row(k) {
        // a = K⁻¹ s_k² e_k; u = D⁻¹Qᵀa (= −expand(0, a)); rates = s_k² e_k − S² a.
        const a = new Float64Array(n);
        a[k] = s[k]! * s[k]!;
        choleskySolve(K, n, a);
        const u = expand(null, a);
        const rates = new Float64Array(n);
        for (let j = 0; j < d; j++) u[j] = -u[j]!;
        for (let i = 0; i < n; i++) rates[i] = -s[i]! * s[i]! * a[i]!;
        rates[k] = rates[k]! + s[k]! * s[k]!;
        return { u, rates };
      },
      coord(j, sign) {
        // b = K⁻¹ Q[:, j] D⁻¹_j σ; u = D⁻¹(σ e_j − Qᵀb); rates = S² b.
        const b = new Float64Array(n);
        for (let i = 0; i < n; i++) b[i] = Qa[i * d + j]! * Dinv[j]! * sign;
        choleskySolve(K, n, b);
        const e = new Float64Array(d);
        e[j] = sign;
        const u = expand(e, b);
        const rates = new Float64Array(n);
        for (let i = 0; i < n; i++) rates[i] = s[i]! * s[i]! * b[i]!;
        return { u, rates };
      },
    };
  }
}

/** The barrier Hessian formed and factored directly (d×d; for n ≥ d). */
function directMetric(Qa: Float64Array, n: number, d: number, s: Float64Array, Dinv: Float64Array): Metric | null {
  // H = TᵀT + D with T = S⁻¹Q, as the Gram matrix of the columns of T.
  const Tt = new Float64Array(d * n);
  for (let i = 0; i < n; i++) {
    const w = 1 / s[i]!;
    for (let j = 0; j < d; j++) Tt[j * n + i] = Qa[i * d + j]! * w;
  }
  const H = new Float64Array(d * d);
  gram(Tt, d, n, H);
  for (let j = 0; j < d; j++) H[j * d + j] = H[j * d + j]! + 1 / Dinv[j]!;
  if (!cholesky(H, d)) return null;
  const apply = (v: Float64Array): Float64Array => {
    const out = Float64Array.from(v);
    choleskySolve(H, d, out);
    return out;
  };
  return {
    apply,
    row(k) {
      const u = apply(Qa.subarray(k * d, k * d + d));
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
    coord(j, sign) {
      const e = new Float64Array(d);
      e[j] = sign;
      const u = apply(e);
      return { u, rates: ratesOf(Qa, n, d, u) };
    },
  };
}

/**
 * Analytic centre of {Qa z ≤ pa} ∩ [lower, upper] (bounded box), the minimizer of −Σ log slacks,
 * by damped Newton from a strictly feasible point near x (moved towards the box centre or the
 * hint), stopped once the Newton decrement² is ≤ `stop`. Returns the point (strictly inside) and
 * the barrier metric there, or null when no strictly feasible start is found.
 */
function analyticCentre(Qa: Float64Array, pa: Float64Array, n: number, d: number, lower: Float64Array, upper: Float64Array, x: ArrayLike<number>, hint: Float64Array | null, stop: number): { c: Float64Array; metric: Metric; steps: number } | null {
  const slacks = (z: ArrayLike<number>): Float64Array => {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = pa[i]! - dot(Qa, i * d, z, 0, d);
    return s;
  };
  // Start: x moved towards a target (the box centre, or the hint clamped to the box), half-way to
  // the first row it would cross; the candidate with the lower barrier wins.
  const barrierAt = (z: Float64Array, s: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      if (!(s[i]! > 0)) return Infinity;
      f -= Math.log(s[i]!);
    }
    for (let j = 0; j < d; j++) {
      const a = z[j]! - lower[j]!;
      const b = upper[j]! - z[j]!;
      if (!(a > 0 && b > 0)) return Infinity;
      f -= Math.log(a) + Math.log(b);
    }
    return f;
  };
  const sx = slacks(x);
  let z: Float64Array | null = null;
  let s = sx;
  let best = Infinity;
  const targets: Float64Array[] = [];
  const mid = new Float64Array(d);
  for (let j = 0; j < d; j++) mid[j] = (lower[j]! + upper[j]!) / 2;
  targets.push(mid);
  if (hint) {
    const h = new Float64Array(d);
    for (let j = 0; j < d; j++) h[j] = Math.min(upper[j]!, Math.max(lower[j]!, hint[j]!));
    targets.push(h);
  }
  for (const target of targets) {
    const sm = slacks(target);
    let amax = 1;
    let inside = true;
    for (let i = 0; i < n; i++) {
      if (!(sm[i]! > 0)) inside = false;
      if (sm[i]! < sx[i]!) amax = Math.min(amax, sx[i]! / (sx[i]! - sm[i]!));
    }
    if (!(amax > 0)) continue;
    const alpha = amax === 1 && inside ? 1 : amax / 2;
    const zc = new Float64Array(d);
    for (let j = 0; j < d; j++) zc[j] = x[j]! + alpha * (target[j]! - x[j]!);
    const sc = slacks(zc);
    const f = barrierAt(zc, sc);
    if (f < best) {
      best = f;
      z = zc;
      s = sc;
    }
  }
  if (!z) return null;
  const g = new Float64Array(d);
  const rate = new Float64Array(n);
  for (let it = 0; ; it++) {
    const metric = barrierMetric(Qa, n, d, s, z, lower, upper);
    if (!metric) return null;
    for (let j = 0; j < d; j++) g[j] = 1 / (upper[j]! - z[j]!) - 1 / (z[j]! - lower[j]!);
    for (let i = 0; i < n; i++) {
      const w = 1 / s[i]!;
      const ri = i * d;
      for (let j = 0; j < d; j++) g[j] = g[j]! + Qa[ri + j]! * w;
    }
    const step = metric.apply(g);
    let lambda2 = 0;
    for (let j = 0; j < d; j++) lambda2 += g[j]! * step[j]!;
    // Newton decrement small: central enough for the rays (they need no precise centre).
    if (!(lambda2 > stop) || it >= 50) return { c: z, metric, steps: it };
    // step := −H⁻¹g; largest feasible step, then Armijo backtracking on the barrier.
    let tmax = Infinity;
    for (let j = 0; j < d; j++) {
      const dj = -step[j]!;
      step[j] = dj;
      if (dj > 0) tmax = Math.min(tmax, (upper[j]! - z[j]!) / dj);
      else if (dj < 0) tmax = Math.min(tmax, (lower[j]! - z[j]!) / dj);
    }
    for (let i = 0; i < n; i++) {
      const v = dot(Qa, i * d, step, 0, d);
      rate[i] = v;
      if (v > 0) tmax = Math.min(tmax, s[i]! / v);
    }
    const barrier = (t: number): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const v = s[i]! - t * rate[i]!;
        if (!(v > 0)) return Infinity;
        f -= Math.log(v);
      }
      for (let j = 0; j < d; j++) {
        const a = z[j]! + t * step[j]! - lower[j]!;
        const b = upper[j]! - z[j]! - t * step[j]!;
        if (!(a > 0 && b > 0)) return Infinity;
        f -= Math.log(a) + Math.log(b);
      }
      return f;
    };
    const f0 = barrier(0);
    let t = Math.min(1, 0.99 * tmax);
    for (let k = 0; k < 40 && !(barrier(t) <= f0 - 0.25 * t * lambda2); k++) t /= 2;
    if (!(barrier(t) < f0)) return { c: z, metric, steps: it };
    for (let j = 0; j < d; j++) z[j] = z[j]! + t * step[j]!;
    const sNew = slacks(z);
    let ok = true;
    for (let i = 0; i < n; i++) if (!(sNew[i]! > 0)) ok = false;
    for (let j = 0; j < d; j++) if (!(z[j]! > lower[j]! && z[j]! < upper[j]!)) ok = false;
    if (!ok) {
      for (let j = 0; j < d; j++) z[j] = z[j]! - t * step[j]!;
      return { c: z, metric, steps: it };
    }
    s = sNew;
  }
}

/** Blocked-ray retries per ray (each projects out one more blocker). */
const RAY_TRIES = 10;
/** Newton decrement² at which the analytic centre is close enough for the rays. */
const CENTRE_STOP = 10;
/** Affine-scaling steps per row before its LP. */
const AFFINE_STEPS = 6;

/**
 * Breadth-first walk over the activation regions around `x`.
 *
 * @example
 * const res = await walkRegions(net, image, { maxRegions: 20, domain: [0, 1] });
 * res.regions.length; // ≤ 20
 * res.edges;          // adjacency graph
 */
export async function walkRegions(net: Network, x: ArrayLike<number>, options: WalkOptions = {}): Promise<WalkResult> {
  const t0 = now();
  const d = net.inputSize;
  const maxRegions = options.maxRegions ?? 100;
  const fast = options.fastPaths ?? true;
  if (!Number.isInteger(maxRegions) || maxRegions < 1) throw new PolytopeError('bad-option', `maxRegions must be a positive integer, got ${maxRegions}`);
  const lower = new Float64Array(d).fill(-Infinity);
  const upper = new Float64Array(d).fill(Infinity);
  if (options.domain) {
    lower.fill(options.domain[0]);
    upper.fill(options.domain[1]);
  }
  if (options.radius !== undefined) {
    if (!(options.radius > 0)) throw new PolytopeError('bad-option', `radius must be positive, got ${options.radius}`);
    for (let i = 0; i < d; i++) {
      lower[i] = Math.max(lower[i]!, x[i]! - options.radius);
      upper[i] = Math.min(upper[i]!, x[i]! + options.radius);
    }
  }
  for (let i = 0; i < d; i++) {
    if (!(x[i]! >= lower[i]! && x[i]! <= upper[i]!)) throw new PolytopeError('bad-option', `start point coordinate ${i} (${x[i]}) lies outside the domain [${lower[i]}, ${upper[i]}]`);
  }
  let finiteSides = 0;
  for (let j = 0; j < d; j++) finiteSides += (Number.isFinite(upper[j]!) ? 1 : 0) + (Number.isFinite(lower[j]!) ? 1 : 0);
  const boxBounded = finiteSides === 2 * d;
  const hrep = fast ? new RegionRows(net) : null;
  const cert = { zeroRows: 0, boxRedundant: 0, entryFacets: 0, rayFacets: 0, rays: 0, affineSteps: 0, newtonSteps: 0, lpFacets: 0, lpRedundant: 0, analyticCentres: 0, chebyshevCentres: 0 };
  let lps = 0;
  let lpSeconds = 0;
  let affineHits = 0;
  let affineMisses = 0;
  let affineStepsTaken = 0;
  const regions: WalkRegion[] = [];
  const index = new Map<string, number>();
  /** Queued regions: a point inside, and the facet crossed to get there (unit, point on it). */
  const queue: { point: Float64Array; depth: number; entry: { unit: number; y: Float64Array; centre: Float64Array | null } | null }[] = [{ point: Float64Array.from(x), depth: 0, entry: null }];
  const key = (c: Uint8Array) => c.join(',');
  // Across a facet of unit u, the units of u's activation node and of earlier ones keep their
  // states (their pre-activations do not depend on u) and u takes the state across its row; only
  // later nodes need a forward pass. `unitEnd[u]`: end of u's node in the code; `prefixes`: the
  // code prefixes of the known regions, per node end, to tell a new neighbour without one.
  const unitEnd = new Int32Array(net.numUnits);
  const prefixes = new Map<number, Set<string>>();
  for (const slot of net.activations) {
    unitEnd.fill(slot.offset + slot.numUnits, slot.offset, slot.offset + slot.numUnits);
    if (slot.offset + slot.numUnits < net.numUnits) prefixes.set(slot.offset + slot.numUnits, new Set());
  }
  const addRegion = (c: Uint8Array): number => {
    const id = index.size;
    index.set(key(c), id);
    for (const [end, set] of prefixes) set.add(key(c.subarray(0, end)));
    return id;
  };
  addRegion(forwardWithCode(net, x).code);
  let head = 0;
  let complete = true;
  while (head < queue.length) {
    throwIfAborted(options.signal);
    const { point, depth, entry } = queue[head++]!;
    let reg: HRep;
    if (hrep) reg = hrep.at(point);
    else {
      const r = regionAt(net, point);
      reg = { code: forwardWithCode(net, point).code, Q: r.Q, p: r.p, rows: r.rows };
    }
    const code = reg.code;
    const nr = reg.p.length;
    const Q = reg.Q;
    const p = reg.p;
    const flatUnit = (r: number): number => {
      const unit = reg.rows[r]!;
      return net.activations[unit.layer]!.offset + unit.unit;
    };
    const rowNorm = new Float64Array(nr);
    for (let r = 0; r < nr; r++) rowNorm[r] = Math.sqrt(dot(Q, r * d, Q, r * d, d));
    // Clearance of a point y (on row r's hyperplane) from every other constraint and the box, and
    // its distance from row r's hyperplane (`off`).
    const clearanceOf = (y: Float64Array, r: number): { clear: number; scale: number; off: number } => {
      const off = p[r]! - dot(Q, r * d, y, 0, d);
      let clear = Infinity;
      for (let i = 0; i < nr; i++) {
        if (i === r || rowNorm[i]! === 0) continue;
        clear = Math.min(clear, (p[i]! - dot(Q, i * d, y, 0, d)) / rowNorm[i]!);
      }
      for (let j = 0; j < d; j++) clear = Math.min(clear, y[j]! - lower[j]!, upper[j]! - y[j]!);
      let scale = 1;
      for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(y[j]!));
      return { clear, scale, off: Math.abs(off) / rowNorm[r]! };
    };
    // Per row: 0 undecided, 1 facet (with crossing point and clearance), −1 not a facet.
    const state = new Int8Array(nr);
    const crossing: (Float64Array | null)[] = new Array<Float64Array | null>(nr).fill(null);
    const clearance = new Float64Array(nr);
    // A facet certificate: y on row r's hyperplane (to WALK_RADIUS_EPS) with clearance above it.
    const accept = (r: number, y: Float64Array): boolean => {
      const { clear, scale, off } = clearanceOf(y, r);
      if (!(clear > WALK_RADIUS_EPS * scale) || !(off <= WALK_RADIUS_EPS * scale)) return false;
      state[r] = 1;
      crossing[r] = y;
      clearance[r] = clear;
      return true;
    };
    for (let r = 0; r < nr; r++) {
      if (rowNorm[r]! === 0) {
        state[r] = -1;
        cert.zeroRows++;
      }
    }
    let entryRow = -1;
    let regionCentre: Float64Array | null = null;
    if (fast) {
      // Rows whose hyperplane misses the box (max over the box of Q_r z ≤ p_r): not facets.
      for (let r = 0; r < nr; r++) {
        if (state[r] !== 0) continue;
        let top = 0;
        const rr = r * d;
        for (let j = 0; j < d && top < Infinity; j++) {
          const q = Q[rr + j]!;
          if (q > 0) top += q * upper[j]!;
          else if (q < 0) top += q * lower[j]!;
        }
        if (top - p[r]! <= WALK_RADIUS_EPS * rowNorm[r]!) {
          state[r] = -1;
          cert.boxRedundant++;
        }
      }
      // The facet the walk came through: its crossing point, checked against this region's rows.
      if (entry) {
        for (let r = 0; r < nr; r++) {
          if (state[r] === 0 && flatUnit(r) === entry.unit && accept(r, Float64Array.from(entry.y))) {
            cert.entryFacets++;
            entryRow = r;
            break;
          }
        }
      }
    }
    let open = 0;
    for (let r = 0; r < nr; r++) if (state[r] === 0) open++;
    if (open > 0) {
      // Interior point c (and a metric for the rays): the analytic centre of the rows that meet
      // the box when the box is bounded, else the Chebyshev centre (one LP).
      let c: Float64Array | null = null;
      let metric: Metric | null = null;
      const active: number[] = [];
      for (let r = 0; r < nr; r++) if (state[r] !== -1) active.push(r);
      const na = active.length;
      const Qa = new Float64Array(na * d);
      const pa = new Float64Array(na);
      active.forEach((r, i) => {
        Qa.set(Q.subarray(r * d, r * d + d), i * d);
        pa[i] = p[r]!;
      });
      if (fast && boxBounded) {
        // Start hint: the parent's centre mirrored across the facet we came through.
        let hint: Float64Array | null = null;
        if (entry?.centre && entryRow >= 0) {
          const e = entryRow;
          let v = -p[e]!;
          for (let j = 0; j < d; j++) v += Q[e * d + j]! * entry.centre[j]!;
          const f = (2 * v) / (rowNorm[e]! * rowNorm[e]!);
          hint = new Float64Array(d);
          for (let j = 0; j < d; j++) hint[j] = entry.centre[j]! - f * Q[e * d + j]!;
        }
        const ac = analyticCentre(Qa, pa, na, d, lower, upper, point, hint, CENTRE_STOP);
        if (ac) {
          c = ac.c;
          metric = ac.metric;
          cert.analyticCentres++;
          regionCentre = ac.c;
          cert.newtonSteps += ac.steps;
        }
      }
      if (!c) {
        const tl = now();
        const cc = await chebyshevCenter(Q, p, d, finiteSides > 0 ? { lower, upper } : undefined);
        lpSeconds += (now() - tl) / 1000;
        lps++;
        cert.chebyshevCentres++;
        c = cc.status === 'optimal' && cc.radius > 0 && Number.isFinite(cc.radius) ? cc.center : point;
      }
      const centre = c;
      // Slacks of the active rows at c.
      const sa = new Float64Array(na);
      for (let i = 0; i < na; i++) sa[i] = pa[i]! - dot(Qa, i * d, centre, 0, d);
      if (fast) {
        // Ray from the origin o (slacks so) along u = H⁻¹(Q_r − Σ_b β_b a_b), where the a_b are
        // the normals of the rows and box sides that blocked earlier tries and β makes a_b·u = 0
        // (the ray then moves parallel to their hyperplanes). The first constraint it meets is a
        // facet; when that is row r, the hit point is a candidate crossing point for r. Also
        // returns the first try's direction and how far it got (for an affine-scaling step).
        const rayHit = (k: number, o: Float64Array, so: Float64Array, metric: Metric, tries: number): { y: Float64Array | null; u: Float64Array; rates: Float64Array; tmin: number } => {
          const { u: base, rates: baseRates } = metric.row(k);
          const first0 = { y: null, u: base, rates: baseRates, tmin: 0 };
          if (!(so[k]! > 0)) return first0;
          const dirs: Float64Array[] = [];
          const dirRates: Float64Array[] = [];
          const blockRow: number[] = []; // active-row index, or −1 − j for box coordinate j
          const blockSign: number[] = [];
          let u = base;
          let rates = baseRates;
          // a_b · w for blocker b and a direction w with rates wr.
          const dotBlocker = (b: number, w: Float64Array, wr: Float64Array): number => (blockRow[b]! >= 0 ? wr[blockRow[b]!]! : blockSign[b]! * w[-1 - blockRow[b]!]!);
          for (let attempt = 0; attempt < tries; attempt++) {
            cert.rays++;
            const rk = rates[k]!;
            if (!(rk > 0)) return first0;
            const tk = so[k]! / rk;
            let tmin = tk;
            let first = k;
            let firstBox = -1;
            let firstSign = 0;
            for (let i = 0; i < na; i++) {
              if (i === k) continue;
              const ri = rates[i]!;
              if (ri > 0) {
                const ti = so[i]! / ri;
                if (ti <= tmin) {
                  tmin = ti;
                  first = i;
                }
              }
            }
            for (let j = 0; j < d; j++) {
              const uj = u[j]!;
              if (uj > 0) {
                const tj = (upper[j]! - o[j]!) / uj;
                if (tj <= tmin) {
                  tmin = tj;
                  firstBox = j;
                  firstSign = 1;
                }
              } else if (uj < 0) {
                const tj = (lower[j]! - o[j]!) / uj;
                if (tj <= tmin) {
                  tmin = tj;
                  firstBox = j;
                  firstSign = -1;
                }
              }
            }
            if (firstBox < 0 && first === k) {
              // The hit point, with the rate of row r taken directly (y then lies on its hyperplane
              // to rounding, whatever the accuracy of the other rates).
              const rate = dot(Qa, k * d, u, 0, d);
              if (!(rate > 0)) return first0;
              const t = so[k]! / rate;
              const y = new Float64Array(d);
              for (let j = 0; j < d; j++) y[j] = o[j]! + t * u[j]!;
              return { ...first0, y };
            }
            if (attempt === 0) first0.tmin = tmin;
            const w = firstBox >= 0 ? metric.coord(firstBox, firstSign) : metric.row(first);
            blockRow.push(firstBox >= 0 ? -1 - firstBox : first);
            blockSign.push(firstBox >= 0 ? firstSign : 1);
            dirs.push(w.u);
            dirRates.push(w.rates);
            // Solve Σ_b' (a_b·H⁻¹a_b') β_b' = a_b·H⁻¹Q_r.
            const nb = dirs.length;
            const A = new Float64Array(nb * (nb + 1));
            for (let a = 0; a < nb; a++) {
              for (let b = 0; b < nb; b++) A[a * (nb + 1) + b] = dotBlocker(a, dirs[b]!, dirRates[b]!);
              A[a * (nb + 1) + nb] = dotBlocker(a, base, baseRates);
            }
            const beta = solveSmall(A, nb);
            if (!beta) return first0;
            u = Float64Array.from(base);
            rates = Float64Array.from(baseRates);
            for (let b = 0; b < nb; b++) {
              const bb = beta[b]!;
              const wb = dirs[b]!;
              const wr = dirRates[b]!;
              for (let j = 0; j < d; j++) u[j] = u[j]! - bb * wb[j]!;
              for (let i = 0; i < na; i++) rates[i] = rates[i]! - bb * wr[i]!;
            }
          }
          return first0;
        };
        const metric0 = metric ?? identityMetric(Qa, na, d);
        // Rough costs (flops, plus a fixed cost per call) of an affine step and of the LP it may
        // save (HiGHS: about 1250 per matrix entry; both within ~2× of timings at d = 20…784).
        const tries = Math.min(RAY_TRIES, d);
        const metricCost = na < d ? (na * na * d) / 2 + (na * na * na) / 6 : (na * d * d) / 2 + (d * d * d) / 6;
        const stepCost = metricCost + tries * ((na < d ? 2 * na * d : d * d) + na * d + 2e4);
        const lpCost = 1250 * na * d + 2e5;
        for (let k = 0; k < na; k++) {
          const r = active[k]!;
          if (state[r] !== 0) continue;
          let hit = rayHit(k, centre, sa, metric0, tries);
          if (hit.y && accept(r, hit.y)) {
            cert.rayFacets++;
            continue;
          }
          // Affine scaling: step 90% of the way to the first blocker of the plain ray, take the
          // barrier metric there and shoot again (the path bends away from the blockers). Rows
          // the rays miss are facets far from c (worth a few metrics) or redundant rows (which
          // only the LP settles): a path is tried while its expected saving (hit rate × LP cost)
          // exceeds twice its expected cost (steps per path × step cost) over the walk so far.
          const hitRate = (affineHits + 1) / (affineHits + affineMisses + 2);
          const stepsPerPath = (affineStepsTaken + 1) / (affineHits + affineMisses + 1);
          if (!metric || hitRate * lpCost < 2 * stepsPerPath * stepCost) continue;
          const z = Float64Array.from(centre);
          let found = false;
          for (let step = 0; step < AFFINE_STEPS && hit.tmin > 0 && Number.isFinite(hit.tmin); step++) {
            const t = 0.9 * hit.tmin;
            for (let j = 0; j < d; j++) z[j] = z[j]! + t * hit.u[j]!;
            const sz = new Float64Array(na);
            let inside = true;
            for (let i = 0; i < na; i++) {
              sz[i] = pa[i]! - dot(Qa, i * d, z, 0, d);
              if (!(sz[i]! > 0)) inside = false;
            }
            for (let j = 0; j < d; j++) if (!(z[j]! > lower[j]! && z[j]! < upper[j]!)) inside = false;
            const mz = inside ? barrierMetric(Qa, na, d, sz, z, lower, upper) : null;
            if (!mz) break;
            cert.affineSteps++;
            affineStepsTaken++;
            hit = rayHit(k, z, sz, mz, tries);
            if (hit.y) {
              found = accept(r, hit.y);
              break;
            }
          }
          if (found) {
            cert.rayFacets++;
            affineHits++;
          } else affineMisses++;
        }
      }
      // What is left: one warm-started LP per row, max Q_r z over the other rows (row r relaxed
      // by ‖Q_r‖) and the box. The LP keeps only the rows that meet the box: a relaxation, so its
      // optimum bounds the region's (redundancy stays certified); crossing points are checked on
      // all rows.
      let lp: Awaited<ReturnType<typeof createLp>> | null = null;
      try {
        for (let k = 0; k < na; k++) {
          const r = active[k]!;
          if (state[r] !== 0) continue;
          const nrm = rowNorm[r]!;
          if (!lp) {
            const starts = new Int32Array(na + 1);
            const idx: number[] = [];
            const val: number[] = [];
            for (let i = 0; i < na; i++) {
              for (let j = 0; j < d; j++) {
                const q = Qa[i * d + j]!;
                if (q !== 0) {
                  idx.push(j);
                  val.push(q);
                }
              }
              starts[i + 1] = idx.length;
            }
            const tl = now();
            lp = await createLp({
              numCols: d,
              numRows: na,
              cost: new Float64Array(d),
              maximize: true,
              colLower: lower,
              colUpper: upper,
              rows: [],
              csr: { starts, indices: Int32Array.from(idx), values: Float64Array.from(val) },
              rowLower: new Float64Array(na).fill(-Infinity),
              rowUpper: pa,
              ...(WALK_LP_OPTIONS.current ? { highsOptions: WALK_LP_OPTIONS.current } : {}),
            });
            lpSeconds += (now() - tl) / 1000;
          }
          lp.setRowBounds(k, -Infinity, pa[k]! + nrm);
          lp.setCost(Qa.subarray(k * d, k * d + d));
          const tl = now();
          const sol = lp.solve();
          lpSeconds += (now() - tl) / 1000;
          lps++;
          lp.setRowBounds(k, -Infinity, pa[k]!);
          state[r] = -1;
          if (sol.status !== 'optimal' || (sol.objective - pa[k]!) / nrm <= WALK_RADIUS_EPS) {
            cert.lpRedundant++;
            continue;
          }
          // Crossing point: where the segment from c to the LP optimum meets row r's hyperplane.
          const z = sol.x;
          const qc = pa[k]! - sa[k]!;
          const t = (pa[k]! - qc) / (sol.objective - qc);
          const y = new Float64Array(d);
          for (let j = 0; j < d; j++) y[j] = centre[j]! + t * (z[j]! - centre[j]!);
          if (accept(r, y)) cert.lpFacets++;
          else cert.lpRedundant++; // facet on the box boundary or numerically thin
        }
      } finally {
        lp?.dispose();
      }
    }
    // Cross every facet (in row order, so neighbours are numbered as rows are listed).
    const facetUnits: number[] = [];
    const facetRadii: number[] = [];
    const neigh: number[] = [];
    for (let r = 0; r < nr; r++) {
      if (state[r] !== 1) continue;
      const y = crossing[r]!;
      const clear = clearance[r]!;
      let scale = 1;
      for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(y[j]!));
      const delta = Math.min(clear / 2, 1e-4 * scale);
      const nrm = rowNorm[r]!;
      const yn = new Float64Array(d);
      for (let j = 0; j < d; j++) yn[j] = y[j]! + (delta * Q[r * d + j]!) / nrm;
      const flat = flatUnit(r);
      facetUnits.push(flat);
      facetRadii.push(clear);
      let next: Uint8Array | null = null;
      if (fast) {
        const end = unitEnd[flat]!;
        const pred = code.slice(0, end);
        const row = reg.rows[r]!;
        const st = code[flat]!;
        pred[flat] = row.kind === 'sign' ? 1 - st : row.kind === 'upper' ? (st === 1 ? 2 : 1) : row.kind === 'lower' ? (st === 1 ? 0 : 1) : row.other!;
        if (end === net.numUnits) next = pred;
        else if (index.size >= maxRegions && !prefixes.get(end)!.has(key(pred))) {
          complete = false; // a new region, past the cap
          neigh.push(-1);
          continue;
        }
      }
      next ??= forwardWithCode(net, yn).code;
      let jn = index.get(key(next));
      if (jn === undefined) {
        if (index.size >= maxRegions) {
          complete = false;
          neigh.push(-1);
          continue;
        }
        jn = addRegion(next);
        queue.push({ point: yn, depth: depth + 1, entry: { unit: flat, y, centre: regionCentre } });
      }
      neigh.push(jn);
    }
    regions.push({ code, point, depth, facetUnits: Int32Array.from(facetUnits), facetRadii: Float64Array.from(facetRadii), neighbours: Int32Array.from(neigh) });
    options.onProgress?.({ regions: regions.length, queued: queue.length - head });
  }
  const edges = new Set<string>();
  const out: [number, number][] = [];
  for (const R of regions.keys()) {
    for (const j of regions[R]!.neighbours) {
      if (j < 0) continue;
      const a = Math.min(R, j);
      const b = Math.max(R, j);
      const s = `${a},${b}`;
      if (!edges.has(s)) {
        edges.add(s);
        out.push([a, b]);
      }
    }
  }
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { regions, edges: out, complete, lps, seconds: (now() - t0) / 1000, lpSeconds, certificates: cert };
}
