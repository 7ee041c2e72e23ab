// `cotenant eval …`: the evaluations docs/evaluation.md reports, one subcommand each.
import type { Command } from 'commander';
import { registerEvalMoca } from './eval-moca.ts';

export function registerEval(program: Command): void {
  const ev = program
    .command('eval')
    .description('Evaluations against the published baselines (docs/evaluation.md)');
  registerEvalMoca(ev);
}
