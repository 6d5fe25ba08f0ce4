import { describe, expect, it } from 'vitest';
import { AbortError, PolytopeError } from '../errors.js';
import { readNetworkJson, writeNetworkJson } from '../io/network-json.js';
import { forward } from '../network/forward.js';
import type { Network } from '../network/network.js';
import { seededRandom } from '../random.js';
import { architectureLayers } from './architectures.js';
import type { Dataset } from './datasets.js';
import { TrainableNetwork } from './model.js';
import { prunableWeightIndices, pruneNetwork } from './prune-run.js';
import type { PruneRunOptions } from './prune-run.js';
import { train } from './trainer.js';

// The seed's §3.4.5 network ([conv 3×3 → relu → maxpool 2] × 3 → dense), 3 channels on 22×22 inputs.
const shape = [1, 22, 22];
const plane = 22 * 22;

/** Raw pixels in [0, 1]: class c has a bright c-th vertical band plus noise (learnable, not trivial). */
function rawData(size: number, seed: number): { raw: Float64Array; labels: Float32Array } {
  const random = seededRandom(seed);
  const raw = new Float64Array(size * plane);
  const labels = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let p = 0; p < plane; p++) {
      const col = p % 22;
      raw[i * plane + p] = 0.6 * random() + (Math.floor(col / 8) === c ? 0.4 : 0);
    }
  }
  return { raw, labels };
}

// The network trains on 2·raw − 1; the saved networks carry that transform and read raw pixels.
const transform = { scale: [2], shift: [-1] };
function dataset(name: string, size: number, seed: number): { data: Dataset; raw: Float64Array } {
  const { raw, labels } = rawData(size, seed);
  const x = raw.map((v) => 2 * v - 1);
  return {
    raw,
    data: { name, task: 'multiclass', inputShape: shape, inputSize: plane, targetSize: 1, numClasses: 3, size, x, y: labels },
  };
}

const trainSet = dataset('bands', 60, 1);
const selectSet = dataset('bands-select', 24, 2);
const testSet = dataset('bands-test', 30, 3);
const sgd = { type: 'sgd' as const, lr: 0.02, momentum: 0.9, weightDecay: 1e-4 };

async function trained(): Promise<TrainableNetwork> {
  const net = new TrainableNetwork(shape, architectureLayers('complex-cnn', shape, 3, { channels: 3 }), {
    random: seededRandom(5),
    dtype: 'float64',
  });
  await train(net, trainSet.data, {
    loss: 'softmax-ce',
    optimizer: { type: 'adam', lr: 0.01 },
    epochs: 8,
    batchSize: 10,
    random: seededRandom(9),
  });
  return net;
}

const options = (over: Partial<PruneRunOptions> = {}): PruneRunOptions => ({
  loss: 'softmax-ce',
  optimizer: sgd,
  batchSize: 10,
  fineTuneEpochs: 1,
  seed: 0,
  fractions: [0.5, 0.1],
  structural: true,
  stopBelow: 0,
  maxSteps: 4,
  trainData: trainSet.data,
  selectData: selectSet.data,
  testData: testSet.data,
  inputTransform: transform,
  dtype: 'float64',
  ...over,
});

/** Independent accuracy: float64 forward() of the network (read back from JSON) on the raw test pixels. */
function forwardAccuracy(net: Network): number {
  const back = readNetworkJson(writeNetworkJson(net));
  let ok = 0;
  for (let i = 0; i < testSet.data.size; i++) {
    const out = forward(back, testSet.raw.subarray(i * plane, (i + 1) * plane));
    let best = 0;
    for (let j = 1; j < out.length; j++) if (out[j]! > out[best]!) best = j;
    if (best === testSet.data.y[i]) ok++;
  }
  return ok / testSet.data.size;
}

const weightsOf = (net: Network) => {
  const t = TrainableNetwork.fromNetwork(net, { dtype: 'float64' }).network;
  return prunableWeightIndices(t).map((k) => t.params[k]!);
};

describe('pruneNetwork (§3.4.5 driver)', () => {
  it('structural steps remove one channel each; recorded accuracies equal forward() of the saved networks', async () => {
    const net = await trained();
    const steps = await pruneNetwork(net, options({ fractions: [] }));
    expect(steps.map((s) => s.method)).toEqual(['original', 'structural', 'structural', 'structural', 'structural']);
    expect(steps[0]!.channels).toEqual([3, 3, 3]);
    for (let k = 1; k < steps.length; k++) {
      const prev = steps[k - 1]!.channels;
      const now = steps[k]!.channels;
      expect(now.reduce((a, b) => a + b)).toBe(prev.reduce((a, b) => a + b) - 1);
      const { layer } = steps[k]!.removed!;
      expect(now[layer]).toBe(prev[layer]! - 1);
      // The saved network's conv layers really have these channel counts.
      expect(steps[k]!.network.nodes.filter((n) => n.type === 'conv2d').map((n) => (n.type === 'conv2d' ? n.outChannels : 0))).toEqual(now);
      // Candidates: every channel of every conv layer with more than one channel.
      expect(steps[k]!.removed!.candidates).toBe(prev.filter((c) => c > 1).reduce((a, b) => a + b, 0));
    }
    const accs = steps.map((s) => forwardAccuracy(s.network));
    expect(steps.map((s) => s.testAccuracy)).toEqual(accs);
    // Not a constant: the trained original classifies better than chance.
    expect(accs[0]).toBeGreaterThan(0.5);
  });

  it('magnitude pruning at fraction f leaves exactly round(f·N) non-zero conv/dense weights, and pruning is real', async () => {
    const net = await trained();
    const fractions = [0.5, 0.3, 0.07];
    const steps = await pruneNetwork(net, options({ fractions, structural: false }));
    const n = weightsOf(steps[0]!.network).reduce((a, w) => a + w.length, 0);
    expect(n).toBe(3 * 9 + 2 * 3 * 3 * 9 + 3 * 3);
    fractions.forEach((f, i) => {
      const s = steps[i + 1]!;
      const nonZero = weightsOf(s.network).reduce((a, w) => a + w.filter((v) => v !== 0).length, 0);
      expect(nonZero).toBe(Math.round(f * n));
      expect(s.weights).toBe(nonZero);
      expect(s.weightFraction).toBeCloseTo(Math.round(f * n) / n, 12);
      expect(s.testAccuracy).toBe(forwardAccuracy(s.network));
    });
  });

  it('stops when the select accuracy falls below the threshold, and on cancellation', async () => {
    const net = await trained();
    const steps = await pruneNetwork(net, options({ fractions: [], stopBelow: 1.01, maxSteps: 5 }));
    expect(steps.length).toBe(2);
    const controller = new AbortController();
    controller.abort();
    await expect(pruneNetwork(net, options({ fractions: [], signal: controller.signal }))).rejects.toBeInstanceOf(AbortError);
    await expect(pruneNetwork(net, options({ fractions: [1.5] }))).rejects.toBeInstanceOf(PolytopeError);
  });

  it('a run stopped after any step and resumed with its steps records exactly the networks of a run never stopped', async () => {
    const net = await trained();
    const o = options({ fractions: [0.5, 0.2], maxSteps: 3 });
    const whole = await pruneNetwork(net, o);
    expect(whole.map((s) => `${s.method}${s.step}`)).toEqual([
      'original0',
      'magnitude1',
      'magnitude2',
      'structural1',
      'structural2',
      'structural3',
    ]);
    const params = (n: Network) => JSON.stringify(writeNetworkJson(n));
    // Stop after k recorded steps (as Ctrl-C would), then resume from the first k.
    for (const k of [1, 2, 4]) {
      const controller = new AbortController();
      const seen: number[] = [];
      const first = await pruneNetwork(net, {
        ...o,
        signal: controller.signal,
        onStep: (s) => {
          seen.push(s.step);
          if (seen.length === k) controller.abort();
        },
      }).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(AbortError);
      const resumedNew: string[] = [];
      const resumed = await pruneNetwork(net, {
        ...o,
        done: whole.slice(0, k),
        onStep: (s) => void resumedNew.push(`${s.method}${s.step}`),
      });
      // onStep only for the new steps; the earlier ones come back as given.
      expect(resumedNew).toEqual(whole.slice(k).map((s) => `${s.method}${s.step}`));
      expect(resumed.slice(0, k)).toEqual(whole.slice(0, k));
      expect(resumed.map((s) => params(s.network))).toEqual(whole.map((s) => params(s.network)));
      expect(resumed.map((s) => [s.testAccuracy, s.selectAccuracy, s.removed?.channel])).toEqual(
        whole.map((s) => [s.testAccuracy, s.selectAccuracy, s.removed?.channel]),
      );
    }
    // A longer --max-steps continues a finished run; steps that do not fit are refused.
    const longer = await pruneNetwork(net, { ...o, maxSteps: 4, done: whole });
    expect(longer.length).toBe(whole.length + 1);
    expect(longer.at(-1)!.step).toBe(4);
    await expect(pruneNetwork(net, { ...o, fractions: [0.5, 0.3], done: whole })).rejects.toThrow(/magnitude step 2 is not fraction 0.3/);
    await expect(pruneNetwork(net, { ...o, done: whole.slice(1) })).rejects.toThrow(/not the original/);
    await expect(pruneNetwork(net, { ...o, done: [whole[0]!, whole[1]!, whole[2]!, whole[4]!] })).rejects.toThrow(/structural step 2/);
  });
});
