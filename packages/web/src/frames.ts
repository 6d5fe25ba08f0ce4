/**
 * Timeline frames: the exact slice of each kept snapshot on the map's plane (the input plane of a
 * 2-input network, else the plane x0, x1 through 0 — as the slicers do), as a `FlatSlice` that the
 * map's own drawing (`drawRegions`) draws; the data points on top.
 */
import { PolytopeError, inputPlane, planeFromDirections, readNetworkJson, sliceMlpFlat, slicePlane } from '@polytope-lens/core';
import type { MlpSliceWorkspace, Network, Plane } from '@polytope-lens/core';
import type { FlatSlice } from './protocol.js';

type Box = readonly [number, number, number, number];

/**
 * The exact slice of `net` on `plane` over `box` as flat arrays: the core's dedicated 2-D slicer for
 * plain MLPs (`sliceMlpFlat`), the general `slicePlane` for every other network. The live map's
 * slicers and the timeline export both slice through here, so their frames agree. A caller that
 * slices again and again (a slicing worker) passes its own `workspace`: the MLP slicer's buffers are
 * then allocated once, not per slice (the result never aliases them).
 */
export function flatSlice(net: Network, plane: Plane, box: Box, id: number, workspace?: MlpSliceWorkspace): FlatSlice {
  const b = [...box] as [number, number, number, number];
  try {
    return { id, box: b, ...sliceMlpFlat(net, plane, b, workspace ? { workspace } : {}) };
  } catch (err) {
    if (!(err instanceof PolytopeError && err.code === 'unsupported')) throw err;
  }
  const r = slicePlane(net, plane, b);
  const n = r.regions.length;
  const off = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) off[i + 1] = off[i]! + r.regions[i]!.vertices.length / 2;
  const outputs = n > 0 ? r.regions[0]!.map.length / 3 : net.outputSize;
  const codeLength = n > 0 ? r.regions[0]!.code.length : 0;
  const flat = {
    id,
    box: b,
    regions: r.summary.regions,
    linearRegions: r.summary.linearRegions,
    off,
    xy: new Float64Array(2 * off[n]!),
    codes: new Uint8Array(n * codeLength),
    codeLength,
    areas: new Float64Array(n),
    maps: new Float64Array(n * 3 * outputs),
    outputs,
    linearRegionOf: r.linearRegionOf,
    boundary: r.boundary,
    seconds: r.summary.seconds,
  };
  r.regions.forEach((g, i) => {
    flat.xy.set(g.vertices, 2 * off[i]!);
    flat.maps.set(g.map, i * 3 * outputs);
    flat.areas[i] = g.area;
    flat.codes.set(g.code, i * codeLength);
  });
  return flat;
}

/** The exact slice of network JSON `text` over `box` (the input plane, or x0, x1 through 0), in flat arrays. */
export function flatSliceOf(text: string, box: Box, id = 0, workspace?: MlpSliceWorkspace): FlatSlice {
  const net = readNetworkJson(JSON.parse(text));
  const d = net.inputSize;
  const axis = (k: number) => Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));
  const plane = d === 2 ? inputPlane(net) : planeFromDirections(new Array<number>(d).fill(0), axis(0), axis(1));
  return flatSlice(net, plane, box, id, workspace);
}

/** The data points (x as [x0, y0, x1, y1, …]) as dots coloured by class over the box, as the map's overlay draws them. */
export function drawPoints(
  g: OffscreenCanvasRenderingContext2D,
  data: { x: Float64Array; labels: Float32Array },
  box: Box,
  W: number,
  H: number,
): void {
  const [x0, x1, y0, y1] = box;
  g.lineWidth = 1;
  g.strokeStyle = '#fff';
  for (let i = 0; i < data.labels.length; i++) {
    const X = ((data.x[2 * i]! - x0) / (x1 - x0)) * W;
    const Y = ((y1 - data.x[2 * i + 1]!) / (y1 - y0)) * H;
    g.fillStyle = data.labels[i]! > 0.5 ? '#b34700' : '#0b4f9c';
    g.beginPath();
    g.arc(X, Y, 3, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
  }
}
