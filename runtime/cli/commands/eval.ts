// `cotenant eval …`: the evaluation protocols, one subcommand each (docs/evaluation*.md).
import type { Command } from 'commander';
import { registerEvalGacer } from './eval-gacer.ts';
import { registerEvalMoca } from './eval-moca.ts';

export function registerEval(program: Command): void {
  const evalCmd = program
    .command('eval')
    .description('Evaluation protocols on an emulated or real board: tables, JSON and HTML reports');
  registerEvalMoca(evalCmd);
  registerEvalGacer(evalCmd);
}
