// `cotenant hello --board …`: what the board reports about itself over the chosen transport.
import type { Command } from 'commander';
import { DEVICE_HELP } from '../open-device.ts';
import { openFlashTarget } from './flash.ts';

export function registerHello(program: Command): void {
  program
    .command('hello')
    .description('Print what a board reports: id, firmware, protocol, capabilities, boot slot')
    .option('--board <spec>', DEVICE_HELP, 'emu')
    .option('--flash-file <file>', 'emulated board: boot from (and save back) the flash kept in this file')
    .option('--json', 'print one JSON object')
    .action(async (opts: { board: string; flashFile?: string; json?: boolean }) => {
      const target = await openFlashTarget(opts.board, opts.flashFile);
      const device = target.device;
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
            `clock:      ${h.capabilities.lockstep ? 'lockstep (board time moves only when the host advances it)' : `free-running at speed ${h.speed ?? 1} (${(h.speed ?? 1) * device.board.clockHz} cycles per host second)`}`,
            `transport:  ${h.transport}, protocol v${h.protocolVersion}`,
            `keys:       ${h.trustedKeyIds.join(', ') || 'none'} (the boot ROM boots images signed by these)`,
          ].join('\n') + '\n',
        );
      } finally {
        await target.close();
      }
    });
}
