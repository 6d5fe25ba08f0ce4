/**
 * Exact partition of a segment x0 → x1: every breakpoint, each piece's code and affine map.
 */
import { now } from '../clock.js';
import { PolytopeError, checkFinite } from '../errors.js';
import { BOUNDARY, intervalOps, labelUnit } from '../geometry/cells.js';
import type { Interval } from '../geometry/cells.js';
import { prepareNetwork } from '../network/prepared.js';
import type { NetworkLike } from '../network/prepared.js';
import { runPartition } from './engine.js';
import type { PartitionOptions } from './engine.js';

/** One activation region along a segment: parameter interval [t0, t1], code and affine map. */
export interface LinePiece {
  /** Segment parameter range, x(t) = x0 + t (x1 − x0), 0 ≤ t0 < t1 ≤ 1. */
  readonly t0: number;
  readonly t1: number;
  readonly code: Uint8Array;
  /** Per output r: value `map[2r] + map[2r+1]·t` on the piece. */
  readonly map: Float64Array;
  /** Unit whose breakpoint ends the piece at t1 (−1 at the segment's end). */
  readonly endUnit: number;
}

/** Result of `partitionLine`: the pieces in order and the interior breakpoints. */
export interface LineResult {
  readonly pieces: LinePiece[];
  /** Interior breakpoints, increasing. */
  readonly breakpoints: Float64Array;
  readonly seconds: number;
}

/**
 * Every activation region along the segment x0 → x1, in order. A plain network is prepared
 * (copied) for this call; pass a `PreparedNetwork` when partitioning many segments.
 *
 * @example
 * const { pieces, breakpoints } = partitionLine(net, [-2, -2], [2, 2]);
 */
export function partitionLine(
  netLike: NetworkLike,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  options: PartitionOptions = {},
): LineResult {
  const prepared = prepareNetwork(netLike);
  const net = prepared.network;
  const d = net.inputSize;
  if (x0.length !== d || x1.length !== d)
    throw new PolytopeError('shape-mismatch', `segment endpoints have ${x0.length} and ${x1.length} values; the network expects ${d}`);
  checkFinite(x0, 'segment start');
  checkFinite(x1, 'segment end');
  const dir = new Float64Array(d);
  let len = 0;
  for (let i = 0; i < d; i++) {
    dir[i] = x1[i]! - x0[i]!;
    len += dir[i]! * dir[i]!;
  }
  if (len === 0) throw new PolytopeError('bad-domain', 'the segment is empty: start and end are the same point');
  const o = net.outputSize;
  const pieces: LinePiece[] = [];
  const start = now();
  runPartition<Interval>(
    prepared,
    intervalOps,
    { t0: 0, t1: 1, l0: BOUNDARY, l1: BOUNDARY },
    x0,
    dir,
    [1],
    (r) => {
      pieces.push({
        t0: r.cell.t0,
        t1: r.cell.t1,
        code: r.code.slice(),
        map: Float64Array.from(r.output.subarray(0, 2 * o)),
        endUnit: r.cell.l1 === BOUNDARY ? -1 : labelUnit(r.cell.l1),
      });
    },
    options,
  );
  pieces.sort((a, b) => a.t0 - b.t0);
  const breakpoints = new Float64Array(Math.max(0, pieces.length - 1));
  for (let i = 0; i + 1 < pieces.length; i++) breakpoints[i] = pieces[i]!.t1;
  return { pieces, breakpoints, seconds: (now() - start) / 1000 };
}
