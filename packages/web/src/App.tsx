/** The Polytope Lens explorer: playground (train a 2-D net, watch its exact region map) and model loading. */
import { useEffect, useRef, useState } from 'react';
import type { ChangeEvent, KeyboardEvent, MouseEvent, RefObject } from 'react';
import { DataControls, NetworkControls, ViewControls } from './Controls.js';
import { parseCsv } from './csv.js';
import { drawData } from './draw.js';
import { Engine } from './engine.js';
import { AnchorSources, ModelPanels, loadMnistSamples, mnistSource, useModelExplorer } from './Explorer.js';
import type { AnchorSource } from './Explorer.js';
import { mnistVector, vectorText } from './anchor-input.js';
import { Details, DualView, ExportControls } from './Inspector.js';
import type { FromRenderer, RegionDetails, ToRenderer, TrainConfig } from './protocol.js';
import { flatFromResult, isSliceResult } from './result.js';
import { anchorsText, hashFromState, parseAnchorLists, parseBox3, parseList, parseWidths, stateFromHash } from './state.js';
import type { PlaygroundState } from './state.js';
import { stats } from './stats.js';
import type { Snapshot } from './timeline.js';
import { TrainedTimeline, useTimeline } from './TimelineView.js';
import { View3D } from './View3D.js';
import { externalToJson } from './model-client.js';

type Box = readonly [number, number, number, number];

interface Status {
  regions: number;
  linear: number;
  step: number;
  loss: number;
  phase: 'idle' | 'training' | 'paused' | 'done' | 'model';
  source: string;
  box: Box;
  anchors: readonly { name: string; s: number; t: number }[];
  /** The id of the slice these counts describe (the render worker may not have it yet: a pick can wait for it). */
  slice: number;
  /** The network the map shows (the 3-D view follows it while training). */
  net: string | Uint8Array | undefined;
}

const SIZE = 560;
const NO_SOURCE: AnchorSource = { label: '' };
const IDLE: Omit<Status, 'box'> = {
  regions: 0,
  linear: 0,
  step: 0,
  loss: NaN,
  phase: 'idle',
  source: '',
  anchors: [],
  slice: 0,
  net: undefined,
};
const squareBox = (s: PlaygroundState): [number, number, number, number] => [-s.extent, s.extent, -s.extent, s.extent];

function trainConfig(s: PlaygroundState, csv: TrainConfig['csv']): TrainConfig {
  return {
    dataset: s.dataset,
    noise: s.noise,
    samples: s.samples,
    widths: parseWidths(s.hidden) ?? [8, 8],
    activation: s.activation,
    leak: s.leak,
    optimizer: s.optimizer,
    lr: s.lr,
    batch: s.batch,
    epochs: s.epochs,
    seed: s.seed,
    ...(csv ? { csv } : {}),
  };
}

/** The worker side: engine, picks, served files. Returns the handles the page needs. */
function useEngine(
  onStatus: (f: (s: Status) => Status) => void,
  onError: (m: string) => void,
  onData: () => void,
  onSelected: (d: RegionDetails | undefined) => void,
  onKeep?: (s: Snapshot & { final: boolean }) => void,
) {
  const engine = useRef<Engine | undefined>(undefined);
  const base = useRef<HTMLCanvasElement>(null);
  const data = useRef<{ x: Float64Array; labels: Float32Array } | undefined>(undefined);
  const dual = useRef<HTMLCanvasElement>(null);
  const picks = useRef(new Map<number, (d: RegionDetails | undefined) => void>());
  const files = useRef(new Map<number, (f: Blob | undefined) => void>());
  useEffect(() => {
    const e = new Engine(
      {
        onData: (x, labels) => {
          data.current = { x, labels };
          onData();
        },
        onSlice: (m, info) => {
          stats.sliced(m.regions, info.final || info.pinned === true, m.id);
          onStatus((st) => ({
            ...st,
            regions: m.regions,
            linear: m.linearRegions,
            box: m.box,
            anchors: m.anchors,
            slice: m.id,
            step: info.step,
            loss: info.loss,
            net: info.net,
            phase: info.final ? (st.phase === 'model' ? 'model' : 'done') : st.phase,
          }));
        },
        onRendered: (m: FromRenderer) => {
          if (m.type === 'drawn') stats.drawn(m.id, m.ms, m.sliceSeconds);
          else if (m.type === 'selected') onSelected(m.details);
          else if (m.type === 'export') {
            files.current.get(m.ticket)?.(m.file);
            files.current.delete(m.ticket);
          } else {
            picks.current.get(m.ticket)?.(m.details);
            picks.current.delete(m.ticket);
          }
        },
        onError,
        ...(onKeep ? { onKeep } : {}),
      },
      Math.max(1, Math.min(3, (navigator.hardwareConcurrency || 2) - 1)),
    );
    engine.current = e;
    const offscreen = base.current!.transferControlToOffscreen();
    e.render({ type: 'canvas', canvas: offscreen }, [offscreen]);
    const offDual = dual.current!.transferControlToOffscreen();
    e.render({ type: 'dual', canvas: offDual }, [offDual]);
    return () => e.close();
  }, []);
  return { engine, base, dual, data, picks, files };
}

function AnchorControls(p: {
  anchors: readonly string[];
  setAnchors: (a: string[]) => void;
  sources: readonly AnchorSource[];
  setSources: (s: AnchorSource[]) => void;
}) {
  return (
    <fieldset>
      <legend>Model plane (through three inputs)</legend>
      {['A', 'B', 'C'].map((name, i) => (
        <div className="field" key={name}>
          <label htmlFor={`anchor-${name}`}>Anchor {name} (comma list)</label>
          <input
            id={`anchor-${name}`}
            type="text"
            value={p.anchors[i]}
            onChange={(e) => {
              p.setAnchors(p.anchors.map((v, j) => (j === i ? e.target.value : v)));
              p.setSources(p.sources.map((s, j) => (j === i ? NO_SOURCE : s)));
            }}
          />
        </div>
      ))}
    </fieldset>
  );
}

function FileControls(p: {
  onCsv: (e: ChangeEvent<HTMLInputElement>) => Promise<void>;
  onModel: (e: ChangeEvent<HTMLInputElement>) => Promise<void>;
}) {
  return (
    <fieldset>
      <legend>Files</legend>
      <div className="field">
        <label htmlFor="csv-file">Upload data (CSV x,y,label or x,y,z,label)</label>
        <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => void p.onCsv(e)} />
      </div>
      <div className="field">
        <label htmlFor="model-file">
          Open a model (ONNX or network JSON; select an ONNX model's external data files with it) or a slice result
        </label>
        <input id="model-file" type="file" multiple onChange={(e) => void p.onModel(e)} />
      </div>
    </fieldset>
  );
}

interface MapProps {
  readonly status: Status;
  readonly base: RefObject<HTMLCanvasElement | null>;
  readonly overlay: RefObject<HTMLCanvasElement | null>;
  readonly selected: number | undefined;
  readonly setSelected: (i: number | undefined) => void;
  readonly setShown: (d: RegionDetails | undefined) => void;
  readonly pick: (at: readonly [number, number] | number, then: (d: RegionDetails | undefined) => void) => void;
  /** A click's plane point (s, t), for the Jacobian images at a map point. */
  readonly onPoint: (st: [number, number]) => void;
}

/** The map: the regions canvas (drawn by the render worker) under the data overlay, which takes pointer and keys. */
function MapView({ status, base, overlay, selected, setSelected, setShown, pick, onPoint }: MapProps) {
  const planePoint = (ev: MouseEvent<HTMLCanvasElement>): [number, number] => {
    const r = ev.currentTarget.getBoundingClientRect();
    const [x0, x1, y0, y1] = status.box;
    return [x0 + ((ev.clientX - r.left) / r.width) * (x1 - x0), y1 - ((ev.clientY - r.top) / r.height) * (y1 - y0)];
  };
  const onKey = (ev: KeyboardEvent<HTMLCanvasElement>) => {
    const n = status.regions;
    const d = ev.key === 'ArrowRight' || ev.key === 'ArrowDown' ? 1 : ev.key === 'ArrowLeft' || ev.key === 'ArrowUp' ? -1 : 0;
    if (n === 0 || (d === 0 && ev.key !== 'Escape')) return;
    ev.preventDefault();
    const next = d === 0 ? undefined : ((selected ?? (d > 0 ? -1 : 0)) + d + n) % n;
    setSelected(next);
    if (next === undefined) setShown(undefined);
    else pick(next, setShown);
  };

  return (
    <div className="map">
      <canvas ref={base} width={SIZE} height={SIZE} aria-hidden="true" className="regions" />
      <canvas
        id="map"
        ref={overlay}
        width={SIZE}
        height={SIZE}
        tabIndex={0}
        role="img"
        aria-label={`Exact region map: ${status.regions} regions; arrow keys select a region, Escape clears`}
        onPointerMove={(e) => pick(planePoint(e), (d) => d && setShown(d))}
        onClick={(e) => {
          const st = planePoint(e);
          onPoint(st);
          pick(st, (d) => {
            setSelected(d?.index);
            if (d) setShown(d);
          });
        }}
        onKeyDown={onKey}
      />
    </div>
  );
}

interface ActionContext {
  readonly engine: RefObject<Engine | undefined>;
  readonly state: PlaygroundState;
  readonly status: Status;
  readonly set: (patch: Partial<PlaygroundState>) => void;
  readonly setStatus: (f: Status | ((s: Status) => Status)) => void;
  readonly setError: (m: string) => void;
  readonly setSelected: (i: number | undefined) => void;
  readonly data: RefObject<{ x: Float64Array; labels: Float32Array } | undefined>;
  readonly csv: RefObject<TrainConfig['csv']>;
  readonly model: RefObject<string | Uint8Array | undefined>;
  readonly bumpData: () => void;
  readonly anchors: readonly string[];
  /** Where each anchor came from (bundled MNIST samples go into the URL). */
  readonly sources: readonly AnchorSource[];
  /** Called when training (re)starts or a model is opened (the timeline forgets the previous run). */
  readonly onNewRun?: () => void;
  /** The anchors of the model's current slice (undefined: the input plane or the first two axes). */
  readonly sliced: RefObject<[number[], number[], number[]] | undefined>;
}

/** The anchors A, B, C typed by the user: three comma lists, all blank (none), or an error message. */
function parseAnchors(texts: readonly string[]): [number[], number[], number[]] | undefined | string {
  if (texts.every((t) => t.trim() === '')) return undefined;
  const vs = texts.map((t) => t.split(',').map((v) => Number(v.trim())));
  if (vs.some((v, i) => texts[i]!.trim() === '' || v.some((x) => !Number.isFinite(x))))
    return 'give all three anchors A, B, C as comma lists of numbers (or leave all three empty)';
  return vs as [number[], number[], number[]];
}

/**
 * Slices the open model: through the anchors when given, else the input plane (or the first two axes)
 * in the box. The URL then names the anchors when all three are bundled MNIST samples, and no map point.
 */
function sliceModel(c: ActionContext, given?: { anchors: readonly string[]; sources: readonly AnchorSource[] }) {
  const e = c.engine.current!;
  if (c.model.current === undefined) return;
  const { anchors, sources } = given ?? c;
  const through = parseAnchors(anchors);
  if (typeof through === 'string') return c.setError(through);
  c.setError('');
  const samples = sources.map((s) => s.sample);
  const mnist = through && samples.every((i) => i !== undefined) ? samples.join(',') : '';
  c.set({ mnist, anchors: through && !mnist ? anchorsText(through) : '', point: '' });
  e.box = squareBox(c.state);
  stats.reset();
  c.sliced.current = through;
  e.slice(c.model.current, { step: 0, loss: NaN, final: true, ...(through ? { through } : {}) });
}

/** A file the server lists: its name, where to fetch it, and for external data the index of its model. */
interface ServedFile {
  readonly name: string;
  readonly url: string;
  readonly companionOf?: number;
}

/** Opening files: a model (ONNX, network JSON) to slice, or a CLI slice result to show as it is. */
function fileActions(c: ActionContext) {
  function openBytes(name: string, bytes: Uint8Array) {
    const e = c.engine.current!;
    c.setError('');
    c.setSelected(undefined);
    c.onNewRun?.();
    e.stopTraining();
    c.data.current = undefined;
    c.bumpData();
    if (/\.onnx$/i.test(name)) c.model.current = bytes;
    else {
      const text = new TextDecoder().decode(bytes);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        return c.setError(`${name}: neither ONNX nor JSON`);
      }
      if (isSliceResult(doc)) {
        c.model.current = undefined;
        const flat = flatFromResult(doc);
        e.render({ type: 'slice', slice: flat });
        stats.sliced(flat.regions, true, flat.id);
        return c.setStatus({
          ...IDLE,
          regions: flat.regions,
          linear: flat.linearRegions,
          phase: 'model',
          source: name,
          box: flat.box,
          slice: flat.id,
        });
      }
      c.model.current = text;
    }
    c.setStatus((st) => ({ ...st, phase: 'model', source: name }));
    sliceModel(c);
  }
  /** A model with its companion files (an ONNX model's external data, by file name). */
  async function openFiles(files: readonly { name: string; bytes: Uint8Array }[]) {
    const main = files.find((f) => /\.onnx$/i.test(f.name)) ?? files[0];
    if (!main) return;
    const rest = files.filter((f) => f !== main);
    if (!/\.onnx$/i.test(main.name) || rest.length === 0) return openBytes(main.name, main.bytes);
    try {
      openBytes(`${main.name.replace(/\.onnx$/i, '')}.json`, new TextEncoder().encode(await externalToJson(main.name, main.bytes, rest)));
      c.setStatus((st) => ({ ...st, source: main.name }));
    } catch (err) {
      c.setError(err instanceof Error ? err.message : String(err));
    }
  }
  return {
    openBytes,
    /** The first model named to `polytope serve` and its companions (listed in the page by the server). */
    loadServedFiles: async () => {
      const listing = document.getElementById('served-files');
      const all = listing?.textContent ? (JSON.parse(listing.textContent) as ServedFile[]) : [];
      const first = all.findIndex((f) => f.companionOf === undefined);
      if (first < 0) return;
      const picked = all.filter((f, i) => i === first || f.companionOf === first);
      await openFiles(
        await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await (await fetch(f.url)).arrayBuffer()) }))),
      );
    },
    onModel: async (ev: ChangeEvent<HTMLInputElement>) => {
      const list = Array.from(ev.target.files ?? []);
      await openFiles(await Promise.all(list.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))));
    },
  };
}

/** The run's timeline, linked to the URL: the shown snapshot goes into it, and a run that ends shows the one it names. */
function useLinkedTimeline(
  engine: () => Engine | undefined,
  state: PlaygroundState,
  setState: (f: (s: PlaygroundState) => PlaygroundState) => void,
) {
  const wanted = useRef(state.snapshot);
  wanted.current = state.snapshot;
  return useTimeline(engine, state.extent, {
    wanted: () => wanted.current,
    shown: (i) => setState((s) => ({ ...s, snapshot: i })),
  });
}

/** Train / pause / re-slice, and CSV upload. */
function trainingActions(c: ActionContext) {
  return {
    start: () => {
      const e = c.engine.current!;
      if (c.state.dataset === 'csv' && !c.csv.current) return c.setError('choose a CSV file first (rows x,y,label or x,y,z,label)');
      c.setError('');
      c.setSelected(undefined);
      c.onNewRun?.();
      c.model.current = undefined;
      c.set({ mnist: '', anchors: '', point: '' });
      e.box = squareBox(c.state);
      stats.reset();
      e.train(trainConfig(c.state, c.csv.current));
      c.setStatus((st) => ({ ...st, regions: 0, linear: 0, step: 0, loss: NaN, phase: 'training', source: '', net: undefined }));
    },
    pause: () => {
      const paused = c.status.phase === 'training';
      c.engine.current!.pause(paused);
      c.setStatus((st) => ({ ...st, phase: paused ? 'paused' : 'training' }));
    },
    reslice: () => sliceModel(c),
    onCsv: async (ev: ChangeEvent<HTMLInputElement>) => {
      const f = ev.target.files?.[0];
      if (!f) return;
      try {
        c.csv.current = parseCsv(await f.text());
        c.set({ dataset: 'csv' });
        c.setError('');
      } catch (err) {
        c.setError(err instanceof Error ? err.message : String(err));
      }
    },
  };
}

/**
 * A link's model-explorer view, once the served model is open: the bundled MNIST samples it names
 * (or the anchors it holds as numbers) fill anchors A, B, C and the model is sliced through them; its
 * map point waits in `point` for that slice (clicked when it is shown). A sample that is not bundled
 * is one line of error.
 */
async function restoreLink(
  c: ActionContext,
  link: { mnist: string; anchors: string; point: string },
  fill: (anchors: string[], sources: AnchorSource[]) => void,
  point: { current: [number, number] | undefined },
) {
  if (c.model.current === undefined) return;
  const wanted = parseList(link.mnist, 3, 9999);
  const typed = wanted ? null : parseAnchorLists(link.anchors);
  if (typed) {
    const anchors = typed.map((v) => v.join(','));
    const sources = [NO_SOURCE, NO_SOURCE, NO_SOURCE];
    fill(anchors, sources);
    sliceModel(c, { anchors, sources });
    point.current = (parseList(link.point, 2) as [number, number] | null) ?? undefined;
    return;
  }
  if (!wanted) return;
  try {
    const all = await loadMnistSamples();
    const picked = wanted.map((i) => all.find((s) => s.index === i));
    const missing = wanted.filter((_, k) => !picked[k]);
    if (missing.length > 0) return c.setError(`link: MNIST test image ${missing.join(', ')} is not among the bundled samples`);
    const anchors = picked.map((s) => vectorText(mnistVector(s!)));
    const sources = picked.map((s) => mnistSource(s!));
    fill(anchors, sources);
    sliceModel(c, { anchors, sources });
    point.current = (parseList(link.point, 2) as [number, number] | null) ?? undefined;
  } catch (err) {
    c.setError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The page's loader (once, at mount) and the URL's explorer view: it opens the served model, then `restoreLink`; a linked
 * map point is clicked once the slice through the linked anchors is shown. Returns the map's click
 * handler (the point for the Jacobian images, kept in the URL for a model).
 */
function useLinkedView(v: {
  ctx: ActionContext;
  state: PlaygroundState;
  status: Status;
  loadServedFiles: () => Promise<void>;
  onPoint: (st: [number, number]) => void;
  setAnchors: (a: string[]) => void;
  setSources: (s: AnchorSource[]) => void;
  pick: (at: readonly [number, number], then: (d: RegionDetails | undefined) => void, slice?: number) => void;
  choose: (d: RegionDetails | undefined) => void;
}): (st: [number, number]) => void {
  /** The link's explorer view (read once: the state's copy changes as the page slices). */
  const link = useRef({ mnist: v.state.mnist, anchors: v.state.anchors, point: v.state.point });
  /** A linked map point waiting for the slice through the linked anchors. */
  const linkedPoint = useRef<[number, number] | undefined>(undefined);
  const load = useRef<() => Promise<void>>(async () => {});
  useEffect(() => {
    void load.current();
  }, []);
  load.current = async () => {
    await v.loadServedFiles();
    const fill = (a: string[], s: AnchorSource[]) => {
      v.setAnchors(a);
      v.setSources(s);
    };
    await restoreLink(v.ctx, link.current, fill, linkedPoint);
  };
  const onMapPoint = (st: [number, number]) => {
    v.onPoint(st);
    if (v.status.phase === 'model') v.ctx.set({ point: st.join(',') });
  };
  useEffect(() => {
    const st = linkedPoint.current;
    if (!st || v.status.phase !== 'model' || v.status.anchors.length !== 3) return;
    linkedPoint.current = undefined;
    onMapPoint(st);
    v.pick(st, v.choose, v.status.slice);
  }, [v.status]);
  return onMapPoint;
}

function Toolbar(p: { phase: Status['phase']; start: () => void; pause: () => void; reslice: () => void }) {
  const running = p.phase === 'training' || p.phase === 'paused';
  return (
    <div className="buttons" role="group" aria-label="training">
      <button id="train" type="button" onClick={p.start}>
        {running ? 'Restart training' : 'Train'}
      </button>
      <button id="pause" type="button" onClick={p.pause} disabled={!running}>
        {p.phase === 'paused' ? 'Resume' : 'Pause'}
      </button>
      <button id="reslice" type="button" onClick={p.reslice} disabled={p.phase !== 'model'}>
        Re-slice model
      </button>
    </div>
  );
}

function StatusLine({ status }: { status: Status }) {
  return (
    <p role="status" id="status">
      <span id="region-count">{status.regions}</span> regions · <span id="linear-count">{status.linear}</span> linear regions
      {status.phase === 'model' ? ` · ${status.source}` : ` · step ${status.step}`}
      {Number.isFinite(status.loss) ? ` · loss ${status.loss.toPrecision(4)}` : ''} · <span id="phase">{status.phase}</span>
    </p>
  );
}

/** Keeps the workers' view (colouring, selection), the data overlay and the URL in step with the state. */
function useViewEffects(v: {
  engine: RefObject<Engine | undefined>;
  state: PlaygroundState;
  box: Box;
  anchors: Status['anchors'];
  selected: number | undefined;
  overlay: RefObject<HTMLCanvasElement | null>;
  data: RefObject<{ x: Float64Array; labels: Float32Array } | undefined>;
  dataVersion: number;
}) {
  const { engine, state, box, anchors, selected, overlay, data, dataVersion } = v;
  useEffect(() => {
    engine.current?.render({ type: 'style', color: state.color, showBoundary: state.showBoundary });
  }, [engine, state.color, state.showBoundary]);
  useEffect(() => {
    if (overlay.current) drawData(overlay.current, box, state.showData ? data.current : undefined, anchors);
  }, [data, box, anchors, state.showData, dataVersion]);
  useEffect(() => {
    history.replaceState(null, '', hashFromState(state) || location.pathname + location.search);
  }, [state]);
  useEffect(() => {
    engine.current?.render({ type: 'select', index: selected });
  }, [engine, selected]);
}

/** Messages to the render worker that expect an answer (picks, exported files), matched by ticket. */
function useRequests(
  engine: RefObject<Engine | undefined>,
  picks: RefObject<Map<number, (d: RegionDetails | undefined) => void>>,
  files: RefObject<Map<number, (f: Blob | undefined) => void>>,
) {
  const ticket = useRef(0);
  const request = (
    m: { type: 'pick'; at: readonly [number, number] | number; slice?: number } | { type: 'pick-dual'; at: readonly [number, number] },
    then: (d: RegionDetails | undefined) => void,
  ) => {
    const t = ++ticket.current;
    picks.current.set(t, then);
    engine.current?.render({ ...m, ticket: t });
  };
  /** `slice`: answer on that slice or a newer one (the status can hear of a slice before the render worker has it). */
  const pick = (at: readonly [number, number] | number, then: (d: RegionDetails | undefined) => void, slice?: number) =>
    request({ type: 'pick', at, ...(slice === undefined ? {} : { slice }) }, then);
  const requestFile = (m: Omit<Extract<ToRenderer, { type: 'export' }>, 'ticket'>, then: (f: Blob | undefined) => void) => {
    const t = ++ticket.current;
    files.current.set(t, then);
    engine.current?.render({ ...m, ticket: t });
  };
  return { request, pick, requestFile };
}

/** The selected region (its index, and the details shown); `choose` sets both from a pick. */
function useSelection() {
  const [selected, setSelected] = useState<number | undefined>();
  const [shown, setShown] = useState<RegionDetails | undefined>();
  const choose = (d: RegionDetails | undefined) => {
    setSelected(d?.index);
    setShown(d);
  };
  return { selected, setSelected, shown, setShown, choose };
}

function RegionAside(p: {
  dual: RefObject<HTMLCanvasElement | null>;
  regions: number;
  shown: RegionDetails | undefined;
  request: Parameters<typeof DualView>[0]['request'];
  pick: (at: number, then: (d: RegionDetails | undefined) => void) => void;
  choose: (d: RegionDetails | undefined) => void;
  /** An opened model: the Jacobian panel's point (and the URL's) set to a region's centroid. */
  onPoint?: ((st: [number, number]) => void) | undefined;
}) {
  return (
    <aside aria-label="region details">
      <DualView dual={p.dual} regions={p.regions} request={p.request} onSelect={p.choose} />
      <h2>Region</h2>
      <Details d={p.shown} onPick={(i) => p.pick(i, p.choose)} onJacobian={p.onPoint} />
    </aside>
  );
}

/**
 * The training timeline (with the 3-D view of the snapshot shown, or of the live map's network while
 * a 3-D dataset trains: the hypersphere set or a CSV of x,y,z,label), or an opened model's 3-D view.
 */
function RunViews(p: {
  t: ReturnType<typeof useLinkedTimeline>;
  status: Status;
  state: PlaygroundState;
  data: RefObject<{ x: Float64Array; labels: Float32Array } | undefined>;
  csv: TrainConfig['csv'];
  model: string | Uint8Array | undefined;
  onError: (m: string) => void;
}) {
  const { status, state } = p;
  const threeD = state.dataset === 'hypersphere' || (state.dataset === 'csv' && p.csv?.dim === 3);
  return (
    <>
      <TrainedTimeline
        t={p.t}
        phase={status.phase}
        state={state}
        data={p.data}
        live={{ net: status.net, step: status.step, threeD }}
        onError={p.onError}
      />
      {status.phase === 'model' && (
        <View3D model={p.model} label={status.source} group={status.source} box={parseBox3(state.box3) ?? undefined} />
      )}
    </>
  );
}

function ErrorLine({ error }: { error: string }) {
  return (
    <p role="alert" className="error">
      {error}
    </p>
  );
}

function Header() {
  return (
    <header>
      <h1>Polytope Lens explorer</h1>
      <p>Exact linear regions of a ReLU network, live while it trains.</p>
    </header>
  );
}

export function App() {
  const [state, setState] = useState<PlaygroundState>(() => stateFromHash(location.hash));
  const [status, setStatus] = useState<Status>(() => ({ ...IDLE, box: squareBox(state) }));
  const [error, setError] = useState('');
  const { selected, setSelected, shown, setShown, choose } = useSelection();
  const overlay = useRef<HTMLCanvasElement>(null);
  const csv = useRef<TrainConfig['csv']>(undefined);
  const model = useRef<string | Uint8Array | undefined>(undefined);
  const [dataVersion, setDataVersion] = useState(0);
  const [anchors, setAnchors] = useState(['', '', '']);
  const [sources, setSources] = useState<AnchorSource[]>([NO_SOURCE, NO_SOURCE, NO_SOURCE]);
  const timeline = useLinkedTimeline(() => engine.current, state, setState);
  const bumpData = () => setDataVersion((v) => v + 1);
  const { engine, base, dual, data, picks, files } = useEngine(setStatus, setError, bumpData, choose, timeline.keep);
  const { net, sliced, point, onPoint } = useModelExplorer(status.phase === 'model' ? model.current : undefined);

  useViewEffects({ engine, state, box: status.box, anchors: status.anchors, selected, overlay, data, dataVersion });
  const set = (patch: Partial<PlaygroundState>) => setState((s) => ({ ...s, ...patch }));
  const { request, pick, requestFile } = useRequests(engine, picks, files);

  const ctx: ActionContext = {
    engine,
    state,
    status,
    set,
    setStatus,
    setError,
    setSelected,
    data,
    csv,
    model,
    bumpData,
    anchors,
    sources,
    onNewRun: timeline.reset,
    sliced,
  };
  const { loadServedFiles, onModel } = fileActions(ctx);
  const { start, pause, reslice, onCsv } = trainingActions(ctx);
  const onMapPoint = useLinkedView({ ctx, state, status, loadServedFiles, onPoint, setAnchors, setSources, pick, choose });

  return (
    <div className="app">
      <Header />
      <nav aria-label="controls" className="controls">
        <Toolbar phase={status.phase} start={start} pause={pause} reslice={reslice} />
        <ExportControls
          engine={engine}
          overlay={overlay}
          data={() => (state.showData ? data.current : undefined)}
          requestFile={requestFile}
          onError={setError}
        />
        <DataControls state={state} set={set} />
        <NetworkControls state={state} set={set} />
        <ViewControls state={state} set={set} />
        <FileControls onCsv={onCsv} onModel={onModel} />
        <AnchorControls anchors={anchors} setAnchors={setAnchors} sources={sources} setSources={setSources} />
        {net && <AnchorSources {...{ net, anchors, setAnchors, sources, setSources }} onError={setError} />}
      </nav>
      <main>
        <MapView
          status={status}
          base={base}
          overlay={overlay}
          selected={selected}
          setSelected={setSelected}
          setShown={setShown}
          pick={pick}
          onPoint={onMapPoint}
        />
        <StatusLine status={status} />
        {error && <ErrorLine error={error} />}
        <RunViews t={timeline} status={status} state={state} data={data} csv={csv.current} model={model.current} onError={setError} />
        {net && model.current !== undefined && (
          <ModelPanels net={net} model={model.current} anchors={anchors} point={point} through={sliced.current} box={status.box} />
        )}
      </main>
      <RegionAside {...{ dual, shown, request, pick, choose }} regions={status.regions} onPoint={net ? onMapPoint : undefined} />
    </div>
  );
}
