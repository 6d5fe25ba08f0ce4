/** The dual scatter beside the map, the region details, and the export buttons (map PNG/SVG, model JSON/ONNX). */
import type { MouseEvent, RefObject } from 'react';
import type { Engine } from './engine.js';
import type { RegionDetails, ToRenderer } from './protocol.js';
import { exportModelFile } from './model-client.js';

const DUAL_SIZE = 280;

/** The selected region's details; `onJacobian` (an opened model): a button sets the Jacobian panel's point to the region's centroid. */
export function Details({
  d,
  onPick,
  onJacobian,
}: {
  d: RegionDetails | undefined;
  onPick: (i: number) => void;
  onJacobian?: ((st: [number, number]) => void) | undefined;
}) {
  if (!d) return <p id="region-details">Hover, click or use the arrow keys on the map (or click the dual scatter) to inspect a region.</p>;
  return (
    <dl id="region-details">
      <dt>Region</dt>
      <dd id="detail-index">{d.index}</dd>
      <dt>Activation code</dt>
      <dd className="code">{d.code}</dd>
      <dt>Area</dt>
      <dd>{d.area.toPrecision(6)}</dd>
      <dt>Linear region</dt>
      <dd>{d.linear}</dd>
      <dt>Affine map</dt>
      <dd>{d.map}</dd>
      <dt>Centroid (s, t)</dt>
      <dd id="detail-centroid">
        {d.centroid.map((v) => v.toPrecision(6)).join(', ')}
        {onJacobian && (
          <>
            {' '}
            <button id="detail-jacobian" type="button" onClick={() => onJacobian([d.centroid[0], d.centroid[1]])}>
              Jacobian at the centroid
            </button>
          </>
        )}
      </dd>
      <dt>Neighbours ({d.neighbours.length})</dt>
      <dd id="detail-neighbours">
        {d.neighbours.map((j) => (
          <button key={j} type="button" className="link" aria-label={`select neighbour region ${j}`} onClick={() => onPick(j)}>
            {j}
          </button>
        ))}
      </dd>
    </dl>
  );
}

/** The dual scatter (drawn by the render worker): a point (∂f₀/∂s, ∂f₀/∂t) per region; click selects the nearest. */
export function DualView(p: {
  dual: RefObject<HTMLCanvasElement | null>;
  regions: number;
  request: (m: { type: 'pick-dual'; at: readonly [number, number] }, then: (d: RegionDetails | undefined) => void) => void;
  onSelect: (d: RegionDetails | undefined) => void;
}) {
  const at = (ev: MouseEvent<HTMLCanvasElement>): [number, number] => {
    const r = ev.currentTarget.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * DUAL_SIZE, ((ev.clientY - r.top) / r.height) * DUAL_SIZE];
  };
  return (
    <figure className="dual">
      <canvas
        id="dual"
        ref={p.dual}
        width={DUAL_SIZE}
        height={DUAL_SIZE}
        role="img"
        aria-label={`Dual scatter of linear coefficients: one point per region (${p.regions}); click a point to select its region`}
        onClick={(e) => p.request({ type: 'pick-dual', at: at(e) }, p.onSelect)}
      />
      <figcaption>Linear coefficients (∂f₀/∂s across, ∂f₀/∂t up) of each region</figcaption>
    </figure>
  );
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

/** The regions (a PNG from the render worker) with the data overlay drawn on top. */
async function withOverlay(regions: Blob, overlay: HTMLCanvasElement): Promise<Blob> {
  const bitmap = await createImageBitmap(regions);
  const c = document.createElement('canvas');
  c.width = bitmap.width;
  c.height = bitmap.height;
  const g = c.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  g.drawImage(bitmap, 0, 0);
  g.drawImage(overlay, 0, 0);
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

export function ExportControls(p: {
  engine: RefObject<Engine | undefined>;
  overlay: RefObject<HTMLCanvasElement | null>;
  data: () => { x: Float64Array; labels: Float32Array } | undefined;
  requestFile: (m: Omit<Extract<ToRenderer, { type: 'export' }>, 'ticket'>, then: (f: Blob | undefined) => void) => void;
  onError: (m: string) => void;
}) {
  const map = (format: 'png' | 'svg') => {
    const data = p.data();
    p.requestFile({ type: 'export', format, ...(format === 'svg' && data ? { data } : {}) }, (f) => {
      if (!f) return p.onError('nothing to export yet: train or open a model first');
      if (format === 'svg') return download('polytope-map.svg', f);
      withOverlay(f, p.overlay.current!).then(
        (b) => download('polytope-map.png', b),
        (e: unknown) => p.onError(String(e)),
      );
    });
  };
  const model = (format: 'json' | 'onnx') => {
    const net = p.engine.current?.lastNet;
    if (net === undefined) return p.onError('no network yet: train or open a model first');
    exportModelFile(net, format).then(
      (b) => download(`model.${format}`, b),
      (e: unknown) => p.onError(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <div className="buttons" role="group" aria-label="export">
      <button id="export-png" type="button" onClick={() => map('png')}>
        Map PNG
      </button>
      <button id="export-svg" type="button" onClick={() => map('svg')}>
        Map SVG
      </button>
      <button id="export-json" type="button" onClick={() => model('json')}>
        Model JSON
      </button>
      <button id="export-onnx" type="button" onClick={() => model('onnx')}>
        Model ONNX
      </button>
    </div>
  );
}
