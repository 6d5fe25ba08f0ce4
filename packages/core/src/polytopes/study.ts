/**
 * Weight transforms behind `polytope polytopes-study` (the sweeps of Fan et al., "Deep ReLU Networks
 * Have Surprisingly Simple Polytopes", arXiv 2305.09145): a copy of a network with new dense weights,
 * uniform biases, and low-rank hidden-to-hidden weights. The random draws are made in a fixed order so
 * a seed reproduces a study.
 */
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { gaussian } from '../random.js';
import type { Random } from '../random.js';

/** New weight (row-major `nOut × nIn`) and bias of one dense node. */
export interface DenseParameters {
  weight: Float64Array;
  bias: Float64Array;
}

/**
 * Called once per dense node, in order: `layer` counts dense nodes from 0, `weight` and `bias` are
 * copies the callback may modify or replace, `isLast` marks the last dense node.
 */
export type DenseMapper = (
  layer: number,
  weight: Float64Array,
  bias: Float64Array,
  nOut: number,
  nIn: number,
  isLast: boolean,
) => DenseParameters;

/**
 * A copy of `net` (same nodes, same order) whose dense weights and biases are those `f` returns.
 * The source network is not modified.
 *
 * @example
 * const net = randomMlp([2, 4, 1], { seed: 1 });
 * const zeroBias = mapDense(net, (_l, weight, bias) => ({ weight, bias: bias.fill(0) }));
 */
export function mapDense(net: Network, f: DenseMapper): Network {
  const dense = net.nodes.filter((n) => n.type === 'dense').length;
  let k = 0;
  const specs = net.nodes.slice(1).map((node) => {
    const { shape: _shape, ...spec } = node as typeof node & { shape: unknown };
    void _shape;
    if (node.type !== 'dense') return spec as NodeSpec;
    const r = f(k, Float64Array.from(node.weight), Float64Array.from(node.bias), node.outFeatures, node.inFeatures, k === dense - 1);
    k++;
    return { ...(spec as NodeSpec & { type: 'dense' }), weight: r.weight, bias: r.bias } as NodeSpec;
  });
  return buildNetwork(net.inputShape, specs);
}

/**
 * A copy of `net` with every dense bias drawn from U(−b, b) (one draw of `random` per bias entry,
 * layer by layer); weights are kept.
 *
 * @example
 * const net = uniformBiases(randomMlp([3, 16, 1], { seed: 7, init: 'he-normal' }), 0.1, mulberry32(1));
 */
export function uniformBiases(net: Network, b: number, random: Random): Network {
  return mapDense(net, (_l, weight, bias) => ({ weight, bias: bias.map(() => (2 * random() - 1) * b) }));
}

/**
 * A copy of an MLP whose hidden-to-hidden dense weights are `W = U·V · √(2/nIn)/√rank` with `U`
 * (`nOut × rank`) and `V` (`rank × nIn`) standard Gaussian (Kaiming scale, rank at most `rank`).
 * The first and last dense layers keep their weights, and so does a layer with `rank ≥ min(nOut, nIn)`.
 * Every dense bias is redrawn from U(−biasScale, biasScale). Per layer, biases are drawn first, then
 * `U`, then `V`.
 *
 * @example
 * const net = lowRankHidden(randomMlp([3, 16, 16, 16, 1], { seed: 13, init: 'he-normal' }), 2, mulberry32(33));
 */
export function lowRankHidden(net: Network, rank: number, random: Random, biasScale = 0.1): Network {
  return mapDense(net, (l, weight, bias, nOut, nIn, isLast) => {
    const nb = bias.map(() => (2 * random() - 1) * biasScale);
    if (l === 0 || isLast || rank >= Math.min(nOut, nIn)) return { weight, bias: nb };
    const U = Float64Array.from({ length: nOut * rank }, () => gaussian(random));
    const V = Float64Array.from({ length: rank * nIn }, () => gaussian(random));
    const W = new Float64Array(nOut * nIn);
    const s = Math.sqrt(2 / nIn) / Math.sqrt(rank);
    for (let o = 0; o < nOut; o++) {
      for (let i = 0; i < nIn; i++) {
        let acc = 0;
        for (let k = 0; k < rank; k++) acc += U[o * rank + k]! * V[k * nIn + i]!;
        W[o * nIn + i] = acc * s;
      }
    }
    return { weight: W, bias: nb };
  });
}
