/** A slice result of the CLI (`polytope slice --json`) as a flat slice the map draws. */
import type { FlatSlice } from './protocol.js';

interface SliceJson {
  plane: { box: [number, number, number, number] };
  boundary: number[][][];
  regions: { code: string; vertices: number[][]; area: number; map: number[][] }[];
  summary: { regions: number; linear_regions: number; seconds: number };
}

/** Whether a parsed JSON document is a CLI slice result with its regions. */
export function isSliceResult(d: unknown): d is SliceJson {
  const o = d as Partial<SliceJson> | null;
  return typeof o === 'object' && o !== null && typeof o.plane === 'object' && Array.isArray(o.regions) && Array.isArray(o.boundary);
}

export function flatFromResult(d: SliceJson): FlatSlice {
  const n = d.regions.length;
  const off = new Int32Array(n + 1);
  d.regions.forEach((r, i) => (off[i + 1] = off[i]! + r.vertices.length));
  const xy = Float64Array.from(d.regions.flatMap((r) => r.vertices.flat()));
  const outputs = n > 0 ? d.regions[0]!.map.length : 1;
  const codeLength = n > 0 ? d.regions[0]!.code.length : 0;
  const codes = new Uint8Array(n * codeLength);
  d.regions.forEach((r, i) => {
    for (let k = 0; k < codeLength; k++) codes[i * codeLength + k] = r.code.charCodeAt(k) - 48;
  });
  return {
    id: 0,
    box: d.plane.box,
    regions: d.summary.regions,
    linearRegions: d.summary.linear_regions,
    off,
    xy,
    codes,
    codeLength,
    areas: Float64Array.from(d.regions, (r) => r.area),
    maps: Float64Array.from(d.regions.flatMap((r) => r.map.flat())),
    outputs,
    linearRegionOf: Int32Array.from(d.regions, (_, i) => i),
    boundary: d.boundary.map((l) => Float64Array.from(l.flat())),
    seconds: d.summary.seconds,
  };
}
