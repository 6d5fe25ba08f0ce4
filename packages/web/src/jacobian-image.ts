/**
 * Jacobian images (as `polytope jacobian-images`): one output's row of the exact local Jacobian,
 * drawn as an image of the input's shape. Grey (128) is 0, white is the largest positive entry,
 * black the most negative; the scale is the row's largest |entry| (a zero row stays grey).
 * The input is CHW (ONNX layout): 1 channel gives grey pixels, 3 channels give one colour channel each.
 */

/** Shape of an image input: channels × height × width, CHW. */
export interface ImageShape {
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

/** The RGBA pixels (row-major, width × height) of output `output`'s Jacobian row; `jacobian` is outputs × inputs, row-major. */
export function jacobianImage(jacobian: ArrayLike<number>, output: number, shape: ImageShape): Uint8ClampedArray {
  const d = shape.channels * shape.height * shape.width;
  if (jacobian.length % d !== 0 || output < 0 || (output + 1) * d > jacobian.length)
    throw new RangeError(`jacobianImage: a Jacobian of ${jacobian.length} entries has no output ${output} over ${d} inputs`);
  const base = output * d;
  let scale = 0;
  for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(jacobian[base + i]!));
  const plane = shape.height * shape.width;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const v = scale === 0 ? 0 : jacobian[base + (shape.channels === 1 ? 0 : k) * plane + p]! / scale;
      rgba[p * 4 + k] = v >= 0 ? 128 + Math.round(127 * v) : 128 + Math.round(128 * v);
    }
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
