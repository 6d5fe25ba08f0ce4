/**
 * ONNX reader: turns an ONNX model (bytes of a `.onnx` file, plus its external-data files when it
 * has any) into a `Network`. Only ops that are affine or piecewise-linear are accepted; everything
 * else is refused with a `PolytopeError` of code `unsupported` naming the node. See
 * docs/formats.md for the op table and the folding rules.
 *
 * Pure: no file access. The caller hands in the bytes, and a callback for external data.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { DEFAULT_MAX_BYTES, checkAllocation } from './budget.js';
import { InternalError, PolytopeError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { sizeOf } from '../network/ir.js';
import type { PadMode, ResizeCoordinateMode, ResizeNearestMode, Shape } from '../network/ir.js';
import { broadcastShape, sliceAxis } from '../network/gather.js';
import { batchNormAffine, batchNormScale, channelCount, expandChannels, foldIntoLinear, inferShape } from './layer-utils.js';
import type { ChannelAffineSpec, Conv2dSpec, DenseSpec } from './layer-utils.js';
import { BATCHNORM_DEFAULT_EPS } from '../geometry/predicates.js';

/** A per-channel map `y = (x − pre)·scale + post`; a missing `pre` or `post` is 0. */
interface ChannelMap {
  readonly scale: Float64Array;
  readonly pre?: Float64Array | undefined;
  readonly post?: Float64Array | undefined;
}

/**
 * Options for `readOnnx`.
 *
 * @example
 * readOnnx(bytes, { externalData: (location) => files[location], output: 'logits' });
 */
export interface ReadOnnxOptions {
  /**
   * Allocation budget in bytes (float64 elements × 8) for any one tensor the reader builds
   * (initializers, constants, folded constant expressions) and for all decoded constants together;
   * default `DEFAULT_MAX_BYTES` (2 GiB). More is refused before allocating (`too-large`).
   */
  maxBytes?: number;
  /**
   * Returns the bytes of an external-data file named by the model (`location` is the path the
   * exporter wrote, relative to the model file, e.g. `"model.onnx.data"`). Required only for
   * models that keep weights outside the `.onnx` file (PyTorch's dynamo exporter does).
   */
  externalData?: (location: string) => Uint8Array | undefined;
  /** Which graph output to analyse when the model has several (default: the only one). */
  output?: string;
  /**
   * The sample shape (without the batch dimension), for models exported with dynamic sizes
   * (`dynamic_axes` on height/width): fills the symbolic dimensions and must agree with the fixed ones.
   */
  inputShape?: readonly number[];
  /**
   * Analyse the logits of a model whose output is a final `Softmax`/`LogSoftmax` (that node is
   * dropped). Without it such a model is refused with a message saying how to export logits.
   */
  dropSoftmax?: boolean;
}

// ONNX TensorProto.DataType values the reader decodes.
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const FLOAT16 = 10;
const DOUBLE = 11;
const DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};
// AttributeProto.AttributeType values.
const A_FLOAT = 1;
const A_INT = 2;
const A_STRING = 3;
const A_TENSOR = 4;
const A_FLOATS = 6;
const A_INTS = 7;
const EXTERNAL = 1;

/** A constant tensor (initializer, Constant node, or folded shape arithmetic). */
interface Tensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
  readonly integer: boolean;
}

type Value = { readonly kind: 'node'; readonly node: number } | { readonly kind: 'const'; readonly tensor: Tensor };

function fail(message: string, code: ErrorCode = 'bad-file'): never {
  throw new PolytopeError(code, message);
}

/**
 * The shortest decimal that rounds to this float32. ONNX float attributes are float32, so PyTorch's
 * `LeakyReLU(0.1)` is stored as 0.10000000149011612; reading it back as 0.1 recovers what the
 * author wrote (and what a float64 evaluation of the PyTorch module uses).
 *
 * @example
 * float32Decimal(Math.fround(0.1)); // 0.1
 * float32Decimal(Math.fround(1 / 3)); // 0.33333334
 */
export function float32Decimal(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}

/** UTF-8 bytes → string (core has no TextDecoder in its lib typings). */
function utf8(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const extra = b < 0x80 ? 0 : b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    let cp = extra === 0 ? b : b & (0x3f >> extra);
    for (let k = 0; k < extra; k++) cp = (cp << 6) | ((bytes[++i] ?? 0) & 0x3f);
    s += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
  }
  return s;
}

function toInt(v: bigint, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) fail(`${what} is out of range (${v})`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Tensors

function decodeTensor(
  t: TensorProto,
  what: string,
  external: (location: string, what: string) => Uint8Array,
  budget?: (count: number, what: string) => void,
): Tensor {
  const dims = t.dims.map((d, i) => {
    const n = toInt(d, `${what} dims[${i}]`);
    if (n < 0) fail(`${what} has a negative dimension (${n})`);
    return n;
  });
  const count = sizeOf(dims);
  if (!Number.isSafeInteger(count)) fail(`${what} declares shape [${dims.join(', ')}], more elements than can be addressed`);
  const dtype = t.dataType;
  const elem =
    dtype === FLOAT || dtype === INT32 ? 4 : dtype === DOUBLE || dtype === INT64 ? 8 : dtype === FLOAT16 ? 2 : dtype === BOOL ? 1 : 0;
  if (elem === 0)
    fail(`${what} has data type ${DTYPE_NAMES[dtype] ?? dtype}; only FLOAT, DOUBLE, FLOAT16, INT32, INT64 and BOOL tensors are supported`);
  const integer = dtype === INT32 || dtype === INT64 || dtype === BOOL;
  let raw: Uint8Array | undefined;
  if (t.dataLocation === EXTERNAL) {
    const info = new Map(t.externalData.map((e) => [e.key, e.value]));
    const location = info.get('location');
    if (!location) fail(`${what} is marked as external data but names no file (external_data has no "location")`);
    const file = external(location, what);
    const offset = info.has('offset') ? Number(info.get('offset')) : 0;
    const length = info.has('length') ? Number(info.get('length')) : file.length - offset;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > file.length) {
      fail(
        `${what}: external data range offset ${info.get('offset') ?? 0}, length ${info.get('length') ?? '(rest)'} lies outside '${location}' (${file.length} bytes); is the data file truncated or from another export?`,
      );
    }
    raw = file.subarray(offset, offset + length);
  } else if (t.rawData.length > 0 || count === 0) raw = t.rawData;
  checkStoredSize(t, raw, { count, elem, dims }, what);
  budget?.(count, what);
  const data = new Float64Array(count);
  if (raw !== undefined) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      switch (dtype) {
        case FLOAT:
          data[i] = view.getFloat32(i * 4, true);
          break;
        case DOUBLE:
          data[i] = view.getFloat64(i * 8, true);
          break;
        case INT32:
          data[i] = view.getInt32(i * 4, true);
          break;
        case INT64:
          data[i] = Number(view.getBigInt64(i * 8, true));
          break;
        case BOOL:
          data[i] = view.getUint8(i) ? 1 : 0;
          break;
        default:
          data[i] = half(view.getUint16(i * 2, true));
      }
    }
    return { dims, data, integer };
  }
  const typed: ArrayLike<number | bigint> =
    dtype === FLOAT ? t.floatData : dtype === DOUBLE ? t.doubleData : dtype === INT64 ? t.int64Data : t.int32Data;
  if (typed.length !== count) fail(`${what} has ${typed.length} values, expected ${count} for shape [${dims.join(', ')}]`);
  for (let i = 0; i < count; i++) {
    const v = typed[i]!;
    data[i] = dtype === FLOAT16 ? half(Number(v)) : typeof v === 'bigint' ? Number(v) : v;
  }
  return { dims, data, integer };
}

/** Sizes are checked before anything is allocated: a declared shape larger than the stored data is refused here. */
function checkStoredSize(
  t: TensorProto,
  raw: Uint8Array | undefined,
  size: { count: number; elem: number; dims: number[] },
  what: string,
): void {
  const { count, elem, dims } = size;
  if (raw !== undefined) {
    if (raw.length !== count * elem)
      fail(`${what} has ${raw.length} bytes of data, expected ${count} × ${elem} = ${count * elem} for shape [${dims.join(', ')}]`);
    return;
  }
  const dtype = t.dataType;
  const stored =
    dtype === FLOAT
      ? t.floatData.length
      : dtype === DOUBLE
        ? t.doubleData.length
        : dtype === INT64
          ? t.int64Data.length
          : t.int32Data.length;
  if (stored !== count) fail(`${what} has ${stored} values, expected ${count} for shape [${dims.join(', ')}]`);
}

/** IEEE half-precision bits → number. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Numpy-style broadcasting of two constant tensors. */

function broadcast(a: Tensor, b: Tensor, op: (x: number, y: number) => number, what: string, maxBytes = DEFAULT_MAX_BYTES): Tensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]): number[] => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const dims = da.map((x, i) => {
    const y = db[i]!;
    if (x !== y && x !== 1 && y !== 1) fail(`${what}: cannot broadcast shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`);
    return x === 1 ? y : x;
  });
  const n = sizeOf(dims);
  checkAllocation(n, 8, `${what}: the broadcast result [${dims.join(', ')}]`, maxBytes);
  const data = new Float64Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let rem = k;
    for (let ax = rank - 1; ax >= 0; ax--) {
      idx[ax] = rem % dims[ax]!;
      rem = Math.floor(rem / dims[ax]!);
    }
    let ia = 0;
    let ib = 0;
    for (let ax = 0; ax < rank; ax++) {
      ia = ia * da[ax]! + (da[ax] === 1 ? 0 : idx[ax]!);
      ib = ib * db[ax]! + (db[ax] === 1 ? 0 : idx[ax]!);
    }
    data[k] = op(a.data[ia]!, b.data[ib]!);
  }
  return { dims, data, integer: a.integer && b.integer };
}

// ---------------------------------------------------------------------------------------------
// Attributes

class Attributes {
  private readonly map = new Map<string, AttributeProto>();
  constructor(
    node: NodeProto,
    private readonly where: string,
  ) {
    for (const a of node.attribute) this.map.set(a.name, a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  private get(name: string, type: number, typeName: string): AttributeProto | undefined {
    const a = this.map.get(name);
    if (a === undefined) return undefined;
    if (a.refAttrName) fail(`${this.where}: attribute '${name}' refers to a function attribute, which is not supported`);
    if (a.type !== type && a.type !== 0) fail(`${this.where}: attribute '${name}' should be ${typeName}`);
    return a;
  }
  int(name: string, fallback: number): number {
    const a = this.get(name, A_INT, 'an integer');
    return a === undefined ? fallback : toInt(a.i, `${this.where}: attribute '${name}'`);
  }
  ints(name: string): number[] | undefined {
    const a = this.get(name, A_INTS, 'a list of integers');
    return a?.ints.map((v, i) => toInt(v, `${this.where}: attribute '${name}'[${i}]`));
  }
  /** Float attributes are float32 in ONNX; read as the decimal the exporter was given (0.1, not 0.10000000149). */
  float(name: string, fallback: number): number {
    const a = this.get(name, A_FLOAT, 'a float');
    return a === undefined ? fallback : float32Decimal(a.f);
  }
  floats(name: string): number[] | undefined {
    return this.get(name, A_FLOATS, 'a list of floats')?.floats.map(float32Decimal);
  }
  string(name: string, fallback: string): string {
    const a = this.get(name, A_STRING, 'a string');
    return a === undefined ? fallback : utf8(a.s);
  }
  tensor(name: string): TensorProto | undefined {
    return this.get(name, A_TENSOR, 'a tensor')?.t;
  }
  names(): string[] {
    return [...this.map.keys()];
  }
}

// ---------------------------------------------------------------------------------------------
// Model → network

/**
 * Lists the external-data files a model refers to (so a caller knows what to load before
 * `readOnnx`). Empty for self-contained models.
 *
 * @example
 * onnxExternalDataFiles(bytes); // ['mlp.onnx.data']
 */
export function onnxExternalDataFiles(bytes: Uint8Array): string[] {
  const model = decodeModel(bytes);
  const files = new Set<string>();
  const visit = (t: TensorProto | undefined): void => {
    if (t?.dataLocation !== EXTERNAL) return;
    const loc = t.externalData.find((e) => e.key === 'location')?.value;
    if (loc) files.add(loc);
  };
  for (const t of model.graph?.initializer ?? []) visit(t);
  for (const n of model.graph?.node ?? []) for (const a of n.attribute) visit(a.t);
  return [...files];
}

function decodeModel(bytes: Uint8Array): ModelProto {
  if (!(bytes instanceof Uint8Array)) fail('readOnnx expects the model file as a Uint8Array of bytes');
  if (bytes.length === 0) fail('the ONNX file is empty (0 bytes)');
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    fail(`not a readable ONNX model: protobuf decoding failed (${(e as Error).message}); the file may be truncated or not an .onnx file`);
  }
  if (model.graph === undefined || model.graph.node.length === 0) {
    fail('not a readable ONNX model: it has no graph (or an empty one); the file may be truncated or not an .onnx file');
  }
  return model;
}

/**
 * Reads an ONNX model into a `Network`. Drops the batch dimension from the input shape, folds
 * BatchNormalization and constant Add/Sub/Mul/Div into the preceding Gemm/Conv/MatMul when that
 * layer feeds nothing else, and evaluates constant shape arithmetic (Shape → Gather → Concat →
 * Reshape). Throws `PolytopeError` on malformed bytes (`bad-file`), missing external data
 * (`bad-file`) and ops that are not piecewise-linear (`unsupported`).
 *
 * @example
 * // node: const bytes = fs.readFileSync('mlp.onnx');
 * const net = readOnnx(bytes, { externalData: (loc) => fs.readFileSync(path.join(dir, loc)) });
 * net.inputShape; // [10]
 * forward(net, x); // the model's output, float64
 */
export function readOnnx(bytes: Uint8Array, options: ReadOnnxOptions = {}): Network {
  const model = decodeModel(bytes);
  try {
    return new OnnxConverter(model, options).convert();
  } catch (e) {
    if (e instanceof PolytopeError || e instanceof InternalError) throw e;
    // Malformed-but-decodable models must not surface as a bare TypeError.
    throw new PolytopeError('bad-file', `could not read the ONNX model: ${(e as Error).message}`);
  }
}

class OnnxConverter {
  private readonly graph: GraphProto;
  readonly values = new Map<string, Value>();
  readonly specs: NodeSpec[] = [];
  readonly shapes: Shape[] = [];
  /** Uses of each tensor after looking through Identity/Dropout (graph outputs count). */
  readonly uses = new Map<string, number>();
  private readonly aliasOf = new Map<string, string>();
  private readonly files = new Map<string, Uint8Array>();
  private readonly initializers = new Map<string, TensorProto>();
  /** Bytes of decoded constants so far (float64), against `options.maxBytes`. */
  private decodedBytes = 0;
  /** The graph output being analysed (resolved through Identity/Dropout). */
  outputName = '';

  /** The model's default-domain opset version. */
  readonly opset: number;

  constructor(
    model: ModelProto,
    readonly options: ReadOnnxOptions,
  ) {
    this.graph = model.graph!;
    const imp = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    this.opset = imp ? Number(imp.version) : 1;
    for (const t of this.graph.initializer) this.initializers.set(t.name, t);
  }

  /** The allocation budget of this read (`ReadOnnxOptions.maxBytes`). */
  get maxBytes(): number {
    return this.options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  external = (location: string, what: string): Uint8Array => {
    const cached = this.files.get(location);
    if (cached) return cached;
    const read = this.options.externalData;
    if (read === undefined) {
      fail(
        `${what} keeps its data in the external file '${location}', but no external data was supplied; keep '${location}' beside the model (the CLI reads it from there) or pass options.externalData`,
        'bad-file',
      );
    }
    let file: Uint8Array | undefined;
    try {
      file = read(location);
    } catch (e) {
      fail(`could not read the external data file '${location}' (needed by ${what}): ${(e as Error).message}`, 'bad-file');
    }
    if (!(file instanceof Uint8Array)) fail(`the external data file '${location}' (needed by ${what}) was not found`, 'bad-file');
    this.files.set(location, file);
    return file;
  };

  /** Counts a constant about to be decoded against the memory budget (refuses before allocating). */
  budget = (count: number, what: string): void => {
    const max = this.maxBytes;
    this.decodedBytes += count * 8;
    if (this.decodedBytes > max)
      fail(
        `${what} has ${count} elements; with it the model's constants take ${this.decodedBytes} bytes as float64, more than the budget of ${max} bytes (raise it with options.maxBytes, or POLYTOPE_MAX_BYTES on the command line)`,
        'too-large',
      );
  };

  /** Decodes a tensor (initializer or attribute) within the memory budget. */
  decode(t: TensorProto, what: string): Tensor {
    return decodeTensor(t, what, this.external, this.budget);
  }

  resolve(name: string): string {
    let n = name;
    for (let a = this.aliasOf.get(n); a !== undefined; a = this.aliasOf.get(n)) n = a;
    return n;
  }

  convert(): Network {
    const g = this.graph;
    // Initializers are constants, decoded lazily (only the ones nodes read).
    const inputs = g.input.filter((v) => !this.initializers.has(v.name));
    if (inputs.length !== 1) {
      fail(
        inputs.length === 0
          ? 'the model has no graph input (every input is an initializer)'
          : `the model has ${inputs.length} graph inputs (${inputs.map((v) => `'${v.name}'`).join(', ')}); Polytope Lens reads single-input networks`,
      );
    }
    const input = inputs[0]!;
    const inputShape = this.inputShape(input);
    this.shapes.push(inputShape);
    this.values.set(input.name, { kind: 'node', node: 0 });

    // Use counts, looking through pure aliases.
    for (const node of g.node) {
      if ((node.opType === 'Identity' || node.opType === 'Dropout') && node.input[0] && node.output[0])
        this.aliasOf.set(node.output[0], node.input[0]);
    }
    const use = (name: string): void => {
      const r = this.resolve(name);
      this.uses.set(r, (this.uses.get(r) ?? 0) + 1);
    };
    for (const node of g.node) if (node.opType !== 'Identity' && node.opType !== 'Dropout') for (const i of node.input) if (i) use(i);
    for (const o of g.output) use(o.name);

    // The output. Duplicate output names are invalid ONNX (onnxruntime refuses them; issue 18 #17).
    const seen = new Set<string>();
    for (const o of g.output) {
      if (seen.has(o.name)) fail(`the graph lists the output '${o.name}' twice; output names must be unique`);
      seen.add(o.name);
    }
    let outName = this.options.output;
    if (outName === undefined) {
      if (g.output.length !== 1)
        fail(
          `the model has ${g.output.length} outputs (${g.output.map((o) => `'${o.name}'`).join(', ')}); choose one with options.output (on the command line: --output NAME)`,
        );
      outName = g.output[0]!.name;
    } else if (!g.output.some((o) => o.name === outName)) {
      fail(`the model has no output '${outName}'; its outputs are ${g.output.map((o) => `'${o.name}'`).join(', ')}`);
    }
    this.outputName = this.resolve(outName);

    g.node.forEach((node, k) => this.convertNode(node, k));

    const out = this.values.get(outName) ?? this.values.get(this.outputName);
    if (out === undefined) fail(`the graph output '${outName}' is not produced by any node`);
    if (out.kind !== 'node') fail(`the graph output '${outName}' is a constant; there is no network to analyse`);
    if (out.node === 0) fail(`the graph output '${outName}' is the input itself; there is no network to analyse`);

    // Keep only what the output depends on, renumbered.
    const keep = new Uint8Array(this.specs.length + 1);
    keep[out.node] = 1;
    for (let i = out.node; i > 0; i--) if (keep[i]) for (const j of this.specs[i - 1]!.inputs) keep[j] = 1;
    const renumber = new Int32Array(this.specs.length + 1).fill(-1);
    renumber[0] = 0;
    const final: NodeSpec[] = [];
    for (let i = 1; i <= out.node; i++) {
      if (!keep[i]) continue;
      const spec = this.specs[i - 1]!;
      final.push({ ...spec, inputs: spec.inputs.map((j) => renumber[j]!) } as NodeSpec);
      renumber[i] = final.length;
    }
    return buildNetwork(inputShape, final);
  }

  private inputShape(input: GraphProto['input'][number]): number[] {
    const type = input.type?.value;
    if (type?.case !== 'tensorType') fail(`graph input '${input.name}' is not a tensor`);
    const elem = type.value.elemType;
    if (elem !== FLOAT && elem !== DOUBLE && elem !== FLOAT16)
      fail(`graph input '${input.name}' has element type ${DTYPE_NAMES[elem] ?? elem}; expected a floating-point tensor`);
    const dims = type.value.shape?.dim;
    const given = this.options.inputShape;
    const fix = `give the sample shape (without the batch dimension) with --input-shape (CLI, e.g. --input-shape 3,32,32) or options.inputShape, or re-export with a fixed input size`;
    if (dims === undefined) {
      if (given !== undefined) return this.checkedShape(given, input.name);
      fail(`graph input '${input.name}' has no declared shape; ${fix}`);
    }
    if (given !== undefined) {
      if (given.length !== dims.length - 1)
        fail(
          `the input shape [${given.join(', ')}] has ${given.length} dimensions, but graph input '${input.name}' has ${dims.length - 1} besides the batch dimension`,
          'shape-mismatch',
        );
      dims.slice(1).forEach((d, i) => {
        if (d.value.case === 'dimValue' && toInt(d.value.value, 'dim') !== given[i])
          fail(
            `the input shape [${given.join(', ')}] gives dimension ${i + 1} as ${given[i]}, but graph input '${input.name}' fixes it to ${d.value.value}`,
            'shape-mismatch',
          );
      });
      return this.checkedShape(given, input.name);
    }
    if (dims.length < 2)
      fail(
        `graph input '${input.name}' has rank ${dims.length}; expected a batch dimension followed by the sample shape (e.g. [N, 10] or [N, C, H, W])`,
      );
    return dims.slice(1).map((d, i) => {
      if (d.value.case !== 'dimValue') {
        fail(
          `graph input '${input.name}' dimension ${i + 1} is ${d.value.case === 'dimParam' ? `symbolic ('${d.value.value}')` : 'unknown'}; only the batch dimension (the first) may be dynamic: ${fix}`,
          'unsupported',
        );
      }
      const n = toInt(d.value.value, `graph input '${input.name}' dimension ${i + 1}`);
      if (n < 1) fail(`graph input '${input.name}' dimension ${i + 1} is ${n}; expected a positive size`);
      return n;
    });
  }

  private checkedShape(shape: readonly number[], name: string): number[] {
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1))
      fail(`the input shape [${shape.join(', ')}] for graph input '${name}' must be positive integers`, 'bad-option');
    return [...shape];
  }

  // ---- value access ------------------------------------------------------------------------

  value(name: string, where: string): Value {
    const v = this.values.get(name);
    if (v !== undefined) return v;
    const init = this.initializers.get(name);
    if (init !== undefined) {
      const c: Value = { kind: 'const', tensor: this.decode(init, `initializer '${name}'`) };
      this.values.set(name, c);
      return c;
    }
    fail(`${where}: input '${name}' is not produced by any earlier node, initializer or graph input (is the graph in topological order?)`);
  }

  /** A computed (non-constant) input. */
  act(name: string | undefined, where: string, what = 'data input'): { node: number; shape: Shape } {
    if (!name) fail(`${where}: the ${what} is missing`);
    const v = this.value(name, where);
    if (v.kind !== 'node')
      fail(`${where}: the ${what} '${name}' is a constant; expected a tensor computed from the network input`, 'unsupported');
    return { node: v.node, shape: this.shapes[v.node]! };
  }

  /** A constant input (initializer, Constant node or folded shape arithmetic). */
  constant(name: string | undefined, where: string, what: string): Tensor {
    if (!name) fail(`${where}: the ${what} input is missing`);
    const v = this.value(name, where);
    if (v.kind !== 'const')
      fail(
        `${where}: the ${what} '${name}' is computed from the network input; it must be a constant (an initializer or Constant node)`,
        'unsupported',
      );
    return v.tensor;
  }

  optionalConstant(name: string | undefined, where: string, what: string): Tensor | undefined {
    return name ? this.constant(name, where, what) : undefined;
  }

  emit(spec: NodeSpec, output: string, where: string): number {
    const shape = inferShape(
      spec,
      spec.inputs.map((j) => this.shapes[j]!),
    );
    if (typeof shape === 'string') fail(`${where}: ${shape}`);
    this.specs.push(spec);
    this.shapes.push(shape);
    const index = this.specs.length;
    this.values.set(output, { kind: 'node', node: index });
    return index;
  }

  /** The node behind `inputName` if it is a dense/conv/channel-affine node that nothing else reads. */
  foldTarget(inputName: string, node: number): DenseSpec | Conv2dSpec | ChannelAffineSpec | undefined {
    if (node === 0 || this.uses.get(this.resolve(inputName)) !== 1) return undefined;
    const spec = this.specs[node - 1]!;
    if (spec.type === 'dense' || spec.type === 'conv2d' || spec.type === 'channel_affine') return spec;
    return undefined;
  }

  /**
   * Applies `y = (x − pre)·scale + post` per channel of `x` (values given per channel of x's
   * shape, see `channelCount`): folded into the producing dense/conv/channel-affine node when
   * possible, else a new `channel_affine` node.
   */
  channelAffine(
    inputName: string,
    src: { node: number; shape: Shape },
    map: ChannelMap,
    output: string,
    name: string,
    where: string,
  ): void {
    const { scale, pre, post } = map;
    const target = this.foldTarget(inputName, src.node);
    if (target !== undefined) {
      this.specs[src.node - 1] = foldIntoLinear(target, scale, pre, post);
      this.values.set(output, { kind: 'node', node: src.node });
      return;
    }
    const n = scale.length;
    const shift = new Float64Array(n);
    for (let c = 0; c < n; c++) shift[c] = (post ? post[c]! : 0) - (pre ? pre[c]! : 0) * scale[c]!;
    this.emit({ type: 'channel_affine', inputs: [src.node], scale, shift, name }, output, where);
  }

  /** A constant broadcast against `x` (full shape [1, ...shape]) → one value per channel unit of x. */
  perChannel(c: Tensor, shape: Shape, where: string, what: string): Float64Array {
    const full = [1, ...shape];
    const rank = full.length;
    if (c.dims.length > rank)
      fail(
        `${where}: the constant ${what} has shape [${c.dims.join(', ')}], more dimensions than the data [N, ${shape.join(', ')}]`,
        'unsupported',
      );
    const cd = [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims];
    for (let ax = 0; ax < rank; ax++) {
      if (cd[ax] !== 1 && cd[ax] !== full[ax])
        fail(`${where}: the constant ${what} of shape [${c.dims.join(', ')}] does not broadcast against the data [N, ${shape.join(', ')}]`);
    }
    if (shape.length === 3 && (cd[2] !== 1 || cd[3] !== 1)) {
      fail(
        `${where}: the constant ${what} of shape [${c.dims.join(', ')}] varies within a channel; only per-channel constants (shape [C, 1, 1]) can be folded on images`,
        'unsupported',
      );
    }
    const units = channelCount(shape);
    const out = new Float64Array(units);
    const unitShape = shape.length === 3 ? [shape[0]!, 1, 1] : shape;
    for (let u = 0; u < units; u++) {
      // unravel u over unitShape (ignoring the batch axis, which is 1 in both)
      let rem = u;
      let idx = 0;
      const coords = new Array<number>(unitShape.length);
      for (let ax = unitShape.length - 1; ax >= 0; ax--) {
        coords[ax] = rem % unitShape[ax]!;
        rem = Math.floor(rem / unitShape[ax]!);
      }
      for (let ax = 1; ax < rank; ax++) idx = idx * cd[ax]! + (cd[ax] === 1 ? 0 : coords[ax - 1]!);
      out[u] = c.data[idx]!;
    }
    return out;
  }

  /** Reshape a computed value to a new sample shape (alias when unchanged). */
  reshapeTo(src: { node: number; shape: Shape }, target: Shape, output: string, name: string, where: string): void {
    if (sizeOf(target) !== sizeOf(src.shape)) fail(`${where}: cannot reshape [N, ${src.shape.join(', ')}] to [N, ${target.join(', ')}]`);
    if (target.length === src.shape.length && target.every((d, i) => d === src.shape[i])) {
      this.values.set(output, { kind: 'node', node: src.node });
      return;
    }
    const spec: NodeSpec =
      target.length === 1
        ? { type: 'reshape', inputs: [src.node], name }
        : { type: 'reshape', inputs: [src.node], targetShape: [...target], name };
    this.emit(spec, output, where);
  }

  setConst(output: string, tensor: Tensor): void {
    this.values.set(output, { kind: 'const', tensor });
  }

  // ---- ops ---------------------------------------------------------------------------------

  convertNode(node: NodeProto, k: number): void {
    const op = node.opType;
    const name = node.name || node.output[0] || `node${k}`;
    const where = `node ${k} '${name}' (${op})`;
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      fail(
        `${where}: op '${op}' from domain '${node.domain}' is not supported; supported ops (default ONNX domain): ${SUPPORTED_ONNX_OPS.join(', ')}`,
        'unsupported',
      );
    }
    const attrs = new Attributes(node, where);
    const out = node.output[0];
    if (!out) fail(`${where}: the node has no output`);
    const extraOutputs = (from: number, what: string): void => {
      for (let i = from; i < node.output.length; i++) {
        const o = node.output[i]!;
        if (o && (this.uses.get(this.resolve(o)) ?? 0) > 0)
          fail(`${where}: its output ${i} ('${o}', ${what}) is used, which is not supported`, 'unsupported');
      }
    };
    // A final Softmax/LogSoftmax is not in the op table (it is not piecewise-linear): it is dropped with dropSoftmax, else refused with a hint.
    const convert = op === 'Softmax' || op === 'LogSoftmax' ? softmaxOp : OP_CONVERTERS.get(op);
    if (convert === undefined) {
      fail(
        `${where}: op '${op}' is not supported (it is not affine or piecewise-linear, or not yet implemented); supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}`,
        'unsupported',
      );
    }
    convert({ cv: this, node, op, name, where, attrs, out, inp: node.input, extraOutputs });
  }

  pair(v: number[] | undefined, where: string, what: string): [number, number] {
    if (v === undefined) return [1, 1];
    if (v.length !== 2) fail(`${where}: ${what} must list 2 values for a 2-D op, got [${v.join(', ')}]`);
    return [v[0]!, v[1]!];
  }

  /** pads → [top, left, bottom, right], resolving auto_pad. */
  pads(
    attrs: Attributes,
    inShape: Shape,
    kernel: readonly [number, number],
    stride: readonly [number, number],
    dilation: readonly [number, number],
    where: string,
  ): [number, number, number, number] {
    const auto = attrs.string('auto_pad', 'NOTSET');
    if (auto === 'NOTSET' || auto === '') {
      const p = attrs.ints('pads');
      if (p === undefined) return [0, 0, 0, 0];
      if (p.length !== 4) fail(`${where}: pads must list 4 values [top, left, bottom, right] for a 2-D op, got [${p.join(', ')}]`);
      return [p[0]!, p[1]!, p[2]!, p[3]!];
    }
    if (auto === 'VALID') return [0, 0, 0, 0];
    if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') fail(`${where}: unknown auto_pad '${auto}'`);
    const before: number[] = [];
    const after: number[] = [];
    for (let ax = 0; ax < 2; ax++) {
      const size = inShape[ax + 1]!;
      const outSize = Math.ceil(size / stride[ax]!);
      const total = Math.max(0, (outSize - 1) * stride[ax]! + (kernel[ax]! - 1) * dilation[ax]! + 1 - size);
      const small = Math.floor(total / 2);
      before.push(auto === 'SAME_UPPER' ? small : total - small);
      after.push(auto === 'SAME_UPPER' ? total - small : small);
    }
    return [before[0]!, before[1]!, after[0]!, after[1]!];
  }
}

// ---- ops: one converter per ONNX op type ------------------------------------------------------

/** What a converter sees of one ONNX node. */
interface OpContext {
  readonly cv: OnnxConverter;
  readonly node: NodeProto;
  readonly op: string;
  /** The node's name (or its first output's), for names of the nodes it emits. */
  readonly name: string;
  /** `node k 'name' (Op)`, the prefix of every error message. */
  readonly where: string;
  readonly attrs: Attributes;
  /** The node's first output. */
  readonly out: string;
  readonly inp: readonly string[];
  /** Refuses the node if one of its outputs from index `from` on is used. */
  extraOutputs(from: number, what: string): void;
}

type OpConverter = (cx: OpContext) => void;

/** Constant: a constant tensor from a tensor, float(s) or int(s) attribute. */
function constantOp(cx: OpContext): void {
  const { cv, attrs, out, where } = cx;
  const t = attrs.tensor('value');
  let tensor: Tensor;
  if (t !== undefined) tensor = cv.decode(t, `${where} value`);
  else if (attrs.has('value_float')) tensor = { dims: [], data: Float64Array.of(attrs.float('value_float', 0)), integer: false };
  else if (attrs.has('value_floats'))
    tensor = { dims: [attrs.floats('value_floats')!.length], data: Float64Array.from(attrs.floats('value_floats')!), integer: false };
  else if (attrs.has('value_int')) tensor = { dims: [], data: Float64Array.of(attrs.int('value_int', 0)), integer: true };
  else if (attrs.has('value_ints'))
    tensor = { dims: [attrs.ints('value_ints')!.length], data: Float64Array.from(attrs.ints('value_ints')!), integer: true };
  else
    fail(
      `${where}: only tensor, float(s) and int(s) constants are supported (attributes: ${attrs.names().join(', ') || 'none'})`,
      'unsupported',
    );
  cv.setConst(out, tensor);
}

/** Identity, Dropout (eval mode): the output is an alias of the input. */
function aliasOp(cx: OpContext): void {
  const { cv, op, inp, out, where, extraOutputs } = cx;
  if (op === 'Dropout') {
    extraOutputs(1, 'the dropout mask');
    const training = cv.optionalConstant(inp[2], where, 'training_mode');
    if (training !== undefined && training.data[0]) fail(`${where}: training_mode is true; export the model in eval mode`, 'unsupported');
  }
  const v = cv.value(inp[0] ?? '', where);
  cv.values.set(out, v);
}

/** Shape: a constant (the sample shape with batch 1), sliced by start/end. */
function shapeOp(cx: OpContext): void {
  const { cv, attrs, inp, out, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  const full = v.kind === 'node' ? [1, ...cv.shapes[v.node]!] : [...v.tensor.dims];
  const r = full.length;
  const norm = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = norm(attrs.int('start', 0));
  const end = norm(attrs.int('end', r));
  const dims = full.slice(start, Math.max(start, end));
  cv.setConst(out, { dims: [dims.length], data: Float64Array.from(dims), integer: true });
}

/** Cast: a float cast of computed values is an alias; constants are converted. */
function castOp(cx: OpContext): void {
  const { cv, attrs, inp, out, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  const to = attrs.int('to', FLOAT);
  if (v.kind === 'node') {
    if (to !== FLOAT && to !== DOUBLE)
      fail(`${where}: casting the network's values to ${DTYPE_NAMES[to] ?? to} is not piecewise-linear`, 'unsupported');
    cv.values.set(out, v);
    return;
  }
  const isInt = to === INT32 || to === INT64 || to === BOOL;
  const data = v.tensor.data.map((x) => (to === BOOL ? (x ? 1 : 0) : isInt ? Math.trunc(x) : to === FLOAT ? Math.fround(x) : x));
  cv.setConst(out, { dims: v.tensor.dims, data, integer: isInt });
}

/** Gather on 1-D constants (shape arithmetic). */
function gatherOp(cx: OpContext): void {
  const { cv, attrs, inp, out, where } = cx;
  if (cv.value(inp[0] ?? '', where).kind === 'node') {
    gatherComputed(cx);
    return;
  }
  const data = cv.constant(inp[0], where, 'data');
  const indices = cv.constant(inp[1], where, 'indices');
  const axis = attrs.int('axis', 0);
  if (data.dims.length !== 1 || (axis !== 0 && axis !== -1))
    fail(
      `${where}: Gather is supported only on 1-D constants (shape arithmetic), got data of shape [${data.dims.join(', ')}]`,
      'unsupported',
    );
  const n = data.dims[0]!;
  const vals = Array.from(indices.data, (i) => {
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) fail(`${where}: index ${i} is out of range for ${n} values`);
    return data.data[j]!;
  });
  cv.setConst(out, { dims: indices.dims, data: Float64Array.from(vals), integer: data.integer });
}

/**
 * Gather of computed data by constant indices along a sample axis: slices (a scalar index also drops
 * the axis; an index list that is not an arithmetic progression concatenates one slice per index).
 */
function gatherComputed(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const idx = cv.constant(inp[1], where, 'indices');
  const r = x.shape.length + 1;
  const [a] = sampleAxes([attrs.int('axis', 0)], r, where, 'attribute axis');
  const dim = x.shape[a!]!;
  if (idx.dims.length > 1)
    fail(
      `${where}: indices of shape [${idx.dims.join(', ')}] on computed data are not supported; supported: a scalar or a 1-D list`,
      'unsupported',
    );
  const list = Array.from(idx.data, (i) => {
    const j = i < 0 ? i + dim : i;
    if (!Number.isInteger(j) || j < 0 || j >= dim) fail(`${where}: index ${i} is out of range for axis ${a! + 1} of size ${dim}`);
    return j;
  });
  if (list.length === 0) fail(`${where}: the index list is empty`, 'unsupported');
  const step = list.length > 1 ? list[1]! - list[0]! : 1;
  const progression = step !== 0 && list.every((j, k) => j === list[0]! + k * step);
  const sliceOf = (first: number, count: number, st: number, output: string, nm: string): number => {
    let end = first + count * st;
    if (end < 0) end -= dim;
    return cv.emit({ type: 'slice', inputs: [x.node], starts: [first], ends: [end], axes: [a!], steps: [st], name: nm }, output, where);
  };
  let node: number;
  const picked = idx.dims.length === 0 ? `${out}/picked` : out;
  if (progression) node = sliceOf(list[0]!, list.length, step, picked, name);
  else {
    const parts = list.map((j, k) => sliceOf(j, 1, 1, `${out}/${k}`, `${name}/${k}`));
    node = cv.emit({ type: 'concat', inputs: parts, axis: a!, name }, picked, where);
  }
  if (idx.dims.length === 0)
    cv.reshapeTo(
      { node, shape: cv.shapes[node]! },
      x.shape.filter((_, i) => i !== a),
      out,
      `${name}/squeeze`,
      where,
    );
}

/** Concat of 1-D constants (shape arithmetic). */
function concatOp(cx: OpContext): void {
  const { cv, inp, out, where } = cx;
  const parts = inp.map((n) => cv.value(n, where));
  if (parts.every((p) => p.kind === 'const')) {
    const ts = parts.map((p) => (p as { tensor: Tensor }).tensor);
    if (ts.some((t) => t.dims.length !== 1))
      fail(`${where}: Concat of constants is supported only for 1-D tensors (shape arithmetic)`, 'unsupported');
    const data = Float64Array.from(ts.flatMap((t) => Array.from(t.data)));
    cv.setConst(out, { dims: [data.length], data, integer: ts.every((t) => t.integer) });
    return;
  }
  const rank = parts.map((p) => (p.kind === 'node' ? cv.shapes[p.node]!.length + 1 : p.tensor.dims.length));
  const r = rank[0]!;
  const axis = cx.attrs.int('axis', 1);
  const a = axis < 0 ? axis + r : axis;
  if (a === 0)
    fail(
      `${where}: attribute axis = ${axis} concatenates along the batch dimension; only sample axes (1..${r - 1}) are supported`,
      'unsupported',
    );
  if (a < 0 || a >= r) fail(`${where}: attribute axis = ${axis} is out of range for rank ${r}`);
  const nodes = parts.map((p, k) => {
    if (p.kind === 'node') return p.node;
    // A constant part: a broadcast_affine of scale 0 on a computed part of the right shape is not exact in
    // general (0 · x stays 0 only for finite x), so constant parts are refused.
    return fail(
      `${where}: input ${k} ('${inp[k]}') is a constant; Concat of computed tensors with constants is not supported`,
      'unsupported',
    );
  });
  for (let k = 1; k < nodes.length; k++) {
    const s0 = cv.shapes[nodes[0]!]!;
    const sk = cv.shapes[nodes[k]!]!;
    if (sk.length !== s0.length || sk.some((d, i) => i !== a - 1 && d !== s0[i]))
      fail(
        `${where}: cannot concatenate [N, ${s0.join(', ')}] and [N, ${sk.join(', ')}] along axis ${a}: the other dimensions must match`,
        'shape-mismatch',
      );
  }
  cv.emit({ type: 'concat', inputs: nodes, axis: a - 1, name: cx.name }, out, where);
}

/** Unsqueeze, Squeeze: constant folding, or a per-sample reshape of computed values. */
function squeezeOp(cx: OpContext): void {
  const { cv, op, attrs, inp, out, name, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  const axesT = cv.optionalConstant(inp[1], where, 'axes');
  const axes = axesT ? Array.from(axesT.data) : attrs.ints('axes');
  const full = v.kind === 'node' ? [1, ...cv.shapes[v.node]!] : [...v.tensor.dims];
  let dims: number[];
  if (op === 'Unsqueeze') {
    if (axes === undefined) fail(`${where}: Unsqueeze needs axes`);
    const r = full.length + axes.length;
    const norm = axes.map((a) => (a < 0 ? a + r : a)).sort((a, b) => a - b);
    dims = [...full];
    for (const a of norm) dims.splice(a, 0, 1);
    if (v.kind === 'node' && norm.includes(0)) fail(`${where}: unsqueezing at axis 0 would move the batch dimension`, 'unsupported');
  } else {
    const r = full.length;
    const norm =
      axes === undefined
        ? full.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0 && (v.kind === 'const' || i > 0))
        : axes.map((a) => (a < 0 ? a + r : a));
    for (const a of norm) if (full[a] !== 1) fail(`${where}: cannot squeeze axis ${a} of size ${full[a]}`);
    if (v.kind === 'node' && norm.includes(0)) fail(`${where}: squeezing axis 0 would remove the batch dimension`, 'unsupported');
    dims = full.filter((_, i) => !norm.includes(i));
  }
  if (v.kind === 'const') cv.setConst(out, { dims, data: v.tensor.data, integer: v.tensor.integer });
  else cv.reshapeTo({ node: v.node, shape: cv.shapes[v.node]! }, dims.slice(1), out, name, where);
}

/** Gemm: a dense node (alpha, beta and transB applied to the constants). */
function gemmOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  if (attrs.int('transA', 0) !== 0) fail(`${where}: transA = 1 (transposing the batch) is not supported`, 'unsupported');
  const a = cv.act(inp[0], where, 'input A');
  if (a.shape.length !== 1) fail(`${where}: input A has shape [N, ${a.shape.join(', ')}]; Gemm needs [N, K] (add a Flatten)`);
  const b = cv.constant(inp[1], where, 'weight B');
  const c = cv.optionalConstant(inp[2], where, 'bias C');
  const transB = attrs.int('transB', 0) !== 0;
  const alpha = attrs.float('alpha', 1);
  const beta = attrs.float('beta', 1);
  if (b.dims.length !== 2) fail(`${where}: weight B has shape [${b.dims.join(', ')}]; expected a matrix`);
  const [r0, r1] = b.dims as [number, number];
  const kIn = transB ? r1 : r0;
  const nOut = transB ? r0 : r1;
  if (kIn !== a.shape[0])
    fail(
      `${where}: weight B is [${r0}, ${r1}]${transB ? ' (transposed)' : ''}, i.e. ${kIn} inputs, but the input has ${a.shape[0]} features`,
    );
  const weight = new Float64Array(nOut * kIn);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < kIn; i++) weight[o * kIn + i] = alpha * b.data[transB ? o * kIn + i : i * nOut + o]!;
  const bias = new Float64Array(nOut);
  if (c !== undefined) {
    const per = cv.perChannel(c, [nOut], where, 'bias C');
    for (let o = 0; o < nOut; o++) bias[o] = beta * per[o]!;
  }
  cv.emit({ type: 'dense', inputs: [a.node], inFeatures: kIn, outFeatures: nOut, weight, bias, name }, out, where);
}

/** MatMul: x @ W with constant W is a dense node without bias. */
function matMulOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const left = cv.value(inp[0] ?? '', where);
  if (left.kind === 'const')
    fail(`${where}: a constant times the data (weight on the left) is not supported; export as x @ W`, 'unsupported');
  const a = cv.act(inp[0], where, 'input A');
  const b = cv.constant(inp[1], where, 'weight B');
  if (a.shape.length !== 1)
    fail(`${where}: input A has shape [N, ${a.shape.join(', ')}]; only [N, K] @ [K, M] is supported`, 'unsupported');
  if (b.dims.length !== 2) fail(`${where}: weight B has shape [${b.dims.join(', ')}]; expected a [K, M] matrix`, 'unsupported');
  const [kIn, nOut] = b.dims as [number, number];
  if (kIn !== a.shape[0]) fail(`${where}: weight B is [${kIn}, ${nOut}] but the input has ${a.shape[0]} features`);
  const weight = new Float64Array(nOut * kIn);
  for (let o = 0; o < nOut; o++) for (let i = 0; i < kIn; i++) weight[o * kIn + i] = b.data[i * nOut + o]!;
  cv.emit({ type: 'dense', inputs: [a.node], inFeatures: kIn, outFeatures: nOut, weight, bias: new Float64Array(nOut), name }, out, where);
}

/** Conv: a 2-D convolution node (groups, dilation, explicit or automatic padding). */
function convOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  if (x.shape.length !== 3)
    fail(`${where}: only 2-D convolutions on [N, C, H, W] data are supported; the input is [N, ${x.shape.join(', ')}]`, 'unsupported');
  const w = cv.constant(inp[1], where, 'weight');
  if (w.dims.length !== 4) fail(`${where}: weight has shape [${w.dims.join(', ')}]; expected [out, in/groups, kh, kw]`, 'unsupported');
  const [oc, icg, kh, kw] = w.dims as [number, number, number, number];
  const ks = attrs.ints('kernel_shape');
  if (ks !== undefined && (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw))
    fail(`${where}: kernel_shape [${ks.join(', ')}] does not match the weight's [${kh}, ${kw}]`);
  const groups = attrs.int('group', 1);
  const b = cv.optionalConstant(inp[2], where, 'bias');
  if (b !== undefined && b.data.length !== oc) fail(`${where}: bias has ${b.data.length} values, expected ${oc}`);
  const stride = cv.pair(attrs.ints('strides'), where, 'strides');
  const dilation = cv.pair(attrs.ints('dilations'), where, 'dilations');
  const padding = cv.pads(attrs, x.shape, [kh, kw], stride, dilation, where);
  cv.emit(
    {
      type: 'conv2d',
      inputs: [x.node],
      inChannels: icg * groups,
      outChannels: oc,
      kernel: [kh, kw],
      stride,
      padding,
      dilation,
      groups,
      weight: Float64Array.from(w.data),
      bias: b ? Float64Array.from(b.data) : new Float64Array(oc),
      name,
    },
    out,
    where,
  );
}

/** MaxPool, AveragePool: 2-D pooling nodes (floor output sizes only). */
function poolOp(cx: OpContext): void {
  const { cv, op, attrs, inp, out, name, where, extraOutputs } = cx;
  const x = cv.act(inp[0], where);
  if (x.shape.length !== 3)
    fail(`${where}: only 2-D pooling on [N, C, H, W] data is supported; the input is [N, ${x.shape.join(', ')}]`, 'unsupported');
  const ceilMode = attrs.int('ceil_mode', 0);
  if (ceilMode !== 0 && ceilMode !== 1) fail(`${where}: attribute ceil_mode = ${ceilMode}; supported values are 0 and 1`, 'unsupported');
  const ceil = ceilMode === 1 ? { ceilMode: true } : {};
  const ks = attrs.ints('kernel_shape');
  if (ks === undefined || ks.length !== 2)
    fail(`${where}: kernel_shape must list 2 sizes, got ${ks === undefined ? 'none' : `[${ks.join(', ')}]`}`);
  const kernel: [number, number] = [ks[0]!, ks[1]!];
  const stride = cv.pair(attrs.ints('strides'), where, 'strides');
  const dilation = cv.pair(attrs.ints('dilations'), where, 'dilations');
  const padding = cv.pads(attrs, x.shape, kernel, stride, dilation, where);
  if (op === 'MaxPool') {
    if (attrs.int('storage_order', 0) !== 0) fail(`${where}: storage_order = 1 (column-major indices) is not supported`, 'unsupported');
    extraOutputs(1, 'the argmax indices');
    cv.emit({ type: 'maxpool', inputs: [x.node], kernel, stride, padding, dilation, ...ceil, name }, out, where);
  } else {
    if (dilation[0] !== 1 || dilation[1] !== 1)
      fail(`${where}: attribute dilations = [${dilation.join(', ')}] is not supported for AveragePool; supported: [1, 1]`, 'unsupported');
    const cip = attrs.int('count_include_pad', 0);
    if (cip !== 0 && cip !== 1) fail(`${where}: attribute count_include_pad = ${cip}; supported values are 0 and 1`, 'unsupported');
    cv.emit({ type: 'avgpool', inputs: [x.node], kernel, stride, padding, countIncludePad: cip === 1, ...ceil, name }, out, where);
  }
}

/** GlobalMaxPool: a max-pool whose one window is the whole map. */
function globalMaxPoolOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  if (x.shape.length !== 3)
    fail(`${where}: only 2-D pooling on [N, C, H, W] data is supported; the input is [N, ${x.shape.join(', ')}]`, 'unsupported');
  const kernel: [number, number] = [x.shape[1]!, x.shape[2]!];
  cv.emit({ type: 'maxpool', inputs: [x.node], kernel, stride: kernel, padding: [0, 0, 0, 0], dilation: [1, 1], name }, out, where);
}

/** GlobalAveragePool: a global average pooling node. */
function globalAveragePoolOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  cv.emit({ type: 'global_avgpool', inputs: [x.node], name }, out, where);
}

/** Flatten (axis 1): a reshape to [N, features]. */
function flattenOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const r = x.shape.length + 1;
  const axis = attrs.int('axis', 1);
  if ((axis < 0 ? axis + r : axis) !== 1)
    fail(`${where}: Flatten with axis ${axis} mixes the batch dimension into the features; only axis 1 is supported`, 'unsupported');
  cv.reshapeTo(x, [sizeOf(x.shape)], out, name, where);
}

/** Reshape by a constant target shape that keeps the batch dimension first. */
function reshapeOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  const t = cv.constant(inp[1], where, 'shape');
  const allowZero = attrs.int('allowzero', 0) !== 0;
  if (v.kind === 'const') {
    // Shape arithmetic (e.g. the pads of F.pad): a reshape of a constant.
    const n = v.tensor.data.length;
    const dims = Array.from(t.data, (d, i) => (d === 0 && !allowZero ? (v.tensor.dims[i] ?? 0) : d));
    const k = dims.indexOf(-1);
    if (k >= 0) dims[k] = n / dims.reduce((a, d, i) => (i === k ? a : a * d), 1);
    if (sizeOf(dims) !== n || dims.some((d) => !Number.isInteger(d) || d < 0))
      fail(`${where}: cannot reshape a constant of shape [${v.tensor.dims.join(', ')}] to [${Array.from(t.data).join(', ')}]`);
    cv.setConst(out, { ...v.tensor, dims });
    return;
  }
  const x = cv.act(inp[0], where);
  const full = [1, ...x.shape];
  const dims = Array.from(t.data, (d, i) =>
    d === 0 && !allowZero ? (full[i] ?? fail(`${where}: shape[${i}] = 0 copies a dimension the input does not have`)) : d,
  );
  const free = dims.filter((d) => d === -1).length;
  if (free > 1 || dims.some((d) => !Number.isInteger(d) || d < -1))
    fail(`${where}: invalid target shape [${Array.from(t.data).join(', ')}]`);
  const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const n = sizeOf(full);
  if (free === 1) {
    if (known === 0 || n % known !== 0) fail(`${where}: cannot reshape [N, ${x.shape.join(', ')}] to [${Array.from(t.data).join(', ')}]`);
    dims[dims.indexOf(-1)] = n / known;
  }
  if (sizeOf(dims) !== n)
    fail(`${where}: cannot reshape [N, ${x.shape.join(', ')}] (${n} values per sample) to [${Array.from(t.data).join(', ')}]`);
  if (dims.length < 2 || dims[0] !== 1)
    fail(
      `${where}: the target shape [${Array.from(t.data).join(', ')}] does not keep the batch dimension first; only per-sample reshapes are supported`,
      'unsupported',
    );
  cv.reshapeTo(x, dims.slice(1), out, name, where);
}

/** Add, Sub, Mul, Div: folded on constants, a residual add of two computed tensors, else per-channel affine. */
function arithmeticOp(cx: OpContext): void {
  const { cv, inp, where } = cx;
  const va = cv.value(inp[0] ?? '', where);
  const vb = cv.value(inp[1] ?? '', where);
  if (va.kind === 'const' && vb.kind === 'const') constantArithmetic(cx, va.tensor, vb.tensor);
  else if (va.kind === 'node' && vb.kind === 'node') computedArithmetic(cx, va.node, vb.node);
  else affineArithmetic(cx, va.kind === 'node' ? vb : va, va.kind === 'node');
}

/** Add/Sub/Mul/Div of two constants (shape arithmetic); integer Div truncates. */
function constantArithmetic(cx: OpContext, a: Tensor, b: Tensor): void {
  const { cv, op, out, where } = cx;
  const f =
    op === 'Add'
      ? (p: number, q: number) => p + q
      : op === 'Sub'
        ? (p: number, q: number) => p - q
        : op === 'Mul'
          ? (p: number, q: number) => p * q
          : (p: number, q: number) => p / q;
  const r = broadcast(a, b, f, where, cv.maxBytes);
  const integer = a.integer && b.integer;
  cv.setConst(out, integer && op === 'Div' ? { ...r, data: r.data.map(Math.trunc), integer } : r);
}

/** Add/Sub of two computed tensors (numpy broadcasting): an `add` node (Sub negates its right input first). */
function computedArithmetic(cx: OpContext, left: number, right: number): void {
  const { cv, op, out, name, where } = cx;
  if (op === 'Add' || op === 'Sub') {
    computedBroadcast(cx, left, right, op === 'Add' ? 'add' : 'subtract');
    cv.emit(
      op === 'Add' ? { type: 'add', inputs: [left, right], name } : { type: 'add', inputs: [left, right], coefficients: [1, -1], name },
      out,
      where,
    );
    return;
  }
  fail(`${where}: ${op} of two computed tensors is not piecewise-linear; supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}`, 'unsupported');
}

/** One computed input, one constant: a per-channel affine map. */
function affineArithmetic(cx: OpContext, operand: Value, dataFirst: boolean): void {
  const { cv, op, inp, out, name, where } = cx;
  const xName = dataFirst ? inp[0]! : inp[1]!;
  const x = cv.act(xName, where);
  if (operand.kind !== 'const') fail(`${where}: expected one constant operand`);
  if (!isPerChannel(operand.tensor, x.shape)) {
    broadcastArithmetic(cx, x, operand.tensor, dataFirst);
    return;
  }
  const c = cv.perChannel(operand.tensor, x.shape, where, 'operand');
  const n = c.length;
  const ones = new Float64Array(n).fill(1);
  if (op === 'Add') cv.channelAffine(xName, x, { scale: ones, post: c }, out, name, where);
  else if (op === 'Sub') {
    if (dataFirst) cv.channelAffine(xName, x, { scale: ones, pre: c }, out, name, where);
    else cv.channelAffine(xName, x, { scale: new Float64Array(n).fill(-1), post: c }, out, name, where);
  } else if (op === 'Mul') cv.channelAffine(xName, x, { scale: c }, out, name, where);
  else {
    if (!dataFirst) fail(`${where}: dividing a constant by the data is not piecewise-linear`, 'unsupported');
    if (c.some((v) => v === 0)) fail(`${where}: division by a constant that contains 0`);
    cv.channelAffine(xName, x, { scale: c.map((v) => 1 / v) }, out, name, where);
  }
}

/** Add/Sub/Mul/Div of computed data and a constant that varies inside a channel: a broadcast_affine node. */
function broadcastArithmetic(cx: OpContext, x: { node: number; shape: Shape }, t: Tensor, dataFirst: boolean): void {
  const { op, out, name, where } = cx;
  const c = sampleConstant(t, x.shape, where, 'operand');
  if (op === 'Add') emitBroadcastAffine(cx, x, { shift: c }, out, name);
  else if (op === 'Sub') {
    if (dataFirst) emitBroadcastAffine(cx, x, { shift: { data: c.data.map((v) => -v), dims: c.dims } }, out, name);
    else emitBroadcastAffine(cx, x, { scale: { data: Float64Array.of(-1), dims: [] }, shift: c }, out, name);
  } else if (op === 'Mul') emitBroadcastAffine(cx, x, { scale: c }, out, name);
  else {
    if (!dataFirst) fail(`${where}: dividing a constant by the data is not piecewise-linear`, 'unsupported');
    if (c.data.some((v) => v === 0)) fail(`${where}: division by a constant that contains 0`);
    emitBroadcastAffine(cx, x, { scale: { data: c.data.map((v) => 1 / v), dims: c.dims } }, out, name);
  }
}

/** BatchNormalization (eval mode): folded into the producing dense/conv node when exact, else channel_affine. */
function batchNormOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where, extraOutputs } = cx;
  const x = cv.act(inp[0], where);
  if (attrs.int('training_mode', 0) !== 0) fail(`${where}: training_mode = 1; export the model in eval mode (model.eval())`, 'unsupported');
  extraOutputs(1, 'running statistics (training mode)');
  const channels = x.shape.length >= 2 ? x.shape[0]! : sizeOf(x.shape);
  const get = (i: number, what: string): Float64Array => {
    const t = cv.constant(inp[i], where, what);
    if (t.data.length !== channels) fail(`${where}: ${what} has ${t.data.length} values, expected ${channels} (one per channel)`);
    return t.data;
  };
  const gamma = get(1, 'scale');
  const beta = get(2, 'bias B');
  const mean = get(3, 'mean');
  const variance = get(4, 'var');
  const eps = attrs.float('epsilon', BATCHNORM_DEFAULT_EPS);
  const target = cv.foldTarget(inp[0]!, x.node);
  const scale = batchNormScale(gamma, variance, eps);
  if (target !== undefined && target.type !== 'channel_affine') {
    // exact fold: w' = w·γ/√(var+ε), b' = (b − mean)·γ/√(var+ε) + β
    cv.specs[x.node - 1] = foldIntoLinear(target, scale, mean, beta);
    cv.values.set(out, { kind: 'node', node: x.node });
    return;
  }
  const ca = batchNormAffine(gamma, beta, mean, variance, eps);
  cv.channelAffine(inp[0]!, x, { scale: expandChannels(ca.scale, x.shape), post: expandChannels(ca.shift, x.shape) }, out, name, where);
}

/** Relu: a relu node. */
function reluOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  cv.emit({ type: 'relu', inputs: [x.node], name }, out, where);
}

/** LeakyRelu: a leaky_relu node with the given alpha. */
function leakyReluOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  cv.emit({ type: 'leaky_relu', inputs: [x.node], alpha: attrs.float('alpha', 0.01), name }, out, where);
}

/** Clip: `hardtanh` when both bounds are finite, `relu` for [0, ∞), one-sided clips through a relu. */
function clipOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const lo = cv.optionalConstant(inp[1], where, 'min');
  const hi = cv.optionalConstant(inp[2], where, 'max');
  const min = lo ? lo.data[0]! : attrs.float('min', -Infinity);
  const max = hi ? hi.data[0]! : attrs.float('max', Infinity);
  if ((lo && lo.data.length !== 1) || (hi && hi.data.length !== 1)) fail(`${where}: min and max must be scalars`, 'unsupported');
  if (!(min < max)) fail(`${where}: needs min < max, got min ${min}, max ${max}`);
  if (Number.isFinite(min) && Number.isFinite(max)) {
    cv.emit({ type: 'hardtanh', inputs: [x.node], min, max, name }, out, where);
  } else if (min === 0 && max === Infinity) {
    cv.emit({ type: 'relu', inputs: [x.node], name }, out, where);
  } else if (Number.isFinite(min)) {
    // max(x, m) = relu(x − m) + m
    const units = channelCount(x.shape);
    clipThroughRelu(cx, x, { sign: 1, pre: new Float64Array(units).fill(min), bound: min, names: ['shift', 'unshift'] });
  } else if (Number.isFinite(max)) {
    // min(x, M) = M − relu(M − x)
    const units = channelCount(x.shape);
    clipThroughRelu(cx, x, { sign: -1, post: new Float64Array(units).fill(max), bound: max, names: ['flip', 'unflip'] });
  } else cv.values.set(out, { kind: 'node', node: x.node });
}

/** A one-sided clip: the sign, the per-channel shift before or after the sign, the bound, node-name suffixes. */
interface OneSidedClip {
  readonly sign: 1 | -1;
  readonly pre?: Float64Array | undefined;
  readonly post?: Float64Array | undefined;
  readonly bound: number;
  readonly names: readonly [string, string];
}

/** A one-sided clip as `sign·relu((x − pre)·sign + post) + bound`, nodes named `name/<before>`, `name/<after>`. */
function clipThroughRelu(cx: OpContext, x: { node: number; shape: Shape }, clip: OneSidedClip): void {
  const { sign, pre, post, bound } = clip;
  const [before, after] = clip.names;
  const { cv, inp, out, name, where } = cx;
  const units = channelCount(x.shape);
  const moved = `${out}/${before}`;
  cv.channelAffine(inp[0]!, x, { scale: new Float64Array(units).fill(sign), pre, post }, moved, `${name}/${before}`, where);
  const r = cv.emit({ type: 'relu', inputs: [(cv.values.get(moved) as { node: number }).node], name }, `${out}/relu`, where);
  cv.emit(
    {
      type: 'channel_affine',
      inputs: [r],
      scale: new Float64Array(units).fill(sign),
      shift: new Float64Array(units).fill(bound),
      name: `${name}/${after}`,
    },
    out,
    where,
  );
}

// ---- the data-movement ops (gather nodes) ------------------------------------------------------

/** The batch axis must be left alone: a sample-axis list from ONNX axes (rank r with batch). */
function sampleAxes(axes: readonly number[], r: number, where: string, what: string): number[] {
  return axes.map((a) => {
    const n = a < 0 ? a + r : a;
    if (!Number.isInteger(n) || n < 0 || n >= r) fail(`${where}: ${what} ${a} is out of range for rank ${r}`);
    if (n === 0) fail(`${where}: ${what} ${a} is the batch dimension; only sample axes (1..${r - 1}) are supported`, 'unsupported');
    return n - 1;
  });
}

const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'edge', 'wrap'];

/** Pad (every mode): a pad node (opset ≥ 11 inputs, or the older attributes). */
function padOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const r = x.shape.length + 1;
  const mode = attrs.string('mode', 'constant');
  if (!PAD_MODES.includes(mode as PadMode))
    fail(`${where}: attribute mode = '${mode}' is not supported; supported: ${PAD_MODES.join(', ')}`, 'unsupported');
  let pads: number[];
  let value: number;
  if (cv.opset >= 11) {
    pads = Array.from(cv.constant(inp[1], where, 'pads').data);
    const v = cv.optionalConstant(inp[2], where, 'constant_value');
    value = v ? (v.data[0] ?? 0) : 0;
    const axesT = cv.optionalConstant(inp[3], where, 'axes');
    if (axesT !== undefined) {
      const axes = Array.from(axesT.data, (a) => (a < 0 ? a + r : a));
      const full = new Array<number>(2 * r).fill(0);
      axes.forEach((a, k) => {
        full[a] = pads[k]!;
        full[r + a] = pads[axes.length + k]!;
      });
      pads = full;
    }
  } else {
    pads = attrs.ints('pads') ?? fail(`${where}: the pads attribute is missing`);
    value = attrs.float('value', 0);
  }
  if (pads.length !== 2 * r) fail(`${where}: pads has ${pads.length} values, expected ${2 * r} for rank ${r}`);
  if (pads[0] !== 0 || pads[r] !== 0)
    fail(`${where}: pads [${pads.join(', ')}] pad the batch dimension, which is not supported`, 'unsupported');
  if (!Number.isFinite(value)) fail(`${where}: constant_value ${value} is not finite`, 'unsupported');
  if (pads.every((p) => p === 0)) {
    cv.values.set(out, { kind: 'node', node: x.node });
    return;
  }
  const m = mode === 'constant' ? {} : { mode: mode as PadMode };
  cv.emit({ type: 'pad', inputs: [x.node], pads: [...pads.slice(1, r), ...pads.slice(r + 1)], value, ...m, name }, out, where);
}

/** The slice parameters of a Slice node (inputs from opset 10, attributes before). */
function sliceParams(cx: OpContext, r: number): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  const { cv, attrs, inp, where } = cx;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (cv.opset >= 10) {
    starts = Array.from(cv.constant(inp[1], where, 'starts').data);
    ends = Array.from(cv.constant(inp[2], where, 'ends').data);
    const a = cv.optionalConstant(inp[3], where, 'axes');
    const st = cv.optionalConstant(inp[4], where, 'steps');
    axes = a && Array.from(a.data);
    steps = st && Array.from(st.data);
  } else {
    starts = attrs.ints('starts') ?? fail(`${where}: the starts attribute is missing`);
    ends = attrs.ints('ends') ?? fail(`${where}: the ends attribute is missing`);
    axes = attrs.ints('axes');
  }
  axes ??= starts.map((_, k) => k);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    fail(`${where}: starts, ends, axes and steps must have equal lengths`);
  if (steps.some((v) => v === 0)) fail(`${where}: a step of 0 is not allowed`);
  return { starts, ends, axes: axes.map((a) => (a < 0 ? a + r : a)), steps };
}

/** Slice: a slice node on computed values (the batch axis untouched), folded on 1-D constants. */
function sliceOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  if (v.kind === 'const') {
    cv.setConst(out, sliceConstant(v.tensor, sliceParams(cx, v.tensor.dims.length), where));
    return;
  }
  const shape = cv.shapes[v.node]!;
  const r = shape.length + 1;
  const p = sliceParams(cx, r);
  const spec = { starts: [] as number[], ends: [] as number[], axes: [] as number[], steps: [] as number[] };
  p.axes.forEach((a, k) => {
    if (a < 0 || a >= r) fail(`${where}: axis ${p.axes[k]} is out of range for rank ${r}`);
    const step = p.steps[k]!;
    if (a === 0) {
      const batch = sliceAxis(Number.MAX_SAFE_INTEGER, p.starts[k]!, p.ends[k]!, step);
      if (batch.first !== 0 || step !== 1 || batch.count < Number.MAX_SAFE_INTEGER / 2)
        fail(
          `${where}: it slices the batch dimension (start ${p.starts[k]}, end ${p.ends[k]}, step ${step}); only sample axes may be sliced`,
          'unsupported',
        );
      return;
    }
    const dim = shape[a - 1]!;
    const sl = sliceAxis(dim, p.starts[k]!, p.ends[k]!, step);
    if (sl.count === 0) fail(`${where}: the slice of axis ${a} (size ${dim}) is empty`, 'unsupported');
    if (sl.first === 0 && step === 1 && sl.count === dim) return;
    let end = sl.first + sl.count * step;
    if (end < 0) end -= dim; // "before index 0" with a negative step, unambiguous after normalization
    spec.starts.push(sl.first);
    spec.ends.push(end);
    spec.axes.push(a - 1);
    spec.steps.push(step);
  });
  if (spec.axes.length === 0) cv.values.set(out, { kind: 'node', node: v.node });
  else cv.emit({ type: 'slice', inputs: [v.node], ...spec, name }, out, where);
}

/** Slice of a constant (shape arithmetic, e.g. the pads of F.pad). */
function sliceConstant(t: Tensor, p: { starts: number[]; ends: number[]; axes: number[]; steps: number[] }, where: string): Tensor {
  const r = t.dims.length;
  const lists = t.dims.map((d) => Array.from({ length: d }, (_, i) => i));
  p.axes.forEach((a, k) => {
    if (a < 0 || a >= r) fail(`${where}: axis ${p.axes[k]} is out of range for rank ${r}`);
    const sl = sliceAxis(t.dims[a]!, p.starts[k]!, p.ends[k]!, p.steps[k]!);
    lists[a] = Array.from({ length: sl.count }, (_, c) => sl.first + c * sl.step);
  });
  const dims = lists.map((l) => l.length);
  const st = t.dims.map((_, ax) => sizeOf(t.dims.slice(ax + 1)));
  const data = new Float64Array(sizeOf(dims));
  for (let o = 0; o < data.length; o++) {
    let rem = o;
    let i = 0;
    for (let ax = r - 1; ax >= 0; ax--) {
      i += lists[ax]![rem % dims[ax]!]! * st[ax]!;
      rem = Math.floor(rem / dims[ax]!);
    }
    data[o] = t.data[i]!;
  }
  return { dims, data, integer: t.integer };
}

/** Split: one slice node per output. */
function splitOp(cx: OpContext): void {
  const { cv, node, attrs, inp, name, where } = cx;
  const x = cv.act(inp[0], where);
  const r = x.shape.length + 1;
  const [a] = sampleAxes([attrs.int('axis', 0)], r, where, 'attribute axis');
  const dim = x.shape[a!]!;
  const given = cv.opset >= 13 ? cv.optionalConstant(inp[1], where, 'split') : undefined;
  let sizes = given ? Array.from(given.data) : attrs.ints('split');
  const n = node.output.length;
  if (sizes === undefined) {
    const per = Math.ceil(dim / n);
    sizes = Array.from({ length: n }, (_, k) => Math.max(0, Math.min(per, dim - k * per)));
  }
  if (sizes.length !== n || sizes.reduce((p, q) => p + q, 0) !== dim || sizes.some((q) => q < 1))
    fail(`${where}: split sizes [${sizes.join(', ')}] do not divide axis ${a! + 1} of size ${dim} into ${n} non-empty parts`);
  let at = 0;
  sizes.forEach((q, k) => {
    const o = node.output[k]!;
    if (o)
      cv.emit({ type: 'slice', inputs: [x.node], starts: [at], ends: [at + q], axes: [a!], steps: [1], name: `${name}/${k}` }, o, where);
    at += q;
  });
}

/** Transpose: a transpose node that keeps the batch axis first. */
function transposeOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const v = cv.value(inp[0] ?? '', where);
  if (v.kind === 'const') {
    cv.setConst(out, transposeConstant(v.tensor, attrs.ints('perm'), where));
    return;
  }
  const x = cv.act(inp[0], where);
  const r = x.shape.length + 1;
  const perm = attrs.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r) fail(`${where}: attribute perm = [${perm.join(', ')}] has ${perm.length} entries, expected ${r}`);
  if (perm[0] !== 0)
    fail(`${where}: attribute perm = [${perm.join(', ')}] moves the batch dimension; supported: perm[0] = 0`, 'unsupported');
  const p = perm.slice(1).map((a) => a - 1);
  if (p.every((a, i) => a === i)) cv.values.set(out, { kind: 'node', node: x.node });
  else cv.emit({ type: 'transpose', inputs: [x.node], perm: p, name }, out, where);
}

/** Transpose of a constant (shape arithmetic). */
function transposeConstant(t: Tensor, permAttr: number[] | undefined, where: string): Tensor {
  const r = t.dims.length;
  const perm = permAttr ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((a, i) => a !== i))
    fail(`${where}: attribute perm = [${perm.join(', ')}] is not a permutation of ${r} axes`);
  const dims = perm.map((a) => t.dims[a]!);
  const st = t.dims.map((_, ax) => sizeOf(t.dims.slice(ax + 1)));
  const data = new Float64Array(t.data.length);
  for (let o = 0; o < data.length; o++) {
    let rem = o;
    let i = 0;
    for (let ax = r - 1; ax >= 0; ax--) {
      i += (rem % dims[ax]!) * st[perm[ax]!]!;
      rem = Math.floor(rem / dims[ax]!);
    }
    data[o] = t.data[i]!;
  }
  return { dims, data, integer: t.integer };
}

const RESIZE_COORDINATE_MODES: readonly ResizeCoordinateMode[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const RESIZE_NEAREST_MODES: readonly ResizeNearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Resize (opset 10+) and Upsample: a resize node (nearest, linear or cubic). */
function resizeOp(cx: OpContext): void {
  const { cv, op, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const r = x.shape.length + 1;
  const modeRaw = attrs.string('mode', 'nearest');
  const mode = modeRaw === 'bilinear' ? 'linear' : modeRaw;
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic')
    fail(`${where}: attribute mode = '${modeRaw}' is not supported; supported: 'nearest', 'linear', 'cubic'`, 'unsupported');
  const legacy = op === 'Upsample' || cv.opset < 11;
  const coord = legacy ? 'asymmetric' : attrs.string('coordinate_transformation_mode', 'half_pixel');
  if (!RESIZE_COORDINATE_MODES.includes(coord as ResizeCoordinateMode))
    fail(
      `${where}: attribute coordinate_transformation_mode = '${coord}' is not supported; supported: ${RESIZE_COORDINATE_MODES.join(', ')}`,
      'unsupported',
    );
  const nearest = legacy ? 'floor' : attrs.string('nearest_mode', 'round_prefer_floor');
  if (!RESIZE_NEAREST_MODES.includes(nearest as ResizeNearestMode))
    fail(`${where}: attribute nearest_mode = '${nearest}' is not supported; supported: ${RESIZE_NEAREST_MODES.join(', ')}`, 'unsupported');
  if (attrs.int('antialias', 0) !== 0)
    fail(`${where}: attribute antialias = ${attrs.int('antialias', 0)} is not supported; supported: 0`, 'unsupported');
  if (attrs.has('axes')) fail(`${where}: attribute axes is not supported; give scales or sizes for every axis`, 'unsupported');
  const policy = attrs.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch')
    fail(`${where}: attribute keep_aspect_ratio_policy = '${policy}' is not supported; supported: 'stretch'`, 'unsupported');
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (op === 'Upsample' && cv.opset < 9) scales = attrs.floats('scales');
  else if (op === 'Upsample' || cv.opset === 10) scales = Array.from(cv.constant(inp[1], where, 'scales').data);
  else {
    const sc = cv.optionalConstant(inp[2], where, 'scales');
    const sz = cv.optionalConstant(inp[3], where, 'sizes');
    if (sc && sc.data.length > 0) scales = Array.from(sc.data);
    if (sz && sz.data.length > 0) sizes = Array.from(sz.data);
  }
  if (sizes !== undefined) {
    if (sizes.length !== r) fail(`${where}: sizes has ${sizes.length} values, expected ${r}`);
  } else if (scales !== undefined) {
    if (scales.length !== r) fail(`${where}: scales has ${scales.length} values, expected ${r}`);
    if (scales[0] !== 1)
      fail(`${where}: scales [${scales.join(', ')}] resize the batch dimension; supported: scales[0] = 1`, 'unsupported');
    if (scales.some((q) => !(q > 0) || !Number.isFinite(q))) fail(`${where}: scales [${scales.join(', ')}] must be positive`);
  } else fail(`${where}: neither scales nor sizes is given`);
  const size = sizes ? sizes.slice(1) : x.shape.map((d, i) => Math.floor(d * scales![i + 1]!));
  const spec = {
    type: 'resize' as const,
    inputs: [x.node],
    size,
    mode: mode as 'nearest' | 'linear' | 'cubic',
    coordinateMode: coord as ResizeCoordinateMode,
    nearestMode: nearest as ResizeNearestMode,
    ...(sizes === undefined ? { scales: scales!.slice(1) } : {}),
    ...(mode === 'cubic' ? cubicAttrs(cx) : {}),
    name,
  };
  if (size.every((d, i) => d === x.shape[i]) && (spec.scales === undefined || spec.scales.every((q) => q === 1)))
    cv.values.set(out, { kind: 'node', node: x.node });
  else cv.emit(spec, out, where);
}

/** The cubic attributes of a Resize: Keys' parameter and exclude_outside (ONNX defaults −0.75 and 0). */
function cubicAttrs(cx: OpContext): { cubicCoeffA: number; excludeOutside: boolean } {
  const a = cx.attrs.float('cubic_coeff_a', -0.75);
  if (!Number.isFinite(a)) fail(`${cx.where}: attribute cubic_coeff_a = ${a} is not finite`);
  const ex = cx.attrs.int('exclude_outside', 0);
  if (ex !== 0 && ex !== 1) fail(`${cx.where}: attribute exclude_outside = ${ex} must be 0 or 1`);
  return { cubicCoeffA: a, excludeOutside: ex === 1 };
}

/** ReduceMean over sample axes: global_avgpool for H, W of a [C, H, W] map with keepdims, else a reduce_mean node. */
/**
 * The sample axes a Reduce* node reduces (axes input from opset 18, attribute before), sorted; null
 * when there are none and `noop_with_empty_axes` makes the node an identity (already recorded).
 */
function reduceAxes(cx: OpContext, x: { node: number; shape: Shape }, what: string): number[] | null {
  const { cv, attrs, inp, out, where } = cx;
  const r = x.shape.length + 1;
  const axesT = cv.opset >= 18 ? cv.optionalConstant(inp[1], where, 'axes') : undefined;
  const raw = axesT ? Array.from(axesT.data) : attrs.ints('axes');
  if (raw === undefined || raw.length === 0) {
    if (attrs.int('noop_with_empty_axes', 0) === 1) {
      cv.values.set(out, { kind: 'node', node: x.node });
      return null;
    }
    fail(`${where}: no axes: the ${what} would run over the batch dimension, which is not supported; give the sample axes`, 'unsupported');
  }
  return [...new Set(sampleAxes(raw, r, where, 'axis'))].sort((a, b) => a - b);
}

/**
 * ReduceMax / ReduceMin over sample axes: piecewise linear, a max-pool whose one window holds the
 * reduced elements. The reduced axes are moved last (transpose), the data reshaped to [K, 1, R] and
 * max-pooled by a [1, R] window; ReduceMin is −max(−x) through two negating broadcast_affine nodes.
 */
function reduceExtremeOp(cx: OpContext): void {
  const { cv, op, attrs, out, name, where } = cx;
  let x = cv.act(cx.inp[0], where);
  const axes = reduceAxes(cx, x, op === 'ReduceMax' ? 'maximum' : 'minimum');
  if (axes === null) return;
  const keepdims = attrs.int('keepdims', 1) !== 0;
  const shape = x.shape;
  const outShape = keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
  const step = (tag: string, spec: NodeSpec): void => {
    const node = cv.emit({ ...spec, name: `${name}/${tag}` }, `${out}/${tag}`, where);
    x = { node, shape: cv.shapes[node]! };
  };
  const negate = (tag: string): void =>
    step(tag, {
      type: 'broadcast_affine',
      inputs: [x.node],
      scale: Float64Array.of(-1),
      scaleShape: [1],
      shift: Float64Array.of(0),
      shiftShape: [1],
    });
  if (op === 'ReduceMin') negate('negate');
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  if (perm.some((a, i) => a !== i)) step('transpose', { type: 'transpose', inputs: [x.node], perm });
  const K = sizeOf(kept.map((i) => shape[i]!));
  const R = sizeOf(axes.map((i) => shape[i]!));
  if (x.shape.length !== 3 || x.shape[0] !== K || x.shape[1] !== 1) {
    cv.reshapeTo(x, [K, 1, R], `${out}/rows`, `${name}/rows`, where);
    const v = cv.values.get(`${out}/rows`) as { node: number };
    x = { node: v.node, shape: [K, 1, R] };
  }
  step('pool', { type: 'maxpool', inputs: [x.node], kernel: [1, R], stride: [1, R], padding: [0, 0, 0, 0], dilation: [1, 1] });
  if (op === 'ReduceMin') negate('negate-back');
  cv.reshapeTo(x, outShape.length === 0 ? [1] : outShape, out, name, where);
}

function reduceMeanOp(cx: OpContext): void {
  const { cv, attrs, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const axes = reduceAxes(cx, x, 'mean');
  if (axes === null) return;
  const keepdims = attrs.int('keepdims', 1) !== 0;
  if (x.shape.length === 3 && keepdims && axes.length === 2 && axes[0] === 1 && axes[1] === 2)
    cv.emit({ type: 'global_avgpool', inputs: [x.node], name }, out, where);
  else cv.emit({ type: 'reduce_mean', inputs: [x.node], axes, keepdims, name }, out, where);
}

/** A constant broadcast against computed data of sample shape `shape`: its dims without a leading batch axis of 1. */
function sampleConstant(c: Tensor, shape: Shape, where: string, what: string): { data: Float64Array; dims: number[] } {
  let dims = [...c.dims];
  while (dims.length > shape.length) {
    if (dims[0] !== 1)
      fail(
        `${where}: the constant ${what} of shape [${c.dims.join(', ')}] does not broadcast against the data [N, ${shape.join(', ')}]`,
        'shape-mismatch',
      );
    dims = dims.slice(1);
  }
  const off = shape.length - dims.length;
  if (dims.some((d, i) => d !== 1 && d !== shape[off + i]))
    fail(
      `${where}: the constant ${what} of shape [${c.dims.join(', ')}] does not broadcast against the data [N, ${shape.join(', ')}] (it would change the data's shape)`,
      'shape-mismatch',
    );
  return { data: Float64Array.from(c.data), dims };
}

/** Whether a constant is per-channel on data of this shape (so a channel_affine node, or a fold, can carry it). */
function isPerChannel(c: Tensor, shape: Shape): boolean {
  if (shape.length !== 3) return true;
  const dims = [...new Array<number>(Math.max(0, 4 - c.dims.length)).fill(1), ...c.dims];
  return dims.length === 4 && dims[2] === 1 && dims[3] === 1;
}

/** Emits `y = x · scale + shift` (constants broadcast against x) as a broadcast_affine node; returns its index. */
function emitBroadcastAffine(
  cx: OpContext,
  x: { node: number; shape: Shape },
  map: { scale?: { data: Float64Array; dims: number[] }; shift?: { data: Float64Array; dims: number[] } },
  output: string,
  name: string,
): number {
  const scale = map.scale ?? { data: Float64Array.of(1), dims: [] };
  const shift = map.shift ?? { data: Float64Array.of(0), dims: [] };
  return cx.cv.emit(
    {
      type: 'broadcast_affine',
      inputs: [x.node],
      scale: scale.data,
      scaleShape: scale.dims,
      shift: shift.data,
      shiftShape: shift.dims,
      name,
    },
    output,
    cx.where,
  );
}

/** PRelu: a prelu node with the constant slope (broadcast against the data). */
function preluOp(cx: OpContext): void {
  const { cv, inp, out, name, where } = cx;
  const x = cv.act(inp[0], where);
  const slope = sampleConstant(cv.constant(inp[1], where, 'slope'), x.shape, where, 'slope');
  cv.emit({ type: 'prelu', inputs: [x.node], slope: slope.data, slopeShape: slope.dims, name }, out, where);
}

/**
 * Max, Min (variadic): exact lowerings through a relu, max(a, b) = b + relu(a − b) and
 * min(a, b) = a − relu(a − b); with a constant c, max(x, c) = relu(x − c) + c and min(x, c) = c − relu(c − x).
 * The code state of each pair is its relu unit's.
 */
function maxMinOp(cx: OpContext): void {
  const { cv, op, inp, out, name, where } = cx;
  const parts = inp.filter((n) => n).map((n) => cv.value(n, where));
  if (parts.length === 0) fail(`${where}: no inputs`);
  const isMax = op === 'Max';
  if (parts.every((p) => p.kind === 'const')) {
    const f = isMax ? Math.max : Math.min;
    cv.setConst(
      out,
      parts.map((p) => (p as { tensor: Tensor }).tensor).reduce((a, b) => broadcast(a, b, f, where)),
    );
    return;
  }
  // Computed parts first, constants after (max and min are commutative).
  const ordered = [...parts.filter((p) => p.kind === 'node'), ...parts.filter((p) => p.kind === 'const')];
  let acc = (ordered[0] as { node: number }).node;
  for (let k = 1; k < ordered.length; k++) {
    const p = ordered[k]!;
    const last = k === ordered.length - 1;
    const target = last ? out : `${out}/${op.toLowerCase()}${k}`;
    const step = `${name}/${op.toLowerCase()}${k}`;
    if (p.kind === 'node') acc = maxMinComputed(cx, acc, p.node, isMax, { target, step });
    else acc = maxMinConstant(cx, acc, p.tensor, isMax, { target, step });
  }
  if (ordered.length === 1) cv.values.set(out, { kind: 'node', node: acc });
}

/**
 * Checks that two computed tensors broadcast against each other (numpy rules over the sample axes;
 * the batch axes are both N): an `add` node does the broadcasting. Refuses, naming both shapes.
 */
function computedBroadcast(cx: OpContext, a: number, b: number, what: string): void {
  const sa = cx.cv.shapes[a]!;
  const sb = cx.cv.shapes[b]!;
  if (broadcastShape([sa, sb]) === null)
    fail(
      `${cx.where}: cannot ${what} tensors of shapes [N, ${sa.join(', ')}] and [N, ${sb.join(', ')}]: they do not broadcast`,
      'shape-mismatch',
    );
}

function maxMinComputed(cx: OpContext, a: number, b: number, isMax: boolean, names: { target: string; step: string }): number {
  const { cv, op, where } = cx;
  computedBroadcast(cx, a, b, `take the ${op} of`);
  const d = cv.emit({ type: 'add', inputs: [a, b], coefficients: [1, -1], name: `${names.step}/diff` }, `${names.target}/diff`, where);
  const r = cv.emit({ type: 'relu', inputs: [d], name: `${names.step}/relu` }, `${names.target}/relu`, where);
  return isMax
    ? cv.emit({ type: 'add', inputs: [b, r], name: names.step }, names.target, where)
    : cv.emit({ type: 'add', inputs: [a, r], coefficients: [1, -1], name: names.step }, names.target, where);
}

function maxMinConstant(cx: OpContext, a: number, c: Tensor, isMax: boolean, names: { target: string; step: string }): number {
  const { cv, where } = cx;
  const x = { node: a, shape: cv.shapes[a]! };
  const k = sampleConstant(c, x.shape, where, 'operand');
  const neg = { data: k.data.map((v) => -v), dims: k.dims };
  const sign = { data: Float64Array.of(isMax ? 1 : -1), dims: [] };
  // max: relu(x − c) + c; min: c − relu(c − x) = −relu(−x + c) + c
  const pre = emitBroadcastAffine(cx, x, { scale: sign, shift: isMax ? neg : k }, `${names.target}/pre`, `${names.step}/pre`);
  const r = cv.emit({ type: 'relu', inputs: [pre], name: `${names.step}/relu` }, `${names.target}/relu`, where);
  return emitBroadcastAffine(cx, { node: r, shape: x.shape }, { scale: sign, shift: k }, names.target, names.step);
}

/** Softmax, LogSoftmax: only as the analysed output with `dropSoftmax` (the logits are analysed); refused otherwise. */
function softmaxOp(cx: OpContext): void {
  const { cv, op, inp, out, where } = cx;
  const trailing = cv.resolve(out) === cv.outputName;
  if (trailing && cv.options.dropSoftmax === true) {
    const x = cv.act(inp[0], where);
    cv.values.set(out, { kind: 'node', node: x.node });
    return;
  }
  fail(
    trailing
      ? `${where}: the model ends in ${op}, which is not piecewise-linear; export the logits instead (leave the final softmax out of forward(), e.g. torch.onnx.export of the model without its nn.Softmax), or analyse the logits of this file with --logits (CLI) / dropSoftmax: true`
      : `${where}: ${op} inside the network is not piecewise-linear; only a final ${op} can be dropped (--logits / dropSoftmax)`,
    'unsupported',
  );
}

/** ConstantOfShape: a constant of the given (constant) shape, filled with the value attribute. */
function constantOfShapeOp(cx: OpContext): void {
  const { cv, attrs, inp, out, where } = cx;
  const shape = Array.from(cv.constant(inp[0], where, 'shape').data);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`${where}: shape [${shape.join(', ')}] must be non-negative integers`);
  const t = attrs.tensor('value');
  const v = t ? cv.decode(t, `${where} value`) : { dims: [1], data: Float64Array.of(0), integer: false };
  const n = sizeOf(shape);
  cv.budget(n, where);
  cv.setConst(out, { dims: shape, data: new Float64Array(n).fill(v.data[0] ?? 0), integer: v.integer });
}

/**
 * ONNX op type → converter. Its keys are the supported ops (`SUPPORTED_ONNX_OPS`). A `Map`, so an op
 * named like an `Object.prototype` member (`toString`, `constructor`) is simply not found.
 */
const OP_CONVERTERS: ReadonlyMap<string, OpConverter> = new Map<string, OpConverter>([
  ['Add', arithmeticOp],
  ['AveragePool', poolOp],
  ['ConstantOfShape', constantOfShapeOp],
  ['GlobalMaxPool', globalMaxPoolOp],
  ['ReduceMax', reduceExtremeOp],
  ['ReduceMin', reduceExtremeOp],
  ['Max', maxMinOp],
  ['Min', maxMinOp],
  ['Pad', padOp],
  ['PRelu', preluOp],
  ['ReduceMean', reduceMeanOp],
  ['Resize', resizeOp],
  ['Slice', sliceOp],
  ['Split', splitOp],
  ['Transpose', transposeOp],
  ['Upsample', resizeOp],
  ['BatchNormalization', batchNormOp],
  ['Cast', castOp],
  ['Clip', clipOp],
  ['Concat', concatOp],
  ['Constant', constantOp],
  ['Conv', convOp],
  ['Div', arithmeticOp],
  ['Dropout', aliasOp],
  ['Flatten', flattenOp],
  ['Gather', gatherOp],
  ['Gemm', gemmOp],
  ['GlobalAveragePool', globalAveragePoolOp],
  ['Identity', aliasOp],
  ['LeakyRelu', leakyReluOp],
  ['MatMul', matMulOp],
  ['MaxPool', poolOp],
  ['Mul', arithmeticOp],
  ['Relu', reluOp],
  ['Reshape', reshapeOp],
  ['Shape', shapeOp],
  ['Squeeze', squeezeOp],
  ['Sub', arithmeticOp],
  ['Unsqueeze', squeezeOp],
]);

/**
 * ONNX ops `readOnnx` understands (default domain), sorted: the keys of its op table. See
 * docs/formats.md for the conditions.
 *
 * @example
 * SUPPORTED_ONNX_OPS.includes('Gemm'); // true
 * SUPPORTED_ONNX_OPS.includes('Softmax'); // false: not piecewise-linear
 */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.freeze([...OP_CONVERTERS.keys()].sort());
