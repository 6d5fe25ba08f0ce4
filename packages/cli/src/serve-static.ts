/**
 * The loopback static server of `polytope serve`: the built explorer (packages/web/dist) at `/`,
 * and the files named on the command line at `/files/<i>/<name>` with a list at `/files/index.json`.
 * Only 127.0.0.1; only GET and HEAD; paths outside the app folder are refused.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxExternalDataFiles } from '@polytope-lens/core';
import { externalDataReader } from './model.js';
import { CliError } from './util.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.ico': 'image/x-icon',
};

/** The built explorer: packages/web/dist of this checkout. */
export function webDist(): string {
  return fileURLToPath(new URL('../../web/dist/', import.meta.url));
}

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A file to serve: its path, the name the page sees (default: the file's name), and for an ONNX model's external data the index of the model. */
export interface ServedEntry {
  readonly path: string;
  readonly name?: string;
  readonly companionOf?: number;
}

/**
 * The files to serve: each one named, and after each ONNX model the external data files it names
 * (checked as `loadModel` checks them: inside the model's real folder, regular files), listed as its
 * companions so the page opens them together. A model that does not read is served alone: the page
 * shows the engine's message.
 */
export function servedEntries(files: readonly string[]): ServedEntry[] {
  const out: ServedEntry[] = [];
  for (const f of files) {
    const at = out.length;
    out.push({ path: f });
    if (!/\.onnx$/i.test(f) || !existsSync(f)) continue;
    let locations: string[];
    try {
      locations = onnxExternalDataFiles(new Uint8Array(readFileSync(f)));
    } catch {
      continue;
    }
    const read = externalDataReader(f);
    for (const location of locations) {
      read(location); // the same checks as loadModel's: a CliError for a missing or unsafe file
      out.push({ path: realpathSync(join(dirname(f), normalize(location))), name: location, companionOf: at });
    }
  }
  return out;
}

/** Starts the server on 127.0.0.1:`port` (0 = a free port). `files` are served read-only by index. */
export async function startStaticServer(root: string, given: readonly (string | ServedEntry)[], port = 0): Promise<StaticServer> {
  const entries = given.map((g) => (typeof g === 'string' ? { path: g } : g));
  const files = entries.map((e) => e.path);
  if (!existsSync(join(root, 'index.html')))
    throw new CliError(
      `the explorer is not built (${join(root, 'index.html')} is missing); run 'npm run build' in the repository`,
      'bad-file',
    );
  for (const f of files) if (!existsSync(f) || !statSync(f).isFile()) throw new CliError(`cannot read '${f}': no such file`, 'bad-file');
  const listing = JSON.stringify(
    entries.map((e, i) => ({
      name: e.name ?? basename(e.path),
      url: `/files/${i}/${encodeURIComponent(basename(e.path))}`,
      ...(e.companionOf !== undefined ? { companionOf: e.companionOf } : {}),
    })),
  );
  const base = normalize(root + sep);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
    }
    let file: string | undefined;
    if (path === '/files/index.json') return void res.writeHead(200, { 'content-type': TYPES['.json']! }).end(listing);
    const m = /^\/files\/(\d+)\//.exec(path);
    if (m) file = files[Number(m[1])];
    else {
      const p = path === '/' ? join(base, 'index.html') : normalize(join(base, path));
      if (p.startsWith(base) && existsSync(p) && statSync(p).isFile()) file = p;
    }
    if (file === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    let body: string | Buffer = readFileSync(file);
    // The page learns which files to open from a JSON block in index.html (no extra request).
    if (file === join(base, 'index.html'))
      body = body
        .toString('utf8')
        .replace('</head>', `<script id="served-files" type="application/json">${listing.replace(/</g, '\\u003c')}</script></head>`);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new CliError(`cannot listen on 127.0.0.1:${port}: ${e.message}`)));
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
