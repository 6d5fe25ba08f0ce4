/**
 * Progress on stderr unless --quiet: a bar when stderr is a terminal, otherwise a plain line every
 * `PLAIN_LINE_MS` (logs, CI, pipes); cancellable with Ctrl-C.
 */
import cliProgress from 'cli-progress';

export interface ProgressHandle {
  update(fraction: number, regions: number): void;
  stop(): void;
  readonly signal: AbortSignal;
}

/** Interval of the plain progress lines written when stderr is not a terminal. */
const PLAIN_LINE_MS = 3000;

export function startProgress(label: string, quiet: boolean, unit = 'regions'): ProgressHandle {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const show = !quiet && process.stderr.isTTY === true;
  const bar = show
    ? new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% | {regions} regions | {duration_formatted}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(1000, 0, { regions: 0 });
  const plain = !quiet && !show;
  const started = Date.now();
  let lastLine = started;
  return {
    signal: controller.signal,
    update(fraction, regions) {
      bar?.update(Math.round(fraction * 1000), { regions });
      const now = Date.now();
      if (plain && now - lastLine >= PLAIN_LINE_MS) {
        lastLine = now;
        process.stderr.write(`${label}: ${(fraction * 100).toFixed(1)}% | ${regions} ${unit} | ${Math.round((now - started) / 1000)} s\n`);
      }
    },
    stop() {
      bar?.stop();
      process.removeListener('SIGINT', onSigint);
    },
  };
}
