// Per-try success rate of Table 5.1's protocol with this project's trainer (the same trials and seeds
// as `polytope reproduce table-5.1`), to set beside scripts/table51-variants.py's PyTorch estimates.
// Usage (after npm run build): node scripts/table51-ts-rate.mjs WIDTH DEPTH BATCH TRIALS
import { sineTrial, SINE_THRESHOLD } from '../packages/cli/dist/sweeps/reproduce.js';

const [width, depth, batch, trials] = process.argv.slice(2).map(Number);
const shard = { width, depth, batch, runs: trials, epochs: 200, seed: 0 };
let ok = 0;
const t0 = Date.now();
for (let t = 0; t < trials; t++) if ((await sineTrial(shard, t)).mse < SINE_THRESHOLD) ok++;
console.log(JSON.stringify({ width, depth, batch, trials, success_045: ok, seconds: (Date.now() - t0) / 1000 }));
