/**
 * The dedicated 2-D MLP slicer (regions/slice-mlp.ts) against the general engine (`slicePlane`,
 * a different algorithm: depth-first cells with affine families) region by region, against the
 * float64 forward pass at sample points (brute force), and `validateSlice`'s own checks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  MlpSliceWorkspace,
  PolytopeError,
  buildNetwork,
  forwardWithCode,
  inputPlane,
  partitionMlp,
  planeThrough,
  randomMlp,
  readNetworkJson,
  slicePlane,
  sliceMlpFlat,
  sliceMlpPlane,
  validateSlice,
} from '../src/index.js';
import type { Network, Plane, SliceResult } from '../src/index.js';
import { tinyCnn } from './helpers.js';

const key = (code: Uint8Array): string => code.join('');

/** Per code: area and map of every region of a slice (codes are unique per region in these nets). */
function byCode(res: SliceResult): Map<string, { area: number; map: Float64Array }> {
  const m = new Map<string, { area: number; map: Float64Array }>();
  for (const r of res.regions) {
    const k = key(r.code);
    expect(m.has(k), `code ${k} appears twice`).toBe(false);
    m.set(k, { area: r.area, map: r.map });
  }
  return m;
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(a[i]!), Math.abs(b[i]!));
  }
  return d / Math.max(s, 1e-300);
}

/** The dedicated slicer's regions are the general engine's: same codes, areas and maps (with `workspace` when given). */
function expectSameSlice(net: Network, plane: Plane, box: [number, number, number, number], workspace?: MlpSliceWorkspace): SliceResult {
  const ref = slicePlane(net, plane, box);
  const opts = workspace ? { workspace } : {};
  const res = sliceMlpPlane(net, plane, box, opts);
  expect(res.summary.regions).toBe(ref.summary.regions);
  expect(res.summary.linearRegions).toBe(ref.summary.linearRegions);
  expect(res.summary.totalArea).toBeCloseTo(ref.summary.boxArea, 9);
  expect(Math.abs(res.summary.boundaryLength - ref.summary.boundaryLength)).toBeLessThanOrEqual(
    1e-9 * Math.max(1, ref.summary.boundaryLength),
  );
  const a = byCode(ref);
  const b = byCode(res);
  for (const [k, r] of a) {
    const q = b.get(k);
    expect(q, `region ${k} of the general engine is missing`).toBeDefined();
    expect(Math.abs(q!.area - r.area)).toBeLessThanOrEqual(1e-9 * ref.summary.boxArea);
    expect(relDiff(q!.map, r.map)).toBeLessThan(1e-9);
  }
  // validateSlice's own checks (its cost grows quickly with the units: the small nets only).
  if (net.numUnits <= 50) expect(validateSlice(net, res).ok).toBe(true);
  // The flat result agrees too: counts, linear regions, areas and the boundary's length.
  const flat = sliceMlpFlat(net, plane, box, opts);
  expect(flat.regions).toBe(ref.summary.regions);
  expect(flat.linearRegions).toBe(ref.summary.linearRegions);
  let total = 0;
  for (const x of flat.areas) total += x;
  expect(total).toBeCloseTo(ref.summary.boxArea, 9);
  let length = 0;
  for (const line of flat.boundary)
    for (let i = 2; i < line.length; i += 2) length += Math.hypot(line[i]! - line[i - 2]!, line[i + 1]! - line[i - 1]!);
  expect(Math.abs(length - ref.summary.boundaryLength)).toBeLessThanOrEqual(1e-8 * Math.max(1, ref.summary.boundaryLength));
  return res;
}

describe('sliceMlpPlane (the dedicated 2-D MLP slicer)', () => {
  it('finds the general engine’s regions, maps and linear regions on random ReLU nets', () => {
    for (const [widths, seed, half] of [
      [[2, 8, 1], 1, 1],
      [[2, 16, 16, 1], 2, 2],
      [[2, 24, 24, 24, 3], 3, 1.5],
      [[2, 64, 64, 64, 1], 4, 1.5],
      [[2, 5, 7, 3, 2], 5, 4],
    ] as const) {
      const net = randomMlp(widths, { seed, init: 'he-normal' });
      expectSameSlice(net, inputPlane(net), [-half, half, -half, half]);
    }
  });

  it('finds the general engine’s 9,939 regions of a PyTorch-trained 2→64×3→1 net', () => {
    const file = fileURLToPath(new URL('../../../bench/networks/2-64x3-1-torch-s1.json', import.meta.url));
    const net = readNetworkJson(JSON.parse(readFileSync(file, 'utf8')));
    expect(expectSameSlice(net, inputPlane(net), [-1.5, 1.5, -1.5, 1.5]).summary.regions).toBe(9939);
  });

  it('handles leaky ReLU and hard-tanh (three states per unit)', () => {
    const leaky = randomMlp([2, 16, 16, 2], { seed: 7, activation: 'leaky_relu', alpha: 0.1 });
    expectSameSlice(leaky, inputPlane(leaky), [-2, 2, -2, 2]);
    const hard = randomMlp([2, 12, 12, 1], { seed: 8, activation: 'hardtanh', init: 'he-normal' });
    const res = expectSameSlice(hard, inputPlane(hard), [-3, 3, -3, 3]);
    // Hard-tanh saturates both ways: states 0, 1 and 2 all occur.
    const states = new Set(res.regions.flatMap((r) => [...r.code]));
    expect([...states].sort()).toEqual([0, 1, 2]);
  });

  it('gives the same results with one workspace reused across networks, widths and activations', () => {
    // Interleaved so that every call finds buffers sized and filled by a different network: the
    // workspace's leftovers (wider rows, more vertices, stale sign bits, a fuller edge table) must
    // not show in any result. Fresh calls are the reference, and slicePlane checks both.
    const nets = [
      randomMlp([2, 24, 24, 24, 3], { seed: 21, init: 'he-normal' }),
      randomMlp([2, 5, 7, 3, 2], { seed: 22 }),
      randomMlp([2, 16, 16, 2], { seed: 23, activation: 'leaky_relu', alpha: 0.1 }),
      randomMlp([2, 40, 33, 1], { seed: 24, init: 'he-normal' }),
      randomMlp([2, 12, 12, 1], { seed: 25, activation: 'hardtanh', init: 'he-normal' }),
      randomMlp([2, 64, 64, 64, 1], { seed: 26, init: 'he-normal' }),
    ];
    const ws = new MlpSliceWorkspace();
    const box: [number, number, number, number] = [-1.5, 1.5, -1.5, 1.5];
    const firsts: { flat: ReturnType<typeof sliceMlpFlat>; copy: Float64Array }[] = [];
    for (const order of [
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3, 2, 1, 0],
    ])
      for (const i of order) {
        const net = nets[i]!;
        const plane = inputPlane(net);
        const fresh = sliceMlpFlat(net, plane, box);
        const reused = sliceMlpFlat(net, plane, box, { workspace: ws });
        expect(reused.regions).toBe(fresh.regions);
        expect(reused.linearRegions).toBe(fresh.linearRegions);
        for (const k of ['off', 'xy', 'codes', 'areas', 'maps', 'linearRegionOf'] as const) expect(reused[k], k).toEqual(fresh[k]);
        expect(reused.boundary).toEqual(fresh.boundary);
        const pf = partitionMlp(net, plane, box);
        const pr = partitionMlp(net, plane, box, { workspace: ws });
        for (const k of ['off', 'faceVerts', 'labels', 's', 't', 'values', 'codes', 'maps'] as const) expect(pr[k], k).toEqual(pf[k]);
        firsts.push({ flat: reused, copy: reused.xy.slice() });
      }
    // Results never alias the workspace: the first slice is unchanged after eleven more.
    expect(firsts[0]!.flat.xy).toEqual(firsts[0]!.copy);
    // And the reused workspace agrees with the general engine region by region (leaky ReLU, hard-tanh, deep ReLU).
    for (const i of [2, 4, 5]) expectSameSlice(nets[i]!, inputPlane(nets[i]!), box, ws);
  });

  it('slices a plane through three inputs of a wider net', () => {
    const net = randomMlp([6, 20, 20, 4], { seed: 9, init: 'he-normal' });
    const plane = planeThrough(
      Float64Array.of(0, 0, 0, 0, 0, 0),
      Float64Array.of(1, 0, 0.5, 0, 0, 0),
      Float64Array.of(0, 1, 0, 0, -0.5, 0.2),
    );
    expectSameSlice(net, plane, [-1, 2, -1, 2]);
  });

  it('matches the forward pass at sample points (brute force)', () => {
    const net = randomMlp([2, 32, 32, 1], { seed: 11, init: 'he-normal' });
    const p = partitionMlp(net, inputPlane(net), [-1, 1, -1, 1]);
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const x = Float64Array.of(Math.sin(i * 12.9898) * 0.999, Math.cos(i * 78.233) * 0.999);
      // The face holding x: inside every edge of its counter-clockwise polygon.
      let face = -1;
      for (let f = 0; f < p.faces && face < 0; f++) {
        let inside = true;
        for (let k = p.off[f]!; k < p.off[f + 1]! && inside; k++) {
          const a = p.faceVerts[k]!;
          const b = p.faceVerts[k + 1 === p.off[f + 1]! ? p.off[f]! : k + 1]!;
          const cross = (p.s[b]! - p.s[a]!) * (x[1]! - p.t[a]!) - (p.t[b]! - p.t[a]!) * (x[0]! - p.s[a]!);
          inside = cross > 1e-9;
        }
        if (inside) face = f;
      }
      if (face < 0) continue; // within 1e-9 of an edge
      const { code, output } = forwardWithCode(net, x);
      expect(key(p.codes.subarray(face * p.codeLength, (face + 1) * p.codeLength))).toBe(key(code));
      const m = p.maps.subarray(3 * face, 3 * face + 3);
      expect(m[0]! + m[1]! * x[0]! + m[2]! * x[1]!).toBeCloseTo(output[0]!, 10);
      checked++;
    }
    expect(checked).toBeGreaterThan(350);
  });

  it('labels every shared edge with the unit whose state differs across it', () => {
    const net = randomMlp([2, 12, 12, 1], { seed: 12, init: 'he-normal' });
    const p = partitionMlp(net, inputPlane(net), [-1, 1, -1, 1]);
    const owner = new Map<string, number>();
    for (let f = 0; f < p.faces; f++)
      for (let k = p.off[f]!; k < p.off[f + 1]!; k++) {
        const b = p.faceVerts[k + 1 === p.off[f + 1]! ? p.off[f]! : k + 1]!;
        owner.set(`${p.faceVerts[k]},${b}`, f);
      }
    let shared = 0;
    for (let f = 0; f < p.faces; f++)
      for (let k = p.off[f]!; k < p.off[f + 1]!; k++) {
        const a = p.faceVerts[k]!;
        const b = p.faceVerts[k + 1 === p.off[f + 1]! ? p.off[f]! : k + 1]!;
        const g = owner.get(`${b},${a}`);
        const label = p.labels[k]!;
        if (g === undefined) {
          expect(label, 'an edge without a face across lies on the box').toBe(-1);
          continue;
        }
        shared++;
        const unit = label >>> 8;
        const U = p.codeLength;
        expect(p.codes[g * U + unit]).toBe(label & 255);
        expect(p.codes[f * U + unit]).not.toBe(label & 255);
      }
    expect(shared).toBeGreaterThan(50);
  });

  it('keeps coincident and degenerate units exact (duplicate unit, zero row, a line through a corner)', () => {
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 5,
          // x, x again (coincident), 0 (a dead unit), x + y (through the corners (1, −1) and (−1, 1)), x − 0.3
          weight: Float64Array.of(1, 0, 1, 0, 0, 0, 1, 1, 1, 0),
          bias: Float64Array.of(0, 0, 0, 0, -0.3),
        },
        { type: 'relu', inputs: [1] },
        // The diagonal unit's output weight is 0: crossing it changes the code, not the map.
        { type: 'dense', inputs: [2], inFeatures: 5, outFeatures: 1, weight: Float64Array.of(1, -2, 3, 0, 1), bias: Float64Array.of(-0.1) },
      ],
    );
    const res = expectSameSlice(net, inputPlane(net), [-1, 1, -1, 1]);
    // x = 0 and x = 0.3 cut the square into three strips, and the diagonal x + y = 0 crosses
    // each of them: 6 regions (the duplicate and the dead unit add none).
    expect(res.summary.regions).toBe(6);
    // … and the three strips are the linear regions: the diagonal does not change the map.
    expect(res.summary.linearRegions).toBe(3);
  });

  it('refuses networks that are not plain MLPs, and stops when cancelled', () => {
    const cnn = tinyCnn(1);
    const plane = planeThrough(
      new Float64Array(cnn.inputSize),
      Float64Array.from({ length: cnn.inputSize }, (_, i) => (i === 0 ? 1 : 0)),
      Float64Array.from({ length: cnn.inputSize }, (_, i) => (i === 1 ? 1 : 0)),
    );
    expect(() => sliceMlpPlane(cnn, plane, [-1, 1, -1, 1])).toThrow(PolytopeError);
    const net = randomMlp([2, 32, 32, 1], { seed: 3 });
    const controller = new AbortController();
    controller.abort();
    expect(() => sliceMlpFlat(net, inputPlane(net), [-1, 1, -1, 1], { signal: controller.signal })).toThrow(AbortError);
  });
});
