/**
 * `polytope reproduce fig-5.4 | fig-5.5`: dissertation §5.3's sine figures.
 *
 * - Fig. 5.4: the linear interpolants of sin at 2, 4 and 10 uniformly spaced points of [−π, π] (1, 3
 *   and 9 lines), each built as a 1 → k → 1 ReLU network (`sineInterpolant`), partitioned exactly
 *   (`linePieces`), drawn beside the scatter of its pieces' (slope, intercept) and sine's own
 *   tangent-line curve.
 * - Fig. 5.5: the width × depth grid (sweep `sine-grid`): Table 5.1's chosen network per cell, trained
 *   1,000 more epochs, with its MSE and exact number of linear pieces, as JSON, Markdown and two heat
 *   maps.
 */
import { forward, regionCountBounds } from '@polytope-lens/core';
import { linePieces, sineInterpolant } from '@polytope-lens/core/internal';
import { join } from 'node:path';
import { svgToPng } from '../render/png.js';
import { sineFitsSvg, sineGridSvg } from '../render/sine-figures.js';
import { SINE_THRESHOLD } from '../sweeps/reproduce.js';
import { sineGridSweep } from '../sweeps/sine-grid.js';
import type { SineGridCell } from '../sweeps/sine-grid.js';
import { runSweepCli } from '../sweeps/run.js';
import { writeFileAtomic } from '../util.js';

/** Fig. 5.4's numbers of lines. */
const FIG54_PIECES = [1, 3, 9] as const;
/** Points of the MSE "across the domain" (as `--dataset sine`'s test set). */
const MSE_POINTS = 1000;

function writeFigure(out: string, name: string, svg: string): void {
  writeFileAtomic(join(out, `${name}.svg`), svg);
  writeFileAtomic(join(out, `${name}.png`), svgToPng(svg));
}

/**
 * Fig. 5.4: builds the three interpolants, partitions them exactly and writes fig-5.4.json, .svg
 * and .png into `out`; returns the JSON.
 *
 * @example
 * const json = fig54('runs/fig54'); json.fits[2].linear_pieces; // 9
 */
export function fig54(out: string): Record<string, unknown> {
  const fits = FIG54_PIECES.map((k) => {
    const net = sineInterpolant(k);
    const lp = linePieces(net, -Math.PI, Math.PI);
    let sq = 0;
    for (let i = 0; i < MSE_POINTS; i++) {
      const x = -Math.PI + (2 * Math.PI * i) / (MSE_POINTS - 1);
      sq += (forward(net, [x])[0]! - Math.sin(x)) ** 2;
    }
    return { lines: k, regions: lp.regions, linear_pieces: lp.linearPieces, mse: sq / MSE_POINTS, pieces: lp.pieces };
  });
  const svg = sineFitsSvg(
    fits.map((fit) => ({
      title: `${fit.lines} line${fit.lines > 1 ? 's' : ''} (MSE ${fit.mse.toFixed(3)})`,
      pieces: fit.pieces.map((p) => [p.x0, p.x1, p.slope, p.intercept] as const),
    })),
  );
  writeFigure(out, 'fig-5.4', svg);
  const json = { experiment: 'fig-5.4', domain: [-Math.PI, Math.PI], mse_points: MSE_POINTS, fits };
  writeFileAtomic(join(out, 'fig-5.4.json'), JSON.stringify(json, null, 1) + '\n');
  return json;
}

/** The settled options of a fig-5.5 run. */
export interface Fig55Run {
  out: string;
  label: string;
  widths: number[];
  depths: number[];
  runs: number;
  epochs: number;
  extraEpochs: number;
  batch: number;
  seed: number;
  threads: number;
  store: string;
  quiet: boolean;
  log: (s: string) => void;
}

function gridMarkdown(cells: readonly SineGridCell[], pick: (c: SineGridCell) => string): string {
  const widths = [...new Set(cells.map((c) => c.width))];
  const depths = [...new Set(cells.map((c) => c.depth))];
  const lines = [`| width \\ depth | ${depths.join(' | ')} |`, `|---|${depths.map(() => '---:').join('|')}|`];
  for (const w of widths)
    lines.push(`| **${w}** | ${depths.map((d) => pick(cells.find((c) => c.width === w && c.depth === d)!)).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/**
 * Fig. 5.5: runs the `sine-grid` sweep and writes fig-5.5.json, .md, .svg and .png into `run.out`.
 *
 * @example
 * await fig55({ out: 'runs/fig55', widths: [1, 2], depths: [1, 2], runs: 20, epochs: 200, extraEpochs: 1000, … });
 */
export async function fig55(run: Fig55Run): Promise<void> {
  const started = Date.now();
  const { widths, depths, runs, epochs, extraEpochs, batch, seed } = run;
  run.log(
    `reproduce fig-5.5 (${run.label}): widths ${widths.join(',')} × depths ${depths.join(',')}, ≤ ${runs} initializations of ${epochs} epochs, then ${extraEpochs} more; SGD lr 0.1, batch ${batch}\n`,
  );
  const options = { widths, depths, runs, epochs, extraEpochs, batch, seed };
  const cells = (await runSweepCli({
    name: sineGridSweep.name,
    options,
    store: run.store,
    threads: run.threads,
    quiet: run.quiet,
    label: 'fig-5.5',
  })) as SineGridCell[];
  const seconds = (Date.now() - started) / 1000;
  const star = (c: SineGridCell): string => (c.succeeded ? '' : '*');
  const md = [
    `# Fig. 5.5 — sine fits of rectangular ReLU networks, width × depth (${run.label})`,
    '',
    `Per cell: Table 5.1's protocol (≤ ${runs} initializations of ${epochs} epochs, SGD lr 0.1, batch ${batch}, until the training MSE is below ${SINE_THRESHOLD}; ` +
      `the same seeds as \`polytope reproduce table-5.1 --batch ${batch} --seed ${seed}\`), then ${extraEpochs} more epochs. \`*\`: no initialization succeeded; the last one is shown.`,
    '',
    '## MSE on 1,000 uniformly spaced points of [−π, π]',
    '',
    gridMarkdown(cells, (c) => (c.testMse === null ? 'diverged' : c.testMse.toFixed(4) + star(c))),
    '## Exact linear pieces on [−π, π] (activation regions in parentheses where they differ)',
    '',
    gridMarkdown(cells, (c) => `${c.linearPieces}${c.regions !== c.linearPieces ? ` (${c.regions})` : ''}${star(c)}`),
    "## Eq. 2.26 upper bound on the regions of ℝ¹ (Serra et al.'s tighter form; docs/seeds.md)",
    '',
    gridMarkdown(cells, (c) => regionCountBounds(1, new Array<number>(c.depth).fill(c.width)).upperSerra),
    '## Initializations used (Table 5.1)',
    '',
    gridMarkdown(cells, (c) => (c.succeeded ? String(c.initializations) : '–')),
    `${seconds.toFixed(1)} s.`,
    '',
  ].join('\n');
  const json = {
    experiment: 'fig-5.5',
    protocol: run.label,
    runs,
    epochs,
    extra_epochs: extraEpochs,
    batch,
    seed,
    threshold: SINE_THRESHOLD,
    cells,
    // Eq. 2.26 beside the exact counts: the upper bounds (exact integers as strings) per cell.
    bounds: cells.map((c) => {
      const b = regionCountBounds(1, new Array<number>(c.depth).fill(c.width));
      return { width: c.width, depth: c.depth, upper: b.upper, upper_serra: b.upperSerra };
    }),
    seconds,
  };
  writeFileAtomic(join(run.out, 'fig-5.5.json'), JSON.stringify(json) + '\n');
  writeFileAtomic(join(run.out, 'fig-5.5.md'), md);
  writeFigure(
    run.out,
    'fig-5.5',
    sineGridSvg(
      cells,
      `≤ ${runs} initializations × ${epochs} epochs, then ${extraEpochs} more; SGD lr 0.1, batch ${batch}, seed ${seed}; * = none below ${SINE_THRESHOLD}`,
    ),
  );
}
