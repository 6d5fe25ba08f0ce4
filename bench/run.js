#!/usr/bin/env node
// Benchmarks for the exact 2-D partition, ours against the edge-subdivision peer in the same run.
//
//   npm run bench                     # all benchmarks; Markdown table to stdout and bench/results/latest.md
//   npm run bench -- --only mlp       # only the MLP table (skip the CNN and memory runs)
//   npm run bench -- --only line      # only the ResNet-18 line against its PyTorch peer (bench/line.bench.mjs, not in the default run: about 15 minutes)
//
// The peer (PyTorch) runs only when .peer/venv and its source exist (see bench/peer/README.md).
// Every figure is the median of --repeat timed runs after one warm-up, partition time only
// (no loading or writing), regions/second = regions / median seconds.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/cli/bin/polytope.js');
const NETS = join(ROOT, 'bench/networks');
const PEER_PY = join(ROOT, '.peer/venv/bin/python');
const PEER = join(ROOT, 'bench/peer/edge_subdivision_peer.py');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 5;

function net(widths, init, seed) {
  const name = `${widths[0]}-${widths[1]}x${widths.length - 2}-${widths.at(-1)}-${init}-s${seed}.json`;
  const file = join(NETS, name);
  if (!existsSync(file)) {
    execFileSync(process.execPath, [
      join(ROOT, 'bench/make-mlp.mjs'),
      '--widths',
      widths.join(','),
      '--init',
      init,
      '--seed',
      String(seed),
      '--out',
      file,
    ]);
  }
  return { name, file };
}

function ours(file, threads, engine = 'general') {
  const out = execFileSync(
    process.execPath,
    [BIN, 'bench', file, '--repeat', String(repeat), '--threads', String(threads), '--engine', engine],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1));
}

function peer(file, dtype, big) {
  if (!existsSync(PEER_PY) || !existsSync(join(ROOT, '.peer/relu_edge_subdivision'))) return null;
  // The peer needs minutes per run on the 256-wide networks: one untimed-warm-up-free run there.
  const reps = big ? ['--warmup', '0', '--repeat', '1'] : ['--repeat', String(repeat)];
  const r = spawnSync(PEER_PY, [PEER, file, '--dtype', dtype, ...reps], { encoding: 'utf8', timeout: 1800_000 });
  if (r.status !== 0) return { error: (r.stdout + r.stderr).trim().split('\n').at(-1).slice(0, 80) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
const lines = [];
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
lines.push(`Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}.`, '');

if (!only || only === 'mlp') {
  lines.push(
    '| network (box [-1,1]²) | regions | ours, 1 thread | ours, 2 threads | ours, 2-D MLP slicer (1 thread) | peer, float64 | peer, float32 (as shipped) | ours (best) / peer (float64) | ours (best) / peer (float32) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const peerCell = (p, regions) =>
    p === null
      ? 'not run'
      : p.error
        ? `fails: ${p.error}`
        : `${fmt(p.regions_per_second)}${p.regions !== regions ? ` (counts ${p.regions.toLocaleString('en-US')}: wrong)` : ''}`;
  const ratio = (best, p, regions) => (p && !p.error && p.regions === regions ? (best / p.regions_per_second).toFixed(1) + '×' : '–');
  for (const [widths, init, dtypes] of [
    [[2, 64, 64, 64, 1], 'torch', ['float64', 'float32']],
    [[2, 128, 128, 128, 1], 'torch', ['float64', 'float32']],
    [[2, 256, 256, 256, 256, 1], 'torch', ['float32']],
    [[2, 256, 256, 256, 256, 1], 'he', ['float32']],
  ]) {
    const { name, file } = net(widths, init, 1);
    const big = widths[1] >= 256;
    const o1 = ours(file, 1);
    const o2 = ours(file, 2);
    const om = ours(file, 1, 'mlp');
    if (om.regions !== o1.regions) throw new Error(`the MLP slicer found ${om.regions} regions, the general engine ${o1.regions}`);
    const best = Math.max(o1.regions_per_second, o2.regions_per_second, om.regions_per_second);
    const p64 = dtypes.includes('float64') ? peer(file, 'float64', big) : null;
    const p32 = dtypes.includes('float32') ? peer(file, 'float32', big) : null;
    lines.push(
      `| ${name.replace('.json', '')} | ${o1.regions.toLocaleString('en-US')} | ${fmt(o1.regions_per_second)} | ${fmt(o2.regions_per_second)} | ${fmt(om.regions_per_second)} | ${peerCell(p64, o1.regions)} | ${peerCell(p32, o1.regions)} | ${ratio(best, p64, o1.regions)} | ${ratio(best, p32, o1.regions)} |`,
    );
    process.stderr.write(lines.at(-1) + '\n');
  }
  lines.push(
    '',
    'Regions/second, median of ' +
      repeat +
      ' runs after a warm-up (peer on 256-wide nets: one run, no warm-up). Peer: edge subdivision (Berzins 2023), PyTorch CPU, 2 threads, float64 unless noted; region counts checked against ours.',
    '',
  );
}

if (only === 'line') {
  // The ResNet-18 line (and slice) with its peer: its own script and results file.
  execFileSync(process.execPath, [join(ROOT, 'bench/line.bench.mjs'), '--reference'], { stdio: ['ignore', 'ignore', 'inherit'] });
  lines.push(readFileSync(join(ROOT, 'bench/results/line-resnet18.md'), 'utf8'));
}

if (!only || only === 'cnn') {
  // cnn28.onnx through MNIST test images 3, 10, 13 (A, B, C).
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  lines.push(
    '| CNN slice (cnn28.onnx, plane through MNIST test images 3, 10, 13) | box (slice coordinates) | regions | seconds (2 threads) | regions/s |',
  );
  lines.push('|---|---|---:|---:|---:|');
  for (const box of ['0,1,0,1', '0,3,0,3']) {
    const out = join(dir, 'cnn28-slice.json.tmp-out');
    execFileSync(process.execPath, [
      BIN,
      'slice',
      join(ROOT, '../shared/fixtures/onnx/cnn28.onnx'),
      '--idx',
      'mnist',
      '--rows',
      '3,10,13',
      '--box',
      box,
      '--threads',
      '2',
      '--no-figure',
      '--quiet',
      '--json',
      out,
    ]);
    const s = JSON.parse(readFileSync(out, 'utf8')).summary;
    lines.push(
      `| plane through A, B, C | [${box}] | ${s.regions.toLocaleString('en-US')} | ${s.seconds.toFixed(2)} | ${fmt(s.regions / s.seconds)} |`,
    );
    process.stderr.write(lines.at(-1) + '\n');
  }
  lines.push('');
}

if (!only || only === 'memory') {
  // Bounded memory on a slice of over a million regions: peak RSS of the whole process (main
  // thread and 2 workers, each heap capped at 160 MB), streaming the JSON to disk.
  const { file } = net([2, 512, 512, 512, 512, 1], 'torch', 1);
  const out = join(ROOT, 'bench/results/million.json.tmp-out');
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-v',
      process.execPath,
      '--max-old-space-size=160',
      BIN,
      'slice',
      file,
      '--box',
      '-2,2,-2,2',
      '--threads',
      '2',
      '--no-figure',
      '--quiet',
      '--json',
      out,
    ],
    { encoding: 'utf8' },
  );
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  // The file is gigabytes: read only its head, where the summary is.
  const fd = openSync(out, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, 4096, 0);
  closeSync(fd);
  const s = JSON.parse(head.toString('utf8').split(',"plane"')[0] + '}').summary;
  lines.push(
    `Memory: slice of 2-512x4-1-torch-s1 over [-2,2]², ${s.regions.toLocaleString('en-US')} regions in ${s.seconds.toFixed(0)} s, JSON ${(statSync(out).size / 2 ** 20).toFixed(0)} MiB, peak RSS ${rss ? (Number(rss[1]) / 1024).toFixed(0) + ' MiB' : 'n/a'}.`,
  );
  rmSync(out, { force: true });
  lines.push('');
}

const text = lines.join('\n');
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.md'), text + '\n');
process.stdout.write(text + '\n');
