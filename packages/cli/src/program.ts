/**
 * The `polytope` program's root: name, description, version, global options and the one-line usage
 * errors. Light on purpose (commander only, no core): `main.ts` builds the full program on it, and
 * `help-light.ts` builds the help-only program on it, so both print the same root help.
 */
import type { Command } from 'commander';
import { VERSION } from './version.js';

/** Sets up the root command: what every `polytope` invocation shares. */
export function configureRoot(program: Command): Command {
  return (
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
      .option('--output <name>', 'ONNX models with several graph outputs: the one to analyse')
  );
}

/** The exit status of a commander error: 0 when it only printed help or the version, 2 (bad input) otherwise. */
export function commanderExitStatus(code: string): number {
  return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? 0 : 2;
}

/**
 * Commander's usage error as one line: `polytope: error: unknown option '--boz' (did you mean --box?)
 * (see --help)`.
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
