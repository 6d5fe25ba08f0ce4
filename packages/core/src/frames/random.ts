/**
 * Seeded random numbers for the frame module. Generators are always passed in (`random: () =>
 * number` returning uniform [0, 1)), never global, so every result is reproducible.
 */

import { gaussian } from '../random.js';
import type { Random } from '../random.js';
import { TINY_SCALE } from '../geometry/predicates.js';

export type { Random };

/**
 * Writes a uniform point of the unit sphere S^{n−1} into `out[off..off+n)` (normalized Gaussian).
 *
 * @example
 * const p = new Float64Array(3); sampleSphere(mulberry32(1), 3, p); // ‖p‖ = 1
 */
export function sampleSphere(random: Random, n: number, out: Float64Array, off = 0): void {
  for (;;) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      const g = gaussian(random);
      out[off + j] = g;
      s += g * g;
    }
    if (s > TINY_SCALE) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < n; j++) out[off + j] = out[off + j]! * inv;
      return;
    }
  }
}

/** Writes a uniform point of the closed unit ball into `out[off..off+n)` (radius U^{1/n}). */
function sampleBall(random: Random, n: number, out: Float64Array, off = 0): void {
  sampleSphere(random, n, out, off);
  const r = Math.pow(random(), 1 / n);
  for (let j = 0; j < n; j++) out[off + j] = out[off + j]! * r;
}

/** Sampling domains: the sphere, the ball, or their non-negative parts (absolute values). */
export type SampleDomain = 'sphere' | 'ball' | 'sphere+' | 'ball+';

/** Writes one sample of `domain` (unit radius) into `out[off..off+n)`. */
export function sampleDomain(random: Random, domain: SampleDomain, n: number, out: Float64Array, off = 0): void {
  if (domain === 'sphere' || domain === 'sphere+') sampleSphere(random, n, out, off);
  else sampleBall(random, n, out, off);
  if (domain === 'sphere+' || domain === 'ball+') for (let j = 0; j < n; j++) out[off + j] = Math.abs(out[off + j]!);
}
