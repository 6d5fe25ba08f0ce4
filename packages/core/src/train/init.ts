/**
 * Weight initializations, as PyTorch defines them (`torch.nn.init`), for a weight with fan-in
 * `fanIn` (inputs per output: `in` for dense, `inC·kH·kW` for conv) and fan-out `fanOut`
 * (`out`, `outC·kH·kW`):
 *
 * | name             | weight                                 | bias                    |
 * |------------------|----------------------------------------|-------------------------|
 * | `pytorch`        | U(±1/√fanIn) (kaiming_uniform, a = √5) | U(±1/√fanIn)            |
 * | `he-normal`      | N(0, 2/fanIn)                          | 0                       |
 * | `he-uniform`     | U(±√(6/fanIn))                         | 0                       |
 * | `xavier-normal`  | N(0, 2/(fanIn + fanOut))               | 0                       |
 * | `xavier-uniform` | U(±√(6/(fanIn + fanOut)))              | 0                       |
 *
 * `pytorch` is the default of `nn.Linear` / `nn.Conv2d` (`reset_parameters`), so a network
 * initialized here starts from the same distribution as the dissertation's PyTorch networks.
 */
import { PolytopeError } from '../errors.js';
import type { FloatArray } from '../network/kernels.js';
import { normalSample } from '../random.js';
import type { Random } from '../random.js';

/** A weight initialisation (see `INIT_NAMES`). */
export type InitName = 'pytorch' | 'he-normal' | 'he-uniform' | 'xavier-normal' | 'xavier-uniform';

/**
 * The weight initialisations training understands.
 *
 * @example
 * INIT_NAMES.includes('he-normal'); // true
 */
export const INIT_NAMES: readonly InitName[] = ['pytorch', 'he-normal', 'he-uniform', 'xavier-normal', 'xavier-uniform'];

/**
 * Fills a layer's weight and bias in place with the named initialization.
 *
 * @example
 * const w = new Float32Array(8 * 2), b = new Float32Array(8);
 * initParameters(w, b, 2, 8, 'he-normal', seededRandom(0)); // w ~ N(0, 1), b = 0
 */
export function initParameters(weight: FloatArray, bias: FloatArray, fanIn: number, fanOut: number, init: InitName, random: Random): void {
  switch (init) {
    case 'pytorch': {
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < weight.length; i++) weight[i] = (2 * random() - 1) * bound;
      for (let i = 0; i < bias.length; i++) bias[i] = (2 * random() - 1) * bound;
      return;
    }
    case 'he-normal': {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < weight.length; i++) weight[i] = normalSample(random) * std;
      bias.fill(0);
      return;
    }
    case 'he-uniform': {
      const bound = Math.sqrt(6 / fanIn);
      for (let i = 0; i < weight.length; i++) weight[i] = (2 * random() - 1) * bound;
      bias.fill(0);
      return;
    }
    case 'xavier-normal': {
      const std = Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < weight.length; i++) weight[i] = normalSample(random) * std;
      bias.fill(0);
      return;
    }
    case 'xavier-uniform': {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < weight.length; i++) weight[i] = (2 * random() - 1) * bound;
      bias.fill(0);
      return;
    }
    default:
      throw new PolytopeError('bad-option', `unknown initialization '${String(init)}'; expected one of ${INIT_NAMES.join(', ')}`);
  }
}
