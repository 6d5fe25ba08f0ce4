/**
 * Dissertation §5.3 (Figs. 5.4, 5.5): piecewise-linear fits of sine on [−π, π] and their linear
 * coefficients.
 *
 * - `sineInterpolant(k)` builds the ReLU network 1 → k → 1 equal on [−π, π] to the linear
 *   interpolant of sin at the k + 1 uniformly spaced points −π + 2πi/k (Fig. 5.4's "k lines"):
 *   f(x) = sin x₀ + s₀·relu(x − x₀) + Σ_{i≥1} (s_i − s_{i−1})·relu(x − x_i), s_i the i-th chord slope.
 * - `linePieces(net, a, b)` is the exact partition of [a, b] of a 1-input, 1-output network
 *   (`partitionLine`): each activation region's interval and the (slope, intercept) of f = a + b·x on
 *   it, plus the number of linear pieces (adjacent regions with the same affine map merged).
 */
import { PolytopeError } from '../errors.js';
import { sameMap } from '../geometry/predicates.js';
import type { Network } from '../network/network.js';
import type { NetworkLike } from '../network/prepared.js';
import { networkOf } from '../network/prepared.js';
import { partitionLine } from '../regions/line.js';
import { networkOfLayers } from '../truncation/mlp.js';

/** One activation region of a 1-D network along [a, b]: its interval and f(x) = intercept + slope·x there. */
export interface LinePieceCoefficients {
  readonly x0: number;
  readonly x1: number;
  readonly slope: number;
  readonly intercept: number;
}

/** Result of `linePieces`. */
export interface LinePiecesResult {
  /** Activation regions in order along [a, b]. */
  readonly pieces: LinePieceCoefficients[];
  /** Number of activation regions meeting the open interval (a, b). */
  readonly regions: number;
  /** Number of maximal intervals with one affine map (adjacent regions with equal maps merged). */
  readonly linearPieces: number;
}

/**
 * The k + 1 interpolation nodes −π + 2πi/k, i = 0…k, of `sineInterpolant(k)`.
 *
 * @example
 * sineNodes(2); // [−π, 0, π]
 */
export function sineNodes(k: number): number[] {
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? Math.PI : -Math.PI + (2 * Math.PI * i) / k));
}

/**
 * The network 1 → k → 1 (ReLU) equal on [−π, π] to the linear interpolant of sin at the k + 1
 * uniformly spaced nodes `sineNodes(k)`: k linear pieces (Fig. 5.4 draws k = 1, 3, 9; k = 1 is the
 * zero function, the baseline of Eq. 5.16).
 *
 * @example
 * const net = sineInterpolant(3);
 * forward(net, [Math.PI / 3])[0]; // sin(π/3) ≈ 0.866
 */
export function sineInterpolant(k: number): Network {
  if (!Number.isInteger(k) || k < 1 || k > 100_000)
    throw new PolytopeError('bad-option', `pieces must be an integer in 1…100000, got ${k}`);
  const xs = sineNodes(k);
  const ys = xs.map((x) => Math.sin(x));
  const slopes = Array.from({ length: k }, (_, i) => (ys[i + 1]! - ys[i]!) / (xs[i + 1]! - xs[i]!));
  const w1 = new Float64Array(k).fill(1);
  const b1 = Float64Array.from(xs.slice(0, k), (x) => -x);
  const w2 = Float64Array.from(slopes, (s, i) => (i === 0 ? s : s - slopes[i - 1]!));
  return networkOfLayers([
    { weight: w1, bias: b1, inFeatures: 1, outFeatures: k, act: 'relu', alpha: 0 },
    { weight: w2, bias: Float64Array.of(ys[0]!), inFeatures: k, outFeatures: 1, act: 'none', alpha: 1 },
  ]);
}

/**
 * Exact pieces of a 1-input, 1-output network along [a, b]: every activation region's interval
 * and the slope and intercept of the network's affine map there, and the number of linear pieces.
 *
 * @example
 * const r = linePieces(sineInterpolant(3), -Math.PI, Math.PI);
 * r.linearPieces; // 3
 * r.pieces[1].slope; // (sin(π/3) − sin(−π/3)) / (2π/3)
 */
export function linePieces(netLike: NetworkLike, a: number, b: number): LinePiecesResult {
  const net = networkOf(netLike);
  if (net.inputSize !== 1 || net.outputSize !== 1)
    throw new PolytopeError(
      'shape-mismatch',
      `linePieces needs a network with 1 input and 1 output, got ${net.inputSize} → ${net.outputSize}`,
    );
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) throw new PolytopeError('bad-domain', `need finite a < b, got [${a}, ${b}]`);
  const res = partitionLine(net, [a], [b]);
  const span = b - a;
  // On a piece the output is m0 + m1·t with x = a + t·span: slope m1/span, intercept m0 − m1·a/span.
  const pieces = res.pieces.map((p) => {
    const slope = p.map[1]! / span;
    return { x0: a + p.t0 * span, x1: a + p.t1 * span, slope, intercept: p.map[0]! - slope * a };
  });
  let linear = pieces.length;
  for (let i = 1; i < res.pieces.length; i++) if (sameMap(res.pieces[i - 1]!.map, 0, res.pieces[i]!.map, 0, 2)) linear--;
  return { pieces, regions: pieces.length, linearPieces: linear };
}
