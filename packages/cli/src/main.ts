/**
 * `polytope` command-line entry. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only wires them and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { PolytopeError } from '@polytope-lens/core';
import { exitStatusOf, fsErrorMessage, writtenSummary } from './util.js';
import { escapeName } from './limits.js';
import { registerAll } from './commands/index.js';
import { parseInputShape, setModelReadOptions } from './model.js';
import { beginSession } from './session.js';
import { commanderExitStatus, configureRoot } from './program.js';

/** The program with every command registered (the help manifest is made from it: help-light.ts). */
export function fullProgram(): Command {
  const program = configureRoot(new Command());
  registerAll(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const run = beginSession();
  const program = fullProgram();
  setModelReadOptions({});
  program.hook('preAction', (root) => {
    const o = root.opts<{ inputShape?: string; logits?: boolean; output?: string }>();
    setModelReadOptions({
      ...(o.inputShape !== undefined ? { inputShape: parseInputShape(o.inputShape) } : {}),
      ...(o.logits === true ? { logits: true } : {}),
      ...(o.output !== undefined ? { output: o.output } : {}),
    });
  });
  try {
    await program.parseAsync(argv);
    if (run.written.length > 0 && !argv.includes('--quiet')) process.stderr.write(`polytope: wrote ${writtenSummary(run.written)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitStatus(err.code);
    const status = run.received > 0 ? 128 + run.received : exitStatusOf(err);
    const fsMessage = fsErrorMessage(err);
    if (status >= 128) {
      run.rollback();
      // Under the supervisor, it says so itself once the thread is gone (see supervisor.ts).
      if (!run.supervised) process.stderr.write('polytope: cancelled\n');
    } else if (err instanceof PolytopeError) process.stderr.write(`polytope: error: ${escapeName(err.message)}\n`);
    else if (fsMessage !== undefined) {
      process.stderr.write(`polytope: error: ${fsMessage}\n`);
      return 2;
    } else process.stderr.write(`polytope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return status;
  }
}
