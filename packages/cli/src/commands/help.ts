/**
 * What `--help` adds to the commands: the top-level list in groups, and two or three examples per
 * command (each runs on a fresh clone: models from examples/onnx or made by an earlier example).
 */
import type { Command } from 'commander';

/** Top-level commands by group, in the order `polytope --help` shows them. */
export const COMMAND_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ['Start here:', ['demo', 'inspect']],
  ['Explore in the browser:', ['serve', 'view']],
  ['Analyse a model at points and along lines:', ['affine', 'line', 'truncate', 'tropical', 'lens']],
  ['Partition input space:', ['slice', 'polytopes', 'walk', 'bench']],
  ['Train and animate:', ['train', 'animate', 'prune']],
  ['Studies and constructions:', ['reproduce', 'polytopes-study', 'study', 'construct', 'boolean', 'boolean-train', 'minimal', 'seeds']],
  ['Frames of ReLU layers:', ['frame']],
  ['Linear coefficients of data sets:', ['coefficients', 'jacobian-images', 'compress', 'similarity', 'sensitivity', 'cross-section']],
  ['Sweeps on many cores and machines:', ['sweep', 'worker']],
];

const CNN = 'examples/onnx/cnn28.onnx';
const MLP = 'examples/onnx/mlp.onnx';

/** Examples per command path (`slice`, `frame bias`, `lens norms`). */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  study: ['npx polytope study chapter7 --out study7', 'npx polytope study chapter7 --quick --out /tmp/study7-quick'],
  'study chapter7': [
    'npx polytope study chapter7 --out study7',
    'npx polytope study chapter7 --epochs 15 --train-limit 60000 --fit-rows 1000 --test-rows 1000 --out study7-full',
  ],
  boolean: ['npx polytope boolean npn --n 4 --json npn4.json', 'npx polytope boolean stats 0x6996 --n 4 --json stats.json'],
  'boolean npn': ['npx polytope boolean npn --n 4 --json npn4.json', 'npx polytope boolean npn --n 5 --json npn5.json'],
  'boolean stats': [
    'npx polytope boolean stats 0x6996 --n 4 --json stats.json',
    'npx polytope boolean stats --all --n 4 --json stats4.json',
  ],
  'boolean swaps': [
    'npx polytope boolean swaps --n 4 --json swaps4.json',
    'npx polytope boolean swaps --n 5 --sample 200 --json swaps5.json',
  ],
  'boolean construct': [
    'npx polytope boolean construct 0x6996 --n 4 --kind width2 --json net.json --onnx net.onnx',
    'npx polytope boolean construct 1785 --n 4 --kind shallow --alpha 0.1 --json net.json',
    'npx polytope boolean construct --n 4 --kind parity --width 2 --depth 2 --json parity.json',
  ],
  minimal: ['npx polytope minimal hypersphere --n 2-10 --json minimal.json', 'npx polytope minimal dots --n 2-20 --json dots.json'],
  'minimal hypersphere': ['npx polytope minimal hypersphere --n 2-10 --json minimal.json'],
  'minimal dots': ['npx polytope minimal dots --n 2-20 --trials 100 --json dots.json'],
  'boolean-train': [
    'npx polytope boolean-train success --functions 27030,1716 --widths 2-4 --depths 1-2 --trials 20 --json success.json',
    'npx polytope boolean-train parity1d --count 1000 --json parity1d.json',
  ],
  'boolean-train success': [
    'npx polytope boolean-train success --functions-file npn4.json --json boolean-success.json',
    'npx polytope boolean-train success --functions 27030 --widths 3 --depths 1 --acts leaky --trials 100 --json parity4.json',
  ],
  'boolean-train parity1d': ['npx polytope boolean-train parity1d --reduction mean --json parity1d-mean.json'],
  'boolean-train hypersphere': ['npx polytope boolean-train hypersphere --dims 2-4 --networks 10 --epochs 20 --json fig4-8.json'],
  'boolean-train highn': [
    'npx polytope boolean-train highn --dims 5-10 --random 20 --xor 37 --widths 6,12 --depths 1,2 --trials 8 --epochs 1000 --json highn.json',
    'npx polytope boolean-train highn --dims 10 --classes parity,random --random 4 --widths 2,4,8,12 --depths 1-4 --trials 10 --json fig3-7.json',
  ],
  'boolean-train prune': [
    'npx polytope boolean-train prune --mode wide --digits 1-4 --widths 2-8 --json prune-wide.json',
    'npx polytope boolean-train prune --mode deep --digits 2-3 --prunings 3 --json prune-deep.json',
    'npx polytope boolean-train prune --mode curves --digits 4 --widths 6,3 --json fig3-10.json',
  ],
  coefficients: [
    `npx polytope coefficients ${CNN} --idx mnist --rows 0-999 --out coeffs/mnist-test`,
    `npx polytope coefficients ${CNN} --idx mnist-train --rows 0-9999 --shard-rows 2000 --out coeffs/mnist-train`,
  ],
  'jacobian-images': [
    `npx polytope jacobian-images ${CNN} --idx mnist --rows 0-2 --out figs/jacobians`,
    `npx polytope jacobian-images ${CNN} --idx mnist --rows 0 --outputs 0,1,2 --scale global --out figs/jac`,
  ],
  compress: [
    `npx polytope compress ${CNN} --fit-idx mnist-train --fit-rows 0-999 --idx mnist --rows 0-499 --k 1,2,5,10 --json compress.json`,
    `npx polytope compress ${CNN} runs/mnist-cnn/model.json --fit-idx mnist-train --fit-rows 0-299 --idx mnist --rows 0-199 --k 1,5,20 --json compress-2.json`,
  ],
  similarity: [
    `npx polytope similarity ${CNN} runs/mnist-cnn/model.json --fit-idx mnist-train --fit-rows 0-499 --idx mnist --rows 0-199 --json similarity.json`,
    `npx polytope similarity ${CNN} runs/mnist-cnn/model.json --fit-idx mnist-train --fit-rows 0-999 --idx mnist --rows 0-299 --ridge 1e-6 --json similarity-ridge.json`,
  ],
  sensitivity: [
    `npx polytope sensitivity ${CNN} --idx mnist --rows 0-999 --json sensitivity.json`,
    `npx polytope sensitivity ${CNN} --idx mnist --rows 0-499 --outputs 3 --keep 5 --json sensitivity-3.json`,
  ],
  'cross-section': [
    'npx polytope cross-section examples/onnx/mnist-cnn.onnx --idx mnist --anchors closest --class 0 --box 0,1,0,1 --grid 100 --json cross-section.json',
    'npx polytope cross-section runs/mnist-mlp/model.json --idx mnist --rows 0,1,2 --grid 200 --tolerance 1e-9 --json cs.json',
  ],
  serve: ['npx polytope serve', 'npx polytope serve polytope-demo/model.json'],
  view: ['npx polytope view slice.json', 'npx polytope view line.json --out line.html'],
  demo: ['npx polytope demo', 'npx polytope demo --arch 32-32 --epochs 300 --out demo-wide'],
  inspect: [`npx polytope inspect ${CNN}`, `npx polytope inspect polytope-demo/model.json --json model-summary.json`],
  affine: [
    'npx polytope affine polytope-demo/model.json --at 0.3,-0.2',
    `npx polytope affine ${CNN} --idx mnist --rows 0-9 --json affine.json`,
  ],
  line: [
    'npx polytope line polytope-demo/model.json --from -1,-1 --to 1,1',
    `npx polytope line ${CNN} --idx mnist --rows 0,1 --json line.json`,
  ],
  slice: [
    'npx polytope slice polytope-demo/model.json --box -1.2,1.2,-1.2,1.2',
    `npx polytope slice ${CNN} --idx mnist --rows 0,1,2 --max-regions 20000 --json mnist-slice.json`,
    `npx polytope slice ${MLP} --origin 0,0,0,0,0,0,0,0,0,0 --dirs '1,0,0,0,0,0,0,0,0,0;0,1,0,0,0,0,0,0,0,0' --summary-only`,
  ],
  polytopes: [
    'npx polytope polytopes polytope-demo/model.json --box -1,1,-1,1',
    'npx polytope polytopes net3d.json --box -1,1,-1,1,-1,1 --max-regions 50000 --validate',
  ],
  walk: [
    'npx polytope walk polytope-demo/model.json --at 0.3,-0.2 --max-regions 50',
    `npx polytope walk ${CNN} --idx mnist --rows 0 --max-regions 5 --radius 0.05`,
  ],
  bench: [
    'npx polytope bench polytope-demo/model.json --repeat 3',
    'npx polytope bench polytope-demo/model.json --box -2,2,-2,2 --threads 1',
  ],
  prune: [
    'npx polytope prune --dataset mnist --json prune/prune.json --models prune/models',
    'npx polytope prune runs/mnist-cnn/model.json --limit 2000 --select-rows 64 --test-rows 2000 --max-steps 45 --json prune.json',
  ],
  train: [
    'npx polytope train --dataset circle-annulus --arch 2-16-16-1 --out runs/circle',
    'npx polytope train --dataset mnist --arch simple-cnn --epochs 1 --limit 10000 --out runs/mnist-cnn',
    'npx polytope train --dataset xor --arch 2-8-1 --snapshot-every 50 --out runs/xor --overwrite',
  ],
  animate: [
    'npx polytope animate --dataset circle-annulus --arch 2-8-8-1 --epochs 20 --out runs/anim',
    'npx polytope animate --dataset sine --arch 1-16-16-1 --epochs 50 --snapshot-every 100 --out runs/sine',
  ],
  truncate: [
    'npx polytope truncate polytope-demo/model.json --at 0.3,-0.2',
    'npx polytope truncate polytope-demo/model.json --at 0,0 --frames tau-frames',
  ],
  construct: ['npx polytope construct sls --data blobs3 --out sls.json', 'npx polytope construct simplex --out simplex.json'],
  seeds: ['npx polytope seeds bounds --arch 2-16-16-1', 'npx polytope seeds fig-6.7 --arch 8-8-8 --json figs/fig-6.7.json'],
  'seeds bounds': ['npx polytope seeds bounds polytope-demo/model.json'],
  'seeds cones': ['npx polytope seeds cones --weight "1,0.5;-0.3,1" --bias 0.2,-0.1'],
  'seeds sls-minima': ['npx polytope seeds sls-minima --data blobs3'],
  'seeds cost': ['npx polytope seeds cost --arch 4-4 --epochs 100'],
  'seeds purity': ['npx polytope seeds purity runs/mnist-mlp/model.json --fit-rows 0-1999 --rows 0-999'],
  'seeds fig-4.1': ['npx polytope seeds fig-4.1 --json figs/fig-4.1.json'],
  'seeds fig-4.6': ['npx polytope seeds fig-4.6 --nets 4 --json figs/fig-4.6.json'],
  'seeds fig-6.7': ['npx polytope seeds fig-6.7 --hand --json figs/fig-6.7-hand.json'],
  tropical: ['npx polytope tropical polytope-demo/model.json', 'npx polytope tropical small.json --max-terms 100000 --json tropical.json'],
  reproduce: [
    'npx polytope reproduce table-5.1 --widths 1-3 --depths 1-3 --runs 5 --out repro',
    'npx polytope reproduce table-4.2 --runs 5 --out repro',
  ],
  sweep: [
    'npx polytope sweep reproduce-annulus --set runs=20 --set maxEpochs=200 --set seed=0 --out t42.json',
    'npx polytope sweep reproduce-annulus --set runs=100 --set maxEpochs=1000 --set seed=0 --queue redis://127.0.0.1:6379 --out t42.json',
    'npx polytope sweep status --queue redis://127.0.0.1:6379',
  ],
  worker: ['npx polytope worker --queue redis://127.0.0.1:6379', 'npx polytope worker --queue redis://10.0.0.5:6379 --threads 8'],
  'polytopes-study': ['npx polytope polytopes-study --out study', 'npx polytope polytopes-study --out study --epochs 10 --no-png'],
  lens: [
    'npx polytope lens codes runs/mnist-cnn/model.json --idx mnist --rows 0-99',
    'npx polytope lens norms runs/mnist-cnn/model.json --idx mnist --rows 0-99',
  ],
  'lens codes': ['npx polytope lens codes runs/mnist-cnn/model.json --idx mnist --rows 0-99 --json codes.json'],
  'lens density': ['npx polytope lens density runs/mnist-cnn/model.json --idx mnist --rows 0-49 --json density.json'],
  'lens norms': ['npx polytope lens norms runs/mnist-cnn/model.json --idx mnist --rows 0-99 --json norms.json'],
  'lens cluster': ['npx polytope lens cluster runs/mnist-cnn/model.json --idx mnist --rows 0-199 --k 10 --json cluster.json'],
  frame: ['npx polytope frame bias --frame tetrahedron --domain ball', 'npx polytope frame report --out frame-report'],
  'frame bias': [
    'npx polytope frame bias --frame tetrahedron --domain ball --json bias.json',
    'npx polytope frame bias --frame icosahedron --domain ball+',
  ],
  'frame inject': ['npx polytope frame inject --frame icosahedron --json inject.json'],
  'frame reconstruct': ['npx polytope frame reconstruct --frame tetrahedron --points 300 --json rec.json'],
  'frame report': [
    'npx polytope frame report --out frame-report',
    'npx polytope frame report --out frame-report --model polytope-demo/model.json',
  ],
};

/** The command's path below the program (`slice`, `frame bias`). */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds the groups and the examples to every command registered on `program`. */
export function decorateHelp(program: Command): void {
  const group = new Map<string, string>();
  for (const [heading, names] of COMMAND_GROUPS) for (const n of names) group.set(n, heading);
  const visit = (cmd: Command): void => {
    for (const sub of cmd.commands) {
      if (cmd === program) {
        const heading = group.get(sub.name());
        if (heading) sub.helpGroup(heading);
      }
      const examples = EXAMPLES[pathOf(sub)];
      if (examples) sub.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
      visit(sub);
    }
  };
  visit(program);
}
