// Batched tiny-MLP training throughput: polytope-lens's `trainBatched` against PyTorch CPU doing the
// same batched work (torch.baddbmm over a stack of networks, leaky ReLU, BCE with logits, Adam) in
// the same run. Not a test. Build first (`npx tsc -b packages/core`), then:
//
//   node bench/batched-train.bench.mjs            # ~2 min
//   node bench/batched-train.bench.mjs --quick    # fewer epochs
//   node bench/batched-train.bench.mjs --python PATH   # the peer's Python (default: .peer/venv, else Debian's)
//   node bench/batched-train.bench.mjs --precision f32 # ours in float32 only (f64 only; default both)
//   node bench/batched-train.bench.mjs --shapes 10x3x1000,3x1x1000   # a subset of the shapes
//
// Workload: 4-parity on {−1,1}⁴ (16 samples, full batch), He-normal, leak 0.1, Adam lr 0.025, no
// early exit on either side (network-epochs/s = networks × epochs / seconds). Shapes are
// width × depth × networks per call; the sweep's shards use 100 networks (one cell's trials).
// Single thread: ours on the main thread, torch.set_num_threads(1). All threads: ours runs one
// batch per core on worker_threads (as the sweep runner does, independent cells in parallel);
// torch gets every core and one stack of cores × N networks. Ours runs in float64 (`precision:
// 'f64'`, the default) and float32 (`'f32'`, f32x4 kernels), torch in float32 (its default) and
// float64; each precision is compared with the same one. Writes bench/results/batched-train.md.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as core from '../packages/core/dist/index.js';

const quick = process.argv.includes('--quick');
const single = process.argv.includes('--single'); // skip the all-cores comparison
const EPOCHS = quick ? 20 : 60;
const ROUNDS = 2;
const argOf = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ALL_SHAPES = [
  [3, 1, 100],
  [10, 1, 100],
  [5, 2, 100],
  [10, 3, 100],
  [3, 1, 1000],
  [10, 3, 1000],
];
const SHAPES =
  argOf('--shapes')
    ?.split(',')
    .map((s) => s.split('x').map(Number)) ?? ALL_SHAPES;
const PRECISIONS = { f32: ['f32'], f64: ['f64'], both: ['f64', 'f32'] }[argOf('--precision') ?? 'both'];
if (!PRECISIONS) throw new Error(`--precision must be f32, f64 or both, got ${argOf('--precision')}`);
const TORCH_DTYPE = { f64: 'float64', f32: 'float32' };
const CORES = cpus().length;
const peerPython =
  argOf('--python') ?? (existsSync('/work/main/.peer/venv/bin/python') ? '/work/main/.peer/venv/bin/python' : '/usr/bin/python3');
const peerScript = fileURLToPath(new URL('./peer/batched_train_peer.py', import.meta.url));
const data = core.booleanTrainingData(27030, 4);

// Warm-up epochs before timing: the WebAssembly kernels start in V8's baseline tier and are
// recompiled optimized in the background after some use (about 100 epochs on this machine).
const WARMUP = 100;

function ours(w, d, n, epochs, kernels = 'auto', precision = 'f64') {
  const mlp = new core.BatchedMlp({ inputs: 4, width: w, depth: d, alpha: 0.1 }, n);
  mlp.initialize('he-normal', (k) => core.seededRandom(k));
  core.trainBatched(mlp, data, { lr: 0.025, epochs: kernels === 'js' ? 3 : WARMUP, earlyExit: false, kernels, precision });
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    core.trainBatched(mlp, data, { lr: 0.025, epochs, earlyExit: false, kernels, precision });
    const u = process.cpuUsage(c);
    best = Math.min(best, (performance.now() - t) / 1000);
    bestCpu = Math.min(bestCpu, (u.user + u.system) / 1e6);
  }
  return [(n * epochs) / best, (n * epochs) / bestCpu];
}

const workerSource = `
import { parentPort, workerData } from 'node:worker_threads';
const core = await import(workerData.dist);
const { w, d, n, epochs, precision } = workerData;
const data = core.booleanTrainingData(27030, 4);
const mlp = new core.BatchedMlp({ inputs: 4, width: w, depth: d, alpha: 0.1 }, n);
mlp.initialize('he-normal', (k) => core.seededRandom(k));
core.trainBatched(mlp, data, { lr: 0.025, epochs: 100, earlyExit: false, precision });
parentPort.postMessage('ready');
parentPort.once('message', () => {
  core.trainBatched(mlp, data, { lr: 0.025, epochs, earlyExit: false, precision });
  parentPort.postMessage('done');
});`;

async function oursAllCores(w, d, n, epochs, precision) {
  const dist = new URL('../packages/core/dist/index.js', import.meta.url).href;
  const workers = Array.from(
    { length: CORES },
    () =>
      new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerSource)}`), { workerData: { dist, w, d, n, epochs, precision } }),
  );
  await Promise.all(workers.map((wk) => new Promise((res) => wk.once('message', res))));
  const t = performance.now();
  const done = workers.map((wk) => new Promise((res) => wk.once('message', res)));
  for (const wk of workers) wk.postMessage('go');
  await Promise.all(done);
  const s = (performance.now() - t) / 1000;
  await Promise.all(workers.map((wk) => wk.terminate()));
  return (CORES * n * epochs) / s;
}

function torch(threads, dtype, shapes) {
  const spec = shapes.map(([w, d, n]) => `${w}x${d}x${n}`).join(',');
  const out = execFileSync(
    peerPython,
    [peerScript, '--threads', String(threads), '--dtype', dtype, '--epochs', String(EPOCHS), '--shapes', spec],
    { encoding: 'utf8' },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const best = new Map();
const keep = (key, v) => best.set(key, Math.max(best.get(key) ?? 0, v));
let torchVersion = '';
for (let round = 0; round < ROUNDS; round++) {
  for (const [w, d, n] of SHAPES) {
    for (const p of PRECISIONS) {
      const [wall, cpu] = ours(w, d, n, EPOCHS, 'auto', p);
      keep(`ours1 ${p} ${w}x${d}x${n}`, wall);
      keep(`ours1cpu ${p} ${w}x${d}x${n}`, cpu);
    }
    if (PRECISIONS.includes('f64')) keep(`oursJScpu ${w}x${d}x${n}`, ours(w, d, n, EPOCHS, 'js')[1]);
  }
  for (const dtype of PRECISIONS.map((p) => TORCH_DTYPE[p])) {
    for (const r of torch(1, dtype, SHAPES)) {
      torchVersion = r.torch;
      keep(`torch1 ${dtype} ${r.width}x${r.depth}x${r.networks}`, r.network_epochs_per_s);
      keep(`torch1cpu ${dtype} ${r.width}x${r.depth}x${r.networks}`, r.network_epochs_per_cpu_s);
    }
  }
  if (single) continue;
  for (const p of PRECISIONS) {
    for (const [w, d, n] of SHAPES) keep(`oursN ${p} ${w}x${d}x${n}`, await oursAllCores(w, d, n, EPOCHS, p));
    for (const r of torch(
      CORES,
      TORCH_DTYPE[p],
      SHAPES.map(([w, d, n]) => [w, d, n * CORES]),
    )) {
      keep(`torchN ${p} ${r.width}x${r.depth}x${r.networks / CORES}`, r.network_epochs_per_s);
    }
  }
}

const fmt = (v) => v.toExponential(2);
const ratio = (a, b) => (a === undefined || b === undefined ? '–' : (a / b).toFixed(2));
const show = (v) => (v === undefined ? '–' : fmt(v));
const head = (cols) => [`| width×depth×N | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
/** Per precision: ours, torch in the same precision, the ratio (keys `${prefix}ours …`, `${prefix}torch …`). */
const triple = (k, ours, torch) => PRECISIONS.flatMap((p) => [best.get(`${ours} ${p} ${k}`), best.get(`${torch} ${TORCH_DTYPE[p]} ${k}`)]);
const tripleCols = (what) => PRECISIONS.flatMap((p) => [`ours ${p} ${what}`, `torch ${TORCH_DTYPE[p]} ${what}`, 'ratio']);
const tripleCells = (vals) => vals.flatMap((v, i) => (i % 2 === 0 ? [show(v)] : [show(v), ratio(vals[i - 1], v)]));
const lines = [
  `# Batched tiny-MLP training: polytope-lens vs PyTorch CPU`,
  '',
  `${new Date().toISOString()} · ${cpus()[0].model} · ${CORES} cores · load average ${loadavg()
    .map((v) => v.toFixed(1))
    .join(' ')} · Node ${process.version} · torch ${torchVersion} (${peerPython}) · ${EPOCHS} epochs, best of ${ROUNDS} rounds`,
  '',
  'Network-epochs per second, wall clock (4-parity, 16 samples, leak 0.1, Adam, no early exit). Ratio = ours / torch in the same precision.',
  '',
  ...head([...tripleCols('1 thr'), ...(single ? [] : tripleCols('all cores'))]),
];
const cpuLines = [
  '',
  'Per CPU-second (each side divided by its own process CPU time; robust to other processes time-sharing the cores):',
  '',
  ...head([...tripleCols('1 thr'), ...(PRECISIONS.includes('f64') ? ['ours f64, JS kernels', 'WASM / JS'] : [])]),
];
for (const [w, d, n] of SHAPES) {
  const k = `${w}x${d}x${n}`;
  const allCores = PRECISIONS.flatMap((p) => [best.get(`oursN ${p} ${k}`), best.get(`torchN ${p} ${k}`)]);
  lines.push(`| ${k} | ${[...tripleCells(triple(k, 'ours1', 'torch1')), ...(single ? [] : tripleCells(allCores))].join(' | ')} |`);
  const cj = best.get(`oursJScpu ${k}`);
  const c64 = best.get(`ours1cpu f64 ${k}`);
  cpuLines.push(
    `| ${k} | ${[...tripleCells(triple(k, 'ours1cpu', 'torch1cpu')), ...(PRECISIONS.includes('f64') ? [show(cj), ratio(c64, cj)] : [])].join(' | ')} |`,
  );
}
const text = [...lines, ...cpuLines].join('\n') + '\n';
writeFileSync(new URL('./results/batched-train.md', import.meta.url), text);
console.log(text);
