/**
 * PyTorch 2's dynamo exporter (`torch.onnx.export(..., dynamo=True)`, opset 18+, ops decomposed
 * differently from the TorchScript exporter: ReduceMean with an axes input, BatchNormalization kept,
 * Split with a sizes input, …). The fixtures in packages/core/test/fixtures/dynamo were exported by
 * make_dynamo.py there (torch 2.13 + onnxscript; Debian's torch 1.13 has no dynamo exporter, so they
 * are committed) with float64 reference outputs and Jacobians of the same modules.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { forward } from '../network/forward.js';
import { prepareNetwork } from '../network/prepared.js';
import { partitionLine } from '../regions/line.js';
import { validateLine } from '../regions/validate.js';
import { affineMapAt } from '../spline/affine.js';
import { readOnnx } from './onnx.js';

const DIR = new URL('../../test/fixtures/dynamo/', import.meta.url);
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(name, DIR)));

interface Case {
  file: string;
  input_shape: number[];
  inputs: number[][];
  outputs: number[][];
  jacobian: number[][];
}
const REFS = JSON.parse(new TextDecoder().decode(fixture('dynamo.json'))) as { torch: string; cases: Record<string, Case> };

/** max |a − b| / max |b|. */
function relError(a: ArrayLike<number>, b: readonly number[]): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return err / (scale || 1);
}

describe(`models exported by the dynamo exporter (torch ${REFS.torch}) against PyTorch`, () => {
  it('has the op cases and the two torchvision-style blocks', () => {
    expect(Object.keys(REFS.cases)).toEqual(expect.arrayContaining(['shuffle', 'pads_cubic', 'inverted_residual', 'basic_block']));
  });
  for (const [name, ref] of Object.entries(REFS.cases)) {
    it(`${name}: outputs and Jacobian match PyTorch's float64 ones to 1e-9; the exact line validates`, () => {
      const net = readOnnx(fixture(ref.file));
      expect([...net.inputShape]).toEqual(ref.input_shape);
      ref.inputs.forEach((x, k) => expect(relError(forward(net, x), ref.outputs[k]!), `output ${k}`).toBeLessThan(1e-9));
      expect(relError(affineMapAt(net, ref.inputs[0]!).jacobian, ref.jacobian.flat())).toBeLessThan(1e-9);
      const p = prepareNetwork(net);
      const [x0, x1] = [ref.inputs[0]!, ref.inputs[1]!];
      expect(validateLine(p, x0, x1, partitionLine(p, x0, x1)).problems).toEqual([]);
    });
  }
});
