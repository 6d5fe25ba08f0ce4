#!/usr/bin/env node
// Start-up time of the `polytope` command against `node -e 0` (the floor: Node itself), in the same
// run, alternating, median of N runs each:
//
//   node bench/startup.bench.mjs [--runs 21]
//
// Measures `polytope --version` (answered by the supervisor before any command module loads),
// `polytope --help` and `polytope slice --help` (answered from the commands' declarations,
// dist/help-manifest.json, without the commands and the core), and `polytope inspect` of a small
// model (the full program: every command module and the core). Budget (issue 12): `--version` under
// 150 ms over Node; help about as cheap as `--version`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'packages/cli/bin/polytope.js');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 21;

const cases = {
  'node -e 0': ['-e', '0'],
  'polytope --version': [BIN, '--version'],
  'polytope --help': [BIN, '--help'],
  'polytope slice --help': [BIN, 'slice', '--help'],
  'polytope inspect mlp.onnx (full program)': [BIN, 'inspect', join(ROOT, 'examples/onnx/mlp.onnx')],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, argv] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    times[name].push(ms);
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const floor = median(times['node -e 0']);
console.log(`| command | median ms (${runs} runs) | over \`node -e 0\` | ÷ \`node -e 0\` |`);
console.log('|---|---:|---:|---:|');
for (const [name, v] of Object.entries(times))
  console.log(`| \`${name}\` | ${median(v).toFixed(0)} | ${(median(v) - floor).toFixed(0)} | ${(median(v) / floor).toFixed(2)} |`);
