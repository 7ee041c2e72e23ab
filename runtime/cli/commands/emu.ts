// `cotenant emu --pty`: serve an emulated board over a real pseudo-terminal, as a devkit on a
// USB-serial cable would be; prints the PTY path, serves until stopped. It stops cleanly on
// SIGINT, SIGTERM and SIGHUP, and when its parent process goes away (started through `npx`
// or a script that is then killed, it would otherwise serve on as an orphan).
import type { Command } from 'commander';
import { boardIds, findBoard } from '../../../boards/definitions.ts';
import { createEmulatedBoard } from '../../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../../boards/emulator/flash/index.ts';
import { ConfigError } from '../../../boards/errors.ts';
import { PtyBoardServer, type PtyServerOptions } from '../../../drivers/serial/pty-server.ts';
import { checkSpeed } from '../../../drivers/pacing/free-running-board.ts';
import { flashFromFile } from '../flash-file.ts';
import { DEFAULT_SERIAL_BAUD } from '../open-device.ts';

/** How often the server checks that its parent is still there. */
const PARENT_POLL_MS = 500;

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
      '--free-running',
      "run the board on the host's clock instead of in lockstep with the host (board time does not wait for the host)",
    )
    .option(
      '--speed <f>',
      "with --free-running: board cycles advance at f × the board's clock rate (1 = real time; a slow link or host: e.g. 0.02)",
    )
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
        freeRunning?: boolean;
        speed?: string;
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
        if (opts.speed !== undefined && !opts.freeRunning)
          throw new ConfigError('--speed applies to a free-running board: add --free-running');
        const speed = opts.freeRunning
          ? checkSpeed(opts.speed === undefined ? 1 : Number(opts.speed))
          : undefined;
        const board = createEmulatedBoard(def, {
          mode: opts.functional ? 'functional' : 'timing',
          flash:
            opts.flashFile === undefined
              ? createFlashPeripheral(def)
              : flashFromFile(def, opts.flashFile, true).flash,
        });
        const serverOpts: PtyServerOptions = {
          ...(baud === undefined ? {} : { baud }),
          ...(speed === undefined ? {} : { freeRunning: { speed } }),
        };
        const server = new PtyBoardServer(board, serverOpts);
        const parent = process.ppid;
        const stopped = new Promise<void>((resolve) => {
          const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
          const stop = (): void => {
            clearInterval(watch);
            for (const s of signals) process.removeListener(s, stop);
            server.close();
            resolve();
          };
          for (const s of signals) process.once(s, stop);
          // re-parented (to init or a subreaper): whoever started us is gone
          const watch = setInterval(() => {
            if (process.ppid !== parent) stop();
          }, PARENT_POLL_MS);
        });
        // only now announce the path: a script that reads it and signals at once finds the handlers
        process.stdout.write(`${server.path}\n`);
        process.stderr.write(
          `serving ${def.id} on ${server.path}${baud ? ` at ${baud} baud` : ' (unpaced)'}, ${speed === undefined ? 'lockstep' : `free-running at speed ${speed}`}; connect with --board serial:${server.path}${baud ? `@${baud}` : ''}; Ctrl-C to stop\n`,
        );
        await stopped;
      },
    );
}
