/**
 * `--help` without the commands and the core (issue 12): the light program built from the commands'
 * declarations prints the same help as the full program for every command, answers usage errors
 * alike, hands anything that runs a command to the full program, and the spawned `polytope --help`
 * never imports @polytope-lens/core (an import hook makes loading it fail the process).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { answerHelp, cliDigest, describeCommands, lightProgram } from '../dist/help-light.js';
import type { CommandSpec, HelpManifest } from '../dist/help-light.js';
import { fullProgram } from '../dist/main.js';

const BIN = fileURLToPath(new URL('../bin/polytope.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

/** Every command below `cmd` with its path. */
function commandPaths(cmd: Command, prefix: string[] = []): [string[], Command][] {
  return cmd.commands.flatMap((c) => [[[...prefix, c.name()], c] as [string[], Command], ...commandPaths(c, [...prefix, c.name()])]);
}

/** What `cmd.outputHelp()` writes, at 80 columns. */
function helpText(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => void (text += s), getOutHelpWidth: () => 80 });
  cmd.outputHelp();
  return text;
}

/** Runs `answerHelp` with stdout and stderr captured. */
function answer(
  args: string[],
  commands: CommandSpec[] | null = describeCommands(fullProgram()),
): { code: number | undefined; out: string; err: string } {
  const [o, e] = [process.stdout.write, process.stderr.write];
  let out = '';
  let err = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof o;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof e;
  try {
    return { code: answerHelp(['node', 'polytope', ...args], commands), out, err };
  } finally {
    [process.stdout.write, process.stderr.write] = [o, e];
  }
}

describe('help from the declarations alone', () => {
  it('is the full program’s help, examples and groups included, for every command', () => {
    const full = fullProgram();
    const light = lightProgram(describeCommands(full));
    expect(helpText(light)).toBe(helpText(full));
    const fullPaths = commandPaths(full);
    const lightPaths = new Map(commandPaths(light).map(([p, c]) => [p.join(' '), c]));
    expect([...lightPaths.keys()]).toEqual(fullPaths.map(([p]) => p.join(' ')));
    expect(fullPaths.length).toBeGreaterThan(30);
    for (const [path, cmd] of fullPaths) expect(helpText(lightPaths.get(path.join(' '))!), path.join(' ')).toBe(helpText(cmd));
    expect(helpText(lightPaths.get('slice')!)).toContain('Examples:');
  });

  it('answers help and usage errors with the full program’s exit status, and leaves commands to it', () => {
    const slice = answer(['slice', '--help']);
    expect(slice.code).toBe(0);
    expect(slice.out).toContain('Usage: polytope slice [options] <model>');
    expect(answer(['help', 'slice']).out).toContain('Usage: polytope slice');
    // An unknown option beside --help: help wins, as in the full program.
    expect(answer(['slice', '--boz', '--help']).code).toBe(0);
    const unknown = answer(['slise', '--help', 'x', '--max-regionz']);
    expect(unknown.code === 0 || unknown.code === 2).toBe(true);
    // `-h` as an option's value, or no help at all: the command runs, so the full program answers.
    expect(answer(['slice', 'm.json', '--json', '-h']).code).toBeUndefined();
    expect(answer(['inspect', 'm.json']).code).toBeUndefined();
    expect(answer(['--help'], null).code).toBeUndefined(); // no manifest: the full program
  });

  it('is built with a manifest that matches the compiled files', () => {
    const manifest = JSON.parse(readFileSync(`${DIST}help-manifest.json`, 'utf8')) as HelpManifest;
    // Stale after a bare `tsc -b` (help then falls back to the full program): `npm run build` or
    // `npm run typecheck` writes it again.
    expect(manifest.digest, 'dist/help-manifest.json is stale: run node packages/cli/scripts/write-help-manifest.mjs').toBe(
      cliDigest(DIST),
    );
    expect(manifest.commands).toEqual(JSON.parse(JSON.stringify(describeCommands(fullProgram()))));
  });
});

describe('polytope --help (spawned)', () => {
  // Fails the process as soon as anything resolves the core (also in worker threads, which get the
  // same --import): help must come from the light program in the main thread.
  const hook = `data:text/javascript,${encodeURIComponent(
    "export async function resolve(s, c, next) { const r = await next(s, c); if (s.startsWith('@polytope-lens/core') || r.url.includes('/packages/core/')) throw new Error('core loaded by ' + c.parentURL); return r; }",
  )}`;
  const probe = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
  const spawn = (args: string[]) => spawnSync(process.execPath, ['--import', probe, BIN, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('prints the grouped help and each command’s examples without importing @polytope-lens/core', () => {
    const top = spawn(['--help']);
    expect(top.stderr).toBe('');
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Partition input space:');
    const slice = spawn(['slice', '--help']);
    expect(slice.status).toBe(0);
    expect(slice.stdout).toContain('$ npx polytope slice');
  });

  it('the probe is real: a command that runs loads the core and fails under it', () => {
    const r = spawn(['inspect', fileURLToPath(new URL('../../../examples/onnx/mlp.onnx', import.meta.url))]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('core loaded by');
  });
});
