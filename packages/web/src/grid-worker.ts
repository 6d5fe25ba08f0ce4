/**
 * Grid-methods worker (§6.3 beside the exact map): one request, one answer — the comparison and
 * its three p × p images (transferred), or a one-line error. Off the main thread: the exact slice
 * and p² forward passes can take seconds on image-sized models.
 */
import { compareGridMethods } from './grid-methods.js';
import type { GridOutcome, GridRequest } from './grid-methods.js';

export type FromGrid = { type: 'done'; outcome: GridOutcome } | { type: 'error'; message: string };

const ctx = self as unknown as { postMessage(m: FromGrid, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent) => void) | null };

ctx.onmessage = (e: MessageEvent) => {
  try {
    const outcome = compareGridMethods(e.data as GridRequest);
    const { codes, jacobian, exact } = outcome.images;
    ctx.postMessage({ type: 'done', outcome }, [codes.buffer, jacobian.buffer, exact.buffer]);
  } catch (err) {
    ctx.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
