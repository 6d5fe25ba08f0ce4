// CSV upload: 2-D and 3-D rows, header, label values, and one-line errors for malformed files.
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('reads 2-D rows with a header, labels 0/1', () => {
    const d = parseCsv('x,y,label\n0.5,-1,1\n2,3,0\n');
    expect(d.dim).toBe(2);
    expect(Array.from(d.x)).toEqual([0.5, -1, 2, 3]);
    expect(Array.from(d.labels)).toEqual([1, 0]);
  });

  it('reads 3-D rows (x,y,z,label) with any two label values, tabs or semicolons', () => {
    const d = parseCsv('# comment\n1\t2\t3\tcat\n4;5;6;dog\n7,8,9,cat\n');
    expect(d.dim).toBe(3);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Without a '1' label, the later of the two sorted values is class 1.
    expect(Array.from(d.labels)).toEqual([0, 1, 0]);
  });

  it('rejects ragged rows, bad numbers, one class and wrong column counts with one line', () => {
    const bad: [string, RegExp][] = [
      ['1,2,3,1\n1,2,0\n', /row 2: expected x,y,z,label/],
      ['1,2,1\n1,x,0\n', /row 2: the coordinates must be finite/],
      ['1,2,1\n3,4,1\n', /exactly two values, found 1/],
      ['1,2,3,4,1\n1,2,3,4,0\n', /expected x,y,label or x,y,z,label, got 5 columns/],
      ['1,2,1\n', /at least two rows/],
    ];
    for (const [text, re] of bad) {
      expect(() => parseCsv(text)).toThrow(re);
      try {
        parseCsv(text);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    }
  });
});
