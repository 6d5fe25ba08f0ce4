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
import { PolytopeError } from '../errors.js';
import type { Shape } from '../network/ir.js';
import type { LayerSpec } from './layers.js';

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

function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
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
        { type: 'conv2d', outChannels: channels, kernel: 3 }, { type: 'maxpool', kernel: 2 }, act,
        { type: 'conv2d', outChannels: channels, kernel: 3 }, { type: 'maxpool', kernel: 2 }, act,
        { type: 'flatten' }, { type: 'dense', outFeatures: outputs },
      ];
    case 'complex-cnn':
      needImage();
      return [
        { type: 'conv2d', outChannels: channels, kernel: 3 }, act, { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', outChannels: channels, kernel: 3 }, act, { type: 'maxpool', kernel: 2 },
        { type: 'conv2d', outChannels: channels, kernel: 3 }, act, { type: 'maxpool', kernel: 2 },
        { type: 'flatten' }, { type: 'dense', outFeatures: outputs },
      ];
    default:
      break;
  }
  if (!/^\d+(-\d+)+$/.test(name)) {
    throw new PolytopeError('bad-option', `unknown architecture '${name}'; expected ${NAMED_ARCHITECTURES.join(', ')} or a dash list of widths such as 2-8-8-1`);
  }
  const widths = name.split('-').map(Number);
  if (widths.some((w) => w < 1)) throw new PolytopeError('bad-option', `architecture '${name}': widths must be ≥ 1`);
  const inSize = sizeOf(inputShape);
  if (widths[0] !== inSize) {
    throw new PolytopeError('bad-option', `architecture '${name}' starts with ${widths[0]} inputs but the data has ${inSize} (shape [${inputShape.join(', ')}])`);
  }
  if (widths[widths.length - 1] !== outputs) {
    throw new PolytopeError('bad-option', `architecture '${name}' ends with ${widths[widths.length - 1]} outputs but the task needs ${outputs}`);
  }
  const layers: LayerSpec[] = [...flat];
  for (let i = 1; i < widths.length; i++) {
    layers.push({ type: 'dense', outFeatures: widths[i]! });
    if (i < widths.length - 1) layers.push(act);
  }
  return layers;
}
