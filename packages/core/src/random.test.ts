import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { boxMuller, gaussian, mulberry32, normalSample, seededRandom, shuffleInPlace, uniformSample } from './random.js';
import { randomMlp } from './reference/random.js';
import type { DenseNode } from './network/ir.js';

// The values below were read from the code before the generators moved into random.ts (issue 10);
// they pin the streams, so seeded results everywhere stay bit-identical.
describe('random: one module, streams unchanged by the move (issue 10)', () => {
  it('mulberry32(1) and seededRandom(42) give their historical first values', () => {
    const r = mulberry32(1);
    expect([r(), r(), r()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(seededRandom(42)()).toBe(0.23955312534235418);
  });

  it('gaussian and normalSample differ only in how u is drawn; both are Box–Muller', () => {
    expect(gaussian(mulberry32(7))).toBe(2.759372987028844);
    const a = mulberry32(3);
    const u = a();
    const v = a();
    expect(gaussian(mulberry32(3))).toBe(boxMuller(u, v));
    const b = seededRandom(3);
    const u2 = 1 - b();
    const v2 = b();
    expect(normalSample(seededRandom(3))).toBe(boxMuller(u2, v2));
    expect(Math.abs(boxMuller(1, 0))).toBe(0); // √(−2 ln 1) = √(−0) = −0
  });

  it("randomMlp's default ('pytorch') network is the one it built before the init names were unified", () => {
    const net = randomMlp([2, 3, 1], { seed: 5 });
    const d = net.nodes[1] as DenseNode;
    expect(Array.from(d.weight)).toEqual([
      0.2683822528203165, 0.3857172361378399, -0.39631495154824364, 0.17420116098241412, -0.5867045965300471, 0.13034090840720036,
    ]);
    expect(Array.from(d.bias)).toEqual([0.3112715809587305, -0.05924959083853264, 0.5736354268014571]);
  });

  it('uniformSample and shuffleInPlace', () => {
    const r = mulberry32(1);
    expect(uniformSample(r, -1, 1)).toBe(-1 + 2 * 0.6270739405881613);
    const order = Int32Array.from({ length: 6 }, (_, i) => i);
    shuffleInPlace(order, seededRandom(3));
    expect(Array.from(order).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('issue 10: production code never imports reference/ (only index.ts re-exports its test helpers)', () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          const rel = relative(root, path);
          if (rel === 'index.ts' || rel.startsWith('reference')) continue;
          if (/from '[./]*reference\//.test(readFileSync(path, 'utf8'))) offenders.push(rel);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
