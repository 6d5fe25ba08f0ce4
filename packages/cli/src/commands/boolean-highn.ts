/**
 * The report and figures of `polytope boolean-train highn` (§3.4.3, Figs. 3.7–3.9): Markdown tables
 * of the success grids, of every function's Fourier metrics beside its performance and of the class
 * averages per n, and the three figures as SVG.
 */
import type { BatchedPrecision, BooleanHighnMerged, HighnClass, HighnFunctionRow } from '@polytope-lens/core';
import { dimensionLinesSvg, performanceScatterSvg, successGridsSvg } from '../render/highn-figures.js';
import type { HighnSeries } from '../render/highn-figures.js';
import { writeFileAtomic } from '../util.js';

const CLASS_NAME: Record<HighnClass, string> = { parity: 'n-parity', random: 'random', xor: 'XOR (f₄ ⊕ x₅ ⊕ … ⊕ xₙ)' };

/** The trainer's arithmetic in a report's header line. */
export function precisionWords(p: BatchedPrecision): string {
  return p === 'f32' ? 'float32 training' : 'float64 training';
}

/** A function's label in a table: parity, random #i or the XORed four-input class. */
function highnLabel(f: Pick<HighnFunctionRow, 'cls' | 'index' | 'base'>): string {
  return f.cls === 'parity' ? 'parity' : f.cls === 'random' ? `random #${f.index}` : `${f.base} ⊕ x₅…xₙ`;
}

/** Pearson correlation; null when either side is constant or there are fewer than 3 points. */
function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  if (n < 3) return null;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

const fix = (v: number | null, d = 3): string => (v === null || Number.isNaN(v) ? '–' : v.toFixed(d));

function gridTable(m: BooleanHighnMerged, n: number, cls: HighnClass): string[] {
  const out = [`| depth \\ width | ${m.widths.join(' | ')} |`, `|---|${m.widths.map(() => '---:').join('|')}|`];
  for (const d of m.depths) {
    const row = m.widths.map((w) => {
      const s = m.shapes.find((x) => x.n === n && x.cls === cls && x.width === w && x.depth === d);
      return s ? `${s.successRate.toFixed(2)}${cls === 'parity' && s.parityPredicted ? '*' : ''}` : '';
    });
    out.push(`| ${d} | ${row.join(' | ')} |`);
  }
  return out;
}

/**
 * The Markdown report.
 *
 * @example
 * highnReport(merged, 12.5); // '# Boolean functions at higher n …'
 */
export function highnReport(m: BooleanHighnMerged, seconds: number): string {
  const out: string[] = ['# Boolean functions at higher n (§3.4.3, Figs. 3.7–3.9)', ''];
  const counts = m.classes.map((c) => `${m.functions.filter((f) => f.cls === c && f.n === m.dims[0]).length} ${c}`);
  out.push(
    `n = ${m.dims.join(', ')} · functions per n: ${counts.join(', ')} · widths ${m.widths.join(',')} × depths ${m.depths.join(',')} · leak ${m.alpha} · ${m.trials} trials per cell · up to ${m.epochs} Adam steps (lr ${m.lr}, ${precisionWords(m.precision)}) · ${m.cells.length} cells · ${m.networkEpochs.toExponential(3)} network-epochs · ${seconds.toFixed(1)} s`,
    '',
    'XOR class: g(x₁…xₙ) = f(x₁…x₄) ⊕ x₅ ⊕ … ⊕ xₙ, f the smallest member of a four-input NPN class (x₁ the most significant digit of a row). Performance = points classified correctly / 2ⁿ, averaged over every trial and shape; success = all 2ⁿ points. Degree, spectral entropy (bits) and total influence of the ±1-valued function with the 2⁻ⁿ-normalized Walsh–Fourier coefficients.',
    '',
  );
  const top = Math.max(...m.dims);
  for (const n of m.dims) {
    for (const cls of ['parity', 'random'] as const) {
      if (!m.shapes.some((s) => s.n === n && s.cls === cls)) continue;
      const k = m.functions.filter((f) => f.n === n && f.cls === cls).length;
      out.push(
        `## Fig. 3.7, n = ${n}: success rate, ${cls === 'parity' ? `${n}-parity (rows depth, columns width; * = n ≤ widthᵈᵉᵖᵗʰ, predicted by Theorem 3.3.4 / swaps = n)` : `mean over ${k} random functions (rows depth, columns width)`}`,
        '',
        ...gridTable(m, n, cls),
        '',
      );
    }
  }
  const fns = m.functions.filter((f) => f.n === top);
  out.push(`## Fig. 3.8, n = ${top}: performance and Fourier metrics per class`, '');
  out.push(
    '| class | functions | performance mean (min–max) | success rate | degree mean | entropy mean | influence mean | r(perf, degree) | r(perf, entropy) | r(perf, influence) |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  const groups: [string, HighnFunctionRow[]][] = [
    ...m.classes.map((c): [string, HighnFunctionRow[]] => [CLASS_NAME[c], fns.filter((f) => f.cls === c)]),
    ['all', fns],
  ];
  for (const [name, g] of groups) {
    if (g.length === 0) continue;
    const perf = g.map((f) => f.performance);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    out.push(
      `| ${name} | ${g.length} | ${fix(mean(perf))} (${fix(Math.min(...perf))}–${fix(Math.max(...perf))}) | ${fix(mean(g.map((f) => f.successRate)))} | ${fix(mean(g.map((f) => f.degree)), 2)} | ${fix(mean(g.map((f) => f.entropy)), 2)} | ${fix(mean(g.map((f) => f.totalInfluence)), 2)} | ${fix(
        pearson(
          perf,
          g.map((f) => f.degree),
        ),
        2,
      )} | ${fix(
        pearson(
          perf,
          g.map((f) => f.entropy),
        ),
        2,
      )} | ${fix(
        pearson(
          perf,
          g.map((f) => f.totalInfluence),
        ),
        2,
      )} |`,
    );
  }
  out.push('', `### Every function at n = ${top}, sorted by performance`, '');
  out.push('| function | class | degree | entropy | influence | success rate | performance |', '|---|---|---:|---:|---:|---:|---:|');
  for (const f of [...fns].sort((a, b) => a.performance - b.performance)) {
    out.push(
      `| ${highnLabel(f)} | ${f.cls} | ${f.degree} | ${f.entropy.toFixed(3)} | ${f.totalInfluence.toFixed(3)} | ${f.successRate.toFixed(3)} | ${f.performance.toFixed(4)} |`,
    );
  }
  out.push('', '## Fig. 3.9: class averages per n (metrics divided by n)', '');
  out.push(
    '| n | class | functions | success rate | performance | degree / n | entropy / n | influence / n | network-epochs |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of m.byDim) {
    out.push(
      `| ${r.n} | ${r.cls} | ${r.functions} | ${fix(r.successRate)} | ${fix(r.performance)} | ${fix(r.degreeOverN)} | ${fix(r.entropyOverN)} | ${fix(r.influenceOverN)} | ${r.networkEpochs.toExponential(3)} |`,
    );
  }
  return out.join('\n') + '\n';
}

/**
 * Writes `<stem>-fig3-7.svg` (when the largest n has parity or random cells), `<stem>-fig3-8.svg`
 * and, with two or more n, `<stem>-fig3-9.svg`; returns the files written.
 *
 * @example
 * writeHighnFigures(merged, 'out/highn'); // ['out/highn-fig3-7.svg', 'out/highn-fig3-8.svg', 'out/highn-fig3-9.svg']
 */
export function writeHighnFigures(m: BooleanHighnMerged, stem: string): string[] {
  const files: string[] = [];
  const top = Math.max(...m.dims);
  const grids = (['parity', 'random'] as const)
    .filter((cls) => m.shapes.some((s) => s.n === top && s.cls === cls))
    .map((cls) => {
      const cellOf = (w: number, d: number) => m.shapes.find((s) => s.n === top && s.cls === cls && s.width === w && s.depth === d);
      const k = m.functions.filter((f) => f.n === top && f.cls === cls).length;
      return {
        title: cls === 'parity' ? `${top}-parity (outlined: ${top} ≤ width^depth)` : `random, mean of ${k}`,
        values: m.depths.map((d) => m.widths.map((w) => cellOf(w, d)?.successRate ?? null)),
        marked: m.depths.map((d) => m.widths.map((w) => cls === 'parity' && (cellOf(w, d)?.parityPredicted ?? false))),
      };
    });
  if (grids.length > 0) {
    const file = `${stem}-fig3-7.svg`;
    writeFileAtomic(file, successGridsSvg(`Fig. 3.7: success %, n = ${top}`, m.depths.map(String), m.widths.map(String), grids));
    files.push(file);
  }
  const fns = m.functions.filter((f) => f.n === top);
  const series = (metric: (f: HighnFunctionRow) => number): HighnSeries[] =>
    m.classes
      .map((c) => ({ name: CLASS_NAME[c], points: fns.filter((f) => f.cls === c).map((f) => [metric(f), f.performance] as const) }))
      .filter((s) => s.points.length > 0);
  const f38 = `${stem}-fig3-8.svg`;
  writeFileAtomic(
    f38,
    performanceScatterSvg(`Fig. 3.8: performance (points correct / 2^${top}) against Fourier metrics, n = ${top}`, {
      degree: series((f) => f.degree),
      entropy: series((f) => f.entropy),
      influence: series((f) => f.totalInfluence),
    }),
  );
  files.push(f38);
  const line = (key: 'successRate' | 'performance' | 'degreeOverN' | 'entropyOverN' | 'influenceOverN'): HighnSeries[] =>
    m.classes
      .map((c) => ({ name: CLASS_NAME[c], points: m.byDim.filter((r) => r.cls === c).map((r) => [r.n, r[key]] as const) }))
      .filter((s) => s.points.length > 0);
  if (m.dims.length < 2) return files; // Fig. 3.9 plots against n
  const f39 = `${stem}-fig3-9.svg`;
  writeFileAtomic(
    f39,
    dimensionLinesSvg(`Fig. 3.9: class averages against n (${m.trials} trials, ≤ ${m.epochs} steps; metrics divided by n)`, [
      { title: 'success rate', series: line('successRate') },
      { title: 'performance', series: line('performance') },
      { title: 'degree / n', series: line('degreeOverN') },
      { title: 'entropy / n', series: line('entropyOverN') },
      { title: 'influence / n', series: line('influenceOverN') },
    ]),
  );
  files.push(f39);
  return files;
}
