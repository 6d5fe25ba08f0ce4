/**
 * The activation region of a point as an H-representation `Q z ≤ p`: one row per ReLU-like unit
 * (two for a hard-tanh unit in its linear segment) and one per max-pool comparison, from the
 * pre-activations' exact affine forms under the point's code.
 */
import { chebyshevCenter } from '../geometry/lp.js';
import type { LpStatus } from '../geometry/lp.js';
import { sideOf } from '../geometry/predicates.js';
import { forwardWithCode, propagateFamily } from '../network/forward.js';
import { borrowNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { ActivationCode } from './code.js';

/** Where one inequality of a region comes from: activation node, unit and the state it bounds. */
export interface RegionRow {
  /** Activation node (index among activation nodes) and unit. */
  readonly layer: number;
  readonly unit: number;
  /** 'sign' (ReLU-like), 'lower'/'upper' (hard-tanh thresholds), 'argmax' (max-pool, vs tap `other`). */
  readonly kind: 'sign' | 'lower' | 'upper' | 'argmax';
  readonly other?: number;
}

/** A region as inequalities { z : p − Q z ≥ 0 }, with its code and which unit each row comes from. */
export interface Region {
  readonly code: ActivationCode;
  readonly dim: number;
  /** Row-major rows × d. */
  readonly Q: Float64Array;
  readonly p: Float64Array;
  readonly rows: readonly RegionRow[];
  /** p − Q x at the point the region was built from (all ≥ 0 up to rounding). */
  readonly slack: Float64Array;
  /** Whether z satisfies every constraint to the library's tolerance. */
  contains(z: ArrayLike<number>): boolean;
  /** Chebyshev centre and radius (largest inscribed ball), optionally inside a box. */
  chebyshev(box?: {
    lower: ArrayLike<number>;
    upper: ArrayLike<number>;
  }): Promise<{ center: Float64Array; radius: number; status: LpStatus }>;
}

/**
 * The region of x: `{ z : Q z ≤ p }` where the network has x's activation code.
 *
 * @example
 * const r = regionAt(net, x);
 * r.contains(x);                        // true
 * (await r.chebyshev()).radius;         // distance scale of the region
 */
export function regionAt(netLike: NetworkLike, x: ArrayLike<number>): Region {
  const p = borrowNetwork(netLike);
  const net = p.network;
  const d = net.inputSize;
  const { code } = forwardWithCode(p, x);
  const dirs = new Float64Array(d * d);
  for (let i = 0; i < d; i++) dirs[i * d + i] = 1;
  // Families of every node under the fixed code: column 0 = value at x, 1..d = gradient.
  const fam = propagateFamily(p, code, x, dirs, d, true);
  const { Q, p: pv, rows } = regionRows(p, code, x, fam);
  const nr = pv.length;
  const slack = new Float64Array(nr);
  const scale = new Float64Array(nr);
  const sv = new Float64Array(2);
  for (let r = 0; r < nr; r++) {
    rowSlack(Q, pv, r, d, x, sv);
    slack[r] = sv[0]!;
    scale[r] = sv[1]!;
  }
  return {
    code: ActivationCode.forNetwork(net, code),
    dim: d,
    Q,
    p: pv,
    rows,
    slack,
    contains(z) {
      for (let r = 0; r < nr; r++) {
        rowSlack(Q, pv, r, d, z, sv);
        if (sideOf(sv[0]!, sv[1]!) < 0) return false;
      }
      return true;
    },
    chebyshev(box) {
      return chebyshevCenter(Q, pv, d, box);
    },
  };
}

/**
 * The rows `Q z ≤ p` of the region with activation code `code` (one per ReLU-like unit, two per
 * hard-tanh unit in its linear part, one per max-pool comparison), from the affine families `fam`
 * of every node (column 0 = value at x, 1..d = gradient), as `regionAt` builds them.
 */
export function regionRows(
  netLike: NetworkLike,
  code: Uint8Array,
  x: ArrayLike<number>,
  fam: readonly (Float64Array | undefined)[],
): { Q: Float64Array; p: Float64Array; rows: RegionRow[] } {
  const prepared = borrowNetwork(netLike);
  prepared.requireCodes();
  const net = prepared.network;
  const d = net.inputSize;
  const m = d + 1;
  const Qrows: number[] = [];
  const p: number[] = [];
  const rows: RegionRow[] = [];
  // Row a·z ≤ b from the affine form g(z) = g(x) + ∇g·(z − x) and the requirement g(z) ≤ 0 (sign = +1) or ≥ 0 (−1).
  // With `off2`, the row is of the difference of the families at `off` and `off2` (both in Z).
  const push = (Z: Float64Array, off: number, sign: number, shift: number, row: RegionRow, off2?: number) => {
    let b = 0;
    for (let i = 0; i < d; i++) {
      let g = Z[off + 1 + i]!;
      if (off2 !== undefined) g -= Z[off2 + 1 + i]!;
      Qrows.push(sign * g);
      b += g * x[i]!;
    }
    let val = Z[off]! - shift;
    if (off2 !== undefined) val -= Z[off2]!;
    // g(z) = val + ∇g·(z − x) ≤ 0  ⇔  ∇g·z ≤ ∇g·x − val
    p.push(sign * (b - val));
    rows.push(row);
  };
  net.activations.forEach((slot, layer) => {
    const node = net.activationNode(slot);
    const Z = fam[node.inputs[0]!]!;
    for (let u = 0; u < slot.numUnits; u++) {
      const st = code[slot.offset + u]!;
      if (node.type === 'relu' || node.type === 'leaky_relu' || node.type === 'prelu') {
        // on: −g ≤ 0; off: g ≤ 0
        push(Z, u * m, st ? -1 : 1, 0, { layer, unit: u, kind: 'sign' });
      } else if (node.type === 'hardtanh') {
        if (st === 0) push(Z, u * m, 1, node.min, { layer, unit: u, kind: 'upper' });
        else if (st === 2) push(Z, u * m, -1, node.max, { layer, unit: u, kind: 'lower' });
        else {
          push(Z, u * m, -1, node.min, { layer, unit: u, kind: 'lower' });
          push(Z, u * m, 1, node.max, { layer, unit: u, kind: 'upper' });
        }
      } else {
        const t = prepared.window(slot.node);
        let src = -1;
        for (let k = t.start[u]!; k < t.start[u + 1]!; k++) if (t.slot[k] === st) src = t.taps[k]!;
        for (let k = t.start[u]!; k < t.start[u + 1]!; k++) {
          const other = t.taps[k]!;
          if (other === src) continue;
          // Z_other − Z_src ≤ 0
          push(Z, other * m, 1, 0, { layer, unit: u, kind: 'argmax', other: t.slot[k]! }, src * m);
        }
      }
    }
  });
  return { Q: Float64Array.from(Qrows), p: Float64Array.from(p), rows };
}

/** Slack p_r − Q_r·z of row r (out[0]) and its scale |p_r| + Σ_i |Q_ri z_i| (out[1]). */
function rowSlack(Q: Float64Array, p: Float64Array, r: number, d: number, z: ArrayLike<number>, out: Float64Array): void {
  let s = p[r]!;
  let sc = Math.abs(p[r]!);
  for (let i = 0; i < d; i++) {
    const t = Q[r * d + i]! * z[i]!;
    s -= t;
    sc += Math.abs(t);
  }
  out[0] = s;
  out[1] = sc;
}
