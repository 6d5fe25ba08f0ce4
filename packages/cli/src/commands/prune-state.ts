/**
 * The kept state of `polytope prune --state DIR`: the trained base network, every recorded network
 * and its record (with its similarity to the original), written after each step and kept when the
 * run is stopped, so that a rerun with the same options goes on after the last recorded step.
 *
 * `DIR/state.json` holds a fingerprint of everything that decides the results (the model file's
 * SHA-256, the data, the protocol, the seed); a rerun with other settings is refused with a
 * one-line error instead of mixing two runs. `--max-steps` and `--stop-below` are not part of it:
 * they only decide where the structural loop stops, so a finished run can be extended.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { networkToJsonString, readNetworkJson } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';
import type { PruneStep } from '@polytope-lens/core/internal';
import { CliError, writeFileKept } from '../util.js';

const FORMAT = 'polytope-lens/prune-state@1';

/** A recorded step as kept: the step without its network, the network's file and the similarity. */
interface KeptStep {
  readonly record: Omit<PruneStep, 'network'>;
  readonly file: string;
  readonly similarity: Record<string, number> | null;
}

interface StateFile {
  readonly format: string;
  readonly fingerprint: Record<string, unknown>;
  base: { file: string; seconds: number } | null;
  steps: KeptStep[];
  /** Wall and CPU seconds of the earlier sessions, up to their last recorded step. */
  seconds: number;
  cpuSeconds: number;
}

/** The SHA-256 of a file's bytes (the model's identity in the fingerprint). */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The first key whose value differs, as `key (earlier: a, now: b)`, or undefined. */
function firstDifference(before: Record<string, unknown>, now: Record<string, unknown>): string | undefined {
  for (const key of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const a = JSON.stringify(before[key] ?? null);
    const b = JSON.stringify(now[key] ?? null);
    if (a !== b) return `${key} (earlier ${a}, now ${b})`;
  }
  return undefined;
}

/** The file name of a recorded step's network (in `--models` and in the state folder). */
export function fileOf(step: Omit<PruneStep, 'network'>): string {
  if (step.method === 'original') return 'original.json';
  if (step.method === 'magnitude') return `magnitude-${String(step.targetFraction)}.json`;
  return `structural-${String(step.step).padStart(3, '0')}.json`;
}

/** A run's kept state in one folder (see the file comment). */
export class PruneState {
  private constructor(
    private readonly dir: string,
    private readonly file: StateFile,
  ) {}

  /**
   * Opens `dir`: a new folder starts an empty state (written at the first step); an existing
   * `state.json` must carry the same fingerprint, else a one-line error (exit 2).
   */
  static open(dir: string, fingerprint: Record<string, unknown>): PruneState {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError(`--state '${dir}' is not a folder`);
    const path = join(dir, 'state.json');
    if (!existsSync(path)) return new PruneState(dir, { format: FORMAT, fingerprint, base: null, steps: [], seconds: 0, cpuSeconds: 0 });
    let file: StateFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
    } catch {
      throw new CliError(`--state '${dir}': state.json is not readable JSON (delete the folder to start over)`);
    }
    if (file.format !== FORMAT) throw new CliError(`--state '${dir}' holds no prune state (format ${JSON.stringify(file.format)})`);
    const diff = firstDifference(file.fingerprint, fingerprint);
    if (diff !== undefined)
      throw new CliError(`--state '${dir}' holds a run with other settings: ${diff}; use another folder or delete it to start over`);
    return new PruneState(dir, file);
  }

  /** The base network trained by an earlier session (no MODEL given), with its training seconds. */
  base(): { network: Network; seconds: number } | undefined {
    const b = this.file.base;
    return b ? { network: this.readNetwork(b.file), seconds: b.seconds } : undefined;
  }

  saveBase(network: Network, seconds: number): void {
    writeFileKept(join(this.dir, 'base.json'), networkToJsonString(network));
    this.file.base = { file: 'base.json', seconds };
    this.save();
  }

  /** The recorded steps (networks read back) and their similarities, in order. */
  steps(): { steps: PruneStep[]; similarity: (Record<string, number> | undefined)[] } {
    return {
      steps: this.file.steps.map((k) => ({ ...k.record, network: this.readNetwork(k.file) })),
      similarity: this.file.steps.map((k) => k.similarity ?? undefined),
    };
  }

  /** Seconds (wall, CPU) of the earlier sessions. */
  get earlier(): { seconds: number; cpuSeconds: number } {
    return { seconds: this.file.seconds, cpuSeconds: this.file.cpuSeconds };
  }

  /** Keeps a newly recorded step: its network first, then the record that points to it. */
  record(step: PruneStep, similarity: Record<string, number> | undefined, time: { seconds: number; cpuSeconds: number }): void {
    const { network, ...record } = step;
    const file = fileOf(record);
    writeFileKept(join(this.dir, file), networkToJsonString(network));
    this.file.steps.push({ record, file, similarity: similarity ?? null });
    this.file.seconds = time.seconds;
    this.file.cpuSeconds = time.cpuSeconds;
    this.save();
  }

  private readNetwork(file: string): Network {
    try {
      return readNetworkJson(JSON.parse(readFileSync(join(this.dir, file), 'utf8')));
    } catch {
      throw new CliError(`--state '${this.dir}': ${file} is missing or unreadable (delete the folder to start over)`);
    }
  }

  private save(): void {
    writeFileKept(join(this.dir, 'state.json'), JSON.stringify(this.file, null, 1) + '\n');
  }
}
