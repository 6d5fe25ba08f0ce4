/**
 * Counters the end-to-end tests read (window.polytopeStats): when each new exact slice was drawn,
 * the region count of the final slice, and every main-thread long task (PerformanceObserver).
 */
export interface Stats {
  readonly draws: number[];
  finalRegions: number;
  done: boolean;
  readonly longTasks: number[];
}

const s: Stats = { draws: [], finalRegions: -1, done: false, longTasks: [] };
let lastDrawn = -1;
let pendingFinal: number | undefined;

export const stats = {
  reset(): void {
    s.draws.length = 0;
    s.finalRegions = -1;
    s.done = false;
    lastDrawn = -1;
  },
  sliced(regions: number, final: boolean): void {
    if (final) pendingFinal = regions;
  },
  drawn(id: number): void {
    if (id !== lastDrawn) {
      lastDrawn = id;
      s.draws.push(performance.now());
    }
    if (pendingFinal !== undefined) {
      s.finalRegions = pendingFinal;
      s.done = true;
      pendingFinal = undefined;
    }
  },
};

(window as unknown as { polytopeStats: Stats }).polytopeStats = s;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) s.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // longtask entries are Chromium-only; elsewhere the list stays empty.
}
