/**
 * Explicit networks for Boolean functions (seed §3.3.2, Appendix A.2–A.4), built as core `Network`s
 * and checked exactly with the forward pass and the line partition.
 *
 * Every construction first projects the rows to one dimension, t = w·b with b ∈ {0, 1}ⁿ the digits
 * (on {−1, 1}ⁿ inputs the first layer folds b = (x + 1)/2 in), along the swaps witness or the
 * binary weights 2ⁿ⁻¹ … 1; the class changes s along t decide the size:
 * - `shallowNetwork` (Thm 3.3.2, Lemma A.2.1): one hidden layer of width s interpolating knots at
 *   the runs, leaky slope α (0 = ReLU). Width s, not s − 1: s changes are s + 1 runs, and one leaky
 *   unit is monotone (one change).
 * - `widthTwoNetwork`: every function by width 2 and s hidden ReLU layers, one unit carrying t and
 *   one folding the running max/min with a line through each gap (max(F, ℓ) = ℓ + relu(F − ℓ)).
 * - `sawtoothNetwork` (Thm 3.3.3): width w, l layers, the w-tooth map composed l times: w^l sign
 *   changes (w^l + 1 alternating regions) on [0, 1]; `parityNetwork` (Thm 3.3.4): n-parity for n ≤ w^l.
 */
import { InternalError, PolytopeError } from '../errors.js';
import { forward } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { partitionLine } from '../regions/line.js';
import { booleanInputs, booleanRows } from './truth.js';

/** Input domain of a constructed network: {−1, 1}ⁿ (training, default) or {0, 1}ⁿ (swaps). */
export type BooleanDomain = 'pm1' | '01';

/** Classes in projection order: the runs of equal class along t. */
interface Runs {
  /** Per run: lowest and highest projected value, and the class (0/1). */
  readonly lo: number[];
  readonly hi: number[];
  readonly cls: number[];
}

/** Runs of the rows of `table` along t = w·b; refuses a w whose ties join different classes. */
function runsAlong(table: number, n: number, w: readonly number[]): Runs {
  const rows = booleanRows(n);
  const pts = Array.from({ length: rows }, (_, k) => {
    let t = 0;
    for (let i = 0; i < n; i++) if ((k >>> (n - 1 - i)) & 1) t += w[i]!;
    return { t, c: (table >>> k) & 1 };
  }).sort((a, b) => a.t - b.t || a.c - b.c);
  const lo: number[] = [];
  const hi: number[] = [];
  const cls: number[] = [];
  pts.forEach((p, j) => {
    if (j > 0 && pts[j - 1]!.t === p.t && pts[j - 1]!.c !== p.c)
      throw new PolytopeError('bad-option', `the projection ties rows of different classes at t = ${p.t}`);
    if (cls.length > 0 && cls[cls.length - 1] === p.c) hi[hi.length - 1] = p.t;
    else {
      lo.push(p.t);
      hi.push(p.t);
      cls.push(p.c);
    }
  });
  return { lo, hi, cls };
}

/** The first dense layer's map x ↦ scale·(w·b) − shift for each unit, on the chosen domain. */
function projectionLayer(n: number, w: readonly number[], shifts: readonly number[], domain: BooleanDomain): NodeSpec {
  const units = shifts.length;
  const weight = new Float64Array(units * n);
  const bias = new Float64Array(units);
  const sum = w.reduce((a, v) => a + v, 0);
  for (let u = 0; u < units; u++) {
    for (let i = 0; i < n; i++) weight[u * n + i] = domain === '01' ? w[i]! : w[i]! / 2;
    bias[u] = (domain === '01' ? 0 : sum / 2) - shifts[u]!;
  }
  return { type: 'dense', inputs: [0], inFeatures: n, outFeatures: units, weight, bias };
}

function activation(index: number, alpha: number): NodeSpec {
  return alpha === 0 ? { type: 'relu', inputs: [index] } : { type: 'leaky_relu', inputs: [index], alpha };
}

/** Leaky ReLU value. */
const leaky = (v: number, alpha: number): number => (v > 0 ? v : alpha * v);

/**
 * Coefficients a of Σ aᵢ σ(t − kᵢ) + d through the knots (kᵢ, fᵢ), i = 0…m, with units at k₀…k_{m−1}
 * (Lemma A.2.1: slope on (k_{j−1}, k_j) is Σ_{i<j} aᵢ + α Σ_{i≥j} aᵢ).
 */
function interpolate(knots: readonly number[], values: readonly number[], alpha: number): { a: number[]; d: number } {
  const m = knots.length - 1;
  const slopes = Array.from({ length: m }, (_, j) => (values[j + 1]! - values[j]!) / (knots[j + 1]! - knots[j]!));
  const a = new Array<number>(m).fill(0);
  for (let j = m - 1; j >= 1; j--) a[j] = (slopes[j]! - slopes[j - 1]!) / (1 - alpha);
  a[0] = slopes[0]! - alpha * a.slice(1).reduce((s, v) => s + v, 0);
  let d = values[0]!;
  for (let i = 0; i < m; i++) d -= a[i]! * leaky(knots[0]! - knots[i]!, alpha);
  return { a, d };
}

/** Options shared by the Boolean constructions. */
export interface ConstructOptions {
  /** Input domain (default 'pm1', {−1, 1}ⁿ). */
  readonly domain?: BooleanDomain;
  /** Leaky slope of the hidden units of `shallowNetwork` (default 0: ReLU). */
  readonly alpha?: number;
}

/**
 * The binary projection 2ⁿ⁻¹, …, 2, 1 (input 1 first): t is the row index, so rows never tie.
 *
 * @example
 * binaryProjection(3); // [4, 2, 1]
 */
export function binaryProjection(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 2 ** (n - 1 - i));
}

/**
 * Theorem 3.3.2: one hidden layer of width s (the class changes along w) classifying every row of
 * the truth table (output > 0 ⟺ bit 1).
 *
 * @example
 * const net = shallowNetwork(0b0110, 2, [1, 1]); // XOR along x₁ + x₂: width 2
 */
export function shallowNetwork(table: number, n: number, w: readonly number[], options: ConstructOptions = {}): Network {
  const alpha = options.alpha ?? 0;
  if (!(alpha >= 0 && alpha < 1)) throw new PolytopeError('bad-option', `the leaky slope α must lie in [0, 1), got ${alpha}`);
  const { lo, hi, cls } = runsAlong(table, n, w);
  const s = cls.length - 1;
  const sign = (c: number): number => (c === 1 ? 1 : -1);
  if (s === 0) return constantNetwork(n, sign(cls[0]!), options.domain ?? 'pm1');
  const knots = [lo[0]!];
  const values = [sign(cls[0]!)];
  for (let j = 1; j <= s; j++) {
    const y = j === s ? hi[s]! : (lo[j]! + hi[j]!) / 2;
    const gap = (hi[j - 1]! + lo[j]!) / 2;
    const prev = values[j - 1]!;
    values.push(prev - (prev / (gap - knots[j - 1]!)) * (y - knots[j - 1]!)); // Eq. A.17–A.20: zero at the gap
    knots.push(y);
  }
  const { a, d } = interpolate(knots, values, alpha);
  return buildNetwork(
    [n],
    [
      projectionLayer(n, w, knots.slice(0, s), options.domain ?? 'pm1'),
      activation(1, alpha),
      { type: 'dense', inputs: [2], inFeatures: s, outFeatures: 1, weight: Float64Array.from(a), bias: Float64Array.of(d) },
    ],
  );
}

/** A network with a constant output of sign `sign` (one dead unit). */
function constantNetwork(n: number, sign: number, domain: BooleanDomain): Network {
  return buildNetwork(
    [n],
    [
      projectionLayer(n, new Array<number>(n).fill(0), [0], domain),
      { type: 'relu', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(0), bias: Float64Array.of(sign) },
    ],
  );
}

/**
 * Every Boolean function by a width-2 ReLU network with s hidden layers (s = class changes along w,
 * at least 1): F₁ is the line through the first gap, then F_j = max(F_{j−1}, ℓ_j) or min(F_{j−1}, ℓ_j)
 * with ℓ_j through gap j, one layer each (one unit carries c = t − t₀ > 0).
 *
 * @example
 * const net = widthTwoNetwork(0x6996, 4, [1, 1, 1, 1]); // 4-parity: width 2, 4 hidden layers
 */
export function widthTwoNetwork(table: number, n: number, w: readonly number[], options: ConstructOptions = {}): Network {
  const domain = options.domain ?? 'pm1';
  const { lo, hi, cls } = runsAlong(table, n, w);
  const s = cls.length - 1;
  const sigma0 = cls[0] === 1 ? 1 : -1;
  if (s === 0) return constantNetwork(n, sigma0, domain);
  const t0 = lo[0]! - 1;
  const gap = (j: number): number => (hi[j - 1]! + lo[j]!) / 2;
  const specs: NodeSpec[] = [];
  const first = projectionLayer(n, w, [t0, 0], domain) as NodeSpec & { weight: Float64Array; bias: Float64Array };
  first.weight.fill(0, n);
  first.bias[1] = 0; // u₁ = 0: F₁ lives in the decode
  specs.push(first, { type: 'relu', inputs: [1] });
  // F = su·u + p·c + q
  let su = 0;
  let p = -sigma0;
  let q = sigma0 * (gap(1) - t0);
  for (let j = 2; j <= s; j++) {
    const up = (cls[j] === 1 ? 1 : -1) === 1; // run j positive: max with the rising line, else min with the falling one
    const lam = up ? 1 : -1;
    const mu = up ? t0 - gap(j) : gap(j) - t0;
    const e = up ? 1 : -1; // u' = relu(e·(F − ℓ))
    specs.push(
      {
        type: 'dense',
        inputs: [specs.length],
        inFeatures: 2,
        outFeatures: 2,
        weight: Float64Array.of(1, 0, e * (p - lam), e * su),
        bias: Float64Array.of(0, e * (q - mu)),
      },
      { type: 'relu', inputs: [specs.length + 1] },
    );
    su = e;
    p = lam;
    q = mu;
  }
  specs.push({
    type: 'dense',
    inputs: [specs.length],
    inFeatures: 2,
    outFeatures: 1,
    weight: Float64Array.of(p, su),
    bias: Float64Array.of(q),
  });
  return buildNetwork([n], specs);
}

/** The w-tooth map on [0, 1] as units σ(z − i/w), i = 0…w−1: coefficients and output bias. */
function toothCoefficients(w: number, alpha: number): { a: number[]; d: number } {
  const knots = Array.from({ length: w + 1 }, (_, i) => i / w);
  const values = knots.map((_, i) => i % 2);
  return interpolate(knots, values, alpha);
}

/** Hidden layers 2…l of the sawtooth: each reads the previous tooth value Σ aᵢhᵢ + d. */
function sawtoothLayers(specs: NodeSpec[], w: number, l: number, alpha: number, a: readonly number[], d: number): void {
  for (let layer = 2; layer <= l; layer++) {
    const weight = new Float64Array(w * w);
    const bias = new Float64Array(w);
    for (let u = 0; u < w; u++) {
      for (let v = 0; v < w; v++) weight[u * w + v] = a[v]!;
      bias[u] = d - u / w;
    }
    specs.push({ type: 'dense', inputs: [specs.length], inFeatures: w, outFeatures: w, weight, bias }, activation(specs.length + 1, alpha));
  }
}

/**
 * Theorem 3.3.3: a 1-input network of l hidden layers of width w ≥ 2 whose output T_w^l(t) − ½
 * changes sign w^l times on [0, 1] (at (j + ½)/w^l): w^l + 1 alternating regions, negative first.
 *
 * @example
 * const net = sawtoothNetwork(2, 3); // 8 sign changes on [0, 1]
 */
export function sawtoothNetwork(w: number, l: number, alpha = 0): Network {
  return toothNetwork({ n: 1, proj: null, domain: 'pm1' }, w, l, alpha);
}

/** The sawtooth net on a 1-D input (`proj` null) or on Boolean rows projected by `proj`. */
function toothNetwork(
  input: { n: number; proj: readonly number[] | null; domain: BooleanDomain },
  w: number,
  l: number,
  alpha: number,
): Network {
  const { n, proj, domain } = input;
  if (!Number.isInteger(w) || w < 2 || !Number.isInteger(l) || l < 1)
    throw new PolytopeError('bad-option', `the width must be an integer ≥ 2 and the depth ≥ 1, got w = ${w}, l = ${l}`);
  if (!(alpha >= 0 && alpha < 1)) throw new PolytopeError('bad-option', `the leaky slope α must lie in [0, 1), got ${alpha}`);
  const { a, d } = toothCoefficients(w, alpha);
  const shifts = Array.from({ length: w }, (_, i) => i / w);
  const first: NodeSpec = proj
    ? projectionLayer(n, proj, shifts, domain)
    : {
        type: 'dense',
        inputs: [0],
        inFeatures: 1,
        outFeatures: w,
        weight: new Float64Array(w).fill(1),
        bias: Float64Array.from(shifts, (v) => -v),
      };
  const specs: NodeSpec[] = [first, activation(1, alpha)];
  sawtoothLayers(specs, w, l, alpha, a, d);
  specs.push({
    type: 'dense',
    inputs: [specs.length],
    inFeatures: w,
    outFeatures: 1,
    weight: Float64Array.from(a),
    bias: Float64Array.of(d - 0.5),
  });
  return buildNetwork([n], specs);
}

/**
 * Theorem 3.3.4: n-parity by l hidden layers of width w when n ≤ w^l (the count of ones k lands at
 * t = k / w^l, in region k of the sawtooth).
 *
 * @example
 * const net = parityNetwork(4, 2, 2); // 4-parity, width 2, depth 2
 */
export function parityNetwork(n: number, w: number, l: number, options: ConstructOptions = {}): Network {
  booleanRows(n);
  if (n > w ** l) throw new PolytopeError('bad-option', `n-parity needs n ≤ w^l: ${n} > ${w}^${l} = ${w ** l}`);
  return toothNetwork({ n, proj: new Array<number>(n).fill(1 / w ** l), domain: options.domain ?? 'pm1' }, w, l, options.alpha ?? 0);
}

/** Exact check of a constructed network: classification of every row and the sign changes along the projection. */
export interface ConstructionCheck {
  /** Rows classified correctly (output > 0 ⟺ bit 1), of 2ⁿ. */
  readonly correct: number;
  readonly rows: number;
  /** Smallest |output| over the rows (the margin). */
  readonly margin: number;
  /** Sign changes of the output along the projection segment (line partition, exact). */
  readonly lineSignChanges: number;
  /** Linear pieces of that segment. */
  readonly linePieces: number;
}

/**
 * Sign changes of the output of `net` along x0 → x1, from the exact line partition (piecewise
 * linear: one change per knot sign flip).
 *
 * @example
 * lineSignChanges(sawtoothNetwork(2, 2), [0], [1]).changes; // 4
 */
export function lineSignChanges(net: Network, x0: ArrayLike<number>, x1: ArrayLike<number>): { changes: number; pieces: number } {
  const { pieces } = partitionLine(net, x0, x1);
  const vals = [pieces[0]!.map[0]! + pieces[0]!.map[1]! * pieces[0]!.t0];
  for (const pc of pieces) vals.push(pc.map[0]! + pc.map[1]! * pc.t1);
  let changes = 0;
  let prev = 0;
  for (const v of vals) {
    const sg = Math.sign(v);
    if (sg === 0) continue;
    if (prev !== 0 && sg !== prev) changes++;
    prev = sg;
  }
  return { changes, pieces: pieces.length };
}

/**
 * Checks a Boolean network on every row (forward pass) and along the segment of inputs whose
 * projection runs over the rows' range (line partition): the margin and the sign changes.
 *
 * @example
 * checkConstruction(shallowNetwork(6, 2, [1, 1]), 6, 2, [1, 1]).correct; // 4
 */
export function checkConstruction(
  net: Network,
  table: number,
  n: number,
  w: readonly number[],
  domain: BooleanDomain = 'pm1',
): ConstructionCheck {
  const rows = booleanRows(n);
  const xs = booleanInputs(n, domain);
  let correct = 0;
  let margin = Infinity;
  for (let k = 0; k < rows; k++) {
    const y = forward(net, xs.subarray(k * n, (k + 1) * n))[0]!;
    if (y > 0 === (((table >>> k) & 1) === 1)) correct++;
    margin = Math.min(margin, Math.abs(y));
  }
  const { lo, hi } = runsAlong(table, n, w);
  const ww = w.reduce((s, v) => s + v * v, 0);
  if (!(ww > 0)) return { correct, rows, margin, lineSignChanges: 0, linePieces: 1 };
  // Digits b(t) = b̄ + (t − w·b̄) w/|w|² with b̄ = ½𝟙, so w·b(t) = t; then the domain's coordinates.
  const point = (t: number): number[] => {
    const base = w.reduce((s, v) => s + v / 2, 0);
    return w.map((v) => {
      const b = 0.5 + ((t - base) * v) / ww;
      return domain === '01' ? b : 2 * b - 1;
    });
  };
  const line = lineSignChanges(net, point(lo[0]!), point(hi[hi.length - 1]!));
  if (!Number.isFinite(margin)) throw new InternalError('no rows checked');
  return { correct, rows, margin, lineSignChanges: line.changes, linePieces: line.pieces };
}
