/**
 * Optimizers with PyTorch's update rules (`torch.optim`), so that hyper-parameters carry over:
 *
 * - SGD: g ← g + λp; b ← μb + (1 − dampening)g (b = g on the first step); g ← nesterov ? g + μb : b;
 *   p ← p − η g.
 * - Adam: g ← g + λp (L2 in the gradient); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 *   p ← p − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
 * - AdamW: as Adam but with decoupled decay p ← p(1 − ηλ) before the update; λ defaults to 0.01.
 *
 * Weight decay applies to every parameter, biases included (PyTorch's behaviour when an optimizer
 * is built from `model.parameters()`, as in the dissertation).
 */
import { PolytopeError } from '../errors.js';
import type { FloatArray } from '../network/kernels.js';

/**
 * Not a tolerance: Adam's default ε, the term added to √v̂ in the update denominator (PyTorch's
 * `torch.optim.Adam` default, Kingma & Ba 2015), used when `AdamOptions.eps` is not given.
 */
// eslint-disable-next-line no-restricted-syntax -- PyTorch's Adam eps default, a hyperparameter, not a tolerance
const ADAM_DEFAULT_EPS = 1e-8;

/** SGD settings (learning rate, momentum, weight decay). */
export interface SgdOptions {
  readonly type: 'sgd';
  readonly lr: number;
  readonly momentum?: number;
  readonly dampening?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

/** Adam / AdamW settings (learning rate, betas, epsilon, weight decay). */
export interface AdamOptions {
  readonly type: 'adam' | 'adamw';
  /** Default 0.001. */
  readonly lr?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** Default 0 for Adam, 0.01 for AdamW (PyTorch's defaults). */
  readonly weightDecay?: number;
}

/** Settings for `createOptimizer`, tagged by `type`. */
export type OptimizerOptions = SgdOptions | AdamOptions;

/** An optimizer (see `OPTIMIZER_NAMES`). */
export type OptimizerName = OptimizerOptions['type'];

/**
 * The optimizers `createOptimizer` builds.
 *
 * @example
 * OPTIMIZER_NAMES.includes('adamw'); // true
 */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'adam', 'adamw'];

/** Updates parameters in place from their gradients. */
export interface Optimizer {
  readonly options: Required<SgdOptions> | Required<AdamOptions>;
  /** Number of steps taken. */
  readonly steps: number;
  step(params: readonly FloatArray[], grads: readonly FloatArray[]): void;
}

function check(name: string, value: number, min: number, max = Infinity, openMin = false): void {
  if (!Number.isFinite(value) || value < min || (openMin && value === min) || value > max) {
    const range = `${openMin ? '>' : '≥'} ${min}${max < Infinity ? ` and ≤ ${max}` : ''}`;
    throw new PolytopeError('bad-option', `${name} must be a finite number ${range}, got ${value}`);
  }
}

/** Fills in defaults and validates; throws `PolytopeError('bad-option')` naming the bad value. */
function resolveOptimizerOptions(o: OptimizerOptions): Required<SgdOptions> | Required<AdamOptions> {
  if (o.type === 'sgd') {
    const r: Required<SgdOptions> = {
      type: 'sgd',
      lr: o.lr,
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false,
    };
    check('learning rate', r.lr, 0, Infinity, true);
    check('momentum', r.momentum, 0);
    // Momentum ≥ 1 never forgets a gradient: the velocity grows without bound (2 trained to a loss of 7e21; issue 18 #5).
    if (r.momentum >= 1) throw new PolytopeError('bad-option', `momentum must be below 1 (it is a decay factor), got ${r.momentum}`);
    check('dampening', r.dampening, 0, 1);
    check('weight decay', r.weightDecay, 0);
    if (r.nesterov && (r.momentum <= 0 || r.dampening !== 0)) {
      throw new PolytopeError('bad-option', 'Nesterov momentum requires a momentum > 0 and zero dampening');
    }
    return r;
  }
  if (o.type === 'adam' || o.type === 'adamw') {
    const r: Required<AdamOptions> = {
      type: o.type,
      lr: o.lr ?? 0.001,
      beta1: o.beta1 ?? 0.9,
      beta2: o.beta2 ?? 0.999,
      eps: o.eps ?? ADAM_DEFAULT_EPS,
      weightDecay: o.weightDecay ?? (o.type === 'adamw' ? 0.01 : 0),
    };
    check('learning rate', r.lr, 0, Infinity, true);
    check('beta1', r.beta1, 0, 1);
    check('beta2', r.beta2, 0, 1);
    if (r.beta1 === 1 || r.beta2 === 1) throw new PolytopeError('bad-option', 'Adam betas must be < 1');
    check('eps', r.eps, 0);
    check('weight decay', r.weightDecay, 0);
    return r;
  }
  throw new PolytopeError(
    'bad-option',
    `unknown optimizer '${String((o as { type: unknown }).type)}'; expected one of ${OPTIMIZER_NAMES.join(', ')}`,
  );
}

class Sgd implements Optimizer {
  readonly options: Required<SgdOptions>;
  steps = 0;
  private buffers: Float64Array[] | null = null;
  constructor(options: Required<SgdOptions>) {
    this.options = options;
  }
  step(params: readonly FloatArray[], grads: readonly FloatArray[]): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this.options;
    if (momentum > 0 && !this.buffers) this.buffers = params.map((p) => new Float64Array(p.length));
    const first = this.steps === 0;
    for (let t = 0; t < params.length; t++) {
      const p = params[t]!;
      const g = grads[t]!;
      const buf = this.buffers?.[t];
      for (let i = 0; i < p.length; i++) {
        let d = g[i]! + weightDecay * p[i]!;
        if (buf) {
          const b = first ? d : momentum * buf[i]! + (1 - dampening) * d;
          buf[i] = b;
          d = nesterov ? d + momentum * b : b;
        }
        p[i] = p[i]! - lr * d;
      }
    }
    this.steps++;
  }
}

class Adam implements Optimizer {
  readonly options: Required<AdamOptions>;
  steps = 0;
  private m: Float64Array[] | null = null;
  private v: Float64Array[] | null = null;
  constructor(options: Required<AdamOptions>) {
    this.options = options;
  }
  step(params: readonly FloatArray[], grads: readonly FloatArray[]): void {
    const { type, lr, beta1, beta2, eps, weightDecay } = this.options;
    if (!this.m || !this.v) {
      this.m = params.map((p) => new Float64Array(p.length));
      this.v = params.map((p) => new Float64Array(p.length));
    }
    this.steps++;
    const bc1 = 1 - Math.pow(beta1, this.steps);
    const bc2 = 1 - Math.pow(beta2, this.steps);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const decoupled = type === 'adamw';
    const shrink = decoupled ? 1 - lr * weightDecay : 1;
    const l2 = decoupled ? 0 : weightDecay;
    for (let t = 0; t < params.length; t++) {
      const p = params[t]!;
      const g = grads[t]!;
      const m = this.m[t]!;
      const v = this.v[t]!;
      for (let i = 0; i < p.length; i++) {
        let w = p[i]!;
        const gi = g[i]! + l2 * w;
        w *= shrink;
        const mi = beta1 * m[i]! + (1 - beta1) * gi;
        const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = w - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
  }
}

/**
 * Creates an optimizer; state (momentum buffers, Adam moments) is float64 and allocated on the
 * first step.
 *
 * @example
 * const opt = createOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.5, weightDecay: 0.01 }); // §6.1
 * opt.step(net.params, net.grads);
 */
export function createOptimizer(options: OptimizerOptions): Optimizer {
  const r = resolveOptimizerOptions(options);
  return r.type === 'sgd' ? new Sgd(r) : new Adam(r as Required<AdamOptions>);
}
