/**
 * Runs a registered sweep on this machine's cores for a command (`polytope sweep`, `reproduce`,
 * `polytopes-study`): the result store on disk, progress on stderr (shards done / failed / ETA),
 * cancellation by the run's signal, and a one-line error when shards failed.
 */
import { PolytopeError } from '@polytope-lens/core';
import { DirStore, lookupSweep, runEmbedded } from '@polytope-lens/sweep';
import type { SweepProgress } from '@polytope-lens/sweep';
import { startProgress } from '../progress.js';
import { SWEEPS } from './registry.js';

export interface SweepCliRun {
  name: string;
  options: unknown;
  /** Folder of the result store (results of sweep NAME under STORE/NAME). */
  store: string;
  threads: number;
  quiet: boolean;
  /** Progress label (default: the sweep's name). */
  label?: string;
}

/** `3 min 05 s` / `12 s` / `–`. */
function eta(ms: number): string {
  if (!Number.isFinite(ms)) return 'ETA –';
  const s = Math.round(ms / 1000);
  return s < 60 ? `ETA ${s} s` : `ETA ${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** One progress line's extra text: `2 failed · 5 reused · ETA 12 s`. */
function progressExtra(p: Pick<SweepProgress, 'failed' | 'reused' | 'etaMs'>): string {
  return [p.failed > 0 ? `${p.failed} failed` : '', p.reused > 0 ? `${p.reused} reused` : '', eta(p.etaMs)].filter(Boolean).join(' · ');
}

/** Runs the sweep and returns its merged result; throws a one-line error when shards failed. */
export async function runSweepCli(o: SweepCliRun): Promise<unknown> {
  const ref = lookupSweep(SWEEPS, o.name);
  const store = new DirStore(o.store, o.name);
  store.sweepTemps();
  const progress = startProgress(o.label ?? o.name, o.quiet, 'shards');
  let total = 0;
  let reused = 0;
  try {
    const out = await runEmbedded({
      ref,
      options: o.options,
      store,
      threads: o.threads,
      signal: progress.signal,
      onProgress: (p) => {
        total = p.total;
        reused = p.reused;
        progress.update(p.total > 0 ? (p.done + p.failed) / p.total : 1, p.done, `of ${p.total} · ${progressExtra(p)}`);
      },
    });
    if (out.failed.length > 0) {
      const first = out.failed[0]!;
      throw new PolytopeError(
        'solver-failed',
        `sweep ${o.name}: ${out.failed.length} of ${total} shards failed (shard ${first.index}: ${first.error}); the other results are kept in ${o.store}, run again to retry the failed ones`,
      );
    }
    if (reused > 0 && !o.quiet) process.stderr.write(`${o.label ?? o.name}: ${reused} of ${total} shards reused from ${o.store}\n`);
    return out.merged;
  } finally {
    progress.stop();
  }
}
