// `cotenant hil --board …`: the HIL contract suite (drivers/hil/cases.ts) against any board,
// for devkit owners; optional JUnit XML for CI dashboards.
import type { Command } from 'commander';
import { HIL_CASES, runHil } from '../../../drivers/hil/cases.ts';
import { junitXml } from '../../../drivers/hil/junit.ts';
import { DEVICE_HELP, openDevice } from '../open-device.ts';
import { ensureParentDir, writeOutputFile } from '../output-file.ts';

export function registerHil(program: Command): void {
  program
    .command('hil')
    .description('Run the hardware-in-the-loop contract suite against a board (note: it resets the board)')
    .option('--board <spec>', DEVICE_HELP, 'emu')
    .option('--junit <file>', 'also write JUnit XML to this file')
    .option('--json', 'print one JSON object')
    .action(async (opts: { board: string; junit?: string; json?: boolean }) => {
      if (opts.junit !== undefined) ensureParentDir(opts.junit, '--junit'); // fail before the suite, not after
      const device = await openDevice(opts.board);
      let results;
      try {
        results = await runHil(device, HIL_CASES, (r) => {
          if (!opts.json)
            process.stdout.write(
              `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name} (${r.ms.toFixed(0)} ms)${r.error ? `\n      ${r.error}` : ''}\n`,
            );
        });
      } finally {
        await device.close();
      }
      const failed = results.filter((r) => !r.ok).length;
      if (opts.junit) writeOutputFile(opts.junit, junitXml(`cotenant-hil ${opts.board}`, results), '--junit');
      if (opts.json)
        process.stdout.write(
          JSON.stringify({ board: opts.board, passed: results.length - failed, failed, results }, null, 2) +
            '\n',
        );
      else process.stdout.write(`${results.length - failed} passed, ${failed} failed on ${opts.board}\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
