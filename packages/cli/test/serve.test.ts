/** The loopback static server of `polytope serve`: the app, the named files, and refusals. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer } from '../src/serve-static.js';

/** A raw GET (no URL normalization by the client, so '..' and bad escapes reach the server). */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('polytope serve: static server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-serve-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>x</title></head><body>app</body></html>');
    writeFileSync(join(tmpdir(), 'polytope-serve-outside.txt'), 'outside');
    writeFileSync(join(dir, 'model.json'), '{"a": 1}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the app with the file list, the named files, and refuses the rest', async () => {
    const app = join(dir, 'app');
    rmSync(app, { recursive: true, force: true });
    await expect(startStaticServer(app, [])).rejects.toThrow(/explorer is not built/);
    const server = await startStaticServer(dir, [join(dir, 'model.json')]);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await get(server.url, '/');
      expect(index.status).toBe(200);
      expect(index.body).toContain(
        '<script id="served-files" type="application/json">[{"name":"model.json","url":"/files/0/model.json"}]</script></head>',
      );
      expect(await get(server.url, '/files/0/model.json')).toEqual({ status: 200, body: '{"a": 1}' });
      expect((await get(server.url, '/files/1/x')).status).toBe(404);
      expect((await get(server.url, '/../polytope-serve-outside.txt')).status).toBe(404);
      expect((await get(server.url, '/%2e%2e/polytope-serve-outside.txt')).status).toBe(404);
      expect((await get(server.url, '/%E0')).status).toBe(400);
    } finally {
      await server.close();
    }
    await expect(startStaticServer(dir, [join(dir, 'missing.onnx')])).rejects.toThrow(/cannot read/);
  });
});
