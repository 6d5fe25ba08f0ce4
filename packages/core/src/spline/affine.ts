/**
 * Exact local affine maps: on the region of x the network is `f(z) = J z + y`. J is computed by
 * propagating through the network with the activation code fixed — forward mode (push the d input
 * directions) or reverse mode (pull the output rows back), whichever costs fewer multiply-adds.
 */
import { PolytopeError } from '../errors.js';
import { activationFixedTransposeImpl } from '../network/activation.js';
import { forwardWithCode, propagateFamily } from '../network/forward.js';
import { isActivation, sizeOf } from '../network/ir.js';
import { affineTransposeImpl } from '../network/kernels.js';
import { borrowNetwork, networkOf } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { ActivationCode } from './code.js';

/** How `affineMapAt` computes the Jacobian: forward, reverse, or 'auto' (the cheaper one). */
export type JacobianMode = 'forward' | 'reverse' | 'auto';

/** An affine map z ↦ J z + offset (J row-major outputs × inputs). */
export interface AffineMap {
  /** Row-major outputs × inputs. */
  readonly jacobian: Float64Array;
  /** Offset y with f(z) = J z + y on the region. */
  readonly offset: Float64Array;
  readonly outputs: number;
  readonly inputs: number;
}

/** The affine map of the region containing a point, with that point's code and output. */
export interface LocalAffine extends AffineMap {
  readonly code: ActivationCode;
  /** f(x). */
  readonly output: Float64Array;
  /** The mode actually used. */
  readonly mode: 'forward' | 'reverse';
}

/** Chooses the cheaper mode: forward costs (d + 1) passes, reverse costs `outputs` passes (plus the forward pass for the code). */
function cheaperMode(netLike: NetworkLike): 'forward' | 'reverse' {
  const net = networkOf(netLike);
  return net.outputSize + 1 < net.inputSize + 1 ? 'reverse' : 'forward';
}

/**
 * Jacobian of the network under a fixed code by forward mode: pushes the identity through.
 *
 * @example
 * const { code } = forwardWithCode(net, x);
 * jacobianForward(net, code, x); // row-major outputs × inputs
 */
export function jacobianForward(netLike: NetworkLike, code: Uint8Array, x: ArrayLike<number>): Float64Array {
  const net = networkOf(netLike);
  const d = net.inputSize;
  const dirs = new Float64Array(d * d);
  for (let i = 0; i < d; i++) dirs[i * d + i] = 1;
  const out = propagateFamily(netLike, code, x, dirs, d)[net.output]!;
  const o = net.outputSize;
  const m = d + 1;
  const jac = new Float64Array(o * d);
  for (let r = 0; r < o; r++) for (let i = 0; i < d; i++) jac[r * d + i] = out[r * m + 1 + i]!;
  return jac;
}

/**
 * Jacobian of the network under a fixed code by reverse mode: pulls the output rows back.
 *
 * @example
 * const { code } = forwardWithCode(net, x);
 * jacobianReverse(net, code); // the same J, cheaper when outputs ≪ inputs
 */
export function jacobianReverse(netLike: NetworkLike, code: Uint8Array): Float64Array {
  const p = borrowNetwork(netLike);
  p.requireCodes();
  const net = p.network;
  const nodes = net.nodes;
  const o = net.outputSize;
  const d = net.inputSize;
  const m = o;
  const adj: (Float64Array | undefined)[] = new Array(nodes.length);
  const seed = new Float64Array(o * m);
  for (let r = 0; r < o; r++) seed[r * m + r] = 1;
  adj[net.output] = seed;
  const slotOf = new Int32Array(nodes.length).fill(-1);
  net.activations.forEach((s, i) => (slotOf[s.node] = i));
  for (let i = nodes.length - 1; i >= 1; i--) {
    const g = adj[i];
    if (!g) continue;
    const node = nodes[i]!;
    const inShape = nodes[node.inputs[0]!]!.shape;
    const gins = node.inputs.map((j) => {
      let a = adj[j];
      if (!a) {
        a = new Float64Array(sizeOf(nodes[j]!.shape) * m);
        adj[j] = a;
      }
      return a;
    });
    if (isActivation(node)) {
      activationFixedTransposeImpl(gins[0]!, g, node, inShape, m, code, net.activations[slotOf[i]!]!.offset, p.table(i));
    } else {
      affineTransposeImpl(gins, g, node, inShape, m, p.table(i));
    }
    adj[i] = undefined;
  }
  const gin = adj[0]!;
  const jac = new Float64Array(o * d);
  for (let r = 0; r < o; r++) for (let c = 0; c < d; c++) jac[r * d + c] = gin[c * m + r]!;
  return jac;
}

/**
 * The exact affine map of the network on the region of x. Reads the network for this call only
 * (pass a `PreparedNetwork` to reuse its window tables over many calls).
 *
 * @example
 * // XOR net of the dissertation: f(x) = [1, −2]·ReLU([[1, 1], [1, 1]] x + [1, 0]) − 1
 * const a = affineMapAt(xorNet, [0.25, 0.25]);   // both units on: f = −(x₁ + x₂)
 * a.jacobian; // Float64Array [-1, -1]
 * a.offset;   // Float64Array [0]
 */
export function affineMapAt(netLike: NetworkLike, x: ArrayLike<number>, options: { mode?: JacobianMode } = {}): LocalAffine {
  const p = borrowNetwork(netLike);
  const net = p.network;
  const { output, code } = forwardWithCode(p, x);
  const mode = options.mode === undefined || options.mode === 'auto' ? cheaperMode(net) : options.mode;
  const jacobian = mode === 'forward' ? jacobianForward(p, code, x) : jacobianReverse(p, code);
  const o = net.outputSize;
  const d = net.inputSize;
  const offset = new Float64Array(o);
  for (let r = 0; r < o; r++) {
    let s = output[r]!;
    for (let i = 0; i < d; i++) s -= jacobian[r * d + i]! * x[i]!;
    offset[r] = s;
  }
  if (![output, jacobian, offset].every((a) => a.every(Number.isFinite)))
    throw new PolytopeError(
      'non-finite',
      `the local affine map at this point is not finite: the network's values overflow float64 here (weights or inputs too large)`,
    );
  return { jacobian, offset, output, outputs: o, inputs: d, code: ActivationCode.forNetwork(net, code), mode };
}

/**
 * Affine map for an explicit code (no point needed): J by the cheaper mode, y by pushing the origin.
 *
 * @example
 * const { code } = forwardWithCode(net, x);
 * const { jacobian, offset } = affineMapOfCode(net, code);
 */
export function affineMapOfCode(netLike: NetworkLike, code: Uint8Array): AffineMap {
  const p = borrowNetwork(netLike);
  const net = p.network;
  const d = net.inputSize;
  const o = net.outputSize;
  const zero = new Float64Array(d);
  const jacobian = cheaperMode(net) === 'forward' ? jacobianForward(p, code, zero) : jacobianReverse(p, code);
  const y = propagateFamily(p, code, zero, new Float64Array(0), 0)[net.output]!;
  return { jacobian, offset: Float64Array.from(y.subarray(0, o)), outputs: o, inputs: d };
}
