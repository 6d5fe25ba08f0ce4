/**
 * The grid methods of §6.3 beside the exact map (model explorer): on the plane and box the map
 * shows, the exact regions, activation codes on a p × p grid and the Jacobian-tolerance grid of
 * Fig. 6.12, counted and drawn side by side, with the boundaries the Jacobian method misses in red
 * (grid-methods.ts; computed in grid-worker.ts).
 */
import { useEffect, useRef, useState } from 'react';
import { planeThrough } from '@polytope-lens/core';
import type { ModelInfo } from './model-worker.js';
import type { FromGrid } from './grid-worker.js';
import type { GridOutcome, GridRequest } from './grid-methods.js';

interface Props {
  readonly net: ModelInfo;
  /** The model the net was read from (network JSON text or ONNX bytes), for the worker. */
  readonly model: string | Uint8Array;
  /** Anchors of the slice the map shows (undefined: the input plane or the first two axes). */
  readonly through: readonly [number[], number[], number[]] | undefined;
  readonly box: readonly [number, number, number, number];
}

/** The plane the map shows: through the anchors, else the first two input axes through 0. */
function shownPlane(net: ModelInfo, through: Props['through']): GridRequest['plane'] {
  if (through) {
    const p = planeThrough(...through);
    return { origin: Array.from(p.origin), u: Array.from(p.u), v: Array.from(p.v) };
  }
  const d = net.inputSize;
  return {
    origin: new Array<number>(d).fill(0),
    u: Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0)),
    v: Array.from({ length: d }, (_, i) => (i === 1 ? 1 : 0)),
  };
}

function GridCanvas({ rgba, p, id, label }: { rgba: Uint8ClampedArray; p: number; id: string; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const g = ref.current?.getContext('2d');
    if (g) g.putImageData(new ImageData(new Uint8ClampedArray(rgba), p, p), 0, 0);
  }, [rgba, p]);
  return (
    <figure className="grid-map">
      <canvas ref={ref} id={id} width={p} height={p} role="img" aria-label={label} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function Counts({ o }: { o: GridOutcome }) {
  const rows: [string, string, number][] = [
    ['grid-exact', 'exact regions in the box', o.exact.regions],
    ['grid-exact-missed', 'exact regions holding no grid point', o.exact.missed],
    ['grid-codes', 'distinct activation codes on the grid', o.codes.distinct],
    ['grid-components', 'connected components of equal codes', o.codes.components],
    ['grid-jacobian', 'Jacobian-method regions', o.jacobian.regions],
    ['grid-merging', 'Jacobian regions spanning several exact regions', o.jacobian.mergingRegions],
    ['grid-changes', 'neighbour pairs across a code change', o.boundaries.codeChanges],
    ['grid-missed', 'of them missed by the Jacobian method', o.boundaries.missed],
  ];
  return (
    <table className="grid-counts">
      <tbody>
        {rows.map(([id, what, n]) => (
          <tr key={id}>
            <th scope="row">{what}</th>
            <td id={id}>{n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The panel: grid size, tolerance, *Compare grid methods*, then the counts and the three maps. */
export function GridMethodsPanel({ net, model, through, box }: Props) {
  const [p, setP] = useState('100');
  const [tol, setTol] = useState('1e-6');
  const [shown, setShown] = useState<GridOutcome | string | undefined>();
  const worker = useRef<Worker | undefined>(undefined);
  useEffect(() => () => worker.current?.terminate(), []);
  const run = () => {
    const size = Number(p);
    const tolerance = Number(tol);
    if (!Number.isInteger(size) || size < 2 || size > 1000) return setShown('grid size must be an integer from 2 to 1000');
    if (!(tolerance >= 0)) return setShown('tolerance must be a number ≥ 0');
    worker.current?.terminate();
    const w = new Worker(new URL('./grid-worker.ts', import.meta.url), { type: 'module' });
    worker.current = w;
    setShown('computing…');
    w.onmessage = (e: MessageEvent<FromGrid>) => {
      setShown(e.data.type === 'done' ? e.data.outcome : e.data.message);
      w.terminate();
    };
    const req: GridRequest = { net: model, plane: shownPlane(net, through), box, p: size, tolerance };
    w.postMessage(req);
  };
  return (
    <section aria-labelledby="grid-title" className="panel" data-box={box.join(',')}>
      <h2 id="grid-title">Grid methods (§6.3) against the exact map</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="grid-p">Grid points per side</label>
          <input id="grid-p" inputMode="numeric" value={p} onChange={(e) => setP(e.target.value)} size={5} />
        </div>
        <div className="field">
          <label htmlFor="grid-tol">Jacobian tolerance</label>
          <input id="grid-tol" value={tol} onChange={(e) => setTol(e.target.value)} size={7} />
        </div>
        <button id="grid-run" type="button" onClick={run}>
          Compare grid methods
        </button>
      </div>
      <p>
        Plane and box of the map: s ∈ [{box[0]}, {box[1]}], t ∈ [{box[2]}, {box[3]}]
      </p>
      {typeof shown === 'string' && <p className={shown === 'computing…' ? '' : 'error'}>{shown}</p>}
      {typeof shown === 'object' && (
        <>
          <Counts o={shown} />
          <div className="grid-maps">
            <GridCanvas rgba={shown.images.exact} p={shown.p} id="grid-map-exact" label="exact region of each grid point" />
            <GridCanvas rgba={shown.images.codes} p={shown.p} id="grid-map-codes" label="activation codes on the grid (components)" />
            <GridCanvas rgba={shown.images.jacobian} p={shown.p} id="grid-map-jacobian" label="Jacobian method (missed boundaries red)" />
          </div>
        </>
      )}
    </section>
  );
}
