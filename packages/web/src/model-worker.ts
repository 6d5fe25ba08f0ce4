/**
 * Model worker: every read of an opened model that the page needs — its sizes (`info`), an ONNX file
 * with external data turned into network JSON (`external`), and the model export (`export`: network
 * JSON or ONNX) — runs here, so the page's main thread never parses a model (a ResNet-sized ONNX
 * file takes seconds to read). One worker serves the page (model-client.ts); answers carry the
 * request's id.
 */
import { PolytopeError, networkToJsonString, readNetworkJson, readOnnx, writeOnnx } from '@polytope-lens/core';
import type { Network } from '@polytope-lens/core';

/** What the page needs of a model: its input's shape and flat size, and its output size. */
export interface ModelInfo {
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
}

export type ToModel =
  | { readonly id: number; readonly type: 'info'; readonly net: string | Uint8Array }
  | {
      readonly id: number;
      readonly type: 'external';
      readonly name: string;
      readonly bytes: Uint8Array;
      readonly files: readonly { readonly name: string; readonly bytes: Uint8Array }[];
    }
  | { readonly id: number; readonly type: 'export'; readonly net: string | Uint8Array; readonly format: 'json' | 'onnx' };

export type FromModel =
  | { readonly id: number; readonly type: 'info'; readonly info: ModelInfo }
  | { readonly id: number; readonly type: 'json'; readonly text: string }
  | { readonly id: number; readonly type: 'file'; readonly bytes: Uint8Array }
  | { readonly id: number; readonly type: 'error'; readonly message: string };

const ctx = self as unknown as {
  postMessage(m: FromModel, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

const read = (net: string | Uint8Array): Network => (typeof net === 'string' ? readNetworkJson(JSON.parse(net)) : readOnnx(net));

/** An ONNX model read with its external data files (matched by the location the model names, or its base name). */
function withExternalData(m: Extract<ToModel, { type: 'external' }>): string {
  const byName = new Map(m.files.map((f) => [f.name, f.bytes]));
  const net = readOnnx(m.bytes, {
    externalData: (location: string) => {
      const base = location.split(/[\\/]/).pop() ?? location;
      const bytes = byName.get(location) ?? byName.get(base);
      if (!bytes)
        throw new PolytopeError(
          'bad-file',
          `${m.name}: external data '${location}' was not opened with the model; select it together with the model`,
        );
      return bytes;
    },
  });
  return networkToJsonString(net);
}

function answer(m: ToModel): FromModel {
  if (m.type === 'info') {
    const net = read(m.net);
    return { id: m.id, type: 'info', info: { inputShape: [...net.inputShape], inputSize: net.inputSize, outputSize: net.outputSize } };
  }
  if (m.type === 'external') return { id: m.id, type: 'json', text: withExternalData(m) };
  const net = read(m.net);
  const bytes = m.format === 'onnx' ? new Uint8Array(writeOnnx(net)) : new TextEncoder().encode(networkToJsonString(net, 2));
  return { id: m.id, type: 'file', bytes };
}

ctx.onmessage = (e: MessageEvent) => {
  const m = e.data as ToModel;
  try {
    const a = answer(m);
    ctx.postMessage(a, a.type === 'file' ? [a.bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    ctx.postMessage({ id: m.id, type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
