import type { Command } from 'commander';
import { checkTruncation, truncationForm } from '@polytope-lens/core';
import { loadModel, readInputSource, vectorArg } from '../model.js';
import { CliError, writeFileAtomic } from '../util.js';

/**
 * `polytope truncate MODEL --at x --json OUT`: the network as truncation maps on input space
 * (Chen–Muñoz Ewald), with x^(τ,ℓ), the network's x^(ℓ) and the identity's error per layer.
 */
export function registerTruncate(program: Command): void {
  program
    .command('truncate')
    .description('rewrite a dense MLP as truncation maps τ on input space; check x^(ℓ) = W^(ℓ) x^(τ,ℓ) + b^(ℓ)')
    .argument('<model>', 'network JSON or ONNX file (dense + relu/leaky_relu layers)')
    .option('--at <x>', 'one point: comma list, JSON array, or @FILE')
    .option('--inputs <file>', 'inputs file (JSON, .npy/.npz, IDX)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set)")
    .option('--rows <list>', 'rows of --inputs/--idx')
    .option('--lift <mode>', 'auto | on | off: lift ℝ^{d₀} → ℝ^{d₁} by ι when d₀ < d₁ (seed eq. 4.1)', 'auto')
    .option('--json <path>', 'output JSON file', 'truncate.json')
    .option('--quiet', 'print nothing but errors')
    .action((modelPath: string, opts: { at?: string; inputs?: string; idx?: string; rows?: string; lift: string; json: string; quiet?: boolean }) => {
      const net = loadModel(modelPath);
      const d = net.inputSize;
      const lift = opts.lift === 'auto' ? 'auto' : opts.lift === 'on' ? true : opts.lift === 'off' ? false : undefined;
      if (lift === undefined) throw new CliError(`--lift must be auto, on or off, got '${opts.lift}'`);
      const given = [opts.at, opts.inputs, opts.idx].filter((x) => x !== undefined).length;
      if (given !== 1) throw new CliError('give exactly one of --at, --inputs or --idx');
      const points = opts.at !== undefined ? [vectorArg(opts.at, d, '--at')] : readInputSource(opts, d)!;
      const form = truncationForm(net, { lift });
      const results = points.map((x) => {
        const c = checkTruncation(net, x, { form });
        return {
          layers: c.layers.map((l) => ({ layer: l.layer, x_tau: Array.from(l.xTau), x: Array.from(l.x), identity_error: l.identityError, rank: l.rank, full_row_rank: l.fullRowRank })),
          max_error: c.maxError,
        };
      });
      const check = checkTruncation(net, points[0]!, { form });
      const json = {
        hypothesis_holds: form.hypothesisHolds,
        statement: check.statement,
        lifted: form.lifted,
        space: form.space,
        ranks: form.ranks,
        layers: results[0]!.layers,
        ...(results.length > 1 ? { points: results } : {}),
      };
      writeFileAtomic(opts.json, JSON.stringify(json) + '\n');
      if (!opts.quiet) {
        const worst = Math.max(...results.map((r) => r.max_error));
        process.stderr.write(`truncate: ${form.truncations.length} truncation map(s) on ℝ^${form.space}; ${check.statement}; max identity error ${worst.toExponential(2)} → ${opts.json}\n`);
      }
    });
}
