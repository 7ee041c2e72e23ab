// `cotenant emu --pty`: serve an emulated board over a real pseudo-terminal, as a devkit on a
// USB-serial cable would be; prints the PTY path, serves until killed.
import type { Command } from 'commander';
import { boardIds, findBoard } from '../../../boards/definitions.ts';
import { createEmulatedBoard } from '../../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../../boards/emulator/flash/index.ts';
import { ConfigError } from '../../../boards/errors.ts';
import { PtyBoardServer } from '../../../drivers/serial/pty-server.ts';
import { flashFromFile } from '../flash-file.ts';
import { DEFAULT_SERIAL_BAUD } from '../open-device.ts';

export function registerEmu(program: Command): void {
  program
    .command('emu')
    .description('Serve an emulated board over a pseudo-terminal (connect with --board serial:<path>)')
    .option('--pty', 'serve on a new pseudo-terminal (the only way to serve for now)')
    .option('--board <board>', `board to emulate (${boardIds().join(', ')})`, 'emu')
    .option(
      '--baud <n>',
      `pace both directions at this UART rate, 10 bits a byte (default: unpaced; serial:PATH without @baud opens at ${DEFAULT_SERIAL_BAUD})`,
    )
    .option('--functional', 'functional mode (real arithmetic) instead of timing mode')
    .option(
      '--flash-file <file>',
      "keep the board's flash in this file (created from factory flash if missing; saved after every change)",
    )
    .action(
      async (opts: {
        pty?: boolean;
        board: string;
        baud?: string;
        functional?: boolean;
        flashFile?: string;
      }) => {
        if (!opts.pty)
          throw new ConfigError('emu: give --pty (serving on a pseudo-terminal is the only mode)');
        const def = findBoard(opts.board);
        if (def === undefined)
          throw new ConfigError(`unknown board "${opts.board}"; valid boards: ${boardIds().join(', ')}`);
        const baud = opts.baud === undefined ? undefined : Number(opts.baud);
        if (baud !== undefined && (!Number.isInteger(baud) || baud <= 0))
          throw new ConfigError(`--baud must be a positive integer (got ${opts.baud})`);
        const board = createEmulatedBoard(def, {
          mode: opts.functional ? 'functional' : 'timing',
          flash:
            opts.flashFile === undefined
              ? createFlashPeripheral(def)
              : flashFromFile(def, opts.flashFile, true).flash,
        });
        const server = new PtyBoardServer(board, baud === undefined ? {} : { baud });
        process.stdout.write(`${server.path}\n`);
        process.stderr.write(
          `serving ${def.id} on ${server.path}${baud ? ` at ${baud} baud` : ' (unpaced)'}; connect with --board serial:${server.path}${baud ? `@${baud}` : ''}; Ctrl-C to stop\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            server.close();
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}
