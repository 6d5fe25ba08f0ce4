/**
 * The page side of the computation: one training worker, a pool of slicing workers and one render
 * worker. The newest network always goes to the next free slicer; each slicer sends its slice
 * straight to the render worker (a MessageChannel) and only a summary here; a result older than the
 * one shown is dropped, so the map shows the newest exact slice at the pool's pace. The trainer is
 * paced by the map: held while a snapshot waits for a busy slicer, so it runs about one snapshot
 * ahead and leaves the cores to slicing and drawing.
 */
import type { FromRenderer, FromSlicer, FromTrainer, SliceMeta, SliceRequest, ToRenderer, TrainConfig } from './protocol.js';

export interface EngineEvents {
  onData(x: Float64Array, labels: Float32Array): void;
  /** A slice is shown; `info.net` is the network sliced. */
  onSlice(s: SliceMeta, info: { net: string | Uint8Array; step: number; loss: number; final: boolean; pinned?: boolean }): void;
  onRendered(m: FromRenderer): void;
  onError(message: string): void;
  /** A snapshot the trainer marked for the timeline (network JSON text). */
  onKeep?(s: { step: number; loss: number; net: string; final: boolean }): void;
}

interface Pending {
  net: string | Uint8Array;
  step: number;
  loss: number;
  final: boolean;
  /** A timeline snapshot shown while training runs (`pin`): the map holds it; the run is not over. */
  pinned?: boolean;
  through?: SliceRequest['through'];
}

export class Engine {
  private trainer: Worker | undefined;
  private readonly slicers: { worker: Worker; busy: boolean }[] = [];
  private pending: Pending | undefined;
  /** Whether the trainer is held because a snapshot waits for a busy slicer. */
  private held = false;
  /** A training run is under way (started, its final snapshot not yet arrived). */
  private running = false;
  /** The map holds a timeline snapshot while training runs: the trainer's live snapshots are not sliced. */
  private pinned = false;
  private nextId = 1;
  private shownId = 0;
  private readonly meta = new Map<number, Pending>();
  box: [number, number, number, number] = [-1.5, 1.5, -1.5, 1.5];
  /** The newest network sent to be sliced (network JSON text or ONNX bytes), for model export. */
  lastNet: string | Uint8Array | undefined;

  private readonly renderer: Worker;

  constructor(
    private readonly events: EngineEvents,
    poolSize: number,
  ) {
    this.renderer = new Worker(new URL('./render-worker.ts', import.meta.url), { type: 'module' });
    this.renderer.onmessage = (e: MessageEvent) => events.onRendered(e.data as FromRenderer);
    for (let i = 0; i < poolSize; i++) {
      const worker = new Worker(new URL('./slice-worker.ts', import.meta.url), { type: 'module' });
      const channel = new MessageChannel();
      worker.postMessage({ type: 'port', port: channel.port1 }, [channel.port1]);
      this.render({ type: 'port', port: channel.port2 }, [channel.port2]);
      const slot = { worker, busy: false };
      worker.onmessage = (e: MessageEvent) => this.sliced(slot, e.data as FromSlicer);
      this.slicers.push(slot);
    }
  }

  private sliced(slot: { busy: boolean }, msg: FromSlicer): void {
    slot.busy = false;
    if (msg.type === 'error') this.events.onError(msg.message);
    else {
      const info = this.meta.get(msg.meta.id);
      this.meta.delete(msg.meta.id);
      if (info && msg.meta.id > this.shownId) {
        this.shownId = msg.meta.id;
        this.events.onSlice(msg.meta, info);
      }
    }
    this.pump();
  }

  private pump(): void {
    const free = this.slicers.find((s) => !s.busy);
    if (!free || !this.pending) return;
    const p = this.pending;
    this.pending = undefined;
    const id = this.nextId++;
    this.meta.set(id, p);
    free.busy = true;
    const req: SliceRequest = { id, net: p.net, box: this.box, ...(p.through ? { through: p.through } : {}) };
    free.worker.postMessage(req);
    this.pace(false);
  }

  /** Holds the trainer while a snapshot waits for a slicer, lets it go once that snapshot is taken. */
  private pace(hold: boolean): void {
    if (hold === this.held || !this.trainer) return;
    this.held = hold;
    this.trainer.postMessage({ type: hold ? 'hold' : 'go' });
  }

  /** Slices a network now (a loaded model, or a changed box). */
  slice(net: string | Uint8Array, info: Omit<Pending, 'net'> = { step: 0, loss: NaN, final: true }): void {
    this.pending = { net, ...info };
    this.lastNet = net;
    this.pump();
  }

  /** Whether a training run is under way. */
  get training(): boolean {
    return this.running;
  }

  /**
   * Shows a timeline snapshot while training runs, without stopping it: the map slices `net` and
   * holds it (the trainer's live snapshots are not sliced, so it is not paced by the map meanwhile)
   * until `unpin`, or until the run's final snapshot arrives.
   */
  pin(net: string, info: { step: number; loss: number }): void {
    this.pinned = true;
    this.pace(false);
    this.slice(net, { ...info, final: false, pinned: true });
  }

  /** Back to the live map: the trainer's next snapshot is sliced. */
  unpin(): void {
    this.pinned = false;
  }

  train(config: TrainConfig): void {
    this.stopTraining();
    const w = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
    this.trainer = w;
    this.running = true;
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as FromTrainer;
      if (w !== this.trainer) return;
      if (m.type === 'data') this.events.onData(m.x, m.labels);
      else if (m.type === 'error') this.events.onError(m.message);
      else {
        if (m.final) [this.running, this.pinned] = [false, false];
        if (!this.pinned) {
          this.slice(m.net, { step: m.step, loss: m.loss, final: m.final });
          if (this.pending) this.pace(true);
        }
        // After the slice request: keeping the final snapshot may show another one (the URL's), which must come later.
        if (m.keep) this.events.onKeep?.({ step: m.step, loss: m.loss, net: m.net, final: m.final });
      }
    };
    w.postMessage({ type: 'start', config });
  }

  /** A message to the render worker. */
  render(m: ToRenderer, transfer: Transferable[] = []): void {
    this.renderer.postMessage(m, transfer);
  }

  pause(paused: boolean): void {
    this.trainer?.postMessage({ type: paused ? 'pause' : 'resume' });
  }

  stopTraining(): void {
    this.trainer?.terminate();
    this.trainer = undefined;
    this.held = false;
    this.running = false;
    this.pinned = false;
  }

  /** Ends every worker. */
  close(): void {
    this.stopTraining();
    for (const s of this.slicers) s.worker.terminate();
    this.renderer.terminate();
  }
}
