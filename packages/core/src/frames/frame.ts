/**
 * Frames: finite collections of unit vectors X = (x_i)_{i=1..m} ⊂ S^{n−1}, the rows of a ReLU
 * layer's weight matrix after normalization (Haider, Ehler, Balazs, "Convex geometry of
 * ReLU-layers, injectivity on the ball and local reconstruction", ICML 2023; here "the seed").
 *
 * A layer `ReLU(W x + b)` with rows w_i is the layer `C_α x = ReLU(X x − α)` of the seed with
 * x_i = w_i/‖w_i‖ and α_i = −b_i/‖w_i‖: the frame keeps the norms so results map back.
 */
import { PolytopeError } from '../errors.js';
import type { Network } from '../network/network.js';
import type { Random } from './random.js';
import { sampleSphere } from './random.js';

/** A frame of m unit vectors in ℝⁿ, stored as an m×n row-major matrix. */
export interface Frame {
  /** Short human name ("tetrahedron", "random:3:12:7", a file name, a layer name). */
  readonly name: string;
  /** Dimension of the space. */
  readonly n: number;
  /** Number of frame vectors. */
  readonly m: number;
  /** Unit rows x_i, m×n row-major. */
  readonly rows: Float64Array;
  /** Norms ‖w_i‖ of the rows before normalization (all 1 for the built-in frames). */
  readonly norms: Float64Array;
  /** The layer's own bias b (network convention `W x + b`) when the frame came from a layer. */
  readonly bias?: Float64Array;
}

/**
 * Builds a frame from rows, normalizing each and keeping its norm. Accepts nested arrays or a
 * flat row-major array with its width. Throws `PolytopeError('bad-frame')` for no rows, rows of
 * differing or zero length, non-finite entries or zero rows, naming the row.
 *
 * @example
 * const f = frameFromRows([[2, 0], [0, 3], [-1, -1]]);
 * f.rows;  // Float64Array [1, 0, 0, 1, -0.7071…, -0.7071…]
 * f.norms; // Float64Array [2, 3, 1.4142…]
 */
export function frameFromRows(
  rows: readonly (readonly number[] | Float64Array)[] | { readonly data: ArrayLike<number>; readonly n: number },
  name = 'rows',
  bias?: ArrayLike<number>,
): Frame {
  let n: number;
  let m: number;
  let flat: Float64Array;
  if (Array.isArray(rows)) {
    const list = rows as readonly (readonly number[] | Float64Array)[];
    m = list.length;
    if (m === 0) throw new PolytopeError('bad-frame', `${name}: a frame needs at least one row, got none`);
    const first = list[0]!;
    if (!isNumberRow(first)) throw new PolytopeError('bad-frame', `${name}: row 0 is not an array of numbers`);
    n = first.length;
    if (n === 0) throw new PolytopeError('bad-frame', `${name}: row 0 is empty; rows must have at least one entry`);
    flat = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      const row = list[i]!;
      if (!isNumberRow(row)) throw new PolytopeError('bad-frame', `${name}: row ${i} is not an array of numbers`);
      if (row.length !== n) {
        throw new PolytopeError(
          'bad-frame',
          `${name}: row ${i} has ${row.length} entries but row 0 has ${n}; all rows must have the same length`,
        );
      }
      for (let j = 0; j < n; j++) {
        const v = row[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new PolytopeError('bad-frame', `${name}: row ${i} has a non-finite or non-numeric entry (${String(v)}) at column ${j}`);
        }
        flat[i * n + j] = v;
      }
    }
  } else {
    const spec = rows as { readonly data: ArrayLike<number>; readonly n: number };
    n = spec.n;
    if (!Number.isInteger(n) || n < 1) throw new PolytopeError('bad-frame', `${name}: width must be a positive integer, got ${n}`);
    if (spec.data.length === 0 || spec.data.length % n !== 0) {
      throw new PolytopeError('bad-frame', `${name}: ${spec.data.length} values do not form rows of width ${n}`);
    }
    m = spec.data.length / n;
    flat = Float64Array.from(spec.data);
    for (let k = 0; k < flat.length; k++) {
      if (!Number.isFinite(flat[k]!)) {
        throw new PolytopeError('bad-frame', `${name}: row ${Math.floor(k / n)} has a non-finite entry (${flat[k]}) at column ${k % n}`);
      }
    }
  }
  const norms = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    // Scale first so that huge or tiny rows normalize without overflow or underflow.
    let big = 0;
    for (let j = 0; j < n; j++) big = Math.max(big, Math.abs(flat[i * n + j]!));
    if (big === 0) throw new PolytopeError('bad-frame', `${name}: row ${i} is zero; every frame vector must have positive length`);
    for (let j = 0; j < n; j++) {
      const v = flat[i * n + j]! / big;
      s += v * v;
    }
    const norm = big * Math.sqrt(s);
    norms[i] = norm;
    for (let j = 0; j < n; j++) flat[i * n + j] = flat[i * n + j]! / big / Math.sqrt(s);
  }
  let b: Float64Array | undefined;
  if (bias !== undefined) {
    if (bias.length !== m) throw new PolytopeError('bad-frame', `${name}: bias has ${bias.length} entries but there are ${m} rows`);
    b = Float64Array.from(bias);
    for (let i = 0; i < m; i++) {
      if (!Number.isFinite(b[i]!)) throw new PolytopeError('bad-frame', `${name}: bias has a non-finite value (${b[i]}) at index ${i}`);
    }
  }
  return b === undefined ? { name, n, m, rows: flat, norms } : { name, n, m, rows: flat, norms, bias: b };
}

function isNumberRow(row: unknown): row is readonly number[] | Float64Array {
  return Array.isArray(row) || row instanceof Float64Array;
}

/**
 * The Mercedes-Benz frame: three unit vectors in ℝ² at 120°, (0, 1), (−√3/2, −1/2), (√3/2, −1/2).
 *
 * @example
 * mercedesBenzFrame().m; // 3
 */
export function mercedesBenzFrame(): Frame {
  const h = Math.sqrt(3) / 2;
  return unitFrame('mercedes-benz', 2, [0, 1, -h, -0.5, h, -0.5]);
}

/**
 * The regular tetrahedron frame in ℝ³: (1,1,1), (1,−1,−1), (−1,1,−1), (−1,−1,1) divided by √3;
 * pairwise inner products −1/3.
 *
 * @example
 * tetrahedronFrame().rows.slice(0, 3); // [0.5773…, 0.5773…, 0.5773…]
 */
export function tetrahedronFrame(): Frame {
  const s = 1 / Math.sqrt(3);
  return unitFrame('tetrahedron', 3, [s, s, s, s, -s, -s, -s, s, -s, -s, -s, s]);
}

/**
 * The icosahedron frame: the 12 vertices (0, ±1, ±φ), (±1, ±φ, 0), (±φ, 0, ±1) of the regular
 * icosahedron, normalized (φ the golden ratio). Neighbouring vertices have inner product 1/√5.
 *
 * @example
 * icosahedronFrame().m; // 12
 */
export function icosahedronFrame(): Frame {
  const phi = (1 + Math.sqrt(5)) / 2;
  const raw: number[] = [];
  for (const a of [1, -1]) {
    for (const b of [1, -1]) {
      raw.push(0, a, b * phi);
      raw.push(a, b * phi, 0);
      raw.push(b * phi, 0, a);
    }
  }
  const inv = 1 / Math.sqrt(1 + phi * phi);
  return unitFrame(
    'icosahedron',
    3,
    raw.map((v) => v * inv),
  );
}

/**
 * m uniform random unit vectors in ℝⁿ from the generator passed in (normalized Gaussians).
 *
 * @example
 * const f = randomFrame(3, 12, mulberry32(7)); // name 'random:3:12'
 */
export function randomFrame(n: number, m: number, random: Random, name = `random:${n}:${m}`): Frame {
  if (!Number.isInteger(n) || n < 1) throw new PolytopeError('bad-frame', `random frame: dimension must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 1)
    throw new PolytopeError('bad-frame', `random frame: number of vectors must be a positive integer, got ${m}`);
  const rows = new Float64Array(m * n);
  for (let i = 0; i < m; i++) sampleSphere(random, n, rows, i * n);
  return { name, n, m, rows, norms: new Float64Array(m).fill(1) };
}

/**
 * The frame of a dense layer `y = W x + b` (W row-major out×in, PyTorch layout): normalized rows,
 * the norms and the bias kept.
 *
 * @example
 * frameFromLayer(new Float64Array([3, 0, 0, 4]), 2, 2, new Float64Array([1, -1])).norms; // [3, 4]
 */
export function frameFromLayer(
  weight: Float64Array,
  outFeatures: number,
  inFeatures: number,
  bias?: ArrayLike<number>,
  name = 'layer',
): Frame {
  if (weight.length !== outFeatures * inFeatures) {
    throw new PolytopeError(
      'bad-frame',
      `${name}: weight has ${weight.length} values but ${outFeatures}×${inFeatures} = ${outFeatures * inFeatures} were expected`,
    );
  }
  return frameFromRows({ data: weight, n: inFeatures }, name, bias);
}

/**
 * The frame of a network's first layer: the first dense node that reads the input (possibly
 * through reshapes). Throws `PolytopeError('bad-frame')` when the first layer is not dense.
 *
 * @example
 * frameFromNetwork(readNetworkJson(doc)).bias; // the first layer's bias
 */
export function frameFromNetwork(net: Network): Frame {
  let source = 0;
  for (let i = 1; i < net.nodes.length; i++) {
    const node = net.nodes[i]!;
    if (node.inputs[0] !== source) continue;
    if (node.type === 'reshape') {
      source = i;
      continue;
    }
    if (node.type === 'dense') {
      return frameFromLayer(node.weight, node.outFeatures, node.inFeatures, node.bias, node.name ?? `node ${i} (dense)`);
    }
    throw new PolytopeError('bad-frame', `network: the first layer is node ${i} (${node.type}); a frame needs a dense first layer`);
  }
  throw new PolytopeError('bad-frame', 'network: no dense layer reads the input');
}

function unitFrame(name: string, n: number, values: readonly number[]): Frame {
  const rows = Float64Array.from(values);
  const m = rows.length / n;
  return { name, n, m, rows, norms: new Float64Array(m).fill(1) };
}
