/**
 * Trainable layers: forward and backward passes over a mini-batch.
 *
 * Layout: activations are batch-major, `x[b · size + i]`, where a sample of shape `[C, H, W]` is
 * stored channel-major (PyTorch's NCHW). Weights follow the network IR: dense `[out][in]`, conv
 * `[outC][inC][kH][kW]`. `backward` *overwrites* the parameter gradients (no zeroing needed) and
 * writes the input gradient when asked for one (`gx` non-null; the first parametric layer skips it).
 *
 * All kernels are generic over Float32Array (training) and Float64Array (gradient checks).
 */
import { PolytopeError } from '../errors.js';
import type { Shape } from '../network/ir.js';
import type { FloatArray } from '../network/kernels.js';
import { windowOutput } from '../network/network.js';
import { gemmNT } from './gemm.js';

/** A layer as the user describes it; input sizes are inferred from the previous layer. */
export type LayerSpec =
  | { readonly type: 'dense'; readonly outFeatures: number }
  | {
      readonly type: 'conv2d';
      readonly outChannels: number;
      readonly kernel: number | readonly [number, number];
      readonly stride?: number | readonly [number, number];
      /** Zero padding: one number for all sides, [vertical, horizontal], or [top, left, bottom, right]. */
      readonly padding?: number | readonly number[];
    }
  | { readonly type: 'relu' }
  | { readonly type: 'leaky_relu'; readonly alpha: number }
  | {
      readonly type: 'maxpool';
      readonly kernel: number | readonly [number, number];
      /** Defaults to the kernel size (PyTorch's default). */
      readonly stride?: number | readonly [number, number];
      readonly padding?: number | readonly number[];
    }
  | { readonly type: 'flatten' };

export type LayerType = LayerSpec['type'];

export type Dtype = 'float32' | 'float64';

/** Allocates a zeroed array of the given dtype. */
export function allocateFloats(dtype: Dtype, n: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function pair(v: number | readonly number[], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : v.length === 1 ? [v[0]!, v[0]!] : [v[0]!, v[1]!];
  if (!(typeof v === 'number' || v.length === 1 || v.length === 2) || !p.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new PolytopeError('bad-network', `${what} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** [top, left, bottom, right] from a number, a [vertical, horizontal] pair or a 4-tuple. */
function padding4(v: number | readonly number[] | undefined, what: string): [number, number, number, number] {
  let p: number[];
  if (v === undefined) p = [0, 0, 0, 0];
  else if (typeof v === 'number') p = [v, v, v, v];
  else if (v.length === 2) p = [v[0]!, v[1]!, v[0]!, v[1]!];
  else if (v.length === 4) p = [...v];
  else p = [NaN];
  if (p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new PolytopeError('bad-network', `${what} must be a non-negative integer, a pair or a 4-tuple, got ${JSON.stringify(v)}`);
  }
  return p as [number, number, number, number];
}

/** out[c·rows + r] = a[aOff + r·cols + c]: transposes a rows×cols block. */
function transpose(out: FloatArray, a: FloatArray, aOff: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const ar = aOff + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[ar + c]!;
  }
}

/** One layer of a `TrainableNetwork`. */
export abstract class Layer {
  abstract readonly type: LayerType;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly inSize: number;
  readonly outSize: number;
  /** Trainable tensors (weight, bias) or none. */
  readonly params: FloatArray[] = [];
  /** Gradients, parallel to `params`. */
  readonly grads: FloatArray[] = [];

  constructor(inShape: Shape, outShape: Shape) {
    this.inShape = inShape;
    this.outShape = outShape;
    this.inSize = sizeOf(inShape);
    this.outSize = sizeOf(outShape);
  }

  /** y = layer(x) for `batch` samples. */
  abstract forward(x: FloatArray, y: FloatArray, batch: number): void;
  /** Parameter gradients (overwritten) and, when `gx` is given, the input gradient. */
  abstract backward(x: FloatArray, y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void;
  /** Multiply-adds of one forward pass per sample (for benchmarks and progress estimates). */
  get flops(): number {
    return this.outSize;
  }
}

/** `y = W x + b`, W `[out][in]`. */
export class DenseLayer extends Layer {
  readonly type = 'dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: FloatArray;
  readonly bias: FloatArray;
  private readonly dtype: Dtype;
  private xT: FloatArray;
  private gyT: FloatArray;
  private readonly wT: FloatArray;

  constructor(inShape: Shape, outFeatures: number, dtype: Dtype) {
    if (!Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new PolytopeError('bad-network', `dense layer needs a positive integer number of outputs, got ${outFeatures}`);
    }
    if (inShape.length !== 1) {
      throw new PolytopeError('bad-network', `dense layer needs a flat input, got shape [${inShape.join(', ')}] (add a flatten layer)`);
    }
    super(inShape, [outFeatures]);
    this.inFeatures = inShape[0]!;
    this.outFeatures = outFeatures;
    this.weight = allocateFloats(dtype, this.inFeatures * outFeatures);
    this.bias = allocateFloats(dtype, outFeatures);
    this.params.push(this.weight, this.bias);
    this.grads.push(allocateFloats(dtype, this.weight.length), allocateFloats(dtype, outFeatures));
    this.dtype = dtype;
    this.xT = allocateFloats(dtype, 0);
    this.gyT = allocateFloats(dtype, 0);
    this.wT = allocateFloats(dtype, this.weight.length);
  }

  override get flops(): number {
    return this.weight.length;
  }

  forward(x: FloatArray, y: FloatArray, batch: number): void {
    const O = this.outFeatures;
    gemmNT(y, 0, x, 0, this.weight, 0, batch, O, this.inFeatures, 0);
    const b = this.bias;
    for (let s = 0; s < batch; s++) {
      const r = s * O;
      for (let o = 0; o < O; o++) y[r + o] = y[r + o]! + b[o]!;
    }
  }

  backward(x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    const O = this.outFeatures;
    const I = this.inFeatures;
    // Every product is an NT product (4×4 register tiles of dot products): transpose the operands.
    if (this.xT.length < I * batch) {
      this.xT = allocateFloats(this.dtype, I * batch);
      this.gyT = allocateFloats(this.dtype, O * batch);
    }
    transpose(this.xT, x, 0, batch, I);
    transpose(this.gyT, gy, 0, batch, O);
    gemmNT(this.grads[0]!, 0, this.gyT, 0, this.xT, 0, O, I, batch, 0);
    const gb = this.grads[1]!;
    gb.fill(0);
    for (let s = 0; s < batch; s++) {
      const r = s * O;
      for (let o = 0; o < O; o++) gb[o] = gb[o]! + gy[r + o]!;
    }
    if (gx) {
      transpose(this.wT, this.weight, 0, O, I);
      gemmNT(gx, 0, gy, 0, this.wT, 0, batch, I, O, 0);
    }
  }
}

/**
 * 2-D convolution (cross-correlation, PyTorch semantics), weight `[outC][inC][kH][kW]`, as matrix
 * products over patch matrices. Per sample, with R the "im2row" patch matrix `[outH·outW][inC·kH·kW]`:
 *   forward  y[O×P]  = W[O×K] · Rᵀ          (NT)
 *   weights  gW[O×K] += gy[O×P] · (Rᵀ)ᵀ     (NT on the transposed patches, "im2col")
 *   input    gR[P×K] = gyᵀ[P×O] · (Wᵀ)ᵀ     (NT), scattered back onto the input (col2im).
 */
export class Conv2dLayer extends Layer {
  readonly type = 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  readonly weight: FloatArray;
  readonly bias: FloatArray;
  /** Patch matrices `[P][K]` (rows) and `[K][P]` (columns), and the patch gradient `[P][K]`. */
  private readonly rows: FloatArray;
  private readonly cols: FloatArray;
  private readonly grows: FloatArray;
  private readonly gyT: FloatArray;
  private readonly wT: FloatArray;
  /** Input offset of every `[P][K]` patch entry (−1 for padding), computed once; `colIndex` for `[K][P]`. */
  private readonly rowIndex: Int32Array;
  private readonly colIndex: Int32Array;

  constructor(inShape: Shape, spec: Extract<LayerSpec, { type: 'conv2d' }>, dtype: Dtype) {
    if (inShape.length !== 3) throw new PolytopeError('bad-network', `conv2d needs a [C, H, W] input, got [${inShape.join(', ')}]`);
    if (!Number.isInteger(spec.outChannels) || spec.outChannels < 1) {
      throw new PolytopeError('bad-network', `conv2d needs a positive integer number of output channels, got ${spec.outChannels}`);
    }
    const [c, h, w] = inShape as [number, number, number];
    const kernel = pair(spec.kernel, 'conv2d kernel');
    const stride = pair(spec.stride ?? 1, 'conv2d stride');
    const pad = padding4(spec.padding, 'conv2d padding');
    const ho = windowOutput(h, kernel[0], stride[0], pad[0], pad[2]);
    const wo = windowOutput(w, kernel[1], stride[1], pad[1], pad[3]);
    if (ho < 1 || wo < 1) throw new PolytopeError('bad-network', `conv2d kernel ${kernel[0]}×${kernel[1]} does not fit the ${h}×${w} input`);
    super(inShape, [spec.outChannels, ho, wo]);
    this.inChannels = c;
    this.outChannels = spec.outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = pad;
    const K = c * kernel[0] * kernel[1];
    const P = ho * wo;
    this.weight = allocateFloats(dtype, spec.outChannels * K);
    this.bias = allocateFloats(dtype, spec.outChannels);
    this.params.push(this.weight, this.bias);
    this.grads.push(allocateFloats(dtype, this.weight.length), allocateFloats(dtype, spec.outChannels));
    this.rows = allocateFloats(dtype, K * P);
    this.cols = allocateFloats(dtype, K * P);
    this.grows = allocateFloats(dtype, K * P);
    this.gyT = allocateFloats(dtype, spec.outChannels * P);
    this.wT = allocateFloats(dtype, this.weight.length);
    this.rowIndex = new Int32Array(K * P);
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const row = (oy * wo + ox) * K;
        for (let ch = 0; ch < c; ch++) {
          for (let ky = 0; ky < kernel[0]; ky++) {
            const iy = oy * stride[0] - pad[0] + ky;
            for (let kx = 0; kx < kernel[1]; kx++) {
              const ix = ox * stride[1] - pad[1] + kx;
              this.rowIndex[row + (ch * kernel[0] + ky) * kernel[1] + kx] = iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : (ch * h + iy) * w + ix;
            }
          }
        }
      }
    }
    this.colIndex = new Int32Array(K * P);
    for (let p = 0; p < P; p++) for (let q = 0; q < K; q++) this.colIndex[q * P + p] = this.rowIndex[p * K + q]!;
  }

  get fanIn(): number {
    return this.inChannels * this.kernel[0] * this.kernel[1];
  }

  override get flops(): number {
    return this.weight.length * (this.outSize / this.outChannels);
  }

  /** Gathers a sample's patches into `out` by an index table (`rowIndex` → [P][K], `colIndex` → [K][P]). */
  private gather(out: FloatArray, idx: Int32Array, x: FloatArray, off: number): void {
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i]!;
      out[i] = j < 0 ? 0 : x[off + j]!;
    }
  }

  forward(x: FloatArray, y: FloatArray, batch: number): void {
    const O = this.outChannels;
    const P = this.outSize / O;
    const K = this.fanIn;
    const b = this.bias;
    for (let s = 0; s < batch; s++) {
      this.gather(this.rows, this.rowIndex, x, s * this.inSize);
      const yo = s * this.outSize;
      gemmNT(y, yo, this.weight, 0, this.rows, 0, O, P, K, 0);
      for (let o = 0; o < O; o++) {
        const bo = b[o]!;
        const r = yo + o * P;
        for (let p = 0; p < P; p++) y[r + p] = y[r + p]! + bo;
      }
    }
  }

  backward(x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    const O = this.outChannels;
    const P = this.outSize / O;
    const K = this.fanIn;
    const gw = this.grads[0]!;
    const gb = this.grads[1]!;
    gb.fill(0);
    const idx = this.rowIndex;
    const grows = this.grows;
    if (gx) transpose(this.wT, this.weight, 0, O, K);
    for (let s = 0; s < batch; s++) {
      this.gather(this.cols, this.colIndex, x, s * this.inSize);
      const go = s * this.outSize;
      gemmNT(gw, 0, gy, go, this.cols, 0, O, K, P, s === 0 ? 0 : 1);
      for (let o = 0; o < O; o++) {
        let sum = 0;
        const r = go + o * P;
        for (let p = 0; p < P; p++) sum += gy[r + p]!;
        gb[o] = gb[o]! + sum;
      }
      if (gx) {
        transpose(this.gyT, gy, go, O, P);
        gemmNT(grows, 0, this.gyT, 0, this.wT, 0, P, K, O, 0);
        const xo = s * this.inSize;
        gx.fill(0, xo, xo + this.inSize);
        for (let i = 0; i < idx.length; i++) {
          const j = idx[i]!;
          if (j >= 0) gx[xo + j] = gx[xo + j]! + grows[i]!;
        }
      }
    }
  }
}

export class ReluLayer extends Layer {
  readonly type = 'relu';
  constructor(inShape: Shape) {
    super(inShape, inShape);
  }
  forward(x: FloatArray, y: FloatArray, batch: number): void {
    const n = batch * this.inSize;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v : 0;
    }
  }
  backward(x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    if (!gx) return;
    const n = batch * this.inSize;
    // Derivative 0 at 0, as PyTorch.
    for (let i = 0; i < n; i++) gx[i] = x[i]! > 0 ? gy[i]! : 0;
  }
}

export class LeakyReluLayer extends Layer {
  readonly type = 'leaky_relu';
  readonly alpha: number;
  constructor(inShape: Shape, alpha: number) {
    if (!Number.isFinite(alpha)) throw new PolytopeError('bad-network', `leaky_relu alpha must be finite, got ${alpha}`);
    super(inShape, inShape);
    this.alpha = alpha;
  }
  forward(x: FloatArray, y: FloatArray, batch: number): void {
    const n = batch * this.inSize;
    const a = this.alpha;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v : a * v;
    }
  }
  backward(x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    if (!gx) return;
    const n = batch * this.inSize;
    const a = this.alpha;
    for (let i = 0; i < n; i++) gx[i] = x[i]! > 0 ? gy[i]! : a * gy[i]!;
  }
}

/** Max-pooling; the first maximum of a window wins ties (PyTorch's CPU kernel), padding never wins. */
export class MaxPoolLayer extends Layer {
  readonly type = 'maxpool';
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  /** For each output element, `tapStart[o]..tapStart[o+1]` index `taps` (input offsets). */
  private readonly tapStart: Int32Array;
  private readonly taps: Int32Array;
  /** Argmax input offset per output element of the last forward pass. */
  private argmax: Int32Array = new Int32Array(0);

  constructor(inShape: Shape, spec: Extract<LayerSpec, { type: 'maxpool' }>) {
    if (inShape.length !== 3) throw new PolytopeError('bad-network', `maxpool needs a [C, H, W] input, got [${inShape.join(', ')}]`);
    const [c, h, w] = inShape as [number, number, number];
    const kernel = pair(spec.kernel, 'maxpool kernel');
    const stride = pair(spec.stride ?? kernel, 'maxpool stride');
    const pad = padding4(spec.padding, 'maxpool padding');
    if (pad[0] * 2 > kernel[0] || pad[1] * 2 > kernel[1] || pad[2] * 2 > kernel[0] || pad[3] * 2 > kernel[1]) {
      throw new PolytopeError('bad-network', 'maxpool padding must be at most half the kernel');
    }
    const ho = windowOutput(h, kernel[0], stride[0], pad[0], pad[2]);
    const wo = windowOutput(w, kernel[1], stride[1], pad[1], pad[3]);
    if (ho < 1 || wo < 1) throw new PolytopeError('bad-network', `maxpool window ${kernel[0]}×${kernel[1]} does not fit the ${h}×${w} input`);
    super(inShape, [c, ho, wo]);
    this.kernel = kernel;
    this.stride = stride;
    this.padding = pad;
    const nOut = c * ho * wo;
    this.tapStart = new Int32Array(nOut + 1);
    const taps: number[] = [];
    let o = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++) {
          this.tapStart[o++] = taps.length;
          for (let ky = 0; ky < kernel[0]; ky++) {
            const iy = oy * stride[0] - pad[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kernel[1]; kx++) {
              const ix = ox * stride[1] - pad[1] + kx;
              if (ix >= 0 && ix < w) taps.push((ch * h + iy) * w + ix);
            }
          }
        }
      }
    }
    this.tapStart[nOut] = taps.length;
    this.taps = Int32Array.from(taps);
  }

  forward(x: FloatArray, y: FloatArray, batch: number): void {
    const nOut = this.outSize;
    if (this.argmax.length < batch * nOut) this.argmax = new Int32Array(batch * nOut);
    const am = this.argmax;
    const start = this.tapStart;
    const taps = this.taps;
    for (let s = 0; s < batch; s++) {
      const xo = s * this.inSize;
      const yo = s * nOut;
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

  backward(_x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    if (!gx) return;
    const nOut = this.outSize;
    gx.fill(0, 0, batch * this.inSize);
    const am = this.argmax;
    for (let s = 0; s < batch; s++) {
      const xo = s * this.inSize;
      const yo = s * nOut;
      for (let o = 0; o < nOut; o++) {
        const j = xo + am[yo + o]!;
        gx[j] = gx[j]! + gy[yo + o]!;
      }
    }
  }
}

/** Reshapes `[C, H, W]` to `[C·H·W]` (row-major, so the data is unchanged). */
export class FlattenLayer extends Layer {
  readonly type = 'flatten';
  constructor(inShape: Shape) {
    super(inShape, [sizeOf(inShape)]);
  }
  forward(x: FloatArray, y: FloatArray, batch: number): void {
    y.set(x.subarray(0, batch * this.inSize));
  }
  backward(_x: FloatArray, _y: FloatArray, gy: FloatArray, gx: FloatArray | null, batch: number): void {
    if (gx) gx.set(gy.subarray(0, batch * this.inSize));
  }
}

/** Builds the layer for a spec, given the previous layer's output shape. */
export function createLayer(inShape: Shape, spec: LayerSpec, dtype: Dtype): Layer {
  switch (spec.type) {
    case 'dense':
      return new DenseLayer(inShape, spec.outFeatures, dtype);
    case 'conv2d':
      return new Conv2dLayer(inShape, spec, dtype);
    case 'relu':
      return new ReluLayer(inShape);
    case 'leaky_relu':
      return new LeakyReluLayer(inShape, spec.alpha);
    case 'maxpool':
      return new MaxPoolLayer(inShape, spec);
    case 'flatten':
      return new FlattenLayer(inShape);
    default:
      throw new PolytopeError('bad-network', `unknown layer type '${(spec as { type: string }).type}'; expected dense, conv2d, relu, leaky_relu, maxpool or flatten`);
  }
}
