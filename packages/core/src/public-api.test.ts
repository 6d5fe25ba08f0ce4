/**
 * The public API (src/index.ts) is curated: explicit named exports only, JSDoc on every export and
 * an `@example` on every exported value, and no engine internals, kernels, arenas or global
 * switches (those live in src/internal.ts, the `@polytope-lens/core/internal` subpath).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('./', import.meta.url));
const INDEX = `${SRC}index.ts`;
const INTERNAL = `${SRC}internal.ts`;

/** Names that must never be public: kernels, engine work units, arenas, global switches. */
const DENY: readonly RegExp[] = [
  /Impl$/,
  /^WALK_LP_OPTIONS$/,
  /^setSimdEnabled$/,
  /^simdAvailable$/,
  /arena/i,
  /^(GrowF64|SliceAccumulator|RegionDescriber|runPartition|planUnits|rootFrame|polygonOps|intervalOps|boxPolygon|checkBox|transposedWeight|windowTable)$/,
  /^(WorkUnit|PartitionFrame|ChildBatch|RunOptions|EmittedRegion)$/,
  /^gemm/,
  /^simd/,
];

interface ExportInfo {
  name: string;
  file: string;
  isValue: boolean;
  doc: string;
  hasExample: boolean;
}

const program = ts.createProgram([INDEX, INTERNAL], {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
});
const checker = program.getTypeChecker();

function exportsOf(file: string): ExportInfo[] {
  const sf = program.getSourceFile(file)!;
  const mod = checker.getSymbolAtLocation(sf)!;
  return checker.getExportsOfModule(mod).map((s) => {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    const decl = target.declarations?.[0];
    const isValue = (target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable | ts.SymbolFlags.Enum)) !== 0;
    return {
      name: s.name,
      file: decl ? decl.getSourceFile().fileName.slice(SRC.length) : '?',
      isValue,
      doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim(),
      hasExample: target.getJsDocTags(checker).some((t) => t.name === 'example'),
    };
  });
}

const publicApi = exportsOf(INDEX);

describe('public API (src/index.ts)', () => {
  it('exports names explicitly (no `export *`)', () => {
    const text = readFileSync(INDEX, 'utf8');
    expect(text).not.toMatch(/^export \*/m);
    expect(readFileSync(INTERNAL, 'utf8')).not.toMatch(/^export \*/m);
  });

  it('exports no internal name from the deny-list (kernels, arenas, engine work units, global switches)', () => {
    const leaked = publicApi.filter((e) => DENY.some((re) => re.test(e.name))).map((e) => `${e.name} (${e.file})`);
    expect(leaked).toEqual([]);
  });

  it('has JSDoc on every export', () => {
    expect(publicApi.length).toBeGreaterThan(150);
    const undocumented = publicApi.filter((e) => e.doc === '').map((e) => `${e.name} (${e.file})`);
    expect(undocumented).toEqual([]);
  });

  it('has an @example on every exported function, class and constant', () => {
    const missing = publicApi.filter((e) => e.isValue && !e.hasExample).map((e) => `${e.name} (${e.file})`);
    expect(missing).toEqual([]);
  });

  it('keeps internal (the /internal subpath) and public names apart', () => {
    const pub = new Set(publicApi.map((e) => e.name));
    const internal = exportsOf(INTERNAL);
    expect(internal.map((e) => e.name).filter((n) => pub.has(n))).toEqual([]);
    expect(internal.map((e) => e.name)).toContain('setSimdEnabled');
  });

  it('package.json maps "." and "./internal" to built JavaScript and declarations', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(pkg.exports['./internal']).toEqual({ types: './dist/internal.d.ts', default: './dist/internal.js' });
  });
});
