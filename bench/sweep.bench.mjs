#!/usr/bin/env node
// Sweeps (docs/sweeps.md): throughput of a CPU-bound sweep with 1, 2 and 4 worker threads, embedded
// (worker-thread pool + directory store) and on BullMQ + Redis (a local redis-server on a free
// port, one `startWorker` with that many threads); the overhead per shard of each (near-empty
// shards); and the per-training cost of the Boolean sweep's tiny networks, projected to the full
// sweep on N machines like this one. Needs a build (`npm run build`) and /usr/bin/redis-server.
//
//   node bench/sweep.bench.mjs            # writes bench/results/sweep.md
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TrainableNetwork, seededRandom, train } from '../packages/core/dist/index.js';
import {
  DirStore,
  connect,
  enqueueSweep,
  loadSweep,
  runEmbedded,
  startWorker,
  sweepRef,
  waitForRun,
} from '../packages/sweep/dist/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ref = sweepRef(pathToFileURL(join(ROOT, 'packages/sweep/test/fixtures/sweeps.mjs')), 'spinSweep');
const def = await loadSweep(ref);
const SHARDS = 48;
const WORK = 15_000_000; // xorshift rounds per shard ("useful work")
const TINY = 400; // near-empty shards for the overhead
const tmp = mkdtempSync(join(tmpdir(), 'polytope-sweep-bench-'));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function redisServer() {
  const port = await freePort();
  const p = spawn('/usr/bin/redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    tmp,
  ]);
  await new Promise((resolve) => p.stdout.on('data', (b) => b.toString().includes('Ready to accept') && resolve()));
  return { url: `redis://127.0.0.1:${port}`, stop: () => p.kill('SIGTERM') };
}

let fresh = 0;
async function embedded(options, threads) {
  const store = new DirStore(join(tmp, `e${fresh++}`), def.name);
  const t0 = performance.now();
  await runEmbedded({ ref, options, store, threads });
  return (performance.now() - t0) / 1000;
}

async function queued(url, options, threads) {
  const redis = connect(url);
  await redis.flushall();
  const worker = await startWorker({ url, registry: { [def.name]: ref }, threads });
  const t0 = performance.now();
  const run = await enqueueSweep({ redis, def, options });
  await waitForRun(redis, run.id, { pollMs: 10 });
  const s = (performance.now() - t0) / 1000;
  await worker.close();
  redis.disconnect();
  return s;
}

const server = await redisServer();
const lines = [];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
lines.push(`Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}.`, '');
lines.push(
  `CPU-bound sweep: ${SHARDS} shards of ${WORK.toLocaleString('en-US')} xorshift rounds (fixture \`test-spin\`), wall time including thread start-up.`,
  '',
);
lines.push(
  '| workers (threads) | embedded s | embedded shards/s | embedded Mrounds/s | queue s | queue shards/s | queue Mrounds/s |',
  '|---:|---:|---:|---:|---:|---:|---:|',
);
for (const threads of [1, 2, 4]) {
  const options = { n: SHARDS, work: WORK + threads }; // distinct options: no reuse between rows
  const e = await embedded(options, threads);
  const q = await queued(server.url, options, threads);
  const row = (s) => [s.toFixed(2), (SHARDS / s).toFixed(1), ((SHARDS * WORK) / s / 1e6).toFixed(0)];
  lines.push(`| ${threads} | ${row(e).join(' | ')} | ${row(q).join(' | ')} |`);
}
const te = await embedded({ n: TINY, work: 1 }, 2);
const tq = await queued(server.url, { n: TINY, work: 1 }, 2);
lines.push(
  '',
  `Overhead per shard (${TINY} near-empty shards, 2 threads): embedded ${((1000 * te) / TINY).toFixed(2)} ms, queue ${((1000 * tq) / TINY).toFixed(2)} ms (${(tq / te).toFixed(1)}× the embedded pool).`,
  '',
);
server.stop();

// Per-training cost of the Boolean sweep: a 4-input width-w depth-d ReLU net, Adam, full batch of the 16 inputs.
const EPOCHS = 400;
const x = new Float64Array(64);
const y = new Float32Array(16);
for (let i = 0; i < 16; i++) {
  for (let b = 0; b < 4; b++) x[4 * i + b] = (i >> b) & 1;
  y[i] = ((i ^ (i >> 1) ^ (i >> 2) ^ (i >> 3)) & 1) === 1 ? 1 : 0; // parity: hard, so no early success
}
const data = { name: 'parity4', task: 'binary', inputShape: [4], inputSize: 4, targetSize: 1, numClasses: 2, size: 16, x, y };
const costs = [];
/** A 4→w×d→1 ReLU network (float64, seeded). */
function tinyNet(w, d) {
  const layers = [];
  for (let k = 0; k < d; k++) layers.push({ type: 'dense', outFeatures: w }, { type: 'relu' });
  layers.push({ type: 'dense', outFeatures: 1 });
  return new TrainableNetwork([4], layers, { random: seededRandom(1), dtype: 'float64' });
}
const fit = (tn, epochs) =>
  train(tn, data, { loss: 'bce', optimizer: { type: 'adam', lr: 0.01 }, epochs, batchSize: 16, random: seededRandom(2), yieldEveryMs: -1 });
await fit(tinyNet(6, 3), EPOCHS); // warm-up (JIT)
lines.push(
  `Per-training cost (after a warm-up training; ${EPOCHS} epochs of Adam lr 0.01, full batch of 16, BCE, 1 thread), scaled to 4,000 epochs:`,
  '',
);
lines.push('| width | depth | ms per 4,000 epochs |', '|---:|---:|---:|');
for (const w of [2, 6, 10]) {
  for (const d of [1, 3, 5]) {
    const tn = tinyNet(w, d);
    const t0 = performance.now();
    await fit(tn, EPOCHS);
    const ms = ((performance.now() - t0) * 4000) / EPOCHS;
    costs.push(ms);
    lines.push(`| ${w} | ${d} | ${ms.toFixed(0)} |`);
  }
}
const meanMs = costs.reduce((a, b) => a + b, 0) / costs.length;
const TRAININGS = 222 * 9 * 5 * 2 * 100;
const cores = availableParallelism();
lines.push(
  '',
  `Projection of the full Boolean sweep: 222 NPN classes × 9 widths (2..10) × 5 depths (1..5) × 2 activations × 100 trials = ${TRAININGS.toLocaleString('en-US')} trainings, each assumed to run all 4,000 epochs at the mean cost above (${meanMs.toFixed(0)} ms; an upper bound: trainings that succeed stop early), one training per core, ${cores} cores per machine, perfect scaling (queue overhead is negligible next to shards of this size):`,
  '',
);
lines.push('| machines | wall time |', '|---:|---:|');
for (const n of [1, 10, 100, 1000]) {
  const hours = (TRAININGS * meanMs) / 1000 / 3600 / (cores * n);
  lines.push(
    `| ${n} | ${hours >= 48 ? `${(hours / 24).toFixed(1)} days` : hours >= 1 ? `${hours.toFixed(1)} h` : `${Math.round(hours * 60)} min`} |`,
  );
}
rmSync(tmp, { recursive: true, force: true });
const md = lines.join('\n') + '\n';
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/sweep.md'), md);
process.stdout.write(md);
process.exit(0);
