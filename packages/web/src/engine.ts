/**
 * The page side of the computation: one training worker and a pool of slicing workers. The newest
 * network always goes to the next free slicer; a result older than the one shown is dropped, so
 * the map shows the newest exact slice at the pool's pace. Keeps the update times for the stats.
 */
import type { FlatSlice, FromSlicer, FromTrainer, SliceRequest, TrainConfig } from './protocol.js';

export interface EngineEvents {
  onData(x: Float64Array, labels: Float32Array): void;
  onSlice(s: FlatSlice, info: { step: number; loss: number; final: boolean }): void;
  onError(message: string): void;
}

interface Pending {
  net: string | Uint8Array;
  step: number;
  loss: number;
  final: boolean;
  plane?: SliceRequest['plane'];
}

export class Engine {
  private trainer: Worker | undefined;
  private readonly slicers: { worker: Worker; busy: boolean }[] = [];
  private pending: Pending | undefined;
  private nextId = 1;
  private shownId = 0;
  private readonly meta = new Map<number, Pending>();
  box: [number, number, number, number] = [-1.5, 1.5, -1.5, 1.5];

  constructor(
    private readonly events: EngineEvents,
    poolSize: number,
  ) {
    for (let i = 0; i < poolSize; i++) {
      const worker = new Worker(new URL('./slice-worker.ts', import.meta.url), { type: 'module' });
      const slot = { worker, busy: false };
      worker.onmessage = (e: MessageEvent) => this.sliced(slot, e.data as FromSlicer);
      this.slicers.push(slot);
    }
  }

  private sliced(slot: { busy: boolean }, msg: FromSlicer): void {
    slot.busy = false;
    if (msg.type === 'error') this.events.onError(msg.message);
    else {
      const info = this.meta.get(msg.slice.id);
      this.meta.delete(msg.slice.id);
      if (info && msg.slice.id > this.shownId) {
        this.shownId = msg.slice.id;
        this.events.onSlice(msg.slice, info);
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
    const req: SliceRequest = { id, net: p.net, box: this.box, ...(p.plane ? { plane: p.plane } : {}) };
    free.worker.postMessage(req);
  }

  /** Slices a network now (a loaded model, or a changed box). */
  slice(net: string | Uint8Array, info: Omit<Pending, 'net'> = { step: 0, loss: NaN, final: true }): void {
    this.pending = { net, ...info };
    this.pump();
  }

  train(config: TrainConfig): void {
    this.stopTraining();
    const w = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
    this.trainer = w;
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as FromTrainer;
      if (w !== this.trainer) return;
      if (m.type === 'data') this.events.onData(m.x, m.labels);
      else if (m.type === 'error') this.events.onError(m.message);
      else this.slice(m.net, { step: m.step, loss: m.loss, final: m.final });
    };
    w.postMessage({ type: 'start', config });
  }

  pause(paused: boolean): void {
    this.trainer?.postMessage({ type: paused ? 'pause' : 'resume' });
  }

  stopTraining(): void {
    this.trainer?.terminate();
    this.trainer = undefined;
  }
}
