/**
 * Render worker: holds the newest slice (sent straight from the slicers over MessageChannels),
 * draws regions, decision boundary and the selected region on the page's canvas (OffscreenCanvas),
 * and answers hover/keyboard picks with the region's details — so the page's main thread never
 * touches the (large) slice.
 */
import { codeString, drawRegions, mapText, regionAtPoint } from './draw.js';
import type { FlatSlice, FromRenderer, RegionDetails, ToRenderer } from './protocol.js';

type Coloring = 'region' | 'class' | 'output' | 'linear-region';
const ctx = self as unknown as { postMessage(m: FromRenderer): void; onmessage: ((e: MessageEvent) => void) | null };
const view: {
  canvas?: OffscreenCanvas;
  slice?: FlatSlice;
  color: Coloring;
  showBoundary: boolean;
  selected: number | undefined;
  scheduled: boolean;
} = { color: 'region', showBoundary: true, selected: undefined, scheduled: false };

function render(): void {
  view.scheduled = false;
  const c = view.canvas;
  const g = c?.getContext('2d');
  if (!c || !g) return;
  const t = performance.now();
  drawRegions(g, view.slice, { color: view.color, showBoundary: view.showBoundary, selected: view.selected }, c.width, c.height);
  ctx.postMessage({ type: 'drawn', id: view.slice?.id ?? 0, ms: performance.now() - t });
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
  return { index: i, code: codeString(s, i), area: s.areas[i]!, linear: s.linearRegionOf[i]!, map: mapText(s, i) };
}

function receiveSlice(s: FlatSlice): void {
  if (view.slice && s.id !== 0 && s.id < view.slice.id) return; // an older slice finishing late
  view.slice = s;
  schedule();
}

ctx.onmessage = (e: MessageEvent) => {
  const m = e.data as ToRenderer;
  if (m.type === 'canvas') view.canvas = m.canvas;
  else if (m.type === 'port') m.port.onmessage = (ev: MessageEvent) => receiveSlice(ev.data as FlatSlice);
  else if (m.type === 'slice') return receiveSlice(m.slice);
  else if (m.type === 'style') {
    view.color = m.color;
    view.showBoundary = m.showBoundary;
  } else if (m.type === 'select') view.selected = m.index;
  else {
    const s = view.slice;
    const i = typeof m.at === 'number' ? m.at : s ? regionAtPoint(s, m.at[0], m.at[1]) : undefined;
    return ctx.postMessage({ type: 'pick', ticket: m.ticket, details: details(s, i) });
  }
  schedule();
};
