// The torchvision CNNs, exported by real PyTorch (scripts/torchvision-fixtures.py, Debian's
// python3-torch 1.13 / python3-torchvision 0.14 / python3-onnx), against PyTorch's own float64
// outputs, Jacobians (torch.autograd) and dense sampling of activation codes along a segment.
// The fixtures are generated into fixtures/torchvision/ (git-ignored) when absent or made by an
// older script; TORCHVISION_FIXTURES points elsewhere. Without PyTorch the tests are skipped, except
// under CI=true, where that is a failure.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { affineMapAt, forward, partitionLine, prepareNetwork, readNpy, readOnnx } from '../src/index.js';
import type { NpyArray, PreparedNetwork } from '../src/index.js';

const MODELS = [
  'resnet18',
  'resnet50',
  'mobilenet_v2',
  'squeezenet1_1',
  'densenet121',
  'shufflenet_v2_x1_0',
  'googlenet',
  'inception_v3',
] as const;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'torchvision-fixtures.py');
const DIR = process.env['TORCHVISION_FIXTURES'] ?? join(ROOT, 'fixtures', 'torchvision');
// Outputs and Jacobians: float64 maths on the same float32 weights (the generator makes the
// exporter's batch-norm fusion exact), so agreement is to rounding; 1e-6 of the largest entry.
const REL_TOL = 1e-6;
// Generating all eight from scratch takes minutes on two cores.
const GENERATE_TIMEOUT_MS = 40 * 60 * 1000;
// ResNet-50's reverse-mode Jacobian and line take seconds each on an idle 2-core machine, and
// several times that when the machine is shared.
const TEST_TIMEOUT_MS = 5 * 60 * 1000;

interface Meta {
  input_shape: number[];
  line: { sampled_points: number; sampled_pieces: number; sampled_changes: [number, number][]; length: number };
  script_hash: string;
}

const scriptHash = (): string => createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);

function upToDate(hash: string): boolean {
  return MODELS.every((m) => {
    const p = join(DIR, m, 'meta.json');
    return existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as Meta).script_hash === hash;
  });
}

/** A Python with torch, torchvision and onnx, or undefined. */
function findPython(): string | undefined {
  const candidates = [process.env['POLYTOPE_PYTHON'], '/usr/bin/python3', 'python3'].filter((p): p is string => p !== undefined);
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch, torchvision, onnx, numpy'], { stdio: 'ignore' }).status === 0);
}

const ready = upToDate(scriptHash());
const python = ready ? undefined : findPython();
const available = ready || python !== undefined;
const why = 'PyTorch not found: install python3-torch python3-torchvision python3-onnx (Debian), or set POLYTOPE_PYTHON';

function generate(py: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(py, [SCRIPT, '--out', DIR], { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${SCRIPT} exited with ${code}:\n${err}`))));
  });
}

function load(name: string, file: string): NpyArray {
  return readNpy(readFileSync(join(DIR, name, file)), file);
}

/** max |a − b| / max |b| over the flattened arrays. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

const row = (a: NpyArray, i: number): Float64Array => {
  const n = a.data.length / a.shape[0]!;
  return a.data.subarray(i * n, (i + 1) * n);
};

if (!available && process.env['CI'] === 'true') {
  describe('torchvision fixtures', () => {
    it('need PyTorch to generate them', () => {
      throw new Error(`${why} (CI=true: these tests may not be skipped)`);
    });
  });
}

describe.skipIf(!available)(`torchvision CNNs through ONNX${available ? '' : ` (skipped: ${why})`}`, () => {
  beforeAll(async () => {
    if (python !== undefined) await generate(python);
  }, GENERATE_TIMEOUT_MS);

  const nets = new Map<string, PreparedNetwork>();
  const net = (name: string): PreparedNetwork => {
    let p = nets.get(name);
    if (p === undefined) {
      p = prepareNetwork(readOnnx(readFileSync(join(DIR, name, 'model.onnx'))));
      nets.set(name, p);
    }
    return p;
  };

  for (const name of MODELS) {
    it(
      `${name}: loads; outputs and Jacobians match PyTorch's float64 ones to 1e-6 relative`,
      () => {
        const p = net(name);
        const meta = JSON.parse(readFileSync(join(DIR, name, 'meta.json'), 'utf8')) as Meta;
        expect(p.network.inputSize).toBe(meta.input_shape.reduce((a, b) => a * b, 1));
        expect(p.network.outputSize).toBe(10);
        const inputs = load(name, 'inputs.npy');
        const outputs = load(name, 'outputs.npy');
        const jacobians = load(name, 'jacobians.npy');
        // Point 0 through affineMapAt (forward pass with codes, then reverse mode: 10 backward
        // passes), point 1 through the plain forward pass; the fixture holds one more of each.
        const a = affineMapAt(p, row(inputs, 0), { mode: 'reverse' });
        expect(relError(a.output, row(outputs, 0))).toBeLessThanOrEqual(REL_TOL);
        expect(relError(a.jacobian, row(jacobians, 0))).toBeLessThanOrEqual(REL_TOL);
        expect(relError(forward(p, row(inputs, 1)), row(outputs, 1))).toBeLessThanOrEqual(REL_TOL);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      `${name}: the exact line finds at least the pieces dense sampling of codes finds`,
      () => {
        try {
          const p = net(name);
          const meta = JSON.parse(readFileSync(join(DIR, name, 'meta.json'), 'utf8')) as Meta;
          const ends = load(name, 'line.npy');
          const res = partitionLine(p, row(ends, 0), row(ends, 1));
          expect(res.pieces.length).toBeGreaterThanOrEqual(meta.line.sampled_pieces);
          // Where the sampled code changes between samples i and i + 1, there is an exact breakpoint.
          const step = 1 / (meta.line.sampled_points - 1);
          const bps = Array.from(res.breakpoints);
          for (const [i, j] of meta.line.sampled_changes) expect(bps.some((t) => t >= i * step && t <= j * step)).toBe(true);
        } finally {
          nets.delete(name); // the eight together hold ~600 MB of float64 weights
        }
      },
      TEST_TIMEOUT_MS,
    );
  }
});
