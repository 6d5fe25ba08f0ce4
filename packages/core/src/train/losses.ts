/**
 * Losses over a mini-batch, each returning the mean loss and writing dL/d(output) (PyTorch's
 * `reduction='mean'`):
 *
 * - `mse`: mean over all batch × output entries of (y − t)²  (`nn.MSELoss`);
 * - `bce`: binary cross-entropy on logits, mean over entries  (`nn.BCEWithLogitsLoss`),
 *   computed stably as max(z, 0) − z·t + log(1 + e^(−|z|)); targets in [0, 1];
 * - `softmax-ce`: softmax cross-entropy, mean over the batch  (`nn.CrossEntropyLoss`); the target
 *   of a sample is its class index (one value per sample).
 */
import { PolytopeError } from '../errors.js';
import type { FloatArray } from '../network/kernels.js';

/** A loss (see `LOSS_NAMES`). */
export type LossName = 'mse' | 'bce' | 'softmax-ce';

/**
 * The losses training understands.
 *
 * @example
 * LOSS_NAMES.includes('softmax-ce'); // true
 */
export const LOSS_NAMES: readonly LossName[] = ['mse', 'bce', 'softmax-ce'];

/** Target values per sample the loss reads: `outputs` for mse/bce, 1 (the class) for softmax-ce. */
export function targetSize(loss: LossName, outputs: number): number {
  return loss === 'softmax-ce' ? 1 : outputs;
}

/**
 * Mean loss of `batch` rows of `outputs` network outputs against the first `batch` rows of `target`
 * (`target` is read at `b · targetSize`); when `grad` is given, it receives dL/d(output),
 * batch-major. (The trainer's shuffled epochs read target rows through `batchLoss`.)
 *
 * @example
 * const g = new Float64Array(2);
 * lossAndGradient('mse', Float64Array.of(1, 3), 2, 1, Float64Array.of(0, 1), g); // (1 + 4)/2 = 2.5; g = [1, 2]
 */
export function lossAndGradient(
  loss: LossName,
  out: FloatArray,
  batch: number,
  outputs: number,
  target: ArrayLike<number>,
  grad: FloatArray | null,
): number {
  return batchLoss({ loss, out, batch, outputs, target }, grad);
}

/**
 * A mini-batch for `batchLoss`: `batch` rows of `outputs` network outputs, and the target rows they
 * are compared with: row `b` of the batch is dataset row `order[orderStart + b]` (shuffled epochs),
 * or `orderStart + b` without an `order`.
 */
export interface LossBatch {
  readonly loss: LossName;
  readonly out: FloatArray;
  readonly batch: number;
  readonly outputs: number;
  readonly target: ArrayLike<number>;
  readonly order?: ArrayLike<number> | undefined;
  readonly orderStart?: number;
}

/** Mean loss of a mini-batch (see `LossBatch`); when `grad` is given, it receives dL/d(output), batch-major. */
export function batchLoss(lossBatch: LossBatch, grad: FloatArray | null): number {
  const { loss, out, batch, outputs, target, order, orderStart = 0 } = lossBatch;
  const row = (b: number): number => (order ? order[orderStart + b]! : orderStart + b);
  switch (loss) {
    case 'mse': {
      const n = batch * outputs;
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const t0 = row(b) * outputs;
        for (let j = 0; j < outputs; j++) {
          const d = out[b * outputs + j]! - target[t0 + j]!;
          sum += d * d;
          if (grad) grad[b * outputs + j] = (2 * d) / n;
        }
      }
      return sum / n;
    }
    case 'bce': {
      const n = batch * outputs;
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const t0 = row(b) * outputs;
        for (let j = 0; j < outputs; j++) {
          const z = out[b * outputs + j]!;
          const t = target[t0 + j]!;
          const e = Math.exp(-Math.abs(z));
          sum += Math.max(z, 0) - z * t + Math.log1p(e);
          if (grad) {
            const sig = z >= 0 ? 1 / (1 + e) : e / (1 + e);
            grad[b * outputs + j] = (sig - t) / n;
          }
        }
      }
      return sum / n;
    }
    case 'softmax-ce': {
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const o = b * outputs;
        const cls = target[row(b)]!;
        if (!(cls >= 0 && cls < outputs && Number.isInteger(cls))) {
          throw new PolytopeError('bad-data', `class label ${cls} of sample ${row(b)} is not in 0..${outputs - 1}`);
        }
        let max = -Infinity;
        for (let j = 0; j < outputs; j++) max = Math.max(max, out[o + j]!);
        let z = 0;
        for (let j = 0; j < outputs; j++) z += Math.exp(out[o + j]! - max);
        const logZ = max + Math.log(z);
        sum += logZ - out[o + cls]!;
        if (grad) {
          for (let j = 0; j < outputs; j++) grad[o + j] = (Math.exp(out[o + j]! - logZ) - (j === cls ? 1 : 0)) / batch;
        }
      }
      return sum / batch;
    }
    default:
      throw new PolytopeError('bad-option', `unknown loss '${String(loss)}'; expected one of ${LOSS_NAMES.join(', ')}`);
  }
}
