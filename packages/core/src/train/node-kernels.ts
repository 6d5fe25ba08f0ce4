/**
 * Training kernels, one entry per IR node type (tfjs `KernelConfig` style): forward, backward to the
 * inputs and parameter gradients over a mini-batch. The trainer has no layer model of its own: it
 * runs these entries over the nodes of a `Network`, so any network that loads can be trained.
 *
 * Layout: mini-batches are batch-major, `x[b · size + i]`, one sample being the IR's flat
 * row-major tensor (an image `[C, H, W]` is channel-major, PyTorch's NCHW). Parameters follow the
 * IR: dense `[out][in]`, conv `[outC][inC/groups][kH][kW]`, channel_affine `scale`, `shift`.
 *
 * Fast paths: dense and conv2d (every stride, padding, dilation and group count) are matrix
 * products through `gemmNT` (WebAssembly SIMD for large float32 products). avgpool,
 * global_avgpool, reshape and add have no parameters and run the IR's own kernels and their
 * transposes (`affineImpl` / `affineTransposeImpl`, one sample at a time, m = 1); max-pool uses the
 * IR's window table. Every kernel is generic over Float32Array (training) and Float64Array
 * (gradient checks).
 */
import { InternalError } from '../errors.js';
import type { NodeOfType, NodeType, Shape } from '../network/ir.js';
import { sizeOf } from '../network/ir.js';
import { BiasMode, affineImpl, affineTransposeImpl, windowTable } from '../network/kernels.js';
import { broadcastIndex, gatherImpl, gatherTable, gatherTransposeImpl } from '../network/gather.js';
import type { GatherNode } from '../network/ir.js';
import type { FloatArray } from '../network/kernels.js';
import type { Random } from '../random.js';
import { gemmNT } from './gemm.js';
import { initParameters } from './init.js';
import type { InitName } from './init.js';

export type Dtype = 'float32' | 'float64';

/** Allocates a zeroed array of the given dtype. */
export function allocateFloats(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** What a kernel is given when its node is prepared for training. */
export interface TrainSetup {
  /** Shapes of the node's inputs (one sample). */
  readonly inShapes: readonly Shape[];
  /** The node's trainable tensors in the trainer's dtype, in the kernel's `params` order. */
  readonly params: readonly FloatArray[];
  /** Their gradients, parallel to `params`. */
  readonly grads: readonly FloatArray[];
  readonly dtype: Dtype;
}

/** One node prepared for mini-batch training (it owns its scratch buffers and index tables). */
export interface TrainOp {
  /** `y = node(xs)` for `batch` samples (`xs`: one block per input). */
  forward(xs: readonly FloatArray[], y: FloatArray, batch: number): void;
  /**
   * Parameter gradients (overwritten) and, for every input k whose `gxs[k]` is non-null, the input
   * gradient: overwritten when `accumulate[k]` is false, added when true (an input read by several
   * nodes, e.g. a residual branch).
   */
  backward(
    xs: readonly FloatArray[],
    y: FloatArray,
    gy: FloatArray,
    gxs: readonly (FloatArray | null)[],
    accumulate: readonly boolean[],
    batch: number,
  ): void;
  /** Multiply-adds of one forward pass per sample (for benchmarks and progress estimates). */
  readonly flops: number;
}

/** The training entry of one node type. */
export interface TrainKernel<T extends NodeType> {
  /** The node's trainable tensors as stored in the IR (float64), in a fixed order. */
  params(node: NodeOfType<T>): Float64Array[];
  /** The node with new parameter values, parallel to `params` (writes trained values back). */
  withParams(node: NodeOfType<T>, values: readonly Float64Array[]): NodeOfType<T>;
  /** Fills freshly created parameters with the named initialization (absent: no parameters). */
  initialize?(node: NodeOfType<T>, params: readonly FloatArray[], init: InitName, random: Random): void;
  /** Prepares the node for training. */
  setup(node: NodeOfType<T>, s: TrainSetup): TrainOp;
}

/*
 * The hot loops below are module-level functions taking every array and size as an argument: V8
 * does not keep a closure's captured variables in registers across a loop, and moving the loops
 * out of the op closures measured 5–10 % faster per MNIST simple-CNN step (max-pool forward
 * 7.6 → 6.8 ms per batch of 32).
 */

/** y[b·cols + c] += bias[c] (dense: one bias per output, batch-major). */
function addColumnBias(y: FloatArray, bias: FloatArray, rows: number, cols: number): void {
  for (let b = 0; b < rows; b++) {
    const r = b * cols;
    for (let c = 0; c < cols; c++) y[r + c] = y[r + c]! + bias[c]!;
  }
}

/** g[c] += Σ_b gy[b·cols + c]. */
function addColumnSums(g: FloatArray, gy: FloatArray, rows: number, cols: number): void {
  for (let b = 0; b < rows; b++) {
    const r = b * cols;
    for (let c = 0; c < cols; c++) g[c] = g[c]! + gy[r + c]!;
  }
}

/** y[off + o·P + p] += bias[o] (conv: one bias per channel). */
function addRowBias(y: FloatArray, off: number, bias: FloatArray, O: number, P: number): void {
  for (let o = 0; o < O; o++) {
    const bo = bias[o]!;
    const r = off + o * P;
    for (let p = 0; p < P; p++) y[r + p] = y[r + p]! + bo;
  }
}

/** g[o] += Σ_p gy[off + o·P + p]. */
function addRowSums(g: FloatArray, gy: FloatArray, off: number, O: number, P: number): void {
  for (let o = 0; o < O; o++) {
    let sum = 0;
    const r = off + o * P;
    for (let p = 0; p < P; p++) sum += gy[r + p]!;
    g[o] = g[o]! + sum;
  }
}

/** out[oOff + c·rows + r] = a[aOff + r·cols + c]: transposes a rows×cols block. */
function transpose(out: FloatArray, oOff: number, a: FloatArray, aOff: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const ar = aOff + r * cols;
    for (let c = 0; c < cols; c++) out[oOff + c * rows + r] = a[ar + c]!;
  }
}

/** gx[0..n) = gy (or += gy when accumulating). */
function passGradient(gx: FloatArray, gy: FloatArray, n: number, accumulate: boolean): void {
  if (!accumulate) gx.set(gy.subarray(0, n));
  else for (let i = 0; i < n; i++) gx[i] = gx[i]! + gy[i]!;
}

const noParams = { params: (): Float64Array[] => [], withParams: <N>(node: N): N => node };

// ---- dense --------------------------------------------------------------------------------------

function denseOp(node: NodeOfType<'dense'>, s: TrainSetup): TrainOp {
  const O = node.outFeatures;
  const I = node.inFeatures;
  const [weight, bias] = s.params as [FloatArray, FloatArray];
  const [gw, gb] = s.grads as [FloatArray, FloatArray];
  let xT = allocateFloats(s.dtype, 0);
  let gyT = allocateFloats(s.dtype, 0);
  const wT = allocateFloats(s.dtype, weight.length);
  return {
    flops: weight.length,
    forward(xs, y, batch) {
      gemmNT(y, 0, xs[0]!, 0, weight, 0, batch, O, I, 0);
      addColumnBias(y, bias, batch, O);
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      // Every product is an NT product (4×4 register tiles of dot products): transpose the operands.
      if (xT.length < I * batch) {
        xT = allocateFloats(s.dtype, I * batch);
        gyT = allocateFloats(s.dtype, O * batch);
      }
      transpose(xT, 0, xs[0]!, 0, batch, I);
      transpose(gyT, 0, gy, 0, batch, O);
      gemmNT(gw, 0, gyT, 0, xT, 0, O, I, batch, 0);
      gb.fill(0);
      addColumnSums(gb, gy, batch, O);
      const gx = gxs[0];
      if (gx) {
        transpose(wT, 0, weight, 0, O, I);
        gemmNT(gx, 0, gy, 0, wT, 0, batch, I, O, accumulate[0] ? 1 : 0);
      }
    },
  };
}

/** Gathers a sample's patches into `out` by an index table (−1 reads as 0). */
function gather(out: FloatArray, idx: Int32Array, x: FloatArray, off: number): void {
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    out[i] = j < 0 ? 0 : x[off + j]!;
  }
}

/** gx[xo + idx[base + i]] += g[i] for i < n (col2im; −1 entries are padding). */
function scatterAdd(gx: FloatArray, xo: number, g: FloatArray, idx: Int32Array, base: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const j = idx[base + i]!;
    if (j >= 0) gx[xo + j] = gx[xo + j]! + g[i]!;
  }
}

// ---- conv2d -------------------------------------------------------------------------------------

/**
 * 2-D convolution (cross-correlation, PyTorch semantics) as matrix products over patch matrices,
 * one product per group. Per sample and group, with R the "im2row" patch matrix `[P][K]`
 * (P = outH·outW, K = inC/groups·kH·kW; dilated taps and padding folded into an index table):
 *   forward  y[O×P]  = W[O×K] · Rᵀ          (NT)
 *   weights  gW[O×K] += gy[O×P] · (Rᵀ)ᵀ     (NT on the transposed patches, "im2col")
 *   input    gR[P×K] = gyᵀ[P×O] · (Wᵀ)ᵀ     (NT), scattered back onto the input (col2im).
 */
function convOp(node: NodeOfType<'conv2d'>, s: TrainSetup): TrainOp {
  const [c, h, w] = s.inShapes[0] as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.dilation;
  const [pt, pl] = node.padding;
  const G = node.groups;
  const icg = c / G;
  const ocg = node.outChannels / G;
  const O = node.outChannels;
  const K = icg * kh * kw;
  const P = ho * wo;
  const inSize = c * h * w;
  const outSize = O * P;
  const [weight, bias] = s.params as [FloatArray, FloatArray];
  const [gw, gb] = s.grads as [FloatArray, FloatArray];
  const rows = allocateFloats(s.dtype, G * K * P);
  const cols = allocateFloats(s.dtype, G * K * P);
  const grows = allocateFloats(s.dtype, K * P);
  const gyT = allocateFloats(s.dtype, ocg * P);
  const wT = allocateFloats(s.dtype, weight.length);
  // Input offset of every [G][P][K] patch entry (−1 for padding), and of every [G][K][P] one.
  const rowIndex = new Int32Array(G * K * P);
  for (let g = 0; g < G; g++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const row = (g * P + oy * wo + ox) * K;
        for (let ci = 0; ci < icg; ci++) {
          const ch = g * icg + ci;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              rowIndex[row + (ci * kh + ky) * kw + kx] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : (ch * h + iy) * w + ix;
            }
          }
        }
      }
    }
  }
  const colIndex = new Int32Array(G * K * P);
  for (let g = 0; g < G; g++) {
    const base = g * K * P;
    for (let p = 0; p < P; p++) for (let q = 0; q < K; q++) colIndex[base + q * P + p] = rowIndex[base + p * K + q]!;
  }
  return {
    flops: weight.length * P,
    forward(xs, y, batch) {
      const x = xs[0]!;
      for (let b = 0; b < batch; b++) {
        gather(rows, rowIndex, x, b * inSize);
        const yo = b * outSize;
        for (let g = 0; g < G; g++) gemmNT(y, yo + g * ocg * P, weight, g * ocg * K, rows, g * P * K, ocg, P, K, 0);
        addRowBias(y, yo, bias, O, P);
      }
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      const x = xs[0]!;
      const gx = gxs[0];
      gb.fill(0);
      if (gx) for (let g = 0; g < G; g++) transpose(wT, g * K * ocg, weight, g * ocg * K, ocg, K);
      if (gx && !accumulate[0]) gx.fill(0, 0, batch * inSize);
      for (let b = 0; b < batch; b++) {
        gather(cols, colIndex, x, b * inSize);
        const go = b * outSize;
        for (let g = 0; g < G; g++) gemmNT(gw, g * ocg * K, gy, go + g * ocg * P, cols, g * K * P, ocg, K, P, b === 0 ? 0 : 1);
        addRowSums(gb, gy, go, O, P);
        if (!gx) continue;
        const xo = b * inSize;
        for (let g = 0; g < G; g++) {
          transpose(gyT, 0, gy, go + g * ocg * P, ocg, P);
          gemmNT(grows, 0, gyT, 0, wT, g * K * ocg, P, K, ocg, 0);
          scatterAdd(gx, xo, grows, rowIndex, g * P * K, P * K);
        }
      }
    },
  };
}

// ---- channel_affine (folded batch-norm, input normalization) --------------------------------------

function channelAffineOp(node: NodeOfType<'channel_affine'>, s: TrainSetup): TrainOp {
  const n = sizeOf(node.shape);
  const C = node.scale.length;
  const per = n / C;
  const [scale, shift] = s.params as [FloatArray, FloatArray];
  const [gs, gt] = s.grads as [FloatArray, FloatArray];
  return {
    flops: n,
    forward(xs, y, batch) {
      const x = xs[0]!;
      for (let b = 0; b < batch; b++) {
        for (let ch = 0; ch < C; ch++) {
          const a = scale[ch]!;
          const t = shift[ch]!;
          const r = b * n + ch * per;
          for (let p = 0; p < per; p++) y[r + p] = a * x[r + p]! + t;
        }
      }
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      const x = xs[0]!;
      const gx = gxs[0];
      const acc = accumulate[0];
      gs.fill(0);
      gt.fill(0);
      for (let b = 0; b < batch; b++) {
        for (let ch = 0; ch < C; ch++) {
          const a = scale[ch]!;
          const r = b * n + ch * per;
          let sx = 0;
          let sg = 0;
          for (let p = 0; p < per; p++) {
            const g = gy[r + p]!;
            sx += g * x[r + p]!;
            sg += g;
            if (gx) gx[r + p] = acc ? gx[r + p]! + a * g : a * g;
          }
          gs[ch] = gs[ch]! + sx;
          gt[ch] = gt[ch]! + sg;
        }
      }
    },
  };
}

// ---- parameter-free affine nodes: the IR's kernels, one sample at a time -------------------------------

function irAffineOp(node: NodeOfType<'avgpool' | 'global_avgpool'>, s: TrainSetup): TrainOp {
  const inShape = s.inShapes[0]!;
  const inSize = sizeOf(inShape);
  const outSize = sizeOf(node.shape);
  return {
    flops: node.type === 'avgpool' ? windowTable(node, inShape).taps.length : inSize,
    forward(xs, y, batch) {
      const x = xs[0]!;
      for (let b = 0; b < batch; b++) {
        affineImpl(y.subarray(b * outSize, (b + 1) * outSize), [x.subarray(b * inSize, (b + 1) * inSize)], node, inShape, 1, BiasMode.All);
      }
    },
    backward(_xs, _y, gy, gxs, accumulate, batch) {
      const gx = gxs[0];
      if (!gx) return;
      if (!accumulate[0]) gx.fill(0, 0, batch * inSize);
      for (let b = 0; b < batch; b++) {
        affineTransposeImpl([gx.subarray(b * inSize, (b + 1) * inSize)], gy.subarray(b * outSize, (b + 1) * outSize), node, inShape, 1);
      }
    },
  };
}

function reshapeOp(node: NodeOfType<'reshape'>): TrainOp {
  const n = sizeOf(node.shape);
  return {
    flops: n,
    forward(xs, y, batch) {
      y.set(xs[0]!.subarray(0, batch * n));
    },
    backward(_xs, _y, gy, gxs, accumulate, batch) {
      if (gxs[0]) passGradient(gxs[0], gy, batch * n, accumulate[0]!);
    },
  };
}

function addOp(node: NodeOfType<'add'>): TrainOp {
  const n = sizeOf(node.shape);
  return {
    flops: n,
    forward(xs, y, batch) {
      const a = xs[0]!;
      const b = xs[1]!;
      for (let i = 0; i < batch * n; i++) y[i] = a[i]! + b[i]!;
    },
    backward(_xs, _y, gy, gxs, accumulate, batch) {
      // Sequential, so add(x, x) first overwrites, then accumulates into the same buffer.
      for (let k = 0; k < 2; k++) if (gxs[k]) passGradient(gxs[k]!, gy, batch * n, accumulate[k]!);
    },
  };
}

/**
 * The gather nodes (add with coefficients, concat, pad, slice, transpose, resize, reduce_mean,
 * broadcast_affine): the IR's gather table and kernels, one sample at a time.
 */
function gatherOp(node: GatherNode, s: TrainSetup): TrainOp {
  const t = gatherTable(node, s.inShapes);
  const inSizes = s.inShapes.map(sizeOf);
  const outSize = sizeOf(node.shape);
  let dummies: FloatArray[] = [];
  return {
    flops: t.index.length,
    forward(xs, y, batch) {
      for (let b = 0; b < batch; b++) {
        const ins = xs.map((x, k) => x.subarray(b * inSizes[k]!, (b + 1) * inSizes[k]!));
        gatherImpl(y.subarray(b * outSize, (b + 1) * outSize), ins, t, 1, BiasMode.All);
      }
    },
    backward(_xs, _y, gy, gxs, accumulate, batch) {
      if (gxs.every((g) => !g)) return;
      gxs.forEach((g, k) => {
        if (g && !accumulate[k]) g.fill(0, 0, batch * inSizes[k]!);
      });
      if (dummies.length === 0) dummies = inSizes.map((n) => new Float64Array(n));
      for (let b = 0; b < batch; b++) {
        const gins = gxs.map((g, k) => (g ? g.subarray(b * inSizes[k]!, (b + 1) * inSizes[k]!) : dummies[k]!));
        gatherTransposeImpl(gins, gy.subarray(b * outSize, (b + 1) * outSize), t, 1);
      }
    },
  };
}

// ---- activations --------------------------------------------------------------------------------

function leakyImpl(y: FloatArray, x: FloatArray, len: number, alpha: number): void {
  if (alpha === 0) {
    for (let i = 0; i < len; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v : 0;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v : alpha * v;
    }
  }
}

function leakyBackwardImpl(gx: FloatArray, gy: FloatArray, x: FloatArray, len: number, alpha: number, accumulate: boolean): void {
  if (!accumulate) {
    if (alpha === 0) for (let i = 0; i < len; i++) gx[i] = x[i]! > 0 ? gy[i]! : 0;
    else for (let i = 0; i < len; i++) gx[i] = x[i]! > 0 ? gy[i]! : alpha * gy[i]!;
  } else for (let i = 0; i < len; i++) gx[i] = gx[i]! + (x[i]! > 0 ? gy[i]! : alpha * gy[i]!);
}

/** relu (alpha 0) and leaky relu; the derivative at 0 is the left one, as PyTorch. */
function leakyOp(node: NodeOfType<'relu' | 'leaky_relu'>): TrainOp {
  const n = sizeOf(node.shape);
  const alpha = node.type === 'relu' ? 0 : node.alpha;
  return {
    flops: n,
    forward(xs, y, batch) {
      leakyImpl(y, xs[0]!, batch * n, alpha);
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      const gx = gxs[0];
      if (!gx) return;
      leakyBackwardImpl(gx, gy, xs[0]!, batch * n, alpha, accumulate[0]!);
    },
  };
}

/** prelu: leaky relu with a trainable slope broadcast over the input (PyTorch's `PReLU`). */
function preluOp(node: NodeOfType<'prelu'>, s: TrainSetup): TrainOp {
  const n = sizeOf(node.shape);
  const idx = broadcastIndex(node.shape, node.slopeShape);
  const [slope] = s.params as [FloatArray];
  const [gslope] = s.grads as [FloatArray];
  return {
    flops: n,
    forward(xs, y, batch) {
      const x = xs[0]!;
      for (let b = 0; b < batch; b++) {
        for (let u = 0; u < n; u++) {
          const v = x[b * n + u]!;
          y[b * n + u] = v > 0 ? v : slope[idx[u]!]! * v;
        }
      }
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      const x = xs[0]!;
      const gx = gxs[0];
      const acc = accumulate[0];
      gslope.fill(0);
      for (let b = 0; b < batch; b++) {
        for (let u = 0; u < n; u++) {
          const i = b * n + u;
          const v = x[i]!;
          const g = gy[i]!;
          if (v <= 0) gslope[idx[u]!] = gslope[idx[u]!]! + g * v;
          if (gx) {
            const d = v > 0 ? g : slope[idx[u]!]! * g;
            gx[i] = acc ? gx[i]! + d : d;
          }
        }
      }
    },
  };
}

/** clamp(x, min, max); slope 1 strictly inside, 0 at and beyond the bounds (PyTorch's Hardtanh). */
function hardtanhOp(node: NodeOfType<'hardtanh'>): TrainOp {
  const n = sizeOf(node.shape);
  const lo = node.min;
  const hi = node.max;
  return {
    flops: n,
    forward(xs, y, batch) {
      const x = xs[0]!;
      for (let i = 0; i < batch * n; i++) {
        const v = x[i]!;
        y[i] = v <= lo ? lo : v >= hi ? hi : v;
      }
    },
    backward(xs, _y, gy, gxs, accumulate, batch) {
      const gx = gxs[0];
      if (!gx) return;
      const x = xs[0]!;
      const acc = accumulate[0];
      for (let i = 0; i < batch * n; i++) {
        const v = x[i]!;
        const g = v > lo && v < hi ? gy[i]! : 0;
        gx[i] = acc ? gx[i]! + g : g;
      }
    },
  };
}

/** gx[b·inSize + am[b·nOut + o]] += gy[b·nOut + o]: max-pool backward (a plain function, all locals). */
function scatterArgmax(gx: FloatArray, gy: FloatArray, am: Int32Array, batch: number, inSize: number, nOut: number): void {
  for (let b = 0; b < batch; b++) {
    const xo = b * inSize;
    const yo = b * nOut;
    for (let o = 0; o < nOut; o++) {
      const j = xo + am[yo + o]!;
      gx[j] = gx[j]! + gy[yo + o]!;
    }
  }
}

/** y = max over each window's taps, argmax = the winning input offset (first maximum on ties). */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function maxPoolImpl(
  y: FloatArray,
  am: Int32Array,
  x: FloatArray,
  start: Int32Array,
  taps: Int32Array,
  batch: number,
  inSize: number,
  nOut: number,
): void {
  for (let b = 0; b < batch; b++) {
    const xo = b * inSize;
    const yo = b * nOut;
    for (let o = 0; o < nOut; o++) {
      const e = start[o + 1]!;
      let t = start[o]!;
      let best = taps[t]!;
      let bv = x[xo + best]!;
      for (t++; t < e; t++) {
        const j = taps[t]!;
        const v = x[xo + j]!;
        if (v > bv) {
          bv = v;
          best = j;
        }
      }
      y[yo + o] = bv;
      am[yo + o] = best;
    }
  }
}

/** Max-pooling over the IR's window table: the first maximum of a window wins ties, padding never wins. */
function maxPoolOp(node: NodeOfType<'maxpool'>, s: TrainSetup): TrainOp {
  const inShape = s.inShapes[0]!;
  const inSize = sizeOf(inShape);
  const nOut = sizeOf(node.shape);
  const { start, taps } = windowTable(node, inShape);
  /** Argmax input offset per output element of the last forward pass. */
  let argmax = new Int32Array(0);
  return {
    flops: nOut,
    forward(xs, y, batch) {
      if (argmax.length < batch * nOut) argmax = new Int32Array(batch * nOut);
      maxPoolImpl(y, argmax, xs[0]!, start, taps, batch, inSize, nOut);
    },
    backward(_xs, _y, gy, gxs, accumulate, batch) {
      const gx = gxs[0];
      if (!gx) return;
      if (!accumulate[0]) gx.fill(0, 0, batch * inSize);
      scatterArgmax(gx, gy, argmax, batch, inSize, nOut);
    },
  };
}

/**
 * The registry: one training entry per node type (the input node has none). TypeScript checks
 * that every node type of the IR is present.
 */
const TRAIN_KERNELS: { readonly [T in Exclude<NodeType, 'input'>]: TrainKernel<T> } = {
  dense: {
    params: (node) => [node.weight, node.bias],
    withParams: (node, [weight, bias]) => ({ ...node, weight: weight!, bias: bias! }),
    initialize: (node, [weight, bias], init, random) => initParameters(weight!, bias!, node.inFeatures, node.outFeatures, init, random),
    setup: denseOp,
  },
  conv2d: {
    params: (node) => [node.weight, node.bias],
    withParams: (node, [weight, bias]) => ({ ...node, weight: weight!, bias: bias! }),
    initialize: (node, [weight, bias], init, random) => {
      // PyTorch's fans: weight.size(1)·kH·kW in, weight.size(0)·kH·kW out.
      const kk = node.kernel[0] * node.kernel[1];
      initParameters(weight!, bias!, (node.inChannels / node.groups) * kk, node.outChannels * kk, init, random);
    },
    setup: convOp,
  },
  channel_affine: {
    params: (node) => [node.scale, node.shift],
    withParams: (node, [scale, shift]) => ({ ...node, scale: scale!, shift: shift! }),
    // As a fresh nn.BatchNorm2d in eval mode: scale 1, shift 0 (no random draws).
    initialize: (_node, [scale, shift]) => {
      scale!.fill(1);
      shift!.fill(0);
    },
    setup: channelAffineOp,
  },
  avgpool: { ...noParams, setup: irAffineOp },
  global_avgpool: { ...noParams, setup: irAffineOp },
  reshape: { ...noParams, setup: reshapeOp },
  add: {
    ...noParams,
    setup: (node, s) =>
      node.coefficients === undefined && s.inShapes.every((sh) => sizeOf(sh) === sizeOf(node.shape)) && node.inputs.length === 2
        ? addOp(node)
        : gatherOp(node, s),
  },
  concat: { ...noParams, setup: gatherOp },
  pad: { ...noParams, setup: gatherOp },
  slice: { ...noParams, setup: gatherOp },
  transpose: { ...noParams, setup: gatherOp },
  resize: { ...noParams, setup: gatherOp },
  reduce_mean: { ...noParams, setup: gatherOp },
  broadcast_affine: { ...noParams, setup: gatherOp },
  prelu: {
    params: (node) => [node.slope],
    withParams: (node, [slope]) => ({ ...node, slope: slope! }),
    // As a fresh nn.PReLU: 0.25 (no random draws).
    initialize: (_node, [slope]) => {
      slope!.fill(0.25);
    },
    setup: preluOp,
  },
  relu: { ...noParams, setup: leakyOp },
  leaky_relu: { ...noParams, setup: leakyOp },
  hardtanh: { ...noParams, setup: hardtanhOp },
  maxpool: { ...noParams, setup: maxPoolOp },
};

/** The registry entry of a node type (own properties only, so no type name reaches `Object.prototype`). */
export function trainKernel<T extends Exclude<NodeType, 'input'>>(type: T): TrainKernel<T> {
  if (!Object.prototype.hasOwnProperty.call(TRAIN_KERNELS, type))
    throw new InternalError(`no training kernel for node type '${String(type)}'`);
  return TRAIN_KERNELS[type] as TrainKernel<T>;
}
