/**
 * The page side of explorer-worker.ts: one worker per panel, sent the model once; a job started
 * while an older one runs supersedes it — the busy worker is terminated (a synchronous
 * `partitionLine` cannot be interrupted by a message) and a fresh one takes the model and the job —
 * and any answer whose id is not the newest is dropped.
 */
import type { FromExplorer, JobWorker, ToExplorer } from './explorer-protocol.js';

type Job = ToExplorer extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export class ExplorerJobs {
  private worker: JobWorker | undefined;
  private model: string | Uint8Array | undefined;
  private busy = false;
  private id = 0;

  /** `spawn` starts a worker running explorer-worker.ts (the page: `new Worker(new URL(…))`). */
  constructor(
    private readonly spawn: () => JobWorker,
    private readonly onAnswer: (m: FromExplorer) => void,
  ) {}

  /** Starts `job` on `model` (network JSON text or ONNX bytes); returns its id. */
  run(model: string | Uint8Array, job: Job, transfer: ArrayBuffer[] = []): number {
    if (this.busy) this.close();
    if (!this.worker) {
      const w = this.spawn();
      w.onmessage = (e) => this.answer(w, e.data);
      this.worker = w;
      this.model = undefined;
    }
    if (this.model !== model) {
      this.worker.postMessage({ type: 'model', net: model } satisfies ToExplorer);
      this.model = model;
    }
    const id = ++this.id;
    this.worker.postMessage({ ...job, id } as ToExplorer, transfer);
    this.busy = true;
    return id;
  }

  private answer(w: JobWorker, m: FromExplorer): void {
    if (w !== this.worker || m.id !== this.id) return;
    if (m.type !== 'progress') this.busy = false;
    this.onAnswer(m);
  }

  /** Stops the running job (its answer never comes) and the worker. */
  close(): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.busy = false;
  }
}
