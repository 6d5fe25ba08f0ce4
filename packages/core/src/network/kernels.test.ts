import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { buildNetwork } from './network.js';
import type { Conv2dNode } from './ir.js';
import { BiasMode, affineImpl } from './kernels.js';

/** Convolution by its definition: bias, then every in-bounds tap in (input channel, ky, kx) order. */
function naiveConv(x: Float64Array, node: Conv2dNode, inShape: readonly number[], m: number, mode: BiasMode): Float64Array {
  const [, h, w] = inShape as [number, number, number];
  const [oc, ho, wo] = node.shape as [number, number, number];
  const icg = node.inChannels / node.groups;
  const ocg = oc / node.groups;
  const out = new Float64Array(oc * ho * wo * m);
  for (let o = 0; o < oc; o++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let c = 0; c < m; c++) {
          let s = mode === BiasMode.All || (mode === BiasMode.First && c === 0) ? node.bias[o]! : 0;
          for (let ci = 0; ci < icg; ci++)
            for (let ky = 0; ky < node.kernel[0]; ky++)
              for (let kx = 0; kx < node.kernel[1]; kx++) {
                const iy = oy * node.stride[0] - node.padding[0] + ky * node.dilation[0];
                const ix = ox * node.stride[1] - node.padding[1] + kx * node.dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                const cin = Math.floor(o / ocg) * icg + ci;
                s += node.weight[((o * icg + ci) * node.kernel[0] + ky) * node.kernel[1] + kx]! * x[((cin * h + iy) * w + ix) * m + c]!;
              }
          out[((o * ho + oy) * wo + ox) * m + c] = s;
        }
  return out;
}

describe('convolution kernel (direct and blocked paths)', () => {
  const cases = [
    { c: 3, h: 9, w: 7, oc: 8, k: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 },
    { c: 4, h: 8, w: 8, oc: 12, k: [3, 2], stride: [2, 1], pad: [1, 0, 2, 1], dil: [1, 2], groups: 2 },
    { c: 16, h: 1, w: 1, oc: 16, k: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 },
    { c: 6, h: 2, w: 2, oc: 10, k: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], dil: [1, 1], groups: 1 },
    { c: 3, h: 12, w: 12, oc: 5, k: [7, 7], stride: [2, 2], pad: [3, 3, 3, 3], dil: [1, 1], groups: 1 },
    // No padding, horizontal stride 1, one group: input rows read in place, one output row at a time
    // (output channels not a multiple of 4, a vertical stride, dilation; one input channel).
    { c: 5, h: 9, w: 10, oc: 6, k: [3, 2], stride: [2, 1], pad: [0, 0, 0, 0], dil: [2, 2], groups: 1 },
    { c: 1, h: 10, w: 10, oc: 8, k: [3, 3], stride: [1, 1], pad: [0, 0, 0, 0], dil: [1, 1], groups: 1 },
  ] as const;
  for (const [i, cs] of cases.entries()) {
    it(`case ${i}: bit-identical to the definition for m = 1, 3, 5, 32 and every bias mode`, () => {
      const r = mulberry32(i + 1);
      const icg = cs.c / cs.groups;
      const net = buildNetwork(
        [cs.c, cs.h, cs.w],
        [
          {
            type: 'conv2d',
            inputs: [0],
            inChannels: cs.c,
            outChannels: cs.oc,
            kernel: cs.k,
            stride: cs.stride,
            padding: cs.pad,
            dilation: cs.dil,
            groups: cs.groups,
            weight: Float64Array.from({ length: cs.oc * icg * cs.k[0] * cs.k[1] }, () => r() - 0.5),
            bias: Float64Array.from({ length: cs.oc }, () => r() - 0.5),
          },
        ],
      );
      const node = net.nodes[1] as Conv2dNode;
      const inShape = [cs.c, cs.h, cs.w];
      for (const m of [1, 3, 5, 32]) {
        const x = Float64Array.from({ length: cs.c * cs.h * cs.w * m }, () => r() * 2 - 1);
        for (const mode of [BiasMode.None, BiasMode.First, BiasMode.All]) {
          const out = new Float64Array((node.shape as number[]).reduce((a, b) => a * b, 1) * m);
          affineImpl(out, [x], node, inShape, m, mode);
          expect(Array.from(out)).toEqual(Array.from(naiveConv(x, node, inShape, m, mode)));
        }
      }
    });
  }
});
