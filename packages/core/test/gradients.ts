/**
 * The gradient check shared by the training tests: L = Σ r·y for a fixed r, so backward from
 * gy = r must give dL/dparams and dL/dx; entries are compared with central differences.
 */
import { expect } from 'vitest';
import type { TrainableNetwork } from '../src/train/model.js';

/** Central-difference step. */
export const FD_STEP = 1e-6;

/** Uniform values in ±scale. */
export function randomArray(n: number, random: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => (2 * random() - 1) * scale);
}

/** |a − b| relative to |a| + |b|, with sizes below `floor` compared absolutely. */
export function relError(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(floor, Math.abs(a) + Math.abs(b));
}

export interface GradientCheckOptions {
  readonly batch: number;
  /** Largest accepted relative error. */
  readonly tol: number;
  /** `relError`'s floor. */
  readonly floor: number;
  /** Compare every stride-th entry (default 1). */
  readonly stride?: number;
  /** Prefix of the assertion messages. */
  readonly label?: string;
}

/** Runs the check on a float64 network built with `inputGradient: true`, at inputs x and weights r on the outputs. */
export function checkGradients(t: TrainableNetwork, x: Float64Array, r: Float64Array, o: GradientCheckOptions): void {
  const stride = o.stride ?? 1;
  const prefix = o.label ? `${o.label} ` : '';
  const value = (): number => {
    const y = t.forward(x, o.batch);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i]! * y[i]!;
    return s;
  };
  value();
  t.outputGradient().set(r);
  t.backward(o.batch);
  const gx = t.inputGradient().slice(0, x.length);
  const grads = t.grads.map((g) => g.slice());
  const fd = (arr: { [i: number]: number }, i: number): number => {
    const v = arr[i]!;
    arr[i] = v + FD_STEP;
    const plus = value();
    arr[i] = v - FD_STEP;
    const minus = value();
    arr[i] = v;
    return (plus - minus) / (2 * FD_STEP);
  };
  t.params.forEach((p, k) => {
    for (let i = 0; i < p.length; i += stride)
      expect(relError(grads[k]![i]!, fd(p, i), o.floor), `${prefix}param ${k}[${i}]`).toBeLessThan(o.tol);
  });
  for (let i = 0; i < x.length; i += stride) expect(relError(gx[i]!, fd(x, i), o.floor), `${prefix}input[${i}]`).toBeLessThan(o.tol);
}
