/**
 * The README's "As a library" example runs as written: extracted from the README, transpiled from
 * TypeScript, its `@polytope-lens/core` import pointed at the built package, and run by Node in a
 * folder holding what `npx polytope demo` writes there (model.onnx and model.json of a 2-16-16-1
 * network; generated here with the library instead of training, which changes no code path).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp, writeOnnx } from '@polytope-lens/core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORE = pathToFileURL(join(ROOT, 'packages/core/dist/index.js')).href;

/** The first ```ts block after "As a library". */
function librarySnippet(): string {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = text.indexOf('As a library');
  expect(at, 'README has an "As a library" section').toBeGreaterThan(0);
  const m = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  expect(m, 'a ```ts block follows "As a library"').not.toBeNull();
  return m![1]!;
}

describe('README library example', () => {
  it('imports only from the public package and runs as written on the demo folder', () => {
    const source = librarySnippet();
    expect(source).toMatch(/from '@polytope-lens\/core';/);
    expect(source).not.toMatch(/\.\.\/shared|@polytope-lens\/core\/internal/);
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dir = mkdtempSync(join(tmpdir(), 'polytope-readme-lib-'));
    try {
      mkdirSync(join(dir, 'polytope-demo'));
      const net = randomMlp([2, 16, 16, 1], { seed: 0 });
      writeFileSync(join(dir, 'polytope-demo/model.json'), networkToJsonString(net));
      writeFileSync(join(dir, 'polytope-demo/model.onnx'), writeOnnx(net));
      writeFileSync(join(dir, 'snippet.mjs'), js.replaceAll("'@polytope-lens/core'", `'${CORE}'`));
      const r = spawnSync(process.execPath, ['snippet.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const check = /^true (\S+) true$/m.exec(r.stdout);
      expect(check, r.stdout).not.toBeNull();
      expect(Math.abs(Number(check![1]))).toBeLessThan(1e-9);
      expect(r.stdout).toMatch(/regions: \d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
