// Exact n-D polytope enumeration (packages/core/src/polytopes) and the LP-based region walk.
// Not a test. Build first (`npx tsc -b packages/core`), then:
//
//   node bench/polytopes.bench.mjs           # enumeration benchmarks + a short MNIST walk
//   node bench/polytopes.bench.mjs --quick   # fewer rounds, no MNIST walk
//   node bench/polytopes.bench.mjs --no-walk # enumeration only
//
// Workloads (fixed seeds, PyTorch default init, box [-1,1]^3, full geometry: vertices, facets,
// f-vector, pulling triangulation, volume):
//   - 3→10→10→1 (the size of the SciPy comparison in issue 3: ≈12 s for ≈1,000 regions)
//   - 3→20→20→20→1
//   - 3→32×4→1
// The enumeration solves no LP (splits with known vertices are exact and LP-free), so the LP share
// is 0 by construction; the walk's LP share is measured. Reports min and median over rounds.
import { cpus } from 'node:os';
import * as core from '../packages/core/dist/index.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 5;
const box = [-1, 1, -1, 1, -1, 1];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Global warm-up (JIT tiers) so the first timed network is not penalized.
for (let i = 0; i < 3; i++) core.enumeratePolytopes(core.randomMlp([3, 20, 20, 20, 1], { seed: 99 }), { box });

console.log(`# polytopes bench — node ${process.version}, ${cpus()[0]?.model ?? '?'} ×${cpus().length}\n`);
console.log('| network | seed | regions | min s | median s | regions/s (median) | LP share | mean facets | mean simplices |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [widths, seeds] of [
  [
    [3, 10, 10, 1],
    [1, 2, 3],
  ],
  [[3, 20, 20, 20, 1], [1]],
  [[3, 32, 32, 32, 32, 1], [1]],
]) {
  for (const seed of seeds) {
    const net = core.randomMlp(widths, { seed });
    core.enumeratePolytopes(net, { box }); // warm-up
    const times = [];
    let res;
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      res = core.enumeratePolytopes(net, { box });
      times.push((performance.now() - t) / 1000);
    }
    const R = res.regions;
    const mf = R.reduce((a, r) => a + r.facets.length, 0) / R.length;
    const ms = R.reduce((a, r) => a + r.simplices, 0) / R.length;
    const med = median(times);
    console.log(
      `| ${widths.join('→')} | ${seed} | ${R.length} | ${Math.min(...times).toFixed(3)} | ${med.toFixed(3)} | ${(R.length / med).toFixed(0)} | ${(res.lpSeconds / med).toFixed(2)} | ${mf.toFixed(2)} | ${ms.toFixed(2)} |`,
    );
  }
}

// Region walk: LP-based, one facet LP per constraint row and region.
console.log('\n| walk | input dim | regions | seconds | regions/s | LPs | LP share |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
const walkCases = process.argv.includes('--no-walk')
  ? []
  : quick
    ? [[50, 5]]
    : [
        [50, 10],
        [200, 3],
        [784, 1],
      ];
for (const [d, n] of walkCases) {
  const net = core.randomMlp([d, 128, 10], { seed: 3 });
  const x = new Float64Array(d).fill(0.3);
  const w = await core.walkRegions(net, x, { maxRegions: n, domain: [0, 1] });
  console.log(
    `| ${d}→128→10, domain [0,1]^${d} | ${d} | ${w.regions.length} | ${w.seconds.toFixed(1)} | ${(w.regions.length / w.seconds).toFixed(3)} | ${w.lps} | ${(w.lpSeconds / w.seconds).toFixed(2)} |`,
  );
}
