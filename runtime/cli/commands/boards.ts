import type { Command } from 'commander';
import { BOARDS } from '../../../boards/definitions.ts';
import { printTable } from '../output.ts';

export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('List the board definitions cotenant knows')
    .option('--json', 'print one JSON array')
    .action((opts: { json?: boolean }) => {
      const rows = Object.values(BOARDS).map((b) => ({
        id: b.id,
        name: b.name,
        tiles: b.tiles,
        dim: b.dim,
        scratchpadKiB: b.scratchpadBytes / 1024,
        accumulatorKiB: b.accumulatorBytes / 1024,
        l2KiB: b.l2Bytes / 1024,
        dramBytesPerCycle: b.dramBytesPerCycle,
        clockMHz: b.clockHz / 1e6,
        description: b.description,
      }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      printTable(
        rows.map((r) => ({
          board: r.id,
          tiles: r.tiles,
          array: `${r.dim}x${r.dim}`,
          'spad KiB': r.scratchpadKiB,
          'acc KiB': r.accumulatorKiB,
          'L2 KiB': r.l2KiB,
          'DRAM B/cyc': r.dramBytesPerCycle,
          MHz: r.clockMHz,
          description: r.description,
        })),
      );
    });
}
