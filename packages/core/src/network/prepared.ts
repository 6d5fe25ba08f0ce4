/**
 * A prepared network: an immutable private copy of a network's weights together with everything
 * derived from them that is worth keeping between calls — window tables, transposed dense
 * weights, and the partition engine's stages with their cached column responses.
 *
 * Nothing here is keyed by the caller's objects and nothing is shared between prepared networks,
 * so editing the source network's arrays after `prepareNetwork` changes nothing, and two prepared
 * networks (or two threads, each with its own) never see each other's caches. Per-run state
 * (scratch buffers, arenas, incremental bases) lives in the run, never here.
 *
 * Every entry point that takes a network accepts a `Network` or a `PreparedNetwork`. Given a
 * plain `Network`, a partition (slice, line, unit plan) prepares it afresh for that call, and a
 * point query (forward pass, affine map, region) reads it for the duration of the call only; so
 * prepare once when making repeated calls on the same network:
 *
 * @example
 * const prepared = prepareNetwork(net);
 * for (const plane of planes) slicePlane(prepared, plane, box);   // stages and columns built once
 */
import { PolytopeError } from '../errors.js';
import { InternalError } from '../errors.js';
import { isActivation, isGather } from './ir.js';
import type { DenseNode, Node, PReluNode, Shape } from './ir.js';
import { broadcastIndex, gatherTable } from './gather.js';
import { transposedWeight, windowTable } from './kernels.js';
import type { KernelTable, SlopeTable, WindowTable } from './kernels.js';
import { Network } from './network.js';

/**
 * Max-pool code states are one byte (`Uint8Array` codes), so a window may have at most this many positions.
 *
 * @example
 * kh * kw <= MAX_WINDOW_POSITIONS; // a 16×16 window fits, 17×17 is refused with PolytopeError('unsupported')
 */
export const MAX_WINDOW_POSITIONS = 256;

/**
 * Activation units per network such that edge labels `unit · 256 + state` fit an Int32 label
 * (2²³ units; the engine refuses larger networks).
 */
const MAX_LABELLED_UNITS = 1 << 23;

/**
 * A network prepared for repeated calls (see `prepareNetwork`): a private, frozen copy of the
 * weights that owns every cache derived from them (window tables, transposed weights, the partition
 * engine's stages and column responses). Every entry point that takes a `Network` also takes one.
 *
 * @example
 * const p = prepareNetwork(net);
 * p.network.inputSize;          // the frozen copy's shapes
 * affineMapAt(p, x);            // no per-call preparation
 */
export class PreparedNetwork {
  /** The network this preparation owns (a private copy of the weights unless borrowed for one call). */
  readonly network: Network;
  private readonly tables: (KernelTable | null | undefined)[];
  private readonly transposedWeights: (Float64Array | undefined)[];
  private readonly memos = new Map<string, unknown>();
  private codeCheck: string | null | undefined;

  /** Use `prepareNetwork`. */
  constructor(network: Network, token: typeof CONSTRUCT) {
    if (token !== CONSTRUCT) throw new TypeError('use prepareNetwork(net) to prepare a network');
    this.network = network;
    this.tables = new Array(network.nodes.length);
    this.transposedWeights = new Array(network.nodes.length);
  }

  /**
   * The table of node i, built once: the window table of a pooling node, the gather table of a
   * gather node (add, concat, pad, slice, transpose, resize, reduce_mean, broadcast_affine), the
   * per-unit slopes of a prelu node, the packed-weight cache of a convolution; null for other nodes.
   */
  table(i: number): KernelTable | null {
    let t = this.tables[i];
    if (t === undefined) {
      const nodes = this.network.nodes;
      const node = nodes[i]!;
      const inShapes = node.inputs.map((j) => nodes[j]!.shape);
      if (node.type === 'avgpool' || node.type === 'maxpool') t = windowTable(node, inShapes[0]!);
      else if (isGather(node)) t = gatherTable(node, inShapes);
      else if (node.type === 'prelu') t = slopeTable(node, node.shape);
      else if (node.type === 'conv2d') t = { kind: 'conv', packed: new Map() };
      else t = null;
      this.tables[i] = t;
    }
    return t;
  }

  /** The window table of pooling node i. */
  window(i: number): WindowTable {
    const t = this.table(i);
    if (t?.kind !== 'window') throw new InternalError(`node ${i} is not a pooling node`);
    return t;
  }

  /** Dense node i's weight transposed to in×out, built once. */
  transposed(i: number): Float64Array {
    let t = this.transposedWeights[i];
    if (!t) {
      t = transposedWeight(this.network.nodes[i] as DenseNode);
      this.transposedWeights[i] = t;
    }
    return t;
  }

  /**
   * A value derived from the weights alone, built on first use and kept (e.g. the partition
   * engine's stages). `make` must be a pure function of the network.
   */
  memo<T>(key: string, make: (p: PreparedNetwork) => T): T {
    let v = this.memos.get(key) as T | undefined;
    if (v === undefined) {
      v = make(this);
      this.memos.set(key, v);
    }
    return v;
  }

  /**
   * Throws unless activation codes of this network fit one byte per unit: every max-pool window
   * must have at most `MAX_WINDOW_POSITIONS` positions (states are window offsets ky·kW + kx).
   */
  requireCodes(): void {
    if (this.codeCheck === undefined) this.codeCheck = codeWidthProblem(this.network);
    if (this.codeCheck !== null) throw new PolytopeError('unsupported', this.codeCheck);
  }
}

const CONSTRUCT = Symbol('PreparedNetwork');

/** A network as the library's entry points take it: plain, or prepared once for repeated calls. */
export type NetworkLike = Network | PreparedNetwork;

/**
 * Prepares a network for repeated calls: copies its weights (so later edits of the source arrays
 * change nothing), freezes the copied nodes, and owns every cache derived from them. A prepared
 * network is returned as it is.
 *
 * @example
 * const p = prepareNetwork(net);
 * const a = slicePlane(p, inputPlane(net), [-1, 1, -1, 1]);
 * net.nodes[1].weight[0] = 5;      // no effect on p
 * const b = slicePlane(p, inputPlane(net), [-1, 1, -1, 1]);   // identical to a
 */
export function prepareNetwork(net: NetworkLike): PreparedNetwork {
  if (net instanceof PreparedNetwork) return net;
  return new PreparedNetwork(new Network(net.nodes.map(copyNode)), CONSTRUCT);
}

/**
 * The network for one call that keeps nothing beyond it and calls nothing back (a forward pass, an
 * affine map): a prepared network as it is, a plain one wrapped without copying its weights.
 */
export function borrowNetwork(net: NetworkLike): PreparedNetwork {
  return net instanceof PreparedNetwork ? net : new PreparedNetwork(net, CONSTRUCT);
}

/**
 * The plain network behind a `NetworkLike` (for shapes and sizes).
 *
 * @example
 * networkOf(prepareNetwork(net)).inputSize === net.inputSize; // true
 */
export function networkOf(net: NetworkLike): Network {
  return net instanceof PreparedNetwork ? net.network : net;
}

/**
 * A prelu node's slope broadcast to one value per unit.
 *
 * @example
 * slopeTable(node, [2, 3, 3]).slope.length; // 18
 */
export function slopeTable(node: Omit<PReluNode, 'shape' | 'inputs'>, shape: Shape): SlopeTable {
  const idx = broadcastIndex(shape, node.slopeShape);
  return { kind: 'slope', slope: Float64Array.from(idx, (k) => node.slope[k]!) };
}

/** A frozen copy of a node with its own typed arrays and lists. */
function copyNode(node: Node): Node {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(node)) {
    if (ArrayBuffer.isView(v)) out[key] = (v as Float64Array).slice();
    else if (Array.isArray(v)) out[key] = Object.freeze(v.slice());
    else out[key] = v;
  }
  return Object.freeze(out) as unknown as Node;
}

/** Why this network's codes do not fit one byte per unit (or its labels an Int32), or null. */
function codeWidthProblem(net: Network): string | null {
  for (let i = 0; i < net.nodes.length; i++) {
    const node = net.nodes[i]!;
    if (!isActivation(node) || node.type !== 'maxpool') continue;
    const [kh, kw] = node.kernel;
    if (kh * kw > MAX_WINDOW_POSITIONS) {
      const name = node.name ? ` '${node.name}'` : '';
      return `max-pool node ${i}${name} has a ${kh}×${kw} window (${kh * kw} positions); activation codes store one byte per unit, so a window may have at most ${MAX_WINDOW_POSITIONS} positions (16×16). Forward passes without codes (forward, forwardBatch) still work; regions, maps and slices need a smaller window`;
    }
  }
  if (net.numUnits >= MAX_LABELLED_UNITS)
    return `the network has ${net.numUnits} activation units; region edge labels (unit · 256 + state) support at most ${MAX_LABELLED_UNITS - 1}`;
  return null;
}
