/**
 * The training timeline under the map: a slider over the kept snapshots (each shown as its exact
 * region map, re-sliced by the slicers; while training runs the map holds the snapshot chosen, and
 * training goes on, until *Live map*), play/pause through them once training has ended, and the
 * export of the frames kept so far as an animated GIF or a .zip of PNGs (computed in a worker).
 */
import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import type { Engine } from './engine.js';
import { parseBox3 } from './state.js';
import type { PlaygroundState } from './state.js';
import { stats } from './stats.js';
import { Timeline } from './timeline.js';
import type { Snapshot } from './timeline.js';
import type { FramesRequest, FromFrames } from './timeline-worker.js';
import { View3D } from './View3D.js';

type Box = [number, number, number, number];
/** The map's size (px): frames are drawn at it. */
const SIZE = 560;

/** Milliseconds each frame shows while playing and in the GIF. */
const FRAME_MS = 400;

/**
 * The kept snapshots of the current run and the one shown; `keep` takes the trainer's marked
 * snapshots; showing one slices it in the box (with the engine's slicers; the newest network sliced
 * is the one the model export writes).
 */
export function useTimeline(engine: () => Engine | undefined, extent: number, link?: { wanted: () => number; shown: (i: number) => void }) {
  const timeline = useRef(new Timeline());
  const show = (s: Snapshot) => {
    const e = engine();
    if (!e) return;
    e.box = [-extent, extent, -extent, extent];
    stats.reset();
    e.slice(s.net, { step: s.step, loss: s.loss, final: true });
  };
  const [version, setVersion] = useState(0);
  /** Counts the runs (the 3-D view's cells worker is one per run). */
  const [run, setRun] = useState(0);
  const [shown, setShown] = useState<number | undefined>();
  return {
    snapshots: timeline.current.snapshots,
    version,
    run,
    shown,
    /** A snapshot the trainer marked `keep`; the final one becomes the shown one. */
    keep: (s: Snapshot & { final: boolean }) => {
      timeline.current.add({ step: s.step, loss: s.loss, net: s.net }, s.final);
      setVersion((v) => v + 1);
      if (s.final) {
        // The snapshot the URL names (a link reproduces the view), else the last one.
        const n = timeline.current.size;
        const want = link?.wanted() ?? -1;
        const i = want >= 0 && want < n ? want : n - 1;
        setShown(i);
        if (i !== n - 1) show(timeline.current.snapshots[i]!);
      }
    },
    reset: () => {
      timeline.current = new Timeline();
      setShown(undefined);
      setRun((r) => r + 1);
      setVersion((v) => v + 1);
    },
    /** Shows kept snapshot i (slices it and makes it the network exported); while training runs, the map holds it and training goes on. */
    showAt: (i: number) => {
      const s = timeline.current.snapshots[i];
      const e = engine();
      if (!s || !e) return;
      setShown(i);
      link?.shown(i);
      if (!e.training) return show(s);
      e.box = [-extent, extent, -extent, extent];
      stats.reset();
      e.pin(s.net, { step: s.step, loss: s.loss });
    },
    /** While training runs: back to the live map (the trainer's next snapshot is shown). */
    live: () => {
      engine()?.unpin();
      setShown(undefined);
      link?.shown(-1);
    },
  };
}

function download(name: string, file: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(file);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

interface Props {
  readonly snapshots: readonly Snapshot[];
  readonly shown: number | undefined;
  /** A run has kept snapshots (the slider and the exports act, during training too). */
  readonly ready: boolean;
  /** Training runs (play acts only once it has ended; *Live map* only while it runs). */
  readonly training: boolean;
  readonly showAt: (i: number) => void;
  readonly live: () => void;
  readonly frames: () => Omit<FramesRequest, 'format' | 'nets' | 'steps' | 'delay'>;
  readonly onError: (m: string) => void;
}

function useExport(p: Props) {
  const [progress, setProgress] = useState('');
  const worker = useRef<Worker | undefined>(undefined);
  useEffect(() => () => worker.current?.terminate(), []);
  const run = (format: 'gif' | 'zip') => {
    if (p.snapshots.length === 0) return p.onError('no timeline yet: train first');
    worker.current?.terminate();
    const w = new Worker(new URL('./timeline-worker.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    const req: FramesRequest = {
      ...p.frames(),
      format,
      nets: p.snapshots.map((s) => s.net),
      steps: p.snapshots.map((s) => s.step),
      delay: FRAME_MS,
    };
    setProgress(`encoding 0 of ${req.nets.length} frames`);
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as FromFrames;
      if (m.type === 'progress') return setProgress(`encoding ${m.done} of ${m.total} frames`);
      w.terminate();
      worker.current = undefined;
      if (m.type === 'error') {
        setProgress('');
        return p.onError(m.message);
      }
      setProgress(`${req.nets.length} frames exported`);
      download(format === 'gif' ? 'polytope-timeline.gif' : 'polytope-timeline-frames.zip', m.file);
    };
    w.postMessage(req);
  };
  return { progress, run };
}

export type TimelineHandle = ReturnType<typeof useTimeline>;

/**
 * The timeline of the playground's run, and the 3-D view when the network has 3 inputs: of the
 * snapshot shown, or, while training runs on a 3-D dataset and the map is live, of the network the
 * map shows (`live`), over `box3` or [−extent, extent]³.
 */
export function TrainedTimeline(p: {
  t: TimelineHandle;
  phase: string;
  state: PlaygroundState;
  data: RefObject<{ x: Float64Array; labels: Float32Array } | undefined>;
  live: { net: string | Uint8Array | undefined; step: number; threeD: boolean };
  onError: (m: string) => void;
}) {
  const { t, state } = p;
  const shown = t.shown === undefined ? undefined : t.snapshots[t.shown];
  const training = p.phase === 'training' || p.phase === 'paused';
  const e3 = state.extent;
  const box3 = parseBox3(state.box3) ?? ([-e3, e3, -e3, e3, -e3, e3] as const);
  const view3 = shown
    ? { net: shown.net, label: `snapshot ${t.shown! + 1} of ${t.snapshots.length}, step ${shown.step}` }
    : training && p.live.threeD && p.live.net !== undefined
      ? { net: p.live.net, label: `live, step ${p.live.step}` }
      : undefined;
  const frames = () => {
    const e = state.extent;
    const data = state.showData ? p.data.current : undefined;
    return { box: [-e, e, -e, e] as Box, size: SIZE, color: state.color, showBoundary: state.showBoundary, ...(data ? { data } : {}) };
  };
  return (
    <>
      <TimelineView
        snapshots={t.snapshots}
        shown={t.shown}
        ready={(training || p.phase === 'done') && t.snapshots.length > 0}
        training={training}
        showAt={t.showAt}
        live={t.live}
        frames={frames}
        onError={p.onError}
      />
      {(training || p.phase === 'done') && view3 && <View3D model={view3.net} label={view3.label} group={`run ${t.run}`} box={box3} />}
    </>
  );
}

function TimelineView(p: Props) {
  const n = p.snapshots.length;
  const [playing, setPlaying] = useState(false);
  const { progress, run } = useExport(p);
  const at = p.shown ?? n - 1;
  const next = useRef(() => {});
  next.current = () => {
    if (at + 1 >= n) setPlaying(false);
    else p.showAt(at + 1);
  };
  useEffect(() => {
    if (!playing) return;
    const t = setInterval(() => next.current(), FRAME_MS);
    return () => clearInterval(t);
  }, [playing]);
  useEffect(() => {
    if (!p.ready || p.training) setPlaying(false);
  }, [p.ready, p.training]);
  const s = p.snapshots[at];
  const live = p.training && p.shown === undefined;
  const text = !s
    ? 'no snapshots'
    : live
      ? `live map; ${n} snapshots kept, the last at step ${s.step}`
      : `snapshot ${at + 1} of ${n}, step ${s.step}`;
  return (
    <section className="timeline" aria-label="training timeline">
      <div className="field">
        <label htmlFor="timeline">Training snapshot</label>
        <input
          id="timeline"
          type="range"
          min={0}
          max={Math.max(0, n - 1)}
          step={1}
          value={Math.max(0, at)}
          disabled={!p.ready || n === 0}
          aria-valuetext={text}
          onChange={(e) => p.showAt(Number(e.target.value))}
        />
        <span id="timeline-label">{text}</span>
      </div>
      <div className="buttons" role="group" aria-label="timeline">
        <button
          id="timeline-play"
          type="button"
          disabled={!p.ready || p.training || n < 2}
          onClick={() => {
            if (!playing && at + 1 >= n) p.showAt(0);
            setPlaying(!playing);
          }}
        >
          {playing ? 'Pause timeline' : 'Play timeline'}
        </button>
        <button id="timeline-live" type="button" disabled={!p.training || live} onClick={p.live}>
          Live map
        </button>
        <button id="export-gif" type="button" disabled={!p.ready || n === 0} onClick={() => run('gif')}>
          Timeline GIF
        </button>
        <button id="export-frames" type="button" disabled={!p.ready || n === 0} onClick={() => run('zip')}>
          Timeline PNG frames (.zip)
        </button>
        <span id="timeline-progress" aria-live="polite">
          {progress}
        </span>
      </div>
    </section>
  );
}
