// The exact region walk (packages/core/src/polytopes/walk.ts) in high dimension: regions/s, LPs
// per region and how the rows were decided, with the LP-free certificates (default) and, with
// --reference, against the LP-only reference on the same walks (results must be identical).
// Not a test. Build first (`npx tsc -b packages/core packages/cli`), then:
//
//   node bench/walk.bench.mjs                                   # random nets, d = 50 / 200 / 784
//   node bench/walk.bench.mjs --model /tmp/mnist-dense-adamw/model.json   # + trained MNIST net,
//                                          # walks from test rows 0 and 1 (10 and 30 regions, r = 0.02 ball)
//   node bench/walk.bench.mjs --reference  # also run the LP-only reference and compare (slow at d = 784)
import { cpus } from 'node:os';
import * as core from '../packages/core/dist/index.js';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const reference = process.argv.includes('--reference');
const modelPath = arg('--model');

const cases = [];
for (const [d, n] of [
  [50, 10],
  [200, 5],
  [784, 3],
]) {
  cases.push({
    name: `random ${d}→128→10, [0,1]^${d}`,
    net: () => core.randomMlp([d, 128, 10], { seed: 3 }),
    x: () => new Float64Array(d).fill(0.3),
    options: { maxRegions: n, domain: [0, 1] },
  });
}
if (modelPath) {
  const { loadModel, readInputSource } = await import('../packages/cli/dist/model.js');
  const net = loadModel(modelPath);
  const row = (i) => readInputSource({ idx: 'mnist', rows: String(i) }, net.inputSize)[0];
  cases.push({ name: 'MNIST dense-128, test row 0', net: () => net, x: () => row(0), options: { maxRegions: 10, domain: [0, 1] } });
  cases.push({ name: 'MNIST dense-128, test row 0', net: () => net, x: () => row(0), options: { maxRegions: 30, domain: [0, 1] } });
  cases.push({ name: 'MNIST dense-128, test row 1', net: () => net, x: () => row(1), options: { maxRegions: 30, domain: [0, 1] } });
  cases.push({
    name: 'MNIST dense-128, test row 0, L∞ ball r = 0.02',
    net: () => net,
    x: () => row(0),
    options: { maxRegions: 20, domain: [0, 1], radius: 0.02 },
  });
}

const summary = (w) =>
  JSON.stringify({
    complete: w.complete,
    edges: w.edges,
    regions: w.regions.map((r) => [r.code.join(','), r.depth, Array.from(r.facetUnits), Array.from(r.neighbours)]),
  });

console.log(`# walk bench — node ${process.version}, ${cpus()[0]?.model ?? '?'} ×${cpus().length}\n`);
console.log(
  '| walk | regions | s | regions/s | LPs/region | facets: entry / rays / LP | not facets: box / LP | affine steps | Newton steps |' +
    (reference ? ' reference s | reference regions/s | identical |' : ''),
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|' + (reference ? '---:|---:|---|' : ''));
for (const c of cases) {
  const net = c.net();
  const x = c.x();
  const w = await core.walkRegions(net, x, c.options);
  const k = w.certificates;
  const n = w.regions.length;
  let line = `| ${c.name}, ${c.options.maxRegions} regions | ${n} | ${w.seconds.toFixed(2)} | ${(n / w.seconds).toFixed(2)} | ${(w.lps / n).toFixed(1)} | ${k.entryFacets} / ${k.rayFacets} / ${k.lpFacets} | ${k.boxRedundant} / ${k.lpRedundant} | ${k.affineSteps} | ${k.newtonSteps} |`;
  if (reference) {
    const ref = await core.walkRegions(net, x, { ...c.options, fastPaths: false });
    line += ` ${ref.seconds.toFixed(1)} | ${(ref.regions.length / ref.seconds).toFixed(3)} | ${summary(ref) === summary(w) ? 'yes' : '**no**'} |`;
  }
  console.log(line);
}
