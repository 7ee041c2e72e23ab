// `cotenant hello --board …`: what the board reports about itself over the chosen transport.
import type { Command } from 'commander';
import { ConfigError } from '../../../boards/errors.ts';
import { measureRoundTrips } from '../../../drivers/link-latency.ts';
import { DEVICE_HELP } from '../open-device.ts';
import { linkJitterCycles, reactionRoundTrips } from '../../executor/link-jitter.ts';
import { openFlashTarget } from './flash.ts';

export function registerHello(program: Command): void {
  program
    .command('hello')
    .description('Print what a board reports: id, firmware, protocol, capabilities, boot slot')
    .option('--board <spec>', DEVICE_HELP, 'emu')
    .option('--flash-file <file>', 'emulated board: boot from (and save back) the flash kept in this file')
    .option('--json', 'print one JSON object')
    .option('--round-trips <n>', 'register reads to time for the link round-trip figures', '16')
    .action(async (opts: { board: string; flashFile?: string; json?: boolean; roundTrips: string }) => {
      const n = Number(opts.roundTrips);
      if (!Number.isInteger(n) || n < 1 || n > 100_000)
        throw new ConfigError(`--round-trips must be an integer from 1 to 100000 (got ${opts.roundTrips})`);
      const target = await openFlashTarget(opts.board, opts.flashFile);
      const device = target.device;
      try {
        const h = await device.hello();
        const rt = await measureRoundTrips(device, n);
        // on a free-running board a round trip costs board time: say how much
        const cyclesPerMs = h.capabilities.lockstep ? 0 : ((h.speed ?? 1) * device.board.clockHz) / 1000;
        const link = {
          ...rt,
          ...(h.capabilities.lockstep
            ? {}
            : {
                maxBoardCycles: Math.ceil(rt.maxMs * cyclesPerMs),
                // the release jitter run/analyze would count from these samples
                jitterCycles: linkJitterCycles(rt, h.speed ?? 1, device.board.clockHz, device.board.tiles),
              }),
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ...h, board: device.board.id, link }, null, 2) + '\n');
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
            `round trip: median ${fmtMs(rt.medianMs)}, max ${fmtMs(rt.maxMs)} over ${rt.samples} register reads${link.maxBoardCycles === undefined ? '' : ` (the max is ${link.maxBoardCycles} board cycles at this speed)`}`,
            ...(link.jitterCycles === undefined
              ? []
              : [
                  `link jitter: J = ${link.jitterCycles} cycles (${reactionRoundTrips(device.board.tiles)} round trips at the max: what run and analyze count; --link-jitter overrides)`,
                ]),
            `keys:       ${h.trustedKeyIds.join(', ') || 'none'} (the boot ROM boots images signed by these)`,
          ].join('\n') + '\n',
        );
      } finally {
        await target.close();
      }
    });
}

function fmtMs(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`;
}
