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
import { VERSION } from './version.js';

export async function main(argv: string[]): Promise<number> {
  const run = beginSession();
  const program = new Command();
  program
    .name('polytope')
    .description('Exact piecewise-linear geometry of ReLU-type neural networks')
    .version(VERSION)
    .exitOverride()
    // Usage errors (unknown option or command, missing argument) are bad input: one line on stderr,
    // with commander's closest-name suggestion when it has one, and exit status 2 (issue 12).
    .configureOutput({ outputError: (text, write) => write(usageErrorLine(text)) })
    .option('--input-shape <dims>', 'ONNX models with dynamic sizes: the sample shape without the batch dimension, e.g. 3,32,32')
    .option('--logits', 'ONNX models that end in Softmax/LogSoftmax: drop it and analyse the logits')
    .option('--output <name>', 'ONNX models with several graph outputs: the one to analyse');
  setModelReadOptions({});
  program.hook('preAction', (root) => {
    const o = root.opts<{ inputShape?: string; logits?: boolean; output?: string }>();
    setModelReadOptions({
      ...(o.inputShape !== undefined ? { inputShape: parseInputShape(o.inputShape) } : {}),
      ...(o.logits === true ? { logits: true } : {}),
      ...(o.output !== undefined ? { output: o.output } : {}),
    });
  });
  registerAll(program);
  try {
    await program.parseAsync(argv);
    if (run.written.length > 0 && !argv.includes('--quiet')) process.stderr.write(`polytope: wrote ${writtenSummary(run.written)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
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

/** A message as one line: control characters (escapes, newlines inside names) shown as `\xNN`, except the
 *  newlines of multi-line reports such as validation problems, which are kept. */
/**
 * Commander's usage error as one line: `polytope: error: unknown option '--boz' (did you mean --box?)
 * — see 'polytope slice --help'`.
 */
function usageErrorLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const [first = 'error', ...rest] = lines;
  const hint = rest.map((l) => l.replace(/^\(Did you mean/, '(did you mean')).join(' ');
  return `polytope: ${first}${hint ? ` ${hint}` : ''} (see --help)\n`;
}
