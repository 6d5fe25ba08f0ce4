/**
 * Progress on stderr, and the run's cancellation signal.
 *
 * On a terminal: one line redrawn in place (at most every 100 ms). Otherwise (a log file, a CI
 * job, a pipe): a plain line every `LOG_EVERY_MS`, so a long run shows that it is alive. Nothing
 * with --quiet. The signal is the run's (see `session.ts`): aborted by SIGINT, SIGTERM or SIGHUP.
 */
import { session } from './session.js';

/** Interval between progress lines when stderr is not a terminal (ms). */
const LOG_EVERY_MS = 5000;
/** Interval between redraws on a terminal (ms). */
const DRAW_EVERY_MS = 100;
const BAR_WIDTH = 30;

export interface ProgressHandle {
  /** `fraction` of the work done (NaN when unknown), `count` of the unit named at start. */
  update(fraction: number, count: number, extra?: string): void;
  stop(): void;
  readonly signal: AbortSignal;
}

/** Seconds as `12 s` or `3 min 05 s`. */
function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${String(Math.floor(seconds - 60 * m)).padStart(2, '0')} s`;
}

/**
 * Starts reporting progress for `label` (`slice`, `walk`, …), counting `unit` (`regions`).
 * `logEveryMs` overrides the interval of the plain lines (tests).
 */
export function startProgress(label: string, quiet: boolean, unit = 'regions', logEveryMs = LOG_EVERY_MS): ProgressHandle {
  const run = session();
  const tty = run.stderrIsTTY;
  const start = Date.now();
  let last = start;
  let drawn = false;
  const line = (fraction: number, count: number, extra?: string): string => {
    const secs = (Date.now() - start) / 1000;
    const pct = Number.isFinite(fraction) ? `${(100 * Math.min(1, Math.max(0, fraction))).toFixed(0)}%` : '';
    const what = `${count.toLocaleString('en-US')} ${unit}`;
    const tail = [what, extra, duration(secs)].filter(Boolean).join(' · ');
    if (!tty) return `${label}: ${pct ? `${pct} · ` : ''}${tail}\n`;
    const filled = Number.isFinite(fraction) ? Math.round(BAR_WIDTH * Math.min(1, Math.max(0, fraction))) : 0;
    const bar = Number.isFinite(fraction) ? ` [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${pct}` : '';
    return `\r\x1b[2K${label}${bar} · ${tail}`.slice(0, Math.max(20, run.columns - 1) + 5);
  };
  return {
    signal: run.signal,
    update(fraction, count, extra) {
      if (quiet) return;
      const now = Date.now();
      if (now - last < (tty ? DRAW_EVERY_MS : logEveryMs)) return;
      last = now;
      process.stderr.write(line(fraction, count, extra));
      drawn = tty;
    },
    stop() {
      if (drawn) process.stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
