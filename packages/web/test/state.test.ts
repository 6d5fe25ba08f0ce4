/** The playground's URL state table: round trips, defaults left out, malformed values refused. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULTS,
  MAX_ANCHORS_TEXT,
  anchorsText,
  hashFromState,
  parseAnchorLists,
  parseBox3,
  parseList,
  parseWidths,
  stateFromHash,
} from '../src/state.js';

describe('playground URL state', () => {
  it('is empty for the defaults and round-trips every changed property', () => {
    expect(hashFromState(DEFAULTS)).toBe('');
    const s = {
      ...DEFAULTS,
      dataset: 'spiral' as const,
      hidden: '16-16-4',
      lr: 0.003,
      seed: 12,
      showData: false,
      color: 'linear-region' as const,
      snapshot: 5,
      mnist: '3,2,9999',
      point: '-0.25,1e-7',
    };
    const hash = hashFromState(s);
    expect(hash).toBe(
      '#dataset=spiral&hidden=16-16-4&lr=0.003&seed=12&color=linear-region&showData=false&snapshot=5&mnist=3%2C2%2C9999&point=-0.25%2C1e-7',
    );
    expect(stateFromHash(hash)).toEqual(s);
  });

  it('keeps the default for unknown keys and malformed or out-of-range values', () => {
    const s = stateFromHash(
      '#dataset=mnist&hidden=8-x&lr=-1&seed=1.5&batch=0&showData=yes&extent=2&bogus=1&snapshot=-2&mnist=1,2&point=1,x',
    );
    expect(s).toEqual({ ...DEFAULTS, extent: 2 });
    expect(stateFromHash('#mnist=1,2,10000').mnist).toBe('');
    expect(stateFromHash('#mnist=1,2.5,3').mnist).toBe('');
    expect(stateFromHash('#point=1,,').point).toBe('');
    expect(stateFromHash('#point=Infinity,0').point).toBe('');
  });

  it('round-trips a 3-D box and typed anchors, and refuses malformed ones', () => {
    const s = { ...DEFAULTS, box3: '-2,2,-1,1,0,0.5', anchors: '0,1e-7,2;1,0,-3.5;0.1,0.2,0.3' };
    expect(stateFromHash(hashFromState(s))).toEqual(s);
    expect(parseBox3('-2,2,-1,1,0,0.5')).toEqual([-2, 2, -1, 1, 0, 0.5]);
    for (const bad of ['1,-1,0,1,0,1', '0,0,0,1,0,1', '-1,1,-1,1,-1', '-1,1,-1,1,-1,x', '-1e4,1,-1,1,-1,1'])
      expect(stateFromHash(`#box3=${bad}`).box3).toBe('');
    expect(parseAnchorLists('1,2;3,4;5,6')).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    for (const bad of ['1,2;3,4', '1,2;3;5,6', '1,2;3,x;5,6', '1,2;3,4;5,6;7,8', ';;'])
      expect(stateFromHash(`#anchors=${encodeURIComponent(bad)}`).anchors).toBe('');
    // Numbers in shortest round-trip form: the link reproduces the anchors bit for bit.
    const exact = [
      [0.1 + 0.2, Math.PI],
      [-1 / 3, 5e-324],
      [1e21, -0],
    ];
    const back = parseAnchorLists(anchorsText(exact))!;
    expect(back.map((v) => v.map((x) => (Object.is(x, -0) ? 0 : x)))).toEqual(exact.map((v) => v.map((x) => (Object.is(x, -0) ? 0 : x))));
    expect(back[0]![0]).toBe(0.1 + 0.2);
    // Too long for a link: left out.
    const long = Array.from({ length: 3 }, () => Array.from({ length: MAX_ANCHORS_TEXT / 6 }, () => 0.12345));
    expect(anchorsText(long)).toBe('');
  });

  it('parses lists (MNIST indices, a map point)', () => {
    expect(parseList('3,2,1', 3, 9999)).toEqual([3, 2, 1]);
    expect(parseList('0.5,-2', 2)).toEqual([0.5, -2]);
    expect(parseList('3,2', 3, 9999)).toBeNull();
    expect(parseList('3,-1,2', 3, 9999)).toBeNull();
    expect(parseList('', 2)).toBeNull();
  });

  it('parses hidden widths', () => {
    expect(parseWidths('64-64-64')).toEqual([64, 64, 64]);
    expect(parseWidths('8')).toEqual([8]);
    expect(parseWidths('0-4')).toBeNull();
    expect(parseWidths('4-')).toBeNull();
    expect(parseWidths('1-1-1-1-1-1-1-1-1')).toBeNull();
  });
});
