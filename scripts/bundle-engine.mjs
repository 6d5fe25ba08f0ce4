// Bundles the Python package's engine (python/engine-src/engine.mjs + @polytope-lens/core) into ONE
// file, python/polytope_lens/engine/engine.mjs, with esbuild. Run after `npm run build` (the core's
// dist is what is bundled); `npm run bundle:engine` does both. See docs/python.md.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'python/engine-src/engine.mjs')],
  outfile: join(root, 'python/polytope_lens/engine/engine.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // HiGHS (walk's LPs) uses require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __plCreateRequire } from 'node:module'; const require = __plCreateRequire(import.meta.url); const __filename = (await import('node:url')).fileURLToPath(import.meta.url); const __dirname = (await import('node:path')).dirname(__filename);",
  },
});
// HiGHS loads its WebAssembly from beside the script: ship it next to the bundle.
const highsDir = dirname(createRequire(join(root, 'packages/core/package.json')).resolve('highs'));
copyFileSync(join(highsDir, 'highs.wasm'), join(root, 'python/polytope_lens/engine/highs.wasm'));
