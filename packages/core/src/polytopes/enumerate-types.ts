/** Public types of the n-D polytope enumeration (`enumeratePolytopes` in enumerate.ts). */
import type { AbortSignalLike } from '../errors.js';
import type { PolytopeTolerances } from '../geometry/predicates.js';

/**
 * Progress of `enumeratePolytopes`, after each finished region (the enumeration is depth-first:
 * `unitsDone` = `units` on every report; `polytopes` counts the finished regions and those in flight).
 */
export interface PolytopeProgress {
  readonly unitsDone: number;
  readonly units: number;
  readonly polytopes: number;
  /** Regions finished (handed to `onRegion`) so far. */
  readonly finished: number;
}

/**
 * A bounded, full-dimensional convex polytope {x : A x ≤ b} as the enumeration domain, with a box
 * that contains it. `polytopeDomain` checks A, b with LPs and fills in `bounds`; any box that
 * contains the domain will do (it is only cut down to the domain, never part of the result).
 */
export interface PolytopeDomain {
  /** m rows of d coefficients each. Row r gets constraint id r. */
  readonly A: ArrayLike<ArrayLike<number>>;
  /** m right-hand sides. */
  readonly b: ArrayLike<number>;
  /** A box containing the domain, as lo,hi pairs (one per input dimension). */
  readonly bounds: readonly number[];
  /** Seconds spent in the LPs that prepared the domain (added to `lpSeconds`). */
  readonly lpSeconds?: number;
}

/** Options for `enumeratePolytopes`: the domain (a box or a polytope) and what to compute per region. */
export interface EnumerateOptions {
  /** Box as lo,hi pairs: [x0, x1, y0, y1, …], one pair per input dimension. Give this or `domain`. */
  readonly box?: readonly number[];
  /** A bounded convex polytope A x ≤ b (from `polytopeDomain`). Give this or `box`. */
  readonly domain?: PolytopeDomain;
  /** Compute faces, triangulations and volumes (default true). False: vertices and codes only. */
  readonly geometry?: boolean;
  /** Tolerances (default `POLYTOPE_TOLERANCES` from geometry/predicates.ts); any subset overrides. */
  readonly tolerances?: Partial<PolytopeTolerances>;
  readonly onProgress?: (p: PolytopeProgress) => void;
  /** Receives each region as soon as it is finished (depth-first order, the order of `regions`). */
  readonly onRegion?: (r: PolytopeRegion) => void;
  /** Keep every region and return them in `regions` (default true). False with `onRegion`: stream in bounded memory. */
  readonly collect?: boolean;
  readonly signal?: AbortSignalLike;
  /** Memory budget in bytes for the polytopes in flight at once (default `DEFAULT_MAX_BYTES`, 2 GiB); above it: `too-large`. */
  readonly maxBytes?: number;
}

/** One activation region with its polytope geometry. */
export interface PolytopeRegion {
  /** Activation code, one state (0 off, 1 on) per hidden unit in network order. */
  readonly code: Uint8Array;
  /** Vertices, row-major numVertices × d, sorted lexicographically. */
  readonly vertices: Float64Array;
  readonly numVertices: number;
  /** Tight constraints per vertex (bit k: constraint k; see `constraintName`). */
  readonly incidence: readonly bigint[];
  /** Constraint ids of the facets (non-redundant constraints), ascending. */
  readonly facets: Int32Array;
  /** f-vector [f_0 … f_{d−1}] (vertices, edges, …, facets); empty without geometry. */
  readonly fVector: readonly number[];
  /** Simplices of the pulling triangulation (lexicographic order); 0 without geometry. */
  readonly simplices: number;
  /** Bounds that hold for every triangulation without new vertices of this polytope. */
  readonly simplexBounds: { readonly lower: number; readonly upper: number };
  readonly volume: number;
  /** Vertex centroid (strictly interior). */
  readonly interior: Float64Array;
}

/** The rows of an H-polytope domain, as plain arrays (JSON-ready). */
export interface DomainRows {
  readonly A: number[][];
  readonly b: number[];
}

/** Result of `enumeratePolytopes`: every full-dimensional region of the domain with its faces and volume. */
export interface PolytopeEnumeration {
  readonly dim: number;
  /** The box, or for a polytope domain its exact bounding box (from its vertices). */
  readonly box: readonly number[];
  /** The polytope domain A x ≤ b, or null when enumerating in a box. */
  readonly domain: DomainRows | null;
  /** Every region, in depth-first order (empty with `collect: false`). */
  readonly regions: PolytopeRegion[];
  /** Number of regions (also with `collect: false`). */
  readonly count: number;
  /** Compensated sum of region volumes. */
  readonly totalVolume: number;
  /** Volume of `box` (for a polytope domain: of its bounding box). */
  readonly boxVolume: number;
  /** Volume of the domain: the box volume, or the pulling-triangulation volume of the polytope domain. */
  readonly domainVolume: number;
  /** Number of domain constraint ids: 2d box faces, or the m rows of A. Hidden unit u has id numDomainConstraints + u. */
  readonly numDomainConstraints: number;
  /** Number of constraint ids (domain constraints + hidden units). */
  readonly numConstraints: number;
  readonly numUnits: number;
  readonly seconds: number;
  /** Seconds spent in LPs: 0 for a box (the enumeration is LP-free); a domain's `lpSeconds` otherwise. */
  readonly lpSeconds: number;
}
