/**
 * Random networks for tests and benchmarks (production code never imports `reference/`; the
 * generators live in ../random.ts).
 */
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { gaussian, mulberry32 } from '../random.js';
import type { Random } from '../random.js';

export type InitScheme = 'torch' | 'he' | 'xavier';

/**
 * A random MLP `widths[0] → … → widths[last]` with ReLU (or `activation`) between dense layers.
 * 'torch': PyTorch's nn.Linear default, weight and bias ~ U(±1/√fan_in); 'he': N(0, 2/fan_in)
 * weights, zero bias; 'xavier': U(±√(6/(fan_in+fan_out))), zero bias.
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
