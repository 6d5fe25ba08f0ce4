/**
 * The grid methods of dissertation §6.3 beside the exact map, for the model explorer: on a plane
 * and box, the exact slice (`slicePlane`), activation codes on a p × p grid (`gridCodes`) and the
 * dissertation's Jacobian-tolerance scan (`jacobianGrid`, Fig. 6.12), compared by the core's
 * `compareCrossSection` — the same functions as `polytope cross-section`. Pure: runs in a worker
 * (grid-worker.ts) and in Node tests. The three maps are p × p RGBA images: grid codes coloured by
 * connected component, the Jacobian regions by label with the boundaries the Jacobian method misses
 * in red, and the exact region of each grid point (black where a grid point matches no exact code).
 */
import { compareCrossSection, gridCodes, jacobianGrid, readNetworkJson, readOnnx, slicePlane } from '@polytope-lens/core';
import type { CrossSectionComparison, Plane } from '@polytope-lens/core';

export interface GridRequest {
  /** The model as opened: network JSON text or ONNX bytes (read in the worker, not serialized on the page). */
  readonly net: string | Uint8Array;
  readonly plane: { origin: number[]; u: number[]; v: number[] };
  readonly box: readonly [number, number, number, number];
  readonly p: number;
  readonly tolerance: number;
}

export interface GridOutcome {
  readonly p: number;
  readonly exact: CrossSectionComparison['exact'];
  readonly codes: CrossSectionComparison['codes'];
  readonly jacobian: CrossSectionComparison['jacobian'];
  readonly boundaries: CrossSectionComparison['boundaries'];
  /** p × p RGBA maps: grid-code components, Jacobian regions (missed boundaries red), exact region per point. */
  readonly images: { readonly codes: Uint8ClampedArray; readonly jacobian: Uint8ClampedArray; readonly exact: Uint8ClampedArray };
  readonly seconds: number;
}

/** A well-spread colour per label (golden-ratio hue steps), as RGB bytes. */
function labelColour(label: number): [number, number, number] {
  const h = (label * 0.618033988749895) % 1;
  const s = 0.55;
  const l = 0.6 + 0.15 * ((label * 7) % 3) * 0.5;
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function labelImage(labels: ArrayLike<number>, p: number): Uint8ClampedArray {
  const img = new Uint8ClampedArray(p * p * 4);
  for (let q = 0; q < p * p; q++) {
    const l = labels[q]!;
    const [r, g, b] = l < 0 ? [0, 0, 0] : labelColour(l);
    img[q * 4] = r;
    img[q * 4 + 1] = g;
    img[q * 4 + 2] = b;
    img[q * 4 + 3] = 255;
  }
  return img;
}

/** Paints both grid points of every missed boundary (q with its right or lower neighbour) red. */
function markMissed(img: Uint8ClampedArray, missed: Int32Array, p: number): void {
  for (const e of missed) {
    const q = e >> 1;
    for (const k of [q, e & 1 ? q + p : q + 1]) {
      img[k * 4] = 230;
      img[k * 4 + 1] = 0;
      img[k * 4 + 2] = 0;
    }
  }
}

/** The exact map, the two grid methods and their comparison on one plane. */
export function compareGridMethods(req: GridRequest): GridOutcome {
  const t0 = performance.now();
  const net = typeof req.net === 'string' ? readNetworkJson(req.net) : readOnnx(req.net);
  const plane: Plane = {
    origin: Float64Array.from(req.plane.origin),
    u: Float64Array.from(req.plane.u),
    v: Float64Array.from(req.plane.v),
  };
  const exact = slicePlane(net, plane, req.box);
  const grid = gridCodes(net, plane, req.box, req.p);
  const jac = jacobianGrid(net, grid, req.tolerance);
  const cmp = compareCrossSection(net, grid, jac, {
    codes: exact.regions.map((r) => r.code),
    linearRegion: exact.linearRegionOf,
    linearRegions: exact.summary.linearRegions,
  });
  const jacobian = labelImage(jac.label, req.p);
  markMissed(jacobian, cmp.missedEdges, req.p);
  return {
    p: req.p,
    exact: cmp.exact,
    codes: cmp.codes,
    jacobian: cmp.jacobian,
    boundaries: cmp.boundaries,
    images: { codes: labelImage(grid.component, req.p), jacobian, exact: labelImage(cmp.exactOf, req.p) },
    seconds: (performance.now() - t0) / 1000,
  };
}
