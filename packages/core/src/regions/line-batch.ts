/**
 * One batched pass of the sampled line partition (line-sampled.ts): for B parameters t_s on the
 * segment x(t) = x0 + t·dir, the exact piece that contains each x(t_s).
 *
 * Two unit-major blocks of B columns travel through the network together: the values at the
 * samples (a float64 forward pass, bias in every column) and the slopes d/dt (no bias), where each
 * activation node applies to a sample's slope column the code its value column decides. Every
 * pre-activation of sample s along its own piece is then `v + g·τ` (τ = t − t_s), so the piece
 * ends where the first unit leaves its state's interval: for ReLU-like units the zero of v + g·τ,
 * for hard-tanh the crossing of min or max, for max-pool the first tap whose line overtakes the
 * argmax. A piece of a fixed code is convex, so along the line it is one interval, and these
 * crossings give both of its ends exactly (to rounding), whatever the samples between them.
 */
import type { ActivationNode } from '../network/ir.js';
import { isActivation, sizeOf } from '../network/ir.js';
import { BiasMode, GatherScratch, affineImpl } from '../network/kernels.js';
import type { KernelTable } from '../network/kernels.js';
import { slopesOf } from '../network/activation.js';
import { InternalError } from '../errors.js';
import type { PreparedNetwork } from '../network/prepared.js';

/** The node types the sampled line partition handles (others use the reference engine). */
export const SAMPLED_LINE_NODE_TYPES: ReadonlySet<string> = new Set([
  'input',
  'dense',
  'conv2d',
  'channel_affine',
  'avgpool',
  'global_avgpool',
  'reshape',
  'add',
  'concat',
  'pad',
  'slice',
  'transpose',
  'resize',
  'reduce_mean',
  'broadcast_affine',
  'relu',
  'leaky_relu',
  'prelu',
  'hardtanh',
  'maxpool',
]);

/** The pieces around B samples: extents relative to each sample, the units that end them, codes, output families. */
export interface SampleBatch {
  readonly count: number;
  /** Per sample: τ_lo ≤ 0 ≤ τ_hi, the piece is [t_s + τ_lo, t_s + τ_hi] (±Infinity where no unit ends it). */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  /** Unit that ends the piece at τ_hi / τ_lo (−1 where none). */
  readonly hiUnit: Int32Array;
  readonly loUnit: Int32Array;
  /** Codes, sample-major: sample s's code is `codes.subarray(s·numUnits, (s+1)·numUnits)`. */
  readonly codes: Uint8Array;
  /** Output values and slopes at the samples, unit-major (`[r·B + s]`). */
  readonly value: Float64Array;
  readonly slope: Float64Array;
}

/** Per-pass state shared by the activation steps. */
interface PassState {
  readonly b: number;
  readonly numUnits: number;
  readonly res: SampleBatch;
}

/**
 * Runs the B samples `ts` through the network; `step` is called after every node (the caller's
 * chance to yield or stop). Pure in its arguments.
 */
export function* sampleBatch(
  p: PreparedNetwork,
  x0: ArrayLike<number>,
  dir: ArrayLike<number>,
  ts: ArrayLike<number>,
): Generator<void, SampleBatch, void> {
  const net = p.network;
  const b = ts.length;
  const d = net.inputSize;
  const nu = net.numUnits;
  const res = emptyBatch(b, nu);
  const vals: (Float64Array | undefined)[] = new Array(net.nodes.length);
  const slopes: (Float64Array | undefined)[] = new Array(net.nodes.length);
  const [v0, g0] = inputBlocks(x0, dir, ts, d);
  vals[0] = v0;
  slopes[0] = g0;
  const st: PassState = { b, numUnits: nu, res };
  const scratch = new GatherScratch();
  const pool = new BlockPool();
  let slot = 0;
  for (let i = 1; i < net.nodes.length; i++) {
    const node = net.nodes[i]!;
    const inShape = net.nodes[node.inputs[0]!]!.shape;
    if (node.type === 'reshape') {
      vals[i] = vals[node.inputs[0]!];
      slopes[i] = slopes[node.inputs[0]!];
    } else {
      const n = sizeOf(node.shape) * b;
      const v = pool.take(n);
      const g = pool.take(n);
      if (isActivation(node)) {
        activationStep(
          st,
          { node, table: p.table(i), offset: net.activations[slot++]!.offset },
          [vals[node.inputs[0]!]!, slopes[node.inputs[0]!]!],
          [v, g],
        );
      } else {
        affineImpl(
          v,
          node.inputs.map((j) => vals[j]!),
          node,
          inShape,
          b,
          BiasMode.All,
          p.table(i),
          scratch,
        );
        affineImpl(
          g,
          node.inputs.map((j) => slopes[j]!),
          node,
          inShape,
          b,
          BiasMode.None,
          p.table(i),
          scratch,
        );
      }
      vals[i] = v;
      slopes[i] = g;
    }
    for (const j of node.inputs) {
      if (net.lastUse[j] === i) {
        const [v, g] = [vals[j], slopes[j]];
        vals[j] = undefined;
        slopes[j] = undefined;
        // Reused by later nodes unless a reshape still shares it.
        if (v && !vals.includes(v)) pool.give(v);
        if (g && !slopes.includes(g)) pool.give(g);
      }
    }
    yield;
  }
  return { ...res, value: vals[net.output]!, slope: slopes[net.output]! };
}

/**
 * Blocks of one pass no node reads any more, handed to later nodes of the same length (zeroed, as
 * new): a ResNet pass then allocates about its peak live set instead of every node's blocks.
 */
class BlockPool {
  private readonly free = new Map<number, Float64Array[]>();
  take(n: number): Float64Array {
    const a = this.free.get(n)?.pop();
    return a ? a.fill(0) : new Float64Array(n);
  }
  give(a: Float64Array): void {
    const list = this.free.get(a.length);
    if (list) list.push(a);
    else this.free.set(a.length, [a]);
  }
}

function emptyBatch(b: number, nu: number): SampleBatch {
  return {
    count: b,
    lo: new Float64Array(b).fill(-Infinity),
    hi: new Float64Array(b).fill(Infinity),
    hiUnit: new Int32Array(b).fill(-1),
    loUnit: new Int32Array(b).fill(-1),
    codes: new Uint8Array(nu * b),
    value: new Float64Array(0),
    slope: new Float64Array(0),
  };
}

/** The input's value block x0 + t_s·dir and slope block dir (unit-major, B columns). */
function inputBlocks(x0: ArrayLike<number>, dir: ArrayLike<number>, ts: ArrayLike<number>, d: number): [Float64Array, Float64Array] {
  const b = ts.length;
  const v0 = new Float64Array(d * b);
  const g0 = new Float64Array(d * b);
  for (let i = 0; i < d; i++) {
    for (let s = 0; s < b; s++) {
      v0[i * b + s] = x0[i]! + ts[s]! * dir[i]!;
      g0[i * b + s] = dir[i]!;
    }
  }
  return [v0, g0];
}

interface ActivationAt {
  readonly node: ActivationNode;
  readonly table: KernelTable | null;
  readonly offset: number;
}

/** One activation node on the value and slope blocks: codes, outputs, and the pieces' ends. */
function activationStep(st: PassState, at: ActivationAt, [xv, xg]: Float64Array[], [ov, og]: Float64Array[]): void {
  const node = at.node;
  if (node.type === 'maxpool') {
    maxPoolStep(st, at, xv!, xg!, ov!, og!);
    return;
  }
  const b = st.b;
  const n = ov!.length / b;
  const { lo, hi, hiUnit, loUnit } = st.res;
  const codes = st.res.codes;
  const nu = st.numUnits;
  // Each state is an interval (a, b] or (a, b) of the pre-activation with output k·x + c on it.
  const relu = node.type !== 'hardtanh';
  const alpha = node.type === 'leaky_relu' ? node.alpha : 0;
  const slopes = node.type === 'prelu' ? slopesOf(node, at.table) : null;
  const min = node.type === 'hardtanh' ? node.min : 0;
  const max = node.type === 'hardtanh' ? node.max : 0;
  for (let u = 0; u < n; u++) {
    const unit = at.offset + u;
    for (let s = 0; s < b; s++) {
      const idx = u * b + s;
      const v = xv![idx]!;
      const g = xg![idx]!;
      let state: number;
      let a: number;
      let e: number;
      if (relu) {
        state = v > 0 ? 1 : 0;
        a = state ? 0 : -Infinity;
        e = state ? Infinity : 0;
        const k = state ? 1 : slopes ? slopes[u]! : alpha;
        ov![idx] = k * v;
        og![idx] = k * g;
      } else {
        state = v <= min ? 0 : v >= max ? 2 : 1;
        a = state === 0 ? -Infinity : state === 1 ? min : max;
        e = state === 0 ? min : state === 1 ? max : Infinity;
        ov![idx] = state === 0 ? min : state === 2 ? max : v;
        og![idx] = state === 1 ? g : 0;
      }
      codes[s * nu + unit] = state;
      if (g === 0) continue;
      // The family leaves [a, e] at τ = (bound − v) / g on each side.
      const tUp = (g > 0 ? e : a) - v;
      const tDown = (g > 0 ? a : e) - v;
      if (tUp !== Infinity && tUp !== -Infinity) {
        const tau = tUp / g;
        if (tau < hi[s]!) {
          hi[s] = tau;
          hiUnit[s] = unit;
        }
      }
      if (tDown !== Infinity && tDown !== -Infinity) {
        const tau = tDown / g;
        if (tau > lo[s]!) {
          lo[s] = tau;
          loUnit[s] = unit;
        }
      }
    }
  }
}

/** Max-pool: the argmax (first maximum, as PyTorch) and the first tap whose line overtakes it on either side. */

function maxPoolStep(st: PassState, at: ActivationAt, xv: Float64Array, xg: Float64Array, ov: Float64Array, og: Float64Array): void {
  const t = at.table;
  if (t?.kind !== 'window') throw new InternalError('line-batch: a max-pool node without its window table');
  const b = st.b;
  const nOut = t.divisor.length;
  const { lo, hi, hiUnit, loUnit } = st.res;
  const codes = st.res.codes;
  const nu = st.numUnits;
  for (let o = 0; o < nOut; o++) {
    const unit = at.offset + o;
    const s0 = t.start[o]!;
    const e0 = t.start[o + 1]!;
    for (let s = 0; s < b; s++) {
      let best = s0;
      let bv = xv[t.taps[s0]! * b + s]!;
      for (let k = s0 + 1; k < e0; k++) {
        const v = xv[t.taps[k]! * b + s]!;
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
      const bg = xg[t.taps[best]! * b + s]!;
      ov[o * b + s] = bv;
      og[o * b + s] = bg;
      codes[s * nu + unit] = t.slot[best]!;
      for (let k = s0; k < e0; k++) {
        if (k === best) continue;
        const dg = xg[t.taps[k]! * b + s]! - bg;
        if (dg === 0) continue;
        const tau = (bv - xv[t.taps[k]! * b + s]!) / dg;
        if (dg > 0 && tau < hi[s]!) {
          hi[s] = tau;
          hiUnit[s] = unit;
        } else if (dg < 0 && tau > lo[s]!) {
          lo[s] = tau;
          loUnit[s] = unit;
        }
      }
    }
  }
}

/** Joins the batches of consecutive sample ranges (as split across threads) into one, in order. */
export function mergeSampleBatches(parts: readonly SampleBatch[]): SampleBatch {
  const count = parts.reduce((n, q) => n + q.count, 0);
  const o = parts[0]!.value.length / parts[0]!.count;
  const cat = <T extends Float64Array | Int32Array | Uint8Array>(make: (n: number) => T, pick: (q: SampleBatch) => T): T => {
    const out = make(parts.reduce((n, q) => n + pick(q).length, 0));
    let at = 0;
    for (const q of parts) {
      out.set(pick(q), at);
      at += pick(q).length;
    }
    return out;
  };
  const value = new Float64Array(o * count);
  const slope = new Float64Array(o * count);
  let s0 = 0;
  for (const q of parts) {
    for (let r = 0; r < o; r++)
      for (let s = 0; s < q.count; s++) {
        value[r * count + s0 + s] = q.value[r * q.count + s]!;
        slope[r * count + s0 + s] = q.slope[r * q.count + s]!;
      }
    s0 += q.count;
  }
  return {
    count,
    lo: cat(
      (n) => new Float64Array(n),
      (q) => q.lo,
    ),
    hi: cat(
      (n) => new Float64Array(n),
      (q) => q.hi,
    ),
    hiUnit: cat(
      (n) => new Int32Array(n),
      (q) => q.hiUnit,
    ),
    loUnit: cat(
      (n) => new Int32Array(n),
      (q) => q.loUnit,
    ),
    codes: cat(
      (n) => new Uint8Array(n),
      (q) => q.codes,
    ),
    value,
    slope,
  };
}

/** Runs a whole pass on this thread (no yields): what a worker thread does with its share of the samples. */
export function sampleBatchNow(p: PreparedNetwork, x0: ArrayLike<number>, dir: ArrayLike<number>, ts: ArrayLike<number>): SampleBatch {
  const gen = sampleBatch(p, x0, dir, ts);
  let step = gen.next();
  while (!step.done) step = gen.next();
  return step.value;
}
