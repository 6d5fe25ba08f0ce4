/**
 * The project's own readable network format, `polytope-lens/network@1` (see docs/formats.md).
 *
 * ```json
 * {
 *   "format": "polytope-lens/network@1",
 *   "input": {"shape": [2]},
 *   "layers": [
 *     {"type": "dense", "weight": [[1, 1], [1, 1]], "bias": [1, 0]},
 *     {"type": "relu"},
 *     {"type": "dense", "weight": [[1, -2]], "bias": [-1]}
 *   ]
 * }
 * ```
 *
 * Layers run in order, each reading the previous one, unless a layer names its inputs
 * (`"inputs": ["block1", "input"]`, the DAG extension). Values are float64 and survive a
 * write → read round trip bit for bit (JSON numbers print as the shortest round-tripping decimal).
 */
import { PolytopeError } from '../errors.js';
import { buildNetwork } from '../network/network.js';
import type { Network, NodeSpec } from '../network/network.js';
import { sizeOf } from '../network/ir.js';
import type { Node, Shape } from '../network/ir.js';
import { batchNormAffine, batchNormScale, describeValue, foldIntoLinear, inferShape } from './layer-utils.js';
import type { Conv2dSpec, DenseSpec } from './layer-utils.js';
import { BATCHNORM_DEFAULT_EPS } from '../geometry/predicates.js';

/**
 * The format tag every network JSON document carries.
 *
 * @example
 * readNetworkJson({ format: NETWORK_JSON_FORMAT, layers: [{ type: 'dense', weight: [[1, 2]] }] });
 */
export const NETWORK_JSON_FORMAT = 'polytope-lens/network@1';

/** Layer types the reader accepts, with the fields each may carry (besides type, name, inputs, comment). */
const LAYER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  dense: ['weight', 'bias'],
  conv2d: ['weight', 'bias', 'stride', 'padding', 'dilation', 'groups'],
  batchnorm: ['gamma', 'beta', 'mean', 'var', 'eps'],
  channel_affine: ['scale', 'shift'],
  avgpool: ['kernel_size', 'stride', 'padding', 'count_include_pad', 'ceil_mode'],
  global_avgpool: [],
  maxpool: ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode'],
  flatten: [],
  reshape: ['shape'],
  add: ['coefficients'],
  concat: ['axis'],
  pad: ['pads', 'value', 'mode'],
  slice: ['starts', 'ends', 'axes', 'steps'],
  transpose: ['perm'],
  resize: ['size', 'mode', 'coordinate_mode', 'nearest_mode', 'scales', 'cubic_coeff_a', 'exclude_outside'],
  reduce_mean: ['axes', 'keepdims'],
  broadcast_affine: ['scale', 'shift'],
  identity: [],
  dropout: ['p'],
  relu: [],
  leaky_relu: ['alpha'],
  prelu: ['slope'],
  hardtanh: ['min', 'max'],
};
const COMMON_FIELDS = ['type', 'name', 'inputs', 'comment'];

/**
 * The layer types `readNetworkJson` understands.
 *
 * @example
 * NETWORK_JSON_LAYER_TYPES.includes('conv2d'); // true
 */
export const NETWORK_JSON_LAYER_TYPES: readonly string[] = Object.keys(LAYER_FIELDS);

const INPUT_NAME = 'input';

function bad(where: string, message: string): never {
  throw new PolytopeError('bad-network', `${where}: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Value parsing with located error messages

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteNumber(v: unknown, where: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const hint =
      v === null || typeof v === 'string' ? ' (JSON cannot hold NaN or Infinity; the file has a non-finite or missing value here)' : '';
    bad(where, `${what} must be a finite number, got ${describeValue(v)}${hint}`);
  }
  return v;
}

function integer(v: unknown, where: string, what: string, min: number): number {
  const n = finiteNumber(v, where, what);
  if (!Number.isInteger(n) || n < min) bad(where, `${what} must be an integer ≥ ${min}, got ${n}`);
  return n;
}

/** A rectangular nested list of numbers, `depth` levels deep → dims and flat row-major data. */
function nested(v: unknown, depth: number, where: string, what: string, layout: string): { dims: number[]; data: Float64Array } {
  const dims: number[] = [];
  let probe: unknown = v;
  for (let k = 0; k < depth; k++) {
    if (!Array.isArray(probe)) {
      const path = `${what}${'[0]'.repeat(k)}`;
      bad(
        where,
        `${path} must be a list (${what} is nested ${depth} level${depth > 1 ? 's' : ''} deep: ${layout}), got ${describeValue(probe)}`,
      );
    }
    if (probe.length === 0) bad(where, `${what}${'[0]'.repeat(k)} is an empty list (${what} is ${layout})`);
    dims.push(probe.length);
    probe = probe[0];
  }
  const data = new Float64Array(sizeOf(dims));
  let pos = 0;
  const walk = (node: unknown, k: number, path: string): void => {
    if (k === depth) {
      data[pos++] = finiteNumber(node, where, path);
      return;
    }
    if (!Array.isArray(node))
      bad(where, `${path} must be a list (${what} is nested ${depth} levels deep: ${layout}), got ${describeValue(node)}`);
    if (node.length !== dims[k])
      bad(where, `${path} has ${node.length} entries, expected ${dims[k]} (${what} must be rectangular: ${layout})`);
    for (let i = 0; i < node.length; i++) walk(node[i], k + 1, `${path}[${i}]`);
  };
  walk(v, 0, what);
  return { dims, data };
}

function vector(v: unknown, where: string, what: string, length?: number): Float64Array {
  const { dims, data } = nested(v, 1, where, what, 'a list of numbers');
  if (length !== undefined && dims[0] !== length) bad(where, `${what} has ${dims[0]} values, expected ${length}`);
  return data;
}

/** An int or [a, b] → [a, b]. */
function pair(v: unknown, where: string, what: string, min: number, fallback: readonly [number, number]): [number, number] {
  if (v === undefined) return [fallback[0], fallback[1]];
  if (Array.isArray(v)) {
    if (v.length !== 2) bad(where, `${what} must be an integer or a list [h, w], got a list of ${v.length}`);
    return [integer(v[0], where, `${what}[0]`, min), integer(v[1], where, `${what}[1]`, min)];
  }
  const n = integer(v, where, what, min);
  return [n, n];
}

/** Padding: an int, [h, w] (symmetric) or [top, left, bottom, right]. */
function padding(v: unknown, where: string): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (Array.isArray(v) && v.length === 4) {
    return [0, 1, 2, 3].map((i) => integer(v[i], where, `padding[${i}]`, 0)) as [number, number, number, number];
  }
  if (Array.isArray(v) && v.length !== 2)
    bad(where, `padding must be an integer, [h, w] or [top, left, bottom, right], got a list of ${v.length}`);
  const [h, w] = pair(v, where, 'padding', 0, [0, 0]);
  return [h, w, h, w];
}

// ---------------------------------------------------------------------------------------------
// Reader

interface ParsedLayer {
  readonly raw: Record<string, unknown>;
  readonly type: string;
  readonly name?: string;
  readonly where: string;
  /** Resolved sources: layer indices, −1 for the network input (after looking through identity/dropout). */
  readonly sources: number[];
}

/**
 * Reads a `polytope-lens/network@1` document (a parsed object or its JSON text) into a validated
 * `Network`. Batch-norm layers are folded into the dense/conv layer before them when that layer
 * feeds nothing else (`w' = w·γ/√(var+ε)`, `b' = (b−mean)·γ/√(var+ε)+β`), otherwise they become
 * a `channel_affine` node; identity and dropout layers are dropped. Every problem is reported as
 * a `PolytopeError` naming the layer (index, name and type) and the field.
 *
 * @example
 * const net = readNetworkJson({
 *   format: 'polytope-lens/network@1',
 *   input: { shape: [2] },
 *   layers: [
 *     { type: 'dense', weight: [[1, 1], [1, 1]], bias: [1, 0] },
 *     { type: 'relu' },
 *     { type: 'dense', weight: [[1, -2]], bias: [-1] },
 *   ],
 * });
 * forward(net, [1, 1]); // Float64Array [-2]  (relu([3, 2]) = [3, 2]; 3 − 4 − 1)
 */
export function readNetworkJson(json: unknown): Network {
  const doc = parseDocument(json);
  const { layers, uses } = parseLayers(doc['layers'] as unknown[]);
  const inputShape = readInputShape(doc, layers);
  const builder = new SpecBuilder(inputShape, layers, uses);
  layers.forEach((layer, i) => builder.add(layer, i));
  return builder.build();
}

/** The document object (parsed from text when given a string), its format tag and its non-empty "layers" list checked. */
function parseDocument(json: unknown): Record<string, unknown> {
  let doc: unknown = json;
  if (typeof json === 'string') {
    try {
      doc = JSON.parse(json);
    } catch (e) {
      throw new PolytopeError('bad-file', `network JSON is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!isObject(doc)) bad('network JSON', `expected an object {"format", "input", "layers"}, got ${describeValue(doc)}`);
  if (doc['format'] !== NETWORK_JSON_FORMAT) {
    bad('network JSON', `"format" must be "${NETWORK_JSON_FORMAT}", got ${describeValue(doc['format'])}`);
  }
  const layersRaw = doc['layers'];
  if (!Array.isArray(layersRaw)) bad('network JSON', `"layers" must be a list of layer objects, got ${describeValue(layersRaw)}`);
  if (layersRaw.length === 0) bad('network JSON', '"layers" is empty; a network needs at least one layer');
  return doc;
}

/**
 * Pass 1: types, names, input references (resolved to layer indices through dropped layers) and
 * use counts (the output counts as a use); every kept layer must be read by something.
 */
function parseLayers(layersRaw: readonly unknown[]): { layers: ParsedLayer[]; uses: Int32Array } {
  const layers: ParsedLayer[] = [];
  const names = new Map<string, number>();
  const alias: number[] = []; // for each layer, the layer index its output is (itself unless dropped)
  const uses = new Int32Array(layersRaw.length);
  layersRaw.forEach((raw, i) => {
    const { type, name, where } = layerHeader(raw, i, names);
    const obj = raw as Record<string, unknown>;
    const refs = layerInputs(obj['inputs'], i, where, names);
    if (type === 'add' || type === 'concat') {
      const min = type === 'add' ? 2 : 1;
      if (refs.length < min) bad(where, `expects at least ${min} inputs, got ${refs.length} (give "inputs": [a, b, …])`);
    } else if (refs.length !== 1) bad(where, `expects 1 input, got ${refs.length}`);
    const sources = refs.map((j) => (j < 0 ? -1 : alias[j]!));
    layers.push(name === undefined ? { raw: obj, type, where, sources } : { raw: obj, type, name, where, sources });
    if (name !== undefined) names.set(name, i);
    const dropped = type === 'identity' || type === 'dropout';
    alias.push(dropped ? sources[0]! : i);
    if (!dropped) for (const s of sources) if (s >= 0) uses[s] = uses[s]! + 1;
  });
  const outputLayer = alias[layers.length - 1]!;
  if (outputLayer < 0)
    bad(`layer ${layers.length - 1}`, 'the network output is its input (only identity/dropout layers); add a real layer');
  uses[outputLayer] = uses[outputLayer]! + 1; // the output counts as a use
  layers.forEach((layer, i) => {
    if (alias[i] === i && uses[i] === 0) {
      bad(
        layer.where,
        'is not read by any later layer; the last layer is the output, so every other layer must feed something (check "inputs")',
      );
    }
  });
  return { layers, uses };
}

/** A layer's type, optional name and description for messages, with its fields and name checked. */
function layerHeader(raw: unknown, i: number, names: ReadonlyMap<string, number>): { type: string; name?: string; where: string } {
  if (!isObject(raw)) bad(`layer ${i}`, `expected an object with a "type", got ${describeValue(raw)}`);
  const type = raw['type'];
  if (typeof type !== 'string') bad(`layer ${i}`, `"type" must be a string, got ${describeValue(type)}`);
  const nameRaw = raw['name'];
  if (nameRaw !== undefined && (typeof nameRaw !== 'string' || nameRaw === ''))
    bad(`layer ${i} (${type})`, `"name" must be a non-empty string, got ${describeValue(nameRaw)}`);
  const name = nameRaw as string | undefined;
  const where = name === undefined ? `layer ${i} (${type})` : `layer ${i} '${name}' (${type})`;
  const allowed = Object.hasOwn(LAYER_FIELDS, type) ? LAYER_FIELDS[type] : undefined; // never Object.prototype's 'toString' & co.
  if (allowed === undefined) {
    throw new PolytopeError(
      'unsupported',
      `${where}: unknown layer type "${type}"; supported types: ${NETWORK_JSON_LAYER_TYPES.join(', ')}`,
    );
  }
  for (const key of Object.keys(raw)) {
    if (!COMMON_FIELDS.includes(key) && !allowed.includes(key)) {
      bad(where, `unknown field "${key}" for a ${type} layer; allowed fields: ${[...COMMON_FIELDS, ...allowed].join(', ')}`);
    }
  }
  if (name !== undefined) {
    if (name === INPUT_NAME) bad(where, `the name "${INPUT_NAME}" is reserved for the network input`);
    if (names.has(name)) bad(where, `the name "${name}" is already used by layer ${names.get(name)}`);
  }
  return name === undefined ? { type, where } : { type, name, where };
}

/** A layer's "inputs" as layer indices (−1 for the network input); without "inputs", the previous layer. */
function layerInputs(inputsRaw: unknown, i: number, where: string, names: ReadonlyMap<string, number>): number[] {
  if (inputsRaw === undefined) return [i - 1];
  if (!Array.isArray(inputsRaw) || inputsRaw.some((s) => typeof s !== 'string')) {
    bad(where, `"inputs" must be a list of layer names (or "${INPUT_NAME}"), got ${describeValue(inputsRaw)}`);
  }
  return (inputsRaw as string[]).map((s) => {
    if (s === INPUT_NAME) return -1;
    const j = names.get(s);
    if (j === undefined)
      bad(where, `input "${s}" does not name an earlier layer (names so far: ${[INPUT_NAME, ...names.keys()].join(', ')})`);
    return j;
  });
}

/** The input shape: "input.shape", or the first dense layer's input width when "input" is absent. */
function readInputShape(doc: Record<string, unknown>, layers: readonly ParsedLayer[]): number[] {
  const inputRaw = doc['input'];
  if (inputRaw === undefined) {
    const first = layers[0]!;
    if (first.type !== 'dense')
      bad('network JSON', `"input": {"shape": [...]} is required unless the first layer is dense (it is ${first.type})`);
    const w = nested(first.raw['weight'], 2, first.where, 'weight', 'out × in');
    return [w.dims[1]!];
  }
  if (!isObject(inputRaw)) bad('network JSON', `"input" must be an object {"shape": [...]}, got ${describeValue(inputRaw)}`);
  const s = inputRaw['shape'];
  if (!Array.isArray(s) || s.length === 0)
    bad('network JSON', `"input.shape" must be a non-empty list of positive integers, got ${describeValue(s)}`);
  return s.map((d, k) => integer(d, 'network JSON', `input.shape[${k}]`, 1));
}

/** What a layer's spec builder sees: the parsed layer, its resolved input nodes and the first input's shape. */
interface LayerContext {
  readonly layer: ParsedLayer;
  readonly i: number;
  readonly raw: Record<string, unknown>;
  readonly where: string;
  readonly named: { name?: string };
  readonly inputs: number[];
  readonly inShape: Shape;
  readonly inSize: number;
}

/** Pass 2: node specs, one per kept layer (batch-norm folded where it can be), then the network. */
class SpecBuilder {
  private readonly specs: NodeSpec[] = [];
  private readonly shapes: Shape[];
  private readonly nodeOf: number[] = []; // layer → node index (0 = network input)
  private readonly nodeLayer: number[] = [-1]; // node → layer index

  constructor(
    private readonly inputShape: number[],
    private readonly layers: readonly ParsedLayer[],
    private readonly uses: Int32Array,
  ) {
    this.shapes = [inputShape];
  }

  /** Adds layer `i`'s node (or, for dropped and folded layers, records which node stands for it). */
  add(layer: ParsedLayer, i: number): void {
    const inputs = layer.sources.map((src) => (src < 0 ? 0 : this.nodeOf[src]!));
    const inShape = this.shapes[inputs[0]!]!;
    const named = layer.name === undefined ? {} : { name: layer.name };
    const cx: LayerContext = { layer, i, raw: layer.raw, where: layer.where, named, inputs, inShape, inSize: sizeOf(inShape) };
    const { raw, where } = cx;
    switch (layer.type) {
      case 'identity':
      case 'dropout':
        this.nodeOf.push(inputs[0]!);
        return;
      case 'dense':
        return this.emit(denseSpec(cx), cx);
      case 'conv2d':
        return this.emit(conv2dSpec(cx), cx);
      case 'batchnorm':
        return this.batchnorm(cx);
      case 'channel_affine': {
        const channels = inShape.length === 3 ? inShape[0]! : cx.inSize;
        const scale = vector(raw['scale'], where, 'scale', channels);
        const shift = raw['shift'] === undefined ? new Float64Array(channels) : vector(raw['shift'], where, 'shift', channels);
        return this.emit({ type: 'channel_affine', inputs, scale, shift, ...named }, cx);
      }
      case 'avgpool':
      case 'maxpool':
        return this.emit(poolSpec(cx, layer.type), cx);
      case 'global_avgpool':
        return this.emit({ type: 'global_avgpool', inputs, ...named }, cx);
      case 'flatten':
        return this.emit({ type: 'reshape', inputs, ...named }, cx);
      case 'reshape':
        return this.emit({ type: 'reshape', inputs, targetShape: reshapeTarget(cx), ...named }, cx);
      case 'relu':
      case 'leaky_relu':
      case 'hardtanh':
        return this.emit(activationSpec(cx, layer.type), cx);
      default:
        return this.emit(gatherSpec(cx, layer.type), cx);
    }
  }

  /** Builds the network, translating buildNetwork's "node k" in messages into the layer the user wrote. */
  build(): Network {
    try {
      return buildNetwork(this.inputShape, this.specs);
    } catch (e) {
      if (e instanceof PolytopeError) {
        const m = /^node (\d+)/.exec(e.message);
        if (m) {
          const layer = this.nodeLayer[Number(m[1])];
          if (layer !== undefined && layer >= 0)
            throw new PolytopeError(
              e.code,
              `${this.layers[layer]!.where}${e.message.slice(m[0].length).replace(/^ (?:'.*?' )?\(?[a-z_0-9]+\)?/, '')}`,
            );
        }
      }
      throw e;
    }
  }

  /** Appends a node for the layer in `cx` (its shape inferred and checked). */
  private emit(spec: NodeSpec, cx: LayerContext): void {
    const inShapes = spec.inputs.map((j) => this.shapes[j]!);
    const shape = inferShape(spec, inShapes);
    if (typeof shape === 'string') bad(cx.where, shape);
    this.specs.push(spec);
    this.shapes.push(shape);
    this.nodeLayer.push(cx.i);
    this.nodeOf.push(this.specs.length);
  }

  /** Batch norm: folded into a dense/conv layer that feeds only it, else a channel_affine node. */
  private batchnorm(cx: LayerContext): void {
    const { raw, where, inShape, inputs, named, layer } = cx;
    const channels = inShape.length === 3 ? inShape[0]! : cx.inSize;
    const mean = vector(raw['mean'], where, 'mean', channels);
    const variance = vector(raw['var'], where, 'var', channels);
    for (let c = 0; c < channels; c++) if (variance[c]! < 0) bad(where, `var[${c}] is negative (${variance[c]})`);
    const gamma = raw['gamma'] === undefined ? new Float64Array(channels).fill(1) : vector(raw['gamma'], where, 'gamma', channels);
    const beta = raw['beta'] === undefined ? new Float64Array(channels) : vector(raw['beta'], where, 'beta', channels);
    const eps = raw['eps'] === undefined ? BATCHNORM_DEFAULT_EPS : finiteNumber(raw['eps'], where, 'eps');
    if (eps < 0) bad(where, `eps must be ≥ 0, got ${eps}`);
    for (let c = 0; c < channels; c++) if (!(variance[c]! + eps > 0)) bad(where, `var[${c}] + eps is 0: the layer divides by zero`);
    const src = layer.sources[0]!;
    const srcType = src >= 0 ? this.layers[src]!.type : 'input';
    if ((srcType === 'dense' || srcType === 'conv2d') && this.uses[src] === 1) {
      const k = this.nodeOf[src]! - 1;
      const target = this.specs[k] as DenseSpec | Conv2dSpec;
      this.specs[k] = foldIntoLinear(target, batchNormScale(gamma, variance, eps), mean, beta);
      this.nodeOf.push(this.nodeOf[src]!);
    } else {
      const { scale, shift } = batchNormAffine(gamma, beta, mean, variance, eps);
      this.emit({ type: 'channel_affine', inputs, scale, shift, ...named }, cx);
    }
  }
}

function denseSpec(cx: LayerContext): NodeSpec {
  const { raw, where, inShape, inSize, inputs, named } = cx;
  const w = nested(raw['weight'], 2, where, 'weight', 'out × in, like PyTorch Linear.weight');
  const [outF, inF] = w.dims as [number, number];
  if (inF !== inSize)
    bad(where, `weight is ${outF}×${inF} (out × in) but the layer receives shape [${inShape.join(', ')}] (${inSize} values)`);
  const bias = raw['bias'] === undefined ? new Float64Array(outF) : vector(raw['bias'], where, 'bias', outF);
  return { type: 'dense', inputs, inFeatures: inF, outFeatures: outF, weight: w.data, bias, ...named };
}

function conv2dSpec(cx: LayerContext): NodeSpec {
  const { raw, where, inShape, inputs, named } = cx;
  const w = nested(raw['weight'], 4, where, 'weight', '[out_channels][in_channels/groups][kh][kw]');
  const [oc, icg, kh, kw] = w.dims as [number, number, number, number];
  const groups = raw['groups'] === undefined ? 1 : integer(raw['groups'], where, 'groups', 1);
  if (inShape.length !== 3) bad(where, `needs a [C, H, W] input, got [${inShape.join(', ')}]`);
  if (icg * groups !== inShape[0])
    bad(
      where,
      `weight has ${icg} input channels per group × ${groups} group(s) = ${icg * groups}, but the input has ${inShape[0]} channels`,
    );
  if (oc % groups !== 0) bad(where, `groups (${groups}) must divide the ${oc} output channels`);
  const bias = raw['bias'] === undefined ? new Float64Array(oc) : vector(raw['bias'], where, 'bias', oc);
  return {
    type: 'conv2d',
    inputs,
    inChannels: icg * groups,
    outChannels: oc,
    kernel: [kh, kw],
    stride: pair(raw['stride'], where, 'stride', 1, [1, 1]),
    padding: padding(raw['padding'], where),
    dilation: pair(raw['dilation'], where, 'dilation', 1, [1, 1]),
    groups,
    weight: w.data,
    bias,
    ...named,
  };
}

function poolSpec(cx: LayerContext, type: 'avgpool' | 'maxpool'): NodeSpec {
  const { raw, where, inputs, named } = cx;
  const ceilRaw = raw['ceil_mode'];
  if (ceilRaw !== undefined && typeof ceilRaw !== 'boolean') bad(where, `ceil_mode must be true or false, got ${describeValue(ceilRaw)}`);
  const ceil = ceilRaw === true ? { ceilMode: true } : {};
  if (raw['kernel_size'] === undefined) bad(where, 'missing "kernel_size" (an integer or [kh, kw])');
  const kernel = pair(raw['kernel_size'], where, 'kernel_size', 1, [1, 1]);
  const stride = pair(raw['stride'], where, 'stride', 1, kernel);
  const pad = padding(raw['padding'], where);
  if (type === 'avgpool') {
    const cip = raw['count_include_pad'];
    if (cip !== undefined && typeof cip !== 'boolean') bad(where, `count_include_pad must be true or false, got ${describeValue(cip)}`);
    return { type: 'avgpool', inputs, kernel, stride, padding: pad, countIncludePad: cip ?? true, ...ceil, ...named };
  }
  const dilation = pair(raw['dilation'], where, 'dilation', 1, [1, 1]);
  return { type: 'maxpool', inputs, kernel, stride, padding: pad, dilation, ...ceil, ...named };
}

/** A number (shape []) or a rectangular nested list of any depth → dims and row-major data. */
function anyTensor(v: unknown, where: string, what: string): { dims: number[]; data: Float64Array } {
  if (!Array.isArray(v)) return { dims: [], data: Float64Array.of(finiteNumber(v, where, what)) };
  let depth = 0;
  for (let probe: unknown = v; Array.isArray(probe); probe = probe[0]) depth++;
  return nested(v, depth, where, what, `a number or a nested list broadcast against the data`);
}

/** A list of integers ≥ min. */
function ints(v: unknown, where: string, what: string, min = -Infinity): number[] {
  if (!Array.isArray(v)) bad(where, `${what} must be a list of integers, got ${describeValue(v)}`);
  return v.map((d, k) => {
    const n = finiteNumber(d, where, `${what}[${k}]`);
    if (!Number.isInteger(n) || n < min) bad(where, `${what}[${k}] must be an integer${min > -Infinity ? ` ≥ ${min}` : ''}, got ${n}`);
    return n;
  });
}

function flag(v: unknown, where: string, what: string): boolean {
  if (typeof v !== 'boolean') bad(where, `${what} must be true or false, got ${describeValue(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, where: string, what: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    bad(where, `${what} must be one of ${allowed.join(', ')}, got ${describeValue(v)}`);
  return v as T;
}

/** The gather layers (add, concat, pad, slice, transpose, resize, reduce_mean, broadcast_affine) and prelu. */
function gatherSpec(cx: LayerContext, type: string): NodeSpec {
  const { raw, where, inputs, named, inShape } = cx;
  const rank = inShape.length;
  switch (type) {
    case 'add': {
      const c =
        raw['coefficients'] === undefined
          ? {}
          : { coefficients: Array.from(vector(raw['coefficients'], where, 'coefficients', inputs.length)) };
      return { type: 'add', inputs, ...c, ...named };
    }
    case 'concat':
      return { type: 'concat', inputs, axis: integer(raw['axis'], where, 'axis', 0), ...named };
    case 'pad':
      return {
        type: 'pad',
        inputs,
        pads: ints(raw['pads'], where, 'pads'),
        value: raw['value'] === undefined ? 0 : finiteNumber(raw['value'], where, 'value'),
        ...(raw['mode'] === undefined
          ? {}
          : { mode: oneOf(raw['mode'], where, 'mode', ['constant', 'reflect', 'edge', 'wrap'] as const, 'constant') }),
        ...named,
      };
    case 'slice': {
      const starts = ints(raw['starts'], where, 'starts');
      const axes = raw['axes'] === undefined ? starts.map((_, k) => k) : ints(raw['axes'], where, 'axes', 0);
      const steps = raw['steps'] === undefined ? starts.map(() => 1) : ints(raw['steps'], where, 'steps');
      return { type: 'slice', inputs, starts, ends: ints(raw['ends'], where, 'ends'), axes, steps, ...named };
    }
    case 'transpose':
      return { type: 'transpose', inputs, perm: ints(raw['perm'], where, 'perm', 0), ...named };
    case 'resize': {
      const scales = raw['scales'] === undefined ? {} : { scales: Array.from(vector(raw['scales'], where, 'scales', rank)) };
      return {
        type: 'resize',
        inputs,
        size: ints(raw['size'], where, 'size', 1),
        mode: oneOf(raw['mode'], where, 'mode', ['nearest', 'linear', 'cubic'] as const, 'nearest'),
        coordinateMode: oneOf(
          raw['coordinate_mode'],
          where,
          'coordinate_mode',
          ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const,
          'half_pixel',
        ),
        nearestMode: oneOf(
          raw['nearest_mode'],
          where,
          'nearest_mode',
          ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const,
          'round_prefer_floor',
        ),
        ...scales,
        ...(raw['cubic_coeff_a'] === undefined ? {} : { cubicCoeffA: finiteNumber(raw['cubic_coeff_a'], where, 'cubic_coeff_a') }),
        ...(raw['exclude_outside'] === undefined ? {} : { excludeOutside: flag(raw['exclude_outside'], where, 'exclude_outside') }),
        ...named,
      };
    }
    case 'reduce_mean': {
      const kd = raw['keepdims'];
      if (kd !== undefined && typeof kd !== 'boolean') bad(where, `keepdims must be true or false, got ${describeValue(kd)}`);
      return { type: 'reduce_mean', inputs, axes: ints(raw['axes'], where, 'axes', 0), keepdims: kd ?? true, ...named };
    }
    case 'broadcast_affine': {
      const sc = raw['scale'] === undefined ? { dims: [], data: Float64Array.of(1) } : anyTensor(raw['scale'], where, 'scale');
      const sh = raw['shift'] === undefined ? { dims: [], data: Float64Array.of(0) } : anyTensor(raw['shift'], where, 'shift');
      return { type: 'broadcast_affine', inputs, scale: sc.data, scaleShape: sc.dims, shift: sh.data, shiftShape: sh.dims, ...named };
    }
    case 'prelu': {
      if (raw['slope'] === undefined)
        bad(where, 'missing "slope" (a number or a nested list broadcast against the data, e.g. [[[a]], [[b]]] per channel)');
      const t = anyTensor(raw['slope'], where, 'slope');
      return { type: 'prelu', inputs, slope: t.data, slopeShape: t.dims, ...named };
    }
  }
  return bad(where, `unknown layer type '${type}'`);
}

/** The target shape of a reshape layer, its one −1 (if any) resolved from the input size. */
function reshapeTarget(cx: LayerContext): number[] {
  const { raw, where, inShape, inSize } = cx;
  const s = raw['shape'];
  if (!Array.isArray(s) || s.length === 0)
    bad(where, `"shape" must be a non-empty list of integers (one may be -1), got ${describeValue(s)}`);
  const dims = s.map((d, k) => (d === -1 ? -1 : integer(d, where, `shape[${k}]`, 1)));
  const free = dims.filter((d) => d === -1).length;
  if (free > 1) bad(where, 'shape may contain at most one -1');
  const known = dims.reduce((a, d) => (d === -1 ? a : a * d), 1);
  if (free === 1) {
    if (inSize % known !== 0) bad(where, `cannot reshape [${inShape.join(', ')}] (${inSize} values) to [${dims.join(', ')}]`);
    dims[dims.indexOf(-1)] = inSize / known;
  }
  return dims;
}

/** relu, leaky_relu (alpha default 0.01) and hardtanh (default [−1, 1]). */
function activationSpec(cx: LayerContext, type: string): NodeSpec {
  const { raw, where, inputs, named } = cx;
  if (type === 'relu') return { type: 'relu', inputs, ...named };
  if (type === 'leaky_relu') {
    const alpha = raw['alpha'] === undefined ? 0.01 : finiteNumber(raw['alpha'], where, 'alpha');
    return { type: 'leaky_relu', inputs, alpha, ...named };
  }
  const min = raw['min'] === undefined ? -1 : finiteNumber(raw['min'], where, 'min');
  const max = raw['max'] === undefined ? 1 : finiteNumber(raw['max'], where, 'max');
  if (!(min < max)) bad(where, `needs min < max, got min ${min}, max ${max}`);
  return { type: 'hardtanh', inputs, min, max, ...named };
}

// ---------------------------------------------------------------------------------------------
// Writer

function rows(data: Float64Array, dims: readonly number[]): unknown {
  const build = (offset: number, k: number): unknown => {
    if (k === dims.length - 1) return Array.from(data.subarray(offset, offset + dims[k]!));
    const stride = sizeOf(dims.slice(k + 1));
    const out: unknown[] = [];
    for (let i = 0; i < dims[k]!; i++) out.push(build(offset + i * stride, k + 1));
    return out;
  };
  return build(0, 0);
}

const compactPair = (p: readonly [number, number]): number | number[] => (p[0] === p[1] ? p[0] : [p[0], p[1]]);
function compactPadding(p: readonly [number, number, number, number]): number | number[] {
  if (p[0] === p[2] && p[1] === p[3]) return compactPair([p[0], p[1]]);
  return [...p];
}

/**
 * Writes a network as a `polytope-lens/network@1` object (ready for `JSON.stringify`). A plain
 * chain is written in the minimal form; when a node reads anything but the node before it, the
 * layers it reads get names (their own, or `n<index>`) and it lists them in `"inputs"`.
 * `readNetworkJson(writeNetworkJson(net))` rebuilds the same network, values bit for bit.
 *
 * @example
 * writeNetworkJson(net);
 * // { format: 'polytope-lens/network@1', input: { shape: [2] },
 * //   layers: [{ type: 'dense', weight: [[1, 1], [1, 1]], bias: [1, 0] }, { type: 'relu' }, …] }
 */
export function writeNetworkJson(net: Network): object {
  const nodes = net.nodes;
  // Which nodes must be referable by name: those read by a node other than the next one.
  const referenced = new Uint8Array(nodes.length);
  nodes.forEach((node, i) => {
    if (i === 0) return;
    if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) for (const j of node.inputs) referenced[j] = 1;
  });
  const names: (string | undefined)[] = new Array(nodes.length);
  const taken = new Set<string>([INPUT_NAME]);
  nodes.forEach((node, i) => {
    if (i > 0 && node.name !== undefined && node.name !== '' && !taken.has(node.name)) names[i] = node.name;
    if (names[i] !== undefined) taken.add(names[i]!);
  });
  nodes.forEach((_node, i) => {
    if (i === 0 || names[i] !== undefined || !referenced[i]) return;
    let name = `n${i}`;
    for (let k = 2; taken.has(name); k++) name = `n${i}_${k}`;
    names[i] = name;
    taken.add(name);
  });
  const layers = nodes.slice(1).map((node, k) => {
    const i = k + 1;
    const layer: Record<string, unknown> = { type: node.type === 'reshape' && node.targetShape === undefined ? 'flatten' : node.type };
    if (names[i] !== undefined) layer['name'] = names[i];
    if (node.inputs.length !== 1 || node.inputs[0] !== i - 1) layer['inputs'] = node.inputs.map((j) => (j === 0 ? INPUT_NAME : names[j]!));
    Object.assign(layer, layerFields(node));
    return layer;
  });
  return { format: NETWORK_JSON_FORMAT, input: { shape: [...net.inputShape] }, layers };
}

function layerFields(node: Node): Record<string, unknown> {
  switch (node.type) {
    case 'dense':
      return { weight: rows(node.weight, [node.outFeatures, node.inFeatures]), bias: Array.from(node.bias) };
    case 'conv2d': {
      const f: Record<string, unknown> = {
        weight: rows(node.weight, [node.outChannels, node.inChannels / node.groups, node.kernel[0], node.kernel[1]]),
        bias: Array.from(node.bias),
      };
      if (node.stride[0] !== 1 || node.stride[1] !== 1) f['stride'] = compactPair(node.stride);
      if (node.padding.some((p) => p !== 0)) f['padding'] = compactPadding(node.padding);
      if (node.dilation[0] !== 1 || node.dilation[1] !== 1) f['dilation'] = compactPair(node.dilation);
      if (node.groups !== 1) f['groups'] = node.groups;
      return f;
    }
    case 'channel_affine':
      return { scale: Array.from(node.scale), shift: Array.from(node.shift) };
    case 'avgpool':
      return {
        kernel_size: compactPair(node.kernel),
        stride: compactPair(node.stride),
        padding: compactPadding(node.padding),
        count_include_pad: node.countIncludePad,
        ...(node.ceilMode === true ? { ceil_mode: true } : {}),
      };
    case 'maxpool': {
      const f: Record<string, unknown> = {
        kernel_size: compactPair(node.kernel),
        stride: compactPair(node.stride),
        padding: compactPadding(node.padding),
      };
      if (node.dilation[0] !== 1 || node.dilation[1] !== 1) f['dilation'] = compactPair(node.dilation);
      if (node.ceilMode === true) f['ceil_mode'] = true;
      return f;
    }
    case 'add':
      return node.coefficients === undefined ? {} : { coefficients: [...node.coefficients] };
    case 'concat':
      return { axis: node.axis };
    case 'pad':
      return {
        pads: [...node.pads],
        value: node.value,
        ...(node.mode === undefined || node.mode === 'constant' ? {} : { mode: node.mode }),
      };
    case 'slice':
      return { starts: [...node.starts], ends: [...node.ends], axes: [...node.axes], steps: [...node.steps] };
    case 'transpose':
      return { perm: [...node.perm] };
    case 'resize': {
      const f: Record<string, unknown> = {
        size: [...node.size],
        mode: node.mode,
        coordinate_mode: node.coordinateMode,
        nearest_mode: node.nearestMode,
      };
      if (node.scales !== undefined) f['scales'] = [...node.scales];
      if (node.cubicCoeffA !== undefined) f['cubic_coeff_a'] = node.cubicCoeffA;
      if (node.excludeOutside !== undefined) f['exclude_outside'] = node.excludeOutside;
      return f;
    }
    case 'reduce_mean':
      return { axes: [...node.axes], keepdims: node.keepdims };
    case 'broadcast_affine':
      return { scale: tensorJson(node.scale, node.scaleShape), shift: tensorJson(node.shift, node.shiftShape) };
    case 'prelu':
      return { slope: tensorJson(node.slope, node.slopeShape) };
    case 'reshape':
      return node.targetShape === undefined ? {} : { shape: [...node.targetShape] };
    case 'leaky_relu':
      return { alpha: node.alpha };
    case 'hardtanh':
      return { min: node.min, max: node.max };
    case 'input':
    case 'global_avgpool':
    case 'relu':
      return {};
  }
}

/** A constant as JSON: a number for shape [], else nested lists. */
function tensorJson(data: Float64Array, shape: Shape): unknown {
  return shape.length === 0 ? data[0]! : rows(data, shape);
}

/**
 * `writeNetworkJson` as text: indented, with every innermost list of numbers on one line so that
 * a weight matrix reads as rows.
 *
 * @example
 * networkToJsonString(net);
 * // {
 * //   "format": "polytope-lens/network@1",
 * //   "input": {"shape": [2]},
 * //   "layers": [
 * //     {"type": "dense", "weight": [[1, 1], [1, 1]], …
 */
export function networkToJsonString(net: Network, indent = 2): string {
  return `${prettyJson(writeNetworkJson(net), indent)}\n`;
}

function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (isObject(value))
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

/** Inline when short (or a plain list of numbers), otherwise one entry per line. */
function prettyJson(value: unknown, indent: number, depth = 0): string {
  const inline = inlineJson(value);
  if (inline.length + indent * depth <= 100 || (Array.isArray(value) && value.every((v) => typeof v === 'number'))) return inline;
  const pad = ' '.repeat(indent * (depth + 1));
  const end = ' '.repeat(indent * depth);
  if (Array.isArray(value)) return `[\n${value.map((v) => pad + prettyJson(v, indent, depth + 1)).join(',\n')}\n${end}]`;
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${prettyJson(v, indent, depth + 1)}`).join(',\n')}\n${end}}`;
  }
  return inline;
}
