/**
 * Geometry of one polytope from its vertices and vertex–constraint incidences (LP-free): facets
 * (the maximal constraint vertex sets), the face lattice and f-vector, the pulling triangulation
 * for the lexicographic vertex order, and the volume; plus the counting bounds it is checked
 * against (triangulation sizes, cyclic polytopes).
 */
import { compensatedSum } from '../geometry/sum.js';
import { determinantInPlace } from '../geometry/linalg.js';
import type { PolytopeRegion } from './enumerate-types.js';

/** Whether x has at least k set bits. */
export function popcountAtLeast(x: bigint, k: number): boolean {
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
export function simplexBounds(V: number, d: number, facetVertices?: ArrayLike<number>): { lower: number; upper: number } {
  const lower = Math.max(1, V - d);
  if (V <= d + 1) return { lower: 1, upper: 1 };
  if (d === 2) return { lower, upper: V - 2 };
  // Cone a triangulation T (all V vertices on the boundary) from a new apex over its boundary ∂T:
  // a triangulated d-sphere with V + 1 vertices and |T| + |∂T| facets. Stanley's upper bound theorem
  // for simplicial spheres bounds that by the facets of the cyclic (d+1)-polytope on V + 1 vertices;
  // |∂T| is at least Barnette's lower bound for triangulated (d−1)-spheres, (d−1)V − (d+1)(d−2),
  // and at least Σ over the facets of P of (v_F − d + 1) (each facet needs that many simplices).
  let boundary = (d - 1) * V - (d + 1) * (d - 2);
  if (facetVertices) {
    let sum = 0;
    for (let i = 0; i < facetVertices.length; i++) sum += Math.max(1, facetVertices[i]! - d + 1);
    boundary = Math.max(boundary, sum);
  }
  return { lower, upper: cyclicFacets(V + 1, d + 1) - boundary };
}

/**
 * Facets of the cyclic polytope C(N, D), N > D (Gale's evenness condition; G. M. Ziegler,
 * *Lectures on Polytopes*, Springer 1995, Thm. 0.7 and Ex. 0.8): D = 2m: N/(N−m)·C(N−m, m);
 * D = 2m+1: 2·C(N−m−1, m). By the upper bound theorem (McMullen 1970; Stanley 1975 for simplicial
 * spheres) no simplicial D-polytope or (D−1)-sphere with N vertices has more facets.
 */
export function cyclicFacets(N: number, D: number): number {
  const m = Math.floor(D / 2);
  if (D % 2 === 0) return Math.round((N * binomial(N - m, m)) / (N - m));
  return 2 * binomial(N - m - 1, m);
}

/** Face lattice entry: vertex set (bitmask over local vertex indices) and its facets. */
interface Face {
  set: bigint;
  nverts: number;
  sub: Face[];
  simplices?: Int32Array[];
}

/** Number of set bits. */
export function bitCount(x: bigint): number {
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

/** Vertices in lexicographic order (makes the triangulation deterministic), with their incidences. */
function lexicographic(verts0: Float64Array, nv: number, inc0: readonly bigint[], d: number): { verts: Float64Array; inc: bigint[] } {
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
  return { verts, inc };
}

/** A constraint with its vertex set (bitmask over local vertex indices) and vertex count. */
interface ConstraintSet {
  readonly id: number;
  readonly set: bigint;
  readonly n: number;
}

/** Constraint → vertex set, for the constraints tight at ≥ d vertices, by id (iterates set bits 32 at a time). */
function constraintSets(inc: readonly bigint[], nv: number, d: number): ConstraintSet[] {
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
  const cons: ConstraintSet[] = [];
  for (const [k, set] of sets) {
    const n = counts.get(k)!;
    if (n >= d) cons.push({ id: k, set, n });
  }
  return cons.sort((a, b) => a.id - b.id);
}

/** Facets: the maximal vertex sets (first id among duplicates). */
function maximalSets(cons: readonly ConstraintSet[]): ConstraintSet[] {
  const facetList: ConstraintSet[] = [];
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
  return facetList;
}

/** The face lattice, top down: the (k−1)-faces of a k-face G are the maximal proper nonempty G ∩ F over the facets F. */
function faceLattice(facetSets: readonly bigint[], nv: number, d: number): { top: Face; fVector: number[] } {
  const top: Face = { set: (1n << BigInt(nv)) - 1n, nverts: nv, sub: [] };
  const fv = new Array<number>(d).fill(0);
  let level: Face[] = [top];
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
  return { top, fVector: fv };
}

/**
 * Pulling triangulation of face G (dimension `dim`), memoized per face: T(G) = {v ∪ σ : σ ∈ T(H),
 * H facet of G with v ∉ H}, v the lowest (lexicographically smallest) vertex of G.
 */
function pullingTriangulation(G: Face, dim: number, nv: number): Int32Array[] {
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
      for (const s of pullingTriangulation(H, dim - 1, nv)) {
        const t = new Int32Array(s.length + 1);
        t[0] = v;
        t.set(s, 1);
        res.push(t);
      }
    }
  }
  G.simplices = res;
  return res;
}

/** Volumes Σ |det| / d! of the simplices (compensated sum). */
function simplicesVolume(simplices: readonly Int32Array[], verts: Float64Array, d: number): number {
  let fact = 1;
  for (let i = 2; i <= d; i++) fact *= i;
  const M = new Float64Array(d * d);
  const pivots = new Int32Array(2 * d);
  const vols: number[] = [];
  for (const s of simplices) {
    const a = s[0]!;
    for (let r = 0; r < d; r++) for (let q = 0; q < d; q++) M[r * d + q] = verts[s[r + 1]! * d + q]! - verts[a * d + q]!;
    vols.push(Math.abs(determinantInPlace(M, d, pivots)) / fact);
  }
  return compensatedSum(vols);
}

/**
 * Geometry of one polytope from its vertices and vertex–constraint incidences: facets, face
 * lattice (f-vector), pulling triangulation, volume.
 */
export function describePolytope(
  verts0: Float64Array,
  nv: number,
  inc0: readonly bigint[],
  code: Uint8Array,
  d: number,
  geometry = true,
): PolytopeRegion {
  const { verts, inc } = lexicographic(verts0, nv, inc0, d);
  const interior = new Float64Array(d);
  for (let i = 0; i < nv; i++) for (let q = 0; q < d; q++) interior[q] = interior[q]! + verts[i * d + q]! / nv;
  const facetList = maximalSets(constraintSets(inc, nv, d));
  const facets = Int32Array.from(facetList.map((f) => f.id));
  const bounds = simplexBounds(
    nv,
    d,
    facetList.map((f) => f.n),
  );
  if (!geometry) {
    return {
      code,
      vertices: verts,
      numVertices: nv,
      incidence: inc,
      facets,
      fVector: [],
      simplices: 0,
      simplexBounds: bounds,
      volume: 0,
      interior,
    };
  }
  const { top, fVector } = faceLattice(
    facetList.map((f) => f.set),
    nv,
    d,
  );
  const simplices = pullingTriangulation(top, d, nv);
  const volume = simplicesVolume(simplices, verts, d);
  return {
    code,
    vertices: verts,
    numVertices: nv,
    incidence: inc,
    facets,
    fVector,
    simplices: simplices.length,
    simplexBounds: bounds,
    volume,
    interior,
  };
}

/** Euler characteristic Σ_{i<d} (−1)^i f_i of the boundary complex; equals 1 − (−1)^d for a d-polytope. */
export function eulerSum(fVector: readonly number[]): number {
  let s = 0;
  fVector.forEach((f, i) => {
    s += i % 2 === 0 ? f : -f;
  });
  return s;
}
