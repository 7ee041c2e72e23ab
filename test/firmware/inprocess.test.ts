// The full cycles over the real emulated board and the in-process transport: what is
// flashed changes what hello and the registers report after the reboot.
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import {
  CAPS_FLASH,
  CAPS_FUNCTIONAL,
  CAPS_THROTTLE,
  CAPS_THROTTLE_CREDIT,
  CAPS_STAGED,
  CAPS_TRAFFIC_GEN,
} from '../../boards/registers.ts';
import { InProcessDevice } from '../../drivers/inprocess.ts';
import { confirmBoot, flashImage } from '../../firmware-host/flash/index.ts';
import { makeImage } from './helpers/images.ts';

function open() {
  const flash = createFlashPeripheral(EMU);
  return { flash, dev: new InProcessDevice(createEmulatedBoard(EMU, { flash })) };
}

const v3 = makeImage({
  version: { major: 3, minor: 2, patch: 1, build: 9 },
  manifest: { tiles: 2, throttle: false, functional: false },
  bodyBytes: 50_000,
});

test('in-process: flash → test boot → confirm changes firmware version, tiles and capabilities', async (t) => {
  const { dev } = open();
  const before = await dev.hello();
  t.deepEqual(
    [before.firmwareVersion, before.tiles, before.capabilities.throttle, before.bootSlot],
    ['1.0.0+0', 4, true, 'A'],
  );
  t.is(
    await dev.readRegister('CAPS'),
    CAPS_THROTTLE | CAPS_THROTTLE_CREDIT | CAPS_TRAFFIC_GEN | CAPS_STAGED | CAPS_FUNCTIONAL | CAPS_FLASH,
  );

  const r = await flashImage(dev, v3);
  t.true(r.confirmed);
  const h = await dev.hello();
  t.deepEqual(
    [h.firmwareVersion, h.tiles, h.capabilities.throttle, h.capabilities.functional, h.bootSlot, h.trial],
    ['3.2.1+9', 2, false, false, 'B', false],
  );
  t.is(await dev.readRegister('FW_VERSION'), 0x030201);
  t.is(await dev.readRegister('TILE_COUNT'), 2);
  t.is(await dev.readRegister('CAPS'), CAPS_TRAFFIC_GEN | CAPS_STAGED | CAPS_FLASH); // the generators are board hardware
  t.is(await dev.readRegister('BOOT_SLOT'), 1); // B, not on trial
  t.is(await dev.readRegister('BOOT_STATUS'), 0);
  await dev.reset();
  t.is((await dev.hello()).firmwareVersion, '3.2.1+9');
});

test('in-process: --no-confirm → trial visible in BOOT_SLOT → reboot reverts; confirm keeps', async (t) => {
  const { dev } = open();
  await flashImage(dev, v3, { confirm: false });
  t.is(await dev.readRegister('BOOT_SLOT'), 0x101); // B on trial
  await dev.reset();
  const h = await dev.hello();
  t.deepEqual([h.firmwareVersion, h.bootSlot, h.trial], ['1.0.0+0', 'A', false]);

  const b = open();
  await flashImage(b.dev, v3, { confirm: false });
  await confirmBoot(b.dev);
  t.is(await b.dev.readRegister('BOOT_SLOT'), 1);
  await b.dev.reset();
  t.is((await b.dev.hello()).firmwareVersion, '3.2.1+9');
});
