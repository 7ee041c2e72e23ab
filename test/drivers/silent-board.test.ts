// A board that stops answering must surface as a TimeoutError after the per-command
// timeout (with retransmissions in between), never as a hang.
import test from 'ava';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { SerialFirmware } from '../../boards/emulator/serial-firmware/firmware.ts';
import { TimeoutError } from '../../boards/errors.ts';
import { createPipe } from '../../drivers/link/memory-pipe.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';

/** The real emulator behind its serial firmware, whose replies can be switched off. */
function silenceableBoard() {
  const board = createEmulatedBoard(BOARDS.emu);
  const pipe = createPipe();
  let answering = true;
  const firmware = new SerialFirmware(board, (b) => {
    if (answering) pipe.board.write(b);
  });
  pipe.board.onData((c) => firmware.receive(c));
  return {
    board,
    host: pipe.host,
    setAnswering: (on: boolean) => {
      answering = on;
    },
  };
}

test('a board that goes silent mid-session gives TimeoutError, not a hang', async (t) => {
  const { board, setAnswering, host } = silenceableBoard();
  const device = await SerialDevice.connect(host, { timeoutMs: { command: 400 } });
  t.is(await device.readRegister('TILE_COUNT'), 4);

  setAnswering(false);
  const err = await t.throwsAsync(device.writeRegister('SCRATCH', 7), { instanceOf: TimeoutError });
  t.regex(err.message, /no reply .* within 400 ms/);
  t.true(device.link.stats.retransmits > 0, 'the host retried before giving up');
  // the board did apply the write once (only its replies were lost): exactly-once still holds
  t.is(board.readRegister(0x018), 7);

  setAnswering(true);
  t.is(await device.readRegister('SCRATCH'), 7, 'the session recovers when the board answers again');
  await device.close();
});

test('a bulk write to a board that goes silent fails after one timeout, not one per chunk', async (t) => {
  const { setAnswering, host } = silenceableBoard();
  const device = await SerialDevice.connect(host, { timeoutMs: { command: 300 } });
  setAnswering(false);
  const data = new Uint8Array(4 << 20); // ~1000 frames
  await t.throwsAsync(device.writeMemory(BOARDS.emu.dram.base, data), { instanceOf: TimeoutError });
  const stats = device.link.stats;
  t.true(
    stats.requests < 100,
    `only the chunks queued before the first timeout were sent (${stats.requests} requests)`,
  );
  setAnswering(true);
  t.is(await device.readRegister('TILE_COUNT'), 4);
  await device.close();
});
