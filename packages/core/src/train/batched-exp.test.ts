/**
 * The float64 kernels' exp (batched-wasm.ts `emitExpF64`, a lane-wise port of fdlibm's `exp`)
 * against V8's `Math.exp` itself, the independent reference: the float64 forward kernel computes
 * dL/dlogit with it, and the WASM trainer is bit for bit the JavaScript one only if every exp is.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../random.js';
import { wasmBatchedKernels } from './batched-wasm.js';

const bits = new BigInt64Array(1);
const asFloat = new Float64Array(bits.buffer);

/** The float64 with bit pattern `b`. */
function fromBits(b: bigint): number {
  bits[0] = b;
  return asFloat[0]!;
}

/** x and its neighbours up to `ulps` representable steps away on both sides (finite x). */
function around(x: number, ulps: number): number[] {
  asFloat[0] = x;
  const b = bits[0]!;
  const out: number[] = [];
  for (let d = -ulps; d <= ulps; d++) out.push(fromBits(b + BigInt(d)));
  return out;
}

/** The edge cases: fdlibm's branch boundaries and thresholds with their neighbours, special values, k·ln2/2. */
function edgeCases(): number[] {
  const out = [0, -0, Infinity, -Infinity, Number.NaN, Number.MIN_VALUE, -Number.MIN_VALUE, 1e-310, -1e-310, 2 ** -1022, 1e300, -1e300];
  // |x| = 0.5·ln2 (hx 0x3fd62e42 | 43), 1.5·ln2 (0x3ff0a2b2), 2⁻²⁸ (0x3e300000), 709.78 (0x40862e42): the high-word tests.
  for (const hi of [0x3fd62e42n, 0x3fd62e43n, 0x3ff0a2b1n, 0x3ff0a2b2n, 0x3e300000n, 0x40862e42n]) {
    for (const sign of [0n, 1n << 63n]) out.push(...around(fromBits(sign | (hi << 32n)), 4), fromBits(sign | (hi << 32n) | 0xffffffffn));
  }
  // Overflow and underflow thresholds, exp(1) (special-cased), the smallest k of the normal scaling (−1021) and k = 1024.
  for (const x of [709.782712893384, -745.1332191019411, 1, -1, -708.3964185322641, -707.7032713517042, 709.0895657128241, 709.7]) {
    out.push(...around(x, 3));
  }
  for (let i = -746; i <= 710; i++) out.push(i, i + 0.5);
  // x = k·ln2/2: where the rounding of k = trunc(x/ln2 ± 1/2) changes.
  for (let k = -2152; k <= 2049; k++) out.push(...around((k * Math.LN2) / 2, 2));
  return out;
}

describe('float64 exp in WebAssembly (fdlibm exp, as V8 Math.exp)', () => {
  const kernels = wasmBatchedKernels([4, 10, 10, 10, 1], 16, 64, 'f64');
  const exp = kernels?.exp;
  const view = kernels?.values;

  /** Runs the kernel over xs in chunks and returns how many results differ from Math.exp (bit for bit; NaN for NaN). */
  function mismatches(xs: ArrayLike<number>): { count: number; first?: number } {
    if (!exp || !view) throw new Error('no WebAssembly SIMD');
    const chunk = Math.floor(view.length / 2) * 2;
    let count = 0;
    let first: number | undefined;
    for (let at = 0; at < xs.length; at += chunk) {
      const n = Math.min(chunk, xs.length - at);
      for (let i = 0; i < n; i++) view[i] = xs[at + i]!;
      // An odd tail: the second lane repeats the last argument.
      if (n % 2 === 1) view[n] = view[n - 1]!;
      exp(0, 8 * (n + (n % 2)));
      for (let i = 0; i < n; i++) {
        const x = xs[at + i]!;
        if (!Object.is(view[i], Math.exp(x)) && !(Number.isNaN(x) && Number.isNaN(view[i]))) {
          count++;
          first ??= x;
        }
      }
    }
    return first === undefined ? { count } : { count, first };
  }

  it('passes its own check at compile time on this engine (the trainer then computes dL/dlogit in WASM)', () => {
    expect(kernels?.expExact).toBe(true);
  });

  it('equals Math.exp on the edge cases (branch boundaries, thresholds, k·ln2/2, ±0, ±∞, NaN)', () => {
    const xs = edgeCases();
    expect(xs.length).toBeGreaterThan(20_000);
    expect(mismatches(xs)).toEqual({ count: 0 });
  });

  it('equals Math.exp on 6·10⁶ random arguments (logit range, full range, tiny magnitudes, random bit patterns)', () => {
    const r = seededRandom(2026);
    const n = 1_500_000;
    const ranges: [string, () => number][] = [
      ['[−40, 40]', () => 80 * r() - 40],
      ['[−750, 750]', () => 1500 * r() - 750],
      ['±2^[−60, 10]', () => (r() < 0.5 ? -1 : 1) * 2 ** (70 * r() - 60)],
      ['bit patterns', () => fromBits((BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)))],
    ];
    for (const [label, draw] of ranges) {
      const xs = Float64Array.from({ length: n }, draw);
      expect({ label, ...mismatches(xs) }).toEqual({ label, count: 0 });
    }
  });
});
