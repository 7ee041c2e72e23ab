// A board that stops answering must surface as a TimeoutError after the per-command
// timeout (with retransmissions in between), never as a hang. Time is a ManualClock: the
// timeouts are exercised at once, without real 300–400 ms waits.
import test from 'ava';
import { BOARDS } from '../../boards/definitions.ts';
import { createEmulatedBoard } from '../../boards/emulator/index.ts';
import { SerialFirmware } from '../../boards/emulator/serial-firmware/firmware.ts';
import { TimeoutError } from '../../boards/errors.ts';
import { createPipe } from '../../drivers/link/memory-pipe.ts';
import { SerialDevice } from '../../drivers/serial/device.ts';
import { ManualClock } from './manual-clock.ts';

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
  const clock = new ManualClock();
  const device = await clock.runUntil(SerialDevice.connect(host, { timeoutMs: { command: 400 }, clock }));
  t.is(await clock.runUntil(device.readRegister('TILE_COUNT')), 4);

  setAnswering(false);
  const start = clock.now();
  const err = await t.throwsAsync(clock.runUntil(device.writeRegister('SCRATCH', 7)), {
    instanceOf: TimeoutError,
  });
  t.regex(err.message, /no reply .* within 400 ms/);
  t.is(clock.now() - start, 400, 'the deadline, to the millisecond of link time');
  t.true(device.link.stats.retransmits >= 3, 'the host retried (with backoff) before giving up');
  // the board did apply the write once (only its replies were lost): exactly-once still holds
  t.is(board.readRegister(0x018), 7);

  setAnswering(true);
  t.is(
    await clock.runUntil(device.readRegister('SCRATCH')),
    7,
    'the session recovers when the board answers again',
  );
  await device.close();
});

test('a bulk write to a board that goes silent fails after one timeout, not one per chunk', async (t) => {
  const { setAnswering, host } = silenceableBoard();
  const clock = new ManualClock();
  const device = await clock.runUntil(SerialDevice.connect(host, { timeoutMs: { command: 300 }, clock }));
  setAnswering(false);
  const data = new Uint8Array(4 << 20); // ~1000 frames
  await t.throwsAsync(clock.runUntil(device.writeMemory(BOARDS.emu.dram.base, data)), {
    instanceOf: TimeoutError,
  });
  const stats = device.link.stats;
  t.true(
    stats.requests < 100,
    `only the chunks queued before the first timeout were sent (${stats.requests} requests)`,
  );
  setAnswering(true);
  t.is(await clock.runUntil(device.readRegister('TILE_COUNT')), 4);
  await device.close();
});
