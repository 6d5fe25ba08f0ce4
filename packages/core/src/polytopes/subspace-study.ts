/**
 * Seed 004's study on any network: the shapes (facets, vertices, simplices of the pulling
 * triangulation) of the polytopes of a network on k-dimensional subspaces through inputs (for
 * images: 3-D subspaces through four test images), pooled over several subspaces.
 */
import { subspacePolytopes, subspaceThrough } from './subspace.js';
import type { NetworkLike } from '../network/prepared.js';

/** Pooled shape statistics of the polytopes of several subspaces. */
export interface SubspaceShapeStats {
  readonly subspaces: number;
  readonly regions: number;
  /** Per polytope, pooled over the subspaces, ascending. */
  readonly facets: number[];
  readonly simplices: number[];
  readonly vertices: number[];
  /** Per polytope: facets on the box (not made by a unit). */
  readonly boxFacets: number[];
  readonly seconds: number;
}

/**
 * Enumerates the polytopes of `net` on the subspace through each group of k + 1 inputs (affine
 * coordinates, `subspaceThrough`), in the box of t `box` (e.g. a small cube around the group's
 * centroid), and pools their shapes.
 *
 * @example
 * const s = subspaceShapeStudy(lenet, [[img0, img1, img2, img3]], [0.24, 0.26, 0.24, 0.26, 0.24, 0.26]);
 * s.regions; // polytopes found
 * s.facets;  // facets per polytope, ascending
 */
export function subspaceShapeStudy(
  net: NetworkLike,
  groups: readonly (readonly ArrayLike<number>[])[],
  box: readonly number[],
): SubspaceShapeStats {
  const facets: number[] = [];
  const simplices: number[] = [];
  const vertices: number[] = [];
  const boxFacets: number[] = [];
  let seconds = 0;
  for (const g of groups) {
    const s = subspaceThrough(g);
    const res = subspacePolytopes(net, { origin: s.origin, dirs: s.dirs, box });
    seconds += res.seconds;
    for (const r of res.regions) {
      facets.push(r.facets.length);
      simplices.push(r.simplices);
      vertices.push(r.numVertices);
      boxFacets.push(r.facets.reduce((a, f) => a + (f < 0 ? 1 : 0), 0));
    }
  }
  const asc = (a: number, b: number) => a - b;
  return {
    subspaces: groups.length,
    regions: facets.length,
    facets: facets.sort(asc),
    simplices: simplices.sort(asc),
    vertices,
    boxFacets,
    seconds,
  };
}
