import type { Command } from 'commander';
export function registerReproduce(_program: Command): void {}
