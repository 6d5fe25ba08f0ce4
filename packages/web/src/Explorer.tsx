/**
 * The model explorer's panels: anchors from bundled MNIST samples, uploaded images or .npy files
 * (filling the anchor fields A, B, C), the path view between two anchors (the exact pieces of the
 * segment, its boundary density and a strip chart of one output) and the Jacobian images at an anchor
 * or at the last clicked map point.
 * The path and the Jacobian are computed in explorer-worker.ts (a newer request supersedes an older
 * one); the page only parses the anchors and draws the answers.
 */
import { useEffect, useRef, useState } from 'react';
import type { ChangeEvent, KeyboardEvent } from 'react';
import { planeThrough } from '@polytope-lens/core';
import { GridMethodsPanel } from './GridMethods.js';
import { modelInfo } from './model-client.js';
import type { ModelInfo } from './model-worker.js';
import { decodeMnistSamples, imageShapeOf, mnistVector, npyAnchor, parseAnchor, pixelsToVector, vectorText } from './anchor-input.js';
import type { MnistSample } from './anchor-input.js';
import { ExplorerJobs } from './explorer-client.js';
import type { FromExplorer, JobWorker } from './explorer-protocol.js';
import type { ImageShape } from './jacobian-image.js';
import { pieceAt, valueAt } from './path-view.js';
import type { PathSummary } from './path-view.js';

const NAMES = ['A', 'B', 'C'] as const;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * An uploaded image (PNG, JPEG, anything createImageBitmap decodes) as a model input of `shape`: decoded
 * without colour conversion, resized (high quality) when its size differs, then `pixelsToVector`.
 */
async function imageAnchor(file: Blob, shape: ImageShape): Promise<Float64Array> {
  const options: ImageBitmapOptions = { colorSpaceConversion: 'none', premultiplyAlpha: 'none' };
  const probe = await createImageBitmap(file, options);
  const same = probe.width === shape.width && probe.height === shape.height;
  const bitmap = same
    ? probe
    : await createImageBitmap(file, { ...options, resizeWidth: shape.width, resizeHeight: shape.height, resizeQuality: 'high' });
  if (!same) probe.close();
  const canvas = new OffscreenCanvas(shape.width, shape.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return pixelsToVector(ctx.getImageData(0, 0, shape.width, shape.height).data, shape);
}

/**
 * The explorer's page state: the open model's sizes (read in model-worker.ts; undefined when none,
 * while it is read, or when it does not read: the slicer reports that), the anchors of the model's
 * current slice (set when it is sliced) and the last clicked map point (s, t).
 */
export function useModelExplorer(model: string | Uint8Array | undefined) {
  const net = useModelInfo(model);
  const sliced = useRef<[number[], number[], number[]] | undefined>(undefined);
  const [point, setPoint] = useState<MapPoint | undefined>();
  // A new model drops the point (not its sizes arriving from the model worker, which may come after a linked point).
  useEffect(() => setPoint(undefined), [model]);
  /** A click on the map at (s, t), in the plane of the slice requested last. */
  const onPoint = (st: [number, number]) => setPoint({ st, through: sliced.current });
  return { net, sliced, point, onPoint };
}

function useModelInfo(model: string | Uint8Array | undefined): ModelInfo | undefined {
  const [info, setInfo] = useState<ModelInfo | undefined>();
  useEffect(() => {
    setInfo(undefined);
    if (model === undefined) return;
    let live = true;
    modelInfo(model).then(
      (i) => live && setInfo(i),
      // A model that does not read: the slicer's error says why.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [model]);
  return info;
}

interface AnchorProps {
  readonly net: ModelInfo;
  readonly anchors: readonly string[];
  readonly setAnchors: (a: string[]) => void;
  readonly sources: readonly AnchorSource[];
  readonly setSources: (s: AnchorSource[]) => void;
  readonly onError: (m: string) => void;
}

function Thumb({ s, onPick }: { s: MnistSample; onPick: (s: MnistSample) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(s.cols, s.rows);
    s.pixels.forEach((p, i) => img.data.set([p, p, p, 255], 4 * i));
    ctx.putImageData(img, 0, 0);
  }, [s]);
  return (
    <button
      type="button"
      className="thumb"
      id={`mnist-${s.index}`}
      aria-label={`MNIST test image ${s.index}, digit ${s.label}`}
      onClick={() => onPick(s)}
    >
      <canvas ref={ref} width={s.cols} height={s.rows} aria-hidden="true" />
      <span aria-hidden="true">{s.label}</span>
    </button>
  );
}

/** The bundled MNIST samples, fetched once from the app's own files (a failed fetch is tried again next time). */
const mnistCache: { samples: Promise<MnistSample[]> | undefined } = { samples: undefined };
export function loadMnistSamples(): Promise<MnistSample[]> {
  mnistCache.samples ??= (async () => {
    const r = await fetch(new URL('./mnist-samples.bin', document.baseURI));
    if (!r.ok) throw new Error(`mnist-samples.bin: HTTP ${r.status}`);
    return decodeMnistSamples(new Uint8Array(await r.arrayBuffer()));
  })().catch((err: unknown) => {
    mnistCache.samples = undefined;
    throw err;
  });
  return mnistCache.samples;
}

/** Where an anchor's values came from: a label ('' when typed or empty) and, for a bundled MNIST sample, its test-set index (what a link keeps). */
export interface AnchorSource {
  readonly label: string;
  readonly sample?: number;
}

/** The label of a bundled MNIST sample as an anchor source. */
export const mnistSource = (s: MnistSample): AnchorSource => ({ label: `MNIST test #${s.index} (digit ${s.label})`, sample: s.index });

/** The bundled MNIST samples (fetched from the app's own files when the gallery opens). */
function Gallery({ onPick, onError }: { onPick: (s: MnistSample) => void; onError: (m: string) => void }) {
  const [samples, setSamples] = useState<MnistSample[] | undefined>();
  const load = async () => {
    if (samples) return;
    try {
      setSamples(await loadMnistSamples());
    } catch (err) {
      onError(message(err));
    }
  };
  return (
    <details id="mnist-gallery" onToggle={(e) => e.currentTarget.open && void load()}>
      <summary>Bundled MNIST samples (test set, 10 per digit)</summary>
      <div className="gallery" role="group" aria-label="MNIST samples">
        {samples?.map((s) => (
          <Thumb key={s.index} s={s} onPick={onPick} />
        ))}
      </div>
    </details>
  );
}

/** Fills the anchor fields from bundled samples, uploaded images and .npy files (for the chosen anchor; then the next). */
export function AnchorSources({ net, anchors, setAnchors, sources, setSources, onError }: AnchorProps) {
  const [target, setTarget] = useState(0);
  const shape = imageShapeOf(net.inputShape);
  const fill = (v: Float64Array, source: AnchorSource) => {
    if (v.length !== net.inputSize) return onError(`${source.label}: ${v.length} values, but the model takes ${net.inputSize}`);
    onError('');
    setAnchors(anchors.map((a, i) => (i === target ? vectorText(v) : a)));
    setSources(sources.map((x, i) => (i === target ? source : x)));
    setTarget((target + 1) % 3);
  };
  const onImage = async (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    if (!f || !shape) return;
    try {
      fill(await imageAnchor(f, shape), { label: f.name });
    } catch (err) {
      onError(`${f.name}: ${message(err)}`);
    }
    ev.target.value = '';
  };
  const onNpy = async (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    if (!f) return;
    try {
      fill(npyAnchor(new Uint8Array(await f.arrayBuffer()), f.name, net.inputSize), { label: f.name });
    } catch (err) {
      onError(message(err));
    }
    ev.target.value = '';
  };
  return (
    <fieldset className="anchor-files">
      <legend>Anchors from files</legend>
      <div className="field">
        <label htmlFor="anchor-target">Anchor to fill</label>
        <select id="anchor-target" value={target} onChange={(e) => setTarget(Number(e.target.value))}>
          {NAMES.map((n, i) => (
            <option key={n} value={i}>
              {n}
            </option>
          ))}
        </select>
      </div>
      {shape && net.inputSize === 784 && <Gallery onPick={(s) => fill(mnistVector(s), mnistSource(s))} onError={onError} />}
      {shape && (
        <div className="field">
          <label htmlFor="anchor-image">
            Image (PNG/JPEG → {shape.channels === 1 ? 'grey' : 'RGB'} {shape.width}×{shape.height}, values in [0, 1])
          </label>
          <input id="anchor-image" type="file" accept="image/png,image/jpeg" onChange={(e) => void onImage(e)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="anchor-npy">.npy array ({net.inputSize} values)</label>
        <input id="anchor-npy" type="file" accept=".npy" onChange={(e) => void onNpy(e)} />
      </div>
      <ul className="anchor-sources" aria-label="anchor sources">
        {NAMES.map((n, i) => (
          <li key={n} id={`anchor-source-${n}`}>
            {n}: {sources[i]?.label || (anchors[i]?.trim() ? 'typed' : '—')}
          </li>
        ))}
      </ul>
      <p className="note">
        The page's address keeps anchors from the bundled MNIST samples (re-slice to put them in it) and the last clicked map point;
        uploaded files (models, images, .npy) cannot be in a link.
      </p>
    </fieldset>
  );
}

/** Line colours of the outputs when all are charted (Vega's category10). */
const OUTPUT_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Where the cursor reads the chart: t in [0, 1]. */
function hoverText(p: PathSummary, t: number, outputs: readonly number[]): string {
  const k = pieceAt(p, t);
  const vals = outputs.map((o) => `output ${o} = ${valueAt(p, t, o).toPrecision(6)}`);
  return `t = ${t.toFixed(4)} · piece ${k + 1} of ${p.pieces} (t ∈ [${p.ts[k]!.toFixed(4)}, ${p.ts[k + 1]!.toFixed(4)}]) · ${vals.join(', ')}`;
}

/**
 * The strip chart: one output (or all) along t ∈ [0, 1], exact at the piece ends, with a tick at each
 * boundary. Hover (or focus and ←/→, Home/End: piece by piece; Escape clears) reads the exact values
 * at the cursor and its piece.
 */
function StripChart({ p, charted }: { p: PathSummary; charted: number | 'all' }) {
  const W = 560;
  const H = 120;
  const [cursor, setCursor] = useState<number | undefined>();
  const n = p.ts.length;
  const outputs = charted === 'all' ? Array.from({ length: p.outputs }, (_, o) => o) : [charted];
  let lo = Infinity;
  let hi = -Infinity;
  for (const o of outputs)
    for (let i = 0; i < n; i++) [lo, hi] = [Math.min(lo, p.values[i * p.outputs + o]!), Math.max(hi, p.values[i * p.outputs + o]!)];
  const y = (v: number) => (hi === lo ? H / 2 : H - 8 - ((v - lo) / (hi - lo)) * (H - 16));
  const line = (o: number) =>
    Array.from({ length: n }, (_, i) => `${(p.ts[i]! * W).toFixed(2)},${y(p.values[i * p.outputs + o]!).toFixed(2)}`).join(' ');
  const first = (o: number) => p.values[o]!;
  const last = (o: number) => p.values[(n - 1) * p.outputs + o]!;
  const label =
    charted === 'all'
      ? `All ${p.outputs} outputs along the path: ${p.pieces} pieces`
      : `Output ${charted} along the path: ${p.pieces} pieces, from ${first(charted).toPrecision(4)} to ${last(charted).toPrecision(4)}`;
  const mid = (k: number) => (p.ts[k]! + p.ts[k + 1]!) / 2;
  const onKey = (e: KeyboardEvent<SVGSVGElement>) => {
    const k = cursor === undefined ? -1 : pieceAt(p, cursor);
    const to = { ArrowRight: Math.min(p.pieces - 1, k + 1), ArrowLeft: Math.max(0, k - 1), Home: 0, End: p.pieces - 1 }[e.key];
    if (e.key === 'Escape') setCursor(undefined);
    else if (to !== undefined) setCursor(mid(to));
    else return;
    e.preventDefault();
  };
  return (
    <>
      <svg
        id="path-chart"
        width={W}
        height={H}
        role="img"
        tabIndex={0}
        aria-label={`${label}. Arrow keys step through the pieces.`}
        onMouseMove={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          setCursor(Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)));
        }}
        onMouseLeave={() => setCursor(undefined)}
        onKeyDown={onKey}
      >
        <rect x={0} y={0} width={W} height={H} fill="#fafafa" stroke="#ccc" />
        {Array.from(p.ts.subarray(1, -1), (t, i) => (
          <line key={i} x1={t * W} x2={t * W} y1={0} y2={H} stroke="#bbb" strokeWidth={0.5} />
        ))}
        {outputs.map((o) => (
          <polyline
            key={o}
            className="path-output"
            points={line(o)}
            fill="none"
            stroke={charted === 'all' ? OUTPUT_COLOURS[o % OUTPUT_COLOURS.length] : '#c0392b'}
            strokeWidth={1.5}
          />
        ))}
        {cursor !== undefined && <rect id="path-cursor" x={cursor * W - 0.5} y={0} width={1} height={H} fill="#111" />}
      </svg>
      <p id="path-hover" aria-live="polite">
        {cursor === undefined ? 'Hover the chart (or focus it and use ←/→) to read the outputs.' : hoverText(p, cursor, outputs)}
      </p>
    </>
  );
}

interface PanelProps {
  readonly net: ModelInfo;
  /** The model the net was read from (network JSON text or ONNX bytes), for the worker. */
  readonly model: string | Uint8Array;
  readonly anchors: readonly string[];
}

/** Jobs on explorer-worker.ts for one panel (its worker is closed with the panel); answers go to the newest `onAnswer`. */
function useExplorerJobs(onAnswer: (m: FromExplorer) => void): { current: ExplorerJobs | undefined } {
  const handler = useRef(onAnswer);
  handler.current = onAnswer;
  const jobs = useRef<ExplorerJobs | undefined>(undefined);
  useEffect(() => {
    const spawn = () => new Worker(new URL('./explorer-worker.ts', import.meta.url), { type: 'module' }) as unknown as JobWorker;
    const j = new ExplorerJobs(spawn, (m) => handler.current(m));
    jobs.current = j;
    return () => j.close();
  }, []);
  return jobs;
}

/** The panel's line while a job runs: what it computes, and the worker's progress when it reports some. */
function Computing({ id, what, progress }: { id: string; what: string; progress: string }) {
  return (
    <p id={id} role="status" aria-live="polite">
      computing {what} in a worker… {progress}
    </p>
  );
}

function AnchorSelect(p: { id: string; label: string; value: number; set: (v: number) => void }) {
  return (
    <div className="field">
      <label htmlFor={p.id}>{p.label}</label>
      <select id={p.id} value={p.value} onChange={(e) => p.set(Number(e.target.value))}>
        {NAMES.map((n, i) => (
          <option key={n} value={i}>
            {n}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The path between two anchors: exact pieces (`partitionLine`, in the worker), piece count, boundary density, strip chart of any output or all. */
function PathPanel({ net, model, anchors }: PanelProps) {
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(1);
  const [output, setOutput] = useState(0);
  const [all, setAll] = useState(false);
  const [shown, setShown] = useState<PathSummary | string | undefined>();
  const [busy, setBusy] = useState<{ progress: string } | undefined>();
  const jobs = useExplorerJobs((m) => {
    if (m.type === 'progress')
      return setBusy((b) => b && { ...b, progress: `${m.pieces} pieces, ${(100 * m.fraction).toFixed(0)} % of the length` });
    setShown(m.type === 'path' ? m : m.type === 'error' ? m.message : undefined);
    setBusy(undefined);
  });
  const trace = () => {
    const a = parseAnchor(anchors[from] ?? '', net.inputSize);
    const b = parseAnchor(anchors[to] ?? '', net.inputSize);
    if (!a || !b) {
      jobs.current?.close();
      setBusy(undefined);
      return setShown(`anchors ${NAMES[from]} and ${NAMES[to]} must each hold ${net.inputSize} numbers`);
    }
    setShown(undefined);
    setBusy({ progress: '' });
    jobs.current?.run(model, { type: 'path', from: a, to: b }, [a.buffer as ArrayBuffer, b.buffer as ArrayBuffer]);
  };
  return (
    <section aria-labelledby="path-title" className="panel">
      <h2 id="path-title">Path between two anchors</h2>
      <div className="row">
        <AnchorSelect id="path-from" label="From" value={from} set={setFrom} />
        <AnchorSelect id="path-to" label="To" value={to} set={setTo} />
        <div className="field">
          <label htmlFor="path-output">Output charted</label>
          <input
            id="path-output"
            type="number"
            min={0}
            max={net.outputSize - 1}
            value={output}
            disabled={all}
            onChange={(e) => setOutput(Math.max(0, Math.min(net.outputSize - 1, Math.trunc(Number(e.target.value)) || 0)))}
          />
        </div>
        <div className="field check">
          <input id="path-all" type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          <label htmlFor="path-all">All outputs</label>
        </div>
        <button id="path-trace" type="button" onClick={trace}>
          Trace path
        </button>
      </div>
      {busy && <Computing id="path-status" what="the path" progress={busy.progress} />}
      {typeof shown === 'string' && <p className="error">{shown}</p>}
      {typeof shown === 'object' && (
        <>
          <p id="path-summary">
            <span id="path-pieces">{shown.pieces}</span> pieces over length <span id="path-length">{shown.length.toPrecision(6)}</span> ·
            boundary density <span id="path-density">{shown.density.toPrecision(6)}</span> pieces per unit length
          </p>
          {shown.pieces > 0 && <StripChart p={shown} charted={all ? 'all' : Math.min(output, shown.outputs - 1)} />}
        </>
      )}
    </section>
  );
}

function JacobianCanvas({ rgba, shape, output }: { rgba: Uint8ClampedArray; shape: ImageShape; output: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba), shape.width, shape.height), 0, 0);
  }, [rgba, shape]);
  return (
    <figure className="jacobian">
      <canvas
        ref={ref}
        id={`jacobian-${output}`}
        width={shape.width}
        height={shape.height}
        role="img"
        aria-label={`Jacobian row of output ${output}: grey 0, white positive, black negative`}
      />
      <figcaption>output {output}</figcaption>
    </figure>
  );
}

/** A clicked map point: its slice coordinates and the anchors of the slice's plane (none: the first two input axes). */
export interface MapPoint {
  readonly st: readonly [number, number];
  readonly through: readonly [number[], number[], number[]] | undefined;
}

/** The input at slice coordinates (s, t): origin + s·u + t·v of the plane through the anchors, else (s, t, 0, …). */
function inputAt(p: MapPoint, size: number): Float64Array {
  const [s, t] = p.st;
  if (!p.through) return Float64Array.from({ length: size }, (_, i) => (i === 0 ? s : i === 1 ? t : 0));
  const plane = planeThrough(...p.through);
  return plane.origin.map((o, i) => o + s * plane.u[i]! + t * plane.v[i]!);
}

/** The exact local Jacobian at an anchor or at the last clicked map point, one image per output (image-shaped models; computed in the worker). */
function JacobianPanel({ net, model, anchors, point }: PanelProps & { point: MapPoint | undefined }) {
  const shape = imageShapeOf(net.inputShape);
  const [at, setAt] = useState(0);
  const [shown, setShown] = useState<{ rows: Uint8ClampedArray[]; code: string; id: number } | string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const jobs = useExplorerJobs((m) => {
    if (m.type === 'progress') return;
    setBusy(undefined);
    if (m.type === 'error') return setShown(m.message);
    if (m.type !== 'jacobian' || !shape) return;
    const size = shape.width * shape.height * 4;
    const rows = Array.from({ length: m.outputs }, (_, k) => m.images.subarray(k * size, (k + 1) * size));
    setShown({ rows, code: busy ?? '', id: m.id });
  });
  if (!shape) return null;
  const show = () => {
    const x = at === 3 ? point && inputAt(point, net.inputSize) : parseAnchor(anchors[at] ?? '', net.inputSize);
    if (!x) {
      jobs.current?.close();
      setBusy(undefined);
      return setShown(at === 3 ? 'click the map first' : `anchor ${NAMES[at]} must hold ${net.inputSize} numbers`);
    }
    const code = at === 3 ? `map point (${point!.st.map((v) => v.toPrecision(4)).join(', ')})` : `anchor ${NAMES[at]!}`;
    setShown(undefined);
    setBusy(code);
    jobs.current?.run(model, { type: 'jacobian', x, shape }, [x.buffer as ArrayBuffer]);
  };
  return (
    <section aria-labelledby="jacobian-title" className="panel">
      <h2 id="jacobian-title">Jacobian images</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="jacobian-anchor">At</label>
          <select id="jacobian-anchor" value={at} onChange={(e) => setAt(Number(e.target.value))}>
            {NAMES.map((n, i) => (
              <option key={n} value={i}>
                anchor {n}
              </option>
            ))}
            <option value={3} disabled={!point}>
              last clicked map point
            </option>
          </select>
        </div>
        {point && (
          <span>
            map point (s, t) = (<span id="jacobian-point">{point.st.join(', ')}</span>)
          </span>
        )}
        <button id="jacobian-show" type="button" onClick={show}>
          Show Jacobian images
        </button>
      </div>
      {busy !== undefined && <Computing id="jacobian-status" what={`the Jacobian at ${busy}`} progress="" />}
      {typeof shown === 'string' && <p className="error">{shown}</p>}
      {typeof shown === 'object' && (
        <div className="jacobians" role="group" aria-label={`Jacobian rows at ${shown.code}`}>
          {shown.rows.map((rgba, k) => (
            <JacobianCanvas key={`${shown.id}-${k}`} rgba={rgba} shape={shape} output={k} />
          ))}
        </div>
      )}
    </section>
  );
}

/** The path view, the Jacobian images and the grid methods of §6.3 for the open model. */
export function ModelPanels(
  p: PanelProps & {
    point: MapPoint | undefined;
    through: readonly [number[], number[], number[]] | undefined;
    box: readonly [number, number, number, number];
  },
) {
  return (
    <>
      <PathPanel net={p.net} model={p.model} anchors={p.anchors} />
      <JacobianPanel net={p.net} model={p.model} anchors={p.anchors} point={p.point} />
      <GridMethodsPanel net={p.net} model={p.model} through={p.through} box={p.box} />
    </>
  );
}
