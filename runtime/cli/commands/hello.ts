// `cotenant hello --board …`: what the board reports about itself over the chosen transport.
import type { Command } from 'commander';
import { openDevice } from '../open-device.ts';

export function registerHello(program: Command): void {
  program
    .command('hello')
    .description('Print what a board reports: id, firmware, protocol, capabilities, boot slot')
    .option('--board <spec>', 'emu | moca-8t | serial:PATH[@baud] | pcie:/dev/xdmaN | shm:<board>', 'emu')
    .option('--json', 'print one JSON object')
    .action(async (opts: { board: string; json?: boolean }) => {
      const device = await openDevice(opts.board);
      try {
        const h = await device.hello();
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...h, board: device.board.id }, null, 2) + '\n');
          return;
        }
        const caps =
          Object.entries(h.capabilities)
            .filter(([, v]) => v)
            .map(([k]) => k)
            .join(', ') || 'none';
        process.stdout.write(
          [
            `board:      ${h.boardId} (${device.board.id}: ${device.board.name})`,
            `firmware:   ${h.firmwareVersion}, boot slot ${h.bootSlot}${h.trial ? ' (on trial: confirm after a healthy hello)' : ''}`,
            `tiles:      ${h.tiles}`,
            `caps:       ${caps}`,
            `transport:  ${h.transport}, protocol v${h.protocolVersion}`,
            `keys:       ${h.trustedKeyIds.join(', ') || 'none'} (the boot ROM boots images signed by these)`,
          ].join('\n') + '\n',
        );
      } finally {
        await device.close();
      }
    });
}
