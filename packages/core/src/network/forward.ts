/**
 * Forward passes: float64 at single points (with the activation code), float32 batches for
 * throughput, and fixed-code propagation of affine families (forward-mode Jacobians, slices).
 */
import { PolytopeError } from '../errors.js';
import { activationFixedImpl, activationForwardImpl } from './activation.js';
import { isActivation, sizeOf } from './ir.js';
import type { ActivationNode, Node, Shape } from './ir.js';
import { BiasMode, affineImpl } from './kernels.js';
import type { FloatArray } from './kernels.js';
import { borrowNetwork, networkOf } from './prepared.js';
import type { NetworkLike, PreparedNetwork } from './prepared.js';
import { GatherScratch } from './kernels.js';

function checkInput(netLike: NetworkLike, x: ArrayLike<number>, what = 'input'): void {
  const net = networkOf(netLike);
  if (x.length !== net.inputSize) {
    throw new PolytopeError(
      'shape-mismatch',
      `${what} has ${x.length} values but the network expects ${net.inputSize} (shape [${net.inputShape.join(', ')}])`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new PolytopeError('non-finite', `${what} has a non-finite value (${x[i]}) at index ${i}`);
  }
}

/**
 * Runs the network on m columns at once (unit-major blocks). Returns every node's block when
 * `keep` is set, otherwise only the output. Writes the activation code of column 0 into `code`.
 */
function runBlocks<T extends FloatArray>(
  netLike: NetworkLike,
  input: T,
  m: number,
  make: (n: number) => T,
  code?: Uint8Array,
  keep = false,
): T[] {
  const p = borrowNetwork(netLike);
  if (code) p.requireCodes();
  const net = p.network;
  const blocks: (T | undefined)[] = new Array(net.nodes.length);
  blocks[0] = input;
  return runNodes(p, blocks, {
    m,
    make,
    bias: BiasMode.All,
    keep,
    activation: (out, x, node, inShape, slot, i) =>
      activationForwardImpl(out, x, node, inShape, m, code, code ? net.activations[slot]!.offset : 0, p.table(i)),
  }) as T[];
}

/** How `runNodes` evaluates the nodes of a network on unit-major blocks of m columns. */
export interface NodeRun<T extends FloatArray> {
  /** Columns per block. */
  readonly m: number;
  /** Allocates a block of n values. */
  readonly make: (n: number) => T;
  /** Which columns of an affine node get its bias. */
  readonly bias: BiasMode;
  /** The activation step of node i (the `slot`-th activation node) from its input block x into out. */
  readonly activation: (out: T, x: T, node: ActivationNode, inShape: Shape, slot: number, i: number) => void;
  /** Nodes to leave alone (their blocks stay as the caller set them). */
  readonly skip?: (i: number) => boolean;
  /** An affine node i computed by the caller into `out` (true), else (false) by `affineImpl`. */
  readonly affine?: (out: T, xs: T[], node: Node, inShape: Shape, i: number) => boolean;
  /** Keep every block (default: a block is dropped after its last reader, except the input's). */
  readonly keep?: boolean;
}

/**
 * The one loop that interprets a network node by node (forward passes, affine families, the walk's
 * H-representation rows): reshape passes its block through, affine nodes go through `affineImpl`,
 * activation nodes through `run.activation`. `blocks[0]` (and any block a skipped node's readers need)
 * must be set by the caller.
 */
export function runNodes<T extends FloatArray>(p: PreparedNetwork, blocks: (T | undefined)[], run: NodeRun<T>): (T | undefined)[] {
  const net = p.network;
  const nodes = net.nodes;
  const scratch = new GatherScratch();
  let slot = 0;
  for (let i = 1; i < nodes.length; i++) {
    const node = nodes[i]!;
    const act = isActivation(node);
    if (!run.skip?.(i)) blocks[i] = evaluateNode(p, i, blocks, { run, slot, scratch });
    if (act) slot++;
    if (!run.keep) for (const j of node.inputs) if (net.lastUse[j] === i && j !== 0) blocks[j] = undefined;
  }
  return blocks;
}

/** One node of `runNodes`. */
function evaluateNode<T extends FloatArray>(
  p: PreparedNetwork,
  i: number,
  blocks: (T | undefined)[],
  at: { run: NodeRun<T>; slot: number; scratch: GatherScratch },
): T {
  const nodes = p.network.nodes;
  const node = nodes[i]!;
  const xs = node.inputs.map((j) => blocks[j]!);
  if (node.type === 'reshape') return xs[0]!;
  const inShape = nodes[node.inputs[0]!]!.shape;
  const out = at.run.make(sizeOf(node.shape) * at.run.m);
  if (isActivation(node)) at.run.activation(out, xs[0]!, node, inShape, at.slot, i);
  else if (!at.run.affine?.(out, xs, node, inShape, i)) affineImpl(out, xs, node, inShape, at.run.m, at.run.bias, p.table(i), at.scratch);
  return out;
}

/**
 * Exact (float64) forward pass at one point.
 *
 * @example
 * forward(net, [0.5, -0.25]); // Float64Array of net.outputSize values
 */
export function forward(net: NetworkLike, x: ArrayLike<number>): Float64Array {
  checkInput(net, x);
  const blocks = runBlocks(net, Float64Array.from(x), 1, (n) => new Float64Array(n));
  return blocks[networkOf(net).output]!;
}

/**
 * Float64 forward pass returning the output and the activation code.
 *
 * @example
 * const { output, code } = forwardWithCode(net, [0.5, -0.25]); // code: one state byte per unit
 */
export function forwardWithCode(netLike: NetworkLike, x: ArrayLike<number>): { output: Float64Array; code: Uint8Array } {
  checkInput(netLike, x);
  const net = networkOf(netLike);
  const code = new Uint8Array(net.numUnits);
  const blocks = runBlocks(netLike, Float64Array.from(x), 1, (n) => new Float64Array(n), code);
  return { output: blocks[net.output]!, code };
}

/** Float64 forward pass keeping every node's value (for per-layer analyses and H-representations). */
export function forwardAll(netLike: NetworkLike, x: ArrayLike<number>): { values: Float64Array[]; code: Uint8Array } {
  checkInput(netLike, x);
  const code = new Uint8Array(networkOf(netLike).numUnits);
  const values = runBlocks(netLike, Float64Array.from(x), 1, (n) => new Float64Array(n), code, true);
  return { values, code };
}

/**
 * Batched float32 forward pass. `xs` is row-major `[batch][inputSize]`; returns `[batch][outputSize]`.
 * Throughput path: no codes, float32 arithmetic.
 *
 * @example
 * const ys = forwardBatch(net, Float32Array.of(0, 0, 1, 1), 2); // 2 samples of a 2-input net
 */
export function forwardBatch(netLike: NetworkLike, xs: Float32Array | Float64Array, batch: number): Float32Array {
  const net = networkOf(netLike);
  if (xs.length !== batch * net.inputSize) {
    throw new PolytopeError('shape-mismatch', `batch of ${batch} needs ${batch * net.inputSize} values, got ${xs.length}`);
  }
  const d = net.inputSize;
  const input = new Float32Array(d * batch);
  for (let b = 0; b < batch; b++) for (let i = 0; i < d; i++) input[i * batch + b] = xs[b * d + i]!;
  const out = runBlocks(netLike, input, batch, (n) => new Float32Array(n))[net.output]!;
  const o = net.outputSize;
  const res = new Float32Array(batch * o);
  for (let b = 0; b < batch; b++) for (let j = 0; j < o; j++) res[b * o + j] = out[j * batch + b]!;
  return res;
}

/**
 * Propagates the affine family `origin + D t` (D: d×k, row-major `dirs[i*k + j]`) through the
 * network with the activation code fixed. Returns every node's family block (unit-major, m = k+1,
 * column 0 = value at t = 0) when `keep`, else only the output's at index `net.output`.
 */
export function propagateFamily(
  netLike: NetworkLike,
  code: Uint8Array,
  origin: ArrayLike<number>,
  dirs: ArrayLike<number>,
  k: number,
  keep = false,
): Float64Array[] {
  const p = borrowNetwork(netLike);
  p.requireCodes();
  const net = p.network;
  const d = net.inputSize;
  const m = k + 1;
  const input = new Float64Array(d * m);
  for (let i = 0; i < d; i++) {
    input[i * m] = origin[i]!;
    for (let j = 0; j < k; j++) input[i * m + 1 + j] = dirs[i * k + j]!;
  }
  const blocks: (Float64Array | undefined)[] = new Array(net.nodes.length);
  blocks[0] = input;
  runNodes(p, blocks, {
    m,
    make: (n) => new Float64Array(n),
    bias: BiasMode.First,
    keep,
    activation: (out, x, node, inShape, slot, i) =>
      activationFixedImpl(out, x, node, inShape, m, code, net.activations[slot]!.offset, BiasMode.First, p.table(i)),
  });
  return blocks as Float64Array[];
}
