/**
 * Activation codes ("spline codes"): one small integer state per unit of every activation node
 * (ReLU sign, hard-tanh segment, max-pool argmax), stored compactly in a `Uint8Array`.
 */
import { PolytopeError } from '../errors.js';
import { forwardWithCode } from '../network/forward.js';
import { networkOf } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * An activation code of a network: `states[offset + u]` is unit u of an activation node.
 *
 * @example
 * const code = activationCode(net, [0.5, -0.2]);
 * code.key();            // e.g. "10" for the XOR net of the dissertation (h1 on, h2 off)
 * code.hamming(other);   // number of units whose state differs
 */
export class ActivationCode {
  readonly states: Uint8Array;
  /** Start offset of each activation node's units, plus the total at the end. */
  readonly offsets: Int32Array;

  constructor(states: Uint8Array, offsets: Int32Array) {
    this.states = states;
    this.offsets = offsets;
  }

  static forNetwork(net: NetworkLike, states: Uint8Array): ActivationCode {
    return new ActivationCode(states, codeOffsets(net));
  }

  /** Number of units. */
  get length(): number {
    return this.states.length;
  }

  /**
   * Stable string key: per activation node, one character per unit (0–9, a–z; larger max-pool
   * slots as `(n)`), nodes separated by `|`. Equal codes have equal keys and vice versa.
   */
  key(): string {
    return codeKey(this.states, this.offsets);
  }

  /** Number of units whose state differs (codes of the same network). */
  hamming(other: ActivationCode): number {
    return hammingDistance(this.states, other.states);
  }

  /** The states of activation node `layer` (0-based among activation nodes). */
  layer(layer: number): Uint8Array {
    return this.states.subarray(this.offsets[layer]!, this.offsets[layer + 1]!);
  }

  /** Parses a key produced by `key()`. */
  static fromKey(key: string, offsets: Int32Array): ActivationCode {
    const parts = key.split('|');
    const states = new Uint8Array(offsets[offsets.length - 1]!);
    if (parts.length !== offsets.length - 1)
      throw new PolytopeError('bad-option', `code key has ${parts.length} layers, expected ${offsets.length - 1}`);
    parts.forEach((part, l) => {
      let u = offsets[l]!;
      for (let i = 0; i < part.length; i++) {
        const ch = part[i]!;
        let v: number;
        if (ch === '(') {
          const end = part.indexOf(')', i);
          v = Number(part.slice(i + 1, end));
          i = end;
        } else v = DIGITS.indexOf(ch);
        if (!(v >= 0)) throw new PolytopeError('bad-option', `bad character '${ch}' in code key`);
        states[u++] = v;
      }
      if (u !== offsets[l + 1])
        throw new PolytopeError(
          'bad-option',
          `code key layer ${l} has ${u - offsets[l]!} units, expected ${offsets[l + 1]! - offsets[l]!}`,
        );
    });
    return new ActivationCode(states, offsets);
  }
}

/**
 * Offsets of every activation node's units in a network's code, with the total appended.
 *
 * @example
 * codeOffsets(net); // Int32Array: where each activation node's units start in a code
 */
export function codeOffsets(netLike: NetworkLike): Int32Array {
  const net = networkOf(netLike);
  const offsets = new Int32Array(net.activations.length + 1);
  net.activations.forEach((slot, i) => (offsets[i] = slot.offset));
  offsets[net.activations.length] = net.numUnits;
  return offsets;
}

/**
 * A compact string key of an activation code (one group per activation node), for maps and JSON.
 *
 * @example
 * const { code } = forwardWithCode(net, x);
 * codeKey(code, codeOffsets(net)); // e.g. '111|00' for a 2-3-2-1 MLP
 */
export function codeKey(states: Uint8Array, offsets: Int32Array): string {
  let s = '';
  for (let l = 0; l + 1 < offsets.length; l++) {
    if (l > 0) s += '|';
    for (let u = offsets[l]!; u < offsets[l + 1]!; u++) {
      const v = states[u]!;
      s += v < 36 ? DIGITS[v] : `(${v})`;
    }
  }
  return s;
}

/**
 * Number of units whose states differ between two codes of the same network.
 *
 * @example
 * hammingDistance(Uint8Array.of(1, 0, 1), Uint8Array.of(0, 0, 1)); // 1
 */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new PolytopeError('shape-mismatch', `codes have different lengths (${a.length} vs ${b.length})`);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/**
 * The activation code of the network at input x (float64 forward pass).
 *
 * @example
 * activationCode(net, [0.5, -0.25]).states; // one state byte per unit
 */
export function activationCode(net: NetworkLike, x: ArrayLike<number>): ActivationCode {
  return ActivationCode.forNetwork(net, forwardWithCode(net, x).code);
}
