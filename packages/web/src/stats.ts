/**
 * Counters the end-to-end tests read (window.polytopeStats): when each new exact slice was drawn,
 * the region count of the final slice, and every main-thread long task (PerformanceObserver).
 */
interface Stats {
  readonly draws: number[];
  finalRegions: number;
  done: boolean;
  /** Durations (ms) of main-thread long tasks; `longTaskStarts` their start times. */
  readonly longTasks: number[];
  readonly longTaskStarts: number[];
  /** Per drawn slice: the slicer's time for it (ms, in its worker) and the render worker's drawing time (ms). */
  readonly sliceMs: number[];
  readonly drawMs: number[];
}

const s: Stats = { draws: [], finalRegions: -1, done: false, longTasks: [], longTaskStarts: [], sliceMs: [], drawMs: [] };
let lastDrawn = -1;
let pendingFinal: { regions: number; id: number } | undefined;

export const stats = {
  reset(): void {
    s.draws.length = 0;
    s.sliceMs.length = 0;
    s.drawMs.length = 0;
    s.finalRegions = -1;
    s.done = false;
    lastDrawn = -1;
  },
  sliced(regions: number, final: boolean, id: number): void {
    if (!final) return;
    pendingFinal = { regions, id };
    // The render worker may have drawn this slice before its summary reached the page.
    if (lastDrawn === id) stats.drawn(id);
  },
  drawn(id: number, ms = 0, sliceSeconds = 0): void {
    if (id !== lastDrawn) {
      lastDrawn = id;
      s.draws.push(performance.now());
      s.sliceMs.push(sliceSeconds * 1000);
      s.drawMs.push(ms);
    }
    if (pendingFinal !== undefined && pendingFinal.id === id) {
      s.finalRegions = pendingFinal.regions;
      s.done = true;
      pendingFinal = undefined;
    }
  },
};

(window as unknown as { polytopeStats: Stats }).polytopeStats = s;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      s.longTasks.push(e.duration);
      s.longTaskStarts.push(e.startTime);
    }
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // longtask entries are Chromium-only; elsewhere the list stays empty.
}
