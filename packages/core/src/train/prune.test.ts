import { describe, expect, it } from 'vitest';
import { PolytopeError } from '../errors.js';
import { readNetworkJson, writeNetworkJson } from '../io/network-json.js';
import { writeOnnx } from '../io/onnx-export.js';
import { readOnnx } from '../io/onnx.js';
import { forward } from '../network/forward.js';
import type { Conv2dNode, DenseNode } from '../network/ir.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { seededRandom } from '../random.js';
import { architectureLayers } from './architectures.js';
import { TrainableNetwork } from './model.js';
import { bestChannelRemoval, magnitudeMask, removeConvChannel } from './prune.js';

// Seed §3.4.5 network ([conv → relu → maxpool] × 3 → flatten → dense), 3 channels, 22×22 input.
const shape = [1, 22, 22];
const original = (): Network =>
  new TrainableNetwork(shape, architectureLayers('complex-cnn', shape, 4, { channels: 3 }), {
    random: seededRandom(5),
    dtype: 'float64',
  }).toNetwork();

/**
 * Independent reference: the original network with channel c's activation removed at its consumer,
 * done by zeroing the consumer's weights that read channel c (its filter stays, biases stay).
 */
function zeroedAtConsumer(net: Network, convIndex: number, c: number): Network {
  const specs = net.nodes.slice(1).map((n) => {
    const rest: Record<string, unknown> = { ...n, ...('weight' in n ? { weight: Float64Array.from(n.weight) } : {}) };
    delete rest['shape'];
    return rest as unknown as NodeSpec;
  });
  for (let i = convIndex + 1; i < net.nodes.length; i++) {
    const n = net.nodes[i]!;
    if (n.type === 'conv2d') {
      const w = (specs[i - 1] as Conv2dNode).weight;
      const k = 9;
      for (let o = 0; o < n.outChannels; o++) for (let j = 0; j < k; j++) w[(o * n.inChannels + c) * k + j] = 0;
      break;
    }
    if (n.type === 'dense') {
      const [ch, h, wd] = net.nodes[i - 2]!.shape as [number, number, number];
      const block = h * wd;
      const w = (specs[i - 1] as DenseNode).weight;
      for (let o = 0; o < n.outFeatures; o++) for (let j = 0; j < block; j++) w[o * ch * block + c * block + j] = 0;
      break;
    }
  }
  return buildNetwork(shape, specs);
}

describe('removeConvChannel', () => {
  const random = seededRandom(9);
  const xs = Array.from({ length: 4 }, () => Float64Array.from({ length: 22 * 22 }, () => random() * 2 - 1));
  const convs = original()
    .nodes.map((n, i) => (n.type === 'conv2d' ? i : -1))
    .filter((i) => i >= 0);

  it('the seed network has three convs', () => expect(convs.length).toBe(3));

  for (const [layer, c] of [
    [0, 0],
    [0, 2],
    [1, 1],
    [2, 0],
    [2, 2],
  ] as const) {
    it(`conv ${layer} channel ${c}: smaller network = original with the activation removed at the consumer`, () => {
      const net = original();
      const k = convs[layer]!;
      const small = removeConvChannel(net, k, c);
      const conv = small.nodes[k] as Conv2dNode;
      expect(conv.outChannels).toBe(2);
      expect(small.numParameters).toBeLessThan(net.numParameters);
      const ref = zeroedAtConsumer(net, k, c);
      const changed = xs.some((x) => forward(ref, x).some((v, j) => v !== forward(net, x)[j]));
      expect(changed).toBe(true); // the removal matters, so the comparison below can fail
      for (const x of xs) {
        const a = forward(small, x);
        const b = forward(ref, x);
        for (let j = 0; j < 4; j++) expect(a[j]).toBeCloseTo(b[j]!, 12);
      }
    });
  }

  it('the smaller network round-trips through network JSON and ONNX with the same outputs', () => {
    const small = removeConvChannel(removeConvChannel(original(), convs[0]!, 1), convs[2]!, 0);
    const viaJson = readNetworkJson(JSON.parse(JSON.stringify(writeNetworkJson(small))));
    const viaOnnx = readOnnx(writeOnnx(small));
    for (const x of xs) {
      const a = forward(small, x);
      expect(Array.from(forward(viaJson, x))).toEqual(Array.from(a));
      const b = forward(viaOnnx, x);
      for (let j = 0; j < 4; j++) expect(b[j]).toBeCloseTo(a[j]!, 5);
    }
  });

  it('removes down to one channel and rejects bad requests', () => {
    let net = original();
    net = removeConvChannel(net, convs[1]!, 0);
    net = removeConvChannel(net, convs[1]!, 0);
    expect((net.nodes[convs[1]!] as Conv2dNode).outChannels).toBe(1);
    expect(() => removeConvChannel(net, convs[1]!, 0)).toThrow(/last channel/);
    expect(() => removeConvChannel(net, 2, 0)).toThrow(PolytopeError);
    expect(() => removeConvChannel(net, convs[0]!, 3)).toThrow(/out of range/);
  });
});

describe('magnitudeMask', () => {
  it('prunes the globally smallest |w| across tensors (hand case)', () => {
    const m = magnitudeMask([Float64Array.of(0.1, -2, 0.5), Float64Array.of(-0.05, 3)], 0.4);
    expect(m.map((a) => Array.from(a))).toEqual([
      [0, 1, 1],
      [0, 1],
    ]);
    expect(magnitudeMask([Float64Array.of(1, 2)], 0).map((a) => Array.from(a))).toEqual([[1, 1]]);
    expect(() => magnitudeMask([Float64Array.of(1)], 1.5)).toThrow(PolytopeError);
  });
});

describe('bestChannelRemoval', () => {
  it('returns the lowest softmax-CE removal, checked against losses computed by hand with forward()', () => {
    const net = original();
    const random = seededRandom(4);
    const size = 6;
    const x = Float64Array.from({ length: size * 22 * 22 }, () => random() * 2 - 1);
    const y = Float32Array.from({ length: size }, (_, i) => i % 4);
    const data = {
      name: 'noise',
      task: 'multiclass' as const,
      inputShape: shape,
      inputSize: 484,
      targetSize: 1,
      numClasses: 4,
      size,
      x,
      y,
    };
    const { best, candidates } = bestChannelRemoval(net, data, 'softmax-ce');
    expect(candidates.length).toBe(9);
    const handLoss = (n: Network): number => {
      let total = 0;
      for (let s = 0; s < size; s++) {
        const z = Array.from(forward(n, x.subarray(s * 484, (s + 1) * 484)));
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
        total += lse - z[y[s]!]!;
      }
      return total / size;
    };
    const losses = candidates.map((c) => handLoss(removeConvChannel(net, c.convIndex, c.channel)));
    candidates.forEach((c, k) => expect(c.evaluation.loss).toBeCloseTo(losses[k]!, 9));
    expect(handLoss(removeConvChannel(net, best.convIndex, best.channel))).toBe(Math.min(...losses));
  });
});
