/**
 * Training on the IR: every node type has a training kernel, so networks with residual adds,
 * average pools, batch-norm (channel_affine), hard-tanh and grouped / dilated convolutions train
 * and fine-tune. Gradients are checked against central finite differences in float64, on built
 * networks and on the ONNX fixtures the reader loads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readOnnx } from '../io/onnx.js';
import { forward } from '../network/forward.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import type { Dataset } from './datasets.js';
import { lossAndGradient } from './losses.js';
import { TrainableNetwork } from './model.js';
import { seededRandom } from '../random.js';
import { evaluate, train } from './trainer.js';
import { checkGradients, randomArray } from '../../test/gradients.js';

const FIXTURES = new URL('../../../../../shared/fixtures/onnx/', import.meta.url);
const fixture = (name: string): Network => readOnnx(readFileSync(fileURLToPath(new URL(name, FIXTURES))));

/** As the end-to-end check in gradcheck.test.ts: whole networks sum many terms, so 1e-5 rather than 1e-6. */
const TOL = 1e-5; // relError floor 1e-3: central differences carry ~1e-10 noise on a sum of many terms

/**
 * L = Σ r·y for a fixed random r: backward from gy = r must give dL/dparams and dL/dx; every
 * `stride`-th entry is compared with central differences. Also checks that the trainer's forward
 * pass is the IR's exact one (`forward`), sample by sample.
 */
function checkNetwork(net: Network, batch = 3, seed = 1, stride = 1): void {
  const random = seededRandom(seed);
  const t = new TrainableNetwork(net, { dtype: 'float64', inputGradient: true });
  const x = randomArray(batch * t.inputSize, random);
  const r = randomArray(batch * t.outputSize, random);
  const y0 = t.forward(x, batch).slice();
  for (let b = 0; b < batch; b++) {
    const exact = forward(net, x.subarray(b * t.inputSize, (b + 1) * t.inputSize));
    for (let j = 0; j < t.outputSize; j++)
      expect(Math.abs(y0[b * t.outputSize + j]! - exact[j]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(exact[j]!)));
  }
  checkGradients(t, x, r, { batch, tol: TOL, floor: 1e-3, stride });
}

const rnd = seededRandom(42);
const arr = (n: number, scale = 0.6): Float64Array => randomArray(n, rnd, scale);
const pos = (n: number): Float64Array => Float64Array.from({ length: n }, () => 0.5 + rnd());

describe('IR training kernels match finite differences (float64)', () => {
  it('residual CNN: conv, batch-norm, grouped dilated conv, add, hard-tanh, avgpool, dilated maxpool, global avgpool', () => {
    const specs: NodeSpec[] = [
      {
        type: 'conv2d',
        inputs: [0],
        inChannels: 2,
        outChannels: 4,
        kernel: [3, 3],
        stride: [1, 1],
        padding: [1, 1, 1, 1],
        dilation: [1, 1],
        groups: 1,
        weight: arr(4 * 2 * 9),
        bias: arr(4),
      },
      { type: 'channel_affine', inputs: [1], scale: pos(4), shift: arr(4) },
      { type: 'relu', inputs: [2] },
      {
        type: 'conv2d',
        inputs: [3],
        inChannels: 4,
        outChannels: 4,
        kernel: [3, 2],
        stride: [1, 1],
        padding: [2, 1, 2, 1],
        dilation: [2, 2],
        groups: 2,
        weight: arr(4 * 2 * 6),
        bias: arr(4),
      },
      { type: 'add', inputs: [4, 3] },
      { type: 'hardtanh', inputs: [5], min: -0.5, max: 0.8 },
      { type: 'avgpool', inputs: [6], kernel: [3, 3], stride: [2, 2], padding: [1, 1, 1, 1], countIncludePad: false },
      { type: 'maxpool', inputs: [7], kernel: [2, 2], stride: [1, 1], padding: [0, 0, 0, 0], dilation: [2, 2] },
      { type: 'leaky_relu', inputs: [8], alpha: 0.1 },
      { type: 'global_avgpool', inputs: [9] },
      { type: 'reshape', inputs: [10] },
      { type: 'dense', inputs: [11], inFeatures: 4, outFeatures: 3, weight: arr(12), bias: arr(3) },
    ];
    checkNetwork(buildNetwork([2, 7, 7], specs));
  });

  it('avgpool counting padded zeros, channel_affine on a vector, add(x, x) and an input read twice', () => {
    const specs: NodeSpec[] = [
      { type: 'avgpool', inputs: [0], kernel: [2, 2], stride: [1, 1], padding: [1, 1, 0, 0], countIncludePad: true },
      { type: 'reshape', inputs: [1], targetShape: [3, 9] },
      { type: 'reshape', inputs: [2] },
      { type: 'dense', inputs: [3], inFeatures: 27, outFeatures: 5, weight: arr(27 * 5), bias: arr(5) },
      { type: 'channel_affine', inputs: [4], scale: pos(5), shift: arr(5) },
      { type: 'add', inputs: [5, 5] },
      { type: 'relu', inputs: [6] },
      { type: 'dense', inputs: [7], inFeatures: 5, outFeatures: 5, weight: arr(25), bias: arr(5) },
      { type: 'add', inputs: [8, 4] },
      { type: 'dense', inputs: [9], inFeatures: 5, outFeatures: 2, weight: arr(10), bias: arr(2) },
    ];
    checkNetwork(buildNetwork([3, 3, 3], specs), 4, 3);
    // The input itself feeds two nodes (a residual from the input): its gradient is the sum.
    const vec: NodeSpec[] = [
      { type: 'dense', inputs: [0], inFeatures: 4, outFeatures: 4, weight: arr(16), bias: arr(4) },
      { type: 'hardtanh', inputs: [1], min: -1, max: 1 },
      { type: 'add', inputs: [2, 0] },
      { type: 'dense', inputs: [3], inFeatures: 4, outFeatures: 1, weight: arr(4), bias: arr(1) },
    ];
    checkNetwork(buildNetwork([4], vec), 5, 4);
  });

  it('res.onnx (residual adds, leaky ReLU) as loaded by the ONNX reader', () => {
    checkNetwork(fixture('res.onnx'), 3, 5);
  });

  it('bn_avgpool.onnx (conv with folded batch-norm, average pool) as loaded by the ONNX reader', () => {
    checkNetwork(fixture('bn_avgpool.onnx'), 2, 6, 7);
  });
});

describe('fine-tuning loaded networks', () => {
  it('lowers the loss of res.onnx on a regression task, and toNetwork writes the weights back', async () => {
    const net = fixture('res.onnx');
    const random = seededRandom(8);
    const n = 128;
    const x = Float32Array.from({ length: n * net.inputSize }, () => 2 * random() - 1);
    // Targets: the network's own outputs at a rotated input, so the task is learnable but not solved.
    const y = new Float32Array(n * net.outputSize);
    for (let s = 0; s < n; s++) {
      const xi = Array.from(x.subarray(s * net.inputSize, (s + 1) * net.inputSize));
      const out = forward(net, [...xi.slice(1), xi[0]!]);
      y.set(out, s * net.outputSize);
    }
    const data: Dataset = {
      name: 'rotated',
      task: 'regression',
      inputShape: net.inputShape,
      inputSize: net.inputSize,
      targetSize: net.outputSize,
      numClasses: 0,
      size: n,
      x,
      y,
    };
    const t = new TrainableNetwork(net);
    const before = evaluate(t, data, 'mse').loss;
    const res = await train(t, data, {
      loss: 'mse',
      optimizer: { type: 'adam', lr: 0.01 },
      epochs: 30,
      batchSize: 16,
      random,
      yieldEveryMs: -1,
    });
    expect(res.train.loss).toBeLessThan(0.5 * before);
    const tuned = t.toNetwork();
    expect(tuned.nodes.map((node) => node.type)).toEqual(net.nodes.map((node) => node.type));
    const out = t.forward(x, n).slice();
    for (let s = 0; s < 8; s++) {
      const exact = forward(tuned, x.subarray(s * net.inputSize, (s + 1) * net.inputSize));
      for (let j = 0; j < net.outputSize; j++) expect(Math.abs(out[s * net.outputSize + j]! - exact[j]!)).toBeLessThan(1e-5);
    }
  });

  it('trains batch-norm scale and shift of bn_avgpool.onnx (float32 agrees with float64)', () => {
    const net = fixture('bn_avgpool.onnx');
    const t64 = new TrainableNetwork(net, { dtype: 'float64' });
    const t32 = new TrainableNetwork(net, { dtype: 'float32' });
    t64.setParams(t32.params);
    const random = seededRandom(3);
    const batch = 4;
    const x = Float32Array.from({ length: batch * net.inputSize }, () => random() - 0.5);
    const target = Float64Array.from({ length: batch * net.outputSize }, () => random());
    for (const t of [t64, t32]) {
      const out = t.forward(x, batch);
      lossAndGradient('mse', out, batch, net.outputSize, target, t.outputGradient());
      t.backward(batch);
    }
    t64.grads.forEach((g, k) => {
      const g32 = t32.grads[k]!;
      let scale = 0;
      for (let i = 0; i < g.length; i++) scale = Math.max(scale, Math.abs(g[i]!));
      for (let i = 0; i < g.length; i++) expect(Math.abs(g32[i]! - g[i]!)).toBeLessThan(1e-4 * scale + 1e-7);
    });
  });
});
