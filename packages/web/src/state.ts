/**
 * The playground's state as a table of named, typed properties (TensorFlow Playground's state.ts
 * pattern): every property has a type, a default and, for enums, its allowed values; the URL hash
 * holds every property that differs from its default, so a link reproduces the view exactly.
 */

/** 'hypersphere' is 3-D (the map shows the plane x2 = 0; the 3-D view shows the cells). */
export const DATASETS = ['circle-annulus', 'xor', 'xor-circle', 'spiral', 'gauss', 'hypersphere', 'csv'] as const;
export const ACTIVATIONS = ['relu', 'leaky', 'hard-tanh'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'adamw'] as const;
export const COLORINGS = ['region', 'class', 'output', 'linear-region'] as const;

export interface PlaygroundState {
  dataset: (typeof DATASETS)[number];
  noise: number;
  samples: number;
  /** Hidden widths, dash-separated ('8-8'); the input (2) and output layers are implied. */
  hidden: string;
  activation: (typeof ACTIVATIONS)[number];
  leak: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  batch: number;
  epochs: number;
  seed: number;
  color: (typeof COLORINGS)[number];
  /** Half-width of the square box shown: [−extent, extent]². */
  extent: number;
  showData: boolean;
  showBoundary: boolean;
  /** The kept snapshot shown once training ends (index from 0; −1: the last), so a link reproduces the view. */
  snapshot: number;
  /**
   * Model explorer: the bundled MNIST test-set indices of anchors A, B, C ('3,2,1') when the map is
   * sliced through those three samples; '' otherwise. Uploaded files (models, images, .npy) cannot be in a link.
   */
  mnist: string;
  /** Model explorer: the last clicked map point 's,t' in the plane of the map ('' for none). */
  point: string;
  /**
   * Model explorer: anchors A, B, C typed or read from files, 'a0,a1,…;b0,…;c0,…' (three comma lists
   * of one length), when the map is sliced through them and they are not all bundled MNIST samples
   * (those are `mnist`) and the text fits `MAX_ANCHORS_TEXT`; '' otherwise.
   */
  anchors: string;
  /**
   * The 3-D view's box 'x0lo,x0hi,x1lo,x1hi,x2lo,x2hi' ('' for the default: [−extent, extent]³ for
   * a network trained here, [−1, 1]³ for an opened model).
   */
  box3: string;
}

/** The smallest learning rate the controls accept (a range limit, not a geometric tolerance). */
// eslint-disable-next-line no-restricted-syntax
export const MIN_LR = 1e-6;

type Prop =
  | { name: keyof PlaygroundState; type: 'number'; min: number; max: number; integer?: boolean }
  | { name: keyof PlaygroundState; type: 'enum'; values: readonly string[] }
  | { name: keyof PlaygroundState; type: 'boolean' }
  | { name: keyof PlaygroundState; type: 'widths' }
  /** `count` comma-separated numbers (integers from 0 to `max` when given). */
  | { name: keyof PlaygroundState; type: 'list'; count: number; max?: number }
  /** A 3-D box: six numbers, each axis's low below its high. */
  | { name: keyof PlaygroundState; type: 'box3' }
  /** Three comma lists of numbers, one length, ';'-separated. */
  | { name: keyof PlaygroundState; type: 'anchors' };

/** The property table: what the URL may hold and how each value is checked. */
const PROPS: readonly Prop[] = [
  { name: 'dataset', type: 'enum', values: DATASETS },
  { name: 'noise', type: 'number', min: 0, max: 0.5 },
  { name: 'samples', type: 'number', min: 10, max: 5000, integer: true },
  { name: 'hidden', type: 'widths' },
  { name: 'activation', type: 'enum', values: ACTIVATIONS },
  { name: 'leak', type: 'number', min: 0, max: 1 },
  { name: 'optimizer', type: 'enum', values: OPTIMIZERS },
  { name: 'lr', type: 'number', min: MIN_LR, max: 10 },
  { name: 'batch', type: 'number', min: 1, max: 5000, integer: true },
  { name: 'epochs', type: 'number', min: 1, max: 100000, integer: true },
  { name: 'seed', type: 'number', min: 0, max: 2 ** 31 - 1, integer: true },
  { name: 'color', type: 'enum', values: COLORINGS },
  { name: 'extent', type: 'number', min: 0.01, max: 1000 },
  { name: 'showData', type: 'boolean' },
  { name: 'showBoundary', type: 'boolean' },
  { name: 'snapshot', type: 'number', min: -1, max: 1000000, integer: true },
  { name: 'mnist', type: 'list', count: 3, max: 9999 },
  { name: 'point', type: 'list', count: 2 },
  { name: 'anchors', type: 'anchors' },
  { name: 'box3', type: 'box3' },
];

export const DEFAULTS: Readonly<PlaygroundState> = {
  dataset: 'circle-annulus',
  noise: 0,
  samples: 1000,
  hidden: '8-8',
  activation: 'relu',
  leak: 0.1,
  optimizer: 'adam',
  lr: 0.01,
  batch: 32,
  epochs: 100,
  seed: 0,
  color: 'region',
  extent: 1.5,
  showData: true,
  showBoundary: true,
  snapshot: -1,
  mnist: '',
  point: '',
  anchors: '',
  box3: '',
};

/** The numbers of a list property ('3,2,1'), or null when malformed: `count` finite numbers, integers in [0, max] when `max` is given. */
export function parseList(text: string, count: number, max?: number): number[] | null {
  const parts = text.split(',');
  const v = parts.map(Number);
  const ok = (x: number, i: number) =>
    parts[i]!.trim() !== '' && Number.isFinite(x) && (max === undefined || (Number.isInteger(x) && x >= 0 && x <= max));
  return parts.length === count && v.every(ok) ? v : null;
}

/** A 3-D box from 'x0lo,x0hi,x1lo,x1hi,x2lo,x2hi' (finite, each low below its high, at most 1000 in magnitude), or null. */
export function parseBox3(text: string): [number, number, number, number, number, number] | null {
  const v = parseList(text, 6);
  if (!v || v.some((x) => Math.abs(x) > 1000)) return null;
  return v[0]! < v[1]! && v[2]! < v[3]! && v[4]! < v[5]! ? (v as [number, number, number, number, number, number]) : null;
}

/** The longest anchors text a link holds (characters): three MNIST-sized vectors in full precision fit. */
export const MAX_ANCHORS_TEXT = 65536;

/** Anchors A, B, C from 'a0,a1;b0,b1;c0,c1' (three lists of one length ≥ 1, finite numbers, at most `MAX_ANCHORS_TEXT` characters), or null. */
export function parseAnchorLists(text: string): [number[], number[], number[]] | null {
  if (text.length > MAX_ANCHORS_TEXT) return null;
  const parts = text.split(';');
  if (parts.length !== 3) return null;
  const lists = parts.map((p) => parseList(p, p.split(',').length));
  if (lists.some((l) => l === null) || lists[0]!.length !== lists[1]!.length || lists[1]!.length !== lists[2]!.length) return null;
  return lists as [number[], number[], number[]];
}

/** The link text of anchors (each number in JavaScript's shortest round-trip form), or '' when longer than `MAX_ANCHORS_TEXT`. */
export function anchorsText(anchors: readonly (readonly number[])[]): string {
  const text = anchors.map((a) => a.join(',')).join(';');
  return text.length <= MAX_ANCHORS_TEXT ? text : '';
}

/** Hidden widths from '8-8' (each 1…1024, at most 8 layers), or null when malformed. */
export function parseWidths(text: string): number[] | null {
  const parts = text.split('-').map((s) => s.trim());
  if (parts.length === 0 || parts.length > 8) return null;
  const w = parts.map(Number);
  return w.every((v) => Number.isInteger(v) && v >= 1 && v <= 1024) ? w : null;
}

function parseValue(p: Prop, raw: string): unknown {
  switch (p.type) {
    case 'number': {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v) || v < p.min || v > p.max || (p.integer && !Number.isInteger(v))) return undefined;
      return v;
    }
    case 'enum':
      return p.values.includes(raw) ? raw : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'widths':
      return parseWidths(raw) ? raw : undefined;
    case 'list':
      return parseList(raw, p.count, p.max) ? raw : undefined;
    case 'box3':
      return parseBox3(raw) ? raw : undefined;
    case 'anchors':
      return parseAnchorLists(raw) ? raw : undefined;
  }
}

/** The state from a URL hash ('#dataset=xor&hidden=16-16'); unknown or malformed values keep their defaults. */
export function stateFromHash(hash: string): PlaygroundState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: Record<string, unknown> = { ...DEFAULTS };
  for (const p of PROPS) {
    const raw = params.get(p.name);
    if (raw === null) continue;
    const v = parseValue(p, raw);
    if (v !== undefined) state[p.name] = v;
  }
  return state as unknown as PlaygroundState;
}

/** The URL hash for a state: every property that differs from its default, in table order. */
export function hashFromState(state: PlaygroundState): string {
  const params = new URLSearchParams();
  for (const p of PROPS) if (state[p.name] !== DEFAULTS[p.name]) params.set(p.name, String(state[p.name]));
  const s = params.toString();
  return s ? `#${s}` : '';
}
