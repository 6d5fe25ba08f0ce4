/**
 * The analytic centre of a region ∩ B (B a bounded box): the minimizer of the log barrier
 * −Σ log slacks, found by damped Newton steps with the barrier metric of `walk-metric.ts`. The
 * walk shoots its rays from it (no LP needed).
 */
import { barrierMetric, dot } from './walk-metric.js';
import type { ActiveRows, Box, Metric } from './walk-metric.js';

/** Newton steps at most per centre. */
const MAX_NEWTON_STEPS = 50;
/** Halvings of the step at most in the Armijo line search. */
const MAX_BACKTRACKS = 40;
/** Armijo sufficient-decrease fraction (of t·λ²). */
const ARMIJO = 0.25;
/** Fraction of the largest feasible step tried first. */
const STEP_FRACTION = 0.99;

/** The analytic centre, the barrier metric there, and the Newton steps taken. */
export interface AnalyticCentre {
  readonly c: Float64Array;
  readonly metric: Metric;
  readonly steps: number;
}

/** Slacks pa − Qa z of the active rows at z. */
export function slacksOf(rows: ActiveRows, z: ArrayLike<number>): Float64Array {
  const { Qa, pa, n, d } = rows;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = pa[i]! - dot(Qa, i * d, z, 0, d);
  return s;
}

/** The log barrier at z (slacks s), +∞ outside the open region ∩ box. */
function barrierAt(rows: ActiveRows, box: Box, z: Float64Array, s: Float64Array): number {
  let f = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!(s[i]! > 0)) return Infinity;
    f -= Math.log(s[i]!);
  }
  for (let j = 0; j < rows.d; j++) {
    const a = z[j]! - box.lower[j]!;
    const b = box.upper[j]! - z[j]!;
    if (!(a > 0 && b > 0)) return Infinity;
    f -= Math.log(a) + Math.log(b);
  }
  return f;
}

/**
 * A strictly feasible start: x moved towards a target (the box centre, or the hint clamped to the
 * box), half-way to the first row it would cross; the candidate with the lower barrier wins.
 */
function startPoint(
  rows: ActiveRows,
  box: Box,
  x: ArrayLike<number>,
  hint: Float64Array | null,
): { z: Float64Array; s: Float64Array } | null {
  const { n, d } = rows;
  const { lower, upper } = box;
  const sx = slacksOf(rows, x);
  let best: { z: Float64Array; s: Float64Array } | null = null;
  let bestF = Infinity;
  const targets: Float64Array[] = [];
  const mid = new Float64Array(d);
  for (let j = 0; j < d; j++) mid[j] = (lower[j]! + upper[j]!) / 2;
  targets.push(mid);
  if (hint) {
    const h = new Float64Array(d);
    for (let j = 0; j < d; j++) h[j] = Math.min(upper[j]!, Math.max(lower[j]!, hint[j]!));
    targets.push(h);
  }
  for (const target of targets) {
    const sm = slacksOf(rows, target);
    let amax = 1;
    let inside = true;
    for (let i = 0; i < n; i++) {
      if (!(sm[i]! > 0)) inside = false;
      if (sm[i]! < sx[i]!) amax = Math.min(amax, sx[i]! / (sx[i]! - sm[i]!));
    }
    if (!(amax > 0)) continue;
    const alpha = amax === 1 && inside ? 1 : amax / 2;
    const zc = new Float64Array(d);
    for (let j = 0; j < d; j++) zc[j] = x[j]! + alpha * (target[j]! - x[j]!);
    const sc = slacksOf(rows, zc);
    const f = barrierAt(rows, box, zc, sc);
    if (f < bestF) {
      bestF = f;
      best = { z: zc, s: sc };
    }
  }
  return best;
}

/** Gradient of the barrier at z (slacks s) into g. */
function barrierGradient(rows: ActiveRows, box: Box, z: Float64Array, s: Float64Array, g: Float64Array): void {
  const { Qa, n, d } = rows;
  for (let j = 0; j < d; j++) g[j] = 1 / (box.upper[j]! - z[j]!) - 1 / (z[j]! - box.lower[j]!);
  for (let i = 0; i < n; i++) {
    const w = 1 / s[i]!;
    const ri = i * d;
    for (let j = 0; j < d; j++) g[j] = g[j]! + Qa[ri + j]! * w;
  }
}

/** Negates `step` (H⁻¹g → the Newton direction), writes its rates Qa·step, returns the largest feasible step length. */
function newtonDirection(rows: ActiveRows, box: Box, z: Float64Array, s: Float64Array, step: Float64Array, rate: Float64Array): number {
  const { Qa, n, d } = rows;
  let tmax = Infinity;
  for (let j = 0; j < d; j++) {
    const dj = -step[j]!;
    step[j] = dj;
    if (dj > 0) tmax = Math.min(tmax, (box.upper[j]! - z[j]!) / dj);
    else if (dj < 0) tmax = Math.min(tmax, (box.lower[j]! - z[j]!) / dj);
  }
  for (let i = 0; i < n; i++) {
    const v = dot(Qa, i * d, step, 0, d);
    rate[i] = v;
    if (v > 0) tmax = Math.min(tmax, s[i]! / v);
  }
  return tmax;
}

/** The barrier along z + t·step (rates: Qa·step), +∞ outside. */
function barrierAlong(
  rows: ActiveRows,
  box: Box,
  line: { z: Float64Array; s: Float64Array; step: Float64Array; rate: Float64Array },
  t: number,
): number {
  const { z, s, step, rate } = line;
  let f = 0;
  for (let i = 0; i < rows.n; i++) {
    const v = s[i]! - t * rate[i]!;
    if (!(v > 0)) return Infinity;
    f -= Math.log(v);
  }
  for (let j = 0; j < rows.d; j++) {
    const a = z[j]! + t * step[j]! - box.lower[j]!;
    const b = box.upper[j]! - z[j]! - t * step[j]!;
    if (!(a > 0 && b > 0)) return Infinity;
    f -= Math.log(a) + Math.log(b);
  }
  return f;
}

/** Whether z lies strictly inside the box and its slacks s are positive. */
function strictlyInside(rows: ActiveRows, box: Box, z: Float64Array, s: Float64Array): boolean {
  let ok = true;
  for (let i = 0; i < rows.n; i++) if (!(s[i]! > 0)) ok = false;
  for (let j = 0; j < rows.d; j++) if (!(z[j]! > box.lower[j]! && z[j]! < box.upper[j]!)) ok = false;
  return ok;
}

/**
 * Analytic centre of {Qa z ≤ pa} ∩ [lower, upper] (bounded box), the minimizer of −Σ log slacks,
 * by damped Newton from a strictly feasible point near x (moved towards the box centre or the
 * hint), stopped once the Newton decrement² is ≤ `stop`. Returns the point (strictly inside) and
 * the barrier metric there, or null when no strictly feasible start is found.
 */
export function analyticCentre(
  rows: ActiveRows,
  box: Box,
  start: { x: ArrayLike<number>; hint: Float64Array | null },
  stop: number,
): AnalyticCentre | null {
  const first = startPoint(rows, box, start.x, start.hint);
  if (!first) return null;
  const { z } = first;
  let s = first.s;
  const g = new Float64Array(rows.d);
  const rate = new Float64Array(rows.n);
  for (let it = 0; ; it++) {
    const metric = barrierMetric(rows, box, z, s);
    if (!metric) return null;
    barrierGradient(rows, box, z, s, g);
    const step = metric.apply(g);
    let lambda2 = 0;
    for (let j = 0; j < rows.d; j++) lambda2 += g[j]! * step[j]!;
    // Newton decrement small: central enough for the rays (they need no precise centre).
    if (!(lambda2 > stop) || it >= MAX_NEWTON_STEPS) return { c: z, metric, steps: it };
    // step := −H⁻¹g; largest feasible step, then Armijo backtracking on the barrier.
    const tmax = newtonDirection(rows, box, z, s, step, rate);
    const line = { z, s, step, rate };
    const f0 = barrierAlong(rows, box, line, 0);
    let t = Math.min(1, STEP_FRACTION * tmax);
    for (let k = 0; k < MAX_BACKTRACKS && !(barrierAlong(rows, box, line, t) <= f0 - ARMIJO * t * lambda2); k++) t /= 2;
    if (!(barrierAlong(rows, box, line, t) < f0)) return { c: z, metric, steps: it };
    for (let j = 0; j < rows.d; j++) z[j] = z[j]! + t * step[j]!;
    const sNew = slacksOf(rows, z);
    if (!strictlyInside(rows, box, z, sNew)) {
      for (let j = 0; j < rows.d; j++) z[j] = z[j]! - t * step[j]!;
      return { c: z, metric, steps: it };
    }
    s = sNew;
  }
}
