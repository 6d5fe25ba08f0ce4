/**
 * The chapter-7 study's report: `DIR/report.md` with figures to set beside the dissertation's
 * Figs. 6.3, 6.14–6.19 and 7.3–7.17, and the §7.4 findings checked against our numbers.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../util.js';
import { svgToPng } from './png.js';
import { accuracyVsKSvg, matrixHeatmapSvg } from './coefficient-figures.js';
import { spectrumSvg } from './sensitivity-figures.js';
import { greyLevels, imageTag } from './jacobian-images.js';
import { readF64 } from '../sweeps/chapter7.js';
import type { Chapter7Options, HeadModel, ModelShardResult, TrainShardResult, ZooModel } from '../sweeps/chapter7.js';

/** What `polytope study chapter7` writes to study.json (and the report reads). */
export interface Chapter7Doc {
  models: ZooModel[];
  training: TrainShardResult[];
  /** Backbones with a retrained last layer (`--extra`, `--control`), and their training. */
  heads: Omit<HeadModel, 'backbone'>[];
  head_training: TrainShardResult[];
  per_model: ModelShardResult[];
  similarity: { models: string[]; affine_accuracy: number[][]; scaled_mse: number[][]; cka: number[][]; softmax_ce: number[][] };
  phase_seconds: Record<string, number>;
  seconds: number;
}

/** Table 7.1's MNIST accuracies (%), SGD and AdamW, for the networks we train. */
const DISSERTATION_MNIST: Record<string, [number, number]> = {
  linear: [88.89, 86.83],
  'dense-1': [96.76, 97.43],
  'dense-2': [96.91, 97.24],
  'simple-1': [97.8, 98.86],
  'simple-2': [97.89, 98.9],
  'complex-1': [97.73, 98.95],
  'complex-2': [97.86, 98.81],
};

const pct = (v: number) => (100 * v).toFixed(2);

function figure(dir: string, name: string, svg: string, png: boolean): string {
  writeFileAtomic(join(dir, `${name}.svg`), svg);
  if (png) writeFileAtomic(join(dir, `${name}.png`), svgToPng(svg));
  return png ? `${name}.png` : `${name}.svg`;
}

function distanceCap(values: readonly (readonly number[])[]): number {
  const off = values
    .flatMap((row, i) => row.filter((_, j) => j !== i))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return off.length === 0 ? 1 : 2 * off[Math.floor(off.length / 2)]!;
}

/** Rows = models: test sample 0's Jacobian rows (channel 0) for the 10 outputs, then the 4 leading sensitivity directions. */
function imagesSvg(o: Chapter7Options, doc: Chapter7Doc): string {
  const S = 32;
  const zoom = 2;
  const cell = S * zoom + 6;
  const left = 130;
  const plane = S * S;
  const d = 3 * plane;
  const W = left + 15 * cell;
  const H = 50 + doc.per_model.length * (cell + 4);
  let body = `<text x="${left}" y="20">Jacobian rows of test image 0 (outputs 0–9, channel 0)</text><text x="${left + 11 * cell}" y="20">leading directions v1–v4</text>`;
  doc.per_model.forEach((r, row) => {
    const y = 30 + row * (cell + 4);
    body += `<text x="6" y="${y + cell / 2}">${r.id}</text>`;
    const jac = readF64(join(o.dir, r.jacobian_file));
    let s = 0;
    for (let i = 0; i < jac.length; i++) s = Math.max(s, Math.abs(jac[i]!));
    for (let j = 0; j < 10; j++) body += imageTag(greyLevels(jac.subarray(j * d, j * d + plane), s), S, S, left + j * cell, y, zoom);
    const dirs = readF64(join(o.dir, r.directions_file));
    for (let k = 0; k < Math.min(4, dirs.length / d); k++) {
      const v = dirs.subarray(k * d, k * d + plane);
      let sv = 0;
      for (let i = 0; i < v.length; i++) sv = Math.max(sv, Math.abs(v[i]!));
      body += imageTag(greyLevels(v, sv), S, S, left + (11 + k) * cell, y, zoom);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
}

const mean = (v: number[]) => (v.length === 0 ? NaN : v.reduce((a, b) => a + b, 0) / v.length);

/** Mean of M[a][b] over ordered pairs a ≠ b with pred(a) and pred2(b). */
function pairMean(ids: string[], m: number[][], a: (id: string) => boolean, b: (id: string) => boolean): number {
  const v: number[] = [];
  ids.forEach((x, i) => ids.forEach((y, j) => i !== j && a(x) && b(y) && v.push(m[i]![j]!)));
  return mean(v);
}

/** The §7.4 findings against our numbers (one bullet each, with the numbers and a verdict). */
export function findings(doc: Chapter7Doc): string[] {
  const ids = doc.similarity.models;
  const cka = doc.similarity.cka;
  const isDense = (s: string) => s.startsWith('dense');
  const isLinear = (s: string) => s.startsWith('linear');
  const isCnn = (s: string) => s.startsWith('simple') || s.startsWith('complex');
  const out: string[] = [];
  // Not judged by CKA: a linear network's coefficients are the same for every sample, so its
  // column-centred coefficients are zero and its CKA is 0 by convention. The affine-mapped accuracy
  // (higher: more alike) and the scaled distance (lower: more alike) do not have that degeneracy.
  const acc = doc.similarity.affine_accuracy;
  const mse = doc.similarity.scaled_mse;
  const [al, ac] = [pairMean(ids, acc, isDense, isLinear), pairMean(ids, acc, isDense, isCnn)];
  const [ml, mc] = [pairMean(ids, mse, isDense, isLinear), pairMean(ids, mse, isDense, isCnn)];
  if ([al, ac, ml, mc].every(Number.isFinite)) {
    const votes = (al > ac ? 1 : 0) + (ml < mc ? 1 : 0);
    const verdict = votes === 2 ? 'holds' : votes === 0 ? 'does not hold' : 'mixed (the two measures disagree)';
    out.push(
      `- **Dense ≈ linear.** Affine-mapped accuracy dense→linear ${pct(al)} % against dense→CNN ${pct(ac)} %; scaled distance dense→linear ${ml.toExponential(2)} against dense→CNN ${mc.toExponential(2)}: ${verdict} here. (Not judged by CKA: a linear net's centred coefficients are zero, so its CKA is 0 by convention.)`,
    );
  }
  const cc = pairMean(ids, cka, isCnn, isCnn);
  const cx = pairMean(ids, cka, isCnn, (s) => !isCnn(s));
  if (Number.isFinite(cc) && Number.isFinite(cx))
    out.push(
      `- **CNNs similar to each other.** Mean CKA CNN→CNN ${cc.toFixed(3)} against CNN→(linear, dense) ${cx.toFixed(3)}: ${cc > cx ? 'holds' : 'does not hold'} here.`,
    );
  const drop = (opt: string) =>
    mean(doc.per_model.filter((r) => r.id.endsWith(opt) && !isLinear(r.id)).map((r) => r.original_accuracy - r.accuracy[0]!));
  const ds = drop('sgd');
  const da = drop('adamw');
  if (Number.isFinite(ds) && Number.isFinite(da))
    out.push(
      `- **SGD compresses better than AdamW (§7.2).** Mean accuracy drop at k = ${doc.per_model[0]!.k[0]} (non-linear nets): SGD ${pct(ds)} points, AdamW ${pct(da)} points: ${ds < da ? 'holds' : 'does not hold'} here.`,
    );
  const same = (opt: string) =>
    pairMean(
      ids,
      cka,
      (s) => s.endsWith(opt) && !isLinear(s),
      (s) => s.endsWith(opt) && !isLinear(s),
    );
  const ss = same('sgd');
  const sa = same('adamw');
  if (Number.isFinite(ss) && Number.isFinite(sa))
    out.push(
      `- **AdamW networks less similar to each other than SGD networks (§6.1, §7.3).** Mean CKA within SGD ${ss.toFixed(3)}, within AdamW ${sa.toFixed(3)}: ${ss > sa ? 'holds' : 'does not hold'} here.`,
    );
  return out;
}

function squareTable(ids: string[], m: number[][], fmt: (v: number) => string): string {
  return [
    `| from \\ to | ${ids.join(' | ')} |`,
    `|---|${ids.map(() => '---:').join('|')}|`,
    ...ids.map((id, i) => `| ${id} | ${m[i]!.map(fmt).join(' | ')} |`),
  ].join('\n');
}

/** The sensitivity table, spectra and images. */
function sensitivitySection(o: Chapter7Options, doc: Chapter7Doc, png: boolean): string[] {
  const dir = o.dir;
  const md: string[] = [];
  md.push('## Sensitivity (§6.4, Figs. 6.14–6.19)', '');
  md.push('| network | rank | λ₁ share | λ₂ share | λ₃ share | Σλ | mean ‖∇f‖² |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const r of doc.per_model)
    md.push(
      `| ${r.id} | ${r.rank} | ${pct(r.explained[0] ?? 0)} | ${pct(r.explained[1] ?? 0)} | ${pct(r.explained[2] ?? 0)} | ${r.eigen_sum.toPrecision(6)} | ${r.mean_squared_gradient_norm.toPrecision(6)} |`,
    );
  md.push(
    '',
    `![spectra](${figure(
      dir,
      'spectra',
      spectrumSvg(
        doc.per_model.map((r) => r.eigenvalues),
        doc.per_model.map((r) => r.id),
        0,
      ),
      png,
    )})`,
    '',
    `![Jacobian rows and directions](${figure(dir, 'images', imagesSvg(o, doc), png)})`,
    '',
  );
  return md;
}

/** The controls of §7.4: backbones whose last layer alone was trained on our data. */
function headsSection(doc: Chapter7Doc): string[] {
  if (doc.heads.length === 0) return [];
  const label = (k: HeadModel['kind']) =>
    k === 'control' ? 'random initialization, last layer only' : 'your backbone, last layer retrained';
  const out = [
    '',
    '### Backbones with a retrained last layer (§7.4 controls)',
    '',
    'Only the final dense layer was trained (softmax cross-entropy, AdamW lr 0.001 wd 0.01, batch 32, the epochs above) on the same images, given as pixel / 255; every other weight is the file’s own. They enter the analyses below like the zoo.',
    '',
    '| network | what | from | ours | train accuracy | seconds |',
    '|---|---|---|---:|---:|---:|',
  ];
  for (const h of doc.heads) {
    const t = doc.head_training.find((x) => x.id === h.id);
    out.push(
      `| ${h.id} | ${label(h.kind)} | ${h.source} | ${t ? pct(t.test_accuracy) : '–'} | ${t ? pct(t.train_accuracy) : '–'} | ${t ? t.seconds.toFixed(1) : '–'} |`,
    );
  }
  return out;
}

/** Writes report.md and its figures into the study folder. */
export function writeChapter7Report(o: Chapter7Options, doc: Chapter7Doc, png: boolean): void {
  const dir = o.dir;
  const md: string[] = [];
  md.push('# Chapter-7 study (MNIST, 3 × 32 × 32)', '');
  md.push(
    `Protocol (docs/chapter7.md): ${doc.models.length} networks; ${o.epochs} epoch(s) on the first ${o.trainLimit} training images (the dissertation: 15 on 60,000), batch 32,`,
    `SGD(lr 0.01, momentum 0.5, wd 0.01) and AdamW(lr 0.001, wd 0.01); inputs bilinearly upsampled to 32 × 32 (align_corners = False), gray repeated to 3 channels, normalized inside the model.`,
    `Coefficients: C_j from the first ${o.fitRows} training images, C̃_j from the first ${o.testRows} test images; accuracies of the trained nets on ${o.evalRows} test images;`,
    `sensitivity on ${o.sensRows} test images. k-means: seed ${o.seed}, ≤ ${o.iterations} Lloyd iterations. Least squares: dual form, ridge ${o.ridge}.`,
    '',
  );
  md.push(
    '## Accuracies (Table 7.1)',
    '',
    '| network | ours | dissertation (MNIST) | train accuracy | seconds |',
    '|---|---:|---:|---:|---:|',
  );
  for (const t of doc.training) {
    const m = doc.models.find((x) => x.id === t.id)!;
    const key = t.id.replace(/-(sgd|adamw)$/, '');
    const ref = DISSERTATION_MNIST[key]?.[m.optimizer === 'sgd' ? 0 : 1];
    md.push(
      `| ${t.id} | ${pct(t.test_accuracy)} | ${ref === undefined ? '–' : ref.toFixed(2)} | ${pct(t.train_accuracy)} | ${t.seconds.toFixed(1)} |`,
    );
  }
  md.push(...headsSection(doc));
  md.push('', '## Compression (§7.2, Fig. 7.3)', '');
  md.push(
    `| network | original | ${doc.per_model[0]!.k.map((k) => `k = ${k}`).join(' | ')} |`,
    `|---|---:|${doc.per_model[0]!.k.map(() => '---:').join('|')}|`,
  );
  for (const r of doc.per_model) md.push(`| ${r.id} | ${pct(r.original_accuracy)} | ${r.accuracy.map(pct).join(' | ')} |`);
  for (const opt of ['sgd', 'adamw']) {
    const rs = doc.per_model.filter((r) => r.id.endsWith(opt));
    if (rs.length === 0) continue;
    const svg = accuracyVsKSvg(
      rs.map((r) => ({ name: r.id, k: r.k, accuracy: r.accuracy, original: r.original_accuracy })),
      `Accuracy of compressed coefficients against k (${opt === 'sgd' ? 'SGD' : 'AdamW'})`,
    );
    md.push('', `![accuracy against k, ${opt}](${figure(dir, `compress-${opt}`, svg, png)})`);
  }
  md.push('', '## Similarity (§7.3, Figs. 7.6–7.17)', '');
  const s = doc.similarity;
  const maps: [string, string, number[][], number, number, (v: number) => string][] = [
    ['affine-accuracy', 'Affine-mapped representation accuracy (Eq. 7.4, row → column)', s.affine_accuracy, 0, 1, pct],
    ['scaled-mse', 'Scaled mean squared distance (Eq. 7.6)', s.scaled_mse, 0, distanceCap(s.scaled_mse), (v) => v.toExponential(2)],
    ['cka', 'Linear CKA of coefficients (Eq. 7.7, mean over outputs)', s.cka, 0, 1, (v) => v.toFixed(3)],
    ['softmax-ce', 'Softmax cross-entropy H(row, column) (Eq. 7.9)', s.softmax_ce, 0, distanceCap(s.softmax_ce), (v) => v.toFixed(3)],
  ];
  for (const [key, title, values, lo, hi, fmt] of maps) {
    md.push(
      `### ${title}`,
      '',
      `![${key}](${figure(dir, `similarity-${key}`, matrixHeatmapSvg(title, s.models, values, lo, hi), png)})`,
      '',
    );
    md.push(squareTable(s.models, values, fmt), '');
  }
  md.push(...sensitivitySection(o, doc, png));
  md.push('## §7.4 findings against our numbers', '', ...findings(doc), '');
  md.push('## Times', '', '| phase | seconds |', '|---|---:|');
  for (const [k, v] of Object.entries(doc.phase_seconds)) md.push(`| ${k} | ${v.toFixed(1)} |`);
  md.push(`| total (this invocation; reused shards cost nothing) | ${doc.seconds.toFixed(1)} |`, '');
  writeFileAtomic(join(dir, 'report.md'), md.join('\n'));
}
