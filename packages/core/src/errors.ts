/**
 * Every code a {@link PolytopeError} can carry, each with when it is used. The set is small on
 * purpose: a code says what kind of thing went wrong (so a caller or script can branch on it), the
 * message says exactly what was found and how to fix it. The CLI maps each code to an exit status
 * in one table (packages/cli/src/util.ts `EXIT_STATUS`, documented in docs/ARCHITECTURE.md).
 *
 * @example
 * Object.keys(ERROR_CODES).includes('bad-domain'); // true
 * ERROR_CODES['unsupported']; // what the code means, as one sentence
 */
export const ERROR_CODES = {
  'bad-option': 'An argument or option value is malformed or out of range (k, an angle, a figure size, a CLI flag, a code key).',
  'shape-mismatch': 'Lengths or shapes of given arrays do not fit each other or the network (input size, weight shape, tensor data).',
  'non-finite': 'A NaN or ±Infinity in an input, a weight, a domain or a result that has to be drawn.',
  'bad-data': 'User data values outside their allowed set (a class label not in 0..C−1, a target of the wrong kind).',
  'bad-network': 'A network description is malformed or inconsistent (layer fields, node references, unused nodes, no layers).',
  'bad-file':
    'A file or byte buffer cannot be read or parsed in its format (missing, empty, truncated, wrong magic; JSON, ONNX, NPY/NPZ, IDX, CIFAR).',
  'bad-frame': 'A frame (set of row vectors) is malformed: empty, ragged, zero or non-finite rows, bias of the wrong length.',
  'bad-domain': 'The input region is invalid: a box, plane, segment or A x ≤ b domain that is empty, inverted, flat or unbounded.',
  unsupported:
    'A well-formed network or file uses something this analysis does not handle (an ONNX op, a layer kind, a non-MLP for an MLP-only method, an input dimension outside the supported range).',
  'not-applicable':
    'The input is well-formed but the theorem or construction asked for does not apply to it (frame not spanning or not omnidirectional, data not separable, matrix singular or not injective).',
  'too-large':
    'The requested computation exceeds a size limit (terms, facets, regions, dimensions); the message names the option that raises it.',
  diverged: 'Training diverged (the loss became non-finite); the message suggests a smaller learning rate.',
  'solver-failed': 'A numerical solver (LP) failed on this input without a bad-input diagnosis; reported like an internal error.',
  cancelled: 'The computation was cancelled through its AbortSignal (AbortError).',
  internal: 'An invariant of the library failed: a bug (InternalError).',
} as const;

/** A stable machine-readable error tag; see {@link ERROR_CODES} for when each is used. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type the library throws for bad input. `code` is a stable machine-readable tag
 * (one of {@link ERROR_CODES}); `message` says what was wrong and, where it can, what would be right.
 *
 * @example
 * try {
 *   readNetworkJson({ format: 'polytope-lens/network@1', input: [2], layers: [{ type: 'toString' }] });
 * } catch (e) {
 *   if (e instanceof PolytopeError) e.code; // 'unsupported'
 * }
 */
export class PolytopeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'PolytopeError';
    this.code = code;
  }
}

/**
 * Thrown when an invariant of the library fails (a bug, not bad input). Deliberately not a
 * `PolytopeError`, so code that catches bad input (`instanceof PolytopeError`) never swallows it;
 * the CLI prints it with its stack and exits 1.
 *
 * @example
 * if (count !== expected) throw new InternalError(`planned ${expected} work units, got ${count}`);
 */
export class InternalError extends Error {
  readonly code = 'internal' as const;
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
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
  readonly code = 'cancelled' as const;
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
