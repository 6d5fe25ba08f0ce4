import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { buildNetwork } from '../network/network.js';
import { mulberry32 } from '../random.js';
import {
  frameFromLayer,
  frameFromNetwork,
  frameFromRows,
  icosahedronFrame,
  mercedesBenzFrame,
  randomFrame,
  tetrahedronFrame,
} from './frame.js';
import type { Frame } from './frame.js';
import { checkFrame, isOmnidirectional } from './checks.js';

function gram(f: Frame): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < f.m; i++) {
    const row: number[] = [];
    for (let k = 0; k < f.m; k++) {
      let s = 0;
      for (let j = 0; j < f.n; j++) s += f.rows[i * f.n + j]! * f.rows[k * f.n + j]!;
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

function expectError(f: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PolytopeError);
  expect((caught as PolytopeError).code).toBe(code);
  expect((caught as Error).message).toMatch(pattern);
}

describe('built-in frames', () => {
  it('Mercedes-Benz: unit vectors at 120° (inner products −1/2)', () => {
    const g = gram(mercedesBenzFrame());
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(g[i]![k]).toBeCloseTo(i === k ? 1 : -0.5, 15);
  });

  it('tetrahedron: inner products −1/3', () => {
    const g = gram(tetrahedronFrame());
    for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) expect(g[i]![k]).toBeCloseTo(i === k ? 1 : -1 / 3, 15);
  });

  it('icosahedron: each vertex has 5 neighbours at 1/√5, 5 at −1/√5 and its antipode', () => {
    const g = gram(icosahedronFrame());
    for (let i = 0; i < 12; i++) {
      const vals = g[i]!.slice().sort((a, b) => a - b);
      expect(vals[0]).toBeCloseTo(-1, 15);
      for (let t = 1; t <= 5; t++) expect(vals[t]).toBeCloseTo(-1 / Math.sqrt(5), 15);
      for (let t = 6; t <= 10; t++) expect(vals[t]).toBeCloseTo(1 / Math.sqrt(5), 15);
      expect(vals[11]).toBeCloseTo(1, 15);
    }
  });

  it('random frames are reproducible and on the sphere', () => {
    const a = randomFrame(4, 9, mulberry32(3));
    const b = randomFrame(4, 9, mulberry32(3));
    expect(Array.from(a.rows)).toEqual(Array.from(b.rows));
    const g = gram(a);
    for (let i = 0; i < 9; i++) expect(g[i]![i]).toBeCloseTo(1, 14);
  });
});

describe('frameFromRows / frameFromLayer / frameFromNetwork', () => {
  it('normalizes rows and keeps the norms (also for huge and tiny rows)', () => {
    const f = frameFromRows([
      [3, 4],
      [0, -2],
      [1e200, 1e200],
      [1e-200, 0],
    ]);
    expect(Array.from(f.norms.slice(0, 2))).toEqual([5, 2]);
    expect(f.norms[2]).toBeCloseTo(Math.SQRT2 * 1e200, -185);
    expect(Array.from(f.rows.slice(0, 4))).toEqual([0.6, 0.8, 0, -1]);
    expect(f.rows[4]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(f.rows[6]).toBe(1);
  });

  it('maps a dense layer and a network first layer, bias kept', () => {
    const f = frameFromLayer(new Float64Array([3, 0, 0, 4]), 2, 2, new Float64Array([1, -1]));
    expect(Array.from(f.norms)).toEqual([3, 4]);
    expect(Array.from(f.bias!)).toEqual([1, -1]);
    const net = buildNetwork(
      [2],
      [
        {
          type: 'dense',
          inputs: [0],
          inFeatures: 2,
          outFeatures: 3,
          weight: new Float64Array([1, 0, 0, 2, -1, -1]),
          bias: new Float64Array([0.1, 0.2, 0.3]),
        },
        { type: 'relu', inputs: [1] },
      ],
    );
    const g = frameFromNetwork(net);
    expect(g.m).toBe(3);
    expect(Array.from(g.norms)).toEqual([1, 2, Math.SQRT2]);
    expect(Array.from(g.bias!)).toEqual([0.1, 0.2, 0.3]);
  });

  it('rejects bad input with PolytopeError naming the row', () => {
    expectError(() => frameFromRows([]), 'bad-frame', /at least one row/);
    expectError(
      () =>
        frameFromRows([
          [1, 0],
          [0, NaN],
        ]),
      'bad-frame',
      /row 1 has a non-finite .* \(NaN\) at column 1/,
    );
    expectError(
      () =>
        frameFromRows([
          [1, 0],
          [0, 1, 2],
        ]),
      'bad-frame',
      /row 1 has 3 entries but row 0 has 2/,
    );
    expectError(
      () =>
        frameFromRows([
          [1, 0],
          [0, 0],
        ]),
      'bad-frame',
      /row 1 is zero/,
    );
    expectError(() => frameFromRows([[]]), 'bad-frame', /row 0 is empty/);
    expectError(() => frameFromRows([[1, Infinity]]), 'bad-frame', /non-finite/);
    expectError(() => frameFromRows([[1, 0], 'x' as unknown as number[]]), 'bad-frame', /row 1 is not an array/);
    expectError(() => frameFromRows({ data: [1, 2, 3], n: 2 }), 'bad-frame', /do not form rows of width 2/);
    expectError(() => frameFromLayer(new Float64Array(5), 2, 2), 'bad-frame', /5 values but 2×2/);
    expectError(
      () =>
        frameFromRows(
          [
            [1, 0],
            [0, 1],
          ],
          'w',
          [1],
        ),
      'bad-frame',
      /bias has 1 entries but there are 2 rows/,
    );
  });
});

describe('frame checks', () => {
  it('the regular frames span and are (non-negatively) omnidirectional', () => {
    for (const f of [mercedesBenzFrame(), tetrahedronFrame(), icosahedronFrame()]) {
      const c = checkFrame(f);
      expect(c.spans).toBe(true);
      expect(c.omnidirectional).toBe(true);
      expect(c.nonNegativelyOmnidirectional).toBe(true);
    }
  });

  it('a non-spanning frame reports spans: false (no error)', () => {
    const c = checkFrame(
      frameFromRows([
        [1, 0, 0],
        [0, 1, 0],
        [-1, -1, 0],
      ]),
    );
    expect(c.spans).toBe(false);
    expect(c.rank).toBe(2);
    expect(c.omnidirectional).toBe(false);
    expect(c.nonNegativelyOmnidirectional).toBe(null);
  });

  it('0 on the boundary is not omnidirectional; {e1, e2, −e1−e2} is', () => {
    expect(
      isOmnidirectional(
        frameFromRows([
          [1, 0],
          [0, 1],
          [-1, 0],
        ]),
      ),
    ).toBe(false);
    expect(
      isOmnidirectional(
        frameFromRows([
          [1, 0],
          [0, 1],
          [-1, -1],
        ]),
      ),
    ).toBe(true);
  });

  it('non-negative omnidirectionality: a positive-quadrant frame has it, a frame missing e2 in its cone does not', () => {
    // conv{e1, e2, (1,1)/√2} lies in ℝ²₊ (not omnidirectional) but its facet cones cover ℝ²₊.
    const a = checkFrame(
      frameFromRows([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
    );
    expect(a.omnidirectional).toBe(false);
    expect(a.nonNegativelyOmnidirectional).toBe(true);
    // e2 = a e1 + b (1,2) + c (1,−1) needs a + b + c = 0 with a, b, c ≥ 0: impossible.
    const b = checkFrame(
      frameFromRows([
        [1, 0],
        [1, 2],
        [1, -1],
      ]),
    );
    expect(b.nonNegativelyOmnidirectional).toBe(false);
  });
});
