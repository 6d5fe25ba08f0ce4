/**
 * `polytope` command-line entry. Each command lives in `commands/<name>.ts` and exports
 * `register(program)`; this file only wires them and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { PolytopeError } from '@polytope-lens/core';
import { exitStatusOf } from './util.js';
import { registerAll } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('polytope')
    .description('Exact piecewise-linear geometry of ReLU-type neural networks')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerAll(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return err.exitCode || 2;
    }
    const status = exitStatusOf(err);
    if (status === 130) process.stderr.write('polytope: cancelled\n');
    else if (err instanceof PolytopeError) process.stderr.write(`polytope: error: ${err.message}\n`);
    else process.stderr.write(`polytope: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return status;
  }
}
