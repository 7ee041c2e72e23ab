// Flashing over a slow line with default settings: at 115 200 baud over a real PTY (the
// emulator paces both directions at the UART rate), step timeouts and the block size come
// from the line rate, and a rerun straight after an interrupted flash resynchronises with a
// board that is still working through the old session's bytes.
import test from 'ava';
import { EMU } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { createFlashPeripheral } from '../../boards/emulator/flash/index.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../../drivers/serial/serialport-channel.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { blockBytesFor, flashImage } from '../../firmware-host/flash/index.ts';
import { makeImage } from './helpers/images.ts';

const BAUD = 115_200;

test('block size follows the line rate', (t) => {
  t.is(blockBytesFor(BAUD / 10, 4096), 32 * 1024);
  t.is(blockBytesFor(921_600 / 10, 4096), 256 * 1024);
  t.is(blockBytesFor(3_000_000 / 10, 4096), 256 * 1024);
  t.is(blockBytesFor(9600 / 10, 4096), 4096, 'at least one sector');
  t.is(blockBytesFor(undefined, 4096), 256 * 1024);
});

test.serial(
  '115 200 baud PTY: right after a cut-off session, flashing with defaults resyncs and confirms',
  async (t) => {
    const server = new PtyBoardServer(createEmulatedBoard(EMU, { flash: createFlashPeripheral(EMU) }), {
      baud: BAUD,
    });
    t.teardown(() => server.close());
    const image = makeImage({ version: { major: 7, minor: 1, patch: 0, build: 1 }, bodyBytes: 60_000 });

    // A first session that fills its window (a bulk write, as a block transfer does) and is
    // then cut off: the board keeps receiving what was already on the line (~64 KiB, ~5.7 s
    // at this rate, longer than the bare SYNC timeout) and answers the old session meanwhile.
    const first = await SerialDevice.connect(await openSerialChannel(server.path, BAUD), { baud: BAUD });
    t.is(first.linkBytesPerSecond, BAUD / 10);
    const bulk = first.writeMemory(EMU.flashStaging.base, new Uint8Array(128 * 1024));
    bulk.catch(() => undefined);
    while (first.link.stats.bytesOut < 60 * 1024) await new Promise((r) => setTimeout(r, 20));
    await first.close();
    await t.throwsAsync(bulk);

    // Rerun at once, with defaults.
    const again = await SerialDevice.connect(await openSerialChannel(server.path, BAUD), { baud: BAUD });
    t.teardown(() => void again.close());
    const r = await flashImage(again, image);
    t.like(r, { slot: 'B', confirmed: true, alreadyInstalled: false, blocks: 2 });
    t.is(r.hello.firmwareVersion, '7.1.0+1');
  },
);
