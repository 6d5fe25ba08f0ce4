/**
 * Back-to-front order of translucent triangles for the 3-D view: three.js draws a mesh's triangles
 * in buffer order, and with blending (no depth writes) a nearer triangle drawn before a farther one
 * is covered by it. Each draw from a new camera position re-orders the triangles by the distance
 * of their centroids from the eye, farthest first (the painter's order: exact for the
 * non-intersecting facets of a convex cell complex whenever centroid distance separates them, the
 * usual approximation otherwise).
 *
 * The sort is one native `Float64Array` sort of packed keys (quantized distance · 2²¹ + triangle
 * index, below 2⁵³), so a 3-16-16-1 net's ~90,000 triangles order in a few milliseconds.
 */

/** Triangles up to this count can be ordered (the index takes 21 bits of the packed key). */
const MAX_SORTED_TRIANGLES = 2 ** 21;
/** Distance levels: 32 bits of the packed key. */
const LEVELS = 2 ** 32 - 1;

/** Centroids (xyz) of the triangles in `triangles` (9 floats each). */
export function triangleCentroids(triangles: Float32Array): Float32Array {
  const n = triangles.length / 9;
  const out = new Float32Array(3 * n);
  for (let t = 0; t < n; t++)
    for (let k = 0; k < 3; k++) out[3 * t + k] = (triangles[9 * t + k]! + triangles[9 * t + 3 + k]! + triangles[9 * t + 6 + k]!) / 3;
  return out;
}

/**
 * Fills `order` with the triangle indices, farthest centroid from `eye` first (ties by index).
 * `keys` is scratch of the same length (reused between draws).
 */
export function backToFront(centroids: Float32Array, eye: readonly [number, number, number], order: Uint32Array, keys: Float64Array): void {
  const n = order.length;
  if (n > MAX_SORTED_TRIANGLES) throw new Error(`at most ${MAX_SORTED_TRIANGLES} triangles can be depth-sorted, got ${n}`);
  let max = 0;
  for (let t = 0; t < n; t++) {
    const dx = centroids[3 * t]! - eye[0];
    const dy = centroids[3 * t + 1]! - eye[1];
    const dz = centroids[3 * t + 2]! - eye[2];
    const d = dx * dx + dy * dy + dz * dz;
    keys[t] = d;
    if (d > max) max = d;
  }
  // Nearer is a larger level, so an ascending sort puts the farthest first.
  const scale = max > 0 ? LEVELS / max : 0;
  for (let t = 0; t < n; t++) keys[t] = Math.round((max - keys[t]!) * scale) * MAX_SORTED_TRIANGLES + t;
  const sorted = keys.subarray(0, n).sort();
  for (let k = 0; k < n; k++) order[k] = sorted[k]! % MAX_SORTED_TRIANGLES;
}
