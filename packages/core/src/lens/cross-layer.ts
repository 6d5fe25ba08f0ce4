/**
 * Seed 000 (the polytope lens note): "direction A at L3 may be cat, but direction A at L6 may be dog;
 * polytope A at L3 is cat, and polytope A at L6 is cat (?)". For a labelled dataset this measures,
 * per activation layer ℓ, how class-pure the groups of inputs are when grouped
 *  - by polytope: the spline code up to layer ℓ (the cell of the partition by the units of layers
 *    1…ℓ, `cumulative`) or the code of layer ℓ alone (`layer`), and
 *  - by direction: the top activation direction of layer ℓ (the unit with the largest post-activation),
 * and whether a group's class persists across layers (does the majority class of x's group at ℓ equal
 * that of x's group at ℓ′?).
 *
 * Purity on the fitted inputs is inflated by singleton groups (a code seen once is trivially pure),
 * so each grouping is also scored on held-out inputs: an input whose group was seen predicts that
 * group's majority class; `heldOutAccuracy` is over the covered held-out inputs, `coverage` their share.
 */
import { PolytopeError } from '../errors.js';
import type { Network } from '../network/network.js';
import { splineCodes } from './lens.js';

/** Scores of one grouping at one layer. */
export interface GroupingScore {
  /** Distinct groups among the fitted inputs. */
  readonly groups: number;
  /** Fitted inputs in groups of one. */
  readonly singletons: number;
  /** Σ_g max_c n_{g,c} / N over the fitted inputs. */
  readonly purity: number;
  /** Accuracy of the group-majority class on held-out inputs whose group was seen (NaN if none). */
  readonly heldOutAccuracy: number;
  /** Share of held-out inputs whose group was seen. */
  readonly coverage: number;
}

/** Result of `crossLayerPurity`. */
export interface CrossLayerPurity {
  readonly layers: {
    readonly layer: number;
    readonly units: number;
    readonly cumulative: GroupingScore;
    readonly layerCode: GroupingScore;
    readonly direction: GroupingScore;
  }[];
  /** persistence[kind][ℓ][ℓ′]: share of fitted inputs whose group-majority class at ℓ equals that at ℓ′. */
  readonly persistence: { readonly cumulative: number[][]; readonly layerCode: number[][]; readonly direction: number[][] };
  readonly fitted: number;
  readonly heldOut: number;
}

type Kind = 'cumulative' | 'layerCode' | 'direction';
const KINDS: readonly Kind[] = ['cumulative', 'layerCode', 'direction'];

function codeKey(code: Uint8Array): string {
  let s = '';
  for (const v of code) s += String.fromCharCode(48 + v);
  return s;
}

function argmax(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

/** Group keys of one input at every layer, for each kind. */
function keysOf(net: Network, x: ArrayLike<number>): Record<Kind, string[]> {
  const s = splineCodes(net, x);
  const out: Record<Kind, string[]> = { cumulative: [], layerCode: [], direction: [] };
  let prefix = '';
  s.layers.forEach((code, l) => {
    const k = codeKey(code);
    prefix += k + '|';
    out.cumulative.push(prefix);
    out.layerCode.push(k);
    out.direction.push(String(argmax(s.activations[l]!)));
  });
  return out;
}

function majorities(keys: readonly string[], labels: ArrayLike<number>): Map<string, { label: number; top: number; size: number }> {
  const counts = new Map<string, Map<number, number>>();
  keys.forEach((k, i) => {
    const m = counts.get(k) ?? new Map<number, number>();
    m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
    counts.set(k, m);
  });
  const out = new Map<string, { label: number; top: number; size: number }>();
  for (const [k, m] of counts) {
    let label = -1;
    let top = 0;
    let size = 0;
    // Ties go to the smaller class index (deterministic).
    for (const [c, n] of [...m].sort((a, b) => a[0] - b[0])) {
      size += n;
      if (n > top) {
        top = n;
        label = c;
      }
    }
    out.set(k, { label, top, size });
  }
  return out;
}

function score(
  fitKeys: readonly string[],
  fitLabels: ArrayLike<number>,
  testKeys: readonly string[],
  testLabels: ArrayLike<number>,
): GroupingScore {
  const maj = majorities(fitKeys, fitLabels);
  let pure = 0;
  let singletons = 0;
  for (const g of maj.values()) {
    pure += g.top;
    if (g.size === 1) singletons++;
  }
  let covered = 0;
  let correct = 0;
  testKeys.forEach((k, i) => {
    const g = maj.get(k);
    if (!g) return;
    covered++;
    if (g.label === testLabels[i]) correct++;
  });
  return {
    groups: maj.size,
    singletons,
    purity: pure / fitKeys.length,
    heldOutAccuracy: covered > 0 ? correct / covered : NaN,
    coverage: testKeys.length > 0 ? covered / testKeys.length : 0,
  };
}

/**
 * Class purity of polytopes (spline codes) and of top activation directions per layer, on `fit`
 * inputs and scored on `test` inputs, and the cross-layer persistence of group classes.
 *
 * @example
 * const r = crossLayerPurity(net, { inputs: train, labels: trainLabels }, { inputs: test, labels: testLabels });
 * r.layers.map((l) => [l.cumulative.heldOutAccuracy, l.direction.heldOutAccuracy]);
 */
export function crossLayerPurity(
  net: Network,
  fit: { readonly inputs: readonly ArrayLike<number>[]; readonly labels: ArrayLike<number> },
  test: { readonly inputs: readonly ArrayLike<number>[]; readonly labels: ArrayLike<number> } = { inputs: [], labels: [] },
): CrossLayerPurity {
  if (fit.inputs.length === 0) throw new PolytopeError('bad-option', 'cross-layer purity needs at least one fitted input');
  if (fit.inputs.length !== fit.labels.length || test.inputs.length !== test.labels.length)
    throw new PolytopeError('shape-mismatch', 'every input needs exactly one label');
  if (net.activations.length === 0) throw new PolytopeError('not-applicable', 'the network has no activation layer');
  const fitKeys = fit.inputs.map((x) => keysOf(net, x));
  const testKeys = test.inputs.map((x) => keysOf(net, x));
  const nl = net.activations.length;
  const column = (all: Record<Kind, string[]>[], kind: Kind, l: number): string[] => all.map((k) => k[kind][l]!);
  const layers = Array.from({ length: nl }, (_, l) => {
    const s = (kind: Kind): GroupingScore => score(column(fitKeys, kind, l), fit.labels, column(testKeys, kind, l), test.labels);
    return {
      layer: l + 1,
      units: net.activations[l]!.numUnits,
      cumulative: s('cumulative'),
      layerCode: s('layerCode'),
      direction: s('direction'),
    };
  });
  const persistence = Object.fromEntries(
    KINDS.map((kind) => {
      const labelAt = Array.from({ length: nl }, (_, l) => {
        const keys = column(fitKeys, kind, l);
        const maj = majorities(keys, fit.labels);
        return keys.map((k) => maj.get(k)!.label);
      });
      const m = labelAt.map((a) => labelAt.map((b) => a.filter((v, i) => v === b[i]).length / a.length));
      return [kind, m];
    }),
  ) as CrossLayerPurity['persistence'];
  return { layers, persistence, fitted: fit.inputs.length, heldOut: test.inputs.length };
}
