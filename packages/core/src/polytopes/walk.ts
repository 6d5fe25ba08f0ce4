/**
 * Local region walk in any input dimension (e.g. 784-d MNIST): breadth-first search over
 * activation regions starting from the region of a data point, crossing facets to neighbours.
 *
 * For a region {z : Q z ≤ p} ∩ B (B an axis box: the input domain intersected with the L∞ ball
 * of radius r around the start point), row i is a facet iff the facet's Chebyshev ball is
 * non-degenerate: max ρ s.t. Q_i z = p_i, Q_j z + ‖P_i Q_j‖ ρ ≤ p_j (j ≠ i), z ∈ B, where P_i
 * projects onto the hyperplane of row i (one LP per row, HiGHS). The centre c of that ball lies in
 * the relative interior of the facet; the neighbour is the region of c + δ·n_i (n_i the outer unit
 * normal, δ = ρ/2 capped), whose code differs from the current one in the facet's unit. Inside the
 * convex set B, the region adjacency graph is connected, so the walk without a region cap finds
 * every region meeting B exactly (up to the LP tolerance).
 */
import { PolytopeError, throwIfAborted } from '../errors.js';
import type { AbortSignalLike } from '../errors.js';
import { now } from '../clock.js';
import { chebyshevCenter, createLp } from '../geometry/lp.js';
import { WALK_RADIUS_EPS } from '../geometry/predicates.js';
import { forwardWithCode } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { regionAt } from '../spline/region.js';

/** HiGHS options for the walk's LPs (experiments; default none). */
export const WALK_LP_OPTIONS: { current: Record<string, string | number | boolean> | null } = { current: null };

export interface WalkOptions {
  /** Stop after this many regions (default 100). */
  readonly maxRegions?: number;
  /** L∞ radius around the start point (default: unlimited inside `domain`). */
  readonly radius?: number;
  /** Input domain [lo, hi] for every coordinate (default none; e.g. [0, 1] for images). */
  readonly domain?: readonly [number, number];
  readonly onProgress?: (p: { regions: number; queued: number }) => void;
  readonly signal?: AbortSignalLike;
}

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

export interface WalkResult {
  readonly regions: WalkRegion[];
  /** Adjacency list as pairs [i, j], i < j. */
  readonly edges: [number, number][];
  /** Whether every reachable region was visited (no cap hit). */
  readonly complete: boolean;
  readonly lps: number;
  readonly seconds: number;
  readonly lpSeconds: number;
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
  // Finite box sides as rows [coordinate, sign, bound]: sign·z_j ≤ sign·bound.
  const boxRows: [number, number, number][] = [];
  for (let j = 0; j < d; j++) {
    if (Number.isFinite(upper[j]!)) boxRows.push([j, 1, upper[j]!]);
    if (Number.isFinite(lower[j]!)) boxRows.push([j, -1, lower[j]!]);
  }
  let lps = 0;
  let lpSeconds = 0;
  const regions: WalkRegion[] = [];
  const index = new Map<string, number>();
  const queue: { point: Float64Array; depth: number }[] = [{ point: Float64Array.from(x), depth: 0 }];
  const key = (c: Uint8Array) => c.join('');
  {
    const c0 = forwardWithCode(net, x).code;
    index.set(key(c0), 0);
  }
  let head = 0;
  let complete = true;
  while (head < queue.length) {
    throwIfAborted(options.signal);
    const { point, depth } = queue[head++]!;
    const reg = regionAt(net, point);
    const code = forwardWithCode(net, point).code;
    const nr = reg.p.length;
    const facetUnits: number[] = [];
    const facetRadii: number[] = [];
    const neigh: number[] = [];
    const rowNorm = new Float64Array(nr);
    for (let r = 0; r < nr; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += reg.Q[r * d + j]! * reg.Q[r * d + j]!;
      rowNorm[r] = Math.sqrt(s);
    }
    // Interior point: the region's Chebyshev centre inside the box (the stored point if degenerate).
    const finiteBox = boxRows.length > 0;
    let tl = now();
    const cc = await chebyshevCenter(reg.Q, reg.p, d, finiteBox ? { lower, upper } : undefined);
    lpSeconds += (now() - tl) / 1000;
    lps++;
    const c = cc.status === 'optimal' && cc.radius > 0 && Number.isFinite(cc.radius) ? cc.center : point;
    // One warm-started LP per row: max Q_r z over the other rows (row r relaxed by ‖Q_r‖) and the box.
    const starts = new Int32Array(nr + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < d; j++) {
        const q = reg.Q[i * d + j]!;
        if (q !== 0) {
          idx.push(j);
          val.push(q);
        }
      }
      starts[i + 1] = idx.length;
    }
    tl = now();
    const lp = await createLp({
      numCols: d,
      numRows: nr,
      cost: new Float64Array(d),
      maximize: true,
      colLower: lower,
      colUpper: upper,
      rows: [],
      csr: { starts, indices: Int32Array.from(idx), values: Float64Array.from(val) },
      rowLower: new Float64Array(nr).fill(-Infinity),
      rowUpper: reg.p,
      ...(WALK_LP_OPTIONS.current ? { highsOptions: WALK_LP_OPTIONS.current } : {}),
    });
    lpSeconds += (now() - tl) / 1000;
    const Qc = new Float64Array(nr);
    for (let i = 0; i < nr; i++) {
      let v = 0;
      for (let j = 0; j < d; j++) v += reg.Q[i * d + j]! * c[j]!;
      Qc[i] = v;
    }
    // Ray shooting (no LP): from the interior point c along row r's normal, the first constraint
    // hit is a facet. When that is row r itself, the hit point lies in the relative interior of
    // facet r (checked below through its clearance), so r needs no LP. Gram products Q_i·Q_r give
    // every ray's hits in O(rows) each.
    const gram = new Float64Array(nr * nr);
    for (let i = 0; i < nr; i++) {
      for (let k = i; k < nr; k++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += reg.Q[i * d + j]! * reg.Q[k * d + j]!;
        gram[i * nr + k] = v;
        gram[k * nr + i] = v;
      }
    }
    // Direction u = Q_r − Σ_b β_b Q_b kept parallel to the hyperplanes of the rows that blocked
    // earlier tries (u ⟂ Q_b), so they cannot block again; a few tries settle most rows.
    const rayHit = (r: number): Float64Array | null => {
      const slackR = reg.p[r]! - Qc[r]!;
      if (!(slackR > 0)) return null;
      const blockers: number[] = [];
      let beta: Float64Array = new Float64Array(0);
      for (let attempt = 0; attempt < 6; attempt++) {
        // rate_i = Q_i·u = G_ir − Σ_b β_b G_ib
        const rate = (i: number): number => {
          let v = gram[i * nr + r]!;
          for (let b = 0; b < blockers.length; b++) v -= beta[b]! * gram[i * nr + blockers[b]!]!;
          return v;
        };
        const rr = rate(r);
        if (!(rr > 0)) return null;
        const tr = slackR / rr;
        let first = r;
        let tmin = tr;
        for (let i = 0; i < nr; i++) {
          if (i === r || rowNorm[i]! === 0) continue;
          const ri = rate(i);
          if (ri > 0) {
            const ti = (reg.p[i]! - Qc[i]!) / ri;
            if (ti <= tmin) {
              tmin = ti;
              first = i;
            }
          }
        }
        if (first === r) {
          const y = new Float64Array(d);
          for (let j = 0; j < d; j++) {
            let u = reg.Q[r * d + j]!;
            for (let b = 0; b < blockers.length; b++) u -= beta[b]! * reg.Q[blockers[b]! * d + j]!;
            y[j] = c[j]! + tr * u;
            if (y[j]! > upper[j]! || y[j]! < lower[j]!) return null;
          }
          return y;
        }
        blockers.push(first);
        // Solve G_BB β = G_Br (small, by Gaussian elimination with partial pivoting).
        const k = blockers.length;
        const A = new Float64Array(k * (k + 1));
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) A[a * (k + 1) + b] = gram[blockers[a]! * nr + blockers[b]!]!;
          A[a * (k + 1) + k] = gram[blockers[a]! * nr + r]!;
        }
        const sol = solveSmall(A, k);
        if (!sol) return null;
        beta = sol;
      }
      return null;
    };
    // Clearance of a point on row r's hyperplane from every other constraint and the box.
    const clearanceOf = (y: Float64Array, r: number): { clear: number; scale: number } => {
      let clear = Infinity;
      for (let i = 0; i < nr; i++) {
        if (i === r || rowNorm[i]! === 0) continue;
        let v = reg.p[i]!;
        for (let j = 0; j < d; j++) v -= reg.Q[i * d + j]! * y[j]!;
        clear = Math.min(clear, v / rowNorm[i]!);
      }
      for (let j = 0; j < d; j++) clear = Math.min(clear, y[j]! - lower[j]!, upper[j]! - y[j]!);
      let scale = 1;
      for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(y[j]!));
      return { clear, scale };
    };
    try {
      for (let r = 0; r < nr; r++) {
        const nrm = rowNorm[r]!;
        if (nrm === 0) continue;
        let y: Float64Array | null = rayHit(r);
        if (y !== null) {
          const cl = clearanceOf(y, r);
          if (!(cl.clear > WALK_RADIUS_EPS * cl.scale)) y = null; // ambiguous hit: let the LP decide
        }
        if (y === null) {
          lp.setRowBounds(r, -Infinity, reg.p[r]! + nrm);
          lp.setCost(reg.Q.subarray(r * d, r * d + d));
          tl = now();
          const sol = lp.solve();
          lpSeconds += (now() - tl) / 1000;
          lps++;
          lp.setRowBounds(r, -Infinity, reg.p[r]!);
          if (sol.status !== 'optimal') continue;
          const excess = (sol.objective - reg.p[r]!) / nrm;
          if (excess <= WALK_RADIUS_EPS) continue; // redundant row
          // Crossing point: where the segment from c to the LP optimum meets row r's hyperplane.
          const z = sol.x;
          const t = (reg.p[r]! - Qc[r]!) / (sol.objective - Qc[r]!);
          y = new Float64Array(d);
          for (let j = 0; j < d; j++) y[j] = c[j]! + t * (z[j]! - c[j]!);
        }
        const { clear, scale } = clearanceOf(y, r);
        if (!(clear > WALK_RADIUS_EPS * scale)) continue; // facet on the box boundary or numerically thin
        const delta = Math.min(clear / 2, 1e-4 * scale);
        for (let j = 0; j < d; j++) y[j] = y[j]! + (delta * reg.Q[r * d + j]!) / nrm;
        const unit = reg.rows[r]!;
        const flat = net.activations[unit.layer]!.offset + unit.unit;
        facetUnits.push(flat);
        facetRadii.push(clear);
        const yc = forwardWithCode(net, y).code;
        const k = key(yc);
        let jn = index.get(k);
        if (jn === undefined) {
          if (index.size >= maxRegions) {
            complete = false;
            neigh.push(-1);
            continue;
          }
          jn = index.size;
          index.set(k, jn);
          queue.push({ point: y, depth: depth + 1 });
        }
        neigh.push(jn);
      }
    } finally {
      lp.dispose();
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
  return { regions, edges: out, complete, lps, seconds: (now() - t0) / 1000, lpSeconds };
}
