/** Labelled IDX inputs for `polytope seeds purity`. */
import type { Network } from '@polytope-lens/core';
import { mnistDefaultPath, parseRows, readLabels } from '../inputs.js';
import { readInputSource, resolveIdx } from '../model.js';
import { CliError } from '../util.js';

export function loadLabelled(net: Network, idx: string, rows: string): { xs: Float64Array[]; labels: Uint8Array } {
  const xs = readInputSource({ idx, rows }, net.inputSize);
  if (!xs) throw new CliError('give IDX images and rows');
  const p = resolveIdx(idx);
  const labelPath =
    p === mnistDefaultPath('test', 'images')
      ? mnistDefaultPath('test', 'labels')
      : p === mnistDefaultPath('train', 'images')
        ? mnistDefaultPath('train', 'labels')
        : undefined;
  if (labelPath === undefined) throw new CliError(`no labels known for '${idx}' (use the bundled 'mnist' or 'mnist:train')`);
  const labels = readLabels(labelPath, parseRows(rows));
  if (labels.length !== xs.length) throw new CliError(`${labels.length} labels for ${xs.length} inputs`);
  return { xs, labels };
}
