/** The Polytope Lens explorer: playground (train a 2-D net, watch its exact region map) and model loading. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChangeEvent, KeyboardEvent, MouseEvent } from 'react';
import { DataControls, NetworkControls, ViewControls } from './Controls.js';
import { parseCsv } from './csv.js';
import { drawSlice, mapText, regionAtPoint } from './draw.js';
import { Engine } from './engine.js';
import type { FlatSlice, TrainConfig } from './protocol.js';
import { flatFromResult, isSliceResult } from './result.js';
import { hashFromState, parseWidths, stateFromHash } from './state.js';
import type { PlaygroundState } from './state.js';
import { stats } from './stats.js';

interface Status {
  regions: number;
  linear: number;
  step: number;
  loss: number;
  phase: 'idle' | 'training' | 'paused' | 'done' | 'model';
  source: string;
}

const SIZE = 560;

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

function Details({ slice, index }: { slice: FlatSlice | undefined; index: number | undefined }) {
  if (!slice || index === undefined || index >= slice.codes.length)
    return <p id="region-details">Hover, click or use the arrow keys on the map to inspect a region.</p>;
  return (
    <dl id="region-details">
      <dt>Region</dt>
      <dd>{index}</dd>
      <dt>Activation code</dt>
      <dd className="code">{slice.codes[index]}</dd>
      <dt>Area</dt>
      <dd>{slice.areas[index]!.toPrecision(6)}</dd>
      <dt>Linear region</dt>
      <dd>{slice.linearRegionOf[index]}</dd>
      <dt>Affine map</dt>
      <dd>{mapText(slice, index)}</dd>
    </dl>
  );
}

export function App() {
  const [state, setState] = useState<PlaygroundState>(() => stateFromHash(location.hash));
  const [status, setStatus] = useState<Status>({ regions: 0, linear: 0, step: 0, loss: NaN, phase: 'idle', source: '' });
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<number | undefined>();
  const [hovered, setHovered] = useState<number | undefined>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const slice = useRef<FlatSlice | undefined>(undefined);
  const data = useRef<{ x: Float64Array; labels: Float32Array } | undefined>(undefined);
  const csv = useRef<TrainConfig['csv']>(undefined);
  const model = useRef<string | Uint8Array | undefined>(undefined);
  const engine = useRef<Engine | undefined>(undefined);
  const frame = useRef(0);
  const stateRef = useRef(state);
  stateRef.current = state;
  const box = (s: PlaygroundState): [number, number, number, number] => [-s.extent, s.extent, -s.extent, s.extent];

  const redraw = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const s = stateRef.current;
      if (!canvas.current) return;
      drawSlice(canvas.current, slice.current, {
        box: slice.current === undefined ? box(s) : engine.current!.box,
        color: s.color,
        showBoundary: s.showBoundary,
        data: s.showData ? data.current : undefined,
        selected: selectedRef.current,
      });
      stats.drawn(slice.current?.id ?? 0);
    });
  }, []);
  const selectedRef = useRef<number | undefined>(undefined);
  selectedRef.current = selected;

  useEffect(() => {
    const e = new Engine(
      {
        onData: (x, labels) => {
          data.current = { x, labels };
          redraw();
        },
        onSlice: (s, info) => {
          slice.current = s;
          stats.sliced(s.regions, info.final);
          setStatus((st) => ({
            ...st,
            regions: s.regions,
            linear: s.linearRegions,
            step: info.step,
            loss: info.loss,
            phase: info.final ? (st.phase === 'model' ? 'model' : 'done') : st.phase,
          }));
          redraw();
        },
        onError: (m) => setError(m),
      },
      Math.max(1, Math.min(3, (navigator.hardwareConcurrency || 2) - 1)),
    );
    engine.current = e;
    e.box = box(stateRef.current);
    void loadServedFiles(e);
    return () => e.stopTraining();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    history.replaceState(null, '', hashFromState(state) || location.pathname + location.search);
    redraw();
  }, [state, selected, redraw]);

  const set = (patch: Partial<PlaygroundState>) => setState((s) => ({ ...s, ...patch }));

  async function loadServedFiles(e: Engine) {
    const listing = document.getElementById('served-files');
    if (!listing?.textContent) return;
    const files = JSON.parse(listing.textContent) as { name: string; url: string }[];
    const first = files[0];
    if (!first) return;
    const bytes = new Uint8Array(await (await fetch(first.url)).arrayBuffer());
    openBytes(e, first.name, bytes);
  }

  function openBytes(e: Engine, name: string, bytes: Uint8Array) {
    setError('');
    e.stopTraining();
    data.current = undefined;
    if (/\.onnx$/i.test(name)) {
      model.current = bytes;
    } else {
      const text = new TextDecoder().decode(bytes);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        setError(`${name}: not JSON or ONNX`);
        return;
      }
      if (isSliceResult(doc)) {
        model.current = undefined;
        e.box = [...doc.plane.box];
        slice.current = flatFromResult(doc);
        stats.sliced(slice.current.regions, true);
        setStatus({
          regions: slice.current.regions,
          linear: slice.current.linearRegions,
          step: 0,
          loss: NaN,
          phase: 'model',
          source: name,
        });
        redraw();
        return;
      }
      model.current = text;
    }
    setStatus((st) => ({ ...st, phase: 'model', source: name }));
    e.box = box(stateRef.current);
    e.slice(model.current);
  }

  const start = () => {
    const e = engine.current!;
    if (state.dataset === 'csv' && !csv.current) {
      setError('choose a CSV file first (rows x,y,label)');
      return;
    }
    setError('');
    setSelected(undefined);
    model.current = undefined;
    e.box = box(state);
    stats.reset();
    e.train(trainConfig(state, csv.current));
    setStatus({ regions: 0, linear: 0, step: 0, loss: NaN, phase: 'training', source: '' });
  };
  const pause = () => {
    const paused = status.phase === 'training';
    engine.current!.pause(paused);
    setStatus((st) => ({ ...st, phase: paused ? 'paused' : 'training' }));
  };
  const reslice = () => {
    const e = engine.current!;
    e.box = box(state);
    if (model.current !== undefined) e.slice(model.current);
  };

  const onCsv = async (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    if (!f) return;
    try {
      csv.current = parseCsv(await f.text());
      set({ dataset: 'csv' });
      setError('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const onModel = async (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    if (f) openBytes(engine.current!, f.name, new Uint8Array(await f.arrayBuffer()));
  };

  const pointAt = (ev: MouseEvent<HTMLCanvasElement>): number | undefined => {
    const s = slice.current;
    if (!s) return undefined;
    const r = ev.currentTarget.getBoundingClientRect();
    const [x0, x1, y0, y1] = engine.current!.box;
    return regionAtPoint(s, x0 + ((ev.clientX - r.left) / r.width) * (x1 - x0), y1 - ((ev.clientY - r.top) / r.height) * (y1 - y0));
  };
  const onKey = (ev: KeyboardEvent<HTMLCanvasElement>) => {
    const n = slice.current?.codes.length ?? 0;
    if (n === 0) return;
    const d = ev.key === 'ArrowRight' || ev.key === 'ArrowDown' ? 1 : ev.key === 'ArrowLeft' || ev.key === 'ArrowUp' ? -1 : 0;
    if (d === 0 && ev.key !== 'Escape') return;
    ev.preventDefault();
    setSelected((i) => (d === 0 ? undefined : ((i ?? (d > 0 ? -1 : 0)) + d + n) % n));
  };

  const shown = hovered ?? selected;
  return (
    <div className="app">
      <header>
        <h1>Polytope Lens explorer</h1>
        <p>Exact linear regions of a ReLU network, live while it trains.</p>
      </header>
      <nav aria-label="controls" className="controls">
        <div className="buttons" role="group" aria-label="training">
          <button id="train" type="button" onClick={start}>
            {status.phase === 'training' || status.phase === 'paused' ? 'Restart training' : 'Train'}
          </button>
          <button id="pause" type="button" onClick={pause} disabled={status.phase !== 'training' && status.phase !== 'paused'}>
            {status.phase === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button id="reslice" type="button" onClick={reslice} disabled={model.current === undefined}>
            Re-slice model
          </button>
        </div>
        <DataControls state={state} set={set} />
        <NetworkControls state={state} set={set} />
        <ViewControls state={state} set={set} />
        <fieldset>
          <legend>Files</legend>
          <div className="field">
            <label htmlFor="csv-file">Upload data (CSV x,y,label)</label>
            <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => void onCsv(e)} />
          </div>
          <div className="field">
            <label htmlFor="model-file">Open a model (ONNX or network JSON) or a slice result</label>
            <input id="model-file" type="file" accept=".onnx,.json" onChange={(e) => void onModel(e)} />
          </div>
        </fieldset>
      </nav>
      <main>
        <canvas
          ref={canvas}
          width={SIZE}
          height={SIZE}
          tabIndex={0}
          role="img"
          aria-label={`Exact region map: ${status.regions} regions; arrow keys select a region, Escape clears`}
          onPointerMove={(e) => setHovered(pointAt(e))}
          onPointerLeave={() => setHovered(undefined)}
          onClick={(e) => setSelected(pointAt(e))}
          onKeyDown={onKey}
        />
        <p role="status" id="status">
          <span id="region-count">{status.regions}</span> regions · <span id="linear-count">{status.linear}</span> linear regions
          {status.phase === 'model' ? ` · ${status.source}` : ` · step ${status.step}`}
          {Number.isFinite(status.loss) ? ` · loss ${status.loss.toPrecision(4)}` : ''} · <span id="phase">{status.phase}</span>
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </main>
      <aside aria-label="region details">
        <h2>Region</h2>
        <Details slice={slice.current} index={shown} />
      </aside>
    </div>
  );
}
