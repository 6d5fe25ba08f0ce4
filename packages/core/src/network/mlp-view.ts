/**
 * The one "plain MLP" view of a network: a list of dense layers, each followed by at most one
 * ReLU-like activation. Truncation, the tropical form and polytope enumeration all read networks
 * through it, so they agree on which networks are MLPs and on what the layers are.
 *
 * The rule for `channel_affine` (folded batch-norm or input normalization), the only one: a
 * channel_affine node is folded exactly into an adjacent dense layer, never kept as a layer of its
 * own.
 *  - If a dense layer follows it with no activation in between, it folds into that layer's input:
 *    `W (s ⊙ x + t) + b = (W diag s) x + (W t + b)`. This covers a leading input normalization,
 *    on vectors or images (the scale and shift repeat over each channel's pixels).
 *  - Otherwise, if a dense layer precedes it with no activation in between, it folds into that
 *    layer's output: `s ⊙ (W x + b) + t = (diag s W) x + (s ⊙ b + t)`.
 *  - Otherwise (between two activations with no dense layer on either side) the network is not
 *    an MLP: a `PolytopeError('unsupported')` names the node.
 * Reshape nodes are skipped. Two dense layers with no activation between them stay two layers
 * (the first with `act: 'none'`); `mergeLinearLayers` composes them when a caller needs every
 * hidden layer to end in an activation.
 */
import { PolytopeError } from '../errors.js';
import type { Node } from './ir.js';
import { sizeOf, visitNode } from './ir.js';
import type { NodeTable } from './ir.js';
import type { Network } from './network.js';

/** One layer `x ↦ act(W x + b)`; the last layer of an MLP has `act: 'none'`. */
export interface AffineLayer {
  /** Row-major `out × in`. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly act: 'relu' | 'leaky_relu' | 'none';
  /** Leaky slope (0 for ReLU, 1 for none). */
  readonly alpha: number;
}

interface Pending {
  weight: Float64Array;
  bias: Float64Array;
  inFeatures: number;
  outFeatures: number;
}

/** A per-element scale and shift (channel values repeated over each channel's pixels). */
interface ElementAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

function elementAffine(node: Extract<Node, { type: 'channel_affine' }>): ElementAffine {
  const size = sizeOf(node.shape);
  const per = size / node.scale.length;
  return {
    scale: Float64Array.from({ length: size }, (_, k) => node.scale[Math.floor(k / per)]!),
    shift: Float64Array.from({ length: size }, (_, k) => node.shift[Math.floor(k / per)]!),
  };
}

/** W(s ⊙ x + t) + b = (W diag s) x + (W t + b). */
function foldBefore(a: ElementAffine, weight: Float64Array, bias: Float64Array, nIn: number, nOut: number): Pending {
  const w = new Float64Array(weight.length);
  const b = Float64Array.from(bias);
  for (let r = 0; r < nOut; r++) {
    for (let c = 0; c < nIn; c++) {
      w[r * nIn + c] = weight[r * nIn + c]! * a.scale[c]!;
      b[r] = b[r]! + weight[r * nIn + c]! * a.shift[c]!;
    }
  }
  return { weight: w, bias: b, inFeatures: nIn, outFeatures: nOut };
}

/** s ⊙ (W x + b) + t = (diag s W) x + (s ⊙ b + t). */
function foldAfter(a: ElementAffine, p: Pending): Pending {
  const w = new Float64Array(p.weight.length);
  const b = new Float64Array(p.outFeatures);
  for (let r = 0; r < p.outFeatures; r++) {
    const s = a.scale[r]!;
    for (let c = 0; c < p.inFeatures; c++) w[r * p.inFeatures + c] = s * p.weight[r * p.inFeatures + c]!;
    b[r] = s * p.bias[r]! + a.shift[r]!;
  }
  return { ...p, weight: w, bias: b };
}

/**
 * Reads a network as an MLP under the channel_affine rule above. Throws `PolytopeError('unsupported')`
 * naming the first node that does not fit.
 *
 * @example
 * asMlp(randomMlp([2, 3, 1])).map((l) => l.act); // ['relu', 'none']
 */
export function asMlp(net: Network): AffineLayer[] {
  return mlpLayers(net, false).map(({ weight, bias, inFeatures, outFeatures, act, alpha }) => ({
    weight,
    bias,
    inFeatures,
    outFeatures,
    act: act as AffineLayer['act'],
    alpha,
  }));
}

/** A layer of `mlpLayers`: an `AffineLayer` whose activation may also be hard-tanh (clamp to [min, max]). */
export interface PiecewiseLayer extends Omit<AffineLayer, 'act'> {
  readonly act: AffineLayer['act'] | 'hardtanh';
  /** Hard-tanh's thresholds (0 for the others). */
  readonly min: number;
  readonly max: number;
}

/**
 * `asMlp`, with hard-tanh activations allowed when `hardtanh` is true (the 2-D MLP slicer reads
 * them; truncation and the tropical form do not).
 */
export function mlpLayers(net: Network, hardtanh: boolean): PiecewiseLayer[] {
  const layers: PiecewiseLayer[] = [];
  let pending: Pending | undefined;
  /** A channel_affine waiting for the next dense layer (no dense since the last activation). */
  let lead: ElementAffine | undefined;
  const notMlp = (i: number, node: Node, why: string): never => {
    throw new PolytopeError(
      'unsupported',
      `node ${i} (${node.type}) ${why}; only sequential dense MLPs (dense, channel_affine, relu, leaky_relu, reshape) are supported here`,
    );
  };
  const activation = (node: Extract<Node, { type: 'relu' | 'leaky_relu' | 'hardtanh' }>, i: number): void => {
    if (!pending) notMlp(i, node, 'does not follow a dense layer');
    const clamp = node.type === 'hardtanh' ? { min: node.min, max: node.max } : { min: 0, max: 0 };
    layers.push({ ...pending!, act: node.type, alpha: node.type === 'leaky_relu' ? node.alpha : 0, ...clamp });
    pending = undefined;
  };
  const other = (node: Node, i: number): void => notMlp(i, node, 'is not an MLP layer');
  const table: NodeTable<void, [number]> = {
    input: other,
    reshape: () => undefined,
    dense: (node) => {
      if (pending) layers.push({ ...pending, act: 'none', alpha: 1, min: 0, max: 0 });
      pending = lead
        ? foldBefore(lead, node.weight, node.bias, node.inFeatures, node.outFeatures)
        : { weight: node.weight, bias: node.bias, inFeatures: node.inFeatures, outFeatures: node.outFeatures };
      lead = undefined;
    },
    channel_affine: (node, i) => {
      const a = elementAffine(node);
      if (lead) {
        // Two in a row: compose them, s2 ⊙ (s1 ⊙ x + t1) + t2.
        for (let k = 0; k < a.scale.length; k++) {
          a.shift[k] = a.scale[k]! * lead.shift[k]! + a.shift[k]!;
          a.scale[k] = a.scale[k]! * lead.scale[k]!;
        }
      }
      const next = nextDenseBeforeActivation(net, i);
      if (next) lead = a;
      else if (pending) {
        pending = foldAfter(a, pending);
        lead = undefined;
      } else notMlp(i, node, 'has no dense layer to fold into on either side');
    },
    relu: activation,
    leaky_relu: activation,
    hardtanh: (node, i) => (hardtanh ? activation(node, i) : other(node, i)),
    maxpool: other,
    conv2d: other,
    avgpool: other,
    global_avgpool: other,
    add: other,
    concat: other,
    pad: other,
    slice: other,
    transpose: other,
    resize: other,
    reduce_mean: other,
    broadcast_affine: other,
    prelu: other,
  };
  for (let i = 1; i < net.nodes.length; i++) {
    const node = net.nodes[i]!;
    if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) notMlp(i, node, 'does not read the node before it');
    visitNode(node, table, i);
  }
  if (pending) layers.push({ ...pending, act: 'none', alpha: 1, min: 0, max: 0 });
  if (layers.length === 0) throw new PolytopeError('unsupported', 'the network has no dense layer');
  return layers;
}

/** Whether a dense node comes after node `i` before any activation (reshape and channel_affine skipped). */
function nextDenseBeforeActivation(net: Network, i: number): boolean {
  for (let k = i + 1; k < net.nodes.length; k++) {
    const t = net.nodes[k]!.type;
    if (t === 'dense') return true;
    if (t !== 'reshape' && t !== 'channel_affine') return false;
  }
  return false;
}

/**
 * Composes every layer without an activation (except the last) into the layer after it, so each
 * hidden layer ends in an activation: `W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂)`.
 *
 * @example
 * mergeLinearLayers(asMlp(net)).filter((l) => l.act !== 'none').length; // hidden layers
 */
export function mergeLinearLayers<L extends AffineLayer | PiecewiseLayer>(layers: readonly L[]): L[] {
  const out: L[] = [];
  let pending: L | undefined;
  for (const l of layers) {
    if (!pending) {
      if (l.act === 'none') pending = l;
      else out.push(l);
      continue;
    }
    const p = pending;
    const weight = new Float64Array(l.outFeatures * p.inFeatures);
    const bias = Float64Array.from(l.bias);
    for (let o = 0; o < l.outFeatures; o++) {
      for (let k = 0; k < l.inFeatures; k++) {
        const w = l.weight[o * l.inFeatures + k]!;
        if (w === 0) continue;
        bias[o] = bias[o]! + w * p.bias[k]!;
        for (let j = 0; j < p.inFeatures; j++)
          weight[o * p.inFeatures + j] = weight[o * p.inFeatures + j]! + w * p.weight[k * p.inFeatures + j]!;
      }
    }
    const merged: L = { ...l, weight, bias, inFeatures: p.inFeatures };
    if (l.act === 'none') pending = merged;
    else {
      out.push(merged);
      pending = undefined;
    }
  }
  if (pending) out.push(pending);
  return out;
}
