/**
 * The 3-D view of a 3-input network: its exact cells over [-1, 1]^3 (cells3d.ts, no LP) drawn
 * with three.js as translucent convex cells, orbit controls, a picked cell's facets, vertices,
 * simplices, code and affine map, and histograms of facets and simplices per cell linked to the
 * selection (a bar highlights its cells; a picked cell highlights its bars).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { asMlp, readNetworkJson, readOnnx } from '@polytope-lens/core';
import type { AffineLayer } from '@polytope-lens/core';
import { cells3d, histogram } from './cells3d.js';
import type { Cell3 } from './cells3d.js';

const SIZE = 360;
/** A press and release this close (CSS pixels) are a click (pick); farther apart, a drag (orbit). */
const CLICK_SLOP = 4;

/** Layers of a 3-input MLP, or undefined when the model is not one. */
function mlp3(model: string | Uint8Array | undefined): AffineLayer[] | undefined {
  if (model === undefined) return undefined;
  try {
    const net = typeof model === 'string' ? readNetworkJson(model) : readOnnx(model);
    if (net.inputSize !== 3) return undefined;
    return asMlp(net);
  } catch {
    return undefined;
  }
}

function colourOf(code: string): THREE.Color {
  let h = 2166136261;
  for (const ch of code) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return new THREE.Color().setHSL(((h >>> 0) % 360) / 360, 0.65, 0.55);
}

function cellMesh(c: Cell3, i: number): THREE.Mesh {
  const pos: number[] = [];
  for (const f of c.facets)
    for (let k = 1; k + 1 < f.vertices.length; k++) pos.push(...f.vertices[0]!, ...f.vertices[k]!, ...f.vertices[k + 1]!);
  const g = new THREE.BufferGeometry();
  g.setAttribute('position', new THREE.Float32BufferAttribute(pos, 3));
  g.computeVertexNormals();
  const m = new THREE.MeshBasicMaterial({
    color: colourOf(c.code.join('|')),
    transparent: true,
    opacity: 0.35,
    side: THREE.DoubleSide,
    depthWrite: false,
  });
  const mesh = new THREE.Mesh(g, m);
  mesh.userData.index = i;
  const edges = new THREE.LineSegments(new THREE.EdgesGeometry(g), new THREE.LineBasicMaterial({ color: 0x222222 }));
  mesh.add(edges);
  return mesh;
}

interface Scene3 {
  renderer: THREE.WebGLRenderer;
  camera: THREE.PerspectiveCamera;
  meshes: THREE.Mesh[];
  draw: () => void;
  dispose: () => void;
}

function makeScene(canvas: HTMLCanvasElement, cells: Cell3[]): Scene3 {
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  renderer.setSize(SIZE, SIZE, false);
  renderer.setClearColor(0xffffff);
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(40, 1, 0.1, 100);
  camera.position.set(3.2, 2.6, 4.2);
  camera.lookAt(0, 0, 0);
  const meshes = cells.map(cellMesh);
  for (const m of meshes) scene.add(m);
  const draw = () => renderer.render(scene, camera);
  const controls = new OrbitControls(camera, canvas);
  controls.addEventListener('change', draw);
  draw();
  return {
    renderer,
    camera,
    meshes,
    draw,
    dispose: () => {
      controls.dispose();
      for (const m of meshes) m.geometry.dispose();
      renderer.dispose();
    },
  };
}

/** The cell under canvas pixel (x, y), nearest to the camera; undefined for none. */
function pickAt(s: Scene3, x: number, y: number): number | undefined {
  const ray = new THREE.Raycaster();
  ray.setFromCamera(new THREE.Vector2((x / SIZE) * 2 - 1, 1 - (y / SIZE) * 2), s.camera);
  const hit = ray.intersectObjects(s.meshes, false)[0];
  return hit ? (hit.object.userData.index as number) : undefined;
}

function highlight(s: Scene3, picked: number | undefined, brushed: ReadonlySet<number>) {
  s.meshes.forEach((m, i) => {
    const mat = m.material as THREE.MeshBasicMaterial;
    const on = i === picked || brushed.has(i);
    mat.opacity = on ? 0.8 : picked !== undefined || brushed.size > 0 ? 0.08 : 0.35;
  });
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

function CellDetails({ c }: { c: Cell3 | undefined }) {
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
      <dd>{c.simplices.length}</dd>
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

export function View3D({ model, version }: { model: string | Uint8Array | undefined; version: string }) {
  // The model ref's content changes with `version` (the open file's name).
  const cells = useMemo(() => {
    const layers = mlp3(model);
    return layers ? cells3d(layers, [-1, -1, -1], [1, 1, 1]) : undefined;
  }, [version]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useRef<Scene3 | undefined>(undefined);
  const [picked, setPicked] = useState<number | undefined>();
  /** Where the pointer went down, to tell a click from the end of an orbiting drag. */
  const down = useRef<[number, number] | undefined>(undefined);
  const [brush, setBrush] = useState<{ kind: 'facets' | 'simplices'; value: number } | undefined>();
  useEffect(() => {
    setPicked(undefined);
    setBrush(undefined);
    if (!cells || !canvas.current) return;
    const s = makeScene(canvas.current, cells);
    scene.current = s;
    const hook: Hook3 = {
      cells: cells.length,
      pick: (x, y) => {
        const i = pickAt(s, x, y);
        setPicked(i);
        return i === undefined ? undefined : cells[i]!.code.join('|');
      },
    };
    (window as unknown as { __view3d?: Hook3 }).__view3d = hook;
    return () => {
      s.dispose();
      scene.current = undefined;
    };
  }, [cells]);
  const brushed = useMemo(() => {
    const out = new Set<number>();
    if (cells && brush)
      cells.forEach((c, i) => (brush.kind === 'facets' ? c.facets.length : c.simplices.length) === brush.value && out.add(i));
    return out;
  }, [cells, brush]);
  useEffect(() => {
    if (scene.current) highlight(scene.current, picked, brushed);
  }, [picked, brushed]);
  if (!cells) return null;
  const cell = picked === undefined ? undefined : cells[picked];
  return (
    <section id="view3d" aria-label="3-D view">
      <h2>3-D cells ({cells.length} cells in [−1, 1]³)</h2>
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
        values={cells.map((c) => c.facets.length)}
        active={cell?.facets.length}
        brushed={brush?.kind === 'facets' ? brush.value : undefined}
        onBrush={(v) => setBrush(v === undefined ? undefined : { kind: 'facets', value: v })}
      />
      <Histogram
        title="simplices per cell"
        values={cells.map((c) => c.simplices.length)}
        active={cell?.simplices.length}
        brushed={brush?.kind === 'simplices' ? brush.value : undefined}
        onBrush={(v) => setBrush(v === undefined ? undefined : { kind: 'simplices', value: v })}
      />
      <CellDetails c={cell} />
    </section>
  );
}
