/**
 * Training kernels of the gather nodes (add with coefficients, concat, pad, slice, transpose,
 * resize, reduce_mean, broadcast_affine), prelu (trainable slope) and ceil-mode pools: the PyTorch
 * op fixtures trained in float64, forward against the IR's exact forward pass, backward against
 * central finite differences (test/gradients.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readOnnx } from '../io/onnx.js';
import { forward } from '../network/forward.js';
import { seededRandom } from '../random.js';
import { checkGradients, randomArray } from '../../test/gradients.js';
import { TrainableNetwork } from './model.js';

const DIR = new URL('../../test/fixtures/ops/', import.meta.url);
const load = (name: string) => readOnnx(readFileSync(fileURLToPath(new URL(`${name}.onnx`, DIR))));

describe('training kernels of the data-movement nodes and prelu', () => {
  for (const [name, stride] of [
    ['shuffle', 7],
    ['pad_resize', 5],
    ['pools', 5],
    ['clips', 3],
    ['affine', 1],
  ] as const) {
    it(`${name}: forward equals the IR's, gradients match finite differences`, () => {
      const net = load(name);
      const t = new TrainableNetwork(net, { dtype: 'float64', inputGradient: true });
      const random = seededRandom(3);
      const batch = 2;
      const x = randomArray(batch * net.inputSize, random);
      const y = t.forward(x, batch);
      for (let b = 0; b < batch; b++) {
        const ref = forward(net, x.subarray(b * net.inputSize, (b + 1) * net.inputSize));
        for (let i = 0; i < ref.length; i++) expect(y[b * net.outputSize + i]).toBeCloseTo(ref[i]!, 12);
      }
      const r = randomArray(batch * net.outputSize, random);
      checkGradients(t, x, r, { batch, tol: 1e-5, floor: 1e-5, stride, label: name });
    });
  }
  it('prelu slopes are trained parameters and written back', () => {
    const net = load('clips');
    const t = new TrainableNetwork(net, { dtype: 'float64' });
    const back = t.toNetwork();
    const slopes = back.nodes.flatMap((n) => (n.type === 'prelu' ? [Array.from(n.slope)] : []));
    expect(slopes).toEqual([[0.125, -0.25, 0.375], [-0.375]]);
    expect(net.numParameters).toBe(t.params.reduce((a, p) => a + p.length, 0));
  });
});
