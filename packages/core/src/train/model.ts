/**
 * `TrainableNetwork`: a sequential stack of trainable layers with preallocated mini-batch buffers,
 * and its conversion to and from the exact network IR (`Network`), so that every exact analysis
 * applies to a trained model and a saved model can be trained further.
 */
import { PolytopeError } from '../errors.js';
import type { Shape } from '../network/ir.js';
import type { FloatArray } from '../network/kernels.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { initParameters } from './init.js';
import type { InitName } from './init.js';
import {
  Conv2dLayer,
  DenseLayer,
  FlattenLayer,
  LeakyReluLayer,
  MaxPoolLayer,
  ReluLayer,
  allocateFloats,
  createLayer,
} from './layers.js';
import type { Dtype, Layer, LayerSpec } from './layers.js';
import type { Random } from '../reference/random.js';

/** Options for `new TrainableNetwork(…)`: random generator, initialisation and float type. */
export interface TrainableNetworkOptions {
  /** Arithmetic and storage precision; default float32 (speed). float64 is for gradient checks. */
  dtype?: Dtype;
  /** Initialization scheme; default `pytorch`. */
  init?: InitName;
  /** Seeded generator for the initialization (required unless `init` is `none`). */
  random?: Random;
}

/** A per-channel input transform `x' = scale[c]·x + shift[c]` prepended to an exported network. */
export interface InputTransform {
  readonly scale: ArrayLike<number>;
  readonly shift: ArrayLike<number>;
}

/**
 * A sequential network that can be trained. Parameters live in flat typed arrays of `dtype`;
 * `forward`/`backward` work on batch-major blocks (`x[b·inputSize + i]`).
 *
 * @example
 * const net = new TrainableNetwork([2], [
 *   { type: 'dense', outFeatures: 8 }, { type: 'relu' }, { type: 'dense', outFeatures: 1 },
 * ], { random: seededRandom(0) });
 * const out = net.forward(Float32Array.of(0.5, -1), 1); // one logit
 * const exact = net.toNetwork(); // the same function as a `Network`, in float64
 */
export class TrainableNetwork {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly dtype: Dtype;
  readonly layers: readonly Layer[];
  /** Activation buffers: `acts[0]` is the input, `acts[i + 1]` the output of layer i. */
  private acts: FloatArray[] = [];
  /** Gradient buffers parallel to `acts`. */
  private gacts: FloatArray[] = [];
  private capacity = 0;
  /** Index of the first layer with parameters: layers up to it need no input gradient. */
  private readonly firstParametric: number;

  constructor(inputShape: Shape, specs: readonly LayerSpec[], options: TrainableNetworkOptions = {}) {
    if (inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new PolytopeError('bad-network', `input shape must be positive integers, got [${inputShape.join(', ')}]`);
    }
    if (specs.length === 0) throw new PolytopeError('bad-network', 'a trainable network needs at least one layer');
    this.dtype = options.dtype ?? 'float32';
    this.inputShape = [...inputShape];
    const layers: Layer[] = [];
    let shape: Shape = this.inputShape;
    specs.forEach((spec, i) => {
      try {
        const layer = createLayer(shape, spec, this.dtype);
        layers.push(layer);
        shape = layer.outShape;
      } catch (err) {
        if (err instanceof PolytopeError) throw new PolytopeError(err.code, `layer ${i} (${spec.type}): ${err.message}`);
        throw err;
      }
    });
    this.layers = layers;
    this.outputShape = shape;
    this.inputSize = layers[0]!.inSize;
    this.outputSize = layers[layers.length - 1]!.outSize;
    const fp = layers.findIndex((l) => l.params.length > 0);
    this.firstParametric = fp < 0 ? layers.length : fp;
    if (options.random) this.initialize(options.init ?? 'pytorch', options.random);
    else if (options.init !== undefined) throw new PolytopeError('bad-option', 'an initialization needs a seeded `random` generator');
  }

  /** Re-initializes every parametric layer, in layer order (so equal seeds give equal weights). */
  initialize(init: InitName, random: Random): void {
    for (const layer of this.layers) {
      if (layer instanceof DenseLayer) initParameters(layer.weight, layer.bias, layer.inFeatures, layer.outFeatures, init, random);
      else if (layer instanceof Conv2dLayer) {
        const kk = layer.kernel[0] * layer.kernel[1];
        initParameters(layer.weight, layer.bias, layer.inChannels * kk, layer.outChannels * kk, init, random);
      }
    }
  }

  /** All trainable tensors in layer order (weight, bias, weight, bias, …). */
  get params(): FloatArray[] {
    return this.layers.flatMap((l) => l.params);
  }

  /** Gradients parallel to `params` (valid after `backward`). */
  get grads(): FloatArray[] {
    return this.layers.flatMap((l) => l.grads);
  }

  get numParameters(): number {
    let n = 0;
    for (const p of this.params) n += p.length;
    return n;
  }

  /** Multiply-adds of one forward pass of one sample. */
  get flopsPerSample(): number {
    let n = 0;
    for (const l of this.layers) n += l.flops;
    return n;
  }

  private ensureCapacity(batch: number): void {
    if (batch <= this.capacity) return;
    const sizes = [this.inputSize, ...this.layers.map((l) => l.outSize)];
    this.acts = sizes.map((s) => allocateFloats(this.dtype, s * batch));
    this.gacts = sizes.map((s) => allocateFloats(this.dtype, s * batch));
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
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) layers[i]!.forward(this.acts[i]!, this.acts[i + 1]!, batch);
    return this.acts[layers.length]!.subarray(0, batch * this.outputSize);
  }

  /** The output-gradient buffer for the last forward pass; write dL/d(output) into it, then `backward`. */
  outputGradient(): FloatArray {
    return this.gacts[this.layers.length]!;
  }

  /** Back-propagates `outputGradient()` through the batch of the last `forward`, filling `grads`. */
  backward(batch: number): void {
    const layers = this.layers;
    for (let i = layers.length - 1; i >= 0; i--) {
      const gx = i > this.firstParametric ? this.gacts[i]! : null;
      layers[i]!.backward(this.acts[i]!, this.acts[i + 1]!, this.gacts[i + 1]!, gx, batch);
    }
  }

  /** Copies of every parameter tensor (for snapshots). */
  copyParams(): FloatArray[] {
    return this.params.map((p) => p.slice());
  }

  /** Overwrites the parameters from copies made by `copyParams` (or any arrays of the same sizes). */
  setParams(values: readonly ArrayLike<number>[]): void {
    const params = this.params;
    if (values.length !== params.length) throw new PolytopeError('shape-mismatch', `expected ${params.length} parameter tensors, got ${values.length}`);
    params.forEach((p, i) => {
      const v = values[i]!;
      if (v.length !== p.length) throw new PolytopeError('shape-mismatch', `parameter tensor ${i} needs ${p.length} values, got ${v.length}`);
      for (let k = 0; k < p.length; k++) p[k] = v[k]!;
    });
  }

  /** The layer specs this network was built from (input sizes implied). */
  get specs(): LayerSpec[] {
    return this.layers.map((l): LayerSpec => {
      if (l instanceof DenseLayer) return { type: 'dense', outFeatures: l.outFeatures };
      if (l instanceof Conv2dLayer) return { type: 'conv2d', outChannels: l.outChannels, kernel: l.kernel, stride: l.stride, padding: l.padding };
      if (l instanceof LeakyReluLayer) return { type: 'leaky_relu', alpha: l.alpha };
      if (l instanceof MaxPoolLayer) return { type: 'maxpool', kernel: l.kernel, stride: l.stride, padding: l.padding };
      if (l instanceof ReluLayer) return { type: 'relu' };
      if (l instanceof FlattenLayer) return { type: 'flatten' };
      throw new PolytopeError('bad-layer', `unknown layer ${l.type}`);
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
        throw new PolytopeError('shape-mismatch', `input transform needs ${channels} scale and shift values (one per channel), got ${t.scale.length} and ${t.shift.length}`);
      }
      specs.push({ type: 'channel_affine', inputs: [0], scale: Float64Array.from(t.scale), shift: Float64Array.from(t.shift), name: 'input_normalization' });
    }
    for (const l of this.layers) {
      const inputs = [specs.length];
      if (l instanceof DenseLayer) {
        specs.push({ type: 'dense', inputs, inFeatures: l.inFeatures, outFeatures: l.outFeatures, weight: Float64Array.from(l.weight), bias: Float64Array.from(l.bias) });
      } else if (l instanceof Conv2dLayer) {
        specs.push({
          type: 'conv2d', inputs, inChannels: l.inChannels, outChannels: l.outChannels, kernel: l.kernel, stride: l.stride,
          padding: l.padding, dilation: [1, 1], groups: 1, weight: Float64Array.from(l.weight), bias: Float64Array.from(l.bias),
        });
      } else if (l instanceof ReluLayer) specs.push({ type: 'relu', inputs });
      else if (l instanceof LeakyReluLayer) specs.push({ type: 'leaky_relu', inputs, alpha: l.alpha });
      else if (l instanceof MaxPoolLayer) specs.push({ type: 'maxpool', inputs, kernel: l.kernel, stride: l.stride, padding: l.padding, dilation: [1, 1] });
      else if (l instanceof FlattenLayer) specs.push({ type: 'reshape', inputs });
    }
    return buildNetwork(this.inputShape, specs);
  }

  /**
   * A trainable copy of a sequential `Network` (dense, conv2d without groups or dilation, relu,
   * leaky_relu, maxpool without dilation, flatten). A leading `channel_affine` node is dropped
   * and returned as `inputTransform`, so the caller can feed transformed data and re-attach it.
   * Throws `PolytopeError('unsupported')` naming the first node it cannot train.
   */
  static fromNetwork(net: Network, options: { dtype?: Dtype } = {}): { network: TrainableNetwork; inputTransform?: InputTransform } {
    const nodes = net.nodes;
    const specs: LayerSpec[] = [];
    let inputTransform: InputTransform | undefined;
    let inputShape = net.inputShape;
    for (let i = 1; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) {
        throw new PolytopeError('unsupported', `node ${i} (${node.type}) is not part of a simple chain; only sequential networks can be trained`);
      }
      const bad = (why: string): never => {
        throw new PolytopeError('unsupported', `node ${i} (${node.type}) cannot be trained here: ${why}`);
      };
      switch (node.type) {
        case 'channel_affine':
          if (i !== 1) bad('only a leading channel_affine (input normalization) is supported');
          inputTransform = { scale: node.scale, shift: node.shift };
          inputShape = node.shape;
          break;
        case 'dense':
          if (nodes[i - 1]!.shape.length !== 1) specs.push({ type: 'flatten' });
          specs.push({ type: 'dense', outFeatures: node.outFeatures });
          break;
        case 'conv2d':
          if (node.groups !== 1) bad('grouped convolutions are not supported');
          if (node.dilation[0] !== 1 || node.dilation[1] !== 1) bad('dilated convolutions are not supported');
          specs.push({ type: 'conv2d', outChannels: node.outChannels, kernel: node.kernel, stride: node.stride, padding: node.padding });
          break;
        case 'relu':
          specs.push({ type: 'relu' });
          break;
        case 'leaky_relu':
          specs.push({ type: 'leaky_relu', alpha: node.alpha });
          break;
        case 'maxpool':
          if (node.dilation[0] !== 1 || node.dilation[1] !== 1) bad('dilated max-pooling is not supported');
          specs.push({ type: 'maxpool', kernel: node.kernel, stride: node.stride, padding: node.padding });
          break;
        case 'reshape':
          if (node.targetShape !== undefined && node.targetShape.length !== 1) bad('only flattening reshapes are supported');
          specs.push({ type: 'flatten' });
          break;
        default:
          bad('layer type not supported by the trainer');
      }
    }
    const network = new TrainableNetwork(inputShape, specs, options.dtype ? { dtype: options.dtype } : {});
    const params: Float64Array[] = [];
    for (const node of nodes) if (node.type === 'dense' || node.type === 'conv2d') params.push(node.weight, node.bias);
    network.setParams(params);
    return inputTransform ? { network, inputTransform } : { network };
  }
}
