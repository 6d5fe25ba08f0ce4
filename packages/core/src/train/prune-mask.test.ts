import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { seededRandom } from '../random.js';
import { architectureLayers } from './architectures.js';
import type { Dataset } from './datasets.js';
import { TrainableNetwork } from './model.js';
import { train } from './trainer.js';

// The seed's §3.4.5 network (complex-cnn: [conv 3×3 → relu → maxpool 2] × 3 → dense), 2 channels on
// 22×22 inputs so that a few SGD steps take milliseconds.
const shape = [1, 22, 22];
const makeNet = () =>
  new TrainableNetwork(shape, architectureLayers('complex-cnn', shape, 3, { channels: 2 }), { random: seededRandom(7), dtype: 'float64' });
const makeData = (): Dataset => {
  const random = seededRandom(3);
  const size = 24;
  const inputSize = 22 * 22;
  return {
    name: 'noise',
    task: 'multiclass',
    inputShape: shape,
    inputSize,
    targetSize: 1,
    numClasses: 3,
    size,
    x: Float64Array.from({ length: size * inputSize }, () => random() - 0.5),
    y: Float32Array.from({ length: size }, (_, i) => i % 3),
  };
};
const sgd = { type: 'sgd' as const, lr: 0.05, momentum: 0.9, weightDecay: 1e-2 };
// Keep mask: every third weight of every tensor pruned (biases included, to exercise all tensors).
const maskFor = (net: TrainableNetwork) => net.params.map((p) => Uint8Array.from({ length: p.length }, (_, i) => (i % 3 === 0 ? 0 : 1)));

describe('train with paramMask (magnitude-pruning fine-tune)', () => {
  it('pruned weights stay exactly 0 through SGD momentum and weight decay; the others train', async () => {
    const net = makeNet();
    const before = net.params.map((p) => Float64Array.from(p));
    const mask = maskFor(net);
    await train(net, makeData(), { loss: 'softmax-ce', optimizer: sgd, epochs: 3, batchSize: 5, random: seededRandom(1), paramMask: mask });
    net.params.forEach((p, t) => {
      for (let i = 0; i < p.length; i++) {
        if (mask[t]![i] === 0) expect(Object.is(p[i], 0)).toBe(true);
      }
    });
    // The kept weights moved (a conv kernel entry and a dense entry).
    expect(net.params[0]![1]).not.toBe(before[0]![1]);
    expect(net.params.at(-2)![1]).not.toBe(before.at(-2)![1]);
  });

  it('without the mask the same weights leave 0 (the test above can fail)', async () => {
    const net = makeNet();
    const mask = maskFor(net);
    net.params.forEach((p, t) => p.forEach((_, i) => mask[t]![i] === 0 && (p[i] = 0)));
    await train(net, makeData(), { loss: 'softmax-ce', optimizer: sgd, epochs: 1, batchSize: 5, random: seededRandom(1) });
    expect(net.params[0]!.some((v, i) => mask[0]![i] === 0 && v !== 0)).toBe(true);
  });

  it('an all-ones mask reproduces unmasked training exactly; null entries leave a tensor unmasked', async () => {
    const a = makeNet();
    const b = makeNet();
    const c = makeNet();
    const opts = { loss: 'softmax-ce' as const, optimizer: sgd, epochs: 2, batchSize: 5 };
    await train(a, makeData(), { ...opts, random: seededRandom(1) });
    await train(b, makeData(), { ...opts, random: seededRandom(1), paramMask: b.params.map((p) => new Uint8Array(p.length).fill(1)) });
    await train(c, makeData(), { ...opts, random: seededRandom(1), paramMask: c.params.map(() => null) });
    expect(b.params.map((p) => Array.from(p))).toEqual(a.params.map((p) => Array.from(p)));
    expect(c.params.map((p) => Array.from(p))).toEqual(a.params.map((p) => Array.from(p)));
  });

  it('rejects a mask that does not match the parameters', async () => {
    const net = makeNet();
    const bad = net.params.map((p) => new Uint8Array(p.length + 1));
    await expect(
      train(net, makeData(), { loss: 'softmax-ce', optimizer: sgd, epochs: 1, random: seededRandom(1), paramMask: bad }),
    ).rejects.toThrow(PolytopeError);
    await expect(
      train(net, makeData(), { loss: 'softmax-ce', optimizer: sgd, epochs: 1, random: seededRandom(1), paramMask: [] }),
    ).rejects.toThrow(/paramMask has 0 entries/);
  });
});
