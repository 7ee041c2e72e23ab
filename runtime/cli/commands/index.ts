// Every CLI command, one module each. Add a line per new command module.
import type { Command } from 'commander';
import { registerBoards } from './boards.ts';
import { registerModels } from './models.ts';
import { registerProfile } from './profile.ts';
import { registerRun } from './run.ts';
import { registerAnalyze } from './analyze.ts';

export function registerAll(program: Command): void {
  registerBoards(program);
  registerModels(program);
  registerProfile(program);
  registerRun(program);
  registerAnalyze(program);
}
