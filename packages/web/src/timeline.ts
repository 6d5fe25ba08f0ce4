/**
 * The training timeline: the snapshots the trainer keeps (network JSON text, step, loss), bounded
 * in count and bytes. The trainer keeps every k-th step (`keepEvery`, so that a run gives at most
 * `TIMELINE_CAPACITY` snapshots) and the last; if more arrive than fit (a run whose step count was
 * not known, or networks too large for the byte budget), every other kept snapshot is dropped and
 * from then on only every other arrival is kept, so the kept ones stay evenly spaced in steps. The
 * last snapshot (the trained network) is always kept.
 */

/** At most this many snapshots are kept. */
export const TIMELINE_CAPACITY = 48;
/** At most this many bytes of network JSON are kept (about 64 MB of UTF-16 text). */
const TIMELINE_BYTES = 32 * 1024 * 1024;

export interface Snapshot {
  readonly step: number;
  readonly loss: number;
  /** The network as network JSON text. */
  readonly net: string;
}

/** The stride k (≥ 1) such that steps 0, k, 2k, … up to `totalSteps`, plus the last, are at most `capacity` snapshots. */
export function keepEvery(totalSteps: number, capacity = TIMELINE_CAPACITY): number {
  if (!(totalSteps > 0)) return 1;
  return Math.max(1, Math.ceil(totalSteps / Math.max(1, capacity - 2)));
}

/** The kept snapshots of one run, oldest first. */
export class Timeline {
  private kept: Snapshot[] = [];
  private bytes = 0;
  /** Keep one arrival in `stride` (doubled at each thinning); `arrivals` counts the arrivals so far. */
  private stride = 1;
  private arrivals = 0;
  /** Whether the last kept snapshot is the final one (a later arrival replaces nothing then). */
  private closed = false;

  constructor(
    readonly capacity = TIMELINE_CAPACITY,
    readonly maxBytes = TIMELINE_BYTES,
  ) {}

  get snapshots(): readonly Snapshot[] {
    return this.kept;
  }

  get size(): number {
    return this.kept.length;
  }

  /** Adds a kept snapshot from the trainer; `final` marks the trained network, which is always kept. */
  add(s: Snapshot, final: boolean): void {
    if (this.closed) return;
    const last = this.kept[this.kept.length - 1];
    if (last && last.step === s.step) {
      // The final snapshot repeats the step of the last kept one: keep the newer (same weights).
      this.drop(this.kept.length - 1);
    } else if (!final && this.arrivals++ % this.stride !== 0) return;
    this.kept.push(s);
    this.bytes += s.net.length * 2;
    this.closed = final;
    while (this.kept.length > 2 && (this.kept.length > this.capacity || this.bytes > this.maxBytes)) this.thin();
  }

  /** Drops every other snapshot (keeping the first and the final one) and halves the rate of later arrivals. */
  private thin(): void {
    const last = this.kept.length - 1;
    // Even positions are the arrivals ≡ 0 mod 2·stride; the final snapshot stays wherever it is.
    const next = this.kept.filter((_, i) => i % 2 === 0 || (i === last && this.closed));
    const dropped = this.kept.filter((s) => !next.includes(s));
    for (const s of dropped) this.bytes -= s.net.length * 2;
    this.kept = next;
    this.stride *= 2;
  }

  private drop(i: number): void {
    this.bytes -= this.kept[i]!.net.length * 2;
    this.kept.splice(i, 1);
  }
}
