/** The report's "dense ≈ linear" verdict reads the affine-mapped accuracy and the scaled distance, never CKA. */
import { describe, expect, it } from 'vitest';
import { findings } from './chapter7-report.js';
import type { Chapter7Doc } from './chapter7-report.js';

/** A doc with three models (dense, linear, CNN) and the given row-to-column similarity matrices. */
function doc(acc: number[][], mse: number[][]): Chapter7Doc {
  const cka = [
    [1, 0, 0.9],
    [0, 1, 0],
    [0.9, 0, 1],
  ]; // the linear net's CKA is 0 by convention: it would say dense is nothing like linear
  return {
    models: [],
    training: [],
    heads: [],
    head_training: [],
    per_model: [],
    similarity: { models: ['dense-a-sgd', 'linear-sgd', 'simple-a-sgd'], affine_accuracy: acc, scaled_mse: mse, cka, softmax_ce: acc },
    phase_seconds: {},
    seconds: 0,
  };
}

const line = (d: Chapter7Doc) => findings(d).find((l) => l.includes('Dense ≈ linear'))!;

describe('chapter-7 findings: dense ≈ linear', () => {
  it('holds when dense maps onto linear better than onto the CNN by both measures, whatever CKA says', () => {
    const acc = [
      [1, 0.9, 0.5],
      [0.9, 1, 0.5],
      [0.5, 0.5, 1],
    ];
    const mse = [
      [0, 1e-3, 1e-2],
      [1e-3, 0, 1e-2],
      [1e-2, 1e-2, 0],
    ];
    expect(line(doc(acc, mse))).toMatch(/dense→linear 90\.00 % against dense→CNN 50\.00 %.*: holds here/);
  });
  it('is mixed when the two measures disagree, and does not hold when both say the CNN is closer', () => {
    const acc = [
      [1, 0.9, 0.5],
      [0.9, 1, 0.5],
      [0.5, 0.5, 1],
    ];
    const far = [
      [0, 1e-1, 1e-2],
      [1e-1, 0, 1e-2],
      [1e-2, 1e-2, 0],
    ];
    expect(line(doc(acc, far))).toMatch(/: mixed \(the two measures disagree\) here/);
    const worse = acc.map((r) => [...r]);
    worse[0]![1] = 0.2;
    expect(line(doc(worse, far))).toMatch(/: does not hold here/);
  });
});
