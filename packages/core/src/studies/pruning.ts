/**
 * Pruning overparameterized networks on n-parity (§3.4.4, Table 3.4, Table 3.5, Fig. 3.10).
 *
 * Training and fine-tuning both use the chapter's protocol (He-normal, leaky ReLU 0.1, full batch,
 * Adam lr 0.025, BCE with logits, stop at 100 % accuracy); the seed says "fine-tune … using gradient
 * descent" without naming the optimizer, and Adam is what its networks were trained with. All the
 * subnetworks of one shape are fine-tuned together by `trainBatched`.
 *
 * - Wide (Table 3.4): train a width-w single-hidden-layer network (up to `tries` seeds until one
 *   succeeds); for p = 1, 2, …: fine-tune every one of the C(w, p) width-p subnetworks (the kept
 *   units' incoming weights and biases, their outgoing weights, the output bias); stop at the first
 *   p where r > 0 of them succeed and report p, r / C(w, p).
 * - Deep (Table 3.5): train a width-5n depth-5 network; repeatedly fine-tune every one-node-smaller
 *   subnetwork, score each successful one by 1/loss, pick one at random in proportion to the score
 *   and continue from it, until no removal succeeds. Removing the only node of a layer removes the
 *   layer, composing the two affine maps around it (the unit is treated as linear).
 */
import { PolytopeError } from '../errors.js';
import { seededRandom } from '../random.js';
import type { Random } from '../random.js';
import { BatchedMlp, trainBatched } from '../train/batched.js';
import type { BatchedPrecision } from '../train/batched.js';

/**
 * The 2ⁿ points of {−1, 1}ⁿ and n-parity targets (1 for an odd number of +1 inputs).
 *
 * @example
 * parityData(2).y; // Float64Array [0, 1, 1, 0]
 */
export function parityData(n: number): { x: Float64Array; y: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new PolytopeError('bad-option', `n must be an integer in 1..16, got ${n}`);
  const S = 1 << n;
  const x = new Float64Array(S * n);
  const y = new Float64Array(S);
  for (let k = 0; k < S; k++) {
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const bit = (k >> (n - 1 - i)) & 1;
      ones += bit;
      x[k * n + i] = bit ? 1 : -1;
    }
    y[k] = ones % 2;
  }
  return { x, y };
}

/** Training settings shared by the pruning studies. */
export interface PruneTraining {
  readonly lr?: number;
  /** Steps for training the original network and for each fine-tuning; default 4,000. */
  readonly epochs?: number;
  readonly seed?: number;
  /** Originals to try (the seed: four). */
  readonly tries?: number;
  /** The trainer's arithmetic (`trainBatched`'s `precision`): 'f64' (default) or 'f32'. */
  readonly precision?: BatchedPrecision;
}

const ALPHA = 0.1;

/** One network's parameters: hidden widths and tensors [W₀, b₀, W₁, b₁, …] in the usual layout. */
export interface PlainNet {
  readonly hidden: number[];
  readonly params: Float64Array[];
}

/** Trains `tries` networks of the given hidden widths on the data; returns those that succeeded. */
export function trainOriginals(n: number, hidden: readonly number[], t: PruneTraining): PlainNet[] {
  const tries = t.tries ?? 4;
  const seed = t.seed ?? 0;
  const mlp = new BatchedMlp({ inputs: n, width: 1, depth: 1, alpha: ALPHA, hidden }, tries);
  mlp.initialize('he-normal', (k) => seededRandom(seed * 4096 + k));
  const r = trainBatched(mlp, parityData(n), { lr: t.lr ?? 0.025, epochs: t.epochs ?? 4000, precision: t.precision ?? 'f64' });
  const out: PlainNet[] = [];
  for (let k = 0; k < tries; k++) if (r.solvedAt[k]! >= 0) out.push({ hidden: [...hidden], params: mlp.networkParams(k) });
  return out;
}

/** Fine-tunes networks of one shape together; returns their success flags, losses and tuned parameters. */
function fineTune(
  n: number,
  nets: readonly PlainNet[],
  t: PruneTraining,
  recordLoss = false,
): { ok: boolean[]; loss: number[]; tuned: PlainNet[]; history?: Float64Array[] } {
  const hidden = nets[0]!.hidden;
  const mlp = new BatchedMlp({ inputs: n, width: 1, depth: 1, alpha: ALPHA, hidden }, nets.length);
  nets.forEach((net, k) => mlp.setNetworkParams(k, net.params));
  const r = trainBatched(mlp, parityData(n), { lr: t.lr ?? 0.025, epochs: t.epochs ?? 4000, recordLoss, precision: t.precision ?? 'f64' });
  return {
    ok: Array.from(r.solvedAt, (e) => e >= 0),
    loss: Array.from(r.loss),
    tuned: nets.map((_, k) => ({ hidden: [...hidden], params: mlp.networkParams(k) })),
    ...(r.history ? { history: r.history } : {}),
  };
}

/** All k-subsets of 0..w−1 in lexicographic order. */
export function combinations(w: number, k: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number): void => {
    if (cur.length === k) {
      out.push([...cur]);
      return;
    }
    for (let i = start; i <= w - (k - cur.length); i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

/** The binomial coefficient C(w, k), exactly for the sizes used here. */
export function binomial(w: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (w - k + i)) / i;
  return Math.round(r);
}

/** The subnetwork of a single-hidden-layer net keeping the units `keep`. */
export function keepUnits(net: PlainNet, n: number, keep: readonly number[]): PlainNet {
  const [w0, b0, w1, b1] = net.params as [Float64Array, Float64Array, Float64Array, Float64Array];
  const W0 = new Float64Array(keep.length * n);
  keep.forEach((u, j) => W0.set(w0.subarray(u * n, u * n + n), j * n));
  return {
    hidden: [keep.length],
    params: [W0, Float64Array.from(keep, (u) => b0[u]!), Float64Array.from(keep, (u) => w1[u]!), Float64Array.from(b1)],
  };
}

/** One cell of Table 3.4. */
export interface WidePruneResult {
  readonly n: number;
  readonly width: number;
  /** False when no original of this width reached 100 % in `tries` trainings (the table's dash). */
  readonly found: boolean;
  readonly prunedWidth?: number;
  readonly successes?: number;
  readonly subnetworks?: number;
}

/**
 * Exhaustive wide pruning of a width-`width` single-hidden-layer net on n-parity (Table 3.4).
 *
 * @example
 * widePrune(2, 4, { epochs: 2000 }); // e.g. { n: 2, width: 4, found: true, prunedWidth: 2, successes: 3, subnetworks: 6 }
 */
export function widePrune(n: number, width: number, t: PruneTraining = {}): WidePruneResult {
  const originals = trainOriginals(n, [width], t);
  if (originals.length === 0) return { n, width, found: false };
  const original = originals[0]!;
  for (let p = 1; p <= width; p++) {
    const subsets = combinations(width, p);
    const { ok } = fineTune(
      n,
      subsets.map((s) => keepUnits(original, n, s)),
      t,
    );
    const r = ok.filter(Boolean).length;
    if (r > 0) return { n, width, found: true, prunedWidth: p, successes: r, subnetworks: subsets.length };
  }
  throw new PolytopeError('internal', 'the full-width subnetwork is the trained network and must succeed');
}

/** Removes hidden node j of layer l (0-based); a layer's only node removes the layer (affine composition). */
export function removeNode(net: PlainNet, n: number, l: number, j: number): PlainNet {
  const dims = [n, ...net.hidden, 1];
  const params = net.params.map((p) => p.slice());
  const hidden = [...net.hidden];
  const din = dims[l]!;
  const w = dims[l + 1]!;
  const dout = dims[l + 2]!;
  const Wl = params[2 * l]!;
  const bl = params[2 * l + 1]!;
  const Wn = params[2 * l + 2]!;
  const bn = params[2 * l + 3]!;
  if (w > 1) {
    const keep = Array.from({ length: w }, (_, i) => i).filter((i) => i !== j);
    const W1 = new Float64Array((w - 1) * din);
    keep.forEach((u, r) => W1.set(Wl.subarray(u * din, u * din + din), r * din));
    const W2 = new Float64Array(dout * (w - 1));
    for (let o = 0; o < dout; o++) keep.forEach((u, r) => (W2[o * (w - 1) + r] = Wn[o * w + u]!));
    params.splice(
      2 * l,
      4,
      W1,
      Float64Array.from(keep, (u) => bl[u]!),
      W2,
      bn,
    );
    hidden[l] = w - 1;
    return { hidden, params };
  }
  if (hidden.length === 1) throw new PolytopeError('bad-option', 'cannot remove the last hidden node');
  // z_next = Wn·(Wl·a + bl) + bn, the unit taken as linear: one affine map din → dout.
  const W = new Float64Array(dout * din);
  const b = new Float64Array(dout);
  for (let o = 0; o < dout; o++) {
    for (let i = 0; i < din; i++) W[o * din + i] = Wn[o]! * Wl[i]!;
    b[o] = bn[o]! + Wn[o]! * bl[0]!;
  }
  params.splice(2 * l, 4, W, b);
  hidden.splice(l, 1);
  return { hidden, params };
}

function pickByScore(scores: readonly number[], random: Random): number {
  const total = scores.reduce((a, s) => a + s, 0);
  let u = random() * total;
  for (let i = 0; i < scores.length; i++) {
    u -= scores[i]!;
    if (u < 0) return i;
  }
  return scores.length - 1;
}

/** One greedy pruning run from a trained network: the final hidden widths. */
export function greedyPrune(start: PlainNet, n: number, t: PruneTraining, random: Random): number[] {
  let cur = start;
  for (;;) {
    const candidates: PlainNet[] = [];
    const ok: boolean[] = [];
    const losses: number[] = [];
    cur.hidden.forEach((w, l) => {
      if (cur.hidden.length === 1 && w === 1) return;
      const group = Array.from({ length: w }, (_, j) => removeNode(cur, n, l, j));
      // One shape per layer (removing a node of layer l changes only that width), so one batch per layer.
      const tuned = fineTune(n, group, t);
      candidates.push(...tuned.tuned);
      ok.push(...tuned.ok);
      losses.push(...tuned.loss);
    });
    const scores = ok.map((o, i) => (o ? 1 / Math.max(losses[i]!, Number.MIN_VALUE) : 0));
    if (!scores.some((s) => s > 0)) return cur.hidden;
    cur = candidates[pickByScore(scores, random)]!;
  }
}

/** One row of Table 3.5: the smallest pruned shapes found (hidden widths) for n-parity. */
export interface DeepPruneResult {
  readonly n: number;
  readonly start: number[];
  readonly originals: number;
  /** Every run's final hidden widths. */
  readonly runs: number[][];
  /** The runs with the fewest hidden nodes, as "n → h₁ → … → 1". */
  readonly best: string[];
}

/**
 * Greedy deep pruning by 1/loss scores (Table 3.5) from `tries` trained width × depth networks,
 * `prunings` randomized runs each.
 *
 * @example
 * deepPrune(2, { width: 10, depth: 5, prunings: 2, tries: 1 }); // e.g. best: ['2 → 2 → 1']
 */
export function deepPrune(n: number, o: PruneTraining & { width?: number; depth?: number; prunings?: number } = {}): DeepPruneResult {
  const width = o.width ?? 5 * n;
  const depth = o.depth ?? 5;
  const start = new Array<number>(depth).fill(width);
  const originals = trainOriginals(n, start, o);
  const random = seededRandom((o.seed ?? 0) + 77);
  const runs: number[][] = [];
  for (const net of originals) for (let r = 0; r < (o.prunings ?? 10); r++) runs.push(greedyPrune(net, n, o, random));
  const size = (h: number[]): number => h.reduce((a, b) => a + b, 0);
  const min = Math.min(...runs.map(size));
  const best = [...new Set(runs.filter((h) => size(h) === min).map((h) => [n, ...h, 1].join(' → ')))];
  return { n, start, originals: originals.length, runs, best };
}

/**
 * Fig. 3.10: loss per epoch of every width-1…`maxWidth` subnetwork of a trained width-`width`
 * single-hidden-layer network on n-parity (no early exit, so each curve runs all epochs).
 *
 * @example
 * const curves = subnetworkCurves(4, 6, 3, { epochs: 4000 }); // curves[i].loss[e]
 */
export function subnetworkCurves(
  n: number,
  width: number,
  maxWidth: number,
  t: PruneTraining = {},
): { units: number[]; solved: boolean; loss: number[] }[] | null {
  const originals = trainOriginals(n, [width], t);
  if (originals.length === 0) return null;
  const out: { units: number[]; solved: boolean; loss: number[] }[] = [];
  for (let p = 1; p <= maxWidth; p++) {
    const subsets = combinations(width, p);
    const r = fineTune(
      n,
      subsets.map((s) => keepUnits(originals[0]!, n, s)),
      t,
      true,
    );
    subsets.forEach((s, k) => out.push({ units: s, solved: r.ok[k]!, loss: Array.from(r.history![k]!).filter((v) => !Number.isNaN(v)) }));
  }
  return out;
}
