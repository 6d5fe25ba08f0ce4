/**
 * Compensated (Neumaier) summation: the one implementation. Region areas and volumes must add up
 * to their box to within a few ulps (the `validate*` tiling checks), which a plain running sum
 * loses after ~10⁴ regions of very different sizes.
 */

/**
 * A running Neumaier-compensated sum (Kahan–Babuška): `add` one term at a time, read `value`.
 *
 * @example
 * const s = new CompensatedSum();
 * s.add(1); s.add(1e100); s.add(1); s.add(-1e100);
 * s.value; // 2 (a plain sum gives 0)
 */
export class CompensatedSum {
  private sum = 0;
  private comp = 0;

  add(x: number): void {
    const t = this.sum + x;
    this.comp += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    return this.sum + this.comp;
  }
}

/**
 * Neumaier-compensated sum of `xs`.
 *
 * @example
 * compensatedSum([1, 1e100, 1, -1e100]); // 2
 */
export function compensatedSum(xs: Iterable<number>): number {
  const s = new CompensatedSum();
  for (const x of xs) s.add(x);
  return s.value;
}
