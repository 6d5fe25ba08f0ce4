/** The playground's URL state table: round trips, defaults left out, malformed values refused. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, hashFromState, parseWidths, stateFromHash } from '../src/state.js';

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
    };
    const hash = hashFromState(s);
    expect(hash).toBe('#dataset=spiral&hidden=16-16-4&lr=0.003&seed=12&color=linear-region&showData=false&snapshot=5');
    expect(stateFromHash(hash)).toEqual(s);
  });

  it('keeps the default for unknown keys and malformed or out-of-range values', () => {
    const s = stateFromHash('#dataset=mnist&hidden=8-x&lr=-1&seed=1.5&batch=0&showData=yes&extent=2&bogus=1&snapshot=-2');
    expect(s).toEqual({ ...DEFAULTS, extent: 2 });
  });

  it('parses hidden widths', () => {
    expect(parseWidths('64-64-64')).toEqual([64, 64, 64]);
    expect(parseWidths('8')).toEqual([8]);
    expect(parseWidths('0-4')).toBeNull();
    expect(parseWidths('4-')).toBeNull();
    expect(parseWidths('1-1-1-1-1-1-1-1-1')).toBeNull();
  });
});
