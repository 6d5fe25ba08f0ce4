// NPN classes of 5-input Boolean functions: the table-driven cofactor canonicalizer and the exhaustive
// class enumeration (616,126 classes, OEIS A000370) against the group-walk canonicalizer (npnCanonical)
// in the same run. Not a test. Build first (`npx tsc -b packages/core`), then:
//
//   node bench/npn5.bench.mjs
//
// Writes bench/results/npn5.md.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as core from '../packages/core/dist/index.js';

const rnd = core.mulberry32(5);
const sample = Array.from({ length: 200000 }, () => Math.floor(rnd() * 2 ** 32) >>> 0);
const time = (f) => {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
};
const [tables, tablesS] = time(() => core.npnTables(5));
let acc = 0;
const [, fastS] = time(() => sample.forEach((t) => (acc ^= core.npnCanonicalFast(t, tables))));
const walkN = 3000;
const [, walkS] = time(() => sample.slice(0, walkN).forEach((t) => (acc ^= core.npnCanonical(t, 5))));
const [reps, enumS] = time(() => core.npnClassRepresentatives(5, tables));
const burnside = Number(core.npnClassCount(5));
const fastRate = sample.length / fastS;
const walkRate = walkN / walkS;
const lines = [
  '# NPN classes of n = 5 (bench/npn5.bench.mjs)',
  '',
  `${new Date().toISOString()}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, load average ${loadavg()[0].toFixed(1)}, Node ${process.version}, one thread.`,
  '',
  '| | value |',
  '|---|---:|',
  `| tables (G₄ orbits of the 65,536 half tables) | ${tablesS.toFixed(3)} s |`,
  `| cofactor canonicalizer (${sample.length} random tables) | ${Math.round(fastRate).toLocaleString('en')} functions/s |`,
  `| group walk npnCanonical (${walkN} tables) | ${Math.round(walkRate).toLocaleString('en')} functions/s |`,
  `| speed-up | ${(fastRate / walkRate).toFixed(0)}× |`,
  `| all 2³² tables through the cofactor canonicalizer (projected) | ${(2 ** 32 / fastRate / 60).toFixed(0)} min |`,
  `| class enumeration (tables with a G₄-minimal upper half) | ${reps.length.toLocaleString('en')} classes in ${enumS.toFixed(2)} s |`,
  `| Burnside (OEIS A000370) | ${burnside.toLocaleString('en')} ${reps.length === burnside ? '(equal)' : '(DIFFERENT)'} |`,
  '',
];
writeFileSync(new URL('./results/npn5.md', import.meta.url), lines.join('\n'));
console.log(lines.join('\n'), acc === -1 ? '' : '');
if (reps.length !== burnside) process.exit(1);
