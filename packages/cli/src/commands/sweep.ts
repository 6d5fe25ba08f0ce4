/**
 * `polytope sweep NAME`, `polytope sweep status`, `polytope worker`: the job model of
 * @polytope-lens/sweep from the command line (docs/sweeps.md).
 *
 *   polytope sweep reproduce-annulus --set runs=20 --set maxEpochs=200 --set seed=0 --out t42.json
 *   polytope sweep reproduce-annulus --options '{"runs":100,"maxEpochs":1000,"seed":0}' --queue redis://host:6379
 *   polytope worker --queue redis://host:6379          (on every machine)
 *   polytope sweep status --queue redis://host:6379
 */
import type { Command } from 'commander';
import { PolytopeError } from '@polytope-lens/core';
import {
  DirStore,
  connectChecked,
  enqueueSweep,
  loadSweep,
  lookupSweep,
  mergeRun,
  parseQueueUrl,
  planSweep,
  startWorker,
  sweepStatus,
  waitForRun,
} from '@polytope-lens/sweep';
import type { RunStatus } from '@polytope-lens/sweep';
import { startProgress } from '../progress.js';
import { session } from '../session.js';
import { parseThreads } from '../threads.js';
import { CliError, writeFileAtomic } from '../util.js';
import { SWEEPS } from '../sweeps/registry.js';
import { runSweepCli } from '../sweeps/run.js';

interface SweepCliOptions {
  options?: string;
  set: string[];
  store: string;
  threads: string;
  queue?: string;
  out?: string;
  quiet?: boolean;
}

/** `--options JSON` then each `--set key=value` (value as JSON when it parses, else a string). */
function sweepOptions(o: SweepCliOptions): Record<string, unknown> {
  let base: unknown = {};
  if (o.options !== undefined) {
    try {
      base = JSON.parse(o.options);
    } catch {
      throw new CliError(`--options must be a JSON object, got '${o.options}'`);
    }
    if (base === null || typeof base !== 'object' || Array.isArray(base))
      throw new CliError(`--options must be a JSON object, got '${o.options}'`);
  }
  const out = { ...(base as Record<string, unknown>) };
  for (const kv of o.set) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new CliError(`--set must be key=value, got '${kv}'`);
    const text = kv.slice(at + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // a plain string
    }
    out[kv.slice(0, at)] = value;
  }
  return out;
}

/** Writes the merged result to `--out` or stdout. */
function emit(merged: unknown, out: string | undefined): void {
  const text = JSON.stringify(merged, null, 1) + '\n';
  if (out !== undefined) writeFileAtomic(out, text);
  else process.stdout.write(text);
}

const collect = (v: string, all: string[]) => [...all, v];

/**
 * Registers `polytope sweep` and `polytope worker`.
 *
 * @example
 * // polytope sweep reproduce-sine --set widths='[1,2]' --set depths='[1]' --set runs=5 --set epochs=200 --set batch=10 --set seed=0
 * registerSweep(program);
 */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description(
      `run a registered sweep on all cores or on BullMQ workers (${Object.keys(SWEEPS).join(', ')}); 'sweep status' shows progress`,
    )
    .argument('<name>', "the sweep's name, or 'status'")
    .option('--options <json>', "the sweep's options as a JSON object, e.g. '{\"runs\":20}'")
    .option('--set <key=value>', 'one option (value as JSON when it parses); repeatable', collect, [])
    .option('--store <dir>', 'result store folder of the embedded runner (resume after a kill)', '.polytope-sweeps')
    .option('--threads <n>', "worker threads: 'auto' (one per core) or a number", 'auto')
    .option('--queue <url>', 'enqueue the shards on BullMQ at redis://host:port and wait for `polytope worker`s to finish them')
    .option('--out <file>', 'write the merged result (JSON) here instead of stdout')
    .option('--quiet', 'print nothing but errors')
    .action(async (name: string, opts: SweepCliOptions) => {
      if (name === 'status') return sweepStatusCommand(opts);
      const options = sweepOptions(opts);
      if (opts.queue !== undefined) return queuedSweep(name, options, opts);
      const threads = parseThreads(opts.threads);
      const merged = await runSweepCli({ name, options, store: opts.store, threads, quiet: opts.quiet === true });
      emit(merged, opts.out);
    });
  program
    .command('worker')
    .description('take sweep shards off a BullMQ queue and run them (on any number of machines) until stopped with Ctrl-C')
    .requiredOption('--queue <url>', 'redis://host:port')
    .option('--threads <n>', "shards at once (one thread each): 'auto' (one per core) or a number", 'auto')
    .option('--quiet', 'print nothing but errors')
    .action(workerCommand);
}

/** Enqueues the shards, waits for workers to finish them, merges from Redis. */
async function queuedSweep(name: string, options: unknown, opts: SweepCliOptions): Promise<void> {
  parseQueueUrl(opts.queue!);
  const def = await loadSweep(lookupSweep(SWEEPS, name));
  const redis = await connectChecked(opts.queue!);
  const progress = startProgress(name, opts.quiet === true, 'shards');
  try {
    const run = await enqueueSweep({ redis, def, options });
    if (!opts.quiet)
      process.stderr.write(
        `sweep ${name}: run ${run.id}, ${run.total} shards (${run.reused} already done, ${run.queued} queued) on ${opts.queue}\n`,
      );
    const status = await waitForRun(redis, run.id, {
      signal: progress.signal,
      onStatus: (s) =>
        progress.update(
          s.total > 0 ? (s.done + s.dead.length) / s.total : 1,
          s.done,
          `of ${s.total}${s.dead.length > 0 ? ` · ${s.dead.length} failed` : ''}`,
        ),
    });
    progress.stop();
    if (status.dead.length > 0) {
      const d = status.dead[0]!;
      throw new PolytopeError(
        'solver-failed',
        `sweep ${name}: ${status.dead.length} of ${status.total} shards failed after retries (first: ${d.error}); see 'polytope sweep status --queue ${opts.queue}'`,
      );
    }
    emit(await mergeRun(redis, def, options), opts.out);
  } finally {
    progress.stop();
    redis.disconnect();
  }
}

/** One run's line: `ab12… reproduce-annulus  720/720 done · 0 failed`. */
function statusLine(s: RunStatus): string {
  const pct = s.total > 0 ? ((100 * s.done) / s.total).toFixed(1) : '100.0';
  return `${s.id}  ${s.name} v${s.version}  ${s.done}/${s.total} done (${pct}%) · ${s.dead.length} failed  options ${JSON.stringify(s.options)}`;
}

async function sweepStatusCommand(opts: SweepCliOptions): Promise<void> {
  if (opts.queue === undefined) return storeStatus(opts);
  parseQueueUrl(opts.queue);
  const redis = await connectChecked(opts.queue);
  try {
    const { runs, queue } = await sweepStatus(redis);
    const lines = runs.map(statusLine);
    for (const r of runs)
      for (const d of r.dead)
        lines.push(`  failed ${d.key.slice(0, 12)} after ${d.attempts} attempts: ${d.error}  params ${JSON.stringify(d.params)}`);
    lines.push(
      `queue: ${queue.waiting ?? 0} waiting, ${queue.active ?? 0} running, ${(queue.delayed ?? 0) + (queue.prioritized ?? 0)} delayed (retries)`,
    );
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    redis.disconnect();
  }
}

/** `sweep status --set … NAME`-less form for the embedded store: needs `--options`/`--set` and a name via `--set sweep=NAME`. */
async function storeStatus(opts: SweepCliOptions): Promise<void> {
  const options = sweepOptions(opts);
  const name = options.sweep;
  if (typeof name !== 'string')
    throw new CliError("sweep status: give --queue redis://…, or the embedded store's sweep as --set sweep=NAME with its options");
  delete options.sweep;
  const def = await loadSweep(lookupSweep(SWEEPS, name));
  const shards = planSweep(def, options);
  const store = new DirStore(opts.store, name);
  let done = 0;
  for (const s of shards) if ((await store.get(s.key)) !== undefined) done++;
  const failed = await store.failures(shards.map((s) => s.key));
  const lines = [`${name} v${def.version}  ${done}/${shards.length} done · ${failed.length} failed  store ${opts.store}`];
  for (const f of failed) lines.push(`  failed ${f.key.slice(0, 12)}: ${f.error}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function workerCommand(opts: { queue: string; threads: string; quiet?: boolean }): Promise<void> {
  parseQueueUrl(opts.queue);
  const threads = parseThreads(opts.threads);
  const signal = session().signal;
  let ok = 0;
  let failed = 0;
  const worker = await startWorker({
    url: opts.queue,
    registry: SWEEPS,
    threads,
    onShard: (e) => {
      if (e.ok) ok++;
      else failed++;
      if (!opts.quiet && !e.ok) process.stderr.write(`worker: ${e.name} shard ${e.key.slice(0, 12)} failed: ${e.error}\n`);
    },
  });
  if (!opts.quiet)
    process.stderr.write(
      `worker: ${threads} thread${threads === 1 ? '' : 's'} on ${opts.queue}; Ctrl-C stops (shards in flight are re-delivered)\n`,
    );
  const progress = startProgress('worker', opts.quiet === true, 'shards');
  const tick = setInterval(() => progress.update(NaN, ok, failed > 0 ? `${failed} failed attempts` : undefined), 1000);
  try {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(tick);
    progress.stop();
    await worker.close(true);
  }
  signal.throwIfAborted();
}
