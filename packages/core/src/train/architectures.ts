/**
 * Named architectures: the dissertation's zoo (§6.1) and dash lists of layer widths.
 *
 * - `linear`: flatten → dense(outputs). A linear classifier.
 * - `dense`: flatten → dense(128) → relu → dense(outputs). MNIST: 784 → 128 → 10.
 * - `simple-cnn`: conv(32, 3×3) → maxpool(2) → relu → conv(32, 3×3) → maxpool(2) → relu → flatten
 *   → dense(outputs). "ReLUs occur after max pooling."
 * - `complex-cnn`: [conv(32, 3×3) → relu → maxpool(2)] × 3 → flatten → dense(outputs). "ReLUs
 *   occur before max pooling." (On 28×28 inputs the last pool leaves 1×1; on §6.1's 32×32, 2×2.)
 * - `2-8-8-1` (any dash list): fully connected, first number = input size, last = outputs,
 *   the activation between layers (ReLU, or leaky ReLU with `leak`), none after the last.
 *
 * The convolutions are unpadded with stride 1 and pools are 2×2 with stride 2 (PyTorch defaults;
 * the text gives no padding).
 */
import { DEFAULT_MAX_BYTES } from '../io/budget.js';
import { PolytopeError } from '../errors.js';
import { sizeOf } from '../network/ir.js';
import type { Shape } from '../network/ir.js';
import { inferShape } from '../network/network.js';
import type { NodeSpec } from '../network/network.js';

/**
 * A layer as the user describes it: shorthand for an IR node whose input sizes are inferred from
 * the previous layer (`layerNodes` turns a list into node specs). Parameters start at zero.
 */
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

/** Bytes per trainable parameter: the weight, its gradient and two optimizer states (float64). */
const BYTES_PER_PARAMETER = 32;

/** Issue 18 #14: a layer whose weights, gradients and optimizer state pass `DEFAULT_MAX_BYTES` is refused before allocating. */
function checkLayerSize(parameters: number, what: string): void {
  if (parameters * BYTES_PER_PARAMETER > DEFAULT_MAX_BYTES)
    throw new PolytopeError(
      'too-large',
      `${what} has ${parameters} parameters: with gradients and optimizer state ${((parameters * BYTES_PER_PARAMETER) / 1024 ** 3).toFixed(1)} GiB, above the ${DEFAULT_MAX_BYTES / 1024 ** 3} GiB a trainable layer may take`,
    );
}

function layerNode(spec: LayerSpec, inShape: Shape, input: number): NodeSpec {
  const inputs = [input];
  switch (spec.type) {
    case 'dense': {
      const inFeatures = sizeOf(inShape);
      const n = spec.outFeatures;
      const ok = Number.isInteger(n) && n >= 1;
      // Issue 18 #14: weights, gradients and two optimizer states per parameter, refused before allocating.
      if (ok) checkLayerSize(inFeatures * n, `a dense layer ${inFeatures}→${n}`);
      return {
        type: 'dense',
        inputs,
        inFeatures,
        outFeatures: n,
        weight: new Float64Array(ok ? inFeatures * n : 0),
        bias: new Float64Array(ok ? n : 0),
      };
    }
    case 'conv2d': {
      if (inShape.length !== 3) throw new PolytopeError('bad-network', `conv2d needs a [C, H, W] input, got [${inShape.join(', ')}]`);
      const kernel = pair(spec.kernel, 'conv2d kernel');
      const n = spec.outChannels;
      const ok = Number.isInteger(n) && n >= 1;
      if (ok) checkLayerSize(n * inShape[0]! * kernel[0] * kernel[1], `a conv2d layer with ${n} channels`);
      return {
        type: 'conv2d',
        inputs,
        inChannels: inShape[0]!,
        outChannels: n,
        kernel,
        stride: pair(spec.stride ?? 1, 'conv2d stride'),
        padding: padding4(spec.padding, 'conv2d padding'),
        dilation: [1, 1],
        groups: 1,
        weight: new Float64Array(ok ? n * inShape[0]! * kernel[0] * kernel[1] : 0),
        bias: new Float64Array(ok ? n : 0),
      };
    }
    case 'maxpool': {
      const kernel = pair(spec.kernel, 'maxpool kernel');
      return {
        type: 'maxpool',
        inputs,
        kernel,
        stride: pair(spec.stride ?? kernel, 'maxpool stride'),
        padding: padding4(spec.padding, 'maxpool padding'),
        dilation: [1, 1],
      };
    }
    case 'relu':
      return { type: 'relu', inputs };
    case 'leaky_relu':
      return { type: 'leaky_relu', inputs, alpha: spec.alpha };
    case 'flatten':
      return { type: 'reshape', inputs };
    default:
      throw new PolytopeError(
        'bad-network',
        `unknown layer type '${(spec as { type: string }).type}'; expected dense, conv2d, relu, leaky_relu, maxpool or flatten`,
      );
  }
}

/**
 * The IR node specs of a layer list (zero parameters), input sizes inferred layer by layer with the
 * network's own shape inference (`inferShape`). Throws a `PolytopeError` naming the layer.
 *
 * @example
 * buildNetwork([2], layerNodes([2], [{ type: 'dense', outFeatures: 8 }, { type: 'relu' }])).outputShape; // [8]
 */
export function layerNodes(inputShape: Shape, specs: readonly LayerSpec[]): NodeSpec[] {
  const nodes: NodeSpec[] = [];
  let shape: Shape = inputShape;
  specs.forEach((spec, i) => {
    try {
      const node = layerNode(spec, shape, i);
      shape = inferShape(node, [shape], i + 1);
      nodes.push(node);
    } catch (err) {
      if (err instanceof PolytopeError) throw new PolytopeError(err.code, `layer ${i} (${spec.type}): ${err.message}`);
      throw err;
    }
  });
  return nodes;
}

/**
 * The architectures `architectureLayers` builds by name (the dissertation's MNIST/CIFAR networks).
 *
 * @example
 * NAMED_ARCHITECTURES.includes('simple-cnn'); // true
 */
export const NAMED_ARCHITECTURES = ['linear', 'dense', 'simple-cnn', 'complex-cnn'] as const;

/** Options for `architectureLayers`: input shape, classes and widths. */
export interface ArchitectureOptions {
  /** Leak of the hidden activations: 0 (default) for ReLU, otherwise leaky ReLU. */
  leak?: number;
  /** Hidden width of `dense` (default 128). */
  hidden?: number;
  /** Channels of the CNNs' convolutions (default 32). */
  channels?: number;
}

/**
 * Layer specs for an architecture name, an input shape and an output count.
 *
 * @example
 * architectureLayers('2-8-1', [2], 1);
 * // [{ type: 'dense', outFeatures: 8 }, { type: 'relu' }, { type: 'dense', outFeatures: 1 }]
 */
export function architectureLayers(name: string, inputShape: Shape, outputs: number, options: ArchitectureOptions = {}): LayerSpec[] {
  const leak = options.leak ?? 0;
  if (!Number.isFinite(leak) || leak < 0) throw new PolytopeError('bad-option', `leak must be a finite number ≥ 0, got ${leak}`);
  const act: LayerSpec = leak === 0 ? { type: 'relu' } : { type: 'leaky_relu', alpha: leak };
  const flat: LayerSpec[] = inputShape.length > 1 ? [{ type: 'flatten' }] : [];
  const channels = options.channels ?? 32;
  const needImage = (): void => {
    if (inputShape.length !== 3) {
      throw new PolytopeError('bad-option', `architecture '${name}' needs image inputs [C, H, W], got shape [${inputShape.join(', ')}]`);
    }
  };
  switch (name) {
    case 'linear':
      return [...flat, { type: 'dense', outFeatures: outputs }];
    case 'dense':
      return [...flat, { type: 'dense', outFeatures: options.hidden ?? 128 }, act, { type: 'dense', outFeatures: outputs }];
    case 'simple-cnn':
      needImage();
      return [
        { type: 'conv2d', outChannels: channels, kernel: 3 },
        { type: 'maxpool', kernel: 2 },
        act,
        { type: 'conv2d', outChannels: channels, kernel: 3 },
        { type: 'maxpool', kernel: 2 },
        act,
        { type: 'flatten' },
        { type: 'dense', outFeatures: outputs },
      ];
    case 'complex-cnn':
      needImage();
      return [
        { type: 'conv2d', outChannels: channels, kernel: 3 },
        act,
        { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', outChannels: channels, kernel: 3 },
        act,
        { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', outChannels: channels, kernel: 3 },
        act,
        { type: 'maxpool', kernel: 2 },
        { type: 'flatten' },
        { type: 'dense', outFeatures: outputs },
      ];
    default:
      break;
  }
  if (!/^\d+(-\d+)+$/.test(name)) {
    throw new PolytopeError(
      'bad-option',
      `unknown architecture '${name}'; expected ${NAMED_ARCHITECTURES.join(', ')} or a dash list of widths such as 2-8-8-1`,
    );
  }
  const widths = name.split('-').map(Number);
  if (widths.some((w) => w < 1)) throw new PolytopeError('bad-option', `architecture '${name}': widths must be ≥ 1`);
  const inSize = sizeOf(inputShape);
  if (widths[0] !== inSize) {
    throw new PolytopeError(
      'bad-option',
      `architecture '${name}' starts with ${widths[0]} inputs but the data has ${inSize} (shape [${inputShape.join(', ')}])`,
    );
  }
  if (widths[widths.length - 1] !== outputs) {
    throw new PolytopeError(
      'bad-option',
      `architecture '${name}' ends with ${widths[widths.length - 1]} outputs but the task needs ${outputs}`,
    );
  }
  const layers: LayerSpec[] = [...flat];
  for (let i = 1; i < widths.length; i++) {
    layers.push({ type: 'dense', outFeatures: widths[i]! });
    if (i < widths.length - 1) layers.push(act);
  }
  return layers;
}
