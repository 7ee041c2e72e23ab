// Builds the commander program with every command registered. Separate from main.ts so the
// CLI reference (docs/cli.md) can be generated from the same definitions the CLI runs.
import { Command } from 'commander';
import { registerAll } from './commands/index.ts';
import { DEFAULT_SERIAL_BAUD } from './open-device.ts';

export const CLI_VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cotenant')
    .description('Multi-tenant DNN runtime for edge NPU boards: profile, run, analyze, flash, test.')
    .version(CLI_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAll(program);
  return program;
}

/** The help text of every command and subcommand, as Markdown (docs/cli.md). */
export function cliReference(): string {
  const sections: string[] = [
    '# CLI reference',
    '',
    'Generated from the command definitions by `npm run docs:cli`; a test keeps it in step with the code.',
    '',
    `Board addressing (\`--board\`): a board id (\`emu\`, \`moca-8t\`, … — in-process emulator), \`serial:/dev/ttyUSB0[@baud]\` (default ${DEFAULT_SERIAL_BAUD} baud), \`pcie:/dev/xdma0\`, \`shm:<board>\`.`,
    'Exit codes: 0 success, 1 failure (board, image, admission…), 2 usage or configuration error.',
    '',
  ];
  const walk = (cmd: Command, path: string) => {
    cmd.configureHelp({ ...cmd.configureHelp(), helpWidth: 80 }); // independent of the terminal
    sections.push(`## ${path}`, '', '```', cmd.helpInformation({ error: false }).trimEnd(), '```', '');
    for (const sub of cmd.commands) if (sub.name() !== 'help') walk(sub, `${path} ${sub.name()}`);
  };
  walk(buildProgram(), 'cotenant');
  return sections.join('\n');
}
