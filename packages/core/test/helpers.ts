import { buildNetwork, mulberry32, gaussian } from '../src/index.js';
import type { BatchedMlpShape, Network, NodeSpec } from '../src/index.js';

/** The dissertation's XOR net (§5): f(x) = [1, −2]·ReLU([[1, 1], [1, 1]] x + [1, 0]) − 1. */
export function xorNet(): Network {
  return buildNetwork(
    [2],
    [
      { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: Float64Array.of(1, 1, 1, 1), bias: Float64Array.of(1, 0) },
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: Float64Array.of(1, -2), bias: Float64Array.of(-1) },
    ],
  );
}

function rand(n: number, random: () => number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = gaussian(random) * scale;
  return a;
}

/**
 * A small CNN exercising every layer kind at once: conv (padding), folded batch-norm (as a
 * channel affine), ReLU, max-pool, 1×1 conv with a residual add, leaky ReLU, average pool,
 * flatten, dense, hard-tanh, dense.
 */
export function tinyCnn(seed: number): Network {
  const r = mulberry32(seed);
  const specs: NodeSpec[] = [
    {
      type: 'conv2d',
      inputs: [0],
      inChannels: 1,
      outChannels: 2,
      kernel: [3, 3],
      stride: [1, 1],
      padding: [1, 1, 1, 1],
      dilation: [1, 1],
      groups: 1,
      weight: rand(18, r, 0.6),
      bias: rand(2, r, 0.2),
    },
    { type: 'channel_affine', inputs: [1], scale: Float64Array.of(1.3, 0.7), shift: Float64Array.of(0.1, -0.2) },
    { type: 'relu', inputs: [2] },
    { type: 'maxpool', inputs: [3], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] },
    {
      type: 'conv2d',
      inputs: [4],
      inChannels: 2,
      outChannels: 2,
      kernel: [1, 1],
      stride: [1, 1],
      padding: [0, 0, 0, 0],
      dilation: [1, 1],
      groups: 1,
      weight: rand(4, r, 0.8),
      bias: rand(2, r, 0.1),
    },
    { type: 'add', inputs: [5, 4] },
    { type: 'leaky_relu', inputs: [6], alpha: 0.1 },
    { type: 'avgpool', inputs: [7], kernel: [2, 2], stride: [1, 1], padding: [0, 0, 0, 0], countIncludePad: true },
    { type: 'reshape', inputs: [8] },
    { type: 'dense', inputs: [9], inFeatures: 8, outFeatures: 4, weight: rand(32, r, 0.5), bias: rand(4, r, 0.1) },
    { type: 'hardtanh', inputs: [10], min: -1, max: 1 },
    { type: 'dense', inputs: [11], inFeatures: 4, outFeatures: 3, weight: rand(12, r, 0.7), bias: rand(3, r, 0.1) },
  ];
  return buildNetwork([1, 6, 6], specs);
}

export function randomPoint(d: number, random: () => number, scale = 1): Float64Array {
  return rand(d, random, scale);
}

/** Brute-force NPN canonical form: explicit index maps for every permutation, negation mask and output polarity. */
export function bruteCanonical(t: number, n: number): number {
  const rows = 1 << n;
  const perms: number[][] = [];
  const rec = (p: number[], rest: number[]): void => {
    if (rest.length === 0) perms.push(p);
    rest.forEach((r, i) => rec([...p, r], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec(
    [],
    Array.from({ length: n }, (_, i) => i),
  );
  let best = Infinity;
  for (const perm of perms)
    for (let m = 0; m < rows; m++)
      for (const o of [0, 1]) {
        let u = 0;
        for (let k = 0; k < rows; k++) {
          let img = 0;
          for (let q = 0; q < n; q++) if ((k >> q) & 1) img |= 1 << perm[q]!;
          if ((((t >>> (img ^ m)) & 1) ^ o) === 1) u += 2 ** k;
        }
        best = Math.min(best, u);
      }
  return best;
}

/**
 * Batched-trainer cases whose networks finish at different epochs (so slots are swapped and the last
 * SIMD vector runs partly empty): label, shape, network count, truth table, inputs. Used by the
 * float64 WASM-vs-JS test and the float32 scalar-reference test.
 */
export const BATCHED_EARLY_EXIT_CASES: readonly (readonly [string, BatchedMlpShape, number, number, number])[] = [
  ['leaky 3 → 5 → 5 → 1, odd N = 7, 3-parity', { inputs: 3, width: 5, depth: 2, alpha: 0.1 }, 7, 0b10010110, 3],
  ['ReLU 4 → 8 → 1, N = 10, 4-input majority-like function', { inputs: 4, width: 8, depth: 1, alpha: 0 }, 10, 0xe880, 4],
  ['leaky 2 → 4 → 7 → 2 → 1 (non-rectangular), N = 5, XOR', { inputs: 2, width: 4, depth: 3, alpha: 0.1, hidden: [4, 7, 2] }, 5, 0b0110, 2],
];
