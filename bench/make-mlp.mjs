#!/usr/bin/env node
// Writes a random ReLU MLP as a `polytope-lens/network@1` JSON file, reproducibly from a seed.
//
//   node bench/make-mlp.mjs --widths 2,64,64,64,1 --init torch --seed 1 --out bench/networks/2-64x3-1-torch-s1.json
//
// Layers: dense, relu, dense, relu, ..., dense (no relu after the last dense layer).
// Weights are out×in (row i = output unit i), as the network format wants.
//
// --init torch : PyTorch's default nn.Linear init, weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
// --init he    : Kaiming normal (fan_in, ReLU gain), weight ~ N(0, 2/fan_in), bias = 0.
//
// Random numbers: xoshiro128** seeded by splitmix32 from --seed; doubles take 53 bits from two
// draws; normals come from Box-Muller. Draw order: for each dense layer, its weight row by row,
// then its bias. Same seed and arguments → byte-identical file on any platform.
// (The values are not those torch.manual_seed would give: only the distributions match.)

import { writeFileSync } from 'node:fs';

function usage(msg) {
  if (msg) process.stderr.write(`make-mlp: ${msg}\n`);
  process.stderr.write('usage: node bench/make-mlp.mjs --widths 2,64,64,64,1 [--init torch|he] [--seed N] --out FILE\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { widths: null, init: 'torch', seed: 1, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--widths')
      opts.widths = val()
        .split(',')
        .map((s) => Number(s));
    else if (a === '--init') opts.init = val();
    else if (a === '--seed') opts.seed = Number(val());
    else if (a === '--out') opts.out = val();
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!opts.widths || opts.widths.length < 2 || opts.widths.some((w) => !Number.isInteger(w) || w < 1)) {
    usage('--widths must be a comma-separated list of at least two positive integers, e.g. 2,64,64,1');
  }
  if (opts.init !== 'torch' && opts.init !== 'he') usage(`--init must be torch or he, got ${opts.init}`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffffffff) usage('--seed must be an integer in [0, 2^32)');
  if (!opts.out) usage('--out is required');
  return opts;
}

/** xoshiro128** (Blackman & Vigna), state seeded by splitmix32. Returns a () => uint32 function. */
function xoshiro128ss(seed) {
  let x = seed >>> 0;
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32(),
    s1 = splitmix32(),
    s2 = splitmix32(),
    s3 = splitmix32();
  const rotl = (v, k) => ((v << k) | (v >>> (32 - k))) >>> 0;
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3 >>> 0, 11);
    s0 >>>= 0;
    s1 >>>= 0;
    s2 >>>= 0;
    return result;
  };
}

function makeRandom(seed) {
  const next = xoshiro128ss(seed);
  /** Uniform double in [0, 1) with 53 random bits. */
  const uniform = () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  let spare = null;
  /** Standard normal (Box-Muller, both outputs used). */
  const normal = () => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return z;
    }
    const u1 = 1 - uniform(); // (0, 1]
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return { uniform, normal };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rnd = makeRandom(opts.seed);
  const layers = [];
  const n = opts.widths.length - 1;
  for (let l = 0; l < n; l++) {
    const fanIn = opts.widths[l];
    const fanOut = opts.widths[l + 1];
    const weight = [];
    const bias = [];
    if (opts.init === 'torch') {
      const bound = 1 / Math.sqrt(fanIn);
      const u = () => (2 * rnd.uniform() - 1) * bound;
      for (let i = 0; i < fanOut; i++) weight.push(Array.from({ length: fanIn }, u));
      for (let i = 0; i < fanOut; i++) bias.push(u());
    } else {
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < fanOut; i++) weight.push(Array.from({ length: fanIn }, () => rnd.normal() * std));
      for (let i = 0; i < fanOut; i++) bias.push(0);
    }
    const dense = { type: 'dense', weight, bias };
    if (l === 0) {
      dense.comment = `node bench/make-mlp.mjs --widths ${opts.widths.join(',')} --init ${opts.init} --seed ${opts.seed}`;
    }
    layers.push(dense);
    if (l < n - 1) layers.push({ type: 'relu' });
  }
  const doc = { format: 'polytope-lens/network@1', input: { shape: [opts.widths[0]] }, layers };
  // One layer per line: diffable, still compact.
  const text =
    `{"format":${JSON.stringify(doc.format)},"input":${JSON.stringify(doc.input)},"layers":[\n` +
    layers.map((layer) => JSON.stringify(layer)).join(',\n') +
    '\n]}\n';
  writeFileSync(opts.out, text);
  process.stderr.write(
    `make-mlp: wrote ${opts.out} (${opts.widths.join('→')}, ${opts.init} init, seed ${opts.seed}, ${text.length} bytes)\n`,
  );
}

main();
