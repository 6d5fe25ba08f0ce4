import { describe, expect, it } from 'vitest';
import { buildNetwork } from '../network/network.js';
import type { NodeSpec } from '../network/network.js';
import { mulberry32 } from '../random.js';
import { randomMlp } from '../reference/random.js';
import { enumeratePolytopes } from './enumerate.js';
import { walkRegions } from './walk.js';
import type { WalkOptions, WalkResult } from './walk.js';
import type { Network } from '../network/network.js';

/** Regions (code, depth, facets, neighbours) and edges: what must not depend on the certificates. */
function summary(w: WalkResult) {
  return {
    complete: w.complete,
    edges: w.edges,
    regions: w.regions.map((r) => ({
      code: r.code.join(','),
      depth: r.depth,
      facets: Array.from(r.facetUnits),
      neighbours: Array.from(r.neighbours),
    })),
  };
}

function point(seed: number, d: number, lo: number, hi: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: d }, () => lo + (hi - lo) * (0.25 + 0.5 * r()));
}

async function sameAsReference(net: Network, x: ArrayLike<number>, options: WalkOptions): Promise<WalkResult> {
  const fast = await walkRegions(net, x, options);
  const reference = await walkRegions(net, x, { ...options, fastPaths: false });
  expect(summary(fast)).toEqual(summary(reference));
  expect(fast.lps).toBeLessThan(reference.lps);
  return fast;
}

describe('walkRegions fast paths (certificates without LPs)', () => {
  it('a random 20-d net: same regions, facets and adjacency as the LP-only reference', async () => {
    const net = randomMlp([20, 12, 12, 1], { seed: 4 });
    const w = await sameAsReference(net, point(1, 20, -1, 1), { maxRegions: 60, domain: [-1, 1] });
    expect(w.certificates.rayFacets + w.certificates.entryFacets).toBeGreaterThan(0);
    expect(w.certificates.analyticCentres).toBe(w.regions.length);
  });

  it('a small ball (box test) and every region inside it, with hard-tanh and leaky-ReLU units', async () => {
    const w = await sameAsReference(randomMlp([20, 12, 12, 1], { seed: 4 }), point(1, 20, -1, 1), {
      maxRegions: 3000,
      domain: [-1, 1],
      radius: 0.1,
    });
    expect(w.complete).toBe(true);
    expect(w.certificates.boxRedundant).toBeGreaterThan(0);
    await sameAsReference(randomMlp([20, 10, 10, 1], { seed: 6, activation: 'hardtanh' }), point(2, 20, -1, 1), {
      maxRegions: 30,
      domain: [-1, 1],
    });
    await sameAsReference(randomMlp([20, 12, 12, 1], { seed: 7, activation: 'leaky_relu' }), point(3, 20, -1, 1), {
      maxRegions: 30,
      domain: [-1, 1],
    });
  });

  it('high-dimensional (d = 100, fewer rows than dimensions): facets from rays, almost no LP', async () => {
    const net = randomMlp([100, 40, 40, 1], { seed: 8 });
    const w = await sameAsReference(net, point(6, 100, 0, 1), { maxRegions: 4, domain: [0, 1] });
    expect(w.certificates.rayFacets).toBeGreaterThan(10 * w.lps);
    expect(w.certificates.entryFacets).toBe(w.regions.length - 1);
  });

  it('the cached H-representation matches regionAt on conv, max-pool, hard-tanh, residual and leaky nodes', async () => {
    const random = mulberry32(7);
    const arr = (n: number) => Float64Array.from({ length: n }, () => 2 * random() - 1);
    const net = buildNetwork(
      [2, 4, 4],
      [
        {
          type: 'conv2d',
          inputs: [0],
          inChannels: 2,
          outChannels: 2,
          kernel: [3, 3],
          stride: [1, 1],
          padding: [1, 1, 1, 1],
          dilation: [1, 1],
          groups: 2,
          weight: arr(2 * 1 * 9),
          bias: arr(2),
        },
        { type: 'channel_affine', inputs: [1], scale: arr(2), shift: arr(2) },
        { type: 'relu', inputs: [2] },
        {
          type: 'conv2d',
          inputs: [3],
          inChannels: 2,
          outChannels: 2,
          kernel: [3, 3],
          stride: [1, 1],
          padding: [1, 1, 1, 1],
          dilation: [1, 1],
          groups: 1,
          weight: arr(2 * 2 * 9),
          bias: arr(2),
        },
        { type: 'add', inputs: [4, 3] },
        { type: 'maxpool', inputs: [5], kernel: [2, 2], stride: [2, 2], padding: [0, 0, 0, 0], dilation: [1, 1] },
        { type: 'avgpool', inputs: [6], kernel: [2, 2], stride: [1, 1], padding: [1, 1, 1, 1], countIncludePad: false },
        { type: 'hardtanh', inputs: [7], min: -0.5, max: 0.5 },
        {
          type: 'conv2d',
          inputs: [8],
          inChannels: 2,
          outChannels: 2,
          kernel: [2, 2],
          stride: [2, 2],
          padding: [0, 0, 1, 1],
          dilation: [1, 1],
          groups: 1,
          weight: arr(2 * 2 * 4),
          bias: arr(2),
        },
        { type: 'reshape', inputs: [9], targetShape: [2, 2, 2] },
        { type: 'leaky_relu', inputs: [10], alpha: 0.2 },
        { type: 'global_avgpool', inputs: [11] },
        { type: 'dense', inputs: [12], inFeatures: 2, outFeatures: 2, weight: arr(4), bias: arr(2) },
      ],
    );
    await sameAsReference(net, point(9, 32, 0, 1), { maxRegions: 6, domain: [0, 1] });
  });

  it('3-D: exactly the enumerated facets (a hit point must lie on its hyperplane)', async () => {
    // The earlier ray shooting accepted hit points of rays whose direction had degenerated to ~0
    // (blockers spanning the space): far off the hyperplane, reported as extra facets here.
    const box = [-1, 1, -1, 1, -1, 1];
    const net = randomMlp([3, 8, 8, 1], { seed: 5 });
    const res = enumeratePolytopes(net, { box });
    const exact = new Map(
      res.regions.map((r) => [
        r.code.join(''),
        Array.from(r.facets)
          .filter((k) => k >= 6)
          .map((k) => k - 6),
      ]),
    );
    const w = await walkRegions(net, [0.1, -0.2, 0.3], { maxRegions: 10000, domain: [-1, 1] });
    expect(w.complete).toBe(true);
    expect(w.regions.length).toBe(res.regions.length);
    for (const r of w.regions) expect(Array.from(r.facetUnits).sort((a, b) => a - b)).toEqual(exact.get(r.code.join('')));
  });
});

/**
 * The network with every preactivation of dense layer l multiplied by s^l (weights × s, biases ×
 * s^l): ReLU commutes with positive scaling, so the regions are exactly the same.
 */
function rescaled(net: Network, s: number): Network {
  let layer = 0;
  const specs = net.nodes.slice(1).map((n): NodeSpec => {
    if (n.type !== 'dense') return n;
    layer++;
    return { ...n, weight: n.weight.map((w) => w * s), bias: n.bias.map((b) => b * s ** layer) };
  });
  return buildNetwork(net.nodes[0]!.shape, specs);
}

describe('walkRegions regressions', () => {
  it('walk-pivot-scale: weights ×1e-6 and ×1e6 give the same regions (the blocker pivot test was an absolute 1e-14, the facet LPs unscaled)', async () => {
    // Before: at ×1e-6 the blocker system's pivots (∝ weight²) fell under the absolute threshold and
    // HiGHS's absolute feasibility tolerance (1e-7) swamped rows of size 1e-6: different facets.
    const net = randomMlp([20, 12, 12, 1], { seed: 4 });
    const x = point(1, 20, -1, 1);
    const options: WalkOptions = { maxRegions: 60, domain: [-1, 1] };
    const base = summary(await walkRegions(net, x, options));
    const small = { ...options, maxRegions: 15 };
    const baseSmall = summary(await walkRegions(net, x, small));
    for (const s of [1e-6, 1e6]) {
      const w = await walkRegions(rescaled(net, s), x, options);
      expect(summary(w)).toEqual(base);
      expect(w.certificates.rayFacets).toBeGreaterThan(w.certificates.lpFacets);
      // The LP-only reference too (its Chebyshev centres and facet LPs get unit-norm rows).
      expect(summary(await walkRegions(rescaled(net, s), x, { ...small, fastPaths: false }))).toEqual(baseSmall);
    }
  });

  it("walk-reentrant: a walk started inside another walk's progress callback, and two walks at once, give identical results", async () => {
    const net = randomMlp([20, 12, 12, 1], { seed: 4 });
    const x = point(1, 20, -1, 1);
    const y = point(2, 20, -1, 1);
    const options: WalkOptions = { maxRegions: 15, domain: [-1, 1] };
    const alone = [summary(await walkRegions(net, x, options)), summary(await walkRegions(net, y, options))];
    let inner: Promise<WalkResult> | null = null;
    const outer = await walkRegions(net, x, {
      ...options,
      onProgress: (p) => void (p.regions === 3 && (inner = walkRegions(net, y, options))),
    });
    expect(inner).not.toBeNull();
    expect([summary(outer), summary(await inner!)]).toEqual(alone);
    const both = await Promise.all([walkRegions(net, x, options), walkRegions(net, y, options)]);
    expect(both.map(summary)).toEqual(alone);
  });

  it('tolerances are overridable: a huge radius tolerance certifies no facet', async () => {
    const net = randomMlp([20, 12, 12, 1], { seed: 4 });
    const w = await walkRegions(net, point(1, 20, -1, 1), { maxRegions: 5, domain: [-1, 1], tolerances: { radius: 1e9 } });
    expect(w.regions.length).toBe(1);
    expect(w.regions[0]!.facetUnits.length).toBe(0);
  });
});
