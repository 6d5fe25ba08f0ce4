/**
 * Random networks for tests and benchmarks (production code never imports `reference/`; the
 * generators live in ../random.ts).
 */
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { gaussian, mulberry32 } from '../random.js';
import type { Random } from '../random.js';
import { initParameters } from '../train/init.js';
import type { InitName } from '../train/init.js';

/**
 * A random MLP `widths[0] → … → widths[last]` with ReLU (or `activation`) between dense layers,
 * initialized by one of the trainer's schemes (`INIT_NAMES`, default `pytorch`). `he-normal` keeps
 * this module's own Gaussian draws (`gaussian`), so seeded networks are the same as before.
 *
 * @example
 * const net = randomMlp([2, 16, 16, 1], { seed: 1, init: 'he-normal' });
 */
export function randomMlp(
  widths: readonly number[],
  options: { seed?: number; init?: InitName; activation?: 'relu' | 'leaky_relu' | 'hardtanh'; alpha?: number; random?: Random } = {},
): Network {
  const random = options.random ?? mulberry32(options.seed ?? 1);
  const init = options.init ?? 'pytorch';
  const specs: NodeSpec[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const nIn = widths[l]!;
    const nOut = widths[l + 1]!;
    const weight = new Float64Array(nIn * nOut);
    const bias = new Float64Array(nOut);
    if (init === 'he-normal') for (let i = 0; i < weight.length; i++) weight[i] = gaussian(random) * Math.sqrt(2 / nIn);
    else initParameters(weight, bias, nIn, nOut, init, random);
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
