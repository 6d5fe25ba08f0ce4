/**
 * Outlines between linear regions (`slice --color linear-region`, issue 12): activation regions
 * that share one affine map form one linear region; the edges where two *different* linear regions
 * meet, and the edges on the box, are drawn as a visible outline, the edges inside one linear
 * region are not.
 *
 * Exact and without tolerances: each polygon edge carries the unit whose boundary it lies on and
 * that unit's state across it (`SliceRegion.labels`), so the region across an edge is the one
 * whose code is this region's code with that one state changed (the same neighbour relation the
 * core's linear-region union uses). An edge whose neighbour is not among the regions (a partial
 * slice cut by --max-regions, or hyperplanes that coincide) is outlined: nothing joins it there.
 */

/** The colour of linear-region outlines: dark on every region colour, lighter than the black decision boundary. */
export const OUTLINE_INK = '#303030';

/** What the outline needs of a slice region (see `SliceRegion` in the core). */
export interface OutlineRegion {
  readonly code: Uint8Array;
  /** Counter-clockwise polygon, interleaved [s0, t0, s1, t1, …]. */
  readonly vertices: Float64Array;
  /** Per edge (vertex i to i+1): `unit · 256 + neighbour state`, −1 on the box. */
  readonly labels: Int32Array;
}

/** A code as a map key. */
function codeKey(code: Uint8Array): string {
  return Buffer.from(code.buffer, code.byteOffset, code.byteLength).toString('latin1');
}

/**
 * The outlined edges as segments [s0, t0, s1, t1] (each shared edge once): every box edge, and
 * every edge between regions `i`, `j` with `linearOf[i] !== linearOf[j]`.
 *
 * @example
 * // Two regions split by unit 0 (states 1 | 0), with different maps:
 * linearRegionOutlines([left, right], Int32Array.of(0, 1)); // the box edges and the middle edge
 */
export function linearRegionOutlines(regions: readonly OutlineRegion[], linearOf: ArrayLike<number>): Float64Array[] {
  const byCode = new Map<string, number>();
  regions.forEach((r, i) => byCode.set(codeKey(r.code), i));
  const out: Float64Array[] = [];
  regions.forEach((r, i) => {
    const n = r.labels.length;
    for (let e = 0; e < n; e++) {
      const label = r.labels[e]!;
      if (label >= 0) {
        const across = r.code.slice();
        across[label >> 8] = label & 255;
        const j = byCode.get(codeKey(across));
        // Drawn once, from the lower index; inside one linear region, not at all.
        if (j !== undefined && (j < i || linearOf[j] === linearOf[i])) continue;
      }
      const a = 2 * e;
      const b = 2 * ((e + 1) % n);
      out.push(Float64Array.of(r.vertices[a]!, r.vertices[a + 1]!, r.vertices[b]!, r.vertices[b + 1]!));
    }
  });
  return out;
}
