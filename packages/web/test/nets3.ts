/** Shared 3-input test networks of the 3-D view's tests. */
import { buildNetwork } from '@polytope-lens/core';

/** A 3 → 8 → 8 → 1 ReLU MLP with weights from a fixed LCG (seed 7): 370 cells in [−1, 1]³. */
export function seeded388Network(): ReturnType<typeof buildNetwork> {
  let s = 7;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const dense = (input: number, inF: number, outF: number) => ({
    type: 'dense' as const,
    inputs: [input],
    inFeatures: inF,
    outFeatures: outF,
    weight: Float64Array.from({ length: inF * outF }, r),
    bias: Float64Array.from({ length: outF }, () => r() * 0.5),
  });
  return buildNetwork([3], [dense(0, 3, 8), { type: 'relu', inputs: [1] }, dense(2, 8, 8), { type: 'relu', inputs: [3] }, dense(4, 8, 1)]);
}
