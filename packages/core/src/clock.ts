/** Monotonic milliseconds (performance.now exists in browsers, workers and Node ≥ 16). */
export function now(): number {
  return (globalThis as unknown as { performance: { now(): number } }).performance.now();
}
