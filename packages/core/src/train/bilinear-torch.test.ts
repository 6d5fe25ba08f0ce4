/**
 * §6.1's MNIST protocol (bilinear 28 → 32, align_corners = False, gray repeated to 3 channels)
 * against PyTorch's `torch.nn.functional.interpolate(mode='bilinear', align_corners=False)` run by
 * Debian's /usr/bin/python3 on the same random pixels (skipped where that torch is missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageDataset } from './datasets.js';

const PY = '/usr/bin/python3';
const CASES = [
  [28, 28, 32, 32],
  [5, 7, 9, 4],
] as const;
const N = 3;

function pixelsOf(h: number, w: number): Uint8Array {
  let s = 12345 + h;
  return Uint8Array.from({ length: N * h * w }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  });
}

const SCRIPT = `
import sys, json, torch
import torch.nn.functional as F
out = []
for d in json.load(sys.stdin):
    x = torch.tensor(d['pixels'], dtype=torch.float64).reshape(d['n'], 1, d['h'], d['w']) / 255.0
    y = F.interpolate(x, size=(d['oh'], d['ow']), mode='bilinear', align_corners=False).repeat(1, 3, 1, 1)
    out.append(y.reshape(-1).tolist())
print(json.dumps(out))
`;

/** torch's outputs for every case in one Python start (importing torch takes seconds), or undefined without torch. */
const reference = ((): number[][] | undefined => {
  if (!existsSync(PY)) return undefined;
  const input = JSON.stringify(CASES.map(([h, w, oh, ow]) => ({ pixels: Array.from(pixelsOf(h, w)), n: N, h, w, oh, ow })));
  try {
    return JSON.parse(
      execFileSync(PY, ['-c', SCRIPT], { input, timeout: 120_000, stdio: ['pipe', 'pipe', 'ignore'] }).toString(),
    ) as number[][];
  } catch {
    return undefined;
  }
})();

describe.skipIf(reference === undefined)('bilinear upsampling of MNIST against torch', () => {
  for (const [c, [h, w, oh, ow]] of CASES.entries()) {
    it(`${h}×${w} → ${oh}×${ow}, channel repeat`, () => {
      const pixels = pixelsOf(h, w);
      const ours = imageDataset({
        name: 't',
        pixels,
        labels: [0, 1, 2],
        channels: 1,
        height: h,
        width: w,
        mean: [0],
        std: [1],
        resize: [oh, ow],
        repeatChannels: 3,
      });
      const ref = reference![c]!;
      expect(ours.inputShape).toEqual([3, oh, ow]);
      expect(ours.x.length).toBe(ref.length);
      // float32 storage: compare at float32 resolution of values in [0, 1].
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ours.x[i]! - ref[i]!)).toBeLessThan(1e-6);
    });
  }
});
