/**
 * `polytope boolean npn|stats|swaps|construct`: Boolean functions of n ≤ 5 inputs (seed chapter 3,
 * docs/boolean.md): NPN classes, Walsh–Fourier statistics, the swaps value, and explicit networks.
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  binaryProjection,
  checkConstruction,
  fourierStats,
  mulberry32,
  networkToJsonString,
  npnCanonical,
  npnCanonicalizer,
  npnClassCount,
  npnClassRepresentatives,
  npnClasses,
  npnTables,
  parityNetwork,
  parityTable,
  parseTruthTable,
  shallowNetwork,
  swapsChambers,
  swapsDocumented,
  swapsValue,
  widthTwoNetwork,
  writeOnnx,
} from '@polytope-lens/core';
import type { BooleanDomain, Network, SwapsChambers } from '@polytope-lens/core';
import { barChartSvg } from '../render/lens-figures.js';
import { svgToPng } from '../render/png.js';
import { CliError, writeFileAtomic } from '../util.js';

/** Parses --n (1…5, or 1…4 where `max` says). */
function parseN(text: string, max = 5): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(`--n must be an integer in 1…${max}, got '${text}'`);
  return n;
}

/** Path with its extension replaced (`out.json` → `out.md`). */
function sibling(path: string, ext: string): string {
  return path.slice(0, path.length - extname(path).length) + ext;
}

function say(quiet: boolean | undefined, text: string): void {
  if (!quiet) process.stderr.write(text + '\n');
}

/** One function's statistics as the JSON row of `stats`. */
function statsRow(t: number, n: number, chambers: SwapsChambers, documented: boolean): Record<string, unknown> {
  const f = fourierStats(t, n);
  const s = swapsValue(t, n, chambers);
  return {
    table: t,
    npn_class: npnCanonical(t, n),
    swaps: s.swaps,
    swaps_projection: s.w,
    ...(documented ? { swaps_documented: swapsDocumented(t, n) } : {}),
    degree: f.degree,
    influence: f.totalInfluence,
    influence_per_input: f.influence,
    entropy: f.entropy,
  };
}

function registerNpn(cmd: Command): void {
  cmd
    .command('npn')
    .description('NPN classes of n-input functions: exhaustive for n ≤ 5 (n = 5: 616,126 classes, checked against Burnside)')
    .requiredOption('--n <n>', 'inputs (1…5)')
    .option('--sample <k>', 'n = 5: only time the canonicalizers on k random functions (no enumeration)')
    .option('--representatives <path>', 'n = 5: write the 616,126 canonical representatives (JSON list)')
    .option('--json <path>', 'output JSON', 'npn.json')
    .option('--quiet', 'print nothing but errors')
    .action((opts: { n: string; sample?: string; representatives?: string; json: string; quiet?: boolean }) => {
      const n = parseN(opts.n);
      const t0 = performance.now();
      const burnside = npnClassCount(n);
      if (n <= 4) {
        const c = npnClasses(n);
        const seconds = (performance.now() - t0) / 1000;
        if (BigInt(c.representatives.length) !== burnside) throw new CliError('enumeration and Burnside count differ', 'internal');
        writeFileAtomic(
          opts.json,
          JSON.stringify({ n, classes: c.representatives.length, representatives: c.representatives, sizes: c.sizes, seconds }) + '\n',
        );
        say(
          opts.quiet,
          `boolean npn: n = ${n}: ${c.representatives.length} classes (Burnside ${burnside}) in ${seconds.toFixed(3)} s → ${opts.json}`,
        );
        return;
      }
      if (opts.sample === undefined) {
        npn5Enumerate(burnside, opts);
        return;
      }
      const k = Number(opts.sample);
      if (!Number.isInteger(k) || k < 1) throw new CliError(`--sample must be a positive integer, got '${opts.sample}'`);
      const rnd = mulberry32(1);
      const tables = Array.from({ length: k }, () => Math.floor(rnd() * 2 ** 32) >>> 0);
      const t1 = performance.now();
      const canon = npnCanonicalizer(n);
      const seen = new Set(tables.map(canon));
      const perSecond = k / ((performance.now() - t1) / 1000);
      const t2 = performance.now();
      const walked = tables.slice(0, Math.min(k, 2000)).map((t) => npnCanonical(t, n));
      const walkPerSecond = walked.length / ((performance.now() - t2) / 1000);
      if (walked.some((c, i) => c !== canon(tables[i]!))) throw new CliError('the two canonicalizers differ', 'internal');
      const doc = {
        n,
        classes: Number(burnside),
        method: 'Burnside count; canonicalizer timing on a random sample (run without --sample to enumerate the classes)',
        canonicalizer_per_second: perSecond,
        group_walk_per_second: walkPerSecond,
        sample: k,
        distinct_classes_in_sample: seen.size,
      };
      writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
      say(
        opts.quiet,
        `boolean npn: n = 5: ${burnside} classes (Burnside); canonicalizer ${Math.round(perSecond)} functions/s (group walk ${Math.round(walkPerSecond)}/s) → ${opts.json}`,
      );
    });
}

/** n = 5: every class enumerated by the cofactor method, checked against Burnside's count. */
function npn5Enumerate(burnside: bigint, opts: { json: string; representatives?: string; quiet?: boolean }): void {
  const t0 = performance.now();
  const tables = npnTables(5);
  const tablesSeconds = (performance.now() - t0) / 1000;
  const reps = npnClassRepresentatives(5, tables);
  const seconds = (performance.now() - t0) / 1000;
  if (BigInt(reps.length) !== burnside)
    throw new CliError(`enumeration (${reps.length}) and Burnside count (${burnside}) differ`, 'internal');
  if (opts.representatives !== undefined) writeFileAtomic(opts.representatives, JSON.stringify(Array.from(reps)) + '\n');
  const doc = {
    n: 5,
    classes: reps.length,
    burnside: Number(burnside),
    method: 'cofactor enumeration: tables with a G4-minimal upper half, each tested for being its class minimum',
    seconds,
    tables_seconds: tablesSeconds,
    ...(opts.representatives !== undefined ? { representatives_file: opts.representatives } : {}),
  };
  writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
  say(opts.quiet, `boolean npn: n = 5: ${reps.length} classes enumerated (Burnside ${burnside}) in ${seconds.toFixed(2)} s → ${opts.json}`);
}

function registerStats(cmd: Command): void {
  cmd
    .command('stats')
    .description('swaps value, Fourier degree, influence and spectral entropy of a function (or --all classes of n ≤ 4)')
    .argument('[table]', 'truth-table integer (decimal, 0x… or 0b…; bit k = f at the row whose binary digits are k)')
    .requiredOption('--n <n>', 'inputs (1…5)')
    .option('--all', 'every NPN class of n ≤ 4 (with the seed’s documented swaps enumeration beside the exact one)')
    .option('--json <path>', 'output JSON (and a Markdown table beside it with --all)', 'stats.json')
    .option('--quiet', 'print nothing but errors')
    .action((table: string | undefined, opts: { n: string; all?: boolean; json: string; quiet?: boolean }) => {
      const n = parseN(opts.n);
      const chambers = swapsChambers(n);
      if (!opts.all) {
        if (table === undefined) throw new CliError('give a truth table or --all');
        const row = statsRow(parseTruthTable(table, n), n, chambers, n <= 4);
        writeFileAtomic(opts.json, JSON.stringify({ n, ...row }, null, 1) + '\n');
        say(
          opts.quiet,
          `boolean stats: ${table} (n = ${n}): swaps ${String(row.swaps)}, degree ${String(row.degree)}, entropy ${(row.entropy as number).toFixed(4)} → ${opts.json}`,
        );
        return;
      }
      if (n > 4) throw new CliError('--all enumerates the classes of n ≤ 4');
      const c = npnClasses(n);
      const rows: Record<string, unknown>[] = c.representatives.map((t, i) => ({
        ...statsRow(t, n, chambers, true),
        class_size: c.sizes[i],
      }));
      writeFileAtomic(opts.json, JSON.stringify({ n, classes: rows.length, rows }) + '\n');
      writeFileAtomic(sibling(opts.json, '.md'), statsMarkdown(n, rows));
      const max = Math.max(...rows.map((r) => r.swaps as number));
      say(opts.quiet, `boolean stats: n = ${n}: ${rows.length} classes, max swaps ${max} → ${opts.json}, ${sibling(opts.json, '.md')}`);
    });
}

/** Markdown of `stats --all`: the swaps histogram (classes and functions) and one line per class. */
function statsMarkdown(n: number, rows: Record<string, unknown>[]): string {
  const hist = new Map<number, [number, number]>();
  for (const r of rows) {
    const h = hist.get(r.swaps as number) ?? [0, 0];
    hist.set(r.swaps as number, [h[0] + 1, h[1] + (r.class_size as number)]);
  }
  const lines = [
    `# Boolean functions of ${n} inputs: ${rows.length} NPN classes`,
    '',
    'Swaps value (exact, over the chambers of the {−1,0,1}ⁿ arrangement) — classes and functions:',
    '',
    '| swaps | classes | functions |',
    '|---:|---:|---:|',
    ...[...hist.entries()].sort((a, b) => a[0] - b[0]).map(([s, [k, f]]) => `| ${s} | ${k} | ${f} |`),
    '',
    `Table 3.1's maximum for n = ${n}: ${Math.max(...rows.map((r) => r.swaps as number))}.`,
    '',
    '| class (smallest member) | size | swaps | seed enumeration (Eq. 3.11) | degree | total influence | entropy |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${String(r.table)} | ${String(r.class_size)} | ${String(r.swaps)} | ${String(r.swaps_documented)}${r.swaps_documented !== r.swaps ? ' ≠' : ''} | ${String(r.degree)} | ${(r.influence as number).toFixed(4)} | ${(r.entropy as number).toFixed(4)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

function registerSwaps(cmd: Command): void {
  cmd
    .command('swaps')
    .description('distribution of the swaps value over all functions of n ≤ 4 inputs (exact) or a random sample of n = 5')
    .requiredOption('--n <n>', 'inputs (1…5)')
    .option('--sample <k>', 'n = 5: random functions (uniform over all 2³²)', '200')
    .option('--seed <s>', 'sampling seed', '1')
    .option('--json <path>', 'output JSON (Markdown and SVG/PNG bar chart beside it)', 'swaps.json')
    .option('--quiet', 'print nothing but errors')
    .action((opts: { n: string; sample: string; seed: string; json: string; quiet?: boolean }) => {
      const n = parseN(opts.n);
      const t0 = performance.now();
      const chambers = swapsChambers(n);
      const chamberSeconds = (performance.now() - t0) / 1000;
      const counts = new Map<number, number>();
      let evaluated = 0;
      const t1 = performance.now();
      if (n <= 4) {
        const c = npnClasses(n);
        c.representatives.forEach((t, i) => {
          const s = swapsValue(t, n, chambers).swaps;
          counts.set(s, (counts.get(s) ?? 0) + c.sizes[i]!);
          evaluated++;
        });
      } else {
        const k = Number(opts.sample);
        if (!Number.isInteger(k) || k < 1) throw new CliError(`--sample must be a positive integer, got '${opts.sample}'`);
        const rnd = mulberry32(Number(opts.seed) >>> 0);
        for (let i = 0; i < k; i++) {
          const s = swapsValue(Math.floor(rnd() * 2 ** 32) >>> 0, n, chambers).swaps;
          counts.set(s, (counts.get(s) ?? 0) + 1);
          evaluated++;
        }
      }
      const seconds = (performance.now() - t1) / 1000;
      const hist = [...counts.entries()].sort((a, b) => a[0] - b[0]);
      const total = hist.reduce((a, h) => a + h[1], 0);
      const doc = {
        n,
        exact: n <= 4,
        population: n <= 4 ? 'all functions (class sizes)' : `${evaluated} uniformly random functions`,
        chambers: chambers.count,
        chamber_seconds: chamberSeconds,
        seconds_per_function: seconds / evaluated,
        histogram: hist.map(([s, c]) => ({ swaps: s, count: c, share: c / total })),
        max_seen: hist[hist.length - 1]![0],
        mean: hist.reduce((a, [s, c]) => a + s * c, 0) / total,
      };
      writeFileAtomic(opts.json, JSON.stringify(doc, null, 1) + '\n');
      const svg = barChartSvg(
        `Swaps value, n = ${n} (${doc.population})`,
        hist.map(([s]) => String(s)),
        [{ name: 'share', values: hist.map(([, c]) => c / total) }],
        'share of functions',
      );
      writeFileAtomic(sibling(opts.json, '.svg'), svg);
      writeFileAtomic(sibling(opts.json, '.png'), svgToPng(svg));
      say(
        opts.quiet,
        `boolean swaps: n = ${n}: mean ${doc.mean.toFixed(3)}, max ${doc.max_seen}, ${(doc.seconds_per_function * 1000).toFixed(1)} ms per function → ${opts.json}`,
      );
    });
}

interface ConstructOpts {
  n: string;
  kind: string;
  projection: string;
  alpha: string;
  domain: string;
  width: string;
  depth: string;
  json: string;
  onnx?: string;
  quiet?: boolean;
}

/** Builds the asked network and the projection it reads. */
function buildConstruction(t: number, n: number, o: ConstructOpts): { net: Network; w: number[] } {
  const domain = o.domain as BooleanDomain;
  if (domain !== 'pm1' && domain !== '01') throw new CliError(`--domain is pm1 or 01, got '${o.domain}'`);
  const alpha = Number(o.alpha);
  if (o.kind === 'parity') {
    const [w, l] = [Number(o.width), Number(o.depth)];
    return { net: parityNetwork(n, w, l, { alpha, domain }), w: new Array<number>(n).fill(1) };
  }
  if (o.projection !== 'swaps' && o.projection !== 'binary') throw new CliError(`--projection is swaps or binary, got '${o.projection}'`);
  const w = o.projection === 'swaps' ? swapsValue(t, n).w : binaryProjection(n);
  if (o.kind === 'shallow') return { net: shallowNetwork(t, n, w, { alpha, domain }), w };
  if (o.kind === 'width2') return { net: widthTwoNetwork(t, n, w, { domain }), w };
  throw new CliError(`--kind is shallow, width2 or parity, got '${o.kind}'`);
}

function registerConstructBoolean(cmd: Command): void {
  cmd
    .command('construct')
    .description('explicit network for a function (Thm 3.3.2 width s, width-2 deep, Thm 3.3.4 parity), checked exactly')
    .argument('[table]', 'truth-table integer (not needed for --kind parity)')
    .requiredOption('--n <n>', 'inputs (1…5)')
    .option('--kind <k>', 'shallow (one layer of width s) | width2 (width 2, s layers) | parity (width w, depth l)', 'shallow')
    .option('--projection <p>', 'swaps (the exact witness: fewest changes) | binary (2ⁿ⁻¹…1)', 'swaps')
    .option('--alpha <a>', 'leaky slope of shallow/parity hidden units (0 = ReLU)', '0')
    .option('--domain <d>', 'inputs the net reads: pm1 ({−1,1}ⁿ) or 01 ({0,1}ⁿ)', 'pm1')
    .option('--width <w>', 'parity: width', '2')
    .option('--depth <l>', 'parity: hidden layers', '2')
    .option('--json <path>', 'network JSON to write (the check beside it as <stem>-check.json)', 'construct.json')
    .option('--onnx <path>', 'also write the network as ONNX')
    .option('--quiet', 'print nothing but errors')
    .action((table: string | undefined, opts: ConstructOpts) => {
      const n = parseN(opts.n);
      const t = opts.kind === 'parity' ? 0 : table === undefined ? undefined : parseTruthTable(table, n);
      if (t === undefined) throw new CliError('give a truth table (or --kind parity)');
      const { net, w } = buildConstruction(t, n, opts);
      const target = opts.kind === 'parity' ? parityTable(n) : t;
      const check = checkConstruction(net, target, n, w, opts.domain as BooleanDomain);
      if (check.correct !== check.rows)
        throw new CliError(`the construction classifies ${check.correct} of ${check.rows} rows`, 'internal');
      writeFileAtomic(opts.json, networkToJsonString(net));
      const hidden = net.nodes.filter((nd) => nd.type === 'dense').map((nd) => (nd as { outFeatures: number }).outFeatures);
      const doc = { table: target, n, kind: opts.kind, projection: w, hidden_widths: hidden.slice(0, -1), ...check };
      writeFileAtomic(sibling(opts.json, '-check.json'), JSON.stringify(doc, null, 1) + '\n');
      if (opts.onnx) writeFileAtomic(opts.onnx, writeOnnx(net));
      say(
        opts.quiet,
        `boolean construct: ${opts.kind}, hidden widths [${hidden.slice(0, -1).join(', ')}], ${check.correct}/${check.rows} rows, ${check.lineSignChanges} sign changes along the projection → ${opts.json}`,
      );
    });
}

/** Registers `polytope boolean`. */
export function registerBoolean(program: Command): void {
  const cmd = program
    .command('boolean')
    .description('Boolean functions: NPN classes, Fourier statistics, swaps value, explicit networks (ch. 3)');
  registerNpn(cmd);
  registerStats(cmd);
  registerSwaps(cmd);
  registerConstructBoolean(cmd);
}
