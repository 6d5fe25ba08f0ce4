/**
 * Issue 10 regressions: a prepared network owns its caches (no state keyed by the caller's
 * objects, none in module scope), runs are re-entrant, and activation codes refuse max-pool
 * windows that do not fit one byte per unit.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCES,
  PolytopeError,
  affineMapAt,
  buildNetwork,
  forward,
  forwardWithCode,
  mulberry32,
  partitionLine,
  planeFromDirections,
  planeThrough,
  prepareNetwork,
  randomMlp,
  regionAt,
  slicePlane,
  validateSlice,
} from '../src/index.js';
import {
  PartitionWorkspace,
  boxExtent,
  boxPolygon,
  planUnits,
  planeDirections,
  polygonOps,
  rootFrame,
  runPartition,
} from '../src/internal.js';
import { edgeLabel, labelState, labelUnit } from '../src/geometry/cells.js';
import { resolveTolerances } from '../src/geometry/predicates.js';
import type { DenseNode, Network, Plane, SliceRegion, SliceResult } from '../src/index.js';
import { randomPoint, tinyCnn } from './helpers.js';

const BOX = [-1, 1, -1, 1] as const;

/** Everything a slice reports, as plain arrays (exact comparison, bit for bit). */
function snapshot(res: SliceResult): unknown {
  return {
    regions: res.summary.regions,
    linear: res.summary.linearRegions,
    thin: res.summary.thinRegions,
    area: res.summary.totalArea,
    boundary: res.summary.boundaryLength,
    list: res.regions.map((r: SliceRegion) => [Array.from(r.code), Array.from(r.vertices), Array.from(r.labels), Array.from(r.map)]),
  };
}

function mlp(): { net: Network; plane: Plane } {
  const net = randomMlp([2, 16, 16, 16, 1], { seed: 11 });
  return { net, plane: { origin: new Float64Array(2), u: Float64Array.of(1, 0), v: Float64Array.of(0, 1) } };
}

function cnn(): { net: Network; plane: Plane } {
  const net = tinyCnn(3);
  const r = mulberry32(8);
  return { net, plane: planeThrough(randomPoint(36, r), randomPoint(36, r), randomPoint(36, r)) };
}

describe('issue 10: hidden mutable state (prepared networks, re-entrant runs)', () => {
  for (const [name, make] of [
    ['MLP', mlp],
    ['CNN', cnn],
  ] as const) {
    it(`${name}: a slicePlane nested in a region callback is bit-identical to a plain run`, () => {
      const { net, plane } = make();
      const plain = snapshot(slicePlane(net, plane, BOX));
      let inner: SliceResult | null = null;
      const outer = slicePlane(net, plane, BOX, {
        onRegion: (r) => {
          if (r.index === 3) inner = slicePlane(net, plane, BOX);
        },
      });
      expect(inner).not.toBeNull();
      expect(snapshot(outer)).toEqual(plain);
      expect(snapshot(inner!)).toEqual(plain);
      // The same with one prepared network shared by both runs.
      const p = prepareNetwork(net);
      let innerP: SliceResult | null = null;
      const outerP = slicePlane(p, plane, BOX, {
        onRegion: (r) => {
          if (r.index === 3) innerP = slicePlane(p, plane, BOX);
        },
      });
      expect(snapshot(outerP)).toEqual(plain);
      expect(snapshot(innerP!)).toEqual(plain);
    });
  }

  it('slices of two different networks interleaved (one inside the other) match their plain runs', () => {
    const a = mlp();
    const b = cnn();
    const plainA = snapshot(slicePlane(a.net, a.plane, BOX));
    const plainB = snapshot(slicePlane(b.net, b.plane, BOX));
    const innerB: SliceResult[] = [];
    const outerA = slicePlane(a.net, a.plane, BOX, {
      onRegion: (r) => {
        if (r.index % 40 === 1) innerB.push(slicePlane(b.net, b.plane, BOX));
      },
    });
    expect(snapshot(outerA)).toEqual(plainA);
    expect(innerB.length).toBeGreaterThan(1);
    for (const r of innerB) expect(snapshot(r)).toEqual(plainB);
  });

  it('repeated runs are bit-identical (plain and prepared)', () => {
    const { net, plane } = cnn();
    const p = prepareNetwork(net);
    const first = snapshot(slicePlane(net, plane, BOX));
    for (let i = 0; i < 3; i++) {
      expect(snapshot(slicePlane(net, plane, BOX))).toEqual(first);
      expect(snapshot(slicePlane(p, plane, BOX))).toEqual(first);
    }
  });

  it('editing the source weights after prepare changes nothing; a plain network is read afresh', () => {
    const { net, plane } = mlp();
    const p = prepareNetwork(net);
    const before = slicePlane(p, plane, BOX);
    const dense = net.nodes[3] as DenseNode;
    for (let i = 0; i < dense.weight.length; i += 3) dense.weight[i] = dense.weight[i]! * -1.5;
    // The prepared copy is unaffected …
    const again = slicePlane(p, plane, BOX);
    expect(snapshot(again)).toEqual(snapshot(before));
    expect(validateSlice(p, again).ok).toBe(true);
    // … and the edited plain network gives exactly the slice of a network built from the new weights.
    const edited = slicePlane(net, plane, BOX);
    const rebuilt = buildNetwork(
      [2],
      net.nodes.slice(1).map((n) => ({ ...n }) as never),
    );
    expect(snapshot(edited)).toEqual(snapshot(slicePlane(rebuilt, plane, BOX)));
    expect(edited.summary.regions).not.toBe(before.summary.regions);
    const v = validateSlice(net, edited);
    expect(v.problems).toEqual([]);
  });

  it('a caller-owned PartitionWorkspace reused over work units (and busy in a nested run) changes nothing', () => {
    const { net, plane } = cnn();
    const p = prepareNetwork(net);
    const dirs = planeDirections(plane);
    const ext = boxExtent(BOX);
    const units = planUnits(p, polygonOps, rootFrame(p, polygonOps, boxPolygon(...BOX), plane.origin, dirs), ext, 16);
    const collect = (workspace?: PartitionWorkspace): number[][] => {
      const out: number[][] = [];
      for (const u of units) {
        runPartition(
          p,
          polygonOps,
          boxPolygon(...BOX),
          plane.origin,
          dirs,
          ext,
          (r) => {
            out.push([...r.code, ...r.cell.xy.subarray(0, 2 * r.cell.n), ...r.output]);
            // A nested run offered the same (busy) workspace gets a fresh one.
            if (workspace && out.length === 5)
              runPartition(p, polygonOps, boxPolygon(...BOX), plane.origin, dirs, ext, () => undefined, { units: [units[0]!], workspace });
          },
          { units: [u], ...(workspace ? { workspace } : {}) },
        );
      }
      return out;
    };
    expect(collect(new PartitionWorkspace())).toEqual(collect());
  });

  it('prepared nodes are frozen copies', () => {
    const { net } = mlp();
    const p = prepareNetwork(net);
    expect(prepareNetwork(p)).toBe(p);
    const node = p.network.nodes[1] as DenseNode;
    expect(Object.isFrozen(node)).toBe(true);
    expect(node.weight).not.toBe((net.nodes[1] as DenseNode).weight);
    expect(Array.from(node.weight)).toEqual(Array.from((net.nodes[1] as DenseNode).weight));
    const x = [0.3, -0.2];
    expect(Array.from(forward(p, x))).toEqual(Array.from(forward(net, x)));
    expect(Array.from(affineMapAt(p, x).jacobian)).toEqual(Array.from(affineMapAt(net, x).jacobian));
    expect(partitionLine(p, [-1, -1], [1, 1]).pieces.length).toBe(partitionLine(net, [-1, -1], [1, 1]).pieces.length);
  });

  it('tolerances are overridable per call and default to the named constants', () => {
    const { net, plane } = mlp();
    expect(snapshot(slicePlane(net, plane, BOX, { tolerances: { ...DEFAULT_TOLERANCES } }))).toEqual(snapshot(slicePlane(net, plane, BOX)));
    expect(resolveTolerances({ side: 1e-8 }).side).toBe(1e-8);
    expect(() => resolveTolerances({ side: -1 })).toThrow(PolytopeError);
  });
});

/** input [1, s, s] → max-pool k×k (one window) → dense 1 → 1 (weight 2). */
function poolNet(s: number, k: number): Network {
  return buildNetwork(
    [1, s, s],
    [
      { type: 'maxpool', inputs: [0], kernel: [k, k], stride: [k, k], padding: [0, 0, 0, 0], dilation: [1, 1] },
      { type: 'reshape', inputs: [1] },
      { type: 'dense', inputs: [2], inFeatures: 1, outFeatures: 1, weight: Float64Array.of(2), bias: Float64Array.of(0.5) },
    ],
  );
}

describe('issue 10: one byte per unit is enforced', () => {
  it('a 17×17 max-pool window is refused with an error naming the node and the window', () => {
    const net = poolNet(17, 17);
    const x = new Float64Array(289);
    x[288] = 1;
    // Plain forward passes need no code and still work.
    expect(forward(net, x)[0]).toBe(2.5);
    for (const call of [
      () => affineMapAt(net, x),
      () => forwardWithCode(net, x),
      () => regionAt(net, x),
      () =>
        slicePlane(
          net,
          planeThrough(
            x,
            new Float64Array(289),
            x.map((v, i) => (i === 0 ? 1 : v)),
          ),
          BOX,
        ),
    ]) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PolytopeError);
      expect((err as PolytopeError).code).toBe('unsupported');
      expect((err as Error).message).toMatch(/17×17/);
      expect((err as Error).message).toMatch(/289 positions/);
    }
    let msg = '';
    try {
      slicePlane(
        net,
        planeThrough(
          x,
          new Float64Array(289),
          x.map((v, i) => (i === 0 ? 1 : v)),
        ),
        BOX,
      );
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/max-pool node 1/);
  });

  it('a 16×16 max-pool window (256 positions) keeps argmax 255 exact', () => {
    const net = poolNet(16, 16);
    const x = new Float64Array(256);
    x[255] = 1;
    const a = affineMapAt(net, x);
    expect(a.code.states[0]).toBe(255);
    const expected = new Float64Array(256);
    expected[255] = 2;
    expect(Array.from(a.jacobian)).toEqual(Array.from(expected));
    expect(a.offset[0]).toBe(0.5);
  });

  it('edge labels unit·256 + state are unique and decode to their unit and state', () => {
    const seen = new Set<number>();
    for (const unit of [0, 1, 2, 255, 256, 70000]) {
      for (let state = 0; state < 256; state++) {
        const l = edgeLabel(unit, state);
        expect(seen.has(l)).toBe(false);
        seen.add(l);
        expect(labelUnit(l)).toBe(unit);
        expect(labelState(l)).toBe(state);
      }
    }
    // A slice of the 16×16 window where tap i is (cos θ_i, sin θ_i)·(s, t): every tap is the argmax
    // in one wedge, so states 0 … 255 all occur. Every cut edge names the window and a tap of it,
    // never the region's own tap.
    const net = poolNet(16, 16);
    const u = new Float64Array(256);
    const v = new Float64Array(256);
    for (let i = 0; i < 256; i++) {
      u[i] = Math.cos((2 * Math.PI * i) / 256);
      v[i] = Math.sin((2 * Math.PI * i) / 256);
    }
    const res = slicePlane(net, planeFromDirections(new Float64Array(256), u, v), BOX);
    expect(res.summary.regions).toBe(256);
    expect(new Set(res.regions.map((r) => r.code[0])).size).toBe(256);
    for (const reg of res.regions) {
      for (const l of reg.labels) {
        if (l < 0) continue;
        expect(labelUnit(l)).toBe(0);
        expect(labelState(l)).toBeLessThan(256);
        expect(labelState(l)).not.toBe(reg.code[0]);
      }
    }
    expect(validateSlice(net, res).ok).toBe(true);
  });
});
