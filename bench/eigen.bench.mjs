// The sensitivity eigensolver (`symmetricEigen`: tred2/tql2 on typed arrays) against numpy's
// `eigh` (LAPACK, threads as given) on the same random symmetric matrix, in the same run. Not a
// test. Build first (`npm run build`); the peer is the venv of bench/peer/README.md:
//
//   node bench/eigen.bench.mjs [--d 3072] [--threads 1] [--keep 10] [--full 1] [--python .peer/venv/bin/python]
//
// Times ours twice: every eigenvector (`--full 0` skips it: 4 minutes at d = 3,072) and only the
// leading `--keep` (what `polytope sensitivity` asks for: QL eigenvalues + inverse iteration), and
// numpy's `eigh` (every vector) and `eigvalsh` (none). Reports the times, the largest eigenvalue
// difference and our largest residual ‖A v − λ v‖ over the first eigenpairs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import * as core from '../packages/core/dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const n = Number(arg('--d', '3072'));
const threads = arg('--threads', '1');
const python = arg('--python', '.peer/venv/bin/python');
const keep = Number(arg('--keep', '10'));
const runFull = arg('--full', '1') !== '0';

const rand = core.mulberry32(7);
const a = new Float64Array(n * n);
for (let i = 0; i < n; i++)
  for (let j = i; j < n; j++) {
    const v = core.gaussian(rand);
    a[i * n + j] = v;
    a[j * n + i] = v;
  }
const dir = mkdtempSync(join(tmpdir(), 'eigen-bench-'));
const header = new TextEncoder().encode(`{'descr': '<f8', 'fortran_order': False, 'shape': (${n}, ${n}), }`.padEnd(117) + '\n');
const magic = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0);
writeFileSync(join(dir, 'a.npy'), Buffer.concat([magic, header, new Uint8Array(a.buffer)]));

let t0 = performance.now();
const leading = core.symmetricEigen(a, n, { vectors: keep });
const oursLeading = (performance.now() - t0) / 1000;
t0 = performance.now();
const full = runFull ? core.symmetricEigen(a, n) : null;
const ours = runFull ? (performance.now() - t0) / 1000 : null;
const { values, vectors } = leading;
let vectorDiff = null;
if (full) {
  vectorDiff = 0;
  for (let i = 0; i < keep * n; i++) vectorDiff = Math.max(vectorDiff, Math.abs(full.vectors[i] - vectors[i]));
}

const env = { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
const script = `
import json, sys, time, numpy as np
a = np.load(sys.argv[1])
t = time.perf_counter(); w, v = np.linalg.eigh(a); s = time.perf_counter() - t
t = time.perf_counter(); np.linalg.eigvalsh(a); s2 = time.perf_counter() - t
np.save(sys.argv[2], w[::-1].copy())
print(json.dumps({'seconds': s, 'eigvalsh_seconds': s2, 'numpy': np.__version__}))
`;
const peer = JSON.parse(execFileSync(python, ['-c', script, join(dir, 'a.npy'), join(dir, 'w.npy')], { encoding: 'utf8', env }));
const { readFileSync } = await import('node:fs');
const w = core.readNpy(readFileSync(join(dir, 'w.npy'))).data;
let maxDiff = 0;
for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i] - values[i]));
// Residuals of the first eigenpairs (vectors row-major: eigenvector k is row k).
let maxRes = 0;
for (let k = 0; k < Math.min(5, keep, n); k++) {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * vectors[k * n + j];
    maxRes = Math.max(maxRes, Math.abs(s - values[k] * vectors[k * n + i]));
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      d: n,
      cpu: cpus()[0]?.model,
      date: new Date().toISOString(),
      loadavg_1m: loadavg()[0],
      ours_all_vectors_seconds: ours,
      ours_leading_seconds: oursLeading,
      leading_vectors: keep,
      leading_method: leading.method,
      numpy_eigh_seconds: peer.seconds,
      numpy_eigvalsh_seconds: peer.eigvalsh_seconds,
      numpy: peer.numpy,
      numpy_threads: Number(threads),
      ratio_all_vectors_over_eigh: ours === null ? null : ours / peer.seconds,
      ratio_leading_over_eigh: oursLeading / peer.seconds,
      max_leading_vector_difference_to_all_vectors: vectorDiff,
      max_eigenvalue_difference: maxDiff,
      max_residual_first_5: maxRes,
      peak_rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    },
    null,
    1,
  ),
);
