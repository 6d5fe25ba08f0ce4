/**
 * A worker thread of `ShardPool`: loads the sweep definition named in `workerData.ref` and runs the
 * shards it is sent, one at a time, answering with the result's JSON text or the error message.
 * `workerData.flag[0]` becomes non-zero when the pool is cancelled (the shard's `signal.aborted`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSweep } from './load.js';
import type { SweepRef } from './registry.js';
import type { FromShardWorker, ToShardWorker } from './pool.js';

const { ref, flag } = workerData as { ref: SweepRef; flag: Int32Array };
const port = parentPort!;
const signal = {
  get aborted(): boolean {
    return Atomics.load(flag, 0) !== 0;
  },
};
const def = loadSweep(ref);
def.catch(() => undefined);

port.on('message', (msg: ToShardWorker) => {
  void runOne(msg);
});

async function runOne(msg: ToShardWorker): Promise<void> {
  let reply: FromShardWorker;
  try {
    const sweep = await def;
    const context = {
      signal,
      progress: (fraction: number) => port.postMessage({ type: 'progress', id: msg.id, fraction } satisfies FromShardWorker),
    };
    const result: unknown = await sweep.run(msg.params, context);
    const json = JSON.stringify(result);
    if (json === undefined) throw new Error(`shard returned ${String(result)}, not JSON`);
    reply = { type: 'done', id: msg.id, json };
  } catch (err) {
    reply = {
      type: 'error',
      id: msg.id,
      message: err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err),
    };
  }
  port.postMessage(reply);
}
