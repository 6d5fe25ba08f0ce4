/**
 * The partition engine's view of a prepared network: one *stage* per activation node, with the
 * affine nodes evaluated after it (its *chain*) and the chain's cached linear response to each
 * unit. Stages are pure functions of the weights, built once per `PreparedNetwork` and never
 * written by a run (per-run state lives in `Workspace`).
 */
import { maxPoolSource, slopesOf } from '../network/activation.js';
import { sizeOf } from '../network/ir.js';
import type { ActivationNode, DenseNode } from '../network/ir.js';
import { BiasMode, affineImpl } from '../network/kernels.js';
import type { GatherScratch, WindowTable } from '../network/kernels.js';
import type { ActivationSlot, Network } from '../network/network.js';
import { prepareNetwork } from '../network/prepared.js';
import type { NetworkLike, PreparedNetwork } from '../network/prepared.js';

export interface Stage {
  readonly index: number;
  readonly slot: ActivationSlot;
  readonly node: ActivationNode;
  readonly nodeIndex: number;
  readonly inputIndex: number;
  readonly inShape: readonly number[];
  /** Affine nodes evaluated after this activation, up to the next one. */
  readonly chain: readonly number[];
  /** Chain nodes (and possibly the activation itself) still read after the chain. */
  readonly live: readonly number[];
  readonly keepOutput: boolean;
  readonly boundary: number;
  readonly table: WindowTable | null;
  /** Per-unit negative slopes of a prelu stage (null for other activations). */
  readonly slopes: Float64Array | null;
  /** Cached chain responses per activation-output unit: one array per `live` chain node (filled on first use). */
  readonly columns: (Float64Array[] | undefined)[];
  /** Chain inputs from outside the chain (skip connections), other than the activation itself. */
  readonly external: readonly number[];
  /** For each live chain node, whether it is the next stage's input (where rank-one deltas are tracked). */
  readonly nextInputLive: number;
  readonly outSize: number;
  /** The chain's only node when it is one dense layer (the MLP case: direct kernels, no chain bookkeeping). */
  readonly dense: DenseNode | null;
  /** That dense layer's weight transposed to in×out (rank-one responses accumulate its rows). */
  readonly denseT: Float64Array | null;
  /** Index of the network output among `live` (−1 if it is not a live chain node). */
  readonly outputLive: number;
}

/** A prepared network with the engine's stages. */
export interface EngineNetwork {
  readonly prepared: PreparedNetwork;
  readonly net: Network;
  readonly stages: readonly Stage[];
  /** Affine nodes before the first activation, and those of them still read after it. */
  readonly prefix: readonly number[];
  readonly prefixLive: readonly number[];
  /** Largest max-pool window (1 if none). */
  readonly maxWindow: number;
}

/** The engine's view of `net` (prepared afresh for a plain network; built once per prepared network). */
export function engineNetwork(net: NetworkLike): EngineNetwork {
  return prepareNetwork(net).memo('regions/engine', makeEngineNetwork);
}

function makeEngineNetwork(prepared: PreparedNetwork): EngineNetwork {
  prepared.requireCodes();
  const net = prepared.network;
  const nodes = net.nodes;
  const actIdx = net.activations.map((s) => s.node);
  const first = actIdx.length ? actIdx[0]! : nodes.length;
  const prefix: number[] = [];
  for (let i = 1; i < first; i++) prefix.push(i);
  const prefixLive = [0, ...prefix].filter((i) => net.lastUse[i]! >= first);
  const stages = net.activations.map((slot, s) => makeStage(prepared, slot, s, actIdx));
  const maxWindow = stages.reduce((a, st) => Math.max(a, st.table ? maxWindowSize(st.table) : 0), 1);
  return { prepared, net, stages, prefix, prefixLive, maxWindow };
}

function makeStage(prepared: PreparedNetwork, slot: ActivationSlot, s: number, actIdx: readonly number[]): Stage {
  const net = prepared.network;
  const nodes = net.nodes;
  const nodeIndex = slot.node;
  const node = nodes[nodeIndex] as ActivationNode;
  const boundary = s + 1 < actIdx.length ? actIdx[s + 1]! : nodes.length;
  const chain: number[] = [];
  for (let i = nodeIndex + 1; i < boundary; i++) chain.push(i);
  const live = chain.filter((i) => net.lastUse[i]! >= boundary);
  const only = chain.length === 1 ? nodes[chain[0]!]! : null;
  const dense = only && only.type === 'dense' && only.inputs[0] === nodeIndex && live.length === 1 && live[0] === chain[0] ? only : null;
  return {
    index: s,
    slot,
    node,
    nodeIndex,
    inputIndex: node.inputs[0]!,
    inShape: nodes[node.inputs[0]!]!.shape,
    chain,
    live,
    keepOutput: net.lastUse[nodeIndex]! >= boundary,
    boundary,
    table: node.type === 'maxpool' ? prepared.window(nodeIndex) : null,
    slopes: node.type === 'prelu' ? slopesOf(node, prepared.table(nodeIndex)) : null,
    columns: new Array(sizeOf(node.shape)).fill(undefined),
    external: [...new Set(chain.flatMap((i) => nodes[i]!.inputs))].filter((j) => j !== nodeIndex && !chain.includes(j)),
    nextInputLive: s + 1 < actIdx.length ? live.indexOf(nodes[actIdx[s + 1]!]!.inputs[0]!) : -1,
    outSize: sizeOf(node.shape),
    dense,
    denseT: dense ? prepared.transposed(chain[0]!) : null,
    outputLive: live.indexOf(net.output),
  };
}

function maxWindowSize(t: WindowTable): number {
  let p = 0;
  for (let o = 0; o + 1 < t.start.length; o++) p = Math.max(p, t.start[o + 1]! - t.start[o]!);
  return p;
}

/** Evaluates a list of affine nodes; `get` supplies earlier tensors (undefined → zeros). */
export function evalChain(
  prepared: PreparedNetwork,
  chain: readonly number[],
  get: (i: number) => Float64Array | undefined,
  m: number,
  mode: BiasMode,
  scratch?: GatherScratch,
): Map<number, Float64Array> {
  const nodes = prepared.network.nodes;
  const results = new Map<number, Float64Array>();
  const zeros = new Map<number, Float64Array>();
  const fetch = (j: number): Float64Array => {
    const r = results.get(j) ?? get(j);
    if (r) return r;
    let z = zeros.get(j);
    if (!z) {
      z = new Float64Array(sizeOf(nodes[j]!.shape) * m);
      zeros.set(j, z);
    }
    return z;
  };
  for (const i of chain) {
    const node = nodes[i]!;
    const xs = node.inputs.map(fetch);
    if (node.type === 'reshape') {
      results.set(i, xs[0]!);
      continue;
    }
    const out = new Float64Array(sizeOf(node.shape) * m);
    affineImpl(out, xs, node, nodes[node.inputs[0]!]!.shape, m, mode, prepared.table(i), scratch);
    results.set(i, out);
  }
  return results;
}

/** The chain's linear response to unit j of the stage's activation output (built once per prepared network). */
export function columnOf(prepared: PreparedNetwork, stage: Stage, j: number): Float64Array[] {
  let col = stage.columns[j];
  if (col) return col;
  const e = new Float64Array(stage.outSize);
  e[j] = 1;
  const res = evalChain(prepared, stage.chain, (i) => (i === stage.nodeIndex ? e : undefined), 1, BiasMode.None);
  col = stage.live.map((i) => res.get(i)!);
  stage.columns[j] = col;
  return col;
}

/**
 * Writes output row j of the activation (m values) for state `st` given its input family Z.
 * Each output unit is `scale · Z[src] + constant`.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function activationRow(stage: Stage, Z: Float64Array, j: number, st: number, m: number, out: Float64Array, outOff: number): void {
  const node = stage.node;
  switch (node.type) {
    case 'relu':
      for (let c = 0; c < m; c++) out[outOff + c] = st ? Z[j * m + c]! : 0;
      return;
    case 'leaky_relu':
    case 'prelu': {
      const s = st ? 1 : node.type === 'prelu' ? stage.slopes![j]! : node.alpha;
      for (let c = 0; c < m; c++) out[outOff + c] = s * Z[j * m + c]!;
      return;
    }
    case 'hardtanh':
      if (st === 1) for (let c = 0; c < m; c++) out[outOff + c] = Z[j * m + c]!;
      else {
        out[outOff] = st === 0 ? node.min : node.max;
        for (let c = 1; c < m; c++) out[outOff + c] = 0;
      }
      return;
    case 'maxpool': {
      const src = maxPoolSource(stage.table!, j, st);
      for (let c = 0; c < m; c++) out[outOff + c] = Z[src * m + c]!;
      return;
    }
  }
}
