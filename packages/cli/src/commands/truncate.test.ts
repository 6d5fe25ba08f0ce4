import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildNetwork, networkToJsonString, randomMlp } from '@polytope-lens/core';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-truncate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(['node', 'polytope', ...args]), err };
  } finally {
    e.mockRestore();
  }
}

// Dissertation XOR net: f(x) = [1, −2]·ReLU([[1,1],[1,1]]x + [1, 0]) − 1.
const xor = buildNetwork(
  [2],
  [
    { type: 'dense', inputs: [0], inFeatures: 2, outFeatures: 2, weight: new Float64Array([1, 1, 1, 1]), bias: new Float64Array([1, 0]) },
    { type: 'relu', inputs: [1] },
    { type: 'dense', inputs: [2], inFeatures: 2, outFeatures: 1, weight: new Float64Array([1, -2]), bias: new Float64Array([-1]) },
  ],
);

describe('truncate, tropical, construct, lens', () => {
  it('truncate writes x_tau, x and the identity error per layer', async () => {
    const model = join(dir, 'm.json');
    writeFileSync(model, networkToJsonString(randomMlp([4, 3, 2, 1], { seed: 3 })));
    const out = join(dir, 't.json');
    expect((await run('truncate', model, '--at', '0.1,0.2,-0.3,0.4', '--json', out, '--quiet')).code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      hypothesis_holds: boolean;
      layers: { x_tau: number[]; x: number[]; identity_error: number }[];
    };
    expect(j.hypothesis_holds).toBe(true);
    expect(j.layers).toHaveLength(3);
    expect(j.layers[0]!.x_tau).toHaveLength(4);
    for (const l of j.layers) expect(l.identity_error).toBeLessThan(1e-12);
  });

  it('tropical prints the XOR net as F − G', async () => {
    const model = join(dir, 'xor.json');
    writeFileSync(model, networkToJsonString(xor));
    const out = join(dir, 'trop.json');
    expect((await run('tropical', model, '--json', out, '--quiet', '--check', '100')).code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8')) as {
      outputs: { F: string; G: string; F_pieces: number }[];
      check: { max_error: number };
    };
    expect(j.outputs[0]!.F).toBe('max(x1 + x2, -1)');
    expect(j.outputs[0]!.G).toBe('max(2*x1 + 2*x2, 0)');
    expect(j.check.max_error).toBeLessThan(1e-12);
  });

  it('construct sls reaches zero loss and lens norms runs', async () => {
    const out = join(dir, 'sls.json');
    const r = await run('construct', 'sls', '--data', 'blobs3', '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/accuracy 100\.00%/);
    const inputs = join(dir, 'x.json');
    writeFileSync(
      inputs,
      JSON.stringify([
        [0, 0],
        [4, 0.1],
        [0.2, 4],
      ]),
    );
    expect((await run('lens', 'norms', out, '--inputs', inputs, '--json', join(dir, 'n.json'), '--no-figure', '--quiet')).code).toBe(0);
  });
});
