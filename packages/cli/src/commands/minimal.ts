/**
 * `polytope minimal hypersphere|dots`: the minimal width-(n + 1) networks for hypersphere vs
 * hypershell (seed chapter 4, §4.1) with radii from the exact decision region, and Fig. 4.7.
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { minimalRadii, mulberry32, normalSample, randomDotProducts } from '@polytope-lens/core';
import type { MinimalConstruction, MinimalRadii } from '@polytope-lens/core';
import { barChartSvg } from '../render/lens-figures.js';
import { svgToPng } from '../render/png.js';
import { CliError, writeFileAtomic } from '../util.js';

/** Parses `2-10` or `2,3,5` into dimensions. */
function parseDims(text: string, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new CliError(`--n takes a list like 2-10 or 2,3,5, got '${text}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let n = a; n <= b; n++) out.push(n);
  }
  if (out.length === 0 || out.some((n) => n < lo || n > hi)) throw new CliError(`--n must lie in ${lo}…${hi}, got '${text}'`);
  return out;
}

function sibling(path: string, ext: string): string {
  return path.slice(0, path.length - extname(path).length) + ext;
}

/** Volume ratio of the two shells at ρ = 1 (Eq. 4.17's left side) and the seed's and the true limits. */
function shellVolumeRatio(n: number): { ratio: number; seed_limit: number; corrected: number } {
  const q = (n * (n + 2) + 0.5 * (1 - (-1) ** n)) / (2 * (n + 1));
  return { ratio: (n ** (n / 2) - 1) / (q ** (n / 2) - 1), seed_limit: 2 ** (n / 2), corrected: Math.exp(-0.5) * 2 ** (n / 2) };
}

const EQ: Record<MinimalConstruction, string> = {
  hyperoctahedron: 'Eq. 4.5: ρ/R = 1/√n',
  'expanded-simplex': 'Eq. 4.11 / Table 4.1: ρ/R = √(2(n+1)/(n(n+2) + (1−(−1)ⁿ)/2))',
};

function markdown(rows: MinimalRadii[]): string {
  const lines = [
    '# Minimal width-(n + 1) networks: hypersphere vs hypershell (seed §4.1)',
    '',
    'ρ = inner radius (distance from the centre to the decision boundary), R = outer radius (farthest point of the',
    'decision region), both from the exact regions of the constructed network (enumeratePolytopes for n ≤ 8, walkRegions',
    'plus facet-subset vertices above: the enumeration supports d ≤ 8); the seed column is its',
    'closed form (Eq. 4.5 for the hyperoctahedron, Eq. 4.11 / Table 4.1 for the expanded simplex, circumradius 1).',
    '',
    '| n | construction | ρ | R | ρ/R (region) | ρ/R (seed) | R/ρ | regions | boundary faces | exact ρ | method | s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|',
    ...rows.map(
      (r) =>
        `| ${r.n} | ${r.construction} | ${r.inner.toFixed(6)} | ${r.outer.toFixed(6)} | ${r.innerOuterRatio.toFixed(6)} | ${r.formula.toFixed(6)} | ${(r.outer / r.inner).toFixed(6)} | ${r.regions} | ${r.boundaryFaces} | ${r.innerExact ? 'yes' : 'bracket'} | ${r.method} | ${r.seconds.toFixed(2)} |`,
    ),
    '',
    '2-D: square R/ρ = √2 (Eq. 4.1), hexagon 2/√3 (Eq. 4.2); 3-D: octahedron √3 (Eq. 4.3), cuboctahedron √2 (Eq. 4.4).',
    '',
  ];
  return lines.join('\n');
}

function registerHypersphere(cmd: Command): void {
  cmd
    .command('hypersphere')
    .description('ρ/R of the hyperoctahedron and expanded-simplex width-(n+1) networks from their exact decision regions (Table 4.1)')
    .option('--n <list>', 'dimensions, e.g. 2-10', '2-10')
    .option('--json <path>', 'output JSON (Markdown beside it)', 'minimal-hypersphere.json')
    .option('--quiet', 'print nothing but errors')
    .action(async (opts: { n: string; json: string; quiet?: boolean }) => {
      const dims = parseDims(opts.n, 2, 12);
      const rows: MinimalRadii[] = [];
      for (const n of dims)
        for (const c of ['hyperoctahedron', 'expanded-simplex'] as const) {
          const r = await minimalRadii(c, n);
          rows.push(r);
          if (!opts.quiet)
            process.stderr.write(
              `  n = ${n} ${c}: ρ/R = ${r.innerOuterRatio.toFixed(6)} (seed ${r.formula.toFixed(6)}), ${r.regions} regions, ${r.seconds.toFixed(2)} s\n`,
            );
        }
      const doc = {
        rows: rows.map((r) => ({
          n: r.n,
          construction: r.construction,
          inner: r.inner,
          outer: r.outer,
          inner_outer_ratio: r.innerOuterRatio,
          outer_inner_ratio: r.outer / r.inner,
          formula: r.formula,
          formula_source: EQ[r.construction],
          inner_exact: r.innerExact,
          method: r.method,
          regions: r.regions,
          positive_regions: r.positiveRegions,
          boundary_faces: r.boundaryFaces,
          seconds: r.seconds,
        })),
        shell_volume_ratio: dims.map((n) => ({ n, ...shellVolumeRatio(n) })),
      };
      writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
      writeFileAtomic(sibling(opts.json, '.md'), markdown(rows));
      const worst = Math.max(...rows.map((r) => Math.abs(r.innerOuterRatio - r.formula)));
      if (!opts.quiet)
        process.stderr.write(
          `minimal hypersphere: ${rows.length} rows, largest |region − formula| = ${worst.toExponential(2)} → ${opts.json}\n`,
        );
    });
}

function registerDots(cmd: Command): void {
  cmd
    .command('dots')
    .description('Fig. 4.7: mean and maximum |cos| between n random unit vectors in ℝⁿ, averaged over trials')
    .option('--n <list>', 'dimensions', '2-20')
    .option('--trials <k>', 'trials per dimension', '100')
    .option('--seed <s>', 'seed', '1')
    .option('--json <path>', 'output JSON (SVG/PNG figure beside it)', 'dots.json')
    .option('--quiet', 'print nothing but errors')
    .action((opts: { n: string; trials: string; seed: string; json: string; quiet?: boolean }) => {
      const dims = parseDims(opts.n, 2, 1000);
      const trials = Number(opts.trials);
      if (!Number.isInteger(trials) || trials < 1) throw new CliError(`--trials must be a positive integer, got '${opts.trials}'`);
      const rnd = mulberry32(Number(opts.seed) >>> 0);
      const rows = dims.map((n) => ({ n, ...randomDotProducts(n, trials, () => normalSample(rnd)) }));
      writeFileAtomic(opts.json, JSON.stringify({ trials, measure: '|cos| of pairs of Gaussian directions', rows }, null, 1) + '\n');
      const svg = barChartSvg(
        `Fig. 4.7: |dot products| of n random unit vectors in ℝⁿ (${trials} trials)`,
        dims.map(String),
        [
          { name: 'mean', values: rows.map((r) => r.mean) },
          { name: 'max', values: rows.map((r) => r.max) },
        ],
        '|cos|',
      );
      writeFileAtomic(sibling(opts.json, '.svg'), svg);
      writeFileAtomic(sibling(opts.json, '.png'), svgToPng(svg));
      if (!opts.quiet) process.stderr.write(`minimal dots: n = ${dims[0]}…${dims[dims.length - 1]}, ${trials} trials → ${opts.json}\n`);
    });
}

/** Registers `polytope minimal`. */
export function registerMinimal(program: Command): void {
  const cmd = program.command('minimal').description('minimal width-(n+1) hypersphere vs hypershell networks and Fig. 4.7 (ch. 4)');
  registerHypersphere(cmd);
  registerDots(cmd);
}
