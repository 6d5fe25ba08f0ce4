// The Python package's engine: one long-lived Node process per Python session (docs/python.md).
// Bundled with esbuild into python/polytope_lens/engine/engine.mjs by scripts/bundle-engine.mjs.
//
// Protocol, both directions, on stdin/stdout: frames of
//   u32 LE header length | JSON header | raw array bytes (little-endian), in header.arrays order,
// where header.arrays = [{ name, dtype: 'f64'|'i32'|'u8', shape }]. Requests: { id, op, args };
// replies: { id, type: 'result'|'error'|'progress', ... }. `{ op: 'cancel', target }` stops request
// `target` (the main thread reads stdin while a worker thread does the work; the worker's abort
// signal reads a shared word that the main thread sets).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  PolytopeError,
  AbortError,
  affineMapAt,
  anchorBox,
  enumeratePolytopes,
  inputPlane,
  partitionLine,
  planeThrough,
  prepareNetwork,
  readNetworkJson,
  readOnnx,
  slicePlane,
  walkRegions,
} from '@polytope-lens/core';

const DTYPES = { f64: Float64Array, i32: Int32Array, u8: Uint8Array };

function dtypeOf(a) {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint8Array) return 'u8';
  throw new Error('unsupported array type');
}

function encode(header, arrays = {}) {
  const list = Object.entries(arrays);
  header.arrays = list.map(([name, { data, shape }]) => ({ name, dtype: dtypeOf(data), shape }));
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const parts = [Buffer.alloc(4), json];
  parts[0].writeUInt32LE(json.length, 0);
  for (const [, { data }] of list) parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  return Buffer.concat(parts);
}

/** Splits a stream of bytes into decoded frames. */
class FrameReader {
  buf = Buffer.alloc(0);
  push(chunk, onFrame) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length < 4) return;
      const hlen = this.buf.readUInt32LE(0);
      if (this.buf.length < 4 + hlen) return;
      const header = JSON.parse(this.buf.toString('utf8', 4, 4 + hlen));
      let off = 4 + hlen;
      const arrays = {};
      let need = off;
      for (const a of header.arrays ?? []) need += a.shape.reduce((p, q) => p * q, 1) * DTYPES[a.dtype].BYTES_PER_ELEMENT;
      if (this.buf.length < need) return;
      for (const a of header.arrays ?? []) {
        const T = DTYPES[a.dtype];
        const n = a.shape.reduce((p, q) => p * q, 1);
        const copy = new T(n);
        new Uint8Array(copy.buffer).set(this.buf.subarray(off, off + n * T.BYTES_PER_ELEMENT));
        arrays[a.name] = copy;
        off += n * T.BYTES_PER_ELEMENT;
      }
      this.buf = this.buf.subarray(off);
      onFrame(header, arrays);
    }
  }
}

// ---------------------------------------------------------------- main thread: I/O and cancel
function main() {
  // Word 0: the id of the request to cancel; bytes 8…15: when the cancel arrived (ms, for the reply).
  const shared = new SharedArrayBuffer(16);
  const cancel = new Int32Array(shared, 0, 1);
  const cancelAt = new Float64Array(shared, 8, 1);
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { shared } });
  const out = (buf) => process.stdout.write(buf);
  worker.on('message', ({ header, arrays }) => out(encode(header, arrays)));
  worker.on('error', (err) => {
    out(encode({ id: -1, type: 'error', code: 'internal', message: `engine worker failed: ${err?.message ?? err}` }));
    process.exit(1);
  });
  const reader = new FrameReader();
  process.stdin.on('data', (chunk) =>
    reader.push(chunk, (header, arrays) => {
      if (header.op === 'cancel') {
        cancelAt[0] = performance.now() + performance.timeOrigin;
        Atomics.store(cancel, 0, header.target);
      } else if (header.op === 'close') process.exit(0);
      else worker.postMessage({ header, arrays });
    }),
  );
  process.stdin.on('end', () => process.exit(0));
  out(encode({ id: 0, type: 'hello', protocol: 1 }));
}

// ---------------------------------------------------------------- worker: the computations
function codesOf(list, units) {
  const codes = new Uint8Array(list.length * units);
  list.forEach((c, i) => codes.set(c, i * units));
  return { data: codes, shape: [list.length, units] };
}

function csr(list, width) {
  const offsets = new Int32Array(list.length + 1);
  let total = 0;
  list.forEach((v, i) => {
    total += v.length / width;
    offsets[i + 1] = total;
  });
  const xy = new Float64Array(total * width);
  let o = 0;
  for (const v of list) {
    xy.set(v, o);
    o += v.length;
  }
  return { offsets: { data: offsets, shape: [list.length + 1] }, xy: { data: xy, shape: [total, width] } };
}

function loadNetwork(args, arrays) {
  if (args.path !== undefined) {
    const bytes = readFileSync(args.path);
    const isJson = args.path.toLowerCase().endsWith('.json') || bytes[0] === 0x7b;
    if (isJson) return readNetworkJson(JSON.parse(bytes.toString('utf8')));
    return readOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), args.logits ? { dropSoftmax: true } : {});
  }
  return readOnnx(arrays.bytes, args.logits ? { dropSoftmax: true } : {});
}

const ops = {
  load(ctx, args, arrays) {
    const net = loadNetwork(args, arrays);
    const handle = ctx.nextHandle++;
    ctx.nets.set(handle, { net, prepared: prepareNetwork(net) });
    const n = net;
    return {
      header: {
        handle,
        inputSize: n.inputSize,
        outputSize: n.outputSize,
        numUnits: n.numUnits,
        inputShape: [...n.inputShape],
        numParameters: n.numParameters,
      },
    };
  },
  free(ctx, args) {
    ctx.nets.delete(args.handle);
    return { header: {} };
  },
  affine(ctx, args, arrays, { net, prepared }) {
    const a = affineMapAt(prepared, arrays.x);
    return {
      header: {},
      arrays: {
        J: { data: a.jacobian, shape: [a.outputs, a.inputs] },
        offset: { data: a.offset, shape: [a.outputs] },
        y: { data: a.output, shape: [a.outputs] },
        code: { data: a.code.states, shape: [net.numUnits] },
      },
    };
  },
  line(ctx, args, arrays, { net, prepared }, opt) {
    const r = partitionLine(prepared, arrays.x0, arrays.x1, opt);
    const n = r.pieces.length;
    const o = net.outputSize;
    const t0 = new Float64Array(n);
    const t1 = new Float64Array(n);
    const maps = new Float64Array(n * o * 2);
    r.pieces.forEach((p, i) => {
      t0[i] = p.t0;
      t1[i] = p.t1;
      maps.set(p.map, i * o * 2);
    });
    return {
      header: { seconds: r.seconds },
      arrays: {
        t0: { data: t0, shape: [n] },
        t1: { data: t1, shape: [n] },
        maps: { data: maps, shape: [n, o, 2] },
        codes: codesOf(
          r.pieces.map((p) => p.code),
          net.numUnits,
        ),
        breakpoints: { data: r.breakpoints, shape: [r.breakpoints.length] },
      },
    };
  },
  slice(ctx, args, arrays, { net, prepared }, opt) {
    let plane;
    let box = args.box;
    if (arrays.a !== undefined) {
      plane = planeThrough(arrays.a, arrays.b, arrays.c);
      box ??= [...anchorBox(plane)];
    } else {
      if (net.inputSize !== 2)
        throw new PolytopeError('bad-option', `a ${net.inputSize}-input network is sliced through three inputs: give through=(a, b, c)`);
      if (box === undefined)
        throw new PolytopeError('bad-option', 'a 2-input network is sliced in its input plane: give box=(s0, s1, t0, t1)');
      plane = inputPlane(net);
    }
    const res = slicePlane(prepared, plane, box, opt);
    const n = res.regions.length;
    const o = net.outputSize;
    const areas = new Float64Array(n);
    const maps = new Float64Array(n * o * 3);
    res.regions.forEach((r, i) => {
      areas[i] = r.area;
      maps.set(r.map, i * o * 3);
    });
    const poly = csr(
      res.regions.map((r) => r.vertices),
      2,
    );
    const bnd = csr(res.boundary, 2);
    return {
      header: { summary: res.summary, box: [...res.box] },
      arrays: {
        offsets: poly.offsets,
        xy: poly.xy,
        areas: { data: areas, shape: [n] },
        maps: { data: maps, shape: [n, o, 3] },
        codes: codesOf(
          res.regions.map((r) => r.code),
          net.numUnits,
        ),
        linear_region: { data: res.linearRegionOf, shape: [n] },
        boundary_offsets: bnd.offsets,
        boundary_xy: bnd.xy,
        origin: { data: Float64Array.from(plane.origin), shape: [net.inputSize] },
        u: { data: Float64Array.from(plane.u), shape: [net.inputSize] },
        v: { data: Float64Array.from(plane.v), shape: [net.inputSize] },
      },
    };
  },
  polytopes(ctx, args, arrays, { net }, opt) {
    const res = enumeratePolytopes(net, { box: args.box, signal: opt.signal, onProgress: opt.onProgress });
    const d = res.dim;
    const n = res.regions.length;
    const volumes = new Float64Array(n);
    const interior = new Float64Array(n * d);
    res.regions.forEach((r, i) => {
      volumes[i] = r.volume;
      interior.set(r.interior, i * d);
    });
    const v = csr(
      res.regions.map((r) => r.vertices.subarray(0, r.numVertices * d)),
      d,
    );
    return {
      header: { totalVolume: res.totalVolume, boxVolume: res.boxVolume, seconds: res.seconds, fVectors: res.regions.map((r) => r.fVector) },
      arrays: {
        offsets: v.offsets,
        vertices: v.xy,
        volumes: { data: volumes, shape: [n] },
        interior: { data: interior, shape: [n, d] },
        codes: codesOf(
          res.regions.map((r) => r.code),
          net.numUnits,
        ),
      },
    };
  },
  async walk(ctx, args, arrays, { net }, opt) {
    const res = await walkRegions(net, arrays.x, {
      maxRegions: args.maxRegions,
      ...(args.radius !== undefined ? { radius: args.radius } : {}),
      signal: opt.signal,
      onProgress: opt.onProgress,
    });
    const n = res.regions.length;
    const d = net.inputSize;
    const points = new Float64Array(n * d);
    const depth = new Int32Array(n);
    res.regions.forEach((r, i) => {
      points.set(r.point, i * d);
      depth[i] = r.depth;
    });
    const edges = new Int32Array(res.edges.length * 2);
    res.edges.forEach(([p, q], i) => {
      edges[2 * i] = p;
      edges[2 * i + 1] = q;
    });
    return {
      header: { complete: res.complete, lps: res.lps, seconds: res.seconds },
      arrays: {
        points: { data: points, shape: [n, d] },
        depth: { data: depth, shape: [n] },
        edges: { data: edges, shape: [res.edges.length, 2] },
        codes: codesOf(
          res.regions.map((r) => r.code),
          net.numUnits,
        ),
      },
    };
  },
};

function workerMain() {
  const cancel = new Int32Array(workerData.shared, 0, 1);
  const cancelAt = new Float64Array(workerData.shared, 8, 1);
  const ctx = { nets: new Map(), nextHandle: 1 };
  const send = (header, arrays) => parentPort.postMessage({ header, arrays });
  parentPort.on('message', async ({ header, arrays }) => {
    const { id, op, args = {} } = header;
    const signal = {
      get aborted() {
        return Atomics.load(cancel, 0) === id;
      },
    };
    let last = 0;
    const onProgress = (p) => {
      const t = Date.now();
      if (t - last < 100) return;
      last = t;
      send({ id, type: 'progress', progress: p });
    };
    try {
      const fn = ops[op];
      if (fn === undefined) throw new PolytopeError('bad-option', `unknown engine operation '${op}'`);
      let net;
      if (op !== 'load' && op !== 'free') {
        net = ctx.nets.get(args.handle);
        if (net === undefined) throw new PolytopeError('bad-option', `no network with handle ${args.handle} (closed?)`);
      }
      const r = await fn(ctx, args, arrays, net, { signal, onProgress });
      send({ id, type: 'result', ...r.header }, r.arrays ?? {});
    } catch (err) {
      if (err instanceof AbortError || signal.aborted)
        send({
          id,
          type: 'error',
          code: 'cancelled',
          message: 'cancelled',
          stoppedAfterMs: performance.now() + performance.timeOrigin - cancelAt[0],
        });
      else if (err instanceof PolytopeError) send({ id, type: 'error', code: err.code, message: err.message });
      else send({ id, type: 'error', code: 'internal', message: err instanceof Error ? `${err.message}` : String(err) });
    }
  });
}

if (isMainThread) main();
else workerMain();
