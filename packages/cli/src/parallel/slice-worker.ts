/** Worker thread: plans a slice job's work units, partitions the units it is sent and streams regions back in batches. */
import { parentPort } from 'node:worker_threads';
import { AbortError, GrowF64, RegionDescriber, boxPolygon, planUnits, polygonOps, readNetworkJson, rootFrame, runPartition } from '@polytope-lens/core';
import type { Network, Polygon, WorkUnit } from '@polytope-lens/core';
import { MAX_IN_FLIGHT } from './protocol.js';
import type { FromWorker, JobSetup, RegionBatch, ToWorker } from './protocol.js';

const port = parentPort!;
let init: JobSetup | null = null;
let net: Network | null = null;
let plan: WorkUnit<Polygon>[] = [];

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);
let describerCache: { net: Network; setup: JobSetup; describer: RegionDescriber } | null = null;

/** One describer per job (its code hasher is the same on every thread: fixed seed). */
function describerFor(net: Network, setup: JobSetup): RegionDescriber {
  if (describerCache?.net !== net || describerCache.setup !== setup) {
    const d = net.inputSize;
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
  if (msg.type === 'job') {
    init = msg.setup;
    try {
      net = readNetworkJson(init.network);
      const b = init.box;
      plan = planUnits(net, polygonOps, rootFrame(net, polygonOps, boxPolygon(b[0], b[1], b[2], b[3]), init.origin, init.dirs), init.extent, init.units);
      post({ type: 'planned', units: plan.length });
    } catch (err) {
      net = null;
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (!init || !net || msg.job !== init.job) return;
  const o = net.outputSize;
  const numUnits = net.numUnits;
  try {
    const unit = plan[msg.index]!;
    const setup = init;
    const cap = setup.batch;
    const describer = describerFor(net, setup);
    const segments = new GrowF64();
    let cells: Polygon[] = [];
    let codes = new Uint8Array(setup.full ? cap * numUnits : 0);
    let outputs = new Float64Array(cap * o * 3);
    let areas = new Float64Array(cap);
    let hashes = new Float64Array(cap);
    const neighbours = new GrowF64();
    const segStarts = new Int32Array(cap + 1);
    const flush = () => {
      const count = cells.length;
      if (count === 0) return;
      const starts = new Int32Array(count + 1);
      for (let i = 0; i < count; i++) starts[i + 1] = starts[i]! + cells[i]!.n;
      const nb = neighbours.data.slice(0, neighbours.length);
      const ss = segStarts.slice(0, count + 1);
      const segs = segments.data.slice(0, segments.length);
      const batch: RegionBatch = {
        type: 'regions',
        frame: msg.index,
        count,
        starts,
        areas: areas.subarray(0, count),
        hashes: hashes.subarray(0, count),
        neighbours: nb,
        outputs: outputs.subarray(0, count * o * 3),
        segStarts: ss,
        segments: segs,
      };
      const transfer: ArrayBuffer[] = [starts.buffer, areas.buffer, hashes.buffer, nb.buffer, outputs.buffer, ss.buffer, segs.buffer];
      if (setup.full) {
        const xy = new Float64Array(2 * starts[count]!);
        const labels = new Int32Array(starts[count]!);
        for (let i = 0; i < count; i++) {
          xy.set(cells[i]!.xy.subarray(0, 2 * cells[i]!.n), 2 * starts[i]!);
          labels.set(cells[i]!.labels.subarray(0, cells[i]!.n), starts[i]!);
        }
        batch.xy = xy;
        batch.labels = labels;
        batch.codes = codes.subarray(0, count * numUnits);
        transfer.push(xy.buffer, labels.buffer, codes.buffer);
        codes = new Uint8Array(cap * numUnits);
      }
      waitForCredit(setup.control);
      post(batch, transfer);
      cells = [];
      outputs = new Float64Array(cap * o * 3);
      areas = new Float64Array(cap);
      hashes = new Float64Array(cap);
      neighbours.length = 0;
      segments.length = 0;
    };
    runPartition(net, polygonOps, boxPolygon(setup.box[0], setup.box[1], setup.box[2], setup.box[3]), setup.origin, setup.dirs, setup.extent, (r) => {
      const i = cells.length;
      const cell = r.cell as Polygon;
      cells.push(setup.full ? cell : { n: cell.n, xy: EMPTY_F64, labels: EMPTY_I32 });
      if (setup.full) codes.set(r.code, i * numUnits);
      outputs.set(r.output.subarray(0, o * 3), i * o * 3);
      describer.describe(cell, r.code, r.output, segments);
      areas[i] = describer.area;
      hashes[i] = describer.hash;
      for (let e = 0; e < cell.n; e++) neighbours.push(describer.neighbours[e]!);
      segStarts[i + 1] = segments.length;
      if (cells.length === cap) flush();
    }, { units: [unit], signal: cancelSignal(setup.control) });
    flush();
    post({ type: 'unit-done', frame: msg.index });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
post({ type: 'ready' });
