/**
 * Timeline export worker: slices every kept snapshot exactly (`flatSliceOf`, as the slicers
 * do), draws each frame as the map is drawn (`drawRegions`, the data on top) on an OffscreenCanvas,
 * and encodes the frames as one animated GIF (gifenc: a 256-colour palette per frame) or as a .zip
 * of PNGs (fflate, stored: PNG is compressed already). Posts progress, then the file.
 */
import { MlpSliceWorkspace } from '@polytope-lens/core';
import { zipSync } from 'fflate';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import { drawRegions } from './draw.js';
import type { Coloring } from './draw.js';
import { drawPoints, flatSliceOf } from './frames.js';

export interface FramesRequest {
  readonly format: 'gif' | 'zip';
  readonly nets: readonly string[];
  readonly steps: readonly number[];
  readonly box: readonly [number, number, number, number];
  readonly size: number;
  readonly color: Coloring;
  readonly showBoundary: boolean;
  /** GIF frame delay (ms). */
  readonly delay: number;
  readonly data?: { x: Float64Array; labels: Float32Array };
}

export type FromFrames =
  { type: 'progress'; done: number; total: number } | { type: 'file'; file: Blob } | { type: 'error'; message: string };

const ctx = self as unknown as { postMessage(m: FromFrames): void; onmessage: ((e: MessageEvent) => void) | null };

/** The MLP slicer's buffers, reused for every frame of every export of this worker. */
const workspace = new MlpSliceWorkspace();

function drawFrame(g: OffscreenCanvasRenderingContext2D, r: FramesRequest, k: number): void {
  const W = r.size;
  const flat = flatSliceOf(r.nets[k]!, r.box, k + 1, workspace);
  drawRegions(g, flat, { color: r.color, showBoundary: r.showBoundary, selected: undefined }, W, W);
  if (r.data) drawPoints(g, r.data, r.box, W, W);
}

async function encode(r: FramesRequest): Promise<Blob> {
  const W = r.size;
  const canvas = new OffscreenCanvas(W, W);
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  const gif = r.format === 'gif' ? GIFEncoder() : undefined;
  const files: Record<string, Uint8Array> = {};
  const digits = String(Math.max(...r.steps, 0)).length;
  for (let k = 0; k < r.nets.length; k++) {
    drawFrame(g, r, k);
    if (gif) {
      const rgba = g.getImageData(0, 0, W, W).data;
      const palette = quantize(rgba, 256);
      gif.writeFrame(applyPalette(rgba, palette), W, W, { palette, delay: r.delay });
    } else {
      const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      files[`frame-${String(k).padStart(3, '0')}-step-${String(r.steps[k]).padStart(digits, '0')}.png`] = png;
    }
    ctx.postMessage({ type: 'progress', done: k + 1, total: r.nets.length });
  }
  if (gif) {
    gif.finish();
    return new Blob([new Uint8Array(gif.bytes())], { type: 'image/gif' });
  }
  return new Blob([new Uint8Array(zipSync(files, { level: 0 }))], { type: 'application/zip' });
}

ctx.onmessage = (e: MessageEvent) => {
  encode(e.data as FramesRequest).then(
    (file) => ctx.postMessage({ type: 'file', file }),
    (err: unknown) => ctx.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
};
