/**
 * The page's side of model-worker.ts: one worker, started on first use, and a promise per request
 * (an error answer rejects it with the worker's one-line message).
 */
import type { FromModel, ModelInfo, ToModel } from './model-worker.js';

type Request = ToModel extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

const pending = new Map<number, { resolve: (m: FromModel) => void; reject: (e: Error) => void }>();
let worker: Worker | undefined;
let nextId = 1;

function ask(req: Request): Promise<FromModel> {
  if (!worker) {
    worker = new Worker(new URL('./model-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromModel>) => {
      const m = e.data;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.type === 'error') p?.reject(new Error(m.message));
      else p?.resolve(m);
    };
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage({ ...req, id } as ToModel);
  });
}

/** The model's input shape and sizes. */
export async function modelInfo(net: string | Uint8Array): Promise<ModelInfo> {
  const m = await ask({ type: 'info', net });
  if (m.type !== 'info') throw new Error('model worker: unexpected answer');
  return m.info;
}

/** An ONNX model with external data files, as network JSON text. */
export async function externalToJson(
  name: string,
  bytes: Uint8Array,
  files: readonly { name: string; bytes: Uint8Array }[],
): Promise<string> {
  const m = await ask({ type: 'external', name, bytes, files });
  if (m.type !== 'json') throw new Error('model worker: unexpected answer');
  return m.text;
}

/** The model written as network JSON or ONNX. */
export async function exportModelFile(net: string | Uint8Array, format: 'json' | 'onnx'): Promise<Blob> {
  const m = await ask({ type: 'export', net, format });
  if (m.type !== 'file') throw new Error('model worker: unexpected answer');
  return new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: format === 'onnx' ? 'application/octet-stream' : 'application/json' });
}
