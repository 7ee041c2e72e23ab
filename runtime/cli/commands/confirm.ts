// cotenant confirm: keep the firmware that is running on trial.
import type { Command } from 'commander';
import { DEVICE_HELP } from '../open-device.ts';
import { confirmBoot } from '../../../firmware-host/flash/index.ts';
import { openFlashTarget } from './flash.ts';

export function registerConfirm(program: Command): void {
  program
    .command('confirm')
    .description('Make the firmware running on trial (after cotenant flash --no-confirm) permanent')
    .option('--board <device>', DEVICE_HELP, 'emu')
    .option('--flash-file <file>', 'emulated board: load/save its flash contents from/to this file')
    .action(async (o: { board: string; flashFile?: string }) => {
      const target = await openFlashTarget(o.board, o.flashFile);
      try {
        const r = await confirmBoot(target.device);
        process.stdout.write(
          `confirmed: slot ${r.slot} runs ${r.hello.firmwareVersion} and will boot from now on\n`,
        );
      } finally {
        await target.close();
      }
    });
}
