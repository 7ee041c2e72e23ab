// The full update cycles over a real pseudo-terminal: the emulated board with its flash
// peripheral served by the serial firmware, reached through `serialport`.
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../../drivers/serial/serialport-channel.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { confirmBoot, flashImage, rollbackBoot } from '../../firmware-host/flash/index.ts';
import { makeImage } from './helpers/images.ts';

const image = makeImage({
  version: { major: 5, minor: 0, patch: 2, build: 3 },
  manifest: { tiles: 3, throttle: false, functional: true },
  bodyBytes: 150_000,
});

async function serve(t: { teardown(fn: () => void): void }) {
  const server = new PtyBoardServer(createEmulatedBoard(EMU, { flash: createFlashPeripheral(EMU) }));
  t.teardown(() => server.close());
  const dev = await SerialDevice.connect(await openSerialChannel(server.path, 921_600));
  t.teardown(() => {
    void dev.close();
  });
  return dev;
}

test.serial('PTY: flash → test boot → confirm; hello reports the new firmware over serial', async (t) => {
  const dev = await serve(t);
  t.is((await dev.hello()).firmwareVersion, '1.0.0+0');
  const r = await flashImage(dev, image);
  t.true(r.confirmed);
  t.deepEqual(
    [r.hello.firmwareVersion, r.hello.tiles, r.hello.capabilities.throttle, r.hello.bootSlot, r.hello.trial],
    ['5.0.2+3', 3, false, 'B', false],
  );
  await dev.reset();
  t.is((await dev.hello()).firmwareVersion, '5.0.2+3');
  t.is(await dev.readRegister('TILE_COUNT'), 3);
});

test.serial(
  'PTY: --no-confirm → reboot reverts; flash again, confirm command, rollback command',
  async (t) => {
    const dev = await serve(t);
    const r = await flashImage(dev, image, { confirm: false });
    t.deepEqual([r.hello.bootSlot, r.hello.trial], ['B', true]);
    await dev.reset();
    const h = await dev.hello();
    t.deepEqual([h.firmwareVersion, h.bootSlot, h.trial], ['1.0.0+0', 'A', false]);
    const again = await flashImage(dev, image, { confirm: false });
    t.is(again.stagedBytes, 0); // slot B already held it
    const c = await confirmBoot(dev);
    t.deepEqual([c.slot, c.trial, c.hello.firmwareVersion], ['B', false, '5.0.2+3']);
    const back = await rollbackBoot(dev);
    t.deepEqual([back.slot, back.hello.firmwareVersion], ['A', '1.0.0+0']);
  },
);
