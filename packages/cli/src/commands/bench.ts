import type { Command } from 'commander';
import { inputPlane, slicePlane } from '@polytope-lens/core';
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
    .action((modelPath: string, opts: { box: string; repeat: string }) => {
      const net = loadModel(modelPath);
      const box = numberList(opts.box, 4, '--box');
      const repeat = Number(opts.repeat);
      if (!Number.isInteger(repeat) || repeat < 1) throw new CliError(`--repeat must be a positive integer, got '${opts.repeat}'`);
      const plane = inputPlane(net);
      slicePlane(net, plane, box, { collect: false });
      const times: number[] = [];
      let regions = 0;
      for (let i = 0; i < repeat; i++) {
        const r = slicePlane(net, plane, box, { collect: false });
        times.push(r.summary.seconds);
        regions = r.summary.regions;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      const out = { regions, seconds_median: median, seconds_min: times[0]!, regions_per_second: regions / median };
      process.stdout.write(JSON.stringify(out) + '\n');
    });
}
