/**
 * The rows A x ≤ b of a polytope domain (or of a box), checked and flattened, and the tests of a
 * vertex against them; boxes as lo,hi pairs.
 */
import { PolytopeError } from '../errors.js';
import { BOX_OVERFLOW_HEADROOM, affineScale } from '../geometry/predicates.js';

export function checkBoxArg(box: readonly number[], d: number, what = 'box'): void {
  if (box.length !== 2 * d)
    throw new PolytopeError(
      'bad-domain',
      `the ${what} needs a lo,hi pair per input dimension (${2 * d} numbers for d = ${d}), got ${box.length}`,
    );
  for (let i = 0; i < d; i++) {
    const lo = box[2 * i]!;
    const hi = box[2 * i + 1]!;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi))
      throw new PolytopeError('bad-domain', `${what} dimension ${i}: need finite lo < hi, got [${lo}, ${hi}]`);
  }
  let volume = BOX_OVERFLOW_HEADROOM;
  for (let i = 0; i < d; i++) volume *= box[2 * i + 1]! - box[2 * i]!;
  if (!Number.isFinite(volume))
    throw new PolytopeError('bad-domain', `the ${what} is too large: its volume overflows float64 (use a smaller box)`);
}

/** max(|lo_j|, |hi_j|) per dimension: the coordinate scale the sign tolerances are relative to. */
export function boxExtent(box: readonly number[], d: number): Float64Array {
  const extent = new Float64Array(d);
  for (let i = 0; i < d; i++) extent[i] = Math.max(Math.abs(box[2 * i]!), Math.abs(box[2 * i + 1]!));
  return extent;
}

/** Volume of the box (lo,hi pairs). */
export function boxVolumeOf(box: readonly number[], d: number): number {
  let v = 1;
  for (let i = 0; i < d; i++) v *= box[2 * i + 1]! - box[2 * i]!;
  return v;
}

/** Domain rows A x ≤ b, checked and flattened: A row-major m×d. */
export interface FlatRows {
  readonly A: Float64Array;
  readonly b: Float64Array;
  readonly m: number;
  readonly d: number;
}

/** Checks shapes (rows of `d` coefficients when given, else all as wide as row 0) and finiteness. */
export function checkDomainRows(A: ArrayLike<ArrayLike<number>>, b: ArrayLike<number>, d?: number): FlatRows {
  const m = A?.length ?? 0;
  if (!(m >= 1)) throw new PolytopeError('bad-domain', 'the domain A x ≤ b needs at least one row');
  if (b?.length !== m) throw new PolytopeError('shape-mismatch', `the domain has ${m} rows in A but ${b?.length ?? 0} values in b`);
  const row0 = A[0];
  const dim = d ?? (row0 && typeof row0.length === 'number' ? row0.length : 0);
  if (!(dim >= 1)) throw new PolytopeError('bad-domain', 'the domain rows need at least one coefficient');
  const flat = new Float64Array(m * dim);
  const rhs = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const row = A[r];
    const len = row && typeof row.length === 'number' ? row.length : 0;
    if (len !== dim) {
      throw new PolytopeError(
        'shape-mismatch',
        d !== undefined
          ? `domain row ${r} has ${len} coefficients, but the network has ${d} inputs`
          : `domain row ${r} has ${len} coefficients, row 0 has ${dim}`,
      );
    }
    for (let j = 0; j < dim; j++) {
      const v = row![j]!;
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new PolytopeError('non-finite', `domain A[${r}][${j}] is ${String(v)}; only finite numbers are allowed`);
      flat[r * dim + j] = v;
    }
    const c = b[r]!;
    if (typeof c !== 'number' || !Number.isFinite(c))
      throw new PolytopeError('non-finite', `domain b[${r}] is ${String(c)}; only finite numbers are allowed`);
    rhs[r] = c;
  }
  return { A: flat, b: rhs, m, d: dim };
}

/** The box rows x_i ≤ hi_i (row 2i), −x_i ≤ −lo_i (row 2i+1), as domain rows. */
export function boxRows(box: readonly number[], d: number): FlatRows {
  const A = new Float64Array(2 * d * d);
  const b = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    A[2 * i * d + i] = 1;
    b[2 * i] = box[2 * i + 1]!;
    A[(2 * i + 1) * d + i] = -1;
    b[2 * i + 1] = -box[2 * i]!;
  }
  return { A, b, m: 2 * d, d };
}

/** a_r·x − b_r for the vertex at `verts[off…]`. */
export function rowResidual(R: FlatRows, r: number, verts: ArrayLike<number>, off: number): number {
  let v = -R.b[r]!;
  for (let j = 0; j < R.d; j++) v += R.A[r * R.d + j]! * verts[off + j]!;
  return v;
}

/** Coordinate scale (max(|lo_j|, |hi_j|) per dimension) and relative vertex tolerance of the row tests. */
export interface RowScale {
  readonly extent: Float64Array;
  readonly eps: number;
}

/** Tolerance of row r: eps · (|b_r| + Σ_j |A_rj|·extent_j) (as for the unit splits). */
export function rowTolerance(R: FlatRows, r: number, scale: RowScale): number {
  return scale.eps * affineScale(R.b[r]!, R.A, r * R.d, R.d, scale.extent);
}

/** Rows tight at each vertex (|a_r·v − b_r| within `rowTolerance`), as bit sets over the rows. */
export function tightRows(R: FlatRows, verts: Float64Array, nv: number, scale: RowScale): bigint[] {
  const tol = Array.from({ length: R.m }, (_, r) => rowTolerance(R, r, scale));
  const out: bigint[] = [];
  for (let i = 0; i < nv; i++) {
    let bits = 0n;
    for (let r = 0; r < R.m; r++) if (tol[r]! > 0 && Math.abs(rowResidual(R, r, verts, i * R.d)) <= tol[r]!) bits |= 1n << BigInt(r);
    out.push(bits);
  }
  return out;
}

/** The bounding box (lo,hi pairs) of nv vertices. */
export function boundingBox(verts: Float64Array, nv: number, d: number): number[] {
  const box: number[] = [];
  for (let q = 0; q < d; q++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < nv; i++) {
      lo = Math.min(lo, verts[i * d + q]!);
      hi = Math.max(hi, verts[i * d + q]!);
    }
    box.push(lo, hi);
  }
  return box;
}

/** `bounds` grown by an eighth of its width on every side, so that no face of it touches the domain. */
export function padBox(bounds: readonly number[], d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d; i++) {
    const pad = (bounds[2 * i + 1]! - bounds[2 * i]!) / 8;
    out.push(bounds[2 * i]! - pad, bounds[2 * i + 1]! + pad);
  }
  return out;
}
