#!/usr/bin/env node
// The exact line through torchvision ResNet-18 (num_classes=10, 3×32×32) between two inputs, ours
// against the way people count pieces today (PyTorch CPU, batched forward passes with hooks on
// every ReLU at N equally spaced points, N doubled until sampling finds as many pieces as the exact
// count), in the same run on the same weights; and the slice through three inputs (regions/s, peak RSS).
//
//   node bench/line.bench.mjs [--length 0.77] [--reference] [--slice-box 0.01] [--no-peer] [--no-slice]
//
// --reference also times the reference engine (today's path, `--method reference`): slow (minutes).
// Needs bench/networks/resnet18-c10.onnx (made here with /usr/bin/python3, torch 1.13 +
// torchvision 0.14, if missing) and the peer venv .peer/venv (torch 2.x) for the peer.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NET = join(ROOT, 'bench/networks/resnet18-c10.onnx');
const POINTS = join(ROOT, 'bench/networks/resnet18-c10-points.json');
const WEIGHTS = join(ROOT, 'bench/networks/resnet18-c10-weights.npz');
const PEER_PY = existsSync(join(ROOT, '.peer/venv/bin/python')) ? join(ROOT, '.peer/venv/bin/python') : '/work/main/.peer/venv/bin/python';
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const length = Number(opt('--length', '0.77'));
const sliceBox = Number(opt('--slice-box', '0.01'));

if (process.argv[2] === '--child') {
  // Child process: one measurement, JSON on stdout (peak RSS is per process).
  const core = await import(join(ROOT, 'packages/core/dist/index.js'));
  const net = core.prepareNetwork(core.readOnnx(readFileSync(NET)));
  const pts = JSON.parse(readFileSync(POINTS, 'utf8')).points;
  const kind = process.argv[3];
  const t = performance.now();
  let out;
  if (kind === 'cli2') {
    // The CLI on 2 worker threads (its own summary time: the partition, not loading or writing).
    const x0 = Float64Array.from(pts[0]);
    let n = 0;
    for (let i = 0; i < x0.length; i++) n += (pts[1][i] - x0[i]) ** 2;
    n = Math.sqrt(n);
    const x1 = Array.from(x0, (v, i) => v + ((pts[1][i] - v) / n) * length);
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const ends = join(dir, 'line-ends.json.tmp');
    const json = join(dir, 'line-resnet18.json.tmp-out');
    writeFileSync(ends, JSON.stringify([Array.from(x0), x1]));
    execFileSync(process.execPath, [
      join(ROOT, 'packages/cli/bin/polytope.js'),
      'line',
      NET,
      '--inputs',
      ends,
      '--json',
      json,
      '--no-figure',
      '--quiet',
      '--threads',
      '2',
    ]);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    out = { pieces: r.summary.pieces, seconds: r.summary.seconds, breakpoints: r.breakpoints };
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(0);
  }
  if (kind === 'slice') {
    const plane = core.planeThrough(pts[0], pts[1], pts[2]);
    const s = core.slicePlane(net, plane, [0, sliceBox, 0, sliceBox]);
    out = { regions: s.summary.regions, seconds: (performance.now() - t) / 1000 };
  } else {
    const x0 = Float64Array.from(pts[0]);
    let n = 0;
    for (let i = 0; i < x0.length; i++) n += (pts[1][i] - x0[i]) ** 2;
    n = Math.sqrt(n);
    const x1 = x0.map((v, i) => v + ((pts[1][i] - v) / n) * length);
    const r = core.partitionLine(net, x0, x1, { method: kind });
    const v = core.validateLine(net, x0, x1, r);
    out = { pieces: r.pieces.length, seconds: r.seconds, valid: v.ok, breakpoints: Array.from(r.breakpoints) };
  }
  out.peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

if (!existsSync(NET)) execFileSync('/usr/bin/python3', [join(ROOT, 'bench/make-resnet18.py'), '--out', NET], { stdio: 'inherit' });
const child = (kind) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, ...args], {
    encoding: 'utf8',
    timeout: 3600_000,
  });
  if (r.status !== 0) return { error: (r.stderr || 'timed out').trim().split('\n').at(-1) };
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
};
const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
const lines = [];
lines.push(
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  '',
);
const ours = child('sampled');
process.stderr.write(`ours (sampled): ${JSON.stringify({ ...ours, breakpoints: undefined })}\n`);
const ours2 = child('cli2');
process.stderr.write(`ours (sampled, CLI, 2 threads): ${JSON.stringify({ ...ours2, breakpoints: undefined })}\n`);
const ref = args.includes('--reference') ? child('reference') : null;
if (ref) process.stderr.write(`ours (reference engine): ${JSON.stringify({ ...ref, breakpoints: undefined })}\n`);
let peer = null;
if (!args.includes('--no-peer') && existsSync(PEER_PY)) {
  const r = spawnSync(
    PEER_PY,
    [
      join(ROOT, 'bench/peer/resnet_line_peer.py'),
      '--weights',
      WEIGHTS,
      '--points',
      POINTS,
      '--length',
      String(length),
      '--target',
      String(ours.pieces),
    ],
    { encoding: 'utf8', timeout: 3600_000 },
  );
  peer = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : { error: (r.stdout + r.stderr).trim().split('\n').at(-1) };
  process.stderr.write(`peer: ${JSON.stringify(peer)}\n`);
}
lines.push(
  '| ResNet-18 line, segment length ' + length + ' | pieces | seconds | pieces/s | peak RSS | vs sampled |',
  '|---|---:|---:|---:|---:|---:|',
);
const row = (name, r, pieces = r.pieces) =>
  r.error
    ? `| ${name} | fails: ${r.error} | | | | |`
    : `| ${name} | ${pieces} | ${fmt(r.seconds)} | ${fmt(pieces / r.seconds)} | ${r.peakRssMB ? r.peakRssMB + ' MB' : '–'} | ${(ours.seconds / r.seconds).toFixed(2)}× |`;
lines.push(row('ours, sampled, 1 thread (library)', ours));
lines.push(row(`ours, sampled, 2 threads (CLI)${ours2.pieces === ours.pieces ? '' : ' (DIFFERENT count)'}`, ours2));
if (ref) {
  // Same pieces: equal counts and breakpoints within the tolerance at which the sampled method joins pieces.
  const { LINE_MEET_EPS } = await import(join(ROOT, 'packages/core/dist/geometry/predicates.js'));
  let same = ref.pieces === ours.pieces;
  if (same) for (let i = 0; i < ref.breakpoints.length; i++) same &&= Math.abs(ref.breakpoints[i] - ours.breakpoints[i]) <= LINE_MEET_EPS;
  lines.push(row(`ours, reference engine (the previous algorithm, on the new kernels)${same ? '' : ' (DIFFERENT pieces)'}`, ref));
}
if (peer) lines.push(row(`PyTorch sampling, ${peer.dtype ?? ''} N = ${peer.n ?? '?'} (finds ${peer.pieces ?? '?'})`, peer, peer.pieces));
lines.push('', `Both of ours validated: ${ours.valid}${ref ? ` / ${ref.valid}` : ''}.`, '');
const slice = args.includes('--no-slice') ? null : child('slice');
if (slice) {
  lines.push(
    `| ResNet-18 slice through inputs 0, 1, 2 (box [0, ${sliceBox}]²) | regions | seconds | regions/s | peak RSS |`,
    '|---|---:|---:|---:|---:|',
  );
  lines.push(
    slice.error
      ? `| slicePlane | fails: ${slice.error} | | | |`
      : `| slicePlane, 1 thread | ${slice.regions} | ${fmt(slice.seconds)} | ${fmt(slice.regions / slice.seconds)} | ${slice.peakRssMB} MB |`,
  );
}
const md = lines.join('\n') + '\n';
process.stdout.write(md);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/line-resnet18.md'), md);
