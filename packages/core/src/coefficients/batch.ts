/**
 * Exact local affine maps `f(z) = J_i z + y_i` of many samples at once (the coefficient matrices
 * of dissertation Eq. 7.1–7.3).
 *
 * The forward pass is batched: one kernel call per node carries every sample of the batch as a
 * column (unit-major blocks, m = batch), and each sample's activation code is read off its column.
 * The Jacobians are then pulled back per sample in reverse mode with that sample's code (m = number
 * of outputs), with kernels that skip the rows a code zeroes: a ReLU that is off, a max-pool tap
 * that lost its window. Decision: the reverse pass is not batched across samples, because samples
 * have different codes, and a block row is only zero when it is zero for every column — batching
 * would turn the code's sparsity (about half the rows of every ReLU layer, three quarters of every
 * 2×2 max-pool's inputs) into dense work. A dense layer that reads the input (through a flatten and a folded normalization) writes `J` directly
 * (row-major, contiguous inner loops over the d inputs, four units per pass).
 */
import { InternalError, PolytopeError } from '../errors.js';
import { activationFixedTransposeImpl, activationForwardImpl, slopesOf } from '../network/activation.js';
import { runNodes } from '../network/forward.js';
import { isActivation, sizeOf } from '../network/ir.js';
import type { ActivationNode, Conv2dNode, DenseNode, Shape } from '../network/ir.js';
import { BiasMode, affineTransposeImpl, conv2dCropped, windowOf } from '../network/kernels.js';
import type { ConvCrop, KernelTable } from '../network/kernels.js';
import { gemm64 } from '../network/gemm64.js';
import { borrowNetwork } from '../network/prepared.js';
import { DirectGemm } from './direct-gemm.js';
import { convTransposeKernel } from './conv-transpose64.js';
import type { ConvTransposeKernel, ConvTransposeLayout } from './conv-transpose64.js';
import { ORDER_WINDOW, nearbyTree, packedWords } from './nearby-tree.js';
import { timesTransposed } from './matmul.js';
import { FlipSteps } from './flip-steps.js';
import { SparseRows } from './sparse-rows.js';
import type { NetworkLike, PreparedNetwork } from '../network/prepared.js';

/** The exact affine maps of a batch of samples, sample-major. */
export interface AffineBatch {
  /** Samples in the batch. */
  readonly count: number;
  /** Network outputs o. */
  readonly outputs: number;
  /** Network inputs d. */
  readonly inputs: number;
  /** `count × o × d`: sample s's Jacobian row r starts at `(s * o + r) * d`. */
  readonly jacobians: Float64Array;
  /** `count × o`: y_s with f(z) = J_s z + y_s on sample s's region. */
  readonly offsets: Float64Array;
  /** `count × o`: f(x_s). */
  readonly values: Float64Array;
  /** `count × numUnits`: each sample's activation code (the bytes of `forwardWithCode`). */
  readonly codes: Uint8Array;
}

/** Output buffers to reuse (`affineMapsBatch`); each is used only when its length is exactly the batch's. */
export interface AffineBatchBuffers {
  /** `count × o × d` values, overwritten. */
  readonly jacobians?: Float64Array;
  /** `count × o` values, overwritten. */
  readonly offsets?: Float64Array;
}

/**
 * Exact local affine maps (J_i, y_i) of `count` samples (row-major `xs`, `count × d`), float64, into the buffers of `into` where their lengths fit.
 * Equal to `affineMapAt` sample by sample up to rounding (sums run in a different order).
 *
 * @example
 * // XOR net of the dissertation: f(x) = [1, −2]·ReLU([[1, 1], [1, 1]] x + [1, 0]) − 1
 * const b = affineMapsBatch(xorNet, [0.25, 0.25, -2, -2], 2);
 * b.jacobians; // Float64Array [-1, -1, 0, 0]: both units on at the first point, both off at the second
 * b.offsets;   // Float64Array [0, -1]
 */
export function affineMapsBatch(netLike: NetworkLike, xs: ArrayLike<number>, count: number, into?: AffineBatchBuffers): AffineBatch {
  const p = borrowNetwork(netLike);
  p.requireCodes();
  const net = p.network;
  const d = net.inputSize;
  const o = net.outputSize;
  if (!Number.isInteger(count) || count < 0)
    throw new PolytopeError('bad-option', `sample count must be a non-negative integer, got ${count}`);
  if (xs.length !== count * d) {
    throw new PolytopeError('shape-mismatch', `${count} samples of ${d} inputs need ${count * d} values, got ${xs.length}`);
  }
  const xf = xs instanceof Float64Array ? xs : Float64Array.from(xs);
  // One reverse pass per prepared network and thread, reused from batch to batch (its kernel memory and buffers).
  const reverse = p.memo('coefficients:reverse-pass', () => new ReversePass(p));
  const flip = count > 0 ? reverse.flipSteps() : null;
  // The flip path's offsets read the layer's pre-activations (count × units, kept per prepared network and thread).
  const kept = p.memo('coefficients:pre-activations', () => ({ values: new Float64Array(0) }));
  if (flip && kept.values.length < count * flip.units) kept.values = new Float64Array(count * flip.units);
  const pre = kept.values;
  // (the forward pass refuses a non-finite input: it reads every value first)
  const fast = flip ? flipForward(p, flip, xf, count, pre) : null;
  const { values, codes } =
    fast ?? forwardBatchWithCodes(p, xf, count, undefined, flip ? { node: flip.activation.node, into: pre } : undefined);
  const offsetInputs: Parameters<FlipSteps['offsets']>[0] = { values, pre, codes, stride: net.numUnits };
  // Buffers given back by the caller are overwritten whole (fresh ones cost a page fault per 4 KB on first write).
  const jacobians = into?.jacobians?.length === count * o * d ? into.jacobians : new Float64Array(count * o * d);
  const offsets = into?.offsets?.length === count * o ? into.offsets : new Float64Array(count * o);
  const nonzero = new Int32Array(d);
  // y_s = f(x_s) − J_s x_s, while J_s is in cache, over the inputs that are not zero (most MNIST
  // pixels are zero; a zero input adds an exact ±0 to the sum).
  const offsetOf = (s: number): void => {
    let nz = 0;
    for (let i = 0; i < d; i++) if (xf[s * d + i] !== 0) nonzero[nz++] = i;
    for (let r = 0; r < o; r++) {
      const row = (s * o + r) * d;
      const xr = s * d;
      // Four partial sums (independent chains: the loop is bound by add latency otherwise).
      let y0 = 0;
      let y1 = 0;
      let y2 = 0;
      let y3 = 0;
      let k = 0;
      for (; k + 4 <= nz; k += 4) {
        const i0 = nonzero[k]!;
        const i1 = nonzero[k + 1]!;
        const i2 = nonzero[k + 2]!;
        const i3 = nonzero[k + 3]!;
        y0 += jacobians[row + i0]! * xf[xr + i0]!;
        y1 += jacobians[row + i1]! * xf[xr + i1]!;
        y2 += jacobians[row + i2]! * xf[xr + i2]!;
        y3 += jacobians[row + i3]! * xf[xr + i3]!;
      }
      for (; k < nz; k++) y0 += jacobians[row + nonzero[k]!]! * xf[xr + nonzero[k]!]!;
      offsets[s * o + r] = values[s * o + r]! - (y0 + y1 + (y2 + y3));
    }
  };
  const tree = reverse.chained ? nearbyTree(codes, count, net.numUnits, true, fast?.bits) : null;
  if (tree?.bits) offsetInputs.bits = tree.bits;
  // The product path's kernel memory is laid out on its first window (the flip path needs none of
  // it). A sample's parent is in its own window of the tree, so the kept products need one window's
  // slots (sample s in slot s mod ORDER_WINDOW), however large the batch.
  let begun = false;
  for (let w0 = 0; w0 < count; w0 += ORDER_WINDOW) {
    const n = Math.min(ORDER_WINDOW, count - w0);
    if (flip && tree && flip.window(codes, net.numUnits, w0, n, tree, jacobians)) {
      // y_s = f(x_s) − Σ_{j on} a_j (h_j − h_j(0)) (J_s x_s through the layer's pre-activations h,
      // 10 × 94 products for dense-128 instead of 10 × the non-zero inputs gathered from J).
      flip.offsets(offsetInputs, w0, n, offsets);
      continue;
    }
    if (!begun) reverse.begin(Math.min(count, ORDER_WINDOW));
    begun = true;
    for (let t = w0; t < w0 + n; t++) {
      const s = tree ? tree.order[t]! : t;
      const parent = tree ? tree.parent[s]! : -1;
      reverse.run(
        codes.subarray(s * net.numUnits, (s + 1) * net.numUnits),
        jacobians.subarray(s * o * d, (s + 1) * o * d),
        s % ORDER_WINDOW,
        parent < 0 ? -1 : parent % ORDER_WINDOW,
        parent < 0 ? undefined : codes.subarray(parent * net.numUnits, (parent + 1) * net.numUnits),
      );
      offsetOf(s);
    }
  }
  return { count, outputs: o, inputs: d, jacobians, offsets, values, codes };
}

/**
 * Output Jacobians for `affineMapsBatch` of `count` samples (as `into.jacobians`) that its kernel
 * writes in place, in a shared WebAssembly memory of this thread: no copy out of the kernel, and
 * the view can be posted to another thread without one. Null where the network's Jacobians are
 * not made that way (only the one-hidden-layer flip path is, on engines with shared memory).
 * Valid until `releaseSharedJacobians`; a pool's worker hands them out and takes them back.
 *
 * @example
 * const net = prepareNetwork(randomMlp([784, 128, 10], { seed: 1 }));
 * const region = sharedJacobians(net, 500); // Float64Array on a SharedArrayBuffer, or null
 * const b = affineMapsBatch(net, xs, 500, region ? { jacobians: region } : undefined);
 * worker.postMessage(b.jacobians); // shared: not copied
 * // … once the receiver is done with it:
 * if (region) releaseSharedJacobians(region);
 */
export function sharedJacobians(netLike: NetworkLike, count: number): Float64Array | null {
  const p = borrowNetwork(netLike);
  p.requireCodes();
  const reverse = p.memo('coefficients:reverse-pass', () => new ReversePass(p));
  return reverse.flipSteps()?.region(count) ?? null;
}

/**
 * Gives back a view of `sharedJacobians` for reuse (the caller no longer reads it); other arrays are ignored.
 *
 * @example
 * const region = sharedJacobians(net, 500);
 * if (region) releaseSharedJacobians(region); // the next sharedJacobians(net, 500) may return the same memory
 */
export function releaseSharedJacobians(view: Float64Array): void {
  FlipSteps.release(view);
}

/**
 * Which adjoints are the same for every sample (see `ReversePass.constant`): the greatest set of
 * nodes, other than the input, whose consumers are all in the set, fixed linear maps (not
 * activations, not direct dense nodes) with every input in the set; the output (without
 * consumers) starts it with the identity seed.
 */
function constantAdjoints(
  net: PreparedNetwork['network'],
  direct: readonly (Float64Array | undefined)[],
  consumers: number[][],
): Uint8Array {
  const nodes = net.nodes;
  const c = new Uint8Array(nodes.length).fill(1);
  c[0] = 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let i = nodes.length - 1; i >= 1; i--) {
      if (!c[i]) continue;
      const cs = consumers[i]!;
      const ok =
        i === net.output
          ? cs.length === 0
          : cs.length > 0 && cs.every((k) => c[k] && !isActivation(nodes[k]!) && !direct[k] && nodes[k]!.inputs.every((j) => c[j]));
      if (!ok) {
        c[i] = 0;
        changed = true;
      }
    }
  }
  return c;
}

/**
 * The input's first layer when it can run sparse (`forwardBatchWithCodes`): a dense node that reads
 * the input through reshapes and channel affines only, where nothing else reads that chain. Its
 * pre-activation is then `c + Σ_k x_k · Wf[:, k]` over the sample's non-zero inputs, with the chain
 * folded in (`Wf` = W · diag(chain scale), `c` = b + W · chain shift): about a fifth of the dense
 * product on MNIST (most pixels are 0). Decision: the sums run in another order than the layer's
 * own forward pass, so values differ from `forward` by rounding (as the reverse pass's do); a code
 * could differ only for a sample within rounding of a region boundary, where both maps are exact.
 */
interface SparseFirstLayer {
  /** The dense node. */
  readonly node: number;
  readonly units: number;
  /** Wfᵀ, d × units row-major (one contiguous row per input). */
  readonly weightT: Float64Array;
  /** c (units). */
  readonly offset: Float64Array;
  /** Per node: 1 for the chain and the dense node (their blocks are not computed by `runNodes`). */
  readonly skip: Uint8Array;
  /** The layer on the WebAssembly kernel. */
  readonly rows: SparseRows;
}

function sparseFirstLayer(p: PreparedNetwork): SparseFirstLayer | null {
  const net = p.network;
  const nodes = net.nodes;
  const d = net.inputSize;
  const consumers = nodes.map(() => [] as number[]);
  nodes.forEach((n, k) => n.inputs.forEach((j) => consumers[j]!.push(k)));
  // Walk from the input along single consumers through reshapes and channel affines to a dense node.
  const chain: number[] = [];
  let j = 0;
  for (;;) {
    const cs = consumers[j]!;
    if (cs.length !== 1 || nodes[cs[0]!]!.inputs.length !== 1) return null;
    const k = cs[0]!;
    const n = nodes[k]!;
    if (n.type === 'dense') {
      j = k;
      break;
    }
    if (n.type !== 'reshape' && n.type !== 'channel_affine') return null;
    chain.push(k);
    j = k;
  }
  const dense = nodes[j] as DenseNode;
  // x' = scale ⊙ x + shift through the chain, in forward order.
  const scale = new Float64Array(d).fill(1);
  const shift = new Float64Array(d);
  for (const k of chain) {
    const n = nodes[k]!;
    if (n.type !== 'channel_affine') continue;
    const per = n.shape.length === 3 ? n.shape[1]! * n.shape[2]! : 1;
    for (let q = 0; q < d; q++) {
      const ch = Math.floor(q / per) % n.scale.length;
      scale[q] = scale[q]! * n.scale[ch]!;
      shift[q] = shift[q]! * n.scale[ch]! + n.shift[ch]!;
    }
  }
  const units = dense.outFeatures;
  const weightT = new Float64Array(d * units);
  const offset = Float64Array.from(dense.bias);
  for (let u = 0; u < units; u++) {
    let c = offset[u]!;
    for (let q = 0; q < d; q++) {
      const w = dense.weight[u * d + q]!;
      weightT[q * units + u] = w * scale[q]!;
      if (shift[q] !== 0) c += w * shift[q]!;
    }
    offset[u] = c;
  }
  const skip = new Uint8Array(nodes.length);
  for (const k of chain) skip[k] = 1;
  skip[j] = 1;
  return { node: j, units, weightT, offset, skip, rows: new SparseRows(weightT, offset, units, d) };
}

/**
 * The largest fraction of non-zero inputs for which the sparse first layer pays: it multiplies
 * over the union of four samples' non-zero inputs (MNIST: about a third of the pixels), the dense
 * product over all of them.
 */
const SPARSE_FIRST_MAX_FILL = 0.5;

/** Samples whose inputs `sparseEnough` counts (a chunk's first ones: the decision needs no exact count, and the whole count cost 2.7 µs per MNIST sample). */
const SPARSE_PROBE_SAMPLES = 64;

/** True when the first `SPARSE_PROBE_SAMPLES` samples of `xs` (d values each) are at most `SPARSE_FIRST_MAX_FILL` non-zero. */
function sparseEnough(xs: ArrayLike<number>, d: number): boolean {
  const n = Math.min(xs.length, SPARSE_PROBE_SAMPLES * d);
  let nz = 0;
  for (let i = 0; i < n; i++) nz += xs[i] !== 0 ? 1 : 0;
  return nz <= SPARSE_FIRST_MAX_FILL * n;
}

/**
 * The sparse first layer's block (units × m, unit-major, into `out` unless null; sample-major into `pre`) for row-major samples `xs`: per sample,
 * c + Σ x_q Wfᵀ[q] over its non-zero inputs, on the kernel of sparse-rows.ts; scalar JS where
 * WebAssembly SIMD is missing. Returns Σ (x − x) over the inputs (0 when every one is finite).
 */
function sparseFirstBlock(
  f: SparseFirstLayer,
  xs: ArrayLike<number>,
  m: number,
  d: number,
  out: Float64Array | null,
  pre?: { into: Float64Array; at: number },
): number {
  const probe = f.rows.block(xs, m, out, pre);
  if (probe !== null) return probe;
  const { units, weightT, offset } = f;
  const h = new Float64Array(units);
  let sum = 0;
  for (let s = 0; s < m; s++) {
    h.set(offset);
    for (let q = 0; q < d; q++) {
      const x = xs[s * d + q]!;
      sum += x - x;
      if (x === 0) continue;
      for (let u = 0; u < units; u++) h[u] = h[u]! + x * weightT[q * units + u]!;
    }
    if (out) for (let u = 0; u < units; u++) out[u * m + s] = h[u]!;
    pre?.into.set(h, (pre.at + s) * units);
  }
  return sum;
}

/**
 * Bytes that the largest block of one forward chunk may take: a batch's forward pass runs in
 * chunks of columns so that a layer's block is still in cache when the next layer (often a
 * max-pool) reads it. The simple CNN's first convolution has 21,632 values per sample, so 512
 * columns at once were 88 MB written and read back; chunks of 72 columns (this bound) ran 1.2–1.3×
 * faster per CPU-second than 512, and 8–32 columns slower again (the convolution's panel is filled
 * per tap and pixel, m values at a time).
 */
const FORWARD_CHUNK_BYTES = 12 * 2 ** 20;

/**
 * Batched float64 forward pass (m = count columns) recording every column's activation code, in
 * chunks of `chunk` columns (default: the largest block within `FORWARD_CHUNK_BYTES`, a multiple of 8).
 * With `keep`, also the input values of the activation node `keep.node`, sample-major, into
 * `keep.into` (count × the node's size).
 */
export function forwardBatchWithCodes(
  p: PreparedNetwork,
  xs: ArrayLike<number>,
  count: number,
  chunk = defaultChunk(p),
  keep?: { node: number; into: Float64Array },
): { values: Float64Array; codes: Uint8Array } {
  const net = p.network;
  const d = net.inputSize;
  const o = net.outputSize;
  if (!Number.isInteger(chunk) || chunk < 1)
    throw new PolytopeError('bad-option', `forward chunk must be a positive integer, got ${chunk}`);
  if (count <= chunk) return forwardChunk(p, xs, count, 0, keep && { ...keep, at: 0 });
  const values = new Float64Array(count * o);
  const codes = new Uint8Array(count * net.numUnits);
  const xf = xs instanceof Float64Array ? xs : Float64Array.from(xs);
  for (let c0 = 0; c0 < count; c0 += chunk) {
    const m = Math.min(chunk, count - c0);
    const r = forwardChunk(p, xf.subarray(c0 * d, (c0 + m) * d), m, c0, keep && { ...keep, at: c0 });
    values.set(r.values, c0 * o);
    codes.set(r.codes, c0 * net.numUnits);
  }
  return { values, codes };
}

/** Columns per forward chunk: the largest block within `FORWARD_CHUNK_BYTES`, a multiple of 8 (the kernels' panels), at least 8. */
function defaultChunk(p: PreparedNetwork): number {
  const largest = Math.max(...p.network.nodes.map((n) => sizeOf(n.shape)));
  return Math.max(8, Math.floor(FORWARD_CHUNK_BYTES / (8 * largest) / 8) * 8);
}

/** Chunk widths whose forward blocks `forwardBlocks` keeps per prepared network (a batch's full chunks and its last one). */
const KEPT_CHUNK_WIDTHS = 2;

/**
 * The `make` of one forward chunk of m columns: the k-th block of n values asked for is the one the
 * previous chunk of the same width got as its k-th (cleared), so the chunks of a batch reuse their
 * blocks instead of allocating them afresh (the simple CNN's first convolution: 12 MB per chunk,
 * a page fault per 4 KB on first write, and garbage to collect). Kept per prepared network (one
 * per thread) for the last `KEPT_CHUNK_WIDTHS` widths.
 */
function forwardBlocks(p: PreparedNetwork, m: number): (n: number) => Float64Array {
  const kept = p.memo('coefficients:forward-blocks', () => new Map<number, Map<number, Float64Array[]>>());
  let bySize = kept.get(m);
  if (!bySize) {
    if (kept.size >= KEPT_CHUNK_WIDTHS) kept.delete(kept.keys().next().value!);
    kept.set(m, (bySize = new Map()));
  }
  const sizes = bySize;
  const taken = new Map<number, number>();
  return (n) => {
    const k = taken.get(n) ?? 0;
    taken.set(n, k + 1);
    let list = sizes.get(n);
    if (!list) sizes.set(n, (list = []));
    if (k < list.length) return list[k]!.fill(0);
    const block = new Float64Array(n);
    list.push(block);
    return block;
  };
}

/**
 * `forwardBatchWithCodes` on one chunk of columns (the batch's samples from `base`); `keep`: the
 * activation whose input block goes into `into` (sample-major, from sample `at`).
 */
function forwardChunk(
  p: PreparedNetwork,
  xs: ArrayLike<number>,
  count: number,
  base: number,
  keep?: { node: number; into: Float64Array; at: number },
): { values: Float64Array; codes: Uint8Array } {
  const net = p.network;
  const d = net.inputSize;
  const o = net.outputSize;
  const m = count;
  const codes = new Uint8Array(m * net.numUnits);
  const blocks: (Float64Array | undefined)[] = new Array(net.nodes.length);
  const first = sparseEnough(xs, d) ? p.memo('coefficients:sparse-first-layer', sparseFirstLayer) : null;
  const make = forwardBlocks(p, m);
  // x − x is 0 for a finite x and NaN otherwise: the loops that read the inputs sum it without a
  // branch, and only a non-zero sum searches for the first non-finite value.
  let probe = 0;
  // The kept activation reads the first layer: its input values come sample-major from the sparse kernel.
  const keptFirst = first !== null && keep !== undefined && net.nodes[keep.node]!.inputs[0] === first.node;
  if (first) probe = sparseFirstBlock(first, xs, m, d, (blocks[first.node] = make(first.units * m)), keptFirst ? keep : undefined);
  else {
    const input = new Float64Array(d * m);
    for (let s = 0; s < m; s++) {
      for (let i = 0; i < d; i++) {
        const x = xs[s * d + i]!;
        probe += x - x;
        input[i * m + s] = x;
      }
    }
    blocks[0] = input;
  }
  if (probe !== 0) throw nonFinite(xs, d, base);
  const crops = p.memo('coefficients:conv-crops', convCrops);
  const pooled = p.memo('coefficients:pooled-relus', pooledRelus);
  runNodes(p, blocks, {
    m,
    make,
    bias: BiasMode.All,
    skip: (i: number) => first?.skip[i] === 1 || pooled.skip[i] === 1,
    // (a cropped convolution's other pixels stay 0 in its cleared block; no reader takes them)
    affine: (out, xs, node, inShape, i) =>
      crops[i] !== undefined && node.type === 'conv2d' && conv2dCropped(out, xs[0]!, node, inShape, m, BiasMode.All, crops[i]),
    activation: (out, x, node, inShape, slot, i) => {
      if (keep?.node === i && !keptFirst) {
        const size = x.length / m;
        for (let u = 0; u < size; u++) for (let c = 0; c < m; c++) keep.into[(keep.at + c) * size + u] = x[u * m + c]!;
      }
      // A ReLU that is this max-pool's only reader is computed with it (its node is skipped).
      const r = pooled.relu[i]!;
      const relu =
        r < 0 ? undefined : { out: (blocks[r] = make(sizeOf(node.shape) * m)), offset: net.activations[pooled.slot[i]!]!.offset };
      forwardWithColumnCodes(
        out,
        x,
        node,
        m,
        codes,
        { stride: net.numUnits, offset: net.activations[slot]!.offset, table: p.table(i), relu },
        inShape,
      );
    },
  });
  const out = blocks[net.output]!;
  const values = new Float64Array(m * o);
  for (let s = 0; s < m; s++) for (let r = 0; r < o; r++) values[s * o + r] = out[r * m + s]!;
  return { values, codes };
}

/** The error for the first non-finite value of `xs` (samples of d values from sample `base` of the batch). */
function nonFinite(xs: ArrayLike<number>, d: number, base: number): PolytopeError {
  const i = Array.prototype.findIndex.call(xs, (v: number) => !Number.isFinite(v));
  return new PolytopeError('non-finite', `sample ${base + Math.floor(i / d)} has a non-finite value (${xs[i]}) at input ${i % d}`);
}

/**
 * What `flipForward` needs of a network, or null where it does not apply: the sparse first layer
 * (a dense node reading the input through reshapes and channel affines), a ReLU as its only
 * reader and the network's only activation, and one dense node reading the ReLU as the output.
 */
interface FlipForwardPlan {
  readonly first: SparseFirstLayer;
  /** The output layer's bias and weight, o rows of units + 1 values (the bias first). */
  readonly weight: Float64Array;
}

function flipForwardPlan(p: PreparedNetwork): FlipForwardPlan | null {
  const net = p.network;
  const first = p.memo('coefficients:sparse-first-layer', sparseFirstLayer);
  const relu = net.activations.length === 1 ? net.activations[0]!.node : -1;
  const out = net.nodes[net.output]!;
  if (!first || relu < 0 || net.nodes[relu]!.type !== 'relu' || net.nodes[relu]!.inputs[0] !== first.node) return null;
  if (out.type !== 'dense' || out.inputs[0] !== relu || net.numUnits !== first.units) return null;
  if (net.nodes.some((n, k) => k !== relu && k !== net.output && n.inputs.includes(relu))) return null;
  const units = first.units;
  const o = out.outFeatures;
  const weight = new Float64Array(o * (units + 1));
  for (let r = 0; r < o; r++) {
    weight[r * (units + 1)] = out.bias[r]!;
    weight.set(out.weight.subarray(r * units, (r + 1) * units), r * (units + 1) + 1);
  }
  return { first, weight };
}

/**
 * The batched forward pass of a flip-path net of one ReLU layer and a dense output layer, on inputs
 * sparse enough for the sparse first layer: the pre-activations come sample-major from the sparse
 * kernel (into `pre`), each sample's codes, bit-packed codes (for the visiting tree) and ReLU values
 * in one pass over them, and the outputs as one product [1, relu(h)] [b, W]ᵀ. The same values as
 * `forwardBatchWithCodes` (the same first layer; each output the bias, then the products in input
 * order, on the same kernel; up to the sign of a zero), without its unit-major blocks and their
 * transpositions. Null where it does not apply (`flipForwardPlan`, or dense inputs).
 */
function flipForward(
  p: PreparedNetwork,
  flip: FlipSteps,
  xs: Float64Array,
  count: number,
  pre: Float64Array,
): { values: Float64Array; codes: Uint8Array; bits: Int32Array } | null {
  const plan = p.memo('coefficients:flip-forward', flipForwardPlan);
  const d = p.network.inputSize;
  if (!plan || plan.first.node !== p.network.nodes[flip.activation.node]!.inputs[0] || !sparseEnough(xs, d)) return null;
  const { first, weight } = plan;
  const units = first.units;
  if (sparseFirstBlock(first, xs, count, d, null, { into: pre, at: 0 }) !== 0) throw nonFinite(xs, d, 0);
  const kept = p.memo('coefficients:flip-forward-relu', () => ({ values: new Float64Array(0) }));
  if (kept.values.length < count * (units + 1)) kept.values = new Float64Array(count * (units + 1));
  const act = kept.values;
  const codes = new Uint8Array(count * units);
  const words = packedWords(units);
  const bits = new Int32Array(count * words);
  for (let s = 0; s < count; s++) {
    const h = s * units;
    const a = s * (units + 1) + 1;
    act[a - 1] = 1;
    for (let w = 0; w * 32 < units; w++) {
      const end = Math.min(32, units - 32 * w);
      let word = 0;
      for (let b = 0; b < end; b++) {
        const j = 32 * w + b;
        const v = pre[h + j]!;
        const on = +(v > 0);
        codes[h + j] = on;
        // (no branch: v · 0 is −0 for a negative v, whose products change no sum but a zero's sign)
        act[a + j] = v * on;
        word |= on << b;
      }
      bits[s * words + w] = word;
    }
  }
  const o = weight.length / (units + 1);
  const values = timesTransposed(act.subarray(0, count * (units + 1)), weight, count, o, units + 1);
  return { values, codes, bits };
}

/**
 * Per node: for a max-pool whose only reader is a ReLU, that ReLU's node and activation slot (else
 * −1), and 1 in `skip` for such ReLUs. The batched forward pass computes the pair in one pass over
 * the columns (the pool's code, the ReLU's values and code; the pool's own block, read by no
 * one else, is left unwritten): the ReLU's pass over the block was 1/3 of the pair's time.
 */
function pooledRelus(p: PreparedNetwork): { relu: Int32Array; slot: Int32Array; skip: Uint8Array } {
  const net = p.network;
  const consumers = net.nodes.map(() => [] as number[]);
  net.nodes.forEach((n, k) => n.inputs.forEach((j) => consumers[j]!.push(k)));
  const relu = new Int32Array(net.nodes.length).fill(-1);
  const slot = new Int32Array(net.nodes.length).fill(-1);
  const skip = new Uint8Array(net.nodes.length);
  net.nodes.forEach((node, i) => {
    const cs = consumers[i]!;
    if (node.type !== 'maxpool' || i === net.output || cs.length !== 1 || net.nodes[cs[0]!]!.type !== 'relu') return;
    relu[i] = cs[0]!;
    slot[i] = net.activations.findIndex((a) => a.node === cs[0]);
    skip[cs[0]!] = 1;
  });
  return { relu, slot, skip };
}

/**
 * Per node: for a convolution read only by max-pools whose windows stop short of its last rows or
 * columns (pools that floor: the simple CNN's 11×11 map under a 2×2 pool), the leading rows and
 * columns they read, which the batched forward pass computes alone (`conv2dCropped`); else undefined.
 */
function convCrops(p: PreparedNetwork): (ConvCrop | undefined)[] {
  const net = p.network;
  const consumers = net.nodes.map(() => [] as number[]);
  net.nodes.forEach((n, k) => n.inputs.forEach((j) => consumers[j]!.push(k)));
  return net.nodes.map((node, i) => {
    const cs = consumers[i]!;
    if (node.type !== 'conv2d' || i === net.output || cs.length === 0 || cs.some((k) => net.nodes[k]!.type !== 'maxpool')) return undefined;
    const [, ho, wo] = node.shape as [number, number, number];
    let rows = 0;
    let cols = 0;
    for (const k of cs) {
      const t = windowOf(net.nodes[k] as ActivationNode & { type: 'maxpool' }, node.shape, p.table(k));
      for (const unit of t.taps) {
        const at = unit % (ho * wo);
        rows = Math.max(rows, Math.floor(at / wo) + 1);
        cols = Math.max(cols, (at % wo) + 1);
      }
    }
    return rows < ho || cols < wo ? { rows, cols } : undefined;
  });
}

/**
 * One activation node's forward pass over m columns (the rules of `activationForwardImpl`) that
 * also writes every column's code bytes, in one pass over the block.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function forwardWithColumnCodes(
  out: Float64Array,
  x: Float64Array,
  node: ActivationNode,
  m: number,
  codes: Uint8Array,
  at: { stride: number; offset: number; table: KernelTable | null; relu?: PooledRelu | undefined },
  inShape: readonly number[],
): void {
  const { stride, offset, relu } = at;
  if (node.type === 'maxpool') {
    const t = windowOf(node, inShape, at.table);
    const nOut = t.divisor.length;
    // Taps outer, columns inner (each tap's row is contiguous): the running maximum lives in `out`'s
    // row and each column's winning tap in `best`; ties keep the first maximum, as per column.
    const best = new Int32Array(m);
    for (let u = 0; u < nOut; u++) {
      const st = t.start[u]!;
      const e = t.start[u + 1]!;
      const orow = u * m;
      if (e - st === 4) {
        maxPool4(out, x, t, { u, st, m, codes, at: offset + u, stride, relu });
        continue;
      }
      const first = t.taps[st]! * m;
      for (let c = 0; c < m; c++) out[orow + c] = x[first + c]!;
      best.fill(st);
      for (let k = st + 1; k < e; k++) {
        const row = t.taps[k]! * m;
        for (let c = 0; c < m; c++) {
          const v = x[row + c]!;
          if (v > out[orow + c]!) {
            out[orow + c] = v;
            best[c] = k;
          }
        }
      }
      for (let c = 0; c < m; c++) codes[c * stride + offset + u] = t.slot[best[c]!]!;
      if (relu)
        for (let c = 0; c < m; c++) {
          const v = out[orow + c]!;
          relu.out[orow + c] = v > 0 ? v : 0;
          codes[c * stride + relu.offset + u] = v > 0 ? 1 : 0;
        }
    }
    return;
  }
  if (node.type === 'hardtanh') {
    activationForwardImpl(out, x, node, inShape, m, undefined, 0, at.table);
    const n = x.length / m;
    for (let u = 0; u < n; u++)
      for (let c = 0; c < m; c++) {
        const v = x[u * m + c]!;
        codes[c * stride + offset + u] = v <= node.min ? 0 : v >= node.max ? 2 : 1;
      }
    return;
  }
  // relu, leaky_relu, prelu: slope 1 on, the off slope below.
  const n = x.length / m;
  const slopes = node.type === 'prelu' ? slopesOf(node, at.table) : null;
  const alpha = node.type === 'leaky_relu' ? node.alpha : 0;
  for (let u = 0; u < n; u++) {
    const a = slopes ? slopes[u]! : alpha;
    const row = u * m;
    // (without a branch per value where the off slope is 0: about one in four is mispredicted)
    if (a === 0)
      for (let c = 0; c < m; c++) {
        const v = x[row + c]!;
        out[row + c] = v > 0 ? v : 0;
        codes[c * stride + offset + u] = +(v > 0);
      }
    else
      for (let c = 0; c < m; c++) {
        const v = x[row + c]!;
        const on = v > 0;
        out[row + c] = on ? v : a * v;
        codes[c * stride + offset + u] = on ? 1 : 0;
      }
  }
}

/** A ReLU computed with the max-pool it reads (`pooledRelus`): its block and code offset. */
interface PooledRelu {
  readonly out: Float64Array;
  readonly offset: number;
}

/**
 * One max-pool output u whose window has four taps (2×2 pooling), m columns: each column's four
 * values at once, the running maximum in a local (2× the tap-by-tap passes over the column block,
 * measured alone); ties keep the first maximum. Writes u's row of `out` and each column's code byte
 * at `codes[c · stride + at]`; with `relu`, the ReLU's row and code bytes instead of `out`'s row.
 */
function maxPool4(
  out: Float64Array,
  x: Float64Array,
  t: { taps: Int32Array; slot: ArrayLike<number> },
  w: { u: number; st: number; m: number; codes: Uint8Array; at: number; stride: number; relu: PooledRelu | undefined },
): void {
  const { u, st, m, codes, at, stride, relu } = w;
  const orow = u * m;
  const [r0, r1, r2, r3] = [t.taps[st]! * m, t.taps[st + 1]! * m, t.taps[st + 2]! * m, t.taps[st + 3]! * m];
  const [s0, s1, s2, s3] = [t.slot[st]!, t.slot[st + 1]!, t.slot[st + 2]!, t.slot[st + 3]!];
  if (relu) {
    // The same maximum and first winning tap; the ReLU of the maximum instead of the maximum.
    const rout = relu.out;
    const rat = relu.offset + u;
    for (let c = 0; c < m; c++) {
      let v = x[r0 + c]!;
      let win = s0;
      const v1 = x[r1 + c]!;
      if (v1 > v) {
        v = v1;
        win = s1;
      }
      const v2 = x[r2 + c]!;
      if (v2 > v) {
        v = v2;
        win = s2;
      }
      const v3 = x[r3 + c]!;
      if (v3 > v) {
        v = v3;
        win = s3;
      }
      codes[c * stride + at] = win;
      const on = v > 0;
      rout[orow + c] = on ? v : 0;
      codes[c * stride + rat] = on ? 1 : 0;
    }
    return;
  }
  for (let c = 0; c < m; c++) {
    let v = x[r0 + c]!;
    let win = s0;
    const v1 = x[r1 + c]!;
    if (v1 > v) {
      v = v1;
      win = s1;
    }
    const v2 = x[r2 + c]!;
    if (v2 > v) {
      v = v2;
      win = s2;
    }
    const v3 = x[r3 + c]!;
    if (v3 > v) {
      v = v3;
      win = s3;
    }
    out[orow + c] = v;
    codes[c * stride + at] = win;
  }
}

/**
 * If node i reads the network input through reshapes and channel affines only (flatten, a folded
 * input normalization), the per-input scale of that chain (the chain's linear part is diagonal),
 * else undefined.
 */
function inputChainScale(p: PreparedNetwork, i: number): Float64Array | undefined {
  const nodes = p.network.nodes;
  const scale = new Float64Array(p.network.inputSize).fill(1);
  let j = nodes[i]!.inputs[0]!;
  while (j !== 0) {
    const node = nodes[j]!;
    if (node.type === 'channel_affine') {
      const per = node.shape.length === 3 ? node.shape[1]! * node.shape[2]! : 1;
      const channels = node.scale.length;
      for (let k = 0; k < scale.length; k++) scale[k] = scale[k]! * node.scale[Math.floor(k / per) % channels]!;
    } else if (node.type !== 'reshape') {
      return undefined;
    }
    j = node.inputs[0]!;
  }
  return scale;
}

/** Per node: the weight of a dense node that reads the input through reshapes and channel affines, times that chain's diagonal; else undefined. */
function directWeights(p: PreparedNetwork): (Float64Array | undefined)[] {
  return p.network.nodes.map((n, i) => {
    if (i === 0 || n.type !== 'dense') return undefined;
    const scale = inputChainScale(p, i);
    if (!scale) return undefined;
    const w = Float64Array.from(n.weight);
    for (let j = 0; j < n.outFeatures; j++)
      for (let k = 0; k < n.inFeatures; k++) w[j * n.inFeatures + k] = w[j * n.inFeatures + k]! * scale[k]!;
    return w;
  });
}

/** Reverse-mode Jacobians of one network, reusing its adjoint buffers from sample to sample. */
class ReversePass {
  private readonly adj: Float64Array[];
  /** The convolutions' transposes on the WebAssembly SIMD kernel (the adjoints then live in its memory); null without (scalar JS). */
  private readonly conv: ConvLayout | null;
  private readonly slotOf: Int32Array;
  /**
   * Per node: for a dense node that reads the input through reshapes and channel affines, its
   * weight times that chain's diagonal (it writes J directly, bypassing the chain); else undefined.
   */
  private readonly direct: (Float64Array | undefined)[];
  /** The direct nodes' products on the WebAssembly SIMD kernel; null without WebAssembly SIMD (then scalar JS). */
  private readonly gemm: DirectGemm | null;
  /** Per node: 1 when its adjoint is never written (every consumer is a direct dense node or itself dead), so the pass skips it. */
  private readonly dead: Uint8Array;
  /**
   * Per node: 1 when its adjoint does not depend on the sample (reached from the output seed only
   * through fixed linear maps: the layers after the last activation); 0 for others. Such adjoints
   * are computed by the first `run` after `begin` and kept.
   */
  private readonly constant: Uint8Array;
  /** Per node: 1 when its inputs' adjoints are constant, so its transpose runs once per batch. */
  private readonly once: Uint8Array;
  /**
   * Per direct node: the ReLU, leaky ReLU or hard-tanh node that is its only consumer
   * when that activation's output adjoint is constant (a net with one hidden layer), else −1. Row j
   * of the node's adjoint is then the constant row times the slope of code byte j, so the rows that
   * differ from a parent's are where the two codes differ: `run` lists them from the codes (128 byte
   * compares for dense-128) instead of comparing the two adjoints value by value (1,280), and counts
   * the rows whose slope is not zero (code 1, or any code of a leaky ReLU with a non-zero slope).
   */
  private readonly codeRows: Int32Array;
  /** The rows listed for the current sample (`codeRows`). */
  private readonly changed: Int32Array;
  /** The flip path (`flipSteps`): undefined until first asked for, null where it does not apply. */
  private flip: FlipSteps | null | undefined;
  private warm = false;
  /** True from the start of a `run` to its end. */
  private running = false;
  /** Per node: 1 for a convolution whose gradient block the kernel clears after use (every `run` passes it through the kernel). */
  private readonly selfCleaning: Uint8Array;

  constructor(private readonly p: PreparedNetwork) {
    const net = p.network;
    const o = net.outputSize;
    const laid = layoutOnConvKernel(p);
    this.adj = laid?.adj ?? net.nodes.map((n) => new Float64Array(sizeOf(n.shape) * o));
    this.conv = laid ?? null;
    this.slotOf = new Int32Array(net.nodes.length).fill(-1);
    net.activations.forEach((s, i) => (this.slotOf[s.node] = i));
    this.direct = p.memo('coefficients:direct-weights', () => directWeights(p));
    this.dead = new Uint8Array(net.nodes.length);
    const consumers = net.nodes.map(() => [] as number[]);
    net.nodes.forEach((n, k) => n.inputs.forEach((j) => consumers[j]!.push(k)));
    for (let i = net.nodes.length - 1; i >= 0; i--) {
      const c = consumers[i]!;
      if (i !== net.output && c.length > 0 && c.every((k) => this.direct[k] || this.dead[k])) this.dead[i] = 1;
    }
    this.constant = constantAdjoints(net, this.direct, consumers);
    this.once = Uint8Array.from(net.nodes, (n) => (n.inputs.length > 0 && n.inputs.every((j) => this.constant[j]) ? 1 : 0));
    this.codeRows = Int32Array.from(net.nodes, (_, i) => {
      const cs = consumers[i]!;
      const a = cs.length === 1 ? net.nodes[cs[0]!]! : undefined;
      const elementwise = a?.type === 'relu' || a?.type === 'leaky_relu' || a?.type === 'hardtanh';
      return this.direct[i] && elementwise && this.constant[cs[0]!] ? cs[0]! : -1;
    });
    this.changed = new Int32Array(Math.max(0, ...net.nodes.map((n) => (n.type === 'dense' ? n.outFeatures : 0))));
    this.selfCleaning = Uint8Array.from(net.nodes, (n, i) =>
      this.conv && n.type === 'conv2d' && !this.dead[i] && !this.once[i] && !this.constant[i] ? 1 : 0,
    );
    const kernel = this.direct.some((w) => w) ? gemm64() : null;
    this.gemm = kernel ? new DirectGemm(kernel, this.direct, net.inputSize, o) : null;
  }

  /** True when the input-layer products run on the kernel, from sample to sample (then the visiting order matters for speed). */
  get chained(): boolean {
    return this.gemm !== null;
  }

  /**
   * The flip path (flip-steps.ts) when this network is one of its kind — one dense node that reads
   * the input and alone reaches it, a ReLU or hard-tanh after it with a constant adjoint above,
   * rows within `MAX_FLIP_BYTES`, WebAssembly SIMD — else null. Built on the first call of a
   * prepared network, before a batch's forward pass: one `run` of an all-off code computes the
   * constant adjoint whose rows the steps multiply, and a forward pass of the zero input the layer's
   * pre-activation there (the offsets' constant part).
   */
  flipSteps(): FlipSteps | null {
    if (this.flip !== undefined) return this.flip;
    this.flip = null;
    const net = this.p.network;
    const directs = net.nodes.flatMap((_, i) => (this.direct[i] ? [i] : []));
    if (directs.length !== 1 || !this.dead[0]) return null;
    const i = directs[0]!;
    const ai = this.codeRows[i]!;
    const act = ai >= 0 ? net.nodes[ai]! : undefined;
    if (act?.type !== 'relu' && act?.type !== 'hardtanh') return null;
    const units = (net.nodes[i] as DenseNode).outFeatures;
    const { inputSize: d, outputSize: o } = net;
    if (!FlipSteps.available() || FlipSteps.bytes(units, o, d) > MAX_FLIP_BYTES) return null;
    this.begin(1);
    this.run(new Uint8Array(net.numUnits), new Float64Array(o * d), 0, -1);
    const zero = new Float64Array(units);
    forwardBatchWithCodes(this.p, new Float64Array(d), 1, undefined, { node: ai, into: zero });
    const at = net.activations[this.slotOf[ai]!]!.offset;
    this.flip = new FlipSteps({ adjoint: this.adj[ai]!, weight: this.direct[i]!, preAtZero: zero }, { units, o, d }, { node: ai, at });
    return this.flip;
  }

  /**
   * Call once after the forward pass and before the first `run` of a batch of `count` samples (the
   * kernel's memory is shared with the forward pass).
   */
  begin(count: number): void {
    this.gemm?.load(count);
    this.warm = false;
    // A run that did not finish (an exception) may have left rows in the blocks the kernel clears.
    if (this.running) this.adj.forEach((a, i) => this.selfCleaning[i] && a.fill(0));
    this.running = false;
  }

  /**
   * For direct node i with `codeRows`: the units whose code differs from the parent's (a view of
   * `changed`) and the count of units whose slope is not zero; else no rows.
   */
  private codeChanges(i: number, code: Uint8Array, parentCode: Uint8Array | undefined): { rows?: Int32Array; live: number } {
    const ai = this.codeRows[i]!;
    if (ai < 0 || !parentCode) return { live: 0 };
    const net = this.p.network;
    const units = (net.nodes[i] as DenseNode).outFeatures;
    const act = net.nodes[ai]!;
    const at = net.activations[this.slotOf[ai]!]!.offset;
    const changed = this.changed;
    let h = 0;
    let live = 0;
    for (let j = 0; j < units; j++) {
      const c = code[at + j]!;
      if (c !== parentCode[at + j]) changed[h++] = j;
      if (c === 1) live++;
    }
    if (act.type === 'leaky_relu' && act.alpha !== 0) live = units;
    return { rows: changed.subarray(0, h), live };
  }

  /**
   * The max-pool i's transpose and its convolution's in one: the list of the pool's winners (the
   * convolution output each pool output took its value from, under this code) with the pool's
   * gradient rows, then the kernel over that list into the convolution's input adjoint.
   */
  private poolIntoConv(i: number, f: PooledConv, code: Uint8Array, g: Float64Array): void {
    const net = this.p.network;
    const o = net.outputSize;
    const offset = net.activations[this.slotOf[i]!]!.offset;
    const { list, winners, states } = f;
    const n = winners.length / states / 2;
    const rowBytes = o * 8;
    const gAt = g.byteOffset;
    // With the ReLU after the pool fused (g is then the ReLU's adjoint): a unit whose ReLU is off
    // adds nothing; an on unit's row is the ReLU's own (its transpose copies it exactly). The kernel
    // skips rows that are zero, so only the unfused path tests them here.
    const reluAt = f.relu < 0 ? -1 : net.activations[this.slotOf[f.relu]!]!.offset;
    // Position-major (every channel of one pool window, then the next window): the entries one after
    // another then add into the same few input positions of every input channel, which stay in
    // cache (channel-major, each entry's rows were mostly evicted before the next channel's).
    const shape = net.nodes[i]!.shape;
    const channels = shape.length === 3 ? shape[0]! : 1;
    const per = n / channels;
    let e = 0;
    // The grouped kernel's counting sort counts the entries per position here (`sortByPosition`).
    const counts = f.grouped?.counts;
    counts?.fill(0);
    for (let q = 0; q < per; q++)
      for (let u = q; u < n; u += per) {
        const w = (u * states + code[offset + u]!) * 2;
        if (!(winners[w]! >= 0)) throw new InternalError(`max-pool code state ${code[offset + u]} is not an in-bounds tap of window ${u}`);
        list[e * 3] = winners[w]!;
        list[e * 3 + 1] = winners[w + 1]!;
        list[e * 3 + 2] = gAt + u * rowBytes;
        let add = 1;
        if (reluAt >= 0) {
          // Branch-free (a ReLU's code is 0 or 1; about a third are off): an off unit's entry is overwritten.
          add = code[reluAt + u]!;
        } else {
          // A zero gradient row adds nothing.
          let zero = true;
          for (let r = 0; r < o && zero; r++) if (g[u * o + r] !== 0) zero = false;
          if (zero) add = 0;
        }
        e += add;
        if (counts) counts[winners[w + 1]! + 2]! += add;
      }
    f.desc[8] = e;
    if (f.gather) {
      const rAt = net.activations[this.slotOf[net.nodes[f.conv]!.inputs[0]!]!]!.offset;
      this.conv!.kernel.runGather(f.gather.progAt, gatherProgram(f.gather, list, e, code, rAt, o));
      return;
    }
    const conv = net.nodes[f.conv]!;
    const ginAt = this.adj[conv.inputs[0]!]!.byteOffset;
    if (f.grouped) {
      sortByPosition(f.grouped, list, e);
      this.conv!.kernel.runGrouped(ginAt, this.conv!.layouts[f.conv]!, f.grouped.at);
      return;
    }
    this.conv!.kernel.runList(ginAt, this.conv!.layouts[f.conv]!, f.listAt);
  }

  /**
   * J (row-major o × d) of the code into `jac` (overwritten), for the batch's sample `slot`; `parent`:
   * a sample of the batch run earlier whose products the direct layers may start from, or −1, and
   * `parentCode` its code.
   */
  run(code: Uint8Array, jac: Float64Array, slot: number, parent: number, parentCode?: Uint8Array): void {
    const net = this.p.network;
    const nodes = net.nodes;
    const o = net.outputSize;
    const d = net.inputSize;
    const dead = this.dead;
    const warm = this.warm;
    const keep = warm ? this.constant : dead;
    // (the convolution kernel leaves its gradient block all zero: no need to clear it)
    this.adj.forEach(
      (a, i) => dead[i] || keep[i] || this.selfCleaning[i] || this.conv?.fusedConv[i] || this.conv?.assigned[i] || a.fill(0),
    );
    this.running = true;
    let written = false;
    const clear = () => {
      if (!written) jac.fill(0);
      written = true;
    };
    const seed = this.adj[net.output]!;
    if (!warm || !this.constant[net.output]) for (let r = 0; r < o; r++) seed[r * o + r] = 1;
    this.warm = true;
    for (let i = nodes.length - 1; i >= 1; i--) {
      if (dead[i] || (warm && this.once[i]) || this.conv?.fusedConv[i] || this.conv?.fusedRelu[i]) continue;
      const g = this.adj[i]!;
      const node = nodes[i]!;
      if (node.type === 'reshape') {
        const gin = this.adj[node.inputs[0]!]!;
        for (let k = 0; k < g.length; k++) gin[k] = gin[k]! + g[k]!;
        continue;
      }
      const direct = this.direct[i];
      if (direct && this.gemm) {
        const { rows, live } = this.codeChanges(i, code, parentCode);
        this.gemm.accumulate(i, g, jac, !written, slot, parent, rows, live);
        written = true;
        continue;
      }
      if (direct) {
        clear();
        denseTransposeIntoJacobian(jac, g, node as DenseNode, direct, o);
        continue;
      }
      const inShape = nodes[node.inputs[0]!]!.shape;
      const gins = node.inputs.map((j) => this.adj[j]!);
      const pooled = this.conv?.fused.get(i);
      if (pooled) {
        this.poolIntoConv(i, pooled, code, pooled.relu < 0 ? g : this.adj[pooled.relu]!);
        continue;
      }
      if (isActivation(node)) {
        const slot = net.activations[this.slotOf[i]!]!;
        activationFixedTransposeImpl(gins[0]!, g, node, inShape, o, code, slot.offset, this.p.table(i));
      } else if (node.type === 'conv2d' && this.conv) {
        this.conv.kernel.run(g.byteOffset, gins[0]!.byteOffset, this.conv.layouts[i]!);
      } else if (node.type === 'conv2d') {
        const tapIn = this.p.memo(`coefficients:conv-taps:${i}`, () => convTapTable(node, inShape));
        conv2dTransposeSparse(gins[0]!, g, node, inShape, o, tapIn);
      } else if (node.type === 'dense') {
        denseTransposeF64(gins[0]!, g, node, o);
      } else {
        affineTransposeImpl(gins, g, node, inShape, o, this.p.table(i));
      }
    }
    this.running = false;
    // Whatever reached the input other than through a direct dense node (convolutions, skips).
    if (dead[0]) {
      clear();
      return;
    }
    const gin = this.adj[0]!;
    if (written) for (let r = 0; r < o; r++) for (let c = 0; c < d; c++) jac[r * d + c] = jac[r * d + c]! + gin[c * o + r]!;
    else for (let r = 0; r < o; r++) for (let c = 0; c < d; c++) jac[r * d + c] = gin[c * o + r]!;
  }
}

/** The largest weight and adjoint rows of the one-hidden-layer path (flip-steps.ts): 128 MiB (dense-128 on MNIST: 0.8 MB). */
const MAX_FLIP_BYTES = 2 ** 27;

/** The largest kernel memory for the convolution transposes (1 GiB). */
const MAX_KERNEL_BYTES = 2 ** 30;

/**
 * Every adjoint buffer of the reverse pass laid out in the memory of a sparse transposed-convolution
 * kernel (conv-transpose64.ts), with each convolution's weight, tap table (byte offsets, −1 in the
 * padding) and descriptor; undefined when the network has no convolution, the number of outputs o
 * is odd or above 32 (the kernel holds a row's column pairs in locals) or WebAssembly SIMD is missing.
 */
function layoutOnConvKernel(p: PreparedNetwork): ConvLayout | undefined {
  const net = p.network;
  const o = net.outputSize;
  const convs = net.nodes.flatMap((n, i) => (n.type === 'conv2d' ? [i] : []));
  if (convs.length === 0) return undefined;
  // A max-pool that is its convolution's only consumer: the kernel visits the pool's winners (a list
  // in its memory, one entry per pool output) and the convolution's own output adjoint is never formed.
  const consumers = net.nodes.map(() => [] as number[]);
  net.nodes.forEach((n, k) => n.inputs.forEach((j) => consumers[j]!.push(k)));
  const pooled = new Map<number, number>();
  for (const c of convs) {
    const cs = consumers[c]!;
    if (cs.length === 1 && net.nodes[cs[0]!]!.type === 'maxpool' && c !== net.output) pooled.set(cs[0]!, c);
  }
  let bytes = 0;
  const fusedConv = Uint8Array.from(net.nodes, (_, i) => ([...pooled.values()].includes(i) ? 1 : 0));
  // A ReLU that is such a pool's only consumer: the pool's list reads the ReLU's adjoint rows where
  // its code is on, so the ReLU's transpose is skipped and the pool's own adjoint never formed.
  const reluOf = new Map<number, number>();
  for (const [pool] of pooled) {
    const cs = consumers[pool]!;
    if (pool !== net.output && cs.length === 1 && net.nodes[cs[0]!]!.type === 'relu' && cs[0] !== net.output) reluOf.set(pool, cs[0]!);
  }
  const fusedRelu = Uint8Array.from(net.nodes, (_, i) => ([...reluOf.values()].includes(i) ? 1 : 0));
  // (a fused convolution's, or a fused ReLU's pool's, output adjoint is never formed: no room for it)
  const adjLength = net.nodes.map((n, i) => (fusedConv[i] || reluOf.has(i) ? 0 : sizeOf(n.shape) * o));
  const adjAt = adjLength.map((len) => {
    const at = bytes;
    bytes += len * 8;
    return at;
  });
  const tables = new Map<number, Int32Array>();
  const at = new Map<number, ConvTransposeLayout>();
  for (const i of convs) {
    const node = net.nodes[i] as Conv2dNode;
    const inShape = net.nodes[node.inputs[0]!]!.shape;
    const tapIn = p.memo(`coefficients:conv-taps:${i}`, () => convTapTable(node, inShape));
    tables.set(i, tapIn);
    const weight = bytes;
    const taps = weight + node.weight.length * 8;
    const desc = taps + Math.ceil((tapIn.length * 4) / 8) * 8;
    bytes = desc + 48;
    at.set(i, { weight, taps, desc });
  }
  const lists = new Map<number, number>();
  // Per pool: its gather program, or (one group) its list sorted by position for the grouped kernel.
  const programs = new Map<number, number>();
  const sorted = new Map<number, number>();
  for (const [pool, conv] of pooled) {
    const listBytes = Math.ceil((sizeOf(net.nodes[pool]!.shape) * 12) / 8) * 8;
    lists.set(pool, bytes);
    bytes += listBytes;
    const words = gatherWords(net, pool, conv, { fusedRelu, consumers });
    if (words === 0 && (net.nodes[conv] as Conv2dNode).groups !== 1) continue;
    (words > 0 ? programs : sorted).set(pool, bytes);
    bytes += words > 0 ? words * 4 : listBytes;
  }
  // Byte offsets are i32 in the kernel: stay well inside them (larger networks keep the JS loops).
  if (bytes >= MAX_KERNEL_BYTES) return undefined;
  const kernel = convTransposeKernel(o, bytes);
  if (!kernel) return undefined;
  const buf = kernel.memory.buffer;
  const adj = net.nodes.map((_, i) => new Float64Array(buf, adjAt[i]!, adjLength[i]!));
  const layouts: (ConvTransposeLayout | undefined)[] = net.nodes.map(() => undefined);
  for (const i of convs)
    layouts[i] = writeConvLayout(
      buf,
      net.nodes[i] as Conv2dNode,
      net.nodes[net.nodes[i]!.inputs[0]!]!.shape,
      at.get(i)!,
      tables.get(i)!,
      o,
    );
  const { fused, assigned } = fusedPools(p, pooled, { buf, adj, layouts, tables, lists, programs, sorted, reluOf });
  return { kernel, adj, layouts, fused, fusedConv, fusedRelu, assigned };
}

/**
 * Per output u of max-pool `pool` (input shape `inShape`, c × h × w) and code state s: the channel and
 * position within the channel of the input that wins u's window under s (`maxPoolSource`), at
 * `2 · (u · states + s)`; −1 for a state that is no in-bounds tap of u's window.
 */
function poolWinners(p: PreparedNetwork, pool: number, inShape: Shape): { winners: Int32Array; states: number } {
  const node = p.network.nodes[pool] as ActivationNode & { type: 'maxpool' };
  const t = windowOf(node, inShape, p.table(pool));
  const plane = inShape[1]! * inShape[2]!;
  const n = t.divisor.length;
  let states = 1;
  for (const s of t.slot) states = Math.max(states, s + 1);
  const winners = new Int32Array(n * states * 2).fill(-1);
  for (let u = 0; u < n; u++)
    for (let k = t.start[u]!; k < t.start[u + 1]!; k++) {
      const src = t.taps[k]!;
      const ch = Math.floor(src / plane);
      const w = (u * states + t.slot[k]!) * 2;
      winners[w] = ch;
      winners[w + 1] = src - ch * plane;
    }
  return { winners, states };
}

/** A max-pool whose convolution's transpose runs over the pool's winners (see `layoutOnConvKernel`). */
interface PooledConv {
  readonly conv: number;
  /** `poolWinners`: (channel, position) of the winning input per output and code state, and the states per output. */
  readonly winners: Int32Array;
  readonly states: number;
  /** The ReLU that is the pool's only consumer (its transpose folded into the list), or −1. */
  readonly relu: number;
  /** Byte offset of the list (channel, position, gradient row byte offset) per entry. */
  readonly listAt: number;
  readonly list: Int32Array;
  /** The convolution's descriptor (entry 8: the list's length). */
  readonly desc: Int32Array;
  /** The transpose in gather form, or null. */
  readonly gather: GatherConv | null;
  /**
   * Without a gather, for one group: the list sorted by position for the grouped kernel (entries:
   * weight byte offset of W[oc, 0, 0], position, row), a counting sort's counts (positions + 2),
   * the weight's byte offset and bytes per output channel of it; null: the list kernel.
   */
  readonly grouped: {
    readonly at: number;
    readonly list: Int32Array;
    readonly counts: Int32Array;
    readonly weight: number;
    readonly ocBytes: number;
  } | null;
}

/**
 * A pooled convolution's transpose in gather form: each needed row of its input adjoint (a unit
 * whose ReLU is on; the ReLU's pool reads no other) is written once as the sum of W[oc, ci, t] ·
 * g[oc, q] over the list's entries (oc, q) whose tap t reaches it, instead of every entry adding
 * into all taps × input channels. The rows of units that are off are neither computed nor cleared
 * (on MNIST about 40 % of the simple CNN's second convolution's inputs), and each row's sum stays
 * in registers. The program (`gatherBody` in conv-transpose64.ts) is written per sample.
 */
interface GatherConv {
  /** Per input position p: the (tap, output position) pairs reaching it, `inverse[start[p]] …` as t, q. */
  readonly start: Int32Array;
  readonly inverse: Int32Array;
  /** The entries sorted by output position (a counting sort: position q's at [counts[q], counts[q + 1])) and their weight and row byte offsets. */
  readonly counts: Int32Array;
  readonly sortedW: Int32Array;
  readonly sortedG: Int32Array;
  /** The program (i32 view of the kernel's memory) and its byte offset. */
  readonly prog: Int32Array;
  readonly progAt: number;
  readonly weight: number;
  /** Byte offset of the input adjoint. */
  readonly gin: number;
  readonly inChannels: number;
  readonly plane: number;
  readonly taps: number;
}

/** The fused pools' lists and gather programs in the kernel's memory `buf` (`layoutOnConvKernel`), and which adjoints the gathers write. */
function fusedPools(
  p: PreparedNetwork,
  pooled: Map<number, number>,
  ctx: {
    buf: ArrayBufferLike;
    adj: Float64Array[];
    layouts: (ConvTransposeLayout | undefined)[];
    tables: Map<number, Int32Array>;
    lists: Map<number, number>;
    programs: Map<number, number>;
    sorted: Map<number, number>;
    reluOf: Map<number, number>;
  },
): { fused: Map<number, PooledConv>; assigned: Uint8Array } {
  const net = p.network;
  const { buf, adj, layouts, tables, lists, programs, sorted, reluOf } = ctx;
  const fused = new Map<number, PooledConv>();
  const assigned = new Uint8Array(net.nodes.length);
  for (const [pool, conv] of pooled) {
    const l = layouts[conv]!;
    const listAt = lists.get(pool)!;
    const progAt = programs.get(pool);
    const node = net.nodes[conv] as Conv2dNode;
    const r = node.inputs[0]!;
    if (progAt !== undefined) assigned[r] = 1;
    const sortedAt = sorted.get(pool);
    const [, ho, wo] = node.shape as [number, number, number];
    fused.set(pool, {
      grouped:
        sortedAt === undefined
          ? null
          : {
              at: sortedAt,
              list: new Int32Array(buf, sortedAt, sizeOf(net.nodes[pool]!.shape) * 3),
              counts: new Int32Array(ho * wo + 2),
              weight: l.weight,
              ocBytes: node.inChannels * node.kernel[0] * node.kernel[1] * 8,
            },
      conv,
      relu: reluOf.get(pool) ?? -1,
      ...poolWinners(p, pool, node.shape),
      listAt,
      list: new Int32Array(buf, listAt, sizeOf(net.nodes[pool]!.shape) * 3),
      desc: new Int32Array(buf, l.desc, 9),
      gather:
        progAt === undefined
          ? null
          : gatherLayout(node, net.nodes[r]!.shape, tables.get(conv)!, {
              buf,
              progAt,
              weight: l.weight,
              gin: adj[r]!.byteOffset,
              entries: sizeOf(net.nodes[pool]!.shape),
            }),
    });
  }
  return { fused, assigned };
}

/** Writes convolution `node`'s weight, tap table (byte offsets of rows of o = `desc`'s row bytes / 8 columns) and descriptor at `l` in `buf`. */
function writeConvLayout(
  buf: ArrayBufferLike,
  node: Conv2dNode,
  inShape: Shape,
  l: ConvTransposeLayout,
  tapIn: Int32Array,
  o: number,
): ConvTransposeLayout {
  const [, h, w] = inShape as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  const taps = node.kernel[0] * node.kernel[1];
  new Float64Array(buf, l.weight, node.weight.length).set(node.weight);
  const scaled = new Int32Array(buf, l.taps, tapIn.length);
  for (let k = 0; k < tapIn.length; k++) scaled[k] = tapIn[k]! < 0 ? -1 : tapIn[k]! * o * 8;
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  new Int32Array(buf, l.desc, 9).set([node.outChannels, ho * wo, taps, icg, ocg, h * w * o * 8, o * 8, taps * 8, 0]);
  return l;
}

/**
 * The i32 words of the gather program of pooled convolution `conv` (pool `pool`), or 0 where its
 * transpose keeps the list kernel: a pooled convolution with one group whose input is a ReLU fused
 * into its own pool's list and read by nothing else runs in gather form over
 * the rows that pool reads. At most one segment header per input position, one term per list
 * entry and tap, one row per input unit.
 */
function gatherWords(
  net: PreparedNetwork['network'],
  pool: number,
  conv: number,
  fused: { fusedRelu: Uint8Array; consumers: number[][] },
): number {
  const node = net.nodes[conv] as Conv2dNode;
  const r = node.inputs[0]!;
  if (node.groups !== 1 || !fused.fusedRelu[r] || fused.consumers[r]!.length !== 1) return 0;
  const inShape = net.nodes[node.inputs[0]!]!.shape;
  const plane = inShape[1]! * inShape[2]!;
  return 2 * plane + 2 * sizeOf(net.nodes[pool]!.shape) * node.kernel[0] * node.kernel[1] + 2 * sizeOf(inShape);
}

function gatherLayout(
  node: Conv2dNode,
  inShape: Shape,
  tapIn: Int32Array,
  at: { buf: ArrayBufferLike; progAt: number; weight: number; gin: number; entries: number },
): GatherConv {
  const [inChannels, h, w] = inShape as [number, number, number];
  const plane = h * w;
  const taps = node.kernel[0] * node.kernel[1];
  const positions = tapIn.length / taps;
  const start = new Int32Array(plane + 1);
  for (const p of tapIn) if (p >= 0) start[p + 1]!++;
  for (let p = 0; p < plane; p++) start[p + 1]! += start[p]!;
  const inverse = new Int32Array(2 * start[plane]!);
  const fill = start.slice(0, plane);
  for (let q = 0; q < positions; q++)
    for (let t = 0; t < taps; t++) {
      const p = tapIn[q * taps + t]!;
      if (p < 0) continue;
      const k = fill[p]!++;
      inverse[2 * k] = t;
      inverse[2 * k + 1] = q;
    }
  const entries = at.entries;
  const words = 2 * plane + 2 * entries * taps + 2 * inChannels * plane;
  return {
    start,
    inverse,
    counts: new Int32Array(positions + 2),
    sortedW: new Int32Array(entries),
    sortedG: new Int32Array(entries),
    prog: new Int32Array(at.buf, at.progAt, words),
    progAt: at.progAt,
    weight: at.weight,
    gin: at.gin,
    inChannels,
    plane,
    taps,
  };
}

/**
 * The e entries of `list` (output channel, position, row) into `g.list` sorted by position (a
 * counting sort, stable; `g.counts[q + 2]` holds the entries at position q on entry), the channel
 * replaced by its weight's byte offset: the grouped kernel's list, where the entries of one
 * position add into the same input rows once.
 */
function sortByPosition(g: NonNullable<PooledConv['grouped']>, list: Int32Array, e: number): void {
  const { counts, weight, ocBytes } = g;
  const out = g.list;
  for (let q = 2; q < counts.length; q++) counts[q]! += counts[q - 1]!;
  for (let k = 0; k < e; k++) {
    const a = counts[list[k * 3 + 1]! + 1]!++ * 3;
    out[a] = weight + list[k * 3]! * ocBytes;
    out[a + 1] = list[k * 3 + 1]!;
    out[a + 2] = list[k * 3 + 2]!;
  }
}

/**
 * Writes the gather program of one sample (`gatherBody`): `list` holds the e entries (output
 * channel, position, gradient row byte offset) of the pool's winners, `code[reluAt + unit]` the
 * ReLU before the convolution (0 or 1). One segment per input position with an on unit: its on
 * units' rows, then the terms of the entries that reach it (sorted by output position, taps in
 * the order of `inverse`). Returns the number of segments.
 */
function gatherProgram(gc: GatherConv, list: Int32Array, e: number, code: Uint8Array, reluAt: number, o: number): number {
  const { start, inverse, counts, sortedW, sortedG, prog, weight, gin, inChannels, plane, taps } = gc;
  // Counting sort of the entries by output position: position q's entries at [counts[q], counts[q + 1]).
  counts.fill(0);
  for (let k = 0; k < e; k++) counts[list[k * 3 + 1]! + 2]!++;
  for (let q = 2; q < counts.length; q++) counts[q]! += counts[q - 1]!;
  const ocBytes = inChannels * taps * 8;
  for (let k = 0; k < e; k++) {
    const a = counts[list[k * 3 + 1]! + 1]!++;
    sortedW[a] = weight + list[k * 3]! * ocBytes;
    sortedG[a] = list[k * 3 + 2]!;
  }
  const rowBytes = o * 8;
  const ciBytes = taps * 8;
  let ptr = 0;
  let segments = 0;
  for (let p = 0; p < plane; p++) {
    const head = ptr;
    ptr += 2;
    // On units' rows, branch-free (a ReLU's code is 0 or 1: an off unit's entry is overwritten).
    let rows = 0;
    for (let ci = 0; ci < inChannels; ci++) {
      const u = ci * plane + p;
      prog[ptr] = ci * ciBytes;
      prog[ptr + 1] = gin + u * rowBytes;
      const on = code[reluAt + u]!;
      ptr += 2 * on;
      rows += on;
    }
    if (rows === 0) {
      ptr = head;
      continue;
    }
    let terms = 0;
    for (let j = start[p]!; j < start[p + 1]!; j++) {
      const tb = inverse[2 * j]! * 8;
      const q = inverse[2 * j + 1]!;
      const end = counts[q + 1]!;
      for (let a = counts[q]!; a < end; a++, ptr += 2) {
        prog[ptr] = sortedW[a]! + tb;
        prog[ptr + 1] = sortedG[a]!;
      }
      terms += end - counts[q]!;
    }
    prog[head] = terms;
    prog[head + 1] = rows;
    segments++;
  }
  return segments;
}

/** The reverse pass laid out in the convolution kernel's memory. */
interface ConvLayout {
  readonly kernel: ConvTransposeKernel;
  readonly adj: Float64Array[];
  readonly layouts: (ConvTransposeLayout | undefined)[];
  /** Per max-pool node fused with its convolution. */
  readonly fused: Map<number, PooledConv>;
  /** Per node: 1 for a convolution whose transpose its max-pool runs (skipped in the pass; its adjoint is never written). */
  readonly fusedConv: Uint8Array;
  /** Per node: 1 for a ReLU whose transpose its pool's list takes over (skipped in the pass). */
  readonly fusedRelu: Uint8Array;
  /** Per node: 1 when its adjoint's rows that are read are written by a gather (`GatherConv`), so it is never cleared. */
  readonly assigned: Uint8Array;
}

/**
 * J[r, :] += Σ_j g[j, r] · W[j, :] (W: the node's weight with the input chain's scale folded in) over the rows j of g that are not zero (g unit-major, m = o
 * columns): four units and two rows of J per pass.
 */

function denseTransposeIntoJacobian(jac: Float64Array, g: Float64Array, node: DenseNode, w: Float64Array, o: number): void {
  const d = node.inFeatures;
  const active: number[] = [];
  for (let j = 0; j < node.outFeatures; j++) {
    for (let r = 0; r < o; r++) {
      if (g[j * o + r] !== 0) {
        active.push(j);
        break;
      }
    }
  }
  let a = 0;
  for (; a + 4 <= active.length; a += 4) {
    const j0 = active[a]!;
    const j1 = active[a + 1]!;
    const j2 = active[a + 2]!;
    const j3 = active[a + 3]!;
    const w0 = j0 * d;
    const w1 = j1 * d;
    const w2 = j2 * d;
    const w3 = j3 * d;
    let r = 0;
    // Two rows of J per pass: each weight is loaded once for eight multiply-adds (1.7× the one-row loop here).
    for (; r + 2 <= o; r += 2) {
      const g0 = g[j0 * o + r]!;
      const g1 = g[j1 * o + r]!;
      const g2 = g[j2 * o + r]!;
      const g3 = g[j3 * o + r]!;
      const h0 = g[j0 * o + r + 1]!;
      const h1 = g[j1 * o + r + 1]!;
      const h2 = g[j2 * o + r + 1]!;
      const h3 = g[j3 * o + r + 1]!;
      const row = r * d;
      const row2 = row + d;
      for (let i = 0; i < d; i++) {
        const a0 = w[w0 + i]!;
        const a1 = w[w1 + i]!;
        const a2 = w[w2 + i]!;
        const a3 = w[w3 + i]!;
        jac[row + i] = jac[row + i]! + g0 * a0 + g1 * a1 + g2 * a2 + g3 * a3;
        jac[row2 + i] = jac[row2 + i]! + h0 * a0 + h1 * a1 + h2 * a2 + h3 * a3;
      }
    }
    for (; r < o; r++) {
      const g0 = g[j0 * o + r]!;
      const g1 = g[j1 * o + r]!;
      const g2 = g[j2 * o + r]!;
      const g3 = g[j3 * o + r]!;
      const row = r * d;
      for (let i = 0; i < d; i++) jac[row + i] = jac[row + i]! + g0 * w[w0 + i]! + g1 * w[w1 + i]! + g2 * w[w2 + i]! + g3 * w[w3 + i]!;
    }
  }
  for (; a < active.length; a++) {
    const j = active[a]!;
    const wj = j * d;
    for (let r = 0; r < o; r++) {
      const gj = g[j * o + r]!;
      if (gj === 0) continue;
      const row = r * d;
      for (let i = 0; i < d; i++) jac[row + i] = jac[row + i]! + gj * w[wj + i]!;
    }
  }
}

/** gin += Wᵀ g for a dense node on unit-major blocks of o columns, over the rows of g that are not zero. */
function denseTransposeF64(gin: Float64Array, g: Float64Array, node: DenseNode, o: number): void {
  const nIn = node.inFeatures;
  const w = node.weight;
  for (let j = 0; j < node.outFeatures; j++) {
    const gr = j * o;
    let zero = true;
    for (let c = 0; c < o; c++) if (g[gr + c] !== 0) zero = false;
    if (zero) continue;
    const wr = j * nIn;
    for (let i = 0; i < nIn; i++) {
      const wi = w[wr + i]!;
      const ir = i * o;
      for (let c = 0; c < o; c++) gin[ir + c] = gin[ir + c]! + wi * g[gr + c]!;
    }
  }
}

/** Per output position of a convolution: the input offsets (within a channel) of its taps, −1 where a tap falls in the padding; shared by every channel. */
function convTapTable(node: Conv2dNode, inShape: Shape): Int32Array {
  const [, h, w] = inShape as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.dilation;
  const pt = node.padding[0];
  const pl = node.padding[1];
  const taps = kh * kw;
  const tapIn = new Int32Array(ho * wo * taps);
  for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const iy = oy * sh - pt + ky * dh;
          const ix = ox * sw - pl + kx * dw;
          tapIn[(oy * wo + ox) * taps + ky * kw + kx] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : iy * w + ix;
        }
      }
    }
  }
  return tapIn;
}

/**
 * Transposed convolution of a gradient block (m columns), visiting only output positions whose
 * gradient row is not zero (after a ReLU or max-pool most are). Columns go in chunks of eight held
 * in locals, so each tap costs one weight load per eight multiply-adds (1.2–1.8× the chunks of four
 * on the simple CNN's second convolution, the same sums in the same order).
 */

function conv2dTransposeSparse(
  gin: Float64Array,
  gout: Float64Array,
  node: Conv2dNode,
  inShape: Shape,
  m: number,
  tapIn: Int32Array,
): void {
  const [, h, w] = inShape as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  const [kh, kw] = node.kernel;
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  const wt = node.weight;
  const taps = kh * kw;
  const plane = h * w;
  const step = plane * m;
  for (let oc = 0; oc < node.outChannels; oc++) {
    const g0 = Math.floor(oc / ocg) * icg;
    for (let pos = 0; pos < ho * wo; pos++) {
      const orow = (oc * ho * wo + pos) * m;
      let zero = true;
      for (let c = 0; c < m; c++) {
        if (gout[orow + c] !== 0) {
          zero = false;
          break;
        }
      }
      if (zero) continue;
      // Eight columns at a time in locals (one weight load per eight multiply-adds), then one by one;
      // taps outer, input channels inner (one step of plane · m through gin).
      let c0 = 0;
      for (; c0 + 8 <= m; c0 += 8) {
        const a0 = gout[orow + c0]!;
        const a1 = gout[orow + c0 + 1]!;
        const a2 = gout[orow + c0 + 2]!;
        const a3 = gout[orow + c0 + 3]!;
        const a4 = gout[orow + c0 + 4]!;
        const a5 = gout[orow + c0 + 5]!;
        const a6 = gout[orow + c0 + 6]!;
        const a7 = gout[orow + c0 + 7]!;
        for (let t = 0; t < taps; t++) {
          const at = tapIn[pos * taps + t]!;
          if (at < 0) continue;
          let irow = (g0 * plane + at) * m + c0;
          let wi = oc * icg * taps + t;
          for (let ci = 0; ci < icg; ci++, irow += step, wi += taps) {
            const wv = wt[wi]!;
            gin[irow] = gin[irow]! + wv * a0;
            gin[irow + 1] = gin[irow + 1]! + wv * a1;
            gin[irow + 2] = gin[irow + 2]! + wv * a2;
            gin[irow + 3] = gin[irow + 3]! + wv * a3;
            gin[irow + 4] = gin[irow + 4]! + wv * a4;
            gin[irow + 5] = gin[irow + 5]! + wv * a5;
            gin[irow + 6] = gin[irow + 6]! + wv * a6;
            gin[irow + 7] = gin[irow + 7]! + wv * a7;
          }
        }
      }
      for (; c0 < m; c0++) {
        const a0 = gout[orow + c0]!;
        for (let t = 0; t < taps; t++) {
          const at = tapIn[pos * taps + t]!;
          if (at < 0) continue;
          let irow = (g0 * plane + at) * m + c0;
          let wi = oc * icg * taps + t;
          for (let ci = 0; ci < icg; ci++, irow += step, wi += taps) gin[irow] = gin[irow]! + wt[wi]! * a0;
        }
      }
    }
  }
}
