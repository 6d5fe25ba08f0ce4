/**
 * The on-disk form of a dataset's coefficient matrices (dissertation Eq. 7.1–7.3): `.npy` shards of
 * Jacobians (`rows × o × d`, float64) and offsets (`rows × o`), a `labels.npy`, and the manifest
 * `coefficients.json` that lists them, so that later analyses never recompute:
 *
 * ```json
 * {"samples": n, "outputs": o, "inputs": d,
 *  "shards": [{"jacobians": "jacobians-00000.npy", "offsets": "offsets-00000.npy", "rows": [0, 1000]}, …],
 *  "labels": "labels.npy"}
 * ```
 *
 * `rows: [a, b]` is half-open (samples a … b − 1). `labels` is absent when no labels were given.
 * Extra keys (`format`, `dtype`, `model`, `source`) describe the run; readers ignore unknown keys.
 */
import { PolytopeError } from '../errors.js';
import { readNpy } from '../io/npy.js';

/** One shard of a coefficient set: samples `rows[0] … rows[1] − 1`. */
export interface CoefficientShard {
  /** File name (beside the manifest) of the `rows × o × d` float64 Jacobians. */
  readonly jacobians: string;
  /** File name of the `rows × o` float64 offsets. */
  readonly offsets: string;
  /** Half-open sample range [a, b). */
  readonly rows: readonly [number, number];
}

/** The manifest `coefficients.json`. */
export interface CoefficientManifest {
  readonly samples: number;
  readonly outputs: number;
  readonly inputs: number;
  readonly shards: readonly CoefficientShard[];
  /** File name of the labels (`samples` integers), if any. */
  readonly labels?: string;
  readonly format?: string;
  readonly dtype?: string;
  readonly model?: string;
  readonly source?: string;
}

/**
 * The manifest's `format` value.
 *
 * @example
 * manifest.format === COEFFICIENTS_FORMAT; // written by `polytope coefficients`
 */
export const COEFFICIENTS_FORMAT = 'polytope-lens/coefficients@1';

/**
 * Splits n samples into shards of at most `shardRows` rows, naming their files.
 *
 * @example
 * planCoefficientShards(2500, 1000).map((s) => s.rows); // [[0, 1000], [1000, 2000], [2000, 2500]]
 */
export function planCoefficientShards(samples: number, shardRows: number): CoefficientShard[] {
  if (!Number.isInteger(shardRows) || shardRows < 1)
    throw new PolytopeError('bad-option', `shard rows must be a positive integer, got ${shardRows}`);
  const shards: CoefficientShard[] = [];
  for (let a = 0, k = 0; a < samples; a += shardRows, k++) {
    const id = String(k).padStart(5, '0');
    shards.push({ jacobians: `jacobians-${id}.npy`, offsets: `offsets-${id}.npy`, rows: [a, Math.min(samples, a + shardRows)] });
  }
  return shards;
}

/**
 * The header of a version-1.0 `.npy` file (magic, version, dict padded to a multiple of 64 bytes),
 * so that large arrays can be written as header + raw little-endian bytes without a copy.
 *
 * @example
 * const h = npyHeader('<f8', [10, 10, 784]);
 * h.length % 64; // 0
 */
export function npyHeader(descr: '<f8' | '<f4' | '<i4' | '|u1', shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const padded = Math.ceil((10 + dict.length + 1) / 64) * 64;
  if (padded - 10 > 0xffff) throw new PolytopeError('bad-option', `npy header of shape [${shape.join(', ')}] is too long`);
  const out = new Uint8Array(padded);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, padded - 10, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  out.fill(0x20, 10 + dict.length, padded - 1);
  out[padded - 1] = 0x0a;
  return out;
}

function field(doc: Record<string, unknown>, key: string, what: string): number {
  const v = doc[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new PolytopeError('bad-file', `${what}: '${key}' must be a non-negative integer`);
  return v;
}

function fileName(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '' || v.includes('/') || v.includes('\\') || v === '..') {
    throw new PolytopeError(
      'bad-file',
      `${what}: a shard file name must be a plain file name beside the manifest, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/**
 * Checks a parsed `coefficients.json`: sizes, shards covering 0 … samples − 1 in order, plain file
 * names (no paths outside the folder).
 *
 * @example
 * const m = parseCoefficientManifest(JSON.parse(readFileSync('coeffs/coefficients.json', 'utf8')));
 * m.shards.length;
 */
export function parseCoefficientManifest(json: unknown, what = 'coefficients.json'): CoefficientManifest {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PolytopeError('bad-file', `${what}: not a JSON object`);
  const doc = json as Record<string, unknown>;
  const samples = field(doc, 'samples', what);
  const outputs = field(doc, 'outputs', what);
  const inputs = field(doc, 'inputs', what);
  if (!Array.isArray(doc['shards'])) throw new PolytopeError('bad-file', `${what}: 'shards' must be an array`);
  let next = 0;
  const shards = (doc['shards'] as unknown[]).map((s, k) => {
    const sh = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const rows = sh['rows'];
    if (!Array.isArray(rows) || rows.length !== 2 || rows[0] !== next || !Number.isInteger(rows[1]) || (rows[1] as number) <= next) {
      throw new PolytopeError('bad-file', `${what}: shard ${k} must have rows [${next}, b] with b > ${next}`);
    }
    next = rows[1] as number;
    return {
      jacobians: fileName(sh['jacobians'], what),
      offsets: fileName(sh['offsets'], what),
      rows: [rows[0], next] as [number, number],
    };
  });
  if (next !== samples) throw new PolytopeError('bad-file', `${what}: shards cover ${next} samples but 'samples' is ${samples}`);
  const labels = doc['labels'] === undefined || doc['labels'] === null ? undefined : fileName(doc['labels'], what);
  return { samples, outputs, inputs, shards, ...(labels === undefined ? {} : { labels }) };
}

/** A coefficient set in memory: every sample's J (n × o × d) and y (n × o), and the labels if any. */
export interface CoefficientSet {
  readonly manifest: CoefficientManifest;
  readonly jacobians: Float64Array;
  readonly offsets: Float64Array;
  readonly labels?: Int32Array;
}

/**
 * Reads the shards of a manifest (through `readFile(name)`, the folder's files) into one set,
 * checking every shard's shape. Memory: n × o × (d + 1) float64 values.
 *
 * @example
 * const set = readCoefficientSet(manifest, (name) => readFileSync(join(dir, name)));
 * set.jacobians.length; // samples × outputs × inputs
 */
export function readCoefficientSet(manifest: CoefficientManifest, readFile: (name: string) => Uint8Array): CoefficientSet {
  const { samples: n, outputs: o, inputs: d } = manifest;
  const jacobians = new Float64Array(n * o * d);
  const offsets = new Float64Array(n * o);
  for (const s of manifest.shards) {
    const [a, b] = s.rows;
    const jac = readNpy(readFile(s.jacobians), s.jacobians);
    const off = readNpy(readFile(s.offsets), s.offsets);
    if (jac.shape.join() !== [b - a, o, d].join() || off.shape.join() !== [b - a, o].join()) {
      throw new PolytopeError(
        'shape-mismatch',
        `shard ${s.jacobians}: shapes [${jac.shape.join(', ')}] and [${off.shape.join(', ')}] do not match rows ${a}–${b} of ${o} × ${d}`,
      );
    }
    jacobians.set(jac.data, a * o * d);
    offsets.set(off.data, a * o);
  }
  let labels: Int32Array | undefined;
  if (manifest.labels !== undefined) {
    const l = readNpy(readFile(manifest.labels), manifest.labels);
    if (l.data.length !== n) throw new PolytopeError('shape-mismatch', `${manifest.labels} holds ${l.data.length} labels for ${n} samples`);
    labels = Int32Array.from(l.data);
  }
  return { manifest, jacobians, offsets, ...(labels ? { labels } : {}) };
}
