/**
 * What a person reads (in this process through `main()`, plus one spawned `--version`): grouped
 * command list, examples in every command's help, errors that suggest the fix, defaults that work
 * together, progress lines in a log.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { networkToJsonString, randomMlp } from '@polytope-lens/core';
import { registerAll } from '../src/commands/index.js';
import { COMMAND_GROUPS, EXAMPLES } from '../src/commands/help.js';
import { VERSION } from '../src/version.js';
import { runCli as run, spawnCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'polytope-usability-'));
const CNN = fileURLToPath(new URL('../../../examples/onnx/cnn28.onnx', import.meta.url));
const net2 = join(dir, 'net2.json');
writeFileSync(net2, networkToJsonString(randomMlp([2, 4, 1], { seed: 3 })));

describe('help', () => {
  it('--version: the package version, answered by the supervisor', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    const r = spawnCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('the top-level list is grouped, and every command is in a group', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    let at = -1;
    for (const [heading] of COMMAND_GROUPS) {
      const i = r.stdout.indexOf(heading);
      expect(i, heading).toBeGreaterThan(at);
      at = i;
    }
    const program = new Command();
    registerAll(program);
    const grouped = COMMAND_GROUPS.flatMap(([, names]) => names);
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...grouped].sort());
  });

  it('every command and subcommand has two or three examples that name an existing command', async () => {
    const program = new Command();
    registerAll(program);
    const paths: string[] = [];
    for (const c of program.commands) {
      paths.push(c.name());
      for (const s of c.commands) paths.push(`${c.name()} ${s.name()}`);
    }
    for (const p of paths) {
      const ex = EXAMPLES[p];
      expect(ex, p).toBeDefined();
      expect(ex!.length, p).toBeGreaterThanOrEqual(p.includes(' ') ? 1 : 2);
      expect(ex!.length, p).toBeLessThanOrEqual(3);
      for (const e of ex!) expect(e.startsWith(`npx polytope ${p}`), e).toBe(true);
    }
    const r = await run(['slice', '--help']);
    expect(r.stdout).toContain('Examples:\n  $ npx polytope slice');
  });
});

describe('errors suggest the fix', () => {
  it('a 2-input net without --box', async () => {
    const r = await run(['slice', net2]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('try --box -1,1,-1,1');
  });

  it('a 784-input net without inputs', async () => {
    const s = await run(['slice', CNN]);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('try --idx mnist --rows 0,1,2');
    const a = await run(['affine', CNN]);
    expect(a.stderr).toContain('try --idx mnist --rows 0');
  });

  it('tropical names --max-terms and the size where the form outgrew it', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, networkToJsonString(randomMlp([2, 12, 12, 12, 1], { seed: 1 })));
    const r = await run(['tropical', big, '--max-terms', '100', '--json', join(dir, 't.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/outgrows --max-terms 100: at layer \d+ unit \d+ it needs about [\d,]+ terms; raise --max-terms/);
    expect((await run(['tropical', big, '--max-terms', '100', '--json', join(dir, 't.json')])).stderr).toBe(r.stderr);
  });
});

describe('defaults and output', () => {
  it('construct simplex works with its defaults (the triangle data around the default simplex)', async () => {
    const out = join(dir, 'simplex.json');
    const r = await run(['construct', 'simplex', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/accuracy 100\.00%/);
    expect(r.stderr).toContain(`polytope: wrote ${out}`);
  });

  it('affine prints output, argmax and ‖J‖ per point; the files written are named', async () => {
    const out = join(dir, 'a.json');
    const r = await run(['affine', CNN, '--idx', 'mnist', '--rows', '0,1', '--json', out]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { points: { output: number[]; jacobian: number[][] }[] };
    const p0 = doc.points[0]!;
    const argmax = p0.output.indexOf(Math.max(...p0.output));
    const norm = Math.sqrt(p0.jacobian.flat().reduce((a, v) => a + v * v, 0));
    expect(r.stderr).toContain(
      `#0: output [${p0.output.map((v) => Number(v.toPrecision(5))).join(', ')}] argmax ${argmax} ‖J‖_F ${Number(norm.toPrecision(5))}`,
    );
    expect(r.stderr).toMatch(/#1: /);
    expect(r.stderr).toContain(`polytope: wrote ${out}`);
  });
});
