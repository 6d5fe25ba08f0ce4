/**
 * `polytope view RESULT.json|.npz`: one self-contained HTML file (no network, no other files) that
 * draws a slice, line or polytopes result with pan/zoom and hover. The page's script is
 * packages/cli/assets/view-client.js, inlined; the result is reduced here to the shapes it draws
 * (a `ViewModel`), so the page does no parsing of the CLI's formats.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PolytopeError, readNpz } from '@polytope-lens/core';
import type { NpyArray } from '@polytope-lens/core';
import { session } from '../session.js';
import { CliError, writeFileAtomic } from '../util.js';

/** One drawn cell: a polygon in view coordinates and the facts hover shows. */
interface ViewCell {
  readonly poly: number[][];
  /** Colour key (the activation code). */
  readonly key: string;
  readonly info: Record<string, string | number>;
}

/** What the page draws: cells, polylines (decision boundary or output curve), and a title. */
interface ViewModel {
  readonly kind: 'slice' | 'line' | 'polytopes';
  readonly title: string;
  readonly box: [number, number, number, number];
  readonly cells: ViewCell[];
  readonly lines: number[][][];
  readonly summary: Record<string, unknown>;
  readonly axes: [string, string];
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function mapText(map: unknown, vars: readonly string[]): string {
  if (!Array.isArray(map)) return '';
  return (map as unknown[])
    .map((row, r) => {
      if (!Array.isArray(row)) return '';
      const [c, ...k] = row as number[];
      const terms = k.map((v, i) => `${v >= 0 ? '+ ' : '− '}${Math.abs(v).toPrecision(4)}·${vars[i] ?? `x${i}`}`).join(' ');
      return `f${r} = ${(c ?? 0).toPrecision(4)} ${terms}`;
    })
    .join('; ');
}

/** The 2-D convex hull (counter-clockwise) of points; a polytope's vertices projected on x0, x1. */
function hull(points: number[][]): number[][] {
  const p = points.map((v) => [v[0] ?? 0, v[1] ?? 0] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: number[], a: number[], b: number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
  const lower: number[][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: number[][] = [];
  for (const q of [...p].reverse()) {
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)];
}

function sliceModel(d: Json, name: string): ViewModel {
  const plane = isObj(d['plane']) ? d['plane'] : {};
  const box = plane['box'] as [number, number, number, number];
  const regions = d['regions'];
  if (!Array.isArray(regions))
    throw new CliError(`${name}: this slice has no 'regions' (written with --summary-only?); nothing to draw`, 'bad-file');
  const cells = (regions as Json[]).map((r, i) => ({
    poly: r['vertices'] as number[][],
    key: String(r['code']),
    info: { region: i, code: String(r['code']), area: Number(r['area']), map: mapText(r['map'], ['s', 't']) },
  }));
  return {
    kind: 'slice',
    title: `slice: ${String(plane['kind'] ?? 'plane')}`,
    box,
    cells,
    lines: Array.isArray(d['boundary']) ? (d['boundary'] as number[][][]) : [],
    summary: isObj(d['summary']) ? d['summary'] : {},
    axes: ['s', 't'],
  };
}

function lineModel(d: Json): ViewModel {
  const pieces = d['pieces'] as Json[];
  const value = (p: Json, t: number) => {
    const m = (p['map'] as number[][])[0] ?? [0, 0];
    return (m[0] ?? 0) + (m[1] ?? 0) * t;
  };
  const ys = pieces.flatMap((p) => [value(p, Number(p['t0'])), value(p, Number(p['t1']))]);
  let lo = Math.min(...ys);
  let hi = Math.max(...ys);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.1;
  const [y0, y1] = [lo - pad, hi + pad];
  const cells = pieces.map((p, i) => {
    const [t0, t1] = [Number(p['t0']), Number(p['t1'])];
    return {
      poly: [
        [t0, y0],
        [t1, y0],
        [t1, y1],
        [t0, y1],
      ],
      key: String(p['code']),
      info: { piece: i, code: String(p['code']), t0, t1, length: t1 - t0, map: mapText(p['map'], ['t']) },
    };
  });
  const curve = pieces.map((p) => [
    [Number(p['t0']), value(p, Number(p['t0']))],
    [Number(p['t1']), value(p, Number(p['t1']))],
  ]);
  return {
    kind: 'line',
    title: 'line: output 0 along the segment',
    box: [0, 1, y0, y1],
    cells,
    lines: curve,
    summary: d['summary'] as Json,
    axes: ['t', 'f0'],
  };
}

function polytopesModel(d: Json): ViewModel {
  const regions = d['regions'] as Json[];
  const box = (d['box'] as number[]) ?? [];
  const cells = regions.map((r, i) => ({
    poly: hull(r['vertices'] as number[][]),
    key: String(r['code']),
    info: {
      region: i,
      code: String(r['code']),
      volume: Number(r['volume']),
      facets: Number(r['facets']),
      vertices: Number(r['num_vertices']),
    },
  }));
  const dims = box.length / 2;
  return {
    kind: 'polytopes',
    title: dims > 2 ? `polytopes (${dims}-D, drawn projected on x0, x1)` : 'polytopes',
    box: [box[0] ?? -1, box[1] ?? 1, box[2] ?? -1, box[3] ?? 1],
    cells,
    lines: [],
    summary: d['summary'] as Json,
    axes: ['x0', 'x1'],
  };
}

/** Reduces a slice, line or polytopes JSON result to what the page draws; bad input is a CliError. */
function viewModel(d: unknown, name: string): ViewModel {
  if (!isObj(d)) throw new CliError(`${name}: expected a JSON object (a slice, line or polytopes result)`, 'bad-file');
  if (isObj(d['plane']) && 'boundary' in d) return sliceModel(d, name);
  if (Array.isArray(d['pieces'])) return lineModel(d);
  if (Array.isArray(d['regions']) && Array.isArray(d['box'])) return polytopesModel(d);
  throw new CliError(
    `${name}: not a slice, line or polytopes result (expected 'plane' + 'regions', 'pieces', or 'box' + 'regions')`,
    'bad-file',
  );
}

/** String members of the CLI's npz outputs (docs/formats.md): not numbers, not needed to draw. */
const STRING_MEMBERS = new Set(['plane_kind', 'anchor_names', 'mode']);

/** Rows of a ragged member as nested arrays: item i is `data[offsets[i]:offsets[i+1]]`, `width` numbers a point. */
function ragged(data: NpyArray, offsets: NpyArray, width: number): number[][][] {
  const out: number[][][] = [];
  for (let i = 0; i + 1 < offsets.data.length; i++) {
    const pts: number[][] = [];
    for (let v = offsets.data[i]!; v < offsets.data[i + 1]!; v++) pts.push(Array.from(data.data.subarray(v * width, v * width + width)));
    out.push(pts);
  }
  return out;
}

/** The packed `codes` member as one string per row (the JSON's code without the '|' separators). */
function codeStrings(z: Record<string, NpyArray>): string[] {
  const c = z['codes'];
  if (!c || c.shape.length !== 2) return [];
  const [n, w] = c.shape as [number, number];
  const bits = z['code_bits']?.data[0] ?? 1;
  const units = z['code_units']?.data[0] ?? w * 8;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let u = 0; u < units; u++)
      s += bits === 1 ? String((c.data[i * w + (u >> 3)]! >> (7 - (u & 7))) & 1) : c.data[i * w + u]!.toString(36);
    out.push(s);
  }
  return out;
}

/** Per-row maps (rows × outputs × k) as nested arrays. */
function maps(m: NpyArray | undefined): number[][][] {
  if (!m || m.shape.length !== 3) return [];
  const [n, o, k] = m.shape as [number, number, number];
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: o }, (_, r) => Array.from(m.data.subarray((i * o + r) * k, (i * o + r + 1) * k))),
  );
}

/** The 0-d members: the result's summary numbers. */
function scalars(z: Record<string, NpyArray>): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(z)) if (v.shape.length === 0 && k !== 'code_bits' && k !== 'code_units') out[k] = v.data[0];
  return out;
}

/** A slice, line or polytopes `.npz` (docs/formats.md) in the JSON result's shape, for `viewModel`. */
function npzAsJson(bytes: Uint8Array, name: string): unknown {
  const z = readNpz(bytes, name, undefined, (m) => !STRING_MEMBERS.has(m));
  const codes = codeStrings(z);
  const summary = scalars(z);
  const need = (...ks: string[]) => {
    const miss = ks.filter((k) => !z[k]);
    if (miss.length)
      throw new CliError(`${name}: this npz has no '${miss.join("', '")}' (written with --summary-only?); nothing to draw`, 'bad-file');
  };
  if (z['vertex_offsets'] || z['box']?.shape.length === 1) {
    need('vertices', 'vertex_offsets', 'area', 'map');
    const polys = ragged(z['vertices']!, z['vertex_offsets']!, 2);
    const m = maps(z['map']);
    const boundary = z['boundary'] && z['boundary_offsets'] ? ragged(z['boundary'], z['boundary_offsets'], 2) : [];
    return {
      plane: { box: Array.from(z['box']?.data ?? []), kind: 'plane' },
      boundary: boundary.map((l) => l),
      regions: polys.map((vertices, i) => ({ vertices, code: codes[i] ?? '', area: z['area']!.data[i], map: m[i] })),
      summary,
    };
  }
  if (z['t0']) {
    need('t1', 'map');
    const m = maps(z['map']);
    return { pieces: Array.from(z['t0'].data, (t0, i) => ({ t0, t1: z['t1']!.data[i], code: codes[i] ?? '', map: m[i] })), summary };
  }
  if (z['vertices_offsets']) {
    need('vertices', 'box');
    const d = z['vertices']!.shape[1] ?? 2;
    const polys = ragged(z['vertices']!, z['vertices_offsets'], d);
    const fv = z['f_vector'];
    const fd = fv?.shape[1] ?? 0;
    return {
      box: Array.from(z['box']!.data),
      regions: polys.map((vertices, i) => ({
        vertices,
        code: codes[i] ?? '',
        volume: z['volume']?.data[i],
        facets: fv && fd > 0 ? fv.data[i * fd + fd - 1] : undefined,
        num_vertices: vertices.length,
      })),
      summary,
    };
  }
  throw new CliError(`${name}: not a slice, line or polytopes npz (expected 'vertex_offsets', 't0' or 'vertices_offsets')`, 'bad-file');
}

/** Escapes text for inclusion inside a <script> element. */
function scriptSafe(s: string): string {
  return s
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The whole page for a view model. */
function viewHtml(model: ViewModel, title: string): string {
  const client = readFileSync(new URL('../../assets/view-client.js', import.meta.url), 'utf8');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;display:grid;grid-template-columns:1fr 22rem;height:100vh}
main{position:relative;overflow:hidden}svg{width:100%;height:100%;display:block;cursor:grab;touch-action:none}
svg:focus{outline:3px solid #1a73e8;outline-offset:-3px}
aside{padding:1rem;border-left:1px solid #ccc;overflow:auto}h1{font-size:1.1rem;margin:0 0 .5rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .6rem;margin:.5rem 0}dt{font-weight:600}dd{margin:0;word-break:break-all}
button{font:inherit;margin:0 .2rem .4rem 0;padding:.2rem .6rem}.cell{stroke:#333;stroke-width:.6px;vector-effect:non-scaling-stroke}
.cell.hover{stroke:#000;stroke-width:2.5px}.line{pointer-events:none;fill:none;stroke:#d00;stroke-width:2px;vector-effect:non-scaling-stroke}
</style></head><body>
<main><svg id="plot" role="img" tabindex="0" aria-label="${esc(model.title)}: ${model.cells.length} cells; arrow keys pan, + and − zoom, Tab moves between cells"></svg></main>
<aside><h1>${esc(model.title)}</h1>
<div role="group" aria-label="view controls"><button id="zoom-in" aria-label="zoom in">+</button><button id="zoom-out" aria-label="zoom out">−</button><button id="reset" aria-label="reset view">reset</button></div>
<h2 style="font-size:1rem">Summary</h2><dl id="summary"></dl>
<h2 style="font-size:1rem">Under the pointer</h2><dl id="hover" aria-live="polite"><dt>—</dt><dd>hover or focus a cell</dd></dl></aside>
<script id="data" type="application/json">${scriptSafe(JSON.stringify(model))}</script>
<script>${client}</script>
</body></html>
`;
}

/** `polytope view RESULT.json --out FILE.html`. */
export function registerView(program: Command): void {
  program
    .command('view')
    .description('write one self-contained HTML file showing a slice, line or polytopes result (pan/zoom, hover)')
    .argument('<result>', 'a JSON or .npz result of polytope slice, line or polytopes')
    .option('--out <path>', 'output HTML file (default: RESULT with .html)')
    .option('--quiet', 'print nothing but errors')
    .action((result: string, opts: { out?: string; quiet?: boolean }) => {
      let bytes: Uint8Array;
      try {
        session().noteInput(result);
        bytes = readFileSync(result);
      } catch (e) {
        throw new CliError(`cannot read '${result}': ${e instanceof Error ? e.message : String(e)}`, 'bad-file');
      }
      let data: unknown;
      if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
        try {
          data = npzAsJson(bytes, result);
        } catch (e) {
          if (e instanceof PolytopeError || e instanceof CliError) throw e;
          throw new CliError(`${result}: unreadable npz (${e instanceof Error ? e.message : String(e)})`, 'bad-file');
        }
      } else {
        try {
          data = JSON.parse(new TextDecoder().decode(bytes));
        } catch (e) {
          throw new CliError(`${result}: not JSON or npz (${e instanceof Error ? e.message : String(e)})`, 'bad-file');
        }
      }
      const model = viewModel(data, result);
      const out = opts.out ?? result.replace(/\.(json|npz)$/i, '') + '.html';
      writeFileAtomic(out, viewHtml(model, `${result} — Polytope Lens`));
      if (!opts.quiet) process.stdout.write(`view: ${model.cells.length} cells → ${out}\n`);
    });
}
