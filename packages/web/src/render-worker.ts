/**
 * Render worker: holds the newest slice (sent straight from the slicers over MessageChannels),
 * draws regions, decision boundary, the selected region and its neighbours on the page's canvas and
 * the dual scatter of linear coefficients on a second one (OffscreenCanvas), answers hover/keyboard
 * picks with the region's details, and exports the map (PNG, SVG) — so the page's main thread
 * never touches the (large) slice.
 */
import { centroid, codeString, drawRegions, mapText, regionAtPoint, regionColor, regionColors, regionRgb } from './draw.js';
import { drawDual, dualPick, neighbours, regionCentroid, sliceSvg } from './inspect.js';
import type { FlatSlice, FromRenderer, RegionDetails, ToRenderer } from './protocol.js';

type Coloring = 'region' | 'class' | 'output' | 'linear-region';
const ctx = self as unknown as { postMessage(m: FromRenderer): void; onmessage: ((e: MessageEvent) => void) | null };
const view: {
  canvas?: OffscreenCanvas;
  dual?: OffscreenCanvas;
  slice?: FlatSlice;
  color: Coloring;
  showBoundary: boolean;
  selected: number | undefined;
  neighbours: number[];
  scheduled: boolean;
  /** Flat region colours of `slice` under `color` (region and linear-region colourings), shared by the map and the dual scatter. */
  colors?: { slice: FlatSlice; color: Coloring; rgb: Int32Array };
} = { color: 'region', showBoundary: true, selected: undefined, neighbours: [], scheduled: false };

function render(): void {
  view.scheduled = false;
  const c = view.canvas;
  const g = c?.getContext('2d');
  if (!c || !g) return;
  const t = performance.now();
  const s = view.slice;
  const sel = { selected: view.selected, neighbours: view.neighbours };
  const color = view.color;
  if (s && (color === 'region' || color === 'linear-region') && (view.colors?.slice !== s || view.colors.color !== color))
    view.colors = { slice: s, color, rgb: regionColors(s, color) };
  const cached = view.colors;
  const colors = cached && cached.slice === s && cached.color === color ? cached.rgb : undefined;
  drawRegions(g, s, { color, showBoundary: view.showBoundary, ...sel, ...(colors ? { colors } : {}) }, c.width, c.height);
  const d = view.dual;
  const gd = d?.getContext('2d');
  if (d && gd) drawDual(gd, s, { rgbOf: (i) => colors?.[i] ?? regionRgb(s!, i, color), ...sel }, d.width, d.height);
  ctx.postMessage({ type: 'drawn', id: s?.id ?? 0, ms: performance.now() - t, sliceSeconds: s?.seconds ?? 0 });
}

function schedule(): void {
  // Coalesce a burst of messages into one drawing.
  if (!view.scheduled) {
    view.scheduled = true;
    setTimeout(render, 0);
  }
}

function details(s: FlatSlice | undefined, i: number | undefined): RegionDetails | undefined {
  if (!s || i === undefined || i < 0 || i >= s.off.length - 1) return undefined;
  return {
    index: i,
    code: codeString(s, i),
    area: s.areas[i]!,
    linear: s.linearRegionOf[i]!,
    map: mapText(s, i),
    neighbours: neighbours(s, i),
    centroid: regionCentroid(s, i),
  };
}

function select(i: number | undefined): void {
  const s = view.slice;
  view.selected = i;
  view.neighbours = s && i !== undefined && i < s.off.length - 1 ? neighbours(s, i) : [];
}

function receiveSlice(s: FlatSlice): void {
  if (view.slice && s.id !== 0 && s.id < view.slice.id) return; // an older slice finishing late
  const old = view.slice;
  view.slice = s;
  // The selection follows the point it covered: the new slice's region at the old region's centroid.
  if (old && view.selected !== undefined && view.selected < old.off.length - 1 && old !== s) {
    const [cx, cy] = centroid(old, view.selected);
    select(regionAtPoint(s, cx, cy));
    ctx.postMessage({ type: 'selected', details: details(s, view.selected) });
  } else select(view.selected);
  for (const m of waiting.splice(0)) answerPick(m);
  schedule();
}

async function exportMap(m: Extract<ToRenderer, { type: 'export' }>): Promise<void> {
  const s = view.slice;
  if (!s || !view.canvas) return ctx.postMessage({ type: 'export', ticket: m.ticket, file: undefined });
  if (m.format === 'png')
    return ctx.postMessage({ type: 'export', ticket: m.ticket, file: await view.canvas.convertToBlob({ type: 'image/png' }) });
  const o = { colorOf: (i: number) => regionColor(s, i, view.color), showBoundary: view.showBoundary, ...(m.data ? { data: m.data } : {}) };
  const svg = sliceSvg(s, o, view.canvas.width, view.canvas.height);
  ctx.postMessage({ type: 'export', ticket: m.ticket, file: new Blob([svg], { type: 'image/svg+xml' }) });
}

/** Picks that name a slice this worker does not hold yet (it comes on its own port, after the page heard of it). */
const waiting: Extract<ToRenderer, { type: 'pick' }>[] = [];

function answerPick(m: Extract<ToRenderer, { type: 'pick' }>): void {
  const s = view.slice;
  if (m.slice !== undefined && (!s || s.id < m.slice)) return void waiting.push(m);
  const i = typeof m.at === 'number' ? m.at : s ? regionAtPoint(s, m.at[0], m.at[1]) : undefined;
  ctx.postMessage({ type: 'pick', ticket: m.ticket, details: details(s, i) });
}

ctx.onmessage = (e: MessageEvent) => {
  const m = e.data as ToRenderer;
  if (m.type === 'canvas') view.canvas = m.canvas;
  else if (m.type === 'dual') view.dual = m.canvas;
  else if (m.type === 'port') m.port.onmessage = (ev: MessageEvent) => receiveSlice(ev.data as FlatSlice);
  else if (m.type === 'slice') return receiveSlice(m.slice);
  else if (m.type === 'style') {
    view.color = m.color;
    view.showBoundary = m.showBoundary;
  } else if (m.type === 'select') select(m.index);
  else if (m.type === 'export') return void exportMap(m);
  else if (m.type === 'pick-dual') {
    const s = view.slice;
    const d = view.dual;
    const i = s && d ? dualPick(s, m.at[0], m.at[1], d.width, d.height, 8) : undefined;
    return ctx.postMessage({ type: 'pick', ticket: m.ticket, details: details(s, i) });
  } else return answerPick(m);
  schedule();
};
