/** The Eq. 2.26 bound printed beside exact region counts (docs/seeds.md). */
import { asMlp, regionCountBounds } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';

/**
 * `; Eq. 2.26 bound U` for a dense MLP restricted to a `dim`-dimensional input (a slice: dim 2), or ''
 * when the network is not a plain MLP (the bound is stated for those).
 */
export function boundsNote(net: Network, dim: number): string {
  let widths: number[];
  try {
    widths = asMlp(net)
      .slice(0, -1)
      .map((l) => l.outFeatures);
  } catch {
    return '';
  }
  if (widths.length === 0) return '';
  const b = regionCountBounds(dim, widths);
  return `; Eq. 2.26 bound on ℝ^${dim}: ${b.upperSerraValue < b.upperValue ? `${b.upperSerra} (Serra), ` : ''}${b.upper}`;
}
