/**
 * Where a sweep definition lives, so that a worker thread or a worker on another machine can load
 * it by name: a module URL (or bare specifier) and the name of its export. Registering a sweep is
 * one line in the application's registry (the CLI's is packages/cli/src/sweeps/registry.ts):
 *
 *   'boolean-success': sweepRef(import.meta.resolve('@polytope-lens/core'), 'booleanSuccessSweep'),
 */
import { PolytopeError } from '@polytope-lens/core';
import type { SweepDefinition } from '@polytope-lens/core/internal';
export { loadSweep } from './load.js';

/** A loadable sweep definition: `(await import(module))[exportName]`. */
export interface SweepRef {
  readonly module: string;
  readonly exportName: string;
}

/** Sweep name → where its definition lives. */
export type SweepRegistry = Readonly<Record<string, SweepRef>>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds sweeps of any option/param/result types
export type AnySweep = SweepDefinition<any, any, any, any>;

/** A reference to the export `exportName` of `module` (a file URL string, `new URL(…)` or a bare specifier). */
export function sweepRef(module: string | URL, exportName: string): SweepRef {
  return { module: module instanceof URL ? module.href : module, exportName };
}

/** The reference of sweep `name`, or a one-line error listing the known names. */
export function lookupSweep(registry: SweepRegistry, name: string): SweepRef {
  const ref = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (ref === undefined)
    throw new PolytopeError('bad-option', `unknown sweep '${name}'; known: ${Object.keys(registry).sort().join(', ')}`);
  return ref;
}
