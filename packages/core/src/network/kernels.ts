/**
 * Kernels for every node type, on "unit-major" blocks: a tensor of n elements carrying m columns
 * is a flat array `X[i * m + c]`. The same kernel serves
 *  - a batched forward pass (m = batch size, bias added to every column),
 *  - an affine family `origin + D t` (column 0 is the origin and gets the bias, columns 1..k are
 *    directions and get none): plane slices (k = 2), lines (k = 1), Jacobians (k = d),
 *  - reverse mode (the `…TransposeImpl` kernels, m = number of adjoint rows, no bias).
 *
 * Kernels are pure `fooImpl(out, …, m)` functions with no allocation; shape checks happen once in
 * `buildNetwork`.
 */
import type { AvgPoolNode, ChannelAffineNode, Conv2dNode, DenseNode, MaxPoolNode, Node } from './ir.js';
import { isGather } from './ir.js';
import { InternalError } from '../errors.js';
import { gatherImpl, gatherTransposeImpl } from './gather.js';
import type { GatherTable } from './gather.js';
import { gemm64, gemm64Reserve } from './gemm64.js';
import type { Gemm64 } from './gemm64.js';

export type FloatArray = Float64Array | Float32Array;

/** How a kernel treats biases and other constants: none, column 0 only, every column. */
export const enum BiasMode {
  None = 0,
  First = 1,
  All = 2,
}

function addBias(out: FloatArray, n: number, m: number, bias: ArrayLike<number>, mode: BiasMode, perChannel = 1): void {
  if (mode === BiasMode.None) {
    out.fill(0, 0, n * m);
    return;
  }
  for (let i = 0; i < n; i++) {
    const b = bias[Math.floor(i / perChannel)]!;
    const row = i * m;
    if (mode === BiasMode.All) for (let c = 0; c < m; c++) out[row + c] = b;
    else {
      out[row] = b;
      for (let c = 1; c < m; c++) out[row + c] = 0;
    }
  }
}

/**
 * Working buffers of the dense kernel's sparse paths (the non-zero rows of its input). Owned by
 * the caller — one per partition run or forward pass — so kernels keep no state between calls.
 */
export class GatherScratch {
  idx: Int32Array;
  x: Float64Array;
  constructor(n = 64) {
    this.idx = new Int32Array(n);
    this.x = new Float64Array(3 * n);
  }
  /** Grows the buffers to hold n rows of up to 3 columns. */
  ensure(n: number): void {
    if (this.idx.length < n) {
      this.idx = new Int32Array(n * 2);
      this.x = new Float64Array(n * 6);
    }
  }
}

/** The dense weight transposed to in×out (a fresh array; `PreparedNetwork.transposed` keeps one per node). */
export function transposedWeight(node: DenseNode): Float64Array {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const t = new Float64Array(nIn * nOut);
  for (let j = 0; j < nOut; j++) for (let i = 0; i < nIn; i++) t[i * nOut + j] = node.weight[j * nIn + i]!;
  return t;
}

/** Dense layer on unit-major blocks; `scratch` (caller-owned) serves the sparse paths, else one is made for the call. */
export function denseImpl(out: FloatArray, x: FloatArray, node: DenseNode, m: number, mode: BiasMode, scratch?: GatherScratch): void {
  const nIn = node.inFeatures;
  addBias(out, node.outFeatures, m, node.bias, mode);
  if (m === 1) {
    // Gather the non-zero inputs once (inactive units are common).
    const g = scratch ?? new GatherScratch(nIn);
    g.ensure(nIn);
    denseColumnImpl(out, x, node, g);
  } else if (m === 3 && mode !== BiasMode.All) {
    // Affine families (slices): gather the non-zero rows (active units) once, then accumulate
    // each output in registers.
    const g = scratch ?? new GatherScratch(nIn);
    g.ensure(nIn);
    denseFamilyGatherImpl(out, x, node, g);
  } else if (m === 3) denseFamilyImpl(out, x, node);
  else if (!denseGemmImpl(out, x, node, m)) denseBlockImpl(out, x, node, m);
}

/** Columns per product of `denseGemmImpl` (the input panel, nIn × this, stays in L2 for MNIST-sized layers). */
const DENSE_GEMM_PANEL_COLUMNS = 64;

/**
 * `denseImpl` on m ≥ 8 columns on the WebAssembly f64x2 kernel, bias already added: out += W · x
 * in panels of columns (padded to multiples of 4). Every output adds its products in input order
 * after the bias, as `denseBlockImpl` does (which also skips zero products: the same value up to
 * the sign of a zero). False (nothing done) where the kernel is unavailable or the layer is small.
 */
function denseGemmImpl(out: FloatArray, x: FloatArray, node: DenseNode, m: number): boolean {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  if (m < 8 || nIn * nOut * m < CONV_GEMM_MIN_WORK || !(out instanceof Float64Array) || !(x instanceof Float64Array)) return false;
  const g = gemm64();
  if (!g) return false;
  const o4 = Math.ceil(nOut / 4) * 4;
  const p4 = Math.min(DENSE_GEMM_PANEL_COLUMNS, Math.ceil(m / 4) * 4);
  // Layout (float64 offsets): W restricted to the live inputs (o4 × live), x panel (live × p4), C (o4 × p4).
  // Inputs that are zero in every column of a panel are left out (image borders: their products are
  // zeros, so every sum is unchanged).
  const xAt = o4 * nIn;
  const cAt = xAt + nIn * p4;
  const live = new Int32Array(nIn);
  const w = node.weight;
  for (let c0 = 0; c0 < m; c0 += p4) {
    const pc = Math.min(p4, m - c0);
    let k = 0;
    for (let i = 0; i < nIn; i++) {
      const xr = i * m + c0;
      for (let c = 0; c < pc; c++) {
        if (x[xr + c] !== 0) {
          live[k++] = i;
          break;
        }
      }
    }
    if (k === 0) continue;
    const mem = gemm64Reserve(g, cAt + o4 * p4);
    for (let j = 0; j < nOut; j++) for (let q = 0; q < k; q++) mem[j * k + q] = w[j * nIn + live[q]!]!;
    mem.fill(0, nOut * k, o4 * k);
    if (pc < p4) mem.fill(0, xAt, xAt + k * p4);
    for (let q = 0; q < k; q++) mem.set(x.subarray(live[q]! * m + c0, live[q]! * m + c0 + pc), xAt + q * p4);
    for (let j = 0; j < nOut; j++) mem.set(out.subarray(j * m + c0, j * m + c0 + pc), cAt + j * p4);
    g.nn(0, xAt * 8, cAt * 8, o4, p4, k);
    for (let j = 0; j < nOut; j++) out.set(mem.subarray(cAt + j * p4, cAt + j * p4 + pc), j * m + c0);
  }
  return true;
}

/** `denseImpl` at one column, bias already added: sparse through the gathered non-zero inputs, or dense when most are non-zero. */
function denseColumnImpl(out: FloatArray, x: FloatArray, node: DenseNode, g: GatherScratch): void {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const w = node.weight;
  const gatherIdx = g.idx;
  const gatherX = g.x;
  let na = 0;
  for (let i = 0; i < nIn; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    gatherIdx[na] = i;
    gatherX[na++] = xi;
  }
  if (na * 2 > nIn) {
    for (let j = 0; j < nOut; j++) {
      let s = out[j]!;
      const wr = j * nIn;
      for (let i = 0; i < nIn; i++) s += w[wr + i]! * x[i]!;
      out[j] = s;
    }
    return;
  }
  for (let j = 0; j < nOut; j++) {
    let s = out[j]!;
    const wr = j * nIn;
    for (let q = 0; q < na; q++) s += w[wr + gatherIdx[q]!]! * gatherX[q]!;
    out[j] = s;
  }
}

/** `denseImpl` on affine families (m = 3, not `BiasMode.All`), bias already added: through the gathered non-zero rows. */
function denseFamilyGatherImpl(out: FloatArray, x: FloatArray, node: DenseNode, g: GatherScratch): void {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const w = node.weight;
  const gatherIdx = g.idx;
  const gatherX = g.x;
  let na = 0;
  for (let i = 0; i < nIn; i++) {
    const x0 = x[i * 3]!;
    const x1 = x[i * 3 + 1]!;
    const x2 = x[i * 3 + 2]!;
    if (x0 === 0 && x1 === 0 && x2 === 0) continue;
    gatherIdx[na] = i;
    gatherX[na * 3] = x0;
    gatherX[na * 3 + 1] = x1;
    gatherX[na * 3 + 2] = x2;
    na++;
  }
  for (let j = 0; j < nOut; j++) {
    let s0 = out[j * 3]!;
    let s1 = out[j * 3 + 1]!;
    let s2 = out[j * 3 + 2]!;
    const wr = j * nIn;
    for (let q = 0; q < na; q++) {
      const wi = w[wr + gatherIdx[q]!]!;
      s0 += wi * gatherX[q * 3]!;
      s1 += wi * gatherX[q * 3 + 1]!;
      s2 += wi * gatherX[q * 3 + 2]!;
    }
    out[j * 3] = s0;
    out[j * 3 + 1] = s1;
    out[j * 3 + 2] = s2;
  }
}

/** `denseImpl` on three columns with `BiasMode.All`, bias already added. */
function denseFamilyImpl(out: FloatArray, x: FloatArray, node: DenseNode): void {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const w = node.weight;
  for (let j = 0; j < nOut; j++) {
    let s0 = out[j * 3]!;
    let s1 = out[j * 3 + 1]!;
    let s2 = out[j * 3 + 2]!;
    const wr = j * nIn;
    for (let i = 0; i < nIn; i++) {
      const wi = w[wr + i]!;
      s0 += wi * x[i * 3]!;
      s1 += wi * x[i * 3 + 1]!;
      s2 += wi * x[i * 3 + 2]!;
    }
    out[j * 3] = s0;
    out[j * 3 + 1] = s1;
    out[j * 3 + 2] = s2;
  }
}

/** `denseImpl` on any other m, bias already added. */
function denseBlockImpl(out: FloatArray, x: FloatArray, node: DenseNode, m: number): void {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const w = node.weight;
  // General m: i-outer so rows of x are read contiguously and all-zero rows are skipped.
  for (let i = 0; i < nIn; i++) {
    const xr = i * m;
    let zero = true;
    for (let c = 0; c < m; c++)
      if (x[xr + c] !== 0) {
        zero = false;
        break;
      }
    if (zero) continue;
    for (let j = 0; j < nOut; j++) {
      const wi = w[j * nIn + i]!;
      if (wi === 0) continue;
      const orow = j * m;
      for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! + wi * x[xr + c]!;
    }
  }
}

function denseTransposeImpl(gin: FloatArray, gout: FloatArray, node: DenseNode, m: number): void {
  const nIn = node.inFeatures;
  const nOut = node.outFeatures;
  const w = node.weight;
  for (let j = 0; j < nOut; j++) {
    const grow = j * m;
    let zero = true;
    for (let c = 0; c < m; c++)
      if (gout[grow + c] !== 0) {
        zero = false;
        break;
      }
    if (zero) continue;
    const wr = j * nIn;
    for (let i = 0; i < nIn; i++) {
      const wi = w[wr + i]!;
      if (wi === 0) continue;
      const irow = i * m;
      for (let c = 0; c < m; c++) gin[irow + c] = gin[irow + c]! + wi * gout[grow + c]!;
    }
  }
}

/** Calls `visit(outIndex, inIndex, weightIndex)` for every tap of a convolution that lands inside the input. */
function convGeometry(node: Conv2dNode, inShape: readonly number[]) {
  const [, h, w] = inShape as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  return { h, w, ho, wo };
}

/**
 * Convolution work (multiply–adds) above which `conv2dImpl` lowers to a blocked matrix product
 * (a column panel per chunk of output pixels, then `gemmAccumulate`); below it the direct loop
 * is cheaper than building panels. Both add each output's bias first and then its taps in
 * (input channel, ky, kx) order, so their results are bit-identical.
 */
const CONV_GEMM_MIN_WORK = 1 << 16;
/**
 * Panel width (output pixels × columns) of the blocked convolution, at least: the panel stays in L2.
 * With few taps per output (a first convolution of one input channel) a panel takes more pixels, up
 * to `CONV_GEMM_PANEL_VALUES` values, so the kernel is called fewer times.
 */
const CONV_GEMM_PANEL_COLUMNS = 64;
/** Values (taps × output pixels × columns) a panel of more than `CONV_GEMM_PANEL_COLUMNS` columns may hold (160 KB of float64). */
const CONV_GEMM_PANEL_VALUES = 20480;

// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function conv2dImpl(
  out: FloatArray,
  x: FloatArray,
  node: Conv2dNode,
  inShape: readonly number[],
  m: number,
  mode: BiasMode,
  table?: KernelTable | null,
): void {
  const [, ho, wo] = node.shape as [number, number, number];
  const k = (node.inChannels / node.groups) * node.kernel[0] * node.kernel[1];
  if (node.outChannels * ho * wo * m * k >= CONV_GEMM_MIN_WORK && node.outChannels / node.groups >= 4) {
    conv2dGemmImpl(out, x, node, inShape, m, mode, table?.kind === 'conv' ? table.packed : new Map());
    return;
  }
  conv2dDirectImpl(out, x, node, inShape, m, mode);
}

/**
 * `conv2dImpl` as a matrix product per group: out[o, (p, c)] = Σ_k W[o, k] · P[k, (p, c)], where
 * the panel P holds, for a chunk of output pixels p, the input taps k = (ci, ky, kx) of every
 * column c (zero where the tap falls in the padding).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function conv2dGemmImpl(
  out: FloatArray,
  x: FloatArray,
  node: Conv2dNode,
  inShape: readonly number[],
  m: number,
  mode: BiasMode,
  packed: Map<string, Float64Array>,
): void {
  const geo = convGeometry(node, inShape);
  const wasm = gemm64();
  if (wasm && out instanceof Float64Array && x instanceof Float64Array && conv2dRowsInPlace(wasm, { out, x, node, geo, m, mode })) return;
  const npix = geo.ho * geo.wo;
  const n = npix * m;
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  addBias(out, node.outChannels * npix, m, node.bias, mode, npix);
  const taps = node.kernel[0] * node.kernel[1];
  const chunkPix = Math.max(1, Math.floor(CONV_GEMM_PANEL_COLUMNS / m), Math.floor(CONV_GEMM_PANEL_VALUES / (icg * taps * m)));
  const panel = new Float64Array(icg * taps * Math.min(npix, chunkPix) * m);
  // Weights restricted to the taps that land inside the input for some pixel of a chunk (small
  // feature maps: a 3×3 convolution on 1×1 uses its centre tap only), by set of live taps; kept
  // between calls in the prepared network's table of the node (`ConvTable`).
  const resident: { a: Float64Array | null; aOff: number; k: number } = { a: null, aOff: 0, k: 0 };
  for (let g = 0; g < node.groups; g++) {
    for (let p0 = 0; p0 < npix; p0 += chunkPix) {
      const pc = Math.min(chunkPix, npix - p0);
      const live = liveTaps(node, geo, p0, pc);
      const kk = icg * live.length;
      fillConvPanel(panel, x, node, geo, { g, p0, pc, m, live });
      let a: Float64Array = node.weight;
      let aOff = g * ocg * icg * taps;
      if (live.length < taps) {
        const key = `${g}:${live.join(',')}`;
        let w = packed.get(key);
        if (!w) packed.set(key, (w = packWeights(node, g, live)));
        a = w;
        aOff = 0;
      }
      const nc = pc * m;
      if (wasm && out instanceof Float64Array) {
        // The weights stay in the kernel's memory from chunk to chunk while they are the same.
        const sameA = resident.a === a && resident.aOff === aOff && resident.k === kk;
        wasmGemm(wasm, { out, cOff: g * ocg * n + p0 * m, ldc: n, a, aOff, k: kk, panel, nc, rows: ocg, sameA });
        Object.assign(resident, { a, aOff, k: kk });
      } else gemmAccumulate(out, g * ocg * n + p0 * m, n, a, aOff, kk, panel, nc, ocg, nc);
    }
  }
}

type ConvGeometry = ReturnType<typeof convGeometry>;

/**
 * `conv2dGemmImpl` without panels, one output row at a time, when the convolution has one group, no
 * padding and a horizontal stride of 1: the input block is copied once into the kernel's memory, and
 * for output row oy the taps' inputs (ci, oy·sh + ky·dh, kx·dw + ox) for ox = 0 … wo − 1 are wo
 * consecutive input rows, so B's row k = (ci, tap) is read in place (`nnRowsFrom`, a row list of
 * K = channels × taps entries, N = wo · m columns) and C starts from the bias tile. The same sums in
 * the same order as the panel path (bias, then the taps in (ci, ky, kx) order): bit-identical.
 * False (nothing done) when the shape does not allow it (then the panels run).
 */
function conv2dRowsInPlace(
  g: Gemm64,
  at: { out: Float64Array; x: Float64Array; node: Conv2dNode; geo: ConvGeometry; m: number; mode: BiasMode; crop?: ConvCrop },
): boolean {
  const { out, x, node, geo, m, mode } = at;
  const { h, w } = geo;
  // Output rows and columns computed (`crop`: the leading ones only); out's pixels are of the full map.
  const ho = at.crop?.rows ?? geo.ho;
  const wo = at.crop?.cols ?? geo.wo;
  const [kh, kw] = node.kernel;
  const [dh, dw] = node.dilation;
  const n = wo * m;
  if (node.groups !== 1 || node.stride[1] !== 1 || node.padding.some((q) => q !== 0) || n % 4 !== 0) return false;
  const rows = node.outChannels;
  const rows4 = (rows + 3) & ~3;
  const taps = kh * kw;
  const k = node.inChannels * taps;
  const units = node.inChannels * h * w;
  // Float64 offsets: A (k × rows4, k-major), the bias tile S (rows4 × n), the input block, the row list (k i32), C (rows4 × n).
  const sAt = k * rows4;
  const xAt = sAt + rows4 * n;
  const listAt = xAt + units * m;
  const cAt = listAt + Math.ceil(k / 2);
  const mem = gemm64Reserve(g, cAt + rows4 * n);
  for (let ci = 0; ci < node.inChannels; ci++)
    for (let t = 0; t < taps; t++) {
      const row = (ci * taps + t) * rows4;
      for (let r = 0; r < rows; r++) mem[row + r] = node.weight[(r * node.inChannels + ci) * taps + t]!;
      mem.fill(0, row + rows, row + rows4);
    }
  const bias = mem.subarray(sAt, xAt);
  addBias(bias, rows * wo, m, node.bias, mode, wo);
  bias.fill(0, rows * n);
  mem.set(x.subarray(0, units * m), xAt);
  const list = new Int32Array(mem.buffer, listAt * 8, k);
  const npix = geo.ho * geo.wo;
  for (let oy = 0; oy < ho; oy++) {
    for (let ci = 0; ci < node.inChannels; ci++)
      for (let t = 0; t < taps; t++) {
        const ky = Math.floor(t / kw);
        const iy = oy * node.stride[0] + ky * dh;
        const ix = (t - ky * kw) * dw;
        list[ci * taps + t] = (xAt + ((ci * h + iy) * w + ix) * m) * 8;
      }
    g.nnRowsFrom(0, listAt * 8, cAt * 8, rows4, n, k, sAt * 8);
    for (let r = 0; r < rows; r++) out.set(mem.subarray(cAt + r * n, cAt + (r + 1) * n), (r * npix + oy * geo.wo) * m);
  }
  return true;
}

/** The leading output rows and columns of a convolution that its consumers read. */
export interface ConvCrop {
  readonly rows: number;
  readonly cols: number;
}

/**
 * `conv2dImpl` on the in-place path (`conv2dRowsInPlace`, bit-identical) for output rows < `crop.rows`
 * and columns < `crop.cols` only, leaving the other pixels of `out` as they are: for a convolution
 * whose readers stop short of its last rows or columns (the simple CNN's second convolution: 11×11,
 * its 2×2 max-pool reads 10×10, 83 % of the work). False (nothing done) where that path does not
 * apply.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function conv2dCropped(
  out: Float64Array,
  x: Float64Array,
  node: Conv2dNode,
  inShape: readonly number[],
  m: number,
  mode: BiasMode,
  crop: ConvCrop,
): boolean {
  const wasm = gemm64();
  return wasm !== null && conv2dRowsInPlace(wasm, { out, x, node, geo: convGeometry(node, inShape), m, mode, crop });
}

/**
 * `gemmAccumulate` on the WebAssembly f64x2 kernel: A, the panel and the output tile are copied
 * into its memory, multiplied there, and the tile copied back (bit-identical to the JS kernel).
 */
function wasmGemm(
  g: Gemm64,
  at: {
    out: Float64Array;
    cOff: number;
    ldc: number;
    a: Float64Array;
    aOff: number;
    k: number;
    panel: Float64Array;
    nc: number;
    rows: number;
    /** A is already at the start of the kernel's memory (the previous call's, same rows and k). */
    sameA: boolean;
  },
): void {
  const { out, cOff, ldc, a, aOff, k, panel, nc, rows, sameA } = at;
  // The kernel takes multiples of 4 rows and columns: pad both with zeros in its memory (extra
  // outputs are computed and dropped; the real ones are unchanged, bit for bit).
  const rows4 = (rows + 3) & ~3;
  const nc4 = (nc + 3) & ~3;
  const aLen = rows4 * k;
  const bLen = k * nc4;
  const mem = gemm64Reserve(g, aLen + bLen + rows4 * nc4);
  if (!sameA) {
    mem.set(a.subarray(aOff, aOff + rows * k), 0);
    if (rows4 > rows) mem.fill(0, rows * k, aLen);
  }
  if (nc4 === nc) mem.set(panel.subarray(0, bLen), aLen);
  else
    for (let t = 0; t < k; t++) {
      mem.set(panel.subarray(t * nc, (t + 1) * nc), aLen + t * nc4);
      mem.fill(0, aLen + t * nc4 + nc, aLen + (t + 1) * nc4);
    }
  const c0 = aLen + bLen;
  for (let r = 0; r < rows; r++) mem.set(out.subarray(cOff + r * ldc, cOff + r * ldc + nc), c0 + r * nc4);
  g.nn(0, aLen * 8, c0 * 8, rows4, nc4, k);
  for (let r = 0; r < rows; r++) out.set(mem.subarray(c0 + r * nc4, c0 + r * nc4 + nc), cOff + r * ldc);
}

/** The taps (ky·kW + kx) of a convolution that fall inside the input for at least one of the pixels p0 … p0 + pc − 1. */
function liveTaps(node: Conv2dNode, geo: ConvGeometry, p0: number, pc: number): number[] {
  const [kh, kw] = node.kernel;
  const live: number[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let p = p0; p < p0 + pc; p++) {
        const oy = Math.floor(p / geo.wo);
        const iy = oy * node.stride[0] - node.padding[0] + ky * node.dilation[0];
        const ix = (p - oy * geo.wo) * node.stride[1] - node.padding[1] + kx * node.dilation[1];
        if (iy >= 0 && iy < geo.h && ix >= 0 && ix < geo.w) {
          live.push(ky * kw + kx);
          break;
        }
      }
    }
  }
  return live;
}

/** Group g's weights on the live taps only: `[o][ci][live tap]`, row-major. */
function packWeights(node: Conv2dNode, g: number, live: readonly number[]): Float64Array {
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  const taps = node.kernel[0] * node.kernel[1];
  const w = new Float64Array(ocg * icg * live.length);
  let q = 0;
  for (let o = 0; o < ocg; o++)
    for (let ci = 0; ci < icg; ci++) {
      const base = ((g * ocg + o) * icg + ci) * taps;
      for (const t of live) w[q++] = node.weight[base + t]!;
    }
  return w;
}

/** The column panel of a chunk of output pixels: rows (ci, live tap), columns (pixel, column); zeros in the padding. */
function fillConvPanel(
  panel: Float64Array,
  x: FloatArray,
  node: Conv2dNode,
  geo: ConvGeometry,
  at: { g: number; p0: number; pc: number; m: number; live: readonly number[] },
): void {
  const { g, p0, pc, m, live } = at;
  const { h, w, wo } = geo;
  const kw = node.kernel[1];
  const icg = node.inChannels / node.groups;
  const nc = pc * m;
  let row = 0;
  for (let ci = 0; ci < icg; ci++) {
    const cin = g * icg + ci;
    for (const t of live) {
      const ky = Math.floor(t / kw);
      const kx = t - ky * kw;
      for (let q = 0; q < pc; q++) {
        const p = p0 + q;
        const oy = Math.floor(p / wo);
        const iy = oy * node.stride[0] - node.padding[0] + ky * node.dilation[0];
        const ix = (p - oy * wo) * node.stride[1] - node.padding[1] + kx * node.dilation[1];
        const dst = row + q * m;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) panel.fill(0, dst, dst + m);
        else {
          const src = ((cin * h + iy) * w + ix) * m;
          for (let c = 0; c < m; c++) panel[dst + c] = x[src + c]!;
        }
      }
      row += nc;
    }
  }
}

/**
 * C += A · B on row-major blocks: C (rows × cols, row stride ldc, from cOff), A (rows × K, row
 * stride K, from aOff), B (K × cols, row stride ldb = cols). 4 × 4 register tiles; each output
 * accumulates its K terms in order, after its current value.
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
function gemmAccumulate(
  c: FloatArray,
  cOff: number,
  ldc: number,
  a: ArrayLike<number>,
  aOff: number,
  k: number,
  b: FloatArray,
  ldb: number,
  rows: number,
  cols: number,
): void {
  const rows4 = rows - (rows % 4);
  const cols4 = cols - (cols % 4);
  for (let r = 0; r < rows4; r += 4) {
    for (let j = 0; j < cols4; j += 4) gemmTile44(c, cOff + r * ldc + j, ldc, a, aOff + r * k, k, b, j, ldb);
    for (let j = cols4; j < cols; j++)
      for (let q = 0; q < 4; q++) gemmDot(c, cOff + (r + q) * ldc + j, a, aOff + (r + q) * k, k, b, j, ldb);
  }
  for (let r = rows4; r < rows; r++) for (let j = 0; j < cols; j++) gemmDot(c, cOff + r * ldc + j, a, aOff + r * k, k, b, j, ldb);
}

// eslint-disable-next-line @typescript-eslint/max-params -- hot-path micro-kernel (STYLE.md)
function gemmDot(c: FloatArray, ci: number, a: ArrayLike<number>, ai: number, k: number, b: FloatArray, bj: number, ldb: number): void {
  let s = c[ci]!;
  for (let t = 0, bi = bj; t < k; t++, bi += ldb) s += a[ai + t]! * b[bi]!;
  c[ci] = s;
}

/** One 4 × 4 tile of `gemmAccumulate` (16 accumulators in registers). */
// eslint-disable-next-line @typescript-eslint/max-params -- hot-path micro-kernel, unrolled by hand (STYLE.md)
function gemmTile44(
  c: FloatArray,
  ci: number,
  ldc: number,
  a: ArrayLike<number>,
  ai: number,
  k: number,
  b: FloatArray,
  bj: number,
  ldb: number,
): void {
  const c1 = ci + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  let s00 = c[ci]!,
    s01 = c[ci + 1]!,
    s02 = c[ci + 2]!,
    s03 = c[ci + 3]!;
  let s10 = c[c1]!,
    s11 = c[c1 + 1]!,
    s12 = c[c1 + 2]!,
    s13 = c[c1 + 3]!;
  let s20 = c[c2]!,
    s21 = c[c2 + 1]!,
    s22 = c[c2 + 2]!,
    s23 = c[c2 + 3]!;
  let s30 = c[c3]!,
    s31 = c[c3 + 1]!,
    s32 = c[c3 + 2]!,
    s33 = c[c3 + 3]!;
  const a1 = ai + k;
  const a2 = a1 + k;
  const a3 = a2 + k;
  for (let t = 0, bi = bj; t < k; t++, bi += ldb) {
    const b0 = b[bi]!,
      b1 = b[bi + 1]!,
      b2 = b[bi + 2]!,
      b3 = b[bi + 3]!;
    let w = a[ai + t]!;
    s00 += w * b0;
    s01 += w * b1;
    s02 += w * b2;
    s03 += w * b3;
    w = a[a1 + t]!;
    s10 += w * b0;
    s11 += w * b1;
    s12 += w * b2;
    s13 += w * b3;
    w = a[a2 + t]!;
    s20 += w * b0;
    s21 += w * b1;
    s22 += w * b2;
    s23 += w * b3;
    w = a[a3 + t]!;
    s30 += w * b0;
    s31 += w * b1;
    s32 += w * b2;
    s33 += w * b3;
  }
  c[ci] = s00;
  c[ci + 1] = s01;
  c[ci + 2] = s02;
  c[ci + 3] = s03;
  c[c1] = s10;
  c[c1 + 1] = s11;
  c[c1 + 2] = s12;
  c[c1 + 3] = s13;
  c[c2] = s20;
  c[c2 + 1] = s21;
  c[c2 + 2] = s22;
  c[c2 + 3] = s23;
  c[c3] = s30;
  c[c3 + 1] = s31;
  c[c3 + 2] = s32;
  c[c3 + 3] = s33;
}

function conv2dDirectImpl(out: FloatArray, x: FloatArray, node: Conv2dNode, inShape: readonly number[], m: number, mode: BiasMode): void {
  const { h, w, ho, wo } = convGeometry(node, inShape);
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.dilation;
  const pt = node.padding[0];
  const pl = node.padding[1];
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  const wt = node.weight;
  addBias(out, node.outChannels * ho * wo, m, node.bias, mode, ho * wo);
  for (let o = 0; o < node.outChannels; o++) {
    const g = Math.floor(o / ocg);
    for (let ci = 0; ci < icg; ci++) {
      const cin = g * icg + ci;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const wv = wt[((o * icg + ci) * kh + ky) * kw + kx]!;
          if (wv === 0) continue;
          for (let oy = 0; oy < ho; oy++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            const obase = (o * ho + oy) * wo;
            const ibase = (cin * h + iy) * w;
            for (let ox = 0; ox < wo; ox++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const orow = (obase + ox) * m;
              const irow = (ibase + ix) * m;
              for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! + wv * x[irow + c]!;
            }
          }
        }
      }
    }
  }
}

function conv2dTransposeImpl(gin: FloatArray, gout: FloatArray, node: Conv2dNode, inShape: readonly number[], m: number): void {
  const { h, w, ho, wo } = convGeometry(node, inShape);
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.dilation;
  const pt = node.padding[0];
  const pl = node.padding[1];
  const icg = node.inChannels / node.groups;
  const ocg = node.outChannels / node.groups;
  const wt = node.weight;
  for (let o = 0; o < node.outChannels; o++) {
    const g = Math.floor(o / ocg);
    for (let ci = 0; ci < icg; ci++) {
      const cin = g * icg + ci;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const wv = wt[((o * icg + ci) * kh + ky) * kw + kx]!;
          if (wv === 0) continue;
          for (let oy = 0; oy < ho; oy++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            const obase = (o * ho + oy) * wo;
            const ibase = (cin * h + iy) * w;
            for (let ox = 0; ox < wo; ox++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= w) continue;
              const orow = (obase + ox) * m;
              const irow = (ibase + ix) * m;
              for (let c = 0; c < m; c++) gin[irow + c] = gin[irow + c]! + wv * gout[orow + c]!;
            }
          }
        }
      }
    }
  }
}

function channelAffineImpl(out: FloatArray, x: FloatArray, node: ChannelAffineNode, m: number, mode: BiasMode): void {
  const channels = node.scale.length;
  const per = node.shape.length === 3 ? node.shape[1]! * node.shape[2]! : 1;
  for (let ch = 0; ch < channels; ch++) {
    const s = node.scale[ch]!;
    const t = node.shift[ch]!;
    for (let p = 0; p < per; p++) {
      const row = (ch * per + p) * m;
      for (let c = 0; c < m; c++) out[row + c] = s * x[row + c]!;
      if (mode === BiasMode.First) out[row] = out[row]! + t;
      else if (mode === BiasMode.All) for (let c = 0; c < m; c++) out[row + c] = out[row + c]! + t;
    }
  }
}

function channelAffineTransposeImpl(gin: FloatArray, gout: FloatArray, node: ChannelAffineNode, m: number): void {
  const channels = node.scale.length;
  const per = node.shape.length === 3 ? node.shape[1]! * node.shape[2]! : 1;
  for (let ch = 0; ch < channels; ch++) {
    const s = node.scale[ch]!;
    for (let p = 0; p < per; p++) {
      const row = (ch * per + p) * m;
      for (let c = 0; c < m; c++) gin[row + c] = gin[row + c]! + s * gout[row + c]!;
    }
  }
}

/**
 * Visits each pooling window: `visit(outIndex, inIndices, count)` where `inIndices` holds the
 * in-bounds input positions and `divisor` the average-pool divisor. Shared by avg- and max-pool.
 */
export interface WindowTable {
  readonly kind: 'window';
  /** For output element o, its in-bounds taps are `taps[start[o] .. start[o+1])`. */
  readonly start: Int32Array;
  /** Input element index of each tap. */
  readonly taps: Int32Array;
  /** Offset of each tap inside its window (ky * kW + kx): the max-pool code state. */
  readonly slot: Uint8Array | Uint16Array;
  /** Average-pool divisor per output element. */
  readonly divisor: Float64Array;
}

/**
 * The window table of a pooling node (computed afresh: `PreparedNetwork.table` keeps one per node,
 * and the kernels take it as an argument).
 */
export function windowTable(node: AvgPoolNode | MaxPoolNode, inShape: readonly number[]): WindowTable {
  const [c, h, w] = inShape as [number, number, number];
  const [, ho, wo] = node.shape as [number, number, number];
  const [kh, kw] = node.kernel;
  const [sh, sw] = node.stride;
  const [dh, dw] = node.type === 'maxpool' ? node.dilation : [1, 1];
  const pt = node.padding[0];
  const pl = node.padding[1];
  const nOut = c * ho * wo;
  const start = new Int32Array(nOut + 1);
  const taps: number[] = [];
  const slots: number[] = [];
  const divisor = new Float64Array(nOut);
  let o = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        start[o] = taps.length;
        let padded = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx * dw;
            // Padded positions count toward the divisor only inside the padded extent.
            if (iy >= -pt && iy < h + node.padding[2] && ix >= -pl && ix < w + node.padding[3]) padded++;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            taps.push((ch * h + iy) * w + ix);
            slots.push(ky * kw + kx);
          }
        }
        const inside = taps.length - start[o]!;
        divisor[o] = node.type === 'avgpool' && node.countIncludePad ? padded : inside;
        o++;
      }
    }
  }
  start[nOut] = taps.length;
  const table: WindowTable = {
    kind: 'window',
    start,
    taps: Int32Array.from(taps),
    slot: kh * kw > 255 ? Uint16Array.from(slots) : Uint8Array.from(slots),
    divisor,
  };
  return table;
}

/** Per-unit negative slopes of a prelu node (its slope broadcast over the node's shape). */
export interface SlopeTable {
  readonly kind: 'slope';
  readonly slope: Float64Array;
}

/**
 * A convolution's weights packed for the blocked matrix product, per group and set of live taps
 * (`group:tap,tap,…`), filled lazily by the calls that need them: a cache owned by the prepared
 * network, so they are packed once per network rather than once per call.
 */
interface ConvTable {
  readonly kind: 'conv';
  readonly packed: Map<string, Float64Array>;
}

/** What `PreparedNetwork.table(i)` keeps for node i: a pooling window table, a gather table, prelu slopes or packed convolution weights. */
export type KernelTable = WindowTable | GatherTable | SlopeTable | ConvTable;

/** The window table in `table`, or a fresh one for this pooling node. */
export function windowOf(node: AvgPoolNode | MaxPoolNode, inShape: readonly number[], table?: KernelTable | null): WindowTable {
  return table?.kind === 'window' ? table : windowTable(node, inShape);
}

function avgPoolImpl(out: FloatArray, x: FloatArray, table: WindowTable, m: number): void {
  const nOut = table.divisor.length;
  for (let o = 0; o < nOut; o++) {
    const orow = o * m;
    for (let c = 0; c < m; c++) out[orow + c] = 0;
    const inv = 1 / table.divisor[o]!;
    for (let t = table.start[o]!; t < table.start[o + 1]!; t++) {
      const irow = table.taps[t]! * m;
      for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! + x[irow + c]!;
    }
    for (let c = 0; c < m; c++) out[orow + c] = out[orow + c]! * inv;
  }
}

function avgPoolTransposeImpl(gin: FloatArray, gout: FloatArray, table: WindowTable, m: number): void {
  const nOut = table.divisor.length;
  for (let o = 0; o < nOut; o++) {
    const orow = o * m;
    const inv = 1 / table.divisor[o]!;
    for (let t = table.start[o]!; t < table.start[o + 1]!; t++) {
      const irow = table.taps[t]! * m;
      for (let c = 0; c < m; c++) gin[irow + c] = gin[irow + c]! + gout[orow + c]! * inv;
    }
  }
}

function globalAvgPoolImpl(out: FloatArray, x: FloatArray, inShape: readonly number[], m: number): void {
  const [c, h, w] = inShape as [number, number, number];
  const per = h * w;
  for (let ch = 0; ch < c; ch++) {
    const orow = ch * m;
    for (let k = 0; k < m; k++) out[orow + k] = 0;
    for (let p = 0; p < per; p++) {
      const irow = (ch * per + p) * m;
      for (let k = 0; k < m; k++) out[orow + k] = out[orow + k]! + x[irow + k]!;
    }
    for (let k = 0; k < m; k++) out[orow + k] = out[orow + k]! / per;
  }
}

function globalAvgPoolTransposeImpl(gin: FloatArray, gout: FloatArray, inShape: readonly number[], m: number): void {
  const [c, h, w] = inShape as [number, number, number];
  const per = h * w;
  for (let ch = 0; ch < c; ch++) {
    const orow = ch * m;
    for (let p = 0; p < per; p++) {
      const irow = (ch * per + p) * m;
      for (let k = 0; k < m; k++) gin[irow + k] = gin[irow + k]! + gout[orow + k]! / per;
    }
  }
}

/**
 * Applies an affine node to unit-major blocks. `xs` are the node's input blocks (several for add
 * and concat). `inShape` is the first input's shape. `table` is the node's table
 * (`PreparedNetwork.table`: required for gather nodes; computed for the call for average pools), `scratch` the dense
 * kernel's working buffers (caller-owned; made for the call when absent).
 */
// eslint-disable-next-line @typescript-eslint/max-params -- kernel contract: positional typed-array arguments on a hot path (STYLE.md)
export function affineImpl(
  out: FloatArray,
  xs: readonly FloatArray[],
  node: Node,
  inShape: readonly number[],
  m: number,
  mode: BiasMode,
  table?: KernelTable | null,
  scratch?: GatherScratch,
): void {
  const x = xs[0]!;
  switch (node.type) {
    case 'dense':
      return denseImpl(out, x, node, m, mode, scratch);
    case 'conv2d':
      return conv2dImpl(out, x, node, inShape, m, mode, table);
    case 'channel_affine':
      return channelAffineImpl(out, x, node, m, mode);
    case 'avgpool':
      return avgPoolImpl(out, x, windowOf(node, inShape, table), m);
    case 'global_avgpool':
      return globalAvgPoolImpl(out, x, inShape, m);
    case 'reshape':
      out.set(x.subarray(0, out.length));
      return;
    case 'add':
      if (table?.kind === 'gather' && table.plain === true) {
        // The residual add (two inputs of one shape), without walking the table.
        const y = xs[1]!;
        for (let i = 0; i < out.length; i++) out[i] = x[i]! + y[i]!;
        return;
      }
      return gatherOf(node, table, out, xs, m, mode);
    case 'concat':
    case 'pad':
    case 'slice':
    case 'transpose':
    case 'resize':
    case 'reduce_mean':
    case 'broadcast_affine':
      return gatherOf(node, table, out, xs, m, mode);
    default:
      throw new InternalError(`affineImpl: ${node.type} is not an affine node`);
  }
}

/** `gatherImpl` with the node's table (which must be its gather table). */
function gatherOf(
  node: Node,
  table: KernelTable | null | undefined,
  out: FloatArray,
  xs: readonly FloatArray[],
  m: number,
  mode: BiasMode,
): void {
  if (table?.kind !== 'gather') throw new InternalError(`affineImpl: ${node.type} node needs its gather table`);
  gatherImpl(out, xs, table, m, mode);
}

/** Accumulates the adjoint of an affine node's linear part into its input adjoints `gins`. */
export function affineTransposeImpl(
  gins: readonly FloatArray[],
  gout: FloatArray,
  node: Node,
  inShape: readonly number[],
  m: number,
  table?: KernelTable | null,
): void {
  const gin = gins[0]!;
  if (isGather(node)) {
    if (table?.kind !== 'gather') throw new InternalError(`affineTransposeImpl: ${node.type} node needs its gather table`);
    return gatherTransposeImpl(gins, gout, table, m);
  }
  switch (node.type) {
    case 'dense':
      return denseTransposeImpl(gin, gout, node, m);
    case 'conv2d':
      return conv2dTransposeImpl(gin, gout, node, inShape, m);
    case 'channel_affine':
      return channelAffineTransposeImpl(gin, gout, node, m);
    case 'avgpool':
      return avgPoolTransposeImpl(gin, gout, windowOf(node, inShape, table), m);
    case 'global_avgpool':
      return globalAvgPoolTransposeImpl(gin, gout, inShape, m);
    case 'reshape':
      for (let i = 0; i < gout.length; i++) gin[i] = gin[i]! + gout[i]!;
      return;
    default:
      throw new InternalError(`affineTransposeImpl: ${node.type} is not an affine node`);
  }
}
