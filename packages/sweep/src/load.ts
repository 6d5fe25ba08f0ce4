/**
 * Loading a sweep definition by reference. Kept free of the library's imports so that a pool thread
 * starts fast (it loads only the definition's own module).
 */
import type { AnySweep, SweepRef } from './registry.js';

/** Loads the definition a reference points to and checks its shape. */
export async function loadSweep(ref: SweepRef): Promise<AnySweep> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const def = mod[ref.exportName] as Partial<AnySweep> | undefined;
  if (
    def === undefined ||
    typeof def.name !== 'string' ||
    typeof def.version !== 'string' ||
    typeof def.shards !== 'function' ||
    typeof def.run !== 'function' ||
    typeof def.merge !== 'function'
  )
    throw new Error(`${ref.module} has no sweep definition named '${ref.exportName}'`);
  return def as AnySweep;
}
