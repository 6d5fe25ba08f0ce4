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

/** Tick values and their labels for one axis (values in the axis's data units; log axes: log10 of the data). */
export interface AxisTicks {
  readonly values: readonly number[];
  readonly labels: readonly string[];
}

/**
 * Ticks for a linear axis over [lo, hi]: nice values (1, 2, 5 × 10^k), at most about `maxCount + 1`,
 * and never fewer than two inside the range (the step shrinks through 5, 2, 1 until two fit, so a
 * narrow panel still gets real labels, not a lone "0"). With `integer`, steps are whole numbers
 * (counts): no 0.5 ticks, and at least 1.
 *
 * @example
 * axisTicks(-1.65, 1.65, 2).labels; // ['−1', '0', '1'] (step 2 would leave only 0)
 * axisTicks(0, 2516, 4, true).labels; // ['0', '500', '1000', '1500', '2000', '2500']
 */
export function axisTicks(lo: number, hi: number, maxCount: number, integer = false): AxisTicks {
  let step = niceStep(hi - lo, Math.max(1, maxCount));
  if (integer) step = Math.max(1, step);
  let t: { step: number; values: number[] } = { step, values: [] };
  for (let guard = 0; guard < 60; guard++) {
    t = { step, values: ticksAt(lo, hi, step) };
    if (t.values.length >= 2 || (integer && step <= 1)) break;
    step = smallerStep(step);
  }
  return { values: t.values, labels: t.values.map((v) => formatTick(v, t.step)) };
}

/** Multiples of `step` inside [lo, hi], cleaned of binary noise. */
export function ticksAt(lo: number, hi: number, step: number): number[] {
  const eps = TICK_SNAP * step;
  const out: number[] = [];
  for (let i = Math.ceil((lo - eps) / step); i <= Math.floor((hi + eps) / step) && out.length < 1000; i++) {
    const v = Number((i * step).toPrecision(12));
    out.push(v === 0 ? 0 : v);
  }
  return out;
}

/** The next smaller nice step: 10 → 5 → 2 → 1 → 0.5 … */
function smallerStep(step: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(step) + TICK_SNAP));
  const m = Math.round(step / p);
  return m >= 10 ? 5 * p : m >= 5 ? 2 * p : m >= 2 ? p : 0.5 * p;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/**
 * Ticks of a log₁₀ axis over the positive data range [lo, hi]: one per decade (every second or
 * fifth decade when there are many), values as exponents (log10 of the data), labels `0.01`, `1`,
 * `100`, `1000` up to 10⁴, `10⁵` beyond.
 *
 * @example
 * logTicks(3, 25000).labels; // ['10', '100', '1000', '10⁴']
 */
export function logTicks(lo: number, hi: number): AxisTicks {
  const a = Math.ceil(Math.log10(lo) - TICK_SNAP);
  const b = Math.floor(Math.log10(hi) + TICK_SNAP);
  const span = b - a;
  const every = span > 12 ? 5 : span > 6 ? 2 : 1;
  const values: number[] = [];
  for (let k = Math.ceil(a / every) * every; k <= b; k += every) values.push(k);
  if (values.length === 0) values.push(Math.round(Math.log10(Math.sqrt(lo * hi))));
  const labels = values.map((k) =>
    k >= -2 && k <= 4 ? String(Number(Math.pow(10, k).toPrecision(1))) : '10' + [...String(k)].map((c) => SUPERSCRIPT[c] ?? c).join(''),
  );
  return { values, labels };
}

/**
 * Whether positive values spread over enough decades that a log axis reads better (max/min ≥ 1000,
 * all values > 0).
 *
 * @example
 * spansDecades([1, 10, 5000]); // true
 */
export function spansDecades(values: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v > 0)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi >= 1000 * lo;
}
