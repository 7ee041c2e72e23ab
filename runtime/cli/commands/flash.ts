// cotenant flash <image> --board <device>: A/B update with a progress bar, verify before
// switching, test boot, confirm after a healthy hello (unless --no-confirm).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { findBoard } from '../../../boards/definitions.ts';
import { createEmulatedBoard } from '../../../boards/emulator/index.ts';
import { ConfigError } from '../../../boards/errors.ts';
import type { Device } from '../../../drivers/device.ts';
import { InProcessDevice } from '../../../drivers/inprocess.ts';
import { flashImage, type FlashProgress } from '../../../firmware-host/flash/index.ts';
import { DEVICE_HELP, openDevice } from '../open-device.ts';
import { collect, loadPublicKeys } from './keys-option.ts';
import { flashFromFile } from '../flash-file.ts';

export interface FlashTarget {
  readonly device: Device;
  /** Saves an emulated board's flash back to --flash-file (no-op otherwise), then closes. */
  close(): Promise<void>;
}

/**
 * Opens the device to flash. With --flash-file the board is an in-process emulated board
 * whose flash is loaded from (and saved back to) that file — each command is then one
 * power cycle of that board, so an unconfirmed trial reverts at the next command.
 */
export async function openFlashTarget(spec: string, flashFile: string | undefined): Promise<FlashTarget> {
  if (flashFile === undefined) {
    const device = await openDevice(spec);
    return { device, close: () => device.close() };
  }
  const def = findBoard(spec.startsWith('emu:') ? spec.slice(4) : spec);
  if (def === undefined)
    throw new ConfigError(`--flash-file needs an emulated board id as --board (e.g. emu), got "${spec}"`);
  const stored = flashFromFile(def, flashFile);
  const device = new InProcessDevice(createEmulatedBoard(def, { flash: stored.flash }));
  return {
    device,
    close: async () => {
      stored.save();
      await device.close();
    },
  };
}

const PHASE_LABEL: Record<FlashProgress['phase'], string> = {
  connect: 'connecting',
  write: 'writing',
  verify: 'verifying',
  reboot: 'test boot',
  confirm: 'confirming',
};

function progressReporter(): { onProgress: (p: FlashProgress) => void; stop: () => void } {
  if (process.stderr.isTTY !== true) {
    let last = '';
    return {
      onProgress: (p) => {
        if (p.phase !== last) {
          last = p.phase;
          process.stderr.write(`${PHASE_LABEL[p.phase]}…\n`);
        }
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} [{bar}] {percentage}% {value}/{total} B {speed}',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = process.hrtime.bigint();
  let started = false;
  return {
    onProgress: (p) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const speed =
        p.phase === 'write' && seconds > 0 ? `${(p.doneBytes / 1024 / seconds).toFixed(1)} KiB/s` : '';
      if (!started) {
        bar.start(p.totalBytes, p.doneBytes, { phase: PHASE_LABEL[p.phase], speed });
        started = true;
      }
      bar.update(p.doneBytes, { phase: PHASE_LABEL[p.phase].padEnd(10), speed });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function registerFlash(program: Command): void {
  program
    .command('flash <image>')
    .description(
      'Flash a signed image into the inactive slot, verify, test-boot it, and confirm after a healthy hello',
    )
    .option('--board <device>', DEVICE_HELP, 'emu')
    .option(
      '--no-confirm',
      'leave the new firmware on trial: the next reboot reverts unless you run cotenant confirm',
    )
    .option('--flash-file <file>', 'emulated board: load/save its flash contents from/to this file')
    .option(
      '--block-kib <n>',
      'write block size in KiB (multiple of the 4 KiB sector; default from the baud: ~3 s of line time, at most 256); smaller resumes finer, larger is faster',
    )
    .option('--no-compress', 'send blocks raw even where deflate would pay')
    .option(
      '--key <pub.pem|dev>',
      'refuse to send unless the image verifies against this key (repeatable)',
      collect,
      [],
    )
    .option('--json', 'print the result as one JSON object')
    .action(
      async (
        file: string,
        o: {
          board: string;
          confirm: boolean;
          flashFile?: string;
          blockKib?: string;
          compress: boolean;
          key: string[];
          json?: boolean;
        },
      ) => {
        let image: Uint8Array;
        try {
          image = readFileSync(file);
        } catch (err) {
          throw new ConfigError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const blockKib = o.blockKib === undefined ? undefined : Number(o.blockKib);
        if (blockKib !== undefined && (!Number.isInteger(blockKib) || blockKib < 4 || blockKib % 4 !== 0))
          throw new ConfigError(`--block-kib ${o.blockKib} must be a multiple of 4`);
        const target = await openFlashTarget(o.board, o.flashFile);
        const progress = o.json === true ? { onProgress: () => {}, stop: () => {} } : progressReporter();
        try {
          const r = await flashImage(target.device, image, {
            confirm: o.confirm,
            ...(blockKib === undefined ? {} : { blockBytes: blockKib * 1024 }),
            compress: o.compress ? 'auto' : 'never',
            onProgress: progress.onProgress,
            ...(o.key.length > 0 ? { trustedKeys: loadPublicKeys(o.key) } : {}),
          });
          progress.stop();
          if (o.json === true) {
            process.stdout.write(JSON.stringify({ ...r, hello: r.hello }) + '\n');
            return;
          }
          if (r.alreadyInstalled) {
            process.stdout.write(
              `already installed: the board runs ${r.hello.firmwareVersion} from slot ${r.slot}, confirmed, and that slot holds this image; nothing written\n`,
            );
            return;
          }
          const state = r.confirmed
            ? 'confirmed'
            : 'on trial — run `cotenant confirm` to keep it; the next reboot reverts otherwise';
          process.stdout.write(
            `flashed ${r.imageBytes} B into slot ${r.slot} (${r.stagedBytes} B sent, ${r.compressedBlocks}/${r.blocks} blocks compressed, ${r.skippedBlocks} already in place)\n`,
          );
          process.stdout.write(
            `board runs ${r.hello.firmwareVersion} from slot ${r.hello.bootSlot}, ${r.hello.tiles} tile(s), throttle ${r.hello.capabilities.throttle ? 'yes' : 'no'}: ${state}\n`,
          );
        } finally {
          progress.stop();
          await target.close();
        }
      },
    );
}
