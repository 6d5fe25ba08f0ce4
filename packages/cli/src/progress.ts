/** A progress bar on stderr (only when it is a terminal and not --quiet), cancellable with Ctrl-C. */
import cliProgress from 'cli-progress';

export interface ProgressHandle {
  update(fraction: number, regions: number): void;
  stop(): void;
  readonly signal: AbortSignal;
}

export function startProgress(label: string, quiet: boolean): ProgressHandle {
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
  return {
    signal: controller.signal,
    update(fraction, regions) {
      bar?.update(Math.round(fraction * 1000), { regions });
    },
    stop() {
      bar?.stop();
      process.removeListener('SIGINT', onSigint);
    },
  };
}
