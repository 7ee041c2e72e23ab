// Every CLI command, one module each. Add a line per new command module.
import type { Command } from 'commander';
import { registerBoards } from './boards.ts';

export function registerAll(program: Command): void {
  registerBoards(program);
}
