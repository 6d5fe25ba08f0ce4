/**
 * The 3-D view of a 3-input network: its exact cells over a box (default [−1, 1]³; `box3` in the
 * URL) drawn with three.js as translucent convex cells, orbit controls, a picked cell's facets,
 * vertices, simplices, code and affine map, and histograms of facets and simplices per cell linked
 * to the selection (a bar highlights its cells; a picked cell highlights its bars). The cells,
 * their triangles and edges are computed in cells3d-worker.ts, one request at a time: while a
 * network trains the view follows the map's newest network (the newest wins whenever the worker
 * frees), keeping the camera and the picked cell (by its code); the page wraps the buffers in
 * geometries of one persistent renderer. Translucent triangles are drawn back to front
 * (depth-order.ts), re-ordered whenever the camera has moved.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { cellOf, histogram } from './cells3d.js';
import type { CellInfo, FlatCells3 } from './cells3d.js';
import type { CellsRequest, FromCells } from './cells3d-worker.js';
import { backToFront, triangleCentroids } from './depth-order.js';

const SIZE = 360;
/** A press and release this close (CSS pixels) are a click (pick); farther apart, a drag (orbit). */
const CLICK_SLOP = 4;
/** Where the camera starts, relative to the box's centre, in units of the box's largest half-width. */
const EYE: readonly [number, number, number] = [3.2, 2.6, 4.2];

/** A 3-D box `[x0 lo, x0 hi, x1 lo, x1 hi, x2 lo, x2 hi]`. */
export type Box3 = readonly [number, number, number, number, number, number];
const UNIT_BOX3: Box3 = [-1, 1, -1, 1, -1, 1];

/** '[−1, 1]³' for a cube centred anywhere with equal sides, else '[a, b]×[c, d]×[e, f]'. */
function boxText(b: Box3): string {
  const side = (k: number) => `[${b[2 * k]}, ${b[2 * k + 1]}]`;
  return side(0) === side(1) && side(1) === side(2) ? `${side(0)}³` : [0, 1, 2].map(side).join('×');
}

function colourOf(code: string): THREE.Color {
  let h = 2166136261;
  for (const ch of code) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return new THREE.Color().setHSL(((h >>> 0) % 360) / 360, 0.65, 0.55);
}

/**
 * One renderer, camera and orbit controls per canvas; `setCells` swaps the cells' geometries (all
 * cells in one mesh — facet triangles coloured per cell with its opacity in the colour's alpha —
 * and one set of edge lines: two draw calls; one mesh per cell made the first draw of 370 cells a
 * 337 ms main-thread task in Chromium's software WebGL, docs/web.md *Measured*). A new WebGL
 * context per update would run out of contexts while training, so the renderer outlives the cells.
 */
class CellScene {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly camera = new THREE.PerspectiveCamera(40, 1, 0.1, 100);
  private readonly scene = new THREE.Scene();
  private readonly controls: OrbitControls;
  private readonly material = new THREE.MeshBasicMaterial({
    vertexColors: true,
    transparent: true,
    side: THREE.DoubleSide,
    depthWrite: false,
  });
  private readonly lineMaterial = new THREE.LineBasicMaterial({ color: 0x222222 });
  private mesh: THREE.Mesh | undefined;
  private lines: THREE.LineSegments | undefined;
  private colours: THREE.BufferAttribute | undefined;
  private index: THREE.BufferAttribute | undefined;
  /** Cell i's triangles are triOff[i] … triOff[i+1] (in the worker's order). */
  private triOff: Uint32Array = new Uint32Array(1);
  private centroids: Float32Array = new Float32Array(0);
  /** Triangle drawn k-th (back to front from `sortedAt`). */
  private order = new Uint32Array(0);
  private keys = new Float64Array(0);
  private readonly sortedAt = new THREE.Vector3(NaN, NaN, NaN);
  private box: string | undefined;
  private frame: ReturnType<typeof setTimeout> | undefined;
  private compile: ReturnType<typeof setTimeout> | undefined;
  /** Draws since the cells were set (test hook: a draw re-sorts). */
  draws = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(1);
    this.renderer.setSize(SIZE, SIZE, false);
    this.renderer.setClearColor(0xffffff);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.addEventListener('change', () => this.draw());
  }

  /** Shows `cells`; the camera is framed on `box` when the box changes (kept otherwise, so a live update does not move it). */
  setCells(cells: FlatCells3, codes: readonly string[], box: Box3): void {
    this.clear();
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(cells.triangles, 3));
    const rgba = new Float32Array((cells.triangles.length / 3) * 4);
    for (let i = 0; i < cells.count; i++) {
      const c = colourOf(codes[i]!);
      for (let v = 3 * cells.triOff[i]!; v < 3 * cells.triOff[i + 1]!; v++) rgba.set([c.r, c.g, c.b, 0.35], 4 * v);
    }
    this.colours = new THREE.BufferAttribute(rgba, 4);
    g.setAttribute('color', this.colours);
    const n = cells.triangles.length / 9;
    this.centroids = triangleCentroids(cells.triangles);
    this.order = Uint32Array.from({ length: n }, (_, t) => t);
    this.keys = new Float64Array(n);
    this.index = new THREE.BufferAttribute(new Uint32Array(3 * n), 1);
    g.setIndex(this.index);
    this.triOff = cells.triOff;
    this.mesh = new THREE.Mesh(g, this.material);
    const e = new THREE.BufferGeometry();
    e.setAttribute('position', new THREE.BufferAttribute(cells.edges, 3));
    this.lines = new THREE.LineSegments(e, this.lineMaterial);
    this.scene.add(this.lines, this.mesh);
    const key = box.join(',');
    if (key !== this.box) {
      this.box = key;
      this.frameBox(box);
    }
    this.sortedAt.set(NaN, NaN, NaN);
    this.sort();
    this.draws = 0;
    // The shaders compile in a task of their own, before the first draw (each 5–75 ms in software WebGL at load 13).
    this.compile ??= setTimeout(() => this.renderer.compile(this.scene, this.camera));
    this.draw();
  }

  private frameBox(box: Box3): void {
    const centre = new THREE.Vector3((box[0] + box[1]) / 2, (box[2] + box[3]) / 2, (box[4] + box[5]) / 2);
    const r = Math.max(box[1] - box[0], box[3] - box[2], box[5] - box[4]) / 2;
    this.camera.near = 0.1 * r;
    this.camera.far = 100 * r;
    this.camera.position.set(centre.x + EYE[0] * r, centre.y + EYE[1] * r, centre.z + EYE[2] * r);
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(centre);
    this.camera.lookAt(centre);
    this.controls.update();
  }

  private writeIndex(): void {
    const idx = this.index!.array as Uint32Array;
    for (let k = 0; k < this.order.length; k++) {
      const t = 3 * this.order[k]!;
      idx[3 * k] = t;
      idx[3 * k + 1] = t + 1;
      idx[3 * k + 2] = t + 2;
    }
    this.index!.needsUpdate = true;
  }

  /** Re-orders the triangles back to front when the camera has moved since the last order. */
  private sort(): void {
    const p = this.camera.position;
    if (!this.mesh || p.equals(this.sortedAt)) return;
    backToFront(this.centroids, [p.x, p.y, p.z], this.order, this.keys);
    this.writeIndex();
    this.sortedAt.copy(p);
  }

  /** Whether the triangles are in back-to-front order for the camera as it is now (test hook). */
  sortedForCamera(): boolean {
    const p = this.camera.position;
    const d = (t: number) =>
      (this.centroids[3 * t]! - p.x) ** 2 + (this.centroids[3 * t + 1]! - p.y) ** 2 + (this.centroids[3 * t + 2]! - p.z) ** 2;
    // A loop, not Math.max(...): a spread of ~90,000 arguments overflows the call stack.
    let max = 0;
    for (let k = 0; k < this.order.length; k++) max = Math.max(max, d(this.order[k]!));
    const level = max / 2 ** 31;
    for (let k = 0; k + 1 < this.order.length; k++) if (d(this.order[k]!) < d(this.order[k + 1]!) - level) return false;
    return true;
  }

  /** Draws in a task of its own (once however often asked before it runs). */
  draw(): void {
    this.frame ??= setTimeout(() => {
      this.frame = undefined;
      this.sort();
      this.renderer.render(this.scene, this.camera);
      this.draws++;
    });
  }

  /** The cell under canvas pixel (x, y), nearest to the camera; undefined for none. */
  pick(x: number, y: number): number | undefined {
    if (!this.mesh) return undefined;
    const ray = new THREE.Raycaster();
    ray.setFromCamera(new THREE.Vector2((x / SIZE) * 2 - 1, 1 - (y / SIZE) * 2), this.camera);
    const face = ray.intersectObject(this.mesh, false)[0]?.faceIndex;
    if (face === undefined || face === null) return undefined;
    // The hit slot's triangle, then the last cell whose first triangle is at or before it.
    const tri = this.order[face]!;
    let [lo, hi] = [0, this.triOff.length - 2];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.triOff[mid]! <= tri) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  highlight(picked: number | undefined, brushed: ReadonlySet<number>): void {
    if (!this.colours) return;
    const rgba = this.colours.array as Float32Array;
    for (let i = 0; i + 1 < this.triOff.length; i++) {
      const on = i === picked || brushed.has(i);
      const alpha = on ? 0.8 : picked !== undefined || brushed.size > 0 ? 0.08 : 0.35;
      for (let v = 3 * this.triOff[i]!; v < 3 * this.triOff[i + 1]!; v++) rgba[4 * v + 3] = alpha;
    }
    this.colours.needsUpdate = true;
    this.draw();
  }

  private clear(): void {
    for (const o of [this.mesh, this.lines]) {
      if (!o) continue;
      this.scene.remove(o);
      o.geometry.dispose();
    }
    this.mesh = undefined;
    this.lines = undefined;
  }

  dispose(): void {
    clearTimeout(this.compile);
    clearTimeout(this.frame);
    this.clear();
    this.controls.dispose();
    this.material.dispose();
    this.lineMaterial.dispose();
    this.renderer.dispose();
  }
}

function Histogram(p: {
  title: string;
  values: number[];
  active: number | undefined;
  brushed: number | undefined;
  onBrush: (v: number | undefined) => void;
}) {
  const bins = histogram(p.values);
  const max = Math.max(1, ...bins.map((b) => b.count));
  return (
    <figure className="hist3d" aria-label={p.title}>
      <figcaption>{p.title}</figcaption>
      <div style={{ display: 'flex', alignItems: 'flex-end', gap: 2, height: 80 }}>
        {bins.map((b) => (
          <button
            key={b.value}
            type="button"
            data-value={b.value}
            data-count={b.count}
            aria-pressed={p.brushed === b.value}
            title={`${b.value}: ${b.count} cells`}
            onClick={() => p.onBrush(p.brushed === b.value ? undefined : b.value)}
            style={{
              width: 22,
              height: `${(70 * b.count) / max + 4}px`,
              padding: 0,
              background: p.active === b.value || p.brushed === b.value ? '#d62728' : '#1f77b4',
              border: 'none',
            }}
          />
        ))}
      </div>
      <div style={{ display: 'flex', gap: 2, fontSize: 10 }}>
        {bins.map((b) => (
          <span key={b.value} style={{ width: 22, textAlign: 'center' }}>
            {b.value}
          </span>
        ))}
      </div>
    </figure>
  );
}

function CellDetails({ c }: { c: CellInfo | undefined }) {
  if (!c) return <p>Pick a cell.</p>;
  const map = Array.from(
    { length: c.bias.length },
    (_, o) => `${c.bias[o]} + ${[0, 1, 2].map((k) => `${c.weight[o * 3 + k]}·x${k}`).join(' + ')}`,
  );
  return (
    <dl id="cell3d-details">
      <dt>code</dt>
      <dd>{c.code.join('|')}</dd>
      <dt>facets</dt>
      <dd>{c.facets.map((f) => `${f.label} (${f.vertices.length})`).join(', ')}</dd>
      <dt>vertices</dt>
      <dd>{c.vertices.map((v) => `(${v.map((x) => +x.toPrecision(4)).join(', ')})`).join(' ')}</dd>
      <dt>simplices</dt>
      <dd>{c.numSimplices}</dd>
      <dt>volume</dt>
      <dd>{c.volume.toPrecision(6)}</dd>
      <dt>map</dt>
      <dd>{map.map((m, o) => `f${o} = ${m}`).join('; ')}</dd>
    </dl>
  );
}

/** Test hook: the cells shown, what they are of, a pick at canvas pixel → code, the draw order's check. */
interface Hook3 {
  cells: number;
  label: string;
  pick: (x: number, y: number) => string | undefined;
  /** Whether the translucent triangles are in back-to-front order for the camera now. */
  sorted: () => boolean;
  /** Draws since these cells were set. */
  draws: () => number;
}

/** Cells shown: what they are of and the box they fill. */
interface Shown3 {
  readonly cells: FlatCells3;
  readonly label: string;
  readonly box: Box3;
}

interface CellsView {
  readonly shown: Shown3 | undefined;
  /** A request is being computed (the cells shown, if any, are older). */
  readonly busy: boolean;
  /** The network is not a 3-input MLP: no 3-D view. */
  readonly none: boolean;
  readonly error: string;
}

type Request3 = CellsRequest & { readonly label: string; readonly box: Box3 };

/** The cells worker of one group of requests, with the request it computes and the newest waiting. */
interface Job {
  readonly worker: Worker;
  readonly group: string;
  running: Request3 | undefined;
  next: Request3 | undefined;
}

const EMPTY: CellsView = { shown: undefined, busy: false, none: false, error: '' };

/**
 * The cells of `model` over `box` from a worker that stays up for the group (an opened file, or one
 * training run): one request at a time, the newest waiting one sent when it frees (the ones between
 * are skipped), and the cells shown until newer ones arrive. A new group ends the old group's
 * worker, computation and all (a large model's cells take seconds).
 */
function useCells(model: string | Uint8Array | undefined, label: string, group: string, box: Box3): CellsView {
  const [view, setView] = useState<CellsView>(EMPTY);
  const job = useRef<Job | undefined>(undefined);
  const seq = useRef(0);
  useEffect(() => () => job.current?.worker.terminate(), []);
  const send = (j: Job, req: Request3) => {
    j.running = req;
    j.worker.postMessage({ id: req.id, net: req.net, box: req.box } satisfies CellsRequest);
    setView((v) => ({ ...v, busy: true }));
  };
  const reply = (j: Job, m: FromCells) => {
    if (job.current !== j || m.type === 'start') return;
    const req = j.running!;
    j.running = undefined;
    const busy = j.next !== undefined;
    if (m.type === 'cells') setView({ shown: { cells: m.cells, label: req.label, box: req.box }, busy, none: false, error: '' });
    else if (m.type === 'none') setView({ ...EMPTY, none: true });
    else setView((v) => ({ ...v, busy, error: m.message }));
    const next = j.next;
    j.next = undefined;
    if (next) send(j, next);
  };
  const boxKey = box.join(',');
  useEffect(() => {
    if (model === undefined) return;
    let j = job.current;
    if (j && j.group !== group) {
      j.worker.terminate();
      j = undefined;
    }
    if (!j) {
      const fresh: Job = {
        worker: new Worker(new URL('./cells3d-worker.ts', import.meta.url), { type: 'module' }),
        group,
        running: undefined,
        next: undefined,
      };
      fresh.worker.onmessage = (e: MessageEvent<FromCells>) => reply(fresh, e.data);
      job.current = j = fresh;
      setView(EMPTY);
    }
    const req: Request3 = { id: ++seq.current, net: model, box, label };
    if (j.running) j.next = req;
    else send(j, req);
    // The model ref's content changes with `label` (the open file's name, or the run's step).
  }, [label, group, boxKey]);
  return view;
}

/** The scene on the canvas for the cells shown, the picked cell (kept by its code across updates) and the brushed histogram bar. */
function useScene(shown: Shown3 | undefined, codes: readonly string[]) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useRef<CellScene | undefined>(undefined);
  const [picked, setPicked] = useState<number | undefined>();
  const pickedCode = useRef<string | undefined>(undefined);
  const [brush, setBrush] = useState<{ kind: 'facets' | 'simplices'; value: number } | undefined>();
  const cells = shown?.cells;
  const facetCounts = useMemo(
    () => (cells ? Array.from({ length: cells.count }, (_, i) => cells.facetOff[i + 1]! - cells.facetOff[i]!) : []),
    [cells],
  );
  const simplexCounts = useMemo(() => (cells ? Array.from(cells.simplices) : []), [cells]);
  const choose = (i: number | undefined) => {
    pickedCode.current = i === undefined ? undefined : codes[i];
    setPicked(i);
  };
  useEffect(() => {
    if (!shown || !canvas.current) return;
    if (scene.current?.canvas !== canvas.current) {
      scene.current?.dispose();
      scene.current = new CellScene(canvas.current);
    }
    const s = scene.current;
    s.setCells(shown.cells, codes, shown.box);
    const again = pickedCode.current === undefined ? -1 : codes.indexOf(pickedCode.current);
    if (again < 0) pickedCode.current = undefined;
    setPicked(again >= 0 ? again : undefined);
    const hook: Hook3 = {
      cells: shown.cells.count,
      label: shown.label,
      pick: (x, y) => {
        const i = s.pick(x, y);
        pickedCode.current = i === undefined ? undefined : codes[i];
        setPicked(i);
        return i === undefined ? undefined : codes[i];
      },
      sorted: () => s.sortedForCamera(),
      draws: () => s.draws,
    };
    (window as unknown as { __view3d?: Hook3 }).__view3d = hook;
  }, [shown, codes]);
  useEffect(
    () => () => {
      scene.current?.dispose();
      scene.current = undefined;
    },
    [],
  );
  const brushed = useMemo(() => {
    const out = new Set<number>();
    if (brush) (brush.kind === 'facets' ? facetCounts : simplexCounts).forEach((n, i) => n === brush.value && out.add(i));
    return out;
  }, [facetCounts, simplexCounts, brush]);
  useEffect(() => {
    // After new cells too: their colours start unhighlighted.
    scene.current?.highlight(picked, brushed);
  }, [picked, brushed, shown]);
  return { canvas, scene, picked, choose, brush, setBrush, facetCounts, simplexCounts };
}

/**
 * The 3-D view of `model` when it is a 3-input MLP. `label` names what is shown (a file, a run's
 * step) and changes with the model; `group` is the file or the training run (a new one stops the
 * old one's computation); `box` defaults to [−1, 1]³.
 */
export function View3D(p: { model: string | Uint8Array | undefined; label: string; group: string; box?: Box3 | undefined }) {
  const box = p.box ?? UNIT_BOX3;
  const v = useCells(p.model, p.label, p.group, box);
  const shown = v.shown;
  const codes = useMemo(() => shown?.cells.codes.split('\n') ?? [], [shown]);
  const labels = useMemo(() => shown?.cells.labels.split('\n') ?? [], [shown]);
  const { canvas, scene, picked, choose, brush, setBrush, facetCounts, simplexCounts } = useScene(shown, codes);
  /** Where the pointer went down, to tell a click from the end of an orbiting drag. */
  const down = useRef<[number, number] | undefined>(undefined);
  if (v.none || (!shown && !v.busy && !v.error)) return null;
  if (!shown)
    return (
      <section id="view3d" aria-label="3-D view">
        <h2>3-D cells</h2>
        <p id="view3d-status" role="status" className={v.error ? 'error' : ''}>
          {v.error || `computing the cells in ${boxText(box)} in a worker…`}
        </p>
      </section>
    );
  const cell = picked === undefined ? undefined : cellOf(shown.cells, picked, codes, labels);
  return (
    <section id="view3d" aria-label="3-D view">
      <h2>
        3-D cells ({shown.cells.count} cells in {boxText(shown.box)})
      </h2>
      <p id="view3d-of">
        {shown.label}
        {v.busy ? ' · computing a newer network…' : ''}
      </p>
      {v.error && (
        <p id="view3d-status" role="status" className="error">
          {v.error}
        </p>
      )}
      <canvas
        ref={canvas}
        id="view3d-canvas"
        width={SIZE}
        height={SIZE}
        onPointerDown={(e) => {
          down.current = [e.clientX, e.clientY];
        }}
        onClick={(e) => {
          // A click picks; the end of a drag (which orbits) does not: the pointer must not have moved.
          const [x0, y0] = down.current ?? [e.clientX, e.clientY];
          if (Math.hypot(e.clientX - x0, e.clientY - y0) > CLICK_SLOP) return;
          // CSS pixels → canvas pixels: the canvas is laid out wider than its SIZE × SIZE pixels.
          const r = e.currentTarget.getBoundingClientRect();
          const x = ((e.clientX - r.left) / r.width) * SIZE;
          const y = ((e.clientY - r.top) / r.height) * SIZE;
          if (scene.current) choose(scene.current.pick(x, y));
        }}
      />
      <p>Drag to orbit, wheel to zoom, click to pick a cell.</p>
      <Histogram
        title="facets per cell"
        values={facetCounts}
        active={cell?.facets.length}
        brushed={brush?.kind === 'facets' ? brush.value : undefined}
        onBrush={(b) => setBrush(b === undefined ? undefined : { kind: 'facets', value: b })}
      />
      <Histogram
        title="simplices per cell"
        values={simplexCounts}
        active={cell?.numSimplices}
        brushed={brush?.kind === 'simplices' ? brush.value : undefined}
        onBrush={(b) => setBrush(b === undefined ? undefined : { kind: 'simplices', value: b })}
      />
      <CellDetails c={cell} />
    </section>
  );
}
