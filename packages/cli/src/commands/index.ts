import type { Command } from 'commander';

/** Registers every command on the program. Add new commands here. */
export function registerAll(program: Command): void {
  void program;
}
