/**
 * Seeded pseudo-random numbers for training and data generation. Everything random in `train/`
 * takes a `Random` (a function returning uniform numbers in [0, 1)) so that a run is reproducible
 * from its seed; nothing here calls `Math.random`.
 */

import type { Random } from '../reference/random.js';

/**
 * A seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state,
 * passes PractRand to 2^40 bytes), its state filled from the seed by splitmix32. Any finite number
 * is a valid seed; equal seeds give equal streams on every platform.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // 0.23955312534235418, on every run and platform
 */
export function seededRandom(seed: number): Random {
  // splitmix32 over the seed's low and high 32 bits, so 1 and 2**32 + 1 differ.
  let s = (Math.floor(seed) | 0) ^ Math.imul(Math.floor(seed / 4294967296) | 0, 0x9e3779b9);
  const mix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // warm-up, as the reference implementation recommends
  return next;
}

/**
 * A standard normal sample (Box–Muller, one value per call, two uniforms consumed).
 *
 * @example
 * const random = seededRandom(1);
 * const z = normalSample(random); // ~ N(0, 1)
 */
export function normalSample(random: Random): number {
  const u = 1 - random(); // (0, 1]: log is finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Uniform sample in [a, b). */
export function uniformSample(random: Random, a: number, b: number): number {
  return a + (b - a) * random();
}

/**
 * Fisher–Yates shuffle in place (the same permutation for the same generator state).
 *
 * @example
 * const order = Int32Array.from({ length: 5 }, (_, i) => i);
 * shuffleInPlace(order, seededRandom(3)); // a permutation of 0..4
 */
export function shuffleInPlace(values: { length: number; [i: number]: number }, random: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
}
