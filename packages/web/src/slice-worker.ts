/**
 * Slicing worker: the exact partition of a 2-D box as flat arrays — the core's dedicated 2-D MLP
 * slicer (`sliceMlpFlat`) for plain MLPs, the general `slicePlane` for every other network.
 */
import {
  PolytopeError,
  anchorBox,
  inputPlane,
  planeFromDirections,
  planeThrough,
  readNetworkJson,
  readOnnx,
  sliceMlpFlat,
  slicePlane,
} from '@polytope-lens/core';
import type { Network, Plane } from '@polytope-lens/core';
import type { FlatSlice, FromSlicer, SliceRequest } from './protocol.js';

/** The render worker's end of this slicer's channel (the slice goes there, only its summary to the page). */
const link: { port: MessagePort | undefined } = { port: undefined };

const ctx = self as unknown as {
  postMessage(m: FromSlicer, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

/** A network from JSON text or ONNX bytes. */
function readNet(net: string | Uint8Array): Network {
  return typeof net === 'string' ? readNetworkJson(JSON.parse(net)) : readOnnx(net);
}

function slice(req: SliceRequest): { flat: FlatSlice; anchors: { name: string; s: number; t: number }[] } {
  const net = readNet(req.net);
  const d = net.inputSize;
  const axis = (k: number) => Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));
  const plane = req.through
    ? planeThrough(...req.through)
    : d === 2
      ? inputPlane(net)
      : planeFromDirections(new Array<number>(d).fill(0), axis(0), axis(1));
  const box = req.through ? anchorBox(plane) : req.box;
  const anchors = (plane.anchors ?? []).map((p) => ({ ...p }));
  const fast = mlpSlice(net, plane, box);
  if (fast) return { flat: { id: req.id, box: [...box] as [number, number, number, number], ...fast }, anchors };
  const r = slicePlane(net, plane, box);
  const n = r.regions.length;
  const off = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) off[i + 1] = off[i]! + r.regions[i]!.vertices.length / 2;
  const xy = new Float64Array(2 * off[n]!);
  const outputs = n > 0 ? r.regions[0]!.map.length / 3 : net.outputSize;
  const maps = new Float64Array(n * 3 * outputs);
  const areas = new Float64Array(n);
  const codeLength = n > 0 ? r.regions[0]!.code.length : 0;
  const codes = new Uint8Array(n * codeLength);
  r.regions.forEach((g, i) => {
    xy.set(g.vertices, 2 * off[i]!);
    maps.set(g.map, i * 3 * outputs);
    areas[i] = g.area;
    codes.set(g.code, i * codeLength);
  });
  const flat: FlatSlice = {
    id: req.id,
    box: [...box] as [number, number, number, number],
    regions: r.summary.regions,
    linearRegions: r.summary.linearRegions,
    off,
    xy,
    codes,
    codeLength,
    areas,
    maps,
    outputs,
    linearRegionOf: r.linearRegionOf,
    boundary: r.boundary,
    seconds: r.summary.seconds,
  };
  return { flat, anchors };
}

/** The dedicated MLP slicer's flat slice, or null for a network that is not a plain MLP. */
function mlpSlice(net: Network, plane: Plane, box: readonly number[]): Omit<FlatSlice, 'id' | 'box'> | null {
  try {
    return sliceMlpFlat(net, plane, box);
  } catch (err) {
    if (err instanceof PolytopeError && err.code === 'unsupported') return null;
    throw err;
  }
}

ctx.onmessage = (e: MessageEvent) => {
  const msg = e.data as SliceRequest | { type: 'port'; port: MessagePort };
  if ('type' in msg) {
    link.port = msg.port;
    return;
  }
  const req = msg;
  try {
    const { flat: s, anchors } = slice(req);
    const meta = { id: s.id, regions: s.regions, linearRegions: s.linearRegions, box: s.box, anchors };
    link.port?.postMessage(s, [s.off.buffer, s.xy.buffer, s.codes.buffer, s.areas.buffer, s.maps.buffer, s.linearRegionOf.buffer]);
    ctx.postMessage({ type: 'slice', meta });
  } catch (err) {
    ctx.postMessage({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) });
  }
};
