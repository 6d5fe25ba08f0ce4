import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { mulberry32 } from '../random.js';
import {
  binaryProjection,
  checkConstruction,
  lineSignChanges,
  parityNetwork,
  sawtoothNetwork,
  shallowNetwork,
  widthTwoNetwork,
} from './construct.js';
import { npnClasses } from './npn.js';
import { swapsChambers, swapsValue } from './swaps.js';
import { booleanInputs, parityTable } from './truth.js';

const hidden = (net: ReturnType<typeof shallowNetwork>) =>
  net.nodes.filter((nd) => nd.type === 'dense').map((nd) => (nd as { outFeatures: number }).outFeatures);

describe('Boolean constructions (verified by forward pass and line partition)', () => {
  it('Thm 3.3.2: width s along the swaps witness classifies all 222 n = 4 classes, s sign changes on the line', () => {
    const ch = swapsChambers(4);
    for (const t of npnClasses(4).representatives) {
      const { swaps, w } = swapsValue(t, 4, ch);
      for (const alpha of [0, 0.1]) {
        const net = shallowNetwork(t, 4, w, { alpha });
        const c = checkConstruction(net, t, 4, w);
        expect(c.correct).toBe(16);
        expect(c.margin).toBeGreaterThan(0);
        if (swaps > 0) {
          expect(hidden(net)[0]).toBe(swaps);
          expect(c.lineSignChanges).toBe(swaps);
        }
      }
    }
  });

  it('one leaky unit is monotone: width 1 cannot make the 2 changes of XOR along x₁ + x₂ (so s − 1 nodes is wrong)', () => {
    const net = shallowNetwork(0b0110, 2, [1, 1], { alpha: 0.1 });
    expect(hidden(net)[0]).toBe(2);
    // any single leaky unit a·σ(t − k) + d has slopes aα and a of one sign: at most one change on a line
    const one = shallowNetwork(0b1100, 2, [1, 0], { alpha: 0.1 });
    expect(lineSignChanges(one, [-3, 0], [3, 0]).changes).toBe(1);
  });

  it('width 2 deep: every n = 4 class and random n = 5 functions, 100 % on {−1,1}ⁿ and {0,1}ⁿ', () => {
    const ch = swapsChambers(4);
    for (const t of npnClasses(4).representatives) {
      const { swaps, w } = swapsValue(t, 4, ch);
      const net = widthTwoNetwork(t, 4, w);
      expect(checkConstruction(net, t, 4, w).correct).toBe(16);
      if (swaps === 0) continue; // constants: one dead unit
      expect(
        hidden(net)
          .slice(0, -1)
          .every((u) => u === 2),
      ).toBe(true);
      expect(hidden(net).length - 1).toBe(swaps);
    }
    const rnd = mulberry32(7);
    for (let i = 0; i < 20; i++) {
      const t = Math.floor(rnd() * 2 ** 32) >>> 0;
      const w = binaryProjection(5);
      for (const domain of ['pm1', '01'] as const) {
        const c = checkConstruction(widthTwoNetwork(t, 5, w, { domain }), t, 5, w, domain);
        expect(c.correct).toBe(32);
      }
    }
  });

  it('Thm 3.3.3: width w, depth l gives w^l sign changes on [0, 1] (w^l + 1 regions), ReLU and leaky', () => {
    for (const [w, l] of [
      [2, 1],
      [2, 3],
      [3, 2],
      [4, 2],
    ] as const)
      for (const alpha of [0, 0.2]) expect(lineSignChanges(sawtoothNetwork(w, l, alpha), [0], [1]).changes).toBe(w ** l);
  });

  it('Thm 3.3.4: n-parity by width w, depth l exactly when n ≤ w^l', () => {
    for (const [n, w, l] of [
      [4, 2, 2],
      [3, 3, 1],
      [5, 2, 3],
      [4, 4, 1],
    ] as const) {
      const net = parityNetwork(n, w, l, { alpha: 0.05 });
      const xs = booleanInputs(n, 'pm1');
      const t = parityTable(n);
      for (let k = 0; k < 1 << n; k++) expect(forward(net, xs.subarray(k * n, (k + 1) * n))[0]! > 0).toBe(((t >>> k) & 1) === 1);
    }
    expect(() => parityNetwork(5, 2, 2)).toThrow(/n ≤ w\^l/);
  });
});
