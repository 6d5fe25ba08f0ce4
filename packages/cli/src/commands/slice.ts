import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import {
  affineMapAt,
  anchorBox,
  codeKey,
  codeOffsets,
  inputPlane,
  planeFromDirections,
  planeThrough,
  polygonCentroid,
  validateSlice,
} from '@polytope-lens/core';
import type { Box2, Network, Plane, SliceRegion } from '@polytope-lens/core';
import { loadModel, numberList, readInputSource, vectorArg, vectorList } from '../model.js';
import { startProgress } from '../progress.js';
import { CliError, writeFileAtomic } from '../util.js';
import { renderSliceSvg } from '../render/slice-figure.js';
import { svgToPng } from '../render/png.js';
import { hashBytes } from '../render/color.js';
import { sliceParallel } from '../parallel/slice-parallel.js';
import { AUTO_THREADS_MIN_PARAMETERS, sliceThreads } from '../threads.js';
import { InternalError } from '@polytope-lens/core';

interface SliceOpts {
  box?: string;
  through?: string;
  origin?: string;
  dirs?: string;
  inputs?: string;
  idx?: string;
  rows?: string;
  json: string;
  svg?: string;
  png?: string;
  figure: boolean;
  maxFigureRegions: string;
  jacobian?: boolean;
  validate?: boolean;
  quiet?: boolean;
  threads: string;
}

/** Works out the plane and box from the command's options. */
export function planeFromOptions(net: Network, opts: SliceOpts): { plane: Plane; box: Box2; how: string } {
  const d = net.inputSize;
  const box = opts.box !== undefined ? (numberList(opts.box, 4, '--box') as unknown as Box2) : undefined;
  const modes = [opts.through !== undefined || opts.idx !== undefined || opts.inputs !== undefined, opts.origin !== undefined || opts.dirs !== undefined].filter(Boolean).length;
  if (modes > 1) throw new CliError('give either --through (or --idx/--inputs with --rows) or --origin with --dirs, not both');
  if (opts.origin !== undefined || opts.dirs !== undefined) {
    if (opts.origin === undefined || opts.dirs === undefined) throw new CliError('--origin and --dirs go together');
    const origin = vectorArg(opts.origin, d, '--origin');
    const [d1, d2] = vectorList(opts.dirs, d, 2, '--dirs') as [Float64Array, Float64Array];
    return { plane: planeFromDirections(origin, d1, d2), box: box ?? [-1, 1, -1, 1], how: 'origin + s·d1 + t·d2' };
  }
  let abc: Float64Array[] | undefined;
  if (opts.through !== undefined) abc = vectorList(opts.through, d, 3, '--through');
  else abc = readInputSource(opts, d);
  if (abc) {
    if (abc.length !== 3) throw new CliError(`a plane through inputs needs exactly 3 of them (A, B, C), got ${abc.length}`);
    const plane = planeThrough(abc[0]!, abc[1]!, abc[2]!);
    return { plane, box: box ?? anchorBox(plane), how: 'plane through A, B, C (Gram–Schmidt, Eq. 6.2)' };
  }
  if (!box) throw new CliError('give --box x0,x1,y0,y1 (2-input network), --through A;B;C, --idx FILE --rows i,j,k, or --origin/--dirs');
  return { plane: inputPlane(net), box, how: 'input plane' };
}

function round(v: number): number {
  return Math.abs(v) < 1e-300 ? 0 : Number(v.toPrecision(15));
}

/** `polytope slice MODEL …`: exact 2-D partition, JSON + SVG + PNG. */
export function registerSlice(program: Command): void {
  program
    .command('slice')
    .description('exact partition of a 2-D slice: regions, codes, affine maps, decision boundary')
    .argument('<model>', 'network JSON or ONNX file')
    .option('--box <x0,x1,y0,y1>', 'slice box (required for a 2-input network; default around A, B, C)')
    .option('--through <A;B;C>', 'plane through three inputs (vectors separated by ;, each a comma list or @FILE; or a FILE with 3 rows)')
    .option('--origin <x>', 'plane origin (with --dirs)')
    .option('--dirs <d1;d2>', 'two directions spanning the plane')
    .option('--inputs <file>', 'file holding A, B, C (use --rows to pick)')
    .option('--idx <file>', "IDX image file ('mnist' = bundled MNIST test set); --rows i,j,k picks A, B, C")
    .option('--rows <list>', 'rows of --inputs/--idx')
    .option('--json <path>', 'output JSON file', 'slice.json')
    .option('--svg <path>', 'figure (SVG); default: beside --json')
    .option('--png <path>', 'figure (PNG); default: beside --json')
    .option('--no-figure', 'do not draw figures')
    .option('--max-figure-regions <n>', 'skip the figure above this many regions', '300000')
    .option('--jacobian', 'include each region\'s full input-space Jacobian (computed at its centroid)')
    .option('--validate', 'check every region against the network (centroid code and map, areas)')
    .option('--threads <n>', `worker threads ('auto' = one per core; 1 for networks under ${AUTO_THREADS_MIN_PARAMETERS.toLocaleString('en-US')} parameters)`, 'auto')
    .option('--quiet', 'print nothing but errors')
    .action(async (modelPath: string, opts: SliceOpts) => {
      const net = loadModel(modelPath);
      const { plane, box, how } = planeFromOptions(net, opts);
      const maxFig = Number(opts.maxFigureRegions);
      if (!Number.isInteger(maxFig) || maxFig < 0) throw new CliError(`--max-figure-regions must be a non-negative integer, got '${opts.maxFigureRegions}'`);
      const offsets = codeOffsets(net);
      const o = net.outputSize;
      const d = net.inputSize;
      const threads = sliceThreads(opts.threads, net.numParameters);
      // Regions stream to one temporary file per work group, joined in group order at the end:
      // the output is the same for every thread count.
      const groupTmp = (g: number) => `${opts.json}.${process.pid}.g${g}.tmp`;
      const groups = new Map<number, { fd: number; chunk: string[]; len: number }>();
      const flush = (g: { fd: number; chunk: string[]; len: number }) => {
        if (g.chunk.length) writeSync(g.fd, g.chunk.join(''));
        g.chunk = [];
        g.len = 0;
      };
      const cleanup = () => {
        for (const [i, g] of groups) {
          try {
            closeSync(g.fd);
          } catch {
            // already closed
          }
          rmSync(groupTmp(i), { force: true });
        }
      };
      // Compact figure store: polygons in one growing Float32Array.
      let figVerts = new Float32Array(1 << 16);
      let figLen = 0;
      const figStarts: number[] = [0];
      const figKeys: number[] = [];
      let figureOn = opts.figure;
      const x = new Float64Array(d);
      const progress = startProgress('slice', opts.quiet === true);
      let res;
      try {
        res = await sliceParallel(net, plane, box, {
          threads,
          collect: opts.validate === true,
          signal: progress.signal,
          onProgress: (p) => progress.update(p.fraction, p.regions),
          onRegion: (r: SliceRegion, group: number) => {
            const n = r.vertices.length / 2;
            const verts: number[][] = [];
            for (let i = 0; i < n; i++) verts.push([round(r.vertices[2 * i]!), round(r.vertices[2 * i + 1]!)]);
            const map: number[][] = [];
            for (let k = 0; k < o; k++) map.push([round(r.map[3 * k]!), round(r.map[3 * k + 1]!), round(r.map[3 * k + 2]!)]);
            const rec: Record<string, unknown> = { code: codeKey(r.code, offsets), vertices: verts, area: r.area, map };
            if (opts.jacobian) {
              const [s, t] = polygonCentroid(r.vertices, n) as unknown as [number, number];
              for (let i = 0; i < d; i++) x[i] = plane.origin[i]! + s * plane.u[i]! + t * plane.v[i]!;
              const a = affineMapAt(net, x);
              const jac: number[][] = [];
              for (let k = 0; k < o; k++) jac.push(Array.from(a.jacobian.subarray(k * d, (k + 1) * d)));
              rec.jacobian = jac;
              rec.offset = Array.from(a.offset);
            }
            let g = groups.get(group);
            if (!g) {
              g = { fd: openSync(groupTmp(group), 'w'), chunk: [], len: 0 };
              groups.set(group, g);
            }
            const s = JSON.stringify(rec) + ',\n';
            g.chunk.push(s);
            g.len += s.length;
            if (g.len > 1 << 20) flush(g);
            if (figureOn) {
              if (figStarts.length > maxFig) {
                figureOn = false;
                figVerts = new Float32Array(0);
              } else {
                if (figLen + 2 * n > figVerts.length) {
                  const g = new Float32Array(Math.max(figVerts.length * 2, figLen + 2 * n));
                  g.set(figVerts.subarray(0, figLen));
                  figVerts = g;
                }
                figVerts.set(r.vertices, figLen);
                figLen += 2 * n;
                figStarts.push(figLen);
                figKeys.push(hashBytes(r.code));
              }
            }
          },
        });
        for (const g of groups.values()) {
          flush(g);
          closeSync(g.fd);
          g.fd = -1;
        }
      } catch (err) {
        cleanup();
        throw err;
      } finally {
        progress.stop();
      }
      try {
        if (opts.validate) {
          const v = validateSlice(net, res);
          if (!v.ok) throw new InternalError(`validation failed:\n  ${v.problems.join('\n  ')}`);
          if (!opts.quiet) process.stderr.write(`slice: validation passed (${res.regions.length - v.skipped} regions checked, ${v.skipped} thin ones skipped)\n`);
        }
        const s = res.summary;
        const header = {
          summary: {
            regions: s.regions,
            linear_regions: s.linearRegions,
            total_area: s.totalArea,
            boundary_length: s.boundaryLength,
            seconds: s.seconds,
            box_area: s.boxArea,
            thin_regions: s.thinRegions,
          },
          plane: { kind: how, box, anchors: plane.anchors ?? [], ...(d <= 64 ? { origin: Array.from(plane.origin), u: Array.from(plane.u), v: Array.from(plane.v) } : {}) },
          boundary: res.boundary.map((pl) => {
            const pts: number[][] = [];
            for (let i = 0; i < pl.length; i += 2) pts.push([round(pl[i]!), round(pl[i + 1]!)]);
            return pts;
          }),
        };
        const finalTmp = `${opts.json}.${process.pid}.tmp`;
        const out = openSync(finalTmp, 'w');
        try {
          const head = JSON.stringify(header);
          writeSync(out, head.slice(0, -1) + ',"regions":[\n');
          const buf = Buffer.allocUnsafe(1 << 20);
          // Copy the groups in order. Every record ends with ",\n"; the last one's is dropped.
          const order = [...groups.keys()].sort((a, b) => a - b);
          order.forEach((i, k) => {
            const inp = openSync(groupTmp(i), 'r');
            try {
              let left = fstatSync(inp).size - (k === order.length - 1 ? 2 : 0);
              while (left > 0) {
                const n = readSync(inp, buf, 0, Math.min(buf.length, left), null);
                if (n <= 0) break;
                writeSync(out, buf, 0, n);
                left -= n;
              }
            } finally {
              closeSync(inp);
            }
          });
          writeSync(out, '\n]}\n');
          closeSync(out);
          renameSync(finalTmp, opts.json);
        } catch (err) {
          rmSync(finalTmp, { force: true });
          throw err;
        }
        if (opts.figure) {
          if (!figureOn) {
            if (!opts.quiet) process.stderr.write(`slice: ${s.regions} regions exceed --max-figure-regions ${maxFig}; no figure drawn\n`);
          } else {
            const regions = (function* () {
              for (let i = 0; i < figKeys.length; i++) yield { vertices: Float64Array.from(figVerts.subarray(figStarts[i]!, figStarts[i + 1]!)), colorKey: figKeys[i]! };
            })();
            const svg = renderSliceSvg({
              box: [box[0], box[1], box[2], box[3]],
              regions,
              boundary: res.boundary,
              anchors: [...(plane.anchors ?? [])],
              title: `${s.regions} activation regions, ${s.linearRegions} linear regions`,
              xLabel: how === 'input plane' ? 'x₁' : 's',
              yLabel: how === 'input plane' ? 'x₂' : 't',
            });
            const base = opts.json.replace(/\.json$/i, '');
            writeFileAtomic(opts.svg ?? `${base}.svg`, svg);
            writeFileAtomic(opts.png ?? `${base}.png`, svgToPng(svg));
          }
        }
        if (!opts.quiet) {
          process.stderr.write(`slice: ${s.regions} regions (${s.linearRegions} linear) in ${s.seconds.toFixed(3)} s → ${opts.json}\n`);
        }
      } finally {
        cleanup();
      }
    });
}
