/**
 * The walk's region graph: known regions by code, the BFS queue, crossing facets to neighbours,
 * and the edge list of the result.
 */
import { forwardWithCode } from '../network/forward.js';
import type { Network } from '../network/network.js';
import type { RegionRow } from '../spline/region.js';
import type { DecidedRegion } from './walk-region.js';
import { FACET } from './walk-facets.js';
import type { QueuedRegion, WalkRegion, WalkRun } from './walk-types.js';

const key = (c: Uint8Array): string => c.join(',');

/**
 * Regions found so far. Across a facet of unit u, the units of u's activation node and of earlier
 * ones keep their states (their pre-activations do not depend on u) and u takes the state across
 * its row; only later nodes need a forward pass. `unitEnd[u]`: end of u's node in the code;
 * `prefixes`: the code prefixes of the known regions, per node end, to tell a new neighbour
 * without one.
 */
export class RegionGraph {
  readonly index = new Map<string, number>();
  readonly queue: QueuedRegion[] = [];
  readonly regions: WalkRegion[] = [];
  head = 0;
  complete = true;
  private readonly unitEnd: Int32Array;
  private readonly prefixes = new Map<number, Set<string>>();

  constructor(
    private readonly net: Network,
    private readonly maxRegions: number,
  ) {
    this.unitEnd = new Int32Array(net.numUnits);
    for (const slot of net.activations) {
      this.unitEnd.fill(slot.offset + slot.numUnits, slot.offset, slot.offset + slot.numUnits);
      if (slot.offset + slot.numUnits < net.numUnits) this.prefixes.set(slot.offset + slot.numUnits, new Set());
    }
  }

  /** Registers a region by its code; returns its index. */
  add(c: Uint8Array): number {
    const id = this.index.size;
    this.index.set(key(c), id);
    for (const [end, set] of this.prefixes) set.add(key(c.subarray(0, end)));
    return id;
  }

  /**
   * The code across facet row r of a region with code `code` (fast paths), or null when a forward
   * pass is needed; `'capped'` when it is a new region past the region cap.
   */
  predictCode(code: Uint8Array, flat: number, row: RegionRow): Uint8Array | null | 'capped' {
    const end = this.unitEnd[flat]!;
    const pred = code.slice(0, end);
    const st = code[flat]!;
    pred[flat] =
      row.kind === 'sign' ? 1 - st : row.kind === 'upper' ? (st === 1 ? 2 : 1) : row.kind === 'lower' ? (st === 1 ? 0 : 1) : row.other!;
    if (end === this.net.numUnits) return pred;
    if (this.index.size >= this.maxRegions && !this.prefixes.get(end)!.has(key(pred))) return 'capped';
    return null;
  }

  /** Index of the region with code `next`, queued as new when unknown; −1 past the region cap. */
  neighbour(next: Uint8Array, queued: QueuedRegion): number {
    const jn = this.index.get(key(next));
    if (jn !== undefined) return jn;
    if (this.index.size >= this.maxRegions) {
      this.complete = false;
      return -1;
    }
    const id = this.add(next);
    this.queue.push(queued);
    return id;
  }
}

/** Crosses every facet of a decided region (in row order, so neighbours are numbered as rows are listed) and records the region. */
export function crossFacets(run: WalkRun, graph: RegionGraph, decided: DecidedRegion, queued: QueuedRegion): WalkRegion {
  const { d, net } = run;
  const f = decided.facets;
  const { Q, code } = f.reg;
  const facetUnits: number[] = [];
  const facetRadii: number[] = [];
  const neigh: number[] = [];
  for (let r = 0; r < f.nr; r++) {
    if (f.state[r] !== FACET) continue;
    const y = f.crossing[r]!;
    const clear = f.clearance[r]!;
    let scale = 1;
    for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(y[j]!));
    const delta = Math.min(clear / 2, run.tolerances.crossingStep * scale);
    const nrm = f.rowNorm[r]!;
    const yn = new Float64Array(d);
    for (let j = 0; j < d; j++) yn[j] = y[j]! + (delta * Q[r * d + j]!) / nrm;
    const flat = f.flatUnit(r);
    facetUnits.push(flat);
    facetRadii.push(clear);
    // A facet shared by several units flips them all: the code across it needs a forward pass.
    const pred = run.fast && !f.grouped(r) ? graph.predictCode(code, flat, f.reg.rows[r]!) : null;
    if (pred === 'capped') {
      graph.complete = false; // a new region, past the cap
      neigh.push(-1);
      continue;
    }
    const next = pred ?? forwardWithCode(net, yn).code;
    neigh.push(graph.neighbour(next, { point: yn, depth: queued.depth + 1, entry: { unit: flat, y, centre: decided.centre } }));
  }
  return {
    code,
    point: queued.point,
    depth: queued.depth,
    facetUnits: Int32Array.from(facetUnits),
    facetRadii: Float64Array.from(facetRadii),
    neighbours: Int32Array.from(neigh),
  };
}

/** The adjacency list: pairs [i, j], i < j, each once, sorted. */
export function edgesOf(regions: readonly WalkRegion[]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const R of regions.keys()) {
    for (const j of regions[R]!.neighbours) {
      if (j < 0) continue;
      const a = Math.min(R, j);
      const b = Math.max(R, j);
      const s = `${a},${b}`;
      if (!seen.has(s)) {
        seen.add(s);
        out.push([a, b]);
      }
    }
  }
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return out;
}
