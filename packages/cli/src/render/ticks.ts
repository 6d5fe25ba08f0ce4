/**
 * Axis ticks at "nice" values (1, 2 or 5 × 10^k) and their labels. Pure functions.
 */

import { TICK_SNAP } from './constants.js';

/**
 * The nice step (1, 2, 5 × 10^k) closest above `span / maxCount`.
 *
 * @example
 * niceStep(10, 5);   // 2
 * niceStep(1, 4);    // 0.5
 * niceStep(0.03, 3); // 0.01
 */
export function niceStep(span: number, maxCount: number): number {
  const raw = span / Math.max(1, maxCount);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  // Small tolerance so that e.g. raw = 0.2 (m = 1.9999999) picks 2, not 5.
  const f = m <= 1 + TICK_SNAP ? 1 : m <= 2 + TICK_SNAP ? 2 : m <= 5 + TICK_SNAP ? 5 : 10;
  return f * p;
}

/**
 * Tick values in [lo, hi] at a nice step, at most about `maxCount + 1` of them. Values are
 * integer multiples of the step, cleaned of binary noise (0.1 · 3 → 0.3).
 *
 * @example
 * niceTicks(-1, 1, 4);    // { step: 0.5, values: [-1, -0.5, 0, 0.5, 1] }
 * niceTicks(0.13, 0.91, 4); // { step: 0.2, values: [0.2, 0.4, 0.6, 0.8] }
 */
export function niceTicks(lo: number, hi: number, maxCount: number): { step: number; values: number[] } {
  const step = niceStep(hi - lo, maxCount);
  const eps = TICK_SNAP * step;
  const i0 = Math.ceil((lo - eps) / step);
  const i1 = Math.floor((hi + eps) / step);
  const values: number[] = [];
  for (let i = i0; i <= i1 && values.length < 1000; i++) {
    const v = Number((i * step).toPrecision(12));
    values.push(v === 0 ? 0 : v);
  }
  return { step, values };
}

/**
 * A tick label with as many decimals as the step needs; exponent form for very large or very small
 * values; a true minus sign (U+2212).
 *
 * @example
 * formatTick(-0.5, 0.5); // '−0.5'
 * formatTick(2, 1);      // '2'
 * formatTick(3e-7, 1e-7); // '3e−7'
 */
export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + TICK_SNAP));
  let s: string;
  if (v === 0) s = '0';
  else if (decimals > 5 || Math.abs(v) >= 1e6) {
    const digits = Math.max(0, Math.floor(Math.log10(Math.abs(v)) + TICK_SNAP) - Math.floor(Math.log10(step) + TICK_SNAP));
    s = v.toExponential(Math.min(digits, 15)).replace('e+', 'e');
  } else s = v.toFixed(decimals);
  return s.replace(/-/g, '\u2212');
}
