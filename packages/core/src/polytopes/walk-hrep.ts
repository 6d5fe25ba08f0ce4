/**
 * The region walk's H-representations: the rows {z : Q z ≤ p} of the region of a point, as
 * `regionAt` computes them, with the code-independent part of the network computed once per walk.
 */
import { activationFixedImpl } from '../network/activation.js';
import { forwardAll, runNodes } from '../network/forward.js';
import { borrowNetwork } from '../network/prepared.js';
import type { PreparedNetwork } from '../network/prepared.js';
import { isActivation, sizeOf } from '../network/ir.js';
import { BiasMode, affineImpl } from '../network/kernels.js';
import type { Network } from '../network/network.js';
import { regionRows } from '../spline/region.js';
import type { RegionRow } from '../spline/region.js';

/** The H-representation the walk needs (the rows of `regionAt`). */
export interface HRep {
  readonly code: Uint8Array;
  readonly Q: Float64Array;
  readonly p: Float64Array;
  readonly rows: readonly RegionRow[];
}

/**
 * `regionAt`'s rows with the code-independent part of the network cached: the Jacobian of every
 * node that no activation precedes (e.g. the first dense layer, d×d work per region otherwise) is
 * computed once; per region only the value column and the nodes after the first activations are
 * propagated. Same kernels in the same order as `regionAt`, hence the same rows.
 */
export class RegionRows {
  private readonly fixed: boolean[];
  private readonly needed: boolean[];
  /** Gradient columns (1..d of the family) of fixed nodes read by non-fixed ones. */
  private readonly grad = new Map<number, Float64Array>();
  /** The network borrowed for the walk: node tables (gather, window, slopes) built once. */
  private readonly p: PreparedNetwork;

  constructor(private readonly net: Network) {
    this.p = borrowNetwork(net);
    const nodes = net.nodes;
    const n = nodes.length;
    const d = net.inputSize;
    const m = d + 1;
    this.fixed = nodes.map(() => false);
    for (let i = 0; i < n; i++) {
      const node = nodes[i]!;
      this.fixed[i] = i === 0 || (!isActivation(node) && node.inputs.every((j) => this.fixed[j]));
    }
    this.needed = nodes.map(() => false);
    for (const slot of net.activations) this.needed[net.activationNode(slot).inputs[0]!] = true;
    for (let i = n - 1; i >= 0; i--) if (this.needed[i]) for (const j of nodes[i]!.inputs) this.needed[j] = true;
    const frontier = new Set<number>();
    for (let i = 1; i < n; i++) {
      if (!this.needed[i] || this.fixed[i]) continue;
      for (const j of nodes[i]!.inputs) if (this.fixed[j]) frontier.add(j);
    }
    for (const slot of net.activations) {
      const j = net.activationNode(slot).inputs[0]!;
      if (this.fixed[j]) frontier.add(j);
    }
    if (frontier.size === 0) return;
    // Family of the fixed nodes with origin 0 and the identity directions (as `regionAt`).
    const blocks: (Float64Array | undefined)[] = new Array(n);
    const input = new Float64Array(d * m);
    for (let i = 0; i < d; i++) input[i * m + 1 + i] = 1;
    blocks[0] = input;
    for (let i = 1; i < n; i++) {
      const node = nodes[i]!;
      if (!this.fixed[i] || !this.needed[i]) continue;
      const xs = node.inputs.map((j) => blocks[j]!);
      if (node.type === 'reshape') blocks[i] = xs[0]!;
      else {
        const out = new Float64Array(sizeOf(node.shape) * m);
        affineImpl(out, xs, node, nodes[node.inputs[0]!]!.shape, m, BiasMode.First, this.p.table(i));
        blocks[i] = out;
      }
    }
    for (const j of frontier) this.grad.set(j, blocks[j]!);
  }

  /** The H-representation of the region of x. */
  at(x: ArrayLike<number>): HRep {
    const net = this.net;
    const nodes = net.nodes;
    const d = net.inputSize;
    const m = d + 1;
    const { values, code } = forwardAll(net, x);
    const blocks: (Float64Array | undefined)[] = new Array(nodes.length);
    for (const [j, g] of this.grad) {
      const b = g.slice();
      const v = values[j]!;
      for (let u = 0; u < v.length; u++) b[u * m] = v[u]!;
      blocks[j] = b;
    }
    const p = this.p;
    runNodes(p, blocks, {
      m,
      make: (len) => new Float64Array(len),
      bias: BiasMode.First,
      keep: true,
      skip: (i) => this.fixed[i]! || !this.needed[i],
      activation: (out, xv, node, inShape, slot, i) =>
        activationFixedImpl(out, xv, node, inShape, m, code, net.activations[slot]!.offset, BiasMode.First, p.table(i)),
    });
    return { code, ...regionRows(net, code, x, blocks) };
  }
}
