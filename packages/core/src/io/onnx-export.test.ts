/**
 * ONNX export: onnxruntime-web (wasm, in Node, one thread) loads the bytes and reproduces our
 * float64 forward pass to float32 accuracy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import type { Network } from '../network/network.js';
import { architectureLayers } from '../train/architectures.js';
import { TrainableNetwork } from '../train/model.js';
import { writeOnnx } from './onnx-export.js';
import { readOnnx } from './onnx.js';
import { lossAndGradient } from '../train/losses.js';
import { createOptimizer } from '../train/optimizers.js';
import { seededRandom } from '../random.js';

ort.env.wasm.numThreads = 1;

async function checkAgainstOrt(net: Network, batch: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const x = Float32Array.from({ length: batch * net.inputSize }, () => 2 * random() - 1);
  const session = await ort.InferenceSession.create(writeOnnx(net));
  const result = await session.run({ input: new ort.Tensor('float32', x, [batch, ...net.inputShape]) });
  const out = result['output']!;
  expect(out.dims).toEqual([batch, ...net.outputShape]);
  const data = out.data as Float32Array;
  for (let b = 0; b < batch; b++) {
    const ours = forward(net, x.subarray(b * net.inputSize, (b + 1) * net.inputSize));
    for (let j = 0; j < net.outputSize; j++) {
      const theirs = data[b * net.outputSize + j]!;
      expect(Math.abs(theirs - ours[j]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ours[j]!)));
    }
  }
  await session.release();
}

describe('writeOnnx', () => {
  it('a trained-style MLP with leaky ReLU loads in onnxruntime and matches', async () => {
    const random = seededRandom(1);
    const net = new TrainableNetwork([2], architectureLayers('2-8-8-1', [2], 1, { leak: 0.01 }), { random }).toNetwork();
    await checkAgainstOrt(net, 5, 2);
  });

  it('the simple CNN with an input normalization node matches', async () => {
    const random = seededRandom(3);
    const t = new TrainableNetwork([1, 12, 12], architectureLayers('simple-cnn', [1, 12, 12], 10, { channels: 4 }), { random });
    const net = t.toNetwork({ inputTransform: { scale: [1 / 0.3081], shift: [-0.1307 / 0.3081] } });
    await checkAgainstOrt(net, 3, 4);
  });

  it('the complex CNN matches', async () => {
    const random = seededRandom(5);
    const net = new TrainableNetwork([3, 24, 24], architectureLayers('complex-cnn', [3, 24, 24], 10, { channels: 3 }), {
      random,
    }).toNetwork();
    await checkAgainstOrt(net, 2, 6);
  });

  it('every other node type: padded strided conv, avg/global pooling, padded max-pool, hardtanh, residual add, reshape', async () => {
    const random = seededRandom(7);
    const arr = (n: number) => Float64Array.from({ length: n }, () => 2 * random() - 1);
    const net = buildNetwork(
      [2, 6, 6],
      [
        {
          type: 'conv2d',
          inputs: [0],
          inChannels: 2,
          outChannels: 4,
          kernel: [3, 3],
          stride: [1, 1],
          padding: [1, 1, 1, 1],
          dilation: [1, 1],
          groups: 2,
          weight: arr(4 * 1 * 9),
          bias: arr(4),
        },
        { type: 'channel_affine', inputs: [1], scale: arr(4), shift: arr(4) },
        { type: 'relu', inputs: [2] },
        {
          type: 'conv2d',
          inputs: [3],
          inChannels: 4,
          outChannels: 4,
          kernel: [3, 3],
          stride: [1, 1],
          padding: [1, 1, 1, 1],
          dilation: [1, 1],
          groups: 1,
          weight: arr(4 * 4 * 9),
          bias: arr(4),
        },
        { type: 'add', inputs: [4, 3] },
        { type: 'maxpool', inputs: [5], kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], dilation: [1, 1] },
        { type: 'avgpool', inputs: [6], kernel: [2, 2], stride: [1, 1], padding: [1, 1, 1, 1], countIncludePad: false },
        { type: 'hardtanh', inputs: [7], min: -0.5, max: 0.5 },
        {
          type: 'conv2d',
          inputs: [8],
          inChannels: 4,
          outChannels: 3,
          kernel: [2, 2],
          stride: [2, 2],
          padding: [0, 0, 1, 1],
          dilation: [1, 1],
          groups: 1,
          weight: arr(3 * 4 * 4),
          bias: arr(3),
        },
        { type: 'reshape', inputs: [9], targetShape: [2, 3, 2] },
        { type: 'leaky_relu', inputs: [10], alpha: 0.2 },
        { type: 'global_avgpool', inputs: [11] },
        { type: 'dense', inputs: [12], inFeatures: 2, outFeatures: 2, weight: arr(4), bias: arr(2) },
      ],
    );
    await checkAgainstOrt(net, 3, 8);
  });

  it('pad modes (reflect, edge, wrap with a crop), cubic resizes and a broadcasting add match onnxruntime', async () => {
    const net = buildNetwork(
      [2, 4, 5],
      [
        { type: 'pad', inputs: [0], pads: [0, 2, 1, 0, 1, 3], value: 0, mode: 'reflect' },
        { type: 'pad', inputs: [1], pads: [0, 1, -1, 0, 2, 2], value: 0, mode: 'edge' },
        { type: 'pad', inputs: [2], pads: [0, -1, 2, 0, 1, 3], value: 0, mode: 'wrap' },
        { type: 'resize', inputs: [3], size: [2, 9, 11], mode: 'cubic', coordinateMode: 'half_pixel', nearestMode: 'floor' },
        {
          type: 'resize',
          inputs: [4],
          size: [2, 5, 4],
          mode: 'cubic',
          coordinateMode: 'align_corners',
          nearestMode: 'floor',
          cubicCoeffA: -0.5,
          excludeOutside: true,
        },
        { type: 'reduce_mean', inputs: [5], axes: [1, 2], keepdims: true },
        { type: 'add', inputs: [5, 6], coefficients: [1, -1] },
        { type: 'relu', inputs: [7] },
      ],
    );
    await checkAgainstOrt(net, 2, 11);
  });

  it('a fine-tuned batch-norm / average-pool network read from ONNX (bn_avgpool.onnx) exports and matches', async () => {
    const bytes = readFileSync(fileURLToPath(new URL('../../../../../shared/fixtures/onnx/bn_avgpool.onnx', import.meta.url)));
    const t = new TrainableNetwork(readOnnx(bytes));
    const random = seededRandom(9);
    const opt = createOptimizer({ type: 'sgd', lr: 0.05 });
    const x = Float32Array.from({ length: 4 * t.inputSize }, () => random() - 0.5);
    const target = Float64Array.from({ length: 4 * t.outputSize }, () => random());
    for (let step = 0; step < 3; step++) {
      lossAndGradient('mse', t.forward(x, 4), 4, t.outputSize, target, t.outputGradient());
      t.backward(4);
      opt.step(t.params, t.grads);
    }
    await checkAgainstOrt(t.toNetwork(), 3, 10);
  });
});
