/** Worker thread: plans a slice job's work units, takes units from the shared counter and streams their regions back in batches. */
import { parentPort } from 'node:worker_threads';
import { AbortError, InternalError, PolytopeError, prepareNetwork, readNetworkJson } from '@polytope-lens/core';
import type { Polygon, PreparedNetwork } from '@polytope-lens/core';
import {
  GrowF64,
  PartitionWorkspace,
  RegionDescriber,
  boxPolygon,
  createPolygonOps,
  planUnits,
  rootFrame,
  runPartition,
} from '@polytope-lens/core/internal';
import type { CellOps, WorkUnit } from '@polytope-lens/core/internal';
import { MAX_IN_FLIGHT } from './protocol.js';
import type { FromWorker, JobSetup, RegionBatch, ToWorker } from './protocol.js';

const port = parentPort!;
/** The job network, prepared once per worker and kept while jobs use the same network id. */
let net: PreparedNetwork | null = null;
let netId = -1;
/** Polygon operations with this worker's own scratch (runs take their own through `forRun`). */
const ops: CellOps<Polygon> = createPolygonOps();
/** This worker's run buffers, reused by its units one at a time (each run starts it afresh). */
const workspace = new PartitionWorkspace();

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);
let describerCache: { net: PreparedNetwork; setup: JobSetup; describer: RegionDescriber } | null = null;

/** One describer per job (its code hasher is the same on every thread: fixed seed). */
function describerFor(net: PreparedNetwork, setup: JobSetup): RegionDescriber {
  if (describerCache?.net !== net || describerCache.setup !== setup) {
    const d = net.network.inputSize;
    const u = new Float64Array(d);
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      u[i] = setup.dirs[2 * i]!;
      v[i] = setup.dirs[2 * i + 1]!;
    }
    describerCache = { net, setup, describer: new RegionDescriber(net, { origin: setup.origin, u, v }, setup.box) };
  }
  return describerCache.describer;
}

/** Blocks while MAX_IN_FLIGHT batches are unconsumed (or until cancelled), then takes a credit. */
function waitForCredit(control: Int32Array): void {
  for (;;) {
    if (Atomics.load(control, 1) !== 0) throw new AbortError();
    const inFlight = Atomics.load(control, 0);
    if (inFlight < MAX_IN_FLIGHT) break;
    Atomics.wait(control, 0, inFlight, 200);
  }
  Atomics.add(control, 0, 1);
}

/** The engine's cancellation check, reading the driver's shared flag. */
function cancelSignal(control: Int32Array): { readonly aborted: boolean } {
  return {
    get aborted() {
      return Atomics.load(control, 1) !== 0;
    },
  };
}

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'stop') {
    port.close();
    return;
  }
  try {
    const setup = msg.setup;
    // The same network as the last job (benchmarks, animations) keeps its parsed form and caches.
    if (!net || netId !== setup.netId) {
      if (!setup.network) throw new InternalError('slice worker: job without its network');
      net = prepareNetwork(readNetworkJson(setup.network));
      netId = setup.netId;
    }
    const b = setup.box;
    const plan = planUnits(
      net,
      ops,
      rootFrame(net, ops, boxPolygon(b[0], b[1], b[2], b[3]), setup.origin, setup.dirs),
      setup.extent,
      setup.units,
    );
    for (;;) {
      const index = Atomics.add(setup.control, 2, 1);
      if (index >= plan.length) break;
      runUnit(net, setup, plan[index]!, index);
    }
    post({ type: 'worker-done', job: setup.job, units: plan.length });
  } catch (err) {
    post({
      type: 'error',
      job: msg.setup.job,
      message: err instanceof Error ? err.message : String(err),
      code: err instanceof PolytopeError || err instanceof AbortError || err instanceof InternalError ? err.code : 'internal',
    });
  }
});

/** Partitions one unit, sending its regions in packed batches of at most `setup.batch`. */
function runUnit(net: PreparedNetwork, setup: JobSetup, unit: WorkUnit<Polygon>, index: number): void {
  const o = net.network.outputSize;
  const codeLen = net.network.numUnits;
  const cap = setup.batch;
  const describer = describerFor(net, setup);
  const segments = new GrowF64();
  const neighbours = new GrowF64();
  const cells: Polygon[] = [];
  const codes = new Uint8Array(setup.full ? cap * codeLen : 0);
  const outputs = new Float64Array(cap * o * 3);
  const areas = new Float64Array(cap);
  const hashes = new Float64Array(cap);
  const segStarts = new Int32Array(cap + 1);
  const flush = () => {
    const count = cells.length;
    if (count === 0) return;
    const ints = new Int32Array(2 * count + 2);
    for (let i = 0; i < count; i++) ints[i + 1] = ints[i]! + cells[i]!.n;
    ints.set(segStarts.subarray(0, count + 1), count + 1);
    const edges = ints[count]!;
    const floats = new Float64Array(2 * count + count * o * 3 + edges + segments.length);
    floats.set(areas.subarray(0, count), 0);
    floats.set(hashes.subarray(0, count), count);
    floats.set(outputs.subarray(0, count * o * 3), 2 * count);
    floats.set(neighbours.data.subarray(0, edges), 2 * count + count * o * 3);
    floats.set(segments.data.subarray(0, segments.length), 2 * count + count * o * 3 + edges);
    const batch: RegionBatch = { type: 'regions', job: setup.job, frame: index, count, ints, floats };
    const transfer: ArrayBuffer[] = [ints.buffer, floats.buffer];
    if (setup.full) {
      const xy = new Float64Array(2 * edges);
      const labels = new Int32Array(edges);
      for (let i = 0; i < count; i++) {
        xy.set(cells[i]!.xy.subarray(0, 2 * cells[i]!.n), 2 * ints[i]!);
        labels.set(cells[i]!.labels.subarray(0, cells[i]!.n), ints[i]!);
      }
      const cs = codes.slice(0, count * codeLen);
      batch.xy = xy;
      batch.labels = labels;
      batch.codes = cs;
      transfer.push(xy.buffer, labels.buffer, cs.buffer);
    }
    waitForCredit(setup.control);
    post(batch, transfer);
    cells.length = 0;
    neighbours.length = 0;
    segments.length = 0;
  };
  const root = boxPolygon(setup.box[0], setup.box[1], setup.box[2], setup.box[3]);
  runPartition(
    net,
    ops,
    root,
    setup.origin,
    setup.dirs,
    setup.extent,
    (r) => {
      const i = cells.length;
      const cell = r.cell as Polygon;
      cells.push(setup.full ? cell : { n: cell.n, xy: EMPTY_F64, labels: EMPTY_I32 });
      if (setup.full) codes.set(r.code, i * codeLen);
      outputs.set(r.output.subarray(0, o * 3), i * o * 3);
      describer.describe(cell, r.code, r.output, segments);
      areas[i] = describer.area;
      hashes[i] = describer.hash;
      for (let e = 0; e < cell.n; e++) neighbours.push(describer.neighbours[e]!);
      segStarts[i + 1] = segments.length;
      if (cells.length === cap) flush();
    },
    { units: [unit], workspace, signal: cancelSignal(setup.control) },
  );
  flush();
}

post({ type: 'ready' });
