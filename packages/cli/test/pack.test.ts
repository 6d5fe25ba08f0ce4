/**
 * The published packages work outside the repository: `npm pack` of @polytope-lens/core and
 * @polytope-lens/cli, then an install of the two tarballs into an empty folder with no network
 * (`npm ci --offline`: the registry dependencies come from npm's cache, which the repository's own
 * `npm ci` filled; the empty folder's lockfile lists the two tarballs and copies the entries of
 * their registry dependencies from the repository's package-lock.json, because an offline
 * `npm install` cannot resolve version ranges without registry metadata, which npm ci does not
 * cache). Then core's README example runs with node, and the installed `polytope` runs
 * (`--version`, `affine`, `slice` to JSON and npz). Slow by nature (pack + install: 10–40 s on the shared machine).
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface PackageJson {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
}
interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

function run(cmd: string, args: string[], opts: SpawnSyncOptions): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 150_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}${String(r.stdout)}`);
  return String(r.stdout);
}

/** package.json and package-lock.json of an empty app depending on the two tarballs (see the header). */
function appLockfile(app: string, coreTgz: string, cliTgz: string, sweepTgz: string): void {
  const lock = readJson<{ packages: Record<string, LockEntry> }>(join(ROOT, 'package-lock.json'));
  const core = readJson<PackageJson>(join(ROOT, 'packages/core/package.json'));
  const cli = readJson<PackageJson>(join(ROOT, 'packages/cli/package.json'));
  const sweep = readJson<PackageJson>(join(ROOT, 'packages/sweep/package.json'));
  const registry: Record<string, LockEntry> = {};
  // Registry packages as npm lays them out: a dependency of the package at path P resolves to
  // P/node_modules/D when the lockfile nests a version there, else to the top-level node_modules/D.
  const queue: [string, string][] = [core, cli, sweep].flatMap((p) =>
    Object.keys(p.dependencies)
      .filter((d) => !d.startsWith('@polytope-lens/'))
      .map((d): [string, string] => ['', d]),
  );
  while (queue.length) {
    const [parent, name] = queue.shift()!;
    const nested = parent ? `${parent}/node_modules/${name}` : '';
    const key = nested && lock.packages[nested] ? nested : `node_modules/${name}`;
    if (registry[key]) continue;
    const e = lock.packages[key];
    if (!e) throw new Error(`package-lock.json has no ${key}`);
    registry[key] = e;
    for (const d of [...Object.keys(e.dependencies ?? {}), ...Object.keys(e.optionalDependencies ?? {})]) queue.push([key, d]);
  }
  const deps = { '@polytope-lens/cli': `file:${cliTgz}`, '@polytope-lens/core': `file:${coreTgz}` };
  const packages = {
    '': { name: 'app', dependencies: deps },
    'node_modules/@polytope-lens/core': {
      version: core.version,
      resolved: `file:${coreTgz}`,
      dependencies: core.dependencies,
      engines: core.engines,
    },
    'node_modules/@polytope-lens/sweep': {
      version: sweep.version,
      resolved: `file:${sweepTgz}`,
      dependencies: sweep.dependencies,
      engines: sweep.engines,
    },
    'node_modules/@polytope-lens/cli': {
      version: cli.version,
      resolved: `file:${cliTgz}`,
      dependencies: cli.dependencies,
      bin: cli.bin,
      engines: cli.engines,
    },
    ...registry,
  };
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: deps }));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }));
}

describe('npm pack: @polytope-lens/core and @polytope-lens/cli install and work in an empty folder', () => {
  let dir = '';
  let app = '';
  const tarballs: Record<string, string[]> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polytope-pack-'));
    app = join(dir, 'app');
    mkdirSync(join(dir, 't'));
    mkdirSync(app);
    for (const p of ['core', 'sweep', 'cli']) {
      const out = run('npm', ['pack', '--json', '--pack-destination', join(dir, 't')], { cwd: join(ROOT, 'packages', p) });
      tarballs[p] = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    }
    appLockfile(app, '../t/polytope-lens-core-0.1.0.tgz', '../t/polytope-lens-cli-0.1.0.tgz', '../t/polytope-lens-sweep-0.1.0.tgz');
    run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app });
    writeFileSync(join(app, 'model.json'), networkToJsonString(randomMlp([2, 8, 8, 2], { seed: 5 })));
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }), 60_000);

  it('the tarballs hold the built code, types, README and bin, and no sources, tests or workspace paths', () => {
    for (const p of ['core', 'sweep', 'cli']) {
      const files = tarballs[p]!;
      expect(files).toContain('README.md');
      expect(files).toContain('package.json');
      expect(
        files.some((f) => f.startsWith('src/') || f.startsWith('test/') || /\.test\./.test(f)),
        `${p}: ${files.join(' ')}`,
      ).toBe(false);
      const pkg = readJson<PackageJson>(join(app, 'node_modules/@polytope-lens', p, 'package.json'));
      expect(JSON.stringify(pkg.dependencies)).not.toMatch(/file:|workspace:|\.\.\//);
    }
    expect(tarballs.core).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/internal.js']));
    expect(tarballs.cli).toEqual(
      expect.arrayContaining(['bin/polytope.js', 'dist/main.js', 'dist/parallel/slice-worker.js', 'dist/help-manifest.json']),
    );
  });

  it("core's README example runs in the empty folder against the installed package", () => {
    const readme = readFileSync(join(ROOT, 'packages/core/README.md'), 'utf8');
    const snippet = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(snippet).toMatch(/from '@polytope-lens\/core'/);
    writeFileSync(join(app, 'example.mjs'), snippet);
    const lines = run(process.execPath, ['example.mjs'], { cwd: app }).trim().split('\n');
    expect(Math.abs(Number(lines[0]))).toBeLessThan(1e-9);
    expect(lines[1]).toMatch(/^\d+ \d+$/);
    // The types resolve from the package's exports.
    const types = run(process.execPath, ['-e', "console.log(require.resolve('@polytope-lens/core/package.json'))"], { cwd: app });
    expect(readJson<{ types: string }>(types.trim()).types).toBe('dist/index.d.ts');
  });

  it('the installed polytope runs: --version, affine, slice to JSON and npz', () => {
    const version = readJson<PackageJson>(join(ROOT, 'packages/cli/package.json')).version;
    expect(run('npx', ['--offline', '--no-install', 'polytope', '--version'], { cwd: app }).trim()).toBe(version);
    // The rest through the installed bin link directly (npx adds seconds per call).
    const npx = (args: string[]) => run(join(app, 'node_modules/.bin/polytope'), args, { cwd: app });
    npx(['affine', 'model.json', '--at', '0.3,-0.2', '--json', 'a.json', '--quiet']);
    const a = readJson<{ points: { output: number[] }[] }>(join(app, 'a.json'));
    expect(a.points[0]!.output).toHaveLength(2);
    npx(['slice', 'model.json', '--box', '-1,1,-1,1', '--json', 's.json', '--quiet']);
    expect(readJson<{ summary: { regions: number } }>(join(app, 's.json')).summary.regions).toBeGreaterThan(1);
    expect(readFileSync(join(app, 's.png')).subarray(1, 4).toString()).toBe('PNG');
    npx(['slice', 'model.json', '--box', '-1,1,-1,1', '--json', 's.npz', '--no-figure', '--quiet']);
    expect(readFileSync(join(app, 's.npz')).readUInt32LE(0)).toBe(0x04034b50);
  });
});
