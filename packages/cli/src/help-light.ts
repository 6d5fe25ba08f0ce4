/**
 * `--help` without loading the commands (issue 12): the build writes every command's declaration
 * (name, description, arguments, options, subcommands) to `dist/help-manifest.json`
 * (scripts/write-help-manifest.mjs, from the full program); here the supervisor rebuilds a program
 * with the same declarations but stand-in actions, adds the groups and examples (commands/help.ts)
 * and lets commander answer. Help, usage errors and suggestions come out as from the full program,
 * at the cost of commander and one JSON file instead of every command module and the core.
 *
 * Whenever the light program would run a command (`--help` was an option's value, or not there at
 * all), or the manifest is missing or was made from other files than the ones beside it (a build
 * that skipped the manifest step), `answerHelp` returns `undefined` and the full program runs.
 * This module imports commander, `program.ts` and `commands/help.ts` only: no core (a test spawns
 * `polytope --help` with an import probe to check it).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, CommanderError, Option } from 'commander';
import { decorateHelp } from './commands/help.js';
import { commanderExitStatus, configureRoot } from './program.js';

/** One option as declared. */
interface OptionSpec {
  flags: string;
  description: string;
  defaultValue?: unknown;
  defaultValueDescription?: string;
  mandatory?: true;
  hidden?: true;
  choices?: string[];
}

/** One positional argument as declared (`name` with its brackets: `<model>`, `[files...]`). */
interface ArgumentSpec {
  name: string;
  description: string;
  defaultValue?: unknown;
  defaultValueDescription?: string;
  choices?: string[];
}

/** One command as declared. */
export interface CommandSpec {
  name: string;
  description: string;
  summary?: string;
  aliases?: string[];
  hidden?: true;
  helpGroup?: string;
  usage?: string;
  action: boolean;
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  commands: CommandSpec[];
}

/** The file the build writes beside this module. */
export interface HelpManifest {
  /** sha256 of the compiled CLI files it was made from (`cliDigest`). */
  digest: string;
  commands: CommandSpec[];
}

/** Commander's private fields this module reads (stable across commander 12–14). */
interface CommandInternals {
  _actionHandler?: unknown;
  _hidden?: boolean;
  _usage?: string;
  registeredArguments: readonly Argument[];
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** The declarations of `program`'s commands (what the manifest holds). */
export function describeCommands(program: Command): CommandSpec[] {
  return program.commands.map(describeCommand);
}

function describeCommand(cmd: Command): CommandSpec {
  const internals = cmd as unknown as CommandInternals;
  const spec: CommandSpec = {
    name: cmd.name(),
    description: cmd.description(),
    action: internals._actionHandler != null,
    arguments: internals.registeredArguments.map(describeArgument),
    options: cmd.options.map(describeOption),
    commands: cmd.commands.map(describeCommand),
  };
  if (cmd.summary()) spec.summary = cmd.summary();
  if (cmd.aliases().length > 0) spec.aliases = [...cmd.aliases()];
  if (internals._hidden === true) spec.hidden = true;
  if (cmd.helpGroup()) spec.helpGroup = cmd.helpGroup();
  if (internals._usage !== undefined) spec.usage = internals._usage;
  return spec;
}

function describeArgument(arg: Argument): ArgumentSpec {
  const name = `${arg.required ? '<' : '['}${arg.name()}${arg.variadic ? '...' : ''}${arg.required ? '>' : ']'}`;
  return {
    name,
    description: arg.description,
    ...(arg.defaultValue !== undefined ? { defaultValue: arg.defaultValue as unknown } : {}),
    ...(arg.defaultValueDescription !== undefined ? { defaultValueDescription: arg.defaultValueDescription } : {}),
    ...(arg.argChoices !== undefined ? { choices: [...arg.argChoices] } : {}),
  };
}

function describeOption(opt: Option): OptionSpec {
  return {
    flags: opt.flags,
    description: opt.description,
    ...(opt.defaultValue !== undefined ? { defaultValue: opt.defaultValue as unknown } : {}),
    ...(opt.defaultValueDescription !== undefined ? { defaultValueDescription: opt.defaultValueDescription } : {}),
    ...(opt.mandatory ? { mandatory: true as const } : {}),
    ...(opt.hidden ? { hidden: true as const } : {}),
    ...(opt.argChoices !== undefined ? { choices: [...opt.argChoices] } : {}),
  };
}

/** Thrown by the stand-in actions: the invocation runs a command, so the full program must answer. */
class NeedsFullProgram extends Error {}

function addCommand(parent: Command, spec: CommandSpec): void {
  const cmd = parent.command(spec.name, { hidden: spec.hidden === true }).description(spec.description);
  if (spec.summary !== undefined) cmd.summary(spec.summary);
  for (const alias of spec.aliases ?? []) cmd.alias(alias);
  if (spec.helpGroup !== undefined) cmd.helpGroup(spec.helpGroup);
  if (spec.usage !== undefined) cmd.usage(spec.usage);
  for (const a of spec.arguments) {
    const arg = new Argument(a.name, a.description);
    if (a.choices !== undefined) arg.choices(a.choices);
    if (a.defaultValue !== undefined || a.defaultValueDescription !== undefined) arg.default(a.defaultValue, a.defaultValueDescription);
    cmd.addArgument(arg);
  }
  for (const o of spec.options) {
    const opt = new Option(o.flags, o.description);
    if (o.choices !== undefined) opt.choices(o.choices);
    if (o.defaultValue !== undefined || o.defaultValueDescription !== undefined) opt.default(o.defaultValue, o.defaultValueDescription);
    if (o.mandatory) opt.makeOptionMandatory();
    if (o.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
  for (const sub of spec.commands) addCommand(cmd, sub);
  if (spec.action)
    cmd.action(() => {
      throw new NeedsFullProgram();
    });
}

/** The program `main.ts` would build, from declarations only; groups and examples included. */
export function lightProgram(commands: readonly CommandSpec[]): Command {
  // The full program runs in a worker thread, whose stdout is no terminal: commander wraps its help
  // at 80 columns there, so here too.
  const program = configureRoot(new Command()).configureOutput({ getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 });
  for (const spec of commands) addCommand(program, spec);
  decorateHelp(program);
  return program;
}

/**
 * sha256 of the compiled CLI's entry modules and command modules (tests excluded) in `dir` (this
 * module's folder by default): what the declarations are written in. A guard against a compile
 * that skipped the manifest step; the build always writes both together.
 */
export function cliDigest(dir: string = here): string {
  const hash = createHash('sha256');
  const visit = (d: string, top: boolean): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory() && top && e.name === 'commands') visit(join(d, e.name), false);
      else if (e.isFile() && e.name.endsWith('.js') && !e.name.includes('.test.'))
        hash.update(e.name).update(readFileSync(join(d, e.name)));
    }
  };
  visit(dir, true);
  return hash.digest('hex');
}

/** The manifest beside this module when it matches the files it was made from, else `undefined`. */
function readManifest(): HelpManifest | undefined {
  const path = join(here, 'help-manifest.json');
  if (!existsSync(path)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as HelpManifest;
    return manifest.digest === cliDigest() ? manifest : undefined;
  } catch {
    return undefined; // unreadable or not JSON: the full program answers
  }
}

/**
 * Answers `argv` (as `process.argv`) from the manifest when it only asks for help or is a usage
 * error: prints what the full program would print and returns its exit status. `undefined`: run
 * the full program. `commands`: the declarations (default: the manifest's; `null`: none).
 */
export function answerHelp(
  argv: readonly string[],
  commands: readonly CommandSpec[] | null = readManifest()?.commands ?? null,
): number | undefined {
  if (commands === null) return undefined;
  try {
    lightProgram(commands).parse(argv);
    return undefined; // a command without an action of its own and nothing to do: let the full program say so
  } catch (err) {
    if (err instanceof CommanderError) return commanderExitStatus(err.code);
    if (err instanceof NeedsFullProgram) return undefined;
    throw err;
  }
}
