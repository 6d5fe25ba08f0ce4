/**
 * The fault suite (issue 18): malformed, hostile and extreme inputs replayed against the CLI. Every
 * case asserts the exit status, a one-line `polytope: error:` message without a stack trace (and
 * without raw control characters), and that nothing was written next to the inputs. To add a case,
 * add one row to CASES: its files (name → contents, or a function making them in the folder), the
 * arguments (relative to that folder) and the expected status and message.
 *
 * Plus a fast-check property: random byte mutations of small fixture models either load a model
 * that matches a re-parse of the same bytes, or throw a `PolytopeError` — never anything else.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolytopeError, networkToJsonString, readNetworkJson, readOnnx, writeNpy, writeNpz, writeOnnx } from '@polytope-lens/core';
import { runCli, spawnCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'polytope-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const net2 = (weight: number[][], bias: number[], out: number[] = [1, -2]) =>
  JSON.stringify({
    format: 'polytope-lens/network@1',
    input: { shape: [2] },
    layers: [{ type: 'dense', weight, bias }, { type: 'relu' }, { type: 'dense', weight: [out], bias: [0] }],
  });
const SMALL = net2(
  [
    [1, 1],
    [1, -1],
  ],
  [0.1, 0],
);
const SMALL_NET = readNetworkJson(SMALL);
const ONNX = writeOnnx(SMALL_NET);

type Files = Record<string, string | Uint8Array> | ((dir: string) => void);

interface FaultCase {
  /** What the case is, named after the issue item it replays. */
  name: string;
  files: Files;
  args: string[];
  /** Expected exit status (2: bad input). */
  code: number;
  /** The one-line message must match this. */
  message: RegExp;
  env?: Record<string, string>;
  /** Run the real executable in a child process (signals, real exit paths) instead of in-process. */
  spawn?: boolean;
  /** Extra assertions on the folder after the run (e.g. a target's previous content kept). */
  check?: (dir: string) => void;
}

/** examples/onnx/mlp.onnx keeps its weights in 'mlp.onnx.data' (13 bytes, replaced in place by another 13-byte location). */
const MLP = readFileSync(fileURLToPath(new URL('../../../examples/onnx/mlp.onnx', import.meta.url)));

function externalOnnx(location: string): Uint8Array {
  const from = Buffer.from('mlp.onnx.data');
  const to = Buffer.from(location);
  if (to.length !== from.length) throw new Error(`location '${location}' must have ${from.length} bytes`);
  const out = Buffer.from(MLP);
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1)) to.copy(out, i);
  return out;
}

const CASES: FaultCase[] = [
  // --- malformed model files ---
  { name: 'empty model file', files: { 'm.json': '' }, args: ['inspect', 'm.json'], code: 2, message: /is empty/ },
  { name: 'truncated JSON', files: { 'm.json': SMALL.slice(0, 40) }, args: ['inspect', 'm.json'], code: 2, message: /not valid JSON/ },
  {
    name: 'JSON nested 20,000 deep (issue 18 #14)',
    files: { 'm.json': '['.repeat(20000) + ']'.repeat(20000) },
    args: ['inspect', 'm.json'],
    code: 2,
    message: /./,
  },
  {
    name: 'random bytes as ONNX',
    files: { 'm.onnx': new Uint8Array([0xff, 0xff, 0x01, 0x02, 0x03]) },
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /./,
  },
  { name: 'truncated ONNX', files: { 'm.onnx': ONNX.subarray(0, ONNX.length >> 1) }, args: ['inspect', 'm.onnx'], code: 2, message: /./ },
  {
    name: 'node name with terminal escapes is escaped (issue 18 #8)',
    files: { 'm.json': SMALL.replace('"type":"relu"', '"type":"relu","name":"a\\u001b[2Jb\\nc","weights":1') },
    args: ['inspect', 'm.json'],
    code: 2,
    message: /a\\x1b\[2Jb\\nc/,
  },
  {
    name: 'unknown layer type with terminal escapes (issue 18 #8)',
    files: { 'm.json': SMALL.replace('"type":"relu"', '"type":"re\\u001b[31mlu\\r"') },
    args: ['inspect', 'm.json'],
    code: 2,
    message: /re\\x1b\[31mlu\\r/,
  },
  // --- malformed inputs ---
  {
    name: 'truncated .npy',
    files: { 'm.json': SMALL, 'x.npy': writeNpy([1, 2, 3, 4], [2, 2]).subarray(0, 100) },
    args: ['affine', 'm.json', '--inputs', 'x.npy'],
    code: 2,
    message: /./,
  },
  {
    name: 'bad .npz',
    files: { 'm.json': SMALL, 'x.npz': new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9]) },
    args: ['affine', 'm.json', '--inputs', 'x.npz'],
    code: 2,
    message: /./,
  },
  {
    name: 'IDX with a lying header',
    files: { 'm.json': SMALL, 'x.idx': new Uint8Array([0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]) },
    args: ['affine', 'm.json', '--inputs', 'x.idx', '--rows', '0'],
    code: 2,
    message: /./,
  },
  {
    name: 'inputs JSON nested 20,000 deep (issue 18 #14)',
    files: { 'm.json': SMALL, 'x.json': '['.repeat(20000) + ']'.repeat(20000) },
    args: ['affine', 'm.json', '--inputs', 'x.json'],
    code: 2,
    message: /./,
  },
  // --- memory bombs (issue 18 #7) ---
  {
    name: 'npy header claiming 1e12 elements',
    files: { 'm.json': SMALL, 'x.npy': npyHeader('(1000000, 1000000)') },
    args: ['affine', 'm.json', '--inputs', 'x.npy'],
    code: 2,
    message: /allocation limit/,
  },
  {
    name: 'input rows above POLYTOPE_MAX_BYTES',
    files: { 'm.json': SMALL, 'x.npz': writeNpz({ x: { data: new Float64Array(2000), shape: [1000, 2] } }) },
    args: ['affine', 'm.json', '--inputs', 'x.npz'],
    env: { POLYTOPE_MAX_BYTES: '64k' },
    code: 2,
    message: /allocation limit of 64\.0 KiB/,
  },
  // --- hostile external data (issue 18 #6, issue 12) ---
  {
    name: 'external data symlinked to /etc/passwd',
    files: (dir) => externalCase(dir, 'mlp.onnx.data', () => symlinkSync('/etc/passwd', join(dir, 'mlp.onnx.data'))),
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /outside the model's folder/,
  },
  {
    name: 'external data in a symlinked folder leaving the model folder',
    files: (dir) => externalCase(dir, 'etcdir/passwd', () => symlinkSync('/etc', join(dir, 'etcdir'))),
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /outside the model's folder/,
  },
  {
    name: 'external data symlinked to /dev/zero',
    files: (dir) => externalCase(dir, 'mlp.onnx.data', () => symlinkSync('/dev/zero', join(dir, 'mlp.onnx.data'))),
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /outside the model's folder|not a regular file/,
  },
  {
    name: 'external data that is a FIFO',
    files: (dir) => externalCase(dir, 'mlp.onnx.data', () => execFileSync('mkfifo', [join(dir, 'mlp.onnx.data')])),
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /not a regular file/,
  },
  {
    name: 'external data going up with ..',
    files: (dir) => externalCase(dir, '../mlpx.odata', () => undefined),
    args: ['inspect', 'm.onnx'],
    code: 2,
    message: /outside the model's folder/,
  },
  // --- extreme values ---
  {
    name: 'slice box ±1e308 (issue 18 #3); the previous out.json is kept',
    files: { 'm.json': SMALL, 'out.json': '{"previous": true}' },
    args: ['slice', 'm.json', '--box', '-1e308,1e308,-1e308,1e308', '--json', 'out.json'],
    code: 2,
    message: /overflows float64/,
  },
  {
    name: 'slice box ±1e307 (issue 18 #3)',
    files: { 'm.json': SMALL },
    args: ['slice', 'm.json', '--box', '-1e307,1e307,-1e307,1e307', '--json', 'out.json'],
    code: 2,
    message: /overflows float64/,
  },
  {
    name: 'tropical with biases ±1e12 fails its own check (issue 18 #4)',
    files: {
      'm.json': net2(
        [
          [1, 1],
          [1, -1],
        ],
        [1e12, -1e12],
      ),
    },
    args: ['tropical', 'm.json', '--json', 'out.json'],
    code: 2,
    message: /fails its own check/,
  },
  {
    name: 'affine with weights 1e300 overflowing (issue 18 #4)',
    files: {
      'm.json': net2(
        [
          [1e300, 1e300],
          [1e300, -1e300],
        ],
        [0, 0],
        [1e300, -2e300],
      ),
    },
    args: ['affine', 'm.json', '--at', '0.3,0.2', '--json', 'out.json'],
    code: 2,
    message: /not finite/,
  },
  {
    name: 'truncate with weights 1e300 overflowing (issue 18 #4)',
    files: {
      'm.json': net2(
        [
          [1e300, 1e300],
          [1e300, -1e300],
        ],
        [0, 0],
        [1e300, -2e300],
      ),
    },
    args: ['truncate', 'm.json', '--at', '0.3,0.2', '--json', 'out.json'],
    code: 2,
    message: /not finite/,
  },
  {
    // Depth-first since 2026-12-04: only the polytopes in flight count (≤ units + 1, ~6 KB here), so the budget is tiny.
    name: 'polytopes above the memory budget stop with a message (issue 18 #11)',
    files: {
      'm.json': net2(
        Array.from({ length: 8 }, (_, i) => [Math.cos(i), Math.sin(i)]),
        Array.from({ length: 8 }, (_, i) => 0.1 * i - 0.3),
        Array.from({ length: 8 }, (_, i) => (i % 2 ? 1 : -1)),
      ),
    },
    args: ['polytopes', 'm.json', '--json', 'out.json'],
    env: { POLYTOPE_MAX_BYTES: '2k' },
    code: 2,
    message: /memory budget/,
  },
  {
    name: 'train --arch 2-100000-100000-1 is refused before allocating (issue 18 #14)',
    files: {},
    args: ['train', '--dataset', 'xor', '--arch', '2-100000-100000-1', '--out', 'run'],
    code: 2,
    message: /10000000000 parameters/,
  },
  {
    name: 'lens cluster --seed abc (issue 18 #14)',
    files: { 'm.json': SMALL },
    args: ['lens', 'cluster', 'm.json', '--seed', 'abc'],
    code: 2,
    message: /--seed must be an integer/,
  },
  {
    name: 'lens cluster --k abc (issue 18 #14)',
    files: { 'm.json': SMALL },
    args: ['lens', 'cluster', 'm.json', '--k', 'abc'],
    code: 2,
    message: /--k must be an integer/,
  },
  {
    name: 'lens codes --max-pairs 0 (issue 18 #17)',
    files: { 'm.json': SMALL },
    args: ['lens', 'codes', 'm.json', '--max-pairs', '0'],
    code: 2,
    message: /--max-pairs/,
  },
  {
    name: 'lens density --pairs -1 (issue 18 #17)',
    files: { 'm.json': SMALL },
    args: ['lens', 'density', 'm.json', '--pairs', '-1'],
    code: 2,
    message: /--pairs/,
  },
  {
    name: 'construct with coordinates 1e308 (issue 18 #14)',
    files: {
      'd.json': JSON.stringify({
        points: [
          [1e308, 0],
          [0, 1],
          [1, 1],
          [2, 2],
        ],
        labels: [0, 1, 0, 1],
      }),
    },
    args: ['construct', 'sls', '--data', 'd.json', '--out', 'o.json'],
    code: 2,
    message: /too large/,
  },
  {
    name: 'construct sls with a label of 1e9 (issue 18 #7)',
    files: {
      'd.json': JSON.stringify({
        points: [
          [0, 0],
          [0, 1],
          [1, 1],
          [2, 2],
        ],
        labels: [0, 1, 0, 1e9],
      }),
    },
    args: ['construct', 'sls', '--data', 'd.json', '--out', 'o.json'],
    code: 2,
    message: /class indices/,
  },
  {
    name: 'frame reconstruct --points 0 (issue 18 #17)',
    files: {},
    args: ['frame', 'reconstruct', '--frame', 'tetrahedron', '--points', '0'],
    code: 2,
    message: /--points/,
  },
  {
    name: 'demo --arch 2-8-1 (issue 18 #17)',
    files: {},
    args: ['demo', '--arch', '2-8-1', '--out', 'd'],
    code: 2,
    message: /hidden widths only/,
  },
  {
    name: 'bench on a 6-input network names bench, not --through (issue 18 #17)',
    files: (dir) =>
      writeFileSync(join(dir, 'm.onnx'), readFileSync(fileURLToPath(new URL('../../../examples/onnx/res.onnx', import.meta.url)))),
    args: ['bench', 'm.onnx'],
    code: 2,
    message: /^(?!.*--through).*2-input network/,
  },
  {
    name: 'train --momentum 2 (issue 18 #5)',
    files: {},
    args: ['train', '--dataset', 'xor', '--arch', '2-4-1', '--momentum', '2', '--out', 'run'],
    code: 2,
    message: /--momentum/,
  },
];

function npyHeader(shape: string): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

/** m.onnx whose initializers live in external data at `location`; `make` creates what is at that location. */
function externalCase(dir: string, location: string, make: () => void): void {
  writeFileSync(join(dir, 'm.onnx'), externalOnnx(location));
  make();
}

/** Every entry of the folder with a hash of its content (regular files), so a changed file fails too. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const st = lstatSync(path);
      return st.isFile()
        ? `${name} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`
        : `${name} (${st.isSymbolicLink() ? 'link' : 'other'})`;
    });
}

describe('fault suite (issue 18): one-line messages, exit codes, nothing written', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const dir = join(root, `case-${i}`);
      mkdirSync(dir);
      if (typeof c.files === 'function') c.files(dir);
      else for (const [name, data] of Object.entries(c.files)) writeFileSync(join(dir, name), data);
      const before = snapshot(dir);
      const saved = { ...process.env };
      Object.assign(process.env, c.env ?? {});
      let r;
      try {
        r = c.spawn ? spawnCli(c.args, { cwd: dir, timeoutMs: 60_000 }) : await runCli(c.args, { cwd: dir });
      } finally {
        for (const k of Object.keys(c.env ?? {})) if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
      }
      expect(r.code, r.stderr).toBe(c.code);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('polytope:'));
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(/^polytope: error: /);
      expect(lines[0]).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // eslint-disable-next-line no-control-regex -- no raw control characters may reach the terminal
      expect(r.stderr.replace(/\n$/, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(snapshot(dir)).toEqual(before);
      c.check?.(dir);
    });
  });
});

/** Loads bytes as the CLI would (ONNX, or network JSON text); a re-parse of the same bytes must give the same network. */
function loadOrPolytopeError(kind: 'onnx' | 'json', bytes: Uint8Array): void {
  const load = () => (kind === 'onnx' ? readOnnx(bytes) : readNetworkJson(JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown));
  let first;
  try {
    first = load();
  } catch (e) {
    if (e instanceof SyntaxError && kind === 'json') return; // JSON.parse's own error: the CLI reports it as 'not valid JSON'
    if (!(e instanceof PolytopeError)) throw new Error(`a mutated ${kind} model threw ${String(e)}, not a PolytopeError`, { cause: e });
    return;
  }
  expect(networkToJsonString(load())).toBe(networkToJsonString(first));
}

describe('fault suite (issue 18): random byte mutations of fixture models', () => {
  const mutation = (size: number) =>
    fc.array(fc.record({ at: fc.nat({ max: size - 1 }), byte: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 8 });
  const mutate = (bytes: Uint8Array, edits: { at: number; byte: number }[], cut: number) => {
    const out = Uint8Array.from(bytes.subarray(0, Math.max(1, bytes.length - cut)));
    for (const e of edits) if (e.at < out.length) out[e.at] = e.byte;
    return out;
  };
  it('ONNX: loads a model equal to a re-parse, or throws a PolytopeError', () => {
    fc.assert(
      fc.property(mutation(ONNX.length), fc.nat({ max: 16 }), (edits, cut) => loadOrPolytopeError('onnx', mutate(ONNX, edits, cut))),
      { numRuns: 300, seed: 18 },
    );
  });
  it('network JSON: loads a model equal to a re-parse, or throws a PolytopeError', () => {
    const json = Buffer.from(SMALL);
    fc.assert(
      fc.property(mutation(json.length), fc.nat({ max: 4 }), (edits, cut) => loadOrPolytopeError('json', mutate(json, edits, cut))),
      { numRuns: 300, seed: 18 },
    );
  });
});

describe('issue 18 #10: bench exits after an error with several threads', () => {
  it('the worker pool is closed: the process exits with status 2', () => {
    const dir = join(root, 'bench-threads');
    mkdirSync(dir);
    writeFileSync(join(dir, 'm.json'), SMALL);
    // An error inside the timed runs (an inverted box) after the pool has started.
    const r = spawnCli(['bench', 'm.json', '--box', '1,-1,-1,1', '--threads', '2'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^polytope: error: .*empty or inverted/m);
  });
});

/**
 * Full disks (issue 18 #14, the fault suite's "full disk" family): a 1 MiB tmpfs filled up to the
 * last block. Every command that writes must fail with one line naming ENOSPC's meaning, leave the
 * previous target intact and no temporary file behind. Needs `mount -t tmpfs` (root with
 * CAP_SYS_ADMIN); elsewhere the rows are skipped and the reason is printed.
 */
describe('fault suite (issue 18 #14): full disk on a small tmpfs', () => {
  const mnt = join(root, 'full');
  mkdirSync(mnt);
  // Probe once while collecting (mount and unmount at once), so that the rows can be skipped with
  // the reason; the real mount lives in beforeAll/afterAll, which run only when a row runs.
  let canMount = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    execFileSync('umount', [mnt], { stdio: 'pipe' });
    canMount = true;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    console.warn(`fault suite: full-disk rows skipped: cannot mount a tmpfs (${why})`);
  }
  let mounted = false;
  beforeAll(() => {
    if (!canMount) return;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    mounted = true;
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
    mounted = false;
  });
  const model = join(root, 'full-model.json');
  writeFileSync(model, SMALL);
  /** Fills the tmpfs: a previous target first, then filler until ENOSPC. */
  const fill = (): void => {
    writeFileSync(join(mnt, 'out.json'), 'previous');
    const chunk = Buffer.alloc(4096, 1);
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(mnt, `filler-${i}`), chunk);
      } catch {
        break;
      }
    }
  };
  const rows: [string, string[]][] = [
    ['slice-full-disk', ['slice', model, '--box', '-1,1,-1,1', '--json', join(mnt, 'out.json'), '--no-figure', '--quiet']],
    ['polytopes-full-disk', ['polytopes', model, '--json', join(mnt, 'out.json'), '--no-figure', '--quiet']],
    [
      'slice-figure-full-disk',
      ['slice', model, '--box', '-1,1,-1,1', '--json', join(mnt, 'out.json'), '--svg', join(mnt, 'f.svg'), '--quiet'],
    ],
  ];
  for (const [name, args] of rows) {
    it.skipIf(!canMount)(`${name}: one line, exit 2, the previous target intact, nothing left behind`, async () => {
      fill();
      const before = snapshot(mnt);
      const r = await runCli(args, { cwd: root });
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('polytope:'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^polytope: error: cannot write '[^']*full\/[^']+': no space left on device/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code, r.stderr).toBe(2);
      expect(readFileSync(join(mnt, 'out.json'), 'utf8')).toBe('previous');
      expect(snapshot(mnt)).toEqual(before);
      for (const f of readdirSync(mnt)) if (f.startsWith('filler-')) rmSync(join(mnt, f));
    });
  }
});
