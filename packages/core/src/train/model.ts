/**
 * `TrainableNetwork`: a `Network` (the IR, the library's only model of a network) with float32 (or
 * float64) parameter mirrors, their gradients, preallocated mini-batch buffers and one training
 * kernel per node from the registry in `node-kernels.ts`. Any network that loads can be trained or
 * fine-tuned: residual adds, average pools, batch-norm (channel_affine, trainable scale and shift),
 * hard-tanh, grouped and dilated convolutions. `toNetwork` writes the trained values back into a
 * new `Network`, so every exact analysis applies to a trained model.
 */
import { PolytopeError } from '../errors.js';
import type { Node, NodeType, Shape } from '../network/ir.js';
import { sizeOf } from '../network/ir.js';
import type { FloatArray } from '../network/kernels.js';
import { Network, buildNetwork } from '../network/network.js';
import type { NodeSpec } from '../network/network.js';
import { layerNodes } from './architectures.js';
import type { LayerSpec } from './architectures.js';
import type { InitName } from './init.js';
import { allocateFloats, trainKernel } from './node-kernels.js';
import type { Dtype, TrainOp, TrainSetup } from './node-kernels.js';
import type { Random } from '../random.js';

/** Options for `new TrainableNetwork(…)`: random generator, initialisation and float type. */
export interface TrainableNetworkOptions {
  /** Arithmetic and storage precision; default float32 (speed). float64 is for gradient checks. */
  dtype?: Dtype;
  /** Initialization scheme; default `pytorch`. */
  init?: InitName;
  /**
   * Seeded generator for the initialization. Without it, parameters start at the network's weights
   * (zero for layer specs); `init` then must not be given.
   */
  random?: Random;
  /** Also back-propagate to the input (`inputGradient()`), e.g. for gradient checks or saliency. */
  inputGradient?: boolean;
}

/** A per-channel input transform `x' = scale[c]·x + shift[c]` prepended to an exported network. */
export interface InputTransform {
  readonly scale: ArrayLike<number>;
  readonly shift: ArrayLike<number>;
}

type TrainableType = Exclude<NodeType, 'input'>;

/** A registry entry seen over the whole node union (each entry is only ever given its own type). */
interface AnyKernel {
  params(node: Node): Float64Array[];
  withParams(node: Node, values: readonly Float64Array[]): Node;
  initialize?(node: Node, params: readonly FloatArray[], init: InitName, random: Random): void;
  setup(node: Node, s: TrainSetup): TrainOp;
}

function kernelOf(node: Node): AnyKernel {
  return trainKernel(node.type as TrainableType) as unknown as AnyKernel;
}

/**
 * A network that can be trained. Parameters live in flat typed arrays of `dtype` (the IR's weight
 * arrays are never written); `forward`/`backward` work on batch-major blocks
 * (`x[b·inputSize + i]`). Build one from layer specs, or from any `Network` (fine-tuning).
 *
 * @example
 * const net = new TrainableNetwork([2], [
 *   { type: 'dense', outFeatures: 8 }, { type: 'relu' }, { type: 'dense', outFeatures: 1 },
 * ], { random: seededRandom(0) });
 * const out = net.forward(Float32Array.of(0.5, -1), 1); // one logit
 * const exact = net.toNetwork(); // the same function as a `Network`, in float64
 *
 * const tuned = new TrainableNetwork(readOnnx(bytes)); // starts from the model's weights
 */
export class TrainableNetwork {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly dtype: Dtype;
  /** The structure being trained; its weight arrays hold the starting values (see `toNetwork`). */
  readonly structure: Network;
  private readonly paramList: FloatArray[] = [];
  private readonly gradList: FloatArray[] = [];
  /** Index into `paramList` of each node's first tensor, and their count. */
  private readonly paramStart: Int32Array;
  private readonly paramCount: Int32Array;
  private readonly ops: (TrainOp | null)[];
  /** Whether a node's output gradient is needed (it or an ancestor has parameters, or it feeds one that does). */
  private readonly needGrad: Uint8Array;
  /** Per node and input: whether its input gradient adds to one written by a later reader. */
  private readonly accumulate: boolean[][];
  /** Activation buffers per node, and gradient buffers parallel to them. */
  private acts: FloatArray[] = [];
  private gacts: FloatArray[] = [];
  private xsOf: FloatArray[][] = [];
  private gxsOf: (FloatArray | null)[][] = [];
  private capacity = 0;

  constructor(network: Network, options?: TrainableNetworkOptions);
  constructor(inputShape: Shape, specs: readonly LayerSpec[], options?: TrainableNetworkOptions);
  constructor(
    source: Shape | Network,
    specsOrOptions?: readonly LayerSpec[] | TrainableNetworkOptions,
    maybeOptions?: TrainableNetworkOptions,
  ) {
    let options: TrainableNetworkOptions;
    if (source instanceof Network) {
      options = (specsOrOptions as TrainableNetworkOptions | undefined) ?? {};
      this.structure = source;
    } else {
      options = maybeOptions ?? {};
      const inputShape = source;
      if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new PolytopeError('bad-network', `input shape must be positive integers, got [${inputShape.join(', ')}]`);
      }
      const specs = (specsOrOptions ?? []) as readonly LayerSpec[];
      if (specs.length === 0) throw new PolytopeError('bad-network', 'a trainable network needs at least one layer');
      this.structure = buildNetwork(inputShape, layerNodes(inputShape, specs));
    }
    const net = this.structure;
    this.dtype = options.dtype ?? 'float32';
    this.inputShape = net.inputShape;
    this.outputShape = net.outputShape;
    this.inputSize = net.inputSize;
    this.outputSize = net.outputSize;
    const nodes = net.nodes;
    this.paramStart = new Int32Array(nodes.length);
    this.paramCount = new Int32Array(nodes.length);
    this.needGrad = new Uint8Array(nodes.length);
    this.needGrad[0] = options.inputGradient ? 1 : 0;
    this.ops = nodes.map((node, i) => {
      if (i === 0) return null;
      const kernel = kernelOf(node);
      const values = kernel.params(node);
      this.paramStart[i] = this.paramList.length;
      this.paramCount[i] = values.length;
      const params = values.map((v) => {
        const p = allocateFloats(this.dtype, v.length);
        p.set(v);
        return p;
      });
      const grads = values.map((v) => allocateFloats(this.dtype, v.length));
      this.paramList.push(...params);
      this.gradList.push(...grads);
      this.needGrad[i] = values.length > 0 || node.inputs.some((j) => this.needGrad[j]) ? 1 : 0;
      return kernel.setup(node, { inShapes: node.inputs.map((j) => nodes[j]!.shape), params, grads, dtype: this.dtype });
    });
    // Reverse order: the last reader of a node writes its gradient, earlier readers add to it.
    this.accumulate = nodes.map((n) => n.inputs.map(() => false));
    const written = new Uint8Array(nodes.length);
    for (let i = nodes.length - 1; i > 0; i--) {
      if (!this.needGrad[i]) continue;
      nodes[i]!.inputs.forEach((j, k) => {
        if (!this.needGrad[j]) return;
        this.accumulate[i]![k] = written[j] === 1;
        written[j] = 1;
      });
    }
    if (options.random) this.initialize(options.init ?? 'pytorch', options.random);
    else if (options.init !== undefined) throw new PolytopeError('bad-option', 'an initialization needs a seeded `random` generator');
  }

  /** Re-initializes every parametric node, in node order (so equal seeds give equal weights). */
  initialize(init: InitName, random: Random): void {
    const nodes = this.structure.nodes;
    for (let i = 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      const count = this.paramCount[i]!;
      if (count === 0) continue;
      const start = this.paramStart[i]!;
      kernelOf(node).initialize?.(node, this.paramList.slice(start, start + count), init, random);
    }
  }

  /** All trainable tensors in node order (weight, bias, weight, bias, …; scale, shift for channel_affine). */
  get params(): FloatArray[] {
    return this.paramList;
  }

  /** Gradients parallel to `params` (valid after `backward`). */
  get grads(): FloatArray[] {
    return this.gradList;
  }

  get numParameters(): number {
    let n = 0;
    for (const p of this.paramList) n += p.length;
    return n;
  }

  /** Multiply-adds of one forward pass of one sample. */
  get flopsPerSample(): number {
    let n = 0;
    for (const op of this.ops) n += op?.flops ?? 0;
    return n;
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const nodes = this.structure.nodes;
    this.acts = nodes.map((n) => allocateFloats(this.dtype, sizeOf(n.shape) * batch));
    this.gacts = nodes.map((n, i) => allocateFloats(this.dtype, this.needGrad[i] ? sizeOf(n.shape) * batch : 0));
    this.xsOf = nodes.map((n) => n.inputs.map((j) => this.acts[j]!));
    this.gxsOf = nodes.map((n) => n.inputs.map((j) => (this.needGrad[j] ? this.gacts[j]! : null)));
    this.capacity = batch;
  }

  /**
   * Forward pass of `batch` samples (`x` batch-major, any float array). Returns a view of the
   * output buffer (`batch × outputSize`), valid until the next call.
   */
  forward(x: ArrayLike<number>, batch: number): FloatArray {
    if (!Number.isInteger(batch) || batch < 1) throw new PolytopeError('bad-option', `batch must be a positive integer, got ${batch}`);
    if (x.length < batch * this.inputSize) {
      throw new PolytopeError('shape-mismatch', `a batch of ${batch} needs ${batch * this.inputSize} input values, got ${x.length}`);
    }
    this.ensureCapacity(batch);
    const input = this.acts[0]!;
    const n = batch * this.inputSize;
    if (ArrayBuffer.isView(x) && (x as FloatArray).subarray) input.set((x as FloatArray).subarray(0, n));
    else for (let i = 0; i < n; i++) input[i] = x[i]!;
    return this.forwardLoaded(batch);
  }

  /** The input buffer of capacity `batch` (fill it, then call `forwardLoaded`), avoiding a copy. */
  inputBuffer(batch: number): FloatArray {
    this.ensureCapacity(batch);
    return this.acts[0]!;
  }

  /** Forward pass over what is already in `inputBuffer(batch)`. */
  forwardLoaded(batch: number): FloatArray {
    const ops = this.ops;
    for (let i = 1; i < ops.length; i++) ops[i]!.forward(this.xsOf[i]!, this.acts[i]!, batch);
    return this.acts[ops.length - 1]!.subarray(0, batch * this.outputSize);
  }

  /** The output-gradient buffer for the last forward pass; write dL/d(output) into it, then `backward`. */
  outputGradient(): FloatArray {
    return this.gacts[this.ops.length - 1]!;
  }

  /** dL/d(input) of the last `backward` (batch-major); only with the `inputGradient` option. */
  inputGradient(): FloatArray {
    if (!this.needGrad[0]) throw new PolytopeError('bad-option', 'input gradients need the `inputGradient: true` option');
    return this.gacts[0]!;
  }

  /** Back-propagates `outputGradient()` through the batch of the last `forward`, filling `grads`. */
  backward(batch: number): void {
    const ops = this.ops;
    for (let i = ops.length - 1; i > 0; i--) {
      if (!this.needGrad[i]) continue;
      ops[i]!.backward(this.xsOf[i]!, this.acts[i]!, this.gacts[i]!, this.gxsOf[i]!, this.accumulate[i]!, batch);
    }
  }

  /** Copies of every parameter tensor (for snapshots). */
  copyParams(): FloatArray[] {
    return this.paramList.map((p) => p.slice());
  }

  /** Overwrites the parameters from copies made by `copyParams` (or any arrays of the same sizes). */
  setParams(values: readonly ArrayLike<number>[]): void {
    const params = this.paramList;
    if (values.length !== params.length)
      throw new PolytopeError('shape-mismatch', `expected ${params.length} parameter tensors, got ${values.length}`);
    params.forEach((p, i) => {
      const v = values[i]!;
      if (v.length !== p.length)
        throw new PolytopeError('shape-mismatch', `parameter tensor ${i} needs ${p.length} values, got ${v.length}`);
      for (let k = 0; k < p.length; k++) p[k] = v[k]!;
    });
  }

  /**
   * The exact (float64) network IR of the current parameters; float32 weights convert exactly.
   * With `inputTransform`, a `channel_affine` node is prepended (e.g. the dataset normalization
   * `(x − mean)/std`, so the exported network reads raw inputs).
   *
   * @example
   * const net = trained.toNetwork({ inputTransform: { scale: [1 / 0.3081], shift: [-0.1307 / 0.3081] } });
   */
  toNetwork(options: { inputTransform?: InputTransform } = {}): Network {
    const specs: NodeSpec[] = [];
    const t = options.inputTransform;
    if (t) {
      const channels = this.inputShape.length === 3 ? this.inputShape[0]! : this.inputSize;
      if (t.scale.length !== channels || t.shift.length !== channels) {
        throw new PolytopeError(
          'shape-mismatch',
          `input transform needs ${channels} scale and shift values (one per channel), got ${t.scale.length} and ${t.shift.length}`,
        );
      }
      specs.push({
        type: 'channel_affine',
        inputs: [0],
        scale: Float64Array.from(t.scale),
        shift: Float64Array.from(t.shift),
        name: 'input_normalization',
      });
    }
    const shift = t ? 1 : 0;
    const nodes = this.structure.nodes;
    for (let i = 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      const start = this.paramStart[i]!;
      const values = this.paramList.slice(start, start + this.paramCount[i]!).map((p) => Float64Array.from(p));
      const updated = values.length > 0 ? kernelOf(node).withParams(node, values) : node;
      specs.push({ ...updated, inputs: updated.inputs.map((j) => j + shift) } as NodeSpec);
    }
    return buildNetwork(this.inputShape, specs);
  }

  /**
   * A trainable copy of any `Network`, starting from its weights. A leading `channel_affine` that
   * is the only reader of the input (a folded input normalization) is dropped and returned as
   * `inputTransform`, so the caller can feed transformed data and re-attach it on export; every
   * other node, batch-norm included, is trained.
   */
  static fromNetwork(net: Network, options: { dtype?: Dtype } = {}): { network: TrainableNetwork; inputTransform?: InputTransform } {
    const opts = options.dtype ? { dtype: options.dtype } : {};
    const first = net.nodes[1];
    if (first?.type !== 'channel_affine' || net.lastUse[0] !== 1 || net.nodes.length < 3)
      return { network: new TrainableNetwork(net, opts) };
    const specs = net.nodes.slice(2).map((node) => ({ ...node, inputs: node.inputs.map((j) => Math.max(0, j - 1)) }) as NodeSpec);
    const network = new TrainableNetwork(buildNetwork(first.shape, specs), opts);
    return { network, inputTransform: { scale: first.scale, shift: first.shift } };
  }
}
