import type { Command } from 'commander';
import { inputPlane, prepareNetwork, sliceMlpFlat } from '@polytope-lens/core';
import { SlicePool, sliceParallel } from '../parallel/slice-parallel.js';
import { parseThreads } from '../threads.js';
import { loadModel, numberList } from '../model.js';
import { CliError } from '../util.js';

/** `polytope bench NETWORK --box …`: regions/second of the exact 2-D partition (for side-by-side runs with other tools). */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time the exact 2-D partition of a 2-input network (one warm-up, then --repeat runs)')
    .argument('<model>', 'network JSON or ONNX file with 2 inputs')
    .option('--box <x0,x1,y0,y1>', 'box', '-1,1,-1,1')
    .option('--repeat <n>', 'timed runs', '5')
    .option('--threads <n>', "worker threads ('auto' = one per core)", 'auto')
    .option(
      '--engine <name>',
      "'general' (any network, worker threads) or 'mlp' (the dedicated 2-D slicer for plain MLPs, one thread, flat arrays: sliceMlpFlat)",
      'general',
    )
    .action(async (modelPath: string, opts: { box: string; repeat: string; threads: string; engine: string }) => {
      if (opts.engine !== 'general' && opts.engine !== 'mlp')
        throw new CliError(`--engine must be 'general' or 'mlp', got '${opts.engine}'`);
      const net = prepareNetwork(loadModel(modelPath)); // once: the repeats (and the pool's workers) reuse its stages
      const box = numberList(opts.box, 4, '--box');
      const repeat = Number(opts.repeat);
      if (!Number.isInteger(repeat) || repeat < 1) throw new CliError(`--repeat must be a positive integer, got '${opts.repeat}'`);
      const threads = opts.engine === 'mlp' ? 1 : parseThreads(opts.threads);
      // Issue 18 #17: bench slices the input plane only (core's message suggests slice's --through, which bench lacks).
      if (net.network.inputSize !== 2)
        throw new CliError(
          `bench times the input plane of a 2-input network; this one has ${net.network.inputSize} inputs (use 'polytope slice' for planes)`,
          'bad-domain',
        );
      const plane = inputPlane(net);
      const pool = threads > 1 ? new SlicePool(threads) : undefined;
      const run = async () => {
        if (opts.engine !== 'mlp') return sliceParallel(net, plane, box, { threads, ...(pool ? { pool } : {}) });
        const r = sliceMlpFlat(net, plane, box);
        return { summary: { seconds: r.seconds, regions: r.regions } };
      };
      const times: number[] = [];
      let regions = 0;
      // Issue 18 #10: the pool is closed on every path (an error used to leave its workers keeping the process alive).
      try {
        await run();
        for (let i = 0; i < repeat; i++) {
          const r = await run();
          times.push(r.summary.seconds);
          regions = r.summary.regions;
        }
      } finally {
        await pool?.close();
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      const out = {
        regions,
        seconds_median: median,
        seconds_min: times[0]!,
        regions_per_second: regions / median,
        threads,
        engine: opts.engine,
      };
      process.stdout.write(JSON.stringify(out) + '\n');
    });
}
