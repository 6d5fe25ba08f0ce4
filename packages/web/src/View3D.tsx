/**
 * The 3-D view of a 3-input network: its exact cells over [-1, 1]^3 (cells3d.ts, no LP) drawn
 * with three.js as translucent convex cells, orbit controls, a picked cell's facets, vertices,
 * simplices, code and affine map, and histograms of facets and simplices per cell linked to the
 * selection (a bar highlights its cells; a picked cell highlights its bars). The cells, their
 * triangles and edges are computed in cells3d-worker.ts; the page wraps the buffers in geometries.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { cellOf, histogram } from './cells3d.js';
import type { CellInfo, FlatCells3 } from './cells3d.js';
import type { CellsRequest, FromCells } from './cells3d-worker.js';

const SIZE = 360;
/** A press and release this close (CSS pixels) are a click (pick); farther apart, a drag (orbit). */
const CLICK_SLOP = 4;

function colourOf(code: string): THREE.Color {
  let h = 2166136261;
  for (const ch of code) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return new THREE.Color().setHSL(((h >>> 0) % 360) / 360, 0.65, 0.55);
}

/**
 * All cells in one mesh (their facet triangles, coloured per cell with its opacity in the colour's
 * alpha) and one set of edge lines, on the worker's buffers: two draw calls. One mesh per cell
 * (370 for a 3-8-8-1 net) made the first draw a 337 ms main-thread task in Chromium's software
 * WebGL, and each redraw 66 ms (docs/web.md, *Measured*). Triangles are drawn in cell order, as
 * the per-cell meshes were (all at the origin, so three.js kept their order).
 */
interface Scene3 {
  renderer: THREE.WebGLRenderer;
  camera: THREE.PerspectiveCamera;
  mesh: THREE.Mesh;
  /** Per vertex RGBA; a cell's alpha is its opacity. */
  colours: THREE.BufferAttribute;
  /** Cell i's triangles are triOff[i] … triOff[i+1]. */
  triOff: Uint32Array;
  /** Draws in a task of its own (once however often asked before it runs): the first draw compiles the shaders and uploads the buffers. */
  draw: () => void;
  dispose: () => void;
}

function makeScene(canvas: HTMLCanvasElement, cells: FlatCells3, codes: readonly string[]): Scene3 {
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(SIZE, SIZE, false);
  renderer.setClearColor(0xffffff);
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(40, 1, 0.1, 100);
  camera.position.set(3.2, 2.6, 4.2);
  camera.lookAt(0, 0, 0);
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.BufferAttribute(cells.triangles, 3));
  const rgba = new Float32Array((cells.triangles.length / 3) * 4);
  for (let i = 0; i < cells.count; i++) {
    const c = colourOf(codes[i]!);
    for (let v = 3 * cells.triOff[i]!; v < 3 * cells.triOff[i + 1]!; v++) rgba.set([c.r, c.g, c.b, 0.35], 4 * v);
  }
  const colours = new THREE.BufferAttribute(rgba, 4);
  g.setAttribute('color', colours);
  const material = new THREE.MeshBasicMaterial({ vertexColors: true, transparent: true, side: THREE.DoubleSide, depthWrite: false });
  const mesh = new THREE.Mesh(g, material);
  const e = new THREE.BufferGeometry();
  e.setAttribute('position', new THREE.BufferAttribute(cells.edges, 3));
  const lineMaterial = new THREE.LineBasicMaterial({ color: 0x222222 });
  scene.add(new THREE.LineSegments(e, lineMaterial), mesh);
  let frame: ReturnType<typeof setTimeout> | undefined;
  const draw = () => {
    frame ??= setTimeout(() => {
      frame = undefined;
      renderer.render(scene, camera);
    });
  };
  // The shaders compile in a task of their own, before the first draw (each 5–75 ms in software WebGL at load 13).
  const compile = setTimeout(() => renderer.compile(scene, camera));
  const controls = new OrbitControls(camera, canvas);
  controls.addEventListener('change', draw);
  draw();
  return {
    renderer,
    camera,
    mesh,
    colours,
    triOff: cells.triOff,
    draw,
    dispose: () => {
      clearTimeout(compile);
      clearTimeout(frame);
      controls.dispose();
      for (const x of [g, e, material, lineMaterial]) x.dispose();
      renderer.dispose();
    },
  };
}

/** The cell under canvas pixel (x, y), nearest to the camera; undefined for none. */
function pickAt(s: Scene3, x: number, y: number): number | undefined {
  const ray = new THREE.Raycaster();
  ray.setFromCamera(new THREE.Vector2((x / SIZE) * 2 - 1, 1 - (y / SIZE) * 2), s.camera);
  const face = ray.intersectObject(s.mesh, false)[0]?.faceIndex;
  if (face === undefined || face === null) return undefined;
  // The last cell whose first triangle is at or before the hit one.
  let [lo, hi] = [0, s.triOff.length - 2];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.triOff[mid]! <= face) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function highlight(s: Scene3, picked: number | undefined, brushed: ReadonlySet<number>) {
  const rgba = s.colours.array as Float32Array;
  for (let i = 0; i + 1 < s.triOff.length; i++) {
    const on = i === picked || brushed.has(i);
    const alpha = on ? 0.8 : picked !== undefined || brushed.size > 0 ? 0.08 : 0.35;
    for (let v = 3 * s.triOff[i]!; v < 3 * s.triOff[i + 1]!; v++) rgba[4 * v + 3] = alpha;
  }
  s.colours.needsUpdate = true;
  s.draw();
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

/** Test hook: cell count, pick at canvas pixel → code, histogram data. */
interface Hook3 {
  cells: number;
  pick: (x: number, y: number) => string | undefined;
}

/** The cells of the model from the worker: undefined while none (not a 3-input MLP), 'computing' while it works. */
function useCells(model: string | Uint8Array | undefined, version: string): FlatCells3 | 'computing' | string | undefined {
  const [cells, setCells] = useState<FlatCells3 | 'computing' | string | undefined>();
  useEffect(() => {
    setCells(undefined);
    if (model === undefined) return;
    const w = new Worker(new URL('./cells3d-worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<FromCells>) => {
      const m = e.data;
      if (m.type === 'start') return setCells('computing');
      setCells(m.type === 'cells' ? m.cells : m.type === 'error' ? m.message : undefined);
      w.terminate();
    };
    w.postMessage({ id: 1, net: model } satisfies CellsRequest);
    // A newer model (or closing the view) stops this one's computation.
    return () => w.terminate();
    // The model ref's content changes with `version` (the open file's name).
  }, [version]);
  return cells;
}

/** The scene on the canvas for `cells` (rebuilt when they change), the picked cell and the brushed histogram bar. */
function useScene(cells: FlatCells3 | undefined, codes: readonly string[]) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useRef<Scene3 | undefined>(undefined);
  const [picked, setPicked] = useState<number | undefined>();
  const [brush, setBrush] = useState<{ kind: 'facets' | 'simplices'; value: number } | undefined>();
  const facetCounts = useMemo(
    () => (cells ? Array.from({ length: cells.count }, (_, i) => cells.facetOff[i + 1]! - cells.facetOff[i]!) : []),
    [cells],
  );
  const simplexCounts = useMemo(() => (cells ? Array.from(cells.simplices) : []), [cells]);
  useEffect(() => {
    setPicked(undefined);
    setBrush(undefined);
    if (!cells || !canvas.current) return;
    const s = makeScene(canvas.current, cells, codes);
    scene.current = s;
    const hook: Hook3 = {
      cells: cells.count,
      pick: (x, y) => {
        const i = pickAt(s, x, y);
        setPicked(i);
        return i === undefined ? undefined : codes[i];
      },
    };
    (window as unknown as { __view3d?: Hook3 }).__view3d = hook;
    return () => {
      s.dispose();
      scene.current = undefined;
    };
  }, [cells, codes]);
  const brushed = useMemo(() => {
    const out = new Set<number>();
    if (brush) (brush.kind === 'facets' ? facetCounts : simplexCounts).forEach((n, i) => n === brush.value && out.add(i));
    return out;
  }, [facetCounts, simplexCounts, brush]);
  useEffect(() => {
    if (scene.current) highlight(scene.current, picked, brushed);
  }, [picked, brushed]);
  return { canvas, scene, picked, setPicked, brush, setBrush, facetCounts, simplexCounts };
}

export function View3D({ model, version }: { model: string | Uint8Array | undefined; version: string }) {
  const got = useCells(model, version);
  const cells = typeof got === 'object' ? got : undefined;
  const codes = useMemo(() => cells?.codes.split('\n') ?? [], [cells]);
  const labels = useMemo(() => cells?.labels.split('\n') ?? [], [cells]);
  const { canvas, scene, picked, setPicked, brush, setBrush, facetCounts, simplexCounts } = useScene(cells, codes);
  /** Where the pointer went down, to tell a click from the end of an orbiting drag. */
  const down = useRef<[number, number] | undefined>(undefined);
  if (got === undefined) return null;
  if (typeof got === 'string')
    return (
      <section id="view3d" aria-label="3-D view">
        <h2>3-D cells</h2>
        <p id="view3d-status" role="status" className={got === 'computing' ? '' : 'error'}>
          {got === 'computing' ? 'computing the cells in [−1, 1]³ in a worker…' : got}
        </p>
      </section>
    );
  const cell = picked === undefined ? undefined : cellOf(got, picked, codes, labels);
  return (
    <section id="view3d" aria-label="3-D view">
      <h2>3-D cells ({got.count} cells in [−1, 1]³)</h2>
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
          if (scene.current) setPicked(pickAt(scene.current, x, y));
        }}
      />
      <p>Drag to orbit, wheel to zoom, click to pick a cell.</p>
      <Histogram
        title="facets per cell"
        values={facetCounts}
        active={cell?.facets.length}
        brushed={brush?.kind === 'facets' ? brush.value : undefined}
        onBrush={(v) => setBrush(v === undefined ? undefined : { kind: 'facets', value: v })}
      />
      <Histogram
        title="simplices per cell"
        values={simplexCounts}
        active={cell?.numSimplices}
        brushed={brush?.kind === 'simplices' ? brush.value : undefined}
        onBrush={(v) => setBrush(v === undefined ? undefined : { kind: 'simplices', value: v })}
      />
      <CellDetails c={cell} />
    </section>
  );
}
