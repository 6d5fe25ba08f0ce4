import type { Command } from 'commander';
import { PolytopeError, evalTropical, formatMaxAffine, forward, mulberry32, tropicalForm } from '@polytope-lens/core';
import { SELF_CHECK_EPS } from '@polytope-lens/core/internal';
import type { Network, TropicalForm } from '@polytope-lens/core';
import { loadModel } from '../model.js';
import { CliError, writeFileAtomic } from '../util.js';

/**
 * The tropical form, or, when it outgrows --max-terms, one line naming the flag: where the form
 * outgrew it and how many terms it needed there (for a given network and limit this is
 * deterministic: the construction and the pruning LPs have no randomness).
 */
async function tropicalOrExplain(net: Network, maxTerms: number, prune: boolean): Promise<TropicalForm> {
  try {
    return await tropicalForm(net, { maxTerms, prune });
  } catch (err) {
    if (!(err instanceof PolytopeError) || err.code !== 'too-large') throw err;
    const m = /^(.*?): the max-affine form would need about (\d+) terms/.exec(err.message);
    if (!m) throw err;
    throw new CliError(
      `the tropical form outgrows --max-terms ${maxTerms}: at ${m[1]} it needs about ${Number(m[2]).toLocaleString('en-US')} terms; raise --max-terms above that (later layers may need more) or use a smaller network`,
      'too-large',
    );
  }
}

/** `polytope tropical MODEL [--json OUT]`: the network as F − G, F and G convex max-affine. */
export function registerTropical(program: Command): void {
  program
    .command('tropical')
    .description('exact tropical form f = F − G (F, G convex max-affine) of a small dense ReLU/leaky-ReLU MLP')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--json <path>', 'output JSON file', 'tropical.json')
    .option('--max-terms <n>', 'refuse when an intermediate form would exceed this many terms', '20000')
    .option('--no-prune', 'skip the LP pruning of redundant terms (counts become upper bounds)')
    .option('--check <n>', 'random points on which to compare with the network', '1000')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: { json: string; maxTerms: string; prune: boolean; check: string; quiet?: boolean }) => {
      const net = loadModel(modelPath);
      const maxTerms = Number(opts.maxTerms);
      const checks = Number(opts.check);
      if (!Number.isInteger(maxTerms) || maxTerms < 1) throw new CliError(`--max-terms must be a positive integer, got '${opts.maxTerms}'`);
      if (!Number.isInteger(checks) || checks < 0) throw new CliError(`--check must be a non-negative integer, got '${opts.check}'`);
      const form = await tropicalOrExplain(net, maxTerms, opts.prune);
      const rand = mulberry32(1);
      let maxError = 0;
      let scale = 1;
      for (let k = 0; k < checks; k++) {
        const x = Array.from({ length: form.inputs }, () => 8 * rand() - 4);
        const y = forward(net, x);
        const t = evalTropical(form, x);
        for (let r = 0; r < y.length; r++) {
          const e = Math.abs(y[r]! - t[r]!);
          maxError = Number.isNaN(e) || Number.isNaN(maxError) ? NaN : Math.max(maxError, e);
          scale = Math.max(scale, Math.abs(y[r]!));
        }
      }
      // Issue 18 #4: a form that fails its own check is an error, not a result printed beside it.
      if (!(maxError <= SELF_CHECK_EPS * scale))
        throw new PolytopeError(
          Number.isFinite(maxError) ? 'solver-failed' : 'non-finite',
          `the tropical form fails its own check: max |f − (F − G)| = ${maxError} on ${checks} points (network outputs up to ${scale}); ` +
            `the weights or biases are too extreme for float64 (pruning lost terms or values overflowed)`,
        );
      const termsOf = (f: { dim: number; count: number; terms: Float64Array }): number[][] =>
        Array.from({ length: f.count }, (_, t) => Array.from(f.terms.subarray(t * (f.dim + 1), (t + 1) * (f.dim + 1))));
      const json = {
        inputs: form.inputs,
        pruned: form.pruned,
        seconds: form.seconds,
        check: { points: checks, box: [-4, 4], max_error: maxError },
        outputs: form.outputs.map((o) => ({
          F_pieces: o.F.count,
          G_pieces: o.G.count,
          F: formatMaxAffine(o.F),
          G: formatMaxAffine(o.G),
          F_terms: termsOf(o.F),
          G_terms: termsOf(o.G),
        })),
      };
      writeFileAtomic(opts.json, JSON.stringify(json) + '\n');
      if (!opts.quiet) {
        const counts = form.outputs.map((o, r) => `y${r}: F ${o.F.count}, G ${o.G.count}`).join('; ');
        process.stderr.write(
          `tropical: ${counts} pieces${form.pruned ? '' : ' (upper bounds)'}; max |f − (F − G)| = ${maxError.toExponential(2)} on ${checks} points → ${opts.json}\n`,
        );
      }
    });
}
