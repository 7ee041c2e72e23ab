// The emulator served on a real pseudo-terminal, reached through `serialport`.
import test from 'ava';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { DisconnectedError } from '../../boards/errors.ts';
import { PtyBoardServer } from '../../drivers/serial/pty-server.ts';
import { openSerialChannel } from '../../drivers/serial/serialport-channel.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';

const DRAM = BOARDS.emu.dram.base;

test('emulator on a PTY: stale input discarded, bulk round trip, reconnect, missing port is a typed error', async (t) => {
  const server = new PtyBoardServer(createEmulatedBoard(BOARDS.emu));
  t.teardown(() => server.close());
  t.regex(server.path, /^\/dev\/pts\/\d+$/);
  const dev = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000));
  const data = Uint8Array.from({ length: 300_001 }, (_, i) => (i * 13 + 5) & 0xff);
  await dev.writeMemory(DRAM + 3, data);
  t.deepEqual(await dev.readMemory(DRAM + 3, data.length), data);
  await dev.writeRegister('SCRATCH', 77);
  await dev.close();
  const dev2 = await SerialDevice.connect(await openSerialChannel(server.path, 3_000_000));
  t.is(await dev2.readRegister('SCRATCH'), 77);
  t.is((await dev2.hello()).boardId, BOARDS.emu.boardIdCode);
  await dev2.close();
  await t.throwsAsync(openSerialChannel('/dev/pts/does-not-exist', 115200), {
    instanceOf: DisconnectedError,
  });
});
