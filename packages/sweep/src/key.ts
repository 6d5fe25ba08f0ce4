/**
 * Shard keys: `sha256(name \0 version \0 canonicalJson(params))` as 64 hex digits. The key names a
 * result for as long as the sweep's version is unchanged, whatever sweep run (options) listed it.
 */
import { createHash } from 'node:crypto';
import { PolytopeError } from '@polytope-lens/core';

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal parameter objects give
 * equal text whatever their key order. Rejects what JSON cannot carry exactly (non-finite numbers,
 * undefined, functions, typed arrays, other class instances).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PolytopeError('bad-option', `shard parameters must be finite numbers, got ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new PolytopeError(
    'bad-option',
    `shard parameters must be plain JSON (objects, arrays, strings, numbers, booleans, null), got ${typeof value}`,
  );
}

/** The key of one shard (64 lowercase hex digits). */
export function shardKey(name: string, version: string, params: unknown): string {
  return createHash('sha256')
    .update(`${name}\0${version}\0${canonicalJson(params)}`)
    .digest('hex');
}

/** The id of one sweep run: its name, version and options (16 hex digits; names the queue and the run record). */
export function runId(name: string, version: string, options: unknown): string {
  return createHash('sha256')
    .update(`run\0${name}\0${version}\0${canonicalJson(options)}`)
    .digest('hex')
    .slice(0, 16);
}
