// cotenant rollback: drop a trial, or go back to the firmware in the other slot.
import type { Command } from 'commander';
import { DEVICE_HELP } from '../open-device.ts';
import { rollbackBoot } from '../../../firmware-host/flash/index.ts';
import { openFlashTarget } from './flash.ts';

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('Drop the firmware on trial, or switch back to the image in the other slot, and reboot')
    .option('--board <device>', DEVICE_HELP, 'emu')
    .option('--flash-file <file>', 'emulated board: load/save its flash contents from/to this file')
    .action(async (o: { board: string; flashFile?: string }) => {
      const target = await openFlashTarget(o.board, o.flashFile);
      try {
        const r = await rollbackBoot(target.device);
        process.stdout.write(`rolled back: slot ${r.slot} runs ${r.hello.firmwareVersion}\n`);
      } finally {
        await target.close();
      }
    });
}
