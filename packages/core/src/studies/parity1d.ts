/**
 * Local optima of the minimal parity problem in one dimension (§3.3.3, §3.4.1, Table 3.2).
 *
 * Part 1, the toy of Eq. 3.12–3.23: v(x; a, b) = max(ax, 0) + b on {−1 ↦ −1, 1 ↦ 1} with the sum of
 * squared errors. On each side of a = 0 the gradient is linear (Eq. 3.17–3.18); its zero is found
 * exactly (Cramer's rule on integers) and kept only if it lies on its own side.
 *
 * Part 2, XOR projected to 1-D (Eq. 3.24–3.25): v(x; Ω) = o₁ max(w₁x + b₁, 0) + o₂ max(w₂x + b₂, 0) + c
 * on x = −1, 0, 0, 1 with targets −1, 1, 1, −1 and the sum of squared errors. `count` networks are
 * drawn with PyTorch's default `nn.Linear` initialization (first layer U(−1, 1), second U(±1/√2)),
 * trained by plain gradient descent (lr 0.1, 500 epochs, the derivative of max at 0 is 0 as in
 * PyTorch), and each final state is classified by its sign pattern (b_i, b_i + w_i, b_i − w_i ≥ 0
 * or < 0, as Table 3.2 prints them) and its loss, rounded to the nearest of 0, 8/3, 4 when within
 * `LOSS_MATCH` (otherwise reported as not converged). States equal up to swapping the two units or
 * mirroring x ↦ −x are also merged into symmetry classes.
 */
import { PolytopeError } from '../errors.js';
import { seededRandom } from '../random.js';

/** A steady state of the toy problem (Eq. 3.12) on one side of a = 0. */
export interface ToySteadyState {
  readonly side: 'a > 0' | 'a ≤ 0';
  /** The zero of that side's linear gradient (Eq. 3.17–3.18), as exact fractions [num, den]. */
  readonly zero: { a: [number, number]; b: [number, number] };
  /** Whether the zero lies on its side (a steady state of the network) or not (no steady state there). */
  readonly onSide: boolean;
  readonly loss: number;
}

/**
 * Gradient of Eq. 3.13 at (a, b) with θ(0) = 0 (PyTorch's ReLU derivative).
 *
 * @example
 * toyGradient(-4, 2); // [-14, 16]: the seed's (−4, 2) is not a steady state
 */
export function toyGradient(a: number, b: number): [number, number] {
  // v(−1) = max(−a, 0) + b, v(1) = max(a, 0) + b; L = (−1 − v(−1))² + (1 − v(1))².
  const r1 = -1 - (Math.max(-a, 0) + b);
  const r2 = 1 - (Math.max(a, 0) + b);
  const ga = -2 * r1 * (-a > 0 ? -1 : 0) - 2 * r2 * (a > 0 ? 1 : 0);
  const gb = -2 * r1 - 2 * r2;
  return [ga, gb];
}

/**
 * Loss of Eq. 3.13.
 *
 * @example
 * toyLoss(2, -1); // 0
 */
export function toyLoss(a: number, b: number): number {
  return (-1 - (Math.max(-a, 0) + b)) ** 2 + (1 - (Math.max(a, 0) + b)) ** 2;
}

/** Solves [[p, q], [r, s]]·(a, b) = (e, f) exactly over the integers (Cramer), as reduced fractions. */
function cramer(p: number, q: number, r: number, s: number, e: number, f: number): { a: [number, number]; b: [number, number] } {
  const det = p * s - q * r;
  const red = (n: number, d: number): [number, number] => {
    const g = gcd(Math.abs(n), Math.abs(d)) || 1;
    const sign = d < 0 ? -1 : 1;
    return [(sign * n) / g, (sign * d) / g];
  };
  return { a: red(e * s - q * f, det), b: red(p * f - e * r, det) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The steady states of Eq. 3.12 on each side: for a > 0 the gradient is (2a + 2b − 2, 2a + 4b), for
 * a ≤ 0 it is (2a − 2b − 2, −2a + 4b) (Eq. 3.17–3.18, checked against `toyGradient`).
 *
 * @example
 * toySteadyStates(); // a > 0: (2, −1), loss 0, on side; a ≤ 0: zero at (2, 1), not on its side
 */
export function toySteadyStates(): ToySteadyState[] {
  const pos = cramer(2, 2, 2, 4, 2, 0);
  const neg = cramer(2, -2, -2, 4, 2, 0);
  const val = (q: [number, number]): number => q[0] / q[1];
  return [
    { side: 'a > 0', zero: pos, onSide: val(pos.a) > 0, loss: toyLoss(val(pos.a), val(pos.b)) },
    { side: 'a ≤ 0', zero: neg, onSide: val(neg.a) <= 0, loss: toyLoss(val(neg.a), val(neg.b)) },
  ];
}

/** Parameters of the XOR network: [w₁, w₂, b₁, b₂, o₁, o₂, c]. */
export type XorParams = Float64Array;

const XS = [-1, 0, 1] as const;
const WEIGHT = [1, 2, 1] as const; // 0 is in the data twice
const TARGET = [-1, 1, -1] as const;

/**
 * Loss (Eq. 3.25) and gradient (written to `grad`) of the 1-D XOR network; θ(0) = 0.
 *
 * @example
 * xorLossAndGradient(Float64Array.of(-1, 1, -0.5, -0.5, -4, -4, 1), new Float64Array(7)); // 0
 */
export function xorLossAndGradient(p: XorParams, grad: Float64Array): number {
  grad.fill(0);
  let loss = 0;
  for (let j = 0; j < 3; j++) {
    const x = XS[j]!;
    const z1 = p[0]! * x + p[2]!;
    const z2 = p[1]! * x + p[3]!;
    const h1 = z1 > 0 ? z1 : 0;
    const h2 = z2 > 0 ? z2 : 0;
    const r = p[4]! * h1 + p[5]! * h2 + p[6]! - TARGET[j]!;
    loss += WEIGHT[j]! * r * r;
    const g = 2 * WEIGHT[j]! * r;
    grad[4] = grad[4]! + g * h1;
    grad[5] = grad[5]! + g * h2;
    grad[6] = grad[6]! + g;
    if (z1 > 0) {
      grad[0] = grad[0]! + g * p[4]! * x;
      grad[2] = grad[2]! + g * p[4]!;
    }
    if (z2 > 0) {
      grad[1] = grad[1]! + g * p[5]! * x;
      grad[3] = grad[3]! + g * p[5]!;
    }
  }
  return loss;
}

/** Sign pattern of one unit as Table 3.2 prints it: b, b + w, b − w each ≥ 0 (true) or < 0. */
function unitPattern(w: number, b: number): string {
  return [b, b + w, b - w].map((v) => (v >= 0 ? '+' : '-')).join('');
}

/** Options of `parity1dStudy`. */
export interface Parity1dOptions {
  readonly count?: number;
  readonly lr?: number;
  readonly epochs?: number;
  readonly seed?: number;
  /**
   * 'sum' (default): the gradient of Eq. 3.25 as printed; 'mean': of Eq. 3.25 divided by the 4
   * samples (PyTorch's `MSELoss()` default reduction), i.e. a 4× smaller step.
   */
  readonly reduction?: 'sum' | 'mean';
}

/** One distinct final state: loss class and sign pattern (units 1, 2), with its count. */
export interface Parity1dMinimum {
  /** '0', '8/3', '4' or 'not converged'. */
  readonly loss: string;
  /** Signs of (b₁, b₁+w₁, b₁−w₁) and (b₂, b₂+w₂, b₂−w₂). */
  readonly pattern: string;
  readonly count: number;
  /** Largest gradient norm among its members after training (how close to a steady state). */
  readonly maxGradNorm: number;
}

/** Result of `parity1dStudy`. */
export interface Parity1dResult {
  readonly toy: ToySteadyState[];
  readonly count: number;
  readonly lr: number;
  readonly epochs: number;
  readonly reduction: 'sum' | 'mean';
  /** Networks per loss class. */
  readonly byLoss: Record<string, number>;
  /** Distinct (loss, pattern) states, most common first (the seed's "53 found", Table 3.2's rows). */
  readonly minima: Parity1dMinimum[];
  /** The same merged under unit swap and x ↦ −x. */
  readonly symmetryClasses: Parity1dMinimum[];
}

/**
 * The loss a trained state is classified under: 0, 8/3, 4 or 'not converged'.
 *
 * @example
 * lossClass(2.66); // '8/3'
 */
export function lossClass(loss: number): string {
  const LOSS_MATCH = 0.05; // a classification bin, not a geometric tolerance
  for (const [name, v] of [
    ['0', 0],
    ['8/3', 8 / 3],
    ['4', 4],
  ] as const)
    if (Math.abs(loss - v) < LOSS_MATCH) return name;
  return 'not converged';
}

function canonicalPattern(w1: number, b1: number, w2: number, b2: number): string {
  const forms = [
    [unitPattern(w1, b1), unitPattern(w2, b2)],
    [unitPattern(-w1, b1), unitPattern(-w2, b2)],
  ].map(([u, v]) => (u! <= v! ? `${u} ${v}` : `${v} ${u}`));
  return forms.sort()[0]!;
}

function tally(entries: { loss: string; pattern: string; g: number }[]): Parity1dMinimum[] {
  const map = new Map<string, { loss: string; pattern: string; count: number; maxGradNorm: number }>();
  for (const e of entries) {
    const key = `${e.loss}|${e.pattern}`;
    const m = map.get(key) ?? { loss: e.loss, pattern: e.pattern, count: 0, maxGradNorm: 0 };
    m.count++;
    m.maxGradNorm = Math.max(m.maxGradNorm, e.g);
    map.set(key, m);
  }
  return [...map.values()].sort((a, b) => b.count - a.count || a.loss.localeCompare(b.loss) || a.pattern.localeCompare(b.pattern));
}

/**
 * Trains `count` 1-D XOR networks by gradient descent and tallies the minima they reach (Table 3.2).
 *
 * @example
 * const r = parity1dStudy({ count: 1000 }); // r.byLoss → { '0': …, '8/3': …, '4': … }
 */
export function parity1dStudy(options: Parity1dOptions = {}): Parity1dResult {
  const count = options.count ?? 1000;
  const lr = options.lr ?? 0.1;
  const epochs = options.epochs ?? 500;
  const seed = options.seed ?? 0;
  const reduction = options.reduction ?? 'sum';
  if (reduction !== 'sum' && reduction !== 'mean')
    throw new PolytopeError('bad-option', `reduction must be 'sum' or 'mean', got ${String(reduction)}`);
  const step = reduction === 'mean' ? lr / 4 : lr;
  if (!Number.isInteger(count) || count < 1) throw new PolytopeError('bad-option', `count must be a positive integer, got ${count}`);
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new PolytopeError('bad-option', `epochs must be a non-negative integer, got ${epochs}`);
  if (!(lr > 0 && Number.isFinite(lr))) throw new PolytopeError('bad-option', `lr must be a positive number, got ${lr}`);
  const entries: { loss: string; pattern: string; sym: string; g: number }[] = [];
  const byLoss: Record<string, number> = {};
  const grad = new Float64Array(7);
  for (let t = 0; t < count; t++) {
    const random = seededRandom(seed * 1_000_003 + t);
    const u = (bound: number): number => (2 * random() - 1) * bound;
    const s2 = 1 / Math.sqrt(2);
    // nn.Linear(1, 2): weight then bias, U(±1); nn.Linear(2, 1): weight then bias, U(±1/√2).
    const p = Float64Array.of(u(1), u(1), u(1), u(1), u(s2), u(s2), u(s2));
    for (let e = 0; e < epochs; e++) {
      xorLossAndGradient(p, grad);
      for (let i = 0; i < 7; i++) p[i] = p[i]! - step * grad[i]!;
    }
    const loss = xorLossAndGradient(p, grad);
    const g = Math.hypot(...grad);
    const cls = Number.isFinite(loss) ? lossClass(loss) : 'not converged';
    byLoss[cls] = (byLoss[cls] ?? 0) + 1;
    entries.push({
      loss: cls,
      pattern: `${unitPattern(p[0]!, p[2]!)} ${unitPattern(p[1]!, p[3]!)}`,
      sym: canonicalPattern(p[0]!, p[2]!, p[1]!, p[3]!),
      g,
    });
  }
  return {
    toy: toySteadyStates(),
    count,
    lr,
    epochs,
    reduction,
    byLoss,
    minima: tally(entries),
    symmetryClasses: tally(entries.map((e) => ({ loss: e.loss, pattern: e.sym, g: e.g }))),
  };
}
