/** The playground's URL state table: round trips, defaults left out, malformed values refused. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, hashFromState, parseList, parseWidths, stateFromHash } from '../src/state.js';

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
