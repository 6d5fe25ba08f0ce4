#!/usr/bin/env node
// The dedicated 2-D MLP slicer (`sliceMlpFlat`, `partitionMlp`; regions/slice-mlp.ts) against the
// core's general `slicePlane` on the same network, plane and box, and against another build of the
// slicer (by default main's, /work/main/packages/core/dist, read-only) in the same process: every
// variant warm, run alternating round by round, medians (and minima) of the wall time per call and
// the ratios. The host is shared (2 cores, load varies): compare numbers only within one run.
//
//   node bench/slice-mlp.bench.mjs [--net bench/networks/2-64x3-1-torch-s1.json] [--box 1.5]
//                                  [--rounds 31] [--main /work/main/packages/core/dist] [--no-main]
//
// Before timing, the results of this build are checked against the other build's, array by array
// (they should be the same numbers: the speed-ups must not change a result), and the region count
// against slicePlane's. Writes `results/slice-mlp.md`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const netPath = resolve(ROOT, opt('--net', 'bench/networks/2-64x3-1-torch-s1.json'));
const half = Number(opt('--box', '1.5'));
const rounds = Number(opt('--rounds', '31'));
const mainDist = opt('--main', '/work/main/packages/core/dist');
const withMain = !args.includes('--no-main') && existsSync(join(mainDist, 'index.js'));

const core = await import(pathToFileURL(join(ROOT, 'packages/core/dist/index.js')).href);
const old = withMain ? await import(pathToFileURL(join(mainDist, 'index.js')).href) : null;
const net = core.readNetworkJson(JSON.parse(readFileSync(netPath, 'utf8')));
const plane = core.inputPlane(net);
const box = [-half, half, -half, half];
const workspace = new core.MlpSliceWorkspace();

/** Whether two typed arrays hold the same numbers (±0 equal). */
function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

// Checks first: this build against the other one (and with a reused workspace against a fresh call).
const general = core.slicePlane(net, plane, box);
const flat = core.sliceMlpFlat(net, plane, box, { workspace });
const checks = [
  `regions: ${flat.regions} (slicePlane ${general.summary.regions}), linear regions: ${flat.linearRegions} (slicePlane ${general.summary.linearRegions})`,
];
if (flat.regions !== general.summary.regions || flat.linearRegions !== general.summary.linearRegions)
  throw new Error(
    `the MLP slicer found ${flat.regions} / ${flat.linearRegions} regions, slicePlane ${general.summary.regions} / ${general.summary.linearRegions}`,
  );
if (old) {
  const ref = old.sliceMlpFlat(net, plane, box);
  const keys = ['off', 'xy', 'codes', 'areas', 'maps', 'linearRegionOf'];
  const differ = keys.filter((k) => !same(ref[k], flat[k]));
  if (ref.boundary.length !== flat.boundary.length || ref.boundary.some((l, i) => !same(l, flat.boundary[i]))) differ.push('boundary');
  const pa = old.partitionMlp(net, plane, box);
  const pb = core.partitionMlp(net, plane, box, { workspace });
  for (const k of ['off', 'faceVerts', 'labels', 's', 't', 'values', 'codes', 'maps'])
    if (!same(pa[k], pb[k])) differ.push(`partition.${k}`);
  checks.push(
    differ.length === 0
      ? `the same arrays as ${mainDist}'s slicer (flat result and partition)`
      : `DIFFERS from ${mainDist}'s slicer in: ${differ.join(', ')}`,
  );
}

const variants = {
  'slicePlane (general engine)': () => core.slicePlane(net, plane, box),
  'sliceMlpFlat, workspace reused': () => core.sliceMlpFlat(net, plane, box, { workspace }),
  'sliceMlpFlat, fresh buffers': () => core.sliceMlpFlat(net, plane, box),
  'partitionMlp, workspace reused': () => core.partitionMlp(net, plane, box, { workspace }),
};
if (old) {
  variants['main: sliceMlpFlat'] = () => old.sliceMlpFlat(net, plane, box);
  variants['main: partitionMlp'] = () => old.partitionMlp(net, plane, box);
}
const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
const load0 = loadavg()[0];
for (let i = 0; i < 5; i++) for (const f of Object.values(variants)) f(); // warm-up
for (let i = 0; i < rounds; i++)
  for (const [name, f] of Object.entries(variants)) {
    const t = performance.now();
    f();
    times[name].push(performance.now() - t);
  }
const load1 = loadavg()[0];
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const min = (v) => Math.min(...v);
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));

const lines = [
  `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
    `Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Load average (1 min): ${load0.toFixed(2)} before, ${load1.toFixed(2)} after.`,
  '',
  `${netPath.slice(ROOT.length + 1)}, input plane, box [−${half}, ${half}]²; ${rounds} rounds, every variant once per round in turn, after 5 warm-up rounds.`,
  ...checks.map((c) => `Check: ${c}.`),
  '',
  '| variant | median ms | min ms | slicePlane ÷ this (medians) |' + (old ? ' main ÷ this (medians) |' : ''),
  '|---|---:|---:|---:|' + (old ? '---:|' : ''),
];
for (const name of Object.keys(variants)) {
  const vsGeneral = (med['slicePlane (general engine)'] / med[name]).toFixed(2);
  let vsMain = '';
  if (old) {
    const peer = name.startsWith('partitionMlp') ? 'main: partitionMlp' : name.startsWith('sliceMlpFlat') ? 'main: sliceMlpFlat' : null;
    vsMain = ` ${peer ? (med[peer] / med[name]).toFixed(2) : ''} |`;
  }
  lines.push(`| ${name} | ${med[name].toFixed(1)} | ${min(times[name]).toFixed(1)} | ${vsGeneral} |${vsMain}`);
}
const text = lines.join('\n') + '\n';
process.stdout.write(text);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/slice-mlp.md'), `# The 2-D MLP slicer (bench/slice-mlp.bench.mjs)\n\n${text}`);
