/**
 * Training worker: builds the dataset and the network exactly as `polytope train` does for the
 * same options (seed streams s·4+1 data, s·4+3 initialization, s·4+4 shuffles), trains with the
 * core's `train`, and posts the network (JSON) at most every POST_MS and at the end. Every k-th
 * step (`keepEvery`: at most TIMELINE_CAPACITY over the run) and the last are posted too, marked
 * `keep`, for the timeline.
 */
import {
  AbortError,
  TrainableNetwork,
  architectureLayers,
  networkToJsonString,
  readNetworkJson,
  seededRandom,
  toyDataset,
  train,
  writeNetworkJson,
} from '@polytope-lens/core';
import type { Dataset, OptimizerOptions } from '@polytope-lens/core';
import type { FromTrainer, ToTrainer, TrainConfig } from './protocol.js';
import { keepEvery } from './timeline.js';

const POST_MS = 40;
const ctx = self as unknown as { postMessage(m: FromTrainer): void; onmessage: ((e: MessageEvent) => void) | null };

interface Run {
  readonly controller: AbortController;
  /** Paused by the user. */
  paused: boolean;
  /** Held by the engine while the map is behind (see ToTrainer). */
  held: boolean;
  resume: (() => void) | undefined;
}
const runs: { current: Run | undefined } = { current: undefined };

function dataset(c: TrainConfig): Dataset {
  if (c.dataset === 'csv') {
    if (!c.csv) throw new Error('no CSV data loaded');
    const { dim, x, labels } = c.csv;
    return {
      name: 'csv',
      task: 'binary',
      inputShape: [dim],
      inputSize: dim,
      targetSize: 1,
      numClasses: 2,
      size: labels.length,
      x,
      y: labels,
    };
  }
  // 'hypersphere' is the CLI's 3-D set (sphere r ≤ 0.5 vs shell 0.87 ≤ r ≤ 1.22, `toyDataset` dim 3).
  return toyDataset(c.dataset, { random: seededRandom(c.seed * 4 + 1), n: c.samples, noise: c.noise });
}

/** The data drawn on the map: the first two coordinates of each sample (the map's plane is x0, x1 through 0). */
function mapPoints(data: Dataset): Float64Array {
  const d = data.inputSize;
  if (d === 2) return Float64Array.from(data.x);
  const out = new Float64Array(2 * data.size);
  for (let i = 0; i < data.size; i++) {
    out[2 * i] = data.x[i * d]!;
    out[2 * i + 1] = data.x[i * d + 1]!;
  }
  return out;
}

function network(c: TrainConfig, inputs: number): TrainableNetwork {
  const arch = [String(inputs), ...c.widths.map(String), '1'].join('-');
  const layers = architectureLayers(arch, [inputs], 1, { leak: c.activation === 'leaky' ? c.leak : 0 });
  const net = new TrainableNetwork([inputs], layers, { init: 'pytorch', random: seededRandom(c.seed * 4 + 3) });
  if (c.activation !== 'hard-tanh') return net;
  // Same initialization, hard-tanh (clamp to [−1, 1]) in place of every ReLU.
  const doc = writeNetworkJson(net.toNetwork()) as { layers: { type: string }[] };
  doc.layers = doc.layers.map((l) => (l.type === 'relu' ? { ...l, type: 'hardtanh', min: -1, max: 1 } : l));
  return TrainableNetwork.fromNetwork(readNetworkJson(doc)).network;
}

function optimizer(c: TrainConfig): OptimizerOptions {
  if (c.optimizer === 'sgd') return { type: 'sgd', lr: c.lr, momentum: 0, weightDecay: 0 };
  return { type: c.optimizer, lr: c.lr, weightDecay: c.optimizer === 'adamw' ? 0.01 : 0 };
}

async function start(c: TrainConfig): Promise<void> {
  runs.current?.controller.abort();
  const run: Run = { controller: new AbortController(), paused: false, held: false, resume: undefined };
  runs.current = run;
  const data = dataset(c);
  ctx.postMessage({ type: 'data', x: mapPoints(data), labels: Float32Array.from(data.y) });
  const net = network(c, data.inputSize);
  const every = keepEvery(c.epochs * Math.ceil(data.size / c.batch));
  let lastPost = -Infinity;
  let lastStep = -1;
  const result = await train(net, data, {
    loss: 'bce',
    optimizer: optimizer(c),
    epochs: c.epochs,
    batchSize: c.batch,
    random: seededRandom(c.seed * 4 + 4),
    snapshotEvery: 1,
    evaluateSnapshots: false,
    signal: run.controller.signal,
    yieldEveryMs: 20,
    onSnapshot: async (s) => {
      const now = performance.now();
      const keep = s.step % every === 0;
      if ((keep || now - lastPost >= POST_MS) && s.step !== lastStep) {
        lastPost = now;
        lastStep = s.step;
        ctx.postMessage({
          type: 'snapshot',
          step: s.step,
          epoch: s.epoch,
          loss: s.loss,
          net: networkToJsonString(s.toNetwork(), 0),
          final: false,
          keep,
        });
      }
      if (run.paused || run.held) {
        while (run.paused || run.held) await new Promise<void>((resolve) => (run.resume = resolve));
        // Train a whole interval before the next snapshot: posting at once would leave one step per map update.
        lastPost = performance.now();
      }
    },
  });
  if (runs.current === run)
    ctx.postMessage({
      type: 'snapshot',
      step: result.steps,
      epoch: c.epochs,
      loss: result.loss[result.loss.length - 1] ?? NaN,
      net: networkToJsonString(net.toNetwork(), 0),
      final: true,
      keep: true,
    });
}

ctx.onmessage = (e: MessageEvent) => {
  const msg = e.data as ToTrainer;
  const run = runs.current;
  if (msg.type === 'start') {
    start(msg.config).catch((err: unknown) => {
      if (!(err instanceof AbortError)) ctx.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    });
  } else if (msg.type === 'pause' && run) run.paused = true;
  else if (msg.type === 'hold' && run) run.held = true;
  else if ((msg.type === 'resume' || msg.type === 'go') && run) {
    if (msg.type === 'resume') run.paused = false;
    else run.held = false;
    run.resume?.();
    run.resume = undefined;
  } else if (msg.type === 'stop' && run) {
    run.controller.abort();
    run.resume?.();
  }
};
