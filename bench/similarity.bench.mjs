// `networkSimilarity` (polytope similarity, §7.3) on random coefficient sets of a given size: the
// whole call (affine-mapped accuracy, scaled MSE, CKA, softmax CE), and in the same run the
// explicit least-squares path it replaced (M_j = (XᵀX + λI)⁻¹XᵀY formed by `leastSquaresSource` +
// `leastSquaresMap`, then X̃ M_j), timed for one output and one (source, target) pair and multiplied
// by outputs × ordered pairs. Not a test. Build first (`npm run build`), then:
//
//   node bench/similarity.bench.mjs [--d 784] [--fit 200] [--test 100] [--nets 2] [--outputs 10] [--explicit 1]
//
// Memory: the peak resident set (sampled) and the kernel's WebAssembly memory.
import { loadavg, cpus } from 'node:os';
import { setInterval, clearInterval } from 'node:timers';
import * as core from '../packages/core/dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const d = Number(arg('--d', '784'));
const fit = Number(arg('--fit', '200'));
const test = Number(arg('--test', '100'));
const nets = Number(arg('--nets', '2'));
const o = Number(arg('--outputs', '10'));
const explicit = arg('--explicit', '1') === '1';

const rand = core.mulberry32(1);
const set = (n) => {
  const jacobians = Float64Array.from({ length: n * o * d }, () => core.gaussian(rand));
  const offsets = Float64Array.from({ length: n * o }, () => core.gaussian(rand));
  return { samples: n, outputs: o, inputs: d, jacobians, offsets };
};
const inputs = nets === 0 ? [] : Array.from({ length: nets }, () => ({ fit: set(fit), test: set(test) }));
const xs = Float64Array.from({ length: test * d }, () => rand());
const labels = Int32Array.from({ length: test }, (_, i) => i % o);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const t0 = performance.now();
core.networkSimilarity(inputs, xs, labels);
const ours = (performance.now() - t0) / 1000;
peakRss = Math.max(peakRss, process.memoryUsage().rss);

let explicitSeconds = null;
if (explicit) {
  // One output, one ordered pair: factor the source, form M (m × m), map the test rows.
  const m = d + 1;
  const t1 = performance.now();
  const src = core.leastSquaresSource(core.coefficientMatrix(inputs[0].fit, 0), fit, m);
  const mm = core.leastSquaresMap(src, core.coefficientMatrix(inputs[1].fit, 0), m);
  const xt = core.coefficientMatrix(inputs[0].test, 0);
  const out = new Float64Array(test * m);
  for (let i = 0; i < test; i++)
    for (let k = 0; k < m; k++) {
      const v = xt[i * m + k];
      for (let c = 0; c < m; c++) out[i * m + c] += v * mm[k * m + c];
    }
  explicitSeconds = ((performance.now() - t1) / 1000) * o * nets * (nets - 1);
}
clearInterval(sampler);
console.log(
  JSON.stringify(
    {
      d,
      fit,
      test,
      nets,
      outputs: o,
      cpu: cpus()[0]?.model,
      date: new Date().toISOString(),
      loadavg_1m: loadavg()[0],
      ours_seconds: ours,
      explicit_least_squares_seconds_projected: explicitSeconds,
      speedup: explicitSeconds ? explicitSeconds / ours : null,
      peak_rss_mb: Math.round(peakRss / 2 ** 20),
    },
    null,
    1,
  ),
);
