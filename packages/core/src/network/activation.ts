/**
 * Piecewise-linear activation nodes: deciding the code at a point, and applying a node under a
 * fixed code (where it is linear) to unit-major blocks.
 *
 * Code states, one byte per unit:
 *  - relu, leaky_relu, prelu: 1 if the pre-activation is > 0, else 0 (PyTorch's derivative at 0 is 0);
 *  - hardtanh: 0 if x ≤ min (output min), 2 if x ≥ max (output max), else 1 (identity);
 *  - maxpool: the argmax's offset inside its window (ky·kW + kx), first maximum on ties, as
 *    PyTorch's CPU kernel.
 */
import { PolytopeError } from '../errors.js';
import type { ActivationNode, MaxPoolNode, PReluNode } from './ir.js';
import { BiasMode, windowOf } from './kernels.js';
import type { FloatArray, KernelTable, WindowTable } from './kernels.js';
import { MAX_WINDOW_POSITIONS, slopeTable } from './prepared.js';

/**
 * The window table of a max-pool node for a kernel call: the caller's (a prepared network's) or a
 * fresh one. Refuses windows whose argmax offset does not fit a code byte.
 */
function codeTable(node: MaxPoolNode, inShape: readonly number[], table: KernelTable | null | undefined): WindowTable {
  const [kh, kw] = node.kernel;
  if (kh * kw > MAX_WINDOW_POSITIONS) {
    throw new PolytopeError(
      'unsupported',
      `a ${kh}×${kw} max-pool window (${kh * kw} positions) does not fit a one-byte activation code (at most ${MAX_WINDOW_POSITIONS} positions)`,
    );
  }
  return windowOf(node, inShape, table);
}

/** A prelu node's per-unit slopes: the caller's table (a prepared network's) or fresh ones. */
export function slopesOf(node: PReluNode, table: KernelTable | null | undefined): Float64Array {
  return table?.kind === 'slope' ? table.slope : slopeTable(node, node.shape).slope;
}

/**
 * The slope of a ReLU-like unit in state `off` for node types relu (0) and leaky_relu (alpha), or
 * the per-unit slopes of a prelu node: `offSlope(node, table)[u]` / the scalar.
 */
function offSlopes(node: ActivationNode, table: KernelTable | null | undefined): Float64Array | number {
  if (node.type === 'prelu') return slopesOf(node, table);
  return node.type === 'leaky_relu' ? node.alpha : 0;
}

/** Forward pass of one activation node at m points (unit-major), writing codes for column `codeColumn` if given. */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function activationForwardImpl(
  out: FloatArray,
  x: FloatArray,
  node: ActivationNode,
  inShape: readonly number[],
  m: number,
  code?: Uint8Array,
  codeOffset = 0,
  table?: KernelTable | null,
): void {
  switch (node.type) {
    case 'relu': {
      for (let i = 0; i < out.length; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? v : 0;
      }
      if (code) for (let u = 0; u < out.length / m; u++) code[codeOffset + u] = x[u * m]! > 0 ? 1 : 0;
      return;
    }
    case 'leaky_relu': {
      const a = node.alpha;
      for (let i = 0; i < out.length; i++) {
        const v = x[i]!;
        out[i] = v > 0 ? v : a * v;
      }
      if (code) for (let u = 0; u < out.length / m; u++) code[codeOffset + u] = x[u * m]! > 0 ? 1 : 0;
      return;
    }
    case 'prelu': {
      const a = slopesOf(node, table);
      for (let u = 0; u < out.length / m; u++) {
        const s = a[u]!;
        for (let c = 0; c < m; c++) {
          const v = x[u * m + c]!;
          out[u * m + c] = v > 0 ? v : s * v;
        }
      }
      if (code) for (let u = 0; u < out.length / m; u++) code[codeOffset + u] = x[u * m]! > 0 ? 1 : 0;
      return;
    }
    case 'hardtanh': {
      const lo = node.min;
      const hi = node.max;
      for (let i = 0; i < out.length; i++) {
        const v = x[i]!;
        out[i] = v <= lo ? lo : v >= hi ? hi : v;
      }
      if (code) {
        for (let u = 0; u < out.length / m; u++) {
          const v = x[u * m]!;
          code[codeOffset + u] = v <= lo ? 0 : v >= hi ? 2 : 1;
        }
      }
      return;
    }
    case 'maxpool': {
      const t = code ? codeTable(node, inShape, table) : windowOf(node, inShape, table);
      const nOut = t.divisor.length;
      for (let o = 0; o < nOut; o++) {
        const s = t.start[o]!;
        const e = t.start[o + 1]!;
        for (let c = 0; c < m; c++) {
          let best = s;
          let bv = x[t.taps[s]! * m + c]!;
          for (let k = s + 1; k < e; k++) {
            const v = x[t.taps[k]! * m + c]!;
            if (v > bv) {
              bv = v;
              best = k;
            }
          }
          out[o * m + c] = bv;
          if (code && c === 0) code[codeOffset + o] = t.slot[best]!;
        }
      }
      return;
    }
  }
}

/**
 * Applies an activation node under a fixed code: each output unit is `scale · x[src] + constant`.
 * With `BiasMode.First` constants go to column 0 (affine families); with `BiasMode.None` they
 * are dropped (pure linear part).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function activationFixedImpl(
  out: FloatArray,
  x: FloatArray,
  node: ActivationNode,
  inShape: readonly number[],
  m: number,
  code: Uint8Array,
  codeOffset: number,
  mode: BiasMode,
  table?: KernelTable | null,
): void {
  const n = out.length / m;
  switch (node.type) {
    case 'relu':
    case 'leaky_relu':
    case 'prelu': {
      const off = offSlopes(node, table);
      for (let u = 0; u < n; u++) {
        const s = code[codeOffset + u] ? 1 : typeof off === 'number' ? off : off[u]!;
        const row = u * m;
        for (let c = 0; c < m; c++) out[row + c] = s * x[row + c]!;
      }
      return;
    }
    case 'hardtanh': {
      for (let u = 0; u < n; u++) {
        const st = code[codeOffset + u]!;
        const row = u * m;
        if (st === 1) for (let c = 0; c < m; c++) out[row + c] = x[row + c]!;
        else {
          const k = st === 0 ? node.min : node.max;
          for (let c = 0; c < m; c++) out[row + c] = mode === BiasMode.All || (mode === BiasMode.First && c === 0) ? k : 0;
        }
      }
      return;
    }
    case 'maxpool': {
      const t = codeTable(node, inShape, table);
      for (let o = 0; o < n; o++) {
        const src = maxPoolSource(t, o, code[codeOffset + o]!);
        const row = o * m;
        const irow = src * m;
        for (let c = 0; c < m; c++) out[row + c] = x[irow + c]!;
      }
      return;
    }
  }
}

/** Reverse mode of `activationFixedImpl` (accumulates into `gin`). */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function activationFixedTransposeImpl(
  gin: FloatArray,
  gout: FloatArray,
  node: ActivationNode,
  inShape: readonly number[],
  m: number,
  code: Uint8Array,
  codeOffset: number,
  table?: KernelTable | null,
): void {
  const n = gout.length / m;
  switch (node.type) {
    case 'relu':
    case 'leaky_relu':
    case 'prelu':
    case 'hardtanh': {
      const off = node.type === 'hardtanh' ? 0 : offSlopes(node, table);
      for (let u = 0; u < n; u++) {
        const st = code[codeOffset + u]!;
        const s = node.type === 'hardtanh' ? (st === 1 ? 1 : 0) : st ? 1 : typeof off === 'number' ? off : off[u]!;
        if (s === 0) continue;
        const row = u * m;
        for (let c = 0; c < m; c++) gin[row + c] = gin[row + c]! + s * gout[row + c]!;
      }
      return;
    }
    case 'maxpool': {
      const t = codeTable(node, inShape, table);
      for (let o = 0; o < n; o++) {
        const src = maxPoolSource(t, o, code[codeOffset + o]!);
        const row = o * m;
        const irow = src * m;
        for (let c = 0; c < m; c++) gin[irow + c] = gin[irow + c]! + gout[row + c]!;
      }
      return;
    }
  }
}

/** Input index of the tap in window `o` whose slot is `state`. */
export function maxPoolSource(t: { start: Int32Array; taps: Int32Array; slot: ArrayLike<number> }, o: number, state: number): number {
  for (let k = t.start[o]!; k < t.start[o + 1]!; k++) if (t.slot[k] === state) return t.taps[k]!;
  throw new PolytopeError('bad-option', `max-pool code state ${state} is not an in-bounds tap of window ${o}`);
}
