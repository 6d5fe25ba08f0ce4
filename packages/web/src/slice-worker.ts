/**
 * Slicing worker: the exact partition of a 2-D box as flat arrays (`flatSlice`: the core's
 * dedicated 2-D MLP slicer for plain MLPs, the general `slicePlane` for every other network).
 */
import {
  MlpSliceWorkspace,
  anchorBox,
  inputPlane,
  planeFromDirections,
  planeThrough,
  readNetworkJson,
  readOnnx,
} from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import { flatSlice } from './frames.js';
import type { FlatSlice, FromSlicer, SliceRequest } from './protocol.js';

/** This worker's buffers for the MLP slicer: the live map slices the same architecture over and over. */
const workspace = new MlpSliceWorkspace();

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
  return { flat: flatSlice(net, plane, box, req.id, workspace), anchors };
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
