/**
 * The one error type the library throws for bad input. `code` is a stable machine-readable tag;
 * `message` says what was wrong and, where it can, what would be right.
 *
 * @example
 * try {
 *   readNetworkJson('{}');
 * } catch (e) {
 *   if (e instanceof PolytopeError) console.error(e.code, e.message); // 'bad-network' …
 * }
 */
export class PolytopeError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'PolytopeError';
    this.code = code;
  }
}

/**
 * Thrown when an `AbortSignal` passed to a long computation fires.
 *
 * @example
 * const ac = new AbortController();
 * ac.abort();
 * slicePlane(net, plane, box, { signal: ac.signal }); // throws AbortError
 */
export class AbortError extends Error {
  constructor(message = 'The operation was cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** The part of `AbortSignal` the library reads (core stays free of DOM and Node types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
}

export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

/** Checks that every value is finite; names the offending tensor and index otherwise. */
export function checkFinite(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new PolytopeError('non-finite', `${what} has a non-finite value (${v}) at index ${i}`);
    }
  }
}
