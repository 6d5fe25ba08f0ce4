// `polytope coefficients` against PyTorch CPU on the same weights, in the same run: samples/s of
// exact per-sample Jacobians + offsets of MNIST test images, and our shards checked against
// PyTorch's float64 Jacobians of the first samples. Not a test. Build first (`npm run build`), set
// up the peer venv (bench/peer/README.md), then:
//
//   node bench/coefficients.bench.mjs --model runs/mnist-dense/model.onnx --rows 2000 [--rounds 3] [--threads 2]
//
// Each round runs ours (the CLI command, in-process, writing shards to a temporary folder: the
// timing includes reading MNIST, the batched forward, the reverse passes and writing the .npy
// shards), ours again without writing (the same batches on the same worker pool after warm-up
// batches, their inputs read as floats before the timer starts, results dropped: what the peer
// times) and then the peer (bench/peer/coefficients_peer.py: vmap(jacrev) and batched autograd,
// float64 and float32; only the Jacobian + offset computation is timed). Medians over rounds. Rates
// are given per wall second and per CPU-second (all threads of each process), since the machine is shared.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import * as core from '../packages/core/dist/index.js';
import { loadModel } from '../packages/cli/dist/model.js';
import { mnistDefaultPath } from '../packages/cli/dist/inputs.js';
import { autoBatch, sampleSource, writeCoefficients } from '../packages/cli/dist/commands/coefficients.js';
import { CoefficientsPool } from '../packages/cli/dist/parallel/coefficients-pool.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const modelPath = arg('--model');
if (!modelPath) throw new Error('give --model MODEL (.onnx or .json)');
const rows = Number(arg('--rows', '2000'));
const rounds = Number(arg('--rounds', '3'));
const threads = Number(arg('--threads', '2'));
const python = arg('--python', '.peer/venv/bin/python');
const check = Number(arg('--check', '20'));
// The CLI's default batch (`--batch auto`) for 1000-row shards.
const batch = Number(arg('--batch', String(autoBatch(1000, threads))));

const net = loadModel(modelPath);
const dir = mkdtempSync(join(tmpdir(), 'coeffs-bench-'));
const netJson = join(dir, 'network.json');
// The peer gets our reading of the same file (ONNX float32 weights widened to float64).
writeFileSync(netJson, JSON.stringify(core.writeNetworkJson(net)));
const images = mnistDefaultPath('test', 'images');
// process.cpuUsage covers the whole process: the main thread and the worker threads.
const cpuSeconds = (u) => (u.user + u.system) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ours = [];
const oursCompute = [];
const oursCpu = [];
const oursComputeCpu = [];
// Ours without the shards: the same batches on the same pool, results dropped (what the peer times).
async function computeOnly() {
  const d = net.inputSize;
  const source = sampleSource({ idx: 'mnist', rows: `0-${rows - 1}` }, d);
  const pool = new CoefficientsPool(net, threads);
  // At most two batches per thread in flight; each result is dropped when it arrives (the peer
  // keeps nothing either), so memory stays at a few batches instead of every Jacobian, and its
  // buffers are given back to the pool for reuse (as the command does after writing a shard).
  async function pass(n, inputs) {
    const inflight = [];
    for (let k = 0; k < n; k += batch) {
      const count = Math.min(batch, n - k);
      inflight.push(pool.run(inputs ? inputs[k / batch] : fill(k, count), count).then((r) => pool.recycle(r)));
      if (inflight.length >= 2 * threads) await inflight.shift();
    }
    await Promise.all(inflight);
  }
  // Warm-up before timing: twice as many batches as are in flight at once, so that every thread's
  // output and input buffers exist (a fresh 31 MB buffer costs a page fault per 4 KB on its first
  // write; the peer's allocator, likewise, reuses its buffers after its warm-up batch). The whole
  // command, timed above, includes its start-up and those first writes.
  // (as the command does: an input buffer handed back by an earlier batch)
  function fill(k, count) {
    const xs = pool.inputs(count);
    for (let i = 0; i < count; i++) source.fill(k + i, xs, i * d);
    return xs;
  }
  await pass(Math.min(rows, 4 * threads * batch));
  // The timed pass's inputs are read as floats before the timer starts, as the peer's are (reading
  // them from the IDX bytes is the command's work, timed above).
  const inputs = [];
  for (let k = 0; k < rows; k += batch) {
    const count = Math.min(batch, rows - k);
    const xs = new Float64Array(count * d);
    for (let i = 0; i < count; i++) source.fill(k + i, xs, i * d);
    inputs.push(xs);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await pass(rows, inputs);
  const rate = rows / ((performance.now() - t0) / 1000);
  const cpuRate = rows / cpuSeconds(process.cpuUsage(c0));
  await pool.close();
  return [rate, cpuRate];
}
const peer = {};
const peerCpu = {};
let maxDiff = 0;
for (let r = 0; r < rounds; r++) {
  const out = join(dir, `out-${r}`);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const source = sampleSource({ idx: 'mnist', rows: `0-${rows - 1}` }, net.inputSize);
  await writeCoefficients(net, source, { out, shardRows: 1000, batch, threads });
  ours.push(rows / ((performance.now() - t0) / 1000));
  oursCpu.push(rows / cpuSeconds(process.cpuUsage(c0)));
  const [rate, cpuRate] = await computeOnly();
  oursCompute.push(rate);
  oursComputeCpu.push(cpuRate);
  const peerOut = JSON.parse(
    execFileSync(
      python,
      [
        'bench/peer/coefficients_peer.py',
        netJson,
        images,
        '--rows',
        String(rows),
        '--threads',
        String(threads),
        '--save-first',
        String(check),
        '--save-dir',
        join(dir, 'peer'),
      ],
      {
        encoding: 'utf8',
      },
    ),
  );
  for (const res of peerOut.results) {
    (peer[`${res.method} ${res.dtype}`] ??= []).push(res.samples_per_second);
    (peerCpu[`${res.method} ${res.dtype}`] ??= []).push(res.samples_per_cpu_second);
  }
  if (r === 0) {
    // Our shard 0 against PyTorch's float64 Jacobians and offsets of the first samples.
    const jac = core.readNpy(readFileSync(join(out, 'jacobians-00000.npy')));
    const off = core.readNpy(readFileSync(join(out, 'offsets-00000.npy')));
    const pj = core.readNpy(readFileSync(join(dir, 'peer', 'jacobians.npy')));
    const po = core.readNpy(readFileSync(join(dir, 'peer', 'offsets.npy')));
    for (let i = 0; i < pj.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pj.data[i] - jac.data[i]));
    for (let i = 0; i < po.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(po.data[i] - off.data[i]));
  }
  rmSync(out, { recursive: true, force: true });
}
const best = Object.entries(peer).map(([k, v]) => [k, median(v)]);
const bestCpu = Object.entries(peerCpu).map(([k, v]) => [k, median(v)]);
const top = (list, dtype) => Math.max(...list.filter(([k]) => k.endsWith(dtype)).map(([, v]) => v));
const f64 = Math.max(...best.filter(([k]) => k.endsWith('float64')).map(([, v]) => v));
const f32 = Math.max(...best.filter(([k]) => k.endsWith('float32')).map(([, v]) => v));
const result = {
  model: modelPath,
  rows,
  rounds,
  threads,
  batch,
  cpu: cpus()[0]?.model,
  date: new Date().toISOString(),
  loadavg_1m: loadavg()[0],
  ours_samples_per_second: median(ours),
  ours_compute_only_samples_per_second: median(oursCompute),
  peer_samples_per_second: Object.fromEntries(best),
  ratio_vs_best_float64: median(ours) / f64,
  ratio_vs_best_float32: median(ours) / f32,
  compute_only_ratio_vs_best_float64: median(oursCompute) / f64,
  compute_only_ratio_vs_best_float32: median(oursCompute) / f32,
  ours_samples_per_cpu_second: median(oursCpu),
  ours_compute_only_samples_per_cpu_second: median(oursComputeCpu),
  peer_samples_per_cpu_second: Object.fromEntries(bestCpu),
  per_cpu_second_ratio_vs_best_float64: median(oursCpu) / top(bestCpu, 'float64'),
  compute_only_per_cpu_second_ratio_vs_best_float64: median(oursComputeCpu) / top(bestCpu, 'float64'),
  compute_only_per_cpu_second_ratio_vs_best_float32: median(oursComputeCpu) / top(bestCpu, 'float32'),
  max_abs_diff_vs_pytorch_float64_first_samples: maxDiff,
};
console.log(JSON.stringify(result, null, 1));
rmSync(dir, { recursive: true, force: true });
