/**
 * Pruning for §3.4.5 (issue 15): magnitude masks over conv/dense weights and structural (channel)
 * removal as a real transform of a sequential conv network, producing a smaller network.
 */
import { PolytopeError } from '../errors.js';
import type { Conv2dNode, DenseNode, Node } from '../network/ir.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import type { Dataset } from './datasets.js';
import type { LossName } from './losses.js';
import { TrainableNetwork } from './model.js';
import { evaluate } from './trainer.js';
import type { Evaluation } from './trainer.js';

/** Node types that act on each channel separately (a channel's activation flows through them alone). */
const PER_CHANNEL = new Set(['relu', 'leaky_relu', 'maxpool', 'avgpool']);

function specOf(node: Node): NodeSpec {
  const spec: Record<string, unknown> = { ...node };
  delete spec['shape'];
  return spec as unknown as NodeSpec;
}

function dropOutputChannel(conv: Conv2dNode, c: number): Conv2dNode {
  const per = conv.weight.length / conv.outChannels;
  const weight = new Float64Array(conv.weight.length - per);
  weight.set(conv.weight.subarray(0, c * per), 0);
  weight.set(conv.weight.subarray((c + 1) * per), c * per);
  const bias = Float64Array.from([...conv.bias.subarray(0, c), ...conv.bias.subarray(c + 1)]);
  return { ...conv, outChannels: conv.outChannels - 1, weight, bias };
}

function dropInputChannel(conv: Conv2dNode, c: number): Conv2dNode {
  if (conv.groups !== 1) throw new PolytopeError('unsupported', 'channel removal needs ungrouped convolutions');
  const k = conv.kernel[0] * conv.kernel[1];
  const inC = conv.inChannels;
  const weight = new Float64Array(conv.outChannels * (inC - 1) * k);
  let w = 0;
  for (let o = 0; o < conv.outChannels; o++) {
    for (let i = 0; i < inC; i++) {
      if (i === c) continue;
      weight.set(conv.weight.subarray((o * inC + i) * k, (o * inC + i + 1) * k), w);
      w += k;
    }
  }
  return { ...conv, inChannels: inC - 1, weight };
}

/** Drops the feature block [from, from + count) from a dense layer's inputs (its weight columns). */
function dropDenseColumns(dense: DenseNode, from: number, count: number): DenseNode {
  const inF = dense.inFeatures;
  const weight = new Float64Array(dense.outFeatures * (inF - count));
  for (let o = 0; o < dense.outFeatures; o++) {
    const row = dense.weight.subarray(o * inF, (o + 1) * inF);
    weight.set(row.subarray(0, from), o * (inF - count));
    weight.set(row.subarray(from + count), o * (inF - count) + from);
  }
  return { ...dense, inFeatures: inF - count, weight };
}

/**
 * Removes output channel `channel` of the conv2d node `convIndex` from a sequential network (each
 * node reads the previous one): the channel's filter and bias go, and its activation is dropped
 * from every consumer (the next conv's input channel, or the dense layer's columns after flatten),
 * through any per-channel nodes (relu, leaky_relu, max/avg pool) in between. The result computes
 * exactly what the original computes with that channel's activation zeroed at its consumer.
 *
 * @example
 * const smaller = removeConvChannel(net, 1, 0);
 */
export function removeConvChannel(net: Network, convIndex: number, channel: number): Network {
  const nodes = net.nodes.map((n) => n);
  const conv = nodes[convIndex];
  if (!conv || conv.type !== 'conv2d') throw new PolytopeError('bad-option', `node ${convIndex} is not a conv2d layer`);
  if (!Number.isInteger(channel) || channel < 0 || channel >= conv.outChannels)
    throw new PolytopeError('bad-option', `channel ${channel} is out of range: conv node ${convIndex} has ${conv.outChannels} channels`);
  if (conv.outChannels === 1) throw new PolytopeError('bad-option', `cannot remove the last channel of conv node ${convIndex}`);
  nodes.forEach((n, i) => {
    if (i > 0 && (n.inputs.length !== 1 || n.inputs[0] !== i - 1))
      throw new PolytopeError('unsupported', `channel removal needs a sequential network; node ${i} does not read node ${i - 1}`);
  });
  nodes[convIndex] = dropOutputChannel(conv, channel);
  for (let i = convIndex + 1; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (PER_CHANNEL.has(n.type)) continue;
    if (n.type === 'conv2d') {
      nodes[i] = dropInputChannel(n, channel);
      return rebuild(net, nodes);
    }
    if (n.type === 'reshape' && (!n.targetShape || n.targetShape.length === 1)) {
      const inShape = nodes[i - 1]!.shape;
      const block = inShape.slice(1).reduce((a, b) => a * b, 1);
      const next = nodes[i + 1];
      if (!next || next.type !== 'dense') throw new PolytopeError('unsupported', `flatten node ${i} must feed a dense layer`);
      if (n.targetShape) nodes[i] = { ...n, targetShape: [n.targetShape[0]! - block] };
      nodes[i + 1] = dropDenseColumns(next, channel * block, block);
      return rebuild(net, nodes);
    }
    throw new PolytopeError('unsupported', `channel removal cannot pass a '${n.type}' node (node ${i})`);
  }
  throw new PolytopeError('unsupported', `conv node ${convIndex} has no consumer`);
}

function rebuild(net: Network, nodes: readonly Node[]): Network {
  return buildNetwork(net.nodes[0]!.shape, nodes.slice(1).map(specOf));
}

/**
 * A global magnitude-pruning keep mask: over the given weight tensors together, the `fraction` of
 * entries with the smallest |w| get 0 (ties broken by position), the rest 1.
 *
 * @example
 * magnitudeMask([Float64Array.of(0.1, -2, 0.5)], 1 / 3); // [Uint8Array [0, 1, 1]]
 */
export function magnitudeMask(weights: readonly ArrayLike<number>[], fraction: number): Uint8Array[] {
  if (!(fraction >= 0 && fraction <= 1)) throw new PolytopeError('bad-option', `prune fraction must be in [0, 1], got ${fraction}`);
  const all: { t: number; i: number; a: number }[] = [];
  weights.forEach((w, t) => {
    for (let i = 0; i < w.length; i++) all.push({ t, i, a: Math.abs(w[i]!) });
  });
  all.sort((p, q) => p.a - q.a || p.t - q.t || p.i - q.i);
  const masks = weights.map((w) => new Uint8Array(w.length).fill(1));
  const drop = Math.round(fraction * all.length);
  for (let k = 0; k < drop; k++) masks[all[k]!.t]![all[k]!.i] = 0;
  return masks;
}

/** One candidate of a greedy structural-pruning step. */
export interface ChannelCandidate {
  readonly convIndex: number;
  readonly channel: number;
  /** Loss (and accuracy) on the evaluation data after removing the channel. */
  readonly evaluation: Evaluation;
}

/**
 * The seed's structural step: remove each channel of each conv layer (that has more than one) in
 * turn, evaluate the loss on `data`, and return every candidate plus the one with the lowest loss
 * (ties: the first in layer, channel order).
 *
 * @example
 * const { best } = bestChannelRemoval(net, data, 'softmax-ce');
 * const smaller = removeConvChannel(net, best.convIndex, best.channel);
 */
export function bestChannelRemoval(
  net: Network,
  data: Dataset,
  loss: LossName,
): { best: ChannelCandidate; candidates: ChannelCandidate[] } {
  const candidates: ChannelCandidate[] = [];
  net.nodes.forEach((node, convIndex) => {
    if (node.type !== 'conv2d' || node.outChannels < 2) return;
    for (let channel = 0; channel < node.outChannels; channel++) {
      const small = TrainableNetwork.fromNetwork(removeConvChannel(net, convIndex, channel), { dtype: 'float64' }).network;
      candidates.push({ convIndex, channel, evaluation: evaluate(small, data, loss) });
    }
  });
  if (candidates.length === 0) throw new PolytopeError('bad-option', 'no conv layer has a channel left to remove');
  const best = candidates.reduce((a, b) => (b.evaluation.loss < a.evaluation.loss ? b : a));
  return { best, candidates };
}
