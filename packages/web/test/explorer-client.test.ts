/**
 * The explorer's job client (explorer-client.ts) with a stand-in Worker class: the model is sent
 * once per worker; a job started while one runs terminates the busy worker and starts a fresh one,
 * which is sent the model again; answers from a terminated worker, or with an older id, are dropped;
 * progress does not end a job.
 */
import { describe, expect, it } from 'vitest';
import { ExplorerJobs } from '../src/explorer-client.js';
import type { FromExplorer } from '../src/explorer-protocol.js';

class FakeWorker {
  static made: FakeWorker[] = [];
  sent: { type: string; id?: number }[] = [];
  terminated = false;
  onmessage: ((e: { data: FromExplorer }) => void) | null = null;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(m: { type: string; id?: number }): void {
    this.sent.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(m: FromExplorer): void {
    this.onmessage?.({ data: m });
  }
}

const jacobian = (id: number): FromExplorer => ({ type: 'jacobian', id, outputs: 1, images: new Uint8ClampedArray(4) });
const job = { type: 'jacobian' as const, x: new Float64Array(4), shape: { channels: 1 as const, height: 2, width: 2 } };

describe('ExplorerJobs', () => {
  it('sends the model once, supersedes a running job and drops stale answers', () => {
    const got: FromExplorer[] = [];
    const jobs = new ExplorerJobs(
      () => new FakeWorker(),
      (m) => got.push(m),
    );
    const model = '{"net": 1}';
    const first = jobs.run(model, job);
    const w1 = FakeWorker.made[0]!;
    expect(w1.sent.map((m) => m.type)).toEqual(['model', 'jacobian']);
    // Progress leaves the job running; its answer ends it; the next job reuses the worker without the model.
    w1.answer({ type: 'progress', id: first, fraction: 0.5, pieces: 3 });
    w1.answer(jacobian(first));
    const second = jobs.run(model, job);
    expect(FakeWorker.made).toHaveLength(1);
    expect(w1.sent.map((m) => m.type)).toEqual(['model', 'jacobian', 'jacobian']);
    // A third job while the second runs: the busy worker is terminated, a fresh one gets the model and the job.
    const third = jobs.run(model, job);
    expect(w1.terminated).toBe(true);
    const w2 = FakeWorker.made[1]!;
    expect(w2.sent.map((m) => [m.type, m.id])).toEqual([
      ['model', undefined],
      ['jacobian', third],
    ]);
    // The terminated worker's late answer and an older id are dropped; the newest is delivered.
    w1.answer(jacobian(second));
    w2.answer(jacobian(second));
    w2.answer(jacobian(third));
    expect(got.map((m) => [m.type, m.id])).toEqual([
      ['progress', first],
      ['jacobian', first],
      ['jacobian', third],
    ]);
    // Another model on an idle worker: sent before the job.
    jobs.run(new Uint8Array([1, 2]), job);
    expect(w2.sent.map((m) => m.type)).toEqual(['model', 'jacobian', 'model', 'jacobian']);
    jobs.close();
    expect(w2.terminated).toBe(true);
  });
});
