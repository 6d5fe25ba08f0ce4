/** Public types of the region walk (`walkRegions` in walk.ts) and the state one walk carries. */
import type { AbortSignalLike } from '../errors.js';
import type { WalkTolerances } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import type { RegionRows } from './walk-hrep.js';
import type { Box } from './walk-metric.js';

/** Options for `walkRegions`: how many regions, the box or domain, what to certify and the tolerances. */
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
  /** Tolerances (default `WALK_TOLERANCES` from geometry/predicates.ts); any subset overrides. */
  readonly tolerances?: Partial<WalkTolerances>;
  /** HiGHS options for the walk's facet LPs (experiments; default none). */
  readonly highsOptions?: Readonly<Record<string, string | number | boolean>>;
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

/** `WalkCertificates` being counted. */
type CertificateCounts = { -readonly [K in keyof WalkCertificates]: number };

/** The facet the walk entered a region through: its unit, crossing point and the parent's centre. */
export interface Entry {
  readonly unit: number;
  readonly y: Float64Array;
  readonly centre: Float64Array | null;
}

/** A queued region: a point inside, its BFS depth, and how it was entered (null: the start). */
export interface QueuedRegion {
  readonly point: Float64Array;
  readonly depth: number;
  readonly entry: Entry | null;
}

/** Everything one walk owns (nothing is shared between walks: they are re-entrant). */
export interface WalkRun {
  readonly net: Network;
  readonly d: number;
  readonly box: Box;
  /** Whether every side of the box is finite (analytic centres need it). */
  readonly boxBounded: boolean;
  readonly fast: boolean;
  /** Cached H-representations (fast paths), or null for `regionAt` (the reference). */
  readonly hrep: RegionRows | null;
  readonly tolerances: WalkTolerances;
  readonly highsOptions: Readonly<Record<string, string | number | boolean>> | undefined;
  readonly cert: CertificateCounts;
  /** LPs solved and seconds spent in them. */
  readonly lp: { count: number; seconds: number };
  /** Affine-scaling paths so far: hits, misses and steps (their cost model). */
  readonly affine: { hits: number; misses: number; steps: number };
}
