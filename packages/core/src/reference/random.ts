/**
 * Seeded pseudo-random numbers (no global state) and random networks for tests and benchmarks.
 */
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';

/** Callable PRNG returning uniform [0, 1) doubles. */
export type Random = () => number;

/**
 * mulberry32: small, fast, good enough for initialization and sampling.
 *
 * @example
 * const random = mulberry32(42);
 * random(); // a float in [0, 1), the same for every run
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard normal by Box–Muller.
 *
 * @example
 * const z = gaussian(mulberry32(1)); // one N(0, 1) draw
 */
export function gaussian(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Weight initialisation of `randomMlp`: PyTorch's default, He (Kaiming) or Xavier. */
export type InitScheme = 'torch' | 'he' | 'xavier';

/**
 * A random MLP `widths[0] → … → widths[last]` with ReLU (or `activation`) between dense layers.
 * 'torch': PyTorch's nn.Linear default, weight and bias ~ U(±1/√fan_in); 'he': N(0, 2/fan_in)
 * weights, zero bias; 'xavier': U(±√(6/(fan_in+fan_out))), zero bias.
 *
 * @example
 * const net = randomMlp([2, 16, 16, 1], { seed: 1, init: 'he' });
 */
export function randomMlp(
  widths: readonly number[],
  options: { seed?: number; init?: InitScheme; activation?: 'relu' | 'leaky_relu' | 'hardtanh'; alpha?: number; random?: Random } = {},
): Network {
  const random = options.random ?? mulberry32(options.seed ?? 1);
  const init = options.init ?? 'torch';
  const specs: NodeSpec[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const weight = new Float64Array(nIn * nOut);
    const bias = new Float64Array(nOut);
    const bound = 1 / Math.sqrt(nIn);
    for (let i = 0; i < weight.length; i++) {
      if (init === 'torch') weight[i] = (2 * random() - 1) * bound;
      else if (init === 'he') weight[i] = gaussian(random) * Math.sqrt(2 / nIn);
      else weight[i] = (2 * random() - 1) * Math.sqrt(6 / (nIn + nOut));
    }
    if (init === 'torch') for (let i = 0; i < nOut; i++) bias[i] = (2 * random() - 1) * bound;
    specs.push({ type: 'dense', inputs: [specs.length], inFeatures: nIn, outFeatures: nOut, weight, bias });
    if (l + 2 < widths.length) {
      const act = options.activation ?? 'relu';
      const prev = specs.length;
      if (act === 'relu') specs.push({ type: 'relu', inputs: [prev] });
      else if (act === 'leaky_relu') specs.push({ type: 'leaky_relu', inputs: [prev], alpha: options.alpha ?? 0.1 });
      else specs.push({ type: 'hardtanh', inputs: [prev], min: -1, max: 1 });
    }
  }
  return buildNetwork([widths[0]!], specs);
}
